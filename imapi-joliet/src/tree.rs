//! The tree to build: an arena of directories and files whose contents are [`Source`]s.
//!
//! Nodes live in one vector and are named by [`NodeId`]; a lookup table keyed by (parent,
//! name) makes merging and duplicate checks O(1) whatever the size of a directory. Host files
//! found by [`Tree::add_host`] are recorded by their folder and name, not by a full path, and
//! are read only when the image is written, so memory stays proportional to the number of
//! entries, never to the bytes of data.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::hash::{BuildHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use globset::GlobSet;
use hashbrown::HashTable;

use crate::error::{Error, Warning};
use crate::posix::{PosixAttrs, PosixTable, SpecialKind};
use crate::source::Source;

/// A node of a [`Tree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// Modification time not set: the plan's default date is recorded.
pub(crate) const NO_MTIME: i64 = i64::MIN;

/// One node: 32 bytes. Nodes append their names to the tree's name arena in node order, so a
/// node's name runs from the end of the previous node's name to `name_end`.
pub(crate) struct Node {
    name_end: u32,
    pub(crate) parent: NodeId,
    pub(crate) mtime: i64,
    pub(crate) kind: Kind,
}

const _: () = assert!(std::mem::size_of::<Node>() == 32);
const _: () = assert!(std::mem::size_of::<Content>() == 16);

/// Where node `i`'s name lies in the name arena.
fn name_range(nodes: &[Node], i: usize) -> std::ops::Range<usize> {
    let start = i.checked_sub(1).and_then(|p| nodes.get(p)).map_or(0, |n| n.name_end as usize);
    let end = nodes.get(i).map_or(start, |n| n.name_end as usize);
    start..end.max(start)
}

/// A directory (its index in `Tree::dir_children`) or a file.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Dir(u32),
    File { size: u64, content: u32 },
}

/// Where a file's bytes are. Hard links share one content, hence one extent. 16 bytes: a
/// source is boxed twice so that its wide pointer does not make every content 24 bytes
/// (host files, the many, have none).
pub(crate) enum Content {
    /// A file in a host folder found by a walk: `host_dirs[dir]` joined with the name.
    Host { dir: u32, name: HostName },
    /// Any other source.
    Source(Box<Box<dyn Source>>),
    /// Data already on the disc, in an earlier session, at this block.
    Imported { extent: u32 },
    /// Data at this block from the start of the plan's placed-data area
    /// ([`crate::PlanOptions::placed_area_blocks`]).
    Placed { block: u64 },
    /// A symbolic link to this target: no data (boxed twice, as a source).
    Symlink(Box<Box<str>>),
    /// A device node, FIFO or socket: no data.
    Special { kind: SpecialKind, rdev: u64 },
    /// The El Torito boot catalog, made visible as a file: the plan points it at the catalog's
    /// block, which the metadata holds.
    BootCatalog,
}

impl Content {
    /// Whether this content is a link or a special file, which only Rock Ridge records.
    pub(crate) fn rock_ridge_only(&self) -> bool {
        matches!(self, Self::Symlink(_) | Self::Special { .. })
    }
}

/// The host name of a walked file: that of a node (when it is valid UTF-8) or an odd one.
#[derive(Clone, Copy)]
pub(crate) enum HostName {
    Node(NodeId),
    Odd(u32),
}

/// What to do when a file is added at a path that already holds a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overwrite {
    /// Fail with `IMAPI_E_FILEEXISTS` (IMAPI's `AddData` with `lFileOverwrite = 0`).
    #[default]
    Deny,
    /// The later file replaces the earlier one.
    Replace,
}

/// How [`Tree::add_host`] walks host folders.
#[derive(Debug, Clone, Default)]
pub struct HostOptions {
    /// Follow symbolic links (loops are detected and not followed twice); else skip them with
    /// a warning.
    pub follow_links: bool,
    /// Entries whose name or path below the added folder matches are left out.
    pub exclude: Option<GlobSet>,
    /// What to do with a file that is already in the tree.
    pub overwrite: Overwrite,
    /// Record what Rock Ridge keeps ([`crate::PlanOptions::rock_ridge`]): every entry's
    /// permission bits, owner and group ([`Tree::set_posix`]); symbolic links as links
    /// ([`Tree::add_symlink`]; unless `follow_links`, which still follows them); device
    /// nodes, FIFOs and sockets as such ([`Tree::add_special`]) instead of skipping them.
    /// A folder whose contents [`Tree::add_host`] merges into a directory gives it its
    /// attributes when it has none yet (so the root gets the source folder's). Off by
    /// default: links and special files are then skipped with a warning, and nothing is
    /// recorded or allocated for attributes.
    pub posix: bool,
}

