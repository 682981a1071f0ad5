//! `throughline serve`: build the site in memory, serve it on 127.0.0.1,
//! rebuild when a spec changes, and reload open pages.

pub mod http;
pub mod server;

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notify::RecursiveMode;

use crate::load::watch::changes_content;
use notify_debouncer_full::{DebounceEventResult, new_debouncer};

use crate::diagnostic::Severity;
use crate::load::LoadCache;
use crate::markup;
use crate::model::time::Date;
use crate::report::{self, Format, Report};
use crate::site::{Prepared, Renderer};
use http::{Files, Shared, sse};

/// The live-reload script served at [`http::LIVE_JS`].
pub const LIVE_JS_SOURCE: &str = include_str!("live.js");

/// How long the watcher waits for a burst of file events to settle.
const DEBOUNCE_MS: u64 = 10;

/// The port `serve` tries first.
pub const DEFAULT_PORT: u16 = 4000;

/// How `serve` was asked to run.
pub struct Options {
    pub dir: PathBuf,
    pub port: u16,
    pub today: Option<Date>,
}

/// Why `serve` cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("cannot watch {path}: {message}")]
    Watch { path: PathBuf, message: String },
    #[error(transparent)]
    Check(#[from] crate::Error),
}

/// Binds 127.0.0.1:`port`, or a free port if that one is taken.
fn bind(port: u16) -> Result<TcpListener, ServeError> {
    match TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => Ok(l),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && port != 0 => {
            eprintln!("port {port} is in use; using a free port instead");
            TcpListener::bind(("127.0.0.1", 0))
                .map_err(|source| ServeError::Bind { port: 0, source })
        }
        Err(source) => Err(ServeError::Bind { port, source }),
    }
}

/// A checked workspace whose pages are rendered when first asked for, then
/// kept until the next rebuild replaces the whole thing.
struct Live {
    checked: Arc<crate::Checked>,
    prepared: Arc<Prepared>,
    cache: Mutex<HashMap<String, Arc<Vec<u8>>>>,
    /// Whether the first page was checked for the live-reload script.
    warned: std::sync::atomic::AtomicBool,
}

impl Files for Live {
    fn get(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        if let Some(hit) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
        {
            return Some(hit.clone());
        }
        let c = &self.checked;
        let renderer = Renderer::new(&c.workspace, &c.analysis, &c.config, &self.prepared);
        let bytes = match renderer.render(path) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return None,
            Err(e) => {
                eprintln!("error: {}", report::terminal::printable(&e.to_string()));
                format!(
                    "<!doctype html><title>Error</title><pre>{}</pre>",
                    markup::escape(&e.to_string())
                )
                .into_bytes()
            }
        };
        if path.ends_with(".html") && !self.warned.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            let marker = format!("src=\"{}\"", http::LIVE_JS);
            if !String::from_utf8_lossy(&bytes).contains(&marker) {
                eprintln!(
                    "warning: {path} does not load the live-reload script, so pages will not reload on change; a `base.html` override must keep `{{% if live_reload %}}<script src=\"{{{{ live_reload }}}}\" defer></script>{{% endif %}}` in its <head>"
                );
            }
        }
        let bytes = Arc::new(bytes);
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_string(), bytes.clone());
        Some(bytes)
    }
}

/// One check of the workspace, ready to render.
struct Outcome {
    site: Option<Live>,
    errors: Vec<String>,
}

impl Outcome {
    /// A rebuild that could not check or prepare the site: the error is printed
    /// and shown over the pages.
    fn failed(e: &dyn std::fmt::Display) -> Outcome {
        eprintln!("error: {}", report::terminal::printable(&e.to_string()));
        Outcome {
            site: None,
            errors: vec![e.to_string()],
        }
    }
}

/// The last check, and the templates it was prepared with.
type Latest = (Arc<crate::Checked>, Arc<Prepared>);

