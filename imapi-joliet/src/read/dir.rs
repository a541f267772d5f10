//! Directory records (ECMA-119 §9.1).
//!
//! [`Records`] walks a directory's records as they are recorded, `.` and `..` included; each
//! [`Record`] has been checked (length at least 34, inside its sector and its directory,
//! identifier inside the record, both-endian pairs per the image's policy) before it is
//! handed out. [`entry`](super::entry) joins them into entries.

use std::borrow::Cow;

use zerocopy::FromBytes;

use super::{len64, sub, Ctx, ReadError};
use crate::format::date::{DateError, IsoDateTime};
use crate::format::raw::{DirRecordHeader, BLOCK_U64, DIR_RECORD_HEADER_LEN};
use crate::format::raw::{FLAG_ASSOCIATED, FLAG_DIRECTORY, FLAG_MULTI_EXTENT};

/// The smallest directory record: the fixed part and a one-byte identifier.
pub const MIN_RECORD_LEN: u8 = 34;
/// Bytes read at once from a directory (32 blocks).
const CHUNK: u64 = 32 * BLOCK_U64;
/// Offsets of the both-endian fields in a directory record, for messages.
const EXTENT_AT: usize = 2;
const DATA_LEN_AT: usize = 10;
const VOL_SEQ_AT: usize = 28;

/// Where a file section or a directory lies: its first block, the blocks of its extended
/// attribute record (which precede the data), and its data length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Extent {
    /// The extent's first block, as recorded.
    pub block: u32,
    /// Blocks of extended attribute record at the start of the extent.
    pub xa_blocks: u8,
    /// Data length in bytes.
    pub len: u32,
}

impl Extent {
    /// The block where the data starts (after any extended attribute record).
    pub fn data_block(&self) -> u64 {
        u64::from(self.block) + u64::from(self.xa_blocks)
    }

    /// The byte where the data starts.
    pub fn data_offset(&self) -> u64 {
        self.data_block() * BLOCK_U64
    }

    /// One past the last block the extent occupies.
    pub fn end_block(&self) -> u64 {
        self.data_block() + u64::from(self.len).div_ceil(BLOCK_U64)
    }
}

/// One directory record, checked, borrowed from the image where it is in memory.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub(super) hdr: DirRecordHeader,
    pub(super) bytes: Cow<'a, [u8]>,
    pub(super) block: u64,
    pub(super) offset: usize,
    pub(super) extent: u32,
    pub(super) data_len: u32,
}

impl<'a> Record<'a> {
    /// The fixed part, raw (both-endian fields unchecked).
    pub fn header(&self) -> &DirRecordHeader {
        &self.hdr
    }
    /// The whole record (LEN_DR bytes).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// The block holding the record.
    pub fn block(&self) -> u64 {
        self.block
    }
    /// The record's byte within its block.
    pub fn offset(&self) -> usize {
        self.offset
    }
    /// The file identifier: `[0]` for `.`, `[1]` for `..`.
    pub fn identifier(&self) -> &[u8] {
        let end = DIR_RECORD_HEADER_LEN + usize::from(self.hdr.len_fi);
        self.bytes.get(DIR_RECORD_HEADER_LEN..end).unwrap_or(&[])
    }
    /// The system use area after the identifier and its padding byte (Rock Ridge lives here).
    pub fn system_use(&self) -> &[u8] {
        let len_fi = usize::from(self.hdr.len_fi);
        let start = DIR_RECORD_HEADER_LEN + len_fi + (len_fi + 1) % 2;
        self.bytes.get(start..).unwrap_or(&[])
    }
    /// The file flags (`raw::FLAG_*`).
    pub fn flags(&self) -> u8 {
        self.hdr.flags
    }
    /// Whether the record describes a directory.
    pub fn is_dir(&self) -> bool {
        self.hdr.flags & FLAG_DIRECTORY != 0
    }
    /// Whether more sections of the same file follow.
    pub fn is_multi_extent(&self) -> bool {
        self.hdr.flags & FLAG_MULTI_EXTENT != 0
    }
    /// Whether the record is an associated file.
    pub fn is_associated(&self) -> bool {
        self.hdr.flags & FLAG_ASSOCIATED != 0
    }
    /// Whether this is the `.` record (identifier 0x00).
    pub fn is_dot(&self) -> bool {
        self.identifier() == [0]
    }
    /// Whether this is the `..` record (identifier 0x01).
    pub fn is_dotdot(&self) -> bool {
        self.identifier() == [1]
    }
    /// Where the record's data lies.
    pub fn extent(&self) -> Extent {
        Extent { block: self.extent, xa_blocks: self.hdr.ext_attr_len, len: self.data_len }
    }
    /// The recording date; `None` when all seven bytes are zero.
    pub fn recorded(&self) -> Result<Option<IsoDateTime>, DateError> {
        IsoDateTime::from_bytes7(&self.hdr.recorded)
    }
    /// The same record, owning its bytes.
    pub fn into_owned(self) -> Record<'static> {
        Record { bytes: Cow::Owned(self.bytes.into_owned()), ..self }
    }
}

/// Reads the root record of a volume descriptor at `block`.
pub(crate) fn parse_root_record(
    ctx: Ctx<'_>,
    bytes: &[u8; 34],
    block: u64,
) -> Result<Extent, ReadError> {
    let bad = |reason| ReadError::BadRootRecord { block, reason };
    let (hdr, _) = DirRecordHeader::read_from_prefix(bytes).map_err(|_| bad("truncated"))?;
    if hdr.len_dr < MIN_RECORD_LEN {
        return Err(bad("length is below 34"));
    }
    if hdr.len_fi != 1 {
        return Err(bad("identifier length is not 1"));
    }
    if hdr.flags & FLAG_DIRECTORY == 0 {
        return Err(bad("not flagged as a directory"));
    }
    let at = 156;
    let extent = ctx.both32(&hdr.extent, "root directory extent", block, at + EXTENT_AT)?;
    let len = ctx.both32(&hdr.data_len, "root directory length", block, at + DATA_LEN_AT)?;
    Ok(Extent { block: extent, xa_blocks: hdr.ext_attr_len, len })
}

