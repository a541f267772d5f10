//! One directory of one tree as its records list it: the children's identifiers and their
//! order, made again from the tree whenever they are needed.
//!
//! The plan keeps no per-entry names: a directory's listing is made when the plan sizes the
//! directory, when it lays out the files (in the ISO tree's record order) and when the
//! directory's records are written. Naming is deterministic ([`crate::build::names`]), so each
//! time gives the same identifiers, and memory stays at what one directory needs.
//!
//! [`Naming`] holds what naming depends on (the tree and the naming options); the directory
//! table ([`DirTable`]) says which directory is which, and which moved to `rr_moved`.

use std::borrow::Cow;

use crate::build::dirs::DirTable;
use crate::build::error::{Error, Warning};
use crate::build::names::{self, IsoLevel, NameInput, NameProblem, NonBmpPolicy};
use crate::build::options::PlanOptions;
use crate::build::tree::{NodeId, Tree};
use crate::format::kind::TreeKind;
use crate::format::order;
use crate::format::susp::RELOCATION_DIR;

/// One child in a [`Listing`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Item {
    pub(super) node: NodeId,
    off: u32,
    len: u8,
}

/// The children of one directory in one tree, in record order, with their identifiers as
/// recorded (ISO 9660 d-characters, or Joliet UCS-2 big-endian bytes).
#[derive(Debug, Default)]
pub(super) struct Listing {
    pub(super) items: Vec<Item>,
    ids: Vec<u8>,
}

impl Listing {
    /// The recorded identifier of an item.
    pub(super) fn id(&self, item: &Item) -> &[u8] {
        let start = item.off as usize;
        self.ids.get(start..start + usize::from(item.len)).unwrap_or(&[])
    }

    /// The identifier of `node`, if it is in this listing.
    pub(super) fn id_of(&self, node: NodeId) -> Option<&[u8]> {
        self.items.iter().find(|i| i.node == node).map(|i| self.id(i))
    }

    fn with_capacity(items: usize, id_len: usize) -> Self {
        Self { items: Vec::with_capacity(items), ids: Vec::with_capacity(items * id_len) }
    }

    /// Sorts the items by their identifiers (a stable sort).
    fn sort(&mut self, cmp: fn(&[u8], &[u8]) -> std::cmp::Ordering) {
        let Listing { items, ids } = self;
        let id = |i: &Item| ids.get(i.off as usize..i.off as usize + usize::from(i.len));
        items.sort_by(|a, b| cmp(id(a).unwrap_or(&[]), id(b).unwrap_or(&[])));
    }

    fn push(&mut self, node: NodeId, id: impl IntoIterator<Item = u8>) {
        let off = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.ids.extend(id);
        let len = u8::try_from(self.ids.len() - off as usize).unwrap_or(u8::MAX);
        self.items.push(Item { node, off, len });
    }
}

/// What naming the children of a directory depends on: the tree and the naming options,
/// nothing of the plan's layout.
#[derive(Clone, Copy)]
pub(super) struct Naming<'t> {
    tree: &'t Tree,
    level: IsoLevel,
    non_bmp: NonBmpPolicy,
    replace_forbidden: bool,
    /// Whether the ISO 9660 tree records links and special files (Rock Ridge is on).
    rock_ridge: bool,
    /// Whether the tree holds links or special files, which only Rock Ridge records.
    rr_only_nodes: bool,
}

impl<'t> Naming<'t> {
    /// The naming of `tree` under `opts` (one pass over the tree's contents).
    pub(super) fn new(tree: &'t Tree, opts: &PlanOptions) -> Self {
        Self {
            tree,
            level: opts.level,
            non_bmp: opts.non_bmp,
            replace_forbidden: opts.replace_forbidden,
            rock_ridge: opts.rock_ridge,
            rr_only_nodes: tree.has_rock_ridge_only_nodes(),
        }
    }

    /// The listing of tree directory `d` in tree `kind`. With `warnings`, names that the
    /// policy changed are reported there (the plan does so once).
    pub(super) fn listing(
        &self,
        dirs: &DirTable,
        d: u32,
        kind: TreeKind,
        warnings: Option<&mut Vec<Warning>>,
    ) -> Result<Listing, Error> {
        let Some(dir) = dirs.get(d) else { return Ok(Listing::default()) };
        if dirs.moved_dir() == Some(d) {
            return self.relocation_listing(dirs);
        }
        let plain = match kind {
            TreeKind::Iso => self.plain_iso_listing(dir.node),
            TreeKind::Joliet => self.plain_joliet_listing(dir.node),
        };
        if let Some(listing) = plain {
            return Ok(listing);
        }
        match kind {
            TreeKind::Iso => self.iso_listing(dir.node, warnings),
            TreeKind::Joliet => self.joliet_listing(dir.node, warnings),
        }
    }

    /// The ISO 9660 listing of `node` when no two names collide (the common case: the names
    /// are then those of [`names::assign_iso_names`], unchanged), made without allocating per
    /// name; `None` when some collide.
    fn plain_iso_listing(&self, node: NodeId) -> Option<Listing> {
        let tree = self.tree;
        let children = self.recorded_children(node, TreeKind::Iso);
        let children = &children[..];
        let mut listing = Listing::with_capacity(children.len(), 16);
        for &c in children {
            let off = u32::try_from(listing.ids.len()).ok()?;
            names::push_iso_identifier(tree.name(c), tree.is_dir(c), self.level, &mut listing.ids);
            let len = u8::try_from(listing.ids.len() - off as usize).ok()?;
            listing.items.push(Item { node: c, off, len });
        }
        listing.sort(order::iso_cmp);
        // Identifiers that collide differ at most in their version, so they sort side by side.
        let collide = listing.items.windows(2).any(|w| {
            names::iso_collision_key(listing.id(&w[0]))
                == names::iso_collision_key(listing.id(&w[1]))
        });
        (!collide).then_some(listing)
    }