/// A tree of directories and files to put in an image.
pub struct Tree {
    pub(crate) nodes: Vec<Node>,
    names: String,
    dir_children: Vec<Vec<NodeId>>,
    pub(crate) contents: Vec<Content>,
    pub(crate) host_dirs: Vec<PathBuf>,
    pub(crate) odd_names: Vec<OsString>,
    index: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    /// Serial numbers of the open checkpoints, oldest first.
    open_checkpoints: Vec<u64>,
    /// While a checkpoint is open: the old state of every node changed in place.
    journal: Vec<Undo>,
    /// POSIX attributes, allocated when the first one is set.
    pub(crate) posix: PosixTable,
}

/// The state of an existing node before a change in place (a file replaced, a date set).
struct Undo {
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

/// Where the bytes of a file of a [`Tree`] come from (see [`Tree::file_origin`]).
#[derive(Debug)]
pub enum FileOrigin<'a> {
    /// A host file found by [`Tree::add_host`] or [`Tree::add_host_as`]: its full host path.
    Host(PathBuf),
    /// A [`Source`] given to [`Tree::add_file`] or [`Tree::add_file_with`].
    Source(&'a dyn Source),
    /// Data an earlier session holds at this block ([`Tree::add_imported_file`]).
    Imported {
        /// The absolute block of the data.
        extent: u32,
    },
    /// Data in the plan's placed-data area, at this block from its start
    /// ([`Tree::add_placed_file`]).
    Placed {
        /// The block, counted from the start of the placed-data area.
        block: u64,
    },
    /// The El Torito boot catalog the plan writes ([`Tree::add_boot_catalog`]).
    BootCatalog,
}

/// A pre-order walk of a [`Tree`] (see [`Tree::walk`]).
#[derive(Debug)]
pub struct TreeWalk<'t> {
    tree: &'t Tree,
    /// Per directory entered: its children and the next one to give, and the length of the
    /// path of the directory.
    stack: Vec<(&'t [NodeId], usize, usize)>,
    path: String,
}

impl Iterator for TreeWalk<'_> {
    type Item = (NodeId, String);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (children, next, path_len) = self.stack.last_mut()?;
            let Some(&id) = children.get(*next) else {
                self.stack.pop();
                continue;
            };
            *next += 1;
            let path_len = *path_len;
            self.path.truncate(path_len);
            if !self.path.is_empty() {
                self.path.push('/');
            }
            self.path.push_str(self.tree.name(id));
            if self.tree.is_dir(id) {
                let own = self.path.len();
                self.stack.push((self.tree.children(id), 0, own));
            }
            return Some((id, self.path.clone()));
        }
    }
}

impl Default for Tree {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Tree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tree").field("nodes", &self.nodes.len()).finish()
    }
}

fn bad_path(path: &str) -> Error {
    Error::InvalidPath { path: path.to_string() }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= usize::from(u16::MAX)
        && name != "."
        && name != ".."
        && !name.contains(['/', '\0'])
}

fn unix_mtime(meta: &fs::Metadata) -> i64 {
    match meta.modified() {
        Ok(t) => match t.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        },
        Err(_) => NO_MTIME,
    }
}

/// A host name as UTF-8, with `_` for bytes that are not; and whether it was changed.
fn decode_host_name(name: &std::ffi::OsStr) -> (std::borrow::Cow<'_, str>, bool) {
    match name.to_str() {
        Some(s) => (s.into(), false),
        None => {
            let lossy = name.to_string_lossy();
            (lossy.replace('\u{FFFD}', "_").into(), true)
        }
    }
}

#[cfg(unix)]
fn file_identity(meta: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_identity(_meta: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// A host entry's permission bits, owner and group.
#[cfg(unix)]
fn posix_of(meta: &fs::Metadata) -> Option<PosixAttrs> {
    use std::os::unix::fs::MetadataExt;
    Some(PosixAttrs {
        mode: meta.mode() & crate::posix::PERMISSION_BITS,
        uid: meta.uid(),
        gid: meta.gid(),
    })
}

#[cfg(not(unix))]
fn posix_of(_meta: &fs::Metadata) -> Option<PosixAttrs> {
    None
}

/// The kind and device number of a host device node, FIFO or socket.
#[cfg(unix)]
fn special_of(meta: &fs::Metadata) -> Option<(SpecialKind, u64)> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let ft = meta.file_type();
    let kind = if ft.is_char_device() {
        SpecialKind::CharDevice
    } else if ft.is_block_device() {
        SpecialKind::BlockDevice
    } else if ft.is_fifo() {
        SpecialKind::Fifo
    } else if ft.is_socket() {
        SpecialKind::Socket
    } else {
        return None;
    };
    Some((kind, meta.rdev()))
}

#[cfg(not(unix))]
fn special_of(_meta: &fs::Metadata) -> Option<(SpecialKind, u64)> {
    None
}

#[cfg(unix)]
fn is_hard_linked(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.nlink() > 1
}

#[cfg(not(unix))]
fn is_hard_linked(_meta: &fs::Metadata) -> bool {
    false
}

/// State of one [`Tree::add_host`] call.
struct Walk<'o> {
    opts: &'o HostOptions,
    warnings: Vec<Warning>,
    /// Every folder entered: its identity and the index of its parent folder here, so a link
    /// can be checked against its own ancestors (a loop) and no others.
    chain: Vec<(Option<(u64, u64)>, usize)>,
    hard_links: HashMap<(u64, u64), u32>,
}

