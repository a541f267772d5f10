//! Opens a stash from arbitrary bytes; when it opens, reads every track through its
//! `TrackReader` and runs the full verification. Nothing may panic, hang or allocate
//! beyond the input's size.
//!
//! Each input is tried twice: as it is, and with its header and table checksums recomputed,
//! so that mutations reach the table checks behind the checksums.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    imapi_stash::fuzzing::stash_open(data);
});
