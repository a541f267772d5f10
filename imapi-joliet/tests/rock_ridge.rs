//! Rock Ridge images read back by real readers: xorriso, isoinfo, bsdtar, pycdlib.
//! Each reader is skipped when missing (unless `IMAPI_INTEROP_REQUIRED=1`).
#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use chrono::DateTime;
use common::{have, have_pycdlib, run};
use imapi_joliet::{
    HostOptions, NodeType, Overwrite, PlanOptions, PosixAttrs, SpecialKind, Tree, Warning,
};
use proptest::prelude::*;

fn rr_opts() -> PlanOptions {
    PlanOptions {
        date: Some(DateTime::parse_from_rfc3339("2024-01-02T03:04:05+00:00").unwrap()),
        volume_name: Some("RR".into()),
        rock_ridge: true,
        ..PlanOptions::default()
    }
}

fn write(tree: &Tree, opts: &PlanOptions, path: &Path) -> Vec<u8> {
    let plan = tree.plan(opts).unwrap();
    let mut iso = Vec::new();
    plan.emit(&mut iso).unwrap();
    fs::write(path, &iso).unwrap();
    iso
}

/// A long link target: many `..` and long components (over 255 bytes in all).
fn long_target() -> String {
    format!("../../{}/{}/./x", "l".repeat(200), "m".repeat(300))
}

/// A 255-byte name.
fn long_name() -> String {
    format!("{}.txt", "n".repeat(251))
}

/// The host tree of the main test: modes, a hard link, links of every shape, a FIFO, a
/// 255-byte name.
fn host(src: &Path) {
    fs::create_dir_all(src.join("bin")).unwrap();
    fs::create_dir_all(src.join("secret/inner")).unwrap();
    fs::write(src.join("bin/tool"), b"#!/bin/sh\necho hi\n").unwrap();
    fs::set_permissions(src.join("bin/tool"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(src.join("secret/key"), b"k").unwrap();
    fs::set_permissions(src.join("secret/key"), fs::Permissions::from_mode(0o600)).unwrap();
    fs::set_permissions(src.join("secret"), fs::Permissions::from_mode(0o700)).unwrap();
    fs::write(src.join("shared"), b"shared data").unwrap();
    fs::hard_link(src.join("shared"), src.join("bin/shared-too")).unwrap();
    fs::write(src.join(long_name()), b"long").unwrap();
    std::os::unix::fs::symlink("tool", src.join("bin/rel")).unwrap();
    std::os::unix::fs::symlink("/usr/bin/env", src.join("bin/abs")).unwrap();
    std::os::unix::fs::symlink("../secret/key", src.join("bin/up")).unwrap();
    std::os::unix::fs::symlink(long_target(), src.join("bin/long")).unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        src.join("fifo"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o640),
        0,
    )
    .unwrap();
}

fn build(src: &Path) -> Tree {
    let mut tree = Tree::new();
    let opts = HostOptions { posix: true, ..HostOptions::default() };
    let warnings = tree.add_host(tree.root(), src, &opts).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    // Owners set through the API, whoever runs the test.
    let key = tree.lookup("/secret/key").unwrap();
    tree.set_posix(key, PosixAttrs { mode: 0o600, uid: 1234, gid: 5678 });
    // A character device, which an unprivileged test cannot make on the host.
    let dev = tree.add_special(
        tree.root(),
        "null",
        SpecialKind::CharDevice,
        (1 << 8) | 3,
        Overwrite::Deny,
    );
    tree.set_posix(dev.unwrap(), PosixAttrs { mode: 0o666, uid: 0, gid: 0 });
    tree
}

/// One `lsdl` line of xorriso: mode string, links, owner, group, size, path, link target.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Lsdl {
    mode: String,
    links: u32,
    uid: u32,
    gid: u32,
    size: u64,
    target: Option<String>,
}

