//! SCSI MMC commands as data, for CD recorders: every command a burner sends encodes its CDB
//! from typed fields and parses back from bytes; every reply parses strictly from untrusted
//! bytes and emits into them. No I/O happens here.
//!
//! # Brief overview
//!
//! - [`Request`]: a command (`Inquiry`, `ReadToc`, `Write10`, …) with `encode()` to a
//!   [`Cdb`] and `parse()` from one; [`Command::parse`] dispatches any CDB by opcode.
//! - [`Reply`]: a reply or parameter list (`InquiryData`, `DiscInformation`, `TrackToc`,
//!   `CueSheet`, `ModeData`, …) with `parse`, `buffer_len` and `emit`. READ TOC formats 0, 1
//!   and 2 and the SEND CUE SHEET payload convert from and to imapi-redbook's TOC model and
//!   cue-sheet entries.
//! - [`Sense`]: fixed and descriptor sense data, decoded and classified ([`SenseClass`]).
//! - [`config`] (profiles and features), [`pages`] (mode pages 05h and 2Ah), [`vpd`] (INQUIRY
//!   pages 00h and 80h).
//!
//! Code values keep what they do not know (`Profile::Unknown(0x1234)` round-trips), and a
//! parser never panics, never allocates more than its input's size, never loops forever.
//!
//! ```
//! use imapi_mmc::{DiscInformation, DiscStatus, ReadDiscInformation, Reply, Request, Sense, SenseClass};
//! let cdb = ReadDiscInformation::default().encode();
//! assert_eq!(cdb.as_bytes(), [0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0]);
//!
//! let mut reply = [0u8; 34];
//! reply[1] = 32; // length of what follows
//! reply[2] = 0x0E; // last session complete, disc finalized
//! let info = DiscInformation::parse(&reply)?;
//! assert_eq!(info.status, DiscStatus::Complete);
//!
//! let sense = Sense::parse(&[0x70, 0, 0x07, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x27, 0, 0, 0, 0, 0])?;
//! assert_eq!(sense.class(), SenseClass::WriteProtected);
//! # Ok::<(), imapi_mmc::ReplyError>(())
//! ```
#![deny(missing_docs)]

mod macros;

pub mod cdb;
pub mod command;
pub mod config;
pub mod cue;
pub mod disc_info;
pub mod error;
pub mod event;
#[doc(hidden)]
pub mod fuzzing;
pub mod inquiry;
pub mod mode;
pub mod pages;
pub mod read;
pub mod sense;
pub mod speed;
pub mod toc;
pub mod track_info;
pub mod unit;
pub mod vpd;
pub mod write;

pub use cdb::{Cdb, Direction, Reply, Request};
pub use command::Command;
pub use config::{
    Configuration, Feature, FeatureBody, GetConfiguration, Mastering, Profile, ProfileEntry,
    TrackAtOnce,
};
pub use cue::{CueSheet, SendCueSheet};
pub use disc_info::{AddressField, DiscInformation, DiscStatus, ReadDiscInformation, SessionState};
pub use error::{CdbError, ReplyError};
pub use event::{EventData, EventStatus, GetEventStatusNotification, MediaEvent, MediaEventCode};
pub use inquiry::{DeviceType, Inquiry, InquiryData};
pub use mode::{ModeData, ModeSelect10, ModeSelect6, ModeSense10, ModeSense6, PageControl};
pub use pages::{Capabilities, DataBlockType, ModePage, MultiSession, WriteParameters, WriteType};
pub use read::{BlockKind, Capacity, Read10, ReadCapacity, ReadCd, SectorType};
pub use sense::{Sense, SenseClass, SenseFormat, SenseKey};
pub use speed::{GetPerformance, SetCdSpeed, WriteSpeed, WriteSpeeds};
pub use toc::{AddressForm, Atip, CdTextPacks, FullToc, ReadToc, SessionToc, TocFormat, TrackToc};
pub use track_info::{AddressType, ReadTrackInformation, TrackInformation};
pub use unit::{PreventAllowMediumRemoval, RequestSense, StartStopUnit, TestUnitReady};
pub use vpd::{SupportedVpdPages, UnitSerialNumber};
pub use write::{
    Blank, BlankType, BufferCapacity, CloseFunction, CloseTrackSession, ReadBufferCapacity,
    SendOpcInformation, SynchronizeCache, Write10,
};
