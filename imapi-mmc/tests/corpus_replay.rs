//! Replays every seed of the `mmc_replies` fuzz corpus through the fuzz target's own body, on
//! stable Rust. The corpus lives in the crate (`tests/corpus/mmc_replies`), so the packaged
//! crate replays it too.

use std::path::PathBuf;

#[test]
fn mmc_replies_corpus() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/mmc_replies");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        imapi_mmc::fuzzing::replies(&bytes);
        n += 1;
    }
    assert!(n >= 18, "only {n} seeds in {}", dir.display());
}
