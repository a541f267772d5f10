//! The write pipeline: a producer thread reads the stash into a bounded queue of WRITE-sized
//! buffers while the caller's thread sends them to the drive.
//!
//! A buffer is one WRITE(10): 32 data blocks (64 KiB) or 27 audio blocks (63 504 bytes),
//! the transfer size libburn uses and one that every SG_IO and SPTI path takes whole. The
//! queue holds 64 of them, 4 MiB: twice the buffer of a typical CD recorder, so that a
//! stall of the stash's disk shorter than the drive takes to write 4 MiB (1.7 s at 16×)
//! never starves it.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::JoinHandle;

use imapi_codes::ImapiCode;
use imapi_stash::Stash;

use crate::error::{ImapiError, Result};

/// Buffers in the queue.
pub const QUEUE_BUFFERS: usize = 64;

/// What the producer sends: one buffer of whole blocks, or the failure that ended it.
pub(crate) type Item = std::result::Result<Vec<u8>, ImapiError>;

/// A run of blocks the producer emits, in disc order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Zero blocks the engine generates (an audio pregap).
    Zeros(u64),
    /// The payload of stash track `n`.
    Track(usize),
}

/// The producer thread and the queue it fills.
pub(crate) struct Producer {
    pub(crate) rx: Receiver<Item>,
    thread: Option<JoinHandle<()>>,
}

impl Producer {
    /// Starts reading `pieces` of the stash at `path` in buffers of `per_write` blocks of
    /// `block_len` bytes.
    pub(crate) fn start(
        path: &Path,
        pieces: Vec<Piece>,
        block_len: usize,
        per_write: usize,
    ) -> Producer {
        let (tx, rx) = sync_channel::<Item>(QUEUE_BUFFERS);
        let path: PathBuf = path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("imapi-burn-producer".into())
            .spawn(move || {
                if let Err(e) =
                    produce(&path, &pieces, block_len, per_write, &mut |b| tx.send(Ok(b)).is_ok())
                {
                    let _ = tx.send(Err(e));
                }
            })
            .ok();
        Producer { rx, thread }
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        // Dropping the receiver ends the producer's next send; wait for it.
        let (_, dead) = sync_channel::<Item>(0);
        let rx = std::mem::replace(&mut self.rx, dead);
        drop(rx);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn stash_error(path: &Path, e: std::io::Error) -> ImapiError {
    ImapiError::new(
        ImapiCode::InvalidImage,
        format!("{}: reading the stash failed", path.display()),
    )
    .with_source(e)
}

/// Reads the pieces and hands each full buffer to `send` (false: the consumer is gone).
fn produce(
    path: &Path,
    pieces: &[Piece],
    block_len: usize,
    per_write: usize,
    send: &mut dyn FnMut(Vec<u8>) -> bool,
) -> Result<()> {
    let file = File::open(path).map_err(|e| stash_error(path, e))?;
    let mut stash = Stash::from_reader(file)?;
    let size = block_len * per_write;
    let mut buf = Vec::with_capacity(size);
    for piece in pieces {
        match *piece {
            Piece::Zeros(blocks) => {
                let mut left = blocks as usize * block_len;
                while left > 0 {
                    let n = left.min(size - buf.len());
                    buf.resize(buf.len() + n, 0);
                    left -= n;
                    if buf.len() == size
                        && !send(std::mem::replace(&mut buf, Vec::with_capacity(size)))
                    {
                        return Ok(());
                    }
                }
            }
            Piece::Track(n) => {
                let mut r = stash.track_reader(n)?;
                loop {
                    let start = buf.len();
                    buf.resize(size, 0);
                    let got =
                        read_full(&mut r, &mut buf[start..]).map_err(|e| stash_error(path, e))?;
                    buf.truncate(start + got);
                    if buf.len() == size {
                        if !send(std::mem::replace(&mut buf, Vec::with_capacity(size))) {
                            return Ok(());
                        }
                    } else {
                        break;
                    }
                }
            }
        }
    }
    if !buf.is_empty() {
        send(buf);
    }
    Ok(())
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
