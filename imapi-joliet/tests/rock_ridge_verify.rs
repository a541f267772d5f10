//! The SUSP/RRIP rules of the verifier on xorriso images: clean as made, then broken by hand at
//! one point each, and the reader meeting the broken continuation areas. Skipped without
//! xorriso (unless `IMAPI_INTEROP_REQUIRED=1`).

mod common;

use std::process::Command;

use common::{have, run};
use imapi_joliet::read::rock_ridge::SuspEntries;
use imapi_joliet::read::{Image, ReadError, View};
use imapi_joliet::verify::{verify, Rule};

const BLOCK: usize = 2048;
const LONG: usize = 200;

/// An xorriso image (RRIP 1.10 forms, or 1.12 with `new_rr`) of a tree with a symlink, a
/// FIFO, a name long enough to need a continuation area and a directory relocated for depth.
fn image(new_rr: bool) -> Option<Vec<u8>> {
    if !have("xorriso") {
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let deep = src.join("a/b/c/d/e/f/g/h/i");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("deep.txt"), b"deep").unwrap();
    std::fs::write(src.join("file.txt"), b"hello").unwrap();
    std::fs::write(src.join("n".repeat(LONG)), b"long").unwrap();
    std::os::unix::fs::symlink("file.txt", src.join("link")).unwrap();
    run(Command::new("mkfifo").arg(src.join("fifo")));
    let iso = tmp.path().join("rr.iso");
    let compliance = if new_rr { "deep_paths_off:new_rr" } else { "deep_paths_off" };
    run(Command::new("xorriso")
        .args(["-report_about", "SORRY", "-compliance", compliance, "-outdev"])
        .arg(&iso)
        .arg("-map")
        .arg(&src)
        .arg("/"));
    Some(std::fs::read(iso).unwrap())
}

/// Where the system use area of a record starts and ends (absolute byte offsets).
fn area_of(data: &[u8], iso_path: &str, dot: bool) -> (usize, usize) {
    let image = Image::parse(data).unwrap();
    let dir_extent = if dot {
        image.root(imapi_joliet::TreeKind::Iso).unwrap().sections()[0]
    } else {
        let (parent, _) = iso_path.rsplit_once('/').unwrap_or(("", iso_path));
        image.lookup(imapi_joliet::TreeKind::Iso, parent).unwrap().sections()[0]
    };
    let name = iso_path.rsplit('/').next().unwrap();
    let r = image
        .records(dir_extent)
        .map(Result::unwrap)
        .find(|r| if dot { r.is_dot() } else { r.identifier() == name.as_bytes() })
        .unwrap_or_else(|| panic!("no record {iso_path}"));
    let start = r.block() as usize * BLOCK + r.offset() + r.bytes().len() - r.system_use().len();
    (start, start + r.system_use().len())
}

/// The absolute offset of the first `sig` entry in the area `start..end`.
fn entry(data: &[u8], (start, end): (usize, usize), sig: &[u8; 2]) -> usize {
    let e = SuspEntries::new(&data[start..end], 0)
        .find(|e| &e.signature == sig)
        .unwrap_or_else(|| panic!("no {sig:?} entry"));
    start + e.offset
}

fn both32(data: &mut [u8], at: usize, v: u32) {
    data[at..at + 4].copy_from_slice(&v.to_le_bytes());
    data[at + 4..at + 8].copy_from_slice(&v.to_be_bytes());
}

fn read32(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(data[at..at + 4].try_into().unwrap())
}

/// The root's continuation area: (offset of the CE entry, block, offset, length).
fn root_ce(data: &[u8]) -> (usize, u32, u32, u32) {
    let ce = entry(data, area_of(data, "", true), b"CE");
    (ce, read32(data, ce + 4), read32(data, ce + 12), read32(data, ce + 20))
}

fn rules_of(data: &[u8]) -> Vec<Rule> {
    let image = Image::parse_with(data, imapi_joliet::read::Options::new().lenient(true)).unwrap();
    verify(&image, true).findings.iter().map(|f| f.rule).collect()
}

fn fires(data: &[u8], rule: Rule) {
    let image = Image::parse_with(data, imapi_joliet::read::Options::new().lenient(true)).unwrap();
    let report = verify(&image, true);
    assert!(report.has(rule), "no {rule} in {:#?}", report.findings);
    assert!(!report.passed());
}

