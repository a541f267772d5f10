//! The writer and the reader together: what a plan emits reads back as the same tree and
//! bytes, and verifies strictly.

mod common;

use std::io::{Read, Seek, SeekFrom};

use chrono::DateTime;
use imapi_joliet::raw::MAX_SECTION;
use imapi_joliet::read::Options;
use imapi_joliet::verify::{verify, Rule, Severity};
use imapi_joliet::{BytesSource, Image, PlanOptions, Tree, TreeKind};
use proptest::prelude::*;

fn fixed() -> PlanOptions {
    PlanOptions {
        date: Some(DateTime::parse_from_rfc3339("2024-01-02T03:04:05+13:00").unwrap()),
        volume_name: Some("ROUNDTRIP".into()),
        ..PlanOptions::default()
    }
}

/// Names as people give them: mixed case, spaces, dots, digits, a few non-ASCII letters.
fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ._é-]{1,24}".prop_filter("not . or ..", |s| {
        s != "." && s != ".." && !s.ends_with('.') && !s.ends_with(' ') && !s.starts_with(' ')
    })
}

/// Up to 40 files at depths 0–3, each up to 5000 bytes.
fn files() -> impl Strategy<Value = Vec<(Vec<String>, Vec<u8>)>> {
    prop::collection::vec(
        (prop::collection::vec(name(), 1..4), prop::collection::vec(any::<u8>(), 0..5000)),
        1..40,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn emitted_trees_read_back_and_verify(files in files()) {
        let mut tree = Tree::new();
        let mut want = common::TreeMap::new();
        for (path, data) in files {
            let (file, dirs) = path.split_last().unwrap();
            let dir_path = dirs.join("/");
            // A name used once as a file and once as a directory is not a tree: skip it.
            if want.get(&dir_path).is_some_and(Option::is_some) {
                continue;
            }
            let full = if dirs.is_empty() { file.clone() } else { format!("{dir_path}/{file}") };
            if want.contains_key(&full) || (0..dirs.len()).any(|i| want.get(&dirs[..=i].join("/")).is_some_and(Option::is_some)) {
                continue;
            }
            let parent = if dirs.is_empty() { tree.root() } else { tree.add_dirs(&dir_path).unwrap() };
            for i in 0..dirs.len() {
                want.insert(dirs[..=i].join("/"), None);
            }
            tree.add_file(parent, file, BytesSource::new(data.clone())).unwrap();
            want.insert(full, Some(data));
        }
        let plan = tree.plan(&fixed()).unwrap();
        let mut iso = Vec::new();
        plan.emit(&mut iso).unwrap();
        let image = Image::parse(&iso).unwrap();
        prop_assert_eq!(&common::image_tree(&image, TreeKind::Joliet), &want);
        prop_assert_eq!(common::image_tree(&image, TreeKind::Iso).len(), want.len());
        let report = verify(&image, true);
        let failing: Vec<_> = report.with_severity(Severity::Violation).collect();
        prop_assert!(failing.is_empty(), "{:#?}", failing);
    }
}

/// A file of three sections, read through the plan's seekable view: no image on disk.
#[test]
fn multi_extent_files_from_the_writer() {
    let size = 2 * MAX_SECTION + 4096;
    let mut t = Tree::new();
    t.add_file(t.root(), "huge.bin", common::Zeros(size)).unwrap();
    t.add_file(t.root(), "small", BytesSource::new(&b"s"[..])).unwrap();
    let plan = t.plan(&fixed()).unwrap();
    let image = Image::from_reader(plan.reader()).unwrap();
    for (tree, path) in [(TreeKind::Joliet, "huge.bin"), (TreeKind::Iso, "HUGE.BIN")] {
        let e = image.lookup(tree, path).unwrap();
        assert_eq!(e.size(), size);
        let lens: Vec<u64> = e.sections().iter().map(|s| u64::from(s.len)).collect();
        assert_eq!(lens, [MAX_SECTION, MAX_SECTION, 4096]);
        let mut r = image.open(&e).unwrap();
        r.seek(SeekFrom::Start(2 * MAX_SECTION - 10)).unwrap();
        let mut tail = Vec::new();
        r.read_to_end(&mut tail).unwrap();
        assert_eq!(tail, vec![0; 4106]);
    }
    assert_eq!(image.read_path("small").unwrap(), b"s");
    let report = verify(&image, true);
    assert_eq!(report.iso_level, 3);
    assert!(report.passed(), "{:#?}", report.findings);
}

/// Pitfall 6's sizes: 4 GiB − 1, 4 GiB, two full sections and a byte, and 12 GiB, in both
/// trees, with the sections each size needs; the metadata only is read (no data on disk).
#[test]
fn files_around_4_gib_have_the_right_sections() {
    let cases = [
        (0xFFFF_FFFFu64, vec![MAX_SECTION, 0x7FF]),
        (1 << 32, vec![MAX_SECTION, 0x800]),
        (2 * MAX_SECTION + 1, vec![MAX_SECTION, MAX_SECTION, 1]),
        (12 << 30, vec![MAX_SECTION, MAX_SECTION, MAX_SECTION, 0x1800]),
    ];
    let mut t = Tree::new();
    for (i, (size, _)) in cases.iter().enumerate() {
        t.add_file(t.root(), &format!("f{i}.bin"), common::Zeros(*size)).unwrap();
    }
    let plan = t.plan(&fixed()).unwrap();
    let image = Image::from_reader(plan.reader()).unwrap();
    for (i, (size, want)) in cases.iter().enumerate() {
        for (tree, path) in
            [(TreeKind::Joliet, format!("f{i}.bin")), (TreeKind::Iso, format!("F{i}.BIN"))]
        {
            let e = image.lookup(tree, &path).unwrap();
            assert_eq!(e.size(), *size, "{path}");
            let lens: Vec<u64> = e.sections().iter().map(|s| u64::from(s.len)).collect();
            assert_eq!(&lens, want, "{path}");
            let first = e.sections()[0].block;
            for (k, sec) in e.sections().iter().enumerate() {
                assert_eq!(u64::from(sec.block), u64::from(first) + k as u64 * MAX_SECTION / 2048);
            }
        }
    }
}

/// A second session planned after a first one, carrying the first's file by its extent.
#[test]
fn a_later_session_from_the_writer() {
    let mut first = Tree::new();
    first.add_file(first.root(), "old.txt", BytesSource::new(&b"old data"[..])).unwrap();
    let plan1 = first.plan(&fixed()).unwrap();
    let mut disc = Vec::new();
    plan1.emit(&mut disc).unwrap();
    let old_extent = plan1.extent(first.lookup("/old.txt").unwrap());

    let start = (disc.len() / 2048 + 50) as u32;
    let mut second = Tree::new();
    second.add_imported_file(second.root(), "old.txt", old_extent, 8).unwrap();
    second.add_file(second.root(), "new.txt", BytesSource::new(&b"new data"[..])).unwrap();
    let plan2 = second.plan(&PlanOptions { first_block: start, ..fixed() }).unwrap();
    disc.resize(start as usize * 2048, 0);
    plan2.emit(&mut disc).unwrap();

    let image = Image::parse_with(&disc, Options::new().session_start(start)).unwrap();
    assert_eq!(image.read_path("old.txt").unwrap(), b"old data");
    assert_eq!(image.read_path("new.txt").unwrap(), b"new data");
    let report = verify(&image, true);
    assert_eq!(report.findings, []);
}

/// The writer keeps trees deeper than eight levels and lower-case volume names (`cidata`):
/// the verifier names both as relaxations and passes the image.
#[test]
fn writer_relaxations_are_named() {
    let mut t = Tree::new();
    let deep = t.add_dirs("a/b/c/d/e/f/g/h/i").unwrap();
    t.add_file(deep, "leaf", BytesSource::new(&b"leaf"[..])).unwrap();
    let opts = PlanOptions { volume_name: Some("cidata".into()), ..fixed() };
    let mut iso = Vec::new();
    t.plan(&opts).unwrap().emit(&mut iso).unwrap();
    let image = Image::parse(&iso).unwrap();
    assert_eq!(image.primary().volume_id(), "cidata");
    let report = verify(&image, true);
    let rules: Vec<Rule> = report.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, [Rule::VolumeIdLowercase, Rule::Depth], "{:#?}", report.findings);
    assert!(report.findings.iter().all(|f| f.severity == Severity::Relaxation));
    assert!(report.passed());
}
