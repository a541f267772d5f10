//! The Red Book CD model.
#![deny(missing_docs)]

pub mod cdtext;
pub mod crc;
pub mod isrc;
pub mod layout;
pub mod msf;
pub mod wav;
pub mod cue;
