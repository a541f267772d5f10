//! The write pipeline: a producer thread reads the payload into a bounded queue of WRITE-sized
//! buffers while the caller's thread sends them to the drive.
//!
//! The payload is a list of pieces in disc order (generated silence, a stash track, the next
//! sectors of a source), read from one input: a finished stash (a staged disc), or a list of
//! sources (an image file, any stream of known length, the files of a BIN/CUE), each read
//! once from front to back. The same pieces, produced again on the caller's thread, are what
//! a verification compares the disc with.
//!
//! A WRITE(10) carries 32 data blocks (64 KiB) or 27 audio blocks (63 504 bytes), the
//! transfer size libburn uses and one that every SG_IO and SPTI path takes whole. A buffer
//! holds eight WRITEs (so that the threads meet once per half mebibyte, not per WRITE: on a
//! busy machine each meeting can cost a context switch) and never mixes block sizes, nor
//! generated blocks (silence of a gap) with payload. The queue holds 8 buffers, 4 MiB: twice
//! the buffer of a typical CD recorder, so that a stall of the source's disk shorter than the
//! drive takes to write 4 MiB (1.7 s at 16×) never starves it.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};

use imapi_codes::ImapiCode;
use imapi_stash::Stash;

use crate::error::{ImapiError, Result};

/// Buffers in the queue.
pub const QUEUE_BUFFERS: usize = 8;

/// WRITEs in one buffer.
pub const WRITES_PER_BUFFER: usize = 8;

/// Bytes of one WRITE, at most.
const WRITE_BYTES: usize = 64 * 1024;

/// Blocks of `block_len` bytes in one WRITE: 32 of 2048, 27 of 2352.
pub(crate) fn blocks_per_write(block_len: usize) -> usize {
    (WRITE_BYTES / block_len.max(1)).max(1)
}

/// One buffer of whole blocks, for one or more WRITEs.
#[derive(Debug)]
pub(crate) struct Chunk {
    /// The blocks' bytes.
    pub(crate) bytes: Vec<u8>,
    /// Bytes per block.
    pub(crate) block_len: usize,
    /// Silence the engine generated (a gap), not payload: a verification skips it.
    pub(crate) generated: bool,
}

impl Chunk {
    /// Blocks in the chunk.
    pub(crate) fn blocks(&self) -> usize {
        self.bytes.len() / self.block_len.max(1)
    }
}

/// What the producer sends: a buffer, or the failure that ended it.
pub(crate) type Item = std::result::Result<Chunk, ImapiError>;

/// A run of blocks the producer emits, in disc order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Zero blocks the engine generates (a gap's silence).
    Zeros {
        /// How many.
        blocks: u64,
        /// Bytes per block on the disc.
        block_len: usize,
    },
    /// The payload of stash track `track` (an [`Input::Stash`]).
    Track {
        /// The track's index in the stash.
        track: usize,
        /// Its block size.
        block_len: usize,
    },
    /// The next `blocks` sectors of `sector` bytes of source `source` (an [`Input::Sources`]),
    /// of each the `block_len` bytes from `skip` (a raw Mode 1 sector gives its 2048 user
    /// bytes from 16). A source's last sector may be short: it is filled with zeros.
    Read {
        /// Index into the sources.
        source: usize,
        /// Sectors to read.
        blocks: u64,
        /// Bytes per sector in the source.
        sector: usize,
        /// Bytes skipped at the start of each sector.
        skip: usize,
        /// Bytes kept of each sector: the block size on the disc.
        block_len: usize,
    },
}

/// One source of payload bytes, read once, front to back.
pub(crate) enum Source<'a> {
    /// A host file (an image, a BIN), opened by the producer; it can be read again to verify.
    File {
        /// The file.
        path: PathBuf,
        /// Its length when the burn was planned: fewer bytes is an error.
        len: u64,
    },
    /// A stream of a caller's, read once.
    Stream {
        /// What it is called in errors.
        name: String,
        /// The bytes.
        reader: Box<dyn Read + Send + 'a>,
        /// How many bytes it must give.
        len: u64,
    },
}

