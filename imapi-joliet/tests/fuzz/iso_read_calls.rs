//! What the `iso_read` target does with each input: the fuzz target
//! (`fuzz/fuzz_targets/iso_read.rs`) and the corpus replay test on stable Rust
//! (`tests/fuzz_corpus.rs`) both include this file, which lives here so that the packaged
//! crate's test has it.

use std::io::Read;

use imapi_joliet::read::{Limits, Options, PathTableKind, View};
use imapi_joliet::verify::verify;
use imapi_joliet::{Image, TreeKind};

/// Bytes of file data read per input at most, so overlapping extents cannot slow a run down.
const READ_BUDGET: u64 = 8 << 20;
/// Entries looked up again by their path, per tree.
const LOOKUPS: usize = 64;

/// Parses `data` strictly and leniently, walks both trees and the Rock Ridge view, reads
/// every file (within a budget), looks entries up by path, reads the path tables and verifies
/// the image.
pub fn run(data: &[u8]) {
    for lenient in [false, true] {
        let limits = Limits::default().max_read_len(1 << 20);
        let opts = Options::new().lenient(lenient).limits(limits);
        let Ok(image) = Image::parse_with(data, opts) else { continue };
        let mut budget = READ_BUDGET;
        for ns in [TreeKind::Iso, TreeKind::Joliet] {
            let Ok(walk) = image.walk(ns) else { continue };
            let mut paths = Vec::new();
            for entry in walk {
                let Ok(e) = entry else { break };
                if paths.len() < LOOKUPS {
                    paths.push(e.path.clone());
                }
                if e.entry.is_dir() {
                    continue;
                }
                if let Ok(mut r) = image.open(&e.entry) {
                    let mut buf = [0u8; 16 << 10];
                    while budget > 0 {
                        match r.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => budget = budget.saturating_sub(n as u64),
                        }
                    }
                }
            }
            for p in &paths {
                if let Ok(e) = image.lookup(ns, p) {
                    if let Ok(d) = image.read_dir(&e) {
                        d.take(LOOKUPS).for_each(drop);
                    }
                }
            }
            for kind in [PathTableKind::L, PathTableKind::M] {
                let _ = image.path_table(ns, kind);
            }
        }
        if let Ok(walk) = image.walk_view(View::RockRidge) {
            let mut paths = Vec::new();
            for entry in walk {
                let Ok(e) = entry else { break };
                let _ = e.entry.rock_ridge().map(|rr| rr.file_type());
                if paths.len() < LOOKUPS {
                    paths.push(e.path);
                }
            }
            for p in &paths {
                let _ = image.lookup_view(View::RockRidge, p);
            }
        }
        let _ = image.read_path("/");
        let report = verify(&image, true);
        let _ = report.passed();
    }
}
