//! The simulated disc: what was written where, as a real CD-R/RW records it (TAO run-out
//! blocks and pregaps, session lead-out/lead-in gaps, the B0 pointer), kept as JSON beside
//! the block file so that it survives the process.

use imapi_redbook::layout::TrackFlags;
use imapi_redbook::toc::{DiscType, NextSession, TocSession, TocTrack};
use imapi_redbook::{Lba, Toc};
use serde::{Deserialize, Serialize};

/// The blank medium in a simulated recorder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Media {
    /// CD-R, 74 minutes.
    CdR74,
    /// CD-R, 80 minutes.
    CdR80,
    /// CD-RW, 74 minutes.
    CdRw74,
    /// CD-RW, 80 minutes.
    CdRw80,
}

impl Media {
    /// Parses `cd-r74`, `cd-r80`, `cd-rw74` or `cd-rw80`.
    pub fn parse(s: &str) -> Option<Media> {
        Some(match s {
            "cd-r74" => Media::CdR74,
            "cd-r80" => Media::CdR80,
            "cd-rw74" => Media::CdRw74,
            "cd-rw80" => Media::CdRw80,
            _ => return None,
        })
    }

    /// The name [`Media::parse`] reads.
    pub fn name(self) -> &'static str {
        match self {
            Media::CdR74 => "cd-r74",
            Media::CdR80 => "cd-r80",
            Media::CdRw74 => "cd-rw74",
            Media::CdRw80 => "cd-rw80",
        }
    }

    /// Sectors on the disc (74 min: 333 000; 80 min: 360 000).
    pub fn sectors(self) -> i32 {
        match self {
            Media::CdR74 | Media::CdRw74 => 333_000,
            Media::CdR80 | Media::CdRw80 => 360_000,
        }
    }

    /// CD-RW.
    pub fn erasable(self) -> bool {
        matches!(self, Media::CdRw74 | Media::CdRw80)
    }

    /// The last possible start of a lead-out (ATIP): 73:59:74 or 79:59:74.
    pub fn max_lead_out(self) -> i32 {
        self.sectors() - 151
    }
}

/// Main data of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TrackKind {
    /// Mode 1, 2048-byte blocks.
    Data,
    /// CD-DA, 2352-byte blocks.
    Audio,
}

impl TrackKind {
    /// Bytes per block the host writes and READ(10)/READ CD user data returns.
    pub fn block_len(self) -> usize {
        match self {
            TrackKind::Data => 2048,
            TrackKind::Audio => 2352,
        }
    }

    /// The CTL nibble.
    pub fn control(self) -> u8 {
        match self {
            TrackKind::Data => 4,
            TrackKind::Audio => 0,
        }
    }
}

/// Where a track is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TrackState {
    /// Being written (TAO before SYNCHRONIZE CACHE, or a cued SAO track).
    Open,
    /// Recorded and closed.
    Complete,
    /// Left incomplete: a write error, the medium pulled, the power lost.
    Damaged,
}

/// One track on the disc.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackRec {
    /// Track number.
    pub number: u8,
    /// Session number.
    pub session: u8,
    /// Data or audio.
    pub kind: TrackKind,
    /// INDEX 01.
    pub start: i32,
    /// Blocks recorded from `start`.
    pub written: u32,
    /// Blocks of its pregap (INDEX 00) recorded before `start`, readable (Session-at-Once).
    #[serde(default)]
    pub pregap: u32,
    /// Written Track-at-Once (data tracks then end in 2 run-out blocks).
    pub tao: bool,
    /// Its state.
    pub state: TrackState,
}

impl TrackRec {
    /// The first block after the track, run-out included.
    pub fn end(&self) -> i32 {
        let runout = if self.tao && self.kind == TrackKind::Data { 2 } else { 0 };
        self.start + self.written as i32 + runout
    }

    /// The track's size as READ TOC and READ TRACK INFORMATION count it.
    pub fn size(&self) -> u32 {
        (self.end() - self.start) as u32
    }
}

