//! Atomic output files: written to a temporary file in the destination's folder, synced, then
//! renamed over the destination. A failed run leaves nothing behind.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use tempfile::NamedTempFile;

/// An output file being written; becomes visible under its name only at [`AtomicFile::commit`].
#[allow(dead_code)] // the audio and extract subcommands write through it
pub struct AtomicFile {
    temp: NamedTempFile,
    dest: PathBuf,
}

#[allow(dead_code)]
impl AtomicFile {
    /// Starts writing `dest` (through a hidden temporary file beside it).
    pub fn create(dest: &Path) -> anyhow::Result<Self> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".part")
            .tempfile_in(&dir)
            .with_context(|| format!("cannot create a file in {}", dir.display()))?;
        Ok(Self { temp, dest: dest.to_path_buf() })
    }

    /// The open temporary file.
    pub fn file(&mut self) -> &mut File {
        self.temp.as_file_mut()
    }

    /// Syncs and renames the file to its destination.
    pub fn commit(mut self) -> anyhow::Result<()> {
        self.temp.as_file_mut().flush()?;
        self.temp
            .as_file()
            .sync_all()
            .with_context(|| format!("cannot sync {}", self.dest.display()))?;
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
