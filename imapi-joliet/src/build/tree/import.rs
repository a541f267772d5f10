//! Carrying an earlier session over into a new one: [`Tree::import_image`].
//!
//! A session that adds to a disc records the whole tree again; the files of the earlier
//! sessions keep their data where it is, and the new directories point at it
//! ([`Tree::add_imported_file`]).

use std::collections::HashMap;

use crate::build::error::Error;
use crate::build::tree::posix::{PosixAttrs, SpecialKind};
use crate::build::tree::{NodeId, Overwrite, Tree};
use crate::format::kind::TreeKind;
use crate::format::raw::{BLOCK_U64, MAX_SECTION};
use crate::read::rock_ridge::FileType;
use crate::read::{Entry, Extent, Image, ReadAt, View};

/// The name of an entry as a tree holds it: an ISO 9660 name loses its version (`;1`) and the
/// dot of an empty extension (`README.`).
fn tree_name(tree: TreeKind, name: &str) -> &str {
    if tree == TreeKind::Joliet {
        return name;
    }
    let base = match name.rsplit_once(';') {
        Some((base, version)) if version.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => name,
    };
    match base.strip_suffix('.') {
        Some(stem) if !stem.is_empty() => stem,
        _ => base,
    }
}

/// The first data block of a file's sections when they lie as this crate records a file:
/// every section but the last 0xFFFFF800 bytes long, each starting where the one before ends.
fn contiguous_start(sections: &[Extent]) -> Option<u32> {
    let first = sections.first()?;
    let start = first.data_block();
    let section_blocks = MAX_SECTION / BLOCK_U64;
    let last = sections.len() - 1;
    for (i, s) in sections.iter().enumerate() {
        let expected = start.checked_add(section_blocks.checked_mul(i as u64)?)?;
        if s.data_block() != expected || (i < last && u64::from(s.len) != MAX_SECTION) {
            return None;
        }
    }
    u32::try_from(start).ok()
}

impl Tree {
    /// Adds every directory and file of tree `tree` of an earlier session's `image` to this
    /// tree's root (use [`Image::default_tree`] for the tree a Windows reader shows: Joliet
    /// when present). Files are added as imported ([`Tree::add_imported_file`]): their data
    /// stays where the earlier session put it. Recorded modification dates are kept.
    /// Directories merge with those already there; a file replaces one already there.
    ///
    /// Returns the number of entries added. All or nothing: on an error, the tree is left as
    /// it was. A file whose sections do not follow one another as this crate writes them is
    /// [`Error::ImportSections`]; an unreadable image [`Error::ImportRead`].
    pub fn import_image<S: ReadAt>(
        &mut self,
        image: &Image<S>,
        tree: TreeKind,
    ) -> Result<usize, Error> {
        let view = match tree {
            TreeKind::Iso => View::Iso9660,
            TreeKind::Joliet => View::Joliet,
        };
        self.import_image_view(image, view)
    }

    /// As [`Tree::import_image`], through any view of the image: with [`View::RockRidge`]
    /// the POSIX names are kept, and so are modes, owners and groups ([`Tree::set_posix`]),
    /// symbolic links ([`Tree::add_symlink`]) and device files, FIFOs and sockets
    /// ([`Tree::add_special`]), so a new session written with Rock Ridge carries them on.
    pub fn import_image_view<S: ReadAt>(
        &mut self,
        image: &Image<S>,
        view: View,
    ) -> Result<usize, Error> {
        let cp = self.checkpoint();
        match self.import_walk(image, view) {
            Ok(n) => {
                self.commit(cp);
                Ok(n)
            }
            Err(e) => {
                self.rollback(cp);
                Err(e)
            }
        }
    }

