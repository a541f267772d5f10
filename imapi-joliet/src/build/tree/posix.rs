//! POSIX attributes, symbolic links and special files of a [`Tree`], for Rock Ridge.
//!
//! None of this lives in the tree's nodes (40 bytes each, whatever the options): modes and
//! owners sit in a side table allocated the first time one is set, one `u32` per node naming
//! an interned attribute set (trees share a handful of mode/owner combinations); links and
//! device nodes are contents of their own, recorded as empty files in the node. A tree that
//! never sets an attribute nor adds a link allocates nothing here.

use std::collections::HashMap;

use crate::build::error::Error;
use crate::build::tree::{Content, NodeId, Overwrite, Tree};

/// The POSIX attributes Rock Ridge records for a node (`PX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PosixAttrs {
    /// Permission bits (`0o7777`: set-user-ID, set-group-ID, sticky, rwx); the file type
    /// bits come from the node itself and are ignored here.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
}

/// The permission bits of a mode.
pub const PERMISSION_BITS: u32 = 0o7777;

/// A file that is neither a regular file, a directory nor a symbolic link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpecialKind {
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A named pipe.
    Fifo,
    /// A socket.
    Socket,
}

impl SpecialKind {
    /// The file type bits of a `PX` mode for this kind.
    pub fn type_bits(self) -> u32 {
        use crate::format::susp::{S_IFBLK, S_IFCHR, S_IFIFO, S_IFSOCK};
        match self {
            Self::CharDevice => S_IFCHR,
            Self::BlockDevice => S_IFBLK,
            Self::Fifo => S_IFIFO,
            Self::Socket => S_IFSOCK,
        }
    }

    /// Whether the kind carries a device number (`PN`).
    pub fn is_device(self) -> bool {
        matches!(self, Self::CharDevice | Self::BlockDevice)
    }
}

/// Per node, the index (plus one; 0 for none) of its attribute set; allocated on first use.
#[derive(Default)]
pub(in crate::build) struct PosixTable {
    slots: Vec<u32>,
    sets: Vec<PosixAttrs>,
    interned: HashMap<PosixAttrs, u32>,
    /// While a checkpoint is open: (node, slot before) of every slot changed.
    journal: Vec<(u32, u32)>,
}

impl PosixTable {
    pub(in crate::build) fn get(&self, id: NodeId) -> Option<PosixAttrs> {
        let slot = *self.slots.get(id.index())?;
        self.sets.get(slot.checked_sub(1)? as usize).copied()
    }

    /// Sets the attributes of node `id` (of a tree of `nodes` nodes), journaling the old slot
    /// when `journal` is set.
    pub(in crate::build) fn set(
        &mut self,
        id: NodeId,
        attrs: PosixAttrs,
        nodes: usize,
        journal: bool,
    ) {
        let next = u32::try_from(self.sets.len()).unwrap_or(u32::MAX);
        let set = *self.interned.entry(attrs).or_insert_with(|| {
            self.sets.push(attrs);
            next
        });
        if self.slots.len() < nodes {
            self.slots.resize(nodes, 0);
        }
        if let Some(slot) = self.slots.get_mut(id.index()) {
            if journal {
                self.journal.push((id.0, *slot));
            }
            *slot = set.saturating_add(1);
        }
    }

    /// The length of the journal, for a checkpoint.
    pub(in crate::build) fn mark(&self) -> usize {
        self.journal.len()
    }

    /// Undoes the changes journaled since `mark` and forgets the nodes from `nodes` on.
    pub(in crate::build) fn rollback(&mut self, mark: usize, nodes: usize) {
        while self.journal.len() > mark {
            let Some((id, old)) = self.journal.pop() else { break };
            if let Some(slot) = self.slots.get_mut(id as usize) {
                *slot = old;
            }
        }
        self.slots.truncate(nodes);
    }

    pub(in crate::build) fn clear_journal(&mut self) {
        self.journal.clear();
    }

    /// Bytes allocated, for memory accounting.
    #[cfg(test)]
    pub(in crate::build) fn heap_bytes(&self) -> usize {
        self.slots.capacity() * 4
            + self.sets.capacity() * std::mem::size_of::<PosixAttrs>()
            + self.interned.capacity() * (std::mem::size_of::<PosixAttrs>() + 4 + 1)
    }
}

