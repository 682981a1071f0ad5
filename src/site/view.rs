//! What the templates see: plain, serializable views of entities and links.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use serde::Serialize;

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::load::Workspace;
use crate::load::yaml::{Node, Value};
use crate::model::{EntityId, Kind, Model, RefField};
use crate::query::{self, Query};
use crate::rules::Analysis;

mod dbt;
mod entity;
mod fields;
mod lineage;
mod links;
mod types;

pub use types::*;

use fields::*;
pub use fields::{text_of, title_case};
use links::*;
pub(in crate::site) use links::{LinkParts, ref_markup};
pub use links::{ref_html, tree_html};

use super::incremental;
use super::markdown;
use super::routes::{Route, is_reserved_id};

/// The place of `kind` in [`Kind::ALL`].
fn kind_index(kind: Kind) -> usize {
    Kind::ALL.iter().position(|&k| k == kind).unwrap_or(0)
}

/// Fields shown in their own place on the page, not in the generic list.
const SHOWN_APART: &[&str] = &[
    "apiVersion",
    "kind",
    "id",
    "name",
    "description",
    "owner",
    "status",
    "tags",
    "allow",
    "evidence",
    "metric",
    "successIndicators",
];

/// Everything the site is rendered from.
pub struct SiteModel<'a> {
    pub ws: &'a Workspace,
    pub model: &'a Model,
    pub analysis: &'a Analysis,
    pub config: &'a Config,
    /// With `build --since`: what changed since that revision.
    pub changes: Option<&'a super::changes::Changes>,
    /// Each entity's steps down and up the trace and its shown name, found
    /// on first use, when every page is rendered (a page's trees take
    /// hundreds of steps and names); one page (`serve`, a hover) finds its
    /// own as it goes.
    steps: Option<OnceLock<Steps<'a>>>,
    /// The entities with a page, by kind (in [`Kind::ALL`] order), found on
    /// first use: each list page would otherwise go through all entities.
    by_kind: OnceLock<Vec<Vec<EntityId>>>,
    /// The specs' `dbt` values by entity and the manifest's observed
    /// lineage, found on first use (see `view/dbt.rs`).
    dbt: OnceLock<Option<dbt::DbtIndex<'a>>>,
    /// Every observed lineage graph (dbt, OpenLineage) with the entities its
    /// nodes stand for, found on first use (see `view/lineage.rs`).
    lineage: OnceLock<Vec<crate::lineage::Observed<'a>>>,
}

/// Each entity's steps down and up, one list after another (at 100,000
/// entities a list of its own for each would cost megabytes), and the name
/// a link to it shows (looked up in its tree once, not for every link).
struct Steps<'a> {
    down: Adjacency,
    up: Adjacency,
    names: Vec<&'a str>,
    /// Each entity's link after its root ([`ref_tail`]), made when first
    /// shown: a trace tree shows the same entities on many pages.
    links: Vec<OnceLock<(bool, Box<str>)>>,
}

struct Adjacency {
    /// Where each entity's list starts in `to`; its end is the next start.
    starts: Vec<u32>,
    to: Vec<EntityId>,
}

impl Adjacency {
    fn new(count: usize, step: impl Fn(EntityId) -> Vec<EntityId>) -> Adjacency {
        let mut starts = Vec::with_capacity(count + 1);
        let mut to = Vec::new();
        for e in 0..count {
            starts.push(to.len() as u32);
            to.extend(step(e));
        }
        starts.push(to.len() as u32);
        to.shrink_to_fit();
        Adjacency { starts, to }
    }

    fn of(&self, e: EntityId) -> &[EntityId] {
        &self.to[self.starts[e] as usize..self.starts[e + 1] as usize]
    }
}

impl<'a> SiteModel<'a> {
    pub fn new(ws: &'a Workspace, analysis: &'a Analysis, config: &'a Config) -> Self {
        SiteModel {
            ws,
            model: &analysis.model,
            analysis,
            config,
            changes: None,
            steps: None,
            by_kind: OnceLock::new(),
            dbt: OnceLock::new(),
            lineage: OnceLock::new(),
        }
    }

