//! What each tool answers, from the query engine: JSON values, free of the
//! protocol's types. An `Err` is a tool error the assistant reads (an
//! unknown id with a did-you-mean, an argument of the wrong type).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::diagnostic::{Rule, Severity};
use crate::model::{EntityId, Kind};
use crate::query::search::{Search, search};
use crate::query::{Query, Toward, impact};
use crate::report::Report;
use crate::review::{self, State};

use super::engine::Engine;

/// The arguments of one call, read with the types the schemas give.
pub struct Args<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Args<'a> {
    /// The arguments, if each is one the tool takes.
    pub fn new(map: &'a Map<String, Value>, known: &[&str]) -> Result<Args<'a>, String> {
        for key in map.keys() {
            if !known.contains(&key.as_str()) {
                let hint = crate::suggest::hint(key, known.iter().copied());
                let takes = if known.is_empty() {
                    "it takes none".to_string()
                } else {
                    format!("it takes {}", quoted(known))
                };
                return Err(format!("unknown argument `{key}` ({takes}){hint}"));
            }
        }
        Ok(Args { map })
    }

    pub fn str(&self, name: &str) -> Result<Option<&'a str>, String> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(format!(
                "`{name}` must be a string, not {}",
                type_name(other)
            )),
        }
    }

    pub fn required(&self, name: &str) -> Result<&'a str, String> {
        self.str(name)?
            .ok_or_else(|| format!("`{name}` is required"))
    }

    pub fn int(&self, name: &str, min: u64, max: u64) -> Result<Option<u64>, String> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
                _ => Err(format!(
                    "`{name}` must be a whole number from {min} to {max}, not {n}"
                )),
            },
            Some(other) => Err(format!(
                "`{name}` must be a whole number, not {}",
                type_name(other)
            )),
        }
    }

    pub fn strings(&self, name: &str) -> Result<Vec<&'a str>, String> {
        let wrong = || format!("`{name}` must be a list of strings");
        match self.map.get(name) {
            None | Some(Value::Null) => Err(format!("`{name}` is required")),
            Some(Value::Array(items)) => {
                items.iter().map(|v| v.as_str().ok_or_else(wrong)).collect()
            }
            Some(_) => Err(wrong()),
        }
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The largest `text` `validate_draft` takes, whatever the workspace's limit.
pub const MAX_DRAFT: usize = 10 * 1024 * 1024;

/// Calls tool `name`; `None` for a tool there is none of.
pub fn call(
    engine: &Engine,
    name: &str,
    args: &Map<String, Value>,
) -> Option<Result<Value, String>> {
    let known: &[&str] = match name {
        "overview" | "check" | "status" | "suspect_links" => &[],
        "get_entity" | "impact" => &["id"],
        "trace" => &["id", "direction", "depth"],
        "search" => &["query", "kind", "status", "limit"],
        "explain_rule" => &["rule"],
        "validate_draft" => &["path", "text"],
        "review" if engine.options.allow_write => &["ids"],
        _ => return None,
    };
    Some(Args::new(args, known).and_then(|args| answer(engine, name, &args)))
}

fn answer(engine: &Engine, name: &str, args: &Args) -> Result<Value, String> {
    if name == "explain_rule" {
        return explain(args.required("rule")?);
    }
    if name == "validate_draft" {
        return super::draft::validate(engine, args.required("path")?, args.required("text")?);
    }
    if name == "review" {
        return super::draft::review(engine, &args.strings("ids")?);
    }
    let current = engine.current();
    let checked = current.checked()?;
    let q = Query::new(&checked.workspace, &checked.analysis);
    match name {
        "overview" => Ok(overview(&q)),
        "get_entity" => entity(&q, q.find(args.required("id")?)?),
        "trace" => {
            let e = q.find(args.required("id")?)?;
            let toward = match args.required("direction")? {
                "up" => Toward::Up,
                "down" => Toward::Down,
                other => {
                    return Err(format!(
                        "`direction` is `up` (toward the North Star) or `down`, not `{other}`"
                    ));
                }
            };
            let depth = args.int("depth", 1, 10_000)?.map(|d| d as usize);
            Ok(trace(&q, e, toward, depth))
        }
        "search" => {
            let kind = args.str("kind")?.map(Kind::named).transpose()?;
            let s = Search {
                query: args.required("query")?,
                kind,
                status: args.str("status")?,
            };
            let limit = args.int("limit", 1, 500)?.unwrap_or(20) as usize;
            let (found, total) = search(&q, &s, limit);
            let results: Vec<_> = found.into_iter().map(|e| q.summary(e)).collect();
            Ok(json!({"total": total, "results": results}))
        }
        "check" => Ok(crate::report::json::value(&Report::new(
            &checked.workspace,
            &checked.analysis,
        ))),
        "status" => {
            let a = &checked.analysis;
            let rows = crate::report::status::rows(&checked.workspace, &a.model, &a.outcomes);
            Ok(crate::report::dbt::status_json(
                checked,
                &rows,
                current.today(),
            ))
        }
        "impact" => {
            let e = q.find(args.required("id")?)?;
            let mut v = serde_json::to_value(impact::impact(q.model, e)).expect("JSON");
            v["id"] = json!(q.model.entities[e].id.as_str());
            Ok(v)
        }
        "suspect_links" => Ok(suspects(checked)),
        _ => unreachable!("every tool is answered"),
    }
}

