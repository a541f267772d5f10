//! Replays every file of the `stash_open` fuzz corpus on stable Rust through the fuzz
//! target's calls (`fuzz/fuzz_targets/stash_open.rs`), and checks that the seeds are valid.
//! The corpus lives in the crate (`tests/corpus/stash_open`), so the packaged crate replays it
//! too.

use imapi_stash::fuzzing::{fix_checksums, open_read_verify, stash_open};
use imapi_stash::Stash;
use std::io::Cursor;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/stash_open")
}

#[test]
fn the_corpus_replays_and_its_seeds_are_valid() {
    let mut files = 0;
    let mut valid = 0;
    for entry in std::fs::read_dir(corpus()).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        files += 1;
        if stash_open(&data) {
            valid += 1;
        }
    }
    assert!(files >= 4, "{} holds {files} files", corpus().display());
    // The four hand-made seeds are valid; files the fuzzer adds may not be.
    assert!(valid >= 4, "{valid} of {files} opened as valid");
}

#[test]
fn a_damaged_seed_does_not_open_until_its_checksums_are_fixed() {
    let mut data = std::fs::read(corpus().join("data-one-block")).unwrap();
    assert!(stash_open(&data));
    // Damage the table's reserved bytes of the disc record: the table CRC catches it ...
    let table_offset = data.len() - (16 + 32 + 48 + 16);
    data[table_offset + 16 + 30] = 1;
    assert!(!open_read_verify(&data));
    // ... and with the checksums recomputed, the reserved-byte check does.
    fix_checksums(&mut data);
    let e = Stash::from_reader(Cursor::new(&data[..])).unwrap_err();
    assert!(e.to_string().contains("reserved byte"), "{e}");
}
