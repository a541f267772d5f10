//! The disc layout: tracks, their pregaps and indices, and where each lands on the disc.
//!
//! Track 1 starts with a pregap of at least 150 frames that begins at LBA −150 (MSF 00:00:00),
//! so its INDEX 01 is at LBA 0 with the usual pregap. Every later track's pregap (INDEX 00)
//! begins where the previous track ends. A track lasts at least 300 frames (4 s) counted from
//! its INDEX 01, a disc has at most 99 tracks, and the lead-out must start no later than the
//! medium's last possible lead-out.

use crate::isrc::{Isrc, Mcn};
use crate::msf::{Lba, Msf, LEAD_IN_GAP};
use crate::text_fields::TextFields;
use imapi_codes::ImapiCode;

/// The fewest frames a track may hold (4 seconds), counted from its INDEX 01.
pub const MIN_TRACK_FRAMES: u32 = 300;
/// The most tracks a disc can hold.
pub const MAX_TRACKS: usize = 99;
/// IMAPI's default AudioGapSize: 2 seconds of silence before every track but the first.
pub const DEFAULT_AUDIO_GAP: u32 = 150;
/// IMAPI's largest AudioGapSize.
pub const MAX_AUDIO_GAP: u32 = 225;

/// How many blocks a medium holds: where its last lead-out may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capacity {
    /// A 74-minute medium: 333 000 blocks.
    Minutes74,
    /// An 80-minute medium: 360 000 blocks.
    Minutes80,
    /// A medium whose last possible lead-out start is known (ATIP bytes 12–14 or READ DISC
    /// INFORMATION bytes 21–23).
    LastLeadOut(Lba),
}

impl Capacity {
    /// A capacity from the MSF of the last possible lead-out start.
    pub const fn from_last_lead_out(msf: Msf) -> Capacity {
        Capacity::LastLeadOut(msf.to_lba())
    }

    /// Blocks from LBA 0 up to the last possible lead-out start.
    pub const fn blocks(self) -> u32 {
        match self {
            Capacity::Minutes74 => 74 * 60 * 75,
            Capacity::Minutes80 => 80 * 60 * 75,
            Capacity::LastLeadOut(lba) => {
                if lba.0 < 0 {
                    0
                } else {
                    lba.0.unsigned_abs()
                }
            }
        }
    }
}

/// The CTL nibble of a track (Q subchannel, TOC, cue sheet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TrackFlags {
    /// Pre-emphasis (audio only): CTL bit 0.
    pub pre_emphasis: bool,
    /// Digital copy permitted: CTL bit 1.
    pub copy_permitted: bool,
    /// A data track: CTL bit 2.
    pub data: bool,
    /// Four-channel audio: CTL bit 3.
    pub four_channel: bool,
}

impl TrackFlags {
    /// The 4-bit CTL value.
    pub const fn control(self) -> u8 {
        (self.pre_emphasis as u8)
            | (self.copy_permitted as u8) << 1
            | (self.data as u8) << 2
            | (self.four_channel as u8) << 3
    }

    /// Flags from a CTL value (the high bits are ignored).
    pub const fn from_control(ctl: u8) -> TrackFlags {
        TrackFlags {
            pre_emphasis: ctl & 1 != 0,
            copy_permitted: ctl & 2 != 0,
            data: ctl & 4 != 0,
            four_channel: ctl & 8 != 0,
        }
    }
}

/// One track of a layout.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Track {
    /// Frames of pregap (INDEX 00 up to INDEX 01). Track 1 needs at least 150.
    pub pregap: u32,
    /// Frames from INDEX 01 to the end of the track (the next pregap or the lead-out).
    pub length: u32,
    /// INDEX 02, 03, ... as frame offsets from INDEX 01, strictly increasing, inside the track.
    pub indexes: Vec<u32>,
    /// The track's ISRC.
    pub isrc: Option<Isrc>,
    /// The CTL bits.
    pub flags: TrackFlags,
    /// CD-Text fields of the track.
    pub text: TextFields,
}

impl Track {
    /// An audio track of `length` frames after a pregap of `pregap` frames.
    pub fn audio(pregap: u32, length: u32) -> Track {
        Track { pregap, length, ..Track::default() }
    }
}

/// Where one track lies on the disc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackPosition {
    /// The track number.
    pub number: u8,
    /// INDEX 00: where the pregap begins.
    pub pregap_start: Lba,
    /// INDEX 01: where the track begins (the TOC address).
    pub start: Lba,
    /// One past the last frame of the track.
    pub end: Lba,
}

