//! Naming a recorder on the command line: `-r REC`, else `IMAPI_RECORDER`, else the default
//! simulated recorder in the user's data folder (made, with a blank CD-RW, on first use). Also
//! tells a recorder from an image file where a command takes either, and turns the master's
//! errors into the CLI's coded ones.

use std::path::{Path, PathBuf};

use imapi_codes::ImapiCode;
use imapi_master::{ImapiError, RecorderPath};
use imapi_transport::sim::store::Store;
use imapi_transport::sim::{Media, SimError, SimRecorder};

use crate::error::coded;

/// The `-r REC` flag of the commands that drive a recorder.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RecorderFlag {
    /// The recorder: a device path (`/dev/sr0`) or `sim:PATH`. Without it, IMAPI_RECORDER,
    /// else the default simulated recorder, $XDG_DATA_HOME/imapi/sim-recorder
    /// (~/.local/share/imapi/sim-recorder), made with a blank 80-minute CD-RW on first use.
    #[arg(short = 'r', long = "recorder", value_name = "REC")]
    pub recorder: Option<String>,
}

impl RecorderFlag {
    /// The recorder it names (see [`resolve`]).
    pub fn resolve(&self) -> anyhow::Result<RecorderPath> {
        resolve(self.recorder.as_deref())
    }
}

/// The variable naming the default recorder.
pub const ENV: &str = "IMAPI_RECORDER";

/// Where the default simulated recorder lives: `$XDG_DATA_HOME/imapi/sim-recorder`, else
/// `~/.local/share/imapi/sim-recorder`; `None` without either variable.
pub fn default_sim_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("imapi").join("sim-recorder"));
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".local").join("share").join("imapi").join("sim-recorder"))
}

/// The recorder `IMAPI_RECORDER` names, when it is set and not empty.
pub fn from_env() -> Option<RecorderPath> {
    let v = std::env::var(ENV).ok().filter(|v| !v.is_empty())?;
    Some(RecorderPath::parse(&v))
}

/// The recorder to use: `arg` (from `-r`), else `IMAPI_RECORDER`, else the default simulated
/// recorder, which is created with a blank 80-minute CD-RW when its folder holds none.
pub fn resolve(arg: Option<&str>) -> anyhow::Result<RecorderPath> {
    if let Some(a) = arg {
        if a.is_empty() || a == "sim:" {
            return Err(coded(ImapiCode::DeviceNotPresent, format!("{a:?}: no recorder named")));
        }
        return Ok(RecorderPath::parse(a));
    }
    if let Some(r) = from_env() {
        return Ok(r);
    }
    let dir = default_sim_dir().ok_or_else(|| {
        coded(
            ImapiCode::DeviceNotPresent,
            "no recorder: give -r REC or set IMAPI_RECORDER (no HOME or XDG_DATA_HOME for the \
             default simulated recorder)",
        )
    })?;
    ensure_sim(&dir)?;
    Ok(RecorderPath::Simulated(dir))
}

/// Makes the simulated recorder at `dir` with a blank CD-RW when its folder holds none.
fn ensure_sim(dir: &Path) -> anyhow::Result<()> {
    if Store::state_path(dir).exists() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(|e| {
            coded(
                ImapiCode::DeviceNotPresent,
                format!("sim:{}: cannot create {}: {e}", dir.display(), parent.display()),
            )
        })?;
    }
    match SimRecorder::create(dir, Media::CdRw80, 0) {
        Ok(_) => Ok(()),
        // Another process made it meanwhile.
        Err(SimError::Exists(_)) => Ok(()),
        Err(e) => Err(coded(
            ImapiCode::DeviceNotPresent,
            format!("sim:{}: cannot create the default simulated recorder: {e}", dir.display()),
        )),
    }
}

/// Whether `arg`, given where an image is expected, names a recorder: `sim:PATH`, a path
/// under `/dev/`, or a block or character device.
pub fn names_recorder(arg: &Path) -> bool {
    let text = arg.to_string_lossy();
    if text.starts_with("sim:") || text.starts_with("/dev/") {
        return true;
    }
    is_device(arg)
}

#[cfg(unix)]
fn is_device(p: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(p)
        .map(|m| m.file_type().is_block_device() || m.file_type().is_char_device())
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_device(_p: &Path) -> bool {
    false
}

/// The master's error as the CLI reports it: `IMAPI_E_...: message` (the message names the
/// recorder), exit status 1.
pub fn imapi_error(e: ImapiError) -> anyhow::Error {
    coded(e.code(), e.message().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorders_are_told_from_files() {
        assert!(names_recorder(Path::new("sim:/tmp/x")));
        assert!(names_recorder(Path::new("/dev/sr0")));
        assert!(!names_recorder(Path::new("disc.iso")));
        assert!(!names_recorder(Path::new("/tmp/sim:x.iso")));
    }

    #[test]
    fn an_explicit_recorder_wins() {
        let r = resolve(Some("sim:/some/where")).unwrap();
        assert_eq!(r, RecorderPath::Simulated(PathBuf::from("/some/where")));
        assert_eq!(resolve(Some("/dev/sr1")).unwrap(), RecorderPath::Device("/dev/sr1".into()));
        assert!(resolve(Some("")).is_err());
    }

    #[test]
    fn errors_keep_their_code() {
        let e = imapi_error(ImapiError::new(ImapiCode::MediumNotPresent, "sim:x: no disc"));
        assert_eq!(e.to_string(), "IMAPI_E_MEDIUM_NOTPRESENT: sim:x: no disc");
    }
}