/// A position in a directory's records; the engine behind [`Records`] and the walks.
pub(crate) struct DirCursor<'a> {
    ctx: Ctx<'a>,
    dir: Extent,
    pos: u64,
    chunk: Cow<'a, [u8]>,
    chunk_start: u64,
    done: bool,
}

impl<'a> DirCursor<'a> {
    pub(crate) fn new(ctx: Ctx<'a>, dir: Extent) -> Self {
        Self { ctx, dir, pos: 0, chunk: Cow::Borrowed(&[]), chunk_start: 0, done: false }
    }

    /// The next record, counting it against `budget`. After an error, `None` forever.
    pub(crate) fn next_record(
        &mut self,
        budget: &mut u64,
    ) -> Option<Result<Record<'a>, ReadError>> {
        if self.done {
            return None;
        }
        let r = self.advance(budget);
        if !matches!(r, Some(Ok(_))) {
            self.done = true;
        }
        r
    }

    /// Stops the cursor: later calls give `None`.
    pub(crate) fn stop(&mut self) {
        self.done = true;
    }

    fn advance(&mut self, budget: &mut u64) -> Option<Result<Record<'a>, ReadError>> {
        let dir_len = u64::from(self.dir.len);
        loop {
            if self.pos >= dir_len {
                return None;
            }
            let in_sector = self.pos % BLOCK_U64;
            let sector = self.pos - in_sector;
            let chunk_len = len64(self.chunk.len());
            if sector < self.chunk_start || sector >= self.chunk_start + chunk_len {
                let len = CHUNK.min(dir_len - sector);
                let offset = self.dir.data_offset() + sector;
                // `len` is at most CHUNK, so it fits a usize.
                let len = usize::try_from(len).unwrap_or(0);
                self.chunk = match self.ctx.bytes(offset, len, "directory") {
                    Ok(c) => c,
                    Err(e) => return Some(Err(e)),
                };
                self.chunk_start = sector;
            }
            let idx = usize::try_from(self.pos - self.chunk_start).unwrap_or(usize::MAX);
            let len_dr = match self.chunk.get(idx) {
                Some(&b) => b,
                None => return None,
            };
            if len_dr == 0 {
                // Zero fill after the sector's last record: go on at the next sector.
                self.pos = sector + BLOCK_U64;
                continue;
            }
            return Some(self.record_at(idx, len_dr, in_sector, budget));
        }
    }

    fn record_at(
        &mut self,
        idx: usize,
        len_dr: u8,
        in_sector: u64,
        budget: &mut u64,
    ) -> Result<Record<'a>, ReadError> {
        let block = (self.dir.data_offset() + self.pos) / BLOCK_U64;
        // `in_sector` is below 2048.
        let offset = usize::try_from(in_sector).unwrap_or(usize::MAX);
        if *budget == 0 {
            return Err(ReadError::RecordBudget { limit: self.ctx.opts.limits.max_records });
        }
        *budget -= 1;
        if len_dr < MIN_RECORD_LEN {
            return Err(ReadError::RecordTooShort { block, offset, len_dr });
        }
        if in_sector + u64::from(len_dr) > BLOCK_U64 {
            return Err(ReadError::RecordCrossesSector { block, offset, len_dr });
        }
        if self.pos + u64::from(len_dr) > u64::from(self.dir.len) {
            let dir_len = self.dir.len;
            return Err(ReadError::RecordPastDirectory { block, offset, len_dr, dir_len });
        }
        let end = idx + usize::from(len_dr);
        let bytes = sub(&self.chunk, idx, end).ok_or(ReadError::RecordPastDirectory {
            block,
            offset,
            len_dr,
            dir_len: self.dir.len,
        })?;
        let (hdr, _) = DirRecordHeader::read_from_prefix(&bytes)
            .map_err(|_| ReadError::RecordTooShort { block, offset, len_dr })?;
        if hdr.len_fi == 0 {
            return Err(ReadError::EmptyIdentifier { block, offset });
        }
        if DIR_RECORD_HEADER_LEN + usize::from(hdr.len_fi) > usize::from(len_dr) {
            let len_fi = hdr.len_fi;
            return Err(ReadError::IdentifierPastRecord { block, offset, len_fi, len_dr });
        }
        let ctx = self.ctx;
        let extent = ctx.both32(&hdr.extent, "extent location", block, offset + EXTENT_AT)?;
        let data_len = ctx.both32(&hdr.data_len, "data length", block, offset + DATA_LEN_AT)?;
        ctx.both16(&hdr.vol_seq, "volume sequence number", block, offset + VOL_SEQ_AT)?;
        self.pos += u64::from(len_dr);
        Ok(Record { hdr, bytes, block, offset, extent, data_len })
    }
}

/// The records of one directory, in recorded order, `.` and `..` included.
pub struct Records<'a> {
    cursor: DirCursor<'a>,
    budget: u64,
}

impl<'a> Records<'a> {
    pub(crate) fn new(ctx: Ctx<'a>, dir: Extent) -> Self {
        Self { cursor: DirCursor::new(ctx, dir), budget: ctx.opts.limits.max_records }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, ReadError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.cursor.next_record(&mut self.budget)
    }
}
