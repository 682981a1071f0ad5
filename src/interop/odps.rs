//! ODPS v1.0.0 (Open Data Product Standard, Bitol): each DataProduct spec
//! exported as an ODPS document, and ODPS documents imported as specs. The
//! mapping is in docs/interop.md; what ODPS has no place for travels in
//! `customProperties` under the spec's own field names, so export then
//! import gives back the same spec.

use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use crate::load::Workspace;
use crate::load::yaml::Node;
use crate::model::{EntityId, Kind, Model, RefField, is_valid_id};

/// The ODPS v1.0.0 JSON Schema, as published (Apache-2.0; see
/// `schemas/standards/odps/`).
pub const SCHEMA: &str = include_str!("../../schemas/standards/odps/odps-json-schema-v1.0.0.json");

/// The compiled ODPS schema.
pub fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let json: Value = serde_json::from_str(SCHEMA).expect("the ODPS schema is JSON");
        jsonschema::options()
            .build(&json)
            .expect("the ODPS schema compiles")
    })
}

/// The spec fields ODPS holds in fields of its own; every other field goes
/// into `customProperties`.
const NATIVE: [&str; 9] = [
    "kind",
    "id",
    "name",
    "description",
    "owner",
    "status",
    "tags",
    "domain",
    "outputPorts",
];

/// throughline's statuses and ODPS's (which names `development` `draft`).
const STATUSES: [(&str, &str); 5] = [
    ("proposed", "proposed"),
    ("development", "draft"),
    ("active", "active"),
    ("deprecated", "deprecated"),
    ("retired", "retired"),
];

fn custom(property: &str, value: Value, description: &str) -> Value {
    json!({"property": property, "value": value, "description": description})
}

/// What a custom property of an export says, for people reading the ODPS file.
fn describe(field: &str) -> &'static str {
    match field {
        "type" => "throughline: sourceAligned, aggregate or consumerAligned",
        "inputs" => "throughline: every input, Sources and data products, in order",
        "usagePatterns" => "throughline: who uses the product, how often, and what they need",
        "slos" => "throughline: service-level objectives",
        "measures" => "throughline: the product's measures",
        "dimensions" => "throughline: the product's dimensions",
        "useCases" => "throughline: the use cases that need this product (from the trace)",
        "statusUnset" => "throughline: the spec states no status",
        _ => "throughline: a spec field ODPS has no place for",
    }
}

/// The version of a port: its own, else its contract's in the workspace.
fn port_version(
    ws: &Workspace,
    model: &Model,
    port: &Map<String, Value>,
) -> (String, &'static str) {
    if let Some(v) = port.get("version").and_then(Value::as_str) {
        return (v.to_string(), "spec");
    }
    let contract = port
        .get("contractId")
        .and_then(Value::as_str)
        .and_then(|id| model.contract(id))
        .and_then(|c| c.node(ws).get_str("version"));
    match contract {
        Some(v) => (v.to_string(), "contract"),
        None => ("0.0.0".to_string(), "none"),
    }
}

