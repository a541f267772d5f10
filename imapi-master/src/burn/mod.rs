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
//! 7. Optionally read everything back and compare (IMAPI_E_GENERIC on a difference; its
//!    progress goes to NotifyVerifyProgress, a callback beyond IMAPI v1): with
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
//!
//! # Beyond the stash (IMAPI v2)
//! [`DiscMaster::record_image`] and [`DiscMaster::record_stream`] (IDiscFormat2Data::Write)
//! burn an existing image or any stream of known length as one data track, without staging
//! (see [`image`]'s rules); [`DiscMaster::record_cue`] (RawCD) burns a BIN/CUE
//! Session-at-Once (see [`cue`]). Every burn goes through the same engine: the [`pipeline`]'s
//! producer reads pieces of a stash or of files and streams, [`writer`] sends them.

pub mod cue;
pub mod image;
pub mod pipeline;
mod session;
mod verify;
pub mod writer;

use imapi_codes::ImapiCode;
use imapi_redbook::cdtext::Pack;
use imapi_redbook::layout::{Capacity, Layout, Track as RbTrack, TrackFlags};
use imapi_redbook::Lba;
use imapi_stash::{Stash, TrackMode};
use imapi_transport::Transport;

use crate::error::{ImapiError, Result};
use crate::master::{DiscMaster, Format, StagedDisc};
use crate::media::Media;
use crate::progress::Sinks;

use self::pipeline::{Input, Piece};
use self::session::{write_sao, write_tao, Ctx};
use self::verify::{verify_staged, ReadBack};

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

/// Bytes of a data block.
pub(crate) const DATA_BLOCK: usize = 2048;
/// Bytes of an audio block.
pub(crate) const AUDIO_BLOCK: usize = 2352;

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
        self.burn_frame(opts, true, |m, sinks| m.record_inner(opts, sinks))
    }

    fn record_inner(&mut self, opts: &RecordOptions, sinks: &Sinks) -> Result<()> {
        let staged = self.seal()?;
        let mut o = self.open_for_burn(staged.blocks, opts, sinks)?;
        // Where the sealed session was planned to start (none: a blank disc): what the disc
        // must offer, whoever sealed the stash (this master, or an earlier run's adopted).
        let planned = Stash::open(&staged.stash)?.disc_info().session_start;
        let checks = match staged.format {
            Format::Joliet => self.joliet.file_checks(),
            Format::Redbook => None,
        };
        check_disc(&o.device, &staged, &o.media, &o.expected, planned)?;
        o.set_speed();
        let t = o.t.as_mut();
        let ctx = Ctx { device: &o.device, sinks, opts, buf: o.buf };
        let (start, pieces, total) = match staged.format {
            Format::Joliet => burn_data(t, &ctx, &staged, &o.media)?,
            Format::Redbook => burn_audio(t, &ctx, &staged, &o.media)?,
        };
        if opts.verify && !opts.simulate {
            let rb = ReadBack { device: &o.device, sinks, total };
            verify_staged(t, &rb, &staged.stash, &pieces, start, checks.as_deref())?;
        }
        if opts.eject_after {
            self.eject_failure = crate::recorder::eject(t, &o.device).err();
        }
        Ok(())
    }
}

/// Whether the disc in the drive can take the staged image: a data session planned to
/// start at `planned` needs the disc it was staged for (still as it was when the recorder
/// was made active, its next writable address there), anything else a blank disc.
fn check_disc(
    device: &str,
    staged: &StagedDisc,
    media: &Media,
    expected: &Media,
    planned: Option<i32>,
) -> Result<()> {
    let invalid =
        |why: &str| ImapiError::new(ImapiCode::MediumInvalidType, format!("{device}: {why}"));
    match (staged.format, planned) {
        (Format::Joliet, Some(first)) => {
            let nwa = i64::from(media.info.next_writable);
            if media.fingerprint() != expected.fingerprint() || nwa != i64::from(first) {
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

/// The staged data session, Track-at-Once; where it starts, its pieces and its blocks.
fn burn_data(
    t: &mut dyn Transport,
    ctx: &Ctx<'_>,
    staged: &StagedDisc,
    media: &Media,
) -> Result<(i32, Vec<Piece>, u64)> {
    let pieces = vec![Piece::Track { track: 0, block_len: DATA_BLOCK }];
    let input = Input::Stash(&staged.stash);
    let nwa = media.info.next_writable;
    let (start, _) = write_tao(t, ctx, nwa, input, pieces.clone(), staged.blocks, false)?;
    Ok((start, pieces, staged.blocks))
}

/// The staged audio disc, Session-at-Once from LBA −150; its pieces and the blocks written.
fn burn_audio(
    t: &mut dyn Transport,
    ctx: &Ctx<'_>,
    staged: &StagedDisc,
    media: &Media,
) -> Result<(i32, Vec<Piece>, u64)> {
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
    // The pieces: each track's pregap (generated), then its payload; writes start at −150.
    let mut pieces = Vec::new();
    for (k, tr) in stash.tracks().iter().enumerate() {
        pieces.push(Piece::Zeros { blocks: u64::from(tr.info.pregap), block_len: AUDIO_BLOCK });
        pieces.push(Piece::Track { track: k, block_len: AUDIO_BLOCK });
    }
    drop(stash);
    let input = Input::Stash(&staged.stash);
    let total = write_sao(t, ctx, &layout, &packs, input, pieces.clone(), &bad)?;
    Ok((-150, pieces, total))
}
