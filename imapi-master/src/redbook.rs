//! [`RedbookDiscMaster`]: IRedbookDiscMaster, an audio disc staged track by track into the
//! stash, with imapi-redbook's [`Stager`] keeping IMAPI's rules (one open track, fixed gaps,
//! 99 tracks, the medium's capacity, 4-second tracks).

use imapi_codes::ImapiCode;
use imapi_redbook::cdtext::{CdText, TextFields};
use imapi_redbook::layout::{Capacity, LayoutError, Stager, DEFAULT_AUDIO_GAP};
use imapi_redbook::{Isrc, Mcn};
use imapi_stash::{CdTextPack, DiscInfo, DiscKind, Overflow, SessionClose, TrackInfo};

use crate::error::{ImapiError, Result};
use crate::master::{DiscMaster, Format, StagedDisc};
use crate::media::Media;
use crate::progress::long;
use crate::staging::Sealed;

/// Bytes in an audio block: one CD-DA frame of 588 stereo 16-bit samples.
pub const AUDIO_BLOCK_SIZE: u32 = 2352;

/// What an audio track carries besides its samples (beyond IMAPI v1, which has neither).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AudioTrackInfo {
    /// The track's ISRC, sent in the cue sheet.
    pub isrc: Option<Isrc>,
    /// The track's CD-Text (title, performer, ...), written in the lead-in.
    pub text: TextFields,
}

/// The Redbook format's staged state.
#[derive(Debug)]
pub(crate) struct RedbookState {
    stager: Option<Stager>,
    capacity: Capacity,
    pub(crate) gap: u32,
    /// Whether the active recorder's disc is blank (`None`: no recorder).
    blank: Option<bool>,
    album: TextFields,
    mcn: Option<Mcn>,
}

impl RedbookState {
    pub(crate) fn new() -> RedbookState {
        RedbookState {
            stager: None,
            capacity: Capacity::Minutes80,
            gap: DEFAULT_AUDIO_GAP,
            blank: None,
            album: TextFields::default(),
            mcn: None,
        }
    }

    pub(crate) fn clear(&mut self) {
        self.stager = None;
        self.album = TextFields::default();
        self.mcn = None;
    }

    /// The medium's capacity (a blank disc's last possible lead-out; nothing on a written
    /// disc: audio needs a blank one) and the recorder's AudioGapSize. Tracks already staged
    /// keep the capacity and the gap they were staged under. (The gap is read again from the
    /// active recorder when the first track is created: [`DiscMaster::audio_gap`].)
    pub(crate) fn set_media(&mut self, media: Option<&Media>, gap: Option<i32>) {
        self.blank = media.map(|m| m.is_blank() && m.is_writable());
        if let Some(g) = gap.and_then(|g| u32::try_from(g).ok()) {
            self.gap = g;
        }
        self.capacity = match media {
            None => Capacity::Minutes80,
            Some(m) if m.is_blank() => match m.last_lead_out {
                Some(l) => Capacity::LastLeadOut(imapi_redbook::Lba(l)),
                None => Capacity::Minutes80,
            },
            Some(_) => Capacity::LastLeadOut(imapi_redbook::Lba(0)),
        };
        if self.stager.as_ref().is_some_and(|s| s.track_count() == 0) {
            self.stager = None;
        }
    }

    fn stager(&mut self) -> Result<&mut Stager> {
        if self.stager.is_none() {
            self.stager = Some(Stager::new(self.capacity, self.gap)?);
        }
        match self.stager.as_mut() {
            Some(s) => Ok(s),
            None => Err(ImapiError::new(ImapiCode::Generic, "no audio stager")),
        }
    }

    fn view(&self) -> Option<&Stager> {
        self.stager.as_ref()
    }
}

/// IRedbookDiscMaster: stage an audio disc. Borrowed from [`DiscMaster::redbook`].
pub struct RedbookDiscMaster<'m> {
    m: &'m mut DiscMaster,
}

impl<'m> RedbookDiscMaster<'m> {
    pub(crate) fn new(m: &'m mut DiscMaster) -> Self {
        RedbookDiscMaster { m }
    }

    /// `f` of the stager, or of a new one for the medium when nothing is staged yet.
    fn ask<T>(&self, f: impl Fn(&Stager) -> T) -> Result<T> {
        match self.m.redbook.view() {
            Some(s) => Ok(f(s)),
            None => Ok(f(&Stager::new(self.m.redbook.capacity, self.m.audio_gap())?)),
        }
    }

