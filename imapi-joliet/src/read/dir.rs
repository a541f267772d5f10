//! Directory records (ECMA-119 §9.1) and the entries they make once the sections of a
//! multi-extent file are joined.
//!
//! [`Records`] walks a directory's records as they are recorded, `.` and `..` included; each
//! [`Record`] has been checked (length at least 34, inside its sector and its directory,
//! identifier inside the record, both-endian pairs per the image's policy) before it is
//! handed out. [`Entries`] joins them into [`Entry`] values: one per file or directory,
//! `.`, `..` and associated files left out.

use std::borrow::Cow;

use zerocopy::{FromBytes, FromZeros};

use super::rock_ridge::{FileType, RockRidge};
use super::rr_read::{read_entries, RockRidgeVolume, RrRead};
use super::{len64, sub, text, Ctx, ReadError, TreeKind};
use crate::format::date::{DateError, IsoDateTime};
use crate::format::raw::{DirRecordHeader, BLOCK_U64, DIR_RECORD_HEADER_LEN};
use crate::format::raw::{FLAG_ASSOCIATED, FLAG_DIRECTORY, FLAG_HIDDEN, FLAG_MULTI_EXTENT};

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
    hdr: DirRecordHeader,
    bytes: Cow<'a, [u8]>,
    block: u64,
    offset: usize,
    extent: u32,
    data_len: u32,
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

/// Whether an entry is a file or a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A file (every section joined).
    File,
    /// A directory.
    Directory,
}

/// A file or directory: its records joined, its name decoded.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    tree: TreeKind,
    ident: Cow<'a, [u8]>,
    name: String,
    kind: EntryKind,
    size: u64,
    sections: Vec<Extent>,
    hdr: DirRecordHeader,
    block: u64,
    offset: usize,
    rr: Option<Box<RockRidge>>,
    rr_volume: Option<RockRidgeVolume>,
}

impl<'a> Entry<'a> {
    fn new(tree: TreeKind, first: Record<'a>, sections: Vec<Extent>, size: u64) -> Self {
        let kind = if first.is_dir() { EntryKind::Directory } else { EntryKind::File };
        let mut name = text::decode(tree, first.identifier());
        if tree == TreeKind::Joliet && name.ends_with(";1") {
            name.truncate(name.len() - 2);
        }
        let (hdr, block, offset) = (first.hdr, first.block, first.offset);
        let end = DIR_RECORD_HEADER_LEN + usize::from(hdr.len_fi);
        let ident = sub(&first.bytes, DIR_RECORD_HEADER_LEN, end).unwrap_or_default();
        Self {
            tree,
            ident,
            name,
            kind,
            size,
            sections,
            hdr,
            block,
            offset,
            rr: None,
            rr_volume: None,
        }
    }

    /// The same root entry, read in the Rock Ridge view of `vol`.
    pub(crate) fn in_rock_ridge(mut self, vol: RockRidgeVolume) -> Self {
        self.rr_volume = Some(vol);
        self
    }

    /// The root of the Rock Ridge view: its attributes are those of the `.` record of the
    /// root directory (the descriptor's copy of the root record has no system use). When
    /// that record cannot be read the root has none; the verifier names the fault.
    pub(crate) fn root_in_rock_ridge(mut self, ctx: Ctx<'_>, vol: RockRidgeVolume) -> Self {
        let mut budget = 1u64;
        let dot = self.sections.first().and_then(|&root| {
            DirCursor::new(ctx, root).next_record(&mut budget)?.ok().filter(|r| r.is_dot())
        });
        if let Some(dot) = dot {
            let read = read_entries(ctx, dot.system_use(), 0, true, vol.volume_end);
            if read.fault.is_none() {
                let mut rr = read.rr;
                rr.name = None;
                self.rr = Some(Box::new(rr));
            }
        }
        self.in_rock_ridge(vol)
    }

    /// The Rock Ridge volume this entry was read through, in the Rock Ridge view.
    pub(crate) fn rock_ridge_volume(&self) -> Option<RockRidgeVolume> {
        self.rr_volume
    }

