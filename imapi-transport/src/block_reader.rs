//! A [`Read`] + [`Seek`] view of a disc's 2048-byte blocks, read with READ(10).
//!
//! [`BlockReader::new`] sizes the view with READ CAPACITY: `(last LBA + 1) × 2048` bytes. On a
//! Track-at-Once disc that count includes the two run-out blocks after the last data track,
//! which no drive reads (05/64/00): a file system never asks for them, and a read that reaches
//! them fails there, with the sense in the error, after the bytes before them. Reads go in runs
//! of up to [`RUN_BLOCKS`] blocks, the last run kept; when a run fails, the one block asked for
//! is read alone, so that an unreadable block further on fails only its own read.

use std::io::{self, Read, Seek, SeekFrom};

use crate::ops::{self, QueryError};
use crate::transport::{CommandError, Transport};

/// Bytes per block.
pub const BLOCK_LEN: u64 = 2048;
/// Blocks per READ(10): 64 KiB, the transfer size every host adapter takes.
pub const RUN_BLOCKS: u32 = 32;

/// A `Read + Seek` over a range of a disc's blocks.
#[derive(Debug)]
pub struct BlockReader<T: Transport> {
    transport: T,
    /// The first block of the range (position 0).
    start: u32,
    /// Blocks in the range.
    blocks: u32,
    /// Byte position from the start of the range.
    pos: u64,
    /// The cached run: its first block (relative to `start`) and its bytes.
    run: Option<(u32, Vec<u8>)>,
}

fn io_error(lba: u32, e: CommandError) -> io::Error {
    io::Error::other(format!("READ(10) of block {lba} failed: {e}"))
}

impl<T: Transport> BlockReader<T> {
    /// A reader of the whole disc, from LBA 0 to READ CAPACITY's last block.
    pub fn new(mut transport: T) -> Result<Self, QueryError> {
        let cap = ops::capacity(&mut transport)?;
        let blocks = cap.last_lba.saturating_add(1);
        Ok(Self::with_range(transport, 0, blocks))
    }

    /// A reader of `blocks` blocks from `start_lba` (a session, a track); position 0 is
    /// `start_lba`. Nothing is read until the first `read`.
    pub fn with_range(transport: T, start_lba: u32, blocks: u32) -> Self {
        let blocks = blocks.min(u32::MAX - start_lba);
        BlockReader { transport, start: start_lba, blocks, pos: 0, run: None }
    }

    /// The length of the range in bytes.
    pub fn len(&self) -> u64 {
        u64::from(self.blocks) * BLOCK_LEN
    }

    /// The range holds no block.
    pub fn is_empty(&self) -> bool {
        self.blocks == 0
    }

    /// The first block of the range.
    pub fn start_lba(&self) -> u32 {
        self.start
    }

    /// The transport.
    pub fn get_mut(&mut self) -> &mut T {
        // The caller may change the disc: forget what was read.
        self.run = None;
        &mut self.transport
    }

    /// The transport, given back.
    pub fn into_inner(self) -> T {
        self.transport
    }

    /// Makes sure the cached run holds block `block` (relative to the range).
    fn fill(&mut self, block: u32) -> io::Result<()> {
        if let Some((first, data)) = &self.run {
            let n = (data.len() as u64 / BLOCK_LEN) as u32;
            if block >= *first && block - *first < n {
                return Ok(());
            }
        }
        self.run = None;
        let n = RUN_BLOCKS.min(self.blocks - block);
        let lba = self.start + block;
        let mut buf = vec![0u8; n as usize * BLOCK_LEN as usize];
        match ops::read10(&mut self.transport, lba, &mut buf) {
            Ok(_) => {}
            Err(CommandError::CheckCondition(_)) if n > 1 => {
                // Something in the run does not read: try the block asked for alone.
                buf.truncate(BLOCK_LEN as usize);
                ops::read10(&mut self.transport, lba, &mut buf).map_err(|e| io_error(lba, e))?;
            }
            Err(e) => return Err(io_error(lba, e)),
        }
        self.run = Some((block, buf));
        Ok(())
    }
}

impl<T: Transport> Read for BlockReader<T> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let len = self.len();
        if out.is_empty() || self.pos >= len {
            return Ok(0);
        }
        let block = (self.pos / BLOCK_LEN) as u32;
        self.fill(block)?;
        let Some((first, data)) = &self.run else {
            return Err(io::Error::other("no block cached"));
        };
        let at = (self.pos - u64::from(*first) * BLOCK_LEN) as usize;
        let avail = data.get(at..).unwrap_or(&[]);
        let n = avail.len().min(out.len()).min((len - self.pos) as usize);
        out[..n].copy_from_slice(&avail[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl<T: Transport> Seek for BlockReader<T> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len().checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let target = target.ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "seek before the start of the range")
        })?;
        self.pos = target;
        Ok(target)
    }
}
