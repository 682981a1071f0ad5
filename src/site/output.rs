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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use super::incremental::Reads;
use super::manifest::{self, PageInputs, Previous};
use crate::load::SITE_MARKER;

mod staging;

pub use staging::*;

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

/// The output directory, claimed for one build: checked, locked against
/// other builds into it, and recovered from a build that was killed.
pub struct Target {
    out: PathBuf,
    parent: PathBuf,
    name: String,
    /// An advisory lock on a file beside OUT, held until the build ends; a
    /// second build into the same OUT waits for it.
    _lock: fs::File,
}

impl Target {
    /// Checks that `out` may be written for the workspace `dir` (refusing
    /// as [`check_target`] does), then takes the lock and puts back a
    /// previous site that a killed build left beside OUT.
    pub fn claim(out: &Path, dir: &Path) -> Result<Target, OutputError> {
        check_target(out, dir)?;
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "site".into());
        let lock_path = parent.join(format!(".{name}.throughline-lock"));
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                eprintln!(
                    "waiting for another build into {} to finish …",
                    out.display()
                );
                lock.lock().map_err(io_err(&lock_path))?;
            }
            Err(fs::TryLockError::Error(e)) => return Err(io_err(&lock_path)(e)),
        }
        let target = Target {
            out: out.to_path_buf(),
            parent,
            name,
            _lock: lock,
        };
        target.recover();
        // Again, now that a recovered site may be back in place.
        check_target(out, dir)?;
        Ok(target)
    }

    /// The output directory.
    pub fn out(&self) -> &Path {
        &self.out
    }

    fn leftover(&self, stage: &str) -> String {
        format!(".{}.throughline-{stage}-", self.name)
    }

    /// With the lock held no other build runs into OUT, so what lies beside
    /// it is a killed build's: a staging directory is removed; a previous
    /// site moved aside is put back when OUT is missing (the build died
    /// between its two renames), else removed. Only directories that carry
    /// our marker are touched.
    fn recover(&self) {
        let Ok(entries) = fs::read_dir(&self.parent) else {
            return;
        };
        let (new, old) = (self.leftover("new"), self.leftover("old"));
        let mut olds = Vec::new();
        for entry in entries.flatten() {
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if !entry.path().join(SITE_MARKER).is_file() {
                // A build killed between creating its staging directory and
                // marking it leaves it empty: removing an empty directory
                // loses nothing (`remove_dir` refuses any other).
                if file_name.starts_with(&new) {
                    let _ = fs::remove_dir(entry.path());
                }
                continue;
            }
            if file_name.starts_with(&new) {
                remove_tree(&entry.path());
            } else if file_name.starts_with(&old) {
                olds.push(entry.path());
            }
        }
        for old in olds {
            if fs::symlink_metadata(&self.out).is_err() && fs::rename(&old, &self.out).is_ok() {
                eprintln!(
                    "restored the previous site into {}: a build was stopped while replacing it",
                    self.out.display()
                );
                continue;
            }
            remove_tree(&old);
        }
    }
}

/// Fault injection for the crash tests: `THROUGHLINE_FAULT` lists points
/// (comma-separated) where the process stops, as a SIGKILL would stop it;
/// `no-exchange` makes the swap take the two-rename path of systems without
/// an atomic exchange.
fn fault(point: &str) -> bool {
    std::env::var("THROUGHLINE_FAULT").is_ok_and(|v| v.split(',').any(|p| p == point))
}

fn crash_at(point: &str) {
    if fault(point) {
        // Like a kill: no destructor runs, so nothing is cleaned up.
        std::process::exit(137);
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
        let ws = tmp.path().join("ws");
        fs::create_dir(&ws).unwrap();
        let out = tmp.path().join("site");
        let paths = ["a/b.html".to_string()];
        let build = |text: &[u8], keep: bool| {
            let target = Target::claim(&out, &ws).unwrap();
            let s =
                Staging::new(&target, None, &paths, Staging::previous(&target, &paths)).unwrap();
            s.write(0, text, None).unwrap();
            if keep { s.commit().unwrap() } else { drop(s) }
        };
        build(b"one", true);
        assert_eq!(fs::read_to_string(out.join("a/b.html")).unwrap(), "one");
        assert!(out.join(SITE_MARKER).exists());
        build(b"two", true);
        assert_eq!(fs::read_to_string(out.join("a/b.html")).unwrap(), "two");
        // A failed build (dropped staging) leaves the previous site alone.
        build(b"three", false);
        assert_eq!(fs::read_to_string(out.join("a/b.html")).unwrap(), "two");
        let names: Vec<String> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 3, "ws, site and the lock file: {names:?}");
        // What a killed build left goes on the next claim, an empty staging
        // directory too (killed before it was marked); a directory with
        // anything in it and without our marker is never removed.
        let stale = tmp.path().join(".site.throughline-new-999999999");
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join(SITE_MARKER), "").unwrap();
        let unmarked = tmp.path().join(".site.throughline-new-999999996");
        fs::create_dir(&unmarked).unwrap();
        let foreign = tmp.path().join(".site.throughline-new-999999998");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("keep.txt"), "mine").unwrap();
        let target = Target::claim(&out, &ws).unwrap();
        assert!(!stale.exists());
        assert!(!unmarked.exists());
        assert_eq!(
            fs::read_to_string(foreign.join("keep.txt")).unwrap(),
            "mine"
        );
        drop(target);
        // An orphaned previous site (killed between the two renames) is put back.
        let old = tmp.path().join(".site.throughline-old-999999997");
        fs::rename(&out, &old).unwrap();
        let _target = Target::claim(&out, &ws).unwrap();
        assert_eq!(fs::read_to_string(out.join("a/b.html")).unwrap(), "two");
        assert!(!old.exists());
    }

    #[test]
    fn a_second_claim_waits_for_the_first() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("ws");
        fs::create_dir(&ws).unwrap();
        let out = tmp.path().join("site");
        let first = Target::claim(&out, &ws).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let (o, w) = (out.clone(), ws.clone());
        let waiter = std::thread::spawn(move || {
            let _second = Target::claim(&o, &w).unwrap();
            tx.send(()).unwrap();
        });
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(300))
                .is_err()
        );
        drop(first);
        rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        waiter.join().unwrap();
    }
}
