//! Replays every file of the `stash_open` fuzz corpus on stable Rust through the fuzz
//! target's calls (`fuzz/fuzz_targets/stash_open.rs`), and checks that the seeds are valid.

use imapi_stash::Stash;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

/// What the fuzz target does with one input; returns whether it opened, read and verified
/// cleanly.
fn open_read_verify(data: &[u8]) -> bool {
    let Ok(mut stash) = Stash::from_reader(Cursor::new(data)) else {
        return false;
    };
    let mut clean = true;
    for i in 0..stash.tracks().len() {
        match stash.track_reader(i) {
            Ok(mut r) => clean &= r.read_to_end(&mut Vec::new()).is_ok(),
            Err(_) => clean = false,
        }
    }
    clean && stash.verify().is_ok()
}

/// The fuzz target's checksum fix-up: table CRC at 56..60, header CRC at 124..128.
fn fix_checksums(data: &mut [u8]) {
    if data.len() < 128 {
        return;
    }
    let u64_at = |d: &[u8], at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&d[at..at + 8]);
        u64::from_le_bytes(b)
    };
    let table_offset = u64_at(data, 40);
    let table_len = u64_at(data, 48);
    if let Some(end) = table_offset.checked_add(table_len) {
        if end <= data.len() as u64 {
            let crc = crc32c::crc32c(&data[table_offset as usize..end as usize]);
            data[56..60].copy_from_slice(&crc.to_le_bytes());
        }
    }
    let crc = crc32c::crc32c(&data[..124]);
    data[124..128].copy_from_slice(&crc.to_le_bytes());
}

/// The fuzz target: both tries; returns whether the input as given was clean.
fn stash_open(data: &[u8]) -> bool {
    let clean = open_read_verify(data);
    let mut fixed = data.to_vec();
    fix_checksums(&mut fixed);
    open_read_verify(&fixed);
    clean
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/stash_open")
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