/// The ODPS document of data product `e`.
pub fn export(ws: &Workspace, model: &Model, e: EntityId) -> Value {
    crate::model::reads::read(e);
    let entity = &model.entities[e];
    let spec = match entity.node(ws).to_json() {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let mut doc = Map::new();
    doc.insert("apiVersion".into(), json!("v1.0.0"));
    doc.insert("kind".into(), json!("DataProduct"));
    doc.insert("id".into(), json!(entity.id));
    if let Some(name) = spec.get("name") {
        doc.insert("name".into(), name.clone());
    }
    let status = spec.get("status").and_then(Value::as_str);
    let odps_status = status
        .map(|s| {
            STATUSES
                .iter()
                .find(|(ours, _)| *ours == s)
                .map_or(s, |(_, theirs)| theirs)
        })
        .unwrap_or("proposed");
    doc.insert("status".into(), json!(odps_status));
    if let Some(domain) = spec.get("domain") {
        doc.insert("domain".into(), domain.clone());
    }
    if let Some(d) = spec.get("description") {
        doc.insert("description".into(), json!({"purpose": d}));
    }
    if let Some(tags) = spec.get("tags") {
        doc.insert("tags".into(), tags.clone());
    }
    // The products it reads, through their contracts.
    let mut input_ports = Vec::new();
    for input in model.targets(e, RefField::Inputs) {
        if !model.entities[input].is(Kind::DataProduct) {
            continue;
        }
        crate::model::reads::read(input);
        // Only its ports are read: the rest of its tree is not converted.
        let ports = model.entities[input].node(ws).get("outputPorts");
        for port in ports.and_then(Node::as_seq).into_iter().flatten() {
            let Value::Object(port) = port.to_json() else {
                continue;
            };
            let Some(contract) = port.get("contractId") else {
                continue;
            };
            let (version, _) = port_version(ws, model, &port);
            input_ports.push(json!({
                "name": model.entities[input].id,
                "version": version,
                "contractId": contract,
            }));
        }
    }
    if !input_ports.is_empty() {
        doc.insert("inputPorts".into(), Value::Array(input_ports));
    }
    let ports: Vec<Value> = spec
        .get("outputPorts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|p| {
            let mut out = Map::new();
            for key in ["name", "description", "type"] {
                if let Some(v) = p.get(key) {
                    out.insert(key.into(), v.clone());
                }
            }
            let (version, from) = port_version(ws, model, p);
            out.insert("version".into(), json!(version));
            if let Some(c) = p.get("contractId") {
                out.insert("contractId".into(), c.clone());
            }
            let mut customs = Vec::new();
            if from != "spec" {
                customs.push(custom(
                    "versionFrom",
                    json!(from),
                    "throughline: where the version came from (`contract`: the ODCS contract in the workspace; `none`: unknown)",
                ));
            }
            if let Some(model) = p.get("dbt") {
                customs.push(custom(
                    "dbt",
                    model.clone(),
                    "throughline: the dbt model behind the port (docs/dbt.md)",
                ));
            }
            if !customs.is_empty() {
                out.insert("customProperties".into(), Value::Array(customs));
            }
            Value::Object(out)
        })
        .collect();
    if !ports.is_empty() {
        doc.insert("outputPorts".into(), Value::Array(ports));
    }
    let mut customs: Vec<Value> = spec
        .iter()
        .filter(|(k, _)| !NATIVE.contains(&k.as_str()))
        .map(|(k, v)| custom(k, v.clone(), describe(k)))
        .collect();
    if status.is_none() {
        customs.push(custom("statusUnset", json!(true), describe("statusUnset")));
    }
    let use_cases: Vec<&str> = model
        .referrers(e, RefField::DataProducts)
        .map(|uc| model.entities[uc].id.as_str())
        .collect();
    if !use_cases.is_empty() {
        customs.push(custom("useCases", json!(use_cases), describe("useCases")));
    }
    if !customs.is_empty() {
        doc.insert("customProperties".into(), Value::Array(customs));
    }
    if let Some(owner) = spec.get("owner") {
        doc.insert("team".into(), json!({"name": owner}));
    }
    Value::Object(doc)
}

/// An ODPS document read as a spec, with notes on what it could not carry.
pub struct Imported {
    pub spec: Map<String, Value>,
    /// What the ODPS document has that a spec has no place for, and other
    /// things the reader should know ("the id was not a valid id").
    pub notes: Vec<String>,
}

/// `text` made into a valid id: lowercase, runs of other characters as one `-`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    out.chars()
        .take(64)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The spec an ODPS document describes.
