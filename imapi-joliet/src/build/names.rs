//! Name policy: the ISO 9660 identifier and the Joliet identifier of every entry.
//!
//! # ISO 9660 names
//! Letters are upper-cased; `A–Z 0–9 _` are kept and every other character (dots inside the
//! name part, spaces, non-ASCII) becomes `_`. A file's extension is what follows its last dot.
//! Level 1 allows 8 + 3 characters and 8 for directories; levels 2 and 3 allow 30 for name plus
//! extension (an extension is cut to 10 characters only when the sum is too long) and 31 for
//! directories. Files get `;1`, directories no version.
//!
//! Names that collide inside one directory after this mapping are made unique
//! deterministically: entries are taken in the byte order of their original names; the first
//! keeps the mapped name, each later one gets the lowest decimal counter (cutting the name to
//! make room) that no other entry of the directory uses or will use. A counter per mapped
//! name resumes where it stopped, so `n` collisions cost O(n log n), not O(n²).
//!
//! # Joliet names
//! The original name in UCS-2, up to 64 code units, without `;1`. A longer name keeps its
//! extension (up to 16 units) and loses the end of its stem. Characters outside the Basic
//! Multilingual Plane follow [`NonBmpPolicy`]: replaced by `_` by default (as libisofs does,
//! since UCS-2 cannot hold them), or kept as UTF-16 surrogate pairs, which truncation never
//! splits. U+0000–U+001F and `* / : ; ? \` are refused with `IMAPI_E_BADJOLIETNAME`, or
//! replaced by `_` when asked. Names that collide after truncation or replacement get `~N`
//! before the extension; the build never aborts on a collision.

use std::collections::{HashMap, HashSet};

/// The ISO 9660 interchange level, which bounds identifier lengths and allows multi-extent
/// files (level 3 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum IsoLevel {
    /// 8.3 names, 8-character directories, one extent per file.
    L1,
    /// 30-character names, 31-character directories, one extent per file.
    L2,
    /// Level 2 names, and files of several sections (4 GiB and more).
    #[default]
    L3,
}

impl IsoLevel {
    /// The level for the numbers 1, 2 and 3.
    pub fn from_number(n: u8) -> Option<Self> {
        match n {
            1 => Some(Self::L1),
            2 => Some(Self::L2),
            3 => Some(Self::L3),
            _ => None,
        }
    }

    fn dir_max(self) -> usize {
        match self {
            Self::L1 => 8,
            _ => 31,
        }
    }
}

/// What to do with characters outside the Basic Multilingual Plane in Joliet names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NonBmpPolicy {
    /// Replace each such character by `_` (UCS-2 proper; the default).
    #[default]
    Replace,
    /// Keep them as UTF-16 surrogate pairs (readers that decode UTF-16 show them).
    Utf16,
}

/// Joliet identifier length limit in UCS-2 code units.
pub const JOLIET_MAX_UNITS: usize = 64;
const JOLIET_MAX_EXT: usize = 16;

/// Why a name cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    /// A character Joliet forbids.
    JolietForbidden(char),
    /// The name is empty or `.` / `..`.
    Reserved,
}

/// Maps one character to a d-character.
fn d_char(c: char) -> u8 {
    match c {
        'a'..='z' => c.to_ascii_uppercase() as u8,
        'A'..='Z' | '0'..='9' | '_' => c as u8,
        _ => b'_',
    }
}

fn d_chars(s: &str) -> Vec<u8> {
    s.chars().map(d_char).collect()
}

/// The mapped ISO 9660 parts of one name, before collision handling.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct IsoParts {
    base: Vec<u8>,
    /// `None` for a directory.
    ext: Option<Vec<u8>>,
}

impl IsoParts {
    fn key(&self) -> Vec<u8> {
        let mut k = self.base.clone();
        if let Some(ext) = self.ext.as_ref().filter(|e| !e.is_empty()) {
            k.push(b'.');
            k.extend_from_slice(ext);
        }
        k
    }

    /// The identifier as written in a directory record (`NAME.EXT;1` or `DIR`).
    fn identifier(&self) -> Vec<u8> {
        let mut id = self.base.clone();
        if let Some(ext) = &self.ext {
            id.push(b'.');
            id.extend_from_slice(ext);
            id.extend_from_slice(b";1");
        }
        id
    }
}

