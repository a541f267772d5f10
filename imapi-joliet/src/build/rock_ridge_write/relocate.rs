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

use crate::build::dirs::{DirTable, Moved};
use crate::build::error::Error;
use crate::build::listing::{Item, Listing};
use crate::format::order;
use crate::format::susp::RELOCATION_DIR;

/// ECMA-119's deepest level of directories (the root is level 1).
const MAX_LEVEL: u32 = 8;

/// One record of an ISO 9660 directory after `.` and `..`.
#[derive(Debug, Clone, Copy)]
pub(in crate::build) enum IsoRecord<'l> {
    /// A child of the listing.
    Item(&'l Item),
    /// The relocation directory, in the root.
    Moved,
}

/// Decides which directories of `dirs` move and adds the relocation directory when some do.
/// Runs once, after the directories are collected; `root_listing` names the root's children
/// (the relocation directory's name must differ from theirs).
pub(in crate::build) fn plan_relocation(
    dirs: &mut DirTable,
    root_listing: impl FnOnce(&DirTable) -> Result<Listing, Error>,
) -> Result<(), Error> {
    let n = dirs.len();
    let moved_at = u32::try_from(n).map_err(|_| Error::ImageTooLarge { blocks: u64::MAX })?;
    let mut level = vec![1u32; n];
    let mut count = 0u32;
    // A directory's index is above its parent's: parents are done first.
    for d in 1..n {
        let parent = dirs.dir(d as u32).parent as usize;
        let at = level.get(parent).copied().unwrap_or(1) + 1;
        if at > MAX_LEVEL {
            dirs.dir_mut(d as u32).iso_parent = moved_at;
            level[d] = 3;
            count = count.saturating_add(1);
        } else {
            level[d] = at;
        }
    }
    if count == 0 {
        return Ok(());
    }
    let root = root_listing(dirs)?;
    let taken = |id: &[u8]| root.items.iter().any(|i| root.id(i) == id);
    let mut name = RELOCATION_DIR.to_string();
    let mut number = 0;
    while taken(name.to_ascii_uppercase().as_bytes()) {
        number += 1;
        name = format!("{RELOCATION_DIR}_{number}");
    }
    let id = name.to_ascii_uppercase().into_bytes();
    dirs.push_moved(Moved { dir: moved_at, name, id, count });
    Ok(())
}

/// The records of ISO 9660 directory `d` after `.` and `..`, in order: the listing's
/// children, and in the root the relocation directory `moved` at its place in §9.3 order.
pub(in crate::build) fn iso_records<'l>(
    moved: Option<&Moved>,
    d: u32,
    listing: &'l Listing,
) -> Vec<IsoRecord<'l>> {
    let mut out: Vec<IsoRecord<'l>> = Vec::with_capacity(listing.items.len() + 1);
    let moved = moved.filter(|_| d == 0);
    let mut pending = moved.map(|m| m.id.as_slice());
    for item in &listing.items {
        if let Some(id) = pending {
            if order::iso_cmp(id, listing.id(item)).is_lt() {
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
