//! The track table at the end of the file: disc record, track records, segment records and
//! CD-Text packs. [`parse`] checks it strictly against the header; [`emit`] writes it.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation
    )
)]

use crate::error::FormatError;
use crate::header::HeaderRepr;
use crate::model::{
    CdTextPack, Control, DiscInfo, Isrc, Mcn, Segment, SessionClose, Track, TrackInfo, TrackMode,
    CD_TEXT_PACK_LEN, MAX_CD_TEXT_PACKS, MAX_TRACK_NUMBER,
};
use byteorder::{ByteOrder, LittleEndian as LE};

/// The 4 bytes the track table starts with.
pub const TABLE_MAGIC: [u8; 4] = *b"STBL";
/// Bytes of the table prefix (magic and counts).
pub const PREFIX_LEN: usize = 16;
/// Bytes of the disc record.
pub const DISC_LEN: usize = 32;
/// Bytes of one track record.
pub const TRACK_LEN: usize = 48;
/// Bytes of one segment record.
pub const SEGMENT_LEN: usize = 16;
/// Most segments a stash may hold (a table of 256 MiB of segment records).
pub const MAX_SEGMENTS: u32 = 1 << 24;

/// Byte ranges of the table's records (little-endian numbers).
pub(crate) mod field {
    use core::ops::Range;
    pub mod prefix {
        use super::Range;
        pub const MAGIC: Range<usize> = 0..4;
        pub const TRACK_COUNT: Range<usize> = 4..8;
        pub const SEGMENT_COUNT: Range<usize> = 8..12;
        pub const PACK_COUNT: Range<usize> = 12..16;
    }
    pub mod disc {
        use super::Range;
        pub const FIRST_TRACK: usize = 0;
        pub const FLAGS: usize = 1;
        pub const RESERVED_2: Range<usize> = 2..4;
        pub const SESSION_START: Range<usize> = 4..8;
        pub const MCN: Range<usize> = 8..21;
        pub const RESERVED_21: Range<usize> = 21..32;
        pub const FLAG_MCN: u8 = 0x1;
        pub const FLAG_SESSION_START: u8 = 0x2;
        pub const FLAG_APPENDABLE: u8 = 0x4;
    }
    pub mod track {
        use super::Range;
        pub const NUMBER: usize = 0;
        pub const MODE: usize = 1;
        pub const CONTROL: usize = 2;
        pub const FLAGS: usize = 3;
        pub const BLOCK_SIZE: Range<usize> = 4..6;
        pub const RESERVED_6: Range<usize> = 6..8;
        pub const PREGAP: Range<usize> = 8..12;
        pub const START_LBA: Range<usize> = 12..16;
        pub const ISRC: Range<usize> = 16..28;
        pub const FIRST_SEGMENT: Range<usize> = 28..32;
        pub const SEGMENT_COUNT: Range<usize> = 32..36;
        pub const RESERVED_36: Range<usize> = 36..40;
        pub const BLOCKS: Range<usize> = 40..48;
        pub const FLAG_ISRC: u8 = 0x1;
        pub const FLAG_START_LBA: u8 = 0x2;
    }
    pub mod segment {
        use super::Range;
        pub const OFFSET: Range<usize> = 0..8;
        pub const BLOCKS: Range<usize> = 8..12;
        pub const CRC: Range<usize> = 12..16;
    }
}

/// Bytes of a table with these counts, if it fits a `u64`.
pub fn table_len(tracks: u64, segments: u64, packs: u64) -> Option<u64> {
    let t = tracks.checked_mul(TRACK_LEN as u64)?;
    let s = segments.checked_mul(SEGMENT_LEN as u64)?;
    let p = packs.checked_mul(CD_TEXT_PACK_LEN as u64)?;
    ((PREFIX_LEN + DISC_LEN) as u64).checked_add(t)?.checked_add(s)?.checked_add(p)
}

/// Reads bytes `at..at+len` of `table`; `base` is the table's offset in the file, for errors.
struct Cursor<'a> {
    table: &'a [u8],
    base: u64,
}