/// A closed session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRec {
    /// Session number.
    pub number: u8,
    /// Start of its lead-out.
    pub lead_out: i32,
    /// The B0 pointer: `None` when the lead-in has none (finalized, multi-session 00b);
    /// `Some(None)` for FF:FF:FF; `Some(Some(lba))` for the next program area.
    pub b0: Option<Option<i32>>,
}

/// A Session-at-Once session between SEND CUE SHEET and SYNCHRONIZE CACHE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaoState {
    /// Pregap starts (INDEX 00, or INDEX 01 when none) of the cued tracks, in order.
    pub pregaps: Vec<i32>,
    /// The lead-out.
    pub lead_out: i32,
    /// The next block to write.
    pub next: i32,
    /// Where the lead-in's CD-Text starts, when the cue sheet's lead-in entry carries R–W
    /// data: the writes begin there, in 96-byte subchannel units, up to LBA −150.
    #[serde(default)]
    pub lead_in: Option<i32>,
}

/// Frames from a first session's lead-out to the next session's first track.
pub const FIRST_SESSION_NWA_GAP: i32 = 11_400;
/// Frames from a later session's lead-out to the next session's first track.
pub const LATER_SESSION_NWA_GAP: i32 = 6_900;
/// The pregap before a track in the same session.
pub const PREGAP: i32 = 150;

/// Everything a simulated recorder keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disc {
    /// The medium.
    pub media: Media,
    /// Fastest write speed, in × (1× = 75 blocks/s).
    pub max_speed: u16,
    /// A medium is in the tray.
    pub loaded: bool,
    /// Every track of every session, the open session's included.
    pub tracks: Vec<TrackRec>,
    /// The closed sessions.
    pub sessions: Vec<SessionRec>,
    /// No more sessions.
    pub finalized: bool,
    /// A Session-at-Once session in progress.
    pub sao: Option<SaoState>,
    /// The CD-Text packs (18 bytes each) the lead-in carries, as READ TOC format 5 gives
    /// them.
    #[serde(default)]
    pub cd_text: Vec<Vec<u8>>,
    /// The drive has no test write: its features 002Dh/002Eh and page 2Ah say so, and MODE
    /// SELECT refuses page 05h with the Test Write bit (05/26/00). A drive setting, kept when
    /// the disc changes.
    #[serde(default)]
    pub no_test_write: bool,
    /// The write speed the last SET CD SPEED chose, kB/s (page 2Ah's current write speed; the
    /// fastest when none was set). A drive setting, kept when the disc changes.
    #[serde(default)]
    pub write_kbps: Option<u16>,
}

impl Disc {
    /// A blank disc.
    pub fn blank(media: Media, max_speed: u16) -> Disc {
        Disc {
            media,
            max_speed,
            loaded: true,
            tracks: Vec::new(),
            sessions: Vec::new(),
            finalized: false,
            sao: None,
            cd_text: Vec::new(),
            no_test_write: false,
            write_kbps: None,
        }
    }

    /// A blank disc of `media` in the same drive: its speed and settings stay.
    pub fn fresh(&self, media: Media) -> Disc {
        Disc {
            no_test_write: self.no_test_write,
            write_kbps: self.write_kbps,
            ..Disc::blank(media, self.max_speed)
        }
    }

    /// Nothing recorded.
    pub fn is_blank(&self) -> bool {
        self.tracks.is_empty() && self.sessions.is_empty()
    }

    /// The number of the session being written (or to be written next).
    pub fn open_session(&self) -> u8 {
        self.sessions.len() as u8 + 1
    }

    /// Tracks of the open session.
    pub fn open_tracks(&self) -> impl Iterator<Item = &TrackRec> {
        let n = self.open_session();
        self.tracks.iter().filter(move |t| t.session == n)
    }

    /// The track being written Track-at-Once, if any.
    pub fn writing_track(&self) -> Option<&TrackRec> {
        self.tracks.last().filter(|t| t.state == TrackState::Open && t.tao)
    }

