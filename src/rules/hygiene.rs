//! Rules about the content of the trace rather than its shape.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::diagnostic::{Diagnostic, Rule};
use crate::load::Workspace;
use crate::load::yaml::Node;
use crate::model::time::{Date, DurationError, duration, parse_duration};
use crate::model::{Entity, EntityId, Kind, Model, RefField};

/// `d`, about entity `e` (its `allow:` list applies).
pub(crate) fn on(e: &Entity, d: Diagnostic) -> Diagnostic {
    d.entity(e.id.as_str()).doc(e.doc)
}

/// `hypothesis-mismatch`: the hypothesis's initiative does not list its goal.
pub fn hypothesis_mismatch(ws: &Workspace, model: &Model, out: &mut Vec<Diagnostic>) {
    for h in model.of_kind(Kind::Hypothesis) {
        let Some(initiative) = model.targets(h, RefField::HypothesisInitiative).next() else {
            continue;
        };
        let Some(goal_ref) = model
            .refs_from(h)
            .iter()
            .find(|r| r.field == RefField::HypothesisGoal)
        else {
            continue;
        };
        let Some(goal) = model.targets(h, RefField::HypothesisGoal).next() else {
            continue;
        };
        if model
            .targets(initiative, RefField::Goals)
            .any(|g| g == goal)
        {
            continue;
        }
        // A `goals` entry of the initiative that names no goal is reported at
        // its root (`broken-ref`, `ref-kind`); the mismatch may be its echo.
        let unresolved = model
            .refs_from(initiative)
            .iter()
            .filter(|r| r.field == RefField::Goals)
            .any(|r| !r.resolved.is_some_and(|t| model.entities[t].is(Kind::Goal)));
        if unresolved {
            continue;
        }
        let (he, ie) = (&model.entities[h], &model.entities[initiative]);
        let goals_span = ie
            .node(ws)
            .entry("goals")
            .map_or(ie.id_span, |g| g.key_span);
        out.push(on(
            he,
            Diagnostic::new(
                Rule::HypothesisMismatch,
                format!(
                    "hypothesis `{}` links initiative `{}` to goal `{}`, but the initiative does not list that goal",
                    he.id, ie.id, goal_ref.target
                ),
            )
            .label("not among the initiative's goals")
            .help(format!(
                "add `{}` to the `goals` of initiative `{}`, or point the hypothesis at one of its goals",
                goal_ref.target, ie.id
            ))
            .at(he.file, goal_ref.span)
            .related(ie.file, goals_span, format!("the goals of initiative `{}`", ie.id)),
        ));
    }
}

/// `sensitive-data-ungoverned`: a product whose inputs reach a pii/phi
/// source, directly or through products none of which is `deidentified`,
/// needs a governance SLO.
pub fn sensitive_data(ws: &Workspace, model: &Model, out: &mut Vec<Diagnostic>) {
    for dp in model.of_kind(Kind::DataProduct) {
        let e = &model.entities[dp];
        let node = e.node(ws);
        let governed = slos(node).any(|s| s.get_str("category") == Some("governance"));
        if governed {
            continue;
        }
        let sensitive = sensitive_sources(ws, model, dp);
        let columns = super::contracts::personal_columns(ws, model, dp);
        let Some((first, level, path)) = sensitive.first() else {
            if let Some((column, class, _, _)) = columns.first() {
                let more = match columns.len() {
                    1 => String::new(),
                    n => format!(" and {} more", n - 1),
                };
                let mut d = Diagnostic::new(
                    Rule::SensitiveDataUngoverned,
                    format!(
                        "data product `{}` publishes personal data (column `{column}`, classified `{class}`{more}) but has no governance SLO",
                        e.id
                    ),
                )
                .label("publishes personal data")
                .help("add an SLO with `category: governance` (for example access control, retention or masking)")
                .at(e.file, e.id_span);
                for (column, class, file, span) in &columns {
                    d = d.related(
                        *file,
                        *span,
                        format!("`{column}` is classified `{class}` here"),
                    );
                }
                out.push(on(e, d));
            }
            continue;
        };
        let src = &model.entities[*first];
        let through = if path.is_empty() {
            String::new()
        } else {
            let hops: Vec<String> = path
                .iter()
                .map(|&p| format!("`{}`", model.entities[p].id))
                .collect();
            format!(" through {}", hops.join(" → "))
        };
        let mut d = Diagnostic::new(
            Rule::SensitiveDataUngoverned,
            format!(
                "data product `{}` reads {level} source `{}`{through} but has no governance SLO",
                e.id, src.id
            ),
        )
        .label("reads sensitive data")
        .help("add an SLO with `category: governance` (for example access control, retention or masking), or, if an input removes the personal data, mark that input `deidentified: true`")
        .at(e.file, e.id_span);
        for (s, level, _) in &sensitive {
            let s = &model.entities[*s];
            d = d.related(
                s.file,
                s.id_span,
                format!("`{}` is marked `{level}` here", s.id),
            );
        }
        for (column, class, file, span) in &columns {
            d = d.related(
                *file,
                *span,
                format!("`{column}` is classified `{class}` here"),
            );
        }
        out.push(on(e, d));
    }
}

