//! One pass over a tree, directory by directory (breadth first, as path tables list them),
//! checking every record on the way and keeping what the cross-checks need.

use std::collections::{HashSet, VecDeque};

use super::ident::{check_iso, check_joliet, LevelStats};
use super::{Findings, Rule};
use crate::format::order::{iso_cmp, joliet_bytes_cmp};
use crate::format::raw::{BLOCK, BLOCK_U64, DIR_RECORD_HEADER_LEN};
use crate::read::dir::DirCursor;
use crate::read::rock_ridge::{parse_area, FileType, RockRidge};
use crate::read::{text, Ctx, Extent, ReadError, Record, TreeKind, Volume};

/// ISO 9660 directories may nest eight levels, the root being the first (§6.8.2.1).
const MAX_ISO_LEVEL: u32 = 8;
/// Flag bits 5 and 6 are reserved.
const RESERVED_FLAGS: u8 = 0x60;

/// A directory met in the tree.
pub(crate) struct DirInfo {
    /// `""` for the root, else `/A/B`.
    pub path: String,
    pub extent: Extent,
    /// Index of the parent in [`Scan::dirs`] (the root is its own parent).
    pub parent: usize,
    /// 1 for the root.
    pub level: u32,
}

/// A file met in the tree, its sections joined.
pub(crate) struct FileInfo {
    pub path: String,
    pub sections: Vec<Extent>,
    pub size: u64,
    /// Rock Ridge says it is a symbolic link, a device, FIFO or socket, or a relocation
    /// placeholder: Joliet may have no counterpart.
    pub iso_only: bool,
}

/// What one pass over a tree found.
pub(crate) struct Scan {
    pub tree: TreeKind,
    pub dirs: Vec<DirInfo>,
    pub files: Vec<FileInfo>,
    pub stats: LevelStats,
    /// Whether every directory was read to its end.
    pub complete: bool,
}

/// Where a directory's records stand while it is read.
#[derive(Default)]
struct DirState {
    index: usize,
    prev: Option<Vec<u8>>,
    pending: Option<(Vec<u8>, FileInfo)>,
    /// For each sector holding records: (sector index in the directory, end of its last record).
    ends: Vec<(u64, usize)>,
}

struct Scanner<'a, 'f> {
    ctx: Ctx<'a>,
    root_record: Extent,
    f: &'f mut Findings,
    scan: Scan,
    queue: VecDeque<usize>,
    visited: HashSet<u64>,
    budget: u64,
    /// `SP`'s `LEN_SKP` on the ISO 9660 tree of a Rock Ridge volume.
    rr_skip: usize,
}

