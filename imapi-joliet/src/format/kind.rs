//! The two directory trees of an ISO 9660 + Joliet image, named alike by the writer, the reader
//! and the verifier.

/// Which of the two directory trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeKind {
    /// The ISO 9660 tree of the primary descriptor.
    Iso,
    /// The Joliet tree of the supplementary descriptor.
    Joliet,
}