fn iso_parts(name: &str, is_dir: bool, level: IsoLevel) -> IsoParts {
    if is_dir {
        let mut base = d_chars(name);
        base.truncate(level.dir_max());
        if base.is_empty() {
            base.push(b'_');
        }
        return IsoParts { base, ext: None };
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) => (&name[..i], &name[i + 1..]),
        None => (name, ""),
    };
    let mut base = d_chars(stem);
    let mut ext = d_chars(ext);
    match level {
        IsoLevel::L1 => {
            base.truncate(8);
            ext.truncate(3);
        }
        IsoLevel::L2 | IsoLevel::L3 => {
            if base.len() + ext.len() > 30 {
                ext.truncate(10);
                base.truncate(30 - ext.len());
            }
        }
    }
    if base.is_empty() && ext.is_empty() {
        base.push(b'_');
    }
    IsoParts { base, ext: Some(ext) }
}

fn base_max(parts: &IsoParts, level: IsoLevel) -> usize {
    match (&parts.ext, level) {
        (None, _) => level.dir_max(),
        (Some(_), IsoLevel::L1) => 8,
        (Some(ext), _) => 30 - ext.len(),
    }
}

/// One entry of a directory, as the name policy sees it.
#[derive(Debug, Clone, Copy)]
pub struct NameInput<'a> {
    /// The entry's name in the tree.
    pub name: &'a str,
    /// Whether it is a directory.
    pub is_dir: bool,
}

/// Assigns unique ISO 9660 identifiers to the entries of one directory (see the module docs).
/// Returns the identifiers in input order, and for each whether collision handling changed it.
/// Fails only when a name has no room left for a counter (more than 10^8 collisions).
pub fn assign_iso_names(
    entries: &[NameInput<'_>],
    level: IsoLevel,
) -> Result<Vec<(Vec<u8>, bool)>, usize> {
    let parts: Vec<IsoParts> = entries.iter().map(|e| iso_parts(e.name, e.is_dir, level)).collect();
    let keys: Vec<Vec<u8>> = parts.iter().map(IsoParts::key).collect();
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| entries[a].name.as_bytes().cmp(entries[b].name.as_bytes()));

    let mut taken: HashSet<Vec<u8>> = keys.iter().cloned().collect();
    let mut claimed: HashSet<&[u8]> = HashSet::with_capacity(keys.len());
    let mut counters: HashMap<&[u8], u64> = HashMap::new();
    let mut out: Vec<(Vec<u8>, bool)> = vec![(Vec::new(), false); entries.len()];
    for &i in &order {
        let key = keys[i].as_slice();
        if claimed.insert(key) {
            out[i] = (parts[i].identifier(), false);
            continue;
        }
        let max = base_max(&parts[i], level);
        let next = counters.entry(key).or_insert(1);
        loop {
            let digits = next.to_string();
            if digits.len() > max {
                return Err(i);
            }
            let keep = parts[i].base.len().min(max - digits.len());
            let mut cand = parts[i].clone();
            cand.base.truncate(keep);
            cand.base.extend_from_slice(digits.as_bytes());
            *next += 1;
            let cand_key = cand.key();
            if taken.insert(cand_key) {
                out[i] = (cand.identifier(), true);
                break;
            }
        }
    }
    Ok(out)
}

/// Encodes `name` as Joliet UCS-2 units under `policy`; forbidden characters are an error
/// unless `replace_forbidden`, then `_`. Reports whether anything was replaced.
pub fn joliet_units(
    name: &str,
    policy: NonBmpPolicy,
    replace_forbidden: bool,
) -> Result<(Vec<u16>, bool), NameProblem> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(NameProblem::Reserved);
    }
    let mut out = Vec::with_capacity(name.len());
    let mut changed = false;
    for c in name.chars() {
        let forbidden = (c as u32) < 0x20 || matches!(c, '*' | '/' | ':' | ';' | '?' | '\\');
        if forbidden {
            if !replace_forbidden {
                return Err(NameProblem::JolietForbidden(c));
            }
            out.push(u16::from(b'_'));
            changed = true;
            continue;
        }
        let mut buf = [0u16; 2];
        let units = c.encode_utf16(&mut buf);
        if units.len() == 2 && policy == NonBmpPolicy::Replace {
            out.push(u16::from(b'_'));
            changed = true;
        } else {
            out.extend_from_slice(units);
        }
    }
    Ok((out, changed))
}