impl Source<'_> {
    fn name(&self) -> String {
        match self {
            Source::File { path, .. } => path.display().to_string(),
            Source::Stream { name, .. } => name.clone(),
        }
    }

    fn len(&self) -> u64 {
        match self {
            Source::File { len, .. } | Source::Stream { len, .. } => *len,
        }
    }
}

/// Where the pieces are read from.
pub(crate) enum Input<'a> {
    /// A finished stash.
    Stash(&'a Path),
    /// Sources, each read from front to back by the pieces naming it.
    Sources(Vec<Source<'a>>),
}

/// The queue the producer fills, as the writer sees it; written buffers go back to the
/// producer through `recycle`, so that it neither allocates nor clears one per WRITE.
pub(crate) struct Queue {
    pub(crate) rx: Receiver<Item>,
    pub(crate) recycle: Sender<Vec<u8>>,
}

/// Runs a producer thread over `input`'s `pieces` and `consume` on the queue it fills on this
/// thread. When `consume` returns, the queue is dropped (which stops the producer) and the
/// thread joined; with `digest`, the CRC-32C of every payload byte the producer read comes
/// back too (only complete when the producer got to the end).
pub(crate) fn run<'a, R>(
    input: Input<'a>,
    pieces: Vec<Piece>,
    digest: bool,
    consume: impl FnOnce(&Queue) -> R,
) -> Result<(R, Option<u32>)> {
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Item>(QUEUE_BUFFERS);
        let (recycle, returned) = channel::<Vec<u8>>();
        let producer = std::thread::Builder::new()
            .name("imapi-burn-producer".into())
            .spawn_scoped(scope, move || {
                let mut crc = digest.then_some(0u32);
                let sent = produce_each(input, &pieces, Some(&returned), &mut |c: Chunk| {
                    if let (Some(crc), false) = (crc.as_mut(), c.generated) {
                        *crc = crc32c::crc32c_append(*crc, &c.bytes);
                    }
                    tx.send(Ok(c)).is_ok()
                });
                if let Err(e) = sent {
                    let _ = tx.send(Err(e));
                }
                crc
            })
            .map_err(|e| {
                ImapiError::new(ImapiCode::Generic, "cannot start the burn's reader thread")
                    .with_source(e)
            })?;
        let queue = Queue { rx, recycle };
        let out = consume(&queue);
        drop(queue);
        let crc = producer.join().ok().flatten();
        Ok((out, crc))
    })
}

fn read_error(what: &str, e: std::io::Error) -> ImapiError {
    ImapiError::new(ImapiCode::InvalidImage, format!("{what}: reading failed")).with_source(e)
}

/// A source as it is being read.
struct Open<'a> {
    name: String,
    reader: Option<Box<dyn Read + Send + 'a>>,
    /// Bytes still to come.
    left: u64,
    read: u64,
}

