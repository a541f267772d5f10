//! Path table rules: L and M are byte-swapped twins, each lists the tree's directories with
//! their extents, in order of level, parent number and name (§6.9.1).

use core::cmp::Ordering;
use std::collections::HashMap;

use super::scan::Scan;
use super::{Findings, Rule};
use crate::format::order::{iso_cmp, joliet_bytes_cmp};
use crate::read::path_table::read_path_table;
use crate::read::{text, Ctx, PathTableKind, PathTableRecord, TreeKind, Volume};

fn name(ns: TreeKind, kind: PathTableKind) -> &'static str {
    match (ns, kind) {
        (TreeKind::Iso, PathTableKind::L) => "ISO 9660 L path table",
        (TreeKind::Iso, PathTableKind::M) => "ISO 9660 M path table",
        (TreeKind::Joliet, PathTableKind::L) => "Joliet L path table",
        (TreeKind::Joliet, PathTableKind::M) => "Joliet M path table",
    }
}

/// Checks both path tables of `vol` against each other and against the scanned tree.
pub(crate) fn check(ctx: Ctx<'_>, vol: &Volume, scan: &Scan, f: &mut Findings) {
    let ns = vol.tree();
    let mut tables = Vec::new();
    for kind in [PathTableKind::L, PathTableKind::M] {
        match read_path_table(ctx, vol, kind) {
            Ok(t) => tables.push((kind, t)),
            Err(e) => f.read_error(name(ns, kind), &e),
        }
    }
    if let [(_, l), (_, m)] = &tables[..] {
        twins(ns, l, m, f);
    }
    for (kind, table) in &tables {
        compare_tree(ns, name(ns, *kind), table, scan, f);
    }
}

fn twins(ns: TreeKind, l: &[PathTableRecord<'_>], m: &[PathTableRecord<'_>], f: &mut Findings) {
    let what = if ns == TreeKind::Iso { "ISO 9660" } else { "Joliet" };
    if l.len() != m.len() {
        let msg =
            format!("{what}: the L path table has {} records, the M table {}", l.len(), m.len());
        f.push(Rule::PathTableTwins, msg);
        return;
    }
    for (i, (a, b)) in l.iter().zip(m).enumerate() {
        if a != b {
            let msg = format!(
                "{what}: record {} differs: L gives block {} parent {}, M gives block {} parent {}",
                i + 1,
                a.extent,
                a.parent,
                b.extent,
                b.parent
            );
            f.push(Rule::PathTableTwins, msg);
        }
    }
}

/// Rebuilds the tree `table` describes, checks its order and compares it with `scan`.
fn compare_tree(
    ns: TreeKind,
    table_name: &str,
    table: &[PathTableRecord<'_>],
    scan: &Scan,
    f: &mut Findings,
) {
    // (path, level) of each record; None where the record cannot be placed.
    let mut placed: Vec<Option<(String, u32)>> = Vec::with_capacity(table.len());
    for (i, rec) in table.iter().enumerate() {
        let number = i + 1;
        if i == 0 {
            if rec.ident[..] != [0] || rec.parent != 1 {
                f.push(
                    Rule::PathTableTree,
                    format!("{table_name}: the first record is not the root"),
                );
            }
            placed.push(Some((String::new(), 1)));
            continue;
        }
        let parent = usize::from(rec.parent);
        let place = match placed.get(parent.wrapping_sub(1)) {
            Some(Some((p, level))) if parent < number => {
                Some((format!("{p}/{}", text::decode(ns, &rec.ident)), level + 1))
            }
            _ => {
                let msg = format!(
                    "{table_name}: record {number} names parent {parent}, which is not an earlier record"
                );
                f.push(Rule::PathTableTree, msg);
                None
            }
        };
        if let (Some((prev_path, prev_level)), Some((path, level))) =
            (placed.last().and_then(Option::as_ref), place.as_ref())
        {
            if i >= 2 {
                let prev = table.get(i - 1);
                let ord = prev.map(|p| {
                    prev_level.cmp(level).then(p.parent.cmp(&rec.parent)).then_with(|| match ns {
                        TreeKind::Iso => iso_cmp(&p.ident, &rec.ident),
                        TreeKind::Joliet => joliet_bytes_cmp(&p.ident, &rec.ident),
                    })
                });
                if ord != Some(Ordering::Less) {
                    let msg = format!(
                        "{table_name}: record {number} ({path}) should come before record {i} ({prev_path})"
                    );
                    f.push(Rule::PathTableOrder, msg);
                }
            }
        }
        placed.push(place);
    }
    if !scan.complete {
        return;
    }
    let walked: HashMap<&str, u32> =
        scan.dirs.iter().map(|d| (d.path.as_str(), d.extent.block)).collect();
    let mut listed = HashMap::new();
    for (rec, place) in table.iter().zip(&placed) {
        let Some((path, _)) = place else { continue };
        listed.insert(path.as_str(), rec.extent);
        let shown = if path.is_empty() { "/" } else { path };
        match walked.get(path.as_str()) {
            None => {
                let msg = format!(
                    "{table_name}: {shown} (block {}) is not in the directory tree",
                    rec.extent
                );
                f.push(Rule::PathTableTree, msg);
            }
            Some(&block) if block != rec.extent => {
                let msg = format!(
                    "{table_name}: {shown} is at block {}, the tree has it at block {block}",
                    rec.extent
                );
                f.push(Rule::PathTableTree, msg);
            }
            Some(_) => {}
        }
    }
    for d in &scan.dirs {
        if !listed.contains_key(d.path.as_str()) {
            let shown = if d.path.is_empty() { "/" } else { &d.path };
            f.push(Rule::PathTableTree, format!("{table_name}: directory {shown} is missing"));
        }
    }
}
