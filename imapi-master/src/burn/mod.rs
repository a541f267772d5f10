//! The burn engine: IMAPI's RecordDisc. It takes the sealed stash and writes it to the
//! active recorder through MMC: a data disc as one Track-at-Once track in a session left
//! appendable (or finalized on request), an audio disc Session-at-Once from a cue sheet.
//!
//! # Order of work
//! 1. Seal the staged image (IMAPI_E_INVALIDIMAGE when empty, IMAPI_E_TRACKOPEN with an open
//!    audio track); NotifyPreparingBurn.
//! 2. Open the recorder exclusively (IMAPI_E_DEVICE_NOTACCESSIBLE), read its disc: no disc is
//!    IMAPI_E_MEDIUM_NOTPRESENT; another disc than the one multisession mode was set up for is
//!    IMAPI_E_WRONGDISC; a disc that cannot take the session (finalized, not blank for audio or
//!    a single-session data disc) is IMAPI_E_MEDIUM_INVALIDTYPE; too small, IMAPI_E_DISCFULL.
//! 3. Simulate is the drive's test write, where its features offer one (else
//!    IMAPI_E_DEVICE_INVALIDTYPE: the recorder does not support the operation).
//! 4. SET CD SPEED (WriteSpeed), MODE SELECT page 05h (IMAPI_E_INITIALIZE_WRITE when refused),
//!    for audio SEND CUE SHEET (and, with CD-Text staged, the lead-in's packs from the ATIP's
//!    lead-in start, in 96-byte R–W units, page 05h data block type 3, as cdrdao writes them).
//! 5. The pipeline ([`pipeline`]) and the writes ([`writer`]): NotifyBlockProgress, for audio
//!    NotifyTrackProgress; QueryCancel between writes.
//! 6. SYNCHRONIZE CACHE, then for data CLOSE TRACK and CLOSE SESSION (NotifyClosingDisc);
//!    IMAPI_E_INITIALIZE_ENDWRITE when refused.
//! 7. Optionally read everything back and compare (IMAPI_E_GENERIC on a difference): with
//!    the stash block for block, and for a data disc staged here, each file with the
//!    CRC-32C its bytes had when AddData captured them, and each file's directory record
//!    with the planned extent (see the `verify` module: this is what finds a file burned
//!    under another file's name, which a disc equal to the stash cannot show).
//! 8. Optionally eject; NotifyBurnComplete with the result; after a successful burn the
//!    staged image is cleared, after a failure it stays sealed for a retry. An eject that
//!    fails after a good burn does not fail the burn: the disc holds the image (IMAPI allows
//!    drives that cannot eject), so RecordDisc succeeds, the stash is cleared as after any
//!    good burn (burning it again would write the session twice), and the eject's error is
//!    kept for [`DiscMaster::eject_failure`].
//!
//! # Simulate keeps the staged image
//! IMAPI clears the stash "for security" after the first successful RecordDisc. A simulated
//! one (`simulate`, the drive's test write) writes nothing: it runs "almost the whole
//! process without writing" to learn whether the real burn would go through, and the image
//! it tried is the one to burn next. So a successful simulate keeps the sealed stash and
//! multisession mode, and a real burn straight after it, without staging again, writes that
//! image; only a successful real burn clears it.
//!
//! A cancel stops the writes, flushes the drive (SYNCHRONIZE CACHE) and closes what a data
//! burn opened, so the disc holds no open track, and ends in IMAPI_E_USERABORT.

pub mod pipeline;
mod verify;
pub mod writer;

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
use imapi_redbook::layout::{Capacity, Layout, Track as RbTrack, TrackFlags};
use imapi_redbook::lead_in::{lead_in_units, PW_LEN};
use imapi_redbook::Lba;
use imapi_stash::{Stash, TrackMode};
use imapi_transport::{ops, Access, Data, Transport};

use crate::error::{ImapiError, Result};
use crate::master::{Active, DiscMaster, Format, StagedDisc};
use crate::media::{read_media, Media};
use crate::progress::{long, Sinks};
use crate::recorder::{wait_ready, RecorderState};
use crate::sense_map::Operation;

use self::pipeline::{Piece, Producer};
use self::writer::{write_all, write_one, Ended, Throttle};