impl<'a> Cursor<'a> {
    /// The `N` bytes at `at`, as an array: the record's fields index it without a check.
    fn record<const N: usize>(
        &self,
        at: usize,
        what: &'static str,
    ) -> Result<&'a [u8; N], FormatError> {
        self.table.get(at..).and_then(<[u8]>::first_chunk).ok_or(FormatError::Truncated {
            what,
            need: (at as u64).saturating_add(N as u64),
            len: self.table.len() as u64,
        })
    }

    fn off(&self, at: usize) -> u64 {
        self.base.saturating_add(at as u64)
    }

    fn bad(
        &self,
        field: &'static str,
        at: usize,
        value: u64,
        expected: &'static str,
    ) -> FormatError {
        FormatError::BadField { field, offset: self.off(at), value, expected }
    }

    fn zeros(&self, bytes: &[u8], at: usize) -> Result<(), FormatError> {
        match bytes.iter().position(|&b| b != 0) {
            None => Ok(()),
            Some(i) => Err(FormatError::Reserved {
                offset: self.off(at.saturating_add(i)),
                value: bytes.get(i).copied().unwrap_or(0),
            }),
        }
    }
}

/// Parses and checks the table bytes (already checksummed) against the header: counts,
/// every field, track numbering, segment ranges, and that the segments tile the payload
/// exactly (no overlap, no gap).
pub fn parse(table: &[u8], header: &HeaderRepr) -> Result<(Vec<Track>, DiscInfo), FormatError> {
    let c = Cursor { table, base: header.table_offset };
    let prefix = c.record::<PREFIX_LEN>(0, "table prefix")?;
    if prefix[field::prefix::MAGIC] != TABLE_MAGIC {
        return Err(c.bad(
            "table magic",
            0,
            LE::read_u32(&prefix[field::prefix::MAGIC]).into(),
            "\"STBL\"",
        ));
    }
    let track_count = LE::read_u32(&prefix[field::prefix::TRACK_COUNT]);
    if track_count != header.track_count {
        return Err(c.bad(
            "table track count",
            field::prefix::TRACK_COUNT.start,
            track_count.into(),
            "the header's track count",
        ));
    }
    let segment_count = LE::read_u32(&prefix[field::prefix::SEGMENT_COUNT]);
    if segment_count != header.segment_count || segment_count > MAX_SEGMENTS {
        return Err(c.bad(
            "table segment count",
            field::prefix::SEGMENT_COUNT.start,
            segment_count.into(),
            "the header's segment count, at most 2^24",
        ));
    }
    let pack_count = LE::read_u32(&prefix[field::prefix::PACK_COUNT]);
    if pack_count as usize > MAX_CD_TEXT_PACKS {
        return Err(c.bad(
            "CD-Text pack count",
            field::prefix::PACK_COUNT.start,
            pack_count.into(),
            "at most 2048",
        ));
    }
    let need = table_len(track_count.into(), segment_count.into(), pack_count.into());
    if need != Some(table.len() as u64) {
        return Err(FormatError::BadField {
            field: "table length",
            offset: crate::header::field::TABLE_LEN.start as u64,
            value: table.len() as u64,
            expected: "the size its counts give",
        });
    }

    let disc = parse_disc(&c, track_count, pack_count)?;

    let tracks_at = PREFIX_LEN + DISC_LEN;
    let segments_at = tracks_at + track_count as usize * TRACK_LEN;
    let mut tracks = Vec::with_capacity(track_count as usize);
    let mut next_segment: u32 = 0;
    let mut total_blocks: u64 = 0;
    let mut extents: Vec<(u64, u64)> = Vec::with_capacity(segment_count as usize);
    for i in 0..track_count {
        let at = tracks_at + i as usize * TRACK_LEN;
        let number = u32::from(disc.first_track) + i;
        let (info, first, count, blocks) = parse_track(&c, at, number)?;
        if first != next_segment {
            return Err(c.bad(
                "first segment",
                at + field::track::FIRST_SEGMENT.start,
                first.into(),
                "the segment after the previous track's last",
            ));
        }
        let end = first
            .checked_add(count)
            .filter(|&e| count > 0 && e <= segment_count)
            .ok_or_else(|| {
                c.bad(
                    "segment count",
                    at + field::track::SEGMENT_COUNT.start,
                    count.into(),
                    "at least 1, within the table's segments",
                )
            })?;
        next_segment = end;
        // parse_disc checked that every track number is at most 99.
        let track_number = u8::try_from(number).map_err(|_| {
            c.bad("track number", at + field::track::NUMBER, number.into(), "at most 99")
        })?;
        let mut segments = Vec::with_capacity(count as usize);
        let mut sum: u64 = 0;
        for (k, s) in (0u32..).zip(first..end) {
            let sat = segments_at + s as usize * SEGMENT_LEN;
            let r = c.record::<SEGMENT_LEN>(sat, "segment record")?;
            let offset = LE::read_u64(&r[field::segment::OFFSET]);
            let n = LE::read_u32(&r[field::segment::BLOCKS]);
            let crc = LE::read_u32(&r[field::segment::CRC]);
            let out_of_range = FormatError::SegmentOutOfRange {
                track: track_number,
                segment: k,
                offset,
                blocks: n,
                start: header.payload_offset,
                end: header.table_offset,
            };
            if n == 0 {
                return Err(c.bad(
                    "segment blocks",
                    sat + field::segment::BLOCKS.start,
                    0,
                    "at least 1",
                ));
            }
            let len = u64::from(n) * u64::from(info.block_size);
            let seg_end = offset.checked_add(len).ok_or(out_of_range)?;
            if offset < header.payload_offset || seg_end > header.table_offset {
                return Err(out_of_range);
            }
            extents.push((offset, seg_end));
            segments.push(Segment { offset, blocks: n, crc32c: crc, first_block: sum });
            sum += u64::from(n);
        }
        if sum != blocks {
            return Err(c.bad(
                "track blocks",
                at + field::track::BLOCKS.start,
                blocks,
                "the sum of its segments' blocks",
            ));
        }
        total_blocks = total_blocks.saturating_add(sum);
        tracks.push(Track { number: track_number, info, blocks, segments });
    }
    if next_segment != segment_count {
        return Err(c.bad(
            "table segment count",
            field::prefix::SEGMENT_COUNT.start,
            segment_count.into(),
            "the segments the tracks use",
        ));
    }
    if total_blocks != header.total_blocks {
        return Err(FormatError::BadField {
            field: "total blocks",
            offset: crate::header::field::TOTAL_BLOCKS.start as u64,
            value: header.total_blocks,
            expected: "the sum of the tracks' blocks",
        });
    }
    check_tiling(&mut extents, header)?;
    Ok((tracks, disc))
}

