//! The on-disc format: raw records and descriptors, dates, SUSP and Rock Ridge signatures,
//! the §9.3 sort orders, the two directory trees, and the El Torito catalog.
//!
//! Plain data and pure functions shared by the builder, the reader and the verifier, as
//! object keeps its raw structures at top level. This layer imports nothing else of the
//! crate.

pub mod date;
pub mod eltorito;
pub mod kind;
pub mod order;
pub mod raw;
pub mod susp;
