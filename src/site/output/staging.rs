//! The staging directory a build writes into, and the swap that puts it in
//! place of the previous site at once.

use super::*;

/// What a build wrote and what it kept from the previous site.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Files whose content is new or changed.
    pub written: usize,
    /// Files unchanged since the previous build, linked rather than written.
    pub kept: usize,
    /// Of the kept files, pages whose inputs had not changed, so they were
    /// not rendered at all.
    pub reused: usize,
}

/// A directory the pages are written into before it replaces the output.
/// A file whose content matches the previous site's is hard-linked from it
/// instead of written: only changed files are written, and the swap stays
/// atomic (the previous site's files are never modified).
///
/// Files are named by their number in the build's list of paths.
pub struct Staging<'t> {
    dir: PathBuf,
    target: &'t Target,
    paths: &'t [String],
    done: bool,
    /// This build's global inputs, when its pages can be reused.
    global: Option<u64>,
    /// The previous site's entry for each path (taken once it is used).
    previous: Vec<Mutex<Option<Previous>>>,
    /// This build's entry for each path.
    manifest: Vec<OnceLock<Previous>>,
    written: AtomicUsize,
    kept: AtomicUsize,
    reused: AtomicUsize,
}

/// The previous site's global inputs and its entry for each path.
pub type PreviousSite = (Option<u64>, Vec<Option<Previous>>);

impl<'t> Staging<'t> {
    /// The previous site's global inputs and its entry for each of `paths`,
    /// from its manifest: read apart from [`Staging::new`], so
    /// that a build can read it while it does something else.
    pub fn previous(target: &Target, paths: &[String]) -> PreviousSite {
        if target.out.join(SITE_MARKER).is_file() {
            manifest::read(&target.out, paths)
        } else {
            (None, Vec::new())
        }
    }

    /// Creates an empty staging directory beside the claimed output, with
    /// the directories that `paths` (`/`-separated files) will be written
    /// to, for a build whose global inputs are `global` (`None`: no page is
    /// reused without rendering it), over the previous site as
    /// [`Staging::previous`] read it.
    pub fn new(
        target: &'t Target,
        global: Option<u64>,
        paths: &'t [String],
        (previous_global, mut previous): PreviousSite,
    ) -> Result<Staging<'t>, OutputError> {
        let dir = target
            .parent
            .join(format!("{}{}", target.leftover("new"), std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
        }
        fs::create_dir(&dir).map_err(io_err(&dir))?;
        fs::write(
            dir.join(SITE_MARKER),
            "This directory was written by `throughline build`; a later build replaces it.\n",
        )
        .map_err(io_err(&dir))?;
        let mut dirs: Vec<&str> = paths
            .iter()
            .filter_map(|p| p.rsplit_once('/').map(|(d, _)| d))
            .collect();
        dirs.sort_unstable();
        dirs.dedup();
        for d in dirs {
            let path = dir.join(d);
            fs::create_dir_all(&path).map_err(io_err(&path))?;
        }
        if global.is_none() || previous_global != global {
            // Entity numbers in the previous reads may name other entities.
            // A file that read none (the workbook) has a key of its own.
            previous
                .iter_mut()
                .flatten()
                .filter(|p| {
                    global.is_none() || p.inputs.as_ref().is_some_and(|(_, r)| !r.is_empty())
                })
                .for_each(|p| p.inputs = None);
        }
        Ok(Staging {
            dir,
            target,
            paths,
            done: false,
            global,
            previous: previous.into_iter().map(Mutex::new).collect(),
            manifest: paths.iter().map(|_| OnceLock::new()).collect(),
            written: Default::default(),
            kept: Default::default(),
            reused: Default::default(),
        })
    }

    /// How many files were written and how many kept.
    pub fn counts(&self) -> Written {
        Written {
            written: self.written.load(Ordering::Relaxed),
            kept: self.kept.load(Ordering::Relaxed),
            reused: self.reused.load(Ordering::Relaxed),
        }
    }

    /// The previous site's entry for file `i`, taken: each file is staged once.
    fn take_previous(&self, i: usize) -> Option<Previous> {
        let slot = self.previous.get(i)?;
        slot.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// Links the previous site's file `i` into the staging directory without
    /// rendering it, if the page was rendered from inputs whose key `key_of`
    /// its recorded reads still give. Returns whether it did.
    pub fn reuse(&self, i: usize, key_of: impl FnOnce(&Reads) -> Option<u64>) -> bool {
        let slot = self
            .previous
            .get(i)
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()));
        let Some(mut slot) = slot else {
            return false;
        };
        let Some(previous) = slot.as_ref() else {
            return false;
        };
        let Some((key, reads)) = &previous.inputs else {
            return false;
        };
        if key_of(reads) != Some(*key) || !self.link_previous(i, previous.len) {
            return false;
        }
        let previous = slot.take().expect("checked above");
        let _ = self.manifest[i].set(previous);
        self.kept.fetch_add(1, Ordering::Relaxed);
        self.reused.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Writes `bytes` as file `i` inside the staging directory; `inputs` are
    /// those of a page that a later build may reuse.
    pub fn write(
        &self,
        i: usize,
        bytes: &[u8],
        inputs: Option<PageInputs>,
    ) -> Result<(), OutputError> {
        self.write_made_of(i, bytes, inputs, Box::default())
    }

