//! The plan phase: every name, every extent and the image size, fixed before one byte is
//! written.
//!
//! # Layout
//! Blocks 0–15 (of the session) are the system area, zero. Block 16 holds the primary volume
//! descriptor, 17 the Joliet supplementary descriptor (`%/E`, UCS-2 level 3), then the
//! terminator; a bootable image ([`PlanOptions::boot`]) has the El Torito boot record at 17
//! (ECMA-119 and El Torito want it there), the Joliet descriptor at 18, then the terminator.
//! Then the path tables: ISO L, ISO M, Joliet L, Joliet M, each in whole blocks. Then every
//! ISO 9660 directory in pre-order (with Rock Ridge, [`PlanOptions::rock_ridge`], each
//! followed by the blocks of its continuation areas, if any), then every Joliet directory in
//! pre-order: all
//! directory extents come before the first file extent, which streaming readers (libarchive)
//! need. Then the El Torito boot catalog (one block) of a bootable image, which a file added
//! with [`Tree::add_boot_catalog`] shows in both trees (hidden otherwise). Then one zero
//! block shared by every empty file (as libisofs does), then the
//! placed-data area ([`PlanOptions::placed_area_blocks`], none by default): data captured
//! before planning, where each file added with [`Tree::add_placed_file`] lies at its block
//! from the area's start (no alignment applies there). Everything before the area is the
//! metadata ([`Plan::metadata_blocks`], written alone by [`Plan::emit_metadata`]). Then the
//! data of the other files in the pre-order of the ISO tree, each file once however many hard links name it, each padded
//! to a whole block; files of 16 MiB and more start at a multiple of 64 KiB
//! ([`PlanOptions::large_file_alignment`]). Files larger than 0xFFFFF800 bytes are recorded as
//! several sections
//! (multi-extent, level 3) in both trees. Last, `pad_blocks` zero blocks (default 150, the
//! 300 KiB xorriso pads with against Linux's read-ahead at the end of a CD), counted in the
//! volume space size.
//!
//! # Policies
//! - Names: see [`crate::build::names`].
//! - Depth: ECMA-119 allows 8 levels and 255-byte paths; deeper trees are kept as they are
//!   (as xorriso does by default) and reported as [`Warning::DeepDirectory`] /
//!   [`Warning::LongPath`]; the verifier calls them relaxations. With Rock Ridge,
//!   [`PlanOptions::relocate_deep`] moves directories deeper than 8 levels to `rr_moved`
//!   instead, as RRIP allows.
//! - Links and special files ([`Tree::add_symlink`], [`Tree::add_special`]): in the ISO 9660
//!   tree of an image with Rock Ridge only, as empty files; left out otherwise.
//! - Dates: with [`PlanOptions::date`] set, every date in the image (volume and records) is that
//!   instant, shown at its own GMT offset, and the output is byte-reproducible whatever the time
//!   zone and the order files were created in. Otherwise records carry each file's
//!   modification time at the local offset of that instant, and the volume the time of planning.
//! - Volume name: as given, never cut: at most 32 bytes in the PVD (non d-characters are kept
//!   and reported as [`Warning::RelaxedVolumeName`], so `cidata` stays lower case) and 16 UCS-2
//!   units in the Joliet descriptor; longer is an error.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use crate::build::dates::Dates;
use crate::build::dirs::DirTable;
use crate::build::emit::{self, EmitOptions, ImageReader, Parts};
use crate::build::error::{Error, Warning};
use crate::build::layout::{Files, Layout};
use crate::build::listing::Naming;
use crate::build::meta::Metadata;
use crate::build::rock_ridge_write::info::{RrInfo, RrView};
use crate::build::tree::{Kind, NodeId, Tree};
use crate::format::date::IsoDateTime;
use crate::format::eltorito::Catalog;
use crate::format::kind::TreeKind;
use crate::format::raw::BLOCK_U64;

