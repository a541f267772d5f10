//! `imapi burn`: stage folders (a data session) or WAV files (an audio disc) through the
//! master and record them on a recorder, with a progress bar and Ctrl-C as QueryCancel.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use globset::{Glob, GlobSetBuilder};
use imapi_codes::ImapiCode;
use imapi_joliet::{PathSource, Platform};
use imapi_master::properties::{AUDIO_GAP_SIZE, ROCK_RIDGE, VOLUME_NAME, WRITE_SPEED};
use imapi_master::properties::{
    BOOT_IMAGE, BOOT_IMAGE_EMULATION_TYPE, BOOT_IMAGE_MANUFACTURER_ID, BOOT_IMAGE_PLATFORM,
    PLACE_BOOT_IMAGE_ON_DISC,
};
use imapi_master::{
    AddOptions, AudioTrackInfo, DiscMaster, Format, MasterOptions, PropertyBag, PropertyValue,
    RecordOptions, RecorderSources,
};
use imapi_redbook::cdtext::TextFields;
use imapi_redbook::wav::WavReader;
use imapi_redbook::{Mcn, TrackInput};

use crate::burn_progress::{burn_bar, BurnSink, Verify};
use crate::cmd_mkiso::{fixed_date, parse_source, BootEmulation};
use crate::error::coded;
use crate::recorder_arg::{self, imapi_error};
use crate::values;

/// Arguments of `imapi burn`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
`--data` records one Track-at-Once session; on a disc that already holds an ISO 9660 session \
the new one carries the earlier files too (multisession), unless --close finalizes the disc. \
`--audio` records a Red Book disc Session-at-Once (the disc must be blank). What was written \
is read back and compared unless --no-verify. Ctrl-C cancels cleanly (IMAPI_E_USERABORT). A \
failed burn leaves the staged disc in the stash: `--resume` burns it again (on a fresh disc, \
or on the same disc for a later session). `--image` and `--cue` read the files as they are and \
stage nothing: the files are never changed, so after a failure the same command tries again.

