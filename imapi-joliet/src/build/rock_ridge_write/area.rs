//! The system use area of one directory record: which entries stay in the record and which go
//! to a continuation area, pointed at by a `CE` entry.
//!
//! A directory record holds at most 255 bytes (ECMA-119 §9.1.1), and its length must be even,
//! so a record's system use area gets `254 − (33 + identifier + padding)` bytes at most
//! ([`room_for_identifier`]). The entries of a record keep their order: those that fit stay in
//! the record; when some do not, the record keeps the longest prefix that leaves room for a
//! `CE` entry, which ends the record's area and points at the rest.
//!
//! A continuation area never crosses a block boundary: Linux (`fs/isofs/rock.c`) refuses an
//! area whose offset plus length passes the end of its block, and libisofs keeps to that
//! too. Areas are placed one after another by an [`AreaCursor`]; one that does not fit in what
//! is left of a block starts the next block. Entries needing more than a block are split over
//! several areas, each but the last ending with a `CE` entry pointing at the next.
//!
//! [`layout_lens`] gives the lengths alone, without building bytes, so a plan sizes directories
//! and continuation blocks cheaply; [`layout`] builds the bytes and agrees with it.

use crate::format::raw::{BLOCK, DIR_RECORD_HEADER_LEN};
use crate::format::susp::CE_LEN;

use super::entries::ce;

/// The longest directory record of even length.
pub const MAX_RECORD_LEN: usize = 254;

/// Room for the system use area of a record whose identifier has `id_len` bytes (with the
/// padding byte of an even-length identifier): `254 − (33 + id_len + pad)`.
pub fn room_for_identifier(id_len: usize) -> usize {
    let fixed = DIR_RECORD_HEADER_LEN + id_len + (id_len + 1) % 2;
    MAX_RECORD_LEN.saturating_sub(fixed)
}

/// Why a system use area cannot be laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AreaError {
    /// The entries do not fit in the record, and the record has no room for a `CE` entry.
    #[error("a directory record has {room} bytes of system use, too few for a CE entry")]
    NoRoomForContinuation {
        /// The room in the record.
        room: usize,
    },
    /// An entry is malformed (its length is below 4 or runs past the end).
    #[error("a system use entry at byte {at} has a bad length")]
    BadEntry {
        /// The entry's offset in the bytes given.
        at: usize,
    },
}

/// Places continuation areas in a run of blocks, front to back, never across a block
/// boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AreaCursor {
    start: u32,
    block: u32,
    offset: usize,
}

impl AreaCursor {
    /// A cursor at the start of block `start`.
    pub fn new(start: u32) -> Self {
        Self { start, block: start, offset: 0 }
    }

    /// Reserves `len` bytes (at most a block) and returns their block and offset in it.
    pub fn reserve(&mut self, len: usize) -> (u32, usize) {
        if self.offset + len > BLOCK {
            self.block = self.block.saturating_add(1);
            self.offset = 0;
        }
        let at = (self.block, self.offset);
        self.offset += len;
        at
    }

    /// Blocks used from the first one: those holding at least one reserved byte.
    pub fn blocks_used(&self) -> u32 {
        self.block - self.start + u32::from(self.offset > 0)
    }
}

/// How one record's system use is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SplitLens {
    /// Bytes of system use in the record, even (a zero byte pads an odd sum).
    pub record: usize,
    /// Bytes in continuation areas (their `CE` entries included), 0 when all fit.
    pub continued: usize,
}

/// One continuation area: the entries it holds and where it lies.
#[derive(Debug, Clone, Copy)]
struct Piece {
    /// Entries `first..end` (indexes among all entries of the record).
    first: usize,
    end: usize,
    /// Its length, with the `CE` entry ending it when another piece follows.
    len: usize,
    block: u32,
    offset: usize,
}