fn parse_disc(c: &Cursor<'_>, track_count: u32, pack_count: u32) -> Result<DiscInfo, FormatError> {
    use field::disc as f;
    let at = PREFIX_LEN;
    let d = c.record::<DISC_LEN>(at, "disc record")?;
    let first_track = d[f::FIRST_TRACK];
    let last = u32::from(first_track) + track_count.saturating_sub(1);
    if first_track == 0 || last > u32::from(MAX_TRACK_NUMBER) {
        return Err(c.bad(
            "first track number",
            at + f::FIRST_TRACK,
            first_track.into(),
            "1 to 99, with every track numbered at most 99",
        ));
    }
    let flags = d[f::FLAGS];
    if flags & !(f::FLAG_MCN | f::FLAG_SESSION_START | f::FLAG_APPENDABLE) != 0 {
        return Err(c.bad("disc flags", at + f::FLAGS, flags.into(), "bits 0 to 2 only"));
    }
    c.zeros(&d[f::RESERVED_2], at + f::RESERVED_2.start)?;
    c.zeros(&d[f::RESERVED_21], at + f::RESERVED_21.start)?;
    let mcn_bytes = &d[f::MCN];
    let mcn = if flags & f::FLAG_MCN != 0 {
        let mut b = [0u8; 13];
        b.copy_from_slice(mcn_bytes);
        Some(
            Mcn::from_bytes(b)
                .ok_or_else(|| c.bad("MCN", at + f::MCN.start, 0, "13 ASCII digits"))?,
        )
    } else {
        c.zeros(mcn_bytes, at + f::MCN.start)?;
        None
    };
    let start = LE::read_i32(&d[f::SESSION_START]);
    let session_start = if flags & f::FLAG_SESSION_START != 0 {
        Some(start)
    } else {
        c.zeros(&d[f::SESSION_START], at + f::SESSION_START.start)?;
        None
    };
    let close = if flags & f::FLAG_APPENDABLE != 0 {
        SessionClose::LeaveAppendable
    } else {
        SessionClose::Finalize
    };
    // The table length was checked against the counts: the packs end the table.
    let packs_at = c.table.len().saturating_sub(pack_count as usize * CD_TEXT_PACK_LEN);
    let mut cd_text = Vec::with_capacity(pack_count as usize);
    for i in 0..pack_count as usize {
        let pat = packs_at + i * CD_TEXT_PACK_LEN;
        let b = *c.record::<CD_TEXT_PACK_LEN>(pat, "CD-Text pack")?;
        cd_text.push(
            CdTextPack::new(b)
                .ok_or_else(|| c.bad("CD-Text pack type", pat, b[0].into(), "0x80 to 0x8F"))?,
        );
    }
    Ok(DiscInfo { first_track, mcn, cd_text, session_start, close })
}

