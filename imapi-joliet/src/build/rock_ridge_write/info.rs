//! What a plan with Rock Ridge knows beyond names and extents: link counts, serial numbers,
//! and the system use of each ISO 9660 record, described once for sizing and writing.
//!
//! - Link counts (`PX`): a file has as many links as names sharing its content (hard links);
//!   a directory has 2 plus its subdirectories, as on a POSIX file system.
//! - Serial numbers (`PX`, RRIP 1.12): directory `d` (the tree's own numbering, root 0) gets
//!   `d + 1`; a file, link or special file gets `directories + 1 + content`, the same for
//!   every name of one content. Both depend only on the tree, so they are stable from one
//!   plan of a tree to the next.
//! - Times (`TF`): the modification time alone, the same instant as the record's date.

use crate::build::dirs::DirTable;
use crate::build::tree::posix::NodeType;
use crate::build::tree::{Kind, NodeId, Tree};
use crate::format::susp::S_IFDIR;

use super::entries::Px;
use super::record::{mode_of, rationalized, RecordSua, Role, DEFAULT_DIR_MODE};

/// Per content and per directory counts, made once per plan when Rock Ridge is on.
#[derive(Debug, Default)]
pub(in crate::build) struct RrInfo {
    /// Per content: the names it has.
    links: Vec<u32>,
    /// Per directory: its subdirectories.
    subdirs: Vec<u32>,
}

impl RrInfo {
    /// Counts the names of every content and the subdirectories of every directory.
    pub(in crate::build) fn new(tree: &Tree, dirs: usize) -> Self {
        let mut links = vec![0u32; tree.contents.len()];
        let mut subdirs = vec![0u32; dirs];
        for (i, node) in tree.nodes.iter().enumerate() {
            match node.kind {
                Kind::File { content, .. } => {
                    if let Some(n) = links.get_mut(content as usize) {
                        *n = n.saturating_add(1);
                    }
                }
                Kind::Dir(_) if i == 0 => {}
                Kind::Dir(_) => {
                    if let Kind::Dir(p) = tree.node(node.parent).kind {
                        if let Some(n) = subdirs.get_mut(p as usize) {
                            *n = n.saturating_add(1);
                        }
                    }
                }
            }
        }
        Self { links, subdirs }
    }
}

/// What the system use of a record is made from: the tree, the directory table (extents,
/// relocation) and the counts, nothing else of the plan.
#[derive(Clone, Copy)]
pub(in crate::build) struct RrView<'p> {
    pub(in crate::build) tree: &'p Tree,
    pub(in crate::build) dirs: &'p DirTable,
    pub(in crate::build) info: &'p RrInfo,
    /// Record rationalized attributes ([`crate::PlanOptions::rationalize`]).
    pub(in crate::build) rationalize: bool,
}

impl<'p> RrView<'p> {
    /// The `PX` of directory `d` (the relocation directory included).
    pub(in crate::build) fn dir_px(&self, d: u32) -> Px {
        if self.dirs.moved_dir() == Some(d) {
            return self.moved_px();
        }
        let node = self.dirs.get(d).map_or(self.tree.root(), |x| x.node);
        self.px(node)
    }

    /// The `PX` of a node.
    pub(in crate::build) fn px(&self, node: NodeId) -> Px {
        let tree = self.tree;
        let info = Some(self.info);
        let ty = tree.node_type(node).unwrap_or(NodeType::File);
        let attrs = match self.rationalize {
            true => Some(rationalized(ty, tree.posix(node))),
            false => tree.posix(node),
        };
        let (mode, uid, gid) = mode_of(ty, attrs);
        let dirs = u32::try_from(self.dirs.len()).unwrap_or(u32::MAX);
        let (links, serial) = match tree.node(node).kind {
            Kind::Dir(d) => {
                let sub = info.and_then(|i| i.subdirs.get(d as usize)).copied().unwrap_or(0);
                (sub.saturating_add(2), d.saturating_add(1))
            }
            Kind::File { content, .. } => {
                let n = info.and_then(|i| i.links.get(content as usize)).copied().unwrap_or(1);
                (n.max(1), dirs.saturating_add(1).saturating_add(content))
            }
        };
        Px { mode, links, uid, gid, serial }
    }

    /// The system use of the record naming `node` in ISO 9660 directory `d`: a relocated
    /// directory is a stand-in (`CL`) in its original parent and carries `RE` in the
    /// relocation directory.
    pub(in crate::build) fn child(&self, d: u32, node: NodeId, modified: [u8; 7]) -> RecordSua<'p> {
        let tree = self.tree;
        let moved = tree.dir_index(node).filter(|&cd| self.dirs.is_relocated(cd));
        let in_moved = self.dirs.moved_dir() == Some(d);
        let relocated_to = match moved {
            Some(cd) if !in_moved => Some(self.dirs.get(cd).map_or(0, |x| x.iso_extent)),
            _ => None,
        };
        RecordSua {
            role: Role::Child {
                name: tree.name(node).as_bytes(),
                node: tree.node_type(node).unwrap_or(NodeType::File),
                relocated_to,
                relocated: moved.is_some() && in_moved,
            },
            px: self.px(node),
            modified,
        }
    }

    /// The system use of directory `d`'s `.` record.
    pub(in crate::build) fn dot(&self, d: u32, modified: [u8; 7]) -> RecordSua<'p> {
        let role = if d == 0 { Role::RootDot } else { Role::Dot };
        RecordSua { role, px: self.dir_px(d), modified }
    }

    /// The system use of directory `d`'s `..` record: its ISO 9660 parent's attributes, and
    /// in a relocated directory its original parent's extent (`PL`).
    pub(in crate::build) fn dotdot(&self, d: u32, modified: [u8; 7]) -> RecordSua<'p> {
        let dir = self.dirs.get(d);
        let iso_parent = dir.map_or(0, |x| x.iso_parent);
        let pl = self.dirs.is_relocated(d).then(|| {
            let parent = dir.map_or(0, |x| x.parent);
            self.dirs.get(parent).map_or(0, |x| x.iso_extent)
        });
        RecordSua { role: Role::DotDot(pl), px: self.dir_px(iso_parent), modified }
    }

    /// The `PX` of the relocation directory.
    pub(in crate::build) fn moved_px(&self) -> Px {
        let (dir, moved) = self.dirs.moved().map_or((0, 0), |m| (m.dir, m.count));
        Px {
            mode: S_IFDIR | DEFAULT_DIR_MODE,
            links: moved.saturating_add(2),
            uid: 0,
            gid: 0,
            serial: dir.saturating_add(1),
        }
    }

    /// The system use of the relocation directory's record in the root: `RE`, so Rock Ridge
    /// readers hide it.
    pub(in crate::build) fn moved_record(&self, modified: [u8; 7]) -> RecordSua<'p> {
        let name = self.dirs.moved().map_or(&b""[..], |m| m.name.as_bytes());
        RecordSua {
            role: Role::Child { name, node: NodeType::Dir, relocated_to: None, relocated: true },
            px: self.moved_px(),
            modified,
        }
    }
}
