//! What the templates are given: the view of an entity, a link, a tree,
//! a table, a finding.

use super::*;

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
pub(super) fn cap(mut groups: Vec<Group>) -> Vec<Group> {
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

/// Which way a tree grows from its roots: the query engine's walk.
pub use crate::query::Toward;

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
    pub suspect: Vec<crate::site::review::SuspectMark>,
    pub below: usize,
    pub file: String,
    pub line: usize,
    pub source: Vec<SourceLine>,
    pub edit_url: Option<String>,
    /// `new` or `changed` since the revision of `build --since`.
    pub change: Option<&'static str>,
    /// For a data product: the contract of each output port that names one.
    pub contracts: Vec<PortContract>,
    /// What dbt says of it, as HTML (see `view/dbt.rs`): empty without `[dbt]`.
    pub dbt: String,
}
