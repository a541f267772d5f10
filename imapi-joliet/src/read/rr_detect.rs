//! Detecting Rock Ridge on a volume from the root's `.` record.
//!
//! A volume has Rock Ridge when the first record (`.`) of the primary root directory starts its
//! system use area with a valid `SP` entry (check bytes `BE EF`) *and* either an `ER` entry
//! naming an RRIP (`RRIP_1991A`, `IEEE_P1282`, `IEEE_1282`) is found in that record or its
//! continuation areas, or the record holds RRIP entries itself (`RR`, `PX`, `TF`, ...: RRIP
//! 1.09 images in practice carry no `ER`). Linux asks only for `SP`; asking for RRIP as well
//! keeps other SUSP extensions from passing for Rock Ridge. An image whose root record cannot
//! be read is taken to have no Rock Ridge (the ISO 9660 tree reports the fault).

use super::dir::{DirCursor, Extent};
use super::rr_read::{read_entries, RockRidgeVolume};
use super::{Ctx, Volume};

/// Detects Rock Ridge on `vol` (see the module docs).
pub(crate) fn detect(ctx: Ctx<'_>, vol: &Volume) -> Option<RockRidgeVolume> {
    let volume_end =
        u64::from(ctx.opts.session_start).saturating_add(u64::from(vol.volume_space_size()));
    let root: Extent = vol.root();
    let mut budget = 1u64;
    let first = DirCursor::new(ctx, root).next_record(&mut budget)?.ok()?;
    if !first.is_dot() || first.system_use().get(..2) != Some(&crate::format::susp::SP[..]) {
        return None;
    }
    let read = read_entries(ctx, first.system_use(), 0, true, volume_end);
    let skip = read.rr.sp_skip?;
    (read.rr.rrip.is_some() || read.rr.has_rrip_entries).then_some(RockRidgeVolume {
        skip,
        rrip: read.rr.rrip,
        volume_end,
    })
}
