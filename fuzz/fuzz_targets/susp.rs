//! Fuzzes the SUSP/RRIP (Rock Ridge) parser on arbitrary system use areas.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../imapi-joliet/tests/fuzz/susp_calls.rs"]
mod calls;

fuzz_target!(|data: &[u8]| {
    calls::run(data);
});
