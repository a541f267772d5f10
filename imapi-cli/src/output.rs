//! Atomic output files: written to a temporary file in the destination's folder, then renamed
//! over the destination. A failed run leaves nothing behind and never clobbers an existing file
//! with half a result. Like `cp`, `tar` and xorriso, the rename is not preceded by an fsync: the
//! guarantee is against a failed run, not a power cut (`sync` after the run gives that).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use tempfile::NamedTempFile;

/// An output file being written; becomes visible under its name only at [`AtomicFile::commit`].
pub struct AtomicFile {
    temp: NamedTempFile,
    dest: PathBuf,
}

impl AtomicFile {
    /// Starts writing `dest` (through a hidden temporary file beside it).
    pub fn create(dest: &Path) -> anyhow::Result<Self> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".part");
        #[cfg(unix)]
        {
            // An ordinary new file's mode (0666 less the umask), not the temporary file's 0600.
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let temp = builder
            .tempfile_in(&dir)
            .with_context(|| format!("cannot create a file in {}", dir.display()))?;
        Ok(Self { temp, dest: dest.to_path_buf() })
    }

    /// The open temporary file.
    pub fn file(&mut self) -> &mut File {
        self.temp.as_file_mut()
    }

    /// Renames the file to its destination.
    pub fn commit(mut self) -> anyhow::Result<()> {
        self.temp.as_file_mut().flush()?;
        self.temp
            .persist(&self.dest)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", self.dest.display()))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.temp.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.temp.flush()
    }
}
