//! The trace drawn as SVG: the whole trace, and an entity's neighbourhood.

use std::collections::{HashMap, HashSet};

use crate::model::{EntityId, Kind};

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
    let (nodes, edges, note) = trace_layout(site);
    let drawn = svg::svg(
        &nodes,
        &edges,
        "The trace from the North Star to the sources",
    );
    (drawn, note)
}

/// The nodes (in drawing order) and edges of the whole-trace graph.
fn trace_layout(site: &SiteModel) -> (Vec<GraphNode>, Vec<(usize, usize)>, Option<String>) {
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
    let goal_depth = depths(site, Kind::Goal);
    let product_depth = depths(site, Kind::DataProduct);
    let max_goal = goal_depth.values().copied().max().unwrap_or(1).max(1);
    let max_product = product_depth.values().copied().max().unwrap_or(1).max(1);
    // North Star | goals by depth | initiatives | hypotheses | use cases |
    // data products, from consumer-aligned to source-aligned | sources.
    let column = |e: EntityId| -> usize {
        let products = max_goal + 4;
        match site.model.entities[e].kind {
            Some(Kind::NorthStar) | None => 0,
            Some(Kind::Goal) => goal_depth.get(&e).copied().unwrap_or(1).clamp(1, max_goal),
            Some(Kind::Initiative) => max_goal + 1,
            Some(Kind::Hypothesis) => max_goal + 2,
            Some(Kind::UseCase) => max_goal + 3,
            Some(Kind::DataProduct) => {
                products
                    + product_depth
                        .get(&e)
                        .copied()
                        .unwrap_or(1)
                        .clamp(1, max_product)
                    - 1
            }
            Some(Kind::Source) | Some(Kind::Consumer) => products + max_product,
        }
    };
    let drawn: HashSet<EntityId> = ids.iter().copied().collect();
    let mut edges_of: Vec<(EntityId, EntityId)> = Vec::new();
    for &e in &ids {
        for &c in site.children(e).iter() {
            if drawn.contains(&c) && column(e) < column(c) {
                edges_of.push((e, c));
            }
        }
    }
    let order = reduce_crossings(ids, &column, &edges_of);
    let index: HashMap<EntityId, usize> = order.iter().enumerate().map(|(i, &e)| (e, i)).collect();
    let nodes: Vec<GraphNode> = order
        .iter()
        .map(|&e| graph_node(site, e, column(e), "", false))
        .collect();
    let edges: Vec<(usize, usize)> = edges_of.iter().map(|(a, b)| (index[a], index[b])).collect();
    (nodes, edges, note)
}

/// Orders each column by the mean position of its neighbours in the columns
/// beside it (the barycenter heuristic), sweeping left to right and back a
/// few times; fewer edges cross. Returns the entities column by column.
fn reduce_crossings(
    ids: Vec<EntityId>,
    column: &dyn Fn(EntityId) -> usize,
    edges: &[(EntityId, EntityId)],
) -> Vec<EntityId> {
    let columns = ids.iter().map(|&e| column(e) + 1).max().unwrap_or(0);
    let mut layers: Vec<Vec<EntityId>> = vec![Vec::new(); columns];
    for e in ids {
        layers[column(e)].push(e);
    }
    let mut up: HashMap<EntityId, Vec<EntityId>> = HashMap::new();
    let mut down: HashMap<EntityId, Vec<EntityId>> = HashMap::new();
    for &(a, b) in edges {
        down.entry(a).or_default().push(b);
        up.entry(b).or_default().push(a);
    }
    let mut position: HashMap<EntityId, f64> = HashMap::new();
    let place = |layer: &[EntityId], position: &mut HashMap<EntityId, f64>| {
        for (i, &e) in layer.iter().enumerate() {
            position.insert(e, i as f64);
        }
    };
    for layer in &layers {
        place(layer, &mut position);
    }
    let sort = |layer: &mut Vec<EntityId>,
                neighbours: &HashMap<EntityId, Vec<EntityId>>,
                position: &HashMap<EntityId, f64>| {
        let key = |e: EntityId| -> f64 {
            let ns = neighbours.get(&e).map_or(&[][..], Vec::as_slice);
            let known: Vec<f64> = ns.iter().filter_map(|n| position.get(n)).copied().collect();
            if known.is_empty() {
                position[&e]
            } else {
                known.iter().sum::<f64>() / known.len() as f64
            }
        };
        let mut keyed: Vec<(f64, usize, EntityId)> = layer
            .iter()
            .enumerate()
            .map(|(i, &e)| (key(e), i, e))
            .collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        *layer = keyed.into_iter().map(|(_, _, e)| e).collect();
    };
    for _ in 0..4 {
        for layer in layers.iter_mut().skip(1) {
            sort(layer, &up, &position);
            place(layer, &mut position);
        }
        let last = layers.len().saturating_sub(1);
        for layer in layers.iter_mut().take(last).rev() {
            sort(layer, &down, &position);
            place(layer, &mut position);
        }
    }
    layers.into_iter().flatten().collect()
}

