//! What the `susp` target does with each input: the fuzz target (`fuzz/fuzz_targets/susp.rs`)
//! and the corpus replay test on stable Rust (`tests/fuzz_corpus.rs`) both include this file.
//!
//! The first byte steers: its low four bits are the `SP` skip, bit 4 says whether the area is
//! the root's `.`; the rest is a system use area. The same bytes are also fed as a record's
//! area followed by continuation areas (split at every `0xFF 0xFF` pair).

use imapi_joliet::read::rock_ridge::{
    parse_area, RockRidgeParser, SuspEntries, MAX_NAME_LEN, MAX_TARGET_LEN,
};

/// Parses `data` as described above and checks the parser's bounds; returns whether the
/// area held at least one entry.
pub fn run(data: &[u8]) -> bool {
    let Some((&ctl, area)) = data.split_first() else { return false };
    let skip = usize::from(ctl & 0x0f);
    let root_dot = ctl & 0x10 != 0;
    let mut entries = SuspEntries::new(area, skip);
    let mut count = 0usize;
    for e in entries.by_ref() {
        assert!(e.offset + e.len() <= area.len(), "entry past its area");
        count += 1;
    }
    assert!(count <= area.len() / 4 + 1, "more entries than the area holds");
    let (rr, problems) = parse_area(area, skip, root_dot);
    check(&rr);
    assert!(problems.len() <= area.len() + 4, "more problems than bytes");

    let mut p = RockRidgeParser::new();
    let mut pieces = 0;
    let mut rest = area;
    while !rest.is_empty() && pieces < 33 {
        let cut = rest.windows(2).position(|w| w == [0xff, 0xff]).unwrap_or(rest.len());
        let (piece, tail) = rest.split_at(cut);
        p.area(piece, if pieces == 0 { skip } else { 0 }, root_dot && pieces == 0);
        rest = tail.get(2..).unwrap_or_default();
        pieces += 1;
    }
    assert!(p.continuations.len() <= area.len() / 28 + 1);
    let (rr, _) = p.finish();
    check(&rr);
    count > 0
}

fn check(rr: &imapi_joliet::read::RockRidge) {
    // Decoding may replace a bad byte by U+FFFD (three bytes).
    if let Some(name) = &rr.name {
        assert!(name.len() <= 3 * MAX_NAME_LEN, "name of {} bytes", name.len());
    }
    if let Some(target) = &rr.symlink {
        assert!(target.len() <= 3 * MAX_TARGET_LEN, "target of {} bytes", target.len());
    }
}
