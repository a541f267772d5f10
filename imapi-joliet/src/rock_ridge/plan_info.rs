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

use crate::plan::Plan;
use crate::posix::NodeType;
use crate::tree::{Kind, NodeId, Tree};

use super::entries::Px;
use super::record::{mode_of, rationalized, RecordSua, Role};

/// Per content and per directory counts, made once per plan when Rock Ridge is on.
#[derive(Debug, Default)]
pub(crate) struct RrInfo {
    /// Per content: the names it has.
    links: Vec<u32>,
    /// Per directory: its subdirectories.
    subdirs: Vec<u32>,
}

impl RrInfo {
    /// Counts the names of every content and the subdirectories of every directory.
    pub(crate) fn new(tree: &Tree, dirs: usize) -> Self {
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

impl Plan<'_> {
    /// The `PX` of directory `d` (the relocation directory included).
    pub(crate) fn rr_dir_px(&self, d: u32) -> Px {
        if self.moved_dir() == Some(d) {
            return self.moved_px();
        }
        let node = self.dirs.get(d as usize).map_or(self.tree.root(), |x| x.node);
        self.rr_px(node)
    }

    /// The `PX` of a node.
    pub(crate) fn rr_px(&self, node: NodeId) -> Px {
        let tree = self.tree;
        let info = self.rr.as_ref();
        let ty = tree.node_type(node).unwrap_or(NodeType::File);
        let attrs = match self.opts.rationalize {
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
    pub(crate) fn rr_child<'p>(&'p self, d: u32, node: NodeId, modified: [u8; 7]) -> RecordSua<'p> {
        let tree = self.tree;
        let moved = self.dir_index(node).filter(|&cd| self.is_relocated(cd));
        let in_moved = self.moved_dir() == Some(d);
        let relocated_to = match moved {
            Some(cd) if !in_moved => Some(self.dirs.get(cd as usize).map_or(0, |x| x.iso_extent)),
            _ => None,
        };
        RecordSua {
            role: Role::Child {
                name: tree.name(node).as_bytes(),
                node: tree.node_type(node).unwrap_or(NodeType::File),
                relocated_to,
                relocated: moved.is_some() && in_moved,
            },
            px: self.rr_px(node),
            modified,
        }
    }

    /// The system use of directory `d`'s `.` record.
    pub(crate) fn rr_dot(&self, d: u32, modified: [u8; 7]) -> RecordSua<'_> {
        let role = if d == 0 { Role::RootDot } else { Role::Dot };
        RecordSua { role, px: self.rr_dir_px(d), modified }
    }

    /// The system use of directory `d`'s `..` record: its ISO 9660 parent's attributes, and
    /// in a relocated directory its original parent's extent (`PL`).
    pub(crate) fn rr_dotdot(&self, d: u32, modified: [u8; 7]) -> RecordSua<'_> {
        let dir = self.dirs.get(d as usize);
        let iso_parent = dir.map_or(0, |x| x.iso_parent);
        let pl = self.is_relocated(d).then(|| {
            let parent = dir.map_or(0, |x| x.parent);
            self.dirs.get(parent as usize).map_or(0, |x| x.iso_extent)
        });
        RecordSua { role: Role::DotDot(pl), px: self.rr_dir_px(iso_parent), modified }
    }
}
