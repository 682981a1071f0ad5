//! Reading dbt's artifacts leniently: only the fields throughline uses, each
//! allowed to be missing or `null`, so manifests of dbt 1.5 to 1.11 (schema
//! v10 to v12) and the fields later versions add are read alike. Nothing is
//! validated against dbt's published schemas: real manifests do not always
//! match them. `macros`, most of a manifest, are skipped unread.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};

/// Why an artifact could not be read (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("cannot read dbt {what} {path}: {source}")]
    Unreadable {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("dbt {what} {path}:{line}:{column}: {message}")]
    Malformed {
        what: &'static str,
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

/// Reads the JSON file at `path` as `T`, streaming: the file is never held
/// in memory whole.
pub(crate) fn read_json<T: DeserializeOwned>(
    what: &'static str,
    path: &Path,
) -> Result<T, ArtifactError> {
    let file = File::open(path).map_err(|source| ArtifactError::Unreadable {
        what,
        path: path.to_path_buf(),
        source,
    })?;
    let reader = BufReader::with_capacity(1 << 20, file);
    serde_json::from_reader(reader).map_err(|e| {
        if e.is_io() {
            return ArtifactError::Unreadable {
                what,
                path: path.to_path_buf(),
                source: std::io::Error::other(e.to_string()),
            };
        }
        // serde_json appends " at line L column C": the position is given apart.
        let text = e.to_string();
        let message = match text.rfind(" at line ") {
            Some(at) => text[..at].to_string(),
            None => text,
        };
        ArtifactError::Malformed {
            what,
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message,
        }
    })
}

thread_local! {
    /// Whether the manifest being read is for findings only (`check`): the
    /// columns and descriptions no rule reads are skipped, not kept.
    static LEAN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `read` with [`LEAN`] set to `lean`.
pub(crate) fn reading<T>(lean: bool, read: impl FnOnce() -> T) -> T {
    let was = LEAN.with(|l| l.replace(lean));
    let out = read();
    LEAN.with(|l| l.set(was));
    out
}

/// What the pages show and no rule reads: skipped when reading lean.
fn shown<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    if LEAN.with(|l| l.get()) {
        serde::de::IgnoredAny::deserialize(d)?;
        return Ok(T::default());
    }
    or_default(d)
}

/// `null` read as the type's default.
fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A model version: dbt writes `2`, `"2"` or `"beta"`.
fn version<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(i64),
        Float(f64),
        Text(String),
    }
    Ok(Option::<Raw>::deserialize(d)?.map(|v| match v {
        Raw::Int(i) => i.to_string(),
        Raw::Float(f) => f.to_string(),
        Raw::Text(s) => s,
    }))
}

/// A JSON object's entries in the order they are written (a model's columns).
#[derive(Debug)]
pub(crate) struct Ordered<V>(pub Vec<(String, V)>);

impl<V> Default for Ordered<V> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<V> IntoIterator for Ordered<V> {
    type Item = (String, V);
    type IntoIter = std::vec::IntoIter<(String, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visit<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// The `metadata` every artifact opens with.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Metadata {
    pub dbt_schema_version: Option<String>,
    pub dbt_version: Option<String>,
    pub generated_at: Option<String>,
    pub project_name: Option<String>,
}

/// The parts of a manifest throughline reads. Nodes, sources and
/// exposures are read into one list as each is parsed (see [`Manifest`]):
/// the manifest's maps are never held as maps.
///
/// [`Manifest`]: super::manifest::Manifest
#[derive(Debug, Default)]
pub(crate) struct RawManifest {
    pub metadata: Metadata,
    pub nodes: Vec<super::manifest::Node>,
    pub parent_map: Ordered<Vec<String>>,
}

impl<'de> Deserialize<'de> for RawManifest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
        /// Appends an object's values (nodes) to a list.
        struct Into<'a>(&'a mut Vec<super::manifest::Node>);
        impl<'de> DeserializeSeed<'de> for Into<'_> {
            type Value = ();
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                struct Append<'a>(&'a mut Vec<super::manifest::Node>);
                impl<'de> Visitor<'de> for Append<'_> {
                    type Value = ();
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("an object of nodes, or null")
                    }
                    fn visit_unit<E>(self) -> Result<(), E> {
                        Ok(())
                    }
                    fn visit_none<E>(self) -> Result<(), E> {
                        Ok(())
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
                        while map.next_key::<IgnoredAny>()?.is_some() {
                            let raw: RawNode = map.next_value()?;
                            self.0.push(raw.into());
                        }
                        Ok(())
                    }
                }
                d.deserialize_any(Append(self.0))
            }
        }
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = RawManifest;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a dbt manifest (a JSON object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawManifest, A::Error> {
                let mut out = RawManifest::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match &*key {
                        "metadata" => {
                            out.metadata = map.next_value::<Option<Metadata>>()?.unwrap_or_default()
                        }
                        "nodes" | "sources" | "exposures" => {
                            map.next_value_seed(Into(&mut out.nodes))?
                        }
                        "parent_map" => {
                            out.parent_map = map
                                .next_value::<Option<Ordered<Vec<String>>>>()?
                                .unwrap_or_default()
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                out.nodes.shrink_to_fit();
                Ok(out)
            }
        }
        d.deserialize_map(Visit)
    }
}

