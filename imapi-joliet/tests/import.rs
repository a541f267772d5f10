//! An earlier session imported into a new tree: the new session lists the old files, whose
//! data stays where the first session put it, beside the new ones.

mod common;

use chrono::DateTime;
use imapi_codes::ImapiCode;
use imapi_joliet::read::Options;
use imapi_joliet::verify::verify;
use imapi_joliet::{BytesSource, Error, FileOrigin, Image, Overwrite, PlanOptions, Tree, TreeKind};

fn opts() -> PlanOptions {
    PlanOptions {
        date: Some(DateTime::parse_from_rfc3339("2022-02-03T04:05:06+01:00").unwrap()),
        volume_name: Some("SESSION".into()),
        ..PlanOptions::default()
    }
}

/// A first session: a few directories, files (one empty, one of several blocks) with dates.
fn first_session(joliet: bool) -> (Vec<u8>, common::TreeMap) {
    let mut t = Tree::new();
    let deep = t.add_dirs("docs/deep").unwrap();
    let files: [(&str, Vec<u8>); 4] = [
        ("readme.txt", b"read me".to_vec()),
        ("docs/deep/data.bin", common::bytes(9, 7000)),
        ("docs/empty", Vec::new()),
        ("docs/notes.md", b"# notes".to_vec()),
    ];
    for (path, data) in &files {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let parent = if dir.is_empty() { t.root() } else { t.lookup(dir).unwrap() };
        let id = t.add_file(parent, name, BytesSource::new(data.clone())).unwrap();
        t.set_mtime(id, 1_600_000_000 + data.len() as i64);
    }
    t.set_mtime(deep, 1_500_000_000);
    // Dates as recorded: no fixed date, so each file's own.
    let plan = t.plan(&PlanOptions { date: None, joliet, ..opts() }).unwrap();
    let mut iso = Vec::new();
    plan.emit(&mut iso).unwrap();
    let image = Image::parse(&iso).unwrap();
    let tree = common::image_tree(&image, image.default_tree());
    (iso, tree)
}

#[test]
fn a_new_session_lists_old_and_new_files() {
    let (mut disc, old_tree) = first_session(true);
    let old = Image::parse(&disc).unwrap();
    let mut t = Tree::new();
    let added = t.import_image(&old, old.default_tree()).unwrap();
    assert_eq!(added, old_tree.len());
    // Imported files point at the first session's data and keep their dates.
    let data = t.lookup("/docs/deep/data.bin").unwrap();
    let recorded = old.lookup(TreeKind::Joliet, "docs/deep/data.bin").unwrap();
    assert!(
        matches!(t.file_origin(data), Some(FileOrigin::Imported { extent }) if extent == recorded.block())
    );
    assert_eq!(t.mtime(data), Some(1_600_000_000 + 7000));
    assert_eq!(t.mtime(t.lookup("/docs/deep").unwrap()), Some(1_500_000_000));

    t.add_file(t.root(), "new.txt", BytesSource::new(&b"second session"[..])).unwrap();
    t.add_file_with(
        t.lookup("/docs").unwrap(),
        "notes.md",
        Box::new(BytesSource::new(&b"# notes, revised"[..])),
        Overwrite::Replace,
    )
    .unwrap();
    let start = (disc.len() / 2048) as u32;
    let plan = t.plan(&PlanOptions { first_block: start, ..opts() }).unwrap();
    plan.emit(&mut disc).unwrap();

    let image = Image::parse_with(&disc, Options::new().session_start(start)).unwrap();
    let mut want = old_tree.clone();
    want.insert("new.txt".into(), Some(b"second session".to_vec()));
    want.insert("docs/notes.md".into(), Some(b"# notes, revised".to_vec()));
    let got = common::image_tree(&image, TreeKind::Joliet);
    assert_eq!(common::paths(&got), common::paths(&want));
    assert_eq!(got, want);
    assert_eq!(image.read_path("docs/deep/data.bin").unwrap(), common::bytes(9, 7000));
    let report = verify(&image, true);
    assert_eq!(report.findings, []);
}

