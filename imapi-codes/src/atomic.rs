//! Atomic output files, the one way every imapi-rs layer replaces a file: the content goes to a
//! temporary file in the destination's folder (the `tempfile` crate picks a name no other
//! writer uses and removes the file if the work is dropped), which is renamed over the
//! destination only when complete. A failed run leaves nothing behind and never leaves a
//! destination holding half a result.
//!
//! Whether the data is flushed to the disk (`fsync`) before the rename is the caller's
//! choice, [`Durability`]: files that a later run relies on after a power cut (a simulated
//! recorder's state) take [`Durability::Synced`]; outputs handed to people (images, BIN/CUE)
//! take [`Durability::RenameOnly`], as `cp` and `tar` do — `sync` after the run gives the rest.
//!
//! ```
//! use imapi_codes::atomic::{write_atomic, Durability};
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("out.txt");
//! write_atomic(&path, b"one", Durability::RenameOnly)?;
//! write_atomic(&path, b"two", Durability::Synced)?;
//! assert_eq!(std::fs::read(&path)?, b"two");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Whether a file is flushed to the disk before it takes its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Rename without `fsync`: safe against a failed run, not against a power cut.
    RenameOnly,
    /// `fsync` the file before the rename and its folder after it (where the system can open
    /// a folder), so the new content survives a power cut once the commit returns.
    Synced,
}

/// A file being written; it appears under its name only at [`AtomicFile::commit`]. Dropped
/// without a commit, it leaves nothing behind.
#[derive(Debug)]
pub struct AtomicFile {
    temp: NamedTempFile,
    dest: PathBuf,
    durability: Durability,
}

/// The folder holding `dest` (the current one for a bare name).
fn folder_of(dest: &Path) -> &Path {
    match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

impl AtomicFile {
    /// Starts writing `dest`, through a hidden temporary file `.NAME.XXXXXX.part` beside it.
    ///
    /// On Unix the new file gets an ordinary new file's mode (0666 less the umask), not the
    /// 0600 of a temporary file.
    pub fn create(dest: &Path, durability: Durability) -> io::Result<AtomicFile> {
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".part");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let temp = builder.tempfile_in(folder_of(dest))?;
        Ok(AtomicFile { temp, dest: dest.to_path_buf(), durability })
    }

    /// The destination.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// The open temporary file.
    pub fn file(&self) -> &File {
        self.temp.as_file()
    }

    /// The open temporary file, mutably.
    pub fn file_mut(&mut self) -> &mut File {
        self.temp.as_file_mut()
    }

    /// Renames the file over its destination (after an `fsync` when [`Durability::Synced`]).
    /// On an error the temporary file is removed and the destination is left as it was.
    pub fn commit(mut self) -> io::Result<()> {
        self.temp.as_file_mut().flush()?;
        if self.durability == Durability::Synced {
            self.temp.as_file().sync_all()?;
        }
        self.temp.persist(&self.dest).map_err(|e| e.error)?;
        if self.durability == Durability::Synced {
            sync_folder(folder_of(&self.dest));
        }
        Ok(())
    }

    /// Gives the file its name only if no file has it yet: an error of kind
    /// [`io::ErrorKind::AlreadyExists`] (the temporary file removed) when one does, so of two
    /// writers racing to publish the same name, the first wins and the other sees its file.
    pub fn commit_new(mut self) -> io::Result<()> {
        self.temp.as_file_mut().flush()?;
        if self.durability == Durability::Synced {
            self.temp.as_file().sync_all()?;
        }
        self.temp.persist_noclobber(&self.dest).map_err(|e| e.error)?;
        if self.durability == Durability::Synced {
            sync_folder(folder_of(&self.dest));
        }
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

/// Replaces `dest` with `bytes` atomically.
pub fn write_atomic(dest: &Path, bytes: &[u8], durability: Durability) -> io::Result<()> {
    let mut file = AtomicFile::create(dest, durability)?;
    file.write_all(bytes)?;
    file.commit()
}

/// Makes a rename in `dir` durable where the system lets a folder be opened (best effort: the
/// rename itself is atomic either way).
pub fn sync_folder(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn dropped_without_commit_leaves_the_old_file_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        std::fs::write(&path, b"old").unwrap();
        {
            let mut f = AtomicFile::create(&path, Durability::RenameOnly).unwrap();
            f.write_all(b"half a res").unwrap();
            assert_eq!(names(dir.path()).len(), 2, "the temporary file sits beside it");
        }
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["out.bin"]);
    }

    #[test]
    fn commit_replaces_for_both_durabilities() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        for (d, text) in [(Durability::Synced, &b"{1}"[..]), (Durability::RenameOnly, b"{22}")] {
            write_atomic(&path, text, d).unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), text);
            assert_eq!(names(dir.path()), ["state.json"]);
        }
    }

    #[test]
    fn commit_new_keeps_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("serial");
        let mut first = AtomicFile::create(&path, Durability::Synced).unwrap();
        let mut second = AtomicFile::create(&path, Durability::Synced).unwrap();
        first.write_all(b"A").unwrap();
        second.write_all(b"B").unwrap();
        first.commit_new().unwrap();
        let e = second.commit_new().unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"A");
        assert_eq!(names(dir.path()), ["serial"]);
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/out");
        assert!(write_atomic(&path, b"x", Durability::RenameOnly).is_err());
    }
}