/// xorriso's recursive listing of the image's Rock Ridge tree, by path.
fn xorriso_listing(iso: &Path) -> BTreeMap<String, Lsdl> {
    let out = run(Command::new("xorriso")
        .args(["-abort_on", "FATAL", "-return_with", "FATAL", "0", "-indev"])
        .arg(iso)
        .args(["-find", "/", "-exec", "lsdl", "--"]));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut map = BTreeMap::new();
    for line in text.lines().filter(|l| l.ends_with('\'')) {
        let quoted = line.find(" '").expect("a quoted path");
        let fields: Vec<&str> = line[..quoted].split_whitespace().collect();
        let rest = &line[quoted + 2..line.len() - 1];
        let (path, target) = match rest.split_once("' -> '") {
            Some((p, t)) => (p.to_string(), Some(t.to_string())),
            None => (rest.to_string(), None),
        };
        let entry = Lsdl {
            mode: fields[0].to_string(),
            links: fields[1].parse().unwrap(),
            uid: fields[2].parse().unwrap(),
            gid: fields[3].parse().unwrap(),
            // A device shows `major, minor` where the size is.
            size: fields[4].parse().unwrap_or(0),
            target,
        };
        map.insert(path, entry);
    }
    map
}

/// `ls -l` style mode string of a mode.
fn mode_string(mode: u32) -> String {
    let kind = match mode & 0o170000 {
        0o040000 => 'd',
        0o120000 => 'l',
        0o010000 => 'p',
        0o020000 => 'c',
        0o060000 => 'b',
        0o140000 => 's',
        _ => '-',
    };
    let mut s = String::from(kind);
    // Set-user-ID, set-group-ID and sticky show in the execute places, as `ls` shows them.
    for (shift, special, set) in [(6, 0o4000, 's'), (3, 0o2000, 's'), (0, 0o1000, 't')] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(match (bits & 1 != 0, mode & special != 0) {
            (true, true) => set,
            (false, true) => set.to_ascii_uppercase(),
            (true, false) => 'x',
            (false, false) => '-',
        });
    }
    s
}

/// The expected mode of every node of `tree`, by path from the root (`/` for the root).
fn expected(tree: &Tree) -> BTreeMap<String, (u32, u32, u32, Option<String>)> {
    let mut out = BTreeMap::new();
    let mut all = vec![(tree.root(), String::from("/"))];
    all.extend(tree.walk().map(|(id, p)| (id, format!("/{p}"))));
    for (id, path) in all {
        let ty = tree.node_type(id).unwrap();
        let attrs = tree.posix(id);
        let (type_bits, default) = match ty {
            NodeType::Dir => (0o040000, 0o555),
            NodeType::File => (0o100000, 0o444),
            NodeType::Symlink(_) => (0o120000, 0o777),
            NodeType::Special { kind, .. } => (kind_bits(kind), 0o444),
        };
        let perm = attrs.map_or(default, |a| a.mode);
        let (uid, gid) = attrs.map_or((0, 0), |a| (a.uid, a.gid));
        let target = match ty {
            NodeType::Symlink(t) => Some(t.to_string()),
            _ => None,
        };
        out.insert(path, (type_bits | perm, uid, gid, target));
    }
    out
}

fn kind_bits(kind: SpecialKind) -> u32 {
    match kind {
        SpecialKind::CharDevice => 0o020000,
        SpecialKind::BlockDevice => 0o060000,
        SpecialKind::Fifo => 0o010000,
        SpecialKind::Socket => 0o140000,
    }
}

/// Checks xorriso's listing of `iso` against `tree`: every path, mode, owner and link.
fn check_with_xorriso(tree: &Tree, iso: &Path) {
    let listing = xorriso_listing(iso);
    let want = expected(tree);
    let got_paths: Vec<&String> = listing.keys().collect();
    let want_paths: Vec<&String> = want.keys().collect();
    assert_eq!(got_paths, want_paths);
    for (path, (mode, uid, gid, target)) in &want {
        let got = &listing[path];
        assert_eq!(got.mode, mode_string(*mode), "mode of {path}");
        assert_eq!((got.uid, got.gid), (*uid, *gid), "owner of {path}");
        assert_eq!(&got.target, target, "link of {path}");
    }
}

#[test]
fn xorriso_reads_modes_owners_links_and_names() {
    if !have("xorriso") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    host(&src);
    let tree = build(&src);
    let iso = dir.path().join("rr.iso");
    write(&tree, &rr_opts(), &iso);
    check_with_xorriso(&tree, &iso);
    let listing = xorriso_listing(&iso);
    assert_eq!(listing[&format!("/{}", long_name())].size, 4);
    assert_eq!(listing["/bin/long"].target.as_deref(), Some(long_target().as_str()));
}

