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

pub mod area;
pub mod entries;
pub(crate) mod plan_info;
pub mod record;
pub(crate) mod relocate;
