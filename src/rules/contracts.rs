//! Rules about the ODCS contracts behind output ports (contract §9):
//! `contract-ref` and `sla-mismatch`. The contracts' personal columns feed
//! `sensitive-data-ungoverned` (see [`personal_columns`]).

use crate::diagnostic::{Diagnostic, Rule};
use crate::load::Workspace;
use crate::load::source::Span;
use crate::load::yaml::Node;
use crate::model::contract::{self, Contract};
use crate::model::{EntityId, Kind, Model};
use crate::suggest;

use super::hygiene::freshness_promise;

/// Each output port of a product with a `contractId`: the port's name, the
/// id and where it is written.
pub fn ports(node: &Node) -> impl Iterator<Item = (&str, &str, Span)> {
    node.get("outputPorts")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|p| {
            let id = p.get("contractId")?;
            Some((p.get_str("name").unwrap_or(""), id.as_str()?, id.span))
        })
}

/// The contracts behind a product's output ports, each once.
pub fn contracts_of<'m>(ws: &Workspace, model: &'m Model, dp: EntityId) -> Vec<&'m Contract> {
    let mut out: Vec<&Contract> = Vec::new();
    for (_, id, _) in ports(model.entities[dp].node(ws)) {
        if let Some(c) = model.contract(id)
            && !out.iter().any(|o| o.id == c.id)
        {
            out.push(c);
        }
    }
    out
}

/// `contract-ref`: in a workspace holding contracts, a `contractId` that
/// names none of them.
pub fn contract_refs(ws: &Workspace, model: &Model, out: &mut Vec<Diagnostic>) {
    if model.contracts.is_empty() {
        return;
    }
    for dp in model.of_kind(Kind::DataProduct) {
        let e = &model.entities[dp];
        for (port, id, span) in ports(e.node(ws)) {
            if model.contract(id).is_some() {
                continue;
            }
            let help = suggest::did_you_mean(id, model.contracts.iter().map(|c| c.id.as_str()))
                .unwrap_or_else(|| {
                    format!(
                        "add the ODCS contract (`kind: {}`, `id: {id}`) to the workspace, or fix the id",
                        contract::KIND
                    )
                });
            out.push(
                Diagnostic::new(
                    Rule::ContractRef,
                    format!(
                        "output port `{port}` of `{}` names contract `{id}`, which no contract in the workspace defines",
                        e.id
                    ),
                )
                .label("no such contract")
                .help(help)
                .at(e.file, span)
                .entity(e.id.clone())
                .doc(e.doc),
            );
        }
    }
}

/// `sla-mismatch`: a contract whose `latency` or `frequency` lets data get
/// older than the product's freshness SLO allows.
pub fn sla_mismatch(ws: &Workspace, model: &Model, out: &mut Vec<Diagnostic>) {
    for dp in model.of_kind(Kind::DataProduct) {
        let e = &model.entities[dp];
        let Some((promised, promised_text, promise_span)) = freshness_promise(e.node(ws)) else {
            continue;
        };
        for c in contracts_of(ws, model, dp) {
            for sla in contract::slas(c.node(ws)) {
                let what = match sla.property.to_lowercase().as_str() {
                    "latency" => "allows a latency of",
                    "frequency" => "delivers once every",
                    _ => continue,
                };
                if sla.seconds.is_none_or(|s| s <= promised) {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        Rule::SlaMismatch,
                        format!(
                            "contract `{}` {what} {}, but `{}` promises data at most {promised_text} old",
                            c.id, sla.value, e.id
                        ),
                    )
                    .label(format!("longer than {promised_text}"))
                    .help("tighten the contract's SLA, or loosen the product's freshness SLO and tell its consumers")
                    .at(c.file, sla.span)
                    .related(e.file, promise_span, "the freshness SLO is set here")
                    .entity(e.id.clone())
                    .doc(e.doc),
                );
            }
        }
    }
}

/// The columns of a product's contracts classified as personal data:
/// `table.column`, its classification (or tag) as written, and where.
pub fn personal_columns(
    ws: &Workspace,
    model: &Model,
    dp: EntityId,
) -> Vec<(String, String, crate::diagnostic::FileId, Span)> {
    let mut out = Vec::new();
    for c in contracts_of(ws, model, dp) {
        let node = c.node(ws);
        for table in node.get("schema").and_then(Node::as_seq).unwrap_or(&[]) {
            let table_name = table.get_str("name").unwrap_or("");
            for column in table
                .get("properties")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
            {
                if !contract::is_personal(column) {
                    continue;
                }
                let marked = column
                    .get("classification")
                    .filter(|n| n.as_str().is_some_and(contract::is_personal_word))
                    .or_else(|| {
                        column
                            .get("tags")
                            .and_then(Node::as_seq)
                            .unwrap_or(&[])
                            .iter()
                            .find(|t| t.as_str().is_some_and(contract::is_personal_word))
                    })
                    .unwrap_or(column);
                out.push((
                    format!("{table_name}.{}", column.get_str("name").unwrap_or("")),
                    marked.as_str().unwrap_or("personal").to_string(),
                    c.file,
                    marked.span,
                ));
            }
        }
    }
    out
}