/// The pii/phi sources `dp` reads, with the products between (nearest
/// first), walking `inputs` breadth-first and stopping at products that
/// declare `deidentified: true`.
fn sensitive_sources<'w>(
    ws: &'w Workspace,
    model: &Model,
    dp: EntityId,
) -> Vec<(EntityId, &'w str, Vec<EntityId>)> {
    let mut came_from: HashMap<EntityId, EntityId> = HashMap::new();
    let mut queue = VecDeque::from([dp]);
    let mut seen = HashSet::from([dp]);
    let mut found = Vec::new();
    while let Some(at) = queue.pop_front() {
        for input in model.targets(at, RefField::Inputs) {
            if !seen.insert(input) {
                continue;
            }
            came_from.insert(input, at);
            let entity = &model.entities[input];
            let node = entity.node(ws);
            if entity.is(Kind::Source) {
                if let Some(level) = node
                    .get_str("sensitivity")
                    .filter(|l| matches!(*l, "pii" | "phi"))
                {
                    let mut path = Vec::new();
                    let mut hop = at;
                    while hop != dp {
                        path.push(hop);
                        hop = came_from[&hop];
                    }
                    path.reverse();
                    found.push((input, level, path));
                }
            } else if node.get("deidentified").and_then(|d| match d.value {
                crate::load::yaml::Value::Bool(b) => Some(b),
                _ => None,
            }) != Some(true)
            {
                queue.push_back(input);
            }
        }
    }
    found
}

fn slos(node: &Node) -> impl Iterator<Item = &Node> {
    node.get("slos")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
}

/// `unaddressed-goal`: a goal nobody works on.
pub fn unaddressed_goals(model: &Model, out: &mut Vec<Diagnostic>) {
    for g in model.of_kind(Kind::Goal) {
        if model.referrers(g, RefField::Goals).next().is_some()
            || model.referrers(g, RefField::ContributesTo).next().is_some()
        {
            continue;
        }
        let e = &model.entities[g];
        out.push(on(
            e,
            Diagnostic::new(
                Rule::UnaddressedGoal,
                format!("goal `{}` has no initiative and no sub-goal", e.id),
            )
            .label("nothing works toward this goal")
            .help(format!(
                "list `{}` under `goals` of an initiative, or under `contributesTo` of a narrower goal",
                e.id
            ))
            .at(e.file, e.id_span),
        ));
    }
}

