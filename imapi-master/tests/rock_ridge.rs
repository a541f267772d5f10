//! The `RockRidge` property (beyond IMAPI v1): files added while it is on keep their modes,
//! owners, links and special files, and the sealed disc carries Rock Ridge beside Joliet.
#![cfg(unix)]

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use common::{stash_image, Bench};
use imapi_joliet::read::View;
use imapi_joliet::{Image, TreeKind};
use imapi_master::properties::ROCK_RIDGE;
use imapi_master::{PropertyBag, PropertyValue};
use imapi_transport::sim::Media;

fn rock_ridge_bag(on: bool) -> PropertyBag {
    let mut bag = PropertyBag::new();
    bag.insert(ROCK_RIDGE.into(), PropertyValue::Bool(on));
    bag
}

#[test]
fn the_rock_ridge_property_keeps_modes_and_links() {
    let b = Bench::new(Media::CdR80);
    let src = b.folder("src", &[("bin/tool", b"#!/bin/sh\n"), ("notes.txt", b"notes")]);
    std::fs::set_permissions(src.join("bin/tool"), std::fs::Permissions::from_mode(0o750)).unwrap();
    std::fs::set_permissions(src.join("bin"), std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::symlink("bin/tool", src.join("run")).unwrap();
    let owner = std::fs::metadata(src.join("notes.txt")).unwrap();

    let mut m = b.master();
    let mut j = m.joliet().unwrap();
    assert_eq!(j.joliet_properties().get(ROCK_RIDGE), Some(&PropertyValue::Bool(false)));
    j.set_joliet_properties(&rock_ridge_bag(true)).unwrap();
    assert!(j.properties().rock_ridge);
    let warnings = j.add_data(&src, false).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let staged = m.seal().unwrap();
    let data = stash_image(&staged.stash);
    let image = Image::parse(&data).unwrap();
    assert!(image.rock_ridge().is_some(), "the sealed disc carries Rock Ridge");

    let rr = |path: &str| image.lookup_view(View::RockRidge, path).unwrap();
    let tool = rr("/bin/tool");
    let attrs = tool.rock_ridge().unwrap();
    assert_eq!(attrs.mode, Some(0o100750));
    assert_eq!((attrs.uid, attrs.gid), (Some(owner.uid()), Some(owner.gid())));
    assert_eq!(rr("/bin").rock_ridge().unwrap().mode, Some(0o040700));
    // The root takes the added folder's mode: the PX of its `.` record.
    let root = image.root(TreeKind::Iso).unwrap();
    let dot = image.records(root.sections()[0]).next().unwrap().unwrap();
    assert_eq!(dot.identifier(), [0]);
    let (root_rr, problems) = imapi_joliet::read::rock_ridge::parse_area(dot.system_use(), 0, true);
    assert!(problems.is_empty(), "{problems:?}");
    let root_mode = std::fs::metadata(&src).unwrap().mode() & 0o7777;
    assert_eq!(root_rr.mode, Some(0o040000 | root_mode));
    let run = rr("/run");
    assert_eq!(run.rock_ridge().unwrap().symlink.as_deref(), Some("bin/tool"));
    assert_eq!(image.read_path("/bin/tool").unwrap(), b"#!/bin/sh\n");
    // Joliet has the files, not the link; the image passes the strict verifier.
    assert!(image.lookup(TreeKind::Joliet, "/notes.txt").is_ok());
    assert!(matches!(
        image.lookup(TreeKind::Joliet, "/run"),
        Err(imapi_joliet::read::ReadError::NotFound { .. })
    ));
    let report = imapi_joliet::verify::verify(&image, true);
    assert!(report.passed(), "{:?}", report.findings);
}

#[test]
fn without_the_property_a_disc_is_what_imapi_writes() {
    let b = Bench::new(Media::CdR80);
    let src = b.folder("src", &[("a.txt", b"a")]);
    std::os::unix::fs::symlink("a.txt", src.join("link")).unwrap();
    let mut m = b.master();
    let warnings = m.joliet().unwrap().add_data(&src, false).unwrap();
    assert_eq!(warnings.len(), 1, "the link is skipped with a warning: {warnings:?}");
    let staged = m.seal().unwrap();
    let data = stash_image(&staged.stash);
    let image = Image::parse(&data).unwrap();
    assert!(image.rock_ridge().is_none());
    assert!(matches!(
        image.lookup(TreeKind::Iso, "/LINK.;1"),
        Err(imapi_joliet::read::ReadError::NotFound { .. })
    ));
    // A bad value names the property.
    let mut bag = PropertyBag::new();
    bag.insert(ROCK_RIDGE.into(), PropertyValue::Str("yes".into()));
    let err = m.joliet().unwrap().set_joliet_properties(&bag).unwrap_err();
    assert!(err.to_string().contains(ROCK_RIDGE), "{err}");
}

#[test]
fn a_rock_ridge_session_carries_the_earlier_ones_attributes() {
    let b = Bench::new(Media::CdR80);
    let first = b.folder("one", &[("old/tool", b"#!/bin/sh\n")]);
    std::fs::set_permissions(first.join("old/tool"), std::fs::Permissions::from_mode(0o755))
        .unwrap();
    std::os::unix::fs::symlink("old/tool", first.join("run")).unwrap();
    let mut m = b.master();
    m.joliet().unwrap().set_joliet_properties(&rock_ridge_bag(true)).unwrap();
    m.joliet().unwrap().add_data(&first, false).unwrap();
    let staged = m.seal().unwrap();
    common::write_session(&b.drive, &staged.stash);
    m.close();

    // The second session imports the first through Rock Ridge: the link and the mode come
    // along, and the new session records them again.
    let second = b.folder("two", &[("new.txt", b"two")]);
    let mut m = b.master();
    let (nwa, imported) = m.joliet().unwrap().multisession().expect("multisession mode");
    assert_eq!(imported, 3, "a directory, a file and a link");
    m.joliet().unwrap().set_joliet_properties(&rock_ridge_bag(true)).unwrap();
    m.joliet().unwrap().add_data(&second, false).unwrap();
    let staged = m.seal().unwrap();
    common::write_session(&b.drive, &staged.stash);
    m.close();

    let sim = imapi_transport::sim::SimRecorder::open(&b.drive).unwrap();
    let reader = imapi_transport::BlockReader::new(sim).unwrap();
    let opts = imapi_joliet::read::Options::new().session_start(nwa);
    let image = Image::from_reader_with(reader, opts).unwrap();
    let rr = |path: &str| image.lookup_view(View::RockRidge, path).unwrap();
    assert_eq!(rr("/old/tool").rock_ridge().unwrap().mode, Some(0o100755));
    assert_eq!(rr("/run").rock_ridge().unwrap().symlink.as_deref(), Some("old/tool"));
    assert_eq!(image.read_path("/old/tool").unwrap(), b"#!/bin/sh\n");
    assert_eq!(image.read_path("/new.txt").unwrap(), b"two");
}

/// Blocks an add of `src` with Rock Ridge on takes, and the sealed image.
fn add_with_rock_ridge(b: &Bench, src: &std::path::Path) -> (u64, Vec<u8>) {
    let mut m = b.master();
    let mut j = m.joliet().unwrap();
    j.set_joliet_properties(&rock_ridge_bag(true)).unwrap();
    let before = j.used_data_blocks().unwrap();
    j.add_data(src, false).unwrap();
    let grown = j.used_data_blocks().unwrap() - before;
    let staged = m.seal().unwrap();
    (grown, stash_image(&staged.stash))
}

#[test]
fn hard_links_added_together_share_one_extent_and_count_their_links() {
    let b = Bench::new(Media::CdR80);
    let files: &[(&str, &[u8])] = &[("a.bin", &[7u8; 5000]), ("solo.txt", b"solo")];
    let src = b.folder("src", files);
    std::fs::create_dir(src.join("sub")).unwrap();
    std::fs::hard_link(src.join("a.bin"), src.join("sub/b.bin")).unwrap();
    let copied = b.folder("copied", files);
    std::fs::create_dir(copied.join("sub")).unwrap();
    std::fs::copy(copied.join("a.bin"), copied.join("sub/b.bin")).unwrap();

    let (grown, data) = add_with_rock_ridge(&b, &src);
    let (grown_copied, _) = add_with_rock_ridge(&Bench::new(Media::CdR80), &copied);
    assert_eq!(grown_copied - grown, 3, "the linked bytes are captured once");
    let image = Image::parse(&data).unwrap();
    let rr = |path: &str| image.lookup_view(View::RockRidge, path).unwrap();
    let (a, linked) = (rr("/a.bin"), rr("/sub/b.bin"));
    assert_eq!(a.sections(), linked.sections(), "both names point at one extent");
    assert_eq!(a.rock_ridge().unwrap().nlink, Some(2));
    assert_eq!(linked.rock_ridge().unwrap().nlink, Some(2));
    assert_eq!(rr("/solo.txt").rock_ridge().unwrap().nlink, Some(1));
    assert_eq!(image.read_path("/sub/b.bin").unwrap(), vec![7u8; 5000]);
    let report = imapi_joliet::verify::verify(&image, true);
    assert!(report.passed(), "{:?}", report.findings);
}