/// How many steps each entity of `kind` is from the top of its chain: goals
/// along `contributesTo` from the North Star (1 = directly), data products
/// along `inputs` from the products use cases list (1 = listed by a use case
/// or read by no product). The longest path counts, so every link between
/// two of them goes one column or more to the right; a cycle stops the walk.
fn depths(site: &SiteModel, kind: Kind) -> HashMap<EntityId, usize> {
    let m = site.model;
    let same = |e: EntityId| m.entities[e].is(kind);
    let mut depth = HashMap::new();
    for e in m.of_kind(kind) {
        longest(e, &same, m, &mut depth, &mut HashSet::new());
    }
    depth
}

fn longest(
    e: EntityId,
    same: &dyn Fn(EntityId) -> bool,
    m: &crate::model::Model,
    depth: &mut HashMap<EntityId, usize>,
    on_path: &mut HashSet<EntityId>,
) -> usize {
    if let Some(&d) = depth.get(&e) {
        return d;
    }
    // Chains of goals or of products are short; the guard bounds the
    // recursion on a pathological one.
    if !on_path.insert(e) || on_path.len() > 256 {
        return 1;
    }
    let d = 1 + m
        .parents(e)
        .into_iter()
        .filter(|&p| same(p))
        .map(|p| longest(p, same, m, depth, on_path))
        .max()
        .unwrap_or(0);
    on_path.remove(&e);
    depth.insert(e, d);
    d
}

/// The entities directly above `e` in the trace; for a Consumer, whatever
/// names it.
pub fn parents(site: &SiteModel, e: EntityId) -> Vec<EntityId> {
    super::incremental::read(e);
    let m = site.model;
    let mut out: Vec<EntityId> = if m.entities[e].is(Kind::Consumer) {
        m.refs_to(e).map(|r| r.from).collect()
    } else {
        m.parents(e)
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
    let down: Vec<EntityId> = site
        .children(e)
        .iter()
        .copied()
        .filter(|&c| c != e)
        .collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Direction;

    #[test]
    fn every_link_between_drawn_entities_is_an_edge_left_to_right() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("example-spec");
        let checked =
            crate::check_dir(&dir, crate::model::time::Date::parse("2026-06-01").unwrap()).unwrap();
        let site = SiteModel::new(&checked.workspace, &checked.analysis, &checked.config);
        let (nodes, edges, _) = trace_layout(&site);
        let at: HashMap<String, usize> = nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| n.href.clone().map(|h| (h, i)))
            .collect();
        let node_of = |e: EntityId| site.path(e).and_then(|p| at.get(&p).copied());
        let mut links = 0;
        let mut product_links = 0;
        for r in &site.model.refs {
            let (Some(from), Some(to)) = (node_of(r.from), r.resolved.and_then(node_of)) else {
                continue;
            };
            let (parent, child) = match r.field.direction() {
                Direction::Up => (to, from),
                Direction::Down => (from, to),
                Direction::Context => continue,
            };
            assert!(
                edges.contains(&(parent, child)),
                "{} → {} ({}) is not drawn",
                nodes[parent].label,
                nodes[child].label,
                r.field.key()
            );
            assert!(nodes[parent].column < nodes[child].column);
            links += 1;
            if nodes[parent].kind == "dataproduct" && nodes[child].kind == "dataproduct" {
                product_links += 1;
            }
        }
        assert!(
            links > 30 && product_links >= 3,
            "{links} links, {product_links} between products"
        );
    }
}
