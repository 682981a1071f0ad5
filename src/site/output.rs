//! Writing the site safely: build beside the output directory, then swap.
//!
//! A directory that `build` wrote carries a marker file. `build` only ever
//! replaces such a directory (or an empty one, or none), so it cannot delete
//! files it did not write; and because pages are written to a staging
//! directory first, a build that fails or is killed leaves the previous site
//! complete.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::load::SITE_MARKER;

/// Why the output directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(
        "refusing to write the site into {0}: it is not empty and was not created by throughline (no {SITE_MARKER} file); choose another directory with -o"
    )]
    NotOurs(PathBuf),
    #[error("refusing to write the site into {0}: {1}")]
    Unsafe(PathBuf, &'static str),
    #[error("cannot write the site to {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Checks that `out` may be (re)written for the workspace `dir`.
pub fn check_target(out: &Path, dir: &Path) -> Result<(), OutputError> {
    let abs_out = absolute(out);
    let abs_dir = fs::canonicalize(dir).unwrap_or_else(|_| absolute(dir));
    if abs_out.parent().is_none() {
        return Err(OutputError::Unsafe(
            out.to_path_buf(),
            "it is the root directory",
        ));
    }
    if std::env::var_os("HOME").is_some_and(|h| absolute(Path::new(&h)) == abs_out) {
        return Err(OutputError::Unsafe(
            out.to_path_buf(),
            "it is the home directory",
        ));
    }
    if abs_dir.starts_with(&abs_out) {
        return Err(OutputError::Unsafe(
            out.to_path_buf(),
            "it is, or contains, the workspace",
        ));
    }
    match fs::read_dir(out) {
        Ok(mut entries) => {
            let empty = entries.next().is_none();
            if !empty && !out.join(SITE_MARKER).is_file() {
                return Err(OutputError::NotOurs(out.to_path_buf()));
            }
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
            Err(OutputError::Unsafe(out.to_path_buf(), "it is a file"))
        }
        Err(source) => Err(OutputError::Io {
            path: out.to_path_buf(),
            source,
        }),
    }
}

/// An absolute, lexically normalised path (symlinks resolved where the path exists).
fn absolute(p: &Path) -> PathBuf {
    if let Ok(c) = fs::canonicalize(p) {
        return c;
    }
    let base = std::env::current_dir().unwrap_or_default();
    let mut out = PathBuf::new();
    for c in base.join(p).components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    // Resolve the deepest existing ancestor, so `/tmp/link/new` compares right.
    let mut existing = out.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match existing.file_name() {
            Some(name) => rest.push(name.to_os_string()),
            None => break,
        }
        existing.pop();
    }
    let mut resolved = fs::canonicalize(&existing).unwrap_or(existing);
    resolved.extend(rest.iter().rev());
    resolved
}

/// A directory the pages are written into before it replaces the output.
pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
    done: bool,
}

impl Staging {
    /// Creates an empty staging directory beside `out`.
    pub fn new(out: &Path) -> Result<Staging, OutputError> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "site".into());
        remove_leftovers(&parent, &name);
        let dir = parent.join(format!(".{name}.throughline-new-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
        }
        fs::create_dir(&dir).map_err(io_err(&dir))?;
        fs::write(
            dir.join(SITE_MARKER),
            "This directory was written by `throughline build`; a later build replaces it.\n",
        )
        .map_err(io_err(&dir))?;
        Ok(Staging {
            dir,
            out: out.to_path_buf(),
            done: false,
        })
    }

    /// Creates the directories `paths` (`/`-separated files) will be written to.
    pub fn prepare<'p>(&self, paths: impl IntoIterator<Item = &'p str>) -> Result<(), OutputError> {
        let mut dirs: Vec<&str> = paths
            .into_iter()
            .filter_map(|p| p.rsplit_once('/').map(|(d, _)| d))
            .collect();
        dirs.sort_unstable();
        dirs.dedup();
        for d in dirs {
            let path = self.dir.join(d);
            fs::create_dir_all(&path).map_err(io_err(&path))?;
        }
        Ok(())
    }

    /// Writes `bytes` at `rel` (a `/`-separated path) inside the staging
    /// directory, whose directories [`Staging::prepare`] made.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.dir.join(rel);
        fs::write(&path, bytes).map_err(io_err(&path))
    }

    /// Replaces the output directory with the staged one.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let old = self.dir.with_file_name(
            self.dir
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .replace("-new-", "-old-"),
        );
        let had_old = match fs::symlink_metadata(&self.out) {
            Ok(_) => {
                fs::rename(&self.out, &old).map_err(io_err(&self.out))?;
                true
            }
            Err(_) => false,
        };
        if let Err(source) = fs::rename(&self.dir, &self.out) {
            if had_old {
                let _ = fs::rename(&old, &self.out);
            }
            return Err(OutputError::Io {
                path: self.out.clone(),
                source,
            });
        }
        self.done = true;
        if had_old {
            // The old directory carried our marker (or was empty): safe to remove.
            remove_tree(&old);
        }
        Ok(())
    }
}