pub use crate::build::options::{PlanOptions, DEFAULT_LARGE_FILE_ALIGNMENT, DEFAULT_PAD_BLOCKS};

mod catalog;
mod planner;

/// A planned image: names, extents and size fixed; borrows the tree, which cannot change
/// until the plan is dropped.
///
/// It owns where everything lies (`Layout`), the file extents every file system of the
/// image shares (`Files`), and the metadata of each file system laid over them: today the
/// ISO 9660 and Joliet trees (`IsoSide`). Listings, Rock Ridge system use and metadata
/// blocks are made by functions given the parts they need (`Metadata`, `RrView`, `Naming`);
/// another file system (UDF) adds a side of its own here and a kind of region to the
/// layout, not methods on the plan.
pub struct Plan<'t> {
    tree: &'t Tree,
    opts: PlanOptions,
    layout: Layout,
    files: Files,
    iso: IsoSide<'t>,
    /// The El Torito catalog, when the image is bootable.
    catalog: Option<Catalog>,
    warnings: Vec<Warning>,
}

/// The ISO 9660 and Joliet metadata of a plan (with Rock Ridge in the ISO 9660 tree): what
/// their descriptors, path tables and directories are made from.
struct IsoSide<'t> {
    volume_name: String,
    volume_date: IsoDateTime,
    dates: Dates,
    naming: Naming<'t>,
    /// Every directory of both trees, their identifiers, orders and extents.
    dirs: DirTable,
    /// With Rock Ridge: link counts (none allocated without).
    rr: Option<RrInfo>,
}

impl std::fmt::Debug for Plan<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("blocks", &self.image_blocks())
            .field("dirs", &self.iso.dirs.len())
            .field("files", &self.files.order.len())
            .finish()
    }
}

impl Tree {
    /// Plans the image: names, sort order, directory sizes, path tables and extents. Reads no
    /// file data; fails on a name Joliet cannot hold, a file too large for the level or a
    /// volume name too long. Warnings are available from [`Plan::warnings`].
    pub fn plan(&self, opts: &PlanOptions) -> Result<Plan<'_>, Error> {
        planner::Planner::new(self, opts.clone())?.run()
    }
}

