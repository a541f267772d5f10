//! Build, read and verify ISO 9660 + Joliet images.
#![deny(missing_docs)]

pub mod date;
pub mod order;
pub mod raw;
pub mod read;
pub mod verify;

pub use read::{Entry, EntryKind, Image, Namespace, ReadError};
pub use verify::{Finding, Report, Rule, Severity};
