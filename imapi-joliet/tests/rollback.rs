//! Rolling a tree back to a checkpoint leaves it exactly as a tree built without the changes
//! made after the checkpoint: same images, same answers to later changes.

use chrono::DateTime;
use imapi_joliet::{BytesSource, EmitOptions, FileOrigin, NodeId, Overwrite, PlanOptions, Tree};
use proptest::prelude::*;

const AREA_BLOCKS: u64 = 48;
const NAMES: &[&str] = &["a", "b", "A", "a.txt", "b.txt", "Dir", "long name.data"];

#[derive(Debug, Clone)]
enum Op {
    Dir { parent: usize, name: usize },
    Dirs { path: Vec<usize> },
    File { parent: usize, name: usize, seed: u8, len: u16, replace: bool },
    Placed { parent: usize, name: usize, block: u8, len: u16, replace: bool },
    Mtime { node: usize, secs: i32 },
}

fn op() -> impl Strategy<Value = Op> {
    let name = 0..NAMES.len();
    prop_oneof![
        (any::<usize>(), name.clone()).prop_map(|(parent, name)| Op::Dir { parent, name }),
        prop::collection::vec(name.clone(), 1..4).prop_map(|path| Op::Dirs { path }),
        (any::<usize>(), name.clone(), any::<u8>(), 0..5000u16, any::<bool>()).prop_map(
            |(parent, name, seed, len, replace)| Op::File { parent, name, seed, len, replace }
        ),
        (any::<usize>(), name, 0..32u8, 0..(16 * 2048u16), any::<bool>()).prop_map(
            |(parent, name, block, len, replace)| Op::Placed { parent, name, block, len, replace }
        ),
        (any::<usize>(), any::<i32>()).prop_map(|(node, secs)| Op::Mtime { node, secs }),
    ]
}

/// The `i`-th directory of the tree (root first, then in walk order), modulo their number.
fn nth_dir(t: &Tree, i: usize) -> NodeId {
    let mut dirs = vec![t.root()];
    dirs.extend(t.walk().filter(|(id, _)| t.is_dir(*id)).map(|(id, _)| id));
    dirs[i % dirs.len()]
}

fn overwrite(replace: bool) -> Overwrite {
    if replace {
        Overwrite::Replace
    } else {
        Overwrite::Deny
    }
}

/// Applies `op`; what it answers (a node or an error) is part of the tree's behaviour.
fn apply(t: &mut Tree, op: &Op) -> String {
    let r = match op {
        Op::Dir { parent, name } => t.add_dir(nth_dir(t, *parent), NAMES[*name]),
        Op::Dirs { path } => {
            let path: Vec<&str> = path.iter().map(|&i| NAMES[i]).collect();
            t.add_dirs(&path.join("/"))
        }
        Op::File { parent, name, seed, len, replace } => {
            let data: Vec<u8> =
                (0..*len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(*seed)).collect();
            t.add_file_with(
                nth_dir(t, *parent),
                NAMES[*name],
                Box::new(BytesSource::new(data)),
                overwrite(*replace),
            )
        }
        Op::Placed { parent, name, block, len, replace } => t.add_placed_file(
            nth_dir(t, *parent),
            NAMES[*name],
            u64::from(*block),
            u64::from(*len),
            overwrite(*replace),
        ),
        Op::Mtime { node, secs } => {
            let id = t.walk().map(|(id, _)| id).nth(node % t.len()).unwrap_or(t.root());
            t.set_mtime(id, i64::from(*secs));
            Ok(id)
        }
    };
    format!("{r:?}")
}

/// Everything a tree shows: paths, kinds, sizes, keys, origins and dates.
fn describe(t: &Tree) -> Vec<String> {
    t.walk()
        .map(|(id, path)| {
            let origin = match t.file_origin(id) {
                Some(FileOrigin::Source(s)) => format!("source {}", s.len().unwrap_or(0)),
                other => format!("{other:?}"),
            };
            format!(
                "{path} dir={} size={} key={:?} {origin} mtime={:?} parent={:?}",
                t.is_dir(id),
                t.file_size(id),
                t.content_key(id),
                t.mtime(id),
                t.parent(id)
            )
        })
        .collect()
}

fn image(t: &Tree) -> Vec<u8> {
    let opts = PlanOptions {
        date: Some(DateTime::parse_from_rfc3339("2023-03-04T05:06:07Z").unwrap()),
        volume_name: Some("ROLLBACK".into()),
        placed_area_blocks: AREA_BLOCKS,
        ..PlanOptions::default()
    };
    let area: Vec<u8> = (0..AREA_BLOCKS * 2048).map(|i| (i % 251) as u8).collect();
    let mut out = Vec::new();
    match t.plan(&opts) {
        Ok(plan) => {
            plan.emit_with_placed(&mut out, &mut &area[..], EmitOptions::default()).unwrap();
        }
        Err(e) => out.extend_from_slice(format!("{e:?}").as_bytes()),
    }
    out
}

