//! Add data captures file bytes at add time; an add is all or nothing in the tree and the
//! stash; the sealed stash reads as metadata, then the captured data.

mod common;

use std::sync::Arc;

use common::{sink, stage, stash_image, Bench};
use imapi_joliet::Image;
use imapi_master::{ImapiCode, ProgressEvents};
use imapi_transport::sim::Media;

#[test]
fn a_file_changed_after_add_keeps_its_old_bytes_on_the_disc() {
    let b = Bench::new(Media::CdR80);
    let dir = b.folder("src", &[("docs/a.txt", b"old bytes"), ("b.bin", &[7u8; 5000])]);
    let mut m = b.master();
    let s = sink();
    m.progress_advise(s.clone()).unwrap();
    m.joliet().unwrap().add_data(&dir, false).unwrap();
    std::fs::write(dir.join("docs/a.txt"), b"NEW BYTES, longer than before").unwrap();
    std::fs::remove_file(dir.join("b.bin")).unwrap();
    let staged = m.seal().unwrap();
    imapi_stash::Stash::open(&staged.stash).unwrap().verify().unwrap();
    let iso = stash_image(&staged.stash);
    assert_eq!(iso.len() as u64, staged.blocks * 2048);
    let image = Image::parse(&iso).unwrap();
    assert_eq!(image.read_path("/docs/a.txt").unwrap(), b"old bytes");
    assert_eq!(image.read_path("/b.bin").unwrap(), vec![7u8; 5000]);
    let report = imapi_joliet::verify::verify(&image, true);
    assert!(report.findings.is_empty(), "{report:?}");
    let progress = s.add_progress.lock().unwrap().clone();
    assert_eq!(progress.first(), Some(&(0, 4)), "1 + 3 blocks to copy");
    assert_eq!(progress.last(), Some(&(4, 4)));
}

fn stash_partial_len(b: &Bench) -> u64 {
    std::fs::metadata(b.stash_dir().join(imapi_stash::PARTIAL_FILE_NAME)).unwrap().len()
}

#[test]
fn a_cancelled_add_leaves_tree_and_stash_as_before() {
    let b = Bench::new(Media::CdR80);
    let first = b.folder("first", &[("keep.txt", b"kept")]);
    let big = b.folder("big", &[("large.bin", &vec![3u8; 12 << 20]), ("z.txt", b"z")]);
    let mut m = b.master();
    m.joliet().unwrap().add_data(&first, false).unwrap();
    let nodes = m.staged_tree().len();
    let len = stash_partial_len(&b);
    let s = sink();
    *s.cancel_after.lock().unwrap() = Some(2);
    let cookie = m.progress_advise(s.clone()).unwrap();
    let e = m.joliet().unwrap().add_data(&big, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::UserAbort, "{e}");
    assert_eq!(m.staged_tree().len(), nodes);
    assert_eq!(stash_partial_len(&b), len);
    m.progress_unadvise(cookie).unwrap();
    let staged = m.seal().unwrap();
    imapi_stash::Stash::open(&staged.stash).unwrap().verify().unwrap();
    let iso = stash_image(&staged.stash);
    let image = Image::parse(&iso).unwrap();
    assert_eq!(image.read_path("/keep.txt").unwrap(), b"kept");
    assert!(matches!(
        image.read_path("/large.bin"),
        Err(imapi_joliet::read::ReadError::NotFound { .. })
    ));
}

#[test]
fn a_disc_full_add_leaves_tree_and_stash_as_before() {
    let b = Bench::new(Media::CdR74);
    let first = b.folder("first", &[("keep.txt", b"kept")]);
    let huge = b.work.path().join("huge");
    std::fs::create_dir(&huge).unwrap();
    // Sparse: larger than a 74-minute disc, costs nothing to make.
    std::fs::File::create(huge.join("too-big.bin")).unwrap().set_len(700 << 20).unwrap();
    let mut m = b.master();
    m.joliet().unwrap().add_data(&first, false).unwrap();
    let nodes = m.staged_tree().len();
    let used = m.joliet().unwrap().used_data_blocks().unwrap();
    let e = m.joliet().unwrap().add_data(&huge, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::DiscFull, "{e}");
    assert_eq!(m.staged_tree().len(), nodes);
    assert_eq!(m.joliet().unwrap().used_data_blocks().unwrap(), used);
    // The data alone fits, the metadata and padding tip it over: nothing is kept either.
    let total = m.joliet().unwrap().total_data_blocks().unwrap();
    let left = total - used + 1;
    let edge = b.work.path().join("edge");
    std::fs::create_dir(&edge).unwrap();
    std::fs::File::create(edge.join("edge.bin")).unwrap().set_len(left * 2048).unwrap();
    let e = m.joliet().unwrap().add_data(&edge, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::DiscFull, "{e}");
    assert_eq!(m.staged_tree().len(), nodes);
    let staged = m.seal().unwrap();
    imapi_stash::Stash::open(&staged.stash).unwrap().verify().unwrap();
}