The stash is $XDG_CACHE_HOME/imapi/stash (~/.cache/imapi/stash).")]
pub struct Args {
    #[command(flatten)]
    recorder: recorder_arg::RecorderFlag,
    /// Go through the motions with the drive's test write: the disc stays as it is.
    #[arg(long)]
    simulate: bool,
    /// Eject the disc afterwards.
    #[arg(long)]
    eject: bool,
    /// Write speed, as a multiple of 1× (default: the fastest).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=255))]
    speed: Option<u16>,
    /// Finalize the disc: no session can be added later.
    #[arg(long)]
    close: bool,
    /// Frames of silence before every audio track but the first (IMAPI's AudioGapSize).
    #[arg(long, value_name = "FRAMES", value_parser = clap::value_parser!(u32).range(0..=225))]
    gap: Option<u32>,
    /// Volume name of a data disc (default: the date).
    #[arg(short = 'V', long = "volume", value_name = "NAME")]
    volume: Option<String>,
    /// Fix every time stamp of a data disc to this RFC 3339 date.
    #[arg(long, value_name = "RFC3339", value_parser = values::rfc3339)]
    date: Option<DateTime<FixedOffset>>,
    /// A later source replaces a file already at the same image path.
    #[arg(long)]
    overwrite: bool,
    /// Leave out host entries whose name or relative path matches.
    #[arg(long, value_name = "GLOB", value_parser = values::glob)]
    exclude: Vec<Glob>,
    /// Follow symbolic links (loops are detected).
    #[arg(long)]
    follow_links: bool,
    /// Data: write Rock Ridge too (modes, owners, times, symbolic links, special files, long
    /// names), as `mkiso --rock-ridge`; the Joliet property `RockRidge`.
    #[arg(long)]
    rock_ridge: bool,
    /// Data: make the disc bootable (El Torito) with this host file as the boot image,
    /// recorded as the root file `boot.img`: IMAPI's PlaceBootImageOnDisc and BootImage. A
    /// blank disc only (IMAPI_E_BOOTIMAGE_AND_NONBLANK_DISC otherwise).
    #[arg(long, value_name = "IMG", conflicts_with = "audio")]
    boot: Option<PathBuf>,
    /// What the `--boot` image emulates (BootImageEmulationType); `floppy` picks 1.2, 1.44 or
    /// 2.88 MB from its size.
    #[arg(long, value_enum, default_value_t = BootEmulation::None, requires = "boot")]
    boot_emulation: BootEmulation,
    /// The platform of the `--boot` image (BootImagePlatform).
    #[arg(long, value_enum, default_value_t = BootPlatform::X86, requires = "boot")]
    boot_platform: BootPlatform,
    /// The boot catalog's manufacturer id (BootImageManufacturerIDString, at most 24 bytes).
    #[arg(long, value_name = "TEXT", requires = "boot")]
    boot_id: Option<String>,
    /// The album title (audio CD-Text).
    #[arg(long, value_name = "T")]
    title: Option<String>,
    /// The album performer (audio CD-Text).
    #[arg(long, value_name = "P")]
    performer: Option<String>,
    /// The disc's Media Catalogue Number (13 digits).
    #[arg(long, value_name = "MCN", value_parser = values::mcn)]
    catalog: Option<Mcn>,
    /// Skip reading the disc back to compare it with what was staged.
    #[arg(long)]
    no_verify: bool,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
    /// Burn the staged disc a failed burn left in the stash, as it is.
    #[arg(long, conflicts_with_all = ["data", "audio", "image", "cue"])]
    resume: bool,
    /// Record this existing image file (an ISO) as one Track-at-Once data track on a blank
    /// disc, as it is (IMAPI v2's IDiscFormat2Data::Write); the session stays appendable
    /// unless --close.
    #[arg(long, value_name = "FILE.iso", conflicts_with_all = ["data", "audio", "cue"])]
    image: Option<PathBuf>,
    /// Record a BIN/CUE Session-at-Once on a blank disc (audio, MODE1 data or both; pregaps,
    /// INDEX points, ISRC, CATALOG; CD-Text from CDTEXTFILE or TITLE/PERFORMER): IMAPI v2's
    /// RawCD.
    #[arg(long, value_name = "FILE.cue", conflicts_with_all = ["data", "audio"])]
    cue: Option<PathBuf>,
    /// Data: `HOSTPATH` (a folder adds its contents at the root) or `IMAGEPATH=HOSTPATH`.
    #[arg(
        long,
        value_name = "SOURCE",
        num_args = 1..,
        conflicts_with = "audio",
        required_unless_present_any = ["audio", "resume", "image", "cue"]
    )]
    data: Vec<String>,
    /// Audio: `FILE.wav`, optionally with `:isrc=...`, `:title=...`, `:performer=...`.
    #[arg(long, value_name = "TRACK", num_args = 1.., value_parser = values::track)]
    audio: Vec<TrackInput>,
}

/// The platform of a `--boot` image, as IMAPI's BootImagePlatform numbers it.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootPlatform {
    /// 80x86 BIOS (0).
    X86,
    /// PowerPC (1).
    Powerpc,
    /// Mac (2).
    Mac,
    /// UEFI (0xEF, beyond IMAPI v1).
    Efi,
}

impl BootPlatform {
    fn platform(self) -> Platform {
        match self {
            Self::X86 => Platform::X86,
            Self::Powerpc => Platform::POWERPC,
            Self::Mac => Platform::MAC,
            Self::Efi => Platform::EFI,
        }
    }
}

/// The boot properties of `--boot IMG`: PlaceBootImageOnDisc, BootImage (the file, checked
/// now so that a missing one is named before anything is staged), the emulation, platform and
/// manufacturer id.
fn boot_properties(args: &Args, bag: &mut PropertyBag) -> anyhow::Result<()> {
    let Some(path) = &args.boot else { return Ok(()) };
    let size = std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len())
        .ok_or_else(|| {
            coded(ImapiCode::FileAccess, format!("--boot {}: no readable file", path.display()))
        })?;
    // IMAPI numbers BootImageEmulationType as El Torito numbers its media types.
    let emulation = args.boot_emulation.for_image(size).media_type();
    let source: Arc<dyn imapi_joliet::Source> = Arc::new(PathSource::new(path));
    bag.insert(PLACE_BOOT_IMAGE_ON_DISC.into(), PropertyValue::Bool(true));
    bag.insert(BOOT_IMAGE.into(), PropertyValue::Stream(source));
    bag.insert(BOOT_IMAGE_EMULATION_TYPE.into(), PropertyValue::Byte(emulation));
    bag.insert(BOOT_IMAGE_PLATFORM.into(), PropertyValue::Byte(args.boot_platform.platform().0));
    if let Some(id) = &args.boot_id {
        bag.insert(BOOT_IMAGE_MANUFACTURER_ID.into(), PropertyValue::Str(id.clone()));
    }
    Ok(())
}

