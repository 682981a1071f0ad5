//! throughline: validate and trace a workspace of data-product specs.
//!
//! The pipeline reads like the data flow: [`load`] discovers the spec files
//! (one [`load::discover::SpecFilter`]) and parses them document by document,
//! [`model`] turns documents into entities with resolved links (and knows
//! which way each link points in the trace), [`rules`] checks them, and
//! [`report`] renders the findings. [`site`] renders a checked workspace as
//! HTML, [`serve`] rebuilds it on change, and [`baseline`] reads the
//! workspace at a git revision through the same path as the live walk.

pub mod atomic;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod dbt;
pub mod diagnostic;
pub mod diff;
pub mod explain;
pub mod export;
pub mod hash;
pub mod init;
pub mod interop;
pub mod lineage;
pub mod load;
pub mod lsp;
pub mod markup;
pub mod mcp;
pub mod model;
pub mod openlineage;
pub mod outcomes;
pub mod progress;
pub mod query;
pub mod report;
pub mod review;
pub mod rules;
pub mod serve;
pub mod suggest;

use std::path::{Path, PathBuf};

use config::{Config, ConfigError};
use load::{LoadError, LoadOptions, Workspace};
use model::time::Date;
use rules::{Analysis, Schemas};

/// The version and, when built from a git checkout, the commit and its date:
/// `0.1.0 (1a2b3c4d5e6f 2026-12-01)`.
pub fn version() -> &'static str {
    match option_env!("THROUGHLINE_BUILD_COMMIT") {
        Some(commit) => {
            static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            TEXT.get_or_init(|| format!("{} ({commit})", env!("CARGO_PKG_VERSION")))
        }
        None => env!("CARGO_PKG_VERSION"),
    }
}

/// Sets the process up for a command that stays up and checks again after
/// each change (`serve`, `lsp`, `mcp`): schema findings are kept per
/// document ([`rules::MEMOIZE_SCHEMA`]), and memory freed is handed back to
/// the system at once. mimalloc otherwise waits 10 ms and hands it back only
/// on a later allocation, so an idle server would keep its peak resident
/// for good (docs/benchmarks.md, "The MCP server").
pub fn stay_up() {
    rules::MEMOIZE_SCHEMA.store(true, std::sync::atomic::Ordering::Relaxed);
    // `mi_option_purge_delay`, 15 in mimalloc's `mi_option_e` (v2 and v3);
    // the -sys crate names no constant for it.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets one of mimalloc's options, a plain integer it reads at
    // each purge; harmless when mimalloc is not the global allocator.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
}

/// A checked workspace.
pub struct Checked {
    pub config: Config,
    pub workspace: Workspace,
    pub analysis: Analysis,
    /// The schemas it was checked against (built-in and the workspace's own).
    pub schemas: Schemas,
}

