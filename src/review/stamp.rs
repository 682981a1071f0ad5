//! `throughline review`: stamp links as reviewed, and write the lock.
//!
//! A review replaces the stamps of the links it covers with the parents'
//! fingerprints now and HEAD's commit; every other stamp of a link that
//! still exists is kept as it was (a re-review of a link whose parent has
//! not changed keeps its line, so the lock's history says when the link
//! was last really reviewed). Stamps of links that no longer exist are
//! removed and reported, except those of entities in files that cannot be
//! parsed just now, which are kept until the file can be read.

use std::collections::HashSet;
use std::path::Path;

use crate::config::Config;
use crate::load::Workspace;
use crate::model::Model;

use super::lock::{FILE_NAME, Link, Lock, Stamp};
use super::{LinkState, State, states};

/// What a review does to the lock.
#[derive(Debug, Default)]
pub struct Plan {
    /// Stamps written or replaced, in link order.
    pub stamped: Vec<Stamp>,
    /// Links of the review already stamped with the parent as it is.
    pub unchanged: usize,
    /// Stamps of links that no longer exist.
    pub removed: Vec<Stamp>,
    /// Later duplicate lines folded into one.
    pub merged: usize,
    /// The lock's new text.
    pub text: String,
    /// Whether the text differs from the lock's.
    pub changes: bool,
}

/// Why a review cannot write the lock.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("{0}")]
    UnknownId(String),
    #[error(
        "throughline.lock has lines this throughline cannot read (line {}); fix them (see `throughline check`) before a review rewrites it: nothing was written",
        .0.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", ")
    )]
    Unreadable(Vec<usize>),
    #[error(
        "throughline.lock was written by a newer throughline; upgrade before reviewing: nothing was written"
    )]
    Newer,
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Which links a review stamps.
pub enum Selection<'a> {
    /// The links of these children (by id).
    Children(&'a [String]),
    /// Every link.
    All,
    /// These links.
    Links(&'a [Link]),
}

/// Checks that every id names an entity: an unknown one is an error, with
/// the closest id suggested.
pub fn check_ids(model: &Model, ids: &[String]) -> Result<(), ReviewError> {
    for id in ids {
        model.find(id).map_err(ReviewError::UnknownId)?;
    }
    Ok(())
}

/// What reviewing `selection` (only its suspect links, with `suspect_only`)
/// does to the workspace's lock, stamps naming `commit`.
pub fn plan(
    ws: &Workspace,
    model: &Model,
    config: &Config,
    selection: &Selection,
    suspect_only: bool,
    commit: Option<&str>,
) -> Result<Plan, ReviewError> {
    let empty = Lock::default();
    let (lock, old_text) = match &ws.lock {
        Some((file, lock)) => (lock.as_ref(), Some(&ws.files[*file].text)),
        None => (&empty, None),
    };
    if lock.newer {
        return Err(ReviewError::Newer);
    }
    if !lock.unreadable.is_empty() {
        return Err(ReviewError::Unreadable(lock.unreadable.clone()));
    }
    if let Selection::Children(ids) = selection {
        check_ids(model, ids)?;
    }
    let children: HashSet<&str> = match selection {
        Selection::Children(ids) => ids.iter().map(String::as_str).collect(),
        _ => HashSet::new(),
    };
    let wanted_links: HashSet<&Link> = match selection {
        Selection::Links(links) => links.iter().collect(),
        _ => HashSet::new(),
    };
    let covered = |s: &LinkState| {
        let chosen = match selection {
            Selection::All => true,
            Selection::Children(_) => children.contains(s.link.child.as_str()),
            Selection::Links(_) => wanted_links.contains(&s.link),
        };
        chosen && (!suspect_only || matches!(s.state, State::Suspect(_)))
    };
    let mut plan = Plan::default();
    let mut next: Vec<Stamp> = Vec::new();
    let all = states(ws, model, config, lock);
    let existing: HashSet<&Link> = all.iter().map(|s| &s.link).collect();
    for s in &all {
        let kept = || {
            lock.all_of(&s.link)
                .find(|st| st.fingerprint == s.fingerprint)
                .or_else(|| lock.get(&s.link))
        };
        match (&s.state, covered(s)) {
            (State::Reviewed, _) => {
                if covered(s) {
                    plan.unchanged += 1;
                }
                next.push(kept().expect("a reviewed link has a stamp"));
            }
            (_, true) => {
                let stamp = Stamp {
                    link: s.link.clone(),
                    fingerprint: s.fingerprint.as_str().into(),
                    commit: commit.map(Into::into),
                    line: 0,
                };
                plan.stamped.push(stamp.clone());
                next.push(stamp);
            }
            (State::Suspect(_), false) => next.push(kept().expect("a suspect link has a stamp")),
            (State::Unreviewed, false) => {}
        }
    }
    // Entities that cannot be read now: their stamps wait for them.
    let damaged: HashSet<&str> = ws.damaged.iter().map(|d| d.id.as_str()).collect();
    for stamp in lock.stamps() {
        if existing.contains(&stamp.link) {
            continue;
        }
        if damaged.contains(stamp.link.child.as_str())
            || damaged.contains(stamp.link.parent.as_str())
        {
            next.push(stamp);
        } else {
            plan.removed.push(stamp);
        }
    }
    plan.merged = lock.duplicates();
    plan.text = Lock::render(&next);
    plan.changes = old_text.is_none_or(|old| old.as_ref() != plan.text);
    if old_text.is_none() && next.is_empty() {
        plan.changes = false;
    }
    Ok(plan)
}

/// HEAD's full commit id, when `root` is in a git repository with one.
pub fn head(root: &Path) -> Option<String> {
    let out = crate::baseline::git(root, &["rev-parse", "--verify", "--quiet", "HEAD"]).ok()?;
    let id = String::from_utf8_lossy(&out).trim().to_string();
    (!id.is_empty()).then_some(id)
}

/// Writes `text` to `root/throughline.lock` atomically: to a temporary file
/// beside it, flushed to disk, then renamed over it, so that a reader (or a
/// crash) sees the old lock or the new one, never half of one.
pub fn write(root: &Path, text: &str) -> Result<(), ReviewError> {
    let path = root.join(FILE_NAME);
    crate::atomic::write(&path, text.as_bytes()).map_err(|source| ReviewError::Write {
        path: path.display().to_string(),
        source,
    })
}
