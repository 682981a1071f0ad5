//! The floor `check` is measured against: every spec file of a workspace
//! read whole, in one process, on all cores, and nothing else done with it.
//!
//!     cargo build --release --example read-floor
//!     python3 bench/ab.py -n 9 --vs "target/release/examples/read-floor /tmp/b10000" \
//!         -- target/release/throughline check /tmp/b10000
//!
//! It finds the files as `check` does not (every `.yaml` and `.yml` under
//! the directory, hidden ones and `target/` included), which for a
//! generated workspace is the same set.

use rayon::prelude::*;

fn main() {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: read-floor DIR");
        std::process::exit(2);
    };
    let paths: Vec<std::path::PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    let bytes: usize = paths
        .par_iter()
        .map(|p| std::fs::read(p).map_or(0, |b| b.len()))
        .sum();
    println!("{} files, {bytes} bytes", paths.len());
}