fn is_high_surrogate(u: u16) -> bool {
    (0xD800..0xDC00).contains(&u)
}

/// Cuts `units` to at most `max` units without splitting a surrogate pair.
fn cut_units(units: &[u16], max: usize) -> &[u16] {
    if units.len() <= max {
        return units;
    }
    let mut end = max;
    if end > 0 && is_high_surrogate(units[end - 1]) {
        end -= 1;
    }
    &units[..end]
}

/// Splits a Joliet name into stem and extension (with its dot) when the extension is short
/// enough to keep.
fn split_joliet_ext(units: &[u16]) -> (&[u16], &[u16]) {
    let dot = u16::from(b'.');
    match units.iter().rposition(|&u| u == dot) {
        Some(i) if i > 0 && units.len() - i <= JOLIET_MAX_EXT + 1 => units.split_at(i),
        _ => (units, &[]),
    }
}

/// `stem + suffix + ext`, the stem cut so the whole fits in 64 units.
fn fit_joliet(stem: &[u16], suffix: &[u16], ext: &[u16]) -> Vec<u16> {
    let room = JOLIET_MAX_UNITS.saturating_sub(suffix.len() + ext.len());
    let mut out = cut_units(stem, room).to_vec();
    out.extend_from_slice(suffix);
    out.extend_from_slice(ext);
    out
}

