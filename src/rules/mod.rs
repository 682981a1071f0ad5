//! Every rule of the contract, run over a loaded workspace.

pub mod hygiene;
pub mod outcomes;
pub mod refs;
pub mod schema;
pub mod trace;

use std::collections::HashSet;

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Rule};
use crate::load::Workspace;
use crate::model::Model;
use crate::model::time::Date;
use crate::outcomes::Outcomes;
pub use schema::{SchemaError, Schemas};
pub use trace::Trace;

/// What a check found: the model, the trace and the findings that count.
#[derive(Debug)]
pub struct Analysis {
    pub model: Model,
    pub trace: Trace,
    /// Every indicator, its observations and where it stands.
    pub outcomes: Outcomes,
    /// Findings after severities and `allow:` lists are applied, sorted by
    /// file, line, column and rule.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == crate::diagnostic::Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// Runs every rule.
pub fn check(ws: &Workspace, config: &Config, schemas: &Schemas, today: Date) -> Analysis {
    let mut found = ws.diagnostics.clone();
    let schema_findings: Vec<Vec<Diagnostic>> = ws
        .documents
        .par_iter()
        .enumerate()
        .map(|(i, doc)| {
            let mut out = Vec::new();
            schemas.check(i, doc, &mut out);
            out
        })
        .collect();
    found.extend(schema_findings.into_iter().flatten());

    let model = Model::build(ws);
    let trace = Trace::analyze(&model);

    refs::duplicate_ids(&model, &mut found);
    refs::references(&model, &trace, &ws.damaged, &mut found);
    trace::north_star_count(&model, &mut found);
    trace::cycles(&model, &trace, &mut found);
    trace::untraced(&model, &trace, &mut found);
    hygiene::hypothesis_mismatch(ws, &model, &mut found);
    hygiene::sensitive_data(ws, &model, &mut found);
    hygiene::unaddressed_goals(&model, &mut found);
    hygiene::unused(&model, &mut found);
    hygiene::missing_slo(ws, &model, &mut found);
    hygiene::duration_ranges(ws, &model, &mut found);
    hygiene::freshness(ws, &model, &mut found);
    hygiene::invalidated_hypotheses(ws, &model, &mut found);
    hygiene::stale_reviews(ws, &model, today, &mut found);
    let outcomes = Outcomes::build(ws, &model, today, &mut found);
    outcomes::check(ws, &model, &outcomes, today, &mut found);

    let mut diagnostics = apply_settings(ws, config, found);
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Analysis {
        model,
        trace,
        outcomes,
        diagnostics,
    }
}

/// Applies `[rules]` severities and each entity's `allow:` list.
fn apply_settings(ws: &Workspace, config: &Config, found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let allowed: Vec<HashSet<Rule>> = ws
        .documents
        .iter()
        .map(|d| {
            d.node
                .get("allow")
                .and_then(|a| a.as_seq())
                .unwrap_or(&[])
                .iter()
                .filter_map(|n| n.as_str().and_then(Rule::from_name))
                .collect()
        })
        .collect();
    found
        .into_iter()
        .filter_map(|mut d| {
            if d.doc.is_some_and(|doc| allowed[doc].contains(&d.rule)) {
                return None;
            }
            d.severity = config.severity(d.rule)?;
            Some(d)
        })
        .collect()
}