/// Checks the workspace and prepares rendering, printing the findings.
/// With `quick`, only the specs in its set changed (in place, on disk):
/// those are read again and the compiled templates are kept.
fn rebuild(
    options: &Options,
    cache: &mut LoadCache,
    quick: Option<(&Latest, &std::collections::HashSet<PathBuf>)>,
) -> Outcome {
    let today = options.today.unwrap_or_else(Date::today);
    let again = quick.and_then(|((prev, prepared), changed)| {
        let checked = crate::recheck_buffers(prev, today, changed, Default::default())?;
        Some((checked, prepared.clone()))
    });
    let (checked, reused) = match again {
        Some((checked, prepared)) => (checked, Some(prepared)),
        None => match crate::check_dir_cached(&options.dir, today, cache) {
            Ok(c) => (c, None),
            Err(e) => return Outcome::failed(&e),
        },
    };
    let analysis = &checked.analysis;
    let report = Report {
        color: false,
        ..Report::new(&checked.workspace, analysis)
    };
    if analysis.diagnostics.is_empty() {
        eprintln!("{}", report::human::summary(&report));
    } else {
        let mut err = std::io::stderr().lock();
        let _ = report::render(Format::Human, &report, &mut err);
    }
    let errors: Vec<String> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            let at = d.location.map_or(String::new(), |l| {
                format!(
                    "{}:{}:{}: ",
                    checked.workspace.files[l.file].rel_path,
                    l.span.start.line(),
                    l.span.start.column()
                )
            });
            format!("{at}{}[{}] {}", d.severity, d.rule, d.message)
        })
        .collect();
    let prepared = match reused {
        Some(p) => p.again(&checked.workspace, analysis, &checked.config),
        None => match Prepared::new(&checked.workspace, analysis, &checked.config, &options.dir) {
            Ok(p) => p.with_live_reload(http::LIVE_JS),
            Err(e) => return Outcome::failed(&e),
        },
    };
    Outcome {
        site: Some(Live {
            checked: Arc::new(checked),
            prepared: Arc::new(prepared),
            cache: Mutex::default(),
            warned: Default::default(),
        }),
        errors,
    }
}

