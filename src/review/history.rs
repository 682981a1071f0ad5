//! What changed in a parent since its link was reviewed: the version of
//! the parent the stamp was written against, found in git.
//!
//! A stamp names HEAD when it was written, and the fingerprint of the
//! parent then. The parent's file at that commit is the reviewed version
//! when the review came after the parent's change was committed; when the
//! author edited the parent, ran `review` and committed both at once, the
//! reviewed version is in a later commit. So the parent's file is read at
//! the stamp's commit and at each later commit that touched it (oldest
//! first, a bounded number), and the first version whose fingerprint is the
//! stamp's is the one reviewed; a parent whose file moved is looked for in
//! the whole workspace at the stamp's commit.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::baseline::{cat_blobs, git};
use crate::config::Config;
use crate::load::source::SourceFile;
use crate::load::yaml::{self, Node};
use crate::model::Kind;

use super::fingerprint::fingerprint;

/// The most later commits of the parent's file that are read.
const MAX_LATER_COMMITS: usize = 200;

/// What is known of the reviewed version of a parent.
#[derive(Debug, Clone)]
pub enum Reviewed {
    /// The version, and the commit it was read from.
    Found { node: Arc<Node>, commit: String },
    /// Why it is not known, in words for a message.
    Unknown(String),
}

/// A parent looked up: `(workspace root, parent id, stamp fingerprint, stamp commit)`.
type Key = (PathBuf, String, String, Option<String>);

/// Versions found, for the whole process: the language server and `serve`
/// check again after every change, and the history does not change under
/// them (a commit's contents never do).
static FOUND: Mutex<Option<HashMap<Key, Reviewed>>> = Mutex::new(None);

/// The reviewed version of the parent `id` (of `kind`, now in the file at
/// `rel` of the workspace at `root`) that `fingerprint_then` was taken of.
pub fn reviewed(
    root: &Path,
    rel: &str,
    id: &str,
    kind: Option<Kind>,
    fingerprint_then: &str,
    commit: Option<&str>,
    config: &Config,
) -> Reviewed {
    let key: Key = (
        root.to_path_buf(),
        id.to_string(),
        fingerprint_then.to_string(),
        commit.map(str::to_string),
    );
    if let Some(found) = FOUND
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .and_then(|m| m.get(&key))
    {
        return found.clone();
    }
    let found = look_up(root, rel, id, kind, fingerprint_then, commit, config);
    FOUND
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(key, found.clone());
    found
}

fn look_up(
    root: &Path,
    rel: &str,
    id: &str,
    kind: Option<Kind>,
    fingerprint_then: &str,
    commit: Option<&str>,
    config: &Config,
) -> Reviewed {
    let Some(commit) = commit else {
        return Reviewed::Unknown("the stamp names no commit (it was written outside git)".into());
    };
    let ignore = &config.review.ignore;
    let Ok(prefix) = git(root, &["rev-parse", "--show-prefix"]) else {
        return Reviewed::Unknown(format!(
            "the stamp names commit {}, and this workspace is not in a git repository",
            short(commit)
        ));
    };
    if crate::baseline::check_rev(root, commit).is_err() {
        return Reviewed::Unknown(format!(
            "the stamp names commit {}, which this repository does not have (a shallow clone? fetch more history)",
            short(commit)
        ));
    }
    let prefix = String::from_utf8_lossy(&prefix).trim_end().to_string();
    let path = format!("{prefix}{rel}");
    let mut commits = vec![commit.to_string()];
    let range = format!("{commit}..HEAD");
    if let Ok(later) = git(
        root,
        &[
            "rev-list",
            "--reverse",
            "--topo-order",
            &range,
            "--",
            &format!(":(top){path}"),
        ],
    ) {
        commits.extend(
            String::from_utf8_lossy(&later)
                .lines()
                .take(MAX_LATER_COMMITS)
                .map(str::to_string),
        );
    }
    let names: Vec<String> = commits.iter().map(|c| format!("{c}:{path}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let blobs = cat_blobs(root, &refs).unwrap_or_default();
    for (c, name) in commits.iter().zip(&names) {
        let Some(bytes) = blobs.get(name) else {
            continue;
        };
        if let Some(node) = entity_in(bytes, rel, id, config)
            && fingerprint(&node, kind, ignore) == fingerprint_then
        {
            return Reviewed::Found {
                node: Arc::new(node),
                commit: c.clone(),
            };
        }
    }
    // The parent may have lived in another file then.
    if let Ok(ws) = crate::baseline::workspace_at(root, commit, config) {
        let found = ws.documents.iter().find(|d| {
            d.node.get_str("id") == Some(id)
                && fingerprint(&d.node, kind, ignore) == fingerprint_then
        });
        if let Some(d) = found {
            return Reviewed::Found {
                node: d.node.clone(),
                commit: commit.to_string(),
            };
        }
    }
    Reviewed::Unknown(format!(
        "the reviewed version of `{id}` is in no commit from {} on (reviewed before it was committed, or the history was rewritten)",
        short(commit)
    ))
}

/// The document that defines `id` in a spec file's bytes.
fn entity_in(bytes: &[u8], rel: &str, id: &str, config: &Config) -> Option<Node> {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let file = SourceFile::new(rel.to_string(), PathBuf::from(rel), text);
    yaml::parse(&file, config.limits)
        .documents
        .into_iter()
        .find(|d| d.get_str("id") == Some(id))
}

/// A commit id as people read it: its first 12 digits.
pub fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}
