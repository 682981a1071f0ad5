//! The trace drawn as SVG: the whole trace, and an entity's neighbourhood.

use std::collections::{HashMap, HashSet};

use crate::model::{EntityId, Kind, RefField};

use super::svg::{self, GraphNode};
use super::view::SiteModel;

/// The whole-trace graph draws every entity up to this many; above it, only
/// the upper levels of the trace.
const MAX_TRACE_NODES: usize = 600;
/// Most neighbours drawn on each side of an entity.
const MAX_NEIGHBOURS: usize = 30;

pub fn graph_node(
    site: &SiteModel,
    e: EntityId,
    column: usize,
    root: &str,
    focus: bool,
) -> GraphNode {
    let r = site.entity_ref(e);
    GraphNode {
        column,
        label: r.name,
        kind: site.model.entities[e].kind.map_or("unknown", |k| match k {
            Kind::NorthStar => "northstar",
            Kind::Goal => "goal",
            Kind::Initiative => "initiative",
            Kind::Hypothesis => "hypothesis",
            Kind::UseCase => "usecase",
            Kind::DataProduct => "dataproduct",
            Kind::Source => "source",
            Kind::Consumer => "consumer",
        }),
        kind_label: r.kind_label,
        href: r.path.map(|p| format!("{root}{p}")),
        traced: r.traced,
        focus,
    }
}

/// The whole trace: one column per kind, sub-goals in columns of their own.
/// A trace too large to read as one picture is cut to its upper levels; the
/// note says so.
pub fn trace(site: &SiteModel) -> (String, Option<String>) {
    let all: Vec<EntityId> = site
        .pages()
        .filter(|&e| !site.model.entities[e].is(Kind::Consumer))
        .collect();
    let mut ids = all.clone();
    let mut note = None;
    for keep in [
        Kind::Source,
        Kind::DataProduct,
        Kind::UseCase,
        Kind::Hypothesis,
        Kind::Initiative,
    ] {
        if ids.len() <= MAX_TRACE_NODES {
            break;
        }
        ids.retain(|&e| !site.model.entities[e].is(keep));
        note = Some(format!(
            "The trace has {} entities, too many to draw at once: this shows its upper levels ({} entities). Every entity's page shows its neighbourhood, and `throughline graph` exports the whole graph.",
            all.len(),
            ids.len()
        ));
    }
    ids.truncate(MAX_TRACE_NODES);
    let depth = goal_depths(site);
    let max_goal = depth.values().copied().max().unwrap_or(1).max(1);
    let column = |e: EntityId| -> usize {
        match site.model.entities[e].kind {
            Some(Kind::NorthStar) | None => 0,
            Some(Kind::Goal) => depth.get(&e).copied().unwrap_or(1).clamp(1, max_goal),
            Some(k) => k as usize - 1 + max_goal,
        }
    };
    let mut order: Vec<EntityId> = ids;
    order.sort_by_key(|&e| column(e));
    let index: HashMap<EntityId, usize> = order.iter().enumerate().map(|(i, &e)| (e, i)).collect();
    let nodes: Vec<GraphNode> = order
        .iter()
        .map(|&e| graph_node(site, e, column(e), "", false))
        .collect();
    let mut edges = Vec::new();
    for &e in &order {
        for c in site.children(e) {
            if let (Some(&a), Some(&b)) = (index.get(&e), index.get(&c))
                && nodes[a].column < nodes[b].column
            {
                edges.push((a, b));
            }
        }
    }
    let drawn = svg::svg(
        &nodes,
        &edges,
        "The trace from the North Star to the sources",
    );
    (drawn, note)
}

/// How many `contributesTo` steps each goal is from the North Star (1 = directly).
fn goal_depths(site: &SiteModel) -> HashMap<EntityId, usize> {
    let mut depth = HashMap::new();
    for g in site.model.of_kind(Kind::Goal) {
        let mut d = 1;
        let mut at = g;
        let mut seen = HashSet::from([g]);
        while let Some(up) = site.model.targets(at, RefField::ContributesTo).next() {
            if !site.model.entities[up].is(Kind::Goal) || !seen.insert(up) {
                break;
            }
            d += 1;
            at = up;
        }
        depth.insert(g, d);
    }
    depth
}

/// The entities directly above `e` in the trace.
pub fn parents(site: &SiteModel, e: EntityId) -> Vec<EntityId> {
    let m = site.model;
    let mut out: Vec<EntityId> = match m.entities[e].kind {
        Some(Kind::Goal) => m.targets(e, RefField::ContributesTo).collect(),
        Some(Kind::Initiative) => m.targets(e, RefField::Goals).collect(),
        Some(Kind::Hypothesis) => m
            .targets(e, RefField::HypothesisInitiative)
            .chain(m.targets(e, RefField::HypothesisGoal))
            .collect(),
        Some(Kind::UseCase) => m
            .targets(e, RefField::Hypotheses)
            .chain(m.targets(e, RefField::Initiatives))
            .collect(),
        Some(Kind::DataProduct) | Some(Kind::Source) => m
            .referrers(e, RefField::DataProducts)
            .chain(m.referrers(e, RefField::Inputs))
            .collect(),
        Some(Kind::Consumer) => m.refs_to(e).map(|r| r.from).collect(),
        _ => Vec::new(),
    };
    let mut seen = HashSet::new();
    out.retain(|&p| seen.insert(p) && site.path(p).is_some());
    out
}

/// An entity with what is directly above and below it.
pub fn neighbourhood(site: &SiteModel, e: EntityId) -> String {
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let mut up = parents(site, e);
    let up_more = up.len().saturating_sub(MAX_NEIGHBOURS);
    up.truncate(MAX_NEIGHBOURS);
    for &p in &up {
        nodes.push(graph_node(site, p, 0, "../", false));
    }
    let me = nodes.len();
    nodes.push(graph_node(
        site,
        e,
        usize::from(!up.is_empty()),
        "../",
        true,
    ));
    edges.extend((0..me).map(|p| (p, me)));
    let column = nodes[me].column + 1;
    let down: Vec<EntityId> = site.children(e).into_iter().filter(|&c| c != e).collect();
    for &c in down.iter().take(MAX_NEIGHBOURS) {
        edges.push((me, nodes.len()));
        nodes.push(graph_node(site, c, column, "../", false));
    }
    let down_more = down.len().saturating_sub(MAX_NEIGHBOURS);
    for (more, column) in [(up_more, 0), (down_more, column)] {
        if more > 0 {
            nodes.push(GraphNode {
                column,
                label: format!("… and {more} more"),
                kind: "more",
                kind_label: "More",
                href: None,
                traced: true,
                focus: false,
            });
        }
    }
    let title = format!("What {} connects to", site.entity_ref(e).name);
    svg::svg(&nodes, &edges, &title)
}
