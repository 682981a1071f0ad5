//! A dbt manifest, run results and source freshness, read into the few
//! things throughline asks of them: which node a spec's `dbt` value names,
//! what a node reads (`parent_map`), the tests on a model, and how the last
//! run and the last freshness check went.

use std::collections::HashMap;

use super::read::{RawManifest, RawNode, RawRunResults, RawSources};

/// Index of a node in [`Manifest::nodes`].
pub type NodeId = u32;

/// What kind of dbt resource a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeType {
    Model,
    Seed,
    Snapshot,
    Test,
    Source,
    Exposure,
    Other,
}

impl NodeType {
    fn from_resource_type(t: &str) -> NodeType {
        match t {
            "model" => NodeType::Model,
            "seed" => NodeType::Seed,
            "snapshot" => NodeType::Snapshot,
            "test" | "unit_test" => NodeType::Test,
            "source" => NodeType::Source,
            "exposure" => NodeType::Exposure,
            _ => NodeType::Other,
        }
    }

    /// How dbt names the type (`model`, `source`, …).
    pub fn name(self) -> &'static str {
        match self {
            NodeType::Model => "model",
            NodeType::Seed => "seed",
            NodeType::Snapshot => "snapshot",
            NodeType::Test => "test",
            NodeType::Source => "source",
            NodeType::Exposure => "exposure",
            NodeType::Other => "node",
        }
    }
}

/// A column as the manifest documents it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub description: Option<String>,
    pub data_type: Option<String>,
}

/// An exposure's owner, type and link.
#[derive(Debug, Clone, Default)]
pub struct ExposureInfo {
    pub exposure_type: Option<String>,
    pub owner_name: Option<String>,
    pub owner_email: Option<String>,
    pub url: Option<String>,
    pub label: Option<String>,
}

/// One node, source or exposure of the manifest.
#[derive(Debug, Clone)]
pub struct Node {
    pub unique_id: String,
    pub kind: NodeType,
    pub name: String,
    pub package: String,
    pub version: Option<String>,
    pub latest_version: Option<String>,
    pub relation_name: Option<String>,
    pub materialized: Option<String>,
    /// The file that defines it, relative to the dbt project.
    pub path: Option<String>,
    pub description: Option<String>,
    pub columns: Vec<Column>,
    /// The nodes it depends on (a test: what it tests).
    pub depends_on: Vec<NodeId>,
    /// A generic test's model.
    pub attached: Option<NodeId>,
    /// A test's generic name (`unique`, `not_null`) and column.
    pub test_name: Option<String>,
    pub column: Option<String>,
    /// A test's configured severity (`error`, `warn`).
    pub severity: Option<String>,
    /// A source's `source_name`.
    pub source_name: Option<String>,
    pub exposure: Option<Box<ExposureInfo>>,
    /// What `depends_on` and `attached_node` name, until the nodes are numbered.
    pending: Option<Box<(Vec<String>, Option<String>)>>,
}

impl From<RawNode> for Node {
    fn from(r: RawNode) -> Node {
        let kind = NodeType::from_resource_type(&r.resource_type);
        let exposure = (kind == NodeType::Exposure).then(|| {
            Box::new(ExposureInfo {
                exposure_type: r.exposure_type,
                owner_name: r.owner.as_ref().and_then(|o| o.name.clone()),
                owner_email: r.owner.as_ref().and_then(|o| o.email.clone()),
                url: r.url,
                label: r.label,
            })
        });
        let pending = (!r.depends_on.nodes.is_empty() || r.attached_node.is_some())
            .then(|| Box::new((r.depends_on.nodes, r.attached_node)));
        Node {
            kind,
            name: r.name,
            package: r.package_name,
            version: r.version,
            latest_version: r.latest_version,
            relation_name: r.relation_name,
            materialized: r.config.materialized,
            path: r.original_file_path,
            description: r.description.filter(|d| !d.is_empty()),
            columns: r
                .columns
                .into_iter()
                .map(|(key, c)| Column {
                    name: if c.name.is_empty() { key } else { c.name },
                    description: c.description.filter(|d| !d.is_empty()),
                    data_type: c.data_type,
                })
                .collect(),
            depends_on: Vec::new(),
            attached: None,
            test_name: r.test_metadata.map(|t| t.name).filter(|n| !n.is_empty()),
            column: r.column_name,
            severity: r.config.severity,
            source_name: r.source_name,
            exposure,
            pending,
            unique_id: r.unique_id,
        }
    }
}

