//! Linux SG_IO: one `ioctl` per command on a `/dev/srN` or `/dev/sgN` node.
#![allow(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use imapi_mmc::Sense;

use crate::transport::{Completion, Data, Transport, TransportError};

pub use crate::access::Access;

const SG_IO: libc::c_ulong = 0x2285;
const SG_DXFER_NONE: libc::c_int = -1;
const SG_DXFER_TO_DEV: libc::c_int = -2;
const SG_DXFER_FROM_DEV: libc::c_int = -3;
const SENSE_LEN: usize = 64;
/// host_status: DID_TIME_OUT.
const DID_TIME_OUT: u16 = 0x03;
/// driver_status (low nibble): DRIVER_SENSE, a normal CHECK CONDITION with sense.
const DRIVER_SENSE: u16 = 0x08;
/// driver_status (low nibble): DRIVER_TIMEOUT.
const DRIVER_TIMEOUT: u16 = 0x06;

/// `struct sg_io_hdr` of `<scsi/sg.h>`.
#[repr(C)]
struct SgIoHdr {
    interface_id: libc::c_int,
    dxfer_direction: libc::c_int,
    cmd_len: libc::c_uchar,
    mx_sb_len: libc::c_uchar,
    iovec_count: libc::c_ushort,
    dxfer_len: libc::c_uint,
    dxferp: *mut libc::c_void,
    cmdp: *const libc::c_uchar,
    sbp: *mut libc::c_uchar,
    timeout: libc::c_uint,
    flags: libc::c_uint,
    pack_id: libc::c_int,
    usr_ptr: *mut libc::c_void,
    status: libc::c_uchar,
    masked_status: libc::c_uchar,
    msg_status: libc::c_uchar,
    sb_len_wr: libc::c_uchar,
    host_status: libc::c_ushort,
    driver_status: libc::c_ushort,
    resid: libc::c_int,
    duration: libc::c_uint,
    info: libc::c_uint,
}

/// An open SCSI device node.
#[derive(Debug)]
pub struct SgDevice {
    file: File,
    path: PathBuf,
}

impl SgDevice {
    /// Opens `path` read-write and non-blocking; exclusive when asked.
    pub fn open(path: &Path, access: Access) -> std::io::Result<SgDevice> {
        let mut flags = libc::O_NONBLOCK;
        if access == Access::Exclusive {
            flags |= libc::O_EXCL;
        }
        let file = OpenOptions::new().read(true).write(true).custom_flags(flags).open(path)?;
        Ok(SgDevice { file, path: path.to_path_buf() })
    }

    /// The node's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Turns the header's outcome into a completion or a transport error.
fn outcome(
    status: u8,
    host: u16,
    driver: u16,
    sense: &[u8],
    resid: i32,
    timeout: Duration,
) -> Result<Completion, TransportError> {
    if host == DID_TIME_OUT || driver & 0x0F == DRIVER_TIMEOUT {
        return Err(TransportError::Timeout(timeout));
    }
    if host != 0 || !matches!(driver & 0x0F, 0 | DRIVER_SENSE) {
        return Err(TransportError::Adapter { host, driver });
    }
    let status = status & 0x3E;
    let sense = if sense.is_empty() { None } else { Sense::parse(sense).ok() };
    Ok(Completion { status, sense, residual: usize::try_from(resid).unwrap_or(0) })
}

impl Transport for SgDevice {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        crate::transport::check_cdb_len(cdb)?;
        let (direction, ptr, len): (libc::c_int, *mut libc::c_void, usize) = match data {
            Data::None => (SG_DXFER_NONE, core::ptr::null_mut(), 0),
            Data::FromDevice(b) => (SG_DXFER_FROM_DEV, b.as_mut_ptr().cast(), b.len()),
            // The kernel only reads a TO_DEV buffer; the pointer type is the header's.
            Data::ToDevice(b) => (SG_DXFER_TO_DEV, b.as_ptr() as *mut libc::c_void, b.len()),
        };
        let dxfer_len = libc::c_uint::try_from(len)
            .map_err(|_| TransportError::Invalid("data phase over 4 GiB"))?;
        let mut sense = [0u8; SENSE_LEN];
        let ms = libc::c_uint::try_from(timeout.as_millis()).unwrap_or(libc::c_uint::MAX);
        let mut hdr = SgIoHdr {
            interface_id: libc::c_int::from(b'S'),
            dxfer_direction: direction,
            cmd_len: cdb.len() as libc::c_uchar,
            mx_sb_len: SENSE_LEN as libc::c_uchar,
            iovec_count: 0,
            dxfer_len,
            dxferp: ptr,
            cmdp: cdb.as_ptr(),
            sbp: sense.as_mut_ptr(),
            timeout: ms,
            flags: 0,
            pack_id: 0,
            usr_ptr: core::ptr::null_mut(),
            status: 0,
            masked_status: 0,
            msg_status: 0,
            sb_len_wr: 0,
            host_status: 0,
            driver_status: 0,
            resid: 0,
            duration: 0,
            info: 0,
        };
        // SAFETY: `hdr` is a correctly laid out `sg_io_hdr`; every pointer in it refers to a
        // live buffer of the stated length (`cdb`, `sense`, and the data slice borrowed for
        // this call) that outlives the ioctl, which is synchronous and returns only when the
        // kernel has finished with them. The data-out buffer is only read by the kernel.
        let rc =
            unsafe { libc::ioctl(self.file.as_raw_fd(), SG_IO as _, &mut hdr as *mut SgIoHdr) };
        if rc < 0 {
            return Err(TransportError::Os(std::io::Error::last_os_error()));
        }
        let written = usize::from(hdr.sb_len_wr).min(SENSE_LEN);
        outcome(
            hdr.status,
            hdr.host_status,
            hdr.driver_status,
            &sense[..written],
            hdr.resid,
            timeout,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        let t = Duration::from_secs(1);
        let sense = [0x70, 0, 0x07, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x27, 0, 0, 0, 0, 0];
        let c = outcome(0x02, 0, DRIVER_SENSE, &sense, 0, t).unwrap();
        assert_eq!(c.sense.map(|s| s.triple()), Some((7, 0x27, 0)));
        assert_eq!(outcome(0, 0, 0, &[], 512, t).unwrap().residual, 512);
        assert!(matches!(outcome(0, DID_TIME_OUT, 0, &[], 0, t), Err(TransportError::Timeout(_))));
        assert!(matches!(outcome(0, 0, 0x26, &[], 0, t), Err(TransportError::Timeout(_))));
        assert!(matches!(
            outcome(0, 0x01, 0, &[], 0, t),
            Err(TransportError::Adapter { host: 1, .. })
        ));
        assert!(matches!(
            outcome(0, 0, 0x01, &[], 0, t),
            Err(TransportError::Adapter { driver: 1, .. })
        ));
    }

    #[test]
    fn header_layout() {
        // x86_64 and aarch64 layout of struct sg_io_hdr.
        #[cfg(target_pointer_width = "64")]
        assert_eq!(core::mem::size_of::<SgIoHdr>(), 88);
    }

    #[test]
    fn open_missing_fails() {
        assert!(SgDevice::open(Path::new("/nonexistent/sr9"), Access::Shared).is_err());
    }
}
