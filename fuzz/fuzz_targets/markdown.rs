//! Markdown → sanitized HTML on arbitrary text; see `markdown_bytes` in
//! `fuzz/properties.rs`.
#![no_main]

include!("../properties.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| markdown_bytes(data));
