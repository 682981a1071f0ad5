//! Loading again, reusing what did not change: the files a check read before
//! (by size and time), or every file but an editor's changed buffers.

use super::*;

/// Parsed files kept between loads (by `serve`): a file whose size and
/// modification time are unchanged is not read or parsed again.
#[derive(Default)]
pub struct LoadCache {
    entries: HashMap<PathBuf, CacheEntry>,
    /// The dbt artifacts, read again only when they change.
    pub dbt: crate::dbt::Cache,
    /// The OpenLineage events, read again only when a file changes.
    pub lineage: crate::openlineage::Cache,
}

pub(super) struct CacheEntry {
    len: u64,
    modified: Option<SystemTime>,
    rel: String,
    /// Diagnostics are stored with file id 0 and re-numbered on reuse.
    result: FileResult,
}

pub(crate) fn stamp(path: &Path) -> Option<(u64, Option<SystemTime>)> {
    std::fs::metadata(path)
        .ok()
        .map(|m| (m.len(), m.modified().ok()))
}

pub(super) fn with_file_id(mut result: FileResult, id: FileId) -> FileResult {
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
    let found = discover(root, options)?;
    let stamps: Vec<Option<(u64, Option<SystemTime>)>> =
        found.par_iter().map(|f| stamp(&f.path)).collect();
    // (the file, whether it came from the cache)
    let parsed: Vec<(FileResult, bool)> = found
        .into_par_iter()
        .zip(stamps.par_iter())
        .enumerate()
        .map(|(id, (f, stamp))| {
            if let (Some((len, modified)), Some(entry)) = (stamp, cache.entries.get(&f.path))
                && entry.len == *len
                && entry.modified == *modified
                && entry.rel == f.rel
                && f.error.is_none()
                && !options.overlays.contains_key(&f.path)
            {
                return (with_file_id(entry.result.clone(), id), true);
            }
            (read_and_parse(id, f, options), false)
        })
        .collect();
    // Entries stay for the files reused; the files read again replace
    // theirs; the files gone, or now the editor's, lose theirs.
    let present: std::collections::HashSet<&Path> = parsed
        .iter()
        .filter(|(r, _)| !options.overlays.contains_key(&r.file.path))
        .map(|(r, _)| r.file.path.as_path())
        .collect();
    cache
        .entries
        .retain(|path, _| present.contains(path.as_path()));
    for ((result, reused), stamp) in parsed.iter().zip(&stamps) {
        if *reused || options.overlays.contains_key(&result.file.path) {
            continue;
        }
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
    Ok(assemble(
        root.to_path_buf(),
        parsed.into_iter().map(|(r, _)| r).collect(),
    ))
}

/// The workspace `prev` with the files in `changed` read again (from their
/// overlay, else from disk) and every other file reused as it is: for an
/// editor's keystrokes, when no file appeared, vanished or changed on disk,
/// so neither the walk nor a `stat` per file is needed.
pub fn reload(
    prev: &Workspace,
    options: &LoadOptions,
    changed: &std::collections::HashSet<PathBuf>,
) -> Workspace {
    // The OpenLineage events files come last; they are not specs.
    let n = prev.files.len() - prev.lineage.as_ref().map_or(0, |l| l.file_ids.len());
    let mut docs: Vec<Vec<Arc<Node>>> = vec![Vec::new(); n];
    for d in &prev.documents {
        docs[d.file].push(d.node.clone());
    }
    let mut diags: Vec<Vec<Diagnostic>> = vec![Vec::new(); n];
    for d in &prev.diagnostics {
        if let Some(l) = d.location {
            diags[l.file].push(d.clone());
        }
    }
    let mut damaged: Vec<Vec<Damaged>> = vec![Vec::new(); n];
    for d in &prev.damaged {
        damaged[d.file].push(d.clone());
    }
    let mut tables: Vec<Option<Arc<measurements::Table>>> = vec![None; n];
    for (f, t) in &prev.measurements {
        tables[*f] = Some(t.clone());
    }
    let prev_lock = prev.lock.clone();
    let parsed: Vec<FileResult> = prev.files[..n]
        .par_iter()
        .zip(docs.into_par_iter().zip(diags).zip(damaged).zip(tables))
        .enumerate()
        .map(|(id, (file, (((docs, diags), damaged), measurements)))| {
            if changed.contains(&file.path) {
                let found = Found {
                    rel: file.rel_path.clone(),
                    path: file.path.clone(),
                    error: None,
                };
                return read_and_parse(id, found, options);
            }
            FileResult {
                file: file.clone(),
                docs,
                diags,
                damaged,
                measurements,
                lock: prev_lock
                    .as_ref()
                    .filter(|(f, _)| *f == id)
                    .map(|(_, l)| l.clone()),
                early: None,
            }
        })
        .collect();
    assemble(prev.root.clone(), parsed)
}
