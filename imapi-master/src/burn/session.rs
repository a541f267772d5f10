//! What every burn shares, whatever it reads: the frame around it (the recorder opened
//! exclusively, its disc read, NotifyBurnComplete, the recorder made active again afterwards),
//! a Track-at-Once data track and a Session-at-Once disc from [`Piece`]s.

use std::time::Duration;

use imapi_codes::ImapiCode;
use imapi_mmc::toc::ATIP_LEN;
use imapi_mmc::{
    Atip, CloseTrackSession, CueSheet, DataBlockType, ModeData, ModePage, ModeSelect10,
    MultiSession, ReadToc, ReadTrackInformation, Reply, SendOpcInformation, SetCdSpeed,
    SynchronizeCache, TocFormat, WriteParameters,
};
use imapi_redbook::cdtext::Pack;
use imapi_redbook::cuesheet::{cue_sheet, CueSheetOptions};
use imapi_redbook::layout::Layout;
use imapi_redbook::lead_in::{lead_in_units, PW_LEN};
use imapi_transport::{ops, Access, Data, Transport};

use crate::error::{ImapiError, Result};
use crate::master::{Active, DiscMaster};
use crate::media::{read_media, Media};
use crate::progress::{long, Sinks};
use crate::recorder::{wait_ready, RecorderState};
use crate::sense_map::Operation;

use super::pipeline::{run, Input, Piece};
use super::writer::{write_all, write_one, Ended, Throttle};
use super::RecordOptions;

/// Lead-in subchannel units per WRITE: 64 512 bytes.
const LEAD_IN_PER_WRITE: usize = 672;

/// What every step needs.
pub(crate) struct Ctx<'a> {
    pub(crate) device: &'a str,
    pub(crate) sinks: &'a Sinks,
    pub(crate) opts: &'a RecordOptions,
    pub(crate) buf: bool,
}

/// The recorder opened for a burn, and its disc as read now.
pub(crate) struct Opened {
    pub(crate) t: Box<dyn Transport + Send>,
    pub(crate) device: String,
    pub(crate) media: Media,
    /// The disc as it was when the recorder was made active.
    pub(crate) expected: Media,
    pub(crate) buf: bool,
    speed: i32,
}

impl Opened {
    /// SET CD SPEED to the recorder's WriteSpeed (a drive that refuses keeps its own).
    pub(crate) fn set_speed(&mut self) {
        let speed = u16::try_from(self.speed).unwrap_or(0);
        let _ = ops::command(self.t.as_mut(), &SetCdSpeed::write_multiple(speed));
    }
}

/// Seconds to write `blocks` at `speed`×.
pub(crate) fn estimate(blocks: u64, speed: i32) -> i32 {
    long(blocks / (75 * u64::from(speed.unsigned_abs().max(1))))
}

impl DiscMaster {
    /// The frame of every burn: an open master and an active recorder, `inner` with the
    /// sinks, the recorder's state back to idle, NotifyBurnComplete with the result; after a
    /// real (not simulated) success, the staged image is cleared when `clear_staged`, and the
    /// recorder is made active again to read the changed disc.
    pub(crate) fn burn_frame(
        &mut self,
        opts: &RecordOptions,
        clear_staged: bool,
        inner: impl FnOnce(&mut DiscMaster, &Sinks) -> Result<()>,
    ) -> Result<()> {
        self.require_open()?;
        self.active_disc_recorder()?;
        self.eject_failure = None;
        let sinks = self.sinks.clone();
        let result = inner(self, &sinks);
        if let Some(a) = self.active.as_ref() {
            if a.recorder.recorder_state() == RecorderState::Burning {
                a.recorder.set_state(RecorderState::DoingNothing);
            }
        }
        let status = result.as_ref().err().map(ImapiError::code);
        sinks.each(|s| s.notify_burn_complete(status));
        if result.is_ok() && !opts.simulate {
            if clear_staged {
                // "For security", as IMAPI: the stash is emptied after a successful burn.
                self.clear_staged()?;
            }
            // The disc changed, so the recorder is made active again: that reads the disc
            // anew (multisession mode for the next session); with no disc left (ejected) it
            // stays active with no medium known.
            self.drop_session_base();
            if let Some(a) = self.active.take() {
                if self.set_active_disc_recorder(&a.recorder).is_err() {
                    self.active = Some(Active { recorder: a.recorder, media: Media::default() });
                    self.refresh_capacity();
                }
            }
        }
        result
    }

