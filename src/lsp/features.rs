//! The requests answered from the last check: diagnostics, definition,
//! references, hover, rename, symbols and quick fixes.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use serde_json::{Value, json};

use super::position;
use super::{Session, canonical, path_to_uri, uri_to_path};
use crate::diagnostic::{Diagnostic, FileId, Severity};
use crate::load::source::{SourceFile, Span};
use crate::model::{EntityId, Kind};

type Answer = Result<Value, (i32, String)>;

/// The file a request is about, and the byte offset of its position.
pub(super) struct At<'s> {
    pub file: FileId,
    pub source: &'s SourceFile,
    pub offset: usize,
}

/// The file of `params.textDocument.uri` in the last check, and where
/// `params.position` falls in it.
pub(super) fn at<'s>(session: &'s Session, params: &Value) -> Option<At<'s>> {
    let checked = session.checked.as_ref()?;
    let path = canonical(&uri_to_path(params["textDocument"]["uri"].as_str()?)?);
    let files = &checked.workspace.files;
    // The files' paths are the canonical root joined with their relative
    // path, so they match as they are; only a file reached through a
    // symbolic link needs resolving.
    let file = files
        .iter()
        .position(|f| f.path == path)
        .or_else(|| files.iter().position(|f| canonical(&f.path) == path))?;
    let source = &checked.workspace.files[file];
    let offset = params
        .get("position")
        .map_or(0, |p| position::offset(&source.text, p, session.encoding));
    Some(At {
        file,
        source,
        offset,
    })
}

pub(super) fn contains(file: &SourceFile, span: Span, offset: usize) -> bool {
    file.offset(span.start) <= offset && offset <= file.offset(span.end)
}

fn location(session: &Session, file: FileId, span: Span) -> Value {
    let checked = session.checked.as_ref().expect("checked");
    let f = &checked.workspace.files[file];
    json!({ "uri": path_to_uri(&f.path), "range": position::range(f, span, session.encoding) })
}

/// The entity named at the position: by its own `id`, or by a reference to
/// it; with the span of the name there.
fn entity_at(session: &Session, at: &At) -> Option<(EntityId, Span)> {
    let model = &session.checked.as_ref()?.analysis.model;
    for (e, entity) in model.entities.iter().enumerate() {
        if entity.file == at.file && contains(at.source, entity.id_span, at.offset) {
            return Some((e, entity.id_span));
        }
    }
    model
        .refs
        .iter()
        .filter(|r| {
            model.entities[r.from].file == at.file && contains(at.source, r.span, at.offset)
        })
        .find_map(|r| r.resolved.map(|t| (t, r.span)))
}

/// Every finding, grouped by file, as the protocol's diagnostics; and the
/// files that have some.
pub fn diagnostics(session: &Session) -> (Vec<(String, Vec<Value>)>, HashSet<PathBuf>) {
    let Some(checked) = &session.checked else {
        return (Vec::new(), HashSet::new());
    };
    let ws = &checked.workspace;
    let mut by_file: BTreeMap<FileId, Vec<Value>> = BTreeMap::new();
    for d in &checked.analysis.diagnostics {
        let Some(loc) = d.location else { continue };
        by_file
            .entry(loc.file)
            .or_default()
            .push(diagnostic(session, &ws.files[loc.file], d));
    }
    let files: HashSet<PathBuf> = by_file.keys().map(|&f| ws.files[f].path.clone()).collect();
    let batches = by_file
        .into_iter()
        .map(|(f, list)| (path_to_uri(&ws.files[f].path), list))
        .collect();
    (batches, files)
}

/// The text a "did you mean `x`?" help suggests.
pub fn suggestion(help: &str) -> Option<&str> {
    let rest = help.split("did you mean `").nth(1)?;
    rest.split("`?").next()
}

fn diagnostic(session: &Session, file: &SourceFile, d: &Diagnostic) -> Value {
    let loc = d.location.expect("located");
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    let related: Vec<Value> = d
        .related
        .iter()
        .map(|r| {
            json!({
                "location": location(session, r.location.file, r.location.span),
                "message": r.message,
            })
        })
        .collect();
    let mut v = json!({
        "range": position::range(file, loc.span, session.encoding),
        "severity": if d.severity == Severity::Error { 1 } else { 2 },
        "code": d.rule.name(),
        "codeDescription": { "href": crate::explain::url(d.rule) },
        "source": "throughline",
        "message": message,
    });
    if !related.is_empty() {
        v["relatedInformation"] = Value::Array(related);
    }
    if let Some(fix) = d.help.as_deref().and_then(suggestion) {
        v["data"] = json!({ "replacement": fix });
    }
    v
}

