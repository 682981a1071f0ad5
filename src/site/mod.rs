//! `throughline build`: the workspace as a static, offline HTML site.
//!
//! Each page has a function in `pages.rs` that renders a tera template
//! (`templates.rs`) with views built in `view.rs`; graphs are laid out in
//! `graph.rs` and drawn as SVG in `svg.rs`; Markdown is rendered and sanitized
//! in `markdown.rs`; everything is written through `output.rs`, which never
//! touches a directory it did not create.

pub mod graph;
pub mod markdown;
pub mod output;
pub mod pages;
pub mod svg;
pub mod templates;
pub mod view;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tera::Tera;

use crate::config::Config;
use crate::load::Workspace;
use crate::model::Kind;
use crate::rules::Analysis;
use output::{OutputError, Staging};
use templates::TemplateError;
use view::SiteModel;

/// The Content-Security-Policy of every page: nothing leaves the site.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'";

/// Why the site could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("cannot render {page}: {message}")]
    Render { page: String, message: String },
}

/// What a build wrote.
#[derive(Debug)]
pub struct Built {
    pub out: PathBuf,
    pub pages: usize,
}

/// The directory of template overrides, if the workspace has one.
fn overrides_dir(dir: &Path, config: &Config) -> Option<PathBuf> {
    match &config.site.templates {
        Some(t) => Some(dir.join(t)),
        None => Some(dir.join("templates")).filter(|d| d.is_dir()),
    }
}

/// What rendering needs beyond the checked workspace: the templates and the
/// parts every page shares. Made once per build (or per rebuild in `serve`).
pub struct Prepared {
    tera: Tera,
    common: pages::Common,
    overrides: Option<PathBuf>,
}

impl Prepared {
    pub fn new(
        ws: &Workspace,
        analysis: &Analysis,
        config: &Config,
        dir: &Path,
    ) -> Result<Prepared, SiteError> {
        let overrides = overrides_dir(dir, config);
        let tera = templates::load(overrides.as_deref())?;
        let common = pages::common(&SiteModel::new(ws, analysis, config));
        Ok(Prepared {
            tera,
            common,
            overrides,
        })
    }
}

/// Renders any file of the site on its own, so `build` can render them all
/// in parallel and `serve` only the ones a browser asks for.
pub struct Renderer<'a> {
    site: SiteModel<'a>,
    prepared: &'a Prepared,
}

impl<'a> Renderer<'a> {
    pub fn new(
        ws: &'a Workspace,
        analysis: &'a Analysis,
        config: &'a Config,
        prepared: &'a Prepared,
    ) -> Self {
        Renderer {
            site: SiteModel::new(ws, analysis, config),
            prepared,
        }
    }

    /// Every file of the site, relative to its root.
    pub fn paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = [
            "index.html",
            "matrix.html",
            "graph.html",
            "findings.html",
            "search.html",
            "404.html",
            "assets/search-index.js",
        ]
        .iter()
        .map(|p| p.to_string())
        .collect();
        paths.extend(
            templates::ASSETS
                .iter()
                .map(|(name, _)| format!("assets/{name}")),
        );
        for kind in Kind::ALL {
            let count = pages::list_page_count(&self.site, kind);
            paths.extend(
                (1..=count).map(|n| format!("{}/{}", kind.dir(), pages::list_page_name(n))),
            );
        }
        paths.extend(self.site.pages().filter_map(|e| self.site.path(e)));
        paths
    }

    /// The file at `path`, or `None` if the site has no such file.
    pub fn render(&self, path: &str) -> Result<Option<Vec<u8>>, SiteError> {
        let (site, tera, common) = (&self.site, &self.prepared.tera, &self.prepared.common);
        let html = match path {
            "index.html" => pages::index_page(site, tera, common)?,
            "matrix.html" => pages::matrix_page(site, tera, common)?,
            "graph.html" => pages::graph_page(site, tera, common)?,
            "findings.html" => pages::findings_page(site, tera, common)?,
            "search.html" => pages::plain_page(tera, common, "search.html", "Search")?,
            "404.html" => pages::plain_page(tera, common, "404.html", "Not found")?,
            "assets/search-index.js" => pages::search_index(site),
            _ => {
                if let Some(name) = path.strip_prefix("assets/") {
                    if !templates::ASSETS.iter().any(|(n, _)| *n == name) {
                        return Ok(None);
                    }
                    return Ok(Some(
                        templates::asset(self.prepared.overrides.as_deref(), name)?.into_bytes(),
                    ));
                }
                let Some((dir, file)) = path.split_once('/') else {
                    return Ok(None);
                };
                let Some(kind) = Kind::ALL.into_iter().find(|k| k.dir() == dir) else {
                    return Ok(None);
                };
                let list_number = match file {
                    "index.html" => Some(1),
                    _ => file
                        .strip_prefix("page-")
                        .and_then(|f| f.strip_suffix(".html"))
                        .and_then(|n| n.parse::<usize>().ok())
                        .filter(|&n| n >= 2 && n <= pages::list_page_count(site, kind)),
                };
                if let Some(n) = list_number {
                    pages::list_page(site, tera, common, kind, n)?
                } else {
                    let Some(id) = file.strip_suffix(".html") else {
                        return Ok(None);
                    };
                    match site
                        .model
                        .get(id)
                        .filter(|&e| site.model.entities[e].is(kind))
                    {
                        Some(e) => pages::entity_page(site, tera, common, e)?,
                        None => return Ok(None),
                    }
                }
            }
        };
        Ok(Some(html.into_bytes()))
    }
}

/// Renders the site of a checked workspace into `out`.
pub fn build(
    ws: &Workspace,
    analysis: &Analysis,
    config: &Config,
    dir: &Path,
    out: &Path,
) -> Result<Built, SiteError> {
    output::check_target(out, dir)?;
    let prepared = Prepared::new(ws, analysis, config, dir)?;
    let renderer = Renderer::new(ws, analysis, config, &prepared);
    let staging = Staging::new(out)?;
    let paths = renderer.paths();
    staging.prepare(paths.iter().map(String::as_str))?;
    // Render and write each file in one pass, so pages are never all held in memory.
    paths
        .par_iter()
        .try_for_each(|path| -> Result<(), SiteError> {
            let bytes = renderer.render(path)?.unwrap_or_default();
            staging.write(path, &bytes)?;
            Ok(())
        })?;
    staging.commit()?;
    Ok(Built {
        out: out.to_path_buf(),
        pages: paths.iter().filter(|p| p.ends_with(".html")).count(),
    })
}
