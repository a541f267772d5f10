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

/// Mode, owner, group and path of every entry `imapi ls -l` shows of `iso`.
fn modes(iso: &std::path::Path) -> Vec<String> {
    let out = run_ok(common::imapi().arg("ls").arg("-l").arg(iso));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| {
            let l = l.split(" -> ").next().unwrap_or(l);
            let f: Vec<&str> = l.split_whitespace().collect();
            format!("{} {} {} {}", f[0], f[2], f[3], f[f.len() - 1])
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn rationalized_rock_ridge_records_what_mkisofs_r_does() {
    let s = Scratch::new();
    tree(&s);
    let modes_in =
        [("src/bin/tool", 0o4750), ("src/private", 0o600), ("src/bin", 0o700), ("src/d1", 0o2755)];
    for (rel, mode) in modes_in {
        fs::set_permissions(s.path(rel), fs::Permissions::from_mode(mode)).unwrap();
    }
    s.write("src/sticky/f", b"f");
    fs::set_permissions(s.path("src/sticky"), fs::Permissions::from_mode(0o1777)).unwrap();
    // Owners other than root, where the test may give them.
    let _ = std::os::unix::fs::lchown(s.path("src/private"), Some(1000), Some(50));
    let iso = s.path("r.iso");
    let args = ["--rock-ridge", "--rr-rationalize", "--date", DATE, "-o"];
    mkiso_ok(args.iter().map(|a| a.as_ref()).chain([iso.as_os_str(), s.path("src").as_os_str()]));
    let ours = modes(&iso);
    let want_of = |path: &str| ours.iter().find(|l| l.ends_with(&format!(" {path}"))).cloned();
    assert_eq!(want_of("private").unwrap(), "-r--r--r-- 0 0 private");
    assert_eq!(want_of("bin/tool").unwrap(), "-r-xr-xr-x 0 0 bin/tool");
    assert_eq!(want_of("bin").unwrap(), "dr-xr-xr-x 0 0 bin");
    assert_eq!(want_of("sticky").unwrap(), "dr-xr-xr-x 0 0 sticky");
    assert_eq!(want_of("abs").unwrap(), "lr-xr-xr-x 0 0 abs");
    // Without the flag the tree's own attributes stay.
    let plain = s.path("p.iso");
    let args = ["--rock-ridge", "--rr-relocate", "--date", DATE, "-o"];
    mkiso_ok(args.iter().map(|a| a.as_ref()).chain([plain.as_os_str(), s.path("src").as_os_str()]));
    let kept = modes(&plain);
    assert!(
        kept.iter().any(|l| l.starts_with("-rwsr-x--- ") && l.ends_with(" bin/tool")),
        "{kept:?}"
    );

    // The peers' -r gives the same modes and owners, path for path.
    let peers = [
        ("genisoimage", &["-quiet", "-r", "-o"][..]),
        ("xorriso", &["-as", "mkisofs", "-quiet", "-r", "-o"][..]),
    ];
    for (tool, args) in peers {
        if !available(tool) {
            continue;
        }
        let theirs = s.path(&format!("{tool}.iso"));
        run_ok(command(tool).args(args).arg(&theirs).arg(s.path("src")));
        let relocated = |l: &&String| !l.contains("rr_moved");
        let theirs: Vec<String> = modes(&theirs).into_iter().filter(|l| relocated(&l)).collect();
        assert_eq!(ours, theirs, "{tool}");
    }
}