/// Runs `imapi burn`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let path = args.recorder.resolve()?;
    if args.image.is_some() || args.cue.is_some() {
        return burn_file(&args, path);
    }
    let stash_dir = MasterOptions::default_stash_dir();
    let format = if args.resume {
        let stash = imapi_stash::Stash::open_in(&stash_dir).map_err(|e| {
            coded(
                ImapiCode::InvalidImage,
                format!("{}: no staged disc to resume: {e}", stash_dir.display()),
            )
        })?;
        match stash.disc_kind() {
            imapi_stash::DiscKind::Audio => Format::Redbook,
            _ => Format::Joliet,
        }
    } else if args.audio.is_empty() {
        Format::Joliet
    } else {
        Format::Redbook
    };
    let mut opts = MasterOptions::new(stash_dir.clone());
    opts.recorders = RecorderSources { system: None, simulated: Vec::new() };
    opts.pnp_poll = None;
    opts.date = fixed_date(args.date)?;
    let mut m = DiscMaster::new(opts);
    m.open().map_err(imapi_error)?;
    m.set_active_disc_master_format(format).map_err(imapi_error)?;

    let bar = burn_bar(args.quiet);
    let block_len = match format {
        Format::Joliet => DATA_BLOCK,
        Format::Redbook => AUDIO_BLOCK,
    };
    let sink = Arc::new(BurnSink::new(bar.clone(), ctrl_c(), block_len));
    m.progress_advise(sink.clone()).map_err(imapi_error)?;

    let mut rec = m.recorder(path).map_err(imapi_error)?;
    let mut props = PropertyBag::new();
    if let Some(n) = args.speed {
        let max = rec.properties().max_write_speed;
        props.insert(WRITE_SPEED.into(), PropertyValue::I4(i32::from(n).min(max.max(1))));
    }
    if let Some(g) = args.gap {
        props.insert(AUDIO_GAP_SIZE.into(), PropertyValue::I4(i32::try_from(g).unwrap_or(150)));
    }
    rec.set_recorder_properties(&props).map_err(imapi_error)?;
    let device = rec.path();
    m.set_active_disc_recorder(&rec).map_err(imapi_error)?;
    // The session this burn writes: the one after the disc's last.
    let session = m.active_media().map_or(0, |media| media.info.sessions) + 1;

    match format {
        _ if args.resume => {
            m.adopt_stash().map_err(imapi_error)?;
        }
        Format::Joliet => stage_data(&mut m, &args)?,
        Format::Redbook => stage_audio(&mut m, &args)?,
    }
    let record = RecordOptions {
        simulate: args.simulate,
        eject_after: args.eject,
        close_disc: args.close,
        verify: !args.no_verify,
    };
    let result = m.record_disc_with(&record);
    bar.finish_and_clear();
    if let Err(e) = result {
        // Nothing lost: the sealed stash stays for `--resume`.
        m.close_keeping_stash();
        let kept = stash_dir.join(imapi_stash::STASH_FILE_NAME);
        if kept.is_file() {
            let hint = format!(
                "{} (the staged disc stays in {}: `imapi burn --resume` burns it again)",
                e.message(),
                kept.display()
            );
            return Err(coded(e.code(), hint));
        }
        return Err(imapi_error(e));
    }
    m.close();
    if !args.quiet {
        let what = match format {
            Format::Joliet if args.close => format!("data session {session} (disc closed)"),
            Format::Joliet => format!("data session {session}"),
            Format::Redbook => match sink.tracks() {
                1 => "audio disc of 1 track".to_string(),
                n => format!("audio disc of {n} tracks"),
            },
        };
        eprintln!("{}", sink.summary(&what, &device, verify_result(&args)));
    }
    Ok(())
}