fn overview(q: &Query) -> Value {
    let mut kinds: BTreeMap<&str, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
    let (mut traced, mut of) = (0, 0);
    let mut entities = 0;
    for e in 0..q.model.entities.len() {
        let entity = &q.model.entities[e];
        let Some(kind) = entity.kind else { continue };
        if !q.model.is_canonical(e) {
            continue;
        }
        entities += 1;
        let slot = kinds.entry(kind.name()).or_default();
        slot.0 += 1;
        let status = q.node(e).get_str("status").unwrap_or("(none)");
        *slot.1.entry(status.to_string()).or_default() += 1;
        if !kind.is_context() {
            of += 1;
            traced += usize::from(q.analysis.trace.traced[e]);
        }
    }
    let kinds: Map<String, Value> = kinds
        .into_iter()
        .map(|(k, (count, statuses))| {
            (k.to_string(), json!({"count": count, "statuses": statuses}))
        })
        .collect();
    let north_star = q.model.of_kind(Kind::NorthStar).next().map(|e| {
        json!({
            "id": q.model.entities[e].id.as_str(),
            "name": q.name(e),
            "status": q.analysis.outcomes.status_of(e).map(|s| s.as_str()),
        })
    });
    let share = if of == 0 {
        1.0
    } else {
        (traced as f64 / of as f64 * 1000.0).round() / 1000.0
    };
    json!({
        "entities": entities,
        "kinds": kinds,
        "traced": {"count": traced, "of": of, "share": share},
        "errors": q.analysis.errors(),
        "warnings": q.analysis.warnings(),
        "northStar": north_star,
    })
}

fn neighbours(q: &Query, e: EntityId, toward: Toward) -> Vec<Value> {
    q.neighbours(e, toward)
        .into_iter()
        .map(|n| {
            json!({
                "id": q.model.entities[n.entity].id.as_str(),
                "kind": q.kind_name(n.entity),
                "name": q.name(n.entity),
                "field": n.field,
            })
        })
        .collect()
}

fn entity(q: &Query, e: EntityId) -> Result<Value, String> {
    let s = q.summary(e);
    let doc = q.model.entities[e].doc;
    let findings: Vec<Value> = q
        .analysis
        .diagnostics
        .iter()
        .filter(|d| d.doc == Some(doc) || d.entity.as_deref() == Some(s.id.as_str()))
        .map(|d| crate::report::json::finding(q.ws, d))
        .collect();
    Ok(json!({
        "id": s.id,
        "kind": s.kind,
        "name": s.name,
        "status": s.status,
        "file": s.file,
        "line": s.line,
        "traced": s.traced,
        "fields": q.node(e).to_json(),
        "parents": neighbours(q, e, Toward::Up),
        "children": neighbours(q, e, Toward::Down),
        "findings": findings,
    }))
}

fn trace(q: &Query, e: EntityId, toward: Toward, depth: Option<usize>) -> Value {
    let id = |x: EntityId| q.model.entities[x].id.as_str();
    let reached: Vec<Value> = q
        .walk(e, toward, depth)
        .into_iter()
        .map(|r| {
            let path: Vec<Value> = r
                .path
                .iter()
                .map(|&(from, field, to)| json!({"from": id(from), "field": field, "to": id(to)}))
                .collect();
            json!({
                "id": id(r.entity),
                "kind": q.kind_name(r.entity),
                "name": q.name(r.entity),
                "depth": r.path.len(),
                "path": path,
            })
        })
        .collect();
    json!({
        "id": id(e),
        "direction": if toward == Toward::Up { "up" } else { "down" },
        "reached": reached,
    })
}

fn explain(name: &str) -> Result<Value, String> {
    let rule = Rule::from_name(name).ok_or_else(|| {
        let hint = crate::suggest::hint(name, Rule::ALL.iter().map(|r| r.name()));
        format!("no rule is named `{name}`{hint}")
    })?;
    Ok(json!({"rule": rule.name(), "markdown": crate::explain::markdown(rule)}))
}

fn suspects(checked: &crate::Checked) -> Value {
    let (ws, model, config) = (&checked.workspace, &checked.analysis.model, &checked.config);
    let Some((_, lock)) = &ws.lock else {
        return json!({"links": []});
    };
    let states = review::states(ws, model, config, lock);
    let links: Vec<Value> = review::suspects(ws, model, config, &states)
        .into_iter()
        .map(|s| {
            let (commit, changed, unknown) = match &s.changes {
                Ok((commit, changes)) => {
                    let changed: Vec<Value> = changes
                        .iter()
                        .map(|c| json!({"field": c.field(), "before": c.before, "after": c.after}))
                        .collect();
                    (Some(commit.clone()), changed, None)
                }
                Err(why) => {
                    let State::Suspect(stamp) = &s.state.state else {
                        unreachable!("a suspect link has a stamp")
                    };
                    (
                        stamp.commit.as_ref().map(|c| c.to_string()),
                        Vec::new(),
                        Some(why.clone()),
                    )
                }
            };
            json!({
                "child": s.state.link.child.as_str(),
                "field": s.state.link.field.as_str(),
                "parent": s.state.link.parent.as_str(),
                "reviewedAt": commit,
                "changed": changed,
                "unknown": unknown,
                "below": review::below(model, s.state.child).len(),
            })
        })
        .collect();
    json!({"links": links})
}

/// The errors and warnings among `findings`.
pub fn counts(findings: &[&crate::diagnostic::Diagnostic]) -> (usize, usize) {
    let errors = findings
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    (errors, findings.len() - errors)
}
