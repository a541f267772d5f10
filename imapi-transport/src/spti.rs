//! Windows SCSI pass-through: `IOCTL_SCSI_PASS_THROUGH_DIRECT` on `\\.\CdRomN` or `\\.\D:`.
#![allow(unsafe_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use imapi_mmc::Sense;
use windows_sys::Win32::Foundation::{
    CloseHandle, GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_SHARE_READ, FILE_SHARE_WRITE, OPEN_EXISTING,
};
use windows_sys::Win32::Storage::IscsiDisc::{
    IOCTL_SCSI_PASS_THROUGH_DIRECT, SCSI_IOCTL_DATA_IN, SCSI_IOCTL_DATA_OUT,
    SCSI_IOCTL_DATA_UNSPECIFIED, SCSI_PASS_THROUGH_DIRECT,
};
use windows_sys::Win32::System::IO::DeviceIoControl;

use crate::transport::{Completion, Data, Transport, TransportError};

pub use crate::access::Access;

const SENSE_LEN: usize = 32;

/// The pass-through header followed by its sense buffer, as one ioctl buffer.
#[repr(C)]
struct PassThrough {
    sptd: SCSI_PASS_THROUGH_DIRECT,
    sense: [u8; SENSE_LEN],
}

/// An open CD device.
#[derive(Debug)]
pub struct SptiDevice {
    handle: HANDLE,
    path: PathBuf,
}

// SAFETY: a file handle belongs to the process, not to the thread that opened it: Windows
// lets any thread issue DeviceIoControl on it. The device owns its handle alone (nothing else
// holds a copy), and `&mut self` on `execute` keeps calls on it one at a time.
unsafe impl Send for SptiDevice {}

impl SptiDevice {
    /// Opens `path` (e.g. `\\.\CdRom0`) for reading and writing.
    pub fn open(path: &Path, access: Access) -> std::io::Result<SptiDevice> {
        use std::os::windows::ffi::OsStrExt;
        let wide: Vec<u16> = path.as_os_str().encode_wide().chain(Some(0)).collect();
        let share = match access {
            Access::Shared => FILE_SHARE_READ | FILE_SHARE_WRITE,
            Access::Exclusive => 0,
        };
        // SAFETY: `wide` is a NUL-terminated UTF-16 string alive for the call; the other
        // arguments are plain values or null pointers the API accepts.
        let handle = unsafe {
            CreateFileW(
                wide.as_ptr(),
                GENERIC_READ | GENERIC_WRITE,
                share,
                core::ptr::null(),
                OPEN_EXISTING,
                0,
                core::ptr::null_mut(),
            )
        };
        if handle == INVALID_HANDLE_VALUE {
            return Err(std::io::Error::last_os_error());
        }
        Ok(SptiDevice { handle, path: path.to_path_buf() })
    }

    /// The device's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SptiDevice {
    fn drop(&mut self) {
        // SAFETY: the handle came from CreateFileW, is owned by this value alone and is
        // closed once, here.
        unsafe {
            CloseHandle(self.handle);
        }
    }
}

impl Transport for SptiDevice {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        crate::transport::check_cdb_len(cdb)?;
        let (direction, ptr, len): (u32, *mut core::ffi::c_void, usize) = match data {
            Data::None => (SCSI_IOCTL_DATA_UNSPECIFIED, core::ptr::null_mut(), 0),
            Data::FromDevice(b) => (SCSI_IOCTL_DATA_IN, b.as_mut_ptr().cast(), b.len()),
            // The driver only reads a data-out buffer; the pointer type is the header's.
            Data::ToDevice(b) => {
                (SCSI_IOCTL_DATA_OUT, b.as_ptr() as *mut core::ffi::c_void, b.len())
            }
        };
        let len =
            u32::try_from(len).map_err(|_| TransportError::Invalid("data phase over 4 GiB"))?;
        let mut pt = PassThrough {
            sptd: SCSI_PASS_THROUGH_DIRECT {
                Length: core::mem::size_of::<SCSI_PASS_THROUGH_DIRECT>() as u16,
                ScsiStatus: 0,
                PathId: 0,
                TargetId: 0,
                Lun: 0,
                CdbLength: cdb.len() as u8,
                SenseInfoLength: SENSE_LEN as u8,
                DataIn: direction as u8,
                DataTransferLength: len,
                TimeOutValue: u32::try_from(timeout.as_secs().max(1)).unwrap_or(u32::MAX),
                DataBuffer: ptr,
                SenseInfoOffset: core::mem::offset_of!(PassThrough, sense) as u32,
                Cdb: [0; 16],
            },
            sense: [0; SENSE_LEN],
        };
        pt.sptd.Cdb[..cdb.len()].copy_from_slice(cdb);
        let size = core::mem::size_of::<PassThrough>() as u32;
        let mut returned = 0u32;
        let p = (&mut pt as *mut PassThrough).cast::<core::ffi::c_void>();
        // SAFETY: `pt` is a SCSI_PASS_THROUGH_DIRECT followed by its sense buffer, at the
        // offset the header names; in and out buffers are that one struct of `size` bytes.
        // DataBuffer points at the caller's slice of DataTransferLength bytes, borrowed for
        // this call; the ioctl is synchronous (no OVERLAPPED), so no pointer outlives it.
        let ok = unsafe {
            DeviceIoControl(
                self.handle,
                IOCTL_SCSI_PASS_THROUGH_DIRECT,
                p,
                size,
                p,
                size,
                &mut returned,
                core::ptr::null_mut(),
            )
        };
        if ok == 0 {
            return Err(TransportError::Os(std::io::Error::last_os_error()));
        }
        let sense_len = usize::from(pt.sptd.SenseInfoLength).min(SENSE_LEN);
        let sense = if pt.sptd.ScsiStatus == 0x02 {
            Sense::parse(&pt.sense[..sense_len]).ok()
        } else {
            None
        };
        let residual = len.saturating_sub(pt.sptd.DataTransferLength) as usize;
        Ok(Completion { status: pt.sptd.ScsiStatus, sense, residual })
    }
}