fn parse_track(
    c: &Cursor<'_>,
    at: usize,
    number: u32,
) -> Result<(TrackInfo, u32, u32, u64), FormatError> {
    use field::track as f;
    let r = c.record::<TRACK_LEN>(at, "track record")?;
    if u32::from(r[f::NUMBER]) != number {
        return Err(c.bad(
            "track number",
            at + f::NUMBER,
            r[f::NUMBER].into(),
            "the first track number plus the track's index",
        ));
    }
    let mode = TrackMode::from_code(r[f::MODE])
        .ok_or_else(|| c.bad("track mode", at + f::MODE, r[f::MODE].into(), "0, 1 or 2"))?;
    let control = Control::new(r[f::CONTROL]).ok_or_else(|| {
        c.bad("control bits", at + f::CONTROL, r[f::CONTROL].into(), "a 4-bit value")
    })?;
    let flags = r[f::FLAGS];
    if flags & !(f::FLAG_ISRC | f::FLAG_START_LBA) != 0 {
        return Err(c.bad("track flags", at + f::FLAGS, flags.into(), "bits 0 and 1 only"));
    }
    c.zeros(&r[f::RESERVED_6], at + f::RESERVED_6.start)?;
    c.zeros(&r[f::RESERVED_36], at + f::RESERVED_36.start)?;
    let block_size = u32::from(LE::read_u16(&r[f::BLOCK_SIZE]));
    let isrc = if flags & f::FLAG_ISRC != 0 {
        let mut b = [0u8; 12];
        b.copy_from_slice(&r[f::ISRC]);
        Some(
            Isrc::from_bytes(b)
                .ok_or_else(|| c.bad("ISRC", at + f::ISRC.start, 0, "CCOOOYYSSSSS"))?,
        )
    } else {
        c.zeros(&r[f::ISRC], at + f::ISRC.start)?;
        None
    };
    let start_lba = if flags & f::FLAG_START_LBA != 0 {
        Some(LE::read_i32(&r[f::START_LBA]))
    } else {
        c.zeros(&r[f::START_LBA], at + f::START_LBA.start)?;
        None
    };
    let info = TrackInfo {
        mode,
        block_size,
        control,
        pregap: LE::read_u32(&r[f::PREGAP]),
        isrc,
        start_lba,
    };
    if let Err(why) = info.validate() {
        let (field, off, value) = if !mode.accepts_block_size(block_size) {
            ("block size", f::BLOCK_SIZE.start, u64::from(block_size))
        } else {
            ("control bits", f::CONTROL, u64::from(control.bits()))
        };
        return Err(c.bad(field, at + off, value, why));
    }
    Ok((
        info,
        LE::read_u32(&r[f::FIRST_SEGMENT]),
        LE::read_u32(&r[f::SEGMENT_COUNT]),
        LE::read_u64(&r[f::BLOCKS]),
    ))
}

/// Checks that the extents (offset, end) tile `payload_offset..table_offset` exactly.
fn check_tiling(extents: &mut [(u64, u64)], header: &HeaderRepr) -> Result<(), FormatError> {
    extents.sort_unstable();
    let mut pos = header.payload_offset;
    let mut covered: u64 = 0;
    let payload = header.table_offset.saturating_sub(header.payload_offset);
    let mut gap = false;
    let mut previous: Option<u64> = None;
    for &(start, end) in extents.iter() {
        if start < pos {
            let first = previous.unwrap_or(start);
            return Err(FormatError::SegmentsOverlap { first, second: start });
        }
        gap |= start > pos;
        covered += end - start;
        pos = end;
        previous = Some(start);
    }
    if gap || pos != header.table_offset {
        return Err(FormatError::PayloadNotCovered { covered, payload });
    }
    Ok(())
}

