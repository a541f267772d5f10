//! `imapi inspect IMAGE.iso` (or a recorder): the descriptors, what each tree holds and the
//! verifier's verdict.

use std::fmt::Write as _;
use std::path::Path;

use imapi_codes::ImapiCode;
use imapi_joliet::date::IsoDateTime;
use imapi_joliet::read::rock_ridge::RripVersion;
use imapi_joliet::read::{ReadAt, Volume};
use imapi_joliet::verify::{verify, Severity};
use imapi_joliet::{Image, TreeKind};

use crate::error::coded;
use crate::image_file::{self, Origin};

/// Whether `head` (the file's first bytes) holds an ISO 9660 primary volume descriptor.
pub fn has_descriptor(head: &[u8]) -> bool {
    head.get(16 * 2048 + 1..16 * 2048 + 6) == Some(&b"CD001"[..])
}

fn date(d: Result<Option<IsoDateTime>, impl std::fmt::Display>) -> String {
    match d {
        Ok(Some(d)) => {
            let minutes = i32::from(d.gmt_offset) * 15;
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {}{:02}:{:02}",
                d.year,
                d.month,
                d.day,
                d.hour,
                d.minute,
                d.second,
                if minutes < 0 { '-' } else { '+' },
                minutes.abs() / 60,
                minutes.abs() % 60
            )
        }
        Ok(None) => "not set".to_string(),
        Err(e) => format!("malformed ({e})"),
    }
}

fn volume_lines(s: &mut String, v: &Volume, title: &str) {
    let _ = writeln!(s, "{title}:");
    let _ = writeln!(s, "  volume id      {:?}", v.volume_id());
    let _ = writeln!(s, "  system id      {:?}", v.system_id());
    let _ = writeln!(s, "  publisher      {:?}", v.publisher_id());
    let _ = writeln!(s, "  preparer       {:?}", v.preparer_id());
    let _ = writeln!(s, "  application    {:?}", v.application_id());
    let _ = writeln!(s, "  created        {}", date(v.creation_date()));
    let _ = writeln!(s, "  modified       {}", date(v.modification_date()));
    let _ = writeln!(s, "  volume blocks  {}", v.volume_space_size());
    let _ = writeln!(s, "  root extent    block {}, {} bytes", v.root().block, v.root().len);
}

/// The El Torito boot catalog, if the image has one: one line per entry.
fn boot_lines<S: ReadAt>(s: &mut String, image: &Image<S>) {
    let Some(br) = image.boot_record().filter(|b| b.is_el_torito()) else { return };
    let cat = match image.boot_catalog() {
        Ok(Some(c)) => c,
        Ok(None) => return,
        Err(e) => {
            let _ = writeln!(s, "El Torito boot catalog at block {}: unreadable ({e})", br.catalog);
            return;
        }
    };
    let _ = writeln!(
        s,
        "El Torito boot record at block {}, catalog at block {}, manufacturer {:?}:",
        br.block,
        br.catalog,
        cat.manufacturer_id()
    );
    for (i, (platform, e)) in cat.entries().enumerate() {
        let emulation =
            e.emulation().map_or_else(|| format!("{:#04x}", e.media), |m| m.name().into());
        let segment = match e.load_segment {
            0 => "0x07C0 (default)".to_string(),
            n => format!("{n:#06X}"),
        };
        let _ = writeln!(
            s,
            "  entry {}: platform {}, {}, emulation {emulation}, load segment {segment}, \
             {} sectors, image at block {}{}",
            i + 1,
            platform.name(),
            if e.bootable { "bootable" } else { "not bootable" },
            e.sector_count,
            e.lba,
            if e.system_type != 0 {
                format!(", system type {:#04x}", e.system_type)
            } else {
                String::new()
            },
        );
    }
}

/// Counts of one tree: directories, files, bytes of file data, deepest level.
fn tree_line<S: ReadAt>(s: &mut String, image: &Image<S>, tree: TreeKind) {
    let (mut dirs, mut files, mut bytes, mut depth) = (0u64, 0u64, 0u64, 0u32);
    let walk = match image.walk(tree) {
        Ok(w) => w,
        Err(e) => {
            let _ = writeln!(s, "  {tree:?} tree: unreadable ({e})");
            return;
        }
    };
    for item in walk {
        match item {
            Ok(w) => {
                depth = depth.max(w.depth);
                if w.entry.is_dir() {
                    dirs += 1;
                } else {
                    files += 1;
                    bytes += w.entry.size();
                }
            }
            Err(e) => {
                let _ = writeln!(s, "  {tree:?} tree: stops at an error ({e})");
                return;
            }
        }
    }
    let _ = writeln!(
        s,
        "  {tree:?} tree: {dirs} directories, {files} files, {bytes} bytes of data, {depth} levels deep"
    );
}

/// Prints the summary of the image at `path` (a file or a recorder); exit 1 (`IMAPI_E_INVALIDIMAGE`) when strict
/// verification finds violations.
pub fn run(path: &Path) -> anyhow::Result<()> {
    let (image, origin) = image_file::open_with_origin(path, true)?;
    let mut s = String::new();
    match origin {
        Origin::File { len } => {
            let _ = writeln!(
                s,
                "{}: ISO 9660 image, {len} bytes ({} blocks)",
                path.display(),
                len / 2048
            );
        }
        Origin::Disc { session_start, sessions, blocks } => {
            let _ = writeln!(
                s,
                "{}: disc in a recorder, {blocks} blocks, {sessions} session(s); the last \
                 session, read here, starts at block {session_start}",
                path.display()
            );
        }
    }
    volume_lines(&mut s, image.primary(), "primary volume descriptor");
    if let Some(j) = image.joliet() {
        let level = j.joliet_level().map_or("?".to_string(), |l| l.to_string());
        volume_lines(&mut s, j, &format!("Joliet descriptor (UCS-2 level {level})"));
    }
    if let Some(rr) = image.rock_ridge() {
        let version = match rr.rrip {
            Some(RripVersion::Ieee1282) => "RRIP 1.12 (ER IEEE_1282)",
            Some(RripVersion::IeeeP1282) => "RRIP 1.12 (ER IEEE_P1282)",
            Some(RripVersion::Rrip1991A) => "RRIP 1.09/1.10 (ER RRIP_1991A)",
            None => "RRIP entries without ER",
        };
        let _ = writeln!(s, "Rock Ridge: {version}; ls and extract read it by default");
    }
    boot_lines(&mut s, &image);
    let _ = writeln!(s, "contents:");
    tree_line(&mut s, &image, TreeKind::Iso);
    if image.joliet().is_some() {
        tree_line(&mut s, &image, TreeKind::Joliet);
    }
    let report = verify(&image, true);
    let violations = report.count(Severity::Violation);
    let _ = writeln!(
        s,
        "verification (strict): {violations} violation(s), {} relaxation(s), {} warning(s); ISO 9660 level {}",
        report.count(Severity::Relaxation),
        report.count(Severity::Warning),
        report.iso_level
    );
    for finding in report.findings.iter().take(20) {
        let _ = writeln!(s, "  {finding}");
    }
    print!("{s}");
    if report.passed() {
        Ok(())
    } else {
        Err(coded(
            ImapiCode::InvalidImage,
            format!("{}: {violations} violation(s)", path.display()),
        ))
    }
}
