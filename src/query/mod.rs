//! The trace, asked: what is above and below an entity, its chain to the
//! North Star, how far a walk up or down reaches, what a change to it
//! affects, which entities match a search.
//!
//! One engine for every front end: the site renders its answers, `status`,
//! `diff` and the language server show them, and `mcp` returns them to an
//! assistant. It reads a checked workspace and writes nothing.

pub mod impact;
pub mod search;

use std::borrow::Cow;
use std::collections::{HashSet, VecDeque};

use serde::Serialize;

use crate::load::Workspace;
use crate::load::yaml::Node;
use crate::model::{Direction, EntityId, Kind, Model};
use crate::rules::Analysis;

/// Which way a walk through the trace goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toward {
    /// Toward the North Star: what an entity serves.
    Up,
    /// Away from it: what serves the entity (for a data product, its inputs).
    Down,
}

/// A checked workspace, asked about its trace.
#[derive(Clone, Copy)]
pub struct Query<'a> {
    pub ws: &'a Workspace,
    pub model: &'a Model,
    pub analysis: &'a Analysis,
}

/// One link seen from one end: the entity at the other end and the field
/// that holds the link (CONTRACT §8's notation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbour {
    pub entity: EntityId,
    pub field: &'static str,
}

/// An entity reached by a walk, with the links that reach it from the
/// start (the first path found, which is a shortest one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    pub entity: EntityId,
    /// `(from, field, to)` for each step, the start's first.
    pub path: Vec<(EntityId, &'static str, EntityId)>,
}

/// What a list of entities shows of each.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: String,
    pub kind: &'static str,
    pub name: String,
    pub status: Option<String>,
    pub file: String,
    pub line: usize,
    /// On a path to the North Star (context kinds always are).
    pub traced: bool,
}

impl<'a> Query<'a> {
    pub fn new(ws: &'a Workspace, analysis: &'a Analysis) -> Query<'a> {
        Query {
            ws,
            model: &analysis.model,
            analysis,
        }
    }

    pub fn node(&self, e: EntityId) -> &'a Node {
        self.model.entities[e].node(self.ws)
    }

    /// The entity's `name`, else its id.
    pub fn name(&self, e: EntityId) -> &'a str {
        let entity = &self.model.entities[e];
        entity.node(self.ws).get_str("name").unwrap_or(&entity.id)
    }

    /// The kind's name as `kind:` spells it; `Unknown` for a kind
    /// throughline does not know.
    pub fn kind_name(&self, e: EntityId) -> &'static str {
        self.model.entities[e].kind.map_or("Unknown", Kind::name)
    }

    /// The kind as people read it (`Use case`).
    pub fn kind_label(&self, e: EntityId) -> &'static str {
        self.model.entities[e].kind.map_or("Unknown", Kind::label)
    }

    /// Whether `e` is shown as traced: on a path to the North Star, or a
    /// source or consumer, which are context and never untraced.
    pub fn shown_traced(&self, e: EntityId) -> bool {
        let kind = self.model.entities[e].kind;
        self.analysis.trace.traced[e] || kind.is_some_and(Kind::is_context)
    }

    pub fn summary(&self, e: EntityId) -> Summary {
        let entity = &self.model.entities[e];
        Summary {
            id: entity.id.to_string(),
            kind: self.kind_name(e),
            name: self.name(e).to_string(),
            status: self.node(e).get_str("status").map(str::to_string),
            file: self.ws.files[entity.file].rel_path.clone(),
            line: entity.id_span.start.line(),
            traced: self.shown_traced(e),
        }
    }

    /// The entities one step `toward` from `e`, each once, in link order
    /// (the same as [`Model::parents`] and [`Model::children`]), with the
    /// field of the first link that makes each a neighbour. A consumer
    /// named in a usage pattern is context, not a step.
    pub fn neighbours(&self, e: EntityId, toward: Toward) -> Vec<Neighbour> {
        let (out, back) = match toward {
            Toward::Up => (Direction::Up, Direction::Down),
            Toward::Down => (Direction::Down, Direction::Up),
        };
        self.model
            .neighbour_links(e, out, back)
            .map(|(entity, field)| Neighbour {
                entity,
                field: field.display(),
            })
            .collect()
    }

    /// The chain from the North Star down to `e`'s parent, each step the
    /// first traced parent (else the first parent).
    pub fn chain(&self, e: EntityId) -> Vec<EntityId> {
        chain_by(e, &self.analysis.trace.traced, |x| {
            Cow::Owned(self.model.parents(x))
        })
    }

    /// A walk from `start` toward the North Star or away from it, at most
    /// `depth` steps (all the way without one): every entity reached, each
    /// once, nearest first, with a shortest path to it.
    pub fn walk(&self, start: EntityId, toward: Toward, depth: Option<usize>) -> Vec<Reached> {
        let mut seen = HashSet::from([start]);
        let mut out: Vec<Reached> = Vec::new();
        // (entity, its index in `out`, or none for the start)
        let mut queue: VecDeque<(EntityId, Option<usize>, usize)> =
            VecDeque::from([(start, None, 0)]);
        while let Some((e, at, steps)) = queue.pop_front() {
            if depth.is_some_and(|d| steps >= d) {
                continue;
            }
            for n in self.neighbours(e, toward) {
                if !seen.insert(n.entity) {
                    continue;
                }
                let mut path = at.map(|i| out[i].path.clone()).unwrap_or_default();
                path.push((e, n.field, n.entity));
                out.push(Reached {
                    entity: n.entity,
                    path,
                });
                queue.push_back((n.entity, Some(out.len() - 1), steps + 1));
            }
        }
        out
    }

    /// The entity `id` names, or a did-you-mean for an id that names none.
    pub fn find(&self, id: &str) -> Result<EntityId, String> {
        self.model.find(id)
    }
}