#[test]
fn isoinfo_shows_link_counts() {
    if !have("isoinfo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    host(&src);
    let tree = build(&src);
    let iso = dir.path().join("rr.iso");
    write(&tree, &rr_opts(), &iso);
    let out = run(Command::new("isoinfo").args(["-R", "-l", "-i"]).arg(&iso));
    let text = String::from_utf8_lossy(&out.stdout);
    // `-rw-r--r--   2    0    0    11 Jan  2 2024 [  40 00]  shared`
    let links = |name: &str| -> u32 {
        let line = text
            .lines()
            .find(|l| {
                l.trim_end().ends_with(&format!("  {name}")) || l.contains(&format!("  {name} -> "))
            })
            .unwrap_or_else(|| panic!("{name} not in:\n{text}"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    assert_eq!(links("shared"), 2);
    assert_eq!(links("shared-too"), 2);
    assert_eq!(links("tool"), 1);
    // Directories: 2 + subdirectories (`secret` holds `inner`).
    assert_eq!(links("secret"), 3);
    assert_eq!(links("bin"), 2);
    assert!(text.contains(&long_name()), "{text}");
    assert!(text.contains("rel -> tool"), "{text}");
}

#[test]
fn bsdtar_extracts_modes_and_links() {
    if !have("bsdtar") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    host(&src);
    let mut tree = Tree::new();
    let opts = HostOptions { posix: true, ..HostOptions::default() };
    tree.add_host(tree.root(), &src, &opts).unwrap();
    let iso = dir.path().join("rr.iso");
    write(&tree, &rr_opts(), &iso);
    let out = dir.path().join("out");
    fs::create_dir_all(&out).unwrap();
    run(Command::new("bsdtar").arg("-xpf").arg(&iso).arg("-C").arg(&out));
    for (_, rel) in tree.walk() {
        let (a, b) = (src.join(&rel), out.join(&rel));
        let (ma, mb) = (fs::symlink_metadata(&a).unwrap(), fs::symlink_metadata(&b).unwrap());
        assert_eq!(mb.mode() & 0o170777, ma.mode() & 0o170777, "mode of {rel}");
        if ma.file_type().is_symlink() {
            assert_eq!(fs::read_link(&b).unwrap(), fs::read_link(&a).unwrap(), "{rel}");
        } else if ma.is_file() {
            assert_eq!(fs::read(&b).unwrap(), fs::read(&a).unwrap(), "{rel}");
        }
    }
}

#[test]
fn pycdlib_reads_rrip_1_12() {
    if !have_pycdlib() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    host(&src);
    let tree = build(&src);
    let iso = dir.path().join("rr.iso");
    write(&tree, &rr_opts(), &iso);
    // Our ER names RRIP 1.12 as `IEEE_P1282` (as libisofs and mkisofs do), which pycdlib
    // takes as Rock Ridge: the volume has it, and every file reads through its Rock Ridge
    // path.
    let script = r#"
import io, sys, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
print("has_rock_ridge", iso.has_rock_ridge())
for path in sys.argv[2:]:
    rr = iso.get_record(rr_path=path).rock_ridge
    link = rr.symlink_path().decode() if rr.is_symlink() else ''
    print(rr.rr_version, rr.name().decode(), oct(rr.get_file_mode()), link)
for dirname, dirs, files in iso.walk(rr_path='/'):
    for f in sorted(files):
        path = dirname.rstrip('/') + '/' + f
        rr = iso.get_record(rr_path=path).rock_ridge
        if rr.get_file_mode() & 0o170000 != 0o100000:
            continue
        out = io.BytesIO()
        iso.get_file_from_iso_fp(out, rr_path=path)
        print("file", path, out.getvalue().hex())
"#;
    let paths = ["/bin/tool", "/bin/up", "/bin/long", "/secret/key", "/fifo", "/null"];
    let long = format!("/{}", long_name());
    let out = run(Command::new("python3").args(["-c", script]).arg(&iso).args(paths).arg(&long));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "has_rock_ridge True");
    let lines = &lines[1..];
    assert_eq!(lines[0], "1.12 tool 0o100755 ");
    assert_eq!(lines[1], "1.12 up 0o120777 ../secret/key");
    assert_eq!(lines[2], format!("1.12 long 0o120777 {}", long_target()));
    assert_eq!(lines[3], "1.12 key 0o100600 ");
    assert_eq!(lines[4], "1.12 fifo 0o10640 ");
    assert_eq!(lines[5], "1.12 null 0o20666 ");
    assert_eq!(lines[6], format!("1.12 {} 0o100644 ", long_name()));
    // Every regular file of the source, read through its Rock Ridge path, has its bytes.
    let files: std::collections::BTreeMap<String, String> = lines[7..]
        .iter()
        .filter_map(|l| l.strip_prefix("file "))
        .filter_map(|l| l.split_once(' '))
        .map(|(p, hex)| (p.to_string(), hex.to_string()))
        .collect();
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let mut want = std::collections::BTreeMap::new();
    for (p, b) in [
        ("/bin/tool", &b"#!/bin/sh\necho hi\n"[..]),
        ("/secret/key", b"k"),
        ("/shared", b"shared data"),
        ("/bin/shared-too", b"shared data"),
    ] {
        want.insert(p.to_string(), hex(b));
    }
    want.insert(long.clone(), hex(b"long"));
    for (p, h) in &want {
        assert_eq!(files.get(p), Some(h), "{p} read through pycdlib's rr_path: {files:?}");
    }
}

#[test]
fn rock_ridge_off_ignores_attributes_and_links() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    host(&src);
    let with = build(&src);
    let mut without = Tree::new();
    let warnings = without.add_host(without.root(), &src, &HostOptions::default()).unwrap();
    assert!(warnings.iter().any(|w| matches!(w, Warning::SymlinkSkipped { .. })));
    let opts = PlanOptions { rock_ridge: false, ..rr_opts() };
    let a = write(&with, &opts, &dir.path().join("a.iso"));
    let b = write(&without, &opts, &dir.path().join("b.iso"));
    assert!(a == b, "attributes, links and special files change an image without Rock Ridge");
    // And with Rock Ridge the root's `.` record starts with SP.
    let rr = write(&with, &rr_opts(), &dir.path().join("rr.iso"));
    let root = u32::from_le_bytes(rr[16 * 2048 + 158..16 * 2048 + 162].try_into().unwrap());
    let dot = &rr[root as usize * 2048..];
    assert_eq!(&dot[34..36], b"SP");
    assert_eq!(&a[..], &b[..]);
}

#[test]
fn the_verifier_accepts_rock_ridge_images() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    host(&src);
    let tree = build(&src);
    let iso = write(&tree, &rr_opts(), &dir.path().join("rr.iso"));
    let image = imapi_joliet::Image::parse(&iso).unwrap();
    let report = imapi_joliet::verify::verify(&image, true);
    let violations: Vec<_> = report.with_severity(imapi_joliet::Severity::Violation).collect();
    assert!(violations.is_empty(), "{violations:#?}");
}

/// Random small trees: directories and files with random permission bits, symbolic links
/// with random targets.
fn arb_tree() -> impl Strategy<Value = Vec<(u8, String, u32, String)>> {
    let name = "[a-z][a-z0-9_.-]{0,20}";
    let target = "(\\.\\./|/)?[a-z0-9_.]{1,12}(/[a-z0-9_.]{1,40}){0,4}";
    prop::collection::vec((0u8..3, name, 0u32..0o7777, target), 1..24)
}

fn proptest_cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(16)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: proptest_cases(), ..ProptestConfig::default() })]

    #[test]
    fn random_trees_read_back_through_xorriso(items in arb_tree()) {
        if !have("xorriso") {
            return Ok(());
        }
        let mut tree = Tree::new();
        let mut dirs = vec![tree.root()];
        for (i, (kind, name, mode, target)) in items.iter().enumerate() {
            let parent = dirs[i % dirs.len()];
            if tree.child(parent, name).is_some() || name == "." || name == ".." {
                continue;
            }
            let id = match kind {
                0 => {
                    let d = tree.add_dir(parent, name).unwrap();
                    dirs.push(d);
                    d
                }
                1 => tree
                    .add_file(parent, name, imapi_joliet::BytesSource::new(vec![b'x'; i]))
                    .unwrap(),
                _ => tree.add_symlink(parent, name, target, Overwrite::Deny).unwrap(),
            };
            if *kind != 2 {
                tree.set_posix(id, PosixAttrs { mode: *mode, uid: i as u32, gid: 7 });
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let iso = dir.path().join("p.iso");
        write(&tree, &rr_opts(), &iso);
        check_with_xorriso(&tree, &iso);
    }
}

/// A tree 12 levels deep: `/l1/l2/.../l12/deep.txt`, and a file at level 9.
fn deep_tree() -> Tree {
    let mut tree = Tree::new();
    let mut dir = tree.root();
    for level in 1..=12 {
        dir = tree.add_dir(dir, &format!("l{level}")).unwrap();
        if level == 8 {
            tree.add_file(dir, "mid.txt", imapi_joliet::BytesSource::new(&b"mid"[..])).unwrap();
        }
        tree.set_posix(dir, PosixAttrs { mode: 0o750, uid: level, gid: 0 });
    }
    tree.add_file(dir, "deep.txt", imapi_joliet::BytesSource::new(&b"deep"[..])).unwrap();
    tree
}

fn deep_path(levels: u32) -> String {
    (1..=levels).map(|l| format!("/l{l}")).collect()
}

#[test]
fn deep_trees_are_relocated_on_request() {
    let tree = deep_tree();
    let kept = tree.plan(&rr_opts()).unwrap();
    assert!(kept.warnings().iter().any(|w| matches!(w, Warning::DeepDirectory { .. })));
    let opts = PlanOptions { relocate_deep: true, ..rr_opts() };
    let moved = tree.plan(&opts).unwrap();
    assert!(!moved.warnings().iter().any(|w| matches!(w, Warning::DeepDirectory { .. })));
    let dir = tempfile::tempdir().unwrap();
    let iso = dir.path().join("deep.iso");
    let bytes = write(&tree, &opts, &iso);

    // Our reader sees the ISO 9660 tree as recorded: l8 (level 9) under RR_MOVED, its
    // stand-in in l7, and the Joliet tree in its real shape.
    let image = imapi_joliet::Image::parse(&bytes).unwrap();
    let iso_paths: Vec<String> =
        image.walk(imapi_joliet::TreeKind::Iso).unwrap().map(|e| e.unwrap().path).collect();
    assert!(
        iso_paths.iter().any(|p| p == "RR_MOVED/L8/L9/L10/L11/L12/DEEP.TXT;1"),
        "{iso_paths:?}"
    );
    assert!(iso_paths.iter().any(|p| p == "L1/L2/L3/L4/L5/L6/L7/L8"), "{iso_paths:?}");
    let jol_paths: Vec<String> =
        image.walk(imapi_joliet::TreeKind::Joliet).unwrap().map(|e| e.unwrap().path).collect();
    assert!(jol_paths.contains(&format!("{}/deep.txt", &deep_path(12)[1..])));
    let report = imapi_joliet::verify::verify(&image, true);
    let violations: Vec<_> = report.with_severity(imapi_joliet::Severity::Violation).collect();
    assert!(violations.is_empty(), "{violations:#?}");

    if have("xorriso") {
        let listing = xorriso_listing(&iso);
        // rr_moved carries RE itself: xorriso hides it, and lists the source tree alone.
        let want = expected(&tree);
        assert_eq!(listing.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>());
        for (path, (mode, uid, gid, _)) in &want {
            assert_eq!(listing[path].mode, mode_string(*mode), "{path}");
            assert_eq!((listing[path].uid, listing[path].gid), (*uid, *gid), "{path}");
        }
    }
    if have("isoinfo") {
        // Without Rock Ridge, isoinfo shows the relocation as recorded.
        let out = run(Command::new("isoinfo").args(["-l", "-i"]).arg(&iso));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Directory listing of /RR_MOVED/L8/L9/L10/L11/L12/"), "{text}");
        // isoinfo walks the recorded tree and follows no CL: Rock Ridge names, recorded shape.
        let out = run(Command::new("isoinfo").args(["-R", "-l", "-i"]).arg(&iso));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Directory listing of /rr_moved/l8/l9/l10/l11/l12/"), "{text}");
        assert!(text.contains(&format!("Directory listing of {}/", deep_path(7))), "{text}");
    }
    if have("bsdtar") {
        let out = dir.path().join("out");
        fs::create_dir_all(&out).unwrap();
        run(Command::new("bsdtar").arg("-xf").arg(&iso).arg("-C").arg(&out));
        let deep = out.join(&deep_path(12)[1..]).join("deep.txt");
        assert_eq!(fs::read(deep).unwrap(), b"deep");
        assert_eq!(fs::read(out.join(&deep_path(8)[1..]).join("mid.txt")).unwrap(), b"mid");
    }
    if have_pycdlib() {
        let script = r#"
import sys, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
print(iso.get_record(rr_path=sys.argv[2]).rock_ridge.name().decode())
print(sorted(c.rock_ridge.name().decode() for c in iso.list_children(rr_path=sys.argv[3])))
"#;
        let file = format!("{}/deep.txt", deep_path(12));
        let out = run(Command::new("python3")
            .args(["-c", script])
            .arg(&iso)
            .arg(&file)
            .arg(deep_path(8)));
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text, "deep.txt\n['.', '..', 'l9', 'mid.txt']\n");
    }
}

