//! OpenLineage (CONTRACT §13): run events read back as observed lineage,
//! and the trace written out as static lineage.
//!
//! [`events`] streams the JSON-lines files that OpenLineage's file transport
//! writes into a graph of datasets (which job run read what to write what),
//! [`observed`] maps the datasets that ports and Sources name
//! (`dataset: {namespace, name}`) to their entities for `lineage-drift`
//! (see [`crate::lineage`]), and [`export`] writes a `JobEvent` per data
//! product and a `DatasetEvent` per Source.

pub mod events;
pub mod export;
pub mod observed;

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use events::Events;

/// The job namespace of the exported events when `[openlineage] namespace`
/// is not set.
pub const DEFAULT_NAMESPACE: &str = "throughline";

/// `[openlineage]` in `throughline.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OpenLineageConfig {
    /// Job namespace of the exported events (`throughline` by default).
    pub namespace: Option<String>,
    /// Files of run events, relative to the workspace; globs allowed.
    #[serde(default)]
    pub events: Vec<String>,
}

impl OpenLineageConfig {
    pub fn namespace(&self) -> &str {
        self.namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(DEFAULT_NAMESPACE)
    }
}

impl OpenLineageConfig {
    /// What a watcher watches for the events: each named file, and the
    /// directory each glob walks from (canonical where they exist, as a
    /// watcher reports paths). A change below one is a change of what
    /// `check` finds.
    pub fn watched(&self, dir: &Path) -> Vec<PathBuf> {
        self.events
            .iter()
            .map(|pattern| {
                let path = dir.join(split_glob(pattern).0);
                std::fs::canonicalize(&path).unwrap_or(path)
            })
            .collect()
    }
}

/// One file of run events: its path as reports show it, and on disk.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventsFile {
    /// Relative to the workspace with `/` separators when the file is in
    /// it; otherwise the path as given.
    pub rel_path: String,
    pub path: PathBuf,
}

/// A file of events that cannot be found or read: exit 2, naming it.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error("cannot read OpenLineage events {path}: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    #[error("[openlineage] events: {0}")]
    Pattern(String),
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// A glob's longest leading part without a wildcard (where a walk starts),
/// and the rest.
fn split_glob(pattern: &str) -> (String, String) {
    let parts: Vec<&str> = pattern.split('/').collect();
    let fixed = parts.iter().take_while(|p| !has_glob(p)).count();
    (parts[..fixed].join("/"), parts[fixed..].join("/"))
}

fn shown(dir: &Path, path: &Path) -> String {
    let rel = std::fs::canonicalize(dir)
        .ok()
        .zip(std::fs::canonicalize(path).ok())
        .and_then(|(d, p)| p.strip_prefix(&d).ok().map(Path::to_path_buf));
    match rel {
        Some(r) => r
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        None => path.display().to_string(),
    }
}

/// The event files `config` names below `dir` (each glob's matches in
/// byte order of their path), then `extra` (`check --lineage`, relative to
/// the current directory), each once. A named file that does not exist is
/// an error; a glob that matches nothing names no file.
pub fn files(
    dir: &Path,
    config: &OpenLineageConfig,
    extra: &[PathBuf],
) -> Result<Vec<EventsFile>, EventsError> {
    let mut out: Vec<EventsFile> = Vec::new();
    let push = |path: PathBuf, out: &mut Vec<EventsFile>| -> Result<(), EventsError> {
        if let Err(source) = std::fs::metadata(&path) {
            return Err(EventsError::Unreadable {
                path: path.display().to_string(),
                source,
            });
        }
        let file = EventsFile {
            rel_path: shown(dir, &path),
            path,
        };
        if !out.iter().any(|f| f.rel_path == file.rel_path) {
            out.push(file);
        }
        Ok(())
    };
    for pattern in &config.events {
        if !has_glob(pattern) {
            push(dir.join(pattern), &mut out)?;
            continue;
        }
        let (fixed, rest) = split_glob(pattern);
        let base = dir.join(fixed);
        let glob = globset::GlobBuilder::new(&rest)
            .literal_separator(true)
            .build()
            .map_err(|e| EventsError::Pattern(format!("glob `{pattern}`: {}", e.kind())))?
            .compile_matcher();
        let mut found: Vec<PathBuf> = walkdir::WalkDir::new(&base)
            .follow_links(true)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter(|e| {
                e.path()
                    .strip_prefix(&base)
                    .is_ok_and(|rel| glob.is_match(rel))
            })
            .map(|e| e.into_path())
            .collect();
        found.sort();
        for path in found {
            push(path, &mut out)?;
        }
    }
    for path in extra {
        push(path.clone(), &mut out)?;
    }
    Ok(out)
}

