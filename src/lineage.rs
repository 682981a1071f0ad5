//! Observed lineage (CONTRACT §11, §13): what the systems that build and
//! run the data saw each dataset read, checked against the `inputs` the
//! specs declare (`lineage-drift`).
//!
//! Each source of observations (dbt's manifest; OpenLineage run events)
//! gives a [`Graph`] of the datasets it saw and what each was built from,
//! and maps the nodes that specs name to their entities ([`Observed`]).
//! The rule and the pages read only that, whichever system it came from.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use crate::diagnostic::{Diagnostic, FileId, Rule};
use crate::load::Workspace;
use crate::load::source::Span;
use crate::model::{EntityId, Kind, Model, RefField};
use crate::rules::hygiene::on;

/// A node of an observed graph.
pub type ObservedNode = u32;

/// What a system observed: datasets (nodes) and what each was built from.
pub trait Graph: Sync {
    /// The system that observed it, for messages (`dbt`, `OpenLineage`).
    fn system(&self) -> &str;
    /// The node's name in that system (a dbt `unique_id`).
    fn key(&self, node: ObservedNode) -> &str;
    /// The nodes `node` is built from.
    fn upstream(&self, node: ObservedNode) -> &[ObservedNode];
    /// What showed that `node` reads `parent` (the manifest, a job's run).
    fn evidence(&self, node: ObservedNode, parent: ObservedNode) -> String;
    /// Whether the system saw `node` being built (a dbt node always; a
    /// dataset when a finished run wrote it). A product is checked against
    /// a graph only when one of its nodes was built there.
    fn built(&self, _node: ObservedNode) -> bool {
        true
    }
}

/// A graph, borrowed or owned.
enum GraphRef<'g> {
    Borrowed(&'g dyn Graph),
    Owned(Box<dyn Graph + Send + 'g>),
}

/// A graph with the nodes that specs name mapped to their entities.
pub struct Observed<'g> {
    graph: GraphRef<'g>,
    /// The entity each named node stands for, and the value that names it.
    named: HashMap<ObservedNode, (EntityId, FileId, Span)>,
    /// The nodes each entity names.
    nodes_of: HashMap<EntityId, Vec<ObservedNode>>,
}

impl<'g> Observed<'g> {
    pub fn new(graph: &'g dyn Graph) -> Self {
        Observed {
            graph: GraphRef::Borrowed(graph),
            named: HashMap::new(),
            nodes_of: HashMap::new(),
        }
    }

    /// Like [`Observed::new`], keeping the graph.
    pub fn owning(graph: Box<dyn Graph + Send + 'g>) -> Self {
        Observed {
            graph: GraphRef::Owned(graph),
            named: HashMap::new(),
            nodes_of: HashMap::new(),
        }
    }

    pub fn graph(&self) -> &dyn Graph {
        match &self.graph {
            GraphRef::Borrowed(g) => *g,
            GraphRef::Owned(g) => g.as_ref(),
        }
    }

    /// Records that `entity` names `node` with the value at `file`/`span`.
    /// A node two entities name stands for the first.
    pub fn name(&mut self, node: ObservedNode, entity: EntityId, file: FileId, span: Span) {
        if self.named.contains_key(&node) {
            return;
        }
        self.named.insert(node, (entity, file, span));
        self.nodes_of.entry(entity).or_default().push(node);
    }

    /// Whether the graph saw one of `product`'s nodes built, and so has
    /// something to say about what it reads.
    pub fn watches(&self, product: EntityId) -> bool {
        self.nodes_of(product)
            .iter()
            .any(|&n| self.graph().built(n))
    }

