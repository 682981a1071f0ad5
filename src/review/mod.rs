//! Suspect links (CONTRACT §10): a link reviewed against one version of its
//! parent is suspect once the parent changes.
//!
//! [`fingerprint`] says when a parent has changed in a way that counts,
//! [`lock`] reads and writes the stamps of reviewed links, [`history`] finds
//! the reviewed version in git so a finding can say *what* changed, and
//! [`stamp`] is what `throughline review` does.

pub mod fingerprint;
pub mod history;
pub mod lock;
pub mod stamp;

use std::borrow::Cow;
use std::collections::HashSet;

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, FileId, Rule};
use crate::diff::fields;
use crate::load::Workspace;
use crate::load::yaml::Node;
use crate::model::{EntityId, Kind, Model, Reference};
pub use lock::{Link, Lock, Stamp};

/// Where a link stands with its review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Its stamp is the parent's fingerprint now.
    Reviewed,
    /// Its stamp is another fingerprint: the parent changed since.
    Suspect(Stamp),
    /// No stamp.
    Unreviewed,
}

/// One link of the workspace and its state.
#[derive(Debug)]
pub struct LinkState<'m> {
    pub link: Link,
    pub reference: &'m Reference,
    pub child: EntityId,
    pub parent: EntityId,
    /// The parent's fingerprint now.
    pub fingerprint: String,
    pub state: State,
}

/// Every link of the workspace: each resolved reference of an entity of a
/// known kind, once per `(child, field, parent)` (the first reference when a
/// list names a parent twice), in reference order.
pub fn links(model: &Model) -> Vec<(Link, &Reference, EntityId)> {
    link_refs(model)
        .into_iter()
        .map(|(r, field, parent)| {
            let link = Link {
                child: compact_str::CompactString::from(&*model.entities[r.from].id),
                field: compact_str::CompactString::from(field),
                parent: compact_str::CompactString::from(&*r.target),
            };
            (link, r, parent)
        })
        .collect()
}

/// [`links`] without a copy of any name: the reference, its field as the
/// lock writes it, and the parent.
fn link_refs(model: &Model) -> Vec<(&Reference, &'static str, EntityId)> {
    // A link is named by its child's id, its field and its parent's id: two
    // entities that share an id share their links, and an id resolves to
    // its first entity, so the first entities stand for the ids.
    let first = |e: EntityId| -> EntityId {
        if model.is_canonical(e) {
            e
        } else {
            model.by_id[&model.entities[e].id]
        }
    };
    let mut seen: HashSet<(EntityId, &'static str, EntityId), foldhash::fast::RandomState> =
        HashSet::with_capacity_and_hasher(model.refs.len(), Default::default());
    model
        .refs
        .iter()
        .filter_map(|r| {
            let parent = r.resolved?;
            model.entities[r.from].kind?;
            model.entities[parent].kind?;
            let field = r.field.display();
            seen.insert((first(r.from), field, parent))
                .then_some((r, field, parent))
        })
        .collect()
}

/// Fingerprints taken while a lean check loads, document by document on
/// the worker that parsed it, before the tree is trimmed: the trees then
/// stay as small as without a lock, and each is hashed while it is in cache.
#[derive(Default)]
pub struct Taken(std::sync::Mutex<Vec<(FileId, usize, String)>>);

impl Taken {
    /// Takes the fingerprint of document `doc` of `file`, if it is of a
    /// known kind (only those can be parents).
    pub fn take(&self, file: FileId, doc: usize, node: &Node, config: &Config) {
        let Some(kind) = node.get_str("kind").and_then(Kind::from_name) else {
            return;
        };
        let print = fingerprint::fingerprint(node, Some(kind), &config.review.ignore);
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((file, doc, print));
    }

    /// Puts the fingerprints taken into `ws`, by document.
    pub fn place(self, ws: &mut Workspace) {
        let mut taken = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        taken.sort_unstable_by_key(|&(file, doc, _)| (file, doc));
        let mut prints = vec![None; ws.documents.len()];
        let mut first = 0;
        let mut file_of_first = None;
        for (file, doc, print) in taken {
            if file_of_first != Some(file) {
                first = ws.first_document_of(file);
                file_of_first = Some(file);
            }
            if let Some(slot) = prints.get_mut(first + doc) {
                *slot = Some(print);
            }
        }
        ws.fingerprints = prints;
    }
}

/// The fingerprints of `parents`, now, by entity (`None` for an entity not
/// asked for): those taken while the workspace loaded are borrowed.
fn fingerprints<'w>(
    ws: &'w Workspace,
    model: &Model,
    config: &Config,
    parents: impl IntoIterator<Item = EntityId>,
) -> Vec<Option<Cow<'w, str>>> {
    let mut wanted = vec![false; model.entities.len()];
    for p in parents {
        wanted[p] = true;
    }
    wanted
        .into_par_iter()
        .with_min_len(64)
        .enumerate()
        .map(|(e, wanted)| {
            wanted.then(|| {
                let entity = &model.entities[e];
                match ws.fingerprints.get(entity.doc) {
                    Some(Some(taken)) => Cow::Borrowed(taken.as_str()),
                    _ => Cow::Owned(fingerprint::fingerprint(
                        entity.node(ws),
                        entity.kind,
                        &config.review.ignore,
                    )),
                }
            })
        })
        .collect()
}