    fn import_walk<S: ReadAt>(&mut self, image: &Image<S>, view: View) -> Result<usize, Error> {
        // The directory at each depth of the walk: the parent of an entry at depth d is at
        // index d - 1.
        let mut dirs: Vec<NodeId> = vec![self.root()];
        let mut added = 0usize;
        // Names of one content (hard links, seen as one extent): the first one added.
        let mut linked: HashMap<(u32, u64), NodeId> = HashMap::new();
        self.import_root_attributes(image, view)?;
        // Names of the Rock Ridge view are POSIX names, kept as they are.
        let tree = if view == View::Iso9660 { TreeKind::Iso } else { TreeKind::Joliet };
        for item in image.walk_view(view).map_err(Error::ImportRead)? {
            let item = item.map_err(Error::ImportRead)?;
            let depth = usize::try_from(item.depth).unwrap_or(usize::MAX);
            dirs.truncate(depth.max(1));
            let Some(&parent) = dirs.last() else { break };
            let entry = &item.entry;
            let name = tree_name(tree, entry.name());
            let id = if entry.is_dir() {
                let id = self.add_dir(parent, name)?;
                dirs.push(id);
                id
            } else if let Some(id) = self.import_rock_ridge_only(parent, name, entry)? {
                id
            } else {
                let extent = if entry.size() == 0 {
                    entry.sections().first().map_or(Some(0), |s| u32::try_from(s.data_block()).ok())
                } else {
                    contiguous_start(entry.sections())
                };
                let extent =
                    extent.ok_or_else(|| Error::ImportSections { path: item.path.clone() })?;
                let key = (extent, entry.size());
                match linked.get(&key) {
                    Some(&first) if entry.size() > 0 => {
                        self.add_hard_link(parent, name, first, Overwrite::Replace)?
                    }
                    _ => {
                        let id = self.add_imported_file(parent, name, extent, entry.size())?;
                        linked.insert(key, id);
                        id
                    }
                }
            };
            if let Some(mtime) = entry.mtime() {
                self.set_mtime(id, mtime);
            }
            if let Some(rr) = entry.rock_ridge() {
                if let (Some(mode), Some(uid), Some(gid)) = (rr.mode, rr.uid, rr.gid) {
                    self.set_posix(id, PosixAttrs { mode, uid, gid });
                }
            }
            added += 1;
        }
        Ok(added)
    }

    /// Gives this tree's root the mode, owner and time the root of the Rock Ridge view has,
    /// unless it has attributes already (directories merge; the first attributes stay).
    fn import_root_attributes<S: ReadAt>(
        &mut self,
        image: &Image<S>,
        view: View,
    ) -> Result<(), Error> {
        if view != View::RockRidge || self.posix(self.root()).is_some() {
            return Ok(());
        }
        let root = image.root_view(view).map_err(Error::ImportRead)?;
        let Some(rr) = root.rock_ridge() else { return Ok(()) };
        if let (Some(mode), Some(uid), Some(gid)) = (rr.mode, rr.uid, rr.gid) {
            self.set_posix(self.root(), PosixAttrs { mode, uid, gid });
        }
        if let Some(mtime) = rr.mtime_unix() {
            self.set_mtime(self.root(), mtime);
        }
        Ok(())
    }

    /// A symbolic link or special file of the Rock Ridge view, added as one; `None` for a
    /// regular file (or outside that view).
    fn import_rock_ridge_only(
        &mut self,
        parent: NodeId,
        name: &str,
        entry: &Entry<'_>,
    ) -> Result<Option<NodeId>, Error> {
        let Some(rr) = entry.rock_ridge() else { return Ok(None) };
        let rdev = rr.rdev.map_or(0, |d| (u64::from(d.high) << 32) | u64::from(d.low));
        let kind = match entry.file_type() {
            // A link without a target (no `SL`) comes in as the empty file it is recorded as.
            FileType::Symlink => {
                let Some(target) = rr.symlink.as_deref().filter(|t| !t.is_empty()) else {
                    return Ok(None);
                };
                return self.add_symlink(parent, name, target, Overwrite::Replace).map(Some);
            }
            FileType::CharDevice => SpecialKind::CharDevice,
            FileType::BlockDevice => SpecialKind::BlockDevice,
            FileType::Fifo => SpecialKind::Fifo,
            FileType::Socket => SpecialKind::Socket,
            _ => return Ok(None),
        };
        self.add_special(parent, name, kind, rdev, Overwrite::Replace).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_names_lose_their_version_and_empty_extension() {
        assert_eq!(tree_name(TreeKind::Iso, "FILE.TXT;1"), "FILE.TXT");
        assert_eq!(tree_name(TreeKind::Iso, "README.;1"), "README");
        assert_eq!(tree_name(TreeKind::Iso, "DIR"), "DIR");
        assert_eq!(tree_name(TreeKind::Iso, "A;B"), "A;B");
        assert_eq!(tree_name(TreeKind::Joliet, "notes.;1"), "notes.;1");
    }

    #[test]
    fn sections_must_follow_one_another() {
        let blocks = (MAX_SECTION / BLOCK_U64) as u32;
        let s = |block, len| Extent { block, xa_blocks: 0, len };
        let full = MAX_SECTION as u32;
        assert_eq!(contiguous_start(&[s(100, 5)]), Some(100));
        assert_eq!(contiguous_start(&[s(100, full), s(100 + blocks, 7)]), Some(100));
        assert_eq!(contiguous_start(&[s(100, full), s(100 + blocks + 1, 7)]), None);
        assert_eq!(contiguous_start(&[s(100, 2048), s(101, 7)]), None);
        assert_eq!(contiguous_start(&[]), None);
    }
}
