//! Built-in templates, embedded in the binary, and the user's overrides.
//!
//! A file in the workspace's `templates/` directory (or `[site] templates`)
//! replaces the built-in template of the same name. Every built-in template is
//! also registered as `builtin/NAME`, so an override can extend the original
//! and change one block: `{% extends "builtin/entity.html" %}`.

use std::path::Path;

use tera::Tera;

/// The built-in page templates.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("list.html", include_str!("../../templates/list.html")),
    ("entity.html", include_str!("../../templates/entity.html")),
    ("matrix.html", include_str!("../../templates/matrix.html")),
    ("graph.html", include_str!("../../templates/graph.html")),
    (
        "findings.html",
        include_str!("../../templates/findings.html"),
    ),
    ("search.html", include_str!("../../templates/search.html")),
    ("changes.html", include_str!("../../templates/changes.html")),
    ("review.html", include_str!("../../templates/review.html")),
    ("404.html", include_str!("../../templates/404.html")),
    (
        "progress.html",
        include_str!("../../templates/progress.html"),
    ),
];

/// The built-in static files, copied under `assets/`.
pub const ASSETS: &[(&str, &str)] = &[
    (
        "style.css",
        include_str!("../../templates/static/style.css"),
    ),
    (
        "search.js",
        include_str!("../../templates/static/search.js"),
    ),
    (
        "favicon.svg",
        include_str!("../../templates/static/favicon.svg"),
    ),
];

/// A template or asset that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read template {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("template error: {0}")]
    Tera(String),
}

/// Renders a tera error with its causes (tera keeps the useful part in `source`).
pub fn describe(e: &tera::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn read_override(dir: Option<&Path>, name: &str) -> Result<Option<String>, TemplateError> {
    let Some(dir) = dir else { return Ok(None) };
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(TemplateError::Read {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// The templates an entity page is rendered from: while none of them is
/// overridden, the page is written without tera (see `native.rs`).
const ENTITY_PAGE: [&str; 3] = ["base.html", "macros.html", "entity.html"];
/// The templates a list page is rendered from.
const LIST_PAGE: [&str; 3] = ["base.html", "macros.html", "list.html"];

/// The templates, compiled.
pub struct Loaded {
    pub tera: Tera,
    /// A hash of their sources, to tell whether they changed.
    pub fingerprint: u64,
    /// Whether the templates of the entity page are all the built-in ones.
    pub builtin_entity_page: bool,
    /// Whether the templates of the list pages are all the built-in ones.
    pub builtin_list_page: bool,
}

/// Loads the templates, letting files in `overrides` replace built-in ones.
pub fn load(overrides: Option<&Path>) -> Result<Loaded, TemplateError> {
    let mut sources: Vec<(String, String)> = Vec::new();
    let mut builtin_entity_page = true;
    let mut builtin_list_page = true;
    for (name, builtin) in TEMPLATES {
        sources.push((format!("builtin/{name}"), builtin.to_string()));
        let text = match read_override(overrides, name)? {
            Some(text) => {
                builtin_entity_page &= !ENTITY_PAGE.contains(name);
                builtin_list_page &= !LIST_PAGE.contains(name);
                text
            }
            None => builtin.to_string(),
        };
        sources.push((name.to_string(), text));
    }
    let mut fingerprint = crate::hash::Fingerprint::new();
    for (name, text) in &sources {
        fingerprint.str(name).str(text);
    }
    // Not part of the fingerprint: it is made from the others.
    let (name, shell) = super::native::SHELL_TEMPLATE;
    sources.push((name.to_string(), shell.to_string()));
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html"]);
    // Escape what HTML needs and no more, so URLs stay readable (`a/b.html`).
    tera.set_escape_fn(crate::markup::escape);
    tera.add_raw_templates(sources)
        .map_err(|e| TemplateError::Tera(describe(&e)))?;
    Ok(Loaded {
        tera,
        fingerprint: fingerprint.value(),
        builtin_entity_page,
        builtin_list_page,
    })
}

/// The static asset `name`, overridden by `overrides/static/NAME` if present.
pub fn asset(overrides: Option<&Path>, name: &str) -> Result<String, TemplateError> {
    let builtin = ASSETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| text.to_string())
        .unwrap_or_default();
    Ok(read_override(overrides, &format!("static/{name}"))?.unwrap_or(builtin))
}
