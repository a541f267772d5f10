//! The Red Book CD model of imapi-rs: what an audio disc is, how it is laid out, and the image
//! files that describe one. No device I/O and no MMC wire bytes (imapi-mmc builds those from
//! the types here); the only I/O is reading WAV, CUE and TOC files and writing images.
//!
//! # Brief overview
//!
//! - [`msf`]: [`Msf`] and [`Lba`], with the 90-minute rule for lead-in addresses.
//! - [`layout`]: [`Layout`] (tracks, pregaps, indices, capacity) and [`Stager`], which
//!   answers IRedbookDiscMaster's questions (total, used, available blocks; what fits).
//! - [`wav`]: a streaming WAV reader that accepts only CD audio and says what else it found.
//! - [`toc`]: the TOC of a layout or a multisession disc (points 01–99, A0, A1, A2, B0).
//! - [`cue`], [`cdrdao_toc`]: CUE sheets and cdrdao TOC files, parsed and written.
//! - [`cdtext`]: CD-Text packs with their CRC, size information and decoder; `.cdt` files.
//! - [`isrc`], [`subchannel`], [`cuesheet`]: ISRC/MCN, Q frames, SEND CUE SHEET entries.
//! - [`sector`]: Mode 1 sectors with EDC and ECC.
//! - [`image`]: WAV tracks into a BIN with its CUE, TOC and CD-Text files.
//!
//! ```
//! use imapi_redbook::{Capacity, CueSheet, Lba, Layout, Msf, Toc, Track};
//! let mut layout = Layout::new(Capacity::Minutes74);
//! layout.push(Track::audio(150, 3000))?; // track 1: the 2-second pause, then 40 s
//! layout.push(Track::audio(150, 4500))?; // track 2 after a 2-second gap
//! assert_eq!(layout.lead_out(), Lba(7650));
//! assert_eq!(Msf::new(0, 2, 0)?.to_lba(), Lba(0));
//!
//! let cue = CueSheet::from_layout(&layout, "disc.bin").to_text()?;
//! let back = CueSheet::parse(cue.as_bytes())?.to_layout(Capacity::Minutes74, |_| 7650)?;
//! assert_eq!(back, layout);
//! assert_eq!(Toc::from_layout(&layout).track_descriptors().len(), 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod cdrdao_toc;
pub mod cdtext;
pub mod crc;
pub mod cue;
pub mod cuesheet;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod image;
pub mod isrc;
pub mod layout;
pub mod lead_in;
pub mod msf;
pub mod sector;
pub mod subchannel;
pub mod text_fields;
pub mod toc;
pub mod wav;

pub use cdrdao_toc::TocFile;
pub use cdtext::{CdText, Charset, Pack, TextFields};
pub use cue::CueSheet;
pub use cuesheet::{cue_sheet, CueSheetEntry, CueSheetOptions, DataForm, TimeEntry};
pub use error::Error;
pub use image::{AudioImage, ImageError, SourceKind, TrackInput};
pub use isrc::{Isrc, Mcn};
pub use layout::{Capacity, Layout, LayoutError, Stager, Track, TrackFlags, TrackPosition};
pub use msf::{Lba, Msf};
pub use subchannel::{QData, QFrame, Subchannel};
pub use toc::Toc;
pub use wav::{SampleOrder, WavReader};