impl Node {
    /// The name a spec may write for the node: `orders`, `dim_customers.v2`
    /// for a versioned model, `raw.orders` for a source.
    pub fn label(&self) -> String {
        match (&self.kind, &self.version, &self.source_name) {
            (NodeType::Model, Some(v), _) => format!("{}.v{v}", self.name),
            (NodeType::Source, _, Some(source)) => format!("{source}.{}", self.name),
            _ => self.name.clone(),
        }
    }

    /// The `ref()` dbt resolves to this model, as an exposure's
    /// `depends_on` writes it, from the root project `root`; `pinned` keeps
    /// its version, otherwise it follows the latest.
    pub fn reference(&self, root: &str, pinned: bool) -> String {
        let name = if self.package == root || self.package.is_empty() {
            format!("'{}'", self.name)
        } else {
            format!("'{}', '{}'", self.package, self.name)
        };
        match &self.version {
            Some(v) if pinned || self.latest_version.as_ref() != Some(v) => {
                let v = if v.parse::<f64>().is_ok() {
                    v.clone()
                } else {
                    format!("'{v}'")
                };
                format!("ref({name}, v={v})")
            }
            _ => format!("ref({name})"),
        }
    }
}

/// What a spec's `dbt` value may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// An output port's model.
    Model,
    /// A Source's dbt source.
    Source,
    /// A Consumer's exposure.
    Exposure,
}

impl Want {
    fn node_type(self) -> NodeType {
        match self {
            Want::Model => NodeType::Model,
            Want::Source => NodeType::Source,
            Want::Exposure => NodeType::Exposure,
        }
    }

    /// What it names, as dbt calls it: `model`, `source`, `exposure`.
    pub fn name(self) -> &'static str {
        self.node_type().name()
    }

    /// How the value is written, for messages.
    pub fn forms(self) -> &'static str {
        match self {
            Want::Model => "a model's `unique_id` or its name in the root project",
            Want::Source => "a source's `unique_id` or `source_name.table`",
            Want::Exposure => "an exposure's `unique_id` or name",
        }
    }
}

/// A `dbt` value that names no node of the right type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// The node of another type it names, if any.
    pub other_type: Option<NodeType>,
    /// The root project whose names were searched.
    pub project: Option<String>,
    /// The nearest name of the right type.
    pub nearest: Option<String>,
}

/// A run result of one node.
#[derive(Debug, Clone)]
pub struct RunStatus {
    /// `success`, `error`, `skipped` (models); `pass`, `fail`, `warn`, `error` (tests).
    pub status: String,
    pub message: Option<String>,
    pub failures: Option<i64>,
}

impl RunStatus {
    /// Whether the status is a failure `dbt-failing` reports.
    pub fn is_failing(&self) -> bool {
        matches!(
            self.status.as_str(),
            "error" | "fail" | "warn" | "runtime error"
        )
    }
}

/// The last freshness check of one source.
#[derive(Debug, Clone)]
pub struct Freshness {
    pub status: String,
    /// How old the newest row was when checked, in seconds.
    pub age_secs: Option<f64>,
    pub max_loaded_at: Option<String>,
    pub snapshotted_at: Option<String>,
    pub error: Option<String>,
}