/// A file of 5 GiB is recorded as two sections; each record carries the same system use, so
/// a reader taking either sees the name and mode. Only the metadata is written.
#[test]
fn every_section_of_a_large_file_carries_the_system_use() {
    let mut tree = Tree::new();
    let big = tree.add_file(tree.root(), "big.bin", common::Zeros(5 << 30)).unwrap();
    tree.set_posix(big, PosixAttrs { mode: 0o640, uid: 9, gid: 9 });
    let plan = tree.plan(&rr_opts()).unwrap();
    let mut meta = Vec::new();
    plan.emit_metadata(&mut meta).unwrap();
    let image = imapi_joliet::Image::parse(&meta).unwrap();
    let root = image.primary().root();
    let records: Vec<_> = image.records(root).map(|r| r.unwrap()).collect();
    let sections: Vec<_> = records.iter().filter(|r| r.identifier() == b"BIG.BIN;1").collect();
    assert_eq!(sections.len(), 2);
    assert!(sections[0].is_multi_extent() && !sections[1].is_multi_extent());
    for r in sections {
        let sua = r.system_use();
        assert_eq!(&sua[..2], b"PX");
        let mode = u32::from_le_bytes(sua[4..8].try_into().unwrap());
        assert_eq!(mode, 0o100640);
        let nm = sua.windows(2).position(|w| w == b"NM").expect("an NM entry");
        assert_eq!(&sua[nm + 5..nm + 12], b"big.bin");
    }
}

