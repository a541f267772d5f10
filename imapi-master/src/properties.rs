//! Property bags: IMAPI's IPropertyStorage for the recorder and for the Joliet format, as
//! named, typed values.
//!
//! Get returns every property with its current value; set applies a sparse bag. As IMAPI
//! does, read-only and unknown names are skipped and the call still succeeds with
//! IMAPI_S_PROPERTIESIGNORED ([`SetOutcome::ignored`] names them). A known, writable
//! property with a value of the wrong type or out of its range is an error naming it.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use imapi_codes::ImapiCode;

use crate::error::{ImapiError, Result};

/// One property value (IMAPI's PROPVARIANT, the types the bags use).
#[derive(Clone)]
pub enum PropertyValue {
    /// VT_I4.
    I4(i32),
    /// VT_BOOL.
    Bool(bool),
    /// VT_UI1.
    Byte(u8),
    /// VT_BSTR.
    Str(String),
    /// A stream (VT_UNKNOWN holding an IStream): the boot image's content.
    Stream(Arc<dyn imapi_joliet::Source>),
}

impl fmt::Debug for PropertyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PropertyValue::I4(v) => write!(f, "I4({v})"),
            PropertyValue::Bool(v) => write!(f, "Bool({v})"),
            PropertyValue::Byte(v) => write!(f, "Byte({v})"),
            PropertyValue::Str(v) => write!(f, "Str({v:?})"),
            PropertyValue::Stream(s) => write!(f, "Stream({})", s.describe()),
        }
    }
}

impl PartialEq for PropertyValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (PropertyValue::I4(a), PropertyValue::I4(b)) => a == b,
            (PropertyValue::Bool(a), PropertyValue::Bool(b)) => a == b,
            (PropertyValue::Byte(a), PropertyValue::Byte(b)) => a == b,
            (PropertyValue::Str(a), PropertyValue::Str(b)) => a == b,
            (PropertyValue::Stream(a), PropertyValue::Stream(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// A set of named values, in name order.
pub type PropertyBag = BTreeMap<String, PropertyValue>;

/// What a set call did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SetOutcome {
    /// Names skipped: read-only or unknown. Non-empty means IMAPI_S_PROPERTIESIGNORED.
    pub ignored: Vec<String>,
}

impl SetOutcome {
    /// IMAPI_S_PROPERTIESIGNORED when something was skipped, else `None` (S_OK).
    pub fn code(&self) -> Option<ImapiCode> {
        (!self.ignored.is_empty()).then_some(ImapiCode::PropertiesIgnored)
    }
}

fn bad(name: &str, why: &str) -> ImapiError {
    ImapiError::new(ImapiCode::Generic, format!("property {name}: {why}"))
}

/// `WriteSpeed`: writable.
pub const WRITE_SPEED: &str = "WriteSpeed";
/// `MaxWriteSpeed`: read-only.
pub const MAX_WRITE_SPEED: &str = "MaxWriteSpeed";
/// `AudioGapSize`: writable, 0 to 225 blocks.
pub const AUDIO_GAP_SIZE: &str = "AudioGapSize";
/// `BufferUnderrunFreeCapable`: read-only.
pub const BUFFER_UNDERRUN_FREE_CAPABLE: &str = "BufferUnderrunFreeCapable";
/// `EnableBufferUnderrunFree`: writable, −1 (when capable, the default), 0 (off), 1 (on).
pub const ENABLE_BUFFER_UNDERRUN_FREE: &str = "EnableBufferUnderrunFree";

/// The recorder's properties (IDiscRecorder::Get/SetRecorderProperties).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecorderProperties {
    /// Speed to write at, as a multiple of 1× (1..=max_write_speed).
    pub write_speed: i32,
    /// Highest speed of drive and medium (read-only; refreshed with the medium).
    pub max_write_speed: i32,
    /// Silent blocks before every audio track but the first (default 150, at most 225).
    pub audio_gap_size: i32,
    /// Whether the drive has buffer-underrun protection (read-only).
    pub buffer_underrun_free_capable: bool,
    /// −1 use it when capable (default), 0 off, 1 on when capable.
    pub enable_buffer_underrun_free: i32,
}