/// What kind of file a node is, as Rock Ridge records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType<'a> {
    /// A directory.
    Dir,
    /// A regular file.
    File,
    /// A symbolic link and its target.
    Symlink(&'a str),
    /// A device node, FIFO or socket; `rdev` is the device number of a device.
    Special {
        /// Its kind.
        kind: SpecialKind,
        /// The device number (0 but for devices).
        rdev: u64,
    },
}

impl Tree {
    /// Records POSIX attributes (permission bits, owner, group) for node `id`, which Rock
    /// Ridge writes in its `PX` entry; an image without Rock Ridge ignores them. A node with
    /// none recorded gets the defaults of [`crate::PlanOptions::rock_ridge`]. Undone by
    /// [`Tree::rollback`]. The first call allocates a side table of one `u32` per node;
    /// attribute sets are interned. An unknown node is ignored.
    pub fn set_posix(&mut self, id: NodeId, attrs: PosixAttrs) {
        if id.index() >= self.nodes.len() {
            return;
        }
        let nodes = self.nodes.len();
        let journal = self.checkpoint_open();
        let attrs = PosixAttrs { mode: attrs.mode & PERMISSION_BITS, ..attrs };
        self.posix.set(id, attrs, nodes, journal);
    }

    /// The POSIX attributes recorded for node `id` ([`Tree::set_posix`] or a host walk with
    /// [`crate::HostOptions::posix`]), `None` when none were.
    pub fn posix(&self, id: NodeId) -> Option<PosixAttrs> {
        self.posix.get(id)
    }

    /// Adds a symbolic link `name` in `parent` pointing at `target` (kept as given: relative,
    /// absolute, with `..`). It is recorded as an empty file whose only content is the link:
    /// Rock Ridge writes it as a link (`SL`); the Joliet tree, which cannot hold links, and
    /// an image without Rock Ridge leave it out. A file already there is replaced only with
    /// [`Overwrite::Replace`]; an empty target is [`Error::InvalidPath`].
    pub fn add_symlink(
        &mut self,
        parent: NodeId,
        name: &str,
        target: &str,
        overwrite: Overwrite,
    ) -> Result<NodeId, Error> {
        if target.is_empty() || target.contains('\0') {
            return Err(Error::InvalidPath { path: target.to_string() });
        }
        self.add_file_content(parent, name, 0, Content::Symlink(Box::new(target.into())), overwrite)
    }

    /// Adds a device node, FIFO or socket `name` in `parent`; `rdev` is the device number of
    /// a device (ignored otherwise). Like a link ([`Tree::add_symlink`]) it is an empty file
    /// that only Rock Ridge records as what it is; no data is written for it.
    pub fn add_special(
        &mut self,
        parent: NodeId,
        name: &str,
        kind: SpecialKind,
        rdev: u64,
        overwrite: Overwrite,
    ) -> Result<NodeId, Error> {
        let rdev = if kind.is_device() { rdev } else { 0 };
        self.add_file_content(parent, name, 0, Content::Special { kind, rdev }, overwrite)
    }

