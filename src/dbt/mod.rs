//! dbt (CONTRACT §11): the trace the specs declare, checked against the one
//! dbt builds. [`read`] reads the artifacts dbt writes (`manifest.json`,
//! `run_results.json`, `sources.json`) leniently, [`manifest`] answers what
//! the rules and pages ask of them, [`rules`] holds `dbt-ref`,
//! `dbt-failing` and `freshness-unmet`, [`observed`] gives the manifest's
//! lineage to `lineage-drift` (see [`crate::lineage`]), and [`exposures`]
//! writes the trace back for dbt as exposures.

pub mod exposures;
pub mod manifest;
pub mod names;
pub mod observed;
pub mod read;
pub mod risk;
pub mod rules;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use serde::Deserialize;

use crate::load::stamp;

pub use manifest::{Manifest, NodeId, NodeType, RunResults, SourceFreshness, Want};
pub use read::ArtifactError;

/// `[dbt]` in `throughline.toml`: where the artifacts are, relative to DIR.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DbtConfig {
    /// `target/manifest.json`: the section does nothing without it.
    pub manifest: Option<PathBuf>,
    pub run_results: Option<PathBuf>,
    pub sources: Option<PathBuf>,
}

impl DbtConfig {
    /// Whether the section asks for anything.
    pub fn enabled(&self) -> bool {
        self.manifest.is_some()
    }

    /// The artifact files the section names, below `dir` (canonical where
    /// they exist, as a watcher reports paths): a change of one is a change
    /// of what `check` finds.
    pub fn paths(&self, dir: &Path) -> Vec<PathBuf> {
        [&self.manifest, &self.run_results, &self.sources]
            .into_iter()
            .flatten()
            .map(|rel| {
                let path = dir.join(rel);
                let canonical = path.parent().and_then(|p| std::fs::canonicalize(p).ok());
                match (canonical, path.file_name()) {
                    (Some(parent), Some(name)) => parent.join(name),
                    _ => path,
                }
            })
            .collect()
    }

    /// `None`, or what is wrong with the section.
    pub fn problem(&self) -> Option<String> {
        if self.manifest.is_none() && (self.run_results.is_some() || self.sources.is_some()) {
            return Some(
                "[dbt] run-results and sources need `manifest`, the manifest they describe".into(),
            );
        }
        None
    }
}

/// The artifacts of a dbt project, read.
#[derive(Debug)]
pub struct Artifacts {
    /// The manifest's path as `[dbt] manifest` gives it.
    pub manifest_path: String,
    pub manifest: Manifest,
    pub run_results: Option<RunResults>,
    pub freshness: Option<SourceFreshness>,
    /// Each file read, with its size and modification time when read.
    stamps: Vec<(PathBuf, Stamp)>,
}

/// The schema versions of each artifact this reader was written against.
const KNOWN: &[(&str, &str, std::ops::RangeInclusive<u32>)] = &[
    ("manifest", "manifest", 10..=12),
    ("run results", "run-results", 4..=6),
    ("sources", "sources", 1..=3),
];

/// A file's size and modification time, as the load cache takes them.
type Stamp = Option<(u64, Option<SystemTime>)>;

/// A warning when `version` (an artifact's `dbt_schema_version`) is not one
/// this reader knows; the artifact is read all the same.
fn check_version(what: &str, path: &Path, version: Option<&str>) -> Option<String> {
    let (_, kind, known) = KNOWN.iter().find(|(w, _, _)| *w == what)?;
    let Some(url) = version else {
        return Some(format!(
            "dbt {what} {} has no dbt_schema_version; reading it as v{}",
            path.display(),
            known.end()
        ));
    };
    match read::schema_version(url) {
        Some((k, v)) if k == *kind && known.contains(&v) => None,
        _ => Some(format!(
            "dbt {what} {} has dbt_schema_version `{url}`, which throughline does not know (it reads v{} to v{}); reading the fields it uses all the same",
            path.display(),
            known.start(),
            known.end()
        )),
    }
}

/// The artifact `what` at `rel` below `dir`, when `[dbt]` names one: read,
/// stamped, its schema version checked.
fn optional<R: serde::de::DeserializeOwned>(
    what: &'static str,
    dir: &Path,
    rel: &Option<PathBuf>,
    stamps: &mut Vec<(PathBuf, Stamp)>,
    warnings: &mut Vec<String>,
    version: impl FnOnce(R) -> (Option<String>, R),
) -> Result<Option<R>, ArtifactError> {
    let Some(rel) = rel else { return Ok(None) };
    let path = dir.join(rel);
    stamps.push((path.clone(), stamp(&path)));
    let (v, raw) = version(read::read_json(what, &path)?);
    warnings.extend(check_version(what, &path, v.as_deref()));
    Ok(Some(raw))
}

impl Artifacts {
    /// Reads the artifacts `config` names, relative to `dir`; `None` when
    /// `[dbt]` names no manifest. Also returns warnings about schema
    /// versions this reader does not know.
    pub fn load(
        dir: &Path,
        config: &DbtConfig,
    ) -> Result<Option<(Artifacts, Vec<String>)>, ArtifactError> {
        Self::load_as(dir, config, false)
    }

