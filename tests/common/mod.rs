//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The date every test checks against, so `stale-review` is deterministic.
pub const TODAY: &str = "2026-06-01";

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn example_spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("example-spec")
}

/// Runs the real binary with `args`, without colour.
pub fn throughline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_throughline"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run throughline")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `check --format json --today TODAY DIR`, parsed, with the exit code.
pub fn check_json(dir: &Path, extra: &[&str]) -> (serde_json::Value, i32) {
    let dir = dir.to_str().unwrap();
    let mut args = vec!["check", dir, "--format", "json", "--today", TODAY];
    args.extend_from_slice(extra);
    let out = throughline(&args);
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(&out), stderr(&out)));
    (json, out.status.code().expect("exit code"))
}

/// The diagnostics of a report whose rule is `rule`.
pub fn findings<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == rule)
        .collect()
}

/// Writes `files` (relative path, text) into a fresh temporary workspace.
pub fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let files: Vec<(&str, &[u8])> = files.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
    workspace_of_bytes(&files)
}

/// Like [`workspace`], for files that need not be text.
pub fn workspace_of_bytes(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, bytes) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

/// The clean base workspace every rule fixture starts from.
pub fn base_yaml() -> String {
    std::fs::read_to_string(fixture("base/base.yaml")).unwrap()
}

/// `build DIR -o TMP/site --today TODAY EXTRA…`, which must succeed; the
/// temporary directory holding `site/`.
pub fn build_site(dir: &Path, today: &str, extra: &[&str]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let mut args = vec![
        "build",
        dir.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--today",
        today,
    ];
    args.extend_from_slice(extra);
    let o = throughline(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    tmp
}
