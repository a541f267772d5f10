//! Atomic output files, through the workspace's one helper ([`imapi_codes::atomic`]): written
//! to a temporary file in the destination's folder, then renamed over the destination. A failed
//! run leaves nothing behind and never clobbers an existing file with half a result. Like `cp`,
//! `tar` and xorriso, the rename is not preceded by an fsync ([`Durability::RenameOnly`]): the
//! guarantee is against a failed run, not a power cut (`sync` after the run gives that).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use imapi_codes::atomic::{self, Durability};

/// An output file being written; becomes visible under its name only at [`AtomicFile::commit`].
pub struct AtomicFile(atomic::AtomicFile);

impl AtomicFile {
    /// Starts writing `dest` (through a hidden temporary file beside it).
    pub fn create(dest: &Path) -> anyhow::Result<Self> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let file = atomic::AtomicFile::create(dest, Durability::RenameOnly)
            .with_context(|| format!("cannot create a file in {}", dir.display()))?;
        Ok(Self(file))
    }

    /// The open temporary file.
    pub fn file(&mut self) -> &mut File {
        self.0.file_mut()
    }

    /// Renames the file to its destination.
    pub fn commit(self) -> anyhow::Result<()> {
        let dest = self.0.dest().to_path_buf();
        self.0.commit().with_context(|| format!("cannot write {}", dest.display()))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}
