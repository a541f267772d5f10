//! The directories of a plan in both trees: where each lies, its identifiers, its parents and
//! its numbers in the path tables, the orders each tree is walked in, and the relocation
//! directory of a Rock Ridge image. The planner fills the table; the listings, the Rock
//! Ridge system use and the metadata read it.

use crate::build::tree::NodeId;
use crate::format::kind::TreeKind;

/// One directory of both trees, at the index the tree gives it (`Kind::Dir(d)`). The names
/// and order of its children are not kept: see [`crate::build::listing`].
#[derive(Clone, Copy)]
pub(super) struct Dir {
    pub(super) node: NodeId,
    pub(super) parent: u32,
    /// Its parent in the ISO 9660 tree: `parent`, or the relocation directory for a
    /// directory moved there (see [`crate::build::rock_ridge_write`]).
    pub(super) iso_parent: u32,
    /// Its own identifiers, for the path tables: in [`DirTable`]'s names, ISO 9660 and Joliet
    /// (UCS-2 big-endian).
    iso_off: u32,
    jol_off: u32,
    iso_len: u8,
    jol_len: u8,
    pub(super) iso_extent: u32,
    pub(super) iso_size: u32,
    pub(super) jol_extent: u32,
    pub(super) jol_size: u32,
    pub(super) iso_number: u16,
    pub(super) jol_number: u16,
    /// Blocks of Rock Ridge continuation areas right after the ISO 9660 extent.
    pub(super) iso_ce_blocks: u32,
}

impl Default for Dir {
    fn default() -> Self {
        Self {
            node: NodeId(0),
            parent: 0,
            iso_parent: 0,
            iso_off: 0,
            jol_off: 0,
            iso_len: 0,
            jol_len: 0,
            iso_extent: 0,
            iso_size: 0,
            jol_extent: 0,
            jol_size: 0,
            iso_number: 0,
            jol_number: 0,
            iso_ce_blocks: 0,
        }
    }
}

/// The relocation directory of a plan (see [`crate::build::rock_ridge_write`]).
#[derive(Debug, Clone)]
pub(super) struct Moved {
    /// Its index in the table (after every directory of the tree).
    pub(super) dir: u32,
    /// Its name (`NM`).
    pub(super) name: String,
    /// Its ISO 9660 identifier.
    pub(super) id: Vec<u8>,
    /// How many directories moved to it.
    pub(super) count: u32,
}

/// Every directory of both trees (`Kind::Dir(d)` at index `d`, then the relocation
/// directory if any), their identifiers, and the orders of each tree.
#[derive(Default)]
pub(super) struct DirTable {
    dirs: Vec<Dir>,
    /// The directories' own identifiers (see [`Dir`]).
    names: Vec<u8>,
    /// Directories in pre-order of each tree.
    iso_preorder: Vec<u32>,
    jol_preorder: Vec<u32>,
    /// Directories in path-table order of each tree.
    iso_path_order: Vec<u32>,
    jol_path_order: Vec<u32>,
    /// The relocation directory, when directories were moved to it.
    moved: Option<Moved>,
}

impl DirTable {
    /// A table of these directories, with no names or orders yet.
    pub(super) fn new(dirs: Vec<Dir>) -> Self {
        Self { dirs, ..Self::default() }
    }

    /// How many directories (the relocation directory included).
    pub(super) fn len(&self) -> usize {
        self.dirs.len()
    }

    pub(super) fn get(&self, d: u32) -> Option<&Dir> {
        self.dirs.get(d as usize)
    }

    /// Directory `d`, which must exist.
    pub(super) fn dir(&self, d: u32) -> &Dir {
        &self.dirs[d as usize]
    }

    /// Directory `d`, which must exist.
    pub(super) fn dir_mut(&mut self, d: u32) -> &mut Dir {
        &mut self.dirs[d as usize]
    }

    /// Adds the relocation directory.
    pub(super) fn push_moved(&mut self, moved: Moved) {
        // The root's node stands for it where a node is needed (its date).
        self.dirs.push(Dir::default());
        self.moved = Some(moved);
    }

    /// The identifier of directory `d` in tree `kind`, as its parent records it (empty for
    /// the root).
    pub(super) fn name(&self, kind: TreeKind, d: u32) -> &[u8] {
        let Some(dir) = self.dirs.get(d as usize) else { return &[] };
        let (off, len) = match kind {
            TreeKind::Iso => (dir.iso_off, dir.iso_len),
            TreeKind::Joliet => (dir.jol_off, dir.jol_len),
        };
        self.names.get(off as usize..off as usize + usize::from(len)).unwrap_or(&[])
    }

    /// Records `id` as the identifier of directory `d` in tree `kind`.
    pub(super) fn set_name(&mut self, kind: TreeKind, d: u32, id: &[u8]) {
        let off = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.extend_from_slice(id);
        let Some(dir) = self.dirs.get_mut(d as usize) else { return };
        match kind {
            TreeKind::Iso => (dir.iso_off, dir.iso_len) = (off, id.len() as u8),
            TreeKind::Joliet => (dir.jol_off, dir.jol_len) = (off, id.len() as u8),
        }
    }

    /// The extent and size of directory `d` (which must exist) in tree `kind`.
    pub(super) fn extent(&self, kind: TreeKind, d: u32) -> (u32, u32) {
        let dir = &self.dirs[d as usize];
        match kind {
            TreeKind::Iso => (dir.iso_extent, dir.iso_size),
            TreeKind::Joliet => (dir.jol_extent, dir.jol_size),
        }
    }

    /// The directories in pre-order of tree `kind`.
    pub(super) fn preorder(&self, kind: TreeKind) -> &[u32] {
        match kind {
            TreeKind::Iso => &self.iso_preorder,
            TreeKind::Joliet => &self.jol_preorder,
        }
    }

    /// The directories in path-table order of tree `kind`.
    pub(super) fn path_order(&self, kind: TreeKind) -> &[u32] {
        match kind {
            TreeKind::Iso => &self.iso_path_order,
            TreeKind::Joliet => &self.jol_path_order,
        }
    }

    /// Records the pre-order and path-table order of tree `kind`.
    pub(super) fn set_orders(&mut self, kind: TreeKind, preorder: Vec<u32>, path_order: Vec<u32>) {
        match kind {
            TreeKind::Iso => (self.iso_preorder, self.iso_path_order) = (preorder, path_order),
            TreeKind::Joliet => (self.jol_preorder, self.jol_path_order) = (preorder, path_order),
        }
    }

    /// The relocation directory, if any.
    pub(super) fn moved(&self) -> Option<&Moved> {
        self.moved.as_ref()
    }

    /// The index of the relocation directory, if any.
    pub(super) fn moved_dir(&self) -> Option<u32> {
        self.moved.as_ref().map(|m| m.dir)
    }

    /// Whether directory `d` was moved to the relocation directory.
    pub(super) fn is_relocated(&self, d: u32) -> bool {
        self.dirs.get(d as usize).is_some_and(|x| x.iso_parent != x.parent)
    }

    /// The directories moved to the relocation directory.
    pub(super) fn relocated(&self) -> impl Iterator<Item = u32> + '_ {
        let n = self.moved_dir();
        (0..self.dirs.len() as u32).filter(move |&d| Some(d) != n && self.is_relocated(d))
    }
}
