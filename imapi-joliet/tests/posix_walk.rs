//! Host walks that record what Rock Ridge keeps ([`HostOptions::posix`]): modes, owners,
//! links and special files.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use imapi_joliet::{HostOptions, NodeType, SpecialKind, Tree, Warning};

fn host_tree() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("sub")).unwrap();
    fs::write(src.join("a"), b"data").unwrap();
    fs::set_permissions(src.join("a"), fs::Permissions::from_mode(0o640)).unwrap();
    fs::set_permissions(src.join("sub"), fs::Permissions::from_mode(0o750)).unwrap();
    fs::hard_link(src.join("a"), src.join("sub/b")).unwrap();
    std::os::unix::fs::symlink("../a", src.join("sub/up")).unwrap();
    std::os::unix::fs::symlink("/nowhere/at/all", src.join("abs")).unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        src.join("fifo"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    (dir, src)
}

#[test]
fn posix_walk_keeps_modes_links_and_fifos() {
    let (_dir, src) = host_tree();
    let mut t = Tree::new();
    let opts = HostOptions { posix: true, ..HostOptions::default() };
    let warnings = t.add_host(t.root(), &src, &opts).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");

    let a = t.lookup("/a").unwrap();
    let attrs = t.posix(a).unwrap();
    let meta = fs::metadata(src.join("a")).unwrap();
    assert_eq!((attrs.mode, attrs.uid, attrs.gid), (0o640, meta.uid(), meta.gid()));
    assert_eq!(t.posix(t.lookup("/sub").unwrap()).unwrap().mode, 0o750);
    let root_mode = fs::metadata(&src).unwrap().mode() & 0o7777;
    assert_eq!(t.posix(t.root()).unwrap().mode, root_mode);
    // The root takes the source folder's time too (Rock Ridge's TF of `/`).
    let root_mtime = fs::metadata(&src).unwrap().mtime();
    assert_eq!(t.mtime(t.root()), Some(root_mtime));

    let up = t.lookup("/sub/up").unwrap();
    assert_eq!(t.node_type(up), Some(NodeType::Symlink("../a")));
    assert_eq!(t.posix(up).unwrap().mode, 0o777);
    assert_eq!(t.node_type(t.lookup("/abs").unwrap()), Some(NodeType::Symlink("/nowhere/at/all")));
    let fifo = t.lookup("/fifo").unwrap();
    assert_eq!(t.node_type(fifo), Some(NodeType::Special { kind: SpecialKind::Fifo, rdev: 0 }));
    assert_eq!(t.posix(fifo).unwrap().mode, 0o600);
    assert_eq!(t.file_size(fifo), 0);
    // Hard links still share one content.
    assert_eq!(t.content_key(a), t.content_key(t.lookup("/sub/b").unwrap()));
}

#[test]
fn without_posix_nothing_changes() {
    let (_dir, src) = host_tree();
    let mut t = Tree::new();
    let warnings = t.add_host(t.root(), &src, &HostOptions::default()).unwrap();
    let skipped = |f: fn(&Warning) -> bool| warnings.iter().filter(|w| f(w)).count();
    assert_eq!(skipped(|w| matches!(w, Warning::SymlinkSkipped { .. })), 2);
    assert_eq!(skipped(|w| matches!(w, Warning::SpecialFileSkipped { .. })), 1);
    assert!(t.lookup("/sub/up").is_none() && t.lookup("/fifo").is_none());
    assert!(t.walk().all(|(id, _)| t.posix(id).is_none()));
    assert_eq!(t.posix(t.root()), None);

    // Following links still follows them with posix on.
    let mut t = Tree::new();
    let opts = HostOptions { posix: true, follow_links: true, ..HostOptions::default() };
    t.add_host(t.root(), &src, &opts).unwrap();
    let up = t.lookup("/sub/up").unwrap();
    assert_eq!(t.node_type(up), Some(NodeType::File));
    assert_eq!(t.file_size(up), 4);
}
