//! Reading small host files on a second thread while the emit pass writes.
//!
//! A tree of many small files costs the pass three system calls a file (open, read, close)
//! besides the writes of the image; one thread spends its time there. The pass cuts the
//! files it writes into batches of about [`BATCH_BYTES`] of consecutive small host files and,
//! with two or more cores, a helper claims batches ahead of it and reads each into a buffer.
//! The pass takes batches in order: one the helper claimed it writes from the helper's
//! buffer; one still unclaimed it claims and reads itself. So the pass spends its time
//! writing while the helper keeps up, reads beside it when it does not, and writes every byte
//! in plan order as before.
//!
//! A few buffers ([`BUFFERS`]) circulate between the threads, so the helper never runs more
//! than that many batches ahead and the memory this takes is fixed, whatever the tree. A
//! batch that fails (a file gone, grown or shrunk) comes back as the error the pass would
//! have given for that file, at that file's place in the order. When the pass stops early it
//! drops its ends of the channels, and the helper ends at its next send or receive.

use std::fs::File;
use std::io::{self, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};

use crate::error::Error;
use crate::host_open::HostOpener;
use crate::plan::Plan;
use crate::raw::BLOCK_U64;
use crate::tree::{Content, Kind};

/// Bytes of file data (padding included) a batch holds at most, unless one file is larger.
pub(crate) const BATCH_BYTES: u64 = 128 << 10;
/// Buffers in circulation: how many batches the helper may read ahead of the pass.
pub(crate) const BUFFERS: usize = 4;
/// Files at least this large are never read ahead (the pass copies them itself).
pub(crate) const AHEAD_MAX: u64 = 1 << 20;
/// Fewer files to read ahead than this and no helper is started.
const MIN_FILES: usize = 256;

/// Consecutive entries `start..end` of the plan's file order; `small` when they are small
/// host files the helper may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Batch {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) small: bool,
}

/// What the helper gives back for a batch it claimed, with the buffer it took.
pub(crate) enum Filled {
    /// The batch's bytes, each file padded to whole blocks.
    Read(Vec<u8>),
    /// The error of the batch's first bad file.
    Failed(Error),
    /// A batch the helper does not read (not small files): the pass writes it.
    Skipped(Vec<u8>),
}

/// The batches and which have been claimed, shared by the pass and the helper.
pub(crate) struct Claims {
    pub(crate) batches: Vec<Batch>,
    /// The first batch nobody has claimed yet.
    next: AtomicUsize,
}

impl Claims {
    /// Claims batch `k` for the pass, if nobody has claimed it.
    pub(crate) fn claim(&self, k: usize) -> bool {
        self.next.compare_exchange(k, k + 1, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    /// Claims the first unclaimed batch for the helper; `None` past the last.
    fn claim_next(&self) -> Option<usize> {
        let mut k = self.next.load(Ordering::Acquire);
        loop {
            if k >= self.batches.len() {
                return None;
            }
            match self.next.compare_exchange(k, k + 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Some(k),
                Err(now) => k = now,
            }
        }
    }
}

impl Plan<'_> {
    /// Whether the file at `i` in the file order may be read ahead: a host file found by a
    /// walk, smaller than [`AHEAD_MAX`], without a boot-info table.
    fn may_read_ahead(&self, i: usize) -> bool {
        let node = self.file_order[i];
        let Kind::File { size, content } = self.tree.node(node).kind else { return false };
        size < AHEAD_MAX
            && matches!(self.tree.contents.get(content as usize), Some(Content::Host { .. }))
            && !self.info_tables.contains(&content)
    }

    /// The batches of the file order; `None` when reading ahead would not pay (one core, or
    /// few small files).
    pub(crate) fn claims(&self) -> Option<Claims> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cores < 2 || self.file_order.len() < MIN_FILES {
            return None;
        }
        let mut batches = Vec::new();
        let mut small_files = 0usize;
        let mut i = 0;
        while i < self.file_order.len() {
            if !self.may_read_ahead(i) {
                batches.push(Batch { start: i, end: i + 1, small: false });
                i += 1;
                continue;
            }
            let start = i;
            let mut bytes = 0u64;
            while i < self.file_order.len() && self.may_read_ahead(i) && bytes < BATCH_BYTES {
                bytes += self.padded_size(i);
                i += 1;
            }
            batches.push(Batch { start, end: i, small: true });
            small_files += i - start;
        }
        (small_files >= MIN_FILES).then(|| Claims { batches, next: AtomicUsize::new(0) })
    }

    /// The bytes the file at `i` of the file order takes, padded to whole blocks.
    fn padded_size(&self, i: usize) -> u64 {
        match self.tree.node(self.file_order[i]).kind {
            Kind::File { size, .. } => size.next_multiple_of(BLOCK_U64),
            Kind::Dir(_) => 0,
        }
    }

    /// The helper: claims batches ahead of the pass while it has a buffer from `free`, reads
    /// the small ones, and sends each back on `filled` in the order it claimed them.
    pub(crate) fn read_ahead(
        &self,
        claims: &Claims,
        free: Receiver<Vec<u8>>,
        filled: SyncSender<Filled>,
    ) {
        let mut opener = HostOpener::default();
        loop {
            let Ok(mut buf) = free.recv() else { return };
            let Some(k) = claims.claim_next() else { return };
            let batch = &claims.batches[k];
            buf.clear();
            let msg = if !batch.small {
                Filled::Skipped(buf)
            } else {
                match self.fill(&mut opener, batch, &mut buf) {
                    Ok(()) => Filled::Read(buf),
                    Err(e) => Filled::Failed(e),
                }
            };
            if filled.send(msg).is_err() {
                return;
            }
        }
    }

