//! `throughline build`: the workspace as a static, offline HTML site.
//!
//! Each page has a function in `pages.rs` that renders a tera template
//! (`templates.rs`) with views built in `view.rs`; graphs are laid out in
//! `graph.rs` and drawn as SVG in `svg.rs`; Markdown is rendered and sanitized
//! in `markdown.rs`; everything is written through `output.rs`, which never
//! touches a directory it did not create. Its manifest (`manifest.rs`) lets a
//! rebuild link unchanged files, and keep pages whose inputs did not change
//! without rendering them (`incremental.rs`).

pub mod changes;
pub mod chart;
pub mod graph;
pub mod incremental;
pub mod manifest;
pub mod markdown;
pub mod native;
pub mod output;
pub mod pages;
pub mod review;
mod risk;
pub mod routes;
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
use output::{OutputError, Staging, Target};
pub use routes::Route;
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
    /// Files written, and files kept (unchanged) from the previous site.
    pub files: output::Written,
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
    tera: std::sync::Arc<Tera>,
    /// A hash of the templates' sources.
    templates: u64,
    /// Whether entity pages are written without tera (no template of
    /// theirs is overridden).
    native: bool,
    /// Whether list pages are written without tera.
    native_lists: bool,
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
        let loaded = templates::load(overrides.as_deref())?;
        let common = pages::common(&SiteModel::new(ws, analysis, config));
        Ok(Prepared {
            tera: std::sync::Arc::new(loaded.tera),
            templates: loaded.fingerprint,
            native: loaded.builtin_entity_page,
            native_lists: loaded.builtin_list_page,
            common,
            overrides,
        })
    }

    /// The same templates (already compiled) for another check of the
    /// workspace: for `serve`, when only specs changed.
    pub fn again(&self, ws: &Workspace, analysis: &Analysis, config: &Config) -> Prepared {
        let mut common = pages::common(&SiteModel::new(ws, analysis, config));
        common.live_reload = self.common.live_reload.clone();
        Prepared {
            tera: self.tera.clone(),
            templates: self.templates,
            native: self.native,
            native_lists: self.native_lists,
            common,
            overrides: self.overrides.clone(),
        }
    }

    /// Pages that link to the changes page, whose headline is `summary`.
    pub fn with_changes(mut self, changes: Option<&changes::Changes>) -> Prepared {
        self.common.changes = changes.map(|c| pages::ChangesLink {
            base: c.diff.base.clone(),
            summary: c.headline(),
        });
        self
    }

    /// Pages that load `script` to reload themselves (for `serve`): the
    /// templates see it as `live_reload`, and the CSP lets it connect back.
    pub fn with_live_reload(mut self, script: &str) -> Prepared {
        self.common.live_reload = Some(script.to_string());
        self
    }
}

