//! Opens a stash from arbitrary bytes; when it opens, reads every track through its
//! `TrackReader` and runs the full verification. Nothing may panic, hang or allocate
//! beyond the input's size.
//!
//! Each input is tried twice: as it is, and with its header and table checksums recomputed,
//! so that mutations reach the table checks behind the checksums.
#![no_main]

use imapi_stash::Stash;
use libfuzzer_sys::fuzz_target;
use std::io::{Cursor, Read};

fn open_read_verify(data: &[u8]) {
    if let Ok(mut stash) = Stash::from_reader(Cursor::new(data)) {
        for i in 0..stash.tracks().len() {
            if let Ok(mut r) = stash.track_reader(i) {
                let _ = r.read_to_end(&mut Vec::new());
            }
        }
        let _ = stash.verify();
    }
}

/// Recomputes the table checksum (header bytes 56..60) and the version 1.0 header checksum
/// (bytes 124..128) where the header's offsets allow.
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

fuzz_target!(|data: &[u8]| {
    open_read_verify(data);
    let mut fixed = data.to_vec();
    fix_checksums(&mut fixed);
    open_read_verify(&fixed);
});
