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

use super::incremental;
use super::markdown;
use super::routes::{Route, is_reserved_id};

/// The place of `kind` in [`Kind::ALL`].
fn kind_index(kind: Kind) -> usize {
    Kind::ALL.iter().position(|&k| k == kind).unwrap_or(0)
}

/// A link to an entity (or to an id that names none).
#[derive(Debug, Clone, Serialize)]
pub struct Ref {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    /// Path from the site root; `None` for an id that names no entity.
    pub path: Option<String>,
    pub traced: bool,
}

#[derive(Debug, Serialize)]
pub struct Group {
    pub label: &'static str,
    pub items: Vec<Ref>,
    /// Links left out to keep the page small.
    pub more: usize,
}

/// Most links shown in one group ("Contributing goals", "Inputs", …).
pub const MAX_GROUP_ITEMS: usize = 50;

/// Cuts each group to [`MAX_GROUP_ITEMS`], counting the rest.
fn cap(mut groups: Vec<Group>) -> Vec<Group> {
    for g in &mut groups {
        if g.items.len() > MAX_GROUP_ITEMS {
            g.more = g.items.len() - MAX_GROUP_ITEMS;
            g.items.truncate(MAX_GROUP_ITEMS);
        }
    }
    groups
}

/// A trace tree: its top-level nodes, and how many more the budget left out.
#[derive(Debug)]
pub struct Tree {
    pub nodes: Vec<TreeNode>,
    pub more: usize,
}

/// Which way a tree grows from its roots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toward {
    /// Away from the North Star: what traces through the root, down to the
    /// sources (for a data product: its inputs, upstream in data terms).
    Down,
    /// Toward the North Star: what the root serves (for a data product: what
    /// reads it, downstream in data terms).
    Up,
}

/// A node of a trace tree. It names its entity by number: a page's trees
/// hold hundreds of nodes, written straight from the model.
#[derive(Debug)]
pub struct TreeNode {
    pub entity: EntityId,
    /// The status of its indicators, for the North Star and goals.
    pub outcome: Option<Outcome>,
    pub children: Vec<TreeNode>,
    /// Shown in full elsewhere in the same tree; only linked here.
    pub repeat: bool,
    /// Children left out to keep the page small.
    pub more: usize,
}