impl RecorderProperties {
    /// Defaults for a drive writing at most `max`× with or without underrun protection.
    pub fn new(max: i32, buf_capable: bool) -> RecorderProperties {
        RecorderProperties {
            write_speed: max,
            max_write_speed: max,
            audio_gap_size: imapi_redbook::layout::DEFAULT_AUDIO_GAP as i32,
            buffer_underrun_free_capable: buf_capable,
            enable_buffer_underrun_free: -1,
        }
    }

    /// Every property as a bag.
    pub fn to_bag(&self) -> PropertyBag {
        let mut b = PropertyBag::new();
        b.insert(WRITE_SPEED.into(), PropertyValue::I4(self.write_speed));
        b.insert(MAX_WRITE_SPEED.into(), PropertyValue::I4(self.max_write_speed));
        b.insert(AUDIO_GAP_SIZE.into(), PropertyValue::I4(self.audio_gap_size));
        b.insert(
            BUFFER_UNDERRUN_FREE_CAPABLE.into(),
            PropertyValue::Bool(self.buffer_underrun_free_capable),
        );
        b.insert(
            ENABLE_BUFFER_UNDERRUN_FREE.into(),
            PropertyValue::I4(self.enable_buffer_underrun_free),
        );
        b
    }

    /// Applies a sparse bag: checks every value first, then applies them all (nothing is
    /// applied when one is wrong).
    pub fn apply(&mut self, bag: &PropertyBag) -> Result<SetOutcome> {
        let mut next = self.clone();
        let mut out = SetOutcome::default();
        for (name, value) in bag {
            match (name.as_str(), value) {
                (WRITE_SPEED, PropertyValue::I4(v)) => {
                    // -1 asks for the fastest, as JUCE sends it.
                    if *v == -1 {
                        next.write_speed = next.max_write_speed;
                    } else if *v >= 1 && *v <= next.max_write_speed.max(1) {
                        next.write_speed = *v;
                    } else {
                        return Err(bad(
                            name,
                            &format!("{v} is not between 1 and {}", next.max_write_speed),
                        ));
                    }
                }
                (AUDIO_GAP_SIZE, PropertyValue::I4(v)) => {
                    let max = imapi_redbook::layout::MAX_AUDIO_GAP as i32;
                    if !(0..=max).contains(v) {
                        return Err(bad(name, &format!("{v} is not between 0 and {max}")));
                    }
                    next.audio_gap_size = *v;
                }
                (ENABLE_BUFFER_UNDERRUN_FREE, PropertyValue::I4(v)) => {
                    if !(-1..=1).contains(v) {
                        return Err(bad(name, &format!("{v} is not -1, 0 or 1")));
                    }
                    next.enable_buffer_underrun_free = *v;
                }
                (ENABLE_BUFFER_UNDERRUN_FREE, PropertyValue::Bool(v)) => {
                    next.enable_buffer_underrun_free = i32::from(*v);
                }
                (WRITE_SPEED | AUDIO_GAP_SIZE | ENABLE_BUFFER_UNDERRUN_FREE, other) => {
                    return Err(bad(name, &format!("{other:?} is not a VT_I4 value")));
                }
                _ => out.ignored.push(name.clone()),
            }
        }
        *self = next;
        Ok(out)
    }

    /// Whether a burn should ask for buffer-underrun protection.
    pub fn use_buffer_underrun_free(&self) -> bool {
        self.buffer_underrun_free_capable && self.enable_buffer_underrun_free != 0
    }
}

/// `VolumeName`.
pub const VOLUME_NAME: &str = "VolumeName";
/// `PlaceBootImageOnDisc`.
pub const PLACE_BOOT_IMAGE_ON_DISC: &str = "PlaceBootImageOnDisc";
/// `BootImageManufacturerIDString` (at most 24 bytes).
pub const BOOT_IMAGE_MANUFACTURER_ID: &str = "BootImageManufacturerIDString";
/// `BootImagePlatform`: 0 x86, 1 PowerPC, 2 Mac (and 0xEF EFI, beyond IMAPI v1).
pub const BOOT_IMAGE_PLATFORM: &str = "BootImagePlatform";
/// `BootImageEmulationType`: 0 none, 1–3 floppies of 1.2, 1.44, 2.88 MB, 4 hard disk.
pub const BOOT_IMAGE_EMULATION_TYPE: &str = "BootImageEmulationType";
/// `BootImage`: the boot image's content.
pub const BOOT_IMAGE: &str = "BootImage";
/// `RockRidge` (beyond IMAPI v1): write Rock Ridge (RRIP 1.12) beside ISO 9660 and Joliet, and
/// record the POSIX attributes, symbolic links and special files of what is added from then on.
pub const ROCK_RIDGE: &str = "RockRidge";

