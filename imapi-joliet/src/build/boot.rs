//! El Torito boot options: the boot images to record and why they cannot be planned.
//!
//! # Choices
//! - A boot image is an ordinary file of the tree, named by its node (the CLI takes its image
//!   path, as `mkisofs -b` does); it is listed in both directory trees like any file.
//! - The catalog is not listed in any directory: only the boot record points at it. It lies
//!   in one block with the metadata, after the directories and before any file data.
//! - The load size of a no-emulation entry is the one asked for, else 4 sectors of 512 bytes
//!   (what `mkisofs` loads), or the whole image when it is smaller; for an EFI entry, the
//!   whole image (at most 65 535 sectors). An emulated floppy or hard disk loads 1 sector.
//! - Floppy images must be exactly 1 228 800, 1 474 560 or 2 949 120 bytes; a hard-disk image
//!   must start with an MBR (`55 AA` at byte 510) holding exactly one partition, whose system
//!   type byte goes into the entry. The plan reads those 512 bytes: the one read of file data
//!   before the emit pass.
//! - The boot-info table ([`BootEntry::boot_info_table`]) is patched into the boot file as
//!   the emit pass streams it: see [`crate::build::emit`].
//!
//! The catalog format itself is [`crate::format::eltorito`].

use std::io::{self, Read};

use crate::build::tree::node::NodeId;
use crate::format::eltorito::{Emulation, Platform, MAX_INFO_TABLE_FILE};

/// Default load size of a no-emulation entry, in 512-byte sectors (as `mkisofs`).
pub const DEFAULT_LOAD_SECTORS: u16 = 4;

/// One boot image to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootEntry {
    /// The file of the tree holding the image.
    pub image: NodeId,
    /// Its platform. Entries after the first are grouped in sections by platform.
    pub platform: Platform,
    /// What it emulates.
    pub emulation: Emulation,
    /// Sectors of 512 bytes to load (no emulation only; `None` for the default).
    pub load_size: Option<u16>,
    /// The real-mode segment to load it at (0 for the BIOS default, 0x7C0).
    pub load_segment: u16,
    /// Patch a boot-info table into bytes 8–63 of the file.
    pub boot_info_table: bool,
}

impl BootEntry {
    /// A no-emulation x86 entry for `image`, with the default load size.
    pub fn new(image: NodeId) -> Self {
        Self {
            image,
            platform: Platform::X86,
            emulation: Emulation::NoEmulation,
            load_size: None,
            load_segment: 0,
            boot_info_table: false,
        }
    }
}

/// What makes an image bootable ([`crate::PlanOptions::boot`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BootOptions {
    /// The manufacturer id of the validation entry (ASCII, at most 24 bytes).
    pub manufacturer: String,
    /// The entries: the first is the default entry; later ones go in sections.
    pub entries: Vec<BootEntry>,
}

/// Why boot options cannot be planned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BootError {
    /// No entry was given.
    #[error("no boot image given")]
    NoEntries,
    /// The manufacturer id is longer than the validation entry holds, or not ASCII.
    #[error("manufacturer id {0:?} is not ASCII of at most 24 bytes")]
    Manufacturer(String),
    /// More entries than one catalog block holds.
    #[error("{entries} boot entries in {sections} sections do not fit in one catalog block")]
    TooManyEntries {
        /// Entries asked for.
        entries: usize,
        /// Sections they need.
        sections: usize,
    },
    /// The boot image is not a file of the tree.
    #[error("boot image {path:?} is not a file")]
    NotAFile {
        /// Its image path.
        path: String,
    },
    /// The boot image is in an earlier session (or in the placed-data area).
    #[error("boot image {path:?} is not written by this session")]
    NotWritten {
        /// Its image path.
        path: String,
    },
    /// The tree shows the boot catalog as a file ([`crate::Tree::add_boot_catalog`]) but the
    /// image is not bootable.
    #[error("boot catalog {path:?} in an image without a boot image")]
    CatalogWithoutBoot {
        /// Its image path.
        path: String,
    },
    /// The boot image is empty.
    #[error("boot image {path:?} is empty")]
    Empty {
        /// Its image path.
        path: String,
    },
    /// A load size of 0 sectors.
    #[error("boot image {path:?}: a load size of 0 sectors")]
    LoadSize {
        /// Its image path.
        path: String,
    },
    /// A floppy image of the wrong size.
    #[error("boot image {path:?} has {size} bytes; a {} image has {expected}", emulation.name())]
    FloppySize {
        /// Its image path.
        path: String,
        /// The emulation asked for.
        emulation: Emulation,
        /// Its size.
        size: u64,
        /// The size that emulation needs.
        expected: u64,
    },
    /// A hard-disk image whose first sector is no MBR with one partition.
    #[error("hard-disk boot image {path:?}: {reason}")]
    BadMbr {
        /// Its image path.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The MBR of a hard-disk image could not be read.
    #[error("hard-disk boot image {path:?}: cannot read its MBR")]
    MbrRead {
        /// Its image path.
        path: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A boot-info table asked for a file too small or too large to patch.
    #[error("boot image {path:?} has {size} bytes; a boot-info table needs 64 to {max}", max = MAX_INFO_TABLE_FILE)]
    InfoTableSize {
        /// Its image path.
        path: String,
        /// Its size.
        size: u64,
    },
}

/// Reads the first 512 bytes of `r` (fewer if it is shorter).
pub(super) fn read_sector(r: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(512);
    r.take(512).read_to_end(&mut buf)?;
    Ok(buf)
}