fn shown(path: &str) -> &str {
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

/// Reads `vol`'s tree, reporting into `f`; `rr_skip` is the Rock Ridge `SP`'s `LEN_SKP`.
pub(crate) fn scan(ctx: Ctx<'_>, vol: &Volume, rr_skip: usize, f: &mut Findings) -> Scan {
    let root = vol.root();
    let scan = Scan {
        tree: vol.tree(),
        dirs: vec![DirInfo { path: String::new(), extent: root, parent: 0, level: 1 }],
        files: Vec::new(),
        stats: LevelStats::default(),
        complete: true,
    };
    let mut s = Scanner {
        ctx,
        root_record: root,
        f,
        scan,
        queue: VecDeque::from([0]),
        visited: HashSet::from([root.data_block()]),
        budget: ctx.opts.limits.max_records,
        rr_skip,
    };
    while let Some(idx) = s.queue.pop_front() {
        if !s.dir(idx) {
            break;
        }
    }
    s.scan
}

impl Scanner<'_, '_> {
    /// Checks directory `idx`; `false` when the record budget is spent.
    fn dir(&mut self, idx: usize) -> bool {
        let Some(dir) = self.scan.dirs.get(idx) else { return true };
        let (extent, path) = (dir.extent, dir.path.clone());
        if extent.len == 0 || extent.len % 2048 != 0 {
            let msg = format!(
                "{}: directory of {} bytes, not a whole number of blocks",
                shown(&path),
                extent.len
            );
            self.f.push(Rule::DirectorySize, msg);
        }
        let mut cursor = DirCursor::new(self.ctx, extent);
        let mut st = DirState::default();
        let mut clean = true;
        while let Some(r) = cursor.next_record(&mut self.budget) {
            match r {
                Ok(r) => self.record(idx, &path, &r, &mut st),
                Err(e) => {
                    self.f.read_error(shown(&path), &e);
                    self.scan.complete = false;
                    if matches!(e, ReadError::RecordBudget { .. }) {
                        return false;
                    }
                    clean = false;
                }
            }
        }
        if let Some((_, file)) = st.pending.take() {
            let msg = format!("{}: multi-extent file has no final section", file.path);
            self.f.push(Rule::Read, msg);
            self.scan.files.push(file);
        }
        if clean {
            self.zero_fill(extent, &path, &st.ends);
        }
        true
    }

    fn zero_fill(&mut self, extent: Extent, path: &str, ends: &[(u64, usize)]) {
        let len = u64::from(extent.len);
        let mut sector = 0u64;
        while sector * BLOCK_U64 < len {
            let end = ends.iter().rev().find(|(s, _)| *s == sector).map_or(0, |&(_, e)| e);
            let n = (len - sector * BLOCK_U64).min(BLOCK_U64);
            let n = usize::try_from(n).unwrap_or(BLOCK);
            let at = extent.data_offset() + sector * BLOCK_U64;
            if let Ok(bytes) = self.ctx.bytes(at, n, "directory") {
                let tail = bytes.get(end..).unwrap_or_default();
                if let Some(pos) = tail.iter().position(|&b| b != 0) {
                    let block = extent.data_block() + sector;
                    let msg = format!(
                        "{}: block {block} byte {} after the last record is not zero",
                        shown(path),
                        end + pos
                    );
                    self.f.push(Rule::ZeroFill, msg);
                }
            }
            sector += 1;
        }
    }

    fn record(&mut self, idx: usize, path: &str, r: &Record<'_>, st: &mut DirState) {
        let i = st.index;
        st.index += 1;
        let Some(dir) = self.scan.dirs.get(idx) else { return };
        let (extent, level, parent) = (dir.extent, dir.level, dir.parent);
        let sector = r.block().saturating_sub(extent.data_block());
        let end = r.offset() + r.bytes().len();
        match st.ends.last_mut() {
            Some((s, e)) if *s == sector => *e = end,
            _ => st.ends.push((sector, end)),
        }
        let at = format!("{}: record at block {} byte {}", shown(path), r.block(), r.offset());
        self.endian(r, &at);
        self.format(r, &at);
        match r.recorded() {
            Err(e) => self.f.push(Rule::RecordDate, format!("{at}: recording date: {e}")),
            Ok(Some(d)) if d.to_chrono().is_none() => {
                self.f.push(Rule::RecordDate, format!("{at}: recording date is no calendar date"))
            }
            Ok(_) => {}
        }
        let got = r.extent();
        match (i, r.is_dot(), r.is_dotdot()) {
            (0, true, _) if idx == 0 => {
                if (got.block, got.len) != (self.root_record.block, self.root_record.len) {
                    let msg = format!(
                        "root record of the descriptor (block {}, {} bytes) differs from the root's `.` (block {}, {} bytes)",
                        self.root_record.block, self.root_record.len, got.block, got.len
                    );
                    self.f.push(Rule::RootRecord, msg);
                }
                return;
            }
            (0, true, _) => {
                if (got.block, got.len) != (extent.block, extent.len) {
                    let msg = format!(
                        "{at}: `.` gives block {} ({} bytes), the directory is at block {} ({} bytes)",
                        got.block, got.len, extent.block, extent.len
                    );
                    self.f.push(Rule::DotEntries, msg);
                }
                return;
            }
            (1, _, true) => {
                let want = self.scan.dirs.get(parent).map_or(extent, |p| p.extent);
                if got.block != want.block {
                    let itself =
                        if got.block == extent.block { " (the directory itself)" } else { "" };
                    let msg = format!(
                        "{at}: `..` gives block {}{itself}, the parent is at block {}",
                        got.block, want.block
                    );
                    self.f.push(Rule::DotEntries, msg);
                }
                return;
            }
            (0, false, _) => {
                self.f.push(Rule::DotEntries, format!("{at}: the first record is not `.`"))
            }
            (1, _, false) => {
                self.f.push(Rule::DotEntries, format!("{at}: the second record is not `..`"))
            }
            (_, true, _) | (_, _, true) => {
                self.f.push(
                    Rule::DotEntries,
                    format!("{at}: `.` or `..` after the first two records"),
                );
            }
            _ => {}
        }
        if r.is_dot() || r.is_dotdot() {
            return;
        }
        if r.is_associated() {
            return;
        }
        let ident = r.identifier();
        if let Some((first, mut file)) = st.pending.take() {
            if first == ident && !r.is_dir() {
                file.sections.push(got);
                file.size = file.size.saturating_add(u64::from(got.len));
                if r.is_multi_extent() {
                    st.pending = Some((first, file));
                } else {
                    self.scan.files.push(file);
                }
                return;
            }
            let msg = format!("{}: multi-extent file has no final section", file.path);
            self.f.push(Rule::Read, msg);
            self.scan.files.push(file);
        }
        let rr = match self.scan.tree {
            TreeKind::Iso => parse_area(r.system_use(), self.rr_skip, false).0,
            TreeKind::Joliet => RockRidge::default(),
        };
        // A relocation placeholder (`CL`) and a relocated directory (`RE`) are placed by
        // their writer apart from the order of the entries around them.
        if rr.child_link.is_none() && !rr.relocated {
            self.order(path, st.prev.as_deref(), ident);
            st.prev = Some(ident.to_vec());
        }
        self.entry(path, r, &rr, level, idx, st);
    }

    fn order(&mut self, path: &str, prev: Option<&[u8]>, ident: &[u8]) {
        let Some(prev) = prev else { return };
        let ns = self.scan.tree;
        let (ord, rule) = match ns {
            TreeKind::Iso => (iso_cmp(prev, ident), Rule::IsoOrder),
            TreeKind::Joliet => (joliet_bytes_cmp(prev, ident), Rule::JolietOrder),
        };
        let (a, b) = (text::decode(ns, prev), text::decode(ns, ident));
        match ord {
            core::cmp::Ordering::Greater => self.f.push(
                rule,
                format!("{}: {a:?} is recorded before {b:?} but sorts after it", shown(path)),
            ),
            core::cmp::Ordering::Equal => self
                .f
                .push(Rule::DuplicateName, format!("{}: two entries named {b:?}", shown(path))),
            core::cmp::Ordering::Less => {}
        }
    }

    fn entry(
        &mut self,
        path: &str,
        r: &Record<'_>,
        rr: &RockRidge,
        level: u32,
        idx: usize,
        st: &mut DirState,
    ) {
        let ns = self.scan.tree;
        let ident = r.identifier();
        let child = format!("{path}/{}", text::decode(ns, ident));
        match ns {
            TreeKind::Iso => {
                let as_dir = r.is_dir() || rr.child_link.is_some();
                check_iso(ident, as_dir, &child, &mut self.scan.stats, self.f);
                if child.len() - 1 > 255 {
                    let msg = format!("{child}: path of {} bytes, more than 255", child.len() - 1);
                    self.f.push(Rule::PathLength, msg);
                }
            }
            TreeKind::Joliet => check_joliet(ident, &child, self.f),
        }
        let got = r.extent();
        if r.is_dir() {
            let level = level + 1;
            if ns == TreeKind::Iso && level == MAX_ISO_LEVEL + 1 {
                let msg = format!(
                    "{child}: directory at level {level}, deeper than the 8 levels of §6.8.2.1"
                );
                self.f.push(Rule::Depth, msg);
            }
            let limit = self.ctx.opts.limits.max_depth;
            if level > limit.saturating_add(1) {
                let e = ReadError::TooDeep { path: child, limit };
                self.f.read_error(shown(path), &e);
                self.scan.complete = false;
            } else if !self.visited.insert(got.data_block()) {
                let e = ReadError::Cycle { path: child, block: got.block };
                self.f.read_error(shown(path), &e);
                self.scan.complete = false;
            } else {
                self.scan.dirs.push(DirInfo { path: child, extent: got, parent: idx, level });
                self.queue.push_back(self.scan.dirs.len() - 1);
            }
            return;
        }
        if r.header().unit_size != 0 || r.header().gap_size != 0 {
            self.f.push(Rule::Interleaved, format!("{child}: recorded interleaved"));
        }
        let special = matches!(
            rr.file_type(),
            Some(
                FileType::Symlink
                    | FileType::CharDevice
                    | FileType::BlockDevice
                    | FileType::Fifo
                    | FileType::Socket
            )
        );
        let iso_only = rr.symlink.is_some() || rr.child_link.is_some() || special;
        let file =
            FileInfo { path: child, sections: vec![got], size: u64::from(got.len), iso_only };
        if r.is_multi_extent() {
            self.scan.stats.multi_extent = true;
            st.pending = Some((ident.to_vec(), file));
        } else {
            self.scan.files.push(file);
        }
    }

    fn endian(&mut self, r: &Record<'_>, at: &str) {
        let h = r.header();
        let pairs = [
            ("extent location", h.extent.get().err()),
            ("data length", h.data_len.get().err()),
            ("volume sequence number", h.vol_seq.get().err()),
        ];
        for (what, e) in pairs {
            if let Some(e) = e {
                let msg =
                    format!("{at}: {what}: little-endian half {}, big-endian half {}", e.le, e.be);
                self.f.push(Rule::EndianPair, msg);
            }
        }
    }

    fn format(&mut self, r: &Record<'_>, at: &str) {
        let h = r.header();
        if h.len_dr % 2 != 0 {
            self.f.push(Rule::RecordFormat, format!("{at}: odd record length {}", h.len_dr));
        }
        let len_fi = usize::from(h.len_fi);
        if len_fi % 2 == 0 {
            match r.bytes().get(DIR_RECORD_HEADER_LEN + len_fi) {
                Some(0) => {}
                Some(_) => self.f.push(Rule::RecordFormat, format!("{at}: pad byte is not zero")),
                None => self
                    .f
                    .push(Rule::RecordFormat, format!("{at}: no pad byte after the identifier")),
            }
        }
        if h.flags & RESERVED_FLAGS != 0 {
            self.f.push(
                Rule::RecordFormat,
                format!("{at}: reserved flag bits set ({:#04x})", h.flags),
            );
        }
    }
}