    /// What kind of file node `id` is; `None` for an unknown node.
    pub fn node_type(&self, id: NodeId) -> Option<NodeType<'_>> {
        if id.index() >= self.nodes.len() {
            return None;
        }
        let Some(content) = self.content_key(id) else { return Some(NodeType::Dir) };
        Some(match self.contents.get(content as usize) {
            Some(Content::Symlink(target)) => NodeType::Symlink(target),
            Some(&Content::Special { kind, rdev }) => NodeType::Special { kind, rdev },
            _ => NodeType::File,
        })
    }

    /// Whether node `id` is a symbolic link or a special file: an entry only Rock Ridge
    /// records.
    pub fn is_rock_ridge_only(&self, id: NodeId) -> bool {
        matches!(self.node_type(id), Some(NodeType::Symlink(_) | NodeType::Special { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BytesSource;

    #[test]
    fn attributes_are_interned_and_allocated_on_first_use() {
        let mut t = Tree::new();
        let a = t.add_file(t.root(), "a", BytesSource::new(&b"a"[..])).unwrap();
        let b = t.add_file(t.root(), "b", BytesSource::new(&b"b"[..])).unwrap();
        assert_eq!(t.posix.heap_bytes(), 0);
        assert_eq!(t.posix(a), None);
        let attrs = PosixAttrs { mode: 0o100640, uid: 1000, gid: 100 };
        t.set_posix(a, attrs);
        t.set_posix(b, attrs);
        assert_eq!(t.posix(a), Some(PosixAttrs { mode: 0o640, ..attrs }));
        assert_eq!(t.posix(b), t.posix(a));
        assert_eq!(t.posix.sets.len(), 1);
        assert_eq!(t.posix(t.root()), None);
    }

    #[test]
    fn links_and_specials_are_empty_files() {
        let mut t = Tree::new();
        let l = t.add_symlink(t.root(), "l", "../x", Overwrite::Deny).unwrap();
        let f = t.add_special(t.root(), "f", SpecialKind::Fifo, 7, Overwrite::Deny).unwrap();
        let d = t.add_special(t.root(), "d", SpecialKind::BlockDevice, 0x801, Overwrite::Deny);
        assert_eq!(t.node_type(l), Some(NodeType::Symlink("../x")));
        assert_eq!(t.node_type(f), Some(NodeType::Special { kind: SpecialKind::Fifo, rdev: 0 }));
        assert_eq!(
            t.node_type(d.unwrap()),
            Some(NodeType::Special { kind: SpecialKind::BlockDevice, rdev: 0x801 })
        );
        assert_eq!(t.file_size(l), 0);
        assert!(t.is_rock_ridge_only(l) && !t.is_rock_ridge_only(t.root()));
        assert_eq!(t.node_type(t.root()), Some(NodeType::Dir));
        assert!(t.add_symlink(t.root(), "l", "y", Overwrite::Deny).is_err());
        assert!(t.add_symlink(t.root(), "e", "", Overwrite::Deny).is_err());
    }

    #[test]
    fn a_hard_link_shares_its_targets_content_and_nothing_else_can_be_linked() {
        let mut t = Tree::new();
        let a = t.add_file(t.root(), "a", BytesSource::new(&b"abc"[..])).unwrap();
        let d = t.add_dir(t.root(), "d").unwrap();
        let b = t.add_hard_link(d, "b", a, Overwrite::Deny).unwrap();
        assert_eq!(t.content_key(b), t.content_key(a));
        assert_eq!(t.file_size(b), 3);
        assert_eq!(t.path(b), "/d/b");
        assert!(t.add_hard_link(d, "b", a, Overwrite::Deny).is_err(), "b is there");
        let l = t.add_symlink(t.root(), "l", "a", Overwrite::Deny).unwrap();
        for not_a_file in [d, l, t.root()] {
            let err = t.add_hard_link(t.root(), "x", not_a_file, Overwrite::Deny).unwrap_err();
            assert!(matches!(err, Error::InvalidPath { .. }), "{err:?}");
        }
        assert!(t.add_hard_link(a, "x", a, Overwrite::Deny).is_err(), "a file is no parent");
        assert_eq!(t.child(t.root(), "x"), None);
    }

    #[test]
    fn rollback_undoes_attributes_and_links() {
        let mut t = Tree::new();
        let a = t.add_dir(t.root(), "a").unwrap();
        let before = PosixAttrs { mode: 0o755, uid: 1, gid: 1 };
        t.set_posix(a, before);
        let cp = t.checkpoint();
        t.set_posix(a, PosixAttrs { mode: 0o700, uid: 2, gid: 2 });
        let l = t.add_symlink(a, "l", "/etc", Overwrite::Deny).unwrap();
        t.set_posix(l, PosixAttrs { mode: 0o777, uid: 0, gid: 0 });
        t.rollback(cp);
        assert_eq!(t.posix(a), Some(before));
        assert_eq!(t.child(a, "l"), None);
        assert!(!t.walk().any(|(id, _)| t.is_rock_ridge_only(id)));
        let again = t.add_file(a, "l", BytesSource::new(&b"x"[..])).unwrap();
        assert_eq!(t.posix(again), None);
        assert_eq!(t.node_type(again), Some(NodeType::File));
    }
}