impl Tree {
    /// An empty tree: a root directory alone.
    pub fn new() -> Self {
        let root = Node { name_end: 0, parent: NodeId(0), mtime: NO_MTIME, kind: Kind::Dir(0) };
        Self {
            nodes: vec![root],
            names: String::new(),
            dir_children: vec![Vec::new()],
            contents: Vec::new(),
            host_dirs: Vec::new(),
            odd_names: Vec::new(),
            index: HashTable::new(),
            hasher: hashbrown::DefaultHashBuilder::default(),
            open_checkpoints: Vec::new(),
            journal: Vec::new(),
            posix: PosixTable::default(),
        }
    }

    /// The root directory.
    pub fn root(&self) -> NodeId {
        NodeId(0)
    }

    /// Number of nodes, the root included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when the tree holds nothing but its root.
    pub fn is_empty(&self) -> bool {
        self.nodes.len() == 1
    }

    pub(crate) fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// The node's name (empty for the root).
    pub fn name(&self, id: NodeId) -> &str {
        self.names.get(name_range(&self.nodes, id.index())).unwrap_or("")
    }

    /// The node's parent (the root is its own parent).
    pub fn parent(&self, id: NodeId) -> NodeId {
        self.node(id).parent
    }

    /// True for a directory.
    pub fn is_dir(&self, id: NodeId) -> bool {
        matches!(self.node(id).kind, Kind::Dir(_))
    }

    /// A directory's children in insertion order (empty for a file).
    pub fn children(&self, id: NodeId) -> &[NodeId] {
        match self.node(id).kind {
            Kind::Dir(d) => self.dir_children.get(d as usize).map(Vec::as_slice).unwrap_or(&[]),
            Kind::File { .. } => &[],
        }
    }

    /// A file's size in bytes as recorded when it was added (0 for a directory).
    pub fn file_size(&self, id: NodeId) -> u64 {
        match self.node(id).kind {
            Kind::File { size, .. } => size,
            Kind::Dir(_) => 0,
        }
    }

    /// The node's path from the root, with a leading `/` (`/` for the root).
    pub fn path(&self, id: NodeId) -> String {
        let mut parts = Vec::new();
        let mut cur = id;
        while cur != self.root() {
            parts.push(self.name(cur));
            cur = self.parent(cur);
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    }

    /// Sets the modification time (seconds since 1970 UTC) recorded for a node.
    pub fn set_mtime(&mut self, id: NodeId, unix_secs: i64) {
        self.remember(id);
        self.nodes[id.index()].mtime = unix_secs;
    }

    /// The modification time (seconds since 1970 UTC) recorded for a node, `None` when none
    /// was set (the plan then records its default date).
    pub fn mtime(&self, id: NodeId) -> Option<i64> {
        let mtime = self.nodes.get(id.index())?.mtime;
        (mtime != NO_MTIME).then_some(mtime)
    }

    /// Where a file's bytes come from; `None` for a directory, a symbolic link, a special file
    /// ([`Tree::node_type`]) or an unknown node.
    pub fn file_origin(&self, id: NodeId) -> Option<FileOrigin<'_>> {
        let content = self.content_key(id)?;
        Some(match self.contents.get(content as usize)? {
            Content::Host { dir, name } => FileOrigin::Host(self.host_path(*dir, *name)),
            Content::Source(source) => FileOrigin::Source(&***source),
            Content::Imported { extent } => FileOrigin::Imported { extent: *extent },
            Content::Placed { block } => FileOrigin::Placed { block: *block },
            Content::BootCatalog => FileOrigin::BootCatalog,
            Content::Symlink(_) | Content::Special { .. } => return None,
        })
    }

    /// A key naming a file's content; `None` for a directory. Names that share one content
    /// (hard links found by one host walk) have the same key, and are recorded with one
    /// extent.
    pub fn content_key(&self, id: NodeId) -> Option<u32> {
        match self.nodes.get(id.index())?.kind {
            Kind::File { content, .. } => Some(content),
            Kind::Dir(_) => None,
        }
    }

