//! Checks taken from ECMA-119 and the Joliet specification directly (reference §3), applied to
//! the raw records and path tables pycdlib located. Written apart from imapi-joliet on
//! purpose: the writer's own sort and name code is never called here.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::probe::{ProbeDir, ProbeTree, RawRecord};

const BLOCK: u32 = 2048;

/// Compares two byte strings, the shorter padded with `pad`.
fn pad_cmp(a: &[u8], b: &[u8], pad: u8) -> Ordering {
    (0..a.len().max(b.len()))
        .map(|i| a.get(i).copied().unwrap_or(pad).cmp(&b.get(i).copied().unwrap_or(pad)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// ECMA-119 §9.3: file name (before the first `.`) padded with 0x20, then extension (up to
/// `;`) padded with 0x20, then version number descending. A directory identifier is all name.
pub fn iso_order(a: &[u8], b: &[u8]) -> Ordering {
    /// Name, extension and version of an identifier.
    fn split(id: &[u8]) -> (&[u8], &[u8], u32) {
        let (stem, version) = match id.iter().position(|&c| c == b';') {
            Some(i) => (
                &id[..i],
                std::str::from_utf8(&id[i + 1..]).ok().and_then(|v| v.parse().ok()).unwrap_or(0),
            ),
            None => (id, 0),
        };
        match stem.iter().position(|&c| c == b'.') {
            Some(i) => (&stem[..i], &stem[i + 1..], version),
            None => (stem, &[][..], version),
        }
    }
    let (an, ae, av) = split(a);
    let (bn, be, bv) = split(b);
    pad_cmp(an, bn, b' ').then_with(|| pad_cmp(ae, be, b' ')).then_with(|| bv.cmp(&av))
}

/// Joliet order: the same rule with 0x00 padding. xorriso and genisoimage both order whole
/// names by UCS-2 code units (checked in `sort_order_follows_ecma_119_9_3`), which is what
/// comparing the big-endian identifier bytes does.
pub fn joliet_order(a: &[u8], b: &[u8]) -> Ordering {
    a.cmp(b)
}

/// Decodes a big-endian UCS-2 identifier.
pub fn ucs2(id: &[u8]) -> String {
    let units: Vec<u16> =
        id.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
    String::from_utf16_lossy(&units)
}

/// d-characters (ECMA-119 §7.4.1): `A–Z 0–9 _`.
pub fn is_d_chars(s: &[u8]) -> bool {
    s.iter().all(|&c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
}

/// Whether `id` is a valid file identifier at `level` (§7.5.1, §7.6.3 / level 1 rules):
/// `NAME.EXT;1`, d-characters, name or extension non-empty, lengths by level.
pub fn valid_iso_file_id(id: &[u8], level: u8) -> bool {
    let Some(stem) = id.strip_suffix(b";1") else { return false };
    let Some(dot) = stem.iter().position(|&c| c == b'.') else { return false };
    let (name, ext) = (&stem[..dot], &stem[dot + 1..]);
    let lengths = match level {
        1 => name.len() <= 8 && ext.len() <= 3,
        _ => name.len() + ext.len() <= 30,
    };
    is_d_chars(name) && is_d_chars(ext) && name.len() + ext.len() > 0 && lengths
}

/// Whether `id` is a valid directory identifier at `level`: d-characters, 1–8 (level 1) or
/// 1–31 characters, no version.
pub fn valid_iso_dir_id(id: &[u8], level: u8) -> bool {
    let max = if level == 1 { 8 } else { 31 };
    !id.is_empty() && id.len() <= max && is_d_chars(id)
}

/// A record's identifier as text, for messages.
fn record_name(r: &RawRecord, joliet: bool) -> String {
    if joliet {
        ucs2(&r.id)
    } else {
        String::from_utf8_lossy(&r.id).into_owned()
    }
}

/// The layout rules for one directory extent (§6.8.1, §9.1): `.` then `..`, records that never
/// cross a sector, zero bytes after the last record of a sector, a size in whole sectors,
/// both-endian fields that agree, and children in sort order (sections of one multi-extent
/// file next to each other, flag bit 7 on all but the last).
pub fn check_dir(dir: &ProbeDir, joliet: bool, tree: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let at = |r: &RawRecord| format!("{tree} {} record at {}", dir.path, r.offset);
    if dir.size % BLOCK != 0 {
        bad.push(format!("{tree} {}: size {} is not whole sectors", dir.path, dir.size));
    }
    if dir.read != dir.size {
        bad.push(format!("{tree} {}: only {} of {} bytes readable", dir.path, dir.read, dir.size));
    }
    let ids: Vec<&[u8]> = dir.records.iter().map(|r| r.id.as_slice()).collect();
    if ids.len() < 2 || ids[0] != [0] || ids[1] != [1] {
        bad.push(format!("{tree} {}: does not start with `.` and `..`", dir.path));
    }
    if let Some(dot) = dir.records.first() {
        if dot.extent_le != dir.extent || dot.size_le != dir.size {
            bad.push(format!("{tree} {}: `.` does not describe the directory itself", dir.path));
        }
    }
    for r in &dir.records {
        if r.offset / BLOCK != (r.offset + r.len - 1) / BLOCK {
            bad.push(format!("{}: crosses a sector boundary (length {})", at(r), r.len));
        }
        if r.len % 2 != 0 || (r.len as usize) < 33 + r.id.len() {
            bad.push(format!("{}: bad length {}", at(r), r.len));
        }
        if r.extent_le != r.extent_be || r.size_le != r.size_be {
            bad.push(format!("{}: both-endian fields disagree", at(r)));
        }
        if r.flags & 0x60 != 0 {
            bad.push(format!("{}: reserved flag bits set ({:#04x})", at(r), r.flags));
        }
    }
    for g in &dir.gaps {
        if !g.zero {
            bad.push(format!(
                "{tree} {}: bytes {}..{} after the last record are not zero",
                dir.path, g.from, g.to
            ));
        }
    }
    let children = dir.records.get(2..).unwrap_or(&[]);
    for pair in children.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let ord = if joliet { joliet_order(&a.id, &b.id) } else { iso_order(&a.id, &b.id) };
        let ok = match ord {
            Ordering::Less => a.flags & 0x80 == 0,
            Ordering::Equal => a.flags & 0x80 != 0,
            Ordering::Greater => false,
        };
        if !ok {
            bad.push(format!(
                "{tree} {}: {:?} (flags {:#04x}) is recorded before {:?}, against {}",
                dir.path,
                record_name(a, joliet),
                a.flags,
                record_name(b, joliet),
                if joliet { "Joliet order" } else { "ECMA-119 §9.3" }
            ));
        }
    }
    if let Some(last) = children.last() {
        if last.flags & 0x80 != 0 {
            bad.push(format!("{tree} {}: last record has the multi-extent flag", dir.path));
        }
    }
    bad
}

/// The path table rules (§6.9, §9.4): L and M tables hold the same records; the first is the
/// root (identifier 0x00, parent 1, the root's extent); every other record names a directory
/// of the walked tree by its parent's number and its identifier, with that directory's extent;
/// every directory is there once; records are ordered by level, then parent number, then
/// identifier.
pub fn check_path_table(tree: &ProbeTree, joliet: bool, name: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let (l, m) = (&tree.path_table_l, &tree.path_table_m);
    if l.rows != m.rows {
        bad.push(format!("{name}: the L and M path tables differ"));
    }
    let rows = &l.rows;
    let Some(root) = rows.first() else {
        bad.push(format!("{name}: empty path table"));
        return bad;
    };
    let root_dir = tree.dir("/");
    if root.id != [0] || root.parent != 1 || Some(root.extent) != root_dir.map(|d| d.extent) {
        bad.push(format!("{name}: the first path table record is not the root"));
    }
    // Rebuild every path from the table.
    let mut paths: Vec<String> = vec!["/".to_string()];
    let mut levels: Vec<usize> = vec![1];
    for (i, r) in rows.iter().enumerate().skip(1) {
        let p = usize::from(r.parent);
        if p == 0 || p > i {
            bad.push(format!("{name}: record {} has parent {} (not an earlier record)", i + 1, p));
            paths.push(String::new());
            levels.push(0);
            continue;
        }
        let id = if joliet { ucs2(&r.id) } else { String::from_utf8_lossy(&r.id).into_owned() };
        let parent = &paths[p - 1];
        paths.push(if parent == "/" { format!("/{id}") } else { format!("{parent}/{id}") });
        levels.push(levels[p - 1] + 1);
    }
    let from_table: BTreeMap<&str, u32> =
        paths.iter().zip(rows).map(|(p, r)| (p.as_str(), r.extent)).collect();
    let walked: BTreeMap<&str, u32> =
        tree.dirs.iter().map(|d| (d.path.as_str(), d.extent)).collect();
    if from_table.len() != rows.len() {
        bad.push(format!("{name}: a directory appears twice in the path table"));
    }
    if from_table != walked {
        let missing: Vec<_> =
            walked.iter().filter(|(p, e)| from_table.get(*p) != Some(e)).collect();
        let extra: Vec<_> = from_table.iter().filter(|(p, e)| walked.get(*p) != Some(e)).collect();
        bad.push(format!(
            "{name}: path table and directory tree disagree: not in the table {missing:?}, \
             only in the table {extra:?}"
        ));
    }
    for i in 2..rows.len() {
        let (a, b) = (&rows[i - 1], &rows[i]);
        let key = levels[i - 1].cmp(&levels[i]).then(a.parent.cmp(&b.parent)).then_with(|| {
            if joliet {
                joliet_order(&a.id, &b.id)
            } else {
                iso_order(&a.id, &b.id)
            }
        });
        if key != Ordering::Less {
            bad.push(format!("{name}: path table records {} and {} are out of order", i, i + 1));
        }
    }
    bad
}

/// A 7-byte recording date (§9.1.5): (year, month, day, hour, minute, second, offset in
/// 15-minute units).
pub fn date7(b: &[u8]) -> (i32, u8, u8, u8, u8, u8, i8) {
    (1900 + i32::from(b[0]), b[1], b[2], b[3], b[4], b[5], b[6] as i8)
}

/// A 17-byte descriptor date (§8.4.26.1): the 16 digits and the offset byte.
pub fn date17(b: &[u8]) -> (String, i8) {
    (String::from_utf8_lossy(&b[..16]).into_owned(), b[16] as i8)
}