/// Renders any file of the site on its own, so `build` can render them all
/// in parallel and `serve` only the ones a browser asks for.
pub struct Renderer<'a> {
    site: SiteModel<'a>,
    prepared: &'a Prepared,
    /// What entity pages written without tera are set in.
    shells: native::Shells,
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
            shells: native::Shells::default(),
        }
    }

    /// The same renderer, with the changes since a revision marked and
    /// their page (`changes.html`) added.
    pub fn with_changes(mut self, changes: Option<&'a changes::Changes>) -> Self {
        self.site = self.site.with_changes(changes);
        self
    }

    /// The same renderer, about to render every file (see
    /// [`SiteModel::for_every_page`]).
    pub fn for_every_page(mut self) -> Self {
        self.site = self.site.for_every_page();
        self
    }

    /// Every file of the site.
    pub fn routes(&self) -> Vec<Route<'a>> {
        routes(&self.site)
    }

    /// Every file of the site, relative to its root.
    pub fn paths(&self) -> Vec<String> {
        self.routes().iter().map(Route::path).collect()
    }

    /// The file at `path`, or `None` if the site has no such file.
    pub fn render(&self, path: &str) -> Result<Option<Vec<u8>>, SiteError> {
        match Route::parse(path) {
            Some(route) => self.render_route(&route),
            None => Ok(None),
        }
    }

    /// The file of `route`, or `None` if this site has no such page.
    pub fn render_route(&self, route: &Route) -> Result<Option<Vec<u8>>, SiteError> {
        let (site, tera, common) = (&self.site, &self.prepared.tera, &self.prepared.common);
        let html = match *route {
            Route::Index => pages::index_page(site, tera, common)?,
            Route::Matrix => pages::matrix_page(site, tera, common)?,
            Route::Graph => pages::graph_page(site, tera, common)?,
            Route::Findings => pages::findings_page(site, tera, common)?,
            Route::Progress => pages::progress_page(site, tera, common)?,
            Route::Review => review::review_page(site, tera, common)?,
            Route::Workbook => {
                return crate::interop::workbook::xlsx_bytes(site.ws, site.analysis, site.config)
                    .map(Some)
                    .map_err(|e| SiteError::Render {
                        page: route.path(),
                        message: e.to_string(),
                    });
            }
            Route::Odps(id) => {
                return Ok(site
                    .model
                    .get(id)
                    .filter(|&e| {
                        site.model.entities[e].is(Kind::DataProduct) && site.route(e).is_some()
                    })
                    .map(|e| {
                        crate::interop::odps_file(site.ws, site.model, e)
                            .1
                            .into_bytes()
                    }));
            }
            Route::Changes => match site.changes {
                Some(changes) => changes::changes_page(site, changes, tera, common)?,
                None => return Ok(None),
            },
            Route::Search => pages::plain_page(tera, common, "search.html", "Search")?,
            Route::NotFound => pages::plain_page(tera, common, "404.html", "Not found")?,
            Route::SearchIndex => pages::search_index(site),
            Route::Asset(name) => {
                return Ok(Some(
                    templates::asset(self.prepared.overrides.as_deref(), name)?.into_bytes(),
                ));
            }
            Route::List(kind, n) => {
                if n > pages::list_page_count(site, kind) {
                    return Ok(None);
                }
                let shells = self.prepared.native_lists.then_some(&self.shells);
                pages::list_page(site, tera, common, shells, kind, n)?
            }
            Route::Entity(kind, id) => {
                match site.model.get(id).filter(|&e| {
                    site.model.entities[e].is(kind) && site.route(e).as_ref() == Some(route)
                }) {
                    Some(e) => {
                        let shells = self.prepared.native.then_some(&self.shells);
                        pages::entity_page(site, tera, common, shells, e)?
                    }
                    None => return Ok(None),
                }
            }
        };
        Ok(Some(html.into_bytes()))
    }
}

/// Every file of the site.
fn routes<'a>(site: &SiteModel<'a>) -> Vec<Route<'a>> {
    let mut routes: Vec<Route> = Route::fixed().collect();
    if site.changes.is_some() {
        routes.push(Route::Changes);
    }
    for kind in Kind::ALL {
        let count = pages::list_page_count(site, kind);
        routes.extend((1..=count).map(|n| Route::List(kind, n)));
    }
    routes.extend(site.pages().filter_map(|e| site.route(e)));
    routes.extend(
        site.pages()
            .filter(|&e| site.model.entities[e].is(Kind::DataProduct))
            .map(|e| Route::Odps(&site.model.entities[e].id)),
    );
    routes
}

/// Up to this many entities, the workbook is made beside the pages.
const WORKBOOK_BESIDE_PAGES: usize = 25_000;

/// Renders the site of a checked workspace into the claimed output.
pub fn build(
    ws: &Workspace,
    analysis: &Analysis,
    config: &Config,
    dir: &Path,
    target: &Target,
    changes: Option<&changes::Changes>,
) -> Result<Built, SiteError> {
    let beside = analysis.model.entities.len() <= WORKBOOK_BESIDE_PAGES;
    build_with(ws, analysis, config, dir, target, changes, beside)
}