/// A count as the table stores it. The writer keeps every count far below `u32::MAX` (99
/// tracks, 2^24 segments, 2048 packs); were one larger, the saturated value would fail the
/// reader's checks instead of wrapping into a plausible one.
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Writes the table for `tracks` and `disc`. The caller has checked every value (the
/// writer's API accepts only valid ones).
pub fn emit(tracks: &[Track], disc: &DiscInfo) -> Vec<u8> {
    let segment_count: usize = tracks.iter().map(|t| t.segments.len()).sum();
    let len = PREFIX_LEN
        + DISC_LEN
        + tracks.len() * TRACK_LEN
        + segment_count * SEGMENT_LEN
        + disc.cd_text.len() * CD_TEXT_PACK_LEN;
    let mut out = Vec::with_capacity(len);
    let mut prefix = [0u8; PREFIX_LEN];
    prefix[field::prefix::MAGIC].copy_from_slice(&TABLE_MAGIC);
    LE::write_u32(&mut prefix[field::prefix::TRACK_COUNT], count(tracks.len()));
    LE::write_u32(&mut prefix[field::prefix::SEGMENT_COUNT], count(segment_count));
    LE::write_u32(&mut prefix[field::prefix::PACK_COUNT], count(disc.cd_text.len()));
    out.extend_from_slice(&prefix);
    {
        use field::disc as f;
        let mut d = [0u8; DISC_LEN];
        d[f::FIRST_TRACK] = disc.first_track;
        let mut flags = 0;
        if let Some(mcn) = &disc.mcn {
            flags |= f::FLAG_MCN;
            d[f::MCN].copy_from_slice(mcn.as_bytes());
        }
        if let Some(start) = disc.session_start {
            flags |= f::FLAG_SESSION_START;
            LE::write_i32(&mut d[f::SESSION_START], start);
        }
        if disc.close == SessionClose::LeaveAppendable {
            flags |= f::FLAG_APPENDABLE;
        }
        d[f::FLAGS] = flags;
        out.extend_from_slice(&d);
    }
    let mut first_segment = 0u32;
    for t in tracks {
        use field::track as f;
        let mut r = [0u8; TRACK_LEN];
        r[f::NUMBER] = t.number;
        r[f::MODE] = t.info.mode.code();
        r[f::CONTROL] = t.info.control.bits();
        let mut flags = 0;
        if let Some(isrc) = &t.info.isrc {
            flags |= f::FLAG_ISRC;
            r[f::ISRC].copy_from_slice(isrc.as_bytes());
        }
        if let Some(lba) = t.info.start_lba {
            flags |= f::FLAG_START_LBA;
            LE::write_i32(&mut r[f::START_LBA], lba);
        }
        r[f::FLAGS] = flags;
        // A valid track's block size is 2048 or 2352.
        let block_size = u16::try_from(t.info.block_size).unwrap_or(u16::MAX);
        LE::write_u16(&mut r[f::BLOCK_SIZE], block_size);
        LE::write_u32(&mut r[f::PREGAP], t.info.pregap);
        LE::write_u32(&mut r[f::FIRST_SEGMENT], first_segment);
        LE::write_u32(&mut r[f::SEGMENT_COUNT], count(t.segments.len()));
        LE::write_u64(&mut r[f::BLOCKS], t.blocks);
        first_segment += count(t.segments.len());
        out.extend_from_slice(&r);
    }
    for s in tracks.iter().flat_map(|t| &t.segments) {
        use field::segment as g;
        let mut r = [0u8; SEGMENT_LEN];
        LE::write_u64(&mut r[g::OFFSET], s.offset);
        LE::write_u32(&mut r[g::BLOCKS], s.blocks);
        LE::write_u32(&mut r[g::CRC], s.crc32c);
        out.extend_from_slice(&r);
    }
    for p in &disc.cd_text {
        out.extend_from_slice(p.as_bytes());
    }
    debug_assert_eq!(out.len(), len);
    out
}
