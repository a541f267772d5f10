//! Relocation of deep directories (RRIP 1.12 §4.1.5), on request
//! ([`crate::PlanOptions::relocate_deep`]).
//!
//! ECMA-119 allows 8 levels of directories. A directory that would sit at level 9 or deeper
//! of the ISO 9660 tree moves to the relocation directory `rr_moved` at the root (level 2),
//! where it sits at level 3 with its contents below it (a subtree still too deep moves again,
//! from its new depth). Its original parent keeps a zero-length file record with the same
//! (directory) identifier and `CL` pointing at the moved directory's extent; the moved directory's record in
//! `rr_moved` carries `RE` (Linux then hides it there), and its `..` record points at
//! `rr_moved` with `PL` naming the original parent. Path tables follow the ISO 9660 tree as
//! recorded; the Joliet tree keeps the real shape. `rr_moved` itself (mode `0o040555`, `NM`
//! `rr_moved`) carries `RE` in its own record too, as libisofs marks its relocation
//! directory: a Rock Ridge reader (Linux isofs, bsdtar, ours) then hides it, and the mounted
//! tree is the source tree, with nothing added; ISO 9660-only readers still see it. Its name
//! takes a number (`rr_moved_1`, ...) if the root already holds the name.

use crate::error::Error;
use crate::format::kind::TreeKind;
use crate::format::susp::{RELOCATION_DIR, S_IFDIR};
use crate::listing::{Item, Listing};
use crate::plan::{Dir, Plan};
use crate::posix::NodeType;

use super::entries::Px;
use super::record::{RecordSua, Role, DEFAULT_DIR_MODE};

/// ECMA-119's deepest level of directories (the root is level 1).
const MAX_LEVEL: u32 = 8;

/// The relocation directory of a plan.
#[derive(Debug, Clone)]
pub(crate) struct Moved {
    /// Its index in `Plan::dirs` (after every directory of the tree).
    pub(crate) dir: u32,
    /// Its name (`NM`).
    pub(crate) name: String,
    /// Its ISO 9660 identifier.
    pub(crate) id: Vec<u8>,
    /// How many directories moved to it.
    pub(crate) count: u32,
}

/// One record of an ISO 9660 directory after `.` and `..`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum IsoRecord<'l> {
    /// A child of the listing.
    Item(&'l Item),
    /// The relocation directory, in the root.
    Moved,
}

impl Plan<'_> {
    /// Decides which directories move and adds the relocation directory when some do. Runs
    /// once, after the directories are collected.
    pub(crate) fn plan_relocation(&mut self) -> Result<(), Error> {
        let n = self.dirs.len();
        let moved_at = u32::try_from(n).map_err(|_| Error::ImageTooLarge { blocks: u64::MAX })?;
        let mut level = vec![1u32; n];
        let mut count = 0u32;
        // A directory's index is above its parent's: parents are done first.
        for d in 1..n {
            let parent = self.dirs[d].parent as usize;
            let at = level.get(parent).copied().unwrap_or(1) + 1;
            if at > MAX_LEVEL {
                self.dirs[d].iso_parent = moved_at;
                level[d] = 3;
                count = count.saturating_add(1);
            } else {
                level[d] = at;
            }
        }
        if count == 0 {
            return Ok(());
        }
        let root = self.listing(0, TreeKind::Iso, None)?;
        let taken = |id: &[u8]| root.items.iter().any(|i| root.id(i) == id);
        let mut name = RELOCATION_DIR.to_string();
        let mut number = 0;
        while taken(name.to_ascii_uppercase().as_bytes()) {
            number += 1;
            name = format!("{RELOCATION_DIR}_{number}");
        }
        let id = name.to_ascii_uppercase().into_bytes();
        // The root's node stands for it where a node is needed (its date).
        self.dirs.push(Dir::default());
        self.rr_moved = Some(Moved { dir: moved_at, name, id, count });
        Ok(())
    }

    /// The index of the relocation directory, if any.
    pub(crate) fn moved_dir(&self) -> Option<u32> {
        self.rr_moved.as_ref().map(|m| m.dir)
    }

    /// Whether directory `d` was moved to the relocation directory.
    pub(crate) fn is_relocated(&self, d: u32) -> bool {
        self.dirs.get(d as usize).is_some_and(|x| x.iso_parent != x.parent)
    }

    /// The directories moved to the relocation directory.
    pub(crate) fn relocated_dirs(&self) -> impl Iterator<Item = u32> + '_ {
        let n = self.moved_dir();
        (0..self.dirs.len() as u32).filter(move |&d| Some(d) != n && self.is_relocated(d))
    }

    /// The records of ISO 9660 directory `d` after `.` and `..`, in order: the listing's
    /// children, and in the root the relocation directory at its place in §9.3 order.
    pub(crate) fn iso_records<'l>(&self, d: u32, listing: &'l Listing) -> Vec<IsoRecord<'l>> {
        let mut out: Vec<IsoRecord<'l>> = Vec::with_capacity(listing.items.len() + 1);
        let moved = self.rr_moved.as_ref().filter(|_| d == 0);
        let mut pending = moved.map(|m| m.id.as_slice());
        for item in &listing.items {
            if let Some(id) = pending {
                if crate::format::order::iso_cmp(id, listing.id(item)).is_lt() {
                    out.push(IsoRecord::Moved);
                    pending = None;
                }
            }
            out.push(IsoRecord::Item(item));
        }
        if pending.is_some() {
            out.push(IsoRecord::Moved);
        }
        out
    }

    /// The `PX` of the relocation directory.
    pub(crate) fn moved_px(&self) -> Px {
        let (dir, moved) = self.rr_moved.as_ref().map_or((0, 0), |m| (m.dir, m.count));
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
    pub(crate) fn rr_moved_record(&self, modified: [u8; 7]) -> RecordSua<'_> {
        let name = self.rr_moved.as_ref().map_or(&b""[..], |m| m.name.as_bytes());
        RecordSua {
            role: Role::Child { name, node: NodeType::Dir, relocated_to: None, relocated: true },
            px: self.moved_px(),
            modified,
        }
    }
}
