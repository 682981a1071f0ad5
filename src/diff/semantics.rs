//! The changes that matter to the trace, called out by name, and the
//! breaking ones (contract §8).
//!
//! | name | when |
//! |---|---|
//! | `target-raised`, `target-lowered` | a goal indicator's or the North Star metric's `target` moved |
//! | `direction-flipped` | an indicator's or the metric's `direction` changed |
//! | `indicator-added`, `indicator-removed` | a goal gained or lost a success indicator |
//! | `north-star-redefined` | the metric's `name`, `definition` or `unit` changed |
//! | `hypothesis-validated`, `hypothesis-invalidated` | a hypothesis's `status` became that |
//! | `initiative-dropped`, `initiative-done` | an initiative's `status` became that |
//! | `goal-dropped`, `goal-achieved` | a goal's `status` became that |
//! | `became-sensitive` | a source's `sensitivity` became `pii` or `phi` |
//! | `port-added`, `port-removed`, `port-renamed` | a data product's output ports changed |
//! | `freshness-weakened`, `freshness-tightened` | its strictest freshness SLO promises less or more |

use std::collections::{HashMap, HashSet};

use super::{Breaking, Diff, Side};
use crate::load::yaml::Node;
use crate::model::{EntityId, Kind, RefField};
use crate::outcomes::Direction;

/// A named change of one entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub name: &'static str,
    pub message: String,
}

fn note(name: &'static str, message: String) -> Note {
    Note { name, message }
}

fn items<'n>(node: &'n Node, field: &str) -> Vec<(&'n str, &'n Node)> {
    node.get(field)
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|i| Some((i.get_str("name")?, i)))
        .collect()
}

fn number(node: &Node, field: &str) -> Option<f64> {
    node.get(field).and_then(Node::as_f64)
}

/// `30`, `2.5`: a number as written, without a trailing `.0`.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A target that moved, said the way the indicator reads.
fn target(what: &str, before: &Node, after: &Node, out: &mut Vec<Note>) {
    let direction = Direction::parse(after.get_str("direction"));
    if let (Some(b), Some(a)) = (number(before, "target"), number(after, "target"))
        && a != b
    {
        let raised = a > b;
        let ambition = if raised == (direction == Direction::Increase) {
            "more ambitious"
        } else {
            "less ambitious"
        };
        out.push(note(
            if raised {
                "target-raised"
            } else {
                "target-lowered"
            },
            format!(
                "target of {what} {} from {} to {} ({ambition}: it should {})",
                if raised { "raised" } else { "lowered" },
                num(b),
                num(a),
                direction.as_str()
            ),
        ));
    }
    let old = Direction::parse(before.get_str("direction"));
    if old != direction {
        out.push(note(
            "direction-flipped",
            format!(
                "{what} should now {} (it was to {})",
                direction.as_str(),
                old.as_str()
            ),
        ));
    }
}

