//! The tools `throughline mcp` offers (CONTRACT §12): names, what each is
//! for, and the JSON Schemas of what each takes and returns.

use serde_json::{Value, json};

/// One tool, as it is listed.
pub struct Tool {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub input: Value,
    pub output: Value,
    /// Whether it only reads (every tool but `review`).
    pub read_only: bool,
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn no_arguments() -> Value {
    object(json!({}), &[])
}

fn string(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

fn strings() -> Value {
    json!({"type": "array", "items": {"type": "string"}})
}

/// An entity at the other end of a link.
fn neighbour() -> Value {
    json!({
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "kind": {"type": "string"},
            "name": {"type": "string"},
            "field": {"type": "string", "description": "the field that holds the link (CONTRACT §8 notation)"},
        },
        "required": ["id", "kind", "name", "field"],
    })
}

/// An entity as a list shows it.
fn summary() -> Value {
    json!({
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "kind": {"type": "string"},
            "name": {"type": "string"},
            "status": {"type": ["string", "null"]},
            "file": {"type": "string"},
            "line": {"type": "integer"},
            "traced": {"type": "boolean"},
        },
        "required": ["id", "kind", "name", "file", "line", "traced"],
    })
}

/// A finding as the JSON report (CONTRACT §4) writes it.
fn finding() -> Value {
    json!({
        "type": "object",
        "properties": {
            "rule": {"type": "string"},
            "severity": {"type": "string", "enum": ["error", "warning"]},
            "message": {"type": "string"},
            "help": {"type": ["string", "null"]},
            "file": {"type": ["string", "null"]},
            "line": {"type": ["integer", "null"]},
            "column": {"type": ["integer", "null"]},
            "endLine": {"type": ["integer", "null"]},
            "endColumn": {"type": ["integer", "null"]},
            "entity": {"type": ["string", "null"]},
            "related": {"type": "array"},
            "changed": strings(),
        },
        "required": ["rule", "severity", "message"],
    })
}

fn findings() -> Value {
    json!({"type": "array", "items": finding()})
}

/// The JSON report of CONTRACT §4.
fn report() -> Value {
    json!({
        "type": "object",
        "properties": {
            "version": {"const": 1},
            "summary": {
                "type": "object",
                "properties": {
                    "files": {"type": "integer"},
                    "entities": {"type": "integer"},
                    "errors": {"type": "integer"},
                    "warnings": {"type": "integer"},
                },
                "required": ["files", "entities", "errors", "warnings"],
            },
            "diagnostics": findings(),
        },
        "required": ["version", "summary", "diagnostics"],
    })
}

