//! Fuzzes the ISO 9660 + Joliet reader and verifier on arbitrary images.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../imapi-joliet/tests/fuzz/iso_read_calls.rs"]
mod calls;

fuzz_target!(|data: &[u8]| calls::run(data));
