//! The result codes of IMAPI v1 (`imapierror.h`), shared by every imapi-rs layer.
//!
//! Each library crate's error can say which IMAPI code it stands for without depending on the
//! facade: [`ImapiCode`] names the code and gives its HRESULT value.
//!
//! ```
//! use imapi_codes::ImapiCode;
//! let code = ImapiCode::FileExists;
//! assert_eq!(code.name(), "IMAPI_E_FILEEXISTS");
//! assert_eq!(code.hresult(), 0x8004_0224);
//! assert!(code.is_error());
//! assert_eq!(ImapiCode::from_hresult(0x8004_021C), Some(ImapiCode::DiscFull));
//! ```
#![deny(missing_docs)]

use core::fmt;

#[cfg(feature = "atomic")]
pub mod atomic;

/// One IMAPI v1 result code (`IMAPI_S_*` success codes and `IMAPI_E_*` errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ImapiCode {
    /// An unknown property in a set was skipped (success code).
    PropertiesIgnored,
    /// Output buffer too small (success code; the SDK spells it `IMAPI_S_BUFFER_TO_SMALL`).
    BufferTooSmall,
    /// IDiscMaster::Open has not been called.
    NotOpened,
    /// Recorder object not initialised.
    NotInitialized,
    /// User cancelled.
    UserAbort,
    /// Generic failure.
    Generic,
    /// No disc in the drive.
    MediumNotPresent,
    /// Media type not usable.
    MediumInvalidType,
    /// Recorder has no properties.
    DeviceNoProperties,
    /// Device unusable or already in use.
    DeviceNotAccessible,
    /// Device missing or removed.
    DeviceNotPresent,
    /// Recorder does not support the operation.
    DeviceInvalidType,
    /// Drive could not be set up for writing.
    InitializeWrite,
    /// Drive could not be set up for closing.
    InitializeEndWrite,
    /// Failure while enabling/disabling FS access or in auto-insert detection.
    FileSystem,
    /// Failure writing the image file.
    FileAccess,
    /// Failure reading disc information from the device.
    DiscInfo,
    /// No audio track open for writing.
    TrackNotOpen,
    /// An audio track is already open and being staged.
    TrackOpen,
    /// Disc cannot take more data.
    DiscFull,
    /// Element has an invalid name.
    BadJolietName,
    /// Staged image unusable (corrupt or cleared).
    InvalidImage,
    /// No format chosen with SetActiveDiscMasterFormat.
    NoActiveFormat,
    /// No recorder chosen with SetActiveDiscRecorder.
    NoActiveRecorder,
    /// Joliet interface called while Redbook is active, or the reverse. Change format and clear content.
    WrongFormat,
    /// This app already called Open on this object.
    AlreadyOpen,
    /// The multi-session disc left the active drive.
    WrongDisc,
    /// File already in the image and overwrite flag not set.
    FileExists,
    /// Another app holds the stash file; retry later.
    StashInUse,
    /// Another app is using this device.
    DeviceStillInUse,
    /// Streaming lost (buffer underrun possible).
    LossOfStreaming,
    /// Stash is on a compressed volume.
    CompressedStash,
    /// Stash is on an encrypted volume.
    EncryptedStash,
    /// Not enough free space for the stash.
    NotEnoughDiskForStash,
    /// Stash location is on removable media.
    RemovableStash,
    /// Media cannot be written.
    CannotWriteToMedia,
    /// Track too small.
    TrackNotBigEnough,
    /// Bootable image on a non-blank disc. Not in W:codes; present in RS and the SDK-derived bindings.
    BootImageAndNonblankDisc,
}

