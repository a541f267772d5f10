//! Where a stash may not live. IMAPI refuses a stash on a compressed volume
//! (IMAPI_E_COMPRESSEDSTASH), on an encrypted one (IMAPI_E_ENCRYPTEDSTASH) and on removable
//! media (IMAPI_E_REMOVABLESTASH): a burn reads the stash at the drive's pace, and a volume
//! that decompresses, decrypts or can be pulled out risks the stream.
//!
//! On Linux the stash folder is asked when the master first takes it (the first
//! [`crate::DiscMaster::set_active_disc_recorder`] or staging call):
//! - compressed: `statx` reports `STATX_ATTR_COMPRESSED` on the folder (btrfs, ext4 or f2fs
//!   with `chattr +c`: files made in it are compressed);
//! - encrypted: `statx` reports `STATX_ATTR_ENCRYPTED` on the folder (an fscrypt directory:
//!   files made in it are encrypted; a whole-disk dm-crypt volume is not visible here and is
//!   not refused);
//! - removable: the block device of the folder's file system (from `statx`'s `stx_dev`), or
//!   the disk it is a partition of, has `/sys/dev/block/MAJOR:MINOR/removable` = 1.
//!
//! The decision is the pure [`StashVolume::code`] over what was found; [`StashVolume::probe`]
//! is the system-call glue. On other systems nothing is found and nothing is refused.

use std::path::Path;

use imapi_codes::ImapiCode;

use crate::error::{ImapiError, Result};

/// `STATX_ATTR_COMPRESSED` (linux/stat.h).
pub const STATX_ATTR_COMPRESSED: u64 = 0x0000_0004;
/// `STATX_ATTR_ENCRYPTED` (linux/stat.h).
pub const STATX_ATTR_ENCRYPTED: u64 = 0x0000_0800;

/// What the stash folder's volume is, as far as the system tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StashVolume {
    /// Files made in the folder are compressed.
    pub compressed: bool,
    /// Files made in the folder are encrypted.
    pub encrypted: bool,
    /// The folder's file system is on removable media.
    pub removable: bool,
}

impl StashVolume {
    /// From `statx`'s `stx_attributes` and `stx_attributes_mask` (an attribute counts only
    /// where the mask says the file system reports it) and the text of the block device's
    /// sysfs `removable` file (`None`: no block device, as for tmpfs or overlayfs).
    pub fn from_attributes(attributes: u64, mask: u64, removable: Option<&str>) -> StashVolume {
        let has = |bit: u64| mask & bit != 0 && attributes & bit != 0;
        StashVolume {
            compressed: has(STATX_ATTR_COMPRESSED),
            encrypted: has(STATX_ATTR_ENCRYPTED),
            removable: removable.is_some_and(|t| t.trim() == "1"),
        }
    }

    /// The IMAPI code that refuses a stash here, `None` when it may live here. A volume that is
    /// several of these gets the first in the order compressed, encrypted, removable.
    pub fn code(&self) -> Option<ImapiCode> {
        if self.compressed {
            Some(ImapiCode::CompressedStash)
        } else if self.encrypted {
            Some(ImapiCode::EncryptedStash)
        } else if self.removable {
            Some(ImapiCode::RemovableStash)
        } else {
            None
        }
    }

    /// Asks the system about the folder `dir` (which must exist). What cannot be asked counts
    /// as not found.
    #[cfg(target_os = "linux")]
    pub fn probe(dir: &Path) -> StashVolume {
        use rustix::fs::{statx, AtFlags, StatxFlags, CWD};
        let Ok(st) = statx(CWD, dir, AtFlags::empty(), StatxFlags::BASIC_STATS) else {
            return StashVolume::default();
        };
        let removable = removable_text(Path::new("/sys"), st.stx_dev_major, st.stx_dev_minor);
        StashVolume::from_attributes(
            st.stx_attributes.bits(),
            st.stx_attributes_mask.bits(),
            removable.as_deref(),
        )
    }

    /// Asks the system about the folder `dir`: nothing is known off Linux.
    #[cfg(not(target_os = "linux"))]
    pub fn probe(dir: &Path) -> StashVolume {
        let _ = dir;
        StashVolume::default()
    }
}

