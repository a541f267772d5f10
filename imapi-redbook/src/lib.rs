//! The Red Book CD model.
#![deny(missing_docs)]

pub mod cdrdao_toc;
pub mod cdtext;
pub mod crc;
pub mod cue;
pub mod cuesheet;
pub mod isrc;
pub mod layout;
pub mod msf;
pub mod sector;
pub mod subchannel;
pub mod toc;
pub mod wav;
