//! The trace: which entities reach the North Star, and the rules about breaks
//! in it (`north-star-count`, `cycle`, `untraced`).

use std::collections::VecDeque;

use crate::diagnostic::{Diagnostic, Rule};
use crate::model::{Direction, EntityId, Kind, Model, RefField};

/// Which entities are traced, and how tracedness flows between them.
#[derive(Debug)]
pub struct Trace {
    /// `traced[e]`: entity `e` reaches the North Star.
    pub traced: Vec<bool>,
    /// `children[e]`: entities whose trace passes through `e`.
    children: Vec<Vec<EntityId>>,
}

impl Trace {
    /// Computes which entities are traced (contract §1).
    pub fn analyze(model: &Model) -> Trace {
        let n = model.entities.len();
        let mut children: Vec<Vec<EntityId>> = vec![Vec::new(); n];
        // How many traced parents each entity needs: one for most kinds, two for
        // a Hypothesis (its initiative and its goal).
        let mut needs: Vec<u8> = model
            .entities
            .iter()
            .map(|e| if e.is(Kind::Hypothesis) { 2 } else { 1 })
            .collect();
        for r in &model.refs {
            let Some(target) = r.resolved else { continue };
            if !model.entities[target]
                .kind
                .is_some_and(|k| r.field.targets().contains(&k))
            {
                continue;
            }
            // A goal passes the trace on to what contributes to it; a use case
            // to the products it lists, and a product to the products it reads.
            let (parent, child) = match r.field.direction() {
                Direction::Up => (target, r.from),
                Direction::Down => (r.from, target),
                Direction::Context => continue,
            };
            if model.entities[child].kind.is_some_and(Kind::is_context) {
                continue;
            }
            children[parent].push(child);
        }
        let mut traced = vec![false; n];
        let mut queue: VecDeque<EntityId> = model.of_kind(Kind::NorthStar).collect();
        for &ns in &queue {
            traced[ns] = true;
        }
        while let Some(e) = queue.pop_front() {
            for &child in &children[e] {
                if traced[child] {
                    continue;
                }
                needs[child] = needs[child].saturating_sub(1);
                if needs[child] == 0 {
                    traced[child] = true;
                    queue.push_back(child);
                }
            }
        }
        Trace { traced, children }
    }

    /// The untraced entities (Sources and Consumers aside) that `roots` cut
    /// off from the North Star: the roots themselves and everything whose
    /// trace passes through them.
    pub fn cut_off(&self, model: &Model, roots: &[EntityId]) -> usize {
        let mut seen = vec![false; self.traced.len()];
        let mut stack: Vec<EntityId> = Vec::new();
        for &r in roots {
            if !self.traced[r] && !seen[r] {
                seen[r] = true;
                stack.push(r);
            }
        }
        let mut count = 0;
        while let Some(e) = stack.pop() {
            if model.entities[e].kind.is_some_and(|k| !k.is_context()) {
                count += 1;
            }
            for &c in &self.children[e] {
                if !self.traced[c] && !seen[c] {
                    seen[c] = true;
                    stack.push(c);
                }
            }
        }
        count
    }
}

/// "; it cuts off 3 entities from the North Star", or nothing when it cuts off none.
pub fn cut_off_phrase(n: usize) -> String {
    if n == 0 {
        return String::new();
    }
    format!(
        "; it cuts off {n} {} from the North Star",
        if n == 1 { "entity" } else { "entities" }
    )
}

/// `north-star-count`: exactly one NorthStar.
pub fn north_star_count(model: &Model, out: &mut Vec<Diagnostic>) {
    let stars: Vec<EntityId> = model.of_kind(Kind::NorthStar).collect();
    match stars.len() {
        0 => out.push(
            Diagnostic::new(Rule::NorthStarCount, "the workspace has no NorthStar")
                .help("add one spec with `kind: NorthStar`; every goal traces up to it"),
        ),
        1 => {}
        n => {
            for &s in &stars {
                let e = &model.entities[s];
                let mut d = Diagnostic::new(
                    Rule::NorthStarCount,
                    format!("the workspace has {n} NorthStars; it must have exactly one"),
                )
                .label("one of several NorthStars")
                .help("keep one North Star metric and turn the others into goals that contribute to it")
                .entity(e.id.as_str())
                .doc(e.doc)
                .at(e.file, e.id_span);
                for &other in stars.iter().filter(|&&o| o != s) {
                    let o = &model.entities[other];
                    d = d.related(
                        o.file,
                        o.id_span,
                        format!("NorthStar `{}` is also defined here", o.id),
                    );
                }
                out.push(d);
            }
        }
    }
}