/// Removes what a build that was killed left beside the output: staging and
/// old-site directories of processes that no longer run, and only those that
/// carry our marker.
fn remove_leftovers(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let prefixes = [
        format!(".{name}.throughline-new-"),
        format!(".{name}.throughline-old-"),
    ];
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = prefixes
            .iter()
            .find_map(|p| file_name.strip_prefix(p.as_str()))
        else {
            continue;
        };
        let running = pid == std::process::id().to_string()
            || (Path::new("/proc/self").exists() && Path::new("/proc").join(pid).exists());
        if !running && entry.path().join(SITE_MARKER).is_file() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Removes a directory tree, deleting its files on all cores (a site has
/// thousands; one by one, deleting them can take as long as writing them).
fn remove_tree(dir: &Path) {
    use rayon::prelude::*;
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < dirs.len() {
        if let Ok(entries) = fs::read_dir(&dirs[i]) {
            for entry in entries.flatten() {
                match entry.file_type() {
                    Ok(t) if t.is_dir() => dirs.push(entry.path()),
                    _ => files.push(entry.path()),
                }
            }
        }
        i += 1;
    }
    files.par_iter().for_each(|f| {
        let _ = fs::remove_file(f);
    });
    // Deepest first; whatever is left (a file that appeared meanwhile) is
    // removed the slow way.
    for d in dirs.iter().rev() {
        let _ = fs::remove_dir(d);
    }
    if dir.exists() {
        let _ = fs::remove_dir_all(dir);
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_foreign_and_dangerous_targets() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("ws");
        fs::create_dir(&ws).unwrap();
        let foreign = tmp.path().join("foreign");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("keep.txt"), "mine").unwrap();
        assert!(matches!(
            check_target(&foreign, &ws),
            Err(OutputError::NotOurs(_))
        ));
        assert!(check_target(&ws, &ws).is_err());
        assert!(check_target(tmp.path(), &ws).is_err());
        assert!(check_target(Path::new("/"), &ws).is_err());
        assert!(check_target(&tmp.path().join("new"), &ws).is_ok());
        assert!(check_target(&ws.join("_site"), &ws).is_ok());
    }

    #[test]
    fn staging_swaps_and_cleans_up() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("site");
        let s = Staging::new(&out).unwrap();
        s.prepare(["a/b.html"]).unwrap();
        s.write("a/b.html", b"one").unwrap();
        s.commit().unwrap();
        assert_eq!(fs::read_to_string(out.join("a/b.html")).unwrap(), "one");
        assert!(out.join(SITE_MARKER).exists());
        // A failed build (dropped staging) leaves the previous site alone.
        let s = Staging::new(&out).unwrap();
        s.prepare(["a/b.html"]).unwrap();
        s.write("a/b.html", b"two").unwrap();
        drop(s);
        assert_eq!(fs::read_to_string(out.join("a/b.html")).unwrap(), "one");
        let leftovers = fs::read_dir(tmp.path()).unwrap().count();
        assert_eq!(leftovers, 1);
        // What a killed build left (a dead process's staging dir) goes on the next build.
        let stale = tmp.path().join(".site.throughline-new-999999999");
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join(SITE_MARKER), "").unwrap();
        let foreign = tmp.path().join(".site.throughline-new-999999998");
        fs::create_dir(&foreign).unwrap();
        let s = Staging::new(&out).unwrap();
        assert!(!stale.exists());
        assert!(
            foreign.exists(),
            "a directory without our marker is never removed"
        );
        drop(s);
        assert!(check_target(&out, tmp.path().join("x").as_path()).is_ok());
    }
}
