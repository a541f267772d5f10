//! The emit phase: one sequential pass over the plan that writes the image, streaming file data.
//!
//! [`Plan::emit`](crate::Plan::emit) writes to any [`Write`];
//! [`Plan::emit_to_file`](crate::Plan::emit_to_file) writes to a file and lets the kernel copy
//! large host files (`copy_file_range`) where it can;
//! [`Plan::write_to_path`](crate::Plan::write_to_path) does that atomically through a temporary
//! file; [`Plan::reader`](crate::Plan::reader) is a `Read + Seek` view that makes the image's bytes
//! on demand. Every source's size is checked against the plan: a file that grew or shrank is
//! [`Error::SourceChanged`], never truncated or padded in silence.
//!
//! # Boot files with a boot-info table
//! A boot file that takes an El Torito boot-info table ([`crate::BootEntry::boot_info_table`]) is
//! not written as its source holds it: bytes 8–63 carry the primary descriptor's block, the file's
//! block, its length and the checksum of its words from byte 64. Its checksum covers bytes that
//! follow the table, so the pass reads the whole file into memory first (the plan caps it at
//! [`crate::eltorito::MAX_INFO_TABLE_FILE`] bytes), checks its size, patches it and writes it
//! through the buffer: such a file never takes the kernel-copy fast path, whatever its size.
//! [`Plan::reader`](crate::Plan::reader) serves the patched bytes too. Every other file is streamed
//! as before; without El Torito the pass checks one empty list per file.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use imapi_codes::atomic::{AtomicFile, Durability};

use crate::build::error::Error;
use crate::build::host_open::HostOpener;
use crate::build::layout::{Files, Layout, Region, Span};
use crate::build::meta::Metadata;
use crate::build::tree::{Content, Kind, NodeId, Tree};
use crate::format::eltorito::patch_boot_info_table;
use crate::format::raw::{BLOCK, BLOCK_U64};

/// Bytes gathered before each write.
const WRITE_CHUNK: usize = 1 << 20;
/// Host files at least this large are copied by the kernel when the output is a file.
const KERNEL_COPY_MIN: u64 = 1 << 20;

/// Progress and cancellation of an emit pass.
#[derive(Default)]
pub struct EmitOptions<'a> {
    /// Called with (bytes written, bytes in all) as the pass goes, at least once per MiB.
    pub progress: Option<&'a mut dyn FnMut(u64, u64)>,
    /// Raised by another thread to stop the pass: it ends with [`Error::Cancelled`].
    pub cancel: Option<&'a AtomicBool>,
}

impl std::fmt::Debug for EmitOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmitOptions").field("progress", &self.progress.is_some()).finish()
    }
}

/// The output of one pass: a buffer in front of a writer, and the file behind it if any.
struct Sink<'a, 'o> {
    out: &'a mut dyn Write,
    file: Option<&'a File>,
    buf: Vec<u8>,
    flushed: u64,
    total: u64,
    opts: EmitOptions<'o>,
    last_report: u64,
    opener: HostOpener,
}

impl Sink<'_, '_> {
    fn written(&self) -> u64 {
        self.flushed + self.buf.len() as u64
    }

    fn flush(&mut self) -> Result<(), Error> {
        if !self.buf.is_empty() {
            self.out.write_all(&self.buf).map_err(Error::Write)?;
            self.flushed += self.buf.len() as u64;
            self.buf.clear();
        }
        self.tick()
    }

