//! `imapi sim create PATH --media ...` and `imapi sim export PATH -o OUT.cue`: a simulated
//! recorder's blank disc, and what is on it as CUE + BIN (all tracks of all sessions), read back through
//! the recorder's own MMC commands. `imapi sim insert PATH --media ...` swaps in a new blank
//! disc; `imapi sim fault PATH ...` sets the faults the recorder injects in any process;
//! `imapi sim attach PATH` ([`crate::cmd_sim_attach`]) serves it to the kernel.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use imapi_codes::ImapiCode;
use imapi_mmc::{CdTextPacks, ReadCd, ReadToc, ReadTrackInformation, SectorType, TocFormat};
use imapi_redbook::cdtext::{CdText, Pack, TextFields};
use imapi_redbook::Lba;
use imapi_transport::ops::{self, QueryError};
use imapi_transport::sim::{self, FaultSettings, Media, SimRecorder};
use imapi_transport::Data;

use crate::error::{coded, sim_error};
use crate::output::AtomicFile;

/// Arguments of `imapi sim`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: SimCommand,
}

#[derive(clap::Subcommand, Debug)]
enum SimCommand {
    /// Put a blank disc in a new simulated recorder at PATH.
    Create {
        /// The recorder's folder.
        path: PathBuf,
        /// The blank medium.
        #[arg(long, value_parser = ["cd-r74", "cd-r80", "cd-rw74", "cd-rw80"])]
        media: String,
        /// Fastest write speed in × (default 48 for CD-R, 24 for CD-RW).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=52))]
        speed: Option<u16>,
    },
    /// Write what is on the simulated disc as OUT.cue and OUT.bin (every track, all sessions).
    Export {
        /// The recorder's folder.
        path: PathBuf,
        /// The CUE file; the BIN beside it takes its name (`OUT.bin`).
        #[arg(short = 'o', long = "output", value_name = "OUT.cue")]
        output: PathBuf,
        /// Data tracks as MODE1/2352 (sync, header, EDC, ECC) instead of MODE1/2048.
        #[arg(long)]
        raw: bool,
    },
    /// Swap in a new blank disc (the old one is gone); the next opener sees a media change.
    Insert {
        /// The recorder's folder.
        path: PathBuf,
        /// The blank medium.
        #[arg(long, value_parser = ["cd-r74", "cd-r80", "cd-rw74", "cd-rw80"])]
        media: String,
    },
    /// Set the faults the simulated recorder injects, in whatever process opens it next; with
    /// no option, print them.
    Fault(FaultArgs),
    /// Linux, as root: present the simulated recorder to the kernel as a SCSI MMC drive; prints
    /// its /dev/srN, then its /dev/sgN, and serves until SIGINT/SIGTERM.
    Attach {
        /// The recorder's folder.
        path: PathBuf,
    },
}

/// Options of `imapi sim fault`: the ones given change, the others stay (all cleared first
/// with `--clear`).
#[derive(clap::Args, Debug)]
struct FaultArgs {
    /// The recorder's folder.
    path: PathBuf,
    /// A WRITE covering this LBA records the blocks before it, then fails (03/0C/00).
    #[arg(long, value_name = "LBA", allow_negative_numbers = true)]
    write_error_at: Option<i32>,
    /// The next N WRITEs answer "long write in progress" (02/04/08).
    #[arg(long, value_name = "N")]
    busy_writes: Option<u32>,
    /// The medium is pulled after N more written blocks (02/3A/00).
    #[arg(long, value_name = "N")]
    remove_after: Option<u32>,
    /// The power fails after N more written blocks.
    #[arg(long, value_name = "N")]
    power_loss_after: Option<u32>,
    /// Writes take the time the write speed takes.
    #[arg(long, value_name = "on|off", value_parser = ["on", "off"])]
    throttle: Option<String>,
    /// Remove every fault and the throttle before applying the others.
    #[arg(long)]
    clear: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        SimCommand::Create { path, media, speed } => create(&path, &media, speed),
        SimCommand::Export { path, output, raw } => export(&path, &output, raw),
        SimCommand::Insert { path, media } => insert(&path, &media),
        SimCommand::Fault(args) => fault(&args),
        SimCommand::Attach { path } => crate::cmd_sim_attach::attach(&path),
    }
}

fn insert(path: &Path, media: &str) -> anyhow::Result<()> {
    let media = Media::parse(media)
        .ok_or_else(|| coded(ImapiCode::MediumInvalidType, media.to_string()))?;
    SimRecorder::insert(path, media).map_err(|e| sim_error(path, e))
}