fn status_became(
    before: &Node,
    after: &Node,
    names: &[(&str, &'static str)],
    what: &str,
    out: &mut Vec<Note>,
) {
    let (b, a) = (before.get_str("status"), after.get_str("status"));
    if a == b {
        return;
    }
    for &(status, name) in names {
        if a == Some(status) {
            out.push(note(
                name,
                format!(
                    "{what} is now `{status}` (it was `{}`)",
                    b.unwrap_or("not set")
                ),
            ));
        }
    }
}

/// The named changes between two revisions of an entity of `kind`.
pub fn notes(kind: &str, before: &Node, after: &Node) -> Vec<Note> {
    let mut out = Vec::new();
    match Kind::from_name(kind) {
        Some(Kind::Goal) => {
            let (old, new) = (
                items(before, "successIndicators"),
                items(after, "successIndicators"),
            );
            for (name, a) in &new {
                match old.iter().find(|(n, _)| n == name) {
                    Some((_, b)) => target(&format!("`{name}`"), b, a, &mut out),
                    None => out.push(note("indicator-added", format!("new indicator `{name}`"))),
                }
            }
            for (name, _) in old.iter().filter(|(n, _)| !new.iter().any(|(m, _)| m == n)) {
                out.push(note(
                    "indicator-removed",
                    format!("indicator `{name}` removed"),
                ));
            }
            status_became(
                before,
                after,
                &[("dropped", "goal-dropped"), ("achieved", "goal-achieved")],
                "the goal",
                &mut out,
            );
        }
        Some(Kind::NorthStar) => {
            if let (Some(b), Some(a)) = (before.get("metric"), after.get("metric")) {
                let redefined: Vec<&str> = ["name", "definition", "unit"]
                    .into_iter()
                    .filter(|f| {
                        !matches!((b.get(f), a.get(f)), (Some(x), Some(y)) if super::fields::same(x, y))
                            && (b.get(f).is_some() || a.get(f).is_some())
                    })
                    .collect();
                if !redefined.is_empty() {
                    out.push(note(
                        "north-star-redefined",
                        format!(
                            "the North Star metric is redefined: its {} changed, so measurements before and after may not compare",
                            redefined
                                .iter()
                                .map(|f| format!("`{f}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                target("the North Star metric", b, a, &mut out);
            }
        }
        Some(Kind::Hypothesis) => status_became(
            before,
            after,
            &[
                ("validated", "hypothesis-validated"),
                ("invalidated", "hypothesis-invalidated"),
            ],
            "the hypothesis",
            &mut out,
        ),
        Some(Kind::Initiative) => status_became(
            before,
            after,
            &[
                ("dropped", "initiative-dropped"),
                ("done", "initiative-done"),
            ],
            "the initiative",
            &mut out,
        ),
        Some(Kind::Source) => {
            let (b, a) = (
                before.get_str("sensitivity").unwrap_or("none"),
                after.get_str("sensitivity").unwrap_or("none"),
            );
            if matches!(a, "pii" | "phi") && !matches!(b, "pii" | "phi") {
                out.push(note(
                    "became-sensitive",
                    format!(
                        "the source now holds `{a}` data (it was `{b}`): every data product reading it needs a governance SLO or a de-identifying step"
                    ),
                ));
            }
        }
        Some(Kind::DataProduct) => {
            for change in ports(before, after) {
                out.push(match change {
                    Port::Added(n) => note("port-added", format!("new output port `{n}`")),
                    Port::Removed(n) => note("port-removed", format!("output port `{n}` removed")),
                    Port::Renamed(b, a) => note(
                        "port-renamed",
                        format!("output port `{b}` renamed to `{a}`"),
                    ),
                });
            }
            match (freshness(before), freshness(after)) {
                (Some(b), Some(a)) if a.0 > b.0 => out.push(note(
                    "freshness-weakened",
                    format!("the freshness SLO promises {} instead of {}", a.1, b.1),
                )),
                (Some(b), Some(a)) if a.0 < b.0 => out.push(note(
                    "freshness-tightened",
                    format!("the freshness SLO promises {} instead of {}", a.1, b.1),
                )),
                (Some(b), None) => out.push(note(
                    "freshness-weakened",
                    format!("the freshness SLO ({}) is gone", b.1),
                )),
                _ => {}
            }
        }
        _ => {}
    }
    out
}

/// A change to a data product's output ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Port {
    Added(String),
    Removed(String),
    Renamed(String, String),
}

/// The ports that went or came. A removed and an added port are one rename
/// when they carry the same `contractId`, or when they are the only ones.
pub fn ports(before: &Node, after: &Node) -> Vec<Port> {
    let (old, new) = (items(before, "outputPorts"), items(after, "outputPorts"));
    let mut removed: Vec<(&str, &Node)> = old
        .iter()
        .filter(|(n, _)| !new.iter().any(|(m, _)| m == n))
        .copied()
        .collect();
    let mut added: Vec<(&str, &Node)> = new
        .iter()
        .filter(|(n, _)| !old.iter().any(|(m, _)| m == n))
        .copied()
        .collect();
    let mut out = Vec::new();
    removed.retain(|(r, rn)| {
        let contract = rn.get_str("contractId");
        let pair = added
            .iter()
            .position(|(_, an)| contract.is_some() && an.get_str("contractId") == contract);
        match pair {
            Some(i) => {
                out.push(Port::Renamed(r.to_string(), added.remove(i).0.to_string()));
                false
            }
            None => true,
        }
    });
    if let ([(r, _)], [(a, _)]) = (removed.as_slice(), added.as_slice()) {
        out.push(Port::Renamed(r.to_string(), a.to_string()));
        return out;
    }
    out.extend(removed.iter().map(|(r, _)| Port::Removed(r.to_string())));
    out.extend(added.iter().map(|(a, _)| Port::Added(a.to_string())));
    out
}

/// The strictest freshness SLO: seconds, and the target as written (the
/// promise `freshness-mismatch` checks against).
fn freshness(node: &Node) -> Option<(u64, &str)> {
    crate::rules::hygiene::freshness_promise(node).map(|(secs, text, _)| (secs, text))
}

/// What depends on a data product in `side`: the use cases that list it,
/// the products that read it, and the consumers of both and of its usage patterns.
fn dependants(side: &Side, dp: EntityId) -> Vec<String> {
    let model = side.model();
    let mut out: Vec<EntityId> = Vec::new();
    out.extend(model.referrers(dp, RefField::DataProducts));
    out.extend(model.referrers(dp, RefField::Inputs));
    let mut consumers: Vec<EntityId> = model.targets(dp, RefField::UsageConsumer).collect();
    for &x in &out {
        consumers.extend(model.targets(x, RefField::UseCaseConsumers));
    }
    out.extend(consumers);
    ids(side, out)
}

fn ids(side: &Side, list: Vec<EntityId>) -> Vec<String> {
    let mut seen = HashSet::new();
    list.into_iter()
        .map(|e| side.model().entities[e].id.to_string())
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

/// The breaking changes of contract §8, with their reasons and what they affect.
pub fn breaking(base: &Side, head: &Side, diff: &Diff) -> Vec<Breaking> {
    let mut out = Vec::new();
    for m in &diff.modified {
        if m.entity.kind != Kind::DataProduct.name() {
            continue;
        }
        let (Some(b), Some(e)) = (
            base.model().get(&m.entity.id),
            head.model().get(&m.entity.id),
        ) else {
            continue;
        };
        let (bn, an) = (
            base.model().entities[b].node(&base.workspace),
            head.model().entities[e].node(&head.workspace),
        );
        // What uses it now and is (or was) traced: the use cases that list
        // it, and the products that read it.
        let was_traced = |x: EntityId| {
            head.traced(x)
                || base
                    .model()
                    .get(&head.model().entities[x].id)
                    .is_some_and(|old| base.traced(old))
        };
        let users: Vec<(EntityId, &str)> = head
            .model()
            .referrers(e, RefField::DataProducts)
            .map(|x| (x, "use case"))
            .chain(
                head.model()
                    .referrers(e, RefField::Inputs)
                    .map(|x| (x, "data product")),
            )
            .filter(|&(x, _)| was_traced(x))
            .collect();
        if let Some(&(first, what_user)) = users.first() {
            let user = &head.model().entities[first].id;
            let verb = if what_user == "use case" {
                "lists"
            } else {
                "reads"
            };
            let more = match users.len() {
                1 => String::new(),
                2 => " (1 more uses it)".to_string(),
                n => format!(" ({} more use it)", n - 1),
            };
            for change in ports(bn, an) {
                let (name, what) = match change {
                    Port::Added(_) => continue,
                    Port::Removed(p) => ("port-removed", format!("output port `{p}` removed")),
                    Port::Renamed(p, q) => (
                        "port-renamed",
                        format!("output port `{p}` renamed to `{q}`"),
                    ),
                };
                out.push(Breaking {
                    entity: m.entity.clone(),
                    name,
                    reason: format!("{what} while {what_user} `{user}` {verb} the product{more}"),
                    affects: dependants(head, e),
                });
            }
        }
        let weakened = match (freshness(bn), freshness(an)) {
            (Some(b), Some(a)) if a.0 > b.0 => Some(format!(
                "the freshness SLO promises {} instead of {}",
                a.1, b.1
            )),
            (Some(b), None) => Some(format!("the freshness SLO ({}) is gone", b.1)),
            _ => None,
        };
        if let Some(reason) = weakened {
            out.push(Breaking {
                entity: m.entity.clone(),
                name: "freshness-weakened",
                reason,
                affects: dependants(head, e),
            });
        }
    }
    // Removed entities that others still name.
    let mut naming: HashMap<&str, Vec<EntityId>> = HashMap::new();
    for r in head.model().refs.iter().filter(|r| r.resolved.is_none()) {
        naming.entry(r.target.as_str()).or_default().push(r.from);
    }
    let mut removal: HashMap<String, usize> = HashMap::new();
    for gone in &diff.removed {
        let Some(b) = base.model().get(&gone.entity.id) else {
            continue;
        };
        let context = base.model().entities[b].kind.is_some_and(Kind::is_context);
        let Some(holders) = naming.get(gone.entity.id.as_str()) else {
            continue;
        };
        if !(context || base.traced(b)) {
            continue;
        }
        let first = &head.model().entities[holders[0]].id;
        let more = match holders.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        removal.insert(gone.entity.id.clone(), out.len());
        out.push(Breaking {
            entity: gone.entity.clone(),
            name: "removed-while-referenced",
            reason: format!("removed while `{first}` still names it{more}"),
            affects: ids(head, holders.clone()),
        });
    }
    // What became untraced, at the root of each break.
    let untraced: HashSet<EntityId> = diff
        .became_untraced
        .iter()
        .filter_map(|i| head.model().get(&i.id))
        .collect();
    let mut roots: Vec<EntityId> = untraced
        .iter()
        .copied()
        .filter(|&e| !head.model().parents(e).iter().any(|p| untraced.contains(p)))
        .collect();
    roots.sort_by_key(|&e| {
        let entity = &head.model().entities[e];
        (entity.file, entity.id_span.start)
    });
    for root in roots {
        let (below, _) = crate::query::impact::reach(head.model(), &[root], false);
        let below: Vec<EntityId> = below.into_iter().filter(|e| untraced.contains(e)).collect();
        let entity = &head.model().entities[root];
        // Cut off by a removal already reported: counted there.
        let cause = head
            .model()
            .refs_from(root)
            .iter()
            .find_map(|r| removal.get(r.target.as_str()).copied());
        if let Some(i) = cause {
            let mut affects = ids(head, below);
            affects.insert(0, entity.id.to_string());
            for id in affects {
                if !out[i].affects.contains(&id) {
                    out[i].affects.push(id);
                }
            }
            continue;
        }
        let through: Vec<String> = base
            .model()
            .get(&entity.id)
            .map(|b| {
                base.model()
                    .parents(b)
                    .into_iter()
                    .filter(|&p| base.traced(p))
                    .map(|p| format!("`{}`", base.model().entities[p].id))
                    .collect()
            })
            .unwrap_or_default();
        let reason = if through.is_empty() {
            "no longer traced to the North Star".to_string()
        } else {
            format!(
                "no longer traced to the North Star (it was through {})",
                through.join(", ")
            )
        };
        out.push(Breaking {
            entity: head.info(root),
            name: "became-untraced",
            reason,
            affects: ids(head, below),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::source::SourceFile;

    fn parse(text: &str) -> Node {
        let file = SourceFile::new("a.yaml".into(), "a.yaml".into(), text.to_string());
        let parsed = crate::load::yaml::parse(&file, Default::default());
        parsed.documents.into_iter().next().expect("a document")
    }

    fn names(kind: &str, before: &str, after: &str) -> Vec<&'static str> {
        notes(kind, &parse(before), &parse(after))
            .into_iter()
            .map(|n| n.name)
            .collect()
    }

    #[test]
    fn a_lowered_target_of_a_decreasing_indicator_is_more_ambitious() {
        let before = "successIndicators: [{name: churn, target: 5, direction: decrease}]";
        let after = "successIndicators: [{name: churn, target: 3, direction: decrease}]";
        let got = notes("Goal", &parse(before), &parse(after));
        assert_eq!(got[0].name, "target-lowered");
        assert!(
            got[0].message.contains("more ambitious"),
            "{}",
            got[0].message
        );
        assert!(got[0].message.contains("from 5 to 3"), "{}", got[0].message);
    }

    #[test]
    fn ports_pair_renames_by_contract_or_when_alone() {
        let before = parse("outputPorts: [{name: a, contractId: c1}, {name: b}, {name: x}]");
        let after = parse("outputPorts: [{name: a2, contractId: c1}, {name: x}, {name: y}]");
        assert_eq!(
            ports(&before, &after),
            vec![
                Port::Renamed("a".into(), "a2".into()),
                Port::Renamed("b".into(), "y".into())
            ]
        );
        let after = parse("outputPorts: [{name: x}]");
        assert_eq!(
            ports(&before, &after),
            vec![Port::Removed("a".into()), Port::Removed("b".into())]
        );
    }

    #[test]
    fn status_and_sensitivity_changes_are_named() {
        assert_eq!(
            names("Hypothesis", "status: untested", "status: invalidated"),
            ["hypothesis-invalidated"]
        );
        assert_eq!(
            names("Initiative", "status: active", "status: dropped"),
            ["initiative-dropped"]
        );
        assert_eq!(
            names("Source", "system: x", "sensitivity: pii"),
            ["became-sensitive"]
        );
        assert_eq!(
            names("Source", "sensitivity: pii", "sensitivity: phi"),
            [] as [&str; 0]
        );
    }

    #[test]
    fn the_north_star_redefined_and_flipped() {
        let before = "metric: {name: a, definition: d, unit: u, direction: increase, target: 10}";
        let after = "metric: {name: a, definition: e, unit: u, direction: decrease, target: 10}";
        assert_eq!(
            names("NorthStar", before, after),
            ["north-star-redefined", "direction-flipped"]
        );
    }

    #[test]
    fn a_looser_or_missing_freshness_slo_is_weakened() {
        let slo = |t: &str| {
            format!("slos: [{{category: dataQuality, property: freshness, target: {t}}}]")
        };
        assert_eq!(
            names("DataProduct", &slo("1h"), &slo("24h")),
            ["freshness-weakened"]
        );
        assert_eq!(
            names("DataProduct", &slo("24h"), &slo("PT1H")),
            ["freshness-tightened"]
        );
        assert_eq!(
            names("DataProduct", &slo("1h"), "slos: []"),
            ["freshness-weakened"]
        );
    }
}