/// A manifest, read.
#[derive(Debug, Default)]
pub struct Manifest {
    /// The root project's name (`metadata.project_name`).
    pub project: String,
    pub dbt_version: Option<String>,
    /// Nodes, sources and exposures, in the manifest's order.
    pub nodes: Vec<Node>,
    by_id: HashMap<String, NodeId>,
    /// What each node reads, from `parent_map` (`depends_on` where a node
    /// is not in it).
    pub parents: Vec<Vec<NodeId>>,
    /// The tests of each model: generic tests attached to it and singular
    /// tests that read it.
    pub tests: Vec<Vec<NodeId>>,
    /// The names a spec may write, by what they may name.
    labels: HashMap<(NodeType, String), NodeId>,
}

impl Manifest {
    pub(crate) fn from_raw(raw: RawManifest) -> Manifest {
        let project = raw.metadata.project_name.clone().unwrap_or_default();
        // In the manifest's order; a node without an id, or with the id of
        // one before it, is left out.
        let mut nodes = raw.nodes;
        let mut by_id: HashMap<String, NodeId> = HashMap::with_capacity(nodes.len());
        let mut keep = Vec::with_capacity(nodes.len());
        for n in &nodes {
            let fresh = !n.unique_id.is_empty() && !by_id.contains_key(&n.unique_id);
            if fresh {
                by_id.insert(n.unique_id.clone(), by_id.len() as NodeId);
            }
            keep.push(fresh);
        }
        let mut keep = keep.into_iter();
        nodes.retain(|_| keep.next().unwrap_or(false));
        let ids = |names: &[String]| -> Vec<NodeId> {
            names.iter().filter_map(|n| by_id.get(n).copied()).collect()
        };
        let mut parent_map: HashMap<String, Vec<String>> = raw.parent_map.0.into_iter().collect();
        let mut parents = Vec::with_capacity(nodes.len());
        for n in &mut nodes {
            if let Some(pending) = n.pending.take() {
                let (depends_on, attached) = *pending;
                n.depends_on = ids(&depends_on);
                n.attached = attached.and_then(|a| by_id.get(&a).copied());
            }
            parents.push(match parent_map.remove(&n.unique_id) {
                Some(p) => ids(&p),
                None => n.depends_on.clone(),
            });
        }
        let mut manifest = Manifest {
            project,
            dbt_version: raw.metadata.dbt_version,
            tests: vec![Vec::new(); nodes.len()],
            nodes,
            by_id,
            parents,
            labels: HashMap::new(),
        };
        manifest.index();
        manifest
    }

    /// Fills the name index and each model's tests.
    fn index(&mut self) {
        for (i, node) in self.nodes.iter().enumerate() {
            let i = i as NodeId;
            if node.kind == NodeType::Test {
                let tested: Vec<NodeId> = match node.attached {
                    Some(a) => vec![a],
                    None => node.depends_on.clone(),
                };
                for t in tested {
                    self.tests[t as usize].push(i);
                }
                continue;
            }
            let root = node.package == self.project || self.project.is_empty();
            let mut add = |label: String, root: bool| {
                let key = (node.kind, label);
                // The root project's name wins; otherwise the first by id.
                if root || !self.labels.contains_key(&key) {
                    self.labels.entry(key).or_insert(i);
                }
            };
            match node.kind {
                NodeType::Model if root => {
                    add(node.label(), true);
                    if node.version.is_none() || node.version == node.latest_version {
                        add(node.name.clone(), true);
                    }
                }
                NodeType::Source | NodeType::Exposure => add(node.label(), root),
                _ => {}
            }
        }
        // A versioned model without a `latest_version` answers to its name
        // with its highest version.
        let mut highest: HashMap<String, (f64, NodeId)> = HashMap::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if node.kind == NodeType::Model
                && node.latest_version.is_none()
                && let Some(v) = node.version.as_deref().and_then(|v| v.parse::<f64>().ok())
                && (node.package == self.project || self.project.is_empty())
            {
                let entry = highest.entry(node.name.clone()).or_insert((v, i as NodeId));
                if v > entry.0 {
                    *entry = (v, i as NodeId);
                }
            }
        }
        for (name, (_, i)) in highest {
            self.labels.entry((NodeType::Model, name)).or_insert(i);
        }
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    pub fn by_unique_id(&self, unique_id: &str) -> Option<NodeId> {
        self.by_id.get(unique_id).copied()
    }