/// The `Read + Seek` view of a plan gives the bytes the emit pass writes, continuation
/// blocks and relocation included; the metadata alone is a prefix of them.
#[test]
fn the_image_reader_and_the_metadata_agree_with_emit() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    host(&src);
    let mut tree = build(&src);
    let deep = deep_tree();
    let mut at = tree.root();
    for (id, path) in deep.walk() {
        if deep.is_dir(id) {
            at = tree.add_dirs(&format!("deep/{path}")).unwrap();
        }
    }
    tree.add_file(at, "x", imapi_joliet::BytesSource::new(&b"x"[..])).unwrap();
    let opts = PlanOptions { relocate_deep: true, ..rr_opts() };
    let plan = tree.plan(&opts).unwrap();
    let mut emitted = Vec::new();
    plan.emit(&mut emitted).unwrap();
    let mut viewed = Vec::new();
    plan.reader().read_to_end(&mut viewed).unwrap();
    assert!(emitted == viewed, "the reader differs from emit");
    let mut meta = Vec::new();
    plan.emit_metadata(&mut meta).unwrap();
    assert_eq!(meta.len() as u64, plan.metadata_blocks() * 2048);
    assert!(emitted.starts_with(&meta));
}

/// A node kind for the round trip through the reader's parser.
#[derive(Debug, Clone)]
enum Kind {
    File,
    Dir,
    Link(String),
    Device(u64),
    Fifo,
}