    /// [`Artifacts::load`] for findings only (`check`): without the models'
    /// columns and descriptions, which only pages show.
    pub fn load_lean(
        dir: &Path,
        config: &DbtConfig,
    ) -> Result<Option<(Artifacts, Vec<String>)>, ArtifactError> {
        Self::load_as(dir, config, true)
    }

    fn load_as(
        dir: &Path,
        config: &DbtConfig,
        lean: bool,
    ) -> Result<Option<(Artifacts, Vec<String>)>, ArtifactError> {
        let Some(manifest_rel) = &config.manifest else {
            return Ok(None);
        };
        let mut warnings = Vec::new();
        let manifest_path = dir.join(manifest_rel);
        let mut stamps = vec![(manifest_path.clone(), stamp(&manifest_path))];
        let raw: read::RawManifest =
            read::reading(lean, || read::read_json("manifest", &manifest_path))?;
        warnings.extend(check_version(
            "manifest",
            &manifest_path,
            raw.metadata.dbt_schema_version.as_deref(),
        ));
        let manifest = Manifest::from_raw(raw);
        let run_results = optional(
            "run results",
            dir,
            &config.run_results,
            &mut stamps,
            &mut warnings,
            |raw: read::RawRunResults| (raw.metadata.dbt_schema_version.clone(), raw),
        )?
        .map(|raw| RunResults::from_raw(raw, &manifest));
        let freshness = optional(
            "sources",
            dir,
            &config.sources,
            &mut stamps,
            &mut warnings,
            |raw: read::RawSources| (raw.metadata.dbt_schema_version.clone(), raw),
        )?
        .map(|raw| SourceFreshness::from_raw(raw, &manifest));
        let artifacts = Artifacts {
            manifest_path: manifest_rel.to_string_lossy().replace('\\', "/"),
            manifest,
            run_results,
            freshness,
            stamps,
        };
        Ok(Some((artifacts, warnings)))
    }

    /// Whether every file read is still as it was when read.
    pub fn unchanged(&self) -> bool {
        self.stamps
            .iter()
            .all(|(path, was)| matches!(was, Some((_, Some(_)))) && stamp(path) == *was)
    }

    /// The files read, with their sizes and modification times: what a
    /// page built from them depends on (incremental builds).
    pub fn stamps(&self) -> &[(PathBuf, Stamp)] {
        &self.stamps
    }

    /// The last run status of `node`, when the run results know it.
    pub fn status(&self, node: NodeId) -> Option<&manifest::RunStatus> {
        self.run_results.as_ref()?.status.get(&node)
    }
}

/// Artifacts shared between checks, and the warnings of their reading.
pub type Shared = (Arc<Artifacts>, Vec<String>);

/// The artifacts of the last load, kept by the commands that check again
/// after each change (`serve`, `lsp`, `mcp`): read again only when a file
/// changed or `[dbt]` did.
#[derive(Debug, Default)]
pub struct Cache {
    kept: Option<(PathBuf, DbtConfig, Arc<Artifacts>)>,
}

impl Cache {
    /// The artifacts for `dir` and `config`, read again only when needed;
    /// warnings are returned only when the files are read.
    pub fn get(&mut self, dir: &Path, config: &DbtConfig) -> Result<Option<Shared>, ArtifactError> {
        if let Some((kept_dir, kept_config, artifacts)) = &self.kept
            && kept_dir == dir
            && kept_config == config
            && artifacts.unchanged()
        {
            return Ok(Some((artifacts.clone(), Vec::new())));
        }
        self.kept = None;
        let Some((artifacts, warnings)) = Artifacts::load(dir, config)? else {
            return Ok(None);
        };
        let artifacts = Arc::new(artifacts);
        self.kept = Some((dir.to_path_buf(), config.clone(), artifacts.clone()));
        Ok(Some((artifacts, warnings)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_versions_ten_to_twelve_are_known_and_others_are_named() {
        let path = Path::new("target/manifest.json");
        for v in 10..=12 {
            let url = format!("https://schemas.getdbt.com/dbt/manifest/v{v}.json");
            assert_eq!(check_version("manifest", path, Some(&url)), None, "v{v}");
        }
        for url in [
            "https://schemas.getdbt.com/dbt/manifest/v9.json",
            "https://schemas.getdbt.com/dbt/manifest/v13.json",
            "https://schemas.getdbt.com/dbt/run-results/v6.json",
        ] {
            let warning = check_version("manifest", path, Some(url)).expect(url);
            assert!(
                warning.contains(url) && warning.contains("v10 to v12"),
                "{warning}"
            );
        }
        let url = "https://schemas.getdbt.com/dbt/run-results/v6.json";
        assert_eq!(check_version("run results", path, Some(url)), None);
        assert!(
            check_version("sources", path, None)
                .unwrap()
                .contains("no dbt_schema_version")
        );
    }
}
