//! `imapi ls` and `imapi extract` on Rock Ridge images made by xorriso and genisoimage: POSIX
//! names, modes, symbolic links, FIFOs, device nodes, long names, and directories relocated
//! for depth. Skipped when a tool is missing (unless `IMAPI_INTEROP_REQUIRED=1`).

mod common;

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{available, IMAPI};

const DEEP: &str = "a/b/c/d/e/f/g/h/i/j";
/// 2021-02-03 04:05:06 UTC.
const MTIME: i64 = 1_612_325_106;

fn imapi(args: &[&str]) -> Output {
    Command::new(IMAPI).args(args).output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn set_mtime(path: &Path) {
    let stamp = "202102030405.06";
    run(Command::new("touch").args(["-h", "-t", stamp]).env("TZ", "UTC").arg(path));
}

/// The source tree; `device` tells whether a character device could be made in it.
fn source(root: &Path) -> bool {
    std::fs::create_dir_all(root.join(DEEP)).unwrap();
    std::fs::write(root.join(DEEP).join("deep.txt"), b"deep").unwrap();
    let files: [(&str, &[u8], u32); 4] = [
        ("private.txt", b"secret", 0o600),
        ("tool", b"#!/bin/sh\n", 0o4755),
        ("shared/readme", b"read me", 0o444),
        ("LongName-With.Mixed.Case.and.more.dots.txt", b"long", 0o644),
    ];
    std::fs::create_dir_all(root.join("shared")).unwrap();
    for (path, data, mode) in files {
        std::fs::write(root.join(path), data).unwrap();
        std::fs::set_permissions(root.join(path), PermissionsExt::from_mode(mode)).unwrap();
    }
    std::fs::write(root.join("x".repeat(180)), b"x").unwrap();
    std::os::unix::fs::symlink("private.txt", root.join("link")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", root.join("shared/outside")).unwrap();
    run(Command::new("mkfifo").arg(root.join("pipe")));
    let device =
        Command::new("mknod").arg(root.join("null")).args(["c", "1", "3"]).status().unwrap();
    std::fs::set_permissions(root.join("shared"), PermissionsExt::from_mode(0o750)).unwrap();
    let mut all = vec![root.to_path_buf()];
    for e in walk(root) {
        all.push(e);
    }
    for p in all.iter().rev() {
        set_mtime(p);
    }
    device.success()
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(root).unwrap() {
        let p = e.unwrap().path();
        out.push(p.clone());
        if std::fs::symlink_metadata(&p).unwrap().is_dir() {
            out.extend(walk(&p));
        }
    }
    out
}

/// Images of the source: xorriso native, xorriso relocating for depth, genisoimage.
fn images(tmp: &Path) -> Option<(Vec<(PathBuf, &'static str)>, bool)> {
    if !available("xorriso") || !available("genisoimage") {
        return None;
    }
    let src = tmp.join("src");
    let device = source(&src);
    let mut out = Vec::new();
    for (name, deep) in [("native.iso", None), ("relocated.iso", Some("deep_paths_off"))] {
        let iso = tmp.join(name);
        let mut cmd = Command::new("xorriso");
        cmd.args(["-report_about", "SORRY"]);
        if let Some(c) = deep {
            cmd.args(["-compliance", c]);
        }
        run(cmd.arg("-outdev").arg(&iso).arg("-map").arg(&src).arg("/"));
        out.push((iso, "xorriso"));
    }
    let g = tmp.join("g.iso");
    run(Command::new("genisoimage").args(["-quiet", "-R", "-J", "-o"]).arg(&g).arg(&src));
    out.push((g, "genisoimage"));
    Some((out, device))
}

#[test]
fn ls_shows_rock_ridge_types_modes_and_targets() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((isos, device)) = images(tmp.path()) else { return };
    for (iso, tool) in &isos {
        let iso = iso.to_str().unwrap();
        let text = ok(&imapi(&["ls", iso]));
        let lines: Vec<&str> = text.lines().collect();
        for want in [
            "l\t0\tlink",
            "p\t0\tpipe",
            "f\t6\tprivate.txt",
            "d\t2048\tshared",
            "l\t0\tshared/outside",
            "f\t4\tLongName-With.Mixed.Case.and.more.dots.txt",
            "f\t4\ta/b/c/d/e/f/g/h/i/j/deep.txt",
        ] {
            assert!(lines.contains(&want), "{tool} {iso}: no {want:?} in\n{text}");
        }
        assert!(lines.contains(&format!("f\t1\t{}", "x".repeat(180)).as_str()), "{tool}");
        assert_eq!(lines.iter().filter(|l| l.ends_with("deep.txt")).count(), 1, "{tool}");
        assert!(!text.to_lowercase().contains("rr_moved/"), "{tool}: relocation shows\n{text}");
        if device {
            assert!(lines.contains(&"c\t0\tnull"), "{tool}: {text}");
        }

        let long = ok(&imapi(&["ls", "-l", iso]));
        let find = |suffix: &str| {
            long.lines()
                .find(|l| l.ends_with(suffix) && (suffix.contains("->") || !l.contains("->")))
                .unwrap_or_else(|| panic!("{tool}: no {suffix:?} in\n{long}"))
                .to_owned()
        };
        assert!(find(" private.txt").starts_with("-rw------- "), "{tool}");
        assert!(find(" tool").starts_with("-rwsr-xr-x "), "{tool}");
        assert!(find(" shared").starts_with("drwxr-x--- "), "{tool}");
        assert!(find(" pipe").starts_with("prw-"), "{tool}");
        let link = find(" link -> private.txt");
        assert!(link.starts_with("lrwxrwxrwx "), "{tool}");
        assert!(link.contains(" 11 "), "{tool}: a link's size is its target's length: {link}");
        assert!(find(" shared/outside -> /etc/hostname").starts_with('l'), "{tool}");
        assert!(find(" private.txt").contains(" 2021-02-03 04:05 "), "{tool}: {long}");

        let json: serde_json::Value =
            serde_json::from_str(&ok(&imapi(&["ls", "--json", iso]))).unwrap();
        let row = |p: &str| json.as_array().unwrap().iter().find(|r| r["path"] == p).unwrap();
        assert_eq!(row("private.txt")["mode"], 0o100600, "{tool}");
        assert_eq!(row("link")["target"], "private.txt", "{tool}");
        assert_eq!(row("link")["type"], "l", "{tool}");
        assert!(row("shared")["nlink"].as_u64().unwrap() >= 1, "{tool}");
        assert_eq!(row("private.txt")["uid"], 0, "{tool}");
    }
}

#[test]
fn tree_flags_pick_joliet_or_iso9660() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((isos, _)) = images(tmp.path()) else { return };
    let g = isos.iter().find(|(_, t)| *t == "genisoimage").unwrap().0.to_str().unwrap();
    let joliet = ok(&imapi(&["ls", "--tree", "joliet", g]));
    assert!(joliet.lines().any(|l| l == "f\t6\tprivate.txt"), "{joliet}");
    assert!(joliet.lines().all(|l| !l.starts_with('l')), "Joliet has no links: {joliet}");
    let iso = ok(&imapi(&["ls", "--tree", "iso9660", g]));
    assert!(iso.lines().any(|l| l == "f\t6\tPRIVATE.TXT;1"), "{iso}");
    assert_eq!(ok(&imapi(&["ls", "--iso9660", g])), iso, "--iso9660 is --tree iso9660");
    let rr = ok(&imapi(&["ls", "--tree", "rock-ridge", g]));
    assert_eq!(ok(&imapi(&["ls", g])), rr, "Rock Ridge is the default");
    let both = imapi(&["ls", "--iso9660", "--tree", "joliet", g]);
    assert_eq!(both.status.code(), Some(2));
    let bad = imapi(&["ls", "--tree", "udf", g]);
    assert_eq!(bad.status.code(), Some(2));
    let inspect = imapi(&["inspect", g]);
    let text = String::from_utf8_lossy(&inspect.stdout);
    assert!(text.contains("Rock Ridge: RRIP 1.09/1.10 (ER RRIP_1991A)"), "{text}");
}

#[test]
fn extract_restores_modes_times_links_and_fifos() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((isos, device)) = images(tmp.path()) else { return };
    for (i, (iso, tool)) in isos.iter().enumerate() {
        let dest = tmp.path().join(format!("out{i}"));
        let out = imapi(&["extract", iso.to_str().unwrap(), dest.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{tool}: {stderr}");
        let meta = |p: &str| std::fs::symlink_metadata(dest.join(p)).unwrap();
        assert_eq!(meta("private.txt").mode() & 0o7777, 0o600, "{tool}");
        assert_eq!(meta("tool").mode() & 0o7777, 0o755, "{tool}: set-user-id is dropped");
        assert_eq!(meta("shared/readme").mode() & 0o7777, 0o444, "{tool}");
        assert_eq!(meta("shared").mode() & 0o7777, 0o750, "{tool}");
        assert_eq!(meta("private.txt").mtime(), MTIME, "{tool}");
        assert_eq!(meta("shared").mtime(), MTIME, "{tool}");
        assert_eq!(meta(DEEP).mtime(), MTIME, "{tool}");
        assert!(meta("link").file_type().is_symlink(), "{tool}");
        assert_eq!(std::fs::read_link(dest.join("link")).unwrap(), Path::new("private.txt"));
        assert_eq!(meta("link").mtime(), MTIME, "{tool}");
        let outside = std::fs::read_link(dest.join("shared/outside")).unwrap();
        assert_eq!(outside, Path::new("/etc/hostname"), "{tool}");
        assert!(meta("pipe").file_type().is_fifo(), "{tool}");
        assert_eq!(std::fs::read(dest.join(DEEP).join("deep.txt")).unwrap(), b"deep");
        assert_eq!(std::fs::read(dest.join("x".repeat(180))).unwrap(), b"x");
        let moved = ["rr_moved", "RR_MOVED", "h"];
        assert!(moved.iter().all(|m| !dest.join(m).join("i").exists()), "{tool}");
        if device {
            let made = std::fs::symlink_metadata(dest.join("null"));
            let skipped = stderr.contains("null") && stderr.contains("skipped");
            assert!(
                made.is_ok_and(|m| m.file_type().is_char_device()) || skipped,
                "{tool}: a device is made or skipped with a warning: {stderr}"
            );
        }
    }
}

#[test]
fn extract_never_writes_through_an_extracted_link() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((isos, _)) = images(tmp.path()) else { return };
    let iso = isos[0].0.to_str().unwrap();
    let dest = tmp.path().join("dest");
    ok(&imapi(&["extract", iso, dest.to_str().unwrap(), "link", "shared"]));
    assert!(std::fs::symlink_metadata(dest.join("link")).unwrap().file_type().is_symlink());
    // A second run finds the link (and everything else) there: nothing is overwritten, the
    // link's target is left alone.
    let again = imapi(&["extract", iso, dest.to_str().unwrap(), "link"]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(std::fs::read(tmp.path().join("src/private.txt")).unwrap(), b"secret");
    // A path through a link is no directory of the image.
    let through = imapi(&["extract", iso, tmp.path().join("d2").to_str().unwrap(), "link/x"]);
    assert_eq!(through.status.code(), Some(1));
    assert!(!tmp.path().join("d2/link").exists());
}

/// `imapi ls -l` and xorriso's own reader (`-find / -exec lsdl`) agree on every path and mode
/// string, relocated directories included.
#[test]
fn ls_long_agrees_with_xorriso() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((isos, _)) = images(tmp.path()) else { return };
    for (iso, tool) in &isos {
        let ours: std::collections::BTreeSet<(String, String)> =
            ok(&imapi(&["ls", "-l", iso.to_str().unwrap()]))
                .lines()
                .map(|l| {
                    // mode nlink uid gid size date time path [-> target]; no name here
                    // holds a space.
                    let f: Vec<&str> = l.split_whitespace().collect();
                    assert!(f.len() >= 8, "{l}");
                    (f[0].to_owned(), format!("/{}", f[7]))
                })
                .collect();
        let out = Command::new("xorriso")
            .args(["-indev"])
            .arg(iso)
            .args(["-find", "/", "-exec", "lsdl"])
            .output()
            .unwrap();
        let theirs: std::collections::BTreeSet<(String, String)> =
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| {
                    let mode = l.split(' ').next()?.to_owned();
                    let path = l.split('\'').nth(1)?.to_owned();
                    (path != "/").then_some((mode, path))
                })
                .collect();
        assert!(theirs.len() > 10, "{tool}: xorriso listed {theirs:?}");
        assert_eq!(ours, theirs, "{tool} {}", iso.display());
    }
}