fn arb_kind() -> impl Strategy<Value = Kind> {
    let component = "[a-z0-9_.]{1,300}|\\.|\\.\\.";
    let target =
        (any::<bool>(), prop::collection::vec(component, 1..6)).prop_map(|(abs, parts)| {
            let joined = parts.join("/");
            if abs {
                format!("/{joined}")
            } else {
                joined
            }
        });
    prop_oneof![
        Just(Kind::File),
        Just(Kind::Dir),
        target.prop_map(Kind::Link),
        any::<u64>().prop_map(Kind::Device),
        Just(Kind::Fifo),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// What the writer lays out for one record (in the record and its continuation areas)
    /// reads back through the reader's SUSP/RRIP parser as it was described.
    #[test]
    fn records_read_back_through_the_parser(
        name in "[a-zA-Z0-9 _.\u{e9}\u{65e5}-]{1,300}",
        kind in arb_kind(),
        mode in 0u32..0o7777,
        links in 1u32..100,
        uid in any::<u32>(),
        gid in any::<u32>(),
        serial in any::<u32>(),
        id_len in 1usize..38,
        start_offset in 0usize..2048,
    ) {
        use imapi_joliet::read::rock_ridge::RockRidgeParser;
        use imapi_joliet::rock_ridge::area::{self, AreaCursor, ContinuationBlocks};
        use imapi_joliet::rock_ridge::entries::Px;
        use imapi_joliet::rock_ridge::record::{RecordSua, Role};

        let node = match &kind {
            Kind::File => NodeType::File,
            Kind::Dir => NodeType::Dir,
            Kind::Link(t) => NodeType::Symlink(t),
            Kind::Device(rdev) => {
                NodeType::Special { kind: SpecialKind::BlockDevice, rdev: *rdev }
            }
            Kind::Fifo => NodeType::Special { kind: SpecialKind::Fifo, rdev: 0 },
        };
        let type_bits = match &kind {
            Kind::File => 0o100000,
            Kind::Dir => 0o040000,
            Kind::Link(_) => 0o120000,
            Kind::Device(_) => 0o060000,
            Kind::Fifo => 0o010000,
        };
        let sua = RecordSua {
            role: Role::Child { name: name.as_bytes(), node, relocated_to: None, relocated: false },
            px: Px { mode: type_bits | mode, links, uid, gid, serial },
            modified: [124, 1, 2, 3, 4, 5, 0],
        };
        let mut entries = Vec::new();
        sua.write(&mut entries);
        // Continuation blocks start at block 40; something is already in the first one.
        let mut cursor = AreaCursor::new(40);
        cursor.reserve(start_offset);
        let mut blocks = ContinuationBlocks::new(40);
        let mut record = Vec::new();
        let room = area::room_for_identifier(id_len);
        area::layout(&entries, room, &mut cursor, &mut record, &mut blocks).unwrap();
        let bytes = blocks.into_bytes(cursor.blocks_used());

        let mut parser = RockRidgeParser::new();
        parser.area(&record, 0, false);
        let mut fed = 0;
        while let Some(c) = parser.continuations.get(fed).copied() {
            prop_assert!(c.offset as usize + c.len as usize <= 2048, "an area crosses a block");
            let at = (c.block - 40) as usize * 2048 + c.offset as usize;
            parser.area(&bytes[at..at + c.len as usize], 0, false);
            fed += 1;
        }
        let (rr, problems) = parser.finish();
        prop_assert!(problems.is_empty(), "{:?}", problems);
        prop_assert_eq!(rr.name.as_deref(), Some(name.as_str()));
        prop_assert_eq!(rr.mode, Some(type_bits | mode));
        prop_assert_eq!((rr.nlink, rr.uid, rr.gid, rr.serial), (Some(links), Some(uid), Some(gid), Some(serial)));
        prop_assert_eq!(rr.symlink.as_deref(), match &kind { Kind::Link(t) => Some(t.as_str()), _ => None });
        let rdev = rr.rdev.map(|d| (u64::from(d.high) << 32) | u64::from(d.low));
        prop_assert_eq!(rdev, match &kind { Kind::Device(r) => Some(*r), _ => None });
        prop_assert!(rr.mtime.is_some());
    }
}