#[test]
fn clean_xorriso_images_have_no_findings() {
    for new_rr in [false, true] {
        let Some(data) = image(new_rr) else { return };
        let image = Image::parse(&data).unwrap();
        assert!(image.lookup(imapi_joliet::TreeKind::Iso, "H").is_ok(), "relocated");
        let report = verify(&image, true);
        assert_eq!(report.findings, [], "new_rr {new_rr}");
    }
}

#[test]
fn sp_missing_or_malformed() {
    let Some(clean) = image(false) else { return };
    let sp = entry(&clean, area_of(&clean, "", true), b"SP");
    let mut data = clean.clone();
    data[sp..sp + 2].copy_from_slice(b"XX");
    fires(&data, Rule::RrSp);
    let mut data = clean.clone();
    data[sp + 4] = 0;
    fires(&data, Rule::RrSp);
    let mut data = clean;
    let nm = entry(&data, area_of(&data, "FILE.TXT;1", false), b"NM");
    data[nm..nm + 2].copy_from_slice(b"SP");
    data[nm + 4] = 0xbe;
    fires(&data, Rule::RrSp);
}

#[test]
fn entry_running_past_its_area() {
    let Some(mut data) = image(false) else { return };
    let nm = entry(&data, area_of(&data, "FILE.TXT;1", false), b"NM");
    data[nm + 2] = 0xff;
    fires(&data, Rule::RrEntryLength);
}

#[test]
fn continuation_outside_the_volume_past_its_block_and_in_a_loop() {
    let Some(clean) = image(false) else { return };
    let (ce, block, offset, len) = root_ce(&clean);
    let mut data = clean.clone();
    both32(&mut data, ce + 4, 0x00ff_ffff);
    fires(&data, Rule::RrContinuation);
    let mut data = clean.clone();
    both32(&mut data, ce + 12, 2040);
    fires(&data, Rule::RrContinuation);
    // The ER entry of the area replaced by a CE naming the area itself, and padding.
    let mut data = clean;
    let start = block as usize * BLOCK + offset as usize;
    let er = entry(&data, (start, start + len as usize), b"ER");
    let er_len = data[er + 2];
    data[er..er + 4].copy_from_slice(&[b'C', b'E', 28, 1]);
    both32(&mut data, er + 4, block);
    both32(&mut data, er + 12, offset);
    both32(&mut data, er + 20, len);
    data[er + 28..er + 32].copy_from_slice(&[b'P', b'D', er_len - 28, 1]);
    fires(&data, Rule::RrContinuation);
    let image = Image::parse(&data).unwrap();
    let msg = verify(&image, true)
        .findings
        .into_iter()
        .find(|f| f.rule == Rule::RrContinuation)
        .unwrap()
        .message;
    assert!(msg.contains("loop"), "{msg}");
}

#[test]
fn the_reader_refuses_a_continuation_outside_the_volume() {
    let Some(mut data) = image(false) else { return };
    let long = format!("{}.;1", "N".repeat(30));
    let ce = entry(&data, area_of(&data, &long, false), b"CE");
    let image = Image::parse(&data).unwrap();
    let name = "n".repeat(LONG);
    assert_eq!(image.lookup_view(View::RockRidge, &name).unwrap().name(), name);
    both32(&mut data, ce + 4, 0x7fff_ffff);
    let image = Image::parse(&data).unwrap();
    let err = image.walk_view(View::RockRidge).unwrap().find_map(Result::err).unwrap();
    assert!(matches!(err, ReadError::BadContinuation { ce_block: 0x7fff_ffff, .. }), "{err}");
    fires(&data, Rule::RrContinuation);
}

#[test]
fn rrip_without_er() {
    let Some(mut data) = image(false) else { return };
    let (_, block, offset, len) = root_ce(&data);
    let start = block as usize * BLOCK + offset as usize;
    let er = entry(&data, (start, start + len as usize), b"ER");
    data[er..er + 2].copy_from_slice(b"XX");
    fires(&data, Rule::RrEr);
}

#[test]
fn px_of_a_wrong_length() {
    let Some(mut data) = image(false) else { return };
    let px = entry(&data, area_of(&data, "FILE.TXT;1", false), b"PX");
    data[px + 2] = 28;
    fires(&data, Rule::RrPx);
}

#[test]
fn nm_and_sl_with_bad_flags_or_overflowing_components() {
    let Some(clean) = image(false) else { return };
    let mut data = clean.clone();
    let nm = entry(&data, area_of(&data, "FILE.TXT;1", false), b"NM");
    data[nm + 4] = 0x02;
    fires(&data, Rule::RrNm);
    let sl = entry(&clean, area_of(&clean, "LINK.;1", false), b"SL");
    let mut data = clean.clone();
    data[sl + 6] = 0x7f;
    fires(&data, Rule::RrSl);
    let mut data = clean;
    data[sl + 5] = 0x06;
    fires(&data, Rule::RrSl);
}