    /// GetTotalAudioTracks: closed tracks plus the open one.
    pub fn total_audio_tracks(&self) -> usize {
        self.m.redbook.view().map_or(0, Stager::track_count)
    }

    /// GetTotalAudioBlocks: every block of the medium available for audio and gaps.
    pub fn total_audio_blocks(&self) -> Result<u32> {
        self.ask(Stager::total_blocks)
    }

    /// GetUsedAudioBlocks: blocks of the closed and open tracks, gaps included.
    pub fn used_audio_blocks(&self) -> u32 {
        self.m.redbook.view().map_or(0, Stager::used_blocks)
    }

    /// GetAvailableAudioTrackBlocks: what the open track can still take, or with none open,
    /// what a new track could hold after its gap.
    pub fn available_audio_track_blocks(&self) -> Result<u32> {
        self.ask(Stager::available_track_blocks)
    }

    /// GetAudioBlockSize: 2352.
    pub fn audio_block_size(&self) -> u32 {
        AUDIO_BLOCK_SIZE
    }

    /// CreateAudioTrack: opens a track (IMAPI_E_TRACKOPEN while one is open,
    /// IMAPI_E_DISCFULL past 99 tracks or a full disc). `blocks` is advisory, as in IMAPI: it
    /// does not fix the track's length.
    pub fn create_audio_track(&mut self, blocks: u32) -> Result<()> {
        self.create_audio_track_with(blocks, &AudioTrackInfo::default())
    }

    /// CreateAudioTrack with an ISRC and CD-Text for the track.
    pub fn create_audio_track_with(&mut self, blocks: u32, info: &AudioTrackInfo) -> Result<()> {
        let _ = blocks;
        let m = &mut *self.m;
        if m.redbook.blank == Some(false) {
            return Err(ImapiError::new(
                ImapiCode::MediumInvalidType,
                "an audio disc needs a blank disc in the active recorder",
            ));
        }
        // The stash's track first (its checkpoint undoes it), then the stager's: a failure of
        // either leaves both as they were.
        let isrc = info.isrc.and_then(|i| imapi_stash::Isrc::from_bytes(isrc_bytes(&i)));
        let closed = m.redbook.view().map_or(0, |s| s.layout().tracks().len());
        if m.redbook.view().is_none() {
            // The disc's gap is the recorder's AudioGapSize as the first track is created.
            m.redbook.gap = m.audio_gap();
        }
        let gap = m.redbook.view().map_or(m.redbook.gap, Stager::gap);
        let pregap = if closed == 0 { imapi_redbook::msf::LEAD_IN_GAP } else { gap };
        let writer = m.staging.writer(DiscKind::Audio)?;
        let checkpoint = writer.checkpoint();
        writer.begin_track(TrackInfo { isrc, ..TrackInfo::audio(pregap) })?;
        let created = m.redbook.stager().and_then(|s| Ok(s.create_track()?));
        if let Err(e) = created {
            writer.rollback(checkpoint)?;
            return Err(e);
        }
        if let Some(t) = m.redbook.stager()?.open_track_mut() {
            t.isrc = info.isrc;
            t.text = info.text.clone();
        }
        Ok(())
    }

    /// The disc's CD-Text (album title, performer, ...), written in the lead-in with the
    /// tracks' (beyond IMAPI v1).
    pub fn set_disc_text(&mut self, text: TextFields) {
        self.m.redbook.album = text;
    }

    /// The disc's Media Catalog Number, sent in the cue sheet (beyond IMAPI v1).
    pub fn set_mcn(&mut self, mcn: Option<Mcn>) {
        self.m.redbook.mcn = mcn;
    }

