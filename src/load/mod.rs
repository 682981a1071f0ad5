//! Loading a workspace: discover the spec files and parse them into YAML trees.

mod cache;
pub mod discover;
pub mod measurements;
pub mod source;
mod walk;
pub mod watch;
pub mod yaml;

pub(crate) use cache::stamp;
pub use cache::{LoadCache, load_cached, reload};
pub use walk::check_root;
use walk::*;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, FileId, Rule};
use crate::review::lock::{self, Lock};
use discover::{SpecFilter, is_skipped_name};
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
    /// The measurements files, read.
    pub measurements: Vec<(FileId, Arc<measurements::Table>)>,
    /// `throughline.lock`, read, when the workspace has one.
    pub lock: Option<(FileId, Arc<Lock>)>,
    /// What the function given to [`load_each`] found in each document, in
    /// document order; `None` when the workspace was loaded otherwise.
    pub early_findings: Option<Vec<Diagnostic>>,
    /// Whether the trees lack the fields no rule reads (a lean `check`
    /// trims them as it loads): [`Workspace::whole_document`] reads such a
    /// document again when all of it is wanted.
    pub trimmed: bool,
    /// Fingerprints (CONTRACT §10) taken while loading, before the trees
    /// were trimmed, by document; empty when none were taken, and then
    /// they are computed from the trees.
    pub fingerprints: Vec<Option<String>>,
    /// The dbt artifacts `[dbt]` names, read (CONTRACT §11).
    pub dbt: Option<Arc<crate::dbt::Artifacts>>,
    /// The OpenLineage run events `[openlineage] events` (or `check
    /// --lineage`) names, read (CONTRACT §13); their files are the last
    /// of [`Workspace::files`].
    pub lineage: Option<Arc<crate::openlineage::Lineage>>,
}

impl Workspace {
    /// Reads back from disk the texts that a lean load dropped, for the
    /// files `wanted` names (those with findings to show). A file that no
    /// longer has the lines it was parsed with keeps no text, and its
    /// findings are shown without a snippet.
    pub fn restore_texts(&mut self, wanted: &std::collections::HashSet<FileId>) {
        let files: Vec<(FileId, PathBuf)> = self
            .files
            .iter()
            .enumerate()
            .filter(|(id, f)| wanted.contains(id) && f.text_dropped())
            .map(|(id, f)| (id, f.path.clone()))
            .collect();
        let texts: Vec<(FileId, Option<String>)> = files
            .into_par_iter()
            // Read as the parse read it: invalid UTF-8 replaced, so the
            // finding about it can show its line.
            .map(|(id, path)| {
                let text = std::fs::read(path)
                    .ok()
                    .map(|b| String::from_utf8_lossy(&b).into_owned());
                (id, text)
            })
            .collect();
        for (id, text) in texts {
            if let Some(text) = text {
                self.files[id].restore_text(text);
            }
        }
    }

    /// The index of the first document of `file` (of the one after it, when
    /// `file` has none): documents are in file order.
    pub fn first_document_of(&self, file: FileId) -> usize {
        self.documents.partition_point(|d| d.file < file)
    }

    /// Document `doc` whole: its tree, or when the trees were trimmed, the
    /// same document parsed again from its file. `Err` says why it cannot
    /// be, such as the file having changed since it was read.
    pub fn whole_document(&self, doc: usize, limits: Limits) -> Result<Arc<Node>, String> {
        let node = &self.documents[doc].node;
        if !self.trimmed {
            return Ok(node.clone());
        }
        let file = self.documents[doc].file;
        let first = self.first_document_of(file);
        let source = &self.files[file];
        let found = Found {
            rel: source.rel_path.clone(),
            path: source.path.clone(),
            error: None,
        };
        let options = LoadOptions {
            limits,
            ..LoadOptions::default()
        };
        let again = read_and_parse(file, found, &options);
        if again.file.content_hash() != source.content_hash() {
            return Err(format!("{} changed while it was checked", source.rel_path));
        }
        again
            .docs
            .into_iter()
            .nth(doc - first)
            .ok_or_else(|| format!("{} changed while it was checked", source.rel_path))
    }

    /// How many entities the workspace holds: its documents that are
    /// mappings (a document that is a list or a scalar is a `yaml-syntax`
    /// finding, not an entity), ODCS contracts aside.
    pub fn entity_count(&self) -> usize {
        self.documents
            .iter()
            .filter(|d| d.node.as_map().is_some())
            .filter(|d| !crate::model::contract::is_contract(&d.node))
            .count()
    }
}

