//! Exports for other tools: the built-in JSON Schemas (for editors) and the
//! trace graph (DOT, Mermaid, JSON).

use std::fmt::Write;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::model::Kind;
use crate::rules::Analysis;
use crate::rules::schema::builtin_source;

/// File name of the schema that covers every kind, dispatching on `kind`.
pub const BUNDLE: &str = "throughline.schema.json";

/// The built-in schema of `kind` as JSON.
pub fn schema(kind: Kind) -> Value {
    serde_json::from_str(builtin_source(kind)).expect("built-in schemas are JSON")
}

/// One self-contained schema for any spec document: it picks the kind's
/// schema by the document's `kind`. Made for editors (YAML language server).
pub fn bundle() -> Value {
    let mut defs = Map::new();
    let mut branches = Vec::new();
    for kind in Kind::ALL {
        let mut s = schema(kind);
        let obj = s.as_object_mut().expect("schemas are objects");
        // Every kind shares the same `$defs`, so they move to the top level and
        // the kinds' `#/$defs/…` references keep working.
        if let Some(Value::Object(shared)) = obj.remove("$defs") {
            defs.extend(shared);
        }
        obj.remove("$schema");
        obj.remove("$id");
        defs.insert(kind.name().to_string(), s);
        branches.push(json!({
            "if": { "properties": { "kind": { "const": kind.name() } }, "required": ["kind"] },
            "then": { "$ref": format!("#/$defs/{}", kind.name()) }
        }));
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://throughline.dev/schemas/v1/throughline.schema.json",
        "title": "throughline spec",
        "description": "Any throughline spec document; the schema of its `kind` applies.",
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {
                "enum": Kind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>(),
                "description": "What this spec describes."
            }
        },
        "allOf": branches,
        "$defs": defs,
    })
}

/// A node of the exported graph.
#[derive(Debug, Serialize)]
pub struct GraphNode<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    /// Reaches the North Star (Sources and Consumers, being context, always do).
    pub traced: bool,
    pub file: &'a str,
    pub line: usize,
}

/// An edge: `from` names `to` in `field`.
#[derive(Debug, Serialize)]
pub struct GraphEdge<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub field: &'static str,
}

/// The trace graph of a checked workspace.
#[derive(Debug, Serialize)]
pub struct Graph<'a> {
    pub version: u32,
    pub nodes: Vec<GraphNode<'a>>,
    pub edges: Vec<GraphEdge<'a>>,
}

/// Builds the graph: every entity with a known kind (first of its id), and
/// every reference that resolves to one.
pub fn graph<'a>(ws: &'a crate::load::Workspace, analysis: &'a Analysis) -> Graph<'a> {
    let model = &analysis.model;
    let shown = |e: usize| model.entities[e].kind.is_some() && model.is_canonical(e);
    let nodes = (0..model.entities.len())
        .filter(|&e| shown(e))
        .map(|e| {
            let entity = &model.entities[e];
            let kind = entity.kind.expect("shown entities have a kind");
            GraphNode {
                id: &entity.id,
                kind: kind.name(),
                name: entity.node(ws).get_str("name").unwrap_or(&entity.id),
                traced: analysis.trace.traced[e] || kind.is_context(),
                file: &ws.files[entity.file].rel_path,
                line: entity.id_span.start.line(),
            }
        })
        .collect();
    let edges = model
        .refs
        .iter()
        .filter_map(|r| {
            let to = r.resolved.filter(|&t| shown(t))?;
            shown(r.from).then(|| GraphEdge {
                from: &model.entities[r.from].id,
                to: &model.entities[to].id,
                field: match r.field {
                    crate::model::RefField::UsageConsumer => "usagePatterns.consumer",
                    f => f.key(),
                },
            })
        })
        .collect();
    Graph {
        version: 1,
        nodes,
        edges,
    }
}

fn dot_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            // Line ends and other control characters: a space.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The graph in Graphviz DOT.
pub fn dot(g: &Graph) -> String {
    let mut out = String::from(
        "digraph throughline {\n  rankdir=RL;\n  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for n in &g.nodes {
        // `\n` inside a DOT string is a line break in the label.
        let name = dot_string(n.name);
        let label = name.strip_suffix('"').unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} [label={label}\\n{}\", tooltip={}{}];",
            dot_string(n.id),
            n.kind,
            dot_string(&format!("{} {}", n.kind, n.id)),
            if n.traced {
                ""
            } else {
                ", style=\"rounded,dashed\", color=red"
            }
        );
    }
    for e in &g.edges {
        let _ = writeln!(
            out,
            "  {} -> {} [label={}];",
            dot_string(e.from),
            dot_string(e.to),
            dot_string(e.field)
        );
    }
    out.push_str("}\n");
    out
}

fn mermaid_label(s: &str) -> String {
    // Mermaid's entity codes: `#` first, as it starts them.
    s.replace('#', "#35;")
        .replace('"', "#quot;")
        .replace('<', "#60;")
        .replace('>', "#62;")
        .replace(|c: char| c.is_control(), " ")
}

/// The graph as a Mermaid flowchart.
pub fn mermaid(g: &Graph) -> String {
    let index: std::collections::HashMap<&str, usize> =
        g.nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut out = String::from("flowchart RL\n");
    for (i, n) in g.nodes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  n{i}[\"{}<br/><small>{}</small>\"]",
            mermaid_label(n.name),
            n.kind
        );
    }
    for e in &g.edges {
        let _ = writeln!(
            out,
            "  n{} -->|{}| n{}",
            index[e.from], e.field, index[e.to]
        );
    }
    let untraced: Vec<String> = g
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.traced)
        .map(|(i, _)| format!("n{i}"))
        .collect();
    if !untraced.is_empty() {
        out.push_str("  classDef untraced stroke:#cf222e,stroke-dasharray:5 3\n");
        let _ = writeln!(out, "  class {} untraced", untraced.join(","));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_dispatches_on_kind() {
        let b = bundle();
        let validator = jsonschema::validator_for(&b).unwrap();
        assert!(
            validator
                .is_valid(&json!({"kind": "Consumer", "id": "c", "name": "C", "type": "human"}))
        );
        assert!(
            !validator
                .is_valid(&json!({"kind": "Consumer", "id": "c", "name": "C", "type": "robot"}))
        );
        assert!(!validator.is_valid(&json!({"kind": "Goal", "id": "g", "name": "G"})));
        assert!(!validator.is_valid(&json!({"kind": "Nope", "id": "g", "name": "G"})));
    }

    #[test]
    fn dot_strings_are_escaped() {
        assert_eq!(dot_string("a \"b\" \\"), "\"a \\\"b\\\" \\\\\"");
        assert_eq!(dot_string("a\nb\u{1b}[2J"), "\"a b [2J\"");
    }

    #[test]
    fn mermaid_labels_are_escaped() {
        assert_eq!(
            mermaid_label("<b>\"#1\"</b>\r\n\u{7}"),
            "#60;b#62;#quot;#35;1#quot;#60;/b#62;   "
        );
    }
}