impl ImapiCode {
    /// Every code, in HRESULT order.
    pub const ALL: &'static [ImapiCode] = &[
        Self::PropertiesIgnored,
        Self::BufferTooSmall,
        Self::NotOpened,
        Self::NotInitialized,
        Self::UserAbort,
        Self::Generic,
        Self::MediumNotPresent,
        Self::MediumInvalidType,
        Self::DeviceNoProperties,
        Self::DeviceNotAccessible,
        Self::DeviceNotPresent,
        Self::DeviceInvalidType,
        Self::InitializeWrite,
        Self::InitializeEndWrite,
        Self::FileSystem,
        Self::FileAccess,
        Self::DiscInfo,
        Self::TrackNotOpen,
        Self::TrackOpen,
        Self::DiscFull,
        Self::BadJolietName,
        Self::InvalidImage,
        Self::NoActiveFormat,
        Self::NoActiveRecorder,
        Self::WrongFormat,
        Self::AlreadyOpen,
        Self::WrongDisc,
        Self::FileExists,
        Self::StashInUse,
        Self::DeviceStillInUse,
        Self::LossOfStreaming,
        Self::CompressedStash,
        Self::EncryptedStash,
        Self::NotEnoughDiskForStash,
        Self::RemovableStash,
        Self::CannotWriteToMedia,
        Self::TrackNotBigEnough,
        Self::BootImageAndNonblankDisc,
    ];

    /// The SDK name, such as `IMAPI_E_DISCFULL`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::PropertiesIgnored => "IMAPI_S_PROPERTIESIGNORED",
            Self::BufferTooSmall => "IMAPI_S_BUFFER_TO_SMALL",
            Self::NotOpened => "IMAPI_E_NOTOPENED",
            Self::NotInitialized => "IMAPI_E_NOTINITIALIZED",
            Self::UserAbort => "IMAPI_E_USERABORT",
            Self::Generic => "IMAPI_E_GENERIC",
            Self::MediumNotPresent => "IMAPI_E_MEDIUM_NOTPRESENT",
            Self::MediumInvalidType => "IMAPI_E_MEDIUM_INVALIDTYPE",
            Self::DeviceNoProperties => "IMAPI_E_DEVICE_NOPROPERTIES",
            Self::DeviceNotAccessible => "IMAPI_E_DEVICE_NOTACCESSIBLE",
            Self::DeviceNotPresent => "IMAPI_E_DEVICE_NOTPRESENT",
            Self::DeviceInvalidType => "IMAPI_E_DEVICE_INVALIDTYPE",
            Self::InitializeWrite => "IMAPI_E_INITIALIZE_WRITE",
            Self::InitializeEndWrite => "IMAPI_E_INITIALIZE_ENDWRITE",
            Self::FileSystem => "IMAPI_E_FILESYSTEM",
            Self::FileAccess => "IMAPI_E_FILEACCESS",
            Self::DiscInfo => "IMAPI_E_DISCINFO",
            Self::TrackNotOpen => "IMAPI_E_TRACKNOTOPEN",
            Self::TrackOpen => "IMAPI_E_TRACKOPEN",
            Self::DiscFull => "IMAPI_E_DISCFULL",
            Self::BadJolietName => "IMAPI_E_BADJOLIETNAME",
            Self::InvalidImage => "IMAPI_E_INVALIDIMAGE",
            Self::NoActiveFormat => "IMAPI_E_NOACTIVEFORMAT",
            Self::NoActiveRecorder => "IMAPI_E_NOACTIVERECORDER",
            Self::WrongFormat => "IMAPI_E_WRONGFORMAT",
            Self::AlreadyOpen => "IMAPI_E_ALREADYOPEN",
            Self::WrongDisc => "IMAPI_E_WRONGDISC",
            Self::FileExists => "IMAPI_E_FILEEXISTS",
            Self::StashInUse => "IMAPI_E_STASHINUSE",
            Self::DeviceStillInUse => "IMAPI_E_DEVICE_STILL_IN_USE",
            Self::LossOfStreaming => "IMAPI_E_LOSS_OF_STREAMING",
            Self::CompressedStash => "IMAPI_E_COMPRESSEDSTASH",
            Self::EncryptedStash => "IMAPI_E_ENCRYPTEDSTASH",
            Self::NotEnoughDiskForStash => "IMAPI_E_NOTENOUGHDISKFORSTASH",
            Self::RemovableStash => "IMAPI_E_REMOVABLESTASH",
            Self::CannotWriteToMedia => "IMAPI_E_CANNOT_WRITE_TO_MEDIA",
            Self::TrackNotBigEnough => "IMAPI_E_TRACK_NOT_BIG_ENOUGH",
            Self::BootImageAndNonblankDisc => "IMAPI_E_BOOTIMAGE_AND_NONBLANK_DISC",
        }
    }

    /// The HRESULT value as the SDK defines it (`0x8004021C` for `IMAPI_E_DISCFULL`).
    pub const fn hresult(self) -> u32 {
        match self {
            Self::PropertiesIgnored => 0x00040200,
            Self::BufferTooSmall => 0x00040201,
            Self::NotOpened => 0x8004020B,
            Self::NotInitialized => 0x8004020C,
            Self::UserAbort => 0x8004020D,
            Self::Generic => 0x8004020E,
            Self::MediumNotPresent => 0x8004020F,
            Self::MediumInvalidType => 0x80040210,
            Self::DeviceNoProperties => 0x80040211,
            Self::DeviceNotAccessible => 0x80040212,
            Self::DeviceNotPresent => 0x80040213,
            Self::DeviceInvalidType => 0x80040214,
            Self::InitializeWrite => 0x80040215,
            Self::InitializeEndWrite => 0x80040216,
            Self::FileSystem => 0x80040217,
            Self::FileAccess => 0x80040218,
            Self::DiscInfo => 0x80040219,
            Self::TrackNotOpen => 0x8004021A,
            Self::TrackOpen => 0x8004021B,
            Self::DiscFull => 0x8004021C,
            Self::BadJolietName => 0x8004021D,
            Self::InvalidImage => 0x8004021E,
            Self::NoActiveFormat => 0x8004021F,
            Self::NoActiveRecorder => 0x80040220,
            Self::WrongFormat => 0x80040221,
            Self::AlreadyOpen => 0x80040222,
            Self::WrongDisc => 0x80040223,
            Self::FileExists => 0x80040224,
            Self::StashInUse => 0x80040225,
            Self::DeviceStillInUse => 0x80040226,
            Self::LossOfStreaming => 0x80040227,
            Self::CompressedStash => 0x80040228,
            Self::EncryptedStash => 0x80040229,
            Self::NotEnoughDiskForStash => 0x8004022A,
            Self::RemovableStash => 0x8004022B,
            Self::CannotWriteToMedia => 0x8004022C,
            Self::TrackNotBigEnough => 0x8004022D,
            Self::BootImageAndNonblankDisc => 0x8004022E,
        }
    }

    /// True for `IMAPI_E_*` codes (severity bit set).
    pub const fn is_error(self) -> bool {
        self.hresult() & 0x8000_0000 != 0
    }

    /// The code with this HRESULT value, if IMAPI defines one.
    pub fn from_hresult(value: u32) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.hresult() == value)
    }

    /// The code with this SDK name, if IMAPI defines one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }
}

impl fmt::Display for ImapiCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_the_sdk() {
        assert_eq!(ImapiCode::NotOpened.hresult(), 0x8004_020B);
        assert_eq!(ImapiCode::BadJolietName.hresult(), 0x8004_021D);
        assert_eq!(ImapiCode::StashInUse.hresult(), 0x8004_0225);
        assert_eq!(ImapiCode::TrackNotBigEnough.hresult(), 0x8004_022D);
        assert_eq!(ImapiCode::BootImageAndNonblankDisc.hresult(), 0x8004_022E);
        assert!(!ImapiCode::PropertiesIgnored.is_error());
    }

    #[test]
    fn names_and_values_are_unique_and_round_trip() {
        for (i, a) in ImapiCode::ALL.iter().enumerate() {
            assert_eq!(ImapiCode::from_hresult(a.hresult()), Some(*a));
            assert_eq!(ImapiCode::from_name(a.name()), Some(*a));
            for b in &ImapiCode::ALL[i + 1..] {
                assert_ne!(a.hresult(), b.hresult());
            }
        }
        assert_eq!(ImapiCode::ALL.len(), 38);
    }
}