    /// The root directory of a tree, as its descriptor records it.
    pub(crate) fn root(tree: TreeKind, root: Extent, block: u64) -> Entry<'static> {
        let mut hdr = DirRecordHeader::new_zeroed();
        hdr.flags = FLAG_DIRECTORY;
        hdr.len_fi = 1;
        Entry {
            tree,
            ident: Cow::Borrowed(&[0]),
            name: String::new(),
            kind: EntryKind::Directory,
            size: u64::from(root.len),
            sections: vec![root],
            hdr,
            block,
            offset: 156,
            rr: None,
            rr_volume: None,
        }
    }

    /// The tree the entry belongs to.
    pub fn tree(&self) -> TreeKind {
        self.tree
    }
    /// The identifier as recorded (UCS-2 big-endian bytes in Joliet).
    pub fn identifier(&self) -> &[u8] {
        &self.ident
    }
    /// The name: ISO 9660 names as recorded (`FILE.TXT;1`), Joliet names decoded, without a
    /// trailing `;1` (some writers add one). In the Rock Ridge view, the POSIX name (`NM`), or
    /// when a record has none the ISO 9660 name lower-cased without its version and trailing
    /// dot, as Linux shows it. Empty for the root.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// File or directory.
    pub fn kind(&self) -> EntryKind {
        self.kind
    }
    /// Whether the entry is a directory.
    pub fn is_dir(&self) -> bool {
        self.kind == EntryKind::Directory
    }
    /// The size in bytes: the sum of every section's length.
    pub fn size(&self) -> u64 {
        self.size
    }
    /// The sections, in order (one, unless the file is multi-extent).
    pub fn sections(&self) -> &[Extent] {
        &self.sections
    }
    /// The first block of the first section.
    pub fn block(&self) -> u32 {
        self.sections.first().map_or(0, |s| s.block)
    }
    /// The fixed part of the first record (flags, dates, ... raw).
    pub fn header(&self) -> &DirRecordHeader {
        &self.hdr
    }
    /// The recording date; `None` when all seven bytes are zero.
    pub fn recorded(&self) -> Result<Option<IsoDateTime>, DateError> {
        IsoDateTime::from_bytes7(&self.hdr.recorded)
    }
    /// The modification time as seconds since 1970 UTC: Rock Ridge's (`TF`) in the Rock Ridge
    /// view when recorded, else the record's recording date, when it is recorded and valid.
    pub fn mtime(&self) -> Option<i64> {
        self.rr
            .as_ref()
            .and_then(|rr| rr.mtime_unix())
            .or_else(|| self.recorded().ok().flatten().and_then(|d| d.to_unix()))
    }
    /// What the entry's Rock Ridge entries say; only in the Rock Ridge view
    /// ([`View::RockRidge`](super::View::RockRidge)).
    pub fn rock_ridge(&self) -> Option<&RockRidge> {
        self.rr.as_deref()
    }
    /// The file type: Rock Ridge's (`PX`) when known, else directory or regular file.
    pub fn file_type(&self) -> FileType {
        match self.rr.as_ref().and_then(|rr| rr.file_type()) {
            Some(t) if t != FileType::Unknown => t,
            _ if self.is_dir() => FileType::Directory,
            _ => FileType::Regular,
        }
    }
    /// Whether the hidden ("existence") flag is set.
    pub fn is_hidden(&self) -> bool {
        self.hdr.flags & FLAG_HIDDEN != 0
    }
    /// Whether the file is recorded interleaved (unit size or gap size set).
    pub fn is_interleaved(&self) -> bool {
        self.hdr.unit_size != 0 || self.hdr.gap_size != 0
    }
    /// Block and byte of the entry's first record.
    pub fn location(&self) -> (u64, usize) {
        (self.block, self.offset)
    }
    /// The same entry, owning its identifier.
    pub fn into_owned(self) -> Entry<'static> {
        Entry { ident: Cow::Owned(self.ident.into_owned()), ..self }
    }
}

