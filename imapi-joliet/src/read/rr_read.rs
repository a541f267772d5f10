//! Rock Ridge on a volume: how it is recorded ([`RockRidgeVolume`], found by
//! [`rr_detect`](super::rr_detect)), and reading a record's entries through the continuation
//! areas its `CE` entries name.

use std::collections::HashSet;

use super::rock_ridge::MAX_CONTINUATIONS;
use super::rock_ridge::{Continuation, Problem, RockRidge, RockRidgeParser, RripVersion};
use super::Ctx;
use crate::format::raw::{BLOCK, BLOCK_U64};

/// How Rock Ridge is recorded on a volume ([`Image::rock_ridge`](super::Image::rock_ridge)).
///
/// A volume has Rock Ridge when the first record (`.`) of its primary root directory starts
/// its system use area with a valid `SP` entry (check bytes `BE EF`) and either an `ER` entry
/// of that record (or of its continuation areas) names an RRIP (`RRIP_1991A`, `IEEE_P1282`,
/// `IEEE_1282`) or the record carries RRIP entries itself (RRIP 1.09 images in practice may
/// have no `ER`). Linux asks for `SP` alone; asking for RRIP too keeps another SUSP extension
/// from passing for Rock Ridge. An image whose root record cannot be read has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RockRidgeVolume {
    /// The bytes to skip at the start of every system use area but the root's `.` (`SP`'s
    /// `LEN_SKP`).
    pub skip: u8,
    /// The RRIP an `ER` entry names; `None` on images that carry RRIP entries without `ER`.
    pub rrip: Option<RripVersion>,
    /// One past the last block of the volume (session start plus volume space size):
    /// continuation areas must lie below it.
    pub volume_end: u64,
}

/// What is wrong with a continuation area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContinuationFault {
    /// It lies (partly) outside the volume or the image.
    OutsideVolume,
    /// It runs past the end of its block.
    CrossesBlock,
    /// It was already read for this record (a `CE` loop).
    Loop,
    /// More than [`MAX_CONTINUATIONS`] areas for one record.
    TooMany,
}

impl ContinuationFault {
    /// A few words saying what is wrong.
    pub fn reason(self) -> &'static str {
        match self {
            Self::OutsideVolume => "lies outside the volume",
            Self::CrossesBlock => "runs past the end of its block",
            Self::Loop => "was already read for this record (a loop)",
            Self::TooMany => "is one too many continuation areas for one record",
        }
    }
}

/// A record's Rock Ridge entries read through its continuation areas.
pub(crate) struct RrRead {
    pub rr: RockRidge,
    pub problems: Vec<Problem>,
    /// The first continuation area that could not be read, and why; reading stopped there.
    pub fault: Option<(Continuation, ContinuationFault)>,
}

/// Reads the entries of the system use area `area` (from byte `skip`) and of every
/// continuation area it leads to, within `volume_end` blocks.
pub(crate) fn read_entries(
    ctx: Ctx<'_>,
    area: &[u8],
    skip: usize,
    root_dot: bool,
    volume_end: u64,
) -> RrRead {
    let mut p = RockRidgeParser::new();
    p.area(area, skip, root_dot);
    let mut seen = HashSet::new();
    let mut next = 0usize;
    let mut fault = None;
    while let Some(&ce) = p.continuations.get(next) {
        next += 1;
        if next > MAX_CONTINUATIONS {
            fault = Some((ce, ContinuationFault::TooMany));
            break;
        }
        if !seen.insert(ce) {
            fault = Some((ce, ContinuationFault::Loop));
            break;
        }
        if u64::from(ce.offset) + u64::from(ce.len) > BLOCK_U64 {
            fault = Some((ce, ContinuationFault::CrossesBlock));
            break;
        }
        if u64::from(ce.block) >= volume_end {
            fault = Some((ce, ContinuationFault::OutsideVolume));
            break;
        }
        let at = u64::from(ce.block) * BLOCK_U64 + u64::from(ce.offset);
        // `len` is at most 2048 here.
        let len = usize::try_from(ce.len).unwrap_or(BLOCK);
        match ctx.bytes(at, len, "continuation area") {
            Ok(bytes) => p.area(&bytes, 0, false),
            Err(_) => {
                fault = Some((ce, ContinuationFault::OutsideVolume));
                break;
            }
        }
    }
    let (rr, problems) = p.finish();
    RrRead { rr, problems, fault }
}
