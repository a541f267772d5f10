//! Checkpoints of a [`Tree`]: changes recorded so that they can be undone all or nothing.

use super::{Kind, NodeId, Tree};

/// The state of an existing node before a change in place (a file replaced, a date set).
pub(super) struct Undo {
    id: NodeId,
    kind: Kind,
    mtime: i64,
}

/// A point a [`Tree`] can go back to ([`Tree::rollback`]) or stop recording for
/// ([`Tree::commit`]); made by [`Tree::checkpoint`].
///
/// It holds the lengths of the tree's arenas when it was made; what changed in place since
/// is journaled by the tree, so going back costs time in proportion to the changes made
/// after the checkpoint, not to the size of the tree.
#[derive(Debug)]
#[must_use = "a checkpoint records changes until it is rolled back or committed"]
pub struct Checkpoint {
    serial: u64,
    nodes: usize,
    names: usize,
    dir_children: usize,
    contents: usize,
    host_dirs: usize,
    odd_names: usize,
    journal: usize,
    posix_journal: usize,
}

/// Serial numbers of checkpoints, unique in the process, so a checkpoint of one tree is never
/// taken for one of another.
static CHECKPOINT_SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Tree {
    /// Starts recording changes, so that [`Tree::rollback`] can undo everything done from
    /// now on (nodes added, files replaced, dates set, host folders and names recorded), or
    /// [`Tree::commit`] keep it. Meant for one change at a time, as IMAPI's all-or-nothing
    /// `AddData`; checkpoints may nest, and are then ended last first (ending one ends those
    /// made after it).
    pub fn checkpoint(&mut self) -> Checkpoint {
        let serial = CHECKPOINT_SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.open_checkpoints.push(serial);
        Checkpoint {
            serial,
            nodes: self.nodes.len(),
            names: self.names.len(),
            dir_children: self.dir_children.len(),
            contents: self.contents.len(),
            host_dirs: self.host_dirs.len(),
            odd_names: self.odd_names.len(),
            journal: self.journal.len(),
            posix_journal: self.posix.mark(),
        }
    }

    /// Keeps every change made since `cp` and stops recording for it. A checkpoint that is
    /// not open on this tree (of another tree, or already ended) is ignored.
    pub fn commit(&mut self, cp: Checkpoint) {
        self.close_checkpoint(&cp);
    }

    /// Undoes every change made since `cp`: the tree is again exactly as it was when `cp` was
    /// made. Costs time in proportion to the changes undone. A checkpoint that is not open on
    /// this tree (of another tree, or already ended) is ignored.
    pub fn rollback(&mut self, cp: Checkpoint) {
        if !self.open_checkpoints.contains(&cp.serial) {
            return;
        }
        // Changes in place, newest first, so the oldest state of each node wins.
        while self.journal.len() > cp.journal {
            let Some(undo) = self.journal.pop() else { break };
            if let Some(node) = self.nodes.get_mut(undo.id.index()) {
                node.kind = undo.kind;
                node.mtime = undo.mtime;
            }
        }
        // Nodes added, newest first: each is then the last child of its parent.
        while self.nodes.len() > cp.nodes.max(1) {
            let id = NodeId(u32::try_from(self.nodes.len() - 1).unwrap_or(u32::MAX));
            let parent = self.nodes[id.index()].parent;
            let hash = self.hash_key(parent, self.name(id));
            if let Ok(entry) = self.index.find_entry(hash, |&i| i == id.0) {
                entry.remove();
            }
            if let Kind::Dir(d) = self.nodes[parent.index()].kind {
                if let Some(children) = self.dir_children.get_mut(d as usize) {
                    if children.last() == Some(&id) {
                        children.pop();
                    }
                }
            }
            self.nodes.pop();
        }
        self.names.truncate(cp.names);
        self.dir_children.truncate(cp.dir_children.max(1));
        self.contents.truncate(cp.contents);
        self.host_dirs.truncate(cp.host_dirs);
        self.odd_names.truncate(cp.odd_names);
        self.posix.rollback(cp.posix_journal, self.nodes.len());
        self.close_checkpoint(&cp);
    }

    pub(super) fn close_checkpoint(&mut self, cp: &Checkpoint) {
        if let Some(at) = self.open_checkpoints.iter().position(|&s| s == cp.serial) {
            self.open_checkpoints.truncate(at);
            if self.open_checkpoints.is_empty() {
                self.journal.clear();
                self.posix.clear_journal();
            }
        }
    }

    /// Whether a checkpoint is open (changes in place are then journaled).
    pub(in crate::build) fn checkpoint_open(&self) -> bool {
        !self.open_checkpoints.is_empty()
    }

    /// Journals the state of node `id` before a change in place, while a checkpoint is open.
    pub(super) fn remember(&mut self, id: NodeId) {
        if self.open_checkpoints.is_empty() {
            return;
        }
        if let Some(node) = self.nodes.get(id.index()) {
            self.journal.push(Undo { id, kind: node.kind, mtime: node.mtime });
        }
    }
}