    fn tick(&mut self) -> Result<(), Error> {
        if let Some(c) = self.opts.cancel {
            if c.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
        }
        let done = self.written();
        if done - self.last_report >= WRITE_CHUNK as u64 || done == self.total {
            self.last_report = done;
            if let Some(p) = self.opts.progress.as_mut() {
                p(done, self.total);
            }
        }
        Ok(())
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= WRITE_CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn zeros(&mut self, mut n: u64) -> Result<(), Error> {
        while n > 0 {
            let room = WRITE_CHUNK.saturating_sub(self.buf.len()).max(1);
            let take = n.min(room as u64) as usize;
            self.buf.resize(self.buf.len() + take, 0);
            n -= take as u64;
            if self.buf.len() >= WRITE_CHUNK {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Copies exactly `len` bytes of `src` into the output and makes sure nothing follows.
    /// Returns the source's length when it is not `len` (at least `len + 1` when it grew).
    ///
    /// Reads ask for one byte more than is left, so a regular file proves its end with the
    /// read that brings its last byte: no `fstat` and no extra `read` per file.
    fn copy_exact(&mut self, src: &mut dyn Read, len: u64) -> io::Result<Option<u64>> {
        let mut done = 0u64;
        let mut proved_end = false;
        loop {
            if self.buf.len() >= WRITE_CHUNK {
                self.flush().map_err(into_io)?;
            }
            let start = self.buf.len();
            let left = len - done + 1;
            let want = left.min((WRITE_CHUNK + BLOCK - start) as u64).max(1) as usize;
            self.buf.resize(start + want, 0);
            let n = loop {
                match src.read(&mut self.buf[start..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.buf.truncate(start);
                        return Err(e);
                    }
                }
            };
            if done + n as u64 > len {
                self.buf.truncate(start);
                return Ok(Some(len + 1));
            }
            self.buf.truncate(start + n);
            done += n as u64;
            if n == 0 {
                proved_end = true;
                break;
            }
            if done == len && n < want {
                proved_end = true;
                break;
            }
            if done == len && want as u64 == left {
                // The read filled exactly what was left without the extra byte: not proved.
                break;
            }
        }
        if done < len {
            return Ok(Some(done));
        }
        if !proved_end && has_more(src)? {
            return Ok(Some(len + 1));
        }
        Ok(None)
    }
}

fn into_io(e: Error) -> io::Error {
    match e {
        Error::Write(io) => io,
        other => io::Error::other(other.to_string()),
    }
}

/// Whether a reader has any byte left.
fn has_more(src: &mut dyn Read) -> io::Result<bool> {
    let mut one = [0u8; 1];
    loop {
        match src.read(&mut one) {
            Ok(n) => return Ok(n > 0),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Copies `size` bytes of `src`, from offset `base`, to the current position of `out` in the
/// kernel (`copy_file_range` through `io::copy`), seeking over the holes of a sparse source so
/// the output keeps them. Returns the bytes accounted for (data copied plus holes skipped).
fn copy_sparse(src: &File, base: u64, out: &File, size: u64) -> io::Result<u64> {
    let mut out = out;
    let mut src_ref = src;
    let mut pos = 0u64;
    while pos < size {
        let data = next_data(src, base + pos)?.map_or(size, |d| d.saturating_sub(base)).min(size);
        if data > pos {
            out.seek(SeekFrom::Current((data - pos) as i64))?;
            pos = data;
            if pos == size {
                // A hole at the end: make the file as long as the bytes it stands for.
                let end = out.stream_position()?;
                if out.metadata()?.len() < end {
                    out.set_len(end)?;
                }
                break;
            }
        }
        let hole = next_hole(src, base + pos)?.map_or(size, |h| h.saturating_sub(base)).min(size);
        src_ref.seek(SeekFrom::Start(base + pos))?;
        let copied = io::copy(&mut src_ref.take(hole - pos), &mut out)?;
        if copied == 0 {
            break;
        }
        pos += copied;
    }
    Ok(pos)
}

/// The first data offset at or after `pos`, `None` past the last data. Where the file system
/// cannot tell, everything is data.
#[cfg(target_os = "linux")]
fn next_data(src: &File, pos: u64) -> io::Result<Option<u64>> {
    match rustix::fs::seek(src, rustix::fs::SeekFrom::Data(pos)) {
        Ok(p) => Ok(Some(p)),
        Err(rustix::io::Errno::NXIO) => Ok(None),
        Err(rustix::io::Errno::INVAL) | Err(rustix::io::Errno::NOSYS) => Ok(Some(pos)),
        Err(e) => Err(e.into()),
    }
}

/// The first hole at or after `pos` (the end of the file counts as one).
#[cfg(target_os = "linux")]
fn next_hole(src: &File, pos: u64) -> io::Result<Option<u64>> {
    match rustix::fs::seek(src, rustix::fs::SeekFrom::Hole(pos)) {
        Ok(p) => Ok(Some(p)),
        Err(rustix::io::Errno::NXIO) => Ok(None),
        Err(rustix::io::Errno::INVAL) | Err(rustix::io::Errno::NOSYS) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Without `SEEK_DATA`, everything is data.
#[cfg(not(target_os = "linux"))]
fn next_data(_src: &File, pos: u64) -> io::Result<Option<u64>> {
    Ok(Some(pos))
}

/// Without `SEEK_HOLE`, the only hole is the end.
#[cfg(not(target_os = "linux"))]
fn next_hole(_src: &File, _pos: u64) -> io::Result<Option<u64>> {
    Ok(None)
}

/// What the emit pass needs of a plan: the tree, where everything lies, the file extents
/// and the metadata of each file system.
#[derive(Clone, Copy)]
pub(super) struct Parts<'p> {
    pub(super) tree: &'p Tree,
    pub(super) layout: &'p Layout,
    pub(super) files: &'p Files,
    /// Blocks of the placed-data area ([`crate::PlanOptions::placed_area_blocks`]).
    pub(super) placed_area_blocks: u64,
    pub(super) meta: Metadata<'p>,
}

impl Parts<'_> {
    /// Bytes of the session.
    fn image_len(&self) -> u64 {
        u64::from(self.layout.end - self.layout.first) * BLOCK_U64
    }

    /// Blocks of the session before the placed-data area.
    fn metadata_blocks(&self) -> u64 {
        u64::from(self.layout.placed_start - self.layout.first)
    }
}

/// Writes the blocks of the session before the placed-data area (see
/// [`Plan::emit_metadata`](crate::Plan::emit_metadata)).
pub(super) fn emit_metadata(parts: &Parts<'_>, w: &mut dyn Write) -> Result<u64, Error> {
    let end = parts.layout.placed_start;
    let mut written = 0u64;
    for span in parts.meta.spans() {
        if span.start >= end {
            break;
        }
        let bytes = match span.region {
            Region::Zeros => vec![0; span.blocks as usize * BLOCK],
            _ => parts.meta.region_bytes(&span)?,
        };
        w.write_all(&bytes).map_err(Error::Write)?;
        written += bytes.len() as u64;
    }
    w.flush().map_err(Error::Write)?;
    debug_assert_eq!(written, parts.metadata_blocks() * BLOCK_U64);
    Ok(written)
}

/// Writes the image to the file at `path` through a temporary file (see
/// [`Plan::write_to_path`](crate::Plan::write_to_path)).
pub(super) fn write_to_path(
    parts: &Parts<'_>,
    path: &Path,
    opts: EmitOptions<'_>,
) -> Result<u64, Error> {
    let resolved;
    let path = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            resolved.as_path()
        }
        _ => path,
    };
    if let Ok(m) = std::fs::metadata(path) {
        if !m.is_file() && !m.is_dir() {
            // Through plain writes: a FIFO or a device cannot seek over a source's holes.
            let mut out =
                std::fs::OpenOptions::new().write(true).open(path).map_err(Error::Write)?;
            return emit_dyn(parts, &mut out, None, None, opts);
        }
    }
    // Renamed without an fsync, as `cp` does: a failed run leaves nothing behind; durability
    // against a power cut is the caller's `sync`.
    let temp = AtomicFile::create(path, Durability::RenameOnly).map_err(Error::Write)?;
    let file = temp.file();
    let mut w = file;
    let n = emit_dyn(parts, &mut w, Some(file), None, opts)?;
    temp.commit().map_err(Error::Write)?;
    Ok(n)
}

pub(super) fn emit_dyn(
    parts: &Parts<'_>,
    out: &mut dyn Write,
    file: Option<&File>,
    mut placed: Option<&mut dyn Read>,
    opts: EmitOptions<'_>,
) -> Result<u64, Error> {
    let area = parts.placed_area_blocks;
    if area > 0 && placed.is_none() {
        return Err(Error::PlacedAreaMissing { blocks: area });
    }
    let mut sink = Sink {
        out,
        file,
        buf: Vec::with_capacity(WRITE_CHUNK + BLOCK),
        flushed: 0,
        total: parts.image_len(),
        opts,
        last_report: 0,
        opener: HostOpener::default(),
    };
    for span in parts.meta.spans() {
        match span.region {
            Region::Zeros => sink.zeros(u64::from(span.blocks) * BLOCK_U64)?,
            Region::Files => emit_files(parts, &mut sink)?,
            Region::Placed => {
                let expected = u64::from(span.blocks) * BLOCK_U64;
                let Some(src) = placed.as_mut() else {
                    return Err(Error::PlacedAreaMissing { blocks: area });
                };
                match sink.copy_exact(&mut src.take(expected), expected) {
                    Ok(None) => {}
                    Ok(Some(found)) => {
                        return Err(Error::PlacedAreaRead { expected, found, source: None })
                    }
                    Err(e) => {
                        return Err(Error::PlacedAreaRead { expected, found: 0, source: Some(e) })
                    }
                }
            }
            _ => {
                let bytes = parts.meta.region_bytes(&span)?;
                sink.put(&bytes)?;
            }
        }
    }
    sink.flush()?;
    sink.out.flush().map_err(Error::Write)?;
    debug_assert_eq!(sink.flushed, parts.image_len());
    Ok(sink.flushed)
}

fn emit_files(parts: &Parts<'_>, sink: &mut Sink<'_, '_>) -> Result<(), Error> {
    for &node in &parts.files.order {
        sink.tick()?;
        let Kind::File { size, content } = parts.tree.node(node).kind else { continue };
        let at = u64::from(parts.files.extents[content as usize] - parts.layout.first) * BLOCK_U64;
        // Aligned large files leave a gap of zeros before them.
        sink.zeros(at.saturating_sub(sink.written()))?;
        emit_content(parts, sink, content, node, size)?;
        let pad = size.next_multiple_of(BLOCK_U64) - size;
        sink.zeros(pad)?;
    }
    Ok(())
}

fn changed(parts: &Parts<'_>, node: NodeId, planned: u64, found: u64) -> Error {
    Error::SourceChanged { path: parts.tree.path(node), planned, found }
}

fn emit_content(
    parts: &Parts<'_>,
    sink: &mut Sink<'_, '_>,
    content: u32,
    node: NodeId,
    size: u64,
) -> Result<(), Error> {
    let tree = parts.tree;
    let read_err = |name: String, e: io::Error| Error::SourceRead {
        path: tree.path(node),
        source_name: name,
        source: e,
    };
    if !parts.files.info_tables.is_empty() && parts.files.info_tables.contains(&content) {
        let bytes = patched_boot_file(parts, content, node, size)?;
        return sink.put(&bytes);
    }
    let found = match tree.contents.get(content as usize) {
        Some(Content::Host { dir, name }) => {
            let describe = || tree.host_path(*dir, *name).display().to_string();
            let mut src =
                sink.opener.open(tree, *dir, *name).map_err(|e| read_err(describe(), e))?;
            match (sink.file, size >= KERNEL_COPY_MIN) {
                (Some(out), true) => {
                    let found = src.metadata().map_err(|e| read_err(describe(), e))?.len();
                    if found != size {
                        return Err(changed(parts, node, size, found));
                    }
                    sink.flush()?;
                    let copied =
                        copy_sparse(&src, 0, out, size).map_err(|e| read_err(describe(), e))?;
                    sink.flushed += copied;
                    (copied != size).then_some(copied)
                }
                _ => sink.copy_exact(&mut src, size).map_err(|e| read_err(describe(), e))?,
            }
        }
        Some(Content::Source(source)) => match (sink.file, source.host_file()) {
            (Some(out), Some((path, base))) if size >= KERNEL_COPY_MIN => {
                let err = |e| read_err(source.describe(), e);
                let src = File::open(path).map_err(err)?;
                let found = source.len().map_err(err)?;
                if found != size {
                    return Err(changed(parts, node, size, found));
                }
                sink.flush()?;
                let copied = copy_sparse(&src, base, out, size).map_err(err)?;
                sink.flushed += copied;
                (copied != size).then_some(copied)
            }
            _ => {
                let mut r = source.open_at(0).map_err(|e| read_err(source.describe(), e))?;
                sink.copy_exact(&mut r, size).map_err(|e| read_err(source.describe(), e))?
            }
        },
        Some(
            Content::Imported { .. }
            | Content::Placed { .. }
            | Content::BootCatalog
            | Content::Symlink(_)
            | Content::Special { .. },
        )
        | None => None,
    };
    match found {
        Some(found) => Err(changed(parts, node, size, found)),
        None => Ok(()),
    }
}

/// The bytes of a boot file with its boot-info table patched in: the whole file, read
/// into memory (the plan bounds its size).
fn patched_boot_file(
    parts: &Parts<'_>,
    content: u32,
    node: NodeId,
    size: u64,
) -> Result<Vec<u8>, Error> {
    let tree = parts.tree;
    let (mut src, name): (Box<dyn Read + '_>, String) = match tree.contents.get(content as usize) {
        Some(Content::Host { dir, name }) => {
            let path = tree.host_path(*dir, *name);
            let name = path.display().to_string();
            let f = File::open(&path).map_err(|e| Error::SourceRead {
                path: tree.path(node),
                source_name: name.clone(),
                source: e,
            })?;
            (Box::new(f), name)
        }
        Some(Content::Source(s)) => {
            let r = s.open_at(0).map_err(|e| Error::SourceRead {
                path: tree.path(node),
                source_name: s.describe(),
                source: e,
            })?;
            (r, s.describe())
        }
        _ => return Err(changed(parts, node, size, 0)),
    };
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    src.as_mut().take(size + 1).read_to_end(&mut bytes).map_err(|e| Error::SourceRead {
        path: tree.path(node),
        source_name: name,
        source: e,
    })?;
    if bytes.len() as u64 != size {
        return Err(changed(parts, node, size, bytes.len() as u64));
    }
    let block = parts.files.extents.get(content as usize).copied().unwrap_or(0);
    patch_boot_info_table(&mut bytes, parts.layout.pvd, block);
    Ok(bytes)
}

/// A `Read + Seek` view of a planned image (see [`Plan::reader`](crate::Plan::reader)). Positions
/// count from the session's first block. A source that changed size gives an `InvalidData` error;
/// reading the blocks of a placed-data area is an error (the plan does not hold their bytes).
pub struct ImageReader<'p, 't> {
    parts: Parts<'p>,
    _tree: PhantomData<&'t Tree>,
    spans: Vec<Span>,
    pos: u64,
    cached: Option<(usize, Vec<u8>)>,
    open: Option<OpenSource<'p>>,
}

struct OpenSource<'p> {
    content: u32,
    offset: u64,
    reader: Box<dyn Read + Send + 'p>,
}

impl std::fmt::Debug for ImageReader<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageReader").field("pos", &self.pos).finish()
    }
}

impl ImageReader<'_, '_> {
    fn len(&self) -> u64 {
        self.parts.image_len()
    }

    fn read_file_area(&mut self, block: u64, buf: &mut [u8]) -> io::Result<usize> {
        let plan = self.parts;
        let order = &plan.files.order;
        let extent = |n: NodeId| {
            let content = plan.tree.content_key(n).unwrap_or(u32::MAX);
            plan.files.extents.get(content as usize).map_or(0, |&e| u64::from(e))
        };
        let idx = order.partition_point(|&n| extent(n) <= block);
        let within_block = self.pos % BLOCK_U64;
        let found = idx.checked_sub(1).and_then(|i| order.get(i));
        let Some((node, Kind::File { size, content })) =
            found.map(|&n| (n, plan.tree.node(n).kind))
        else {
            return Ok(zero_fill(buf, BLOCK_U64 - within_block));
        };
        let offset =
            (block - u64::from(plan.files.extents[content as usize])) * BLOCK_U64 + within_block;
        if offset >= size {
            return Ok(zero_fill(buf, BLOCK_U64 - within_block));
        }
        let reuse = matches!(&self.open, Some(o) if o.content == content && o.offset == offset);
        if !reuse {
            let patched =
                !plan.files.info_tables.is_empty() && plan.files.info_tables.contains(&content);
            let reader: Box<dyn Read + Send + '_> = match plan.tree.contents.get(content as usize) {
                _ if patched => {
                    let bytes = patched_boot_file(&plan, content, node, size)
                        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
                    let mut cursor = io::Cursor::new(bytes);
                    cursor.set_position(offset);
                    Box::new(cursor)
                }
                Some(Content::Host { dir, name }) => {
                    let mut f = File::open(plan.tree.host_path(*dir, *name))?;
                    f.seek(SeekFrom::Start(offset))?;
                    Box::new(f)
                }
                Some(Content::Source(s)) => s.open_at(offset)?,
                _ => return Ok(zero_fill(buf, BLOCK_U64 - within_block)),
            };
            self.open = Some(OpenSource { content, offset, reader });
        }
        let Some(open) = self.open.as_mut() else { return Ok(0) };
        let want = (buf.len() as u64).min(size - offset) as usize;
        let n = open.reader.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is shorter than planned ({size} bytes)", plan.tree.path(node)),
            ));
        }
        open.offset += n as u64;
        Ok(n)
    }
}

