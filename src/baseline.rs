//! `--baseline REF`: which findings are new since a git revision.
//!
//! The workspace is read as it was at REF straight from git (`ls-tree -z`
//! and `cat-file` by object id, no checkout) through the same discovery
//! predicate and parse path as the live walk, checked with the same rules and
//! settings, and each
//! current finding is matched against the old ones by a fingerprint that does
//! not involve line numbers: rule, entity (or file), and message.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::load::{self, SITE_MARKER, Workspace};
use crate::model::time::Date;
use crate::rules::{self, Schemas};

/// Whether a finding existed at the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    New,
    Existing,
}

/// A revision of the workspace could not be read from git.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{0} is not inside a git repository; revisions are read from git")]
    NotARepository(String),
    #[error(
        "{0} is outside the work tree of its git repository; give a directory of the checked-out files"
    )]
    OutsideWorkTree(String),
    #[error("`{0}` is not a commit in this repository (a branch, tag or commit id is expected)")]
    UnknownRef(String),
    #[error("git: {0}")]
    Git(String),
}

pub(crate) fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, BaselineError> {
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

/// One entry of `git ls-tree -r`: a path (from the repository's top) and
/// its object.
struct TreeEntry {
    mode: String,
    object: String,
    path: String,
}

/// Where a spec file of the old revision is read from.
enum Origin {
    /// A blob of the revision.
    Blob(String),
    /// A file outside the repository that a symbolic link of the revision
    /// names: read from disk, as the live walk reads it.
    Disk(PathBuf),
    /// Why it cannot be read.
    Unreadable(String),
}

/// The path `target` names from the directory `from`, both relative to the
/// repository's top, normalised; `None` when it leaves the repository.
fn resolve_link(from: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The spec files of the workspace in `dir` as they were at `rev`, chosen
/// by the same predicate as the live walk and read through the same parse
/// path, so that a revision equal to the working tree reads the same.
pub fn workspace_at(dir: &Path, rev: &str, config: &Config) -> Result<Workspace, BaselineError> {
    check_repository(dir)?;
    check_rev(dir, rev)?;
    let commit = format!("{rev}^{{commit}}");
    let top_out = git(dir, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(String::from_utf8_lossy(&top_out).trim_end_matches('\n'));
    let prefix_out = git(dir, &["rev-parse", "--show-prefix"])?;
    let prefix = String::from_utf8_lossy(&prefix_out)
        .trim_end_matches('\n')
        .to_string();
    let listing = git(dir, &["ls-tree", "-r", "-z", "--full-name", &commit])?;
    let entries: Vec<TreeEntry> = listing
        .split(|&b| b == 0)
        .filter(|e| !e.is_empty())
        .filter_map(|e| {
            let text = String::from_utf8_lossy(e);
            let (meta, path) = text.split_once('\t')?;
            let mut meta = meta.split(' ');
            let (mode, _kind, object) = (meta.next()?, meta.next()?, meta.next()?);
            Some(TreeEntry {
                mode: mode.to_string(),
                object: object.to_string(),
                path: path.to_string(),
            })
        })
        .collect();
    let by_path: HashMap<&str, &TreeEntry> = entries.iter().map(|e| (e.path.as_str(), e)).collect();
    // Directories that held a built site then are skipped, as discovery does now.
    let sites: Vec<String> = entries
        .iter()
        .filter_map(|e| e.path.strip_suffix(SITE_MARKER))
        .map(str::to_string)
        .collect();
    let in_site = |p: &str| {
        sites
            .iter()
            .any(|s| !s.is_empty() && p.starts_with(s.as_str()))
    };
    let link_targets = link_texts(dir, &entries)?;
    // (path relative to the workspace, where to read it, what it is).
    let mut wanted: Vec<(String, Origin, String)> = Vec::new();
    let mut consider = |rel: String, origin: Origin, identity: String| {
        if config.specs.reads(&rel) && !in_site(&format!("{prefix}{rel}")) {
            wanted.push((rel, origin, identity));
        }
    };
    for e in &entries {
        let Some(rel) = e.path.strip_prefix(prefix.as_str()) else {
            continue;
        };
        match e.mode.as_str() {
            "100644" | "100755" => consider(
                rel.to_string(),
                Origin::Blob(e.object.clone()),
                e.path.clone(),
            ),
            "120000" => {
                let parent = e.path.rsplit_once('/').map_or("", |(d, _)| d);
                let target = link_targets.get(&e.object).cloned().unwrap_or_default();
                match resolve_link(parent, &target) {
                    Some(to) => match by_path.get(to.as_str()) {
                        Some(t) if t.mode.starts_with("100") => {
                            consider(rel.to_string(), Origin::Blob(t.object.clone()), to)
                        }
                        _ => {
                            // A linked directory: what the tree holds below it.
                            let below = format!("{to}/");
                            let mut any = false;
                            for t in entries.iter().filter(|t| t.path.starts_with(&below)) {
                                any = true;
                                if t.mode.starts_with("100") {
                                    let rest = &t.path[below.len()..];
                                    consider(
                                        format!("{rel}/{rest}"),
                                        Origin::Blob(t.object.clone()),
                                        t.path.clone(),
                                    );
                                }
                            }
                            if !any {
                                consider(
                                    rel.to_string(),
                                    Origin::Unreadable(format!(
                                        "cannot read: {}",
                                        std::io::Error::from_raw_os_error(2)
                                    )),
                                    e.path.clone(),
                                );
                            }
                        }
                    },
                    None => {
                        let on_disk = top.join(parent).join(&target);
                        let identity = std::fs::canonicalize(&on_disk)
                            .map_or_else(|_| e.path.clone(), |c| c.display().to_string());
                        consider(rel.to_string(), Origin::Disk(on_disk), identity);
                    }
                }
            }
            // Submodules (160000) are not part of the revision's tree.
            _ => {}
        }
    }
    wanted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    // A file reached by several paths is read once, at its first path.
    let mut seen = std::collections::HashSet::new();
    wanted.retain(|(_, _, identity)| seen.insert(identity.clone()));
    let blobs: Vec<&str> = wanted
        .iter()
        .filter_map(|(_, o, _)| match o {
            Origin::Blob(id) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let mut contents = cat_blobs(dir, &blobs)?;
    let files: Vec<(String, load::Contents)> = wanted
        .into_iter()
        .map(|(rel, origin, _)| {
            let c = match origin {
                Origin::Blob(id) => contents
                    .remove(&id)
                    .ok_or_else(|| format!("cannot read: object {id} is missing")),
                Origin::Disk(path) => std::fs::read(&path).map_err(|e| format!("cannot read: {e}")),
                Origin::Unreadable(message) => Err(message),
            };
            (rel, c)
        })
        .collect();
    Ok(load::from_contents(dir, files, config.limits))
}

/// Fails unless `dir` lies in the work tree of a git repository.
pub fn check_repository(dir: &Path) -> Result<(), BaselineError> {
    let shown = || dir.display().to_string();
    match git(dir, &["rev-parse", "--is-inside-work-tree"]) {
        Ok(out) if String::from_utf8_lossy(&out).trim() == "true" => Ok(()),
        Ok(_) => Err(BaselineError::OutsideWorkTree(shown())),
        Err(BaselineError::Git(message)) if message.contains("not a git repository") => {
            Err(BaselineError::NotARepository(shown()))
        }
        Err(BaselineError::Git(message)) if message.contains("must be run in a work tree") => {
            Err(BaselineError::OutsideWorkTree(shown()))
        }
        Err(e) => Err(e),
    }
}

/// Checks that `rev` names a commit, before anything else is read.
pub fn check_rev(dir: &Path, rev: &str) -> Result<(), BaselineError> {
    let commit = format!("{rev}^{{commit}}");
    git(dir, &["rev-parse", "--verify", "--quiet", &commit])
        .map(|_| ())
        .map_err(|_| BaselineError::UnknownRef(rev.to_string()))
}

/// The targets of the symbolic links among `entries`, by object id.
fn link_texts(dir: &Path, entries: &[TreeEntry]) -> Result<HashMap<String, String>, BaselineError> {
    let links: Vec<&str> = entries
        .iter()
        .filter(|e| e.mode == "120000")
        .map(|e| e.object.as_str())
        .collect();
    Ok(cat_blobs(dir, &links)?
        .into_iter()
        .map(|(id, bytes)| (id, String::from_utf8_lossy(&bytes).into_owned()))
        .collect())
}

/// The bytes of each blob, by object id, from one `git cat-file --batch`.
pub(crate) fn cat_blobs(
    dir: &Path,
    ids: &[&str],
) -> Result<HashMap<String, Vec<u8>>, BaselineError> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| BaselineError::Git(format!("cannot run git: {e}")))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let requests: String = ids.iter().map(|id| format!("{id}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(requests.as_bytes()));
    let mut output = Vec::new();
    child
        .stdout
        .take()
        .expect("piped stdout")
        .read_to_end(&mut output)
        .map_err(|e| BaselineError::Git(e.to_string()))?;
    let _ = writer.join();
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let status = child
        .wait()
        .map_err(|e| BaselineError::Git(e.to_string()))?;
    if !status.success() {
        return Err(BaselineError::Git(format!(
            "git cat-file failed: {}",
            stderr.trim()
        )));
    }
    let mut at = 0;
    for id in ids {
        let Some(header_end) = output[at..].iter().position(|&b| b == b'\n') else {
            break;
        };
        let header = String::from_utf8_lossy(&output[at..at + header_end]).to_string();
        at += header_end + 1;
        let mut fields = header.split(' ');
        let (_, kind, size) = (fields.next(), fields.next(), fields.next());
        let Some(size) = size.and_then(|s| s.parse::<usize>().ok()) else {
            continue; // "<id> missing"
        };
        let body = output[at..(at + size).min(output.len())].to_vec();
        at += size + 1;
        if kind == Some("blob") {
            out.insert(id.to_string(), body);
        }
    }
    Ok(out)
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

/// For each finding of `current` (in `ws`), whether `old` (in `old_ws`)
/// lacks it: findings are matched by [`fingerprint`], each old one at most once.
pub(crate) fn unmatched(
    ws: &Workspace,
    current: &[Diagnostic],
    old_ws: &Workspace,
    old: &[Diagnostic],
) -> Vec<bool> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for d in old {
        *seen.entry(fingerprint(old_ws, d)).or_default() += 1;
    }
    current
        .iter()
        .map(|d| match seen.get_mut(&fingerprint(ws, d)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .collect()
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
    let mut old_ws = workspace_at(dir, rev, config)?;
    // dbt's artifacts are not in git: the specs at `rev` are checked against
    // today's, so only what the change of specs brings in counts as new.
    old_ws.dbt = current.dbt.clone();
    if let Some(l) = &current.lineage {
        crate::openlineage::Lineage::attach(&mut old_ws, l.events.clone());
    }
    let old = rules::check(&old_ws, config, schemas, today);
    Ok(unmatched(current, diagnostics, &old_ws, &old.diagnostics)
        .into_iter()
        .map(|new| if new { State::New } else { State::Existing })
        .collect())
}
