//! The tree to build: an arena of directories and files whose contents are [`Source`]s.
//!
//! Nodes live in one vector and are named by [`NodeId`]; a lookup table keyed by (parent,
//! name) makes merging and duplicate checks O(1) whatever the size of a directory. Host files
//! found by [`Tree::add_host`] are recorded by their folder and name, not by a full path, and
//! are read only when the image is written, so memory stays proportional to the number of
//! entries, never to the bytes of data.
//!
//! The tree's methods live in this module and its children: `host` (walking host folders),
//! `checkpoint` (undoing changes all or nothing), [`posix`] (attributes, links and special
//! files for Rock Ridge) and `import` (a session carried over from an image); `node` holds
//! [`NodeId`] alone, so that what only names a node need not depend on the tree.

use std::ffi::OsString;
use std::hash::{BuildHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use globset::GlobSet;
use hashbrown::HashTable;

use crate::build::error::Error;
use crate::build::source::Source;
use checkpoint::Undo;
use posix::{PosixTable, SpecialKind};

mod checkpoint;
mod host;
mod import;
pub(in crate::build) mod node;
pub mod posix;

pub use checkpoint::Checkpoint;
pub use node::NodeId;

/// Modification time not set: the plan's default date is recorded.
pub(in crate::build) const NO_MTIME: i64 = i64::MIN;

/// One node: 32 bytes. Nodes append their names to the tree's name arena in node order, so a
/// node's name runs from the end of the previous node's name to `name_end`.
pub(in crate::build) struct Node {
    name_end: u32,
    pub(in crate::build) parent: NodeId,
    pub(in crate::build) mtime: i64,
    pub(in crate::build) kind: Kind,
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
pub(in crate::build) enum Kind {
    Dir(u32),
    File { size: u64, content: u32 },
}

/// Where a file's bytes are. Hard links share one content, hence one extent. 16 bytes: a
/// source is boxed twice so that its wide pointer does not make every content 24 bytes
/// (host files, the many, have none).
pub(in crate::build) enum Content {
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
    pub(in crate::build) fn rock_ridge_only(&self) -> bool {
        matches!(self, Self::Symlink(_) | Self::Special { .. })
    }
}

/// The host name of a walked file: that of a node (when it is valid UTF-8) or an odd one.
#[derive(Clone, Copy)]
pub(in crate::build) enum HostName {
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
    pub(in crate::build) nodes: Vec<Node>,
    names: String,
    dir_children: Vec<Vec<NodeId>>,
    pub(in crate::build) contents: Vec<Content>,
    pub(in crate::build) host_dirs: Vec<PathBuf>,
    pub(in crate::build) odd_names: Vec<OsString>,
    index: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    /// Serial numbers of the open checkpoints, oldest first.
    open_checkpoints: Vec<u64>,
    /// While a checkpoint is open: the old state of every node changed in place.
    journal: Vec<Undo>,
    /// POSIX attributes, allocated when the first one is set.
    pub(in crate::build) posix: PosixTable,
}

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

    /// The directory index of a directory node (`Kind::Dir(d)`); `None` for a file.
    pub(in crate::build) fn dir_index(&self, id: NodeId) -> Option<u32> {
        match self.node(id).kind {
            Kind::Dir(d) => Some(d),
            Kind::File { .. } => None,
        }
    }

    /// Whether the tree holds links or special files, which only Rock Ridge records.
    pub(in crate::build) fn has_rock_ridge_only_nodes(&self) -> bool {
        self.contents.iter().any(Content::rock_ridge_only)
    }

    pub(in crate::build) fn node(&self, id: NodeId) -> &Node {
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

    pub(in crate::build) fn add_file_content(
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
    /// [`crate::PlanOptions::boot`] is [`crate::eltorito::BootError::CatalogWithoutBoot`]. A
    /// file already there is replaced only with [`Overwrite::Replace`].
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
                if matches!(
                    self.node_type(target),
                    Some(crate::build::tree::posix::NodeType::File)
                ) =>
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

    /// The host path of a walked file's content.
    pub(in crate::build) fn host_path(&self, dir: u32, name: HostName) -> PathBuf {
        let base = self.host_dirs.get(dir as usize).map(PathBuf::as_path).unwrap_or(Path::new(""));
        match name {
            HostName::Node(id) => base.join(self.name(id)),
            HostName::Odd(i) => base
                .join(self.odd_names.get(i as usize).map(OsString::as_os_str).unwrap_or_default()),
        }
    }
}

/// Seconds since 1970 UTC of a system time (negative before).
pub fn system_time_to_unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}