fn zero_fill(buf: &mut [u8], max: u64) -> usize {
    let n = (buf.len() as u64).min(max) as usize;
    buf[..n].fill(0);
    n
}

impl Read for ImageReader<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len() || buf.is_empty() {
            return Ok(0);
        }
        let block = u64::from(self.parts.layout.first) + self.pos / BLOCK_U64;
        let i = self.spans.partition_point(|s| u64::from(s.start) <= block).saturating_sub(1);
        let span = self.spans[i];
        let span_start = (u64::from(span.start) - u64::from(self.parts.layout.first)) * BLOCK_U64;
        let span_end = span_start + u64::from(span.blocks) * BLOCK_U64;
        let room = (span_end - self.pos).min(buf.len() as u64) as usize;
        let n = match span.region {
            Region::Zeros => zero_fill(&mut buf[..room], room as u64),
            Region::Files => self.read_file_area(block, &mut buf[..room])?,
            Region::Placed => {
                return Err(io::Error::other(
                    "the placed-data area is not part of the plan: read it from its own file",
                ))
            }
            _ => {
                if self.cached.as_ref().map(|c| c.0) != Some(i) {
                    let bytes =
                        self.parts.meta.region_bytes(&span).map_err(|e| {
                            io::Error::new(io::ErrorKind::InvalidData, e.to_string())
                        })?;
                    self.cached = Some((i, bytes));
                }
                let bytes = self.cached.as_ref().map(|c| c.1.as_slice()).unwrap_or(&[]);
                let from = (self.pos - span_start) as usize;
                let n = room.min(bytes.len().saturating_sub(from));
                buf[..n].copy_from_slice(&bytes[from..from + n]);
                n
            }
        };
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for ImageReader<'_, '_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len().checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let target = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        self.pos = target;
        Ok(target)
    }
}

/// A reader over the image made from `parts` (see [`Plan::reader`](crate::Plan::reader)).
pub(super) fn reader<'p, 't>(parts: Parts<'p>) -> ImageReader<'p, 't> {
    let spans = parts.meta.spans();
    ImageReader { parts, _tree: PhantomData, spans, pos: 0, cached: None, open: None }
}