impl TrackPosition {
    /// Frames from INDEX 01 to the end.
    pub fn length(&self) -> u32 {
        self.end.0.abs_diff(self.start.0)
    }
}

/// A layout rule broken, or a staging call made in the wrong state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// More than 99 tracks.
    #[error("a disc holds at most {MAX_TRACKS} tracks")]
    TooManyTracks,
    /// A track shorter than 300 frames.
    #[error(
        "track {track} has {frames} frames, fewer than the {MIN_TRACK_FRAMES} (4 s) a track needs"
    )]
    TrackNotBigEnough {
        /// The track number.
        track: u8,
        /// Its length in frames.
        frames: u32,
    },
    /// The tracks do not fit the medium.
    #[error("{needed} blocks needed, the medium holds {capacity}")]
    DiscFull {
        /// Blocks the layout needs (from LBA 0 to the lead-out).
        needed: u64,
        /// Blocks the medium holds.
        capacity: u32,
    },
    /// Audio blocks were added beyond the capacity; those that fit were kept.
    #[error("{requested} blocks added but only {kept} fit on the medium")]
    BlocksDropped {
        /// Blocks offered.
        requested: u32,
        /// Blocks kept.
        kept: u32,
    },
    /// Track 1's pregap is shorter than the mandatory 150 frames.
    #[error("track 1 has a pregap of {frames} frames, the disc needs at least 150")]
    FirstPregap {
        /// The pregap given.
        frames: u32,
    },
    /// An AudioGapSize above 225 frames.
    #[error("audio gap of {frames} frames, at most {MAX_AUDIO_GAP} allowed")]
    GapTooLong {
        /// The gap given.
        frames: u32,
    },
    /// An index missing (INDEX 01), out of order, or past the track end (INDEX 02+).
    #[error(
        "track {track}: index {index} at frame {offset} is out of order or past the track end"
    )]
    Index {
        /// The track number.
        track: u8,
        /// The index number (2 and up).
        index: usize,
        /// Its offset from INDEX 01.
        offset: u32,
    },
    /// A first track number outside 1..=99.
    #[error("first track number {0} is outside 1..=99")]
    FirstTrackNumber(u8),
    /// A track is open where none may be.
    #[error("an audio track is open")]
    TrackOpen,
    /// No track is open where one must be.
    #[error("no audio track is open")]
    TrackNotOpen,
}

impl LayoutError {
    /// The IMAPI result code this error stands for, where one applies.
    pub fn imapi_code(&self) -> Option<ImapiCode> {
        Some(match self {
            LayoutError::TooManyTracks
            | LayoutError::DiscFull { .. }
            | LayoutError::BlocksDropped { .. } => ImapiCode::DiscFull,
            LayoutError::TrackNotBigEnough { .. } => ImapiCode::TrackNotBigEnough,
            LayoutError::TrackOpen => ImapiCode::TrackOpen,
            LayoutError::TrackNotOpen => ImapiCode::TrackNotOpen,
            _ => return None,
        })
    }
}

/// A whole audio disc: tracks in order, the disc's MCN and CD-Text, and the medium.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    capacity: Capacity,
    first_track: u8,
    tracks: Vec<Track>,
    /// The disc's Media Catalogue Number.
    pub mcn: Option<Mcn>,
    /// The album's CD-Text fields.
    pub text: TextFields,
}

impl Layout {
    /// An empty layout for a medium; tracks are numbered from 1.
    pub fn new(capacity: Capacity) -> Layout {
        Layout {
            capacity,
            first_track: 1,
            tracks: Vec::new(),
            mcn: None,
            text: TextFields::default(),
        }
    }

    /// Numbers tracks from `first` (1..=99) instead of 1.
    pub fn with_first_track(mut self, first: u8) -> Result<Layout, LayoutError> {
        if !(1..=99).contains(&first) {
            return Err(LayoutError::FirstTrackNumber(first));
        }
        if usize::from(first) + self.tracks.len() > MAX_TRACKS + 1 {
            return Err(LayoutError::TooManyTracks);
        }
        self.first_track = first;
        Ok(self)
    }

    /// The medium.
    pub fn capacity(&self) -> Capacity {
        self.capacity
    }

    /// The tracks in order.
    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// The number of the first track.
    pub fn first_track_number(&self) -> u8 {
        self.first_track
    }

