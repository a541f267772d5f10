//! SUSP 1.12 and RRIP rules over the ISO 9660 tree: `SP` in the root's `.`, entry lengths,
//! continuation areas, `ER`, and the form of `PX`, `NM`, `SL`, `TF`, `CL` and `PL`.
//!
//! The pass reads every record of every directory the scan found (`.` and `..` included),
//! follows each record's continuation areas (at most
//! [`MAX_CONTINUATIONS`](crate::read::rock_ridge::MAX_CONTINUATIONS)), and reports each
//! problem under its rule. Nothing is checked on an image whose records carry no SUSP entry.

use super::scan::Scan;
use super::{Findings, Rule};
use crate::format::susp;
use crate::read::dir::DirCursor;
use crate::read::rock_ridge::{Problem, RockRidge, SuspEntries};
use crate::read::rr_read::read_entries;
use crate::read::{Ctx, Extent, Record};

/// What the pass saw over the whole tree.
#[derive(Default)]
struct Seen {
    /// Some record holds a SUSP or RRIP entry.
    susp: bool,
    /// Some record holds an RRIP entry.
    rrip: bool,
    /// The first such record, for messages.
    first_rrip: Option<String>,
}

/// Checks the SUSP/RRIP entries of the ISO 9660 tree `iso`. `volume_end` is one past the
/// volume's last block.
pub(crate) fn check(ctx: Ctx<'_>, iso: &Scan, volume_end: u64, f: &mut Findings) {
    let Some(root) = iso.dirs.first() else { return };
    let mut budget = ctx.opts.limits.max_records;
    let Some(Ok(dot)) = DirCursor::new(ctx, root.extent).next_record(&mut budget) else { return };
    let root_area = dot.system_use();
    let root_read = read_entries(ctx, root_area, 0, true, volume_end);
    let sp_first = root_area.get(..2) == Some(&susp::SP[..]);
    let skip = match (sp_first, root_read.rr.sp_skip) {
        (true, Some(skip)) => usize::from(skip),
        _ => 0,
    };
    let rrip_er = root_read.rr.rrip.is_some();
    let mut seen = Seen::default();
    for dir in &iso.dirs {
        let path = if dir.path.is_empty() { "/" } else { &dir.path };
        let mut cursor = DirCursor::new(ctx, dir.extent);
        let mut first = true;
        while let Some(Ok(r)) = cursor.next_record(&mut budget) {
            let root_dot = first && dir.path.is_empty();
            first = false;
            let at = format!("{path}: record at block {} byte {}", r.block(), r.offset());
            let skip = if root_dot { 0 } else { skip };
            record(ctx, &r, skip, root_dot, volume_end, &at, &mut seen, f);
        }
    }
    if !seen.susp {
        return;
    }
    if !sp_first || root_read.rr.sp_skip.is_none() {
        let msg = "the root's `.` record does not start with a valid SP entry, yet records use \
                   SUSP entries";
        f.push(Rule::RrSp, msg);
    }
    if seen.rrip && !rrip_er {
        let first = seen.first_rrip.unwrap_or_default();
        let msg = format!(
            "{first}: RRIP entries are used, but no ER entry of the root's `.` record names \
             RRIP (RRIP_1991A, IEEE_P1282 or IEEE_1282)"
        );
        f.push(Rule::RrEr, msg);
    }
}

/// Checks one record's areas.
#[allow(clippy::too_many_arguments)]
fn record(
    ctx: Ctx<'_>,
    r: &Record<'_>,
    skip: usize,
    root_dot: bool,
    volume_end: u64,
    at: &str,
    seen: &mut Seen,
    f: &mut Findings,
) {
    let area = r.system_use();
    let uses = SuspEntries::new(area, skip).any(|e| {
        susp::SUSP_SIGNATURES.contains(&e.signature) || susp::RRIP_SIGNATURES.contains(&e.signature)
    });
    if !uses {
        return;
    }
    seen.susp = true;
    let read = read_entries(ctx, area, skip, root_dot, volume_end);
    if read.rr.has_rrip_entries && !seen.rrip {
        seen.rrip = true;
        seen.first_rrip = Some(at.to_owned());
    }
    if let Some((ce, fault)) = read.fault {
        let msg = format!(
            "{at}: continuation area at block {} byte {} of {} bytes {}",
            ce.block,
            ce.offset,
            ce.len,
            fault.reason()
        );
        f.push(Rule::RrContinuation, msg);
    }
    for p in &read.problems {
        problem(p, at, f);
    }
    links(ctx, &read.rr, r, at, volume_end, f);
}