/// Every link and where it stands against `lock`.
pub fn states<'m>(
    ws: &Workspace,
    model: &'m Model,
    config: &Config,
    lock: &Lock,
) -> Vec<LinkState<'m>> {
    classify(ws, model, config, lock, true)
}

/// The links and their states, the reviewed ones only if `reviewed`: a
/// reviewed link costs a lookup and no copy.
fn classify<'m>(
    ws: &Workspace,
    model: &'m Model,
    config: &Config,
    lock: &Lock,
    reviewed: bool,
) -> Vec<LinkState<'m>> {
    let links = link_refs(model);
    let prints = fingerprints(ws, model, config, links.iter().map(|&(_, _, p)| p));
    links
        .into_par_iter()
        .with_min_len(256)
        .filter_map(|(reference, field, parent)| {
            let child = model.entities[reference.from].id.as_str();
            let now = prints[parent]
                .as_deref()
                .expect("every parent has a fingerprint");
            let parent_id = &*reference.target;
            let state = match lock.fingerprint_of(child, field, parent_id) {
                None => State::Unreviewed,
                Some(print) if print == now || lock.reviewed(child, field, parent_id, now) => {
                    if !reviewed {
                        return None;
                    }
                    State::Reviewed
                }
                Some(_) => State::Suspect(
                    lock.find(child, field, parent_id)
                        .expect("a stamped link has a stamp"),
                ),
            };
            Some(LinkState {
                link: Link {
                    child: compact_str::CompactString::from(child),
                    field: compact_str::CompactString::from(field),
                    parent: compact_str::CompactString::from(&*reference.target),
                },
                child: reference.from,
                reference,
                parent,
                fingerprint: now.to_string(),
                state,
            })
        })
        .collect()
}

/// The fields of the parent that changed since the link was reviewed, in
/// the notation of CONTRACT §8, with their values then and now; `Err` says
/// why they are not known.
pub fn changed_fields(
    ws: &Workspace,
    model: &Model,
    config: &Config,
    parent: EntityId,
    stamp: &Stamp,
) -> Result<(String, Vec<fields::FieldChange>), String> {
    let entity = &model.entities[parent];
    let found = history::reviewed(
        &ws.root,
        &ws.files[entity.file].rel_path,
        &entity.id,
        entity.kind,
        &stamp.fingerprint,
        stamp.commit.as_deref(),
        config,
    );
    match found {
        history::Reviewed::Found { node, commit } => {
            let now = ws.whole_document(entity.doc, config.limits)?;
            let changes = fields::diff(&node, &now)
                .into_iter()
                .filter(|c| !config.review.ignore.drops_path(entity.kind, &c.field()))
                .collect();
            Ok((commit, changes))
        }
        history::Reviewed::Unknown(why) => Err(why),
    }
}

/// A suspect link and what changed in its parent since its review.
pub struct Suspect<'s, 'm> {
    pub state: &'s LinkState<'m>,
    /// The commit of the reviewed version and the changes since; `Err`
    /// says why they are not known.
    pub changes: Result<(String, Vec<fields::FieldChange>), String>,
}

/// The suspect links among `states`, with their changes (looked up in git
/// at once, each parent's history once per process).
pub fn suspects<'s, 'm>(
    ws: &Workspace,
    model: &Model,
    config: &Config,
    states: &'s [LinkState<'m>],
) -> Vec<Suspect<'s, 'm>> {
    let suspect: Vec<(&LinkState, &Stamp)> = states
        .iter()
        .filter_map(|s| match &s.state {
            State::Suspect(stamp) => Some((s, stamp)),
            _ => None,
        })
        .collect();
    suspect
        .into_par_iter()
        .map(|(state, stamp)| Suspect {
            state,
            changes: changed_fields(ws, model, config, state.parent, stamp),
        })
        .collect()
}

