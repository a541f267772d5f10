//! The orders records are sorted in: ECMA-119 §9.3 for the ISO 9660 tree and path tables, and
//! code-unit order for Joliet.
//!
//! §9.3 compares the file name (the part before the `.`), padding the shorter with 0x20, then
//! the extension the same way, then the version number *descending*. A plain byte compare of
//! `NAME.EXT;1` gets `FILE.;1` / `FILE.0;1` and `FILE.TX;1` / `FILE.TX1;1` wrong, because `;`
//! (0x3B) sorts above the digits. Joliet keeps the same rule with 0x00 padding, which is the
//! lexicographic order of the UCS-2 code units of the whole name (`;1` is not written there).

use core::cmp::Ordering;

/// The three parts of an ISO 9660 file identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsoIdParts<'a> {
    /// The file name, before the separator `.`.
    pub name: &'a [u8],
    /// The extension, between `.` and `;` (empty for directories).
    pub ext: &'a [u8],
    /// The version number after `;`, if any (directories have none).
    pub version: Option<u32>,
}

/// Splits an ISO 9660 identifier `NAME.EXT;VER` into its parts. A directory identifier (no `.`
/// or `;`) is all name. A version that is not a decimal number is kept as part of the extension.
pub fn split_iso_id(id: &[u8]) -> IsoIdParts<'_> {
    let (stem, version) = match id.iter().rposition(|&b| b == b';') {
        Some(i) => {
            let digits = &id[i + 1..];
            let v = core::str::from_utf8(digits).ok().and_then(|s| s.parse::<u32>().ok());
            match v {
                Some(v) if !digits.is_empty() => (&id[..i], Some(v)),
                _ => (id, None),
            }
        }
        None => (id, None),
    };
    match stem.iter().position(|&b| b == b'.') {
        Some(i) => IsoIdParts { name: &stem[..i], ext: &stem[i + 1..], version },
        None => IsoIdParts { name: stem, ext: &[], version },
    }
}

fn cmp_padded(a: &[u8], b: &[u8], pad: u8) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let x = a.get(i).copied().unwrap_or(pad);
        let y = b.get(i).copied().unwrap_or(pad);
        match x.cmp(&y) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    Ordering::Equal
}

/// Orders two ISO 9660 identifiers (file or directory) by ECMA-119 §9.3.
pub fn iso_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let (pa, pb) = (split_iso_id(a), split_iso_id(b));
    cmp_padded(pa.name, pb.name, b' ')
        .then_with(|| cmp_padded(pa.ext, pb.ext, b' '))
        .then_with(|| pb.version.cmp(&pa.version))
}

/// Orders two Joliet identifiers given as UCS-2 code units (big-endian bytes or decoded
/// units give the same order), padding the shorter with 0x0000.
pub fn joliet_cmp(a: &[u16], b: &[u16]) -> Ordering {
    a.cmp(b)
}

/// Orders two Joliet identifiers given as raw big-endian UCS-2 bytes.
pub fn joliet_bytes_cmp(a: &[u8], b: &[u8]) -> Ordering {
    a.cmp(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut v: Vec<&'static str>) -> Vec<&'static str> {
        v.sort_by(|a, b| iso_cmp(a.as_bytes(), b.as_bytes()));
        v
    }

    #[test]
    fn section_9_3_pairs() {
        assert_eq!(sorted(vec!["FILE.0;1", "FILE.;1"]), ["FILE.;1", "FILE.0;1"]);
        assert_eq!(sorted(vec!["FILE.TX1;1", "FILE.TX;1"]), ["FILE.TX;1", "FILE.TX1;1"]);
        assert_eq!(sorted(vec!["A_B.;1", "AB.;1", "A.B;1"]), ["A.B;1", "AB.;1", "A_B.;1"]);
        assert_eq!(sorted(vec!["X.;1", "X.;2"]), ["X.;2", "X.;1"]);
        assert_eq!(sorted(vec!["DIR_B", "DIR", "DIRA"]), ["DIR", "DIRA", "DIR_B"]);
    }

    #[test]
    fn split_keeps_odd_versions_in_the_extension() {
        let p = split_iso_id(b"NAME.EXT;12");
        assert_eq!((p.name, p.ext, p.version), (&b"NAME"[..], &b"EXT"[..], Some(12)));
        let q = split_iso_id(b"NAME.E;X");
        assert_eq!((q.name, q.ext, q.version), (&b"NAME"[..], &b"E;X"[..], None));
        let r = split_iso_id(b"DIR");
        assert_eq!((r.name, r.ext, r.version), (&b"DIR"[..], &b""[..], None));
    }

    #[test]
    fn joliet_sorts_by_code_units() {
        let a: Vec<u16> = "a.b".encode_utf16().collect();
        let b: Vec<u16> = "ab".encode_utf16().collect();
        let c: Vec<u16> = "a".encode_utf16().collect();
        assert_eq!(joliet_cmp(&a, &b), Ordering::Less);
        assert_eq!(joliet_cmp(&c, &a), Ordering::Less);
    }
}
