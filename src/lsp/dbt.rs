//! dbt in the editor: completion of `dbt` values from the manifest, and a
//! hover that says what a value names (CONTRACT §11).

use serde_json::{Value, json};

use super::complete::REFERENCE;
use super::features::At;
use super::{Session, position};

/// The names a `dbt` value may take, from the manifest, with what each is.
pub(super) fn names(artifacts: &crate::dbt::Artifacts, want: crate::dbt::Want) -> Vec<Value> {
    let manifest = &artifacts.manifest;
    manifest
        .names(want)
        .into_iter()
        .map(|(label, id)| {
            let node = manifest.node(id);
            let detail = [
                Some(format!("dbt {}", node.kind.name())),
                node.materialized.clone(),
                node.relation_name.clone(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
            let mut item = json!({
                "label": label,
                "kind": REFERENCE,
                "detail": detail,
                "filterText": format!("{label} {}", node.unique_id),
            });
            if let Some(d) = &node.description {
                item["documentation"] = json!({ "kind": "markdown", "value": d });
            }
            item
        })
        .collect()
}

/// What the `dbt` value under the cursor names: the model (materialization,
/// relation, file, last status and failing tests), the source (freshness) or
/// the exposure; `None` off a `dbt` value or without `[dbt]`.
pub(super) fn hover(session: &Session, at: &At) -> Option<Value> {
    let checked = session.checked.as_ref()?;
    let artifacts = checked.workspace.dbt.as_deref()?;
    let manifest = &artifacts.manifest;
    let named = crate::dbt::names::named(&checked.workspace, &checked.analysis.model, manifest);
    let n = named
        .into_iter()
        .find(|n| n.file == at.file && super::features::contains(at.source, n.span, at.offset))?;
    let text = match &n.node {
        Err(_) => format!(
            "`{}` is not in the dbt manifest ({})",
            n.value, artifacts.manifest_path
        ),
        Ok(id) => {
            let node = manifest.node(*id);
            let mut text = format!("**dbt {}** `{}`", node.kind.name(), node.unique_id);
            for part in [&node.materialized, &node.relation_name]
                .into_iter()
                .flatten()
            {
                text.push_str(&format!(" · {part}"));
            }
            if let Some(s) = artifacts.status(*id) {
                text.push_str(&format!(" · last run: {}", s.status));
            }
            if let Some(path) = &node.path {
                text.push_str(&format!("\n\n`{path}`"));
            }
            let failing: Vec<String> = manifest.tests[*id as usize]
                .iter()
                .filter_map(|&t| {
                    let s = artifacts.status(t).filter(|s| s.is_failing())?;
                    Some(format!("- `{}` {}", manifest.node(t).name, s.status))
                })
                .collect();
            if !failing.is_empty() {
                text.push_str(&format!(
                    "\n\nTests failing in the last run:\n{}",
                    failing.join("\n")
                ));
            }
            if let Some(f) = artifacts.freshness.as_ref().and_then(|f| f.sources.get(id))
                && let Some(age) = f.age_secs
            {
                text.push_str(&format!(
                    "\n\nLast freshness check: {} (newest row {} old)",
                    f.status,
                    crate::dbt::rules::age(age)
                ));
            }
            if let Some(d) = &node.description {
                text.push_str(&format!("\n\n---\n\n{d}"));
            }
            text
        }
    };
    Some(json!({
        "contents": { "kind": "markdown", "value": text },
        "range": position::range(at.source, n.span, session.encoding),
    }))
}
