//! Build, read and verify ISO 9660 + Joliet images.
//!
//! Building has two phases, as libisofs does. A [`Tree`] holds directories and files whose
//! contents are [`Source`]s (host files, bytes, byte ranges, or an embedder's own); host folders
//! are added recursively with [`Tree::add_host`]. [`Tree::plan`] fixes every ISO 9660 and Joliet
//! name, the sort order, the path tables, every extent and the image size, and reads no file
//! data. [`Plan::emit`] then writes the image in one sequential pass to any
//! [`std::io::Write`], streaming file contents and checking that no source changed size.
//!
//! # Four layers
//! The crate keeps gimli's shape: reading and writing side by side over shared format
//! definitions, arrows pointing down, no circle (`tests/layers.rs` checks the rule):
//!
//! - [`format`](mod@format) imports nothing else of ours: the byte layouts of ECMA-119
//!   ([`raw`]), its date forms ([`date`]) and sort orders ([`order`]), the two trees
//!   ([`TreeKind`]), the signatures and flags of SUSP and Rock Ridge ([`susp`]), and the El
//!   Torito catalog ([`format::eltorito`]).
//! - [`build`] imports `format`, and `read` only to import an earlier session: [`tree`], the
//!   arena of nodes, host walks, graft points, merging and IMAPI's AddData rule for a file
//!   added twice ([`Overwrite`]); checkpoints that undo a change all or nothing
//!   ([`Tree::checkpoint`]); files whose data was captured before planning
//!   ([`Tree::add_placed_file`]); a session carried over from an earlier one
//!   ([`Tree::import_image`]); [`posix`], the attributes, links and special files it records
//!   for Rock Ridge ([`HostOptions::posix`] fills them from the host). [`names`]: ISO levels
//!   1–3, collision numbering in O(n log n), Joliet UCS-2 names. [`plan`]: layout and
//!   policies (depth, dates, volume name); a [`Plan`] owns its layout, file extents and
//!   per-directory tables, and listings, Rock Ridge system use and metadata blocks are
//!   functions over the parts they need. [`emit`]: the writer, with a kernel-copy fast path,
//!   an atomic file writer, progress and cancellation, and a `Read + Seek` view; the metadata
//!   alone ([`Plan::emit_metadata`]) for a disc whose file data was captured beforehand.
//!   [`build::rock_ridge_write`] (also [`rock_ridge`]): Rock Ridge in the ISO 9660 tree on
//!   request ([`PlanOptions::rock_ridge`]): POSIX modes, owners, times, links, device nodes,
//!   link counts and long names, continuation areas, relocation of deep directories.
//!   [`eltorito`]: bootable images (the boot options; the catalog format is in `format`).
//! - [`read`] imports `format`: the reader ([`Image`]): the ISO 9660 tree, the Joliet tree,
//!   or the ISO 9660 tree through Rock Ridge ([`read::View`]; Rock Ridge, else Joliet, else
//!   ISO 9660 by default), and the pure SUSP/RRIP parser [`read::rock_ridge`].
//! - [`verify`] imports `read` and `format`: ECMA-119, Joliet and SUSP/RRIP rules
//!   ([`Rule`]), the Rock Ridge ones in `verify/rock_ridge_rules.rs`.
//!
//! The modules of the earlier flat layout ([`tree`], [`plan`], [`emit`], [`raw`], ...) are
//! re-exported at the crate root under their names, so every path that compiled before
//! still does.
//!
//! ```
//! use imapi_joliet::{BytesSource, PlanOptions, Tree};
//! let mut tree = Tree::new();
//! let docs = tree.add_dir(tree.root(), "docs")?;
//! tree.add_file(docs, "hello.txt", BytesSource::new(&b"hello"[..]))?;
//! let plan = tree.plan(&PlanOptions::default())?;
//! let mut iso = Vec::new();
//! let written = plan.emit(&mut iso)?;
//! assert_eq!(written, plan.image_len());
//! assert_eq!(&iso[16 * 2048 + 1..16 * 2048 + 6], b"CD001");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod build;
pub mod format;
pub mod read;
pub mod verify;

pub use build::tree::posix;
pub use build::{emit, error, names, plan, source, tree};
pub use format::{date, order, raw, susp};

/// Rock Ridge as the builder writes it: the same module as [`build::rock_ridge_write`],
/// under its earlier name.
pub use build::rock_ridge_write as rock_ridge;

/// El Torito: bootable images. The catalog format ([`format::eltorito`]) and the boot options
/// a plan takes ([`build::boot`], [`PlanOptions::boot`]).
pub mod eltorito {
    pub use crate::build::boot::*;
    pub use crate::format::eltorito::*;
}

pub use eltorito::{BootEntry, BootOptions, Emulation, Platform};
pub use emit::{EmitOptions, ImageReader};
pub use error::{Error, Warning};
pub use format::kind::TreeKind;
pub use names::{IsoLevel, NonBmpPolicy};
pub use plan::{Plan, PlanOptions};
pub use posix::{NodeType, PosixAttrs, SpecialKind};
pub use read::{Entry, EntryKind, Image, ReadError};
pub use source::{BytesSource, FileRangeSource, PathSource, Source};
pub use tree::{Checkpoint, FileOrigin, HostOptions, NodeId, Overwrite, Tree, TreeWalk};
pub use verify::{Finding, Report, Rule, Severity};
