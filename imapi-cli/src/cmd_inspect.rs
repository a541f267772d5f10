//! `imapi inspect FILE`: a summary of an image description (or of the disc in a recorder). [`kind_of`] is the one place that
//! decides what a file is; each kind has its own summary function.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use imapi_codes::ImapiCode;
use imapi_redbook::cue::FileType;
use imapi_redbook::msf::format_frames;
use imapi_redbook::{Capacity, CueSheet, Layout, Lba, TocFile};

use crate::error::coded;

/// Arguments of `imapi inspect`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// An .iso, .cue, .toc or stash file, or a recorder (`sim:PATH`, `/dev/sr0`) whose disc
    /// is summarised like an .iso (its last session).
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// The kinds of file `inspect` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A CUE sheet.
    Cue,
    /// A cdrdao TOC file.
    Toc,
    /// An imapi stash (found by its magic).
    Stash,
    /// An ISO 9660 image (found by its primary volume descriptor).
    Iso,
}

/// What `path` holds, from its extension and then its first bytes.
pub fn kind_of(path: &Path, head: &[u8]) -> Option<Kind> {
    if imapi_stash::has_magic(head) {
        return Some(Kind::Stash);
    }
    if crate::inspect_iso::has_descriptor(head) {
        return Some(Kind::Iso);
    }
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("cue") => return Some(Kind::Cue),
        Some("toc") => return Some(Kind::Toc),
        Some("stash") => return Some(Kind::Stash),
        Some("iso") => return Some(Kind::Iso),
        _ => {}
    }
    let text = String::from_utf8_lossy(&head[..head.len().min(4096)]).to_ascii_uppercase();
    let first = text.split_whitespace().next().unwrap_or("");
    match first {
        "FILE" | "REM" | "CATALOG" | "CDTEXTFILE" | "TITLE" | "PERFORMER" => Some(Kind::Cue),
        "CD_DA" | "CD_ROM" | "CD_ROM_XA" | "CD_I" | "TRACK" => Some(Kind::Toc),
        _ => None,
    }
}

/// Bytes read to tell a file's kind: through the primary volume descriptor's identifier.
const HEAD: usize = 16 * 2048 + 8;

/// Runs `imapi inspect`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if crate::recorder_arg::names_recorder(&args.file) {
        return crate::inspect_iso::run(&args.file);
    }
    // A stash or an image can be large: tell it by its first bytes (the stash magic, the
    // primary volume descriptor at block 16) before reading the whole file.
    let mut head = Vec::with_capacity(HEAD);
    std::fs::File::open(&args.file)
        .and_then(|f| {
            std::io::Read::read_to_end(&mut std::io::Read::take(f, HEAD as u64), &mut head)
        })
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    match kind_of(&args.file, &head) {
        Some(Kind::Stash) => return crate::inspect_stash::run(&args.file, false),
        Some(Kind::Iso) => return crate::inspect_iso::run(&args.file),
        _ => {}
    }
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let summary = match kind_of(&args.file, &bytes) {
        Some(Kind::Cue) => cue_summary(&args.file, &bytes)?,
        Some(Kind::Toc) => toc_summary(&args.file, &bytes)?,
        Some(Kind::Stash) => return crate::inspect_stash::run(&args.file, false),
        Some(Kind::Iso) => return crate::inspect_iso::run(&args.file),
        None => {
            return Err(coded(
                ImapiCode::InvalidImage,
                format!(
                    "{}: not a file inspect knows (.iso, .cue, .toc or stash)",
                    args.file.display()
                ),
            ))
        }
    };
    print!("{summary}");
    Ok(())
}

/// Room for any layout an MSF can address.
const ANY_DISC: Capacity = Capacity::LastLeadOut(Lba(404_849));

fn beside(description: &Path, name: &str) -> PathBuf {
    description.parent().unwrap_or(Path::new(".")).join(name)
}