pub fn definition(session: &Session, params: &Value) -> Answer {
    let Some(at) = at(session, params) else {
        return Ok(Value::Null);
    };
    let Some((e, _)) = entity_at(session, &at) else {
        return Ok(Value::Null);
    };
    let entity = &session
        .checked
        .as_ref()
        .expect("checked")
        .analysis
        .model
        .entities[e];
    Ok(location(session, entity.file, entity.id_span))
}

pub fn references(session: &Session, params: &Value) -> Answer {
    let Some(at) = at(session, params) else {
        return Ok(json!([]));
    };
    let Some((e, _)) = entity_at(session, &at) else {
        return Ok(json!([]));
    };
    let model = &session.checked.as_ref().expect("checked").analysis.model;
    let mut out = Vec::new();
    if params["context"]["includeDeclaration"] != false {
        let entity = &model.entities[e];
        out.push(location(session, entity.file, entity.id_span));
    }
    for r in model.refs_to(e) {
        out.push(location(session, model.entities[r.from].file, r.span));
    }
    Ok(Value::Array(out))
}

pub fn hover(session: &Session, params: &Value) -> Answer {
    let Some(at) = at(session, params) else {
        return Ok(Value::Null);
    };
    if let Some(answer) = super::dbt::hover(session, &at) {
        return Ok(answer);
    }
    let Some((e, span)) = entity_at(session, &at) else {
        return Ok(Value::Null);
    };
    let checked = session.checked.as_ref().expect("checked");
    let q = crate::query::Query::new(&checked.workspace, &checked.analysis);
    let node = q.node(e);
    let kind = checked.analysis.model.entities[e].kind;
    let name = q.name(e);
    let mut text = format!(
        "**{name}** · {} `{}`",
        q.kind_label(e),
        checked.analysis.model.entities[e].id
    );
    if let Some(status) = node.get_str("status") {
        text.push_str(&format!(" · {status}"));
    }
    if !kind.is_some_and(Kind::is_context) {
        text.push_str(if q.shown_traced(e) {
            " · traced"
        } else {
            " · **not traced**"
        });
    }
    if let Some(s) = checked.analysis.outcomes.status_of(e) {
        text.push_str(&format!(" · {}", s.label()));
    }
    let chain = q.chain(e);
    if !chain.is_empty() {
        let names: Vec<&str> = chain.iter().map(|&c| q.name(c)).chain([name]).collect();
        text.push_str(&format!("\n\n{}", names.join(" → ")));
    }
    for i in checked.analysis.outcomes.of(e) {
        text.push_str(&format!("\n\n{}", i.summary(&i.name)));
    }
    if let Some(d) = node
        .get_str("description")
        .or_else(|| node.get_str("statement"))
    {
        text.push_str("\n\n---\n\n");
        text.push_str(d);
    }
    Ok(json!({
        "contents": { "kind": "markdown", "value": text },
        "range": position::range(at.source, span, session.encoding),
    }))
}

pub fn prepare_rename(session: &Session, params: &Value) -> Answer {
    let Some(at) = at(session, params) else {
        return Ok(Value::Null);
    };
    let Some((e, span)) = entity_at(session, &at) else {
        return Err((
            0,
            "only an entity's id, or a reference to it, can be renamed here".into(),
        ));
    };
    let id = &session
        .checked
        .as_ref()
        .expect("checked")
        .analysis
        .model
        .entities[e]
        .id;
    Ok(json!({ "range": position::range(at.source, span, session.encoding), "placeholder": id }))
}

