//! Which recorders exist, and noticing when that changes (IMAPI's NotifyPnPActivity) by
//! polling: no daemon needed.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::device::RecorderPath;
use crate::progress::Sinks;

/// Where a master looks for recorders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecorderSources {
    /// The system's CD/DVD drives: `Some((sysfs, dev))` reads `sysfs/class/scsi_device` and
    /// names nodes under `dev` (normally `/sys` and `/dev`); `None` looks at none.
    pub system: Option<(PathBuf, PathBuf)>,
    /// Simulated recorders' folders, listed while their folder holds a disc.
    pub simulated: Vec<PathBuf>,
}

impl Default for RecorderSources {
    /// The system's drives, no simulated recorder.
    fn default() -> Self {
        RecorderSources { system: Some(("/sys".into(), "/dev".into())), simulated: Vec::new() }
    }
}

impl RecorderSources {
    /// No system drives, only these simulated recorders.
    pub fn simulated_only(dirs: impl IntoIterator<Item = PathBuf>) -> RecorderSources {
        RecorderSources { system: None, simulated: dirs.into_iter().collect() }
    }

    /// The recorders there now, in a stable order: system drives by SCSI address, then the
    /// simulated ones as listed.
    pub fn paths(&self) -> Vec<RecorderPath> {
        self.found().into_iter().map(|f| f.path).collect()
    }

    /// The recorders there now, with what the system says of each (system drives only).
    pub fn found(&self) -> Vec<Found> {
        let mut out = Vec::new();
        if let Some((sysfs, dev)) = &self.system {
            system_drives(sysfs, dev, &mut out);
        }
        for dir in &self.simulated {
            if imapi_transport::sim::store::Store::state_path(dir).exists() {
                out.push(Found { path: RecorderPath::Simulated(dir.clone()), names: None });
            }
        }
        out
    }
}

/// A recorder found, and its vendor, product and revision as the system knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where it is.
    pub path: RecorderPath,
    /// Vendor, product, revision, from the system's list (system drives).
    pub names: Option<(String, String, String)>,
}

fn from_info(r: imapi_transport::RecorderInfo) -> Found {
    Found { path: RecorderPath::Device(r.path), names: Some((r.vendor, r.product, r.revision)) }
}

#[cfg(unix)]
fn system_drives(sysfs: &std::path::Path, dev: &std::path::Path, out: &mut Vec<Found>) {
    if let Ok(list) = imapi_transport::discover::recorders_in(sysfs, dev) {
        out.extend(list.into_iter().map(from_info));
    }
}

#[cfg(not(unix))]
fn system_drives(_sysfs: &std::path::Path, _dev: &std::path::Path, out: &mut Vec<Found>) {
    if let Ok(list) = imapi_transport::recorders() {
        out.extend(list.into_iter().map(from_info));
    }
}

/// A thread that polls the recorder sources and calls NotifyPnPActivity on every sink when
/// the set of recorders changes. Stops when dropped.
#[derive(Debug)]
pub struct PnpWatcher {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl PnpWatcher {
    /// Starts polling every `every`.
    pub fn start(sources: RecorderSources, sinks: Sinks, every: Duration) -> PnpWatcher {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("imapi-pnp".into())
            .spawn(move || {
                let mut last = sources.paths();
                while !flag.load(Ordering::Relaxed) {
                    // Sleep in short steps so that a drop does not wait a whole period.
                    let mut slept = Duration::ZERO;
                    while slept < every && !flag.load(Ordering::Relaxed) {
                        let step = Duration::from_millis(20).min(every - slept);
                        std::thread::sleep(step);
                        slept += step;
                    }
                    if flag.load(Ordering::Relaxed) {
                        break;
                    }
                    let now = sources.paths();
                    if now != last {
                        sinks.each(|s| s.notify_pnp_activity());
                        last = now;
                    }
                }
            })
            .ok();
        PnpWatcher { stop, thread }
    }
}

impl Drop for PnpWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
