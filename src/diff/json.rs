//! `diff --format json`, version 1 (contract §8). Beyond the contract's
//! keys, entities carry their `name` and `impact`, modified ones their
//! `notes` and each change a `label` (the path with matched list items
//! named), moves are listed under `entities.moved`, and `findings` lists the
//! new and fixed findings themselves.

use serde_json::{Value, json};

use super::{Diff, EntityInfo, Finding, Impact};

fn impact(i: &Impact) -> Value {
    json!({
        "goals": i.goals,
        "useCases": i.use_cases,
        "consumers": i.consumers,
        "truncated": i.truncated,
    })
}

fn review_link(l: &crate::review::Link) -> Value {
    json!({"child": l.child, "field": l.field, "parent": l.parent})
}

fn coverage(c: &super::Coverage) -> Value {
    json!({
        "entities": c.entities,
        "traced": c.traced,
        "untraced": c.untraced(),
        "context": c.context,
    })
}

fn entity(e: &EntityInfo) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("id".into(), json!(e.id));
    m.insert("kind".into(), json!(e.kind));
    m.insert("file".into(), json!(e.file));
    m.insert("name".into(), json!(e.name));
    m
}

fn finding(f: &Finding) -> Value {
    json!({
        "rule": f.rule,
        "severity": f.severity,
        "message": f.message,
        "file": f.file,
        "line": f.line,
        "column": f.column,
        "entity": f.entity,
    })
}

/// The diff as the JSON document of contract §8.
pub fn to_json(diff: &Diff) -> Value {
    let entry = |e: &super::Entry| {
        let mut m = entity(&e.entity);
        m.insert("impact".into(), impact(&e.impact));
        Value::Object(m)
    };
    let modified: Vec<Value> = diff
        .modified
        .iter()
        .map(|m| {
            let mut o = entity(&m.entity);
            o.insert(
                "changes".into(),
                m.changes
                    .iter()
                    .map(|c| {
                        json!({
                            "field": c.field(),
                            "label": c.label(),
                            "before": c.before,
                            "after": c.after,
                        })
                    })
                    .collect(),
            );
            o.insert(
                "notes".into(),
                m.notes
                    .iter()
                    .map(|n| json!({"name": n.name, "message": n.message}))
                    .collect(),
            );
            o.insert("impact".into(), impact(&m.impact));
            Value::Object(o)
        })
        .collect();
    let moved: Vec<Value> = diff
        .moved
        .iter()
        .map(|m| {
            let mut o = entity(&m.entity);
            o.insert("from".into(), json!(m.from));
            Value::Object(o)
        })
        .collect();
    let link = |l: &super::Link| json!({"from": l.from, "to": l.to, "field": l.field});
    let ids = |list: &[EntityInfo]| list.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    json!({
        "version": 1,
        "base": diff.base,
        "head": diff.head,
        "entities": {
            "added": diff.added.iter().map(entry).collect::<Vec<_>>(),
            "removed": diff.removed.iter().map(entry).collect::<Vec<_>>(),
            "modified": modified,
            "moved": moved,
        },
        "links": {
            "added": diff.links_added.iter().map(link).collect::<Vec<_>>(),
            "removed": diff.links_removed.iter().map(link).collect::<Vec<_>>(),
        },
        "reviews": {
            "reviewed": diff.reviewed.iter().map(review_link).collect::<Vec<_>>(),
            "removed": diff.unstamped.iter().map(review_link).collect::<Vec<_>>(),
            "suspect": diff.suspect.iter().map(|s| json!({
                "child": s.link.child,
                "field": s.link.field,
                "parent": s.link.parent,
                "changed": s.changed,
                "file": s.file,
                "line": s.line,
                "new": !s.before,
            })).collect::<Vec<_>>(),
        },
        "trace": {
            "before": coverage(&diff.before),
            "after": coverage(&diff.after),
            "becameUntraced": ids(&diff.became_untraced),
            "becameTraced": ids(&diff.became_traced),
        },
        "findings": {
            "new": diff.new_findings.len(),
            "fixed": diff.fixed_findings.len(),
            "newFindings": diff.new_findings.iter().map(finding).collect::<Vec<_>>(),
            "fixedFindings": diff.fixed_findings.iter().map(finding).collect::<Vec<_>>(),
        },
        "breaking": diff.breaking.iter().map(|b| json!({
            "id": b.entity.id,
            "kind": b.entity.kind,
            "file": b.entity.file,
            "name": b.name,
            "reason": b.reason,
            "affects": b.affects,
        })).collect::<Vec<_>>(),
    })
}
