//! What dbt's last run puts at risk: each failure behind an output port,
//! with the goals above the product whose port it is.

use serde::Serialize;

use crate::load::Workspace;
use crate::model::Model;

use super::Artifacts;
use super::names::named;
use super::rules::failures;

/// One failure of the last run behind a port, and the goals it puts at risk.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Risk {
    pub data_product: String,
    pub port: String,
    /// The port's model (`unique_id`).
    pub model: String,
    /// What failed: the model, or a test on it (`unique_id`).
    pub node: String,
    /// `model` or `test`.
    pub resource_type: &'static str,
    /// The test's or model's name as dbt prints it.
    pub name: String,
    pub status: String,
    pub message: Option<String>,
    pub failures: Option<i64>,
    /// The goals above the product, nearest first.
    pub goals: Vec<String>,
}

/// Every failure behind a port in the last run, in entity and port order.
pub fn at_risk(ws: &Workspace, model: &Model, artifacts: &Artifacts) -> Vec<Risk> {
    let Some(results) = &artifacts.run_results else {
        return Vec::new();
    };
    let manifest = &artifacts.manifest;
    let values = named(ws, model, manifest);
    failures(artifacts, &values)
        .into_iter()
        .map(|f| {
            let failed = manifest.node(f.failed);
            let status = &results.status[&f.failed];
            Risk {
                data_product: model.entities[f.product].id.to_string(),
                port: f.port,
                model: manifest.node(f.model).unique_id.clone(),
                node: failed.unique_id.clone(),
                resource_type: failed.kind.name(),
                name: failed.name.clone(),
                status: status.status.clone(),
                message: status.message.clone(),
                failures: status.failures,
                goals: crate::query::impact::impact(model, f.product).goals,
            }
        })
        .collect()
}