    /// Every node but the root, in pre-order (a directory just before its contents, the
    /// children of a directory in the order they were added), each with its path from the
    /// root: names joined by `/`, without a leading `/`.
    pub fn walk(&self) -> TreeWalk<'_> {
        TreeWalk {
            tree: self,
            stack: vec![(self.children(self.root()), 0, 0)],
            path: String::new(),
        }
    }

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

    fn close_checkpoint(&mut self, cp: &Checkpoint) {
        if let Some(at) = self.open_checkpoints.iter().position(|&s| s == cp.serial) {
            self.open_checkpoints.truncate(at);
            if self.open_checkpoints.is_empty() {
                self.journal.clear();
                self.posix.clear_journal();
            }
        }
    }

    /// Whether a checkpoint is open (changes in place are then journaled).
    pub(crate) fn checkpoint_open(&self) -> bool {
        !self.open_checkpoints.is_empty()
    }

    /// Journals the state of node `id` before a change in place, while a checkpoint is open.
    fn remember(&mut self, id: NodeId) {
        if self.open_checkpoints.is_empty() {
            return;
        }
        if let Some(node) = self.nodes.get(id.index()) {
            self.journal.push(Undo { id, kind: node.kind, mtime: node.mtime });
        }
    }

    fn hash_key(&self, parent: NodeId, name: &str) -> u64 {
        let mut h = self.hasher.build_hasher();
        parent.0.hash(&mut h);
        name.hash(&mut h);
        h.finish()
    }

    /// The child of `parent` called `name`.
    pub fn child(&self, parent: NodeId, name: &str) -> Option<NodeId> {
        let hash = self.hash_key(parent, name);
        self.index
            .find(hash, |&i| {
                self.nodes[i as usize].parent == parent && self.name(NodeId(i)) == name
            })
            .map(|&i| NodeId(i))
    }

    /// The node at an image path such as `/dir/file.txt` (`/` or empty for the root).
    pub fn lookup(&self, path: &str) -> Option<NodeId> {
        let mut cur = self.root();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            cur = self.child(cur, part)?;
        }
        Some(cur)
    }

    /// Appends a node; `name` was checked by `valid_name` (so it fits a u16 length).
    fn push_node(
        &mut self,
        parent: NodeId,
        name: &str,
        is_dir: bool,
        size: u64,
        content: u32,
    ) -> NodeId {
        let id = NodeId(u32::try_from(self.nodes.len()).unwrap_or(u32::MAX));
        let hash = self.hash_key(parent, name);
        let kind = if is_dir {
            self.dir_children.push(Vec::new());
            Kind::Dir(u32::try_from(self.dir_children.len() - 1).unwrap_or(u32::MAX))
        } else {
            Kind::File { size, content }
        };
        self.names.push_str(name);
        self.nodes.push(Node {
            name_end: u32::try_from(self.names.len()).unwrap_or(u32::MAX),
            parent,
            mtime: NO_MTIME,
            kind,
        });
        let (nodes, names, hasher) = (&self.nodes, &self.names, &self.hasher);
        self.index.insert_unique(hash, id.0, |&i| {
            let mut h = hasher.build_hasher();
            nodes[i as usize].parent.0.hash(&mut h);
            names.get(name_range(nodes, i as usize)).unwrap_or("").hash(&mut h);
            h.finish()
        });
        if let Kind::Dir(d) = self.nodes[parent.index()].kind {
            if let Some(children) = self.dir_children.get_mut(d as usize) {
                children.push(id);
            }
        }
        id
    }

    fn check_parent(&self, parent: NodeId) -> Result<(), Error> {
        if self.is_dir(parent) {
            Ok(())
        } else {
            Err(Error::NotADirectory { path: self.path(parent) })
        }
    }

    fn child_path(&self, parent: NodeId, name: &str) -> String {
        let p = self.path(parent);
        if p == "/" {
            format!("/{name}")
        } else {
            format!("{p}/{name}")
        }
    }

    /// The directory `name` in `parent`, created if missing (directories merge).
    pub fn add_dir(&mut self, parent: NodeId, name: &str) -> Result<NodeId, Error> {
        self.check_parent(parent)?;
        if !valid_name(name) {
            return Err(bad_path(&self.child_path(parent, name)));
        }
        match self.child(parent, name) {
            Some(id) if self.is_dir(id) => Ok(id),
            Some(_) => Err(Error::FileExists { path: self.child_path(parent, name) }),
            None => Ok(self.push_node(parent, name, true, 0, 0)),
        }
    }

    /// Every directory of `path` (`a/b/c`), created where missing; returns the last.
    pub fn add_dirs(&mut self, path: &str) -> Result<NodeId, Error> {
        let mut cur = self.root();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            cur = self.add_dir(cur, part)?;
        }
        Ok(cur)
    }

    pub(crate) fn add_file_content(
        &mut self,
        parent: NodeId,
        name: &str,
        size: u64,
        content: Content,
        overwrite: Overwrite,
    ) -> Result<NodeId, Error> {
        self.check_parent(parent)?;
        if !valid_name(name) {
            return Err(bad_path(&self.child_path(parent, name)));
        }
        let index = u32::try_from(self.contents.len()).unwrap_or(u32::MAX);
        let id = self.add_file_shared(parent, name, size, index, overwrite)?;
        self.contents.push(content);
        Ok(id)
    }

    fn add_file_shared(
        &mut self,
        parent: NodeId,
        name: &str,
        size: u64,
        content: u32,
        overwrite: Overwrite,
    ) -> Result<NodeId, Error> {
        match self.child(parent, name) {
            Some(id) if self.is_dir(id) => {
                Err(Error::FileExists { path: self.child_path(parent, name) })
            }
            Some(id) => match overwrite {
                Overwrite::Deny => Err(Error::FileExists { path: self.child_path(parent, name) }),
                Overwrite::Replace => {
                    self.remember(id);
                    let node = &mut self.nodes[id.index()];
                    node.kind = Kind::File { size, content };
                    node.mtime = NO_MTIME;
                    Ok(id)
                }
            },
            None => Ok(self.push_node(parent, name, false, size, content)),
        }
    }

    /// Adds a file with content from `source` (its size is taken now); a file already there is
    /// `IMAPI_E_FILEEXISTS`.
    pub fn add_file(
        &mut self,
        parent: NodeId,
        name: &str,
        source: impl Source + 'static,
    ) -> Result<NodeId, Error> {
        self.add_file_with(parent, name, Box::new(source), Overwrite::Deny)
    }

    /// Adds a file with content from a boxed `source`, replacing a file already there only
    /// with [`Overwrite::Replace`].
    pub fn add_file_with(
        &mut self,
        parent: NodeId,
        name: &str,
        source: Box<dyn Source>,
        overwrite: Overwrite,
    ) -> Result<NodeId, Error> {
        let size = source.len().map_err(|e| Error::SourceRead {
            path: self.child_path(parent, name),
            source_name: source.describe(),
            source: e,
        })?;
        self.add_file_content(parent, name, size, Content::Source(Box::new(source)), overwrite)
    }

    /// Adds a file whose data an earlier session already holds at block `extent`: the plan
    /// points at it and the emit pass writes none of its bytes.
    pub fn add_imported_file(
        &mut self,
        parent: NodeId,
        name: &str,
        extent: u32,
        size: u64,
    ) -> Result<NodeId, Error> {
        self.add_file_content(parent, name, size, Content::Imported { extent }, Overwrite::Replace)
    }

    /// Adds a file whose `size` bytes lie at block `block` (of 2048 bytes) from the start of
    /// the plan's placed-data area ([`crate::PlanOptions::placed_area_blocks`]): data captured
    /// before planning, which the disc carries right after the metadata
    /// ([`crate::Plan::emit_metadata`]). A file already there is replaced only with
    /// [`Overwrite::Replace`]; its data stays in the area, unnamed.
    pub fn add_placed_file(
        &mut self,
        parent: NodeId,
        name: &str,
        block: u64,
        size: u64,
        overwrite: Overwrite,
    ) -> Result<NodeId, Error> {
        self.add_file_content(parent, name, size, Content::Placed { block }, overwrite)
    }

    /// Adds `name` in `parent` as the El Torito boot catalog, a file of one block (2048
    /// bytes) at the catalog the plan writes, as `mkisofs -c` shows it; a bootable image
    /// hides its catalog otherwise. Planning a tree holding one without
    /// [`crate::PlanOptions::boot`] is [`crate::boot::BootError::CatalogWithoutBoot`]. A file
    /// already there is replaced only with [`Overwrite::Replace`].
    ///
    /// ```
    /// use imapi_joliet::{BootEntry, BootOptions, BytesSource, Overwrite, PlanOptions, Tree};
    /// use imapi_joliet::read::Image;
    ///
    /// let mut tree = Tree::new();
    /// let root = tree.root();
    /// let boot = tree.add_file(root, "boot.img", BytesSource::new(vec![0xEB; 2048]))?;
    /// tree.add_boot_catalog(root, "boot.cat", Overwrite::Deny)?;
    /// let boot = BootOptions { entries: vec![BootEntry::new(boot)], ..Default::default() };
    /// let plan = tree.plan(&PlanOptions { boot: Some(boot), ..Default::default() })?;
    /// let mut iso = Vec::new();
    /// plan.emit(&mut iso)?;
    /// let image = Image::parse(&iso)?;
    /// let catalog = image.boot_catalog()?.expect("a bootable image");
    /// assert_eq!(image.read_path("/boot.cat")?, catalog.to_bytes().unwrap());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_boot_catalog(
        &mut self,
        parent: NodeId,
        name: &str,
        overwrite: Overwrite,
    ) -> Result<NodeId, Error> {
        let size = crate::format::eltorito::CATALOG_LEN as u64;
        self.add_file_content(parent, name, size, Content::BootCatalog, overwrite)
    }

    /// Adds `name` in `parent` as a hard link to the regular file `target`: both names share
    /// one content, recorded with one extent, and Rock Ridge counts the links in `PX`. A
    /// file already there is replaced only with [`Overwrite::Replace`]; a `target` that is
    /// not a regular file of this tree (a directory, a symbolic link, a special file) is
    /// [`Error::InvalidPath`].
    pub fn add_hard_link(
        &mut self,
        parent: NodeId,
        name: &str,
        target: NodeId,
        overwrite: Overwrite,
    ) -> Result<NodeId, Error> {
        self.check_parent(parent)?;
        let content = match self.nodes.get(target.index()).map(|n| n.kind) {
            Some(Kind::File { content, .. })
                if matches!(self.node_type(target), Some(crate::posix::NodeType::File)) =>
            {
                content
            }
            _ => return Err(bad_path(&self.child_path(parent, name))),
        };
        if !valid_name(name) {
            return Err(bad_path(&self.child_path(parent, name)));
        }
        let size = self.file_size(target);
        self.add_file_shared(parent, name, size, content, overwrite)
    }

    /// Adds a host file or folder under `parent`. A folder adds its *contents* to `parent`
    /// (merged with what is there), as IMAPI's `AddData` does; a file is added under its own
    /// name. Returns the warnings of the walk (links skipped, names changed).
    pub fn add_host(
        &mut self,
        parent: NodeId,
        host: &Path,
        opts: &HostOptions,
    ) -> Result<Vec<Warning>, Error> {
        let meta = self.host_meta(host, opts.follow_links)?;
        if meta.is_dir() {
            let mut walk = Walk::new(opts);
            // The folder whose contents merge into `parent` gives it its attributes and time
            // when it has none yet (the root of a Rock Ridge image shows the source folder's,
            // as xorriso's does).
            if opts.posix && self.posix(parent).is_none() {
                self.record_posix(parent, &meta);
                if self.mtime(parent).is_none() {
                    self.set_mtime(parent, unix_mtime(&meta));
                }
            }
            self.walk_dir(parent, host, &meta, &mut walk)?;
            return Ok(walk.warnings);
        }
        let name = host.file_name().ok_or_else(|| bad_path(&host.display().to_string()))?;
        let (name, changed) = decode_host_name(name);
        let mut walk = Walk::new(opts);
        if changed {
            walk.warnings
                .push(Warning::NonUtf8Name { path: host.to_path_buf(), name: name.to_string() });
        }
        self.add_host_entry(parent, &name, host, &meta, &mut walk)?;
        Ok(walk.warnings)
    }

    /// Adds a host file or folder at `name` in `parent` (a graft point): a folder becomes the
    /// directory `name` holding its contents, a file the file `name`.
    pub fn add_host_as(
        &mut self,
        parent: NodeId,
        name: &str,
        host: &Path,
        opts: &HostOptions,
    ) -> Result<Vec<Warning>, Error> {
        let meta = self.host_meta(host, opts.follow_links)?;
        let mut walk = Walk::new(opts);
        self.add_host_entry(parent, name, host, &meta, &mut walk)?;
        Ok(walk.warnings)
    }

    fn host_meta(&self, host: &Path, follow: bool) -> Result<fs::Metadata, Error> {
        let meta = if follow { fs::metadata(host) } else { fs::symlink_metadata(host) };
        let meta = meta.map_err(|e| Error::Host { path: host.to_path_buf(), source: e })?;
        if meta.file_type().is_symlink() {
            // A link named on the command line is followed, as tar and mkisofs do.
            return fs::metadata(host)
                .map_err(|e| Error::Host { path: host.to_path_buf(), source: e });
        }
        Ok(meta)
    }

    fn add_host_entry(
        &mut self,
        parent: NodeId,
        name: &str,
        host: &Path,
        meta: &fs::Metadata,
        walk: &mut Walk<'_>,
    ) -> Result<(), Error> {
        if meta.is_dir() {
            let dir = self.add_dir(parent, name)?;
            self.set_mtime(dir, unix_mtime(meta));
            if walk.opts.posix {
                self.record_posix(dir, meta);
            }
            self.walk_dir(dir, host, meta, walk)
        } else if meta.is_file() {
            let host_dir = host.parent().unwrap_or(Path::new("")).to_path_buf();
            let file_name = host.file_name().map(|n| n.to_os_string()).unwrap_or_default();
            let dir = self.push_host_dir(host_dir);
            let odd = self.push_odd_name(file_name);
            self.add_host_file(parent, name, meta, dir, HostName::Odd(odd), walk)?;
            Ok(())
        } else if let Some((kind, rdev)) = special_of(meta).filter(|_| walk.opts.posix) {
            self.add_host_special(parent, name, meta, kind, rdev, walk)?;
            Ok(())
        } else {
            walk.warnings.push(Warning::SpecialFileSkipped { path: host.to_path_buf() });
            Ok(())
        }
    }

    fn push_host_dir(&mut self, path: PathBuf) -> u32 {
        self.host_dirs.push(path);
        u32::try_from(self.host_dirs.len() - 1).unwrap_or(u32::MAX)
    }

    fn push_odd_name(&mut self, name: OsString) -> u32 {
        self.odd_names.push(name);
        u32::try_from(self.odd_names.len() - 1).unwrap_or(u32::MAX)
    }

    fn add_host_file(
        &mut self,
        parent: NodeId,
        name: &str,
        meta: &fs::Metadata,
        dir: u32,
        host_name: HostName,
        walk: &mut Walk<'_>,
    ) -> Result<NodeId, Error> {
        let size = meta.len();
        let linked = is_hard_linked(meta).then(|| file_identity(meta)).flatten();
        let id = match linked.and_then(|k| walk.hard_links.get(&k).copied()) {
            Some(content) => {
                self.add_file_shared(parent, name, size, content, walk.opts.overwrite)?
            }
            None => {
                let content = u32::try_from(self.contents.len()).unwrap_or(u32::MAX);
                let id = self.add_file_shared(parent, name, size, content, walk.opts.overwrite)?;
                let host_name = match host_name {
                    HostName::Node(_) => HostName::Node(id),
                    odd => odd,
                };
                self.contents.push(Content::Host { dir, name: host_name });
                if let Some(k) = linked {
                    walk.hard_links.insert(k, content);
                }
                id
            }
        };
        self.set_mtime(id, unix_mtime(meta));
        if walk.opts.posix {
            self.record_posix(id, meta);
        }
        Ok(id)
    }

    /// Records the host entry's permission bits, owner and group for node `id`.
    fn record_posix(&mut self, id: NodeId, meta: &fs::Metadata) {
        if let Some(attrs) = posix_of(meta) {
            self.set_posix(id, attrs);
        }
    }

    fn add_host_special(
        &mut self,
        parent: NodeId,
        name: &str,
        meta: &fs::Metadata,
        kind: SpecialKind,
        rdev: u64,
        walk: &mut Walk<'_>,
    ) -> Result<NodeId, Error> {
        let id = self.add_special(parent, name, kind, rdev, walk.opts.overwrite)?;
        self.set_mtime(id, unix_mtime(meta));
        self.record_posix(id, meta);
        Ok(id)
    }

    /// Adds the host link at `host_path` as a link (Rock Ridge), with its own attributes.
    fn add_host_symlink(
        &mut self,
        parent: NodeId,
        name: &str,
        host_path: &Path,
        meta: &fs::Metadata,
        walk: &mut Walk<'_>,
    ) -> Result<(), Error> {
        let target = fs::read_link(host_path)
            .map_err(|e| Error::Host { path: host_path.to_path_buf(), source: e })?;
        let (target, changed) = decode_host_name(target.as_os_str());
        if changed {
            walk.warnings.push(Warning::NonUtf8Name {
                path: host_path.to_path_buf(),
                name: target.to_string(),
            });
        }
        if target.is_empty() {
            walk.warnings.push(Warning::SymlinkBroken { path: host_path.to_path_buf() });
            return Ok(());
        }
        let id = self.add_symlink(parent, name, &target, walk.opts.overwrite)?;
        self.set_mtime(id, unix_mtime(meta));
        self.record_posix(id, meta);
        Ok(())
    }

    /// Adds the contents of host folder `host` into directory `into`, depth first with an
    /// explicit stack.
    fn walk_dir(
        &mut self,
        into: NodeId,
        host: &Path,
        meta: &fs::Metadata,
        walk: &mut Walk<'_>,
    ) -> Result<(), Error> {
        walk.chain.push((file_identity(meta), usize::MAX));
        let mut stack: Vec<(NodeId, PathBuf, PathBuf, usize)> =
            vec![(into, host.to_path_buf(), PathBuf::new(), walk.chain.len() - 1)];
        while let Some((dir_node, dir_path, rel, link)) = stack.pop() {
            let reader = fs::read_dir(&dir_path)
                .map_err(|e| Error::Host { path: dir_path.clone(), source: e })?;
            let mut entries = Vec::new();
            for entry in reader {
                let entry = entry.map_err(|e| Error::Host { path: dir_path.clone(), source: e })?;
                entries.push((entry.file_name(), entry));
            }
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let host_dir = self.push_host_dir(dir_path.clone());
            for (os_name, entry) in entries {
                // The path below the added folder matters only to exclusion patterns.
                let rel_path = match &walk.opts.exclude {
                    Some(ex) => {
                        let rel_path = rel.join(&os_name);
                        if ex.is_match(&os_name) || ex.is_match(&rel_path) {
                            continue;
                        }
                        rel_path
                    }
                    None => PathBuf::new(),
                };
                let host_path = || dir_path.join(&os_name);
                let (name, changed) = decode_host_name(&os_name);
                if changed {
                    walk.warnings
                        .push(Warning::NonUtf8Name { path: host_path(), name: name.to_string() });
                }
                let mut meta =
                    entry.metadata().map_err(|e| Error::Host { path: host_path(), source: e })?;
                let is_link = meta.file_type().is_symlink();
                if is_link {
                    if !walk.opts.follow_links && walk.opts.posix {
                        self.add_host_symlink(dir_node, &name, &host_path(), &meta, walk)?;
                        continue;
                    }
                    if !walk.opts.follow_links {
                        walk.warnings.push(Warning::SymlinkSkipped { path: host_path() });
                        continue;
                    }
                    meta = match fs::metadata(host_path()) {
                        Ok(m) => m,
                        Err(e) if e.raw_os_error() == Some(LOOP_ERRNO) => {
                            walk.warnings.push(Warning::SymlinkLoop { path: host_path() });
                            continue;
                        }
                        Err(_) => {
                            walk.warnings.push(Warning::SymlinkBroken { path: host_path() });
                            continue;
                        }
                    };
                }
                if meta.is_dir() {
                    let key = file_identity(&meta);
                    if is_link && key.is_some() && walk.is_ancestor(link, key) {
                        walk.warnings.push(Warning::SymlinkLoop { path: host_path() });
                        continue;
                    }
                    let child = self.add_dir(dir_node, &name)?;
                    self.set_mtime(child, unix_mtime(&meta));
                    if walk.opts.posix {
                        self.record_posix(child, &meta);
                    }
                    walk.chain.push((key, link));
                    stack.push((child, host_path(), rel_path, walk.chain.len() - 1));
                } else if meta.is_file() {
                    let host_name = if changed {
                        HostName::Odd(self.push_odd_name(os_name.clone()))
                    } else {
                        HostName::Node(NodeId(0))
                    };
                    self.add_host_file(dir_node, &name, &meta, host_dir, host_name, walk)?;
                } else if let Some((kind, rdev)) = special_of(&meta).filter(|_| walk.opts.posix) {
                    self.add_host_special(dir_node, &name, &meta, kind, rdev, walk)?;
                } else {
                    walk.warnings.push(Warning::SpecialFileSkipped { path: host_path() });
                }
            }
        }
        Ok(())
    }

    /// The host path of a walked file's content.
    pub(crate) fn host_path(&self, dir: u32, name: HostName) -> PathBuf {
        let base = self.host_dirs.get(dir as usize).map(PathBuf::as_path).unwrap_or(Path::new(""));
        match name {
            HostName::Node(id) => base.join(self.name(id)),
            HostName::Odd(i) => base
                .join(self.odd_names.get(i as usize).map(OsString::as_os_str).unwrap_or_default()),
        }
    }
}

/// The errno of a path that resolves through too many links (ELOOP).
#[cfg(unix)]
const LOOP_ERRNO: i32 = rustix::io::Errno::LOOP.raw_os_error();
/// Without ELOOP, a loop the kernel refuses shows as a broken link.
#[cfg(not(unix))]
const LOOP_ERRNO: i32 = i32::MIN;

impl<'o> Walk<'o> {
    /// Whether the folder `key` is the folder at `at` in the chain or one of its ancestors.
    fn is_ancestor(&self, mut at: usize, key: Option<(u64, u64)>) -> bool {
        while let Some(&(k, parent)) = self.chain.get(at) {
            if k == key {
                return true;
            }
            at = parent;
        }
        false
    }

    fn new(opts: &'o HostOptions) -> Self {
        Self { opts, warnings: Vec::new(), chain: Vec::new(), hard_links: HashMap::new() }
    }
}

/// Seconds since 1970 UTC of a system time (negative before).
pub fn system_time_to_unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}
