//! `throughline diff`: what a change does to the trace (contract §8).
//!
//! Both revisions are read from git the way `--baseline` reads one (the head
//! may be the working tree), checked with the working tree's configuration
//! and schemas, and compared entity by entity (matched by id, so a moved or
//! reordered document is not a change), link by link, finding by finding.
//! `fields.rs` finds field-level changes, `semantics.rs` names the ones that
//! matter to the trace (a target lowered, a hypothesis invalidated) and the
//! breaking ones; `json.rs`, `human.rs` and `markdown.rs` render the result.

pub mod fields;
pub mod human;
pub mod json;
pub mod markdown;
pub mod semantics;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::load::Workspace;
use crate::model::time::Date;
use crate::model::{EntityId, Model};
use crate::rules::{self, Analysis};
pub use fields::FieldChange;

/// One revision, checked.
pub struct Side {
    pub workspace: Workspace,
    pub analysis: Analysis,
}

impl Side {
    fn model(&self) -> &Model {
        &self.analysis.model
    }

    /// Each id's entity (the first, when an id is duplicated).
    fn ids(&self) -> impl Iterator<Item = (&str, EntityId)> + '_ {
        let model = self.model();
        (0..model.entities.len())
            .filter(move |&e| model.is_canonical(e))
            .map(move |e| (model.entities[e].id.as_str(), e))
    }

    fn info(&self, e: EntityId) -> EntityInfo {
        let entity = &self.model().entities[e];
        let node = entity.node(&self.workspace);
        EntityInfo {
            id: entity.id.to_string(),
            kind: entity.kind.map_or_else(
                || node.get_str("kind").unwrap_or_default().to_string(),
                |k| k.name().to_string(),
            ),
            name: node.get_str("name").map(str::to_string),
            file: self.workspace.files[entity.file].rel_path.clone(),
        }
    }

    fn traced(&self, e: EntityId) -> bool {
        self.analysis.trace.traced[e]
    }
}

/// Reads and checks the workspace in `dir` at `base` and at `head` (the
/// working tree when `None`), both with the working tree's configuration.
pub fn read(
    dir: &Path,
    base: &str,
    head: Option<&str>,
    today: Date,
) -> Result<(Side, Side), crate::Error> {
    crate::load::check_root(dir)?;
    crate::baseline::check_repository(dir)?;
    crate::baseline::check_rev(dir, base)?;
    if let Some(head) = head {
        crate::baseline::check_rev(dir, head)?;
    }
    let (config, schemas) = crate::configured(dir)?;
    let side = |rev: Option<&str>| -> Result<Side, crate::Error> {
        match rev {
            Some(rev) => read_side(dir, rev, &config, &schemas, today),
            None => {
                let workspace = crate::load::load(dir, &crate::load_options(&config))?;
                let analysis = rules::check(&workspace, &config, &schemas, today);
                Ok(Side {
                    workspace,
                    analysis,
                })
            }
        }
    };
    std::thread::scope(|s| {
        let old = s.spawn(|| side(Some(base)));
        let new = side(head);
        let old = old.join().map_err(|_| {
            crate::baseline::BaselineError::Git("reading the base revision failed".into())
        })?;
        Ok((old?, new?))
    })
}

/// The workspace in `dir` at `rev`, checked with `config` and `schemas`.
pub fn read_side(
    dir: &Path,
    rev: &str,
    config: &crate::config::Config,
    schemas: &crate::rules::Schemas,
    today: Date,
) -> Result<Side, crate::Error> {
    let workspace = crate::baseline::workspace_at(dir, rev, config)?;
    let analysis = rules::check(&workspace, config, schemas, today);
    Ok(Side {
        workspace,
        analysis,
    })
}

/// What identifies an entity in the diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityInfo {
    pub id: String,
    /// The kind's name (as written, for a kind throughline does not know).
    pub kind: String,
    pub name: Option<String>,
    /// The file it is in (in the head revision, or the base one if removed).
    pub file: String,
}

pub use crate::query::impact::Impact;

/// An added or removed entity.
#[derive(Debug, Clone)]
pub struct Entry {
    pub entity: EntityInfo,
    pub impact: Impact,
}

/// An entity in both revisions whose content changed.
#[derive(Debug, Clone)]
pub struct Modified {
    pub entity: EntityInfo,
    pub impact: Impact,
    pub changes: Vec<FieldChange>,
    /// The changes that matter to the trace, by name.
    pub notes: Vec<semantics::Note>,
}

/// An entity whose id moved to another file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub entity: EntityInfo,
    pub from: String,
}

/// A declared link: `from` names `to` in `field`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Link {
    pub from: String,
    pub to: String,
    pub field: &'static str,
}

/// How much of the workspace is traced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Every entity (the first of each id).
    pub entities: usize,
    /// Those that reach the North Star.
    pub traced: usize,
    /// Sources and Consumers: context, never traced.
    pub context: usize,
}

impl Coverage {
    /// The entities that should reach the North Star and do not.
    pub fn untraced(&self) -> usize {
        self.entities - self.context - self.traced
    }

