//! `imapi mkiso --rock-ridge` and `--rr-relocate`, read back by bsdtar (extraction keeps modes
//! and links) and xorriso; without the flag, links are skipped and the image has no Rock Ridge.
#![cfg(unix)]

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use common::{available, command, mkiso, mkiso_ok, run_ok, Scratch};

const DATE: &str = "2024-01-02T03:04:05Z";

fn tree(s: &Scratch) {
    s.write("src/bin/tool", b"#!/bin/sh\n");
    fs::set_permissions(s.path("src/bin/tool"), fs::Permissions::from_mode(0o755)).unwrap();
    s.write("src/private", b"secret");
    fs::set_permissions(s.path("src/private"), fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink("../private", s.path("src/bin/link")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", s.path("src/abs")).unwrap();
    let mut deep = String::from("src");
    for level in 1..=10 {
        deep.push_str(&format!("/d{level}"));
    }
    s.write(&format!("{deep}/leaf.txt"), b"leaf");
}

#[test]
fn rock_ridge_keeps_modes_and_links_for_bsdtar() {
    if !available("bsdtar") {
        return;
    }
    let s = Scratch::new();
    tree(&s);
    let iso = s.path("rr.iso");
    let args = ["--rock-ridge", "--rr-relocate", "--date", DATE, "-o"];
    let warnings = mkiso_ok(
        args.iter().map(|a| a.as_ref()).chain([iso.as_os_str(), s.path("src").as_os_str()]),
    );
    assert!(!warnings.contains("skipped"), "{warnings}");
    let out = s.mkdir("out");
    run_ok(command("bsdtar").arg("-xpf").arg(&iso).arg("-C").arg(&out));
    for rel in ["bin/tool", "private", "bin/link", "abs", "bin"] {
        let (a, b) = (s.path("src").join(rel), out.join(rel));
        let (ma, mb) = (fs::symlink_metadata(&a).unwrap(), fs::symlink_metadata(&b).unwrap());
        assert_eq!(mb.mode() & 0o170777, ma.mode() & 0o170777, "{rel}");
    }
    assert_eq!(
        fs::read_link(out.join("bin/link")).unwrap(),
        fs::read_link(s.path("src/bin/link")).unwrap()
    );
    let leaf: String = (1..=10).map(|l| format!("d{l}/")).collect();
    assert_eq!(fs::read(out.join(leaf).join("leaf.txt")).unwrap(), b"leaf");
}

#[test]
fn without_the_flag_links_are_skipped_and_no_rock_ridge_is_written() {
    let s = Scratch::new();
    tree(&s);
    let iso = s.path("plain.iso");
    let args = ["--date", DATE, "-o"];
    let warnings = mkiso_ok(
        args.iter().map(|a| a.as_ref()).chain([iso.as_os_str(), s.path("src").as_os_str()]),
    );
    assert!(warnings.contains("symbolic link skipped"), "{warnings}");
    // The root's `.` record is 34 bytes: no system use, so no SP entry.
    let bytes = fs::read(&iso).unwrap();
    let root = u32::from_le_bytes(bytes[16 * 2048 + 158..16 * 2048 + 162].try_into().unwrap());
    assert_eq!(bytes[root as usize * 2048], 34);
    if available("xorriso") {
        let rr = s.path("rr.iso");
        mkiso_ok(
            ["--rock-ridge", "--date", DATE, "-o"]
                .iter()
                .map(|a| a.as_ref())
                .chain([rr.as_os_str(), s.path("src").as_os_str()]),
        );
        let out = run_ok(command("xorriso").arg("-indev").arg(&rr).args(["-lsdl", "/abs", "--"]));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("'/abs' -> '/etc/hostname'"), "{text}");
    }
}

#[test]
fn relocation_needs_rock_ridge() {
    let s = Scratch::new();
    tree(&s);
    let out = mkiso([
        "--rr-relocate".as_ref(),
        "-o".as_ref(),
        s.path("x.iso").as_os_str(),
        s.path("src").as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rock-ridge"));
}