/// The Joliet format's properties (IJolietDiscMaster::Get/SetJolietProperties).
///
/// The boot properties drive El Torito at seal time: the `BootImage` stream is recorded as
/// the root file `boot.img` (a number added when that name is taken) and is the default
/// entry of the boot catalog, with the platform, emulation and manufacturer id given; on a
/// disc that already holds a session the seal fails with IMAPI_E_BOOTIMAGE_AND_NONBLANK_DISC.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JolietProperties {
    /// The volume label; `None` records the date at burn time, as IMAPI's default does.
    pub volume_name: Option<String>,
    /// Put an El Torito boot image on the disc.
    pub place_boot_image_on_disc: bool,
    /// Who made the boot image.
    pub boot_image_manufacturer_id: String,
    /// The boot platform.
    pub boot_image_platform: u8,
    /// The emulation type.
    pub boot_image_emulation_type: u8,
    /// The boot image.
    pub boot_image: Option<PropertyValue>,
    /// Write Rock Ridge (beyond IMAPI v1, off by default): files added while it is on keep
    /// their modes, owners, symbolic links and special files; files added before it was set
    /// get Rock Ridge's defaults (directories 0555, files 0444, owner 0).
    pub rock_ridge: bool,
}

impl JolietProperties {
    /// Every property as a bag; `today` is the volume name shown when none is set.
    pub fn to_bag(&self, today: &str) -> PropertyBag {
        let mut b = PropertyBag::new();
        let name = self.volume_name.clone().unwrap_or_else(|| today.to_string());
        b.insert(VOLUME_NAME.into(), PropertyValue::Str(name));
        b.insert(
            PLACE_BOOT_IMAGE_ON_DISC.into(),
            PropertyValue::Bool(self.place_boot_image_on_disc),
        );
        b.insert(
            BOOT_IMAGE_MANUFACTURER_ID.into(),
            PropertyValue::Str(self.boot_image_manufacturer_id.clone()),
        );
        b.insert(BOOT_IMAGE_PLATFORM.into(), PropertyValue::Byte(self.boot_image_platform));
        b.insert(
            BOOT_IMAGE_EMULATION_TYPE.into(),
            PropertyValue::Byte(self.boot_image_emulation_type),
        );
        if let Some(img) = &self.boot_image {
            b.insert(BOOT_IMAGE.into(), img.clone());
        }
        b.insert(ROCK_RIDGE.into(), PropertyValue::Bool(self.rock_ridge));
        b
    }