    /// Where the open session's program area starts.
    pub fn session_start(&self) -> i32 {
        match self.sessions.last() {
            None => 0,
            Some(s) if s.number == 1 => s.lead_out + FIRST_SESSION_NWA_GAP,
            Some(s) => s.lead_out + LATER_SESSION_NWA_GAP,
        }
    }

    /// Where the next track would start.
    pub fn next_track_start(&self) -> i32 {
        match self.open_tracks().last() {
            Some(t) => t.end() + PREGAP,
            None => self.session_start(),
        }
    }

    /// The next writable address of the invisible (or open) track, if writing is possible.
    pub fn nwa(&self) -> Option<i32> {
        if self.finalized || self.sao.is_some() {
            return None;
        }
        if let Some(t) = self.writing_track() {
            return Some(t.start + t.written as i32);
        }
        if self.open_tracks().any(|t| t.state == TrackState::Damaged) {
            return None;
        }
        let start = self.next_track_start();
        (start < self.media.max_lead_out()).then_some(start)
    }

    /// The next track number.
    pub fn next_track_number(&self) -> u8 {
        self.tracks.last().map_or(1, |t| t.number.saturating_add(1))
    }

    /// The TOC of the closed sessions.
    pub fn toc(&self) -> Toc {
        let sessions = self
            .sessions
            .iter()
            .map(|s| TocSession {
                number: s.number,
                disc_type: DiscType::CdDaOrCdRom,
                tracks: self
                    .tracks
                    .iter()
                    .filter(|t| t.session == s.number && t.state == TrackState::Complete)
                    .map(|t| TocTrack {
                        number: t.number,
                        flags: TrackFlags::from_control(t.kind.control()),
                        start: Lba(t.start),
                    })
                    .collect(),
                lead_out: Lba(s.lead_out),
                next: s.b0.map(|p| NextSession {
                    program_area: p.map(Lba),
                    max_lead_out: Lba(self.media.max_lead_out()),
                    mode5_pointers: if s.number == 1 { 2 } else { 1 },
                }),
            })
            .collect();
        Toc { sessions }
    }

    /// The track holding `lba` (from its recorded pregap to its end, run-out included).
    pub fn track_at(&self, lba: i32) -> Option<&TrackRec> {
        self.tracks.iter().find(|t| lba >= t.start - t.pregap as i32 && lba < t.end())
    }

    /// The readable end: the end of the last complete track (READ CAPACITY reports the
    /// block before it, run-out included, as most drives do).
    pub fn readable_end(&self) -> Option<i32> {
        self.tracks.iter().filter(|t| t.state == TrackState::Complete).map(TrackRec::end).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(number: u8, session: u8, start: i32, written: u32) -> TrackRec {
        TrackRec {
            number,
            session,
            kind: TrackKind::Data,
            start,
            written,
            pregap: 0,
            tao: true,
            state: TrackState::Complete,
        }
    }

    #[test]
    fn tao_geometry() {
        let mut d = Disc::blank(Media::CdR80, 16);
        assert_eq!(d.nwa(), Some(0));
        d.tracks.push(data(1, 1, 0, 1000));
        // S + D + 2 run-out + 150 pregap.
        assert_eq!(d.nwa(), Some(1152));
        d.sessions.push(SessionRec { number: 1, lead_out: 1002, b0: Some(Some(1002 + 11_250)) });
        assert_eq!(d.nwa(), Some(1002 + 11_400));
        d.tracks.push(data(2, 2, 12_402, 500));
        d.sessions.push(SessionRec { number: 2, lead_out: 12_904, b0: Some(Some(12_904 + 6_750)) });
        assert_eq!(d.nwa(), Some(12_904 + 6_900));
        let toc = d.toc();
        assert_eq!(toc.sessions.len(), 2);
        assert_eq!(toc.track_descriptors().last().map(|t| t.start), Some(Lba(12_904)));
        d.finalized = true;
        assert_eq!(d.nwa(), None);
        assert_eq!(Media::CdR80.max_lead_out(), 359_849);
        assert_eq!(Media::parse("cd-rw74").map(Media::erasable), Some(true));
    }
}