/// How to record (beyond IMAPI's two flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordOptions {
    /// Go through the motions without writing (the drive's test write).
    pub simulate: bool,
    /// Eject the disc afterwards.
    pub eject_after: bool,
    /// Finalize a data disc (no later session); by default it stays appendable.
    pub close_disc: bool,
    /// Read what was written back and compare it with the stash, and each staged file with
    /// the checksum of the bytes AddData read from its source.
    pub verify: bool,
}

/// Data blocks per WRITE: 64 KiB.
const DATA_PER_WRITE: usize = 32;
/// Audio blocks per WRITE: 63 504 bytes.
const AUDIO_PER_WRITE: usize = 27;
/// Lead-in subchannel units per WRITE: 64 512 bytes.
const LEAD_IN_PER_WRITE: usize = 672;

impl DiscMaster {
    /// RecordDisc: burns the staged image to the active recorder and returns when done
    /// (see the [`crate::burn`] module for the steps and the codes). `simulate` runs the
    /// drive's test write and keeps the staged image for the real burn; a successful real
    /// burn clears it. `eject_after` ejects the disc at the end.
    pub fn record_disc(&mut self, simulate: bool, eject_after: bool) -> Result<()> {
        self.record_disc_with(&RecordOptions { simulate, eject_after, ..RecordOptions::default() })
    }

    /// After a burn asked to eject that succeeded: the eject's failure, when the drive did not
    /// eject (`None` when it did, or when no eject was asked). The burn's result is not
    /// changed by it (see the [`crate::burn`] module).
    pub fn eject_failure(&self) -> Option<&ImapiError> {
        self.eject_failure.as_ref()
    }