    /// The number of the last track (the first one's number when there is none).
    pub fn last_track_number(&self) -> u8 {
        // At most 99 tracks numbered up to 99: the sum fits.
        (usize::from(self.first_track) + self.tracks.len().saturating_sub(1)).min(99) as u8
    }

    /// Appends a track after checking the Red Book rules: at most 99 tracks, at least 300
    /// frames, 150 or more frames of pregap on the first track, INDEX 02+ in order inside the
    /// track, and the lead-out within the medium.
    pub fn push(&mut self, track: Track) -> Result<(), LayoutError> {
        if usize::from(self.first_track) + self.tracks.len() > MAX_TRACKS {
            return Err(LayoutError::TooManyTracks);
        }
        let number = self.first_track + self.tracks.len() as u8;
        if self.tracks.is_empty() && track.pregap < LEAD_IN_GAP {
            return Err(LayoutError::FirstPregap { frames: track.pregap });
        }
        if track.length < MIN_TRACK_FRAMES {
            return Err(LayoutError::TrackNotBigEnough { track: number, frames: track.length });
        }
        let mut prev = 0;
        for (i, &offset) in track.indexes.iter().enumerate() {
            if offset <= prev || offset >= track.length || i >= 98 {
                return Err(LayoutError::Index { track: number, index: i + 2, offset });
            }
            prev = offset;
        }
        let needed = self.end_frames() + u64::from(track.pregap) + u64::from(track.length)
            - u64::from(LEAD_IN_GAP);
        if needed > u64::from(self.capacity.blocks()) {
            return Err(LayoutError::DiscFull { needed, capacity: self.capacity.blocks() });
        }
        self.tracks.push(track);
        Ok(())
    }

    /// Frames from LBA −150 to the lead-out.
    fn end_frames(&self) -> u64 {
        self.tracks.iter().map(|t| u64::from(t.pregap) + u64::from(t.length)).sum::<u64>()
    }

    /// Where each track lies.
    pub fn positions(&self) -> impl Iterator<Item = TrackPosition> + '_ {
        let mut at = Lba::PROGRAM_START.0;
        self.tracks.iter().enumerate().map(move |(i, t)| {
            // push() keeps every address below the capacity, far inside i32.
            let pregap_start = Lba(at);
            let start = Lba(at + t.pregap as i32);
            at = start.0 + t.length as i32;
            TrackPosition { number: self.first_track + i as u8, pregap_start, start, end: Lba(at) }
        })
    }

    /// Where the lead-out starts (LBA 0 for a layout with no tracks).
    pub fn lead_out(&self) -> Lba {
        Lba((self.end_frames() as i64 - i64::from(LEAD_IN_GAP)).max(0) as i32)
    }

    /// Blocks used from LBA 0 up to the lead-out (tracks and their gaps).
    pub fn used_blocks(&self) -> u32 {
        self.lead_out().0.unsigned_abs()
    }

    /// Blocks the medium holds.
    pub fn total_blocks(&self) -> u32 {
        self.capacity.blocks()
    }

    /// Blocks still free on the medium.
    pub fn free_blocks(&self) -> u32 {
        self.total_blocks().saturating_sub(self.used_blocks())
    }
}

/// IRedbookDiscMaster's staging rules over a [`Layout`]: one open track at a time, a fixed gap
/// (AudioGapSize) before every track but the first, blocks added until the medium is full.
#[derive(Debug, Clone)]
pub struct Stager {
    layout: Layout,
    gap: u32,
    open: Option<Track>,
}

impl Stager {
    /// A stager for a medium with `gap` frames (AudioGapSize, 0..=225) between tracks.
    pub fn new(capacity: Capacity, gap: u32) -> Result<Stager, LayoutError> {
        if gap > MAX_AUDIO_GAP {
            return Err(LayoutError::GapTooLong { frames: gap });
        }
        Ok(Stager { layout: Layout::new(capacity), gap, open: None })
    }

    /// The gap between tracks.
    pub fn gap(&self) -> u32 {
        self.gap
    }

    /// The closed tracks.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The closed layout; fails while a track is open.
    pub fn into_layout(self) -> Result<Layout, LayoutError> {
        match self.open {
            Some(_) => Err(LayoutError::TrackOpen),
            None => Ok(self.layout),
        }
    }

    /// GetTotalAudioTracks: closed tracks plus the open one.
    pub fn track_count(&self) -> usize {
        self.layout.tracks().len() + usize::from(self.open.is_some())
    }