/// A node, a source or an exposure of the manifest: the fields of all three.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawNode {
    #[serde(deserialize_with = "or_default")]
    pub unique_id: String,
    #[serde(deserialize_with = "or_default")]
    pub resource_type: String,
    #[serde(deserialize_with = "or_default")]
    pub name: String,
    #[serde(deserialize_with = "or_default")]
    pub package_name: String,
    #[serde(deserialize_with = "version")]
    pub version: Option<String>,
    #[serde(deserialize_with = "version")]
    pub latest_version: Option<String>,
    pub relation_name: Option<String>,
    pub original_file_path: Option<String>,
    #[serde(deserialize_with = "shown")]
    pub description: Option<String>,
    #[serde(deserialize_with = "or_default")]
    pub config: RawConfig,
    #[serde(deserialize_with = "shown")]
    pub columns: Ordered<RawColumn>,
    #[serde(deserialize_with = "or_default")]
    pub depends_on: RawDependsOn,
    pub attached_node: Option<String>,
    pub column_name: Option<String>,
    pub test_metadata: Option<RawTestMetadata>,
    /// A source's `source_name`.
    pub source_name: Option<String>,
    /// An exposure's `type` (dashboard, notebook, …).
    #[serde(rename = "type")]
    pub exposure_type: Option<String>,
    pub owner: Option<RawOwner>,
    pub url: Option<String>,
    pub label: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawConfig {
    pub materialized: Option<String>,
    pub severity: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawColumn {
    #[serde(deserialize_with = "or_default")]
    pub name: String,
    pub description: Option<String>,
    pub data_type: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawDependsOn {
    #[serde(deserialize_with = "or_default")]
    pub nodes: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawTestMetadata {
    #[serde(deserialize_with = "or_default")]
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawOwner {
    pub name: Option<String>,
    pub email: Option<String>,
}

/// `run_results.json` (schema v4 to v6).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawRunResults {
    #[serde(deserialize_with = "or_default")]
    pub metadata: Metadata,
    #[serde(deserialize_with = "or_default")]
    pub results: Vec<RawRunResult>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawRunResult {
    #[serde(deserialize_with = "or_default")]
    pub unique_id: String,
    #[serde(deserialize_with = "or_default")]
    pub status: String,
    pub message: Option<String>,
    pub failures: Option<i64>,
}

/// `sources.json`, what `dbt source freshness` writes (schema v3).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawSources {
    #[serde(deserialize_with = "or_default")]
    pub metadata: Metadata,
    #[serde(deserialize_with = "or_default")]
    pub results: Vec<RawFreshness>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawFreshness {
    #[serde(deserialize_with = "or_default")]
    pub unique_id: String,
    #[serde(deserialize_with = "or_default")]
    pub status: String,
    pub max_loaded_at: Option<String>,
    pub snapshotted_at: Option<String>,
    /// dbt writes `max_loaded_at_time_ago_in_s`; the longer name is read too.
    #[serde(alias = "max_loaded_at_time_ago_in_seconds")]
    pub max_loaded_at_time_ago_in_s: Option<f64>,
    pub error: Option<String>,
}

/// The version number of a `dbt_schema_version` URL
/// (`https://schemas.getdbt.com/dbt/manifest/v12.json` → `("manifest", 12)`).
pub(crate) fn schema_version(url: &str) -> Option<(&str, u32)> {
    let rest = url.strip_suffix(".json")?;
    let (head, version) = rest.rsplit_once("/v")?;
    let kind = head.rsplit('/').next()?;
    Some((kind, version.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_versions_are_read_from_their_url() {
        assert_eq!(
            schema_version("https://schemas.getdbt.com/dbt/manifest/v12.json"),
            Some(("manifest", 12))
        );
        assert_eq!(
            schema_version("https://schemas.getdbt.com/dbt/run-results/v6.json"),
            Some(("run-results", 6))
        );
        assert_eq!(schema_version("manifest"), None);
    }

    #[test]
    fn nulls_and_missing_fields_are_defaults_and_versions_any_scalar() {
        let raw: RawManifest = serde_json::from_str(
            r#"{"metadata": null, "nodes": {"model.p.a.v2": {"unique_id": "model.p.a.v2",
               "name": "a", "version": 2, "latest_version": "2", "columns": null,
               "description": null, "config": {"materialized": "view", "new": [1]}}},
               "macros": {"macro.x": {"anything": [1, {"goes": null}]}}, "parent_map": null}"#,
        )
        .unwrap();
        let node = &raw.nodes[0];
        assert_eq!(node.version.as_deref(), Some("2"));
        assert_eq!(node.latest_version.as_deref(), Some("2"));
        assert!(node.columns.is_empty());
        assert_eq!(node.materialized.as_deref(), Some("view"));
        assert!(raw.parent_map.0.is_empty());
    }
}
