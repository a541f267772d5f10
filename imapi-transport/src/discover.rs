//! Finding recorders: on Linux, SCSI devices of type 5 (CD/DVD) under sysfs; on Windows, the
//! present CD-ROM class device interfaces (SetupAPI).

use std::path::{Path, PathBuf};

/// A recorder the system knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecorderInfo {
    /// The node to open: the block node (`/dev/sr0`) when there is one, else the generic one.
    pub path: PathBuf,
    /// The SCSI generic node (`/dev/sg1`), when the sg driver is loaded.
    pub generic: Option<PathBuf>,
    /// The SCSI address `host:channel:target:lun`.
    pub address: String,
    /// Vendor, from INQUIRY as the kernel saw it.
    pub vendor: String,
    /// Product.
    pub product: String,
    /// Revision.
    pub revision: String,
    /// SCSI peripheral device type (5 = CD/DVD).
    pub device_type: u8,
}

/// The peripheral type of CD/DVD devices.
pub const TYPE_CD_DVD: u8 = 5;

fn read_trimmed(p: &Path) -> Option<String> {
    std::fs::read_to_string(p).ok().map(|s| s.trim().to_string())
}

fn first_child(dir: &Path) -> Option<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names.into_iter().next()
}

/// Every CD/DVD device under `sysfs` (normally `/sys`), with nodes named under `dev`
/// (normally `/dev`), sorted by SCSI address.
pub fn recorders_in(sysfs: &Path, dev: &Path) -> std::io::Result<Vec<RecorderInfo>> {
    let class = sysfs.join("class/scsi_device");
    let entries = match std::fs::read_dir(&class) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let address = entry.file_name().to_string_lossy().into_owned();
        let device = entry.path().join("device");
        let Some(device_type) =
            read_trimmed(&device.join("type")).and_then(|t| t.parse::<u8>().ok())
        else {
            continue;
        };
        if device_type != TYPE_CD_DVD {
            continue;
        }
        let block = first_child(&device.join("block")).map(|n| dev.join(n));
        let generic = first_child(&device.join("scsi_generic")).map(|n| dev.join(n));
        let Some(path) = block.or_else(|| generic.clone()) else { continue };
        out.push(RecorderInfo {
            path,
            generic,
            address,
            vendor: read_trimmed(&device.join("vendor")).unwrap_or_default(),
            product: read_trimmed(&device.join("model")).unwrap_or_default(),
            revision: read_trimmed(&device.join("rev")).unwrap_or_default(),
            device_type,
        });
    }
    out.sort_by(|a, b| a.address.cmp(&b.address));
    Ok(out)
}

/// Every CD/DVD device of this system: sysfs on Linux; on Windows the CD-ROM class device
/// interfaces, whose paths open with `CreateFileW` (no SCSI address, vendor or revision there:
/// the device's friendly name stands as the product until INQUIRY tells more); none
/// elsewhere.
pub fn recorders() -> std::io::Result<Vec<RecorderInfo>> {
    #[cfg(target_os = "linux")]
    {
        recorders_in(Path::new("/sys"), Path::new("/dev"))
    }
    #[cfg(windows)]
    {
        Ok(crate::setupapi::cdrom_interfaces()?
            .into_iter()
            .map(|cd| RecorderInfo {
                path: cd.path,
                generic: None,
                address: String::new(),
                vendor: String::new(),
                product: cd.friendly_name,
                revision: String::new(),
                device_type: TYPE_CD_DVD,
            })
            .collect())
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(
        root: &Path,
        addr: &str,
        ty: &str,
        block: Option<&str>,
        sg: Option<&str>,
        model: &str,
    ) {
        let d = root.join("class/scsi_device").join(addr).join("device");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("type"), format!("{ty}\n")).unwrap();
        std::fs::write(d.join("vendor"), "QEMU    \n").unwrap();
        std::fs::write(d.join("model"), format!("{model}\n")).unwrap();
        std::fs::write(d.join("rev"), "2.5+\n").unwrap();
        if let Some(b) = block {
            std::fs::create_dir_all(d.join("block").join(b)).unwrap();
        }
        if let Some(s) = sg {
            std::fs::create_dir_all(d.join("scsi_generic").join(s)).unwrap();
        }
    }

    #[test]
    fn finds_cd_devices_only() {
        let t = tempfile::tempdir().unwrap();
        device(t.path(), "1:0:0:0", "5", Some("sr1"), Some("sg2"), "QEMU CD-ROM");
        device(t.path(), "0:0:0:0", "0", Some("sda"), Some("sg0"), "QEMU HARDDISK");
        device(t.path(), "0:0:1:0", "5", None, Some("sg1"), "OTHER CD");
        let r = recorders_in(t.path(), Path::new("/dev")).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].path, Path::new("/dev/sg1"));
        assert_eq!(r[0].product, "OTHER CD");
        assert_eq!(r[1].path, Path::new("/dev/sr1"));
        assert_eq!(r[1].generic.as_deref(), Some(Path::new("/dev/sg2")));
        assert_eq!((r[1].vendor.as_str(), r[1].revision.as_str()), ("QEMU", "2.5+"));
        assert_eq!(r[1].address, "1:0:0:0");
        let none = recorders_in(&t.path().join("nothing"), Path::new("/dev")).unwrap();
        assert!(none.is_empty());
    }
}