/// How to load a workspace.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub limits: Limits,
    /// Which files are specs.
    pub specs: SpecFilter,
    /// Texts that stand in for files on disk (an editor's unsaved buffers),
    /// by absolute path.
    pub overlays: Arc<HashMap<PathBuf, Arc<str>>>,
    /// Directories to leave out (the build output, when it lies inside the workspace).
    pub exclude: Vec<PathBuf>,
    /// Drop each spec's text once it is parsed (`check`, which needs the
    /// text only for the snippets of files with findings: see
    /// [`Workspace::restore_texts`]), in a workspace of more files than
    /// `keep_texts_up_to`.
    pub lean: bool,
    /// The most files whose texts are kept all the same (`build`, whose
    /// pages show each spec's source: reading the files back costs more
    /// than keeping them, up to a size).
    pub keep_texts_up_to: usize,
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

/// Reads and parses every spec file below `root`.
pub fn load(root: &Path, options: &LoadOptions) -> Result<Workspace, LoadError> {
    load_with(root, options, None)
}

/// What [`load_each`] does with each document as soon as it is parsed: it
/// may change the tree, and returns its findings about it (their document
/// index counts within the file; they are placed in the workspace after).
pub type EachDocument<'a> = dyn Fn(FileId, usize, &mut Node) -> Vec<Diagnostic> + Sync + 'a;

/// Like [`load`], calling `each` on every document on the worker that
/// parsed it, while the other files are still being read: a check that
/// needs only part of each tree keeps only that part, so the whole
/// workspace's trees are never in memory at once. What `each` finds is in
/// [`Workspace::early_findings`].
pub fn load_each(
    root: &Path,
    options: &LoadOptions,
    each: &EachDocument,
) -> Result<Workspace, LoadError> {
    let mut ws = load_with(root, options, Some(each))?;
    ws.early_findings.get_or_insert_with(Vec::new);
    Ok(ws)
}

fn load_with(
    root: &Path,
    options: &LoadOptions,
    each: Option<&EachDocument>,
) -> Result<Workspace, LoadError> {
    let found = discover(root, options)?;
    let keeping;
    let options = if options.lean && found.len() <= options.keep_texts_up_to {
        keeping = LoadOptions {
            lean: false,
            ..options.clone()
        };
        &keeping
    } else {
        options
    };
    let parsed: Vec<FileResult> = found
        .into_par_iter()
        .enumerate()
        .map(|(id, f)| {
            let mut result = read_and_parse(id, f, options);
            if let Some(each) = each {
                let mut early = Vec::new();
                for (i, doc) in result.docs.iter_mut().enumerate() {
                    // Just parsed, so not shared: `make_mut` does not copy.
                    early.extend(each(id, i, Arc::make_mut(doc)));
                }
                result.early = Some(early);
            }
            result
        })
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
            if file.rel_path == lock::FILE_NAME {
                return lock_file(id, file);
            }
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
    measurements: Option<Arc<measurements::Table>>,
    lock: Option<Arc<Lock>>,
    /// What [`load_each`]'s function found, with document indices within the file.
    early: Option<Vec<Diagnostic>>,
}

impl FileResult {
    /// A file with no documents, only findings.
    fn findings_only(file: SourceFile, diags: Vec<Diagnostic>) -> FileResult {
        FileResult {
            file,
            docs: Vec::new(),
            diags,
            damaged: Vec::new(),
            measurements: None,
            lock: None,
            early: None,
        }
    }
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

fn assemble(root: PathBuf, parsed: Vec<FileResult>) -> Workspace {
    let mut ws = Workspace {
        root,
        files: Vec::with_capacity(parsed.len()),
        documents: Vec::new(),
        diagnostics: Vec::new(),
        damaged: Vec::new(),
        measurements: Vec::new(),
        lock: None,
        early_findings: None,
        trimmed: false,
        fingerprints: Vec::new(),
        dbt: None,
        lineage: None,
    };
    for (id, r) in parsed.into_iter().enumerate() {
        if let Some(early) = r.early {
            let first = ws.documents.len();
            let found = ws.early_findings.get_or_insert_with(Vec::new);
            found.extend(early.into_iter().map(|d| {
                let doc = first + d.doc.unwrap_or(0);
                d.moved(doc, id)
            }));
        }
        ws.files.push(r.file);
        ws.documents
            .extend(r.docs.into_iter().map(|node| Document { file: id, node }));
        ws.diagnostics.extend(r.diags);
        ws.damaged.extend(r.damaged);
        if let Some(table) = r.measurements {
            ws.measurements.push((id, table));
        }
        if let Some(lock) = r.lock {
            ws.lock = Some((id, lock));
        }
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
        measurements: None,
        lock: None,
        early: None,
    }
}

fn read_and_parse(id: FileId, found: Found, options: &LoadOptions) -> FileResult {
    let limits = options.limits;
    if let Some(text) = options.overlays.get(&found.path) {
        return parse_bytes(id, found.rel, found.path, text.as_bytes().to_vec(), limits);
    }
    if let Some(error) = found.error {
        return unreadable(id, found.rel, found.path, error);
    }
    // One open and one fstat: the size decides whether to read at all, and
    // sizes the buffer.
    let read = std::fs::File::open(&found.path).and_then(|mut f| {
        let len = f.metadata()?.len();
        if let Some(message) = too_large(len, limits) {
            return Ok(Err(message));
        }
        let mut bytes = Vec::with_capacity(len as usize + 1);
        std::io::Read::read_to_end(&mut Unsized(&mut f), &mut bytes)?;
        Ok(Ok(bytes))
    });
    let read = match read {
        Ok(Err(message)) => return unreadable(id, found.rel, found.path, message),
        Ok(Ok(bytes)) => Ok(bytes),
        Err(e) => Err(e),
    };
    match read {
        Ok(bytes) => {
            let mut result = parse_bytes(id, found.rel, found.path, bytes, limits);
            if options.lean && result.measurements.is_none() && result.lock.is_none() {
                result.file.drop_text();
            }
            result
        }
        Err(e) => unreadable(id, found.rel, found.path, format!("cannot read file: {e}")),
    }
}

/// A file read to its end into a buffer already sized from its length
/// (`File::read_to_end` would ask for the length again, and seek to learn
/// its position: two more system calls a file).
struct Unsized<'a>(&'a mut std::fs::File);

