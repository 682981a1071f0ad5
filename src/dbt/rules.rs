//! `dbt-ref`, `dbt-failing` and `freshness-unmet` (CONTRACT §11); the
//! fourth rule, `lineage-drift`, reads any observed lineage and lives in
//! [`crate::lineage`].

use std::collections::{HashSet, VecDeque};

use crate::diagnostic::{Diagnostic, Rule};
use crate::load::Workspace;
use crate::model::{EntityId, Kind, Model, RefField};
use crate::rules::hygiene::freshness_promise;

use super::manifest::{NodeType, RunStatus};
use super::names::{Named, named};
use super::{Artifacts, NodeId};

/// All three rules, when the workspace has dbt artifacts.
pub fn check(ws: &Workspace, model: &Model, out: &mut Vec<Diagnostic>) {
    let Some(artifacts) = &ws.dbt else { return };
    let values = named(ws, model, &artifacts.manifest);
    refs(model, artifacts, &values, out);
    failing(model, artifacts, &values, out);
    freshness(ws, model, artifacts, &values, out);
}

/// `d`, at the `dbt` value `named`, about its entity.
fn on(model: &Model, named: &Named, d: Diagnostic) -> Diagnostic {
    crate::rules::hygiene::on(&model.entities[named.entity], d.at(named.file, named.span))
}

/// `dbt-ref`: a `dbt` value that names no node of the right type.
fn refs(model: &Model, artifacts: &Artifacts, values: &[Named], out: &mut Vec<Diagnostic>) {
    for v in values {
        let Err(why) = &v.node else { continue };
        let e = &model.entities[v.entity];
        let whose = match v.port {
            Some((_, port)) => format!("output port `{port}` of `{}`", e.id),
            None => format!("`{}`", e.id),
        };
        let d = Diagnostic::new(
            Rule::DbtRef,
            format!(
                "{whose} names dbt {} `{}`, {}",
                v.want.name(),
                v.value,
                match (why.other_type, &why.project) {
                    (Some(t), _) => format!("which is a {}, not a {}", t.name(), v.want.name()),
                    (None, Some(p)) => format!(
                        "which {} does not have in project `{p}`",
                        artifacts.manifest_path
                    ),
                    (None, None) => format!("which {} does not have", artifacts.manifest_path),
                }
            ),
        )
        .label(format!("no dbt {} of this name", v.want.name()))
        .help(match &why.nearest {
            Some(n) => format!("did you mean `{n}`?"),
            None => format!("write {}", v.want.forms()),
        });
        out.push(on(model, v, d));
    }
}

/// `` `fail` (2 failing rows) in the last run (2026-12-07T12:03:08Z): Got 2 results… ``
fn status_text(status: &RunStatus, when: Option<&str>) -> String {
    let mut text = format!("`{}`", status.status);
    if let Some(n) = status.failures.filter(|&n| n > 0) {
        text.push_str(&format!(
            " ({n} failing row{})",
            if n == 1 { "" } else { "s" }
        ));
    }
    text.push_str(" in the last run");
    if let Some(when) = when {
        text.push_str(&format!(" ({when})"));
    }
    if let Some(m) = &status.message {
        text.push_str(&format!(": {}", m.lines().next().unwrap_or(m)));
    }
    text
}

/// A failure in the last dbt run behind an output port: the port's model,
/// or a test on it, ended in `error`, `fail` or `warn`.
#[derive(Debug, Clone)]
pub struct Failure {
    pub product: EntityId,
    pub port: String,
    /// The port's model.
    pub model: NodeId,
    /// What failed: the model, or one of its tests.
    pub failed: NodeId,
    /// Where the port names the model.
    pub file: crate::diagnostic::FileId,
    pub span: crate::load::source::Span,
}

/// Every failure behind a port in the last run, in entity and port order.
pub fn failures(artifacts: &Artifacts, values: &[Named]) -> Vec<Failure> {
    let Some(results) = &artifacts.run_results else {
        return Vec::new();
    };
    let manifest = &artifacts.manifest;
    let mut seen: HashSet<(EntityId, NodeId)> = HashSet::new();
    let mut out = Vec::new();
    for v in values {
        let (Ok(node), Some((_, port))) = (&v.node, v.port) else {
            continue;
        };
        let failing = |n: &NodeId| results.status.get(n).is_some_and(RunStatus::is_failing);
        let candidates = std::iter::once(*node).filter(failing).chain(
            manifest.tests[*node as usize]
                .iter()
                .copied()
                .filter(failing),
        );
        for failed in candidates {
            if seen.insert((v.entity, failed)) {
                out.push(Failure {
                    product: v.entity,
                    port: port.to_string(),
                    model: *node,
                    failed,
                    file: v.file,
                    span: v.span,
                });
            }
        }
    }
    out
}

