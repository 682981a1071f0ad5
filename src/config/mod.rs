//! `throughline.toml`: per-workspace settings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::load::discover::SpecFilter;

use crate::diagnostic::{Rule, Severity};
use crate::load::yaml::Limits;
use crate::suggest;

pub mod schema;

/// The file name looked up at the workspace root.
pub const FILE_NAME: &str = "throughline.toml";

/// What a rule is set to in `[rules]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Off,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    rules: BTreeMap<String, Level>,
    #[serde(default)]
    site: SiteConfig,
    #[serde(default)]
    schemas: SchemasConfig,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    workspace: WorkspaceConfig,
    #[serde(default)]
    review: RawReview,
    #[serde(default)]
    dbt: crate::dbt::DbtConfig,
    #[serde(default)]
    openlineage: crate::openlineage::OpenLineageConfig,
}

/// `[review]`: what a change of a parent must touch to ask for a review.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReview {
    /// Fields left out of every fingerprint (`description`), or of one
    /// kind's (`Goal.successIndicators`).
    #[serde(default)]
    ignore: Vec<String>,
}

/// `[review]`, read.
#[derive(Debug, Clone, Default)]
pub struct ReviewConfig {
    pub ignore: crate::review::fingerprint::Ignore,
}

/// `[workspace]`: which files are specs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkspaceConfig {
    /// Globs of files to read; `**/*.yaml` and `**/*.yml` by default.
    include: Option<Vec<String>>,
    /// Globs of files to leave out, such as a dbt project's `**/schema.yml`.
    #[serde(default)]
    exclude: Vec<String>,
}

/// `[schemas]`: the workspace's own JSON Schemas.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemasConfig {
    /// Directory of `<Kind>.schema.json` files, relative to the workspace,
    /// applied on top of the built-in schemas.
    pub dir: Option<PathBuf>,
}

/// `[site]`: settings of the generated site.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// Title shown in the site's header; the North Star's name by default.
    pub title: Option<String>,
    /// Base URL for "edit this spec" links, e.g.
    /// `https://github.com/acme/specs/edit/main/specs`; the spec's relative path is appended.
    pub repo_url: Option<String>,
    /// Directory of template overrides, relative to the workspace; `templates` by default.
    pub templates: Option<PathBuf>,
    /// Where the built site is published, e.g. `https://specs.example.com/`:
    /// the workbook, the exposures and the Backstage export link each entity
    /// to its page there. `base-url` is the same setting.
    #[serde(alias = "base-url")]
    pub url: Option<String>,
}

impl SiteConfig {
    /// `[site] url` ending in `/`, for a page's path to follow.
    pub fn base_url(&self) -> Option<String> {
        self.url.as_ref().map(|u| {
            if u.ends_with('/') {
                u.clone()
            } else {
                format!("{u}/")
            }
        })
    }
}

/// The workspace's configuration; the defaults when there is no file.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Rules whose severity is changed from the default.
    pub rules: BTreeMap<Rule, Level>,
    pub site: SiteConfig,
    pub schemas: SchemasConfig,
    /// Limits on what is read (file size, nesting, alias expansion).
    pub limits: Limits,
    /// Which files are specs (`[workspace] include` / `exclude`).
    pub specs: SpecFilter,
    /// Which changes of a parent make its links suspect (`[review]`).
    pub review: ReviewConfig,
    /// Where the dbt project's artifacts are (`[dbt]`).
    pub dbt: crate::dbt::DbtConfig,
    /// OpenLineage namespace and run-event files (`[openlineage]`).
    pub openlineage: crate::openlineage::OpenLineageConfig,
    /// Where the configuration was read from, if anywhere.
    pub path: Option<PathBuf>,
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// Whether `url` is an http(s) URL (the only links a site may carry to elsewhere).
pub fn is_web_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

impl Config {
    /// Reads `DIR/throughline.toml` if it exists.
    pub fn load(dir: &Path) -> Result<Config, ConfigError> {
        let path = dir.join(FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        let mut config = Config::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.clone(),
            message,
        })?;
        config.path = Some(path);
        Ok(config)
    }

    /// Parses the text of a `throughline.toml`.
    pub fn parse(text: &str) -> Result<Config, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut rules = BTreeMap::new();
        for (name, level) in raw.rules {
            let Some(rule) = Rule::from_name(&name) else {
                let hint = suggest::hint(&name, Rule::ALL.iter().map(|r| r.name()));
                return Err(format!("unknown rule `{name}` in [rules]{hint}"));
            };
            rules.insert(rule, level);
        }
        for (key, value) in [("repo_url", &raw.site.repo_url), ("url", &raw.site.url)] {
            if let Some(url) = value
                && !is_web_url(url)
            {
                return Err(format!(
                    "[site] {key} must start with https:// or http://, not `{url}`"
                ));
            }
        }
        let include = raw.workspace.include.unwrap_or_else(|| {
            crate::load::discover::DEFAULT_INCLUDE
                .iter()
                .map(|s| s.to_string())
                .collect()
        });
        let specs = SpecFilter::new(&include, &raw.workspace.exclude)?;
        let review = ReviewConfig {
            ignore: crate::review::fingerprint::Ignore::parse(&raw.review.ignore)?,
        };
        if let Some(problem) = raw.dbt.problem() {
            return Err(problem);
        }
        Ok(Config {
            dbt: raw.dbt,
            openlineage: raw.openlineage,
            review,
            rules,
            site: raw.site,
            schemas: raw.schemas,
            limits: raw.limits,
            specs,
            path: None,
        })
    }

    /// The severity `rule` has in this workspace, or `None` when it is off.
    pub fn severity(&self, rule: Rule) -> Option<Severity> {
        match self.rules.get(&rule) {
            None if rule.on_by_default() => Some(rule.default_severity()),
            None => None,
            Some(Level::Error) => Some(Severity::Error),
            Some(Level::Warning) => Some(Severity::Warning),
            Some(Level::Off) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_levels() {
        let c = Config::parse("[rules]\nmissing-slo = \"off\"\nunused = \"error\"\n").unwrap();
        assert_eq!(c.severity(Rule::MissingSlo), None);
        assert_eq!(c.severity(Rule::Unused), Some(Severity::Error));
        assert_eq!(c.severity(Rule::BrokenRef), Some(Severity::Error));
    }

    #[test]
    fn mistakes_are_explained() {
        let e = Config::parse("[rules]\nmissng-slo = \"off\"\n").unwrap_err();
        assert!(e.contains("did you mean `missing-slo`"), "{e}");
        let e = Config::parse("[rules]\nmissing-slo = \"loud\"\n").unwrap_err();
        assert!(e.contains("unknown variant"), "{e}");
        let c = Config::parse("[site]\nrepo_url = \"https://example.com\"\n").unwrap();
        assert_eq!(c.site.repo_url.as_deref(), Some("https://example.com"));
        assert!(Config::parse("[site]\nrepo = \"x\"\n").is_err());
        let e = Config::parse("[site]\nrepo_url = \"javascript:alert(1)\"\n").unwrap_err();
        assert!(e.contains("https://"), "{e}");
        let c = Config::parse("[limits]\nmax-depth = 20\n").unwrap();
        assert_eq!(c.limits.max_depth, 20);
        assert_eq!(c.limits.max_alias_nodes, Limits::default().max_alias_nodes);
        assert!(Config::parse("[limits]\nmax-dept = 20\n").is_err());
        let e = Config::parse("[rulez]\n").unwrap_err();
        assert!(e.contains("rulez"), "{e}");
    }
}