fn problem(p: &Problem, at: &str, f: &mut Findings) {
    let sig = |s: &[u8; 2]| String::from_utf8_lossy(s).into_owned();
    let (rule, msg) = match p {
        Problem::EntryLength { offset, len } => (
            Rule::RrEntryLength,
            format!("{at}: entry at byte {offset} of the area has length {len}, below 4 or past the area's end"),
        ),
        Problem::FixedLength { signature: [b'S', b'P'], len } => {
            (Rule::RrSp, format!("{at}: SP entry of {len} bytes, not 7"))
        }
        Problem::FixedLength { signature, len } => (
            Rule::RrEntryLength,
            format!("{at}: {} entry of {len} bytes, not the length SUSP/RRIP fix", sig(signature)),
        ),
        Problem::SpCheck => (Rule::RrSp, format!("{at}: SP check bytes are not BE EF")),
        Problem::SpMisplaced => {
            (Rule::RrSp, format!("{at}: SP entry outside the start of the root's `.` record"))
        }
        Problem::PxLength { len } => {
            (Rule::RrPx, format!("{at}: PX entry of {len} bytes, not 36 (RRIP 1.10) or 44 (1.12)"))
        }
        Problem::NmFlags { flags } => {
            (Rule::RrNm, format!("{at}: NM entry with flags {flags:#04x} (reserved or conflicting bits)"))
        }
        Problem::SlFlags { flags } => (
            Rule::RrSl,
            format!("{at}: SL entry or component with flags {flags:#04x} (reserved or conflicting bits)"),
        ),
        Problem::SlOverflow => {
            (Rule::RrSl, format!("{at}: SL component record runs past its entry"))
        }
        Problem::TfLength { len, expected } => (
            Rule::RrTf,
            format!("{at}: TF entry of {len} bytes, its flags call for {expected}"),
        ),
        Problem::TooLong => (
            Rule::RrNm,
            format!("{at}: name or link target longer than the reader keeps"),
        ),
        Problem::Truncated { signature } => (
            Rule::RrEntryLength,
            format!("{at}: {} entry too short for its content", sig(signature)),
        ),
        Problem::Unterminated { signature: [b'S', b'L'] } => {
            (Rule::RrSl, format!("{at}: SL flagged CONTINUE, but nothing follows"))
        }
        Problem::Unterminated { signature } => {
            (Rule::RrNm, format!("{at}: {} flagged CONTINUE, but nothing follows", sig(signature)))
        }
    };
    f.push(rule, msg);
}

/// `CL` and `PL` must name the first block of a directory (its `.` record).
fn links(
    ctx: Ctx<'_>,
    rr: &RockRidge,
    r: &Record<'_>,
    at: &str,
    volume_end: u64,
    f: &mut Findings,
) {
    let targets = [("CL", rr.child_link), ("PL", rr.parent_link)];
    for (what, target) in targets.into_iter().filter_map(|(w, t)| t.map(|t| (w, t))) {
        if !starts_directory(ctx, target, volume_end) {
            let msg = format!("{at}: {what} names block {target}, which holds no directory");
            f.push(Rule::RrRelocation, msg);
        }
    }
    if rr.child_link.is_some() && r.is_dir() {
        f.push(Rule::RrRelocation, format!("{at}: CL on a record flagged as a directory"));
    }
}

/// Whether `block` starts with the `.` record of a directory.
fn starts_directory(ctx: Ctx<'_>, block: u32, volume_end: u64) -> bool {
    if u64::from(block) >= volume_end {
        return false;
    }
    let first = Extent { block, xa_blocks: 0, len: 2048 };
    let mut budget = 1;
    match DirCursor::new(ctx, first).next_record(&mut budget) {
        Some(Ok(dot)) => dot.is_dot() && dot.is_dir() && dot.extent().block == block,
        _ => false,
    }
}
