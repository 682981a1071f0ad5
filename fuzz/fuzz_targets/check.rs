//! Load → check on arbitrary bytes; see `check_bytes` in `fuzz/properties.rs`.
#![no_main]

include!("../properties.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check_bytes(data));
