//! Fuzzes the El Torito boot catalog parser, and its writer on whatever parses.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../imapi-joliet/tests/fuzz/eltorito_catalog_calls.rs"]
mod calls;

fuzz_target!(|data: &[u8]| {
    calls::run(data);
});