/// Reads the pieces and hands each full buffer to `send` (false: the consumer is gone).
pub(crate) fn produce_each<'a>(
    input: Input<'a>,
    pieces: &[Piece],
    recycle: Option<&Receiver<Vec<u8>>>,
    send: &mut dyn FnMut(Chunk) -> bool,
) -> Result<()> {
    let mut stash = None;
    let mut sources: Vec<(Option<Source<'a>>, Option<Open<'a>>)> = Vec::new();
    match input {
        Input::Stash(path) => {
            let file = File::open(path).map_err(|e| stash_error(path, e))?;
            stash = Some((path.to_path_buf(), Stash::from_reader(file)?));
        }
        Input::Sources(list) => sources = list.into_iter().map(|s| (Some(s), None)).collect(),
    }
    let mut out = Out {
        buf: Vec::new(),
        fill: 0,
        block_len: 0,
        generated: false,
        gone: false,
        recycle,
        send,
    };
    for piece in pieces {
        match *piece {
            Piece::Zeros { blocks, block_len } => {
                out.switch(block_len, true)?;
                let mut left = blocks as usize * block_len;
                while left > 0 {
                    let n = left.min(out.room());
                    out.space(n).fill(0);
                    out.fill += n;
                    left -= n;
                    if !out.flush_full() {
                        return Ok(());
                    }
                }
            }
            Piece::Track { track, block_len } => {
                let Some((path, stash)) = stash.as_mut() else {
                    return Err(ImapiError::new(ImapiCode::Generic, "a stash piece without one"));
                };
                out.switch(block_len, false)?;
                let mut r = stash.track_reader(track)?;
                loop {
                    let room = out.room();
                    let got =
                        read_full(&mut r, out.space(room)).map_err(|e| stash_error(path, e))?;
                    out.fill += got;
                    if got < room {
                        break;
                    }
                    if !out.flush_full() {
                        return Ok(());
                    }
                }
            }
            Piece::Read { source, blocks, sector, skip, block_len } => {
                let Some(slot) = sources.get_mut(source) else {
                    return Err(ImapiError::new(ImapiCode::Generic, "a piece of no source"));
                };
                let open = open(slot)?;
                out.switch(block_len, false)?;
                if skip == 0 && sector == block_len {
                    read_blocks(open, blocks, block_len, &mut out)?;
                } else {
                    read_sectors(open, blocks, sector, skip, block_len, &mut out)?;
                }
                if out.gone {
                    return Ok(());
                }
            }
        }
    }
    out.flush();
    Ok(())
}

/// The buffer being filled and where it goes.
struct Out<'s> {
    /// A whole WRITE's bytes, filled up to `fill`.
    buf: Vec<u8>,
    fill: usize,
    block_len: usize,
    generated: bool,
    /// The consumer went away: stop.
    gone: bool,
    /// Buffers the consumer is done with.
    recycle: Option<&'s Receiver<Vec<u8>>>,
    send: &'s mut dyn FnMut(Chunk) -> bool,
}

impl Out<'_> {
    fn size(&self) -> usize {
        blocks_per_write(self.block_len) * self.block_len * WRITES_PER_BUFFER
    }

    fn room(&self) -> usize {
        self.size() - self.fill
    }

    /// The next `n` bytes to fill (at most [`Out::room`]).
    fn space(&mut self, n: usize) -> &mut [u8] {
        let end = (self.fill + n).min(self.buf.len());
        &mut self.buf[self.fill..end]
    }

    /// A buffer of a whole WRITE: one the consumer gave back, else a new one.
    fn fresh(&mut self) -> Vec<u8> {
        let size = self.size();
        let mut v = self.recycle.and_then(|r| r.try_recv().ok()).unwrap_or_default();
        // Only what was never filled is cleared: every byte sent is written before.
        v.resize(size, 0);
        v
    }

    /// Sends what is buffered when the next piece has another block size or origin.
    fn switch(&mut self, block_len: usize, generated: bool) -> Result<()> {
        if block_len == 0 {
            return Err(ImapiError::new(ImapiCode::Generic, "a piece of empty blocks"));
        }
        if block_len != self.block_len || generated != self.generated {
            self.flush();
            self.block_len = block_len;
            self.generated = generated;
            self.buf = self.fresh();
            self.fill = 0;
        }
        Ok(())
    }

    /// Sends the buffer when full: false when the consumer is gone.
    fn flush_full(&mut self) -> bool {
        if self.fill < self.size() {
            return true;
        }
        let fresh = self.fresh();
        let bytes = std::mem::replace(&mut self.buf, fresh);
        self.fill = 0;
        if !(self.send)(Chunk { bytes, block_len: self.block_len, generated: self.generated }) {
            self.gone = true;
        }
        !self.gone
    }

    fn flush(&mut self) {
        if self.fill > 0 {
            let mut bytes = std::mem::take(&mut self.buf);
            bytes.truncate(self.fill);
            self.fill = 0;
            (self.send)(Chunk { bytes, block_len: self.block_len, generated: self.generated });
        }
    }
}

