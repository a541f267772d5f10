//! The body of the `stash_open` fuzz target, shared with the test that replays its corpus on
//! stable Rust. It takes untrusted bytes and panics only when an invariant breaks.

use std::io::{Cursor, Read};

use crate::Stash;

/// Opens a stash from `data`; when it opens, reads every track and runs the full verification.
/// Returns whether all of that succeeded.
pub fn open_read_verify(data: &[u8]) -> bool {
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

/// Recomputes the table checksum (header bytes 56..60) and the version 1.0 header checksum
/// (bytes 124..128) where the header's offsets allow, so mutations reach the checks behind
/// the checksums.
pub fn fix_checksums(data: &mut [u8]) {
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

/// The fuzz target: the input as given, then with its checksums recomputed. Returns whether
/// the input as given was a clean stash.
pub fn stash_open(data: &[u8]) -> bool {
    let clean = open_read_verify(data);
    let mut fixed = data.to_vec();
    fix_checksums(&mut fixed);
    open_read_verify(&fixed);
    clean
}