    /// GetTotalAudioBlocks: every block of the medium available for audio and gaps.
    pub fn total_blocks(&self) -> u32 {
        self.layout.total_blocks()
    }

    /// GetUsedAudioBlocks: blocks of closed and open tracks, with their gaps.
    pub fn used_blocks(&self) -> u32 {
        let open = self.open.as_ref().map_or(0, |t| t.pregap + t.length);
        // The first track's 150-frame pregap sits before LBA 0 and uses no capacity.
        let open =
            if self.layout.tracks().is_empty() { open.saturating_sub(LEAD_IN_GAP) } else { open };
        self.layout.used_blocks().saturating_add(open)
    }

    /// The pregap a new track would get.
    fn next_pregap(&self) -> u32 {
        if self.layout.tracks().is_empty() {
            LEAD_IN_GAP
        } else {
            self.gap
        }
    }

    /// GetAvailableAudioTrackBlocks: blocks the open track can still take, or with no open
    /// track what a new track could hold after its gap.
    pub fn available_track_blocks(&self) -> u32 {
        let free = self.total_blocks().saturating_sub(self.used_blocks());
        match self.open {
            Some(_) => free,
            None if self.track_count() >= MAX_TRACKS => 0,
            None => {
                let gap = if self.layout.tracks().is_empty() { 0 } else { self.gap };
                free.saturating_sub(gap)
            }
        }
    }

    /// How many of `blocks` the open track (or a new one) could still take.
    pub fn fitting_blocks(&self, blocks: u32) -> u32 {
        blocks.min(self.available_track_blocks())
    }

    /// CreateAudioTrack: opens a new track.
    pub fn create_track(&mut self) -> Result<(), LayoutError> {
        if self.open.is_some() {
            return Err(LayoutError::TrackOpen);
        }
        if self.layout.tracks().len() >= MAX_TRACKS {
            return Err(LayoutError::TooManyTracks);
        }
        let pregap = self.next_pregap();
        let counted = if self.layout.tracks().is_empty() { 0 } else { pregap };
        let free = self.total_blocks().saturating_sub(self.used_blocks());
        if counted > free {
            return Err(LayoutError::DiscFull {
                needed: u64::from(self.used_blocks()) + u64::from(counted),
                capacity: self.total_blocks(),
            });
        }
        self.open = Some(Track::audio(pregap, 0));
        Ok(())
    }

    /// The open track, to set its ISRC, flags and text.
    pub fn open_track_mut(&mut self) -> Option<&mut Track> {
        self.open.as_mut()
    }

    /// AddAudioTrackBlocks: appends `blocks` frames to the open track. When they do not all
    /// fit, keeps those that do and returns [`LayoutError::BlocksDropped`] (IMAPI_E_DISCFULL).
    /// Returns the number of blocks kept.
    pub fn add_blocks(&mut self, blocks: u32) -> Result<u32, LayoutError> {
        let kept = self.fitting_blocks(blocks);
        let track = self.open.as_mut().ok_or(LayoutError::TrackNotOpen)?;
        track.length += kept;
        if kept < blocks {
            return Err(LayoutError::BlocksDropped { requested: blocks, kept });
        }
        Ok(kept)
    }

