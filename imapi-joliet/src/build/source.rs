//! Where a file's bytes come from: the [`Source`] trait and the sources shipped with the crate.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The content of one file in the image: a length and a way to read it.
///
/// The plan asks [`Source::len`] once; the emit pass opens the source, reads exactly that many
/// bytes and fails with [`crate::Error::SourceChanged`] if it finds more or fewer. Embedders
/// implement it for their own content (a database blob, a network object, a generated file).
pub trait Source: Send + Sync + fmt::Debug {
    /// The number of bytes the source holds now.
    fn len(&self) -> io::Result<u64>;

    /// True when the source holds no bytes.
    fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }

    /// A reader positioned at `offset` bytes into the content.
    fn open_at(&self, offset: u64) -> io::Result<Box<dyn Read + Send + '_>>;

    /// The host file and the offset in it where the content starts, when the content is a
    /// plain range of a host file: lets the emit pass use the kernel's copy.
    fn host_file(&self) -> Option<(&Path, u64)> {
        None
    }

    /// How to name this source in an error message.
    fn describe(&self) -> String {
        format!("{self:?}")
    }
}

/// Bytes held in memory.
#[derive(Clone)]
pub struct BytesSource(Arc<[u8]>);

impl BytesSource {
    /// A source over a copy of `bytes`.
    pub fn new(bytes: impl Into<Arc<[u8]>>) -> Self {
        Self(bytes.into())
    }
}

impl fmt::Debug for BytesSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes in memory", self.0.len())
    }
}

impl Source for BytesSource {
    fn len(&self) -> io::Result<u64> {
        Ok(self.0.len() as u64)
    }
    fn open_at(&self, offset: u64) -> io::Result<Box<dyn Read + Send + '_>> {
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(self.0.len());
        Ok(Box::new(&self.0[start..]))
    }
}

/// A whole host file, read at emit time.
#[derive(Debug, Clone)]
pub struct PathSource(PathBuf);

impl PathSource {
    /// A source reading the file at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self(path.into())
    }
}

impl Source for PathSource {
    fn len(&self) -> io::Result<u64> {
        Ok(std::fs::metadata(&self.0)?.len())
    }
    fn open_at(&self, offset: u64) -> io::Result<Box<dyn Read + Send + '_>> {
        let mut f = File::open(&self.0)?;
        if offset > 0 {
            f.seek(SeekFrom::Start(offset))?;
        }
        Ok(Box::new(f))
    }
    fn host_file(&self) -> Option<(&Path, u64)> {
        Some((&self.0, 0))
    }
    fn describe(&self) -> String {
        self.0.display().to_string()
    }
}

/// A byte range of a host file (such as a region of a stash).
#[derive(Debug, Clone)]
pub struct FileRangeSource {
    path: PathBuf,
    offset: u64,
    len: u64,
}

impl FileRangeSource {
    /// `len` bytes of the file at `path`, starting at `offset`.
    pub fn new(path: impl Into<PathBuf>, offset: u64, len: u64) -> Self {
        Self { path: path.into(), offset, len }
    }
}

impl Source for FileRangeSource {
    /// The range's length, or less when the file has since become shorter.
    fn len(&self) -> io::Result<u64> {
        let file_len = std::fs::metadata(&self.path)?.len();
        Ok(file_len.saturating_sub(self.offset).min(self.len))
    }
    fn open_at(&self, offset: u64) -> io::Result<Box<dyn Read + Send + '_>> {
        let mut f = File::open(&self.path)?;
        let start = self.offset.saturating_add(offset);
        f.seek(SeekFrom::Start(start))?;
        Ok(Box::new(f.take(self.len.saturating_sub(offset))))
    }
    fn host_file(&self) -> Option<(&Path, u64)> {
        Some((&self.path, self.offset))
    }
    fn describe(&self) -> String {
        format!("{} [{}..+{}]", self.path.display(), self.offset, self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_ranges_read_what_they_hold() {
        let b = BytesSource::new(&b"hello world"[..]);
        assert_eq!(b.len().unwrap(), 11);
        let mut s = String::new();
        b.open_at(6).unwrap().read_to_string(&mut s).unwrap();
        assert_eq!(s, "world");

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"0123456789").unwrap();
        let r = FileRangeSource::new(&p, 2, 5);
        assert_eq!(r.len().unwrap(), 5);
        let mut s = String::new();
        r.open_at(1).unwrap().read_to_string(&mut s).unwrap();
        assert_eq!(s, "3456");
        assert_eq!(FileRangeSource::new(&p, 8, 5).len().unwrap(), 2);
        assert_eq!(PathSource::new(&p).len().unwrap(), 10);
    }
}