/// Reads the events of `files`, or `None` when there are none.
pub fn load(files: Vec<EventsFile>) -> Result<Option<Events>, EventsError> {
    if files.is_empty() {
        return Ok(None);
    }
    events::read(files).map(Some)
}

/// Events shared between checks (`serve`, `lsp`, `mcp`): read again only
/// when the files, or their sizes or modification times, change.
#[derive(Default)]
pub struct Cache {
    kept: Option<std::sync::Arc<Events>>,
}

impl Cache {
    /// The events of `files`, read again only when needed.
    pub fn get(
        &mut self,
        files: Vec<EventsFile>,
    ) -> Result<Option<std::sync::Arc<Events>>, EventsError> {
        if let Some(kept) = &self.kept
            && kept.files == files
            && files
                .iter()
                .zip(&kept.stamps)
                .all(|(f, s)| crate::load::stamp(&f.path) == *s && s.is_some())
        {
            return Ok(Some(kept.clone()));
        }
        let read = load(files)?.map(std::sync::Arc::new);
        self.kept = read.clone();
        Ok(read)
    }
}

/// The run events of a workspace, with the files they were read from
/// among the workspace's files (for findings at their lines; their text is
/// never held).
#[derive(Debug)]
pub struct Lineage {
    pub events: std::sync::Arc<Events>,
    /// The [`crate::load::Workspace::files`] index of each events file.
    pub file_ids: Vec<crate::diagnostic::FileId>,
}

impl Lineage {
    /// Adds `events`' files to `ws` and keeps the events there.
    pub fn attach(ws: &mut crate::load::Workspace, events: std::sync::Arc<Events>) {
        let file_ids = events
            .files
            .iter()
            .map(|f| {
                ws.files.push(crate::load::source::SourceFile::new(
                    f.rel_path.clone(),
                    f.path.clone(),
                    "",
                ));
                ws.files.len() - 1
            })
            .collect();
        ws.lineage = Some(std::sync::Arc::new(Lineage { events, file_ids }));
    }

    /// `lineage-invalid`: each line that could not be read.
    pub fn findings(&self, out: &mut Vec<crate::diagnostic::Diagnostic>) {
        use crate::load::source::{Pos, Span};
        for p in &self.events.problems {
            let at = Pos::new(p.line, p.column);
            out.push(
                crate::diagnostic::Diagnostic::new(
                    crate::diagnostic::Rule::LineageInvalid,
                    format!(
                        "line {} of {} is skipped: {}",
                        p.line, self.events.files[p.file].rel_path, p.message
                    ),
                )
                .help("each line must be one OpenLineage event as JSON; the other lines were read")
                .at(self.file_ids[p.file], Span::new(at, at)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_reads_again_only_a_changed_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let event = r#"{"eventType":"COMPLETE","run":{"runId":"r"},"job":{"namespace":"a","name":"j"},"inputs":[{"namespace":"x","name":"in"}],"outputs":[{"namespace":"x","name":"out"}]}"#;
        std::fs::write(&path, format!("{event}\n")).unwrap();
        let config = OpenLineageConfig {
            namespace: None,
            events: vec!["*.jsonl".into()],
        };
        let mut cache = Cache::default();
        let first = cache
            .get(files(dir.path(), &config, &[]).unwrap())
            .unwrap()
            .unwrap();
        let again = cache
            .get(files(dir.path(), &config, &[]).unwrap())
            .unwrap()
            .unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &again));
        std::fs::write(&path, format!("{event}\n{event}\n")).unwrap();
        let changed = cache
            .get(files(dir.path(), &config, &[]).unwrap())
            .unwrap()
            .unwrap();
        assert!(!std::sync::Arc::ptr_eq(&first, &changed));
        assert_eq!(changed.complete, 2);
        // A glob that matches nothing reads nothing; a named file that is not there is an error.
        let none = OpenLineageConfig {
            namespace: None,
            events: vec!["lineage/*.jsonl".into()],
        };
        assert!(files(dir.path(), &none, &[]).unwrap().is_empty());
        let missing = OpenLineageConfig {
            namespace: None,
            events: vec!["gone.jsonl".into()],
        };
        assert!(matches!(
            files(dir.path(), &missing, &[]),
            Err(EventsError::Unreadable { .. })
        ));
    }
}