pub fn import(odps: &Value) -> Imported {
    let mut notes = Vec::new();
    let empty = Map::new();
    let doc = odps.as_object().unwrap_or(&empty);
    let mut spec = Map::new();
    spec.insert("kind".into(), json!("DataProduct"));
    let raw_id = doc.get("id").and_then(text_of).unwrap_or_default();
    let id = if is_valid_id(&raw_id) {
        raw_id.clone()
    } else {
        let from_name = doc.get("name").and_then(Value::as_str).unwrap_or_default();
        let made = [slug(&raw_id), slug(from_name)]
            .into_iter()
            .find(|s| is_valid_id(s))
            .unwrap_or_else(|| "imported-product".to_string());
        notes.push(format!(
            "its id `{raw_id}` is not a throughline id; it is `{made}` here"
        ));
        made
    };
    spec.insert("id".into(), json!(id));
    spec.insert(
        "name".into(),
        doc.get("name")
            .cloned()
            .unwrap_or_else(|| json!(raw_id.clone())),
    );
    let customs: Vec<(&str, &Value)> = doc
        .get("customProperties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| Some((c.get("property")?.as_str()?, c.get("value")?)))
        .collect();
    let custom = |name: &str| customs.iter().find(|(p, _)| *p == name).map(|(_, v)| *v);
    // The owner: a team member whose role is owner, else the team.
    let team = doc.get("team");
    let owner = team
        .and_then(|t| t.get("members"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|m| {
            m.get("role")
                .and_then(Value::as_str)
                .is_some_and(|r| r.to_lowercase().contains("owner"))
        })
        .and_then(|m| m.get("name").or_else(|| m.get("username")))
        .or_else(|| team.and_then(|t| t.get("name")))
        .cloned();
    match owner {
        Some(o) => {
            spec.insert("owner".into(), o);
        }
        None => notes.push(
            "it names no owner (no team member with the role `owner`, no team name): add `owner`"
                .into(),
        ),
    }
    match doc.get("domain") {
        Some(d) => {
            spec.insert("domain".into(), d.clone());
        }
        None => notes.push("it names no domain: add `domain`".into()),
    }
    match custom("type") {
        Some(t) => {
            spec.insert("type".into(), t.clone());
        }
        None => notes.push(
            "ODPS has no product type: add `type` (sourceAligned, aggregate or consumerAligned)"
                .into(),
        ),
    }
    if custom("statusUnset") != Some(&json!(true))
        && let Some(status) = doc.get("status").and_then(Value::as_str)
    {
        let ours = STATUSES
            .iter()
            .find(|(_, theirs)| *theirs == status)
            .map_or(status, |(ours, _)| ours);
        spec.insert("status".into(), json!(ours));
    }
    if let Some(tags) = doc.get("tags") {
        spec.insert("tags".into(), tags.clone());
    }
    match doc.get("description") {
        Some(Value::Object(d)) => {
            let mut parts = Vec::new();
            if let Some(p) = d.get("purpose").and_then(text_of) {
                parts.push(p);
            }
            for (key, label) in [("limitations", "Limitations"), ("usage", "Usage")] {
                if let Some(t) = d.get(key).and_then(text_of) {
                    parts.push(format!("**{label}:** {t}"));
                }
            }
            if !parts.is_empty() {
                spec.insert("description".into(), json!(parts.join("\n\n")));
            }
        }
        Some(Value::String(s)) => {
            spec.insert("description".into(), json!(s));
        }
        _ => {}
    }
    // Spec fields carried as custom properties, in the order they came.
    for (property, value) in &customs {
        match *property {
            "type" | "statusUnset" | "useCases" => {}
            "inputs" | "usagePatterns" | "slos" | "measures" | "dimensions" | "deidentified"
            | "reviewBy" | "allow" | "apiVersion" => {
                spec.insert(property.to_string(), (*value).clone());
            }
            other => notes.push(format!("custom property `{other}` is not imported")),
        }
    }
    if !spec.contains_key("inputs") {
        let mut inputs: Vec<String> = Vec::new();
        for port in doc
            .get("inputPorts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = port.get("name").and_then(Value::as_str) else {
                continue;
            };
            let input = if is_valid_id(name) {
                name.to_string()
            } else {
                slug(name)
            };
            if !inputs.contains(&input) {
                inputs.push(input);
            }
        }
        if !inputs.is_empty() {
            notes.push(format!(
                "its input ports are read as inputs named by the ports: {}",
                inputs
                    .iter()
                    .map(|i| format!("`{i}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            spec.insert("inputs".into(), json!(inputs));
        }
    }
    let ports: Vec<Value> = doc
        .get("outputPorts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|p| {
            let mut out = Map::new();
            for key in ["name", "type", "description", "contractId"] {
                if let Some(v) = p.get(key) {
                    out.insert(key.into(), v.clone());
                }
            }
            let property = |name: &str| {
                p.get("customProperties")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .find(|c| c.get("property") == Some(&json!(name)))
                    .and_then(|c| c.get("value"))
            };
            let from = property("versionFrom").and_then(Value::as_str);
            if let Some(model) = property("dbt") {
                out.insert("dbt".into(), model.clone());
            }
            if from.is_none()
                && let Some(v) = p.get("version")
            {
                out.insert("version".into(), v.clone());
            }
            Value::Object(out)
        })
        .collect();
    if !ports.is_empty() {
        spec.insert("outputPorts".into(), Value::Array(ports));
    }
    let known = [
        "apiVersion",
        "kind",
        "id",
        "name",
        "status",
        "domain",
        "tags",
        "description",
        "customProperties",
        "inputPorts",
        "outputPorts",
        "team",
    ];
    let left: Vec<&str> = doc
        .keys()
        .map(String::as_str)
        .filter(|k| !known.contains(k))
        .collect();
    if !left.is_empty() {
        notes.push(format!(
            "a spec has no place for {}; they are not imported",
            left.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Imported { spec, notes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ids() {
        assert_eq!(slug("Customer Data Product!"), "customer-data-product");
        assert_eq!(slug("--A__b--"), "a-b");
        assert!(is_valid_id(&slug(&"x y ".repeat(40))));
    }

    #[test]
    fn statuses_map_both_ways() {
        let doc = json!({"id": "p", "status": "draft", "customProperties": [{"property": "type", "value": "aggregate"}]});
        assert_eq!(import(&doc).spec["status"], "development");
    }
}
