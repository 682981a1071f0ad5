//! `throughline mcp` (CONTRACT §12): the trace for AI assistants over the
//! Model Context Protocol, on stdio.
//!
//! [`engine`] keeps the workspace checked as its files change, [`catalog`]
//! lists the tools and their schemas, [`answer`] and [`draft`] answer them
//! from the query engine ([`crate::query`]), and [`adapter`] is the only
//! module that knows the protocol SDK's types.

pub mod adapter;
pub mod answer;
pub mod catalog;
mod draft;
pub mod engine;
#[cfg(test)]
mod tests;

pub use engine::{Engine, Options};

use crate::model::Kind;

/// Serves on stdin and stdout until the client closes them; the exit code.
pub fn run(options: Options) -> i32 {
    let engine = match Engine::start(options) {
        Ok(engine) => engine,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    match adapter::serve_stdio(engine) {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("error: {message}");
            2
        }
    }
}

/// A resource the server lists.
pub struct Resource {
    pub uri: String,
    pub name: String,
    pub description: String,
    pub mime: &'static str,
}

/// The resources listed: the report and each kind's schema (an entity's
/// text is read through the template `throughline://entity/{id}`).
pub fn resources() -> Vec<Resource> {
    let mut out = vec![Resource {
        uri: "throughline://report.json".into(),
        name: "report.json".into(),
        description: "The JSON report of `throughline check` (CONTRACT §4), as the files are now"
            .into(),
        mime: "application/json",
    }];
    for kind in Kind::ALL {
        out.push(Resource {
            uri: format!("throughline://schema/{}", kind.name()),
            name: format!("{}.schema.json", kind.name()),
            description: format!("The JSON Schema a {} spec is checked against", kind.label()),
            mime: "application/schema+json",
        });
    }
    out
}

/// The resource templates: `(uri template, name, description, mime type)`.
pub const TEMPLATES: &[(&str, &str, &str, &str)] = &[
    (
        "throughline://entity/{id}",
        "entity",
        "The YAML text of the spec file that defines the entity",
        "application/yaml",
    ),
    (
        "throughline://schema/{kind}",
        "schema",
        "The JSON Schema of one kind (`Goal`, `DataProduct`, …)",
        "application/schema+json",
    ),
];

/// Reads resource `uri`: its MIME type and text, or why not.
pub fn read(engine: &Engine, uri: &str) -> Result<(&'static str, String), String> {
    if uri == "throughline://report.json" {
        let current = engine.current();
        let checked = current.checked()?;
        let report = crate::report::Report::new(&checked.workspace, &checked.analysis);
        let text = serde_json::to_string_pretty(&crate::report::json::value(&report))
            .expect("the report is JSON");
        return Ok(("application/json", text));
    }
    if let Some(name) = uri.strip_prefix("throughline://schema/") {
        let kind = Kind::named(name)?;
        let text =
            serde_json::to_string_pretty(&crate::export::schema(kind)).expect("a schema is JSON");
        return Ok(("application/schema+json", text));
    }
    if let Some(id) = uri.strip_prefix("throughline://entity/") {
        let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
        let current = engine.current();
        let checked = current.checked()?;
        let q = crate::query::Query::new(&checked.workspace, &checked.analysis);
        let e = q.find(&id)?;
        let file = &checked.workspace.files[q.model.entities[e].file];
        return Ok(("application/yaml", file.text.to_string()));
    }
    Err(format!(
        "no resource `{uri}`: this server has throughline://report.json, throughline://schema/{{kind}} and throughline://entity/{{id}}"
    ))
}

/// The client configuration that starts this server on `dir`, for
/// `--print-config`.
pub fn client_config(client: &str, dir: &std::path::Path) -> Result<String, String> {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(str::to_string))
        .unwrap_or_else(|| "throughline".into());
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let dir = dir.to_string_lossy().to_string();
    let args = serde_json::json!(["mcp", dir]);
    let text = match client {
        "claude" => serde_json::to_string_pretty(&serde_json::json!({
            "mcpServers": {"throughline": {"type": "stdio", "command": exe, "args": args}}
        }))
        .expect("JSON"),
        "vscode" => serde_json::to_string_pretty(&serde_json::json!({
            "servers": {"throughline": {"type": "stdio", "command": exe, "args": args}}
        }))
        .expect("JSON"),
        "codex" => format!(
            "[mcp_servers.throughline]\ncommand = {}\nargs = [\"mcp\", {}]",
            toml_string(&exe),
            toml_string(&dir)
        ),
        other => {
            return Err(format!(
                "unknown client `{other}`: give `claude`, `vscode` or `codex`"
            ));
        }
    };
    Ok(text + "\n")
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string is JSON")
}