/// `cycle`: `contributesTo` or `inputs` links that loop.
pub fn cycles(model: &Model, trace: &Trace, out: &mut Vec<Diagnostic>) {
    for field in [RefField::ContributesTo, RefField::Inputs] {
        let kind = if field == RefField::ContributesTo {
            Kind::Goal
        } else {
            Kind::DataProduct
        };
        let edges: Vec<Vec<EntityId>> = (0..model.entities.len())
            .map(|e| {
                model
                    .targets(e, field)
                    .filter(|&t| model.entities[t].is(kind))
                    .collect()
            })
            .collect();
        for component in strongly_connected(&edges) {
            let start = component[0];
            let self_loop = edges[start].contains(&start);
            if component.len() == 1 && !self_loop {
                continue;
            }
            let path = cycle_through(start, &edges, &component);
            let next = path.get(1).copied().unwrap_or(start);
            let Some(r) = model
                .refs_from(start)
                .iter()
                .find(|r| r.field == field && r.resolved == Some(next))
            else {
                continue;
            };
            let names: Vec<&str> = path
                .iter()
                .chain(std::iter::once(&start))
                .map(|&e| model.entities[e].id.as_str())
                .collect();
            let e = &model.entities[start];
            out.push(
                Diagnostic::new(
                    Rule::Cycle,
                    format!(
                        "`{}` links form a cycle: {}{}",
                        field.key(),
                        names.join(" → "),
                        cut_off_phrase(trace.cut_off(model, &component))
                    ),
                )
                .label("this link closes the cycle")
                .help(if field == RefField::ContributesTo {
                    "a goal cannot contribute, directly or not, to itself; point one of them at the NorthStar or a broader goal"
                } else {
                    "a data product cannot be built, directly or not, from itself; remove one of these inputs"
                })
                .entity(e.id.as_str())
                .doc(e.doc)
                .at(e.file, r.span),
            );
        }
    }
}

/// `untraced`: a DataProduct that nothing needs.
pub fn untraced(model: &Model, trace: &Trace, out: &mut Vec<Diagnostic>) {
    let mut needed = vec![false; model.entities.len()];
    for r in &model.refs {
        if matches!(r.field, RefField::DataProducts | RefField::Inputs)
            && let Some(t) = r.resolved
        {
            needed[t] = true;
        }
    }
    for dp in model.of_kind(Kind::DataProduct) {
        if needed[dp] {
            continue;
        }
        let e = &model.entities[dp];
        out.push(
            Diagnostic::new(
                Rule::Untraced,
                format!(
                    "data product `{}` is not needed by any use case or data product{}",
                    e.id,
                    cut_off_phrase(trace.cut_off(model, &[dp]))
                ),
            )
            .label("nothing needs this data product")
            .help(format!(
                "list `{}` under `dataProducts` of the use case it serves, or under `inputs` of a data product built from it",
                e.id
            ))
            .entity(e.id.as_str())
            .doc(e.doc)
            .at(e.file, e.id_span),
        );
    }
}

/// Tarjan's algorithm, without recursion. Each component is sorted.
fn strongly_connected(edges: &[Vec<EntityId>]) -> Vec<Vec<EntityId>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut components = Vec::new();
    for root in 0..n {
        if index[root] != UNSEEN || edges[root].is_empty() {
            continue;
        }
        let mut work: Vec<(EntityId, usize)> = vec![(root, 0)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut i)) = work.last_mut() {
            if let Some(&w) = edges[v].get(*i) {
                *i += 1;
                if index[w] == UNSEEN {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                component.sort_unstable();
                components.push(component);
            }
        }
    }
    components.sort();
    components
}

/// The shortest cycle from `start` back to itself inside `component`, as the
/// list of nodes from `start` (not repeating it at the end).
fn cycle_through(
    start: EntityId,
    edges: &[Vec<EntityId>],
    component: &[EntityId],
) -> Vec<EntityId> {
    let mut prev: std::collections::HashMap<EntityId, EntityId> = Default::default();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &edges[v] {
            if component.binary_search(&w).is_err() {
                continue;
            }
            if w == start {
                let mut path = vec![v];
                let mut at = v;
                while at != start {
                    at = prev[&at];
                    path.push(at);
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(slot) = prev.entry(w) {
                slot.insert(v);
                queue.push_back(w);
            }
        }
    }
    vec![start]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cycles_and_their_path() {
        // 0 → 1 → 2 → 0, 3 → 3, 4 → 0
        let edges = vec![vec![1], vec![2], vec![0], vec![3], vec![0]];
        let comps = strongly_connected(&edges);
        assert!(comps.contains(&vec![0, 1, 2]));
        assert!(comps.contains(&vec![3]));
        assert_eq!(cycle_through(0, &edges, &[0, 1, 2]), vec![0, 1, 2]);
        assert_eq!(cycle_through(3, &edges, &[3]), vec![3]);
    }
}
