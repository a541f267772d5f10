//! Windows: the present CD-ROM class device interfaces, through SetupAPI, for
//! [`crate::discover::recorders`]. Each interface's path (`\\?\...#{53f56308-...}`) opens with
//! `CreateFileW`, so [`crate::spti::SptiDevice::open`] takes it as it is.
#![allow(unsafe_code)]

use std::ffi::OsString;
use std::io;
use std::mem::{offset_of, size_of};
use std::os::windows::ffi::OsStringExt;
use std::path::PathBuf;
use std::ptr::{null, null_mut};

use windows_sys::Win32::Devices::DeviceAndDriverInstallation::{
    SetupDiDestroyDeviceInfoList, SetupDiEnumDeviceInterfaces, SetupDiGetClassDevsW,
    SetupDiGetDeviceInterfaceDetailW, SetupDiGetDeviceRegistryPropertyW, DIGCF_DEVICEINTERFACE,
    DIGCF_PRESENT, HDEVINFO, SPDRP_FRIENDLYNAME, SP_DEVICE_INTERFACE_DATA,
    SP_DEVICE_INTERFACE_DETAIL_DATA_W, SP_DEVINFO_DATA,
};
use windows_sys::Win32::Foundation::{ERROR_INSUFFICIENT_BUFFER, ERROR_NO_MORE_ITEMS};
use windows_sys::Win32::System::Ioctl::GUID_DEVINTERFACE_CDROM;

/// One CD-ROM class device interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CdRomInterface {
    /// The interface's path, for `CreateFileW`.
    pub path: PathBuf,
    /// The device's friendly name (often vendor and product run together), empty when the
    /// system has none.
    pub friendly_name: String,
}

/// A device information set, destroyed when dropped.
struct DevInfoSet(HDEVINFO);

impl Drop for DevInfoSet {
    fn drop(&mut self) {
        // SAFETY: `self.0` is a set SetupDiGetClassDevsW returned and that was checked not to
        // be INVALID_HANDLE_VALUE when this value was made; it is destroyed here only, once.
        unsafe { SetupDiDestroyDeviceInfoList(self.0) };
    }
}

/// `Err(last error)` unless it is `allowed`.
fn last_error_unless(allowed: u32) -> io::Result<()> {
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(code) if code as u32 == allowed => Ok(()),
        _ => Err(e),
    }
}

/// Every present CD-ROM class device interface, in the system's order.
pub(crate) fn cdrom_interfaces() -> io::Result<Vec<CdRomInterface>> {
    // SAFETY: the GUID is a 'static constant; a null enumerator and a null parent window are
    // documented as allowed with DIGCF_DEVICEINTERFACE.
    let handle = unsafe {
        SetupDiGetClassDevsW(
            &GUID_DEVINTERFACE_CDROM,
            null(),
            null_mut(),
            DIGCF_PRESENT | DIGCF_DEVICEINTERFACE,
        )
    };
    if handle == -1 {
        return Err(io::Error::last_os_error());
    }
    let set = DevInfoSet(handle);
    let mut out = Vec::new();
    for index in 0u32.. {
        let mut iface = SP_DEVICE_INTERFACE_DATA {
            cbSize: size_of::<SP_DEVICE_INTERFACE_DATA>() as u32,
            ..Default::default()
        };
        // SAFETY: `set.0` is a live set; a null device info element asks about every device
        // of the set; `iface` is a writable SP_DEVICE_INTERFACE_DATA with its cbSize set.
        let ok = unsafe {
            SetupDiEnumDeviceInterfaces(set.0, null(), &GUID_DEVINTERFACE_CDROM, index, &mut iface)
        };
        if ok == 0 {
            last_error_unless(ERROR_NO_MORE_ITEMS)?;
            break;
        }
        out.push(interface_detail(&set, &iface)?);
    }
    Ok(out)
}

/// The path and friendly name of the interface `iface` of `set`.
fn interface_detail(
    set: &DevInfoSet,
    iface: &SP_DEVICE_INTERFACE_DATA,
) -> io::Result<CdRomInterface> {
    let mut need = 0u32;
    // SAFETY: a size query: a null detail buffer of size 0 is allowed, `need` is writable,
    // `iface` came from enumerating this live set, and no device info element is asked for.
    let ok = unsafe {
        SetupDiGetDeviceInterfaceDetailW(set.0, iface, null_mut(), 0, &mut need, null_mut())
    };
    if ok == 0 {
        last_error_unless(ERROR_INSUFFICIENT_BUFFER)?;
    }
    let fixed = size_of::<SP_DEVICE_INTERFACE_DETAIL_DATA_W>();
    let bytes = (need as usize).max(fixed);
    // u32 words: aligned for the structure, whose first field is a u32 (cbSize).
    let mut buf = vec![0u32; bytes.div_ceil(4)];
    // cbSize is the fixed part's size (8 on 64-bit Windows, 6 on 32-bit), not the buffer's.
    buf[0] = fixed as u32;
    let mut devinfo =
        SP_DEVINFO_DATA { cbSize: size_of::<SP_DEVINFO_DATA>() as u32, ..Default::default() };
    // SAFETY: `buf` is valid for writes of `buf.len() * 4` bytes (the size passed), at least
    // the structure's size and aligned for it, with cbSize set; `iface` came from this live
    // set; `devinfo` is a writable SP_DEVINFO_DATA with its cbSize set.
    let ok = unsafe {
        SetupDiGetDeviceInterfaceDetailW(
            set.0,
            iface,
            buf.as_mut_ptr().cast::<SP_DEVICE_INTERFACE_DETAIL_DATA_W>(),
            (buf.len() * 4) as u32,
            null_mut(),
            &mut devinfo,
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    let raw: Vec<u8> = buf.iter().flat_map(|w| w.to_ne_bytes()).collect();
    let start = offset_of!(SP_DEVICE_INTERFACE_DETAIL_DATA_W, DevicePath);
    let path = wide_until_nul(raw.get(start..).unwrap_or_default());
    Ok(CdRomInterface { path: PathBuf::from(path), friendly_name: friendly_name(set, &devinfo) })
}

/// UTF-16 code units (native order) up to the first NUL.
fn wide_until_nul(bytes: &[u8]) -> OsString {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_ne_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    OsString::from_wide(&units)
}

/// The device's SPDRP_FRIENDLYNAME, or an empty string when it has none (or it is longer
/// than 511 characters).
fn friendly_name(set: &DevInfoSet, devinfo: &SP_DEVINFO_DATA) -> String {
    let mut buf = [0u8; 1024];
    let mut got = 0u32;
    // SAFETY: `buf` is valid for writes of the size passed; `devinfo` was filled by
    // SetupDiGetDeviceInterfaceDetailW for this live set; the type pointer may be null;
    // `got` is writable.
    let ok = unsafe {
        SetupDiGetDeviceRegistryPropertyW(
            set.0,
            devinfo,
            SPDRP_FRIENDLYNAME,
            null_mut(),
            buf.as_mut_ptr(),
            buf.len() as u32,
            &mut got,
        )
    };
    if ok == 0 {
        return String::new();
    }
    let len = (got as usize).min(buf.len());
    wide_until_nul(&buf[..len]).to_string_lossy().trim().to_string()
}