fn cue_summary(path: &Path, bytes: &[u8]) -> anyhow::Result<String> {
    let sheet = CueSheet::parse(bytes)
        .map_err(|e| coded(ImapiCode::InvalidImage, format!("{}: {e}", path.display())))?;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: CUE sheet, {} track(s), {} file(s)",
        path.display(),
        sheet.tracks.len(),
        sheet.files.len()
    );
    header(&mut s, sheet.catalog.map(|m| m.to_string()), &sheet.text);
    let frames: Vec<Option<u32>> = sheet
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let p = beside(path, &f.name);
            let sector = sheet
                .tracks
                .iter()
                .find(|t| t.file == i)
                .and_then(|t| t.mode.as_ref())
                .map_or(2352, |m| m.sector_size());
            match f.kind {
                FileType::Wave => imapi_redbook::wav::open(&p).ok().map(|r| r.frames() as u32),
                _ => std::fs::metadata(&p).ok().map(|m| m.len().div_ceil(sector as u64) as u32),
            }
        })
        .collect();
    for (f, n) in sheet.files.iter().zip(&frames) {
        let size = n.map_or_else(|| "missing".to_string(), |n| format!("{n} frames"));
        let _ = writeln!(s, "file {:?} {} ({size})", f.name, f.kind.as_str());
    }
    if frames.iter().all(Option::is_some) {
        match sheet.to_layout(ANY_DISC, |i| frames.get(i).copied().flatten().unwrap_or(0)) {
            Ok(layout) => tracks(&mut s, &layout),
            Err(e) => {
                let _ = writeln!(s, "layout: {e}");
            }
        }
    } else {
        for t in &sheet.tracks {
            let _ = writeln!(
                s,
                "track {:02} {}",
                t.number,
                t.mode.as_ref().map_or("AUDIO", |m| m.as_str())
            );
        }
    }
    Ok(s)
}

fn toc_summary(path: &Path, bytes: &[u8]) -> anyhow::Result<String> {
    let toc = TocFile::parse(bytes)
        .map_err(|e| coded(ImapiCode::InvalidImage, format!("{}: {e}", path.display())))?;
    let mut s = String::new();
    let _ = writeln!(s, "{}: cdrdao TOC, {} track(s)", path.display(), toc.tracks.len());
    let album = toc.cd_text.first().map(|(_, t)| t.clone()).unwrap_or_default();
    header(&mut s, toc.catalog.map(|m| m.to_string()), &album);
    let units = |name: &str| -> Option<u64> {
        let p = beside(path, name);
        if name.to_ascii_lowercase().ends_with(".wav") {
            imapi_redbook::wav::open(&p).ok().map(|r| r.data_len() / 4)
        } else {
            std::fs::metadata(&p).ok().map(|m| m.len() / 4)
        }
    };
    match toc.to_layout(ANY_DISC, units) {
        Ok(layout) => tracks(&mut s, &layout),
        Err(e) => {
            let _ = writeln!(s, "layout: {e}");
        }
    }
    Ok(s)
}

fn header(s: &mut String, catalog: Option<String>, text: &imapi_redbook::TextFields) {
    if let Some(c) = catalog {
        let _ = writeln!(s, "catalog {c}");
    }
    if let Some(t) = &text.title {
        let _ = writeln!(s, "title {t:?}");
    }
    if let Some(p) = &text.performer {
        let _ = writeln!(s, "performer {p:?}");
    }
}

fn tracks(s: &mut String, layout: &Layout) {
    for (t, p) in layout.tracks().iter().zip(layout.positions()) {
        let msf = p.start.to_msf().map(|m| m.to_string()).unwrap_or_default();
        let _ = write!(
            s,
            "track {:02} {} start {msf} (LBA {}) length {} ({} frames) pregap {}",
            p.number,
            if t.flags.data { "DATA " } else { "AUDIO" },
            p.start,
            format_frames(p.length()),
            p.length(),
            t.pregap
        );
        if let Some(i) = t.isrc {
            let _ = write!(s, " isrc {i}");
        }
        if let Some(title) = &t.text.title {
            let _ = write!(s, " title {title:?}");
        }
        s.push('\n');
    }
    let lead_out = layout.lead_out();
    let msf = lead_out.to_msf().map(|m| m.to_string()).unwrap_or_default();
    let _ = writeln!(s, "lead-out {msf} (LBA {lead_out}), {} blocks", layout.used_blocks());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_extension_then_content() {
        assert_eq!(kind_of(Path::new("a.CUE"), b""), Some(Kind::Cue));
        assert_eq!(kind_of(Path::new("a.toc"), b""), Some(Kind::Toc));
        assert_eq!(kind_of(Path::new("a.txt"), b"\n  FILE \"x\" BINARY"), Some(Kind::Cue));
        assert_eq!(kind_of(Path::new("a"), b"CD_DA\nTRACK AUDIO"), Some(Kind::Toc));
        assert_eq!(kind_of(Path::new("a.iso"), b"\0\0\0"), Some(Kind::Iso));
        assert_eq!(kind_of(Path::new("a.bin"), b"\0\0\0"), None);
        let mut image_head = vec![0u8; 16 * 2048 + 8];
        image_head[16 * 2048 + 1..16 * 2048 + 6].copy_from_slice(b"CD001");
        assert_eq!(kind_of(Path::new("disc.img"), &image_head), Some(Kind::Iso));
        assert_eq!(kind_of(Path::new("a.cue"), &imapi_stash::MAGIC), Some(Kind::Stash));
        assert_eq!(kind_of(Path::new("imapi.stash"), b"junk"), Some(Kind::Stash));
    }
}
