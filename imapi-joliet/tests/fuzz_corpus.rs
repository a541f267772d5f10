//! Replays every seed and finding of the `iso_read` fuzz target on stable Rust, through the
//! calls the target makes: none may panic. The corpus lives in `tests/corpus/iso_read` (the
//! fuzz smoke run in `scripts/test.sh` seeds cargo-fuzz from it), so the packaged crate
//! replays it too.

#[allow(dead_code)]
#[path = "fuzz/iso_read_calls.rs"]
mod calls;

use std::path::PathBuf;

#[test]
fn iso_read_corpus_replays() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/iso_read");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 5, "the corpus at {} has {} seeds", dir.display(), files.len());
    let mut parsed = 0;
    for path in &files {
        let data = std::fs::read(path).unwrap();
        calls::run(&data);
        parsed += usize::from(imapi_joliet::Image::parse(&data).is_ok());
    }
    assert!(parsed >= 5, "only {parsed} seeds parse: the corpus lost its valid images");
}