    /// Applies a sparse bag (all or nothing, as [`RecorderProperties::apply`]).
    pub fn apply(&mut self, bag: &PropertyBag) -> Result<SetOutcome> {
        let mut next = self.clone();
        let mut out = SetOutcome::default();
        for (name, value) in bag {
            match (name.as_str(), value) {
                (VOLUME_NAME, PropertyValue::Str(s)) => {
                    // The primary descriptor holds 32 bytes, the Joliet one 16 characters.
                    if s.len() > 32 || s.encode_utf16().count() > 16 {
                        return Err(ImapiError::new(
                            ImapiCode::BadJolietName,
                            format!("property {name}: {s:?} is longer than 16 characters"),
                        ));
                    }
                    next.volume_name = if s.is_empty() { None } else { Some(s.clone()) };
                }
                (PLACE_BOOT_IMAGE_ON_DISC, PropertyValue::Bool(v)) => {
                    next.place_boot_image_on_disc = *v
                }
                (PLACE_BOOT_IMAGE_ON_DISC, PropertyValue::I4(v)) => {
                    next.place_boot_image_on_disc = *v != 0
                }
                (BOOT_IMAGE_MANUFACTURER_ID, PropertyValue::Str(s)) => {
                    if s.len() > 24 {
                        return Err(bad(name, "longer than 24 bytes"));
                    }
                    next.boot_image_manufacturer_id = s.clone();
                }
                (BOOT_IMAGE_PLATFORM, PropertyValue::Byte(v)) => {
                    if !matches!(v, 0 | 1 | 2 | 0xEF) {
                        return Err(bad(name, &format!("{v} is not 0, 1, 2 or 0xEF")));
                    }
                    next.boot_image_platform = *v;
                }
                (BOOT_IMAGE_EMULATION_TYPE, PropertyValue::Byte(v)) => {
                    if *v > 4 {
                        return Err(bad(name, &format!("{v} is not 0 to 4")));
                    }
                    next.boot_image_emulation_type = *v;
                }
                (BOOT_IMAGE, v @ PropertyValue::Stream(_)) => next.boot_image = Some(v.clone()),
                (ROCK_RIDGE, PropertyValue::Bool(v)) => next.rock_ridge = *v,
                (ROCK_RIDGE, PropertyValue::I4(v)) => next.rock_ridge = *v != 0,
                (
                    VOLUME_NAME
                    | PLACE_BOOT_IMAGE_ON_DISC
                    | BOOT_IMAGE_MANUFACTURER_ID
                    | BOOT_IMAGE_PLATFORM
                    | BOOT_IMAGE_EMULATION_TYPE
                    | BOOT_IMAGE
                    | ROCK_RIDGE,
                    other,
                ) => return Err(bad(name, &format!("{other:?} has the wrong type"))),
                _ => out.ignored.push(name.clone()),
            }
        }
        *self = next;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorder_bag_rules() {
        let mut p = RecorderProperties::new(24, true);
        let mut bag = PropertyBag::new();
        bag.insert(WRITE_SPEED.into(), PropertyValue::I4(8));
        bag.insert(MAX_WRITE_SPEED.into(), PropertyValue::I4(52));
        bag.insert("NoSuchThing".into(), PropertyValue::I4(1));
        let out = p.apply(&bag).unwrap();
        assert_eq!(out.ignored, ["MaxWriteSpeed", "NoSuchThing"]);
        assert_eq!(out.code(), Some(ImapiCode::PropertiesIgnored));
        assert_eq!(p.write_speed, 8);
        assert_eq!(p.max_write_speed, 24);
        let mut bag = PropertyBag::new();
        bag.insert(AUDIO_GAP_SIZE.into(), PropertyValue::I4(226));
        bag.insert(WRITE_SPEED.into(), PropertyValue::I4(4));
        let e = p.apply(&bag).unwrap_err();
        assert_eq!(e.code(), ImapiCode::Generic);
        assert!(e.message().contains(AUDIO_GAP_SIZE), "{e}");
        assert_eq!(p.write_speed, 8, "nothing applied when one value is wrong");
        let mut bag = PropertyBag::new();
        bag.insert(WRITE_SPEED.into(), PropertyValue::I4(-1));
        assert_eq!(p.apply(&bag).unwrap().code(), None);
        assert_eq!(p.write_speed, 24);
        assert_eq!(p.to_bag().len(), 5);
    }

    #[test]
    fn joliet_bag_rules() {
        let mut p = JolietProperties::default();
        assert_eq!(p.to_bag("2026_12_04")[VOLUME_NAME], PropertyValue::Str("2026_12_04".into()));
        let mut bag = PropertyBag::new();
        bag.insert(VOLUME_NAME.into(), PropertyValue::Str("PHOTOS".into()));
        bag.insert(BOOT_IMAGE_PLATFORM.into(), PropertyValue::Byte(0xEF));
        bag.insert("LegacyFileName".into(), PropertyValue::Bool(true));
        assert_eq!(p.apply(&bag).unwrap().ignored, ["LegacyFileName"]);
        assert_eq!(p.volume_name.as_deref(), Some("PHOTOS"));
        let mut bag = PropertyBag::new();
        bag.insert(VOLUME_NAME.into(), PropertyValue::Str("A".repeat(17)));
        assert_eq!(p.apply(&bag).unwrap_err().code(), ImapiCode::BadJolietName);
        let mut bag = PropertyBag::new();
        bag.insert(BOOT_IMAGE_EMULATION_TYPE.into(), PropertyValue::Byte(5));
        let e = p.apply(&bag).unwrap_err();
        assert_eq!(e.code(), ImapiCode::Generic);
        assert!(e.message().contains(BOOT_IMAGE_EMULATION_TYPE), "{e}");
    }
}