    /// "24 traced, 1 untraced".
    pub fn text(&self) -> String {
        format!("{} traced, {} untraced", self.traced, self.untraced())
    }
}

/// A change that breaks what depends on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breaking {
    pub entity: EntityInfo,
    /// Which kind of break (`port-removed`, `port-renamed`,
    /// `freshness-weakened`, `removed-while-referenced`, `became-untraced`).
    pub name: &'static str,
    pub reason: String,
    /// The ids of what it affects, nearest first.
    pub affects: Vec<String>,
}

/// A finding that appeared or went away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub entity: Option<String>,
}

/// Everything that changed between two revisions.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    pub base: String,
    pub head: Option<String>,
    pub added: Vec<Entry>,
    pub removed: Vec<Entry>,
    pub modified: Vec<Modified>,
    pub moved: Vec<Moved>,
    pub links_added: Vec<Link>,
    pub links_removed: Vec<Link>,
    pub before: Coverage,
    pub after: Coverage,
    pub became_untraced: Vec<EntityInfo>,
    pub became_traced: Vec<EntityInfo>,
    pub new_findings: Vec<Finding>,
    pub fixed_findings: Vec<Finding>,
    pub breaking: Vec<Breaking>,
    /// Links whose stamp in throughline.lock is new or changed: reviewed
    /// between the revisions.
    pub reviewed: Vec<crate::review::Link>,
    /// Links whose stamp was removed from the lock.
    pub unstamped: Vec<crate::review::Link>,
    /// The head's suspect links (CONTRACT §10): what a reviewer must look
    /// at before the change lands.
    pub suspect: Vec<SuspectLink>,
}

/// A suspect link in the head, with what changed in its parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuspectLink {
    pub link: crate::review::Link,
    /// The parent's changed fields (CONTRACT §8 notation), empty when unknown.
    pub changed: Vec<String>,
    /// Where the child names the parent.
    pub file: String,
    pub line: usize,
    /// Whether the link was already suspect in the base revision.
    pub before: bool,
}

/// The suspect links of one side, with their findings and the child's file.
fn side_suspects(side: &Side) -> Vec<(crate::review::Link, &Diagnostic, usize)> {
    let model = side.model();
    side.analysis
        .diagnostics
        .iter()
        .filter_map(|d| {
            let (child, r) = crate::review::link_of(model, d)?;
            let link = crate::review::Link {
                child: compact_str::CompactString::from(&*model.entities[child].id),
                field: compact_str::CompactString::from(r.field.display()),
                parent: compact_str::CompactString::from(&*r.target),
            };
            Some((link, d, model.entities[child].file))
        })
        .collect()
}

/// The suspect links of the head, each marked if the base had it too.
fn suspect_links(base: &Side, head: &Side) -> Vec<SuspectLink> {
    let old: HashSet<crate::review::Link> =
        side_suspects(base).into_iter().map(|(l, ..)| l).collect();
    let mut out: Vec<SuspectLink> = side_suspects(head)
        .into_iter()
        .map(|(link, d, file)| SuspectLink {
            before: old.contains(&link),
            changed: d.changed.clone().unwrap_or_default(),
            file: head.workspace.files[file].rel_path.clone(),
            line: d.location.map_or(0, |l| l.span.start.line()),
            link,
        })
        .collect();
    out.sort_by(|a, b| a.link.cmp(&b.link));
    out.dedup_by(|a, b| a.link == b.link);
    out
}

/// The links reviewed between two locks, and those whose stamps went.
fn reviews(
    base: &Workspace,
    head: &Workspace,
) -> (Vec<crate::review::Link>, Vec<crate::review::Link>) {
    let empty = crate::review::Lock::default();
    let lock = |ws: &Workspace| ws.lock.as_ref().map_or(&empty, |(_, l)| l.as_ref()).clone();
    let (old, new) = (lock(base), lock(head));
    let mut reviewed: Vec<crate::review::Link> = new
        .stamps()
        .filter(|s| {
            old.get(&s.link)
                .is_none_or(|o| o.fingerprint != s.fingerprint || o.commit != s.commit)
        })
        .map(|s| s.link)
        .collect();
    let mut unstamped: Vec<crate::review::Link> = old
        .stamps()
        .filter(|s| new.get(&s.link).is_none())
        .map(|s| s.link)
        .collect();
    reviewed.sort();
    unstamped.sort();
    (reviewed, unstamped)
}

impl Diff {
    /// Whether the trace is the same in both revisions (moves aside).
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.modified.is_empty()
            && self.links_added.is_empty()
            && self.links_removed.is_empty()
            && self.new_findings.is_empty()
            && self.fixed_findings.is_empty()
    }

    /// "`main` → the working tree", for headings.
    pub fn range(&self) -> String {
        format!(
            "`{}` → {}",
            self.base,
            self.head
                .as_ref()
                .map_or_else(|| "the working tree".to_string(), |h| format!("`{h}`"))
        )
    }

    /// The entities that are new or changed in the head, by id: `true` for new.
    pub fn badges(&self) -> HashMap<String, bool> {
        self.added
            .iter()
            .map(|e| (e.entity.id.clone(), true))
            .chain(self.modified.iter().map(|m| (m.entity.id.clone(), false)))
            .collect()
    }
}