/// The split of one record's entries: how many stay in the record, the record's system use
/// length, and each continuation area (in order) given to `on_piece`.
fn split(
    lens: impl Iterator<Item = usize> + Clone,
    room: usize,
    cursor: &mut AreaCursor,
    mut on_piece: impl FnMut(Piece),
) -> Result<(usize, SplitLens), AreaError> {
    let total: usize = lens.clone().sum();
    let count = lens.clone().count();
    if total.next_multiple_of(2) <= room {
        return Ok((count, SplitLens { record: total.next_multiple_of(2), continued: 0 }));
    }
    if room < CE_LEN {
        return Err(AreaError::NoRoomForContinuation { room });
    }
    // The longest prefix that leaves room for the CE entry (and an even length).
    let mut kept = 0;
    let mut kept_len = 0;
    for len in lens.clone() {
        if (kept_len + len + CE_LEN).next_multiple_of(2) > room {
            break;
        }
        kept += 1;
        kept_len += len;
    }
    // The rest, in areas of at most a block, each but the last ending with a CE entry.
    let mut continued = 0;
    let mut first = kept;
    let mut len = 0;
    let mut rest = lens.skip(kept).enumerate().peekable();
    while let Some((i, entry)) = rest.next() {
        let last = rest.peek().is_none();
        let limit = if last { BLOCK } else { BLOCK - CE_LEN };
        if len + entry > limit && len > 0 {
            let (block, offset) = cursor.reserve(len + CE_LEN);
            on_piece(Piece { first, end: kept + i, len: len + CE_LEN, block, offset });
            continued += len + CE_LEN;
            first = kept + i;
            len = 0;
        }
        len += entry;
    }
    let (block, offset) = cursor.reserve(len);
    on_piece(Piece { first, end: count, len, block, offset });
    continued += len;
    let record = (kept_len + CE_LEN).next_multiple_of(2);
    Ok((kept, SplitLens { record, continued }))
}

/// The lengths of one record's system use, for entries of lengths `entry_lens` in a record
/// with `room` bytes of system use ([`room_for_identifier`]); continuation areas are
/// reserved on `cursor` exactly as [`layout`] places them.
pub fn layout_lens(
    entry_lens: impl IntoIterator<Item = usize, IntoIter: Clone>,
    room: usize,
    cursor: &mut AreaCursor,
) -> Result<SplitLens, AreaError> {
    Ok(split(entry_lens.into_iter(), room, cursor, |_| {})?.1)
}

/// The continuation blocks of one directory: its areas' bytes, block after block from the
/// block given.
#[derive(Debug, Clone)]
pub struct ContinuationBlocks {
    start: u32,
    bytes: Vec<u8>,
}

impl ContinuationBlocks {
    /// Empty blocks starting at block `start` (that of the [`AreaCursor`] used with them).
    pub fn new(start: u32) -> Self {
        Self { start, bytes: Vec::new() }
    }

    fn put(&mut self, block: u32, offset: usize, data: &[u8]) {
        let at = (block - self.start) as usize * BLOCK + offset;
        if self.bytes.len() < at + data.len() {
            self.bytes.resize(at + data.len(), 0);
        }
        self.bytes[at..at + data.len()].copy_from_slice(data);
    }

    /// The bytes, padded to `blocks` whole blocks.
    pub fn into_bytes(mut self, blocks: u32) -> Vec<u8> {
        self.bytes.resize(blocks as usize * BLOCK, 0);
        self.bytes
    }
}

/// The offsets of the entries in `entries` (each with its length in its third byte).
fn entry_bounds(entries: &[u8]) -> Result<Vec<(usize, usize)>, AreaError> {
    let mut bounds = Vec::new();
    let mut at = 0;
    while at < entries.len() {
        let len = entries.get(at + 2).map_or(0, |&l| usize::from(l));
        if len < 4 || at + len > entries.len() {
            return Err(AreaError::BadEntry { at });
        }
        bounds.push((at, at + len));
        at += len;
    }
    Ok(bounds)
}

