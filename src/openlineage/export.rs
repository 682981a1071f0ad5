//! `throughline export openlineage`: the trace as static lineage
//! (CONTRACT §13), one OpenLineage 2-0-2 event a line: a `JobEvent` per
//! data product (reading its inputs, writing its ports) and a
//! `DatasetEvent` per Source. Marquez and other back ends take them on
//! `POST /api/v1/lineage` like run events.
//!
//! A port or Source with `dataset: {namespace, name}` is that dataset;
//! one without is named in the `[openlineage] namespace`: a Source by its
//! id, a port by `PRODUCT.PORT`, a product without ports by its id.

use serde_json::{Map, Value, json};

use crate::Checked;
use crate::load::Workspace;
use crate::load::yaml::Node;
use crate::model::{EntityId, Kind, Model, RefField};

const SPEC: &str = "https://openlineage.io/spec/2-0-2/OpenLineage.json";
const SCHEMA_FACET: &str =
    "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet";
const DATASET_DOC_FACET: &str = "https://openlineage.io/spec/facets/1-1-0/DocumentationDatasetFacet.json#/$defs/DocumentationDatasetFacet";
const JOB_DOC_FACET: &str = "https://openlineage.io/spec/facets/1-1-0/DocumentationJobFacet.json#/$defs/DocumentationJobFacet";
const OWNERSHIP_FACET: &str =
    "https://openlineage.io/spec/facets/1-0-1/OwnershipJobFacet.json#/$defs/OwnershipJobFacet";
const JOB_TYPE_FACET: &str =
    "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet";

/// The events, one JSON line each, sorted; and how many of each kind.
pub struct StaticLineage {
    pub jsonl: String,
    pub jobs: usize,
    pub datasets: usize,
}

/// The producer URI every event and facet carries.
pub fn producer() -> String {
    format!(
        "{}/releases/tag/v{}",
        env!("CARGO_PKG_REPOSITORY"),
        env!("CARGO_PKG_VERSION")
    )
}

/// A dataset as the export names it.
fn dataset_of(value: Option<&Node>, namespace: &str, default: String) -> (String, String) {
    match value.and_then(super::observed::dataset) {
        Some((ns, name)) => (ns.to_string(), name.to_string()),
        None => (namespace.to_string(), default),
    }
}

/// The datasets of `product`'s ports, each with its port.
fn ports<'w>(
    ws: &'w Workspace,
    model: &Model,
    product: EntityId,
    namespace: &str,
) -> Vec<((String, String), Option<&'w Node>)> {
    let e = &model.entities[product];
    let node = e.node(ws);
    let list = node
        .get("outputPorts")
        .and_then(Node::as_seq)
        .unwrap_or(&[]);
    if list.is_empty() {
        return vec![((namespace.to_string(), e.id.to_string()), None)];
    }
    list.iter()
        .map(|port| {
            let name = port.get_str("name").unwrap_or("");
            (
                dataset_of(port.get("dataset"), namespace, format!("{}.{name}", e.id)),
                Some(port),
            )
        })
        .collect()
}

fn source_dataset(
    ws: &Workspace,
    model: &Model,
    source: EntityId,
    namespace: &str,
) -> (String, String) {
    let e = &model.entities[source];
    dataset_of(e.node(ws).get("dataset"), namespace, e.id.to_string())
}

fn facet(schema: &str, producer: &str, mut body: Map<String, Value>) -> Value {
    let mut f = Map::new();
    f.insert("_producer".into(), json!(producer));
    f.insert("_schemaURL".into(), json!(schema));
    f.append(&mut body);
    Value::Object(f)
}

fn text_facet(schema: &str, producer: &str, description: &str) -> Value {
    let mut body = Map::new();
    body.insert("description".into(), json!(description));
    body.insert("contentType".into(), json!("text/markdown"));
    facet(schema, producer, body)
}

/// The schema facet of a port from its ODCS contract: the columns of its
/// table (of every table, nested, when the contract has several).
fn schema_facet(ws: &Workspace, model: &Model, port: &Node, producer: &str) -> Option<Value> {
    let contract = model.contract(port.get_str("contractId")?)?;
    let tables = crate::model::contract::tables(contract.node(ws));
    let column = |c: &crate::model::contract::Column, i: usize| {
        let mut f = Map::new();
        f.insert("name".into(), json!(c.name));
        if let Some(t) = c.physical_type.as_ref().or(c.logical_type.as_ref()) {
            f.insert("type".into(), json!(t));
        }
        if let Some(d) = &c.description {
            f.insert("description".into(), json!(d));
        }
        f.insert("ordinal_position".into(), json!(i + 1));
        Value::Object(f)
    };
    let fields: Vec<Value> = match tables.as_slice() {
        [] => return None,
        [one] => one
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| column(c, i))
            .collect(),
        many => many
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let mut f = Map::new();
                f.insert("name".into(), json!(t.name));
                f.insert("type".into(), json!("struct"));
                if let Some(d) = &t.description {
                    f.insert("description".into(), json!(d));
                }
                f.insert("ordinal_position".into(), json!(i + 1));
                f.insert(
                    "fields".into(),
                    Value::Array(
                        t.columns
                            .iter()
                            .enumerate()
                            .map(|(i, c)| column(c, i))
                            .collect(),
                    ),
                );
                Value::Object(f)
            })
            .collect(),
    };
    let mut body = Map::new();
    body.insert("fields".into(), Value::Array(fields));
    Some(facet(SCHEMA_FACET, producer, body))
}