/// Every tool, `review` only when writes are allowed.
pub fn tools(allow_write: bool) -> Vec<Tool> {
    let mut tools = vec![
        Tool {
            name: "overview",
            title: "Workspace overview",
            description: "Counts of entities by kind and status, the share of the trace that reaches the North Star, the numbers of errors and warnings, and the North Star with the status of its metric. Start here.",
            input: no_arguments(),
            output: object(
                json!({
                    "entities": {"type": "integer"},
                    "kinds": {"type": "object", "additionalProperties": {
                        "type": "object",
                        "properties": {
                            "count": {"type": "integer"},
                            "statuses": {"type": "object", "additionalProperties": {"type": "integer"}},
                        },
                    }},
                    "traced": {"type": "object", "properties": {
                        "count": {"type": "integer"}, "of": {"type": "integer"}, "share": {"type": "number"},
                    }},
                    "errors": {"type": "integer"},
                    "warnings": {"type": "integer"},
                    "northStar": {"type": ["object", "null"], "properties": {
                        "id": {"type": "string"}, "name": {"type": "string"},
                        "status": {"type": ["string", "null"], "description": "the metric's status (CONTRACT §6)"},
                    }},
                }),
                &[
                    "entities",
                    "kinds",
                    "traced",
                    "errors",
                    "warnings",
                    "northStar",
                ],
            ),
            read_only: true,
        },
        Tool {
            name: "get_entity",
            title: "Entity",
            description: "One entity: its fields as written, its file and line, the entities directly above it (parents) and below it (children) with the field of each link, and its findings.",
            input: object(json!({"id": string("the entity's id")}), &["id"]),
            output: object(
                json!({
                    "id": {"type": "string"},
                    "kind": {"type": "string"},
                    "name": {"type": "string"},
                    "status": {"type": ["string", "null"]},
                    "file": {"type": "string"},
                    "line": {"type": "integer"},
                    "traced": {"type": "boolean"},
                    "fields": {"type": "object"},
                    "parents": {"type": "array", "items": neighbour()},
                    "children": {"type": "array", "items": neighbour()},
                    "findings": findings(),
                }),
                &[
                    "id", "kind", "name", "file", "line", "traced", "fields", "parents",
                    "children", "findings",
                ],
            ),
            read_only: true,
        },
        Tool {
            name: "trace",
            title: "Trace",
            description: "Walks the trace from an entity: `up` toward the North Star (what it serves) or `down` (what serves it, for a data product its inputs). Each entity reached comes with its path of links from the start, nearest first.",
            input: object(
                json!({
                    "id": string("the entity to start from"),
                    "direction": {"type": "string", "enum": ["up", "down"]},
                    "depth": {"type": "integer", "minimum": 1, "description": "most links to follow; all the way without it"},
                }),
                &["id", "direction"],
            ),
            output: object(
                json!({
                    "id": {"type": "string"},
                    "direction": {"type": "string"},
                    "reached": {"type": "array", "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string"},
                            "kind": {"type": "string"},
                            "name": {"type": "string"},
                            "depth": {"type": "integer"},
                            "path": {"type": "array", "items": {
                                "type": "object",
                                "properties": {
                                    "from": {"type": "string"}, "field": {"type": "string"}, "to": {"type": "string"},
                                },
                                "required": ["from", "field", "to"],
                            }},
                        },
                        "required": ["id", "kind", "name", "depth", "path"],
                    }},
                }),
                &["id", "direction", "reached"],
            ),
            read_only: true,
        },
        Tool {
            name: "search",
            title: "Search",
            description: "Entities whose id, name, kind or description hold every word of `query` (case-insensitive), best first: an exact id, then names and ids that start with a word. Optionally only one kind (`Goal`, `DataProduct`, …) or one status.",
            input: object(
                json!({
                    "query": string("words to look for"),
                    "kind": string("only this kind, as `kind:` spells it"),
                    "status": string("only entities with this `status`"),
                    "limit": {"type": "integer", "minimum": 1, "maximum": 500, "description": "most results (20 without it)"},
                }),
                &["query"],
            ),
            output: object(
                json!({
                    "total": {"type": "integer", "description": "how many matched in all"},
                    "results": {"type": "array", "items": summary()},
                }),
                &["total", "results"],
            ),
            read_only: true,
        },
        Tool {
            name: "check",
            title: "Check",
            description: "Every finding of `throughline check` on the files as they are now: the JSON report of CONTRACT §4.",
            input: no_arguments(),
            output: report(),
            read_only: true,
        },
        Tool {
            name: "status",
            title: "Outcomes",
            description: "Where every indicator stands (the North Star metric and each goal's success indicators): latest value, target, projection and status, as `throughline status --format json` prints it.",
            input: no_arguments(),
            output: object(
                json!({
                    "version": {"const": 1},
                    "today": {"type": "string"},
                    "indicators": {"type": "array", "items": {"type": "object"}},
                    "dbt": {"type": "object", "description": "with `[dbt] run-results`: what failed behind an output port in dbt's last run (`runAt`, `failing`), each with the goals it puts at risk (docs/dbt.md)"},
                }),
                &["version", "today", "indicators"],
            ),
            read_only: true,
        },
        Tool {
            name: "impact",
            title: "Impact",
            description: "What a change to an entity reaches: the goals and use cases above and below it, the data products downstream of it (those that take it as an input, directly or not), and the consumers they serve.",
            input: object(json!({"id": string("the entity's id")}), &["id"]),
            output: object(
                json!({
                    "id": {"type": "string"},
                    "goals": strings(),
                    "useCases": strings(),
                    "dataProducts": strings(),
                    "consumers": strings(),
                    "truncated": {"type": "boolean"},
                }),
                &[
                    "id",
                    "goals",
                    "useCases",
                    "dataProducts",
                    "consumers",
                    "truncated",
                ],
            ),
            read_only: true,
        },
        Tool {
            name: "explain_rule",
            title: "Explain a rule",
            description: "What a rule of `throughline check` means, why it matters and how to fix a finding, as Markdown (the page `throughline explain RULE` prints).",
            input: object(
                json!({"rule": string("the rule's name, as findings give it")}),
                &["rule"],
            ),
            output: object(
                json!({"rule": {"type": "string"}, "markdown": {"type": "string"}}),
                &["rule", "markdown"],
            ),
            read_only: true,
        },
        Tool {
            name: "validate_draft",
            title: "Validate a draft",
            description: "The findings `throughline check` would report if the file at `path` (relative to the workspace; it need not exist yet) held `text`. Nothing is written. Call it before writing a spec: `introduced` lists what the draft would break, `resolved` what it would fix.",
            input: object(
                json!({
                    "path": string("the file, relative to the workspace (`goals/grow-basket.yaml`)"),
                    "text": string("the file's whole text"),
                }),
                &["path", "text"],
            ),
            output: object(
                json!({
                    "path": {"type": "string"},
                    "errors": {"type": "integer"},
                    "warnings": {"type": "integer"},
                    "findings": {"description": "every finding in the draft's file", "type": "array", "items": finding()},
                    "introduced": {"description": "findings anywhere that the draft adds", "type": "array", "items": finding()},
                    "resolved": {"description": "findings anywhere that the draft removes", "type": "array", "items": finding()},
                }),
                &[
                    "path",
                    "errors",
                    "warnings",
                    "findings",
                    "introduced",
                    "resolved",
                ],
            ),
            read_only: true,
        },
        Tool {
            name: "suspect_links",
            title: "Suspect links",
            description: "The links whose parent changed since the link was reviewed (CONTRACT §10), each with the parent's fields that changed, their values then and now, and the commit of the review.",
            input: no_arguments(),
            output: object(
                json!({
                    "links": {"type": "array", "items": {
                        "type": "object",
                        "properties": {
                            "child": {"type": "string"},
                            "field": {"type": "string"},
                            "parent": {"type": "string"},
                            "reviewedAt": {"type": ["string", "null"], "description": "the commit of the reviewed version"},
                            "changed": {"type": "array", "items": {
                                "type": "object",
                                "properties": {"field": {"type": "string"}, "before": {}, "after": {}},
                                "required": ["field"],
                            }},
                            "unknown": {"type": ["string", "null"], "description": "why the changes are not known"},
                            "below": {"type": "integer", "description": "how many entities lie below the child"},
                        },
                        "required": ["child", "field", "parent", "changed", "below"],
                    }},
                }),
                &["links"],
            ),
            read_only: true,
        },
    ];
    if allow_write {
        tools.push(Tool {
            name: "review",
            title: "Mark links reviewed",
            description: "Stamps the links of the children named as reviewed against their parents as they are now, as `throughline review IDS` does, and writes throughline.lock. Only when the user has checked that each child still holds.",
            input: object(
                json!({"ids": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "the children whose links are reviewed"}}),
                &["ids"],
            ),
            output: object(
                json!({
                    "stamped": {"type": "array", "items": {"type": "object"}},
                    "removed": {"type": "array", "items": {"type": "object"}},
                    "unchanged": {"type": "integer"},
                    "written": {"type": "boolean"},
                    "commit": {"type": ["string", "null"]},
                }),
                &["stamped", "removed", "unchanged", "written"],
            ),
            read_only: false,
        });
    }
    tools
}
