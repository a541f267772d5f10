//! Building an image: the tree, names, sources, boot options, the planner and the emit pass,
//! and the Rock Ridge writer.
//!
//! Imports [`crate::format`], and [`crate::read`] only to import an earlier session
//! ([`Tree::import_image`](tree::Tree::import_image)) and to report its read errors.
//!
//! # Inside
//! - [`tree`]: the arena of nodes; its host walk, checkpoints, POSIX attributes and session
//!   import are child modules of it.
//! - [`names`], [`source`]: identifiers of each tree; where file bytes come from.
//! - [`plan`]: [`Plan`](plan::Plan) owns the layout (`layout`), the file extents, and the
//!   metadata of each file system laid over them: for ISO 9660 and Joliet, the directory
//!   table (`dirs`), the record dates (`dates`) and the Rock Ridge counts. Listings
//!   (`listing`), the Rock Ridge system use ([`rock_ridge_write`]) and the metadata blocks
//!   (`meta`) are functions over those parts, given as narrow, explicit inputs; the emit
//!   pass ([`emit`]) streams the file data between them.
//!
//! Inside the layer the arrows go one way too: the tree and the options know nothing of the
//! planner; the planner's helpers know nothing of [`Plan`](plan::Plan), which alone puts
//! them together.

pub mod boot;
pub(super) mod dates;
pub(super) mod dirs;
pub mod emit;
pub mod error;
pub(super) mod host_open;
pub(super) mod layout;
pub(super) mod listing;
pub(super) mod meta;
pub mod names;
pub mod options;
pub mod plan;
pub mod rock_ridge_write;
pub mod source;
pub mod tree;
