//! The quick fix "mark as reviewed": an edit of `throughline.lock` that
//! stamps the link a `suspect-link` or `unreviewed-link` finding is on.
//!
//! The server never writes the lock itself (CONTRACT §10): the fix is a
//! workspace edit the editor applies to the lock's buffer, so the user
//! sees the new line and saves it, as with any other edit.

use serde_json::{Value, json};

use super::{Session, canonical, path_to_uri, position, uri_to_path};
use crate::review::stamp::{self, Selection};
use crate::review::{self, Link};

/// The "mark as reviewed" actions for the findings in `params`.
pub fn actions(session: &Session, params: &Value) -> Vec<Value> {
    let Some(checked) = &session.checked else {
        return Vec::new();
    };
    let uri = params["textDocument"]["uri"].as_str().unwrap_or("");
    let Some(path) = uri_to_path(uri).map(|p| canonical(&p)) else {
        return Vec::new();
    };
    let ws = &checked.workspace;
    let model = &checked.analysis.model;
    let Some(file) = ws.files.iter().position(|f| canonical(&f.path) == path) else {
        return Vec::new();
    };
    let links = review::links(model);
    let mut out = Vec::new();
    for d in params["context"]["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let code = d["code"].as_str().unwrap_or("");
        if d["source"] != "throughline" || !matches!(code, "suspect-link" | "unreviewed-link") {
            continue;
        }
        let found = links.iter().find(|(_, r, _)| {
            model.entities[r.from].file == file
                && position::range(&ws.files[file], r.span, session.encoding) == d["range"]
        });
        let Some((link, _, _)) = found else {
            continue;
        };
        if let Some(action) = mark_reviewed(session, link, d) {
            out.push(action);
        }
    }
    out
}

fn mark_reviewed(session: &Session, link: &Link, diagnostic: &Value) -> Option<Value> {
    let checked = session.checked.as_ref()?;
    let ws = &checked.workspace;
    let commit = stamp::head(&ws.root);
    let links = [link.clone()];
    let plan = stamp::plan(
        ws,
        &checked.analysis.model,
        &checked.config,
        &Selection::Links(&links),
        false,
        commit.as_deref(),
    )
    .ok()?;
    let lock_path = ws.root.join(review::lock::FILE_NAME);
    let lock_uri = path_to_uri(&lock_path);
    let title = format!(
        "Mark `{}` → `{}` ({}) as reviewed",
        link.child, link.parent, link.field
    );
    let edit = match &ws.lock {
        Some((file, _)) => {
            // The whole text: its last line, to its end (a lock is ASCII,
            // so bytes count as any encoding's units).
            let text = &ws.files[*file].text;
            let last_line = text.matches('\n').count();
            let last_len = text
                .rsplit('\n')
                .next()
                .map_or(0, |l| l.encode_utf16().count());
            json!({ "changes": { lock_uri: [{
                "range": { "start": { "line": 0, "character": 0 }, "end": { "line": last_line, "character": last_len } },
                "newText": plan.text,
            }] } })
        }
        None => json!({ "documentChanges": [
            { "kind": "create", "uri": lock_uri, "options": { "ignoreIfExists": true } },
            { "textDocument": { "uri": lock_uri, "version": null }, "edits": [{
                "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } },
                "newText": plan.text,
            }] },
        ] }),
    };
    Some(json!({
        "title": title,
        "kind": "quickfix",
        "diagnostics": [diagnostic],
        "edit": edit,
    }))
}
