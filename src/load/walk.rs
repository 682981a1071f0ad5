//! Finding a workspace's files: the walk below its root, what it skips, and
//! the drafts that stand in for files not on disk.

use super::*;

/// A file found by discovery, or a path discovery could not read.
pub(super) struct Found {
    pub(super) rel: String,
    pub(super) path: PathBuf,
    pub(super) error: Option<String>,
}

/// Fails unless `root` is a readable directory.
pub fn check_root(root: &Path) -> Result<(), LoadError> {
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(LoadError::NotADirectory(root.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(LoadError::Missing(root.to_path_buf()))
        }
        Err(source) => Err(LoadError::Unreadable {
            path: root.to_path_buf(),
            source,
        }),
    }
}

/// Finds every spec file below `root` (see [`SpecFilter`]), skipping hidden
/// and `_` entries, excluded directories and earlier build output, and
/// reading a file that symbolic links reach by several paths once (at its
/// first path in byte order). Sorted by relative path.
pub(super) fn discover(root: &Path, options: &LoadOptions) -> Result<Vec<Found>, LoadError> {
    check_root(root)?;
    let exclude: Vec<PathBuf> = options
        .exclude
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            if is_skipped_name(&e.file_name().to_string_lossy()) {
                return false;
            }
            if e.file_type().is_dir() {
                if e.path().join(SITE_MARKER).exists() {
                    return false;
                }
                if !exclude.is_empty()
                    && let Ok(canonical) = std::fs::canonicalize(e.path())
                    && exclude.contains(&canonical)
                {
                    return false;
                }
            }
            true
        });
    let mut found = Vec::new();
    let mut linked = false;
    for entry in walker {
        match entry {
            Ok(e) => {
                // A linked directory or file may make one file reachable twice.
                linked |= e.path_is_symlink();
                if !e.file_type().is_file() {
                    continue;
                }
                let rel = relative(root, e.path());
                if !options.specs.reads(&rel) {
                    continue;
                }
                found.push(Found {
                    rel,
                    path: e.into_path(),
                    error: None,
                });
            }
            Err(e) => {
                if e.depth() == 0 {
                    return Err(LoadError::Unreadable {
                        path: root.to_path_buf(),
                        source: e
                            .into_io_error()
                            .unwrap_or_else(|| std::io::Error::other("walk failed")),
                    });
                }
                let Some(path) = e.path().map(Path::to_path_buf) else {
                    continue;
                };
                let message = match e.loop_ancestor() {
                    Some(a) => format!(
                        "skipped: a symbolic link loops back to {}",
                        relative(root, a)
                    ),
                    None => format!(
                        "cannot read: {}",
                        e.io_error()
                            .map_or_else(|| e.to_string(), |io| io.to_string())
                    ),
                };
                found.push(Found {
                    rel: relative(root, &path),
                    path,
                    error: Some(message),
                });
            }
        }
    }
    // A text that stands in for a file not on disk (a draft, an editor's
    // new buffer) is a file of the workspace all the same.
    for path in options.overlays.keys() {
        if path.starts_with(root) && !found.iter().any(|f| &f.path == path) {
            let rel = relative(root, path);
            if options.specs.reads(&rel) {
                found.push(Found {
                    rel,
                    path: path.clone(),
                    error: None,
                });
            }
        }
    }
    found.sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    if linked {
        // The same file reached through a link and by its own path is one
        // file: keep its first path.
        let mut seen = std::collections::HashSet::new();
        found.retain(|f| {
            f.error.is_some()
                || match std::fs::canonicalize(&f.path) {
                    Ok(canonical) => seen.insert(canonical),
                    Err(_) => true,
                }
        });
    }
    Ok(found)
}

/// `path` relative to `root`, with `/` separators.
pub(super) fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
