//! Records the git commit the binary is built from, for `throughline --version`.
//!
//! Outside a git checkout (a crates.io package) the version stands alone;
//! `THROUGHLINE_COMMIT` in the environment names a commit explicitly (release
//! builds from a source archive).

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=THROUGHLINE_COMMIT");
    let commit = std::env::var("THROUGHLINE_COMMIT").ok().or_else(|| {
        // Only this repository's own history: a checkout of another project
        // that vendors the crate must not lend it its commit.
        if !Path::new(".git").exists() {
            return None;
        }
        for watched in [".git/HEAD", ".git/packed-refs"] {
            println!("cargo:rerun-if-changed={watched}");
        }
        if let Some(head) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed=.git/{head}");
        }
        let hash = git(&["rev-parse", "--short=12", "HEAD"])?;
        let date = git(&["log", "-1", "--format=%cs", "HEAD"]);
        Some(match date {
            Some(date) => format!("{hash} {date}"),
            None => hash,
        })
    });
    if let Some(commit) = commit {
        println!("cargo:rustc-env=THROUGHLINE_BUILD_COMMIT={commit}");
    }
}
