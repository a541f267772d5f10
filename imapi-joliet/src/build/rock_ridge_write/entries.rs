//! Encoders of single SUSP and RRIP 1.12 entries. Each appends complete entries to a byte
//! vector; none does I/O or fails. The entries' signatures, lengths and flags are those of
//! [`crate::format::susp`].
//!
//! Long names ([`nm`]) and long link targets ([`sl`]) take several entries, linked by the
//! CONTINUE flag; [`nm_len`] and [`sl_lens`] give their lengths without building them, so a
//! plan can size directories cheaply.

use crate::format::susp::{
    CE, CE_LEN, CL, ER, FLAG_CONTINUE, FLAG_CURRENT, FLAG_PARENT, FLAG_ROOT, HEADER_LEN, LINK_LEN,
    NM, PL, PN, PN_LEN, PX, PX_LEN, RE, RE_LEN, RRIP_112_DESCRIPTOR, RRIP_112_ID, RRIP_112_SOURCE,
    SL, SP, SP_CHECK, SP_LEN, ST, TF, TF_MODIFY, VERSION,
};

/// The longest entry: its length is one byte.
pub const MAX_ENTRY_LEN: usize = 255;

/// Bytes of an `NM` or `SL` entry before its content: header and flags.
const FLAGGED_HEADER_LEN: usize = HEADER_LEN + 1;

/// Most name bytes one `NM` entry holds.
pub const NM_MAX_CHUNK: usize = MAX_ENTRY_LEN - FLAGGED_HEADER_LEN;

/// Most bytes of component records one `SL` entry holds.
const SL_ROOM: usize = MAX_ENTRY_LEN - FLAGGED_HEADER_LEN;

/// Length of a `TF` entry holding one 7-byte time.
pub const TF_MODIFY_LEN: usize = HEADER_LEN + 1 + 7;

/// Length of the `ER` entry of RRIP 1.12.
pub const ER_RRIP_LEN: usize =
    8 + RRIP_112_ID.len() + RRIP_112_DESCRIPTOR.len() + RRIP_112_SOURCE.len();

/// Length of an `ST` entry.
pub const ST_LEN: usize = HEADER_LEN;

/// The version of RRIP 1.12's extension, as `ER` records it.
const RRIP_EXT_VERSION: u8 = 1;

fn header(out: &mut Vec<u8>, sig: [u8; 2], len: usize) {
    debug_assert!(len <= MAX_ENTRY_LEN);
    out.extend_from_slice(&sig);
    out.push(len as u8);
    out.push(VERSION);
}

/// A 32-bit "both-byte" number: little-endian, then big-endian.
fn both32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
    out.extend_from_slice(&v.to_be_bytes());
}

/// `SP`: SUSP is in use, no bytes skipped; the first entry of the root's `.` record.
pub fn sp(out: &mut Vec<u8>) {
    header(out, SP, SP_LEN);
    out.extend_from_slice(&SP_CHECK);
    out.push(0);
}

/// `CE`: the system use area goes on at byte `offset` of block `block`, for `len` bytes.
pub fn ce(out: &mut Vec<u8>, block: u32, offset: u32, len: u32) {
    header(out, CE, CE_LEN);
    both32(out, block);
    both32(out, offset);
    both32(out, len);
}

/// `ER` naming RRIP 1.12 as §4.3 gives it (`IEEE_P1282`), extension version 1.
pub fn er_rrip(out: &mut Vec<u8>) {
    header(out, ER, ER_RRIP_LEN);
    out.push(RRIP_112_ID.len() as u8);
    out.push(RRIP_112_DESCRIPTOR.len() as u8);
    out.push(RRIP_112_SOURCE.len() as u8);
    out.push(RRIP_EXT_VERSION);
    out.extend_from_slice(RRIP_112_ID);
    out.extend_from_slice(RRIP_112_DESCRIPTOR);
    out.extend_from_slice(RRIP_112_SOURCE);
}

/// `ST`: the system use area ends here.
pub fn st(out: &mut Vec<u8>) {
    header(out, ST, ST_LEN);
}

/// POSIX attributes of one `PX` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Px {
    /// File mode: type bits ([`crate::format::susp::S_IFMT`]) and permissions.
    pub mode: u32,
    /// Number of links.
    pub links: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// File serial number (RRIP 1.12): equal for the names of one file.
    pub serial: u32,
}

/// `PX` in its 44-byte RRIP 1.12 form, with the serial number.
pub fn px(out: &mut Vec<u8>, px: &Px) {
    header(out, PX, PX_LEN);
    both32(out, px.mode);
    both32(out, px.links);
    both32(out, px.uid);
    both32(out, px.gid);
    both32(out, px.serial);
}

