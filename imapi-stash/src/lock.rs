//! The advisory lock that makes one process at a time the owner of a stash folder.

use crate::error::StashError;
use fs4::fs_std::FileExt;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// Name of the lock file inside a stash folder. It is created when missing and never
/// removed (removing a lock file races with the next locker).
pub const LOCK_FILE_NAME: &str = "imapi.stash.lock";

/// An exclusive advisory lock (`flock` on Unix, `LockFileEx` on Windows) on a stash folder's
/// lock file. The lock is released when this value is dropped, and by the system when the
/// process dies, however it dies.
#[derive(Debug)]
pub struct StashLock {
    file: File,
    path: PathBuf,
}

impl StashLock {
    /// Takes the lock of the stash folder `dir` without waiting: if another process (or
    /// another `StashLock` in this one) holds it, the answer is [`StashError::InUse`]
    /// (IMAPI_E_STASHINUSE).
    pub fn acquire(dir: &Path) -> Result<Self, StashError> {
        let path = dir.join(LOCK_FILE_NAME);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| StashError::io("open the lock file", &path, e))?;
        match FileExt::try_lock_exclusive(&file) {
            Ok(true) => Ok(Self { file, path }),
            Ok(false) => Err(StashError::InUse { lock: path }),
            Err(e) => Err(StashError::io("lock", &path, e)),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StashLock {
    fn drop(&mut self) {
        // Closing the file releases the lock as well; unlocking first makes it immediate
        // even if a duplicate of the descriptor lives on somewhere.
        let _ = FileExt::unlock(&self.file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imapi_codes::ImapiCode;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = StashLock::acquire(dir.path()).unwrap();
        let second = StashLock::acquire(dir.path());
        assert_eq!(
            second.as_ref().err().and_then(StashError::imapi_code),
            Some(ImapiCode::StashInUse)
        );
        drop(first);
        assert!(StashLock::acquire(dir.path()).is_ok());
    }
}
