#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| imapi_transport::tcmu::fuzzing::ring(data));