/// `PN`: the device number of a character or block device, high 32 bits then low.
pub fn pn(out: &mut Vec<u8>, rdev: u64) {
    header(out, PN, PN_LEN);
    both32(out, (rdev >> 32) as u32);
    both32(out, rdev as u32);
}

/// `TF` holding the modification time alone, in the 7-byte form of a directory record
/// (ECMA-119 §9.1.5).
pub fn tf_modify(out: &mut Vec<u8>, modified: [u8; 7]) {
    header(out, TF, TF_MODIFY_LEN);
    out.push(TF_MODIFY);
    out.extend_from_slice(&modified);
}

/// `CL`: this record stands for a directory relocated to block `block`.
pub fn cl(out: &mut Vec<u8>, block: u32) {
    header(out, CL, LINK_LEN);
    both32(out, block);
}

/// `PL`: in a relocated directory's `..` record, the block of its original parent.
pub fn pl(out: &mut Vec<u8>, block: u32) {
    header(out, PL, LINK_LEN);
    both32(out, block);
}

/// `RE`: this record is a relocated directory.
pub fn re(out: &mut Vec<u8>) {
    header(out, RE, RE_LEN);
}

/// `NM` entries holding `name`, as many as it takes (at most [`NM_MAX_CHUNK`] bytes each),
/// each but the last with the CONTINUE flag. An empty name gives one empty entry.
pub fn nm(out: &mut Vec<u8>, name: &[u8]) {
    let mut chunks = name.chunks(NM_MAX_CHUNK).peekable();
    if chunks.peek().is_none() {
        header(out, NM, FLAGGED_HEADER_LEN);
        out.push(0);
        return;
    }
    while let Some(chunk) = chunks.next() {
        header(out, NM, FLAGGED_HEADER_LEN + chunk.len());
        out.push(if chunks.peek().is_some() { FLAG_CONTINUE } else { 0 });
        out.extend_from_slice(chunk);
    }
}

/// Total length of the `NM` entries [`nm`] writes for a name of `name_len` bytes.
pub fn nm_len(name_len: usize) -> usize {
    let entries = name_len.div_ceil(NM_MAX_CHUNK).max(1);
    name_len + entries * FLAGGED_HEADER_LEN
}

/// One component of a link target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Component<'a> {
    Root,
    Current,
    Parent,
    Text(&'a [u8]),
}

/// The components of a link target: a leading `/` is the root, `.` and `..` the current and
/// parent directories; empty components inside (`a//b`) are dropped, as POSIX reads them
/// alike, but a trailing `/` after a name is an empty last component, so readers (Linux,
/// libarchive, pycdlib) give the target back with its slash (`dir/` only names a directory).
fn components(target: &[u8]) -> impl Iterator<Item = Component<'_>> {
    let root = target.first() == Some(&b'/');
    let trailing =
        target.iter().rposition(|&b| b != b'/').is_some_and(|last| last + 1 < target.len());
    root.then_some(Component::Root)
        .into_iter()
        .chain(target.split(|&b| b == b'/').filter(|p| !p.is_empty()).map(|p| match p {
            b"." => Component::Current,
            b".." => Component::Parent,
            text => Component::Text(text),
        }))
        .chain(trailing.then_some(Component::Text(b"")))
}

/// Packs component records into `SL` entries. Every entry but the last ends with a component
/// record flagged CONTINUE: a piece of a name that goes on in the next entry, or an empty
/// text record when the entry ends between components. Linux, libarchive and pycdlib join
/// entries differently when an entry ends with a whole component (Linux adds a `/`,
/// libarchive does not); a continued last component reads alike in all of them.
struct SlPacker<'o> {
    /// Where the entries go; `None` to count only.
    out: Option<&'o mut Vec<u8>>,
    /// The component records of the entry being filled.
    records: Vec<u8>,
    /// Length of each entry closed.
    lens: Vec<usize>,
    /// Bytes of component records in the entry being filled.
    used: usize,
    /// Whether the last record of the entry being filled is flagged CONTINUE.
    last_continued: bool,
}

/// Bytes kept free in an entry for the empty CONTINUE record that may have to end it.
const SL_MARKER_LEN: usize = 2;