#[test]
fn an_image_without_joliet_imports_its_iso_names() {
    let (mut disc, _) = first_session(false);
    let old = Image::parse(&disc).unwrap();
    assert_eq!(old.default_tree(), TreeKind::Iso);
    let mut t = Tree::new();
    t.import_image(&old, TreeKind::Iso).unwrap();
    let names: Vec<String> = t.walk().map(|(_, p)| p).collect();
    assert_eq!(
        names,
        ["DOCS", "DOCS/DEEP", "DOCS/DEEP/DATA.BIN", "DOCS/EMPTY", "DOCS/NOTES.MD", "README.TXT"]
    );
    let start = (disc.len() / 2048) as u32;
    t.plan(&PlanOptions { first_block: start, ..opts() }).unwrap().emit(&mut disc).unwrap();
    let image = Image::parse_with(&disc, Options::new().session_start(start)).unwrap();
    assert_eq!(image.read_path("README.TXT").unwrap(), b"read me");
    assert_eq!(image.read_path("DOCS/DEEP/DATA.BIN").unwrap(), common::bytes(9, 7000));
    assert_eq!(image.read_path("DOCS/EMPTY").unwrap(), b"");
}

#[test]
fn a_failed_import_leaves_the_tree_as_it_was() {
    let (disc, _) = first_session(true);
    let old = Image::parse(&disc).unwrap();
    let mut t = Tree::new();
    // A directory where the image has a file: the import stops there and undoes itself.
    t.add_dirs("readme.txt/x").unwrap();
    let before: Vec<String> = t.walk().map(|(_, p)| p).collect();
    let err = t.import_image(&old, TreeKind::Joliet).unwrap_err();
    assert!(matches!(err, Error::FileExists { .. }), "{err:?}");
    assert_eq!(t.walk().map(|(_, p)| p).collect::<Vec<_>>(), before);

    // A damaged directory is a read error with IMAPI's invalid-image code.
    let mut bad = disc.clone();
    let root = old.lookup(TreeKind::Joliet, "docs").unwrap().block() as usize;
    bad[root * 2048] = 1; // the `.` record's length, below the minimum
    let bad_image = Image::parse(&bad).unwrap();
    let mut t = Tree::new();
    let err = t.import_image(&bad_image, TreeKind::Joliet).unwrap_err();
    assert!(matches!(err, Error::ImportRead(_)), "{err:?}");
    assert_eq!(err.imapi_code(), Some(ImapiCode::InvalidImage));
    assert!(t.is_empty());
}

#[test]
fn a_rock_ridge_import_keeps_the_roots_attributes_and_hard_links() {
    use imapi_joliet::read::View;
    use imapi_joliet::PosixAttrs;
    let mut t = Tree::new();
    let root_attrs = PosixAttrs { mode: 0o750, uid: 1000, gid: 100 };
    t.set_posix(t.root(), root_attrs);
    t.set_mtime(t.root(), 1_400_000_000);
    let a = t.add_file(t.root(), "a.bin", BytesSource::new(common::bytes(3, 5000))).unwrap();
    let dir = t.add_dir(t.root(), "d").unwrap();
    t.add_hard_link(dir, "b.bin", a, Overwrite::Deny).unwrap();
    t.add_file(t.root(), "same.bin", BytesSource::new(common::bytes(3, 5000))).unwrap();
    let plan = t.plan(&PlanOptions { date: None, rock_ridge: true, ..opts() }).unwrap();
    let mut disc = Vec::new();
    plan.emit(&mut disc).unwrap();
    let old = Image::parse(&disc).unwrap();
    let root = old.root_view(View::RockRidge).unwrap();
    assert_eq!(root.rock_ridge().and_then(|rr| rr.mode), Some(0o040750));

    let mut t = Tree::new();
    t.import_image_view(&old, View::RockRidge).unwrap();
    assert_eq!(t.posix(t.root()), Some(root_attrs));
    assert_eq!(t.mtime(t.root()), Some(1_400_000_000));
    let (a, b) = (t.lookup("/a.bin").unwrap(), t.lookup("/d/b.bin").unwrap());
    assert_eq!(t.content_key(a), t.content_key(b), "the link is one content again");
    let same = t.lookup("/same.bin").unwrap();
    assert_ne!(t.content_key(same), t.content_key(a), "equal bytes are not a link");

    let start = (disc.len() / 2048) as u32;
    let plan = t.plan(&PlanOptions { first_block: start, rock_ridge: true, ..opts() }).unwrap();
    plan.emit(&mut disc).unwrap();
    let image = Image::parse_with(&disc, Options::new().session_start(start)).unwrap();
    let rr = |p: &str| image.lookup_view(View::RockRidge, p).unwrap();
    assert_eq!(rr("/d/b.bin").rock_ridge().unwrap().nlink, Some(2));
    assert_eq!(rr("/same.bin").rock_ridge().unwrap().nlink, Some(1));
    let root = image.root_view(View::RockRidge).unwrap();
    assert_eq!(root.rock_ridge().and_then(|rr| rr.mode), Some(0o040750));
    assert_eq!(root.rock_ridge().and_then(|rr| rr.uid), Some(1000));
    assert_eq!(verify(&image, true).findings, []);
}