/// `unused`: a Source no product reads, a Consumer nothing names.
pub fn unused(model: &Model, out: &mut Vec<Diagnostic>) {
    let mut used = vec![false; model.entities.len()];
    for r in &model.refs {
        if let Some(t) = r.resolved {
            used[t] = true;
        }
    }
    for e in model
        .entities
        .iter()
        .enumerate()
        // A later duplicate can never be referenced; `duplicate-id` covers it.
        .filter(|(i, e)| {
            !used[*i] && model.is_canonical(*i) && e.kind.is_some_and(Kind::is_context)
        })
        .map(|(_, e)| e)
    {
        let (what, help) = if e.is(Kind::Source) {
            (
                "source",
                format!(
                    "list `{}` under `inputs` of the data product built from it, or remove it",
                    e.id
                ),
            )
        } else {
            (
                "consumer",
                format!(
                    "name `{}` in a use case's `consumers`, a goal's `consumers` or a usage pattern, or remove it",
                    e.id
                ),
            )
        };
        out.push(on(
            e,
            Diagnostic::new(
                Rule::Unused,
                format!("{what} `{}` is not used by anything", e.id),
            )
            .label(format!("unused {what}"))
            .help(help)
            .at(e.file, e.id_span),
        ));
    }
}

/// `missing-slo`: a data product without objectives.
pub fn missing_slo(ws: &Workspace, model: &Model, out: &mut Vec<Diagnostic>) {
    for dp in model.of_kind(Kind::DataProduct) {
        let e = &model.entities[dp];
        if slos(e.node(ws)).next().is_some() {
            continue;
        }
        out.push(on(
            e,
            Diagnostic::new(
                Rule::MissingSlo,
                format!("data product `{}` has no SLOs", e.id),
            )
            .label("no `slos`")
            .help("add `slos` for architecture, data quality (e.g. freshness) and governance")
            .at(e.file, e.id_span),
        ));
    }
}

/// `schema`, for what the schema's pattern cannot see: a duration in the
/// grammar that is too long to count (so no comparison would be made).
pub fn duration_ranges(ws: &Workspace, model: &Model, out: &mut Vec<Diagnostic>) {
    for dp in model.of_kind(Kind::DataProduct) {
        let e = &model.entities[dp];
        let node = e.node(ws);
        let mut values: Vec<(String, &Node)> = Vec::new();
        for (i, slo) in slos(node).enumerate() {
            if slo.get_str("category") == Some("dataQuality")
                && slo.get_str("property") == Some("freshness")
                && let Some(t) = slo.get("target")
            {
                values.push((format!("slos[{i}].target"), t));
            }
        }
        let patterns = node
            .get("usagePatterns")
            .and_then(Node::as_seq)
            .unwrap_or(&[]);
        for (i, p) in patterns.iter().enumerate() {
            if let Some(f) = p.get("requirements").and_then(|r| r.get("freshness")) {
                values.push((format!("usagePatterns[{i}].requirements.freshness"), f));
            }
        }
        for (path, value) in values {
            let Some(text) = value.as_str() else { continue };
            if duration(text) == Err(DurationError::TooLong) {
                out.push(on(
                    e,
                    Diagnostic::new(
                        Rule::Schema,
                        format!("`{path}` `{text}` is too long a duration to compare"),
                    )
                    .label("out of range")
                    .help("durations are counted in seconds and must stay below about 584 billion years; write a realistic duration such as `24h` or `P7D`")
                    .at(e.file, value.span),
                ));
            }
        }
    }
}

/// The strictest freshness objective a product states: seconds, the
/// target as written, and where.
pub fn freshness_promise(node: &Node) -> Option<(u64, &str, crate::load::source::Span)> {
    slos(node)
        .filter(|s| {
            s.get_str("category") == Some("dataQuality")
                && s.get_str("property") == Some("freshness")
        })
        .filter_map(|s| {
            let target = s.get("target")?;
            let text = target.as_str()?;
            Some((parse_duration(text)?, text, target.span))
        })
        .min_by_key(|(secs, _, _)| *secs)
}

