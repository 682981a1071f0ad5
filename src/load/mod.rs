//! Loading a workspace: discover the spec files and parse them into YAML trees.

pub mod source;
pub mod yaml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, FileId, Rule};
use source::{SourceFile, Span};
use yaml::{Limits, Node, Problem};

/// A directory holding this file was written by `throughline build`; discovery skips it.
pub const SITE_MARKER: &str = ".throughline-site";

/// One YAML document of the workspace.
#[derive(Debug)]
pub struct Document {
    pub file: FileId,
    /// Shared, so that a cached file's documents are reused without copying.
    pub node: Arc<Node>,
}

/// Every spec file of a workspace, parsed.
#[derive(Debug)]
pub struct Workspace {
    pub root: PathBuf,
    /// Files in byte order of their relative path.
    pub files: Vec<SourceFile>,
    /// Non-empty documents, in file order then document order.
    pub documents: Vec<Document>,
    /// `yaml-syntax` and `duplicate-key` findings.
    pub diagnostics: Vec<Diagnostic>,
    /// Ids defined in documents that could not be parsed.
    pub damaged: Vec<Damaged>,
}

impl Workspace {
    /// How many entities the workspace holds: its documents that are
    /// mappings (a document that is a list or a scalar is a `yaml-syntax`
    /// finding, not an entity).
    pub fn entity_count(&self) -> usize {
        self.documents
            .iter()
            .filter(|d| d.node.as_map().is_some())
            .count()
    }
}

/// How to load a workspace.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub limits: Limits,
    /// Directories to leave out (the build output, when it lies inside the workspace).
    pub exclude: Vec<PathBuf>,
}

/// The workspace directory cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("workspace directory {0} does not exist")]
    Missing(PathBuf),
    #[error("{0} is not a directory")]
    NotADirectory(PathBuf),
    #[error("cannot read workspace directory {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A file found by discovery, or a path discovery could not read.
struct Found {
    rel: String,
    path: PathBuf,
    error: Option<String>,
}

/// Reads and parses every spec file below `root`.
pub fn load(root: &Path, options: &LoadOptions) -> Result<Workspace, LoadError> {
    let found = discover(root, &options.exclude)?;
    let parsed: Vec<FileResult> = found
        .into_par_iter()
        .enumerate()
        .map(|(id, f)| read_and_parse(id, f, options.limits))
        .collect();
    Ok(assemble(root.to_path_buf(), parsed))
}

/// Builds a workspace from in-memory files `(relative path, text)`, as if
/// they had been read from disk (for tests and fuzzing).
pub fn from_texts(files: Vec<(String, String)>, limits: Limits) -> Workspace {
    let mut files = files;
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let parsed = files
        .into_iter()
        .enumerate()
        .map(|(id, (rel, text))| {
            let file = SourceFile::new(rel.clone(), PathBuf::from(rel), text);
            parse_file(id, file, limits)
        })
        .collect();
    assemble(PathBuf::new(), parsed)
}

/// One file, read and parsed.
#[derive(Clone)]
struct FileResult {
    file: SourceFile,
    docs: Vec<Arc<Node>>,
    diags: Vec<Diagnostic>,
    damaged: Vec<Damaged>,
}

/// An id that a document which cannot be parsed seems to define: references
/// to it are not reported as broken while the syntax error stands.
#[derive(Debug, Clone)]
pub struct Damaged {
    pub id: String,
    pub file: FileId,
    /// The id's text in the damaged document.
    pub span: Span,
    /// Where the syntax error that damaged it is reported.
    pub error: Span,
}

/// Parsed files kept between loads (by `serve`): a file whose size and
/// modification time are unchanged is not read or parsed again.
#[derive(Default)]
pub struct LoadCache {
    entries: HashMap<PathBuf, CacheEntry>,
}

struct CacheEntry {
    len: u64,
    modified: Option<SystemTime>,
    rel: String,
    /// Diagnostics are stored with file id 0 and re-numbered on reuse.
    result: FileResult,
}

fn stamp(path: &Path) -> Option<(u64, Option<SystemTime>)> {
    std::fs::metadata(path)
        .ok()
        .map(|m| (m.len(), m.modified().ok()))
}

