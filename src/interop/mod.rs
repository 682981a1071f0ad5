//! The standards and files throughline exchanges with other tools (contract
//! §9): ODPS documents for data products (`odps.rs`), and the workbook for
//! stakeholders (`workbook.rs`). `yaml.rs` writes the YAML files.

pub mod backstage;
pub mod odps;
pub mod workbook;
pub mod yaml;

use std::path::{Path, PathBuf};

use crate::Checked;
use crate::model::Kind;

/// Why an export or import could not be done (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum InteropError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("{path} exists; pass --force to overwrite it")]
    Exists { path: String },
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), InteropError> {
    std::fs::write(path, bytes).map_err(|source| InteropError::Write {
        path: path.display().to_string(),
        source,
    })
}

fn create_dir(dir: &Path) -> Result<(), InteropError> {
    std::fs::create_dir_all(dir).map_err(|source| InteropError::Write {
        path: dir.display().to_string(),
        source,
    })
}

/// The ODPS document of each data product, as `(file name, YAML)`, in file order.
pub fn odps_files(
    ws: &crate::load::Workspace,
    model: &crate::model::Model,
) -> Vec<(String, String)> {
    model
        .of_kind(Kind::DataProduct)
        .filter(|&e| model.is_canonical(e))
        .map(|e| odps_file(ws, model, e))
        .collect()
}

/// The ODPS document of data product `e`: its file name and YAML.
pub fn odps_file(
    ws: &crate::load::Workspace,
    model: &crate::model::Model,
    e: crate::model::EntityId,
) -> (String, String) {
    let doc = odps::export(ws, model, e);
    (
        format!("{}.odps.yaml", model.entities[e].id),
        format!(
            "# ODPS v1.0.0, exported by throughline {} from {}\n{}",
            env!("CARGO_PKG_VERSION"),
            ws.files[model.entities[e].file].rel_path,
            yaml::to_yaml(&doc)
        ),
    )
}

/// Writes `OUT/<id>.odps.yaml` for each data product; the files written.
pub fn export_odps(checked: &Checked, out: &Path) -> Result<Vec<PathBuf>, InteropError> {
    create_dir(out)?;
    let files = odps_files(&checked.workspace, &checked.analysis.model);
    let progress = crate::progress::Progress::bar(files.len() as u64, "ODPS documents");
    let mut written = Vec::new();
    for (name, text) in files {
        let path = out.join(name);
        let done = write(&path, text.as_bytes());
        progress.inc();
        if let Err(e) = done {
            progress.finish();
            return Err(e);
        }
        written.push(path);
    }
    progress.finish();
    Ok(written)
}

/// One ODPS file read as a spec.
pub struct ImportedFile {
    pub from: PathBuf,
    /// The spec file written, relative to the output directory.
    pub written: String,
    pub notes: Vec<String>,
    /// Where the ODPS file breaks the ODPS schema (`path: message`).
    pub invalid: Vec<String>,
}

/// Reads ODPS files and writes a spec for each into `out` (one file per
/// product, named after its id). Existing files are kept unless `force`.
pub fn import_odps(
    files: &[PathBuf],
    out: &Path,
    force: bool,
) -> Result<Vec<ImportedFile>, InteropError> {
    let mut planned = Vec::new();
    for from in files {
        let shown = from.display().to_string();
        let bytes = std::fs::read(from).map_err(|e| InteropError::Read {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| InteropError::Read {
            path: shown.clone(),
            message: "not UTF-8".into(),
        })?;
        let file = crate::load::source::SourceFile::new(shown.clone(), from.clone(), text);
        let parsed = crate::load::yaml::parse(&file, Default::default());
        if let Some(crate::load::yaml::Problem::Syntax { message, at, .. }) = parsed
            .problems
            .iter()
            .find(|p| matches!(p, crate::load::yaml::Problem::Syntax { .. }))
        {
            return Err(InteropError::Read {
                path: format!("{shown}:{}:{}", at.start.line(), at.start.column()),
                message: format!("not valid YAML: {message}"),
            });
        }
        for node in &parsed.documents {
            let json = node.to_json();
            let invalid = odps::validator()
                .iter_errors(&json)
                .map(|e| {
                    let at = e.instance_path().to_string();
                    format!("{}: {e}", if at.is_empty() { "/" } else { &at })
                })
                .collect();
            let imported = odps::import(&json);
            let id = imported.spec["id"].as_str().unwrap_or_default().to_string();
            planned.push((from.clone(), id, imported, invalid));
        }
    }
    create_dir(out)?;
    let mut result = Vec::new();
    for (from, id, imported, invalid) in planned {
        let name = format!("{id}.yaml");
        let path = out.join(&name);
        if path.exists() && !force {
            return Err(InteropError::Exists {
                path: path.display().to_string(),
            });
        }
        let text = format!(
            "# Imported from {} (ODPS) by throughline {}.\n{}",
            from.file_name().unwrap_or_default().to_string_lossy(),
            env!("CARGO_PKG_VERSION"),
            yaml::to_yaml(&serde_json::Value::Object(imported.spec))
        );
        write(&path, text.as_bytes())?;
        result.push(ImportedFile {
            from,
            written: name,
            notes: imported.notes,
            invalid,
        });
    }
    Ok(result)
}
