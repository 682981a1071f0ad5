//! Every rule of the contract, run over a loaded workspace.

pub mod contracts;
pub mod hygiene;
pub mod outcomes;
pub mod refs;
pub mod schema;
pub mod trace;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Rule};
use crate::load::Workspace;
use crate::load::yaml::Node;
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

/// Whether schema findings are kept per document between checks, for the
/// long-running front ends (`serve`, `lsp`) that check again after each
/// change: a document the load cache reused is not validated again.
pub static MEMOIZE_SCHEMA: AtomicBool = AtomicBool::new(false);

/// Schema findings by document, while the document lives: `(the document,
/// its findings)`, keyed by the document's address. Holding the document
/// keeps the address from being reused.
type Memo = HashMap<usize, (Arc<Node>, Vec<Diagnostic>)>;
static MEMO: Mutex<Option<Memo>> = Mutex::new(None);

/// Runs every rule.
pub fn check(ws: &Workspace, config: &Config, schemas: &Schemas, today: Date) -> Analysis {
    let memoize = MEMOIZE_SCHEMA.load(Ordering::Relaxed) && !schemas.has_workspace_schemas();
    let memo = if memoize {
        MEMO.lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_default()
    } else {
        Memo::new()
    };
    // The schemas and the trace do not depend on each other: check both at once.
    let (schema_findings, (model, trace, outcomes, rule_findings)) = rayon::join(
        || {
            let schema_findings: Vec<Vec<Diagnostic>> = ws
                .documents
                .par_iter()
                .enumerate()
                .map(|(i, doc)| {
                    if let Some((_, kept)) = memo.get(&(Arc::as_ptr(&doc.node) as usize)) {
                        // Stored for document 0 of file 0: placed where it is now.
                        return kept.iter().cloned().map(|d| d.moved(i, doc.file)).collect();
                    }
                    let mut out = Vec::new();
                    schemas.check(i, doc, &mut out);
                    out
                })
                .collect();
            if memoize {
                let next: Memo = ws
                    .documents
                    .iter()
                    .zip(&schema_findings)
                    .map(|(doc, f)| {
                        let kept = f.iter().cloned().map(|d| d.moved(0, 0)).collect();
                        (Arc::as_ptr(&doc.node) as usize, (doc.node.clone(), kept))
                    })
                    .collect();
                *MEMO.lock().unwrap_or_else(|e| e.into_inner()) = Some(next);
            }
            schema_findings
        },
        || {
            // The load's findings first: the reference rule adds to the
            // syntax findings what the broken documents define.
            let mut found = ws.diagnostics.clone();
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
            contracts::contract_refs(ws, &model, &mut found);
            contracts::sla_mismatch(ws, &model, &mut found);
            hygiene::invalidated_hypotheses(ws, &model, &mut found);
            hygiene::stale_reviews(ws, &model, today, &mut found);
            let outcomes = Outcomes::build(ws, &model, today, &mut found);
            outcomes::check(ws, &model, &outcomes, today, &mut found);
            (model, trace, outcomes, found)
        },
    );
    // In the order they always had: the load's, the schemas', the rest.
    let mut rule_findings = rule_findings;
    let rest = rule_findings.split_off(ws.diagnostics.len());
    let mut found = rule_findings;
    found.extend(schema_findings.into_iter().flatten());
    found.extend(rest);

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
