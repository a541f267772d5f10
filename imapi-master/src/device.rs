//! Naming and opening a recorder: a device node or a simulated recorder's folder.

use std::fmt;
use std::path::{Path, PathBuf};

use imapi_codes::ImapiCode;
use imapi_transport::sim::{SimError, SimRecorder};
use imapi_transport::{Access, Transport};

use crate::error::{ImapiError, Result};
use crate::sense_map::code_for_io;

/// Where a recorder is: an OS device (`/dev/sr0`, `/dev/sg1`, `\\.\CdRom0`) or a simulated
/// recorder whose disc lives in a folder (written `sim:PATH`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecorderPath {
    /// An OS device node.
    Device(PathBuf),
    /// A simulated recorder's folder.
    Simulated(PathBuf),
}

impl RecorderPath {
    /// Parses `sim:PATH` or a device path.
    pub fn parse(s: &str) -> RecorderPath {
        match s.strip_prefix("sim:") {
            Some(dir) => RecorderPath::Simulated(PathBuf::from(dir)),
            None => RecorderPath::Device(PathBuf::from(s)),
        }
    }

    /// The path of the node or folder.
    pub fn path(&self) -> &Path {
        match self {
            RecorderPath::Device(p) | RecorderPath::Simulated(p) => p,
        }
    }

    /// Whether this is a simulated recorder.
    pub fn is_simulated(&self) -> bool {
        matches!(self, RecorderPath::Simulated(_))
    }

    /// Opens the recorder for commands. `Exclusive` keeps every other process (and every
    /// other handle of this one) out, and is refused with IMAPI_E_DEVICE_NOTACCESSIBLE while
    /// anyone else has it open; `Shared` is refused only while someone holds it exclusively.
    pub fn open(&self, access: Access) -> Result<Box<dyn Transport + Send>> {
        match self {
            RecorderPath::Simulated(dir) => match SimRecorder::open_with(dir, access) {
                Ok(sim) => Ok(Box::new(sim)),
                Err(e) => Err(sim_error(self, e)),
            },
            RecorderPath::Device(node) => open_device(self, node, access),
        }
    }
}

impl fmt::Display for RecorderPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecorderPath::Device(p) => write!(f, "{}", p.display()),
            RecorderPath::Simulated(p) => write!(f, "sim:{}", p.display()),
        }
    }
}

/// The IMAPI code of a simulated recorder's folder failing: held by another process
/// IMAPI_E_DEVICE_NOTACCESSIBLE, no disc folder IMAPI_E_DEVICE_NOTPRESENT, a folder that
/// holds one already IMAPI_E_FILEEXISTS, I/O as [`code_for_io`].
pub fn code_for_sim_error(e: &SimError) -> ImapiCode {
    match e {
        SimError::InUse(_) => ImapiCode::DeviceNotAccessible,
        SimError::Missing(_) => ImapiCode::DeviceNotPresent,
        SimError::Exists(_) => ImapiCode::FileExists,
        SimError::Io { source, .. } => code_for_io(source),
        _ => ImapiCode::Generic,
    }
}

/// A simulated recorder's error as an IMAPI error.
pub(crate) fn sim_error(path: &RecorderPath, e: SimError) -> ImapiError {
    ImapiError::new(code_for_sim_error(&e), format!("{path}: {e}")).with_source(e)
}

#[cfg(target_os = "linux")]
fn open_device(
    path: &RecorderPath,
    node: &Path,
    access: Access,
) -> Result<Box<dyn Transport + Send>> {
    match imapi_transport::SgDevice::open(node, access) {
        Ok(d) => Ok(Box::new(d)),
        Err(e) => {
            let code = code_for_io(&e);
            let why = match code {
                ImapiCode::DeviceNotAccessible => "in use by another process or not permitted",
                ImapiCode::DeviceNotPresent => "no such device",
                _ => "cannot open",
            };
            Err(ImapiError::new(code, format!("{path}: {why}")).with_source(e))
        }
    }
}

#[cfg(windows)]
fn open_device(
    path: &RecorderPath,
    node: &Path,
    access: Access,
) -> Result<Box<dyn Transport + Send>> {
    match imapi_transport::SptiDevice::open(node, access) {
        Ok(d) => Ok(Box::new(d)),
        Err(e) => {
            Err(ImapiError::new(code_for_io(&e), format!("{path}: cannot open")).with_source(e))
        }
    }
}

#[cfg(not(any(target_os = "linux", windows)))]
fn open_device(
    path: &RecorderPath,
    _node: &Path,
    _access: Access,
) -> Result<Box<dyn Transport + Send>> {
    Err(ImapiError::new(
        ImapiCode::DeviceNotPresent,
        format!("{path}: device recorders are reached on Linux and Windows only"),
    ))
}