/// Joins records into entries; the engine behind [`Entries`] and the walks.
pub(crate) struct EntryCursor<'a> {
    ctx: Ctx<'a>,
    records: DirCursor<'a>,
    tree: TreeKind,
    rr: Option<RockRidgeVolume>,
}

impl<'a> EntryCursor<'a> {
    pub(crate) fn new(ctx: Ctx<'a>, tree: TreeKind, dir: Extent) -> Self {
        Self { ctx, records: DirCursor::new(ctx, dir), tree, rr: None }
    }

    /// Reads the entries through their Rock Ridge entries (the Rock Ridge view).
    pub(crate) fn rock_ridge(mut self, rr: Option<RockRidgeVolume>) -> Self {
        self.rr = rr;
        self
    }

    /// The next entry, counting its records against `budget`. After an error, `None` forever.
    pub(crate) fn next_entry(&mut self, budget: &mut u64) -> Option<Result<Entry<'a>, ReadError>> {
        let r = self.advance(budget);
        if matches!(r, Some(Err(_))) {
            self.records.stop();
        }
        r
    }

    fn advance(&mut self, budget: &mut u64) -> Option<Result<Entry<'a>, ReadError>> {
        loop {
            let first = match self.records.next_record(budget)? {
                Ok(r) => r,
                Err(e) => return Some(Err(e)),
            };
            if first.is_dot() || first.is_dotdot() || first.is_associated() {
                continue;
            }
            let size = u64::from(first.data_len);
            let mut sections = vec![first.extent()];
            let rr = self.rr.map(|vol| {
                let skip = usize::from(vol.skip);
                (vol, read_entries(self.ctx, first.system_use(), skip, false, vol.volume_end))
            });
            let entry = if !first.is_multi_extent() {
                Entry::new(self.tree, first, sections, size)
            } else {
                match self.join(&first, &mut sections, size, budget) {
                    Ok(size) => Entry::new(self.tree, first, sections, size),
                    Err(e) => return Some(Err(e)),
                }
            };
            let Some((vol, read)) = rr else { return Some(Ok(entry)) };
            match self.with_rock_ridge(entry, read, vol, budget) {
                Ok(Some(entry)) => return Some(Ok(entry)),
                Ok(None) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// `entry` as the Rock Ridge view shows it; `None` for a relocated directory (`RE`),
    /// hidden where it was moved to.
    fn with_rock_ridge(
        &mut self,
        mut entry: Entry<'a>,
        read: RrRead,
        vol: RockRidgeVolume,
        budget: &mut u64,
    ) -> Result<Option<Entry<'a>>, ReadError> {
        if let Some((ce, fault)) = read.fault {
            return Err(ReadError::BadContinuation {
                path: entry.name.clone(),
                block: entry.block,
                offset: entry.offset,
                ce_block: ce.block,
                reason: fault.reason(),
            });
        }
        let mut rr = read.rr;
        if rr.relocated {
            return Ok(None);
        }
        if let Some(target) = rr.child_link {
            let (dot, dot_rr) = self.relocated_dot(&entry.name, target, vol, budget)?;
            entry.kind = EntryKind::Directory;
            entry.size = u64::from(dot.len);
            entry.sections = vec![dot];
            rr.mode = dot_rr.mode.or(rr.mode);
            rr.nlink = dot_rr.nlink.or(rr.nlink);
            rr.uid = dot_rr.uid.or(rr.uid);
            rr.gid = dot_rr.gid.or(rr.gid);
            rr.serial = dot_rr.serial.or(rr.serial);
            rr.mtime = dot_rr.mtime.or(rr.mtime);
            rr.atime = dot_rr.atime.or(rr.atime);
            rr.ctime = dot_rr.ctime.or(rr.ctime);
        }
        entry.name = match rr.name.as_deref() {
            Some(n) if !n.is_empty() && n != "." && n != ".." => n.to_owned(),
            _ => iso_fallback_name(&entry.name),
        };
        entry.rr = Some(Box::new(rr));
        entry.rr_volume = Some(vol);
        Ok(Some(entry))
    }

    /// The extent and Rock Ridge entries of the `.` record of the directory relocated to
    /// `target` (named by a `CL` entry of `name`).
    fn relocated_dot(
        &self,
        name: &str,
        target: u32,
        vol: RockRidgeVolume,
        budget: &mut u64,
    ) -> Result<(Extent, RockRidge), ReadError> {
        let bad = |reason| ReadError::BadRelocation { path: name.to_owned(), target, reason };
        if u64::from(target) >= vol.volume_end {
            return Err(bad("the block lies outside the volume"));
        }
        let first = Extent { block: target, xa_blocks: 0, len: BLOCK_U64 as u32 };
        let dot = match DirCursor::new(self.ctx, first).next_record(budget) {
            Some(Ok(r)) => r,
            Some(Err(ReadError::RecordBudget { limit })) => {
                return Err(ReadError::RecordBudget { limit })
            }
            Some(Err(_)) | None => return Err(bad("the block holds no directory record")),
        };
        if !dot.is_dot() || !dot.is_dir() || dot.extent != target {
            return Err(bad("the block does not start with the `.` record of a directory"));
        }
        let skip = usize::from(vol.skip);
        let read = read_entries(self.ctx, dot.system_use(), skip, false, vol.volume_end);
        Ok((dot.extent(), read.rr))
    }

    /// Reads the sections after `first` up to the final one; gives the file's size.
    fn join(
        &mut self,
        first: &Record<'a>,
        sections: &mut Vec<Extent>,
        mut size: u64,
        budget: &mut u64,
    ) -> Result<u64, ReadError> {
        let ns = self.tree;
        let name = || text::decode(ns, first.identifier());
        let bad = |r: &Record<'_>, reason| ReadError::BadMultiExtent {
            name: text::decode(ns, first.identifier()),
            block: r.block,
            offset: r.offset,
            reason,
        };
        if first.is_dir() {
            return Err(bad(first, "is a directory"));
        }
        loop {
            let next = match self.records.next_record(budget) {
                Some(r) => r?,
                None => {
                    return Err(ReadError::UnterminatedMultiExtent {
                        name: name(),
                        block: first.block,
                        offset: first.offset,
                    })
                }
            };
            if next.identifier() != first.identifier() {
                return Err(bad(&next, "has another identifier before the final section"));
            }
            if next.is_dir() {
                return Err(bad(&next, "is a directory"));
            }
            sections.push(next.extent());
            size = size
                .checked_add(u64::from(next.data_len))
                .ok_or_else(|| bad(&next, "makes the file larger than 2^64 bytes"))?;
            if !next.is_multi_extent() {
                return Ok(size);
            }
        }
    }
}

