//! The free-space check made before a stash is created.

use crate::error::StashError;
use std::path::Path;

/// Bytes free for an unprivileged user on the file system that holds `dir`.
pub fn available_space(dir: &Path) -> Result<u64, StashError> {
    fs4::available_space(dir).map_err(|e| StashError::io("query the free space of", dir, e))
}

/// Fails with [`StashError::NotEnoughDisk`] (IMAPI_E_NOTENOUGHDISKFORSTASH) unless `dir`
/// has `needed` bytes free.
pub fn ensure_space(dir: &Path, needed: u64) -> Result<(), StashError> {
    let available = available_space(dir)?;
    if available < needed {
        return Err(StashError::NotEnoughDisk { dir: dir.to_owned(), needed, available });
    }
    Ok(())
}