    /// The Joliet listing of `node` when every name is kept as it is (allowed characters of
    /// the BMP, at most 64 units, no two alike), made without allocating per name; `None`
    /// otherwise.
    fn plain_joliet_listing(&self, node: NodeId) -> Option<Listing> {
        let tree = self.tree;
        let children = self.recorded_children(node, TreeKind::Joliet);
        let children = &children[..];
        let mut listing = Listing::with_capacity(children.len(), 32);
        for &c in children {
            let off = u32::try_from(listing.ids.len()).ok()?;
            if !names::push_plain_joliet(tree.name(c), &mut listing.ids) {
                return None;
            }
            let len = u8::try_from(listing.ids.len() - off as usize).ok()?;
            listing.items.push(Item { node: c, off, len });
        }
        listing.sort(order::joliet_bytes_cmp);
        let alike = listing.items.windows(2).any(|w| listing.id(&w[0]) == listing.id(&w[1]));
        (!alike).then_some(listing)
    }

    /// ISO 9660 identifiers for the children of `node`, in §9.3 order.
    fn iso_listing(
        &self,
        node: NodeId,
        warnings: Option<&mut Vec<Warning>>,
    ) -> Result<Listing, Error> {
        let tree = self.tree;
        let children = self.recorded_children(node, TreeKind::Iso);
        let children = &children[..];
        let inputs: Vec<NameInput<'_>> = children
            .iter()
            .map(|&c| NameInput { name: tree.name(c), is_dir: tree.is_dir(c) })
            .collect();
        let iso = names::assign_iso_names(&inputs, self.level)
            .map_err(|_| Error::TooManyCollisions { path: tree.path(node) })?;
        let mut listing = Listing::with_capacity(children.len(), 16);
        let mut warnings = warnings;
        for (&c, (id, changed)) in children.iter().zip(iso) {
            if changed {
                if let Some(w) = warnings.as_deref_mut() {
                    let iso_name = String::from_utf8_lossy(&id).into_owned();
                    w.push(Warning::IsoNameChanged { path: tree.path(c), iso_name });
                }
            }
            listing.push(c, id);
        }
        listing.sort(order::iso_cmp);
        Ok(listing)
    }

    /// Joliet identifiers for the children of `node`, in code-unit order.
    fn joliet_listing(
        &self,
        node: NodeId,
        warnings: Option<&mut Vec<Warning>>,
    ) -> Result<Listing, Error> {
        let tree = self.tree;
        let children = self.recorded_children(node, TreeKind::Joliet);
        let children = &children[..];
        let (policy, replace) = (self.non_bmp, self.replace_forbidden);
        let mut full = Vec::with_capacity(children.len());
        let mut replaced = Vec::with_capacity(children.len());
        for &c in children {
            let (units, changed) =
                names::joliet_units(tree.name(c), policy, replace).map_err(|p| {
                    let reason = match p {
                        NameProblem::JolietForbidden(ch) => {
                            format!("character {ch:?} is not allowed")
                        }
                        NameProblem::Reserved => "the name is reserved".to_string(),
                    };
                    Error::BadJolietName { path: tree.path(c), reason }
                })?;
            full.push(units);
            replaced.push(changed);
        }
        let assigned = names::assign_joliet_names(&full);
        let mut listing = Listing::with_capacity(children.len(), 32);
        let mut warnings = warnings;
        for ((&c, (units, cut)), replaced) in children.iter().zip(assigned).zip(replaced) {
            if cut || replaced {
                if let Some(w) = warnings.as_deref_mut() {
                    let joliet_name = String::from_utf16_lossy(&units);
                    w.push(Warning::JolietNameChanged { path: tree.path(c), joliet_name });
                }
            }
            listing.push(c, units.iter().flat_map(|u| u.to_be_bytes()));
        }
        // Big-endian bytes sort as their code units do.
        listing.sort(order::joliet_bytes_cmp);
        Ok(listing)
    }

    /// The ISO 9660 listing of the relocation directory: the directories moved there.
    fn relocation_listing(&self, dirs: &DirTable) -> Result<Listing, Error> {
        let tree = self.tree;
        let moved: Vec<NodeId> =
            dirs.relocated().filter_map(|d| dirs.get(d).map(|x| x.node)).collect();
        let inputs: Vec<NameInput<'_>> =
            moved.iter().map(|&c| NameInput { name: tree.name(c), is_dir: true }).collect();
        let iso = names::assign_iso_names(&inputs, self.level)
            .map_err(|_| Error::TooManyCollisions { path: RELOCATION_DIR.into() })?;
        let mut listing = Listing::with_capacity(moved.len(), 16);
        for (&c, (id, _)) in moved.iter().zip(iso) {
            listing.push(c, id);
        }
        listing.sort(order::iso_cmp);
        Ok(listing)
    }

    /// The children of `node` that tree `kind` records: links and special files only in the
    /// ISO 9660 tree of an image with Rock Ridge. Borrowed when nothing is left out.
    fn recorded_children(&self, node: NodeId, kind: TreeKind) -> Cow<'_, [NodeId]> {
        let all = self.tree.children(node);
        if !self.rr_only_nodes || (kind == TreeKind::Iso && self.rock_ridge) {
            return Cow::Borrowed(all);
        }
        Cow::Owned(all.iter().copied().filter(|&c| !self.tree.is_rock_ridge_only(c)).collect())
    }
}
