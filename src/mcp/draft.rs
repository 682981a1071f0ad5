//! The two tools that take text or write: `validate_draft`, which checks
//! the workspace with a draft in place of a file and writes nothing, and
//! `review` (only with `--allow-write`), which writes throughline.lock.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::review::stamp::{self, ReviewError, Selection};

use super::answer::{MAX_DRAFT, counts};
use super::engine::Engine;

/// `validate_draft`: the findings of a check with `text` as the file `path`.
pub fn validate(engine: &Engine, path: &str, text: &str) -> Result<Value, String> {
    let Some(abs) = engine.inside(path) else {
        return Err(format!(
            "`path` names a file inside the workspace, relative to it (`goals/grow-basket.yaml`), not `{path}`"
        ));
    };
    let rel = abs
        .strip_prefix(&engine.root)
        .expect("inside the workspace")
        .to_string_lossy()
        .replace('\\', "/");
    let mut current = engine.current();
    let (limit, reads) = {
        let checked = current.checked()?;
        (
            checked.config.limits.max_file_size,
            checked.config.specs.reads(&rel),
        )
    };
    let limit = (limit as usize).min(MAX_DRAFT);
    if text.len() > limit {
        return Err(format!(
            "the draft is {} bytes; the largest file throughline reads is {limit} bytes",
            text.len()
        ));
    }
    if !reads {
        return Err(format!(
            "`{rel}` is not a file `throughline check` reads (see `[workspace]` in throughline.toml: specs are YAML files, measurements `*.measurements.csv`)"
        ));
    }
    let overlays = Arc::new(HashMap::from([(abs.clone(), Arc::<str>::from(text))]));
    let today = current.today();
    // A file the last check read is read again alone, the rest reused as
    // the language server does on a keystroke; a new file means a walk.
    let quick = {
        let checked = current.checked()?;
        let known = checked.workspace.files.iter().any(|f| f.path == abs);
        known
            .then(|| {
                let changed = std::collections::HashSet::from([abs.clone()]);
                crate::recheck_buffers(checked, today, &changed, overlays.clone())
            })
            .flatten()
    };
    let draft = match quick {
        Some(draft) => draft,
        None => crate::check_dir_overlaid(&engine.root, today, current.cache(), overlays)
            .map_err(|e| e.to_string())?,
    };
    let checked = current.checked()?;
    let (ws, diags) = (&draft.workspace, &draft.analysis.diagnostics);
    let in_file: Vec<&crate::diagnostic::Diagnostic> = diags
        .iter()
        .filter(|d| d.location.is_some_and(|l| ws.files[l.file].rel_path == rel))
        .collect();
    let (errors, warnings) = counts(&in_file);
    let as_json = |ws, d| crate::report::json::finding(ws, d);
    let introduced: Vec<Value> =
        crate::baseline::unmatched(ws, diags, &checked.workspace, &checked.analysis.diagnostics)
            .into_iter()
            .zip(diags)
            .filter(|(new, _)| *new)
            .map(|(_, d)| as_json(ws, d))
            .collect();
    let old = &checked.analysis.diagnostics;
    let resolved: Vec<Value> = crate::baseline::unmatched(&checked.workspace, old, ws, diags)
        .into_iter()
        .zip(old)
        .filter(|(gone, _)| *gone)
        .map(|(_, d)| as_json(&checked.workspace, d))
        .collect();
    Ok(json!({
        "path": rel,
        "errors": errors,
        "warnings": warnings,
        "findings": in_file.iter().map(|d| as_json(ws, d)).collect::<Vec<_>>(),
        "introduced": introduced,
        "resolved": resolved,
    }))
}

/// `review`: stamps the links of `ids` and writes the lock.
pub fn review(engine: &Engine, ids: &[&str]) -> Result<Value, String> {
    if ids.is_empty() {
        return Err("`ids` names at least one child whose links were reviewed".into());
    }
    let current = engine.current();
    let checked = current.checked()?;
    let (ws, model, config) = (&checked.workspace, &checked.analysis.model, &checked.config);
    let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    stamp::check_ids(model, &ids).map_err(|e| e.to_string())?;
    let commit = stamp::head(&ws.root);
    let plan = stamp::plan(
        ws,
        model,
        config,
        &Selection::Children(&ids),
        false,
        commit.as_deref(),
    )
    .map_err(|e: ReviewError| e.to_string())?;
    if plan.changes {
        stamp::write(&ws.root, &plan.text).map_err(|e| e.to_string())?;
    }
    let link = |s: &crate::review::Stamp| json!({"child": s.link.child.as_str(), "field": s.link.field.as_str(), "parent": s.link.parent.as_str()});
    Ok(json!({
        "stamped": plan.stamped.iter().map(link).collect::<Vec<_>>(),
        "removed": plan.removed.iter().map(link).collect::<Vec<_>>(),
        "unchanged": plan.unchanged,
        "written": plan.changes,
        "commit": commit,
    }))
}