#[test]
fn tf_length_not_matching_its_flags() {
    let Some(mut data) = image(false) else { return };
    let tf = entry(&data, area_of(&data, "FILE.TXT;1", false), b"TF");
    data[tf + 4] |= 0x01;
    fires(&data, Rule::RrTf);
}

#[test]
fn cl_and_pl_naming_no_directory() {
    let Some(clean) = image(false) else { return };
    let image = Image::parse(&clean).unwrap();
    let file_block = image.lookup(imapi_joliet::TreeKind::Iso, "FILE.TXT").unwrap().block();
    let cl = entry(&clean, area_of(&clean, "A/B/C/D/E/F/G/H", false), b"CL");
    let mut data = clean.clone();
    both32(&mut data, cl + 4, file_block);
    fires(&data, Rule::RrRelocation);
    let image = Image::parse(&data).unwrap();
    let err = image.walk_view(View::RockRidge).unwrap().find_map(Result::err).unwrap();
    assert!(matches!(err, ReadError::BadRelocation { .. }), "{err}");
    // PL sits in the `..` record of the relocated directory H.
    let h = image.lookup(imapi_joliet::TreeKind::Iso, "H").unwrap();
    let dotdot = image.records(h.sections()[0]).nth(1).unwrap().unwrap();
    let start = dotdot.block() as usize * BLOCK + dotdot.offset() + dotdot.bytes().len()
        - dotdot.system_use().len();
    let pl = entry(&clean, (start, start + dotdot.system_use().len()), b"PL");
    let mut data = clean;
    both32(&mut data, pl + 4, file_block);
    assert_eq!(rules_of(&data), [Rule::RrRelocation]);
}

/// Links, FIFOs and relocated directories are in the ISO 9660 tree only (or in Joliet as
/// empty files): the cross-tree check takes them.
#[test]
fn cross_tree_check_accepts_rock_ridge_only_entries() {
    for tool in ["genisoimage", "xorriso"] {
        if !have(tool) {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        let deep = src.join("a/b/c/d/e/f/g/h/i");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("deep.txt"), b"deep").unwrap();
        std::fs::write(src.join("file.txt"), b"hello").unwrap();
        std::os::unix::fs::symlink("file.txt", src.join("link")).unwrap();
        std::os::unix::fs::symlink("../../x", src.join("a/up")).unwrap();
        run(Command::new("mkfifo").arg(src.join("fifo")));
        let iso = tmp.path().join("rj.iso");
        let args: &[&str] = if tool == "xorriso" {
            &["-as", "mkisofs", "-quiet", "-R", "-J", "-rr_reloc_dir", "rr_moved", "-o"]
        } else {
            &["-quiet", "-R", "-J", "-o"]
        };
        run(Command::new(tool).args(args).arg(&iso).arg(&src));
        let data = std::fs::read(&iso).unwrap();
        let image = Image::parse(&data).unwrap();
        assert!(image.lookup(imapi_joliet::TreeKind::Iso, "RR_MOVED").is_ok(), "{tool}");
        let report = verify(&image, true);
        let rr_or_cross: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule == Rule::SameFiles || f.rule.id().starts_with("rr."))
            .collect();
        assert!(rr_or_cross.is_empty(), "{tool}: {rr_or_cross:#?}");
    }
}

/// A `CL` naming an ancestor makes a loop: the Rock Ridge walk stops with an error instead of
/// going round, and the verifier still finishes.
#[test]
fn cl_naming_an_ancestor_is_a_cycle_not_a_hang() {
    let Some(mut data) = image(false) else { return };
    let image = Image::parse(&data).unwrap();
    let a = image.lookup(imapi_joliet::TreeKind::Iso, "A").unwrap().block();
    let cl = entry(&data, area_of(&data, "A/B/C/D/E/F/G/H", false), b"CL");
    both32(&mut data, cl + 4, a);
    let image = Image::parse(&data).unwrap();
    let err = image.walk_view(View::RockRidge).unwrap().find_map(Result::err).unwrap();
    assert!(matches!(err, ReadError::Cycle { .. }), "{err}");
    let deep = "a/b/c/d/e/f/g/h/b/c/d/e/f/g/h/b/c";
    assert!(image.lookup_view(View::RockRidge, deep).is_ok(), "a lookup follows the loop by name");
    let _ = verify(&image, true);
}
