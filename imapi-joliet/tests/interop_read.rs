//! Images made by other tools read back with the same tree and bytes as their source folder.

mod common;

use std::fs::File;
use std::process::Command;

use common::{have, have_pycdlib, host_tree, image_tree, mkisofs, paths, run, sample_tree};
use imapi_joliet::read::{Image, TreeKind};

#[test]
fn xorriso_joliet_without_rock_ridge() {
    if !have("xorriso") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    sample_tree(&src);
    let iso = tmp.path().join("x.iso");
    mkisofs("xorriso", &["-J", "--norock"], &src, &iso);
    let data = std::fs::read(&iso).unwrap();
    let image = Image::parse(&data).unwrap();
    assert_eq!(image.default_tree(), TreeKind::Joliet);
    let want = host_tree(&src);
    let got = image_tree(&image, TreeKind::Joliet);
    assert_eq!(paths(&got), paths(&want));
    assert_eq!(got, want);
    // The same image through a `Read + Seek`.
    let streamed = Image::from_reader(File::open(&iso).unwrap()).unwrap();
    assert_eq!(image_tree(&streamed, TreeKind::Joliet), want);
}

#[test]
fn xorriso_with_rock_ridge_system_use_is_skipped() {
    if !have("xorriso") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    sample_tree(&src);
    let iso = tmp.path().join("rr.iso");
    mkisofs("xorriso", &["-J", "-R"], &src, &iso);
    let data = std::fs::read(&iso).unwrap();
    let image = Image::parse(&data).unwrap();
    assert_eq!(image_tree(&image, TreeKind::Joliet), host_tree(&src));
    // The ISO 9660 tree holds the same bytes under d-character names.
    let iso_tree = image_tree(&image, TreeKind::Iso);
    assert_eq!(iso_tree.len(), host_tree(&src).len());
    let hello = image.lookup(TreeKind::Iso, "/HELLO.TXT").unwrap();
    assert_eq!(hello.name(), "HELLO.TXT;1");
    let root = image.root(TreeKind::Iso).unwrap();
    let dot = image.records(root.sections()[0]).next().unwrap().unwrap();
    assert!(dot.is_dot());
    assert!(dot.system_use().starts_with(b"SP"), "Rock Ridge starts with an SP entry");
}

#[test]
fn genisoimage_joliet_and_rock_ridge() {
    if !have("genisoimage") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    sample_tree(&src);
    let want = host_tree(&src);
    for (i, args) in [&["-J"][..], &["-J", "-R"]].iter().enumerate() {
        let iso = tmp.path().join(format!("g{i}.iso"));
        mkisofs("genisoimage", args, &src, &iso);
        let image = Image::from_reader(File::open(&iso).unwrap()).unwrap();
        assert_eq!(image_tree(&image, TreeKind::Joliet), want, "{args:?}");
        assert_eq!(image.primary().volume_id(), "CDROM");
    }
}

#[test]
fn pycdlib_image_reads_back() {
    if !have_pycdlib() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let iso = tmp.path().join("p.iso");
    common::pycdlib_sample(&iso);
    let data = std::fs::read(&iso).unwrap();
    let image = Image::parse(&data).unwrap();
    assert_eq!(image.primary().volume_id(), "PYCDLIB");
    let big: Vec<u8> = (0..40).flat_map(|_| 0..=255u8).collect();
    let want: common::TreeMap = [
        ("big.bin", Some(big.clone())),
        ("dir1", None),
        ("dir1/hello.txt", Some(b"hello pycdlib".to_vec())),
        ("empty", Some(vec![])),
    ]
    .into_iter()
    .map(|(p, c)| (p.to_owned(), c))
    .collect();
    assert_eq!(image_tree(&image, TreeKind::Joliet), want);
    assert_eq!(image.lookup(TreeKind::Iso, "EMPTY").unwrap().name(), "EMPTY.;1");
    assert_eq!(image.read_path("/dir1/hello.txt;1").unwrap(), b"hello pycdlib");
}

#[test]
fn last_session_of_a_multisession_image() {
    if !have("genisoimage") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (disc, start) = common::two_sessions(tmp.path());
    let opts = imapi_joliet::read::Options::new().session_start(start);
    let last = Image::parse_with(&disc, opts).unwrap();
    assert_eq!(last.primary().block(), u64::from(start) + 16);
    let got = image_tree(&last, TreeKind::Joliet);
    let paths: Vec<_> = got.keys().map(String::as_str).collect();
    assert_eq!(paths, ["old", "old/first.txt", "second.txt"]);
    assert_eq!(got["old/first.txt"].as_deref(), Some(&b"first session"[..]));
    assert_eq!(got["second.txt"].as_deref(), Some(&b"second session"[..]));
    // The earlier session's file keeps its extent in the first session.
    let old = last.lookup(TreeKind::Joliet, "old/first.txt").unwrap();
    assert!(old.block() < start);
    // Without the session start, the first session is read.
    let first_only = Image::parse(&disc).unwrap();
    assert!(first_only.lookup(TreeKind::Joliet, "second.txt").is_err());
}

/// Three hundred long names: the Joliet directory spans several blocks (pitfall 8). The
/// listing matches `isoinfo -J -f`.
#[test]
fn large_directories_match_isoinfo() {
    if !have("xorriso") || !have("isoinfo") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(src.join("many")).unwrap();
    for i in 0..300 {
        let name = format!("a fairly long file name number {i:03} for joliet.txt");
        std::fs::write(src.join("many").join(name), i.to_string()).unwrap();
    }
    let iso = tmp.path().join("many.iso");
    mkisofs("xorriso", &["-J", "--norock"], &src, &iso);
    let data = std::fs::read(&iso).unwrap();
    let image = Image::parse(&data).unwrap();
    let many = image.lookup(TreeKind::Joliet, "many").unwrap();
    assert!(many.size() > 2048 * 4, "{}", many.size());
    assert_eq!(image_tree(&image, TreeKind::Joliet), host_tree(&src));
    let out = run(Command::new("isoinfo").args(["-J", "-f", "-i"]).arg(&iso));
    let mut theirs: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim_start_matches('/').to_owned())
        .collect();
    theirs.sort();
    let mut ours: Vec<String> = image.entries().map(|e| e.unwrap().path).collect();
    ours.sort();
    assert_eq!(ours, theirs);
}