fn fault(a: &FaultArgs) -> anyhow::Result<()> {
    let path = a.path.as_path();
    let mut s = sim::faults(path).map_err(|e| sim_error(path, e))?;
    let given = a.clear
        || a.write_error_at.is_some()
        || a.busy_writes.is_some()
        || a.remove_after.is_some()
        || a.power_loss_after.is_some()
        || a.throttle.is_some();
    if !given {
        print!("{}", fault_text(&s));
        return Ok(());
    }
    if a.clear {
        s = FaultSettings::default();
    }
    if let Some(lba) = a.write_error_at {
        s.faults.write_error_at = Some(lba);
    }
    if let Some(n) = a.busy_writes {
        s.faults.busy_writes = n;
    }
    if let Some(n) = a.remove_after {
        s.faults.remove_after_blocks = Some(n);
    }
    if let Some(n) = a.power_loss_after {
        s.faults.power_loss_after_blocks = Some(n);
    }
    if let Some(t) = &a.throttle {
        s.throttle = t == "on";
    }
    sim::set_faults(path, &s).map_err(|e| sim_error(path, e))
}

/// One `name value` line per setting, `-` for none.
fn fault_text(s: &FaultSettings) -> String {
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".to_string());
    let f = &s.faults;
    format!(
        "write-error-at {}\nbusy-writes {}\nremove-after {}\npower-loss-after {}\nthrottle {}\n",
        opt(f.write_error_at.map(|v| v.to_string())),
        f.busy_writes,
        opt(f.remove_after_blocks.map(|v| v.to_string())),
        opt(f.power_loss_after_blocks.map(|v| v.to_string())),
        if s.throttle { "on" } else { "off" },
    )
}

fn create(path: &Path, media: &str, speed: Option<u16>) -> anyhow::Result<()> {
    let media = Media::parse(media)
        .ok_or_else(|| coded(ImapiCode::MediumInvalidType, media.to_string()))?;
    SimRecorder::create(path, media, speed.unwrap_or(0)).map_err(|e| sim_error(path, e))?;
    Ok(())
}

/// A track as READ TRACK INFORMATION gives it.
struct TrackOut {
    number: u8,
    session: u16,
    audio: bool,
    start: i32,
    /// Blocks readable from `start` (the run-out of a TAO data track is not).
    blocks: u32,
    /// The block after the track, run-out included.
    end: i32,
}

/// A refused read of the disc, with its code from the master's sense table.
fn query_error(path: &Path, e: QueryError) -> anyhow::Error {
    use imapi_master::sense_map::{code_for_command_error, Operation};
    match e {
        QueryError::Command(c) => {
            let code = code_for_command_error(Operation::Read, &c);
            let what = if code == ImapiCode::MediumNotPresent {
                "no disc".to_string()
            } else {
                c.to_string()
            };
            coded(code, format!("sim:{}: {what}", path.display()))
        }
        other => anyhow::Error::new(other).context(format!("sim:{}", path.display())),
    }
}

fn export(path: &Path, output: &Path, raw: bool) -> anyhow::Result<()> {
    let mut sim = SimRecorder::open(path).map_err(|e| sim_error(path, e))?;
    let toc = ops::track_toc(&mut sim).map_err(|e| match e.sense().map(|s| s.triple()) {
        Some((5, 0x24, 0)) => coded(
            ImapiCode::MediumInvalidType,
            format!("sim:{}: no closed session on the disc", path.display()),
        ),
        _ => query_error(path, e),
    })?;
    let mut tracks = Vec::new();
    for n in toc.first_track..=toc.last_track {
        let t = ops::track_information(&mut sim, &ReadTrackInformation::track(u32::from(n)))
            .map_err(|e| query_error(path, e))?;
        let audio = t.track_mode & 4 == 0;
        let readable =
            if t.lra_valid { (t.last_recorded.0 - t.start.0 + 1).max(0) as u32 } else { t.size };
        tracks.push(TrackOut {
            number: n,
            session: t.session,
            audio,
            start: t.start.0,
            blocks: readable.min(t.size),
            end: t.start.0 + t.size as i32,
        });
    }

    // One BIN beside the CUE, named after it, as libcdio and bchunk expect. Data tracks are
    // MODE1/2352 when asked, or when audio shares the file (one block size per file).
    let raw = raw || tracks.iter().any(|t| t.audio);
    let bin_name = format!(
        "{}.bin",
        output
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "disc".to_string())
    );
    let dir = output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut bin = AtomicFile::create(&dir.join(&bin_name))?;
    let mut cue = String::from("REM imapi sim export\n");
    // CD-Text from the lead-in: a CDTEXTFILE beside the CUE, and the texts as CUE lines.
    let text = read_cd_text(&mut sim);
    let mut cdt = None;
    if let Some((packs, text)) = &text {
        let cdt_name = format!("{}.cdt", bin_name.trim_end_matches(".bin"));
        let mut f = AtomicFile::create(&dir.join(&cdt_name))?;
        imapi_redbook::cdtext::write_cdt(packs, f.file())
            .with_context(|| format!("cannot write {cdt_name}"))?;
        cdt = Some(f);
        let _ = writeln!(cue, "CDTEXTFILE \"{cdt_name}\"");
        if let Some(block) = text.blocks.first() {
            text_lines(&mut cue, "", &block.album);
        }
    }
    let _ = writeln!(cue, "FILE \"{bin_name}\" BINARY");
    let mut at = 0u32; // blocks in the file so far
    let mut session = 0;
    for (k, t) in tracks.iter().enumerate() {
        let prev = k.checked_sub(1).and_then(|i| tracks.get(i)).filter(|p| p.session == t.session);
        let gap = prev.map_or(0, |p| (t.start - p.end).max(0) as u32);
        // Audio pregaps the disc holds go into the file as INDEX 00; other gaps are PREGAP.
        let in_file = if t.audio && gap > 0 && readable_audio(&mut sim, t.start - gap as i32, gap) {
            gap
        } else {
            0
        };
        copy_track(
            &mut sim,
            t.audio,
            raw,
            t.start - in_file as i32,
            in_file + t.blocks,
            bin.file(),
        )
        .map_err(|e| query_error(path, e))?;
        if t.session != session {
            session = t.session;
            let _ = writeln!(cue, "REM SESSION {session:02}");
        }
        let mode = match (t.audio, raw) {
            (true, _) => "AUDIO",
            (false, false) => "MODE1/2048",
            (false, true) => "MODE1/2352",
        };
        let _ = writeln!(cue, "  TRACK {:02} {mode}", t.number);
        if let Some((_, text)) = &text {
            let index = usize::from(t.number.saturating_sub(text.first_track));
            if let Some(fields) = text.blocks.first().and_then(|b| b.tracks.get(index)) {
                text_lines(&mut cue, "    ", fields);
            }
        }
        if in_file > 0 {
            let _ = writeln!(cue, "    INDEX 00 {}", msf_text(at));
        } else if gap > 0 {
            let _ = writeln!(cue, "    PREGAP {}", msf_text(gap.min(150)));
        }
        let _ = writeln!(cue, "    INDEX 01 {}", msf_text(at + in_file));
        at += in_file + t.blocks;
    }
    let mut out = AtomicFile::create(output)?;
    out.write_all(cue.as_bytes()).with_context(|| format!("cannot write {}", output.display()))?;
    bin.commit()?;
    if let Some(f) = cdt {
        f.commit()?;
    }
    out.commit()
}