/// `dbt-failing`: in the run results, a port's model or a test on it failed.
fn failing(model: &Model, artifacts: &Artifacts, values: &[Named], out: &mut Vec<Diagnostic>) {
    let Some(results) = &artifacts.run_results else {
        return;
    };
    let manifest = &artifacts.manifest;
    for f in failures(artifacts, values) {
        let e = &model.entities[f.product];
        let m = manifest.node(f.model);
        let failed = manifest.node(f.failed);
        let status = &results.status[&f.failed];
        let what = if f.failed == f.model {
            format!("dbt model `{}`", m.unique_id)
        } else {
            format!("dbt test `{}` on model `{}`", failed.name, m.label())
        };
        let d = Diagnostic::new(
            Rule::DbtFailing,
            format!(
                "{what}, behind output port `{}` of `{}`, ended {}",
                f.port,
                e.id,
                status_text(status, results.generated_at.as_deref())
            ),
        )
        .label(format!("{} {}", failed.kind.name(), status.status))
        .help(if failed.kind == NodeType::Test {
            "fix the data or the model (`dbt test -s` the test to see the failing rows); the port's consumers read what failed"
        } else {
            "fix the model and run it again (`dbt build -s` the model); the port's consumers read stale or missing data"
        })
        .at(f.file, f.span);
        out.push(crate::rules::hygiene::on(e, d));
    }
}

/// The DataProducts built on `source`: those whose inputs reach it,
/// directly or through other products.
fn built_on(model: &Model, source: EntityId) -> Vec<EntityId> {
    let mut seen = HashSet::new();
    let mut queue = VecDeque::from([source]);
    let mut products = Vec::new();
    while let Some(at) = queue.pop_front() {
        for p in model.referrers(at, RefField::Inputs) {
            if model.entities[p].is(Kind::DataProduct) && seen.insert(p) {
                products.push(p);
                queue.push_back(p);
            }
        }
    }
    products
}

/// A duration in seconds, as a person reads it: `45m`, `30h`, `12d`.
pub fn age(secs: f64) -> String {
    let secs = secs.max(0.0) as u64;
    match secs {
        s if s < 3_600 => format!("{}m", s / 60),
        s if s < 3 * 86_400 => format!("{}h", s / 3_600),
        s => format!("{}d", s / 86_400),
    }
}

/// `freshness-unmet`: a Source's last freshness check found data older than
/// the tightest freshness SLO of a product built on it.
fn freshness(
    ws: &Workspace,
    model: &Model,
    artifacts: &Artifacts,
    values: &[Named],
    out: &mut Vec<Diagnostic>,
) {
    let Some(checks) = &artifacts.freshness else {
        return;
    };
    for v in values {
        let Ok(node) = v.node else { continue };
        if v.want != super::Want::Source {
            continue;
        }
        let Some(check) = checks.sources.get(&node) else {
            continue;
        };
        let Some(age_secs) = check.age_secs else {
            continue;
        };
        let tightest = built_on(model, v.entity)
            .into_iter()
            .filter_map(|p| {
                let e = &model.entities[p];
                let (secs, text, span) = freshness_promise(e.node(ws))?;
                Some((secs, p, text, span))
            })
            .min_by_key(|&(secs, p, _, _)| (secs, p));
        let Some((promised, product, text, span)) = tightest else {
            continue;
        };
        if age_secs <= promised as f64 {
            continue;
        }
        let source = &model.entities[v.entity];
        let p = &model.entities[product];
        let loaded = check
            .max_loaded_at
            .as_deref()
            .map(|t| format!(", newest row loaded {t}"))
            .unwrap_or_default();
        let when = check
            .snapshotted_at
            .as_deref()
            .map(|t| format!(" at {t}"))
            .unwrap_or_default();
        let d = Diagnostic::new(
            Rule::FreshnessUnmet,
            format!(
                "dbt source `{}` of `{}` was {} old when checked{when}{loaded}; `{}` built on it promises freshness of {text}",
                artifacts.manifest.node(node).unique_id,
                source.id,
                age(age_secs),
                p.id
            ),
        )
        .label(format!("{} old, {text} promised", age(age_secs)))
        .help("load the source again (its loader may have stopped), or loosen the freshness SLO and tell the product's consumers")
        .related(p.file, span, format!("`{}` promises freshness of {text}", p.id));
        out.push(on(model, v, d));
    }
}
