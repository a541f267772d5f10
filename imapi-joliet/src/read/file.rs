//! Reading a file's bytes: a streaming [`Read`] + [`Seek`] over its sections in order.

use std::io::{self, Read, Seek, SeekFrom};

use super::dir::Extent;
use super::entry::Entry;
use super::{len64, Ctx, ReadError};

/// The most bytes one `read` call asks of the image.
const MAX_READ: u64 = 1 << 20;

/// The bytes of a file, section after section. It holds only the list of sections: memory
/// does not grow with the file's size.
pub struct FileReader<'a> {
    ctx: Ctx<'a>,
    sections: Vec<Extent>,
    size: u64,
    pos: u64,
    idx: usize,
    section_start: u64,
}

impl<'a> FileReader<'a> {
    /// Checks that `entry` is a readable file whose sections lie inside the image.
    pub(crate) fn new(ctx: Ctx<'a>, entry: &Entry<'_>, path: &str) -> Result<Self, ReadError> {
        if entry.is_dir() {
            return Err(ReadError::IsADirectory { path: path.to_owned() });
        }
        if entry.is_interleaved() {
            return Err(ReadError::Interleaved { path: path.to_owned() });
        }
        for s in entry.sections() {
            let end = s.data_offset() + u64::from(s.len);
            if end > ctx.len() {
                return Err(ReadError::ExtentOutOfImage {
                    path: path.to_owned(),
                    block: s.data_block(),
                    len: s.len,
                    image_len: ctx.len(),
                });
            }
        }
        let sections = entry.sections().to_vec();
        Ok(Self { ctx, sections, size: entry.size(), pos: 0, idx: 0, section_start: 0 })
    }

    /// The file's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }
}

impl Read for FileReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while !buf.is_empty() {
            let Some(s) = self.sections.get(self.idx) else { return Ok(0) };
            let within = self.pos - self.section_start;
            let section_len = u64::from(s.len);
            if within >= section_len {
                self.section_start += section_len;
                self.idx += 1;
                continue;
            }
            let n = (section_len - within).min(len64(buf.len())).min(MAX_READ);
            // `n` is at most `buf.len()`.
            let n = usize::try_from(n).unwrap_or(0);
            let dst = buf.get_mut(..n).unwrap_or_default();
            self.ctx.src.read_exact_at(s.data_offset() + within, dst)?;
            self.pos += len64(n);
            return Ok(n);
        }
        Ok(0)
    }
}

impl Seek for FileReader<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.size.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        }
        .ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "seek before the file's start")
        })?;
        self.pos = target;
        self.idx = 0;
        self.section_start = 0;
        while let Some(s) = self.sections.get(self.idx) {
            let end = self.section_start + u64::from(s.len);
            if target < end {
                break;
            }
            self.section_start = end;
            self.idx += 1;
        }
        Ok(target)
    }
}