/// Why a workspace could not be checked at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Site(#[from] site::SiteError),
    #[error(transparent)]
    Schema(#[from] rules::SchemaError),
    #[error(transparent)]
    Baseline(#[from] baseline::BaselineError),
    #[error(transparent)]
    Dbt(#[from] dbt::ArtifactError),
    #[error(transparent)]
    Lineage(#[from] openlineage::EventsError),
}

/// Loads and checks the workspace in `dir`, as `throughline check` does.
pub fn check_dir(dir: &Path, today: Date) -> Result<Checked, Error> {
    check_dir_excluding(dir, today, &[])
}

/// Like [`check_dir`], keeping no spec text after parsing in a workspace of
/// more than 25,000 files (less memory): call
/// [`load::Workspace::restore_texts`] for the files whose findings are shown
/// with snippets.
pub fn check_dir_lean(dir: &Path, today: Date) -> Result<Checked, Error> {
    check_inner(dir, today, &[], None, Default::default(), Keep::Trees, &[])
}

/// [`check_dir_for_findings`], with the OpenLineage run events of `lineage`
/// read besides those `[openlineage] events` names (`check --lineage`).
pub fn check_dir_for_findings_with_lineage(
    dir: &Path,
    today: Date,
    lineage: &[PathBuf],
) -> Result<Checked, Error> {
    check_inner(
        dir,
        today,
        &[],
        None,
        Default::default(),
        Keep::Findings,
        lineage,
    )
}

/// Like [`check_dir_lean`], keeping of each document only what the rules
/// read once it has passed its schema (see [`rules::check_document`]): for
/// `throughline check`, whose reports need the findings and nothing else.
/// The trees lack names and descriptions: render no page from them.
pub fn check_dir_for_findings(dir: &Path, today: Date) -> Result<Checked, Error> {
    check_dir_for_findings_with_lineage(dir, today, &[])
}

/// [`check_dir_lean`] and [`check_dir_excluding`] at once, as `build` checks.
pub fn check_dir_lean_excluding(
    dir: &Path,
    today: Date,
    exclude: &[PathBuf],
) -> Result<Checked, Error> {
    check_inner(
        dir,
        today,
        exclude,
        None,
        Default::default(),
        Keep::Trees,
        &[],
    )
}

/// Like [`check_dir`], leaving out the directories in `exclude` (the build output).
pub fn check_dir_excluding(dir: &Path, today: Date, exclude: &[PathBuf]) -> Result<Checked, Error> {
    check_with(dir, today, exclude, None)
}

/// Like [`check_dir`], reusing the parsed files in `cache` that have not changed.
pub fn check_dir_cached(
    dir: &Path,
    today: Date,
    cache: &mut load::LoadCache,
) -> Result<Checked, Error> {
    check_with(dir, today, &[], Some(cache))
}

/// Like [`check_dir_cached`], with `overlays` (absolute path → text) read
/// in place of those files on disk, as an editor's unsaved buffers are.
pub fn check_dir_overlaid(
    dir: &Path,
    today: Date,
    cache: &mut load::LoadCache,
    overlays: std::sync::Arc<std::collections::HashMap<PathBuf, std::sync::Arc<str>>>,
) -> Result<Checked, Error> {
    check_inner(
        dir,
        today,
        &[],
        Some(cache),
        overlays,
        Keep::Everything,
        &[],
    )
}

/// `prev` checked again after the editor changed the buffers in `changed`
/// (and nothing on disk): only those files are read again, with the same
/// configuration and schemas (see [`load::reload`]). `None` when the
/// workspace has schemas of its own, which a full check reads again.
pub fn recheck_buffers(
    prev: &Checked,
    today: Date,
    changed: &std::collections::HashSet<PathBuf>,
    overlays: std::sync::Arc<std::collections::HashMap<PathBuf, std::sync::Arc<str>>>,
) -> Option<Checked> {
    if prev.schemas.has_workspace_schemas() {
        return None;
    }
    let options = LoadOptions {
        exclude: Vec::new(),
        limits: prev.config.limits,
        specs: prev.config.specs.clone(),
        overlays,
        ..Default::default()
    };
    let mut workspace = load::reload(&prev.workspace, &options, changed);
    workspace.dbt = prev.workspace.dbt.clone();
    if let Some(l) = &prev.workspace.lineage {
        openlineage::Lineage::attach(&mut workspace, l.events.clone());
    }
    let schemas = Schemas::builtin();
    let analysis = rules::check(&workspace, &prev.config, &schemas, today);
    Some(Checked {
        config: prev.config.clone(),
        workspace,
        analysis,
        schemas,
    })
}

fn check_with(
    dir: &Path,
    today: Date,
    exclude: &[PathBuf],
    cache: Option<&mut load::LoadCache>,
) -> Result<Checked, Error> {
    check_inner(
        dir,
        today,
        exclude,
        cache,
        Default::default(),
        Keep::Everything,
        &[],
    )
}

/// Up to this many files, `build` keeps each spec's text rather than read
/// it back for its page (at 10,000 files, about 5 MB kept and 4 % of the
/// build's CPU saved).
const TEXTS_KEPT_UP_TO: usize = 25_000;

/// How much of the parsed workspace a check keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Texts and whole trees (`serve`, the language server, `status`, exports).
    Everything,
    /// Whole trees, but each text only until it is parsed, in a workspace
    /// of more than [`TEXTS_KEPT_UP_TO`] files (`build`).
    Trees,
    /// Neither the texts nor the fields no rule reads (`check`).
    Findings,
}

fn check_inner(
    dir: &Path,
    today: Date,
    exclude: &[PathBuf],
    cache: Option<&mut load::LoadCache>,
    overlays: std::sync::Arc<std::collections::HashMap<PathBuf, std::sync::Arc<str>>>,
    keep: Keep,
    lineage: &[PathBuf],
) -> Result<Checked, Error> {
    load::check_root(dir)?;
    let (config, schemas) = configured(dir)?;
    let options = LoadOptions {
        exclude: exclude.to_vec(),
        overlays,
        lean: keep != Keep::Everything,
        keep_texts_up_to: if keep == Keep::Trees {
            TEXTS_KEPT_UP_TO
        } else {
            0
        },
        ..load_options(&config)
    };
    // The dbt artifacts are read while the specs load.
    let mut cache = cache;
    let dbt_cache = cache.as_deref_mut().map(|c| std::mem::take(&mut c.dbt));
    let mut lineage_cache = cache.as_deref_mut().map(|c| std::mem::take(&mut c.lineage));
    // The dbt artifacts and the OpenLineage events are read while the specs load.
    let (workspace, ((dbt, dbt_cache), events)) = rayon::join(
        || load_specs(dir, &options, cache.as_deref_mut(), &config, &schemas, keep),
        || {
            rayon::join(
                || read_dbt(dir, &config.dbt, dbt_cache, keep == Keep::Findings),
                || {
                    let files = openlineage::files(dir, &config.openlineage, lineage)?;
                    match lineage_cache.as_mut() {
                        Some(c) => c.get(files),
                        None => Ok(openlineage::load(files)?.map(std::sync::Arc::new)),
                    }
                },
            )
        },
    );
    if let Some(cache) = cache {
        if let Some(kept) = dbt_cache {
            cache.dbt = kept;
        }
        if let Some(kept) = lineage_cache {
            cache.lineage = kept;
        }
    }
    let mut workspace = workspace?;
    workspace.dbt = dbt?;
    if let Some(events) = events? {
        openlineage::Lineage::attach(&mut workspace, events);
    }
    let analysis = rules::check(&workspace, &config, &schemas, today);
    Ok(Checked {
        config,
        workspace,
        analysis,
        schemas,
    })
}

/// Reads the dbt artifacts `[dbt]` names (through `cache` when given, which
/// is handed back; `lean` for findings only), printing warnings about schema
/// versions it does not know.
#[allow(clippy::type_complexity)]
fn read_dbt(
    dir: &Path,
    config: &dbt::DbtConfig,
    cache: Option<dbt::Cache>,
    lean: bool,
) -> (
    Result<Option<std::sync::Arc<dbt::Artifacts>>, Error>,
    Option<dbt::Cache>,
) {
    let (read, cache) = match cache {
        Some(mut cache) => (cache.get(dir, config), Some(cache)),
        None => {
            let read = if lean {
                dbt::Artifacts::load_lean(dir, config)
            } else {
                dbt::Artifacts::load(dir, config)
            };
            (
                read.map(|a| a.map(|(a, w)| (std::sync::Arc::new(a), w))),
                None,
            )
        }
    };
    let read = read.map_err(Error::from).map(|found| {
        found.map(|(artifacts, warnings)| {
            for w in warnings {
                eprintln!("warning: {w}");
            }
            artifacts
        })
    });
    (read, cache)
}

fn load_specs(
    dir: &Path,
    options: &LoadOptions,
    cache: Option<&mut load::LoadCache>,
    config: &Config,
    schemas: &Schemas,
    keep: Keep,
) -> Result<Workspace, Error> {
    let workspace = match cache {
        Some(cache) => load::load_cached(dir, options, cache)?,
        None if keep == Keep::Findings => {
            // Fingerprints read every field: with a lock, each is taken
            // before its tree is trimmed.
            let lock = dir.join(review::lock::FILE_NAME).is_file();
            let taken = review::Taken::default();
            let mut ws = load::load_each(dir, options, &|file, doc, node| {
                if lock {
                    taken.take(file, doc, node, config);
                }
                rules::check_document(schemas, file, doc, node)
            })?;
            ws.trimmed = true;
            if lock {
                taken.place(&mut ws);
            }
            ws
        }
        None => load::load(dir, options)?,
    };
    Ok(workspace)
}
pub mod site;

/// The workspace's configuration and the schemas it is checked against.
pub fn configured(dir: &Path) -> Result<(Config, Schemas), Error> {
    let config = Config::load(dir)?;
    let schemas = match &config.schemas.dir {
        Some(schema_dir) => Schemas::with_workspace(&dir.join(schema_dir))?,
        None => Schemas::builtin(),
    };
    Ok((config, schemas))
}

/// How `config` says the workspace is read.
pub fn load_options(config: &Config) -> LoadOptions {
    LoadOptions {
        exclude: Vec::new(),
        limits: config.limits,
        specs: config.specs.clone(),
        ..Default::default()
    }
}