fn dataset_json((namespace, name): &(String, String), facets: Map<String, Value>) -> Value {
    let mut d = Map::new();
    d.insert("namespace".into(), json!(namespace));
    d.insert("name".into(), json!(name));
    if !facets.is_empty() {
        d.insert("facets".into(), Value::Object(facets));
    }
    Value::Object(d)
}

/// The static lineage of `checked`, stamped `event_time`.
pub fn static_lineage(checked: &Checked, event_time: &str) -> StaticLineage {
    let ws = &checked.workspace;
    let model = &checked.analysis.model;
    let namespace = checked.config.openlineage.namespace();
    let producer = producer();
    let mut lines = Vec::new();
    let (mut jobs, mut datasets) = (0, 0);
    let base = |kind: &str| {
        let mut e = Map::new();
        e.insert("eventTime".into(), json!(event_time));
        e.insert("producer".into(), json!(producer));
        e.insert("schemaURL".into(), json!(format!("{SPEC}#/$defs/{kind}")));
        e
    };
    for product in model.of_kind(Kind::DataProduct) {
        if !model.is_canonical(product) {
            continue;
        }
        let e = &model.entities[product];
        let node = e.node(ws);
        let mut inputs = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for input in model.targets(product, RefField::Inputs) {
            if !seen.insert(input) {
                continue;
            }
            match model.entities[input].kind {
                Some(Kind::Source) => inputs.push(dataset_json(
                    &source_dataset(ws, model, input, namespace),
                    Map::new(),
                )),
                Some(Kind::DataProduct) => {
                    for (d, _) in ports(ws, model, input, namespace) {
                        inputs.push(dataset_json(&d, Map::new()));
                    }
                }
                _ => {}
            }
        }
        let outputs: Vec<Value> = ports(ws, model, product, namespace)
            .into_iter()
            .map(|(d, port)| {
                let mut facets = Map::new();
                if let Some(port) = port {
                    if let Some(s) = schema_facet(ws, model, port, &producer) {
                        facets.insert("schema".into(), s);
                    }
                    if let Some(text) = port.get_str("description") {
                        facets.insert(
                            "documentation".into(),
                            text_facet(DATASET_DOC_FACET, &producer, text),
                        );
                    }
                }
                dataset_json(&d, facets)
            })
            .collect();
        let mut job_facets = Map::new();
        let mut job_type = Map::new();
        job_type.insert("processingType".into(), json!("BATCH"));
        job_type.insert("integration".into(), json!("THROUGHLINE"));
        job_type.insert("jobType".into(), json!("DATA_PRODUCT"));
        job_facets.insert("jobType".into(), facet(JOB_TYPE_FACET, &producer, job_type));
        let description = node
            .get_str("description")
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .or(node.get_str("name"))
            .unwrap_or(&e.id);
        job_facets.insert(
            "documentation".into(),
            text_facet(JOB_DOC_FACET, &producer, description),
        );
        if let Some(owner) = node.get_str("owner") {
            let mut body = Map::new();
            body.insert("owners".into(), json!([{ "name": owner, "type": "OWNER" }]));
            job_facets.insert("ownership".into(), facet(OWNERSHIP_FACET, &producer, body));
        }
        let mut event = base("JobEvent");
        event.insert(
            "job".into(),
            json!({ "namespace": namespace, "name": e.id.as_str(), "facets": job_facets }),
        );
        event.insert("inputs".into(), Value::Array(inputs));
        event.insert("outputs".into(), Value::Array(outputs));
        lines.push(Value::Object(event).to_string());
        jobs += 1;
    }
    for source in model.of_kind(Kind::Source) {
        if !model.is_canonical(source) {
            continue;
        }
        let node = model.entities[source].node(ws);
        let mut facets = Map::new();
        let doc = node
            .get_str("description")
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .or(node.get_str("name"));
        if let Some(text) = doc {
            facets.insert(
                "documentation".into(),
                text_facet(DATASET_DOC_FACET, &producer, text),
            );
        }
        let mut event = base("DatasetEvent");
        event.insert(
            "dataset".into(),
            dataset_json(&source_dataset(ws, model, source, namespace), facets),
        );
        lines.push(Value::Object(event).to_string());
        datasets += 1;
    }
    lines.sort();
    let mut jsonl = lines.join("\n");
    if !jsonl.is_empty() {
        jsonl.push('\n');
    }
    StaticLineage {
        jsonl,
        jobs,
        datasets,
    }
}

/// `eventTime` outside git without `--event-time`: fixed, so that the
/// export still gives the same bytes for the same specs.
pub const NO_COMMIT_TIME: &str = "1970-01-01T00:00:00Z";

/// The commit time of HEAD of the repository `dir` is in (strict ISO 8601).
pub fn head_time(dir: &std::path::Path) -> Option<String> {
    let out = crate::baseline::git(dir, &["log", "-1", "--format=%cI", "HEAD"]).ok()?;
    let t = String::from_utf8(out).ok()?.trim().to_string();
    (!t.is_empty()).then_some(t)
}