    /// The nodes `entity` names.
    pub fn nodes_of(&self, entity: EntityId) -> &[ObservedNode] {
        self.nodes_of.get(&entity).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn entity_of(&self, node: ObservedNode) -> Option<EntityId> {
        self.named.get(&node).map(|&(e, _, _)| e)
    }

    /// What `product` is observed to read: each entity first met walking up
    /// from its nodes through nodes that no spec names, with the path that
    /// led there (from the product's node up to the entity's).
    pub fn upstream_of(&self, product: EntityId) -> BTreeMap<EntityId, Vec<ObservedNode>> {
        self.walk(product, true)
            .into_iter()
            .filter(|(e, _)| *e != product)
            .collect()
    }

    /// Every entity reached walking up from `product`'s nodes, through named
    /// nodes too.
    fn reached(&self, product: EntityId) -> HashSet<EntityId> {
        self.walk(product, false).into_keys().collect()
    }

    fn walk(&self, product: EntityId, stop_at_named: bool) -> HashMap<EntityId, Vec<ObservedNode>> {
        let starts = self.nodes_of(product);
        let mut came_from: HashMap<ObservedNode, ObservedNode> = HashMap::new();
        let mut seen: HashSet<ObservedNode> = starts.iter().copied().collect();
        let mut queue: VecDeque<ObservedNode> = starts.iter().copied().collect();
        let mut found: HashMap<EntityId, Vec<ObservedNode>> = HashMap::new();
        while let Some(at) = queue.pop_front() {
            for &parent in self.graph().upstream(at) {
                if !seen.insert(parent) {
                    continue;
                }
                came_from.insert(parent, at);
                match self.entity_of(parent) {
                    Some(e) if e != product => {
                        found.entry(e).or_insert_with(|| {
                            let mut path = vec![parent];
                            let mut hop = parent;
                            while let Some(&child) = came_from.get(&hop) {
                                path.push(child);
                                hop = child;
                            }
                            path.reverse();
                            path
                        });
                        if !stop_at_named {
                            queue.push_back(parent);
                        }
                    }
                    _ => queue.push_back(parent),
                }
            }
        }
        found
    }

    /// Where the spec that names `node` names it, with "`id` is dbt `key`"
    /// and `more` after it.
    fn naming(&self, node: ObservedNode, id: &str, more: &str) -> Option<(FileId, Span, String)> {
        let &(_, file, span) = self.named.get(&node)?;
        let text = format!(
            "`{id}` is {} `{}`{more}",
            self.graph().system(),
            self.graph().key(node)
        );
        Some((file, span, text))
    }

    /// `a ← b ← c`: a path of [`Observed::upstream_of`], by node names.
    pub fn describe(&self, path: &[ObservedNode]) -> String {
        path.iter()
            .map(|&n| self.graph().key(n))
            .collect::<Vec<_>>()
            .join(" ← ")
    }
}

/// Every entity `product` lists as an input, directly or through the
/// products it lists.
fn declared_closure(model: &Model, product: EntityId) -> HashSet<EntityId> {
    let mut seen = HashSet::new();
    let mut queue = VecDeque::from([product]);
    while let Some(at) = queue.pop_front() {
        for input in model.targets(at, RefField::Inputs) {
            if seen.insert(input) && model.entities[input].is(Kind::DataProduct) {
                queue.push_back(input);
            }
        }
    }
    seen
}

/// `lineage-drift`: for each DataProduct some graph observes, an observed
/// upstream that its inputs do not account for (at its `id`), and a
/// declared input that a graph could observe but that no observed path
/// from the product reaches (at the `inputs` value). An input that no graph
/// names (a Source without `dbt`) cannot be observed, and is not reported.
pub fn drift(model: &Model, graphs: &[Observed], out: &mut Vec<Diagnostic>) {
    for product in model.of_kind(Kind::DataProduct) {
        if !model.is_canonical(product) {
            continue;
        }
        let watching: Vec<&Observed> = graphs.iter().filter(|g| g.watches(product)).collect();
        if watching.is_empty() {
            continue;
        }
        let e = &model.entities[product];
        let closure = declared_closure(model, product);
        // Observed upstreams the inputs do not account for.
        let mut reported = HashSet::new();
        for g in &watching {
            for (upstream, path) in g.upstream_of(product) {
                if closure.contains(&upstream) || !reported.insert(upstream) {
                    continue;
                }
                let u = &model.entities[upstream];
                let (&last, first) = (path.last().expect("a path"), path[0]);
                let evidence = g.graph().evidence(path[path.len().saturating_sub(2)], last);
                let mut d = Diagnostic::new(
                    Rule::LineageDrift,
                    format!(
                        "{} shows `{}` built from `{}`, which its `inputs` do not list (directly or through its inputs): {}",
                        g.graph().system(),
                        e.id,
                        u.id,
                        g.describe(&path)
                    ),
                )
                .label(format!("reads `{}` undeclared", u.id))
                .help(format!(
                    "add `{}` to `inputs` of `{}`, or change the model if it should not read it",
                    u.id, e.id
                ))
                .at(e.file, e.id_span);
                // What showed the product's own read, when that is another
                // step than the last (a job run of its own).
                let own = match path.get(1) {
                    Some(&next) if path.len() > 2 => {
                        format!(" ({})", g.graph().evidence(first, next))
                    }
                    _ => String::new(),
                };
                let notes = [
                    g.naming(last, &u.id, &format!(" ({evidence})")),
                    g.naming(first, &e.id, &own),
                ];
                for (file, span, text) in notes.into_iter().flatten() {
                    d = d.related(file, span, text);
                }
                out.push(on(e, d));
            }
        }
        // Declared inputs that nothing observed reaches.
        let reached: Vec<(&Observed, HashSet<EntityId>)> =
            watching.iter().map(|g| (*g, g.reached(product))).collect();
        let mut seen_inputs = HashSet::new();
        for r in model.refs_from(product) {
            if r.field != RefField::Inputs {
                continue;
            }
            let Some(input) = r.resolved else { continue };
            if input == product || !seen_inputs.insert(input) {
                continue;
            }
            let observable: Vec<&(&Observed, HashSet<EntityId>)> = reached
                .iter()
                .filter(|(g, _)| !g.nodes_of(input).is_empty())
                .collect();
            if observable.is_empty() || observable.iter().any(|(_, seen)| seen.contains(&input)) {
                continue;
            }
            let i = &model.entities[input];
            let (g, _) = observable[0];
            let starts: Vec<&str> = g
                .nodes_of(product)
                .iter()
                .map(|&n| g.graph().key(n))
                .collect();
            let mut d = Diagnostic::new(
                Rule::LineageDrift,
                format!(
                    "`{}` lists input `{}`, but no path in {}'s lineage from {} reaches `{}`",
                    e.id,
                    i.id,
                    g.graph().system(),
                    starts
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    g.graph().key(g.nodes_of(input)[0])
                ),
            )
            .label("declared, not observed")
            .help(format!(
                "remove `{}` from `inputs` if `{}` no longer reads it, or check that the models name the right ports and sources",
                i.id, e.id
            ))
            .at(e.file, r.span);
            if let Some((file, span, text)) = g.naming(g.nodes_of(input)[0], &i.id, "") {
                d = d.related(file, span, text);
            }
            out.push(on(e, d));
        }
    }
}

/// `lineage-drift` against every observed graph of the workspace (dbt's
/// manifest, OpenLineage run events), and `lineage-invalid` for the event
/// lines that could not be read.
pub fn check(ws: &Workspace, model: &Model, out: &mut Vec<Diagnostic>) {
    drift(model, &graphs(ws, model), out);
    if let Some(l) = &ws.lineage {
        l.findings(out);
    }
}

/// Every observed graph of the workspace: dbt's manifest, then the
/// OpenLineage run events.
pub fn graphs<'w>(ws: &'w Workspace, model: &Model) -> Vec<Observed<'w>> {
    let mut graphs = Vec::new();
    if let Some(dbt) = &ws.dbt {
        graphs.push(crate::dbt::observed::observed(ws, model, dbt));
    }
    if let Some(l) = &ws.lineage {
        graphs.push(crate::openlineage::observed::Declared::new(ws, model, &l.events).observed());
    }
    graphs
}