fn with_file_id(mut result: FileResult, id: FileId) -> FileResult {
    for d in &mut result.damaged {
        d.file = id;
    }
    for d in &mut result.diags {
        if let Some(loc) = &mut d.location {
            loc.file = id;
        }
        for r in &mut d.related {
            r.location.file = id;
        }
    }
    result
}

/// Like [`load`], reusing the files `cache` holds that have not changed, and
/// keeping what it reads for next time.
pub fn load_cached(
    root: &Path,
    options: &LoadOptions,
    cache: &mut LoadCache,
) -> Result<Workspace, LoadError> {
    let found = discover(root, &options.exclude)?;
    let stamps: Vec<Option<(u64, Option<SystemTime>)>> =
        found.par_iter().map(|f| stamp(&f.path)).collect();
    let parsed: Vec<FileResult> = found
        .into_par_iter()
        .zip(stamps.par_iter())
        .enumerate()
        .map(|(id, (f, stamp))| {
            if let (Some((len, modified)), Some(entry)) = (stamp, cache.entries.get(&f.path))
                && entry.len == *len
                && entry.modified == *modified
                && entry.rel == f.rel
                && f.error.is_none()
            {
                return with_file_id(entry.result.clone(), id);
            }
            read_and_parse(id, f, options.limits)
        })
        .collect();
    cache.entries.clear();
    for (result, stamp) in parsed.iter().zip(&stamps) {
        if let Some((len, modified)) = stamp {
            cache.entries.insert(
                result.file.path.clone(),
                CacheEntry {
                    len: *len,
                    modified: *modified,
                    rel: result.file.rel_path.clone(),
                    result: with_file_id(result.clone(), 0),
                },
            );
        }
    }
    Ok(assemble(root.to_path_buf(), parsed))
}

fn assemble(root: PathBuf, parsed: Vec<FileResult>) -> Workspace {
    let mut ws = Workspace {
        root,
        files: Vec::with_capacity(parsed.len()),
        documents: Vec::new(),
        diagnostics: Vec::new(),
        damaged: Vec::new(),
    };
    for (id, r) in parsed.into_iter().enumerate() {
        ws.files.push(r.file);
        ws.documents
            .extend(r.docs.into_iter().map(|node| Document { file: id, node }));
        ws.diagnostics.extend(r.diags);
        ws.damaged.extend(r.damaged);
    }
    ws
}

fn parse_file(id: FileId, file: SourceFile, limits: Limits) -> FileResult {
    let parsed = yaml::parse(&file, limits);
    let mut damaged = Vec::new();
    for p in &parsed.problems {
        if let Problem::Syntax { at, defines, .. } = p {
            damaged.extend(defines.iter().map(|(name, span)| Damaged {
                id: name.clone(),
                file: id,
                span: *span,
                error: *at,
            }));
        }
    }
    let diags = parsed
        .problems
        .into_iter()
        .map(|p| problem_diagnostic(id, p))
        .collect();
    FileResult {
        file,
        docs: parsed.documents.into_iter().map(Arc::new).collect(),
        diags,
        damaged,
    }
}

fn read_and_parse(id: FileId, found: Found, limits: Limits) -> FileResult {
    let unreadable = |message: String| {
        let file = SourceFile::new(found.rel.clone(), found.path.clone(), "");
        let at = file.pos(1, 0);
        let diag = Diagnostic::new(Rule::YamlSyntax, message).at(id, Span::new(at, at));
        FileResult {
            file,
            docs: Vec::new(),
            diags: vec![diag],
            damaged: Vec::new(),
        }
    };
    if let Some(error) = &found.error {
        return unreadable(error.clone());
    }
    if let Ok(meta) = std::fs::metadata(&found.path)
        && meta.len() > limits.max_file_size
    {
        return unreadable(format!(
            "skipped: the file is {} bytes, more than the limit of {} (`[limits] max-file-size` in throughline.toml)",
            meta.len(),
            limits.max_file_size
        ));
    }
    let bytes = match std::fs::read(&found.path) {
        Ok(bytes) => bytes,
        Err(e) => return unreadable(format!("cannot read file: {e}")),
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let file = SourceFile::new(
                found.rel,
                found.path,
                String::from_utf8_lossy(e.as_bytes()).into_owned(),
            );
            let at = file.pos_of_offset(valid);
            let diag = Diagnostic::new(
                Rule::YamlSyntax,
                format!("file is not valid UTF-8 (invalid byte at offset {valid})"),
            )
            .help("spec files must be UTF-8 text")
            .at(id, Span::new(at, at));
            return FileResult {
                file,
                docs: Vec::new(),
                diags: vec![diag],
                damaged: Vec::new(),
            };
        }
    };
    parse_file(id, SourceFile::new(found.rel, found.path, text), limits)
}

