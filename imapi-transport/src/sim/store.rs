//! The folder of a simulated recorder: `disc.json` (the model, replaced atomically after each
//! change), `blocks.bin` (one 2352-byte slot per block from LBA −150, sparse) and `lock`
//! (held by the one process using the recorder).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::disc::Disc;

/// Bytes per block slot in `blocks.bin`.
pub const SLOT: u64 = 2352;

/// Why a simulated recorder's folder cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// Reading or writing a file of the folder failed.
    #[error("{path}: i/o error")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// `disc.json` does not hold a disc.
    #[error("{path}: not a simulated disc")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// Another process holds the recorder.
    #[error("{0}: the simulated recorder is in use by another process")]
    InUse(PathBuf),
    /// `sim create` on a folder that already holds a disc.
    #[error("{0}: a simulated disc is already there")]
    Exists(PathBuf),
    /// The folder holds no simulated disc.
    #[error("{0}: no simulated disc there (create one first)")]
    Missing(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SimError + '_ {
    move |source| SimError::Io { path: path.to_path_buf(), source }
}

/// The open folder.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    blocks: File,
    _lock: File,
}

fn lock(file: &File, dir: &Path) -> Result<(), SimError> {
    #[cfg(unix)]
    {
        use rustix::fs::{flock, FlockOperation};
        flock(file, FlockOperation::NonBlockingLockExclusive)
            .map_err(|_| SimError::InUse(dir.to_path_buf()))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, dir);
        Ok(())
    }
}

impl Store {
    /// Path of the model file in `dir`.
    pub fn state_path(dir: &Path) -> PathBuf {
        dir.join("disc.json")
    }

    /// Creates the folder (if needed) and a blank disc in it.
    pub fn create(dir: &Path, disc: &Disc) -> Result<Store, SimError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        if Self::state_path(dir).exists() {
            return Err(SimError::Exists(dir.to_path_buf()));
        }
        let store = Self::open_files(dir)?;
        store.blocks.set_len(0).map_err(io(dir))?;
        store.save(disc)?;
        Ok(store)
    }

    /// Opens the folder of an existing disc and takes its lock; returns the store and the
    /// disc as last saved.
    pub fn open(dir: &Path) -> Result<(Store, Disc), SimError> {
        let state = Self::state_path(dir);
        if !state.exists() {
            return Err(SimError::Missing(dir.to_path_buf()));
        }
        let store = Self::open_files(dir)?;
        let disc = store.load()?;
        Ok((store, disc))
    }

    fn open_files(dir: &Path) -> Result<Store, SimError> {
        let lock_path = dir.join("lock");
        let lock_file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        lock(&lock_file, dir)?;
        let blocks_path = dir.join("blocks.bin");
        let blocks = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&blocks_path)
            .map_err(io(&blocks_path))?;
        Ok(Store { dir: dir.to_path_buf(), blocks, _lock: lock_file })
    }

    /// Reads the model.
    pub fn load(&self) -> Result<Disc, SimError> {
        let path = Self::state_path(&self.dir);
        let text = std::fs::read(&path).map_err(io(&path))?;
        serde_json::from_slice(&text).map_err(|source| SimError::Corrupt { path, source })
    }

    /// Replaces the model (write to a temporary file, then rename).
    pub fn save(&self, disc: &Disc) -> Result<(), SimError> {
        let path = Self::state_path(&self.dir);
        let tmp = self.dir.join("disc.json.tmp");
        let text = serde_json::to_vec_pretty(disc)
            .map_err(|source| SimError::Corrupt { path: path.clone(), source })?;
        std::fs::write(&tmp, text).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))
    }

    fn offset(lba: i32) -> u64 {
        (i64::from(lba) + 150).max(0) as u64 * SLOT
    }

    /// Writes the blocks from `lba`, `len` bytes each.
    pub fn write_blocks(&mut self, lba: i32, data: &[u8], len: usize) -> Result<(), SimError> {
        let path = self.dir.join("blocks.bin");
        for (k, block) in data.chunks(len).enumerate() {
            self.blocks.seek(SeekFrom::Start(Self::offset(lba + k as i32))).map_err(io(&path))?;
            self.blocks.write_all(block).map_err(io(&path))?;
        }
        Ok(())
    }

    /// Reads one block's first `len` bytes (zeros where nothing was ever written).
    pub fn read_block(&mut self, lba: i32, out: &mut [u8]) -> Result<(), SimError> {
        let path = self.dir.join("blocks.bin");
        out.fill(0);
        let end = self.blocks.metadata().map_err(io(&path))?.len();
        let at = Self::offset(lba);
        if at >= end {
            return Ok(());
        }
        self.blocks.seek(SeekFrom::Start(at)).map_err(io(&path))?;
        let avail = ((end - at) as usize).min(out.len());
        self.blocks.read_exact(&mut out[..avail]).map_err(io(&path))
    }

    /// Forgets every block (a full blank).
    pub fn clear(&mut self) -> Result<(), SimError> {
        let path = self.dir.join("blocks.bin");
        self.blocks.set_len(0).map_err(io(&path))
    }
}
