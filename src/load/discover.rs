//! Which files of a workspace are read: one predicate, used by the walk, by
//! `--baseline` (over a git tree) and by `serve`'s watcher.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// What `[workspace]` in `throughline.toml` says to read.
#[derive(Debug, Clone)]
pub struct SpecFilter {
    include: GlobSet,
    exclude: GlobSet,
    patterns: (Vec<String>, Vec<String>),
}

/// The globs read when `[workspace] include` is not set.
pub const DEFAULT_INCLUDE: [&str; 2] = ["**/*.yaml", "**/*.yml"];

impl Default for SpecFilter {
    fn default() -> Self {
        let include: Vec<String> = DEFAULT_INCLUDE.iter().map(|s| s.to_string()).collect();
        SpecFilter::new(&include, &[]).expect("the default globs are valid")
    }
}

impl PartialEq for SpecFilter {
    fn eq(&self, other: &Self) -> bool {
        self.patterns == other.patterns
    }
}

fn glob(pattern: &str) -> Result<Glob, String> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("[workspace] glob `{pattern}`: {}", e.kind()))
}

fn set(patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(glob(p)?);
    }
    b.build().map_err(|e| e.to_string())
}

impl SpecFilter {
    /// A filter from `include` and `exclude` globs, relative to the workspace
    /// with `/` separators (`*` stays within one directory, `**` crosses them).
    pub fn new(include: &[String], exclude: &[String]) -> Result<SpecFilter, String> {
        Ok(SpecFilter {
            include: set(include)?,
            exclude: set(exclude)?,
            patterns: (include.to_vec(), exclude.to_vec()),
        })
    }

    /// Whether the file at `rel` (relative to the workspace, `/`-separated)
    /// is a spec: no hidden or `_` component, matched by an include and by
    /// no exclude.
    pub fn is_spec(&self, rel: &str) -> bool {
        !rel.split('/').any(is_skipped_name)
            && self.include.is_match(rel)
            && !self.exclude.is_match(rel)
    }
}

impl SpecFilter {
    /// Whether the file at `rel` holds measurements (`*.measurements.csv`,
    /// CONTRACT §6): discovered like specs, not matched by an exclude.
    pub fn is_measurements(&self, rel: &str) -> bool {
        rel.ends_with(super::measurements::SUFFIX)
            && !rel.split('/').any(is_skipped_name)
            && !self.exclude.is_match(rel)
    }

    /// Whether discovery reads the file at `rel`: a spec, measurements, or
    /// the workspace's `throughline.lock`.
    pub fn reads(&self, rel: &str) -> bool {
        self.is_spec(rel) || self.is_measurements(rel) || rel == crate::review::lock::FILE_NAME
    }
}

/// A hidden (`.git`) or `_`-prefixed (`_drafts`, `_site`) entry, never read.
pub fn is_skipped_name(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_filter_follows_discovery() {
        let f = SpecFilter::default();
        assert!(f.is_spec("goals/a.yaml"));
        assert!(f.is_spec("a.yml"));
        assert!(!f.is_spec(".github/workflows/ci.yaml"));
        assert!(!f.is_spec("_drafts/a.yaml"));
        assert!(!f.is_spec("goals/notes.md"));
    }

    #[test]
    fn include_and_exclude() {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let f = SpecFilter::new(
            &s(&["specs/**/*.yaml", "*.yaml"]),
            &s(&["**/schema.yml", "specs/old/**"]),
        )
        .unwrap();
        assert!(f.is_spec("specs/goals/a.yaml"));
        assert!(f.is_spec("top.yaml"));
        assert!(!f.is_spec("dbt/models/a.yaml"), "* does not cross /");
        assert!(!f.is_spec("specs/old/a.yaml"));
        let f = SpecFilter::new(&s(&DEFAULT_INCLUDE), &s(&["**/schema.yml", "dbt/**"])).unwrap();
        assert!(!f.is_spec("models/schema.yml"));
        assert!(!f.is_spec("dbt/x/y.yaml"));
        assert!(f.is_spec("goals/g.yml"));
        assert!(SpecFilter::new(&s(&["a/[b"]), &[]).is_err());
    }
}
