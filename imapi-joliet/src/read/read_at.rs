//! Where an image's bytes come from: a slice in memory, or any `Read + Seek`.
//!
//! One parser serves both. [`ReadAt`] hands out the bytes at an offset: borrowed from a slice,
//! or read on demand from a stream. Callers check ranges against [`ReadAt::len`] first, so an
//! implementation may treat a short read as an error.

use std::borrow::Cow;
use std::cell::RefCell;
use std::io::{self, Read, Seek, SeekFrom};

/// Random access to the bytes of an image.
pub trait ReadAt {
    /// The image's length in bytes.
    fn len(&self) -> u64;

    /// Whether the image is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Exactly `len` bytes from `offset`: borrowed where the bytes are in memory.
    fn bytes_at(&self, offset: u64, len: usize) -> io::Result<Cow<'_, [u8]>>;

    /// Fills `buf` with the bytes from `offset`.
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let bytes = self.bytes_at(offset, buf.len())?;
        if bytes.len() != buf.len() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.copy_from_slice(&bytes);
        Ok(())
    }
}

fn slice_at(data: &[u8], offset: u64, len: usize) -> io::Result<&[u8]> {
    let start =
        usize::try_from(offset).map_err(|_| io::Error::from(io::ErrorKind::UnexpectedEof))?;
    let end = start.checked_add(len).ok_or(io::ErrorKind::UnexpectedEof)?;
    data.get(start..end).ok_or_else(|| io::ErrorKind::UnexpectedEof.into())
}

impl ReadAt for [u8] {
    fn len(&self) -> u64 {
        // A slice never holds more than u64::MAX bytes.
        u64::try_from(<[u8]>::len(self)).unwrap_or(u64::MAX)
    }

    fn bytes_at(&self, offset: u64, len: usize) -> io::Result<Cow<'_, [u8]>> {
        slice_at(self, offset, len).map(Cow::Borrowed)
    }
}

impl ReadAt for Vec<u8> {
    fn len(&self) -> u64 {
        ReadAt::len(self.as_slice())
    }

    fn bytes_at(&self, offset: u64, len: usize) -> io::Result<Cow<'_, [u8]>> {
        self.as_slice().bytes_at(offset, len)
    }
}

impl<T: ReadAt + ?Sized> ReadAt for &T {
    fn len(&self) -> u64 {
        (**self).len()
    }

    fn bytes_at(&self, offset: u64, len: usize) -> io::Result<Cow<'_, [u8]>> {
        (**self).bytes_at(offset, len)
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        (**self).read_exact_at(offset, buf)
    }
}

/// An image read on demand from a `Read + Seek`, such as a [`std::fs::File`].
///
/// Reads are positioned with a seek only when they do not follow the previous one, so walking
/// a directory or streaming a file reads sequentially.
#[derive(Debug)]
pub struct SeekReader<R> {
    inner: RefCell<Inner<R>>,
    len: u64,
}

#[derive(Debug)]
struct Inner<R> {
    reader: R,
    /// Where the reader stands, when known.
    pos: Option<u64>,
}

impl<R: Read + Seek> SeekReader<R> {
    /// Wraps `reader`; its length is found by seeking to its end.
    pub fn new(mut reader: R) -> io::Result<Self> {
        let len = reader.seek(SeekFrom::End(0))?;
        Ok(Self { inner: RefCell::new(Inner { reader, pos: None }), len })
    }

    /// The reader back.
    pub fn into_inner(self) -> R {
        self.inner.into_inner().reader
    }
}

impl<R: Read + Seek> ReadAt for SeekReader<R> {
    fn len(&self) -> u64 {
        self.len
    }

    fn bytes_at(&self, offset: u64, len: usize) -> io::Result<Cow<'_, [u8]>> {
        let mut buf = vec![0; len];
        self.read_exact_at(offset, &mut buf)?;
        Ok(Cow::Owned(buf))
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let mut inner = self
            .inner
            .try_borrow_mut()
            .map_err(|_| io::Error::other("image reader used re-entrantly"))?;
        if inner.pos != Some(offset) {
            inner.pos = None;
            inner.reader.seek(SeekFrom::Start(offset))?;
        }
        let result = inner.reader.read_exact(buf);
        inner.pos = match result {
            Ok(()) => u64::try_from(buf.len()).ok().and_then(|n| offset.checked_add(n)),
            Err(_) => None,
        };
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn slices_borrow_and_refuse_short_reads() {
        let data = [1u8, 2, 3, 4];
        let s: &[u8] = &data;
        assert!(matches!(s.bytes_at(1, 2).unwrap(), Cow::Borrowed(&[2, 3])));
        assert!(s.bytes_at(3, 2).is_err());
        assert!(s.bytes_at(u64::MAX, 1).is_err());
        assert!(s.bytes_at(1, usize::MAX).is_err());
    }

    #[test]
    fn streams_read_at_any_offset() {
        let r = SeekReader::new(Cursor::new(vec![9u8, 8, 7, 6, 5])).unwrap();
        assert_eq!(r.len(), 5);
        assert_eq!(&*r.bytes_at(3, 2).unwrap(), &[6, 5]);
        let mut b = [0u8; 2];
        r.read_exact_at(0, &mut b).unwrap();
        assert_eq!(b, [9, 8]);
        r.read_exact_at(2, &mut b).unwrap();
        assert_eq!(b, [7, 6]);
        assert!(r.bytes_at(4, 2).is_err());
        // After a failed read the position is unknown: the next read seeks again.
        r.read_exact_at(0, &mut b).unwrap();
        assert_eq!(b, [9, 8]);
    }
}