/// The text of the `removable` file of block device `major:minor` under the sysfs at `sys`,
/// or of the whole disk when the device is a partition of it; `None` when there is no such
/// block device (major 0: a file system without one).
pub fn removable_text(sys: &Path, major: u32, minor: u32) -> Option<String> {
    if major == 0 {
        return None;
    }
    let dev = sys.join("dev/block").join(format!("{major}:{minor}"));
    let own = std::fs::read_to_string(dev.join("removable")).ok();
    own.or_else(|| {
        if dev.join("partition").exists() {
            std::fs::read_to_string(dev.join("..").join("removable")).ok()
        } else {
            None
        }
    })
}

/// Refuses a stash folder IMAPI would not keep a stash in (the module's rules).
pub(crate) fn check(dir: &Path) -> Result<()> {
    let volume = StashVolume::probe(dir);
    match volume.code() {
        None => Ok(()),
        Some(code) => {
            let what = match code {
                ImapiCode::CompressedStash => "a compressed folder (STATX_ATTR_COMPRESSED)",
                ImapiCode::EncryptedStash => "an encrypted folder (STATX_ATTR_ENCRYPTED)",
                _ => "removable media (sysfs removable = 1)",
            };
            Err(ImapiError::new(
                code,
                format!("{}: the stash folder is on {what}; choose another", dir.display()),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_count_only_where_reported() {
        let all = STATX_ATTR_COMPRESSED | STATX_ATTR_ENCRYPTED;
        assert_eq!(StashVolume::from_attributes(0, all, Some("0\n")).code(), None);
        assert_eq!(
            StashVolume::from_attributes(STATX_ATTR_COMPRESSED, all, None).code(),
            Some(ImapiCode::CompressedStash)
        );
        assert_eq!(
            StashVolume::from_attributes(STATX_ATTR_ENCRYPTED, all, None).code(),
            Some(ImapiCode::EncryptedStash)
        );
        assert_eq!(
            StashVolume::from_attributes(all, all, Some("1")).code(),
            Some(ImapiCode::CompressedStash),
            "compressed first"
        );
        // A bit set outside the mask is not reported by the file system: not counted.
        assert_eq!(StashVolume::from_attributes(all, 0, None).code(), None);
        assert_eq!(
            StashVolume::from_attributes(0, all, Some("1\n")).code(),
            Some(ImapiCode::RemovableStash)
        );
        assert_eq!(StashVolume::from_attributes(0, 0, Some("garbage")).code(), None);
    }

    #[test]
    fn removable_from_a_fake_sysfs() {
        let sys = tempfile::tempdir().unwrap();
        let block = sys.path().join("dev/block");
        // sdb (8:16), removable, with partition sdb1 (8:17); sda (8:0) fixed.
        let disk = sys.path().join("devices/sdb");
        std::fs::create_dir_all(disk.join("sdb1")).unwrap();
        std::fs::write(disk.join("removable"), "1\n").unwrap();
        std::fs::write(disk.join("sdb1/partition"), "1\n").unwrap();
        let fixed = sys.path().join("devices/sda");
        std::fs::create_dir_all(&fixed).unwrap();
        std::fs::write(fixed.join("removable"), "0\n").unwrap();
        std::fs::create_dir_all(&block).unwrap();
        std::os::unix::fs::symlink(&disk, block.join("8:16")).unwrap();
        std::os::unix::fs::symlink(disk.join("sdb1"), block.join("8:17")).unwrap();
        std::os::unix::fs::symlink(&fixed, block.join("8:0")).unwrap();
        assert_eq!(removable_text(sys.path(), 8, 16).as_deref(), Some("1\n"));
        assert_eq!(removable_text(sys.path(), 8, 17).as_deref(), Some("1\n"), "its disk's");
        assert_eq!(removable_text(sys.path(), 8, 0).as_deref(), Some("0\n"));
        assert_eq!(removable_text(sys.path(), 0, 42), None, "no block device");
        assert_eq!(removable_text(sys.path(), 9, 9), None);
        let v = StashVolume::from_attributes(0, 0, removable_text(sys.path(), 8, 17).as_deref());
        assert_eq!(v.code(), Some(ImapiCode::RemovableStash));
    }

    #[test]
    fn this_machines_temporary_folder_is_probed_without_failing() {
        let dir = tempfile::tempdir().unwrap();
        // Whatever the machine's volume is, probing answers and check agrees with it.
        let v = StashVolume::probe(dir.path());
        assert_eq!(check(dir.path()).err().map(|e| e.code()), v.code());
    }
}