/// Compares two checked revisions.
pub fn compare(base: &Side, head: &Side, base_ref: &str, head_ref: Option<&str>) -> Diff {
    let old: HashMap<&str, EntityId> = base.ids().collect();
    let new: HashMap<&str, EntityId> = head.ids().collect();
    let mut diff = Diff {
        base: base_ref.to_string(),
        head: head_ref.map(str::to_string),
        ..Diff::default()
    };
    (diff.reviewed, diff.unstamped) = reviews(&base.workspace, &head.workspace);
    for (id, e) in head.ids() {
        let Some(&b) = old.get(id) else {
            diff.added.push(Entry {
                entity: head.info(e),
                impact: crate::query::impact::impact(head.model(), e),
            });
            continue;
        };
        let (before, after) = (base.info(b), head.info(e));
        if before.file != after.file {
            diff.moved.push(Moved {
                entity: after.clone(),
                from: before.file.clone(),
            });
        }
        let (bn, an) = (
            base.model().entities[b].node(&base.workspace),
            head.model().entities[e].node(&head.workspace),
        );
        let changes = fields::diff(bn, an);
        if !changes.is_empty() {
            diff.modified.push(Modified {
                impact: crate::query::impact::impact(head.model(), e),
                notes: semantics::notes(&after.kind, bn, an),
                entity: after,
                changes,
            });
        }
    }
    for (id, b) in base.ids() {
        if !new.contains_key(id) {
            diff.removed.push(Entry {
                entity: base.info(b),
                impact: crate::query::impact::impact(base.model(), b),
            });
        }
    }
    let (old_links, new_links) = (links(base), links(head));
    diff.links_added = new_links.difference(&old_links).cloned().collect();
    diff.links_removed = old_links.difference(&new_links).cloned().collect();
    diff.links_added.sort();
    diff.links_removed.sort();
    diff.before = coverage(base);
    diff.after = coverage(head);
    for (id, e) in head.ids() {
        let Some(&b) = old.get(id) else { continue };
        if !traceable(head, e) {
            continue;
        }
        match (base.traced(b), head.traced(e)) {
            (true, false) => diff.became_untraced.push(head.info(e)),
            (false, true) => diff.became_traced.push(head.info(e)),
            _ => {}
        }
    }
    let (new_findings, fixed_findings) = findings(base, head);
    diff.new_findings = new_findings;
    diff.fixed_findings = fixed_findings;
    diff.breaking = semantics::breaking(base, head, &diff);
    diff.suspect = suspect_links(base, head);
    diff
}

/// Whether `e` is of a kind the trace counts (not a Source or Consumer).
fn traceable(side: &Side, e: EntityId) -> bool {
    side.model().entities[e]
        .kind
        .is_some_and(|k| !k.is_context())
}

fn coverage(side: &Side) -> Coverage {
    let mut c = Coverage::default();
    for (_, e) in side.ids() {
        c.entities += 1;
        if traceable(side, e) {
            c.traced += usize::from(side.traced(e));
        } else {
            c.context += 1;
        }
    }
    c
}

fn links(side: &Side) -> HashSet<Link> {
    let model = side.model();
    model
        .refs
        .iter()
        .filter(|r| model.is_canonical(r.from))
        .map(|r| Link {
            from: model.entities[r.from].id.to_string(),
            to: r.target.to_string(),
            field: r.field.display(),
        })
        .collect()
}

fn finding(ws: &Workspace, d: &Diagnostic) -> Finding {
    Finding {
        rule: d.rule.name(),
        severity: d.severity.as_str(),
        message: d.message.clone(),
        file: d.location.map(|l| ws.files[l.file].rel_path.clone()),
        line: d.location.map(|l| l.span.start.line()),
        column: d.location.map(|l| l.span.start.column()),
        entity: d.entity.clone(),
    }
}

/// The head's findings that the base did not have, and the base's that the
/// head no longer has, matched as `--baseline` matches them.
fn findings(base: &Side, head: &Side) -> (Vec<Finding>, Vec<Finding>) {
    let only = |a: &Side, b: &Side| -> Vec<Finding> {
        let diags = &a.analysis.diagnostics;
        crate::baseline::unmatched(&a.workspace, diags, &b.workspace, &b.analysis.diagnostics)
            .into_iter()
            .zip(diags)
            .filter(|(new, _)| *new)
            .map(|(_, d)| finding(&a.workspace, d))
            .collect()
    };
    (only(head, base), only(base, head))
}

/// One value as a reader sees it: strings bare, everything else as JSON,
/// cut to `max` characters.
pub fn shown(value: Option<&serde_json::Value>, max: usize) -> String {
    let text = match value {
        None => return "—".to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    let text = text.replace(['\n', '\r'], " ");
    if text.chars().count() > max {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        text
    }
}
