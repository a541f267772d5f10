//! Files whose data lies in a placed-data area captured before planning: the metadata alone,
//! then the area, make an image that reads back and verifies strictly.

mod common;

use chrono::DateTime;
use imapi_codes::ImapiCode;
use imapi_joliet::raw::MAX_SECTION;
use imapi_joliet::verify::verify;
use imapi_joliet::{
    BytesSource, EmitOptions, Error, FileOrigin, HostOptions, Image, Overwrite, PlanOptions, Tree,
    TreeKind,
};

const BLOCK: usize = 2048;

fn fixed(area: u64) -> PlanOptions {
    PlanOptions {
        date: Some(DateTime::parse_from_rfc3339("2024-05-06T07:08:09+02:00").unwrap()),
        volume_name: Some("PLACED".into()),
        placed_area_blocks: area,
        ..PlanOptions::default()
    }
}

/// Writes `data` at block `block` of `area`.
fn put(area: &mut [u8], block: u64, data: &[u8]) {
    let at = block as usize * BLOCK;
    area[at..at + data.len()].copy_from_slice(data);
}

/// Image paths and the bytes each file must read back as.
type Files = Vec<(&'static str, Vec<u8>)>;

/// A tree of placed files and the area that holds their data (with the data of a file
/// replaced later still in it), and every file's path and bytes.
fn placed_tree() -> (Tree, Vec<u8>, Files) {
    let mut t = Tree::new();
    let mut area = vec![0xEE; 12 * BLOCK];
    let docs = t.add_dir(t.root(), "docs").unwrap();
    let two = common::bytes(1, 3000);
    let big = common::bytes(2, 5000);
    let small = b"small file".to_vec();
    let old = b"the old data of replaced.txt, still in the area".to_vec();
    let new = b"replaced.txt, second version".to_vec();
    put(&mut area, 0, &two);
    put(&mut area, 2, &old);
    put(&mut area, 3, &small);
    put(&mut area, 4, &big);
    put(&mut area, 7, &new);
    t.add_placed_file(docs, "two blocks.bin", 0, two.len() as u64, Overwrite::Deny).unwrap();
    t.add_placed_file(t.root(), "replaced.txt", 2, old.len() as u64, Overwrite::Deny).unwrap();
    t.add_placed_file(t.root(), "small.txt", 3, small.len() as u64, Overwrite::Deny).unwrap();
    t.add_placed_file(docs, "big.bin", 4, big.len() as u64, Overwrite::Deny).unwrap();
    t.add_placed_file(docs, "empty", 9, 0, Overwrite::Deny).unwrap();
    let denied = t.add_placed_file(t.root(), "replaced.txt", 7, 3, Overwrite::Deny).unwrap_err();
    assert_eq!(denied.imapi_code(), Some(ImapiCode::FileExists));
    t.add_placed_file(t.root(), "replaced.txt", 7, new.len() as u64, Overwrite::Replace).unwrap();
    let files = vec![
        ("docs/two blocks.bin", two),
        ("replaced.txt", new),
        ("small.txt", small),
        ("docs/big.bin", big),
        ("docs/empty", Vec::new()),
    ];
    (t, area, files)
}

fn check_files(image: &Image<&[u8]>, files: &[(&str, Vec<u8>)]) {
    for (path, data) in files {
        for tree in [TreeKind::Joliet, TreeKind::Iso] {
            let path = match tree {
                TreeKind::Joliet => path.to_string(),
                TreeKind::Iso => path.to_uppercase().replace(' ', "_"),
            };
            let entry = image.lookup(tree, &path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let mut got = Vec::new();
            std::io::Read::read_to_end(&mut image.open(&entry).unwrap(), &mut got).unwrap();
            assert_eq!(&got, data, "{path} in {tree:?}");
        }
    }
}

#[test]
fn metadata_then_area_then_padding_reads_back() {
    let (t, area, files) = placed_tree();
    let plan = t.plan(&fixed(12)).unwrap();
    let mut meta = Vec::new();
    let n = plan.emit_metadata(&mut meta).unwrap();
    assert_eq!(n, meta.len() as u64);
    assert_eq!(n, plan.metadata_blocks() * BLOCK as u64);
    assert_eq!(u64::from(plan.placed_area_start()), plan.metadata_blocks());
    // The shared zero block of the empty file comes before the area.
    assert_eq!(plan.extent(t.lookup("/docs/empty").unwrap()) + 1, plan.placed_area_start());
    for (path, block) in [("/docs/two blocks.bin", 0), ("/replaced.txt", 7), ("/docs/big.bin", 4)] {
        let extent = plan.extent(t.lookup(path).unwrap());
        assert_eq!(extent, plan.placed_area_start() + block, "{path}");
    }

    let mut disc = meta.clone();
    disc.extend_from_slice(&area);
    disc.resize(plan.image_len() as usize, 0);

    let mut full = Vec::new();
    let written = plan.emit_with_placed(&mut full, &mut &area[..], EmitOptions::default()).unwrap();
    assert_eq!(written, plan.image_len());
    assert_eq!(full, disc, "the full emit is metadata, area and padding");

    let image = Image::parse(&disc).unwrap();
    assert_eq!(u64::from(image.primary().volume_space_size()), plan.volume_space_size());
    check_files(&image, &files);
    let tree = common::image_tree(&image, TreeKind::Joliet);
    assert_eq!(
        common::paths(&tree),
        ["docs", "docs/big.bin", "docs/empty", "docs/two blocks.bin", "replaced.txt", "small.txt"]
    );
    let report = verify(&image, true);
    assert_eq!(report.findings, []);
}

#[test]
fn other_files_follow_the_area() {
    let (mut t, area, mut files) = placed_tree();
    let later = common::bytes(3, 4097);
    t.add_file(t.root(), "later.bin", BytesSource::new(later.clone())).unwrap();
    files.push(("later.bin", later));
    let plan = t.plan(&fixed(12)).unwrap();
    let later_extent = plan.extent(t.lookup("/later.bin").unwrap());
    assert_eq!(later_extent, plan.placed_area_start() + 12);

    let mut meta = Vec::new();
    plan.emit_metadata(&mut meta).unwrap();
    let mut full = Vec::new();
    plan.emit_with_placed(&mut full, &mut &area[..], EmitOptions::default()).unwrap();
    assert_eq!(full[..meta.len()], meta[..]);
    assert_eq!(full[meta.len()..meta.len() + area.len()], area[..]);
    let image = Image::parse(&full).unwrap();
    check_files(&image, &files);
    assert_eq!(verify(&image, true).findings, []);
}

#[test]
fn a_later_session_places_files_after_its_metadata() {
    let (t, area, files) = placed_tree();
    let start = 300u32;
    let plan = t.plan(&PlanOptions { first_block: start, ..fixed(12) }).unwrap();
    let mut disc = vec![0u8; start as usize * BLOCK];
    let n = plan.emit_metadata(&mut disc).unwrap();
    assert_eq!(u64::from(plan.placed_area_start()), u64::from(start) + n / BLOCK as u64);
    disc.extend_from_slice(&area);
    disc.resize(plan.image_blocks() as usize * BLOCK, 0);
    let image =
        Image::parse_with(&disc, imapi_joliet::read::Options::new().session_start(start)).unwrap();
    check_files(&image, &files);
}

#[test]
fn without_an_area_the_metadata_ends_where_file_data_starts() {
    let mut t = Tree::new();
    t.add_file(t.root(), "a.txt", BytesSource::new(&b"abc"[..])).unwrap();
    let plan = t.plan(&fixed(0)).unwrap();
    let a = plan.extent(t.lookup("/a.txt").unwrap());
    assert_eq!(plan.placed_area_start(), a);
    let mut meta = Vec::new();
    let n = plan.emit_metadata(&mut meta).unwrap();
    assert_eq!(n, u64::from(a) * BLOCK as u64);
    let mut full = Vec::new();
    plan.emit(&mut full).unwrap();
    assert_eq!(full[..meta.len()], meta[..]);
}

#[test]
fn a_placed_file_past_the_area_is_an_error() {
    let mut t = Tree::new();
    t.add_placed_file(t.root(), "a", 3, 2049, Overwrite::Deny).unwrap();
    // Blocks 3 and 4: an area of 5 blocks holds it, one of 4 does not.
    assert!(t.plan(&fixed(5)).is_ok());
    let err = t.plan(&fixed(4)).unwrap_err();
    assert!(matches!(err, Error::PlacedOutsideArea { block: 3, size: 2049, area_blocks: 4, .. }));
    assert_eq!(err.imapi_code(), Some(ImapiCode::InvalidImage));
    assert!(err.to_string().contains("/a"), "{err}");

    let mut t = Tree::new();
    t.add_placed_file(t.root(), "far", u64::MAX, 1, Overwrite::Deny).unwrap();
    assert!(matches!(t.plan(&fixed(10)).unwrap_err(), Error::PlacedOutsideArea { .. }));
}

#[test]
fn the_full_emit_needs_the_whole_area() {
    let (t, area, _) = placed_tree();
    let plan = t.plan(&fixed(12)).unwrap();
    let err = plan.emit(&mut Vec::new()).unwrap_err();
    assert!(matches!(err, Error::PlacedAreaMissing { blocks: 12 }));
    let short = &area[..area.len() - 1];
    let err = plan
        .emit_with_placed(&mut Vec::new(), &mut &short[..], EmitOptions::default())
        .unwrap_err();
    assert!(
        matches!(err, Error::PlacedAreaRead { expected, found, .. }
            if expected == area.len() as u64 && found == expected - 1),
        "{err:?}"
    );
    // A longer reader gives the area and no more.
    let mut longer = area.clone();
    longer.extend_from_slice(&[1; 100]);
    let mut out = Vec::new();
    plan.emit_with_placed(&mut out, &mut &longer[..], EmitOptions::default()).unwrap();
    assert_eq!(out.len() as u64, plan.image_len());
}

/// A placed file of more than 4 GiB is recorded as sections that follow one another from its
/// block (only the metadata is made: no data is needed).
#[test]
fn a_large_placed_file_has_contiguous_sections() {
    let size = 2 * MAX_SECTION + 5;
    let blocks = size.div_ceil(BLOCK as u64);
    let mut t = Tree::new();
    t.add_placed_file(t.root(), "huge.bin", 1, size, Overwrite::Deny).unwrap();
    let plan = t.plan(&fixed(1 + blocks)).unwrap();
    let mut meta = Vec::new();
    plan.emit_metadata(&mut meta).unwrap();
    let image = Image::parse(&meta).unwrap();
    for (tree, name) in [(TreeKind::Iso, "HUGE.BIN"), (TreeKind::Joliet, "huge.bin")] {
        let e = image.lookup(tree, name).unwrap();
        assert_eq!(e.size(), size);
        let sections = e.sections();
        assert_eq!(sections.len(), 3);
        for (k, s) in sections.iter().enumerate() {
            let want = u64::from(plan.placed_area_start()) + 1 + k as u64 * MAX_SECTION / 2048;
            assert_eq!(u64::from(s.block), want);
        }
    }
    assert!(t.plan(&fixed(blocks)).is_err());
}

#[test]
fn origins_keys_and_dates_of_a_host_walk() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), b"linked").unwrap();
    std::fs::hard_link(dir.path().join("a.txt"), dir.path().join("b.txt")).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/c.txt"), b"other").unwrap();

    let mut t = Tree::new();
    t.add_host(t.root(), dir.path(), &HostOptions::default()).unwrap();
    let walked: Vec<(String, bool)> = t.walk().map(|(id, p)| (p, t.is_dir(id))).collect();
    let want = [("a.txt", false), ("b.txt", false), ("sub", true), ("sub/c.txt", false)];
    let want: Vec<(String, bool)> = want.iter().map(|(p, d)| (p.to_string(), *d)).collect();
    assert_eq!(walked, want);

    let a = t.lookup("/a.txt").unwrap();
    let b = t.lookup("/b.txt").unwrap();
    let c = t.lookup("/sub/c.txt").unwrap();
    let sub = t.lookup("/sub").unwrap();
    assert_eq!(t.content_key(a), t.content_key(b));
    assert!(t.content_key(a).is_some());
    assert_ne!(t.content_key(a), t.content_key(c));
    assert_eq!(t.content_key(sub), None);
    match t.file_origin(c) {
        Some(FileOrigin::Host(p)) => assert_eq!(p, dir.path().join("sub/c.txt")),
        other => panic!("{other:?}"),
    }
    match (t.file_origin(a), t.file_origin(b)) {
        (Some(FileOrigin::Host(pa)), Some(FileOrigin::Host(pb))) => {
            assert_eq!(pa, pb);
            assert_eq!(std::fs::read(pa).unwrap(), b"linked");
        }
        other => panic!("{other:?}"),
    }
    assert!(t.file_origin(sub).is_none());
    let host_mtime = std::fs::metadata(dir.path().join("sub/c.txt")).unwrap().modified().unwrap();
    assert_eq!(t.mtime(c), Some(imapi_joliet::tree::system_time_to_unix(host_mtime)));

    let mut t = Tree::new();
    let s = t.add_file(t.root(), "s", BytesSource::new(&b"x"[..])).unwrap();
    let p = t.add_placed_file(t.root(), "p", 4, 1, Overwrite::Deny).unwrap();
    let i = t.add_imported_file(t.root(), "i", 77, 1).unwrap();
    assert!(matches!(t.file_origin(s), Some(FileOrigin::Source(src)) if src.len().unwrap() == 1));
    assert!(matches!(t.file_origin(p), Some(FileOrigin::Placed { block: 4 })));
    assert!(matches!(t.file_origin(i), Some(FileOrigin::Imported { extent: 77 })));
    assert_eq!(t.mtime(s), None);
    t.set_mtime(s, 1_700_000_000);
    assert_eq!(t.mtime(s), Some(1_700_000_000));
}

/// xorriso extracts the metadata-plus-area image to the same files.
#[test]
fn xorriso_extracts_a_placed_image() {
    if !common::have("xorriso") {
        return;
    }
    let (t, area, files) = placed_tree();
    let plan = t.plan(&fixed(12)).unwrap();
    let mut disc = Vec::new();
    plan.emit_metadata(&mut disc).unwrap();
    disc.extend_from_slice(&area);
    disc.resize(plan.image_len() as usize, 0);
    let dir = tempfile::tempdir().unwrap();
    let iso = dir.path().join("placed.iso");
    std::fs::write(&iso, &disc).unwrap();
    let out = dir.path().join("out");
    common::run(
        std::process::Command::new("xorriso")
            .args(["-abort_on", "FAILURE", "-osirrox", "on", "-indev"])
            .arg(&iso)
            .args(["-extract", "/"])
            .arg(&out),
    );
    for (path, data) in &files {
        let got = std::fs::read(out.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(&got, data, "{path}");
    }
}