    /// Appends the bytes of `batch`, each file padded to whole blocks, to `buf`.
    fn fill(&self, opener: &mut HostOpener, batch: &Batch, buf: &mut Vec<u8>) -> Result<(), Error> {
        let tree = self.tree;
        for &node in &self.file_order[batch.start..batch.end] {
            let Kind::File { size, content } = tree.node(node).kind else { continue };
            let Some(&Content::Host { dir, name }) = tree.contents.get(content as usize) else {
                continue;
            };
            let read_err = |e| Error::SourceRead {
                path: tree.path(node),
                source_name: tree.host_path(dir, name).display().to_string(),
                source: e,
            };
            let mut src = opener.open(tree, dir, name).map_err(read_err)?;
            let found = read_exact_into(&mut src, size, buf).map_err(read_err)?;
            if found != size {
                return Err(Error::SourceChanged { path: tree.path(node), planned: size, found });
            }
            buf.resize(buf.len() + (size.next_multiple_of(BLOCK_U64) - size) as usize, 0);
        }
        Ok(())
    }
}

/// Appends the bytes of `src` to `buf` when it holds exactly `len`, and returns how many it
/// holds: `len`, fewer, or `len + 1` when it holds more. Reads ask for one byte more than is
/// left, so a regular file proves its end with the read that brings its last byte, as the
/// pass's own copy does.
fn read_exact_into(src: &mut File, len: u64, buf: &mut Vec<u8>) -> io::Result<u64> {
    let start = buf.len();
    let want = usize::try_from(len).unwrap_or(usize::MAX).saturating_add(1);
    buf.resize(start + want, 0);
    let mut done = 0usize;
    let result = loop {
        match src.read(&mut buf[start + done..]) {
            Ok(0) => break Ok(done as u64),
            Ok(n) => {
                done += n;
                if done == want {
                    break Ok(len + 1);
                }
                if done == want - 1 {
                    // A short read that ends at the planned length: the end of a regular
                    // file, proved without another read.
                    break Ok(len);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => break Err(e),
        }
    };
    buf.truncate(start + done.min(want - 1));
    if !matches!(result, Ok(n) if n == len) {
        buf.truncate(start);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{HostOptions, PlanOptions, Tree};

    #[test]
    fn small_host_files_are_batched_and_claimed_once() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..600 {
            std::fs::write(dir.path().join(format!("f{i:03}")), vec![7; 1000 + i]).unwrap();
        }
        std::fs::write(dir.path().join("g-large"), vec![1; AHEAD_MAX as usize]).unwrap();
        let mut tree = Tree::new();
        tree.add_host(tree.root(), dir.path(), &HostOptions::default()).unwrap();
        let plan = tree.plan(&PlanOptions::default()).unwrap();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let Some(claims) = plan.claims() else {
            assert_eq!(cores, 1, "two cores and 600 small files read ahead");
            return;
        };
        let batches = &claims.batches;
        // The batches cover the order once, in order.
        let mut next = 0;
        for b in batches {
            assert_eq!(b.start, next);
            assert!(b.end > b.start);
            next = b.end;
            let bytes: u64 = (b.start..b.end).map(|i| plan.padded_size(i)).sum();
            assert!(b.end - b.start == 1 || bytes < BATCH_BYTES + AHEAD_MAX, "{b:?}");
        }
        assert_eq!(next, plan.file_order.len());
        assert!(batches.len() >= 4, "{batches:?}");
        // The large file is a batch of its own, never read ahead.
        let large: Vec<&Batch> = batches.iter().filter(|b| !b.small).collect();
        assert_eq!(large.len(), 1);
        assert_eq!(large[0].end, large[0].start + 1);
        assert!(!plan.may_read_ahead(large[0].start));
        // Claims: the helper takes the first free one, the pass only the one it names.
        assert_eq!(claims.claim_next(), Some(0));
        assert!(!claims.claim(0), "taken");
        assert!(!claims.claim(2), "not the next");
        assert!(claims.claim(1));
        assert_eq!(claims.claim_next(), Some(2));
        // Few files: no helper.
        let mut small = Tree::new();
        let root = small.root();
        small.add_file(root, "a", crate::BytesSource::new(vec![1; 10])).unwrap();
        assert!(small.plan(&PlanOptions::default()).unwrap().claims().is_none());
    }

    #[test]
    fn read_exact_into_tells_short_exact_and_long_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"hello").unwrap();
        for (len, found, kept) in [(5, 5, &b"xhello"[..]), (6, 5, b"x"), (4, 5, b"x")] {
            let mut buf = b"x".to_vec();
            let n = read_exact_into(&mut File::open(&path).unwrap(), len, &mut buf).unwrap();
            assert_eq!((n, &buf[..]), (found, kept), "len {len}");
        }
        let mut buf = Vec::new();
        assert_eq!(read_exact_into(&mut File::open(&path).unwrap(), 0, &mut buf).unwrap(), 1);
        assert!(buf.is_empty());
    }
}