#[test]
fn file_exists_and_overwrite() {
    let b = Bench::new(Media::CdR80);
    let one = b.folder("one", &[("same.txt", b"first"), ("only-one.txt", b"1")]);
    let two = b.folder("two", &[("same.txt", b"second, longer"), ("only-two.txt", b"2")]);
    let mut m = b.master();
    m.joliet().unwrap().add_data(&one, false).unwrap();
    let nodes = m.staged_tree().len();
    let e = m.joliet().unwrap().add_data(&two, false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::FileExists, "{e}");
    assert_eq!(m.staged_tree().len(), nodes, "only-two.txt was not kept either");
    m.joliet().unwrap().add_data(&two, true).unwrap();
    let staged = m.seal().unwrap();
    let iso = stash_image(&staged.stash);
    let image = Image::parse(&iso).unwrap();
    assert_eq!(image.read_path("/same.txt").unwrap(), b"second, longer");
    assert_eq!(image.read_path("/only-one.txt").unwrap(), b"1");
    assert_eq!(image.read_path("/only-two.txt").unwrap(), b"2");
    // The replaced file's bytes are still burned, unreachable, as IMAPI v1 does.
    assert!(iso.windows(5).any(|w| w == b"first"));
}

#[test]
fn bad_names_sources_and_graft_points() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    let mut j = m.joliet().unwrap();
    j.add_source("notes/readme.txt", imapi_joliet::BytesSource::new(&b"hello"[..]), false).unwrap();
    let e =
        j.add_source("bad*name.txt", imapi_joliet::BytesSource::new(&b"x"[..]), false).unwrap_err();
    assert_eq!(e.code(), ImapiCode::BadJolietName, "{e}");
    let dir = b.folder("g", &[("x.txt", b"x")]);
    j.add_data_with(&dir, Some("deep/er"), &imapi_master::AddOptions::default()).unwrap();
    j.add_directory("empty/dir").unwrap();
    let staged = m.seal().unwrap();
    let iso = stash_image(&staged.stash);
    let image = Image::parse(&iso).unwrap();
    assert_eq!(image.read_path("/notes/readme.txt").unwrap(), b"hello");
    assert_eq!(image.read_path("/deep/er/x.txt").unwrap(), b"x");
    assert!(image.lookup(image.default_tree(), "/empty/dir").is_ok());
}

#[test]
fn adding_after_a_seal_reopens_the_stash() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    stage(&mut m, &[("a.txt", b"A")]);
    let first = m.seal().unwrap();
    assert_eq!(m.seal().unwrap(), first, "sealing twice gives the same stash");
    stage(&mut m, &[("b.txt", b"B")]);
    assert!(!first.stash.exists(), "reopened: no finished stash until sealed again");
    let second = m.seal().unwrap();
    let iso = stash_image(&second.stash);
    let image = Image::parse(&iso).unwrap();
    assert_eq!(image.read_path("/a.txt").unwrap(), b"A");
    assert_eq!(image.read_path("/b.txt").unwrap(), b"B");
}

#[test]
fn the_stash_belongs_to_one_master() {
    let b = Bench::new(Media::CdR80);
    let _m = b.master();
    let mut other = imapi_master::DiscMaster::new(b.options());
    other.open().unwrap();
    let recs = other.enum_disc_recorders().unwrap();
    let e = other.set_active_disc_recorder(&recs[0]).unwrap_err();
    assert_eq!(e.code(), ImapiCode::StashInUse, "{e}");
}

#[test]
fn volume_name_property() {
    let b = Bench::new(Media::CdR80);
    let mut m = b.master();
    let mut j = m.joliet().unwrap();
    let bag = j.joliet_properties();
    assert_eq!(bag["VolumeName"], imapi_master::PropertyValue::Str("2024_01_02".into()));
    let mut set = imapi_master::PropertyBag::new();
    set.insert("VolumeName".into(), imapi_master::PropertyValue::Str("HOLIDAY".into()));
    set.insert("Unknown".into(), imapi_master::PropertyValue::I4(1));
    assert_eq!(j.set_joliet_properties(&set).unwrap().code(), Some(ImapiCode::PropertiesIgnored));
    j.add_source("a.txt", imapi_joliet::BytesSource::new(&b"A"[..]), false).unwrap();
    let staged = m.seal().unwrap();
    let iso = stash_image(&staged.stash);
    let image = Image::parse(&iso).unwrap();
    assert_eq!(image.primary().volume_id().trim_end(), "HOLIDAY");
    let _: Arc<dyn ProgressEvents> = sink();
}
