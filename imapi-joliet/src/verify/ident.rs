//! Identifier rules: d-characters, separators, versions and lengths in ISO 9660 (§7.5,
//! §7.6), UCS-2 length and forbidden characters in Joliet; and the interchange level the
//! ISO 9660 names need.

use super::{Findings, Rule};
use crate::format::order::split_iso_id;
use crate::read::text::ucs2_units;

/// The longest names met in an ISO 9660 tree, for the interchange level.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct LevelStats {
    pub max_name: usize,
    pub max_ext: usize,
    pub max_dir: usize,
    pub multi_extent: bool,
}

impl LevelStats {
    /// 3 with several sections to a file; 1 when every name fits 8.3 and every directory
    /// 8 characters; else 2.
    pub fn level(&self) -> u8 {
        if self.multi_extent {
            3
        } else if self.max_name <= 8 && self.max_ext <= 3 && self.max_dir <= 8 {
            1
        } else {
            2
        }
    }
}

fn is_d_char(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'
}

fn show(ident: &[u8]) -> String {
    String::from_utf8_lossy(ident).into_owned()
}

/// Checks an ISO 9660 identifier met at `path`.
pub(crate) fn check_iso(
    ident: &[u8],
    is_dir: bool,
    path: &str,
    stats: &mut LevelStats,
    f: &mut Findings,
) {
    let shown = show(ident);
    if is_dir {
        if ident.contains(&b';') {
            f.push(
                Rule::Version,
                format!("{path}: directory identifier {shown:?} carries a version"),
            );
        }
        if let Some(&b) = ident.iter().find(|&&b| !is_d_char(b)) {
            let msg = format!("{path}: directory identifier {shown:?} holds {:?}", char::from(b));
            f.push(Rule::IsoChars, msg);
        }
        stats.max_dir = stats.max_dir.max(ident.len());
        if ident.len() > 31 {
            let msg =
                format!("{path}: directory identifier of {} characters, more than 31", ident.len());
            f.push(Rule::IsoLength, msg);
        }
        return;
    }
    let parts = split_iso_id(ident);
    match parts.version {
        Some(1..=32767) => {}
        Some(v) => f.push(Rule::Version, format!("{path}: version {v} is outside 1..32767")),
        None => f.push(Rule::Version, format!("{path}: file identifier {shown:?} has no version")),
    }
    let stem_len = parts.name.len() + parts.ext.len();
    let has_dot = ident.split(|&b| b == b';').next().is_some_and(|s| s.contains(&b'.'));
    if !has_dot {
        f.push(Rule::IsoChars, format!("{path}: file identifier {shown:?} has no `.` separator"));
    } else if stem_len == 0 {
        f.push(
            Rule::IsoChars,
            format!("{path}: file identifier {shown:?} has neither name nor extension"),
        );
    }
    let bad = parts.name.iter().chain(parts.ext).find(|&&b| !is_d_char(b));
    if let Some(&b) = bad {
        let msg = format!("{path}: file identifier {shown:?} holds {:?}", char::from(b));
        f.push(Rule::IsoChars, msg);
    }
    stats.max_name = stats.max_name.max(parts.name.len());
    stats.max_ext = stats.max_ext.max(parts.ext.len());
    if stem_len > 30 {
        let msg = format!("{path}: file name and extension of {stem_len} characters, more than 30");
        f.push(Rule::IsoLength, msg);
    }
}

/// Checks a Joliet identifier (UCS-2 big-endian bytes) met at `path`.
pub(crate) fn check_joliet(ident: &[u8], path: &str, f: &mut Findings) {
    if ident.len() % 2 != 0 {
        f.push(
            Rule::JolietChars,
            format!("{path}: identifier of {} bytes, an odd length", ident.len()),
        );
    }
    let units: Vec<u16> = ucs2_units(ident).collect();
    if units.len() > 64 {
        f.push(
            Rule::JolietLength,
            format!("{path}: identifier of {} UCS-2 units, more than 64", units.len()),
        );
    }
    // A version `;N` at the end is the one place a `;` may stand.
    let stem = match units.iter().rposition(|&u| u == u16::from(b';')) {
        Some(i)
            if i + 1 < units.len()
                && units
                    .get(i + 1..)
                    .unwrap_or_default()
                    .iter()
                    .all(|&u| (0x30..=0x39).contains(&u)) =>
        {
            units.get(..i).unwrap_or_default()
        }
        _ => &units,
    };
    let forbidden = |u: u16| u < 0x20 || b"*/:;?\\".iter().any(|&b| u16::from(b) == u);
    if let Some(&u) = stem.iter().find(|&&u| forbidden(u)) {
        f.push(Rule::JolietChars, format!("{path}: identifier holds the forbidden U+{u:04X}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::testkit::ucs2;

    fn iso(ident: &[u8], is_dir: bool) -> (Vec<Rule>, LevelStats) {
        let mut f = Findings::default();
        let mut stats = LevelStats::default();
        check_iso(ident, is_dir, "/X", &mut stats, &mut f);
        (f.finish(true).0.into_iter().map(|x| x.rule).collect(), stats)
    }

    fn joliet(name: &str) -> Vec<Rule> {
        let mut f = Findings::default();
        check_joliet(&ucs2(name), "/x", &mut f);
        f.finish(true).0.into_iter().map(|x| x.rule).collect()
    }

    #[test]
    fn iso_identifiers() {
        assert_eq!(iso(b"README.TXT;1", false).0, []);
        assert_eq!(iso(b"README.;1", false).0, []);
        assert_eq!(iso(b"README.TXT", false).0, [Rule::Version]);
        assert_eq!(iso(b"README;1", false).0, [Rule::IsoChars]);
        assert_eq!(iso(b"readme.txt;1", false).0, [Rule::IsoChars]);
        assert_eq!(iso(b"A.B;0", false).0, [Rule::Version]);
        assert_eq!(iso(b"DIR;1", true).0, [Rule::IsoChars, Rule::Version]);
        assert_eq!(iso(b"DIR.X", true).0, [Rule::IsoChars]);
        assert_eq!(iso(&[b'D'; 32], true).0, [Rule::IsoLength]);
        let long = [&[b'N'; 28][..], b".EXT;1"].concat();
        assert_eq!(iso(&long, false).0, [Rule::IsoLength]);
    }

    #[test]
    fn levels_follow_the_longest_names() {
        assert_eq!(iso(b"ABCDEFGH.TXT;1", false).1.level(), 1);
        assert_eq!(iso(b"ABCDEFGHI.TXT;1", false).1.level(), 2);
        assert_eq!(iso(b"A.TEXT;1", false).1.level(), 2);
        assert_eq!(iso(b"DIRECTORY", true).1.level(), 2);
        let stats = LevelStats { multi_extent: true, ..LevelStats::default() };
        assert_eq!(stats.level(), 3);
    }

    #[test]
    fn joliet_identifiers() {
        assert_eq!(joliet("caf\u{e9} au lait.txt"), []);
        assert_eq!(joliet("with version.txt;1"), []);
        assert_eq!(joliet("a:b"), [Rule::JolietChars]);
        assert_eq!(joliet("a;b"), [Rule::JolietChars]);
        assert_eq!(joliet("tab\there"), [Rule::JolietChars]);
        assert_eq!(joliet(&"x".repeat(64)), []);
        assert_eq!(joliet(&"x".repeat(65)), [Rule::JolietLength]);
        let mut f = Findings::default();
        check_joliet(&[0, b'a', 0], "/x", &mut f);
        assert_eq!(f.finish(true).0[0].rule, Rule::JolietChars);
    }
}