#[derive(Debug, Serialize)]
pub struct Table {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A table cell; ids of entities (a usage pattern's consumer) link to their page.
#[derive(Debug, Serialize)]
pub struct Cell {
    pub text: String,
    pub path: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Progress {
    pub name: String,
    pub unit: String,
    pub baseline: Option<f64>,
    pub current: Option<f64>,
    pub target: Option<f64>,
    pub direction: String,
    pub by: Option<String>,
    /// Share of the way from baseline to target, when there is a current
    /// value: below 0 for a regression, above 100 past the target.
    pub percent: Option<f64>,
    /// The width of the progress bar, `percent` held to 0–100.
    pub bar: Option<f64>,
    pub timeframe: Option<String>,
    pub definition: Option<String>,
}

/// An indicator's status, for badges.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// `off-track`, `at-risk`, …
    pub status: &'static str,
    pub label: &'static str,
}

impl Outcome {
    pub fn of(s: crate::outcomes::Status) -> Outcome {
        Outcome {
            status: s.as_str(),
            label: s.label(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: &'static str,
    /// The message as HTML, its `code` spans marked up.
    pub message: String,
    /// The help as HTML, likewise.
    pub help: Option<String>,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub entity: Option<Ref>,
}

#[derive(Debug, Serialize)]
pub struct SourceLine {
    pub n: usize,
    pub text: String,
}

/// One row of a kind's list page.
#[derive(Debug, Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub entity: Ref,
    pub outcome: Option<Outcome>,
    pub owner: Option<String>,
    pub status: Option<String>,
    pub summary: String,
    pub links: Vec<Group>,
    /// `new` or `changed` since the revision of `build --since`.
    pub change: Option<&'static str>,
}

/// The ODCS contract behind an output port, as its data product page shows it.
#[derive(Debug, Serialize)]
pub struct PortContract {
    pub port: String,
    pub id: String,
    /// `None` when the workspace has no contract with that id.
    pub found: bool,
    pub version: Option<String>,
    pub status: Option<String>,
    pub name: Option<String>,
    pub purpose: Option<String>,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub tables: Vec<crate::model::contract::Table>,
    pub slas: Vec<crate::model::contract::Sla>,
}

#[derive(Debug, Serialize)]
pub struct EntityView {
    #[serde(flatten)]
    pub entity: Ref,
    pub dir: &'static str,
    pub owner: Option<String>,
    pub status: Option<String>,
    pub tags: Vec<String>,
    pub summary: String,
    pub description: Option<String>,
    pub evidence: Option<String>,
    pub fields: Vec<(String, String)>,
    pub progress: Vec<Progress>,
    /// Each indicator over time, as HTML (see `chart.rs`).
    pub charts: Vec<String>,
    /// For a validated or invalidated hypothesis: its goal's charts, beside
    /// the evidence.
    pub evidence_charts: Vec<String>,
    /// The goal those charts are of.
    pub goal: Option<Ref>,
    /// The worst status of its indicators (North Star and goals).
    pub outcome: Option<Outcome>,
    pub tables: Vec<Table>,
    pub links: Vec<Group>,
    pub backlinks: Vec<Group>,
    /// From the North Star down to this entity's parent.
    pub chain: Vec<Ref>,
    /// What traces through this entity, down to the sources, as HTML (see
    /// [`tree_html`]).
    pub impact: String,
    /// What this entity serves, up to the North Star, as HTML: shown for data
    /// products and sources, where data people call it downstream.
    pub serves: String,
    pub findings: Vec<Finding>,
    /// Its suspect links (CONTRACT §10), and how many entities lie below
    /// it when it has some.
    pub suspect: Vec<super::review::SuspectMark>,
    pub below: usize,
    pub file: String,
    pub line: usize,
    pub source: Vec<SourceLine>,
    pub edit_url: Option<String>,
    /// `new` or `changed` since the revision of `build --since`.
    pub change: Option<&'static str>,
    /// For a data product: the contract of each output port that names one.
    pub contracts: Vec<PortContract>,
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

    /// [`SiteModel::entity`] without the summary.
    pub fn entity_unsummarized(&self, e: EntityId) -> EntityView {
        let entity = &self.model.entities[e];
        let node = self.node(e);
        let kind = entity.kind.unwrap_or(Kind::Source);
        let file = &self.ws.files[entity.file];
        let description = node.get_str("description");
        // The latest observation is an indicator's current value.
        let measured: Vec<&crate::outcomes::Indicator> = self.analysis.outcomes.of(e).collect();
        let mut progress = Vec::new();
        if let Some(metric) = node.get("metric") {
            progress.push(progress_of(
                metric,
                measured.first().and_then(|i| i.value()),
            ));
        }
        let items = node
            .get("successIndicators")
            .and_then(Node::as_seq)
            .unwrap_or(&[]);
        for indicator in items {
            let value = measured
                .iter()
                .find(|i| i.name_span == indicator.get("name").map_or(indicator.span, |n| n.span))
                .and_then(|i| i.value());
            progress.push(progress_of(indicator, value));
        }
        let ref_keys: HashSet<&str> = kind.ref_fields().iter().map(|f| f.key()).collect();
        let mut fields = Vec::new();
        let mut tables = Vec::new();
        for entry in node.as_map().unwrap_or(&[]) {
            let key = entry.key.as_str();
            if SHOWN_APART.contains(&key) || (ref_keys.contains(key) && key != "usagePatterns") {
                continue;
            }
            match table_of(&entry.value) {
                Some((columns, rows)) => {
                    let link_column = (key == "usagePatterns")
                        .then(|| columns.iter().position(|c| c == "Consumer"))
                        .flatten();
                    let rows = rows
                        .into_iter()
                        .map(|row| {
                            row.into_iter()
                                .enumerate()
                                .map(|(i, text)| {
                                    // A consumer's id shows as its name, linked.
                                    let target = (Some(i) == link_column)
                                        .then(|| self.model.get(&text))
                                        .flatten()
                                        .filter(|&t| self.path(t).is_some());
                                    match target {
                                        Some(t) => {
                                            let r = self.entity_ref(t);
                                            Cell {
                                                text: r.name,
                                                path: r.path,
                                            }
                                        }
                                        None => Cell { text, path: None },
                                    }
                                })
                                .collect()
                        })
                        .collect();
                    tables.push(Table {
                        title: title_case(key),
                        columns,
                        rows,
                    })
                }
                None => fields.push((title_case(key), text_of(&entry.value))),
            }
        }
        let findings = self
            .analysis
            .diagnostics
            .iter()
            .filter(|d| d.doc == Some(entity.doc))
            .map(|d| self.finding(d))
            .collect();
        let (suspect, below) = super::review::marks(self, e);
        let doc_span = node.span;
        let first = doc_span.start.line();
        let last = doc_span.end.line().max(first).min(file.line_count());
        // `build` checks lean: the text is read back for the page.
        let source = match file.read_back() {
            Some(text) => (first..=last)
                .map(|n| SourceLine {
                    n,
                    text: file.line_text_in(&text, n).to_string(),
                })
                .collect(),
            None => Vec::new(),
        };
        EntityView {
            entity: self.entity_ref(e),
            dir: kind.dir(),
            owner: node.get_str("owner").map(str::to_string),
            status: node.get_str("status").map(str::to_string),
            tags: node
                .get("tags")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .map(text_of)
                .collect(),
            summary: String::new(),
            description: description.map(markdown::render),
            evidence: node.get_str("evidence").map(markdown::render),
            fields,
            progress,
            charts: self.charts(e),
            evidence_charts: Vec::new(),
            goal: None,
            outcome: self.analysis.outcomes.status_of(e).map(Outcome::of),
            tables,
            links: self.links(e),
            backlinks: self.backlinks(e),
            chain: self.chain(e),
            impact: String::new(),
            serves: String::new(),
            findings,
            suspect,
            below,
            file: file.rel_path.clone(),
            line: entity.id_span.start.line(),
            source,
            // Only web links: a `javascript:` or `data:` base never reaches a
            // page (the configuration refuses one too).
            edit_url: self
                .config
                .site
                .repo_url
                .as_ref()
                .filter(|base| crate::config::is_web_url(base))
                .map(|base| format!("{}/{}", base.trim_end_matches('/'), file.rel_path)),
            change: self.change(e),
            contracts: self.contracts(e),
        }
    }

    /// The contracts behind a data product's output ports.
    pub fn contracts(&self, e: EntityId) -> Vec<PortContract> {
        use crate::model::contract;
        if !self.model.entities[e].is(Kind::DataProduct) {
            return Vec::new();
        }
        crate::rules::contracts::ports(self.node(e))
            .map(|(port, id, _)| match self.model.contract(id) {
                Some(c) => {
                    let node = c.node(self.ws);
                    PortContract {
                        port: port.to_string(),
                        id: id.to_string(),
                        found: true,
                        version: node.get_str("version").map(str::to_string),
                        status: node.get_str("status").map(str::to_string),
                        name: node.get_str("name").map(str::to_string),
                        purpose: node
                            .get("description")
                            .and_then(|d| d.get_str("purpose"))
                            .map(str::to_string),
                        file: Some(self.ws.files[c.file].rel_path.clone()),
                        line: Some(c.id_span.start.line()),
                        tables: contract::tables(node),
                        slas: contract::slas(node),
                    }
                }
                None => PortContract {
                    port: port.to_string(),
                    id: id.to_string(),
                    found: false,
                    version: None,
                    status: None,
                    name: None,
                    purpose: None,
                    file: None,
                    line: None,
                    tables: Vec::new(),
                    slas: Vec::new(),
                },
            })
            .collect()
    }
}

/// A link to an entity as HTML, as the `ref` macro of `macros.html` writes it.
pub fn ref_html(r: &Ref, root: &str, out: &mut String) {
    ref_markup(out, root, &LinkParts::of(r));
}

/// What a link to an entity shows, borrowed from wherever it is kept.
pub(super) struct LinkParts<'p> {
    pub path: Option<&'p str>,
    pub kind: &'p str,
    pub kind_label: &'p str,
    pub traced: bool,
    pub name: &'p str,
    pub id: &'p str,
}

impl<'p> LinkParts<'p> {
    pub fn of(r: &'p Ref) -> LinkParts<'p> {
        LinkParts {
            path: r.path.as_deref(),
            kind: r.kind,
            kind_label: r.kind_label,
            traced: r.traced,
            name: &r.name,
            id: &r.id,
        }
    }
}

/// The markup of a link to an entity (the `ref` macro's), from its parts.
pub(super) fn ref_markup(out: &mut String, root: &str, parts: &LinkParts) {
    if parts.path.is_some() {
        ref_head(out, root);
    }
    ref_tail(out, parts);
}

/// The start of a link, up to the page's root (`../` or nothing).
fn ref_head(out: &mut String, root: &str) {
    out.push_str("<a href=\"");
    crate::markup::escape_into(out, root);
}

/// The rest of [`ref_markup`]'s markup, the same on every page: after the
/// root for a link (`path` is some), whole for a missing entity.
fn ref_tail(out: &mut String, parts: &LinkParts) {
    let LinkParts {
        path,
        kind,
        kind_label,
        traced,
        name,
        id,
    } = *parts;
    use crate::markup::escape_into;
    match path {
        Some(path) => {
            escape_into(out, path);
            out.push_str("\" class=\"ref k-");
            let start = out.len();
            out.push_str(kind);
            if kind.is_ascii() {
                out[start..].make_ascii_lowercase();
            } else {
                out.truncate(start);
                out.extend(kind.chars().flat_map(char::to_lowercase));
            }
            out.push_str(if traced { "" } else { " untraced" });
            out.push_str("\"><span class=\"kind\">");
            escape_into(out, kind_label);
            out.push_str("</span> ");
            escape_into(out, name);
            out.push_str("</a>");
        }
        None => {
            out.push_str("<span class=\"ref missing\" title=\"No entity has this id\"><span class=\"kind\">Missing</span> ");
            escape_into(out, id);
            out.push_str("</span>");
        }
    }
}

/// A trace tree as nested lists; each node's children fold away under a
/// `<details>` that works without JavaScript. Rendered here rather than by a
/// recursive template macro, which was most of the cost of a page; the links
/// have the markup of the `ref` macro.
pub fn tree_html(site: &SiteModel, tree: &Tree, root: &str) -> String {
    use crate::markup::escape_into;
    use std::fmt::Write;
    fn list(site: &SiteModel, nodes: &[TreeNode], root: &str, out: &mut String) {
        out.push_str("<ul>");
        for n in nodes {
            let name = site.name(n.entity);
            out.push_str("<li>");
            let (linked, tail) = site.link_tail(n.entity);
            if linked {
                ref_head(out, root);
            }
            out.push_str(&tail);
            if let Some(o) = &n.outcome {
                let _ = write!(
                    out,
                    " <span class=\"badge s-{}\">{}</span>",
                    o.status, o.label
                );
            }
            if n.repeat {
                out.push_str(" <span class=\"muted\">(shown above)</span>");
            } else if !n.children.is_empty() {
                out.push_str(" <details open><summary><span class=\"visually-hidden\">");
                escape_into(out, name);
                let _ = write!(out, ": </span>{} below</summary>", n.children.len());
                list(site, &n.children, root, out);
                if n.more > 0 {
                    more_html(site, n, root, out);
                }
                out.push_str("</details>");
            } else if n.more > 0 {
                more_html(site, n, root, out);
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    /// Where the budget cut a node's children: how many, and where to see them.
    fn more_html(site: &SiteModel, n: &TreeNode, root: &str, out: &mut String) {
        out.push_str("<p class=\"muted more\">");
        match site.path(n.entity) {
            Some(path) => {
                out.push_str("<a href=\"");
                escape_into(out, root);
                escape_into(out, &path);
                let _ = write!(out, "\">… and {} more on the page of ", n.more);
                escape_into(out, site.name(n.entity));
                out.push_str("</a></p>");
            }
            None => {
                let _ = write!(out, "… and {} more</p>", n.more);
            }
        }
    }
    let mut out = String::new();
    if !tree.nodes.is_empty() {
        list(site, &tree.nodes, root, &mut out);
    }
    if tree.more > 0 {
        out.push_str(&format!(
            "<p class=\"muted more\">… and {} more, left out to keep the page small; <code>throughline graph --format json</code> lists every link.</p>",
            tree.more
        ));
    }
    out
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

/// The progress of an indicator; `value` is where it stands (the latest
/// observation, else the spec's `current`).
fn progress_of(node: &Node, value: Option<f64>) -> Progress {
    let num = |k: &str| node.get(k).and_then(Node::as_f64);
    let (baseline, current, target) = (num("baseline"), value.or(num("current")), num("target"));
    // Share of the way from baseline to target: negative when the value
    // moved away from the target, over 100 when it went past it. Nothing to
    // show without a current value.
    let percent = match (baseline, current, target) {
        (Some(b), Some(c), Some(t)) if (t - b).abs() > f64::EPSILON => {
            Some((c - b) / (t - b) * 100.0)
        }
        _ => None,
    };
    let text = |k: &str| node.get(k).map(text_of);
    Progress {
        name: text("name").unwrap_or_default(),
        unit: text("unit").unwrap_or_default(),
        baseline,
        current,
        target,
        direction: text("direction").unwrap_or_else(|| "increase".into()),
        by: text("by"),
        percent: percent.map(|p| (p * 10.0).round() / 10.0),
        bar: percent.map(|p| p.clamp(0.0, 100.0).round()),
        timeframe: text("timeframe"),
        definition: text("definition"),
    }
}

/// A scalar, list or mapping as one line of text.
pub fn text_of(node: &Node) -> String {
    match &node.value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::String(s) => s.to_string(),
        Value::Seq(items) => items.iter().map(text_of).collect::<Vec<_>>().join(", "),
        Value::Map(entries) => entries
            .iter()
            .map(|e| format!("{}: {}", e.key, text_of(&e.value)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// A list of mappings as a table; nested mappings become `parent.child` columns.
fn table_of(node: &Node) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let items = node.as_seq()?;
    if items.is_empty() || !items.iter().all(|i| i.as_map().is_some()) {
        return None;
    }
    let mut flat: Vec<BTreeMap<String, String>> = Vec::new();
    let mut columns: Vec<String> = Vec::new();
    for item in items {
        let mut row = BTreeMap::new();
        flatten(item, "", &mut row, &mut columns);
        flat.push(row);
    }
    let rows = flat
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| r.get(c).cloned().unwrap_or_default())
                .collect()
        })
        .collect();
    Some((columns.iter().map(|c| title_case(c)).collect(), rows))
}

fn flatten(
    node: &Node,
    prefix: &str,
    row: &mut BTreeMap<String, String>,
    columns: &mut Vec<String>,
) {
    for e in node.as_map().unwrap_or(&[]) {
        let key = if prefix.is_empty() {
            e.key.to_string()
        } else {
            format!("{prefix}.{}", e.key)
        };
        if e.value.as_map().is_some() {
            flatten(&e.value, &key, row, columns);
            continue;
        }
        if !columns.contains(&key) {
            columns.push(key.clone());
        }
        row.insert(key, text_of(&e.value));
    }
}

/// `usagePatterns` → "Usage patterns"; `requirements.freshness` → "Requirements: Freshness".
pub fn title_case(key: &str) -> String {
    if key == "slos" {
        return "SLOs".into();
    }
    key.split('.')
        .map(|part| {
            let mut words = String::new();
            for (i, c) in part.chars().enumerate() {
                if c.is_uppercase() && i > 0 {
                    words.push(' ');
                    words.extend(c.to_lowercase());
                } else if i == 0 {
                    words.extend(c.to_uppercase());
                } else {
                    words.push(c);
                }
            }
            words
        })
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(title_case("usagePatterns"), "Usage patterns");
        assert_eq!(
            title_case("requirements.freshness"),
            "Requirements: Freshness"
        );
        assert_eq!(title_case("slos"), "SLOs");
    }
}
