//! Writing Rock Ridge: the System Use Sharing Protocol (SUSP 1.12) and the Rock Ridge
//! Interchange Protocol (RRIP 1.12) entries of directory records, and how they are laid out
//! in a record and its continuation areas.
//!
//! - [`entries`]: one encoder per entry (`SP`, `CE`, `ER`, `ST`, `PX`, `PN`, `SL`, `NM`, `TF`,
//!   `CL`, `PL`, `RE`), pure functions appending bytes.
//! - [`area`]: which entries stay in a record and which go to continuation areas, with the
//!   lengths alone for planning and the bytes for writing.
//! - [`record`]: the entries of one directory record (`.` of the root, `.`, `..`, named
//!   records) and the default modes.
//! - `info`: what a plan knows beyond names and extents (link counts, serial numbers) and
//!   the system use of each record, from the directory table and the tree.
//! - `relocate`: which directories move to `rr_moved`, and where it sits in the root.
//!
//! The reader's parser of these entries is [`crate::read::rock_ridge`]; the verifier's rules
//! are in [`crate::verify`].
//!
//! # In an image ([`crate::PlanOptions::rock_ridge`])
//! Every ISO 9660 record carries a system use area: the root's `.` holds `SP`, `PX`, `TF`
//! and a `CE` pointing at a continuation area that holds `ER` (RRIP 1.12, `IEEE_P1282`);
//! every other `.` and `..` holds `PX` and `TF`; named records hold `PX`, `TF`, `NM` (the
//! full name, bytes as given), `SL` for a link and `PN` for a device. `TF` records the
//! modification time alone, in the 7-byte form. Link counts: a file has as many as names
//! share its content (hard links); a directory 2 plus its subdirectories. Serial numbers
//! (`PX`): directory `d` of the tree gets `d + 1`, a file `directories + 1 + content`, the
//! same for every name of one content. What does not fit in a record (255 bytes at most)
//! goes to continuation areas laid out in the blocks right after that directory's extent,
//! before any file data; an area never crosses a block boundary.
//!
//! # Relocation ([`crate::PlanOptions::relocate_deep`])
//! A directory that would sit at level 9 or deeper of the ISO 9660 tree moves to `rr_moved`
//! at the root (a subtree still too deep moves again from its new depth). Its original
//! parent keeps an empty file record of the same name with `CL` pointing at it; its record
//! in `rr_moved` carries `RE` (Linux hides it there); its `..` points at `rr_moved` and
//! carries `PL` naming the original parent. Path tables follow the recorded ISO 9660 tree,
//! the Joliet tree keeps the real shape. `rr_moved` (mode `0o040555`, `NM` `rr_moved`, a
//! number added if the root already holds the name) stays visible, as mkisofs and xorriso
//! leave it.

pub mod area;
pub mod entries;
pub(in crate::build) mod info;
pub mod record;
pub(in crate::build) mod relocate;
