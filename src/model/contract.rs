//! ODCS data contracts kept in the workspace (contract §9): documents with
//! `kind: DataContract`. They are not entities of the trace; output ports
//! name them by `contractId`, and the data product page shows them.

use crate::diagnostic::FileId;
use crate::load::Workspace;
use crate::load::source::Span;
use crate::load::yaml::Node;

/// The `kind` of an ODCS contract.
pub const KIND: &str = "DataContract";

/// Whether a document is an ODCS contract rather than a spec.
pub fn is_contract(node: &Node) -> bool {
    node.get_str("kind") == Some(KIND)
}

/// A contract document with an `id`.
#[derive(Debug, Clone)]
pub struct Contract {
    pub id: String,
    pub id_span: Span,
    pub file: FileId,
    /// Index into [`Workspace::documents`].
    pub doc: usize,
}

impl Contract {
    pub fn node<'w>(&self, ws: &'w Workspace) -> &'w Node {
        &ws.documents[self.doc].node
    }
}

/// A table (schema object) of a contract and its columns.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Table {
    pub name: String,
    pub physical_type: Option<String>,
    pub description: Option<String>,
    pub columns: Vec<Column>,
    pub quality: Vec<Quality>,
}

/// A column (schema property) of a table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Column {
    pub name: String,
    pub logical_type: Option<String>,
    pub physical_type: Option<String>,
    pub description: Option<String>,
    pub classification: Option<String>,
    /// Classified (or tagged) as personal data: see [`is_personal`].
    pub personal: bool,
    pub primary_key: bool,
    pub required: bool,
    pub quality: Vec<Quality>,
}

/// A data quality rule of a table or column.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Quality {
    /// What it checks, as written (`description`, else `metric` / `rule`,
    /// else its `query`).
    pub what: String,
    pub dimension: Option<String>,
    pub severity: Option<String>,
}

/// A service-level property of a contract (`slaProperties`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sla {
    pub property: String,
    /// The value with its unit, as a reader says it: `4 d`.
    pub value: String,
    pub element: Option<String>,
    pub driver: Option<String>,
    /// For `latency` and `frequency`: the value in seconds.
    #[serde(skip)]
    pub seconds: Option<u64>,
    #[serde(skip)]
    pub span: Span,
}

/// Classifications (and tags) that mark a column as personal data,
/// compared lowercased with `_` and spaces read as `-`.
pub const PERSONAL: [&str; 7] = [
    "pii",
    "phi",
    "personal",
    "personal-data",
    "sensitive-personal",
    "special-category",
    "gdpr",
];

fn normal(s: &str) -> String {
    s.trim().to_lowercase().replace(['_', ' '], "-")
}

/// Whether a classification or tag is one of [`PERSONAL`].
pub fn is_personal_word(s: &str) -> bool {
    PERSONAL.contains(&normal(s).as_str())
}

/// Whether a schema property holds personal data: its `classification`,
/// or one of its `tags`, is one of [`PERSONAL`].
pub fn is_personal(property: &Node) -> bool {
    let hit = is_personal_word;
    property.get_str("classification").is_some_and(hit)
        || property
            .get("tags")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::as_str)
            .any(hit)
}

fn text(node: &Node, key: &str) -> Option<String> {
    node.get(key).and_then(|v| match &v.value {
        crate::load::yaml::Value::String(s) => Some(s.to_string()),
        crate::load::yaml::Value::Int(i) => Some(i.to_string()),
        crate::load::yaml::Value::Float(f) => Some(f.to_string()),
        crate::load::yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

fn items<'n>(node: &'n Node, key: &str) -> &'n [Node] {
    node.get(key).and_then(Node::as_seq).unwrap_or(&[])
}

fn quality(node: &Node) -> Vec<Quality> {
    items(node, "quality")
        .iter()
        .map(|q| Quality {
            what: text(q, "description")
                .or_else(|| {
                    let metric = text(q, "metric").or_else(|| text(q, "rule"))?;
                    let bound = ["mustBe", "mustNotBe", "mustBeGreaterThan", "mustBeLessThan"]
                        .iter()
                        .find_map(|k| text(q, k).map(|v| format!(" {k} {v}")))
                        .unwrap_or_default();
                    Some(format!("{metric}{bound}"))
                })
                .or_else(|| text(q, "query"))
                .or_else(|| text(q, "type"))
                .unwrap_or_else(|| "quality check".to_string()),
            dimension: text(q, "dimension"),
            severity: text(q, "severity"),
        })
        .collect()
}

/// The tables of a contract, with their columns and quality rules.
pub fn tables(contract: &Node) -> Vec<Table> {
    items(contract, "schema")
        .iter()
        .map(|t| Table {
            name: text(t, "name").unwrap_or_default(),
            physical_type: text(t, "physicalType"),
            description: text(t, "description"),
            quality: quality(t),
            columns: items(t, "properties")
                .iter()
                .map(|c| Column {
                    name: text(c, "name").unwrap_or_default(),
                    logical_type: text(c, "logicalType"),
                    physical_type: text(c, "physicalType"),
                    description: text(c, "description").or_else(|| text(c, "businessName")),
                    classification: text(c, "classification"),
                    personal: is_personal(c),
                    primary_key: c
                        .get("primaryKey")
                        .is_some_and(|v| matches!(v.value, crate::load::yaml::Value::Bool(true))),
                    required: c
                        .get("required")
                        .is_some_and(|v| matches!(v.value, crate::load::yaml::Value::Bool(true))),
                    quality: quality(c),
                })
                .collect(),
        })
        .collect()
}

/// Seconds in one `unit` of an ODCS SLA value (`d`, `day`, `days`, `h`,
/// `hr`, `m`, `min`, `s`, `w`, `y`, …); `None` for a unit that is not a time.
pub fn unit_seconds(unit: &str) -> Option<u64> {
    Some(match normal(unit).as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600,
        "d" | "day" | "days" => 86_400,
        "w" | "wk" | "week" | "weeks" => 7 * 86_400,
        "mo" | "month" | "months" => 30 * 86_400,
        "y" | "yr" | "yrs" | "year" | "years" => 365 * 86_400,
        _ => return None,
    })
}

/// The contract's SLA properties.
pub fn slas(contract: &Node) -> Vec<Sla> {
    items(contract, "slaProperties")
        .iter()
        .filter_map(|p| {
            let property = text(p, "property")?;
            let value_node = p.get("value")?;
            let value = text(p, "value").unwrap_or_default();
            let unit = text(p, "unit");
            let seconds = match (value_node.as_f64(), unit.as_deref()) {
                (Some(v), Some(u)) if v >= 0.0 && v.is_finite() => {
                    unit_seconds(u).map(|s| (v * s as f64).round() as u64)
                }
                _ => None,
            };
            Some(Sla {
                value: match &unit {
                    Some(u) => format!("{value} {u}"),
                    None => value,
                },
                property,
                element: text(p, "element"),
                driver: text(p, "driver"),
                seconds,
                span: value_node.span,
            })
        })
        .collect()
}