/// `freshness-mismatch`: a consumer wants fresher data than the product promises.
pub fn freshness(ws: &Workspace, model: &Model, out: &mut Vec<Diagnostic>) {
    for dp in model.of_kind(Kind::DataProduct) {
        let e = &model.entities[dp];
        let node = e.node(ws);
        let Some((promised, promised_text, promise_span)) = freshness_promise(node) else {
            continue;
        };
        for pattern in node
            .get("usagePatterns")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            let Some(wanted) = pattern.get("requirements").and_then(|r| r.get("freshness")) else {
                continue;
            };
            let Some(wanted_text) = wanted.as_str() else {
                continue;
            };
            let Some(wanted_secs) = parse_duration(wanted_text) else {
                continue;
            };
            if wanted_secs >= promised {
                continue;
            }
            let consumer = pattern.get_str("consumer").unwrap_or("a consumer");
            out.push(on(
                e,
                Diagnostic::new(
                    Rule::FreshnessMismatch,
                    format!(
                        "`{consumer}` needs data at most {wanted_text} old, but `{}` promises freshness of {promised_text}",
                        e.id
                    ),
                )
                .label(format!("fresher than the promised {promised_text}"))
                .help("tighten the product's freshness SLO, or agree a looser requirement with the consumer")
                .at(e.file, wanted.span)
                .related(e.file, promise_span, "the freshness SLO is set here"),
            ));
        }
    }
}

/// `invalidated-hypothesis`: an initiative still going though every hypothesis behind it failed.
pub fn invalidated_hypotheses(ws: &Workspace, model: &Model, out: &mut Vec<Diagnostic>) {
    for i in model.of_kind(Kind::Initiative) {
        let e = &model.entities[i];
        // An initiative without a status is taken to be in flight.
        let status = e.node(ws).get_str("status");
        if !matches!(status, None | Some("proposed") | Some("active")) {
            continue;
        }
        let hypotheses: Vec<EntityId> = model
            .referrers(i, RefField::HypothesisInitiative)
            .filter(|&h| model.entities[h].is(Kind::Hypothesis))
            .collect();
        if hypotheses.is_empty()
            || !hypotheses
                .iter()
                .all(|&h| model.entities[h].node(ws).get_str("status") == Some("invalidated"))
        {
            continue;
        }
        let mut d = Diagnostic::new(
            Rule::InvalidatedHypothesis,
            format!(
                "initiative `{}` is {} but every hypothesis behind it is invalidated",
                e.id,
                status.unwrap_or("in flight")
            ),
        )
        .label("no hypothesis left standing")
        .help("drop the initiative (`status: dropped`), or add a hypothesis that still holds")
        .at(e.file, e.id_span);
        for &h in &hypotheses {
            let h = &model.entities[h];
            d = d.related(h.file, h.id_span, format!("`{}` is invalidated", h.id));
        }
        out.push(on(e, d));
    }
}

/// `stale-review`: the `reviewBy` date has passed.
pub fn stale_reviews(ws: &Workspace, model: &Model, today: Date, out: &mut Vec<Diagnostic>) {
    for (doc, d) in ws.documents.iter().enumerate() {
        let Some(review) = d.node.get("reviewBy") else {
            continue;
        };
        let Some(date) = review.as_str().and_then(Date::parse) else {
            continue;
        };
        if date >= today {
            continue;
        }
        let id = model
            .entity_of_doc(doc)
            .map(|e| model.entities[e].id.as_str())
            .or_else(|| d.node.get_str("id"));
        let mut diag = Diagnostic::new(
            Rule::StaleReview,
            format!(
                "{} was due for review on {date}",
                id.map_or("this spec".to_string(), |id| format!("`{id}`"))
            ),
        )
        .label("review date has passed")
        .help(format!("review the spec and move `reviewBy` past {today}"))
        .doc(doc)
        .at(d.file, review.span);
        if let Some(id) = id {
            diag = diag.entity(id);
        }
        out.push(diag);
    }
}