impl SlPacker<'_> {
    fn record(&mut self, flags: u8, text: &[u8]) {
        if self.out.is_some() {
            self.records.push(flags);
            self.records.push(text.len() as u8);
            self.records.extend_from_slice(text);
        }
        self.used += 2 + text.len();
        self.last_continued = flags & FLAG_CONTINUE != 0;
    }

    /// Ends the entry being filled; `more` when another follows.
    fn close(&mut self, more: bool) {
        if more && !self.last_continued {
            self.record(FLAG_CONTINUE, &[]);
        }
        let len = FLAGGED_HEADER_LEN + self.used;
        if let Some(out) = self.out.as_deref_mut() {
            header(out, SL, len);
            out.push(if more { FLAG_CONTINUE } else { 0 });
            out.append(&mut self.records);
        }
        self.lens.push(len);
        self.used = 0;
        self.last_continued = false;
    }

    /// Room for one more whole record (header and text) that may be followed by others.
    fn room(&self) -> usize {
        SL_ROOM.saturating_sub(self.used + SL_MARKER_LEN)
    }

    fn push(&mut self, c: Component<'_>) {
        let flag = match c {
            Component::Root => FLAG_ROOT,
            Component::Current => FLAG_CURRENT,
            Component::Parent => FLAG_PARENT,
            Component::Text(mut text) => {
                loop {
                    // A whole record that leaves room for the marker: done. Else a piece
                    // flagged CONTINUE filling the entry (it may use the marker's bytes: it
                    // ends the entry itself), and the rest in the next entry.
                    let room = self.room();
                    if room >= 2 + text.len() {
                        self.record(0, text);
                        return;
                    }
                    if room < 2 || text.len() < 2 {
                        self.close(true);
                        continue;
                    }
                    let (piece, rest) = text.split_at(room.min(text.len() - 1));
                    self.record(FLAG_CONTINUE, piece);
                    text = rest;
                }
            }
        };
        if self.room() < 2 {
            self.close(true);
        }
        self.record(flag, &[]);
    }
}

/// `SL` entries holding a symbolic link's `target`, as component records (ROOT for a leading
/// `/`, CURRENT and PARENT for `.` and `..`), split over entries linked by the CONTINUE flag
/// (long components are split over records flagged CONTINUE). Returns the number of entries.
pub fn sl(out: &mut Vec<u8>, target: &[u8]) -> usize {
    pack_sl(Some(out), target).len()
}

/// The length of each `SL` entry [`sl`] writes for `target`, without building them.
pub fn sl_lens(target: &[u8]) -> Vec<usize> {
    pack_sl(None, target)
}