impl<'t> Plan<'t> {
    /// The tree this plan was made from.
    pub fn tree(&self) -> &'t Tree {
        self.tree
    }

    /// The options in force.
    pub fn options(&self) -> &PlanOptions {
        &self.opts
    }

    /// What planning changed or relaxed (names numbered, deep directories kept, ...).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The volume name recorded.
    pub fn volume_name(&self) -> &str {
        &self.iso.volume_name
    }

    /// Blocks this session writes (from its first block to the end of the padding).
    pub fn session_blocks(&self) -> u64 {
        u64::from(self.layout.end - self.layout.first)
    }

    /// Every block from the disc's start to the end of this session: the length of a flat
    /// image holding the earlier sessions too. For a first session, its size.
    pub fn image_blocks(&self) -> u64 {
        u64::from(self.layout.end)
    }

    /// The volume space size the descriptors record: this session's blocks, as mkisofs and
    /// libisofs record a later session (isoinfo, xorriso and Linux's isofs read both forms
    /// alike; the session-relative one is what readers have met most). Equal to
    /// [`Plan::image_blocks`] for a first session.
    pub fn volume_space_size(&self) -> u64 {
        self.session_blocks()
    }

    /// Bytes [`Plan::emit`] writes.
    pub fn image_len(&self) -> u64 {
        self.session_blocks() * BLOCK_U64
    }

    /// The absolute block where the placed-data area starts
    /// ([`PlanOptions::placed_area_blocks`]): right after the metadata and the shared zero
    /// block. With no area, the block where the data of the other files starts.
    pub fn placed_area_start(&self) -> u32 {
        self.layout.placed_start
    }

    /// Blocks of the session before the placed-data area: the system area, descriptors, path
    /// tables, directories and the shared zero block, which [`Plan::emit_metadata`] writes.
    /// With no area, the blocks before the first file data.
    pub fn metadata_blocks(&self) -> u64 {
        u64::from(self.layout.placed_start - self.layout.first)
    }

    /// The ISO 9660 identifier of a node (`NAME.EXT;1`, or a directory's name); empty for
    /// the root. Made again from its parent directory's names for a file.
    pub fn iso_name(&self, id: NodeId) -> Vec<u8> {
        self.name_bytes(TreeKind::Iso, id)
    }

    /// The Joliet identifier of a node as UCS-2 code units; empty for the root or without
    /// Joliet. Made again from its parent directory's names for a file.
    pub fn joliet_name(&self, id: NodeId) -> Vec<u16> {
        if !self.opts.joliet {
            return Vec::new();
        }
        let bytes = self.name_bytes(TreeKind::Joliet, id);
        bytes.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect()
    }

    /// A node's identifier in tree `kind`, as recorded.
    fn name_bytes(&self, kind: TreeKind, id: NodeId) -> Vec<u8> {
        if id == self.tree.root() || id.index() >= self.tree.nodes.len() {
            return Vec::new();
        }
        if let Some(d) = self.tree.dir_index(id) {
            return self.iso.dirs.name(kind, d).to_vec();
        }
        let Some(parent) = self.tree.dir_index(self.tree.parent(id)) else { return Vec::new() };
        match self.iso.naming.listing(&self.iso.dirs, parent, kind, None) {
            Ok(listing) => listing.id_of(id).map(<[u8]>::to_vec).unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    /// The first block of a node's extent: a directory's ISO 9660 extent, or a file's data.
    pub fn extent(&self, id: NodeId) -> u32 {
        match self.tree.node(id).kind {
            Kind::Dir(d) => self.iso.dirs.get(d).map_or(0, |d| d.iso_extent),
            Kind::File { content, .. } => {
                self.files.extents.get(content as usize).copied().unwrap_or(0)
            }
        }
    }

    /// A directory's extent and size in the Joliet tree.
    pub fn joliet_dir_extent(&self, id: NodeId) -> Option<(u32, u32)> {
        if !self.opts.joliet {
            return None;
        }
        let d = self.iso.dirs.get(self.tree.dir_index(id)?)?;
        Some((d.jol_extent, d.jol_size))
    }

    /// The ISO 9660 path of a node (`/DIR/FILE.TXT;1`).
    pub fn iso_path(&self, id: NodeId) -> String {
        let mut parts = Vec::new();
        let mut cur = id;
        while cur != self.tree.root() {
            parts.push(String::from_utf8_lossy(&self.iso_name(cur)).into_owned());
            cur = self.tree.parent(cur);
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    }

    /// The parts the metadata of the ISO 9660 and Joliet trees is made from.
    fn metadata(&self) -> Metadata<'_> {
        let iso = &self.iso;
        Metadata {
            tree: self.tree,
            opts: &self.opts,
            volume_name: &iso.volume_name,
            volume_date: &iso.volume_date,
            layout: &self.layout,
            dirs: &iso.dirs,
            naming: iso.naming,
            dates: iso.dates,
            rr: iso.rr.as_ref().map(|info| RrView {
                tree: self.tree,
                dirs: &iso.dirs,
                info,
                rationalize: self.opts.rationalize,
            }),
            extents: &self.files.extents,
            catalog: self.catalog.as_ref(),
        }
    }

    /// The parts the emit pass needs.
    fn parts(&self) -> Parts<'_> {
        Parts {
            tree: self.tree,
            layout: &self.layout,
            files: &self.files,
            placed_area_blocks: self.opts.placed_area_blocks,
            meta: self.metadata(),
        }
    }

    /// Writes the image to `w` in one sequential pass and returns the bytes written
    /// (always [`Plan::image_len`]).
    pub fn emit<W: Write>(&self, mut w: W) -> Result<u64, Error> {
        self.emit_with(&mut w, EmitOptions::default())
    }

    /// [`Plan::emit`] with progress and cancellation.
    ///
    /// A plan with a placed-data area ([`crate::PlanOptions::placed_area_blocks`]) needs the
    /// area's bytes: give them with [`Plan::emit_with_placed`], or write the metadata alone
    /// with [`Plan::emit_metadata`]; here such a plan is [`Error::PlacedAreaMissing`].
    pub fn emit_with(&self, w: &mut dyn Write, opts: EmitOptions<'_>) -> Result<u64, Error> {
        emit::emit_dyn(&self.parts(), w, None, None, opts)
    }

    /// Writes the whole image, taking the bytes of the placed-data area from `placed`: its
    /// first [`crate::PlanOptions::placed_area_blocks`] × 2048 bytes are copied as they are
    /// (what follows in `placed` is not read). A reader that ends early is
    /// [`Error::PlacedAreaRead`].
    pub fn emit_with_placed(
        &self,
        w: &mut dyn Write,
        placed: &mut dyn Read,
        opts: EmitOptions<'_>,
    ) -> Result<u64, Error> {
        emit::emit_dyn(&self.parts(), w, None, Some(placed), opts)
    }

    /// Writes the blocks of the session before the placed-data area, and nothing else: the
    /// system area, the volume descriptors, the path tables, the directories (whose records
    /// point into the area) and the shared zero block of empty files. Returns the bytes
    /// written, [`Plan::metadata_blocks`] × 2048.
    ///
    /// On the disc these blocks are followed by the placed-data area and then by the data of
    /// any other files and the padding, which the caller writes ([`Plan::emit_with_placed`]
    /// writes everything).
    ///
    /// ```
    /// use imapi_joliet::{Image, Overwrite, PlanOptions, Tree};
    /// let mut tree = Tree::new();
    /// tree.add_placed_file(tree.root(), "a.txt", 0, 5, Overwrite::Deny)?;
    /// let plan = tree.plan(&PlanOptions { placed_area_blocks: 1, ..PlanOptions::default() })?;
    /// let mut disc = Vec::new();
    /// let n = plan.emit_metadata(&mut disc)?;
    /// assert_eq!(n, plan.metadata_blocks() * 2048);
    /// let mut area = b"hello".to_vec();
    /// area.resize(2048, 0);
    /// disc.extend_from_slice(&area);
    /// disc.resize(plan.image_len() as usize, 0); // the padding
    /// assert_eq!(Image::parse(&disc)?.read_path("/a.txt")?, b"hello");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn emit_metadata(&self, w: &mut dyn Write) -> Result<u64, Error> {
        emit::emit_metadata(&self.parts(), w)
    }

    /// Writes the image to `file` from its current position, letting the kernel copy large
    /// host files where it can.
    pub fn emit_to_file(&self, file: &File, opts: EmitOptions<'_>) -> Result<u64, Error> {
        let mut w = file;
        emit::emit_dyn(&self.parts(), &mut w, Some(file), None, opts)
    }

    /// Writes the image to `path` atomically ([`imapi_codes::atomic`]): into a temporary file
    /// beside it, renamed over `path` only when complete (no `fsync` first). A failed or
    /// cancelled pass leaves nothing behind.
    ///
    /// A symbolic link is written through (its target gets the image, the link stays). What a
    /// rename cannot replace — a FIFO, a device such as a terminal or `/dev/null` — is written
    /// in place.
    pub fn write_to_path(&self, path: &Path, opts: EmitOptions<'_>) -> Result<u64, Error> {
        emit::write_to_path(&self.parts(), path, opts)
    }

    /// A `Read + Seek` view of the image that makes its bytes on demand.
    pub fn reader(&self) -> ImageReader<'_, 't> {
        emit::reader(self.parts())
    }
}
