//! The name of a node: a leaf module, so that what only needs to name a node (boot options)
//! does not depend on the tree and its errors.

/// A node of a [`Tree`](super::Tree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(in crate::build) u32);

impl NodeId {
    pub(in crate::build) fn index(self) -> usize {
        self.0 as usize
    }
}