/// How one upstream of a product stands between its `inputs` and what was
/// observed, for the product's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Listed in `inputs` and observed.
    Agrees,
    /// Observed, and listed through another input (a product it lists reads it).
    Through,
    /// Observed, listed nowhere: `lineage-drift`.
    Undeclared,
    /// Listed, observable, and no observed path reaches it: `lineage-drift`.
    NotObserved,
    /// Listed, and names nothing the observations could see.
    Unobservable,
}

/// One row of the declared-against-observed view.
#[derive(Debug, Clone)]
pub struct Row {
    pub entity: EntityId,
    pub declared: bool,
    /// The observed path from the product's node to the upstream's, by
    /// node names, and the system that observed it.
    pub observed: Option<(String, String)>,
    pub standing: Standing,
}

/// The declared inputs of `product` and its observed upstreams side by
/// side: its inputs in order, then the upstreams it does not list directly.
/// Empty when no graph observes the product.
pub fn compare(model: &Model, product: EntityId, graphs: &[Observed]) -> Vec<Row> {
    let watching: Vec<&Observed> = graphs.iter().filter(|g| g.watches(product)).collect();
    if watching.is_empty() {
        return Vec::new();
    }
    let closure = declared_closure(model, product);
    let upstream: Vec<(&Observed, BTreeMap<EntityId, Vec<ObservedNode>>)> = watching
        .iter()
        .map(|g| (*g, g.upstream_of(product)))
        .collect();
    let reached: Vec<HashSet<EntityId>> = watching.iter().map(|g| g.reached(product)).collect();
    let observed_path = |e: EntityId| {
        upstream.iter().find_map(|(g, up)| {
            up.get(&e)
                .map(|path| (g.describe(path), g.graph().system().to_string()))
        })
    };
    let mut rows = Vec::new();
    let mut listed = HashSet::new();
    for input in model.targets(product, RefField::Inputs) {
        if input == product || !listed.insert(input) {
            continue;
        }
        let observed = observed_path(input);
        let observable = watching.iter().any(|g| !g.nodes_of(input).is_empty());
        let standing = if observed.is_some() || reached.iter().any(|r| r.contains(&input)) {
            Standing::Agrees
        } else if observable {
            Standing::NotObserved
        } else {
            Standing::Unobservable
        };
        rows.push(Row {
            entity: input,
            declared: true,
            observed,
            standing,
        });
    }
    let mut extra: Vec<EntityId> = upstream
        .iter()
        .flat_map(|(_, up)| up.keys().copied())
        .filter(|e| !listed.contains(e))
        .collect();
    extra.sort_unstable();
    extra.dedup();
    for e in extra {
        rows.push(Row {
            entity: e,
            declared: false,
            observed: observed_path(e),
            standing: if closure.contains(&e) {
                Standing::Through
            } else {
                Standing::Undeclared
            },
        });
    }
    rows
}
