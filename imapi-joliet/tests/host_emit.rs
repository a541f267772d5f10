//! Trees of many small host files and a large one: the emit pass (buffered copies, and the
//! kernel's copy of the large file into a file) gives byte for byte what the on-demand reader
//! makes, and a file that changed after planning is named, not the later ones also changed.

use std::io::Read;
use std::path::Path;

use imapi_joliet::{Error, HostOptions, PlanOptions, Tree};

const DATE: &str = "2024-05-01T12:00:00Z";

/// `count` files of 1 to 5000 bytes in a few folders, plus a 2 MiB file in the middle.
fn host_tree(root: &Path, count: usize) {
    for i in 0..count {
        let dir = root.join(format!("d{}", i % 7));
        std::fs::create_dir_all(&dir).unwrap();
        let len = 1 + (i * 733) % 5000;
        let data: Vec<u8> = (0..len).map(|j| (i * 31 + j) as u8).collect();
        std::fs::write(dir.join(format!("f{i:04}.bin")), data).unwrap();
    }
    std::fs::write(root.join("d3/large.bin"), vec![0x5A; 2 << 20]).unwrap();
}

fn tree_of(root: &Path) -> Tree {
    let mut tree = Tree::new();
    tree.add_host(tree.root(), root, &HostOptions::default()).unwrap();
    tree
}

fn opts() -> PlanOptions {
    PlanOptions {
        date: Some(chrono::DateTime::parse_from_rfc3339(DATE).unwrap()),
        ..Default::default()
    }
}

#[test]
fn many_small_files_come_out_as_the_reader_makes_them() {
    let dir = tempfile::tempdir().unwrap();
    host_tree(dir.path(), 1500);
    let tree = tree_of(dir.path());
    let plan = tree.plan(&opts()).unwrap();
    let mut emitted = Vec::new();
    assert_eq!(plan.emit(&mut emitted).unwrap(), plan.image_len());
    let mut read = Vec::new();
    plan.reader().read_to_end(&mut read).unwrap();
    assert_eq!(emitted.len(), read.len());
    assert!(emitted == read, "the emitted image differs from the reader's");
    // And through a file, where large files take the kernel's copy.
    let out = dir.path().join("out.iso");
    plan.write_to_path(&out, Default::default()).unwrap();
    assert!(std::fs::read(&out).unwrap() == read);
}

#[test]
fn a_changed_file_is_named_wherever_it_falls() {
    let dir = tempfile::tempdir().unwrap();
    host_tree(dir.path(), 1200);
    let tree = tree_of(dir.path());
    let plan = tree.plan(&opts()).unwrap();
    // Files spread over the order (ISO 9660 names sort as these do).
    let mut order: Vec<String> = tree
        .walk()
        .filter(|(id, _)| !tree.is_dir(*id))
        .map(|(_, path)| path)
        .filter(|p| p.ends_with(".bin") && !p.ends_with("large.bin"))
        .collect();
    order.sort();
    for pick in (10..1100).step_by(61) {
        let rel = &order[pick];
        let host = dir.path().join(rel);
        let saved = std::fs::read(&host).unwrap();
        // Grown, shrunk, then gone; a later file broken too must not be the one named.
        let later = dir.path().join(&order[pick + 50]);
        let later_saved = std::fs::read(&later).unwrap();
        std::fs::write(&later, b"").unwrap();
        for (what, change) in [("grown", 1i64), ("shrunk", -1), ("gone", 0)] {
            match change {
                0 => std::fs::remove_file(&host).unwrap(),
                n => {
                    let len = (saved.len() as i64 + n) as usize;
                    std::fs::write(&host, vec![1; len]).unwrap();
                }
            }
            let err = plan.emit(&mut Vec::new()).unwrap_err();
            let named = match &err {
                Error::SourceChanged { path, .. } | Error::SourceRead { path, .. } => path.clone(),
                other => panic!("{rel} {what}: {other:?}"),
            };
            assert_eq!(named, format!("/{rel}"), "{what}: {err}");
            if change == 0 {
                assert!(matches!(err, Error::SourceRead { .. }), "{err:?}");
            } else {
                assert!(matches!(err, Error::SourceChanged { .. }), "{err:?}");
            }
        }
        std::fs::write(&host, &saved).unwrap();
        std::fs::write(&later, &later_saved).unwrap();
    }
    let mut ok = Vec::new();
    plan.emit(&mut ok).unwrap();
}
