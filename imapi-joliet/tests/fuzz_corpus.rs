//! Replays every seed and finding of the `iso_read`, `eltorito_catalog` and `susp` fuzz targets on
//! stable Rust, through the calls the targets make: none may panic. The corpora live in
//! `tests/corpus/<target>` (the fuzz smoke run in `scripts/test.sh` seeds cargo-fuzz from
//! them), so the packaged crate replays them too.

#[allow(dead_code)]
#[path = "fuzz/iso_read_calls.rs"]
mod calls;

#[path = "fuzz/eltorito_catalog_calls.rs"]
mod catalog_calls;

#[path = "fuzz/susp_calls.rs"]
mod susp_calls;

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

#[test]
fn eltorito_catalog_corpus_replays() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/eltorito_catalog");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 10, "the corpus at {} has {} seeds", dir.display(), files.len());
    let parsed = files.iter().filter(|p| catalog_calls::run(&std::fs::read(p).unwrap())).count();
    // bios-only, bios-efi, three-sections, extensions, floppy-hd parse; the rest are broken.
    assert_eq!(parsed, 5, "the corpus lost its valid catalogs or its broken ones");
}

#[test]
fn susp_corpus_replays() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/susp");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 20, "the corpus at {} has {} seeds", dir.display(), files.len());
    let with_entries = files.iter().filter(|p| susp_calls::run(&std::fs::read(p).unwrap())).count();
    // Every seed cut from a real image holds entries; so do the hostile ones but the two
    // whose first entry has a bad length.
    assert_eq!(with_entries, files.len() - 2, "the corpus lost its real areas");
}
