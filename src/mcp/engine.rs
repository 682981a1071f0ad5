//! The workspace an MCP session asks about, kept checked: a watcher marks
//! it stale when a file changes, and the next call checks it again (the
//! files unchanged since are reused, as `serve` reuses them).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use notify::{RecursiveMode, Watcher};

use crate::Checked;
use crate::load::LoadCache;
use crate::model::time::Date;

/// Up to this many files, every call checks the workspace again (a few
/// milliseconds); above it, only a watcher's event does.
const ALWAYS_RECHECK_UP_TO: usize = 100;

/// How `throughline mcp` was started.
#[derive(Debug, Clone)]
pub struct Options {
    pub dir: PathBuf,
    /// Offer the `review` tool, which writes `throughline.lock`.
    pub allow_write: bool,
    /// The date statuses are computed at; today (UTC) at each call without it.
    pub today: Option<Date>,
}

/// The checked workspace and what keeps it current.
pub struct Engine {
    pub options: Options,
    /// The workspace directory, canonical (the watcher reports such paths).
    pub root: PathBuf,
    state: Mutex<State>,
    stale: Arc<AtomicBool>,
    /// Kept alive for the session; `None` when the platform gives none, and
    /// then every call checks again.
    _watcher: Option<notify::RecommendedWatcher>,
}

struct State {
    /// The last check, or why the workspace could not be checked at all.
    checked: Result<Checked, String>,
    on: Date,
    cache: LoadCache,
}

/// The checked workspace, for the length of one call.
pub struct Current<'e> {
    guard: MutexGuard<'e, State>,
}

impl Current<'_> {
    pub fn checked(&self) -> Result<&Checked, String> {
        self.guard.checked.as_ref().map_err(Clone::clone)
    }

    pub fn today(&self) -> Date {
        self.guard.on
    }

    pub fn cache(&mut self) -> &mut LoadCache {
        &mut self.guard.cache
    }
}

impl Engine {
    /// Checks the workspace once and starts watching it; `Err` when the
    /// directory cannot be read at all.
    pub fn start(options: Options) -> Result<Engine, String> {
        crate::load::check_root(&options.dir).map_err(|e| e.to_string())?;
        crate::stay_up();
        let root = std::fs::canonicalize(&options.dir).map_err(|e| e.to_string())?;
        let stale = Arc::new(AtomicBool::new(false));
        let watcher = watch(&root, stale.clone());
        let on = options.today.unwrap_or_else(Date::today);
        let mut cache = LoadCache::default();
        let checked = crate::check_dir_cached(&root, on, &mut cache).map_err(|e| e.to_string());
        Ok(Engine {
            state: Mutex::new(State { checked, on, cache }),
            stale,
            _watcher: watcher,
            root,
            options,
        })
    }

    /// The workspace as the files are now: checked again if a file changed
    /// (or the day did) since the last call.
    pub fn current(&self) -> Current<'_> {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let on = self.options.today.unwrap_or_else(Date::today);
        // A small workspace is checked again at every call (the files
        // unchanged since are reused): no answer can run ahead of the
        // watcher's event for a file written just before the call.
        let small = guard
            .checked
            .as_ref()
            .is_ok_and(|c| c.workspace.files.len() <= ALWAYS_RECHECK_UP_TO);
        let changed = self.stale.swap(false, Ordering::AcqRel) || self._watcher.is_none() || small;
        if changed || on != guard.on || guard.checked.is_err() {
            let state = &mut *guard;
            state.checked = crate::check_dir_cached(&self.root, on, &mut state.cache)
                .map_err(|e| e.to_string());
            state.on = on;
        }
        Current { guard }
    }

    /// The absolute path of the workspace file `rel`, if it names one
    /// inside the workspace (no `..`, no absolute path elsewhere).
    pub fn inside(&self, rel: &str) -> Option<PathBuf> {
        let path = Path::new(rel);
        let path = if path.is_absolute() {
            path.strip_prefix(&self.root).ok()?.to_path_buf()
        } else {
            path.to_path_buf()
        };
        let normal = path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        (normal && path.components().next().is_some()).then(|| self.root.join(path))
    }
}

/// A watcher that marks the workspace stale on any change below `root`.
fn watch(root: &Path, stale: Arc<AtomicBool>) -> Option<notify::RecommendedWatcher> {
    let mut watcher =
        notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
            Ok(e) if crate::load::watch::changes_content(&e.kind) => {
                stale.store(true, Ordering::Release);
            }
            Ok(_) => {}
            // A lost event: check again rather than answer from old files.
            Err(_) => stale.store(true, Ordering::Release),
        })
        .ok()?;
    watcher.watch(root, RecursiveMode::Recursive).ok()?;
    // dbt's artifacts, where they lie outside the workspace.
    let config = crate::config::Config::load(root).unwrap_or_default();
    for file in config.dbt.paths(root) {
        if let Some(parent) = file.parent().filter(|p| !p.starts_with(root)) {
            let _ = watcher.watch(parent, RecursiveMode::NonRecursive);
        }
    }
    // OpenLineage run events, where they lie outside the workspace.
    for path in config.openlineage.watched(root) {
        if !path.starts_with(root) {
            let _ = watcher.watch(&path, RecursiveMode::Recursive);
        }
    }
    Some(watcher)
}