    /// The same site, for rendering all its pages: each entity's steps
    /// through the trace are found once, for all of them.
    pub fn for_every_page(mut self) -> Self {
        self.steps = Some(OnceLock::new());
        self
    }

    /// The same site, with the changes since a revision marked.
    pub fn with_changes(mut self, changes: Option<&'a super::changes::Changes>) -> Self {
        self.changes = changes;
        self
    }

    /// `new` or `changed`, for an entity that is so since the revision.
    pub fn change(&self, e: EntityId) -> Option<&'static str> {
        self.changes?.badge(&self.model.entities[e].id)
    }

    /// Entities that get a page: a known kind, the first with their id, and
    /// an id that is not reserved for the site's own pages.
    pub fn pages(&self) -> impl Iterator<Item = EntityId> + '_ {
        (0..self.model.entities.len()).filter(|&e| self.route(e).is_some())
    }

    /// The entities of `kind` that get a page, in file order.
    pub fn pages_of(&self, kind: Kind) -> &[EntityId] {
        let by_kind = self.by_kind.get_or_init(|| {
            let mut by_kind = vec![Vec::new(); Kind::ALL.len()];
            for e in self.pages() {
                if let Some(k) = self.model.entities[e].kind {
                    by_kind[kind_index(k)].push(e);
                }
            }
            by_kind
        });
        &by_kind[kind_index(kind)]
    }

    /// The route of an entity's page, if it has one.
    pub fn route(&self, e: EntityId) -> Option<Route<'a>> {
        let model: &'a Model = self.model;
        let entity = &model.entities[e];
        let kind = entity.kind?;
        (self.model.is_canonical(e) && !is_reserved_id(&entity.id))
            .then_some(Route::Entity(kind, entity.id.as_str()))
    }

    pub fn path(&self, e: EntityId) -> Option<String> {
        self.route(e).map(|r| r.path())
    }

    pub fn node(&self, e: EntityId) -> &'a Node {
        incremental::read(e);
        self.model.entities[e].node(self.ws)
    }

    pub fn entity_ref(&self, e: EntityId) -> Ref {
        let entity = &self.model.entities[e];
        Ref {
            id: entity.id.as_str().to_owned(),
            name: self.name(e).to_string(),
            kind: self.query().kind_name(e),
            kind_label: self.query().kind_label(e),
            path: self.path(e),
            traced: self.shown_traced(e),
        }
    }

    /// The name a link to `e` shows: its `name`, else its id.
    fn name(&self, e: EntityId) -> &'a str {
        incremental::read(e);
        match self.steps() {
            Some(steps) => steps.names[e],
            None => self.unrecorded_name(e),
        }
    }

    /// [`SiteModel::name`], looked up in the tree without noting a read.
    fn unrecorded_name(&self, e: EntityId) -> &'a str {
        self.query().name(e)
    }

    /// The query engine over the same workspace.
    pub fn query(&self) -> Query<'a> {
        Query::new(self.ws, self.analysis)
    }

    /// Whether a link to `e` shows it as traced. Sources and consumers are
    /// context: never shown as untraced.
    fn shown_traced(&self, e: EntityId) -> bool {
        self.query().shown_traced(e)
    }

    /// The markup of a link to `e` after its root (see [`ref_tail`]), and
    /// whether it is a link (else `e` has no page).
    fn link_tail(&self, e: EntityId) -> (bool, Cow<'_, str>) {
        incremental::read(e);
        let make = || {
            let entity = &self.model.entities[e];
            let path = self.path(e);
            let mut tail = String::new();
            let parts = LinkParts {
                path: path.as_deref(),
                kind: entity.kind.map_or("Unknown", Kind::name),
                kind_label: entity.kind.map_or("Unknown", Kind::label),
                traced: self.shown_traced(e),
                name: self.name(e),
                id: &entity.id,
            };
            ref_tail(&mut tail, &parts);
            (path.is_some(), tail)
        };
        match self.steps() {
            Some(steps) => {
                let (linked, tail) = steps.links[e].get_or_init(|| {
                    let (linked, tail) = make();
                    (linked, tail.into())
                });
                (*linked, Cow::Borrowed(tail))
            }
            None => {
                let (linked, tail) = make();
                (linked, Cow::Owned(tail))
            }
        }
    }

    fn missing_ref(id: &str) -> Ref {
        Ref {
            id: id.to_string(),
            name: id.to_string(),
            kind: "Missing",
            kind_label: "Missing",
            path: None,
            traced: false,
        }
    }

    /// The entities below `e` in the trace (what depends on it), in file order.
    pub fn children(&self, e: EntityId) -> Cow<'_, [EntityId]> {
        incremental::read(e);
        match self.steps() {
            Some(steps) => Cow::Borrowed(steps.down.of(e)),
            None => Cow::Owned(self.model.children(e)),
        }
    }

    /// The entities directly above `e`.
    fn parents(&self, e: EntityId) -> Cow<'_, [EntityId]> {
        match self.steps() {
            Some(steps) => Cow::Borrowed(steps.up.of(e)),
            None => Cow::Owned(self.model.parents(e)),
        }
    }

    fn steps(&self) -> Option<&Steps<'a>> {
        let steps = self.steps.as_ref()?;
        Some(steps.get_or_init(|| {
            let count = self.model.entities.len();
            Steps {
                down: Adjacency::new(count, |e| self.model.children(e)),
                up: Adjacency::new(count, |e| self.model.parents(e)),
                // Unrecorded: made inside the first page's recording, these
                // lookups are no page's reads.
                names: (0..count).map(|e| self.unrecorded_name(e)).collect(),
                links: (0..count).map(|_| OnceLock::new()).collect(),
            }
        }))
    }

    /// The charts of `e`'s indicators (the North Star metric, a goal's
    /// success indicators), with the start and end of the initiatives
    /// working on a goal marked.
    pub fn charts(&self, e: EntityId) -> Vec<String> {
        incremental::read(e);
        let markers = self.markers(e);
        self.analysis
            .outcomes
            .of(e)
            .enumerate()
            .map(|(n, i)| super::chart::block(i, &markers, n + 1, &i.name))
            .collect()
    }

    /// When the initiatives working on goal `e` started and ended.
    fn markers(&self, e: EntityId) -> Vec<super::chart::Marker> {
        incremental::read(e);
        let mut markers = Vec::new();
        for i in self.model.referrers(e, RefField::Goals) {
            let node = self.node(i);
            let name = self.entity_ref(i).name;
            for (key, verb) in [("startedOn", "started"), ("endedOn", "ended")] {
                if let Some(date) = node.get_str(key).and_then(crate::model::time::Date::parse) {
                    markers.push(super::chart::Marker {
                        date,
                        label: format!("{name} {verb}"),
                    });
                }
            }
        }
        markers.sort_by_key(|m| m.date);
        markers
    }

    /// The chain from the North Star down to `e`'s parent.
    pub fn chain(&self, e: EntityId) -> Vec<Ref> {
        let chain = query::chain_by(e, &self.analysis.trace.traced, |x| {
            incremental::read(x);
            let parents = self.parents(x);
            parents.iter().for_each(|&p| incremental::read(p));
            parents
        });
        chain.into_iter().map(|p| self.entity_ref(p)).collect()
    }

    /// The tree of entities below `roots` (or above them, with
    /// [`Toward::Up`]), each expanded once, at most `budget` entities in all;
    /// it goes as deep as the trace does, and what does not fit is counted in
    /// `more`.
    pub fn tree(&self, roots: &[EntityId], toward: Toward, budget: usize) -> Tree {
        let mut expanded = HashSet::with_hasher(crate::model::IdHasher::default());
        let mut budget = budget;
        let mut tree = Tree {
            nodes: Vec::new(),
            more: 0,
        };
        for &r in roots {
            if budget == 0 {
                tree.more += 1;
                continue;
            }
            tree.nodes
                .push(self.subtree(r, toward, &mut expanded, &mut budget));
        }
        tree
    }

    /// The next step of a tree from `e`.
    pub fn step(&self, e: EntityId, toward: Toward) -> Cow<'_, [EntityId]> {
        match toward {
            Toward::Down => self.children(e),
            Toward::Up => {
                incremental::read(e);
                self.parents(e)
            }
        }
    }

    fn subtree(
        &self,
        e: EntityId,
        toward: Toward,
        expanded: &mut HashSet<EntityId, crate::model::IdHasher>,
        budget: &mut usize,
    ) -> TreeNode {
        // Each node costs one unit of the budget, so the recursion is no
        // deeper than the budget.
        *budget = budget.saturating_sub(1);
        let repeat = !expanded.insert(e);
        let mut children = Vec::new();
        let mut more = 0;
        if !repeat {
            for &c in self.step(e, toward).iter() {
                if *budget == 0 {
                    more += 1;
                    continue;
                }
                children.push(self.subtree(c, toward, expanded, budget));
            }
        }
        incremental::read(e);
        TreeNode {
            entity: e,
            outcome: self.analysis.outcomes.status_of(e).map(Outcome::of),
            children,
            repeat,
            more,
        }
    }

    fn links(&self, e: EntityId) -> Vec<Group> {
        incremental::read(e);
        let mut groups: Vec<Group> = Vec::new();
        for r in self.model.refs_from(e) {
            if r.field == RefField::UsageConsumer {
                continue; // shown in the usage-pattern table
            }
            let item = match r.resolved {
                Some(t) => self.entity_ref(t),
                None => Self::missing_ref(&r.target),
            };
            push_grouped(&mut groups, r.field.forward_label(), item);
        }
        cap(groups)
    }

    fn backlinks(&self, e: EntityId) -> Vec<Group> {
        incremental::read(e);
        let mut groups: Vec<Group> = Vec::new();
        for r in self.model.refs_to(e) {
            let label =
                if r.field == RefField::Inputs && self.model.entities[e].is(Kind::DataProduct) {
                    "Feeds data products (downstream)"
                } else {
                    r.field.reverse_label()
                };
            push_grouped(&mut groups, label, self.entity_ref(r.from));
        }
        for g in &mut groups {
            let mut seen = HashSet::new();
            g.items.retain(|i| seen.insert(i.id.clone()));
        }
        cap(groups)
    }

    pub fn finding(&self, d: &Diagnostic) -> Finding {
        let loc = d.location;
        Finding {
            rule: d.rule.name(),
            severity: d.severity.as_str(),
            message: crate::markup::code_spans(&d.message),
            help: d.help.as_deref().map(crate::markup::code_spans),
            file: loc.map(|l| self.ws.files[l.file].rel_path.clone()),
            line: loc.map(|l| l.span.start.line()),
            column: loc.map(|l| l.span.start.column()),
            entity: d
                .doc
                .and_then(|doc| self.model.entity_of_doc(doc))
                .filter(|&e| self.path(e).is_some())
                .map(|e| self.entity_ref(e)),
        }
    }

    /// The short view of an entity for its kind's list page.
    pub fn row(&self, e: EntityId) -> Row {
        let node = self.node(e);
        Row {
            entity: self.entity_ref(e),
            outcome: self.analysis.outcomes.status_of(e).map(Outcome::of),
            owner: node.get_str("owner").map(str::to_string),
            status: node.get_str("status").map(str::to_string),
            summary: node
                .get_str("description")
                .map(|d| markdown::summary(d, 160))
                .unwrap_or_default(),
            links: self.links(e),
            change: self.change(e),
        }
    }

    /// The full view of one entity's page.
    pub fn entity(&self, e: EntityId) -> EntityView {
        let mut v = self.entity_unsummarized(e);
        v.summary = self.summary(e);
        v
    }

    /// The plain-text summary of an entity's description (for templates:
    /// the built-in entity page does not show it).
    pub fn summary(&self, e: EntityId) -> String {
        self.node(e)
            .get_str("description")
            .map(|d| markdown::summary(d, 160))
            .unwrap_or_default()
    }
}

fn push_grouped(groups: &mut Vec<Group>, label: &'static str, item: Ref) {
    match groups.iter_mut().find(|g| g.label == label) {
        Some(g) => g.items.push(item),
        None => groups.push(Group {
            label,
            items: vec![item],
            more: 0,
        }),
    }
}
