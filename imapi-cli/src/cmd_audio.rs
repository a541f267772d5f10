//! `imapi audio`: WAV tracks into a BIN image, with its CUE, cdrdao TOC and CD-Text files.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Context;
use imapi_codes::ImapiCode;
use imapi_redbook::cdtext::write_cdt;
use imapi_redbook::{AudioImage, Capacity, ImageError, Mcn, TrackInput};

use crate::error::coded;
use crate::output::AtomicFile;
use crate::progress;
use crate::values;

/// Arguments of `imapi audio`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output BIN: 2352-byte frames, samples little-endian.
    #[arg(short = 'o', long = "output", value_name = "OUT.bin")]
    output: PathBuf,
    /// Also write a CUE sheet describing the BIN.
    #[arg(long, value_name = "OUT.cue")]
    cue: Option<PathBuf>,
    /// Also write a cdrdao TOC file describing the BIN.
    #[arg(long, value_name = "OUT.toc")]
    toc: Option<PathBuf>,
    /// Frames of silence before every track but the first (IMAPI's AudioGapSize, 0 to 225).
    #[arg(
        long,
        value_name = "FRAMES",
        default_value_t = 150,
        value_parser = clap::value_parser!(u32).range(0..=225)
    )]
    gap: u32,
    /// The disc's Media Catalogue Number (13 digits).
    #[arg(long, value_name = "MCN", value_parser = values::mcn)]
    catalog: Option<Mcn>,
    /// The album title.
    #[arg(long, value_name = "T")]
    title: Option<String>,
    /// The album performer.
    #[arg(long, value_name = "P")]
    performer: Option<String>,
    /// Write CD-Text: OUT.cdt beside OUT.bin (named by the CUE) and a CD_TEXT block in the TOC.
    #[arg(long)]
    cd_text: bool,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
    /// `FILE.wav`, optionally followed by `:isrc=CCOOOYYSSSSS`, `:title=...`, `:performer=...`.
    #[arg(required = true, value_name = "TRACK", value_parser = values::track)]
    tracks: Vec<TrackInput>,
}

fn image_error(e: ImageError) -> anyhow::Error {
    match e.imapi_code() {
        Some(code) => coded(code, e.to_string()),
        None => anyhow::Error::new(e),
    }
}

/// The name a description file uses for `target`: its file name when both sit in one folder.
fn relative_name(description: &Path, target: &Path) -> String {
    let dir = |p: &Path| p.parent().map(Path::to_path_buf).unwrap_or_default();
    match (dir(description) == dir(target), target.file_name()) {
        (true, Some(name)) => name.to_string_lossy().into_owned(),
        _ => std::path::absolute(target)
            .unwrap_or_else(|_| target.to_path_buf())
            .to_string_lossy()
            .into_owned(),
    }
}

/// Runs `imapi audio`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let mut image =
        AudioImage::plan(args.tracks, args.gap, Capacity::Minutes80).map_err(image_error)?;
    image.layout_mut().mcn = args.catalog;
    image.layout_mut().text.title = args.title.clone();
    image.layout_mut().text.performer = args.performer.clone();

    let cdt_path = args.output.with_extension("cdt");
    let cd_text = if args.cd_text {
        let text =
            image.cd_text().context("--cd-text needs a --title, --performer or track title")?;
        Some(text.encode()?)
    } else {
        None
    };

    let cancel = Arc::new(AtomicBool::new(false));
    {
        let flag = cancel.clone();
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    }
    let bar = progress::bytes_bar(image.bin_len(), args.quiet, "audio");
    let mut bin = AtomicFile::create(&args.output)?;
    image
        .write_bin(bin.file(), |done, _| {
            bar.set_position(done);
            if cancel.load(Ordering::Relaxed) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .map_err(image_error)
        .with_context(|| format!("writing {}", args.output.display()))?;
    bar.finish_and_clear();

    let mut pending = vec![bin];
    let cdt_name = cd_text
        .as_ref()
        .map(|_| relative_name(args.cue.as_deref().unwrap_or(&args.output), &cdt_path));
    if let Some(packs) = &cd_text {
        let mut f = AtomicFile::create(&cdt_path)?;
        write_cdt(packs, &mut f)?;
        pending.push(f);
    }
    if let Some(cue_path) = &args.cue {
        let sheet = image.cue_sheet(&relative_name(cue_path, &args.output), cdt_name.as_deref());
        let text = sheet.to_text().map_err(|e| coded(ImapiCode::Generic, e.to_string()))?;
        let mut f = AtomicFile::create(cue_path)?;
        std::io::Write::write_all(&mut f, text.as_bytes())?;
        pending.push(f);
    }
    if let Some(toc_path) = &args.toc {
        let toc = image.toc_file(&relative_name(toc_path, &args.output), args.cd_text);
        let mut f = AtomicFile::create(toc_path)?;
        std::io::Write::write_all(&mut f, toc.to_text().as_bytes())?;
        pending.push(f);
    }
    for f in pending {
        f.commit()?;
    }
    Ok(())
}
