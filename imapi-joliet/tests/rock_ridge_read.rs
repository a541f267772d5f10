//! Reading Rock Ridge written by xorriso (RRIP 1.12) and genisoimage (RRIP 1.09/1.10 forms):
//! POSIX names, modes, symbolic links, FIFOs, long names, and directories relocated for depth
//! shown at their original place. Skipped when a tool is missing (unless
//! `IMAPI_INTEROP_REQUIRED=1`).

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::process::Command;

use common::{have, mkisofs, run};
use imapi_joliet::read::rock_ridge::RripVersion;
use imapi_joliet::read::{FileType, Image, ReadError, View};

const DEEP: &str = "a/b/c/d/e/f/g/h/i/j";

/// A tree with modes, links, a FIFO, a 200-byte name and a directory eleven levels deep.
fn posix_tree(root: &Path) {
    std::fs::create_dir_all(root.join(DEEP)).unwrap();
    std::fs::write(root.join(DEEP).join("deep.txt"), b"deep").unwrap();
    std::fs::write(root.join("file.txt"), b"hello").unwrap();
    std::fs::set_permissions(root.join("file.txt"), PermissionsExt::from_mode(0o640)).unwrap();
    std::fs::write(root.join("run.sh"), b"#!/bin/sh\n").unwrap();
    std::fs::set_permissions(root.join("run.sh"), PermissionsExt::from_mode(0o755)).unwrap();
    symlink("file.txt", root.join("link")).unwrap();
    symlink("../../x/y", root.join("a/rel")).unwrap();
    symlink("/etc/passwd", root.join("abs")).unwrap();
    run(Command::new("mkfifo").arg(root.join("fifo")));
    std::fs::write(root.join("n".repeat(200)), b"long").unwrap();
    std::fs::write(root.join("MixedCase.Name"), b"mixed").unwrap();
}

/// path → (type letter, mode & 0o7777, symlink target) in the Rock Ridge view.
fn rr_listing(image: &Image<&[u8]>) -> BTreeMap<String, (char, u32, Option<String>)> {
    image
        .walk_view(View::RockRidge)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let rr = e.entry.rock_ridge().expect("every entry has Rock Ridge entries");
            let mode = rr.mode.unwrap() & 0o7777;
            (e.path, (e.entry.file_type().letter(), mode, rr.symlink.clone()))
        })
        .collect()
}

fn check_posix_view(image: &Image<&[u8]>, what: &str) {
    assert_eq!(image.default_view(), View::RockRidge, "{what}");
    let list = rr_listing(image);
    assert_eq!(list["file.txt"], ('-', 0o640, None), "{what}");
    assert_eq!(list["run.sh"], ('-', 0o755, None), "{what}");
    assert_eq!(list["link"], ('l', 0o777, Some("file.txt".into())), "{what}");
    assert_eq!(list["a/rel"], ('l', 0o777, Some("../../x/y".into())), "{what}");
    assert_eq!(list["abs"], ('l', 0o777, Some("/etc/passwd".into())), "{what}");
    assert_eq!(list["fifo"].0, 'p', "{what}");
    assert!(list.contains_key(&"n".repeat(200)), "{what}: {:?}", list.keys());
    assert!(list.contains_key("MixedCase.Name"), "{what}");
    let deep = format!("{DEEP}/deep.txt");
    assert_eq!(list[&deep].0, '-', "{what}: {:?}", list.keys());
    assert_eq!(list[DEEP].0, 'd', "{what}");
    // Nothing shows up twice: the relocated directory is hidden where it was moved to.
    assert_eq!(list.keys().filter(|p| p.ends_with("deep.txt")).count(), 1, "{what}");
    assert_eq!(image.read_path(&format!("/{deep}")).unwrap(), b"deep", "{what}");
    assert_eq!(image.read_path("/MixedCase.Name").unwrap(), b"mixed", "{what}");
    let entry = image.lookup_view(View::RockRidge, "file.txt").unwrap();
    assert_eq!(entry.name(), "file.txt");
    assert!(image.lookup_view(View::RockRidge, "FILE.TXT").is_err(), "{what}: exact names");
    let dir = image.lookup_view(View::RockRidge, "a/b").unwrap();
    let below: Vec<String> =
        image.walk_dir(&dir, "a/b").unwrap().map(|e| e.unwrap().path).collect();
    assert!(below.contains(&format!("{DEEP}/deep.txt")), "{what}: {below:?}");
    let names: Vec<String> =
        image.read_dir(&dir).unwrap().map(|e| e.unwrap().name().to_owned()).collect();
    assert_eq!(names, ["c"], "{what}");
}