    /// AddAudioTrackBlocks: appends raw CD-DA (44.1 kHz, 16-bit, stereo, little-endian, as in
    /// a WAV data chunk); the length must be whole 2352-byte blocks. When the blocks do not
    /// all fit, keeps those that do and fails with IMAPI_E_DISCFULL.
    pub fn add_audio_track_blocks(&mut self, data: &[u8]) -> Result<()> {
        let m = &mut *self.m;
        if data.len() % AUDIO_BLOCK_SIZE as usize != 0 {
            return Err(ImapiError::new(
                ImapiCode::Generic,
                format!("{} bytes is not a whole number of 2352-byte blocks", data.len()),
            ));
        }
        let sinks = m.sinks.clone();
        let blocks = u32::try_from(data.len() / AUDIO_BLOCK_SIZE as usize).unwrap_or(u32::MAX);
        let stager = m.redbook.stager()?;
        if stager.open_track_mut().is_none() {
            return Err(ImapiError::from(LayoutError::TrackNotOpen));
        }
        if sinks.query_cancel() {
            return Err(ImapiError::new(ImapiCode::UserAbort, "add audio blocks cancelled"));
        }
        sinks.each(|s| s.notify_add_progress(0, long(u64::from(blocks))));
        let kept = stager.fitting_blocks(blocks);
        if kept > 0 {
            let bytes = kept as usize * AUDIO_BLOCK_SIZE as usize;
            m.staging
                .writer(DiscKind::Audio)?
                .append_blocks(&data[..bytes], Overflow::AllOrNothing)?;
        }
        let stager = m.redbook.stager()?;
        stager.add_blocks(kept)?;
        sinks.each(|s| s.notify_add_progress(long(u64::from(kept)), long(u64::from(blocks))));
        if kept < blocks {
            return Err(ImapiError::from(LayoutError::BlocksDropped { requested: blocks, kept }));
        }
        Ok(())
    }

    /// CloseAudioTrack: closes the open track (IMAPI_E_TRACKNOTOPEN without one,
    /// IMAPI_E_TRACK_NOT_BIG_ENOUGH under 4 seconds: the track then stays open).
    pub fn close_audio_track(&mut self) -> Result<()> {
        let m = &mut *self.m;
        m.redbook.stager()?.close_track()?;
        m.staging.writer(DiscKind::Audio)?.end_track()?;
        Ok(())
    }
}

/// Seals an audio disc: every track closed, the disc finalized after it.
pub(crate) fn seal(m: &mut DiscMaster) -> Result<StagedDisc> {
    if let Some(s) = m.staging.sealed() {
        let blocks = imapi_stash::Stash::open(&s.path)?.total_blocks();
        return Ok(StagedDisc { stash: s.path.clone(), blocks, format: Format::Redbook });
    }
    let Some(stager) = m.redbook.view() else {
        return Err(ImapiError::new(ImapiCode::InvalidImage, "no audio track is staged"));
    };
    if stager.track_count() != stager.layout().tracks().len() {
        return Err(ImapiError::from(LayoutError::TrackOpen));
    }
    if stager.track_count() == 0 {
        return Err(ImapiError::new(ImapiCode::InvalidImage, "no audio track is staged"));
    }
    let blocks = u64::from(stager.used_blocks());
    let mut layout = stager.layout().clone();
    layout.text = m.redbook.album.clone();
    layout.mcn = m.redbook.mcn;
    let cd_text = match CdText::from_layout(&layout) {
        Some(text) => text
            .encode()
            .map_err(|e| {
                ImapiError::new(ImapiCode::Generic, format!("CD-Text: {e}")).with_source(e)
            })?
            .into_iter()
            .filter_map(|p| CdTextPack::new(p.0))
            .collect(),
        None => Vec::new(),
    };
    let mcn = m.redbook.mcn.and_then(|x| x.as_str().parse().ok());
    let writer = m.staging.writer(DiscKind::Audio)?;
    let checkpoint = writer.checkpoint();
    let info = DiscInfo { close: SessionClose::Finalize, mcn, cd_text, ..DiscInfo::default() };
    let result = writer.set_disc_info(info).and_then(|()| writer.finish());
    match result {
        Ok(path) => {
            m.staging.set_sealed(Sealed { path: path.clone(), checkpoint: Some(checkpoint) });
            Ok(StagedDisc { stash: path, blocks, format: Format::Redbook })
        }
        Err(e) => {
            writer.rollback(checkpoint)?;
            Err(e.into())
        }
    }
}

/// The twelve characters of an ISRC.
fn isrc_bytes(i: &Isrc) -> [u8; 12] {
    let mut b = [0u8; 12];
    for (d, s) in b.iter_mut().zip(i.as_str().bytes()) {
        *d = s;
    }
    b
}