fn problem_diagnostic(file: FileId, problem: Problem) -> Diagnostic {
    match problem {
        Problem::Syntax { message, at, .. } => Diagnostic::new(Rule::YamlSyntax, message)
            .label("here")
            .at(file, at),
        Problem::DuplicateKey { key, at, first } => Diagnostic::new(
            Rule::DuplicateKey,
            format!("key `{key}` appears twice in one mapping"),
        )
        .label("repeated here")
        .help("the first value is used; remove or rename one of them")
        .at(file, at)
        .related(file, first, format!("`{key}` first appears here")),
    }
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

/// Finds every `*.yaml` / `*.yml` file below `root`, skipping hidden and `_`
/// entries, excluded directories and earlier build output. Sorted by relative path.
fn discover(root: &Path, exclude: &[PathBuf]) -> Result<Vec<Found>, LoadError> {
    check_root(root)?;
    let exclude: Vec<PathBuf> = exclude
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
            let name = e.file_name().to_string_lossy();
            if name.starts_with('.') || name.starts_with('_') {
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
    for entry in walker {
        match entry {
            Ok(e) => {
                if !e.file_type().is_file() || !is_spec_name(e.file_name()) {
                    continue;
                }
                found.push(Found {
                    rel: relative(root, e.path()),
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
    found.sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    Ok(found)
}

/// Whether discovery reads this path (relative to the workspace, `/`-separated):
/// no hidden or `_` component, and a `.yaml` / `.yml` name.
pub fn is_spec_path(rel: &str) -> bool {
    let mut parts = rel.split('/').peekable();
    while let Some(part) = parts.next() {
        if part.starts_with('.') || part.starts_with('_') {
            return false;
        }
        if parts.peek().is_none() {
            return part.ends_with(".yaml") || part.ends_with(".yml");
        }
    }
    false
}

fn is_spec_name(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// `path` relative to `root`, with `/` separators.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_reuses_unchanged_files_and_rereads_changed_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), "kind: Source\nid: a\n").unwrap();
        std::fs::write(dir.path().join("b.yaml"), "kind: Source\nid: b\n").unwrap();
        let mut cache = LoadCache::default();
        let first = load_cached(dir.path(), &LoadOptions::default(), &mut cache).unwrap();
        std::fs::write(dir.path().join("b.yaml"), "kind: Source\nid: b-changed\n").unwrap();
        let second = load_cached(dir.path(), &LoadOptions::default(), &mut cache).unwrap();
        assert!(Arc::ptr_eq(
            &first.documents[0].node,
            &second.documents[0].node
        ));
        assert_eq!(second.documents[1].node.get_str("id"), Some("b-changed"));
        // A new file shifts file ids; cached diagnostics follow their file.
        std::fs::write(dir.path().join("0.yaml"), "kind: [\n").unwrap();
        std::fs::write(dir.path().join("a.yaml"), "id: a\nid: again\n").unwrap();
        let third = load_cached(dir.path(), &LoadOptions::default(), &mut cache).unwrap();
        let fourth = load_cached(dir.path(), &LoadOptions::default(), &mut cache).unwrap();
        for ws in [&third, &fourth] {
            let files: Vec<&str> = ws
                .diagnostics
                .iter()
                .map(|d| ws.files[d.location.unwrap().file].rel_path.as_str())
                .collect();
            assert_eq!(files, ["0.yaml", "a.yaml"]);
        }
    }

    #[test]
    fn spec_paths_follow_discovery() {
        assert!(is_spec_path("goals/a.yaml"));
        assert!(is_spec_path("a.yml"));
        assert!(!is_spec_path(".github/workflows/ci.yaml"));
        assert!(!is_spec_path("_drafts/a.yaml"));
        assert!(!is_spec_path("goals/notes.md"));
    }
}
