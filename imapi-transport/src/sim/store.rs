//! The folder of a simulated recorder: `disc.json` (the model, replaced atomically at each
//! sync point), `blocks.bin` (one 2352-byte slot per block from LBA −150, sparse, written as
//! the blocks come), `faults.json` (faults to inject, see [`FaultSettings`]), `serial` (the
//! drive's serial number), `media-changed` (a new disc waits to be noticed) and `lock`
//! (an advisory lock through fs4, as the stash takes its own: one exclusive holder, or any
//! number of shared ones).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use imapi_codes::atomic::{write_atomic, AtomicFile, Durability};

use super::device::FaultSettings;
use super::disc::Disc;
use crate::access::Access;

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

/// Name of the model file.
const STATE: &str = "disc.json";
/// Name of the fault file.
const FAULTS: &str = "faults.json";
/// Name of the file holding the drive's serial number.
const SERIAL: &str = "serial";
/// Name of the marker left by `insert` until the next exclusive opener has seen it.
const MEDIA_CHANGED: &str = "media-changed";

/// The open folder.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    blocks: File,
    access: Access,
    _lock: File,
}

/// Tries of a refused lock before it is reported in use (10 ms apart).
const LOCK_TRIES: u32 = 20;

/// Takes `file`'s advisory lock (fs4: `flock` on Unix, `LockFileEx` on Windows) without
/// waiting, shared or exclusive as `access` asks.
fn lock(file: &File, lock_path: &Path, dir: &Path, access: Access) -> Result<(), SimError> {
    use fs4::fs_std::FileExt;
    let try_lock = || match access {
        Access::Shared => FileExt::try_lock_shared(file),
        Access::Exclusive => FileExt::try_lock_exclusive(file),
    };
    // A process forking a child passes the child a copy of its descriptors until the child's
    // exec closes them: a lock held by such a copy goes within moments, so a refusal is tried
    // again a few times before it counts.
    for _ in 0..LOCK_TRIES {
        if try_lock().map_err(io(lock_path))? {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    match try_lock().map_err(io(lock_path))? {
        true => Ok(()),
        false => Err(SimError::InUse(dir.to_path_buf())),
    }
}

/// Replaces `path` with `bytes` atomically ([`imapi_codes::atomic`]), flushed to the disk
/// before and after the rename: a crash leaves the old file or the new one, never a mix, and
/// the state survives a power cut once a command has reported success.
fn replace(path: &Path, bytes: &[u8]) -> Result<(), SimError> {
    write_atomic(path, bytes, Durability::Synced).map_err(io(path))
}

/// A new serial number: 12 hexadecimal digits from the process's random hash keys, the time
/// and the folder.
fn new_serial(dir: &Path) -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut h = RandomState::new().build_hasher();
    dir.hash(&mut h);
    std::process::id().hash(&mut h);
    std::time::SystemTime::now().hash(&mut h);
    format!("SIM{:012X}", h.finish() & 0xFFFF_FFFF_FFFF)
}

impl Store {
    /// Path of the model file in `dir`.
    pub fn state_path(dir: &Path) -> PathBuf {
        dir.join(STATE)
    }

    /// Path of the fault file in `dir`.
    pub fn faults_path(dir: &Path) -> PathBuf {
        dir.join(FAULTS)
    }

    /// Creates the folder (if needed) and a blank disc in it, with a new serial number.
    pub fn create(dir: &Path, disc: &Disc) -> Result<Store, SimError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        if Self::state_path(dir).exists() {
            return Err(SimError::Exists(dir.to_path_buf()));
        }
        let store = Self::open_files(dir, Access::Exclusive)?;
        store.blocks.set_len(0).map_err(io(dir))?;
        replace(&dir.join(SERIAL), new_serial(dir).as_bytes())?;
        store.save(disc)?;
        Ok(store)
    }

    /// Opens the folder of an existing disc and takes its lock as `access` asks; returns the
    /// store and the disc as last saved.
    pub fn open(dir: &Path, access: Access) -> Result<(Store, Disc), SimError> {
        let state = Self::state_path(dir);
        if !state.exists() {
            return Err(SimError::Missing(dir.to_path_buf()));
        }
        let store = Self::open_files(dir, access)?;
        let disc = store.load()?;
        Ok((store, disc))
    }

    fn open_files(dir: &Path, access: Access) -> Result<Store, SimError> {
        let lock_path = dir.join("lock");
        let lock_file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        lock(&lock_file, &lock_path, dir, access)?;
        let blocks_path = dir.join("blocks.bin");
        let blocks = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&blocks_path)
            .map_err(io(&blocks_path))?;
        Ok(Store { dir: dir.to_path_buf(), blocks, access, _lock: lock_file })
    }

    /// How the folder is held.
    pub fn access(&self) -> Access {
        self.access
    }

    /// Reads the model.
    pub fn load(&self) -> Result<Disc, SimError> {
        let path = Self::state_path(&self.dir);
        let text = std::fs::read(&path).map_err(io(&path))?;
        serde_json::from_slice(&text).map_err(|source| SimError::Corrupt { path, source })
    }

    /// Replaces the model (a unique temporary file, synced, then renamed over it).
    pub fn save(&self, disc: &Disc) -> Result<(), SimError> {
        let path = Self::state_path(&self.dir);
        let text = serde_json::to_vec_pretty(disc)
            .map_err(|source| SimError::Corrupt { path: path.clone(), source })?;
        replace(&path, &text)
    }

    /// The fault settings of `dir` (none when it has no fault file).
    pub fn load_faults(dir: &Path) -> Result<FaultSettings, SimError> {
        let path = Self::faults_path(dir);
        match std::fs::read(&path) {
            Ok(text) => {
                serde_json::from_slice(&text).map_err(|source| SimError::Corrupt { path, source })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FaultSettings::default()),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// Replaces the fault file of `dir`; default settings remove it.
    pub fn save_faults(dir: &Path, settings: &FaultSettings) -> Result<(), SimError> {
        let path = Self::faults_path(dir);
        if *settings == FaultSettings::default() {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(&path)(e)),
                _ => Ok(()),
            };
        }
        let text = serde_json::to_vec_pretty(settings)
            .map_err(|source| SimError::Corrupt { path: path.clone(), source })?;
        replace(&path, &text)
    }

    /// The drive's serial number, made on first use for a folder created without one.
    pub fn serial(&self) -> Result<String, SimError> {
        let path = self.dir.join(SERIAL);
        if !path.exists() {
            // Publish a new one without replacing one another opener made meanwhile.
            let mut file = AtomicFile::create(&path, Durability::Synced).map_err(io(&path))?;
            file.write_all(new_serial(&self.dir).as_bytes()).map_err(io(&path))?;
            if let Err(e) = file.commit_new() {
                if e.kind() != std::io::ErrorKind::AlreadyExists {
                    return Err(io(&path)(e));
                }
            }
        }
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        Ok(text.trim().to_string())
    }

    /// Whether a new disc was inserted since the last exclusive opener; an exclusive store
    /// forgets it as it answers.
    pub fn take_media_changed(&self) -> Result<bool, SimError> {
        let path = self.dir.join(MEDIA_CHANGED);
        if !path.exists() {
            return Ok(false);
        }
        if self.access == Access::Exclusive {
            std::fs::remove_file(&path).map_err(io(&path))?;
        }
        Ok(true)
    }

    /// Marks that a new disc was inserted.
    pub fn set_media_changed(&self) -> Result<(), SimError> {
        replace(&self.dir.join(MEDIA_CHANGED), b"")
    }

    /// The block after the last byte of `blocks.bin`: where the last write ended (writes are
    /// sequential, and `blocks.bin` is cut whenever a disc is blanked or replaced).
    pub fn written_end(&self) -> Result<i32, SimError> {
        let path = self.dir.join("blocks.bin");
        let len = self.blocks.metadata().map_err(io(&path))?.len();
        let slots = len.div_ceil(SLOT);
        Ok(i32::try_from(slots).unwrap_or(i32::MAX).saturating_sub(150))
    }

    fn offset(lba: i32) -> u64 {
        (i64::from(lba) + 150).max(0) as u64 * SLOT
    }

    /// Writes the blocks from `lba`, `len` bytes each, in one write: each block at the start of
    /// its slot, the rest of a slot zero.
    pub fn write_blocks(&mut self, lba: i32, data: &[u8], len: usize) -> Result<(), SimError> {
        let path = self.dir.join("blocks.bin");
        if data.is_empty() || len == 0 {
            return Ok(());
        }
        let slot = SLOT as usize;
        let buf: std::borrow::Cow<'_, [u8]> = if len == slot {
            std::borrow::Cow::Borrowed(data)
        } else {
            let blocks = data.len() / len;
            let mut v = vec![0u8; blocks * slot];
            for (k, block) in data.chunks(len).enumerate() {
                v[k * slot..k * slot + block.len().min(slot)]
                    .copy_from_slice(&block[..block.len().min(slot)]);
            }
            std::borrow::Cow::Owned(v)
        };
        self.blocks.seek(SeekFrom::Start(Self::offset(lba))).map_err(io(&path))?;
        self.blocks.write_all(&buf).map_err(io(&path))
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
