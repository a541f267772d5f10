//! How to plan an image ([`PlanOptions`]): plain settings, read by the planner and by the
//! functions that make the metadata.

use chrono::{DateTime, FixedOffset};

use crate::build::boot::BootOptions;
use crate::build::names::{IsoLevel, NonBmpPolicy};

/// Blocks of zero padding after the last file, by default.
pub const DEFAULT_PAD_BLOCKS: u32 = 150;

/// Alignment of large files in the image, by default (see [`PlanOptions::large_file_alignment`]).
pub const DEFAULT_LARGE_FILE_ALIGNMENT: u32 = 64 << 10;

/// How to plan an image.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// ISO 9660 level (default 3).
    pub level: IsoLevel,
    /// Write a Joliet tree (default true).
    pub joliet: bool,
    /// Volume name; `None` records the date, as IMAPI's VolumeName defaults to.
    pub volume_name: Option<String>,
    /// System identifier (a-characters, ≤ 32 bytes).
    pub system_id: String,
    /// Publisher identifier (≤ 128 bytes).
    pub publisher: String,
    /// Data preparer identifier (≤ 128 bytes).
    pub preparer: String,
    /// Application identifier (≤ 128 bytes).
    pub application: String,
    /// One date for every time stamp, making the output reproducible.
    pub date: Option<DateTime<FixedOffset>>,
    /// Joliet handling of characters outside the BMP.
    pub non_bmp: NonBmpPolicy,
    /// Replace characters Joliet forbids by `_` instead of failing.
    pub replace_forbidden: bool,
    /// The block at which this session starts (0 for a single-session image).
    pub first_block: u32,
    /// Zero blocks appended after the data.
    pub pad_blocks: u32,
    /// Files of at least 256 times this many bytes start at a multiple of it from the
    /// session's start (a multiple of 2048; 0 or 2048 for none). Default 64 KiB, so files of
    /// 16 MiB and more: the kernel copies a file into the image much faster when source and
    /// destination offsets agree modulo its page-cache folios (measured on Linux 6.18 ext4:
    /// 0.57 s against 0.81 s for 2 GiB), and the gaps cost under 1/256 of those files' size.
    pub large_file_alignment: u32,
    /// Length in blocks of the placed-data area: data captured before planning, laid out
    /// right after the metadata (and the shared zero block), holding the files added with
    /// [`Tree::add_placed_file`](crate::Tree::add_placed_file) at their blocks. It may hold more than those files need (the
    /// data of a file replaced later stays in it). Default 0: no area.
    pub placed_area_blocks: u64,
    /// El Torito boot images (see [`crate::eltorito`]); `None` (the default) for none. With
    /// them, the boot record takes block 17 of the session and the Joliet descriptor 18.
    pub boot: Option<BootOptions>,
    /// Write Rock Ridge (SUSP 1.12 and RRIP 1.12) in the ISO 9660 tree (default false: the
    /// image is then byte for byte what it is without, as IMAPI v1 writes it). Every ISO 9660
    /// record then carries POSIX attributes (`PX`: mode, links, owner, group, serial number),
    /// the modification time (`TF`) and the full name (`NM`), links their target (`SL`) and
    /// devices their number (`PN`); see [`crate::build::rock_ridge_write`]. Nodes with no attributes
    /// recorded ([`Tree::set_posix`](crate::Tree::set_posix)) get mode `0o555` (directories), `0o444` (files and
    /// special files) or `0o777` (links), owner and group 0. Symbolic links and special files
    /// ([`Tree::add_symlink`](crate::Tree::add_symlink), [`Tree::add_special`](crate::Tree::add_special)) appear in the ISO 9660 tree only, as
    /// empty files; the Joliet tree cannot hold them and leaves them out, and without Rock
    /// Ridge both trees do. Continuation areas follow each ISO 9660 directory's extent,
    /// before any file data, and count in [`Plan::metadata_blocks`](crate::Plan::metadata_blocks).
    pub rock_ridge: bool,
    /// With [`PlanOptions::rock_ridge`], move directories deeper than ECMA-119's 8 levels to
    /// a relocation directory at the root of the ISO 9660 tree, as RRIP allows (see
    /// [`crate::build::rock_ridge_write`]); readers that know Rock Ridge show them in place, the Joliet
    /// tree keeps the real shape. Default false: deep trees are kept as they are and reported
    /// as [`Warning::DeepDirectory`](crate::Warning::DeepDirectory).
    pub relocate_deep: bool,
    /// With [`PlanOptions::rock_ridge`], record the attributes `mkisofs -r` does
    /// (rationalized Rock Ridge, [`crate::build::rock_ridge_write::record::rationalized`]) rather than
    /// those of the tree: owner and group 0, every file readable by all and writable by none,
    /// executable by all when by anyone, no set-id or sticky bits. For discs meant for other
    /// machines, where the author's owners mean nothing. Default false.
    pub rationalize: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            level: IsoLevel::L3,
            joliet: true,
            volume_name: None,
            system_id: String::new(),
            publisher: String::new(),
            preparer: String::new(),
            application: concat!("IMAPI-RS ", env!("CARGO_PKG_VERSION")).to_string(),
            date: None,
            non_bmp: NonBmpPolicy::Replace,
            replace_forbidden: false,
            first_block: 0,
            pad_blocks: DEFAULT_PAD_BLOCKS,
            large_file_alignment: DEFAULT_LARGE_FILE_ALIGNMENT,
            placed_area_blocks: 0,
            boot: None,
            rock_ridge: false,
            relocate_deep: false,
            rationalize: false,
        }
    }
}
