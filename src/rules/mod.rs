//! Every rule of the contract, run over a loaded workspace.

pub mod contracts;
pub mod hygiene;
pub mod instance;
pub mod outcomes;
pub mod refs;
pub mod schema;
pub mod trace;

use std::collections::HashMap;
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

/// A rule that reads the model and reports into its own list.
type RuleFn<'a> = dyn Fn(&mut Vec<Diagnostic>) + Sync + 'a;

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
            if let Some(early) = &ws.early_findings {
                // Checked against the schemas while loading (`check_document`).
                return vec![early.clone()];
            }
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
            // Each of these reads the model and writes only findings of its
            // own: they run at once, and their findings are kept in this order.
            let (m, t) = (&model, &trace);
            let rules: [&RuleFn; 17] = [
                &|out| trace::north_star_count(m, out),
                &|out| trace::cycles(m, t, out),
                &|out| trace::untraced(m, t, out),
                &|out| hygiene::hypothesis_mismatch(ws, m, out),
                &|out| hygiene::sensitive_data(ws, m, out),
                &|out| hygiene::unaddressed_goals(m, out),
                &|out| hygiene::unused(m, out),
                &|out| hygiene::missing_slo(ws, m, out),
                &|out| hygiene::duration_ranges(ws, m, out),
                &|out| hygiene::freshness(ws, m, out),
                &|out| contracts::contract_refs(ws, m, out),
                &|out| contracts::sla_mismatch(ws, m, out),
                &|out| hygiene::invalidated_hypotheses(ws, m, out),
                &|out| hygiene::stale_reviews(ws, m, today, out),
                &|out| crate::review::check(ws, m, config, out),
                &|out| crate::dbt::rules::check(ws, m, out),
                &|out| crate::lineage::check(ws, m, out),
            ];
            let (each, (outcomes, outcome_findings)) = rayon::join(
                || {
                    rules
                        .par_iter()
                        .map(|rule| {
                            let mut out = Vec::new();
                            rule(&mut out);
                            out
                        })
                        .collect::<Vec<_>>()
                },
                || {
                    let mut out = Vec::new();
                    let outcomes = Outcomes::build(ws, m, today, &mut out);
                    outcomes::check(ws, m, &outcomes, today, &mut out);
                    (outcomes, out)
                },
            );
            found.extend(each.into_iter().flatten());
            found.extend(outcome_findings);
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

/// Fields of an entity that no rule reads, by their path from the top of
/// the document (`[]` stands for every item of a list): only the schema
/// (and the site, the exports and `status`, which do not load this way)
/// look at them. A rule that starts reading one of these must take it off
/// the list; `tests/fixtures.rs` holds that checking trimmed trees finds
/// what checking whole ones does, on every fixture and the example.
const READ_BY_NO_RULE: &[&[&str]] = &[
    &["description"],
    &["dimensions"],
    &["domain"],
    &["evidence"],
    &["measures"],
    &["name"],
    &["outputPorts", "[]", "type"],
    &["owner"],
    &["priority"],
    &["role"],
    &["statement"],
    &["system"],
    &["type"],
    &["usagePatterns", "[]", "frequency"],
    &["usagePatterns", "[]", "requirements", "completeness"],
    &["usagePatterns", "[]", "updateCadence"],
];

/// What `throughline check` does with each document as it is parsed (see
/// [`crate::load::load_each`]): checks it against its schema, then drops
/// the fields [`READ_BY_NO_RULE`] names, which at 100,000 entities are
/// about a third of the parse trees. ODCS contracts are kept whole: the
/// contract rules read their descriptions and names.
pub fn check_document(
    schemas: &Schemas,
    file: crate::diagnostic::FileId,
    doc: usize,
    node: &mut Node,
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    schemas.check_node(doc, file, node, &mut found);
    if !crate::model::contract::is_contract(node) {
        trim(node, READ_BY_NO_RULE);
    }
    found
}