/// [`build`], with the workbook made beside the pages or after them.
fn build_with(
    ws: &Workspace,
    analysis: &Analysis,
    config: &Config,
    dir: &Path,
    target: &Target,
    changes: Option<&changes::Changes>,
    beside: bool,
) -> Result<Built, SiteError> {
    let routes = routes(&SiteModel::new(ws, analysis, config).with_changes(changes));
    let paths: Vec<String> = routes.iter().map(Route::path).collect();
    let progress = crate::progress::Progress::bar(paths.len() as u64, "files");
    // The workbook is the largest single file and is made in one piece. In
    // a workspace of moderate size it is started first, on a core of its
    // own, while the rest is set up and rendered beside it (after a one-file
    // edit, when pages are reused, it is most of the build). In a large one
    // it is made after the pages: beside them, the two working sets add up
    // (30-40 MB more at 100,000 entities).
    //
    // Its key covers everything it is made from: when the previous site's
    // workbook has the same, it is kept as it is, like a page whose inputs
    // did not change.
    let book_path = Route::Workbook.path();
    let previous_book = changes
        .is_none()
        .then(|| manifest::read_entry(target.out(), &book_path))
        .flatten();
    // The previous file, when it is still the one its manifest describes:
    // the sheets whose keys did not change are copied from it.
    let previous_file = || {
        let previous = previous_book.as_ref()?;
        let bytes = std::fs::read(target.out().join(&book_path)).ok()?;
        let same = bytes.len() as u64 == previous.len
            && crate::hash::content_hash(&bytes) == previous.hash;
        same.then_some(bytes)
    };
    let seed = incremental::binary();
    let workbook = || {
        let previous = previous_book.as_ref().and_then(|p| {
            Some(crate::interop::workbook::PreviousBook {
                key: p.inputs.as_ref()?.0,
                parts: &p.parts,
                file: &previous_file,
            })
        });
        crate::interop::workbook::xlsx_unless(ws, analysis, config, seed, previous)
    };
    let pages = || -> Result<Staging, SiteError> {
        // The templates are compiled while the previous manifest is read.
        let (prepared, previous) = rayon::join(
            || Prepared::new(ws, analysis, config, dir),
            || Staging::previous(target, &paths),
        );
        let prepared = prepared?.with_changes(changes);
        let renderer = Renderer::new(ws, analysis, config, &prepared)
            .with_changes(changes)
            .for_every_page();
        let inputs = incremental::Inputs::new(&renderer.site, &prepared.common, prepared.templates);
        let global = inputs.as_ref().map(|i| i.global);
        let staging = Staging::new(target, global, &paths, previous)?;
        // Render and write each file in one pass, so pages are never all held in memory.
        routes
            .par_iter()
            .enumerate()
            .try_for_each(|(i, route)| -> Result<(), SiteError> {
                match (&inputs, route) {
                    (_, Route::Workbook) => return Ok(()),
                    // A file made from entities (an entity's page, a list of
                    // a kind, a data product's ODPS document): kept as it is
                    // when what it read is unchanged.
                    (Some(inputs), Route::Entity(..) | Route::List(..) | Route::Odps(..)) => {
                        if !staging.reuse(i, |reads| inputs.key(reads)) {
                            let (bytes, reads) =
                                crate::model::reads::recording(|| renderer.render_route(route));
                            let reads = incremental::Reads::new(reads);
                            let key = inputs.key(&reads);
                            let bytes = bytes?.unwrap_or_default();
                            staging.write(i, &bytes, key.map(|k| (k, reads)))?;
                        }
                    }
                    _ => {
                        let bytes = renderer.render_route(route)?.unwrap_or_default();
                        staging.write(i, &bytes, None)?;
                    }
                }
                progress.inc();
                Ok(())
            })?;
        Ok(staging)
    };
    let (book, staged) = if beside {
        rayon::join(workbook, pages)
    } else {
        let staged = pages();
        (workbook(), staged)
    };
    let staging = staged?;
    if let Some(i) = routes.iter().position(|r| *r == Route::Workbook) {
        let render_error = |e: rust_xlsxwriter::XlsxError| SiteError::Render {
            page: book_path.clone(),
            message: e.to_string(),
        };
        let made = book.map_err(render_error)?;
        let kept = made.bytes.is_none() && staging.reuse(i, |_| Some(made.key));
        if !kept {
            let bytes = match made.bytes {
                Some(bytes) => bytes,
                // The previous workbook was no longer there to keep.
                None => crate::interop::workbook::xlsx_bytes(ws, analysis, config)
                    .map_err(render_error)?,
            };
            let inputs = Some((made.key, incremental::Reads::new(Vec::new())));
            staging.write_made_of(i, &bytes, inputs, made.parts)?;
        }
        progress.inc();
    }
    progress.finish();
    let files = staging.counts();
    staging.commit()?;
    Ok(Built {
        out: target.out().to_path_buf(),
        pages: paths.iter().filter(|p| p.ends_with(".html")).count(),
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `root`, by path, with its bytes.
    fn files(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(root)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(root).unwrap();
                (rel.display().to_string(), std::fs::read(e.path()).unwrap())
            })
            .collect()
    }

    #[test]
    fn the_workbook_made_beside_the_pages_or_after_them_gives_the_same_site() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("example-spec");
        let today = crate::model::time::Date::from_days_since_epoch(20_400);
        let checked = crate::check_dir_lean_excluding(&dir, today, &[]).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let mut sites = Vec::new();
        for beside in [true, false] {
            let out = tmp.path().join(format!("site-{beside}"));
            let target = Target::claim(&out, &dir).unwrap();
            let ws = &checked.workspace;
            let built = build_with(
                ws,
                &checked.analysis,
                &checked.config,
                &dir,
                &target,
                None,
                beside,
            )
            .unwrap();
            assert!(built.pages > 30, "{beside}: {} pages", built.pages);
            sites.push(files(&out));
        }
        assert!(sites[0].contains_key("downloads/trace.xlsx"));
        assert_eq!(sites[0], sites[1]);
    }
}