impl std::io::Read for Unsized<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

/// The finding for a file that is too large to read, if it is.
/// Positions are kept in 32 bits, so no limit reads a file of 4 GiB or more.
fn too_large(len: u64, limits: Limits) -> Option<String> {
    let limit = limits.max_file_size.min(u64::from(u32::MAX));
    (len > limit).then(|| {
        format!(
            "skipped: the file is {len} bytes, more than the limit of {limit} (`[limits] max-file-size` in throughline.toml)",
        )
    })
}

/// The rule for a file that cannot be read: `measurement-invalid` for a
/// measurements file, `yaml-syntax` for a spec.
fn rule_for(rel: &str) -> Rule {
    if rel.ends_with(measurements::SUFFIX) {
        Rule::MeasurementInvalid
    } else {
        Rule::YamlSyntax
    }
}

/// A file that cannot be read at all: an empty file with one finding at 1:1.
fn unreadable(id: FileId, rel: String, path: PathBuf, message: String) -> FileResult {
    let rule = rule_for(&rel);
    let file = SourceFile::new(rel, path, "");
    let at = file.pos(1, 0);
    let diag = Diagnostic::new(rule, message).at(id, Span::new(at, at));
    FileResult::findings_only(file, vec![diag])
}

/// Parses a file's bytes: the one path from bytes to documents, used for
/// files on disk and for files read from git by `--baseline`.
fn parse_bytes(
    id: FileId,
    rel: String,
    path: PathBuf,
    bytes: Vec<u8>,
    limits: Limits,
) -> FileResult {
    if let Some(message) = too_large(bytes.len() as u64, limits) {
        return unreadable(id, rel, path, message);
    }
    match String::from_utf8(bytes) {
        Ok(text) if rel == lock::FILE_NAME => lock_file(id, SourceFile::new(rel, path, text)),
        Ok(text) if rel.ends_with(measurements::SUFFIX) => {
            let file = SourceFile::new(rel, path, text);
            let (table, diags) = measurements::parse(id, &file);
            FileResult {
                measurements: Some(Arc::new(table)),
                ..FileResult::findings_only(file, diags)
            }
        }
        Ok(text) => parse_file(id, SourceFile::new(rel, path, text), limits),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let file = SourceFile::new(
                rel,
                path,
                String::from_utf8_lossy(e.as_bytes()).into_owned(),
            );
            let at = file.pos_of_offset(valid);
            let diag = Diagnostic::new(
                rule_for(&file.rel_path),
                format!("file is not valid UTF-8 (invalid byte at offset {valid})"),
            )
            .help("spec and measurements files must be UTF-8 text")
            .at(id, Span::new(at, at));
            FileResult::findings_only(file, vec![diag])
        }
    }
}

/// `throughline.lock`, read.
fn lock_file(id: FileId, file: SourceFile) -> FileResult {
    let (lock, diags) = lock::parse(id, &file);
    FileResult {
        lock: Some(Arc::new(lock)),
        ..FileResult::findings_only(file, diags)
    }
}

/// What a file read from elsewhere (a git revision) holds: its bytes, or why
/// it cannot be read.
pub type Contents = Result<Vec<u8>, String>;

/// Builds a workspace from files read elsewhere, `(relative path, contents)`
/// sorted by path, through the same parse path as files on disk.
pub fn from_contents(root: &Path, files: Vec<(String, Contents)>, limits: Limits) -> Workspace {
    let parsed = files
        .into_par_iter()
        .enumerate()
        .map(|(id, (rel, contents))| {
            let path = root.join(&rel);
            match contents {
                Ok(bytes) => parse_bytes(id, rel, path, bytes, limits),
                Err(message) => unreadable(id, rel, path, message),
            }
        })
        .collect();
    assemble(root.to_path_buf(), parsed)
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
}