/// xorriso writes the RRIP 1.10 forms (`RRIP_1991A`, 36-byte `PX`) by default and those of
/// 1.12 (`IEEE_1282`, 44-byte `PX` with a serial) under `-compliance new_rr`.
#[test]
fn xorriso_native_new_rr_and_relocated() {
    if !have("xorriso") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    posix_tree(&src);
    let native = tmp.path().join("native.iso");
    run(Command::new("xorriso")
        .args(["-report_about", "SORRY", "-outdev"])
        .arg(&native)
        .args(["-map"])
        .arg(&src)
        .arg("/"));
    let new_rr = tmp.path().join("new_rr.iso");
    run(Command::new("xorriso")
        .args(["-report_about", "SORRY", "-compliance", "new_rr", "-outdev"])
        .arg(&new_rr)
        .args(["-map"])
        .arg(&src)
        .arg("/"));
    let relocated = tmp.path().join("reloc.iso");
    run(Command::new("xorriso")
        .args(["-report_about", "SORRY", "-compliance", "deep_paths_off", "-outdev"])
        .arg(&relocated)
        .args(["-map"])
        .arg(&src)
        .arg("/"));
    let rr_moved = tmp.path().join("rr_moved.iso");
    mkisofs("xorriso", &["-R", "-J", "-rr_reloc_dir", "rr_moved"], &src, &rr_moved);
    for (iso, rrip) in [
        (&native, RripVersion::Rrip1991A),
        (&new_rr, RripVersion::Ieee1282),
        (&relocated, RripVersion::Rrip1991A),
        (&rr_moved, RripVersion::Rrip1991A),
    ] {
        let data = std::fs::read(iso).unwrap();
        let image = Image::parse(&data).unwrap();
        let vol = image.rock_ridge().expect("Rock Ridge detected");
        let what = iso.display().to_string();
        assert_eq!(vol.rrip, Some(rrip), "{what}");
        check_posix_view(&image, &what);
        let file = image.lookup_view(View::RockRidge, "file.txt").unwrap();
        let serial = file.rock_ridge().unwrap().serial;
        assert_eq!(serial.is_some(), rrip == RripVersion::Ieee1282, "{what}: PX serial");
    }
    // The relocated images really relocate: the ISO 9660 tree has `H` off the deep path.
    let data = std::fs::read(&relocated).unwrap();
    let image = Image::parse(&data).unwrap();
    assert!(image.lookup_view(View::Iso9660, "H").is_ok(), "relocated to the root");
    assert!(image.lookup_view(View::RockRidge, "h").is_err(), "hidden at the root");
    let data = std::fs::read(&rr_moved).unwrap();
    let image = Image::parse(&data).unwrap();
    assert!(image.lookup_view(View::Iso9660, "RR_MOVED/H").is_ok());
    // xorriso marks the relocation directory itself `RE`: hidden, as Linux hides it.
    assert!(image.lookup_view(View::RockRidge, "rr_moved").is_err());
}

#[test]
fn genisoimage_rrip_1_09_forms() {
    if !have("genisoimage") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    posix_tree(&src);
    let iso = tmp.path().join("g.iso");
    mkisofs("genisoimage", &["-R", "-J"], &src, &iso);
    let data = std::fs::read(&iso).unwrap();
    let image = Image::parse(&data).unwrap();
    let vol = image.rock_ridge().expect("Rock Ridge detected");
    assert_eq!(vol.rrip, Some(RripVersion::Rrip1991A));
    check_posix_view(&image, "genisoimage");
    let file = image.lookup_view(View::RockRidge, "file.txt").unwrap();
    assert_eq!(file.rock_ridge().unwrap().serial, None, "36-byte PX has no serial");
    assert!(image.lookup_view(View::Iso9660, "RR_MOVED/H").is_ok(), "genisoimage relocates");
    // genisoimage's relocation directory is a plain one: shown, its `RE` children hidden.
    let moved = image.lookup_view(View::RockRidge, "rr_moved").unwrap();
    assert_eq!(image.read_dir(&moved).unwrap().count(), 0, "rr_moved shows empty");
}

#[test]
fn images_without_rock_ridge_default_to_joliet() {
    if !have("xorriso") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("a.txt"), b"a").unwrap();
    let iso = tmp.path().join("j.iso");
    mkisofs("xorriso", &["-J", "--norock"], &src, &iso);
    let data = std::fs::read(&iso).unwrap();
    let image = Image::parse(&data).unwrap();
    assert!(image.rock_ridge().is_none());
    assert_eq!(image.default_view(), View::Joliet);
    assert!(matches!(image.walk_view(View::RockRidge), Err(ReadError::NoRockRidge)));
    let entry = image.lookup_view(View::Joliet, "a.txt").unwrap();
    assert!(entry.rock_ridge().is_none());
    assert_eq!(entry.file_type(), FileType::Regular);
}