    /// NotifyPreparingBurn for `blocks`, then the active recorder opened exclusively, its
    /// disc read (IMAPI_E_MEDIUM_NOTPRESENT without one) and a simulation checked against
    /// the drive's features.
    pub(crate) fn open_for_burn(
        &mut self,
        blocks: u64,
        opts: &RecordOptions,
        sinks: &Sinks,
    ) -> Result<Opened> {
        let Some(active) = self.active.as_mut() else {
            return Err(ImapiError::new(ImapiCode::NoActiveRecorder, "no recorder is active"));
        };
        let speed = active.recorder.properties().write_speed.max(1);
        sinks.each(|s| s.notify_preparing_burn(estimate(blocks, speed) / 20 + 2));
        let device = active.recorder.path();
        let identity = active.recorder.identity().clone();
        let buf = active.recorder.properties().use_buffer_underrun_free();
        let expected = active.media.clone();
        if active.recorder.is_open() {
            return Err(ImapiError::new(
                ImapiCode::DeviceNotAccessible,
                format!("{device}: the recorder is held by open_exclusive (close it first)"),
            ));
        }
        let mut t = active.recorder.recorder_path().open(Access::Exclusive)?;
        active.recorder.set_state(RecorderState::Burning);
        let media = read_media(t.as_mut(), &device)?;
        if !media.present {
            return Err(ImapiError::new(ImapiCode::MediumNotPresent, format!("{device}: no disc")));
        }
        if opts.simulate && !identity.test_write {
            return Err(ImapiError::new(
                ImapiCode::DeviceInvalidType,
                format!("{device}: the drive cannot simulate (no test write)"),
            ));
        }
        Ok(Opened { t, device, media, expected, buf, speed })
    }
}

/// MODE SELECT of page 05h.
pub(crate) fn select(t: &mut dyn Transport, device: &str, page: WriteParameters) -> Result<()> {
    let list =
        ModeData::with_page(ModePage::WriteParameters(page)).to_select_vec().map_err(|_| {
            ImapiError::new(ImapiCode::InitializeWrite, "write parameters do not encode")
        })?;
    let len = u16::try_from(list.len()).unwrap_or(u16::MAX);
    ops::run(t, &ModeSelect10::new(len), Data::ToDevice(&list))
        .map(|_| ())
        .map_err(|e| ImapiError::command(device, Operation::PrepareWrite, e))
}

/// SYNCHRONIZE CACHE and wait for the drive.
pub(crate) fn flush(t: &mut dyn Transport, device: &str) -> Result<()> {
    ops::command(t, &SynchronizeCache::default())
        .map_err(|e| ImapiError::command(device, Operation::Close, e))?;
    wait_ready(t, device, Operation::Close, Duration::from_secs(3600))
}

fn cancelled() -> ImapiError {
    ImapiError::new(ImapiCode::UserAbort, "the burn was cancelled")
}

/// One Track-at-Once data track of `blocks` blocks from `pieces` at the next writable
/// address the disc had when read (`nwa`), then CLOSE TRACK and CLOSE SESSION (finalized
/// with `close_disc`). Returns where the track starts and, with `digest`, the CRC-32C of the
/// payload read.
pub(crate) fn write_tao(
    t: &mut dyn Transport,
    ctx: &Ctx<'_>,
    nwa: u32,
    input: Input<'_>,
    pieces: Vec<Piece>,
    blocks: u64,
    digest: bool,
) -> Result<(i32, Option<u32>)> {
    let device = ctx.device;
    let close = if ctx.opts.close_disc { MultiSession::Final } else { MultiSession::Open };
    let mut page = WriteParameters::tao_data(close);
    page.test_write = ctx.opts.simulate;
    page.bufe = ctx.buf;
    select(t, device, page)?;
    let _ = ops::command(t, &SendOpcInformation { do_opc: true, param_len: 0 });
    let ti = ops::track_information(t, &ReadTrackInformation::invisible())
        .map_err(|e| ImapiError::query(device, Operation::PrepareWrite, e))?;
    if !ti.nwa_valid || ti.nwa.0 != i32::try_from(nwa).unwrap_or(-1) {
        return Err(ImapiError::new(
            ImapiCode::WrongDisc,
            format!("{device}: the next writable address moved"),
        ));
    }
    let start = ti.nwa.0;
    let mut throttle = Throttle::new(blocks);
    let (ended, crc) = run(input, pieces, digest, |queue| {
        write_all(t, device, queue, start, ctx.sinks, &mut |done| throttle.report(ctx.sinks, done))
    })?;
    let ended = match ended {
        Ok(e) => e,
        Err(e) => {
            // The drive keeps what it took; close the track so the disc holds no open one.
            let _ = flush(t, device);
            return Err(e);
        }
    };
    flush(t, device)?;
    let track = ops::track_information(t, &ReadTrackInformation::invisible())
        .map(|ti| ti.track.saturating_sub(1))
        .unwrap_or(1);
    let _ = ops::command(t, &CloseTrackSession::track(track));
    ctx.sinks.each(|s| s.notify_closing_disc(if ctx.opts.close_disc { 40 } else { 20 }));
    ops::command(t, &CloseTrackSession::session())
        .map_err(|e| ImapiError::command(device, Operation::Close, e))?;
    wait_ready(t, device, Operation::Close, Duration::from_secs(3600))?;
    match ended {
        Ended::Done => Ok((start, crc)),
        Ended::Cancelled => Err(cancelled()),
    }
}

