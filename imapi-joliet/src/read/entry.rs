//! The entries directory records make once the sections of a multi-extent file are joined.
//!
//! [`Entries`] joins a directory's [`Record`]s into [`Entry`] values: one per file or
//! directory, `.`, `..` and associated files left out; on a Rock Ridge volume each carries its
//! entries ([`RockRidge`]).

use std::borrow::Cow;

use zerocopy::FromZeros;

use super::dir::{DirCursor, Extent, Record};
use super::rock_ridge::{FileType, RockRidge};
use super::rr_read::{read_entries, RockRidgeVolume, RrRead};
use super::{sub, text, Ctx, ReadError, TreeKind};
use crate::format::date::{DateError, IsoDateTime};
use crate::format::raw::{DirRecordHeader, BLOCK_U64, DIR_RECORD_HEADER_LEN};
use crate::format::raw::{FLAG_DIRECTORY, FLAG_HIDDEN};

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