/// `suspect-link` and `unreviewed-link`.
pub fn check(ws: &Workspace, model: &Model, config: &Config, out: &mut Vec<Diagnostic>) {
    let unreviewed_on = config.severity(Rule::UnreviewedLink).is_some();
    let empty = Lock::default();
    let lock = match &ws.lock {
        Some((_, lock)) => lock.as_ref(),
        // Without a lock nothing has been reviewed, and nothing is suspect.
        None if unreviewed_on => &empty,
        None => return,
    };
    if lock.is_empty() && !unreviewed_on {
        return;
    }
    let states = classify(ws, model, config, lock, false);
    for s in suspects(ws, model, config, &states) {
        out.push(suspect_finding(model, s.state, s.changes));
    }
    if unreviewed_on {
        for s in states.iter().filter(|s| s.state == State::Unreviewed) {
            let child = &model.entities[s.child];
            out.push(
                Diagnostic::new(
                    Rule::UnreviewedLink,
                    format!(
                        "the link from `{}` to `{}` ({}) has not been reviewed",
                        s.link.child, s.link.parent, s.link.field
                    ),
                )
                .label("never reviewed")
                .help(format!(
                    "check that `{}` holds against `{}`, then run `throughline review {}` and commit throughline.lock",
                    s.link.child, s.link.parent, s.link.child
                ))
                .entity(child.id.as_str())
                .doc(child.doc)
                .at(child.file, s.reference.span),
            );
        }
    }
}

fn suspect_finding(
    model: &Model,
    s: &LinkState,
    changed: Result<(String, Vec<fields::FieldChange>), String>,
) -> Diagnostic {
    let child = &model.entities[s.child];
    let parent = &model.entities[s.parent];
    let (what, paths) = match &changed {
        Ok((_, changes)) if !changes.is_empty() => {
            let paths: Vec<String> = changes.iter().map(|c| c.field()).collect();
            let shown: Vec<String> = paths.iter().map(|p| format!("`{p}`")).collect();
            (format!(": {} changed", shown.join(", ")), paths)
        }
        Ok(_) => (
            "; its fields differ only where they do not count, which a newer [review] ignore explains"
                .to_string(),
            Vec::new(),
        ),
        Err(why) => (format!("; what changed is not known: {why}"), Vec::new()),
    };
    let mut d = Diagnostic::new(
        Rule::SuspectLink,
        format!(
            "`{}` changed since the link from `{}` was reviewed{what}",
            s.link.parent, s.link.child
        ),
    )
    .label(format!("reviewed against an earlier `{}`", s.link.parent))
    .help(format!(
        "check that `{}` still holds against `{}` (`throughline review --show {}` shows the change), then run `throughline review {}` and commit throughline.lock",
        s.link.child, s.link.parent, s.link.child, s.link.child
    ))
    .entity(child.id.as_str())
    .doc(child.doc)
    .at(child.file, s.reference.span)
    .related(
        parent.file,
        parent.id_span,
        format!("`{}` changed here", s.link.parent),
    );
    d.changed = Some(paths);
    d
}

/// The child and the reference a `suspect-link` finding sits on: the
/// child's reference at the finding's place.
pub fn link_of<'m>(model: &'m Model, d: &Diagnostic) -> Option<(EntityId, &'m Reference)> {
    if d.rule != Rule::SuspectLink {
        return None;
    }
    let child = model.entity_of_doc(d.doc?)?;
    let at = d.location?;
    let reference = model.refs_from(child).iter().find(|r| r.span == at.span)?;
    Some((child, reference))
}

/// The entities below `child` in the trace (its children, theirs, …),
/// each once, nearest first: what a change that makes `child` suspect may
/// reach.
pub fn below(model: &Model, child: EntityId) -> Vec<EntityId> {
    let mut seen: HashSet<EntityId> = HashSet::from([child]);
    let mut order = Vec::new();
    let mut next = vec![child];
    while !next.is_empty() {
        let mut level = Vec::new();
        for e in next {
            for c in model.children(e) {
                if seen.insert(c) {
                    order.push(c);
                    level.push(c);
                }
            }
        }
        next = level;
    }
    order
}