/// Lays out one record's `entries` (complete entries, back to back) for a record with `room`
/// bytes of system use: appends the record's system use to `record` (even length) and the
/// continuation areas to `areas`, placed with `cursor`. Returns the lengths, which
/// [`layout_lens`] gives alike.
pub fn layout(
    entries: &[u8],
    room: usize,
    cursor: &mut AreaCursor,
    record: &mut Vec<u8>,
    areas: &mut ContinuationBlocks,
) -> Result<SplitLens, AreaError> {
    let bounds = entry_bounds(entries)?;
    let mut pieces = Vec::new();
    let (kept, lens) = split(bounds.iter().map(|&(s, e)| e - s), room, cursor, |p| pieces.push(p))?;
    let bytes = |first: usize, end: usize| -> &[u8] {
        match (bounds.get(first), end.checked_sub(1).and_then(|l| bounds.get(l))) {
            (Some(&(s, _)), Some(&(_, e))) if first < end => &entries[s..e],
            _ => &[],
        }
    };
    let start = record.len();
    record.extend_from_slice(bytes(0, kept));
    if let Some(p) = pieces.first() {
        ce(record, p.block, p.offset as u32, p.len as u32);
    }
    if (record.len() - start) % 2 == 1 {
        record.push(0);
    }
    let mut area = Vec::with_capacity(BLOCK);
    for (i, p) in pieces.iter().enumerate() {
        area.clear();
        area.extend_from_slice(bytes(p.first, p.end));
        if let Some(next) = pieces.get(i + 1) {
            ce(&mut area, next.block, next.offset as u32, next.len as u32);
        }
        areas.put(p.block, p.offset, &area);
    }
    Ok(lens)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::rock_ridge_write::entries::{er_rrip, nm, px, sl, sp, tf_modify, Px};

    fn both(b: &[u8]) -> u32 {
        u32::from_le_bytes(b[..4].try_into().unwrap())
    }

    /// Every entry reachable from a record's system use, following CE entries through the
    /// continuation blocks (which start at block `start`).
    fn follow(record: &[u8], blocks: &[u8], start: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut area = record.to_vec();
        loop {
            let mut next = None;
            let mut at = 0;
            while at + 4 <= area.len() {
                let len = usize::from(area[at + 2]);
                if len == 0 {
                    break;
                }
                let e = &area[at..at + len];
                if &e[..2] == b"CE" {
                    next = Some((both(&e[4..]), both(&e[12..]) as usize, both(&e[20..]) as usize));
                } else {
                    out.extend_from_slice(e);
                }
                at += len;
            }
            let Some((block, offset, len)) = next else { return out };
            assert!(offset + len <= BLOCK, "an area crosses a block boundary");
            let from = (block - start) as usize * BLOCK + offset;
            area = blocks[from..from + len].to_vec();
        }
    }

    #[test]
    fn room_follows_the_identifier() {
        assert_eq!(room_for_identifier(1), 254 - 34);
        assert_eq!(room_for_identifier(2), 254 - 36);
        assert_eq!(room_for_identifier(12), 254 - 46);
        assert_eq!(room_for_identifier(300), 0);
    }

    #[test]
    fn everything_fits_in_the_record() {
        let mut e = Vec::new();
        px(&mut e, &Px { mode: 0o100644, links: 1, uid: 0, gid: 0, serial: 1 });
        tf_modify(&mut e, [0; 7]);
        nm(&mut e, b"ab");
        let mut cursor = AreaCursor::new(40);
        let mut rec = Vec::new();
        let mut blocks = ContinuationBlocks::new(40);
        let lens = layout(&e, 200, &mut cursor, &mut rec, &mut blocks).unwrap();
        assert_eq!(lens, SplitLens { record: 64, continued: 0 });
        assert_eq!(rec.len(), 64);
        assert_eq!(&rec[..e.len()], &e[..]);
        assert_eq!(rec[63], 0, "odd sum padded");
        assert_eq!(cursor.blocks_used(), 0);
        let mut c2 = AreaCursor::new(40);
        assert_eq!(layout_lens([44, 12, 7], 200, &mut c2).unwrap(), lens);
    }

    #[test]
    fn root_dot_moves_er_to_a_continuation_area() {
        let mut e = Vec::new();
        sp(&mut e);
        px(&mut e, &Px { mode: 0o040555, links: 3, uid: 0, gid: 0, serial: 1 });
        tf_modify(&mut e, [0; 7]);
        er_rrip(&mut e);
        let room = room_for_identifier(1);
        let mut cursor = AreaCursor::new(50);
        let mut rec = Vec::new();
        let mut blocks = ContinuationBlocks::new(50);
        let lens = layout(&e, room, &mut cursor, &mut rec, &mut blocks).unwrap();
        assert_eq!(&rec[..2], b"SP");
        assert_eq!(lens.record, (7 + 44 + 12 + 28usize).next_multiple_of(2));
        assert_eq!(lens.continued, 185);
        let ce = &rec[63..91];
        assert_eq!(&ce[..2], b"CE");
        assert_eq!((both(&ce[4..]), both(&ce[12..]), both(&ce[20..])), (50, 0, 185));
        assert_eq!(cursor.blocks_used(), 1);
        assert_eq!(follow(&rec, &blocks.into_bytes(1), 50), e);
    }

    #[test]
    fn areas_never_cross_a_block() {
        // 30 records with a 200-byte name each: 2 areas of 208 bytes would not fit; the cursor
        // moves to the next block instead.
        let mut cursor = AreaCursor::new(7);
        let mut blocks = ContinuationBlocks::new(7);
        let mut records = Vec::new();
        let mut all = Vec::new();
        for i in 0..30u8 {
            let mut e = Vec::new();
            px(&mut e, &Px { mode: 0o100644, links: 1, uid: 0, gid: 0, serial: u32::from(i) });
            tf_modify(&mut e, [i; 7]);
            nm(&mut e, &[b'a' + i % 26; 200]);
            let mut rec = Vec::new();
            let mut c = cursor;
            let want = layout_lens([44, 12, 205], room_for_identifier(12), &mut c).unwrap();
            let got =
                layout(&e, room_for_identifier(12), &mut cursor, &mut rec, &mut blocks).unwrap();
            assert_eq!(got, want);
            assert_eq!(c, cursor);
            assert_eq!(rec.len(), got.record);
            records.push(rec);
            all.push(e);
        }
        let used = cursor.blocks_used();
        assert_eq!(used, 30u32.div_ceil(2048 / 205));
        let bytes = blocks.into_bytes(used);
        for (rec, e) in records.iter().zip(&all) {
            assert_eq!(&follow(rec, &bytes, 7), e);
        }
    }

    #[test]
    fn long_links_chain_areas() {
        let target: String = (0..400).map(|i| format!("dir{i}/")).collect();
        let mut e = Vec::new();
        px(&mut e, &Px { mode: 0o120777, links: 1, uid: 0, gid: 0, serial: 3 });
        tf_modify(&mut e, [0; 7]);
        nm(&mut e, b"link");
        sl(&mut e, target.as_bytes());
        let mut cursor = AreaCursor::new(0);
        let mut rec = Vec::new();
        let mut blocks = ContinuationBlocks::new(0);
        let lens = layout(&e, room_for_identifier(8), &mut cursor, &mut rec, &mut blocks).unwrap();
        assert!(lens.continued > BLOCK);
        assert!(cursor.blocks_used() >= 2);
        let used = cursor.blocks_used();
        assert_eq!(follow(&rec, &blocks.into_bytes(used), 0), e);
    }

    proptest::proptest! {
        /// Random records (names and link targets of any length, rooms of any identifier):
        /// following the CE entries gives back every entry in order, no area crosses a block,
        /// and the lengths alone agree with the bytes.
        #[test]
        fn layout_round_trips(
            records in proptest::collection::vec(
                (0usize..600, proptest::option::of("[a-z./]{1,900}"), 1usize..40),
                1..20,
            ),
        ) {
            let start = 100;
            let mut cursor = AreaCursor::new(start);
            let mut blocks = ContinuationBlocks::new(start);
            let mut laid = Vec::new();
            for (name_len, target, id_len) in &records {
                let mut e = Vec::new();
                px(&mut e, &Px { mode: 0o100644, links: 1, uid: 0, gid: 0, serial: 1 });
                tf_modify(&mut e, [1; 7]);
                nm(&mut e, &vec![b'n'; *name_len]);
                if let Some(t) = target {
                    sl(&mut e, t.as_bytes());
                }
                let room = room_for_identifier(*id_len);
                let mut lens_cursor = cursor;
                let mut entry_lens = Vec::new();
                let mut at = 0;
                while at < e.len() {
                    entry_lens.push(usize::from(e[at + 2]));
                    at += usize::from(e[at + 2]);
                }
                let want = layout_lens(entry_lens, room, &mut lens_cursor).unwrap();
                let mut rec = Vec::new();
                let got = layout(&e, room, &mut cursor, &mut rec, &mut blocks).unwrap();
                proptest::prop_assert_eq!(got, want);
                proptest::prop_assert_eq!(lens_cursor, cursor);
                proptest::prop_assert_eq!(rec.len(), got.record);
                proptest::prop_assert!(rec.len() % 2 == 0 && rec.len() <= room);
                laid.push((rec, e));
            }
            let bytes = blocks.into_bytes(cursor.blocks_used());
            for (rec, e) in &laid {
                proptest::prop_assert_eq!(&follow(rec, &bytes, start), e);
            }
        }
    }

    #[test]
    fn rejections() {
        let mut e = Vec::new();
        nm(&mut e, &[b'x'; 100]);
        let mut cursor = AreaCursor::new(0);
        let mut rec = Vec::new();
        let mut blocks = ContinuationBlocks::new(0);
        assert_eq!(
            layout(&e, 20, &mut cursor, &mut rec, &mut blocks),
            Err(AreaError::NoRoomForContinuation { room: 20 })
        );
        assert_eq!(
            layout(b"NM\x02\x01", 200, &mut cursor, &mut rec, &mut blocks),
            Err(AreaError::BadEntry { at: 0 })
        );
        assert_eq!(
            layout(b"NM\x09\x01\x00ab", 200, &mut cursor, &mut rec, &mut blocks),
            Err(AreaError::BadEntry { at: 0 })
        );
    }
}