/// The CD-Text the disc's lead-in carries (READ TOC format 5), when it has any that decodes.
fn read_cd_text(sim: &mut SimRecorder) -> Option<(Vec<Pack>, CdText)> {
    let req = ReadToc::new(TocFormat::CdText, u16::MAX);
    let reply: CdTextPacks = ops::query(sim, &req).ok()?;
    let bytes: Vec<u8> = reply.packs.iter().flat_map(|p| p.0).collect();
    let text = CdText::decode(&bytes).ok()?;
    Some((reply.packs, text))
}

/// TITLE and PERFORMER lines, indented by `indent`.
fn text_lines(cue: &mut String, indent: &str, fields: &TextFields) {
    for (key, value) in [("TITLE", &fields.title), ("PERFORMER", &fields.performer)] {
        if let Some(v) = value {
            let _ = writeln!(cue, "{indent}{key} \"{}\"", v.replace('"', "'"));
        }
    }
}

fn msf_text(frames: u32) -> String {
    format!("{:02}:{:02}:{:02}", frames / 4500, frames / 75 % 60, frames % 75)
}

fn readable_audio(sim: &mut SimRecorder, lba: i32, blocks: u32) -> bool {
    let mut buf = vec![0u8; blocks as usize * 2352];
    ops::run(
        sim,
        &ReadCd::user_data(SectorType::CdDa, Lba(lba), blocks),
        Data::FromDevice(&mut buf),
    )
    .is_ok()
}

/// Reads `blocks` blocks from `first` into `out`: audio and MODE1/2352 with READ CD, MODE1/2048
/// with READ(10).
fn copy_track(
    sim: &mut SimRecorder,
    audio: bool,
    raw: bool,
    first: i32,
    blocks: u32,
    out: &mut std::fs::File,
) -> Result<(), QueryError> {
    const CHUNK: u32 = 27;
    let mut done = 0;
    while done < blocks {
        let n = CHUNK.min(blocks - done);
        let lba = first + done as i32;
        let buf = if audio || raw {
            let req = if audio {
                ReadCd::user_data(SectorType::CdDa, Lba(lba), n)
            } else {
                ReadCd::raw(Lba(lba), n)
            };
            let mut buf = vec![0u8; n as usize * 2352];
            ops::run(sim, &req, Data::FromDevice(&mut buf))?;
            buf
        } else {
            let mut buf = vec![0u8; n as usize * 2048];
            ops::read10(sim, lba as u32, &mut buf)?;
            buf
        };
        out.write_all(&buf)
            .map_err(|e| QueryError::Command(imapi_transport::TransportError::Os(e).into()))?;
        done += n;
    }
    Ok(())
}
