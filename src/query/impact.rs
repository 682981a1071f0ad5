//! What a change to an entity reaches: the goals and use cases above and
//! below it in the trace, the data products built on it, and the consumers.

use std::collections::{HashSet, VecDeque};

use serde::Serialize;

use crate::model::{Direction, EntityId, Kind, Model};

/// Goals, use cases, data products and consumers upstream or downstream of
/// an entity, each once, nearest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Impact {
    pub goals: Vec<String>,
    #[serde(rename = "useCases")]
    pub use_cases: Vec<String>,
    /// The data products downstream of the entity in data terms: those that
    /// take it as an input, directly or through others (above it in the trace).
    #[serde(rename = "dataProducts")]
    pub data_products: Vec<String>,
    pub consumers: Vec<String>,
    /// The walk stopped at [`IMPACT_LIMIT`] entities each way.
    pub truncated: bool,
}

impl Impact {
    /// Whether it names no goal, use case or consumer (what `diff` shows).
    pub fn is_empty(&self) -> bool {
        self.goals.is_empty() && self.use_cases.is_empty() && self.consumers.is_empty()
    }
}

/// How far the impact walk goes each way before it stops.
pub const IMPACT_LIMIT: usize = 2000;

/// The entities reachable from `start` going `up` (toward the North Star)
/// or down, `start` left out, nearest first, and whether the walk stopped
/// at the limit.
pub fn reach(model: &Model, start: &[EntityId], up: bool) -> (Vec<EntityId>, bool) {
    let mut seen: HashSet<EntityId> = start.iter().copied().collect();
    let mut queue: VecDeque<EntityId> = start.iter().copied().collect();
    let mut out = Vec::new();
    while let Some(e) = queue.pop_front() {
        let next = if up {
            model.parents(e)
        } else {
            model.children(e)
        };
        for n in next {
            if seen.insert(n) {
                if out.len() >= IMPACT_LIMIT {
                    return (out, true);
                }
                out.push(n);
                queue.push_back(n);
            }
        }
    }
    (out, false)
}

/// What a change to `e` reaches: the goals and use cases above and below
/// it, the data products downstream of it (those built on it), and the
/// consumers any of them serve.
pub fn impact(model: &Model, e: EntityId) -> Impact {
    // A consumer sits beside the trace: what it touches is what names it.
    let start: Vec<EntityId> = if model.entities[e].is(Kind::Consumer) {
        model.refs_to(e).map(|r| r.from).collect()
    } else {
        vec![e]
    };
    let (up, up_cut) = reach(model, &start, true);
    let (down, down_cut) = reach(model, &start, false);
    let mut impact = Impact {
        truncated: up_cut || down_cut,
        ..Impact::default()
    };
    let mut consumers = Vec::new();
    for &x in start.iter().chain(&up).chain(&down) {
        let entity = &model.entities[x];
        if x != e {
            match entity.kind {
                Some(Kind::Goal) => impact.goals.push(entity.id.to_string()),
                Some(Kind::UseCase) => impact.use_cases.push(entity.id.to_string()),
                _ => {}
            }
        }
        for r in model.refs_from(x) {
            if r.field.direction() == Direction::Context && r.resolved.is_some_and(|t| t != e) {
                consumers.push(r.target.to_string());
            }
        }
    }
    impact.data_products = up
        .iter()
        .filter(|&&x| x != e && model.entities[x].is(Kind::DataProduct))
        .map(|&x| model.entities[x].id.to_string())
        .collect();
    impact.consumers = consumers;
    for list in [
        &mut impact.goals,
        &mut impact.use_cases,
        &mut impact.data_products,
        &mut impact.consumers,
    ] {
        let mut seen = HashSet::new();
        list.retain(|c| seen.insert(c.clone()));
    }
    impact
}