    /// RecordDisc with every option.
    pub fn record_disc_with(&mut self, opts: &RecordOptions) -> Result<()> {
        self.require_open()?;
        self.active_disc_recorder()?;
        self.eject_failure = None;
        let sinks = self.sinks.clone();
        let result = self.record_inner(opts, &sinks);
        if let Some(a) = self.active.as_ref() {
            if a.recorder.recorder_state() == RecorderState::Burning {
                a.recorder.set_state(RecorderState::DoingNothing);
            }
        }
        let status = result.as_ref().err().map(ImapiError::code);
        sinks.each(|s| s.notify_burn_complete(status));
        if result.is_ok() && !opts.simulate {
            // "For security", as IMAPI: the stash is emptied after a successful burn. The
            // disc changed, so the recorder is made active again: that reads the disc anew
            // (multisession mode for the next session); with no disc left (ejected) it stays
            // active with no medium known.
            self.clear_staged()?;
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

    fn record_inner(&mut self, opts: &RecordOptions, sinks: &Sinks) -> Result<()> {
        let staged = self.seal()?;
        let Some(active) = self.active.as_mut() else {
            return Err(ImapiError::new(ImapiCode::NoActiveRecorder, "no recorder is active"));
        };
        let speed = active.recorder.properties().write_speed.max(1);
        sinks.each(|s| s.notify_preparing_burn(estimate(staged.blocks, speed) / 20 + 2));
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
        let path = active.recorder.recorder_path().clone();
        let mut t = path.open(Access::Exclusive)?;
        active.recorder.set_state(RecorderState::Burning);
        let t = t.as_mut();
        let media = read_media(t, &device)?;
        if !media.present {
            return Err(ImapiError::new(ImapiCode::MediumNotPresent, format!("{device}: no disc")));
        }
        if opts.simulate && !identity.test_write {
            return Err(ImapiError::new(
                ImapiCode::DeviceInvalidType,
                format!("{device}: the drive cannot simulate (no test write)"),
            ));
        }
        let base = self.joliet_base_first_block();
        let checks = match staged.format {
            Format::Joliet => self.joliet.file_checks(),
            Format::Redbook => None,
        };
        check_disc(&device, &staged, &media, &expected, base)?;
        let _ = ops::command(t, &SetCdSpeed::write_multiple(u16::try_from(speed).unwrap_or(0)));
        let ctx = Ctx { device: &device, sinks, opts, buf };
        let written = match staged.format {
            Format::Joliet => burn_data(t, &ctx, &staged, &media)?,
            Format::Redbook => burn_audio(t, &ctx, &staged, &media)?,
        };
        if opts.verify && !opts.simulate {
            verify::against_stash(t, device.as_str(), sinks, &staged, &written.starts, checks)?;
        }
        if opts.eject_after {
            self.eject_failure = crate::recorder::eject(t, &device).err();
        }
        Ok(())
    }
}

/// What every step needs.
struct Ctx<'a> {
    device: &'a str,
    sinks: &'a Sinks,
    opts: &'a RecordOptions,
    buf: bool,
}

/// Seconds to write `blocks` at `speed`×.
fn estimate(blocks: u64, speed: i32) -> i32 {
    long(blocks / (75 * u64::from(speed.unsigned_abs().max(1))))
}

/// Whether the disc in the drive can take the staged image.
fn check_disc(
    device: &str,
    staged: &StagedDisc,
    media: &Media,
    expected: &Media,
    base: Option<u32>,
) -> Result<()> {
    let invalid =
        |why: &str| ImapiError::new(ImapiCode::MediumInvalidType, format!("{device}: {why}"));
    match (staged.format, base) {
        (Format::Joliet, Some(first)) => {
            if media.fingerprint() != expected.fingerprint() || media.info.next_writable != first {
                return Err(ImapiError::new(
                    ImapiCode::WrongDisc,
                    format!("{device}: not the disc the multisession image was staged for"),
                ));
            }
        }
        _ => {
            if !media.is_blank() {
                return Err(if media.is_writable() {
                    invalid(
                        "the disc is not blank (make the recorder active again to add a session)",
                    )
                } else {
                    invalid("the disc is finalized or cannot be written")
                });
            }
        }
    }
    if !media.is_writable() {
        return Err(invalid("the disc cannot be written"));
    }
    let free = u64::from(media.info.free_blocks);
    let needed = match staged.format {
        Format::Joliet => staged.blocks + 2,
        Format::Redbook => staged.blocks,
    };
    if needed > free {
        return Err(ImapiError::new(
            ImapiCode::DiscFull,
            format!("{device}: the image needs {needed} blocks, the disc has {free}"),
        ));
    }
    Ok(())
}

/// MODE SELECT of page 05h.
fn select(t: &mut dyn Transport, device: &str, page: WriteParameters) -> Result<()> {
    let list =
        ModeData::with_page(ModePage::WriteParameters(page)).to_select_vec().map_err(|_| {
            ImapiError::new(ImapiCode::InitializeWrite, "write parameters do not encode")
        })?;
    let len = u16::try_from(list.len()).unwrap_or(u16::MAX);
    ops::run(t, &ModeSelect10::new(len), Data::ToDevice(&list))
        .map(|_| ())
        .map_err(|e| ImapiError::command(device, Operation::PrepareWrite, e))
}

/// Where each stash track went on the disc.
struct Written {
    starts: Vec<i32>,
}

fn burn_data(
    t: &mut dyn Transport,
    ctx: &Ctx<'_>,
    staged: &StagedDisc,
    media: &Media,
) -> Result<Written> {
    let device = ctx.device;
    let close = if ctx.opts.close_disc { MultiSession::Final } else { MultiSession::Open };
    let mut page = WriteParameters::tao_data(close);
    page.test_write = ctx.opts.simulate;
    page.bufe = ctx.buf;
    select(t, device, page)?;
    let _ = ops::command(t, &SendOpcInformation { do_opc: true, param_len: 0 });
    let nwa = ops::track_information(t, &ReadTrackInformation::invisible())
        .map_err(|e| ImapiError::query(device, Operation::PrepareWrite, e))?;
    if !nwa.nwa_valid || nwa.nwa.0 != i32::try_from(media.info.next_writable).unwrap_or(-1) {
        return Err(ImapiError::new(
            ImapiCode::WrongDisc,
            format!("{device}: the next writable address moved"),
        ));
    }
    let start = nwa.nwa.0;
    let producer = Producer::start(&staged.stash, vec![Piece::Track(0)], 2048, DATA_PER_WRITE);
    let mut throttle = Throttle::new(staged.blocks);
    let ended = write_all(t, device, &producer, start, 2048, ctx.sinks, &mut |done| {
        throttle.report(ctx.sinks, done)
    });
    drop(producer);
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
        Ended::Done => Ok(Written { starts: vec![start] }),
        Ended::Cancelled => Err(ImapiError::new(ImapiCode::UserAbort, "the burn was cancelled")),
    }
}