/// Drops from `node` the fields at `paths`.
fn trim(node: &mut Node, paths: &[&[&str]]) {
    use crate::load::yaml::Value;
    let below = |step: &str| -> Vec<&[&str]> {
        paths
            .iter()
            .filter(|p| p.len() > 1 && p[0] == step)
            .map(|p| &p[1..])
            .collect()
    };
    match &mut node.value {
        Value::Map(entries) => {
            let dropped = |key: &str| paths.iter().any(|p| p.len() == 1 && p[0] == key);
            if entries.iter().any(|e| dropped(&e.key)) {
                *entries = std::mem::take(entries)
                    .into_iter()
                    .filter(|e| !dropped(&e.key))
                    .collect();
            }
            for entry in entries.iter_mut() {
                let deeper = below(&entry.key);
                if !deeper.is_empty() {
                    trim(&mut entry.value, &deeper);
                }
            }
        }
        Value::Seq(items) => {
            let deeper = below("[]");
            if !deeper.is_empty() {
                items.iter_mut().for_each(|item| trim(item, &deeper));
            }
        }
        _ => {}
    }
}

/// Applies `[rules]` severities and each entity's `allow:` list.
fn apply_settings(ws: &Workspace, config: &Config, found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    // A document's `allow` list is read only for the documents with findings.
    let allows = |doc: usize, rule: Rule| {
        ws.documents[doc]
            .node
            .get("allow")
            .and_then(|a| a.as_seq())
            .unwrap_or(&[])
            .iter()
            .any(|n| n.as_str().and_then(Rule::from_name) == Some(rule))
    };
    found
        .into_iter()
        .filter_map(|mut d| {
            if d.doc.is_some_and(|doc| allows(doc, d.rule)) {
                return None;
            }
            d.severity = config.severity(d.rule)?;
            Some(d)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::from_texts;

    fn first_doc(text: &str) -> Node {
        let ws = from_texts(vec![("a.yaml".into(), text.into())], Default::default());
        (*ws.documents[0].node).clone()
    }

    fn keys(node: &Node) -> Vec<&str> {
        node.as_map()
            .unwrap()
            .iter()
            .map(|e| e.key.as_str())
            .collect()
    }

    #[test]
    fn a_checked_document_keeps_what_the_rules_read_and_its_schema_findings() {
        let mut node = first_doc(
            "kind: DataProduct\nid: dp\nname: Orders\ndescription: 5\nowner: team\n\
             inputs: [src]\nmeasures:\n  - name: total\nslos:\n  - category: governance\n    property: access\n    target: reviewed\n\
             usagePatterns:\n  - consumer: c\n    frequency: daily\n    requirements: {freshness: 1h, completeness: 99}\n",
        );
        let found = check_document(&Schemas::builtin(), 3, 0, &mut node);
        // The schema saw the whole document: `description` must be text.
        assert!(
            found
                .iter()
                .any(|d| d.rule == Rule::Schema && d.location.unwrap().span.start.line() == 4),
            "{found:?}"
        );
        assert!(found.iter().all(|d| d.location.unwrap().file == 3));
        assert_eq!(
            keys(&node),
            ["kind", "id", "inputs", "slos", "usagePatterns"]
        );
        let pattern = &node.get("usagePatterns").unwrap().as_seq().unwrap()[0];
        assert_eq!(keys(pattern), ["consumer", "requirements"]);
        assert_eq!(keys(pattern.get("requirements").unwrap()), ["freshness"]);
    }

    #[test]
    fn a_checked_contract_is_kept_whole() {
        let text = "kind: DataContract\napiVersion: v3.0.2\nid: c\nname: Orders\ndescription:\n  purpose: Orders\n";
        let mut node = first_doc(text);
        check_document(&Schemas::builtin(), 0, 0, &mut node);
        assert_eq!(node, first_doc(text));
    }
}