/// Packs `target` into `SL` entries (written to `out` when given); the length of each.
fn pack_sl(out: Option<&mut Vec<u8>>, target: &[u8]) -> Vec<usize> {
    let mut p =
        SlPacker { out, records: Vec::new(), lens: Vec::new(), used: 0, last_continued: false };
    for c in components(target) {
        p.push(c);
    }
    p.close(false);
    p.lens
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entries of a system use area, as (signature, whole entry).
    fn split(mut bytes: &[u8]) -> Vec<(&[u8], &[u8])> {
        let mut out = Vec::new();
        while bytes.len() >= HEADER_LEN {
            let len = usize::from(bytes[2]);
            assert!(len >= HEADER_LEN && len <= bytes.len(), "bad entry length {len}");
            out.push((&bytes[..2], &bytes[..len]));
            bytes = &bytes[len..];
        }
        assert!(bytes.is_empty());
        out
    }

    fn both(b: &[u8]) -> u32 {
        let le = u32::from_le_bytes(b[..4].try_into().unwrap());
        let be = u32::from_be_bytes(b[4..8].try_into().unwrap());
        assert_eq!(le, be);
        le
    }

    /// A link target read back from `SL` entries the way Linux joins them.
    fn read_sl(bytes: &[u8]) -> String {
        let mut link = String::new();
        for (sig, e) in split(bytes) {
            assert_eq!(sig, b"SL");
            let more = e[4] & FLAG_CONTINUE != 0;
            let mut recs = &e[5..];
            while recs.len() >= 2 {
                let (flags, len) = (recs[0], usize::from(recs[1]));
                match flags & !FLAG_CONTINUE {
                    0 => link.push_str(std::str::from_utf8(&recs[2..2 + len]).unwrap()),
                    FLAG_CURRENT => link.push('.'),
                    FLAG_PARENT => link.push_str(".."),
                    FLAG_ROOT => link.push('/'),
                    f => panic!("flag {f}"),
                }
                recs = &recs[2 + len..];
                let last_of_entry = recs.len() < 2;
                if flags & (FLAG_CONTINUE | FLAG_ROOT) == 0 && (!last_of_entry || more) {
                    link.push('/');
                }
                if last_of_entry {
                    assert!(
                        !more || flags & FLAG_CONTINUE != 0,
                        "entry ends with a whole component"
                    );
                }
            }
        }
        link
    }

    #[test]
    fn fixed_entries() {
        let mut v = Vec::new();
        sp(&mut v);
        assert_eq!(v, [b'S', b'P', 7, 1, 0xBE, 0xEF, 0]);
        v.clear();
        ce(&mut v, 30, 100, 182);
        assert_eq!(v.len(), CE_LEN);
        assert_eq!(
            (&v[..4], both(&v[4..]), both(&v[12..]), both(&v[20..])),
            (&b"CE\x1c\x01"[..], 30, 100, 182)
        );
        v.clear();
        st(&mut v);
        assert_eq!(v, b"ST\x04\x01");
        v.clear();
        re(&mut v);
        assert_eq!(v, b"RE\x04\x01");
        v.clear();
        cl(&mut v, 77);
        pl(&mut v, 78);
        assert_eq!(split(&v).len(), 2);
        assert_eq!((both(&v[4..12]), both(&v[16..24])), (77, 78));
        assert_eq!(&v[12..14], b"PL");
    }

    #[test]
    fn er_names_rrip_1_12() {
        let mut v = Vec::new();
        er_rrip(&mut v);
        assert_eq!(v.len(), ER_RRIP_LEN);
        assert_eq!(usize::from(v[2]), v.len());
        let (id_len, des_len, src_len) = (usize::from(v[4]), usize::from(v[5]), usize::from(v[6]));
        assert_eq!(v[7], 1);
        assert_eq!(&v[8..8 + id_len], b"IEEE_P1282");
        assert!(v[8 + id_len..8 + id_len + des_len].starts_with(b"THE IEEE P1282 PROTOCOL"));
        assert_eq!(8 + id_len + des_len + src_len, v.len());
    }

    #[test]
    fn px_pn_tf() {
        let mut v = Vec::new();
        px(&mut v, &Px { mode: 0o100644, links: 2, uid: 1000, gid: 100, serial: 9 });
        assert_eq!(v.len(), 44);
        let fields: Vec<u32> = (0..5).map(|i| both(&v[4 + 8 * i..])).collect();
        assert_eq!(fields, [0o100644, 2, 1000, 100, 9]);
        v.clear();
        pn(&mut v, 0x1_0000_0103);
        assert_eq!((v.len(), both(&v[4..]), both(&v[12..])), (20, 1, 0x103));
        v.clear();
        tf_modify(&mut v, [126, 12, 4, 18, 30, 0, 4]);
        assert_eq!(v, [b'T', b'F', 12, 1, TF_MODIFY, 126, 12, 4, 18, 30, 0, 4]);
    }

    #[test]
    fn nm_splits_long_names() {
        for len in [0usize, 1, 249, 250, 251, 255, 500, 501, 1000] {
            let name: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let mut v = Vec::new();
            nm(&mut v, &name);
            assert_eq!(v.len(), nm_len(len), "length of {len}");
            let entries = split(&v);
            let mut back = Vec::new();
            for (i, (sig, e)) in entries.iter().enumerate() {
                assert_eq!(*sig, b"NM");
                let last = i + 1 == entries.len();
                assert_eq!(e[4] & FLAG_CONTINUE != 0, !last);
                back.extend_from_slice(&e[5..]);
            }
            assert_eq!(back, name);
            assert_eq!(entries.len(), len.div_ceil(250).max(1));
        }
    }

    #[test]
    fn sl_components() {
        for target in ["a", "/", "/usr/lib/x", "../a/./b", ".", "..", "a//b/", "/..", "../", "//"] {
            let mut v = Vec::new();
            let n = sl(&mut v, target.as_bytes());
            assert_eq!(n, 1);
            let want = match target {
                "a//b/" => "a/b/",
                "//" => "/",
                t => t,
            };
            assert_eq!(read_sl(&v), want, "{target}");
            assert_eq!(sl_lens(target.as_bytes()), [v.len()]);
        }
        let mut v = Vec::new();
        sl(&mut v, b"/usr");
        assert_eq!(v, [b'S', b'L', 12, 1, 0, FLAG_ROOT, 0, 0, 3, b'u', b's', b'r']);
    }

    #[test]
    fn sl_splits_long_targets() {
        let long = "x".repeat(300);
        let many = (0..120).map(|i| format!("d{i}")).collect::<Vec<_>>().join("/");
        let dots = std::iter::repeat_n("..", 200).collect::<Vec<_>>().join("/");
        let mixed = format!("/{}/../{}/./{}", "a".repeat(248), "b".repeat(600), "c".repeat(3));
        for target in [long.clone(), format!("../{long}/{long}"), many, dots, mixed] {
            let mut v = Vec::new();
            let n = sl(&mut v, target.as_bytes());
            assert!(n > 1, "{} bytes in one entry", target.len());
            let entries = split(&v);
            assert_eq!(entries.len(), n);
            assert!(entries.iter().all(|(_, e)| e.len() <= MAX_ENTRY_LEN));
            assert_eq!(read_sl(&v), target);
            let lens: Vec<usize> = entries.iter().map(|(_, e)| e.len()).collect();
            assert_eq!(sl_lens(target.as_bytes()), lens);
        }
    }
}