    /// [`Staging::write`] for a file made of parts that a later build may
    /// keep one by one (the workbook's sheets): `parts` is the key of each.
    pub fn write_made_of(
        &self,
        i: usize,
        bytes: &[u8],
        inputs: Option<PageInputs>,
        parts: Box<[u64]>,
    ) -> Result<(), OutputError> {
        let (hash, len) = (crate::hash::content_hash(bytes), bytes.len() as u64);
        // Parts are written only with a key (see `manifest::write`).
        let inputs = inputs.filter(|_| self.global.is_some());
        let entry = Previous {
            hash,
            len,
            inputs,
            parts,
        };
        let _ = self.manifest[i].set(entry);
        if self
            .take_previous(i)
            .is_some_and(|p| (p.hash, p.len) == (hash, len))
            && self.link_previous(i, len)
        {
            self.kept.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        self.written.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.join(&self.paths[i]);
        fs::write(&path, bytes).map_err(io_err(&path))
    }

    /// Hard-links the previous site's file `i`, if it is still a file of `len` bytes.
    fn link_previous(&self, i: usize, len: u64) -> bool {
        let rel = &self.paths[i];
        let old = self.target.out.join(rel);
        let same_len = fs::symlink_metadata(&old).is_ok_and(|m| m.is_file() && m.len() == len);
        same_len && fs::hard_link(&old, self.dir.join(rel)).is_ok()
    }

    /// Replaces the output directory with the staged one: in one atomic
    /// exchange where the system has one (Linux `renameat2`), else by moving
    /// the old site aside and the new one in (a build killed between the two
    /// is repaired by the next one, see [`Target::claim`]).
    pub fn commit(mut self) -> Result<(), OutputError> {
        let path = self.dir.join(manifest::MANIFEST);
        let entries: Vec<_> = self
            .paths
            .iter()
            .zip(&self.manifest)
            .filter_map(|(rel, entry)| Some((rel.as_str(), entry.get()?)))
            .collect();
        manifest::write(&path, self.global, &entries).map_err(io_err(&path))?;
        let out = self.target.out.clone();
        crash_at("before-swap");
        if fs::symlink_metadata(&out).is_err() {
            fs::rename(&self.dir, &out).map_err(io_err(&out))?;
            self.done = true;
            return Ok(());
        }
        if !fault("no-exchange") && exchange(&self.dir, &out).is_ok() {
            // The staging path now holds the previous site.
            self.done = true;
            crash_at("after-swap");
            remove_tree(&self.dir);
            return Ok(());
        }
        let old = self.target.parent.join(format!(
            "{}{}",
            self.target.leftover("old"),
            std::process::id()
        ));
        fs::rename(&out, &old).map_err(io_err(&out))?;
        crash_at("between-renames");
        if let Err(source) = fs::rename(&self.dir, &out) {
            let _ = fs::rename(&old, &out);
            return Err(OutputError::Io { path: out, source });
        }
        self.done = true;
        crash_at("after-swap");
        // The old directory carried our marker (or was empty): safe to remove.
        remove_tree(&old);
        Ok(())
    }
}

/// Swaps two paths atomically.
#[cfg(target_os = "linux")]
pub(super) fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
pub(super) fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Removes a directory tree, deleting its files on all cores (a site has
/// thousands; one by one, deleting them can take as long as writing them).
pub(super) fn remove_tree(dir: &Path) {
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
    // The marker goes last: a removal stopped part-way leaves a directory
    // the next build still knows as its own, and finishes.
    let marker = dir.join(SITE_MARKER);
    files.retain(|f| *f != marker);
    files.par_iter().for_each(|f| {
        let _ = fs::remove_file(f);
    });
    for d in dirs[1..].iter().rev() {
        let _ = fs::remove_dir(d);
    }
    let _ = fs::remove_file(&marker);
    // Whatever is left (a file that appeared meanwhile) is removed the slow way.
    let _ = fs::remove_dir(dir);
    if dir.exists() {
        let _ = fs::remove_dir_all(dir);
    }
}

impl Drop for Staging<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