/// SYNCHRONIZE CACHE and wait for the drive.
fn flush(t: &mut dyn Transport, device: &str) -> Result<()> {
    ops::command(t, &SynchronizeCache::default())
        .map_err(|e| ImapiError::command(device, Operation::Close, e))?;
    wait_ready(t, device, Operation::Close, Duration::from_secs(3600))
}

fn burn_audio(
    t: &mut dyn Transport,
    ctx: &Ctx<'_>,
    staged: &StagedDisc,
    media: &Media,
) -> Result<Written> {
    let device = ctx.device;
    let stash = Stash::open(&staged.stash)?;
    let capacity =
        media.last_lead_out.map_or(Capacity::Minutes80, |l| Capacity::LastLeadOut(Lba(l)));
    let mut layout = Layout::new(capacity);
    let bad = |why: String| {
        ImapiError::new(ImapiCode::InvalidImage, format!("{}: {why}", staged.stash.display()))
    };
    for tr in stash.tracks() {
        if tr.info.mode != TrackMode::Audio {
            return Err(bad("a data track in an audio stash".into()));
        }
        let mut rb = RbTrack::audio(tr.info.pregap, u32::try_from(tr.blocks).unwrap_or(u32::MAX));
        rb.flags = TrackFlags::from_control(tr.info.control.bits());
        rb.isrc = tr.info.isrc.and_then(|i| i.as_str().parse().ok());
        layout.push(rb)?;
    }
    layout.mcn = stash.disc_info().mcn.and_then(|m| m.as_str().parse().ok());
    let packs: Vec<Pack> = stash.disc_info().cd_text.iter().map(|p| Pack(*p.as_bytes())).collect();
    // CD-Text goes in the lead-in: writing starts there (from the ATIP), in 96-byte units.
    let lead_in = if packs.is_empty() {
        None
    } else {
        let atip: Atip = ops::query(t, &ReadToc::new(TocFormat::Atip, ATIP_LEN as u16))
            .map_err(|e| ImapiError::query(device, Operation::PrepareWrite, e))?;
        Some(atip.lead_in_start)
    };
    let options = CueSheetOptions { cd_text_lead_in: lead_in, ..CueSheetOptions::default() };
    let entries = cue_sheet(&layout, &options).map_err(|e| bad(e.to_string()))?;
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
        if !write_lead_in(t, ctx, start.to_lba().0, &packs)? {
            let _ = flush(t, device);
            return Err(ImapiError::new(ImapiCode::UserAbort, "the burn was cancelled"));
        }
    }
    // The pieces: each track's pregap (generated), then its payload; writes start at −150.
    let mut pieces = Vec::new();
    let mut starts = Vec::new();
    let mut at = -150i32;
    let mut ends = Vec::new();
    for (k, tr) in stash.tracks().iter().enumerate() {
        pieces.push(Piece::Zeros(u64::from(tr.info.pregap)));
        at += i32::try_from(tr.info.pregap).unwrap_or(0);
        starts.push(at);
        pieces.push(Piece::Track(k));
        at += i32::try_from(tr.blocks).unwrap_or(0);
        ends.push(u64::try_from(at + 150).unwrap_or(0));
    }
    let total = ends.last().copied().unwrap_or(0);
    let tracks = stash.tracks().len() as u64;
    let producer = Producer::start(&staged.stash, pieces, 2352, AUDIO_PER_WRITE);
    let mut throttle = Throttle::new(total);
    let mut finished = 0usize;
    ctx.sinks.each(|s| s.notify_track_progress(0, long(tracks)));
    let ended = write_all(t, device, &producer, -150, 2352, ctx.sinks, &mut |done| {
        throttle.report(ctx.sinks, done);
        while finished < ends.len() && done >= ends[finished] {
            finished += 1;
            ctx.sinks.each(|s| s.notify_track_progress(long(finished as u64), long(tracks)));
        }
    });
    drop(producer);
    match ended {
        Ok(Ended::Done) => {
            ctx.sinks.each(|s| s.notify_closing_disc(30));
            flush(t, device)?;
            Ok(Written { starts })
        }
        Ok(Ended::Cancelled) => {
            let _ = flush(t, device);
            Err(ImapiError::new(ImapiCode::UserAbort, "the burn was cancelled"))
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
