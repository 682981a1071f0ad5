//! `throughline init`: a small, valid, commented workspace to start from.

use std::path::{Path, PathBuf};

use crate::export;
use crate::model::Kind;
use crate::model::time::Date;

/// Where `init` puts the built-in schemas that the specs' editor hints point to.
pub const SCHEMA_DIR: &str = ".throughline/schemas";

/// The starter specs: path in the workspace, kind, text.
const SPECS: &[(&str, Kind, &str)] = &[
    (
        "north-star.yaml",
        Kind::NorthStar,
        include_str!("north-star.yaml"),
    ),
    (
        "goals/improve-retention.yaml",
        Kind::Goal,
        include_str!("goal.yaml"),
    ),
    (
        "initiatives/onboarding-nudges.yaml",
        Kind::Initiative,
        include_str!("initiative.yaml"),
    ),
    (
        "hypotheses/nudges-lift-retention.yaml",
        Kind::Hypothesis,
        include_str!("hypothesis.yaml"),
    ),
    (
        "use-cases/churn-risk-alerts.yaml",
        Kind::UseCase,
        include_str!("use-case.yaml"),
    ),
    (
        "data-products/customer-health.yaml",
        Kind::DataProduct,
        include_str!("data-product.yaml"),
    ),
    (
        "sources/product-events.yaml",
        Kind::Source,
        include_str!("source.yaml"),
    ),
    (
        "consumers/customer-success-team.yaml",
        Kind::Consumer,
        include_str!("consumer.yaml"),
    ),
];

const CONFIG: &str = include_str!("throughline.toml");

/// Observations of the starter indicators, dated from the day `init` runs.
const MEASUREMENTS: (&str, &str) = (
    "measurements/outcomes.measurements.csv",
    include_str!("measurements.csv"),
);

/// Fills the dates of the starter files from `today`: `{{deadline}}` is the
/// end of next year, `{{month-N}}` the first of the month N months ago.
fn dated(text: &str, today: Date) -> String {
    let mut text = text.replace("{{deadline}}", &format!("{}-12-31", today.year + 1));
    for n in 0..3 {
        let index = i64::from(today.year) * 12 + i64::from(today.month) - 1 - n;
        let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
        text = text.replace(
            &format!("{{{{month-{n}}}}}"),
            &format!("{year:04}-{month:02}-01"),
        );
    }
    text
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("refusing to overwrite existing files in {dir}: {files}; nothing was written")]
    Exists { dir: PathBuf, files: String },
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Every file `init` writes, with its contents, dated from `today`.
pub fn files(today: Date) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, kind, text) in SPECS {
        let up = "../".repeat(path.matches('/').count());
        let hint = format!("# yaml-language-server: $schema={up}{SCHEMA_DIR}/{kind}.schema.json\n");
        out.push((path.to_string(), hint + &dated(text, today)));
    }
    out.push((MEASUREMENTS.0.to_string(), dated(MEASUREMENTS.1, today)));
    let directive = format!(
        "#:schema ./{SCHEMA_DIR}/{}\n",
        crate::config::schema::FILE_NAME
    );
    out.push(("throughline.toml".to_string(), directive + CONFIG));
    let pretty = |v: serde_json::Value| serde_json::to_string_pretty(&v).expect("JSON") + "\n";
    for kind in Kind::ALL {
        out.push((
            format!("{SCHEMA_DIR}/{kind}.schema.json"),
            pretty(export::schema(kind)),
        ));
    }
    out.push((
        format!("{SCHEMA_DIR}/{}", export::BUNDLE),
        pretty(export::bundle()),
    ));
    out.push((
        format!("{SCHEMA_DIR}/{}", crate::config::schema::FILE_NAME),
        pretty(crate::config::schema::schema()),
    ));
    out
}

/// Writes the starter workspace into `dir`, creating it if needed. Writes
/// nothing if any of the files already exists.
pub fn init(dir: &Path, today: Date) -> Result<Vec<PathBuf>, InitError> {
    let files = files(today);
    let existing: Vec<&str> = files
        .iter()
        .filter(|(p, _)| dir.join(p).exists())
        .map(|(p, _)| p.as_str())
        .collect();
    if !existing.is_empty() {
        return Err(InitError::Exists {
            dir: dir.to_path_buf(),
            files: existing.join(", "),
        });
    }
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| InitError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        // `create_new`: never replace a file that appeared since the check above.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
            .map_err(|source| InitError::Io {
                path: path.clone(),
                source,
            })?;
        written.push(path);
    }
    Ok(written)
}