    /// The node a spec's `dbt` value names.
    pub fn resolve(&self, value: &str, want: Want) -> Result<NodeId, Unresolved> {
        let kind = want.node_type();
        if let Some(&id) = self.by_id.get(value) {
            let node = self.node(id);
            if node.kind == kind {
                return Ok(id);
            }
            return Err(Unresolved {
                other_type: Some(node.kind),
                project: None,
                nearest: None,
            });
        }
        if let Some(&id) = self.labels.get(&(kind, value.to_string())) {
            return Ok(id);
        }
        let by_unique_id = value.starts_with(&format!("{}.", kind.name()));
        let candidates: Vec<&str> = if by_unique_id {
            self.nodes
                .iter()
                .filter(|n| n.kind == kind)
                .map(|n| n.unique_id.as_str())
                .collect()
        } else {
            self.names(want)
                .into_iter()
                .map(|(label, _)| label)
                .collect()
        };
        let project = (!self.project.is_empty() && !by_unique_id).then(|| self.project.clone());
        Err(Unresolved {
            other_type: None,
            project,
            nearest: nearest(value, &candidates),
        })
    }

    /// The names a spec may write for nodes of `want`, with the node each
    /// names, sorted by name.
    pub fn names(&self, want: Want) -> Vec<(&str, NodeId)> {
        let kind = want.node_type();
        let mut names: Vec<(&str, NodeId)> = self
            .labels
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|((_, l), &id)| (l.as_str(), id))
            .collect();
        names.sort_unstable();
        names
    }
}

/// The candidate nearest to `value`: a likely typo first, else the most
/// alike by Jaro-Winkler (a renamed model often keeps its stem).
fn nearest(value: &str, candidates: &[&str]) -> Option<String> {
    if let Some(c) = crate::suggest::closest(value, candidates.iter().copied()) {
        return Some(c.to_string());
    }
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(value, c), *c))
        .filter(|(score, _)| *score >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c.to_string())
}

/// `run_results.json`, read: each node's last status.
#[derive(Debug, Default)]
pub struct RunResults {
    pub generated_at: Option<String>,
    pub status: HashMap<NodeId, RunStatus>,
}

impl RunResults {
    pub(crate) fn from_raw(raw: RawRunResults, manifest: &Manifest) -> RunResults {
        RunResults {
            generated_at: raw.metadata.generated_at,
            status: raw
                .results
                .into_iter()
                .filter_map(|r| {
                    let id = manifest.by_unique_id(&r.unique_id)?;
                    let status = RunStatus {
                        status: r.status,
                        message: r.message.filter(|m| !m.is_empty()),
                        failures: r.failures,
                    };
                    Some((id, status))
                })
                .collect(),
        }
    }
}

/// `sources.json`, read: each source's last freshness check.
#[derive(Debug, Default)]
pub struct SourceFreshness {
    pub generated_at: Option<String>,
    pub sources: HashMap<NodeId, Freshness>,
}

impl SourceFreshness {
    pub(crate) fn from_raw(raw: RawSources, manifest: &Manifest) -> SourceFreshness {
        SourceFreshness {
            generated_at: raw.metadata.generated_at,
            sources: raw
                .results
                .into_iter()
                .filter_map(|r| {
                    let id = manifest.by_unique_id(&r.unique_id)?;
                    let freshness = Freshness {
                        status: r.status,
                        age_secs: r.max_loaded_at_time_ago_in_s,
                        max_loaded_at: r.max_loaded_at,
                        snapshotted_at: r.snapshotted_at,
                        error: r.error,
                    };
                    Some((id, freshness))
                })
                .collect(),
        }
    }
}