    /// CloseAudioTrack: closes the open track. A track under 300 frames is refused with
    /// [`LayoutError::TrackNotBigEnough`] and stays open.
    pub fn close_track(&mut self) -> Result<(), LayoutError> {
        let track = self.open.take().ok_or(LayoutError::TrackNotOpen)?;
        match self.layout.push(track.clone()) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.open = Some(track);
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities() {
        assert_eq!(Capacity::Minutes74.blocks(), 333_000);
        assert_eq!(Capacity::Minutes80.blocks(), 360_000);
        let last = Msf::new(79, 59, 74).unwrap();
        assert_eq!(Capacity::from_last_lead_out(last).blocks(), 359_849);
    }

    #[test]
    fn positions_follow_the_pregaps() {
        let mut l = Layout::new(Capacity::Minutes80);
        l.push(Track::audio(150, 3000)).unwrap();
        l.push(Track::audio(150, 4500)).unwrap();
        l.push(Track::audio(0, 300)).unwrap();
        let p: Vec<_> = l.positions().collect();
        assert_eq!((p[0].pregap_start, p[0].start, p[0].end), (Lba(-150), Lba(0), Lba(3000)));
        assert_eq!((p[1].pregap_start, p[1].start, p[1].end), (Lba(3000), Lba(3150), Lba(7650)));
        assert_eq!((p[2].pregap_start, p[2].start, p[2].end), (Lba(7650), Lba(7650), Lba(7950)));
        assert_eq!(l.lead_out(), Lba(7950));
        assert_eq!(l.used_blocks(), 7950);
        assert_eq!(l.last_track_number(), 3);
    }

    #[test]
    fn rules_are_enforced() {
        let mut l = Layout::new(Capacity::Minutes74);
        assert_eq!(l.push(Track::audio(149, 300)), Err(LayoutError::FirstPregap { frames: 149 }));
        let e = l.push(Track::audio(150, 299)).unwrap_err();
        assert_eq!(e, LayoutError::TrackNotBigEnough { track: 1, frames: 299 });
        assert_eq!(e.imapi_code(), Some(ImapiCode::TrackNotBigEnough));
        let e = l.push(Track::audio(150, 333_001)).unwrap_err();
        assert_eq!(e.imapi_code(), Some(ImapiCode::DiscFull));
        l.push(Track::audio(150, 333_000)).unwrap();
        let mut t = Track::audio(0, 400);
        t.indexes = vec![10, 10];
        let mut l = Layout::new(Capacity::Minutes74);
        l.push(Track::audio(150, 300)).unwrap();
        assert_eq!(l.push(t), Err(LayoutError::Index { track: 2, index: 3, offset: 10 }));
        let mut l = Layout::new(Capacity::Minutes80);
        for _ in 0..99 {
            l.push(Track::audio(150, 300)).unwrap();
        }
        assert_eq!(l.push(Track::audio(150, 300)), Err(LayoutError::TooManyTracks));
    }

    #[test]
    fn stager_counts_like_iredbook() {
        let cap = Capacity::LastLeadOut(Lba(1000));
        let mut s = Stager::new(cap, 150).unwrap();
        assert_eq!(s.total_blocks(), 1000);
        assert_eq!(s.available_track_blocks(), 1000);
        assert_eq!(s.add_blocks(1), Err(LayoutError::TrackNotOpen));
        s.create_track().unwrap();
        assert_eq!(s.create_track(), Err(LayoutError::TrackOpen));
        assert_eq!(s.add_blocks(200), Ok(200));
        let e = s.close_track().unwrap_err();
        assert_eq!(e.imapi_code(), Some(ImapiCode::TrackNotBigEnough));
        assert_eq!(s.add_blocks(200), Ok(200));
        s.close_track().unwrap();
        assert_eq!(s.used_blocks(), 400);
        // A new track pays its 150-frame gap first.
        assert_eq!(s.available_track_blocks(), 450);
        s.create_track().unwrap();
        assert_eq!(s.used_blocks(), 550);
        assert_eq!(s.available_track_blocks(), 450);
        assert_eq!(s.fitting_blocks(1000), 450);
        let e = s.add_blocks(1000).unwrap_err();
        assert_eq!(e, LayoutError::BlocksDropped { requested: 1000, kept: 450 });
        assert_eq!(e.imapi_code(), Some(ImapiCode::DiscFull));
        assert_eq!(s.used_blocks(), 1000);
        assert_eq!(s.available_track_blocks(), 0);
        s.close_track().unwrap();
        let layout = s.into_layout().unwrap();
        assert_eq!(layout.lead_out(), Lba(1000));
        assert_eq!(layout.tracks()[1].pregap, 150);
    }

    #[test]
    fn stager_gap_limits() {
        assert_eq!(
            Stager::new(Capacity::Minutes74, 226).unwrap_err(),
            LayoutError::GapTooLong { frames: 226 }
        );
        let mut s = Stager::new(Capacity::Minutes74, 0).unwrap();
        s.create_track().unwrap();
        s.add_blocks(300).unwrap();
        s.close_track().unwrap();
        s.create_track().unwrap();
        s.add_blocks(300).unwrap();
        s.close_track().unwrap();
        let l = s.into_layout().unwrap();
        let p: Vec<_> = l.positions().collect();
        assert_eq!(p[1].pregap_start, p[1].start);
        assert_eq!(p[1].start, Lba(300));
    }

    #[test]
    fn flags_round_trip() {
        for ctl in 0..16 {
            assert_eq!(TrackFlags::from_control(ctl).control(), ctl);
        }
    }
}