/// Opens a source on first use.
fn open<'a, 'b>(slot: &'b mut (Option<Source<'a>>, Option<Open<'a>>)) -> Result<&'b mut Open<'a>> {
    if slot.1.is_none() {
        let Some(src) = slot.0.take() else {
            return Err(ImapiError::new(ImapiCode::Generic, "a source read twice"));
        };
        let name = src.name();
        let left = src.len();
        let reader: Box<dyn Read + Send + 'a> = match src {
            Source::File { path, .. } => Box::new(File::open(&path).map_err(|e| {
                ImapiError::new(ImapiCode::FileAccess, format!("{}: cannot open", path.display()))
                    .with_source(e)
            })?),
            Source::Stream { reader, .. } => reader,
        };
        slot.1 = Some(Open { name, reader: Some(reader), left, read: 0 });
    }
    match slot.1.as_mut() {
        Some(o) => Ok(o),
        None => Err(ImapiError::new(ImapiCode::Generic, "a source not open")),
    }
}

impl Open<'_> {
    /// Reads up to `buf.len()` of the bytes still due; fewer only at the source's end. Fewer
    /// than due at the end of the stream is the source having changed.
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize> {
        let want = (buf.len() as u64).min(self.left) as usize;
        let Some(r) = self.reader.as_mut() else { return Ok(0) };
        let got = read_full(r, &mut buf[..want]).map_err(|e| read_error(&self.name, e))?;
        self.left -= got as u64;
        self.read += got as u64;
        if got < want {
            return Err(ImapiError::new(
                ImapiCode::InvalidImage,
                format!(
                    "{}: ended after {} bytes, {} more were expected (was it changed during \
                     the burn?)",
                    self.name, self.read, self.left
                ),
            ));
        }
        if self.left == 0 {
            self.reader = None;
        }
        Ok(got)
    }
}

/// Blocks read whole (the source's sectors are the disc's blocks), the last one padded.
fn read_blocks(
    open: &mut Open<'_>,
    blocks: u64,
    block_len: usize,
    out: &mut Out<'_>,
) -> Result<()> {
    let mut left = blocks as usize * block_len;
    while left > 0 {
        let n = left.min(out.room());
        let space = out.space(n);
        let got = open.fill(space)?;
        // A source's short last sector ends in zeros.
        space[got..].fill(0);
        out.fill += n;
        left -= n;
        if !out.flush_full() {
            return Ok(());
        }
    }
    Ok(())
}

/// Sectors read one by one, `block_len` bytes kept of each from `skip`.
fn read_sectors(
    open: &mut Open<'_>,
    blocks: u64,
    sector: usize,
    skip: usize,
    block_len: usize,
    out: &mut Out<'_>,
) -> Result<()> {
    if skip + block_len > sector {
        return Err(ImapiError::new(ImapiCode::Generic, "a block larger than its sector"));
    }
    let per = blocks_per_write(block_len);
    let mut raw = vec![0u8; per * sector];
    let mut left = blocks as usize;
    while left > 0 {
        let n = left.min(out.room() / block_len).min(per).max(1);
        let bytes = &mut raw[..n * sector];
        let got = open.fill(bytes)?;
        bytes[got..].fill(0);
        for s in bytes.chunks_exact(sector) {
            out.space(block_len).copy_from_slice(&s[skip..skip + block_len]);
            out.fill += block_len;
        }
        left -= n;
        if !out.flush_full() {
            return Ok(());
        }
    }
    Ok(())
}

fn stash_error(path: &Path, e: std::io::Error) -> ImapiError {
    ImapiError::new(
        ImapiCode::InvalidImage,
        format!("{}: reading the stash failed", path.display()),
    )
    .with_source(e)
}

fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