/// A Session-at-Once disc: the cue sheet of `layout` (with the CD-Text `packs` written in the
/// lead-in when there are any), then `pieces` from LBA −150, which must cover the layout from
/// its first pregap to the lead-out. `bad` names the input in errors. Returns the blocks
/// written from −150 (as NotifyBlockProgress counted them).
pub(crate) fn write_sao(
    t: &mut dyn Transport,
    ctx: &Ctx<'_>,
    layout: &Layout,
    packs: &[Pack],
    input: Input<'_>,
    pieces: Vec<Piece>,
    bad: &dyn Fn(String) -> ImapiError,
) -> Result<u64> {
    let device = ctx.device;
    // CD-Text goes in the lead-in: writing starts there (from the ATIP), in 96-byte units.
    let lead_in = if packs.is_empty() {
        None
    } else {
        let atip: Atip = ops::query(t, &ReadToc::new(TocFormat::Atip, ATIP_LEN as u16))
            .map_err(|e| ImapiError::query(device, Operation::PrepareWrite, e))?;
        Some(atip.lead_in_start)
    };
    let options = CueSheetOptions { cd_text_lead_in: lead_in, ..CueSheetOptions::default() };
    let entries = cue_sheet(layout, &options).map_err(|e| bad(e.to_string()))?;
    let sheet = CueSheet { entries };
    let mut page = WriteParameters::sao(MultiSession::Final);
    page.test_write = ctx.opts.simulate;
    page.bufe = ctx.buf;
    page.data_block_type =
        if lead_in.is_some() { DataBlockType::RawPwRaw } else { DataBlockType::Raw };
    select(t, device, page)?;
    let _ = ops::command(t, &SendOpcInformation { do_opc: true, param_len: 0 });
    let _ = ops::track_information(t, &ReadTrackInformation::invisible());
    let bytes = sheet.to_vec().map_err(|e| bad(e.to_string()))?;
    ops::run(t, &sheet.request(), Data::ToDevice(&bytes))
        .map_err(|e| ImapiError::command(device, Operation::PrepareWrite, e))?;
    if let Some(start) = lead_in {
        if !write_lead_in(t, ctx, start.to_lba().0, packs)? {
            let _ = flush(t, device);
            return Err(cancelled());
        }
    }
    // Track progress: where each track ends, in blocks from −150.
    let ends: Vec<u64> =
        layout.positions().map(|p| u64::try_from(p.end.0 + 150).unwrap_or(0)).collect();
    let total = u64::try_from(layout.lead_out().0 + 150).unwrap_or(0);
    let tracks = ends.len() as u64;
    let mut throttle = Throttle::new(total);
    let mut finished = 0usize;
    ctx.sinks.each(|s| s.notify_track_progress(0, long(tracks)));
    let (ended, _) = run(input, pieces, false, |queue| {
        write_all(t, device, queue, -150, ctx.sinks, &mut |done| {
            throttle.report(ctx.sinks, done);
            while finished < ends.len() && done >= ends[finished] {
                finished += 1;
                ctx.sinks.each(|s| s.notify_track_progress(long(finished as u64), long(tracks)));
            }
        })
    })?;
    match ended {
        Ok(Ended::Done) => {
            ctx.sinks.each(|s| s.notify_closing_disc(30));
            flush(t, device).map(|()| total)
        }
        Ok(Ended::Cancelled) => {
            let _ = flush(t, device);
            Err(cancelled())
        }
        Err(e) => {
            let _ = flush(t, device);
            Err(e)
        }
    }
}

/// Writes the CD-Text packs, cycling, from the lead-in's start up to LBA −150.
fn write_lead_in(t: &mut dyn Transport, ctx: &Ctx<'_>, start: i32, packs: &[Pack]) -> Result<bool> {
    let blocks = usize::try_from(-150 - start).unwrap_or(0);
    let units = lead_in_units(packs, blocks);
    let mut lba = start;
    for chunk in units.chunks(LEAD_IN_PER_WRITE) {
        let buf: Vec<u8> = chunk.iter().flatten().copied().collect();
        if !write_one(t, ctx.device, lba, &buf, PW_LEN, ctx.sinks)? {
            return Ok(false);
        }
        lba += chunk.len() as i32;
    }
    Ok(true)
}