fn problems_event(errors: &[String]) -> String {
    let title = format!(
        "{} error{} in the specs",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    let data = serde_json::json!({ "title": title, "items": errors });
    sse("problems", &data.to_string())
}

/// Applies a rebuild: a good one replaces the site and reloads the pages; a
/// broken one keeps the last good site and shows the errors over it.
fn publish(shared: &Shared, outcome: Outcome, first: bool) -> Option<Latest> {
    let latest = outcome
        .site
        .as_ref()
        .map(|s| (s.checked.clone(), s.prepared.clone()));
    let broken = !outcome.errors.is_empty();
    let state = if broken {
        problems_event(&outcome.errors)
    } else {
        sse("clear", "")
    };
    *shared
        .state_event
        .write()
        .unwrap_or_else(|e| e.into_inner()) = state.clone();
    let replace = outcome.site.is_some() && (!broken || first);
    if let Some(site) = outcome.site.filter(|_| replace) {
        *shared.site.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(site);
    }
    if replace && !first {
        shared.broadcast(&sse("reload", ""));
    } else {
        shared.broadcast(&state);
    }
    latest
}

/// What the watcher listens for, from the workspace's configuration: the
/// spec files (`[workspace]`), the configuration itself, and the template
/// and schema directories. Made again whenever `throughline.toml` changes.
struct Watch {
    dirs: Vec<PathBuf>,
    /// The dbt artifacts `[dbt]` names, which may lie outside the workspace.
    files: Vec<PathBuf>,
    specs: crate::load::discover::SpecFilter,
}

impl Watch {
    fn of(dir: &Path) -> Watch {
        let config = crate::config::Config::load(dir).unwrap_or_default();
        let dirs = [
            config
                .site
                .templates
                .clone()
                .or_else(|| Some("templates".into())),
            config.schemas.dir.clone(),
        ]
        .into_iter()
        .flatten()
        .map(|d| dir.join(d))
        // OpenLineage run events: their files, and the directories their globs read.
        .chain(config.openlineage.watched(dir))
        .collect();
        Watch {
            dirs,
            files: config.dbt.paths(dir),
            specs: config.specs,
        }
    }

    /// Whether a changed path can change the site.
    fn relevant(&self, dir: &Path, path: &Path) -> bool {
        if self.dirs.iter().any(|d| path.starts_with(d)) || self.files.iter().any(|f| f == path) {
            return true;
        }
        let Ok(rel) = path.strip_prefix(dir) else {
            return false;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        rel == crate::config::FILE_NAME || self.specs.reads(&rel)
    }
}

/// Runs the server until Ctrl-C.
pub fn run(options: Options) -> Result<(), ServeError> {
    crate::stay_up();
    crate::load::check_root(&options.dir).map_err(crate::Error::from)?;
    let dir = std::fs::canonicalize(&options.dir).unwrap_or_else(|_| options.dir.clone());
    let shared = Arc::new(Shared::default());
    let started = Instant::now();
    let mut cache = LoadCache::default();
    let mut latest = publish(&shared, rebuild(&options, &mut cache, None), true);
    eprintln!("built in {} ms", started.elapsed().as_millis());

    let listener = bind(options.port)?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        port: options.port,
        source,
    })?;
    {
        let shared = shared.clone();
        std::thread::spawn(move || server::serve(listener, shared));
    }

    let (tx, rx) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer =
        new_debouncer(Duration::from_millis(DEBOUNCE_MS), None, tx).map_err(|e| {
            ServeError::Watch {
                path: dir.clone(),
                message: e.to_string(),
            }
        })?;
    debouncer
        .watch(&dir, RecursiveMode::Recursive)
        .map_err(|e| ServeError::Watch {
            path: dir.clone(),
            message: e.to_string(),
        })?;

    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let _ = ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    });

    println!(
        "serving {} on http://{addr}/ (Ctrl-C to stop)",
        options.dir.display()
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();

    let mut watch = Watch::of(&dir);
    // dbt's artifacts, where they lie outside the workspace (a dbt
    // project's `target/` beside the specs): their directories too.
    for file in &watch.files {
        if let Some(parent) = file.parent().filter(|p| !p.starts_with(&dir)) {
            let _ = debouncer.watch(parent, RecursiveMode::NonRecursive);
        }
    }
    // OpenLineage run events outside the workspace.
    for path in watch
        .dirs
        .iter()
        .filter(|p| !p.starts_with(&dir) && p.exists())
    {
        let _ = debouncer.watch(path, RecursiveMode::Recursive);
    }

    loop {
        if stop_rx.try_recv().is_ok() {
            eprintln!("stopped");
            return Ok(());
        }
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Ok(events)) => {
                // Reading the specs while rebuilding shows up as access events:
                // only changes to content or names count, or serve would loop.
                let changed: Vec<&PathBuf> = events
                    .iter()
                    .filter(|e| changes_content(&e.kind))
                    .flat_map(|e| e.paths.iter())
                    .collect();
                // Only specs the last check read, changed in place: read
                // those again; anything else (a new or removed file, the
                // configuration, templates, schemas) means a full check.
                let in_place = events.iter().filter(|e| changes_content(&e.kind)).all(|e| {
                    matches!(
                        e.kind,
                        notify::EventKind::Modify(
                            notify::event::ModifyKind::Data(_) | notify::event::ModifyKind::Any
                        )
                    )
                });
                let quick: Option<std::collections::HashSet<PathBuf>> = latest
                    .as_ref()
                    .filter(|_| in_place)
                    .and_then(|(prev, _)| {
                        changed
                            .iter()
                            .filter(|p| watch.relevant(&dir, p))
                            .map(|p| {
                                let rel = p
                                    .strip_prefix(&dir)
                                    .ok()?
                                    .to_string_lossy()
                                    .replace('\\', "/");
                                prev.workspace
                                    .files
                                    .iter()
                                    .find(|f| f.rel_path == rel)
                                    .map(|f| f.path.clone())
                            })
                            .collect()
                    })
                    .filter(|set: &std::collections::HashSet<PathBuf>| !set.is_empty());
                if changed.iter().any(|p| {
                    p.strip_prefix(&dir)
                        .is_ok_and(|r| r == Path::new(crate::config::FILE_NAME))
                }) {
                    watch = Watch::of(&dir);
                }
                if !changed.iter().any(|p| watch.relevant(&dir, p)) {
                    continue;
                }
                let started = Instant::now();
                let outcome = rebuild(&options, &mut cache, latest.as_ref().zip(quick.as_ref()));
                let ok = outcome.errors.is_empty();
                if let Some(l) = publish(&shared, outcome, false) {
                    latest = Some(l);
                }
                eprintln!(
                    "rebuilt in {} ms{}",
                    started.elapsed().as_millis(),
                    if ok {
                        ""
                    } else {
                        "; the last good site is still served"
                    }
                );
            }
            Ok(Err(errors)) => {
                for e in errors {
                    eprintln!("watch error: {e}");
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        }
    }
}
