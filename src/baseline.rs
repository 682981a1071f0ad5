//! `--baseline REF`: which findings are new since a git revision.
//!
//! The workspace is read as it was at REF straight from git (`ls-tree` and
//! `cat-file`, no checkout), checked with the same rules and settings, and each
//! current finding is matched against the old ones by a fingerprint that does
//! not involve line numbers: rule, entity (or file), and message.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::load::{self, SITE_MARKER, Workspace, is_spec_path};
use crate::model::time::Date;
use crate::rules::{self, Schemas};

/// Whether a finding existed at the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    New,
    Existing,
}

/// The baseline could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("--baseline needs git: {0}")]
    Git(String),
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, BaselineError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| BaselineError::Git(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(BaselineError::Git(err.trim().to_string()));
    }
    Ok(out.stdout)
}

/// The spec files of the workspace in `dir` as they were at `rev`.
pub fn files_at(dir: &Path, rev: &str) -> Result<Vec<(String, String)>, BaselineError> {
    let prefix = String::from_utf8_lossy(&git(dir, &["rev-parse", "--show-prefix"])?)
        .trim()
        .to_string();
    let commit = format!("{rev}^{{commit}}");
    git(dir, &["rev-parse", "--verify", "--quiet", &commit])
        .map_err(|_| BaselineError::Git(format!("`{rev}` is not a commit in this repository")))?;
    let listing = git(
        dir,
        &[
            "ls-tree",
            "-r",
            "-z",
            "--full-name",
            "--name-only",
            rev,
            "--",
            ".",
        ],
    )?;
    let all: Vec<String> = listing
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            String::from_utf8_lossy(p)
                .strip_prefix(&prefix)
                .map(str::to_string)
        })
        .collect();
    // Directories that held a built site then are skipped, as discovery does now.
    let sites: Vec<String> = all
        .iter()
        .filter_map(|p| p.strip_suffix(SITE_MARKER))
        .map(str::to_string)
        .collect();
    let wanted: Vec<String> = all
        .into_iter()
        .filter(|p| {
            is_spec_path(p)
                && !sites
                    .iter()
                    .any(|s| !s.is_empty() && p.starts_with(s.as_str()))
        })
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| BaselineError::Git(format!("cannot run git: {e}")))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let requests: String = wanted
        .iter()
        .map(|p| format!("{rev}:{prefix}{p}\n"))
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(requests.as_bytes()));
    let mut output = Vec::new();
    child
        .stdout
        .take()
        .expect("piped stdout")
        .read_to_end(&mut output)
        .map_err(|e| BaselineError::Git(e.to_string()))?;
    let _ = writer.join();
    let _ = child.wait();
    let mut files = Vec::with_capacity(wanted.len());
    let mut at = 0;
    for path in wanted {
        let Some(header_end) = output[at..].iter().position(|&b| b == b'\n') else {
            break;
        };
        let header = String::from_utf8_lossy(&output[at..at + header_end]).to_string();
        at += header_end + 1;
        let mut fields = header.split(' ');
        let (_, kind, size) = (fields.next(), fields.next(), fields.next());
        let Some(size) = size.and_then(|s| s.parse::<usize>().ok()) else {
            continue; // "missing": not a blob
        };
        let body = &output[at..(at + size).min(output.len())];
        at += size + 1;
        if kind == Some("blob") {
            files.push((path, String::from_utf8_lossy(body).into_owned()));
        }
    }
    Ok(files)
}

/// A finding's identity across revisions, without positions.
fn fingerprint(ws: &Workspace, d: &Diagnostic) -> String {
    let place = match (&d.entity, d.location) {
        (Some(id), _) => format!("entity:{id}"),
        (None, Some(l)) => format!("file:{}", ws.files[l.file].rel_path),
        (None, None) => "workspace".to_string(),
    };
    // The cut-off count changes with unrelated edits; it is not the finding.
    let message = match d.message.find("; it cuts off ") {
        Some(i) => &d.message[..i],
        None => &d.message,
    };
    format!("{}\u{1f}{place}\u{1f}{message}", d.rule)
}

/// Checks the workspace at `rev` and marks each current finding new or existing.
pub fn compare(
    dir: &Path,
    rev: &str,
    config: &Config,
    schemas: &Schemas,
    today: Date,
    current: &Workspace,
    diagnostics: &[Diagnostic],
) -> Result<Vec<State>, BaselineError> {
    let old_ws = load::from_texts(files_at(dir, rev)?, Default::default());
    let old = rules::check(&old_ws, config, schemas, today);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for d in &old.diagnostics {
        *seen.entry(fingerprint(&old_ws, d)).or_default() += 1;
    }
    Ok(diagnostics
        .iter()
        .map(|d| match seen.get_mut(&fingerprint(current, d)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                State::Existing
            }
            _ => State::New,
        })
        .collect())
}