/// Assigns unique Joliet identifiers (≤ 64 units) to one directory's entries, given their
/// full UCS-2 names in input order. Returns the identifiers and whether each was changed.
pub fn assign_joliet_names(full: &[Vec<u16>]) -> Vec<(Vec<u16>, bool)> {
    let fitted: Vec<Vec<u16>> = full
        .iter()
        .map(|u| {
            if u.len() <= JOLIET_MAX_UNITS {
                u.clone()
            } else {
                let (stem, ext) = split_joliet_ext(u);
                fit_joliet(stem, &[], ext)
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..full.len()).collect();
    order.sort_by(|&a, &b| full[a].cmp(&full[b]));
    let mut taken: HashSet<Vec<u16>> = fitted.iter().cloned().collect();
    let mut claimed: HashSet<&[u16]> = HashSet::with_capacity(full.len());
    let mut counters: HashMap<&[u16], u64> = HashMap::new();
    let mut out: Vec<(Vec<u16>, bool)> = vec![(Vec::new(), false); full.len()];
    for &i in &order {
        let key = fitted[i].as_slice();
        if claimed.insert(key) {
            out[i] = (fitted[i].clone(), fitted[i] != full[i]);
            continue;
        }
        let (stem, ext) = split_joliet_ext(&full[i]);
        let next = counters.entry(key).or_insert(1);
        loop {
            let suffix: Vec<u16> = format!("~{next}").encode_utf16().collect();
            *next += 1;
            let cand = fit_joliet(stem, &suffix, ext);
            if taken.insert(cand.clone()) {
                out[i] = (cand, true);
                break;
            }
        }
    }
    out
}

/// Appends to `out` the ISO 9660 identifier [`assign_iso_names`] gives `name` when nothing
/// collides with it, without allocating.
pub(super) fn push_iso_identifier(name: &str, is_dir: bool, level: IsoLevel, out: &mut Vec<u8>) {
    let start = out.len();
    if is_dir {
        out.extend(name.chars().take(level.dir_max()).map(d_char));
        if out.len() == start {
            out.push(b'_');
        }
        return;
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) => (&name[..i], &name[i + 1..]),
        None => (name, ""),
    };
    let (stem_n, ext_n) = (stem.chars().count(), ext.chars().count());
    let (base_n, ext_n) = match level {
        IsoLevel::L1 => (stem_n.min(8), ext_n.min(3)),
        IsoLevel::L2 | IsoLevel::L3 if stem_n + ext_n > 30 => {
            let ext_n = ext_n.min(10);
            (stem_n.min(30 - ext_n), ext_n)
        }
        IsoLevel::L2 | IsoLevel::L3 => (stem_n, ext_n),
    };
    out.extend(stem.chars().take(base_n).map(d_char));
    if base_n == 0 && ext_n == 0 {
        out.push(b'_');
    }
    out.push(b'.');
    out.extend(ext.chars().take(ext_n).map(d_char));
    out.extend_from_slice(b";1");
}

/// The key two ISO 9660 identifiers collide on: the identifier without `;1`, and without
/// its dot when the extension is empty (a file `A` and a directory `A` collide).
pub(super) fn iso_collision_key(id: &[u8]) -> &[u8] {
    let id = id.strip_suffix(b";1").unwrap_or(id);
    id.strip_suffix(b".").unwrap_or(id)
}

/// Appends to `out` the Joliet identifier of `name` as UCS-2 big-endian bytes when
/// [`joliet_units`] and [`assign_joliet_names`] would keep it as it is (every character
/// allowed and in the BMP, at most 64 units, not reserved) and no other name of the
/// directory is the same; returns false, leaving `out` as it was, when the name needs the
/// policy's other rules.
pub(super) fn push_plain_joliet(name: &str, out: &mut Vec<u8>) -> bool {
    if name.is_empty() || name == "." || name == ".." {
        return false;
    }
    let start = out.len();
    let mut units = 0;
    for c in name.chars() {
        let forbidden = (c as u32) < 0x20 || matches!(c, '*' | '/' | ':' | ';' | '?' | '\\');
        let Ok(unit) = u16::try_from(c as u32) else {
            out.truncate(start);
            return false;
        };
        units += 1;
        if forbidden || units > JOLIET_MAX_UNITS {
            out.truncate(start);
            return false;
        }
        out.extend_from_slice(&unit.to_be_bytes());
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(names: &[(&str, bool)], level: IsoLevel) -> Vec<String> {
        let inputs: Vec<NameInput<'_>> =
            names.iter().map(|&(name, is_dir)| NameInput { name, is_dir }).collect();
        assign_iso_names(&inputs, level)
            .unwrap()
            .into_iter()
            .map(|(id, _)| String::from_utf8(id).unwrap())
            .collect()
    }

    #[test]
    fn iso_mapping_by_level() {
        assert_eq!(
            iso(&[("readme.txt", false), ("Long File Name.html", false)], IsoLevel::L1),
            ["README.TXT;1", "LONG_FIL.HTM;1"]
        );
        assert_eq!(
            iso(&[("a.b.c", false), (".bashrc", false)], IsoLevel::L3),
            ["A_B.C;1", ".BASHRC;1"]
        );
        assert_eq!(
            iso(&[("noext", false), ("my.dir", true)], IsoLevel::L2),
            ["NOEXT.;1", "MY_DIR"]
        );
        let long = "x".repeat(40) + ".extension_long";
        let got = iso(&[(&long, false)], IsoLevel::L3);
        assert_eq!(got[0], format!("{}.EXTENSION_;1", "X".repeat(20)));
        assert_eq!(iso(&[(&"d".repeat(40), true)], IsoLevel::L3)[0], "D".repeat(31));
    }

    #[test]
    fn collisions_get_counters_that_never_steal_a_real_name() {
        let got = iso(
            &[("abcdefgh1.txt", false), ("abcdefghij.txt", false), ("abcdefgh.txt", false)],
            IsoLevel::L1,
        );
        // Byte order of the originals: abcdefgh.txt, abcdefgh1.txt, abcdefghij.txt.
        assert_eq!(got, ["ABCDEFG1.TXT;1", "ABCDEFG2.TXT;1", "ABCDEFGH.TXT;1"]);
        // A file and a directory with the same base collide too ("FOO" sorts before "foo").
        let got = iso(&[("foo", true), ("FOO", false)], IsoLevel::L3);
        assert_eq!(got, ["FOO1", "FOO.;1"]);
    }

    #[test]
    fn fifty_thousand_collisions_are_unique_and_deterministic() {
        let names: Vec<String> = (0..50_000).map(|i| format!("collide-{i:05}-name.dat")).collect();
        let inputs: Vec<NameInput<'_>> =
            names.iter().map(|n| NameInput { name: n, is_dir: false }).collect();
        let a = assign_iso_names(&inputs, IsoLevel::L1).unwrap();
        let unique: HashSet<&Vec<u8>> = a.iter().map(|(id, _)| id).collect();
        assert_eq!(unique.len(), names.len());
        assert!(a.iter().all(|(id, _)| id.len() <= 8 + 1 + 3 + 2));
        let mut reversed = inputs.clone();
        reversed.reverse();
        let mut b = assign_iso_names(&reversed, IsoLevel::L1).unwrap();
        b.reverse();
        assert_eq!(a, b, "names must not depend on input order");
    }

    #[test]
    fn joliet_forbidden_and_non_bmp() {
        assert_eq!(
            joliet_units("a:b", NonBmpPolicy::Replace, false),
            Err(NameProblem::JolietForbidden(':'))
        );
        let (u, changed) = joliet_units("a:b", NonBmpPolicy::Replace, true).unwrap();
        assert_eq!((String::from_utf16(&u).unwrap().as_str(), changed), ("a_b", true));
        let (u, changed) = joliet_units("a😀b.txt", NonBmpPolicy::Replace, false).unwrap();
        assert_eq!((String::from_utf16(&u).unwrap().as_str(), changed), ("a_b.txt", true));
        let (u, _) = joliet_units("a😀b.txt", NonBmpPolicy::Utf16, false).unwrap();
        assert_eq!(u.len(), 8);
        assert_eq!(joliet_units("..", NonBmpPolicy::Replace, false), Err(NameProblem::Reserved));
    }

    #[test]
    fn long_joliet_names_keep_extension_and_stay_unique() {
        let a: Vec<u16> = ("n".repeat(70) + ".txt").encode_utf16().collect();
        let b: Vec<u16> = ("n".repeat(70) + ".dat").encode_utf16().collect();
        let c: Vec<u16> = ("n".repeat(70) + "x.txt").encode_utf16().collect();
        let got = assign_joliet_names(&[a, b, c]);
        let names: Vec<String> = got.iter().map(|(u, _)| String::from_utf16(u).unwrap()).collect();
        assert!(got.iter().all(|(u, changed)| u.len() <= 64 && *changed));
        assert!(
            names[0].ends_with(".txt") && names[1].ends_with(".dat") && names[2].ends_with(".txt")
        );
        assert_ne!(names[0], names[2]);
        assert!(names[2].ends_with("~1.txt") || names[0].ends_with("~1.txt"));
    }

    #[test]
    fn truncation_never_splits_a_surrogate_pair() {
        let name = "a".repeat(63) + "😀😀";
        let (u, _) = joliet_units(&name, NonBmpPolicy::Utf16, false).unwrap();
        let got = assign_joliet_names(&[u]);
        let (units, _) = &got[0];
        assert_eq!(units.len(), 63);
        assert!(String::from_utf16(units).is_ok());
    }

    #[test]
    fn plain_builders_match_the_full_rules() {
        let names = [
            "readme.txt",
            "Long File Name.html",
            "a.b.c",
            ".bashrc",
            "noext",
            "my.dir",
            "é.txt",
            "日本語.テキスト",
            "x.",
            ".",
            "a..b",
            "UPPER.lower",
            "trailing.",
        ];
        let long = "x".repeat(40) + ".extension_long";
        let longer = "y".repeat(29) + ".ab";
        let all: Vec<&str> =
            names.iter().copied().chain([long.as_str(), longer.as_str()]).collect();
        for level in [IsoLevel::L1, IsoLevel::L2, IsoLevel::L3] {
            for &name in &all {
                for is_dir in [false, true] {
                    let full = assign_iso_names(&[NameInput { name, is_dir }], level).unwrap();
                    let mut fast = Vec::new();
                    push_iso_identifier(name, is_dir, level, &mut fast);
                    assert_eq!(fast, full[0].0, "{name:?} {is_dir} {level:?}");
                }
            }
        }
        for name in all.iter().copied().chain(["a:b", "a😀", "..", &"z".repeat(65)]) {
            let mut fast = Vec::new();
            let plain = push_plain_joliet(name, &mut fast);
            let full = joliet_units(name, NonBmpPolicy::Replace, false)
                .map(|(u, changed)| (assign_joliet_names(&[u]), changed));
            match full {
                Ok((assigned, false)) if !assigned[0].1 => {
                    assert!(plain, "{name:?}");
                    let units: Vec<u8> =
                        assigned[0].0.iter().flat_map(|u| u.to_be_bytes()).collect();
                    assert_eq!(fast, units, "{name:?}");
                }
                _ => assert!(!plain && fast.is_empty(), "{name:?}"),
            }
        }
        assert_eq!(iso_collision_key(b"A.;1"), b"A");
        assert_eq!(iso_collision_key(b"A.B;1"), b"A.B");
        assert_eq!(iso_collision_key(b"DIR"), b"DIR");
    }
}