/// An ISO 9660 name as Linux shows it on a Rock Ridge volume when a record has no `NM`:
/// lower case, without the version and a trailing dot.
fn iso_fallback_name(iso: &str) -> String {
    let base = iso.rsplit_once(';').map_or(iso, |(b, _)| b);
    let base = base.strip_suffix('.').unwrap_or(base);
    base.to_ascii_lowercase()
}

/// The entries of one directory, in recorded order: `.`, `..` and associated files left out,
/// multi-extent files joined.
pub struct Entries<'a> {
    cursor: EntryCursor<'a>,
    budget: u64,
}

impl<'a> Entries<'a> {
    pub(crate) fn new(
        ctx: Ctx<'a>,
        tree: TreeKind,
        dir: Extent,
        rr: Option<RockRidgeVolume>,
    ) -> Self {
        let cursor = EntryCursor::new(ctx, tree, dir).rock_ridge(rr);
        Self { cursor, budget: ctx.opts.limits.max_records }
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, ReadError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.cursor.next_entry(&mut self.budget)
    }
}

#[cfg(test)]
mod tests {
    use super::iso_fallback_name;

    #[test]
    fn iso_names_without_nm_show_as_linux_shows_them() {
        assert_eq!(iso_fallback_name("README.TXT;1"), "readme.txt");
        assert_eq!(iso_fallback_name("MAKEFILE.;1"), "makefile");
        assert_eq!(iso_fallback_name("DIR"), "dir");
        assert_eq!(iso_fallback_name("A.B"), "a.b");
    }
}