/// Bytes of a data block.
const DATA_BLOCK: u64 = 2048;
/// Bytes of an audio block, a CD sector written raw.
const AUDIO_BLOCK: u64 = 2352;

/// Ctrl-C as a flag that the sink's QueryCancel reads.
fn ctrl_c() -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    cancel
}

/// What the summary line says of the read-back.
fn verify_result(args: &Args) -> Verify {
    match (args.simulate, args.no_verify) {
        (true, _) => Verify::Simulated,
        (false, true) => Verify::NotVerified,
        (false, false) => Verify::Verified,
    }
}

fn stage_data(m: &mut DiscMaster, args: &Args) -> anyhow::Result<()> {
    let mut exclude = GlobSetBuilder::new();
    for g in &args.exclude {
        exclude.add(g.clone());
    }
    let add = AddOptions {
        overwrite: args.overwrite,
        follow_links: args.follow_links,
        exclude: if args.exclude.is_empty() { None } else { Some(exclude.build()?) },
    };
    let mut j = m.joliet().map_err(imapi_error)?;
    let mut bag = PropertyBag::new();
    if let Some(v) = &args.volume {
        bag.insert(VOLUME_NAME.into(), PropertyValue::Str(v.clone()));
    }
    if args.rock_ridge {
        bag.insert(ROCK_RIDGE.into(), PropertyValue::Bool(true));
    }
    boot_properties(args, &mut bag)?;
    if !bag.is_empty() {
        j.set_joliet_properties(&bag).map_err(imapi_error)?;
    }
    for arg in &args.data {
        let src = parse_source(arg);
        let at = src.image_path.as_deref().map(|p| p.trim_matches('/')).filter(|p| !p.is_empty());
        let warnings = match j.add_data_with(&src.host, at, &add) {
            Ok(w) => w,
            // The staged tree holds what the disc's last session brought.
            Err(e) => return Err(add_error(m, e)),
        };
        if !args.quiet {
            for w in warnings.iter().take(20) {
                eprintln!("warning: {w}");
            }
        }
    }
    Ok(())
}

/// A failed AddData; a name the disc's last session already holds (multisession, without
/// `--overwrite`) says so and how to replace it.
fn add_error(m: &DiscMaster, e: imapi_master::ImapiError) -> anyhow::Error {
    let clash =
        match std::error::Error::source(&e).and_then(|s| s.downcast_ref::<imapi_joliet::Error>()) {
            Some(imapi_joliet::Error::FileExists { path }) => Some(path.clone()),
            _ => None,
        };
    let tree = m.staged_tree();
    let on_disc = clash.filter(|path| {
        tree.lookup(path)
            .and_then(|id| tree.file_origin(id))
            .is_some_and(|origin| matches!(origin, imapi_joliet::FileOrigin::Imported { .. }))
    });
    match on_disc {
        Some(path) => coded(
            e.code(),
            format!(
                "{path:?} is already on the disc (its last session holds it); --overwrite \
                 replaces it"
            ),
        ),
        None => imapi_error(e),
    }
}

/// Audio blocks read and added per call.
const CHUNK_BLOCKS: usize = 75;

fn stage_audio(m: &mut DiscMaster, args: &Args) -> anyhow::Result<()> {
    let mut r = m.redbook().map_err(imapi_error)?;
    r.set_disc_text(TextFields {
        title: args.title.clone(),
        performer: args.performer.clone(),
        ..TextFields::default()
    });
    if args.catalog.is_some() {
        r.set_mcn(args.catalog);
    }
    for track in &args.audio {
        let file = File::open(&track.path).map_err(|e| {
            coded(ImapiCode::FileAccess, format!("{}: cannot open: {e}", track.path.display()))
        })?;
        let wav = WavReader::new(BufReader::new(file))
            .map_err(|e| coded(ImapiCode::Generic, format!("{}: {e}", track.path.display())))?;
        let len = wav.data_len();
        let blocks = u32::try_from(len.div_ceil(2352)).unwrap_or(u32::MAX);
        let info = AudioTrackInfo { isrc: track.isrc, text: track.text.clone() };
        r.create_audio_track_with(blocks, &info).map_err(imapi_error)?;
        add_pcm(&mut r, wav.into_pcm(), &track.path)?;
        r.close_audio_track()
            .map_err(|e| imapi_error(e).context(track.path.display().to_string()))?;
    }
    Ok(())
}

