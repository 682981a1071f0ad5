//! Replays every input saved under `fuzz/seeds/` — the starting corpus and
//! each input a fuzz run ever failed on — through the fuzz targets' own
//! assertions, so a crash once found stays fixed without cargo-fuzz.

include!("../fuzz/properties.rs");

use std::path::Path;

fn replay(target: &str, property: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no inputs in {}", dir.display());
    let failed: Vec<String> = inputs
        .iter()
        .filter(|path| {
            let data = std::fs::read(path).unwrap();
            std::panic::catch_unwind(|| property(&data)).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(failed.is_empty(), "{target} fails on: {failed:#?}");
}

#[test]
fn check_inputs_replay_clean() {
    replay("check", check_bytes);
}

#[test]
fn markdown_inputs_replay_clean() {
    replay("markdown", markdown_bytes);
}