pub fn rename(session: &Session, params: &Value) -> Answer {
    let Some(at) = at(session, params) else {
        return Ok(Value::Null);
    };
    let new = params["newName"].as_str().unwrap_or("");
    let Some((e, _)) = entity_at(session, &at) else {
        return Err((
            0,
            "only an entity's id, or a reference to it, can be renamed".into(),
        ));
    };
    let checked = session.checked.as_ref().expect("checked");
    let model = &checked.analysis.model;
    let old = &model.entities[e].id;
    if !crate::model::is_valid_id(new) {
        return Err((
            0,
            format!(
                "`{new}` is not a valid id: lowercase letters and digits in groups joined by `-`, `_` or `.`, at most 64 characters"
            ),
        ));
    }
    if crate::model::is_reserved_id(new) {
        return Err((
            0,
            format!("`{new}` is reserved for the site's list pages; choose another id"),
        ));
    }
    if new != old
        && let Some(other) = model.get(new)
    {
        let o = &model.entities[other];
        return Err((
            0,
            format!(
                "`{new}` is already the id of {} in {}",
                o.kind.map_or("an entity".to_string(), Kind::with_article),
                checked.workspace.files[o.file].rel_path
            ),
        ));
    }
    let mut edits: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut edit = |file: FileId, span: Span| {
        let f = &checked.workspace.files[file];
        edits.entry(path_to_uri(&f.path)).or_default().push(json!({
            "range": position::range(f, span, session.encoding),
            "newText": new,
        }));
    };
    let entity = &model.entities[e];
    edit(entity.file, entity.id_span);
    for r in model.refs_to(e) {
        edit(model.entities[r.from].file, r.span);
    }
    // Measurement rows name goals and the North Star by id too.
    for (file, table) in &checked.workspace.measurements {
        for series in table.series.iter().filter(|s| s.entity == old) {
            for o in &series.observations {
                edit(
                    *file,
                    table.cell(&checked.workspace.files[*file], o.offset, "entity"),
                );
            }
        }
    }
    Ok(json!({ "changes": edits }))
}

fn symbol_kind(kind: Option<Kind>) -> u32 {
    // The protocol's SymbolKind numbers.
    match kind {
        Some(Kind::NorthStar) => 20,   // Key
        Some(Kind::Goal) => 5,         // Class
        Some(Kind::Initiative) => 12,  // Function
        Some(Kind::Hypothesis) => 14,  // Constant
        Some(Kind::UseCase) => 11,     // Interface
        Some(Kind::DataProduct) => 23, // Struct
        Some(Kind::Source) => 18,      // Array
        Some(Kind::Consumer) => 13,    // Variable
        None => 19,                    // Object
    }
}

pub fn document_symbols(session: &Session, params: &Value) -> Answer {
    let Some(at) = at(session, params) else {
        return Ok(json!([]));
    };
    let checked = session.checked.as_ref().expect("checked");
    let model = &checked.analysis.model;
    let out: Vec<Value> = model
        .entities
        .iter()
        .filter(|e| e.file == at.file)
        .map(|e| {
            let node = e.node(&checked.workspace);
            json!({
                "name": node.get_str("name").unwrap_or(&e.id),
                "detail": format!("{} {}", e.kind.map_or("Unknown", Kind::name), e.id),
                "kind": symbol_kind(e.kind),
                "range": position::range(at.source, node.span, session.encoding),
                "selectionRange": position::range(at.source, e.id_span, session.encoding),
            })
        })
        .collect();
    Ok(Value::Array(out))
}

pub fn workspace_symbols(session: &Session, params: &Value) -> Answer {
    let Some(checked) = &session.checked else {
        return Ok(json!([]));
    };
    let query = params["query"].as_str().unwrap_or("").to_lowercase();
    let model = &checked.analysis.model;
    let out: Vec<Value> = model
        .entities
        .iter()
        .filter_map(|e| {
            let name = e.node(&checked.workspace).get_str("name").unwrap_or(&e.id);
            let hit = query.is_empty()
                || e.id.to_lowercase().contains(&query)
                || name.to_lowercase().contains(&query);
            hit.then(|| {
                json!({
                    "name": name,
                    "kind": symbol_kind(e.kind),
                    "containerName": e.id,
                    "location": location(session, e.file, e.id_span),
                })
            })
        })
        .take(500)
        .collect();
    Ok(Value::Array(out))
}

/// Quick fixes: a finding whose help suggests a replacement ("did you mean
/// `x`?": a reference, an unknown field or kind, a column) becomes an edit.
/// A suspect or unreviewed link becomes an edit of the lock that stamps it.
pub fn code_actions(session: &Session, params: &Value) -> Answer {
    let uri = params["textDocument"]["uri"].as_str().unwrap_or("");
    let mut out = Vec::new();
    for d in params["context"]["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if d["source"] != "throughline" {
            continue;
        }
        let Some(fix) = d["data"]["replacement"].as_str() else {
            continue;
        };
        out.push(json!({
            "title": format!("Replace with `{fix}`"),
            "kind": "quickfix",
            "diagnostics": [d],
            "isPreferred": true,
            "edit": { "changes": { uri: [{ "range": d["range"], "newText": fix }] } },
        }));
    }
    out.extend(super::review::actions(session, params));
    Ok(Value::Array(out))
}
