//! Presents a [`Transport`] to the kernel as a SCSI MMC drive: a TCMU backstore
//! (`target/core/user_N/NAME`) served by [`Uio::serve`] on a thread, exported through a
//! tcm_loop LUN, which the kernel's scan gives to `sr` (`/dev/srN`) and `sg` (`/dev/sgN`).
//! Every configfs entry made is removed again, in reverse order, on [`Attached::detach`], on
//! drop, and after a failure half way.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::serve::{ServeError, Uio};
use crate::transport::Transport;

/// Where configfs is mounted.
const CONFIGFS: &str = "/sys/kernel/config";
/// The modules an attach needs, as `/sys/module` names them.
pub const MODULES: [&str; 4] = ["target_core_user", "tcm_loop", "sr_mod", "sg"];
/// How long the kernel gets to bind sr and sg after the scan.
const BIND_WAIT: Duration = Duration::from_secs(10);

/// Why an attach failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AttachError {
    /// Configfs and the SCSI target need root.
    #[error("attaching a drive to the kernel needs root")]
    NotRoot,
    /// Kernel modules are not loaded.
    #[error("kernel modules not loaded: {} (modprobe them)", .0.join(", "))]
    Modules(Vec<&'static str>),
    /// Configfs is not there and could not be mounted.
    #[error("configfs is not mounted at {CONFIGFS} and mounting it failed: {0}")]
    Configfs(String),
    /// A configfs or sysfs step failed.
    #[error("{what} {}", path.display())]
    Step {
        /// The step.
        what: &'static str,
        /// Its file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The enabled device got no UIO node.
    #[error("no /sys/class/uio entry for TCMU device {0}")]
    NoUio(String),
    /// The kernel did not bind sr and sg to the LUN in time.
    #[error("the kernel bound no {0} to SCSI device {1} within 10 s")]
    NotBound(&'static str, String),
    /// The handler thread panicked.
    #[error("the handler thread panicked")]
    HandlerPanicked,
    /// Mapping the shared area failed.
    #[error(transparent)]
    Serve(#[from] ServeError),
}

/// One thing made in configfs, and how it goes again.
#[derive(Debug)]
enum Undo {
    Rmdir(PathBuf),
    /// An rmdir that may find the folder still in use by another attach.
    RmdirShared(PathBuf),
    Unlink(PathBuf),
    /// Drops the tcm_loop nexus.
    NullNexus(PathBuf),
    StopServer,
}

/// A drive the kernel sees, served until [`Attached::detach`].
#[derive(Debug)]
pub struct Attached {
    /// Its block device, `/dev/srN`.
    pub sr: PathBuf,
    /// Its SCSI generic device, `/dev/sgN`.
    pub sg: PathBuf,
    undo: Vec<Undo>,
    stop: Arc<AtomicBool>,
    server: Option<JoinHandle<Result<(), ServeError>>>,
}

fn step(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> AttachError {
    let path = path.to_path_buf();
    move |source| AttachError::Step { what, path, source }
}

/// The modules of [`MODULES`] missing from `/sys/module`.
pub fn missing_modules() -> Vec<&'static str> {
    MODULES.into_iter().filter(|m| !Path::new("/sys/module").join(m).exists()).collect()
}

fn configfs_mounted() -> bool {
    std::fs::read_to_string("/proc/mounts")
        .map(|m| m.lines().any(|l| l.split_whitespace().nth(1) == Some(CONFIGFS)))
        .unwrap_or(false)
}

/// Attaches `dev` under the name `name` (letters and digits; unique per attach). Needs root,
/// the [`MODULES`] and configfs (mounted here when it is not).
pub fn attach<T: Transport + Send + 'static>(dev: T, name: &str) -> Result<Attached, AttachError> {
    check()?;
    if !configfs_mounted() {
        let out = std::process::Command::new("mount")
            .args(["-t", "configfs", "configfs", CONFIGFS])
            .output()
            .map_err(|e| AttachError::Configfs(e.to_string()))?;
        if !out.status.success() {
            return Err(AttachError::Configfs(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ));
        }
    }
    let mut a = Attached {
        sr: PathBuf::new(),
        sg: PathBuf::new(),
        undo: Vec::new(),
        stop: Arc::new(AtomicBool::new(false)),
        server: None,
    };
    // On failure `a` drops here, undoing what was made.
    a.setup(dev, name)?;
    Ok(a)
}

/// What [`attach`] needs first, checked without changing anything: root, then the
/// [`MODULES`].
pub fn check() -> Result<(), AttachError> {
    if !is_root() {
        return Err(AttachError::NotRoot);
    }
    let missing = missing_modules();
    if !missing.is_empty() {
        return Err(AttachError::Modules(missing));
    }
    Ok(())
}

fn is_root() -> bool {
    // The effective uid from /proc, without a system call of our own.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|v| v.split_whitespace().nth(1).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

impl Attached {
    fn mkdir(&mut self, path: &Path, shared: bool) -> Result<(), AttachError> {
        if shared && path.is_dir() {
            return Ok(());
        }
        std::fs::create_dir(path).map_err(step("creating", path))?;
        self.undo.push(if shared {
            Undo::RmdirShared(path.to_path_buf())
        } else {
            Undo::Rmdir(path.to_path_buf())
        });
        Ok(())
    }

    fn setup<T: Transport + Send + 'static>(
        &mut self,
        mut dev: T,
        name: &str,
    ) -> Result<(), AttachError> {
        let root = Path::new(CONFIGFS).join("target");
        if !root.is_dir() {
            return Err(AttachError::Modules(vec!["target_core_mod"]));
        }
        let id = std::process::id();
        // The backstore: a TCMU HBA of this process and its one device.
        let hba = root.join(format!("core/user_{id}"));
        self.mkdir(&hba, false)?;
        let store = hba.join(name);
        self.mkdir(&store, false)?;
        let control = store.join("control");
        // The capacity sysfs shows for it; the drive itself answers READ CAPACITY.
        for setting in ["dev_config=imapi/sim", "dev_size=1468006400", "hw_block_size=2048"] {
            std::fs::write(&control, setting).map_err(step("writing", &control))?;
        }
        let enable = store.join("enable");
        std::fs::write(&enable, "1").map_err(step("writing", &enable))?;
        let uio_sys = find_uio(name)?;
        let mut uio = Uio::open(&uio_sys)?;
        // Serving starts before the LUN exists: the link scans synchronously.
        let stop = Arc::clone(&self.stop);
        self.server = Some(std::thread::spawn(move || uio.serve(&mut dev, &stop)));
        self.undo.push(Undo::StopServer);
        // The loopback fabric: a SCSI host whose target has the device as LUN 0.
        let fabric = root.join("loopback");
        self.mkdir(&fabric, true)?;
        let wwn = fabric.join(format!("naa.5001405{:09x}", u64::from(id) << 4));
        self.mkdir(&wwn, false)?;
        let tpg = wwn.join("tpgt_1");
        self.mkdir(&tpg, false)?;
        let nexus = tpg.join("nexus");
        std::fs::write(&nexus, format!("naa.5001405{:09x}", u64::from(id) << 4 | 1))
            .map_err(step("writing", &nexus))?;
        self.undo.push(Undo::NullNexus(nexus));
        let lun = tpg.join("lun/lun_0");
        self.mkdir(&lun, false)?;
        let link = lun.join("imapi");
        std::os::unix::fs::symlink(&store, &link).map_err(step("linking", &link))?;
        self.undo.push(Undo::Unlink(link));
        // The SCSI device: host:0:target of the TPG, LUN 0.
        let address = tpg.join("address");
        let text = std::fs::read_to_string(&address).map_err(step("reading", &address))?;
        let hct = text.trim();
        let sdev = Path::new("/sys/bus/scsi/devices").join(format!("{hct}:0"));
        let found = bound(&sdev.join("block"), "sr", hct)
            .and_then(|sr| Ok((sr, bound(&sdev.join("scsi_generic"), "sg", hct)?)));
        match found {
            Ok((sr, sg)) => {
                self.sr = Path::new("/dev").join(sr);
                self.sg = Path::new("/dev").join(sg);
                Ok(())
            }
            // A handler that stopped says why nothing was bound.
            Err(e) => match self.server.take_if(|s| s.is_finished()).map(JoinHandle::join) {
                Some(Ok(Err(served))) => Err(AttachError::Serve(served)),
                Some(Err(_)) => Err(AttachError::HandlerPanicked),
                _ => Err(e),
            },
        }
    }

    /// Whether the handler thread still serves (it stops on a ring it cannot read).
    pub fn serving(&self) -> bool {
        self.server.as_ref().is_some_and(|s| !s.is_finished())
    }

    /// Removes the drive: every configfs entry made, in reverse order, stopping the handler
    /// once the kernel has let go of the LUN. The first failure is returned after all steps
    /// were tried; a handler that stopped on a bad ring reports that.
    pub fn detach(mut self) -> Result<(), AttachError> {
        self.undo_all()
    }

    fn undo_all(&mut self) -> Result<(), AttachError> {
        let mut first: Option<AttachError> = None;
        while let Some(u) = self.undo.pop() {
            let r = match &u {
                Undo::Rmdir(p) => std::fs::remove_dir(p).map_err(step("removing", p)),
                Undo::RmdirShared(p) => match std::fs::remove_dir(p) {
                    Err(e) if matches!(e.raw_os_error(), Some(libc::EBUSY | libc::ENOTEMPTY)) => {
                        Ok(())
                    }
                    r => r.map_err(step("removing", p)),
                },
                Undo::Unlink(p) => std::fs::remove_file(p).map_err(step("unlinking", p)),
                Undo::NullNexus(p) => std::fs::write(p, "NULL").map_err(step("writing", p)),
                Undo::StopServer => {
                    self.stop.store(true, Ordering::Relaxed);
                    match self.server.take().map(JoinHandle::join) {
                        Some(Ok(Err(e))) => Err(AttachError::Serve(e)),
                        _ => Ok(()),
                    }
                }
            };
            if let Err(e) = r {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        let _ = self.undo_all();
    }
}

/// The `/sys/class/uio` entry of TCMU device `name` (its `name` file reads
/// `tcm-user/HBA/NAME/CONFIG`).
fn find_uio(name: &str) -> Result<PathBuf, AttachError> {
    let class = Path::new("/sys/class/uio");
    let want = format!("/{name}/");
    for e in std::fs::read_dir(class).map_err(step("reading", class))?.flatten() {
        let n = std::fs::read_to_string(e.path().join("name")).unwrap_or_default();
        if n.starts_with("tcm-user/") && n.contains(&want) {
            return Ok(e.path());
        }
    }
    Err(AttachError::NoUio(name.to_string()))
}

/// The one entry of `dir` starting with `prefix` (`sr0` in `.../block`), waiting for the
/// kernel to bind its driver.
fn bound(dir: &Path, prefix: &'static str, hct: &str) -> Result<String, AttachError> {
    let start = Instant::now();
    loop {
        if let Ok(rd) = std::fs::read_dir(dir) {
            let found = rd
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .find(|n| n.starts_with(prefix));
            if let Some(n) = found {
                return Ok(n);
            }
        }
        if start.elapsed() > BIND_WAIT {
            return Err(AttachError::NotBound(prefix, format!("{hct}:0")));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