/// Feeds a WAV's samples in whole blocks, the last padded with silence.
fn add_pcm(
    r: &mut imapi_master::RedbookDiscMaster<'_>,
    mut pcm: impl Read,
    path: &Path,
) -> anyhow::Result<()> {
    let chunk = CHUNK_BLOCKS * 2352;
    let mut buf = Vec::with_capacity(chunk);
    loop {
        buf.clear();
        let n = (&mut pcm)
            .take(chunk as u64)
            .read_to_end(&mut buf)
            .map_err(|e| coded(ImapiCode::FileAccess, format!("{}: {e}", path.display())))?;
        if n == 0 {
            return Ok(());
        }
        buf.resize(n.div_ceil(2352) * 2352, 0);
        r.add_audio_track_blocks(&buf).map_err(imapi_error)?;
        if n < chunk {
            return Ok(());
        }
    }
}

/// `--image FILE.iso` or `--cue FILE.cue`: the file is burned as it is, nothing is staged.
fn burn_file(args: &Args, path: imapi_master::RecorderPath) -> anyhow::Result<()> {
    // The master takes a stash folder with the recorder; this burn stages nothing, so it gets
    // one of its own, apart from the one `--resume` keeps a failed staged disc in.
    let stash_dir = MasterOptions::default_stash_dir().with_file_name("file-burn");
    let mut opts = MasterOptions::new(stash_dir);
    opts.recorders = RecorderSources { system: None, simulated: Vec::new() };
    opts.pnp_poll = None;
    let mut m = DiscMaster::new(opts);
    m.open().map_err(imapi_error)?;
    let format = if args.cue.is_some() { Format::Redbook } else { Format::Joliet };
    m.set_active_disc_master_format(format).map_err(imapi_error)?;
    let bar = burn_bar(args.quiet);
    // A CUE's sectors are counted as CD sectors of 2352 bytes, its data tracks' too.
    let block_len = if args.cue.is_some() { AUDIO_BLOCK } else { DATA_BLOCK };
    let sink = Arc::new(BurnSink::new(bar.clone(), ctrl_c(), block_len));
    m.progress_advise(sink.clone()).map_err(imapi_error)?;
    let mut rec = m.recorder(path).map_err(imapi_error)?;
    if let Some(n) = args.speed {
        let max = rec.properties().max_write_speed;
        let mut props = PropertyBag::new();
        props.insert(WRITE_SPEED.into(), PropertyValue::I4(i32::from(n).min(max.max(1))));
        rec.set_recorder_properties(&props).map_err(imapi_error)?;
    }
    let device = rec.path();
    m.set_active_disc_recorder(&rec).map_err(imapi_error)?;
    let record = RecordOptions {
        simulate: args.simulate,
        eject_after: args.eject,
        close_disc: args.close,
        verify: !args.no_verify,
    };
    let (file, result) = if let Some(image) = &args.image {
        (image, m.record_image(image, &record))
    } else if let Some(cue) = &args.cue {
        (cue, m.record_cue(cue, &record))
    } else {
        anyhow::bail!("neither --image nor --cue");
    };
    bar.finish_and_clear();
    m.close();
    if let Err(e) = result {
        // Every failure names the file burned, the drive's too.
        let name = file.display().to_string();
        if e.message().contains(&name) {
            return Err(imapi_error(e));
        }
        return Err(coded(e.code(), format!("{} (burning {name})", e.message())));
    }
    if !args.quiet {
        let what = match (&args.image, &args.cue) {
            (Some(image), _) if args.close => format!("image {} (disc closed)", image.display()),
            (Some(image), _) => format!("image {}", image.display()),
            (None, Some(cue)) => format!("cue {}", cue.display()),
            (None, None) => String::new(),
        };
        eprintln!("{}", sink.summary(&what, &device, verify_result(args)));
    }
    Ok(())
}