/// The chain from the top down to `e`'s parent through `parents`, each step
/// the first parent that `traced` marks (else the first); a cycle ends it.
pub fn chain_by<'p>(
    e: EntityId,
    traced: &[bool],
    mut parents: impl FnMut(EntityId) -> Cow<'p, [EntityId]>,
) -> Vec<EntityId> {
    let mut chain = Vec::new();
    let mut seen = HashSet::from([e]);
    let mut at = e;
    loop {
        let ps = parents(at);
        let Some(p) = ps
            .iter()
            .copied()
            .find(|&c| traced[c])
            .or_else(|| ps.first().copied())
        else {
            break;
        };
        if !seen.insert(p) {
            break;
        }
        chain.push(p);
        at = p;
    }
    chain.reverse();
    chain
}

#[cfg(test)]
mod tests {
    use super::search::{Search, search};
    use super::*;

    fn example() -> crate::Checked {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("example-spec");
        crate::check_dir(&dir, crate::model::time::Date::parse("2026-12-01").unwrap()).unwrap()
    }

    fn ids<'q>(q: &Query<'q>, es: impl IntoIterator<Item = EntityId>) -> Vec<&'q str> {
        es.into_iter()
            .map(|e| q.model.entities[e].id.as_str())
            .collect()
    }

    #[test]
    fn an_initiative_reaches_the_north_star_through_its_goal() {
        let checked = example();
        let q = Query::new(&checked.workspace, &checked.analysis);
        let e = q.find("bundle-offers").unwrap();
        let up = q.neighbours(e, Toward::Up);
        assert_eq!(
            ids(&q, up.iter().map(|n| n.entity)),
            ["increase-basket-size"]
        );
        assert_eq!(up[0].field, "goals");
        assert_eq!(
            ids(&q, q.chain(e)),
            ["cross-sell-revenue-share", "increase-basket-size"]
        );
        let walk = q.walk(e, Toward::Up, None);
        let top = walk
            .iter()
            .find(|r| q.model.entities[r.entity].id == "cross-sell-revenue-share")
            .expect("the North Star is reached");
        let steps: Vec<(&str, &str, &str)> = top
            .path
            .iter()
            .map(|&(a, f, b)| (&*q.model.entities[a].id, f, &*q.model.entities[b].id))
            .collect();
        assert_eq!(
            steps,
            [
                ("bundle-offers", "goals", "increase-basket-size"),
                (
                    "increase-basket-size",
                    "contributesTo",
                    "cross-sell-revenue-share"
                ),
            ]
        );
        assert_eq!(q.walk(e, Toward::Up, Some(1)).len(), 1);
        assert!(q.walk(e, Toward::Up, Some(0)).is_empty());
    }

    #[test]
    fn down_from_the_north_star_is_everything_traced_once() {
        let checked = example();
        let q = Query::new(&checked.workspace, &checked.analysis);
        let top = q.find("cross-sell-revenue-share").unwrap();
        let walk = q.walk(top, Toward::Down, None);
        let mut seen = HashSet::new();
        assert!(walk.iter().all(|r| seen.insert(r.entity)));
        for r in &walk {
            // Each path starts at the North Star and ends at the entity.
            assert_eq!(r.path.first().unwrap().0, top);
            assert_eq!(r.path.last().unwrap().2, r.entity);
            assert!(r.path.windows(2).all(|w| w[0].2 == w[1].0));
        }
        let kinds: HashSet<&str> = walk.iter().map(|r| q.kind_name(r.entity)).collect();
        for k in ["Goal", "Initiative", "UseCase", "DataProduct"] {
            assert!(kinds.contains(k), "{k} in {kinds:?}");
        }
    }

    #[test]
    fn an_unknown_id_says_what_was_meant() {
        let checked = example();
        let q = Query::new(&checked.workspace, &checked.analysis);
        let err = q.find("bundle-offer").unwrap_err();
        assert!(err.contains("did you mean `bundle-offers`"), "{err}");
    }

    #[test]
    fn search_puts_the_id_first_and_filters_by_kind() {
        let checked = example();
        let q = Query::new(&checked.workspace, &checked.analysis);
        let s = Search {
            query: "orders",
            ..Search::default()
        };
        let (found, total) = search(&q, &s, 5);
        assert_eq!(ids(&q, found.iter().copied())[0], "orders");
        assert!(total >= found.len());
        let only = Search {
            query: "basket",
            kind: Some(Kind::Goal),
            ..Search::default()
        };
        let (found, _) = search(&q, &only, 50);
        assert!(!found.is_empty());
        assert!(found.iter().all(|&e| q.kind_name(e) == "Goal"));
        let none = Search {
            query: "zzz-nothing-like-it",
            ..Search::default()
        };
        assert_eq!(search(&q, &none, 5).1, 0);
    }

    #[test]
    fn a_data_product_affects_the_goals_and_use_cases_above_it() {
        let checked = example();
        let q = Query::new(&checked.workspace, &checked.analysis);
        let orders = q.find("orders").unwrap();
        let impact = impact::impact(q.model, orders);
        assert!(!impact.goals.is_empty(), "{impact:?}");
        assert!(!impact.use_cases.is_empty(), "{impact:?}");
        // Built on orders, directly and through basket-affinity.
        for dp in [
            "basket-affinity",
            "product-affinity-scores",
            "campaign-audiences",
        ] {
            assert!(
                impact.data_products.iter().any(|d| d == dp),
                "{dp}: {impact:?}"
            );
        }
        assert!(!impact.data_products.iter().any(|d| d == "orders"));
        assert!(!impact.truncated);
    }
}