// Cases: proptest's default, or PROPTEST_CASES.
proptest! {
    #[test]
    fn rollback_undoes_exactly_what_followed_the_checkpoint(
        before in prop::collection::vec(op(), 0..24),
        after in prop::collection::vec(op(), 0..24),
        later in prop::collection::vec(op(), 0..12),
    ) {
        let mut rolled = Tree::new();
        let mut reference = Tree::new();
        for op in &before {
            apply(&mut rolled, op);
            apply(&mut reference, op);
        }
        let cp = rolled.checkpoint();
        for op in &after {
            apply(&mut rolled, op);
        }
        rolled.rollback(cp);
        prop_assert_eq!(rolled.len(), reference.len());
        prop_assert_eq!(describe(&rolled), describe(&reference));
        prop_assert!(image(&rolled) == image(&reference), "images differ");
        // The lookup index and the children lists are back too: later changes get the same
        // answers.
        for op in &later {
            prop_assert_eq!(apply(&mut rolled, op), apply(&mut reference, op));
        }
        prop_assert_eq!(describe(&rolled), describe(&reference));
        prop_assert!(image(&rolled) == image(&reference), "images differ after later changes");
    }

    #[test]
    fn commit_keeps_what_followed_the_checkpoint(
        before in prop::collection::vec(op(), 0..16),
        after in prop::collection::vec(op(), 0..16),
    ) {
        let mut committed = Tree::new();
        let mut reference = Tree::new();
        for op in &before {
            apply(&mut committed, op);
            apply(&mut reference, op);
        }
        let cp = committed.checkpoint();
        for op in &after {
            prop_assert_eq!(apply(&mut committed, op), apply(&mut reference, op));
        }
        committed.commit(cp);
        prop_assert_eq!(describe(&committed), describe(&reference));
        prop_assert!(image(&committed) == image(&reference), "images differ");
    }
}

#[test]
fn a_replaced_file_and_its_date_come_back() {
    let mut t = Tree::new();
    let id = t.add_file(t.root(), "f", BytesSource::new(&b"first"[..])).unwrap();
    t.set_mtime(id, 1000);
    let before = describe(&t);
    let cp = t.checkpoint();
    t.add_placed_file(t.root(), "f", 3, 99, Overwrite::Replace).unwrap();
    t.set_mtime(id, 2000);
    t.add_dirs("x/y/z").unwrap();
    assert_ne!(describe(&t), before);
    t.rollback(cp);
    assert_eq!(describe(&t), before);
    assert_eq!(t.mtime(id), Some(1000));
    assert!(t.lookup("/x").is_none());
    assert_eq!(t.file_size(id), 5);
}

#[test]
fn a_host_walk_is_undone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/one"), b"1").unwrap();
    std::fs::write(dir.path().join("two"), b"22").unwrap();
    let mut t = Tree::new();
    t.add_file(t.root(), "kept", BytesSource::new(&b"k"[..])).unwrap();
    let before = describe(&t);
    let image_before = image(&t);
    let cp = t.checkpoint();
    t.add_host(t.root(), dir.path(), &Default::default()).unwrap();
    assert!(t.lookup("/sub/one").is_some());
    t.rollback(cp);
    assert_eq!(describe(&t), before);
    assert_eq!(image(&t), image_before);
    // The same walk again gives the same tree as a first walk.
    t.add_host(t.root(), dir.path(), &Default::default()).unwrap();
    let mut fresh = Tree::new();
    fresh.add_file(fresh.root(), "kept", BytesSource::new(&b"k"[..])).unwrap();
    fresh.add_host(fresh.root(), dir.path(), &Default::default()).unwrap();
    assert_eq!(describe(&t), describe(&fresh));
}

#[test]
fn a_foreign_or_ended_checkpoint_is_ignored() {
    let mut t = Tree::new();
    let mut other = Tree::new();
    let foreign = other.checkpoint();
    let cp = t.checkpoint();
    t.add_dir(t.root(), "a").unwrap();
    t.rollback(foreign);
    assert!(t.lookup("/a").is_some());
    t.commit(cp);
    let cp2 = t.checkpoint();
    t.add_dir(t.root(), "b").unwrap();
    t.rollback(cp2);
    assert!(t.lookup("/a").is_some());
    assert!(t.lookup("/b").is_none());
}

#[test]
fn nested_checkpoints_end_last_first() {
    let mut t = Tree::new();
    let outer = t.checkpoint();
    t.add_dir(t.root(), "a").unwrap();
    let inner = t.checkpoint();
    let f = t.add_file(t.root(), "f", BytesSource::new(&b"1"[..])).unwrap();
    t.set_mtime(f, 5);
    t.rollback(inner);
    assert!(t.lookup("/f").is_none());
    assert!(t.lookup("/a").is_some());
    t.rollback(outer);
    assert!(t.is_empty());
}
