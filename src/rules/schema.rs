//! The `schema` rule: each document against its kind's JSON Schema, with every
//! error mapped back to the YAML node it is about.

use std::sync::{Arc, OnceLock};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value as Json;

use crate::diagnostic::{Diagnostic, FileId, Rule};
use crate::load::Document;
use crate::load::source::{Pos, Span};
use crate::load::yaml::Node;
use crate::model::Kind;
use crate::rules::instance::Yaml;
use crate::suggest;

mod describe;

use describe::*;

/// The text of each built-in schema, as shipped in `schemas/`.
pub fn builtin_source(kind: Kind) -> &'static str {
    match kind {
        Kind::NorthStar => include_str!("../../schemas/NorthStar.schema.json"),
        Kind::Goal => include_str!("../../schemas/Goal.schema.json"),
        Kind::Initiative => include_str!("../../schemas/Initiative.schema.json"),
        Kind::Hypothesis => include_str!("../../schemas/Hypothesis.schema.json"),
        Kind::UseCase => include_str!("../../schemas/UseCase.schema.json"),
        Kind::DataProduct => include_str!("../../schemas/DataProduct.schema.json"),
        Kind::Source => include_str!("../../schemas/Source.schema.json"),
        Kind::Consumer => include_str!("../../schemas/Consumer.schema.json"),
    }
}

/// A compiled schema and its JSON (kept to read descriptions for help texts).
pub struct Schema {
    validator: Validator<Yaml>,
    json: Json,
}

impl Schema {
    /// Compiles a schema (draft from its `$schema`, 2020-12 by default) with
    /// format checks on. No reference is fetched over the network.
    pub fn compile(json: Json) -> Result<Schema, String> {
        let validator = jsonschema::options_for::<Yaml>()
            .should_validate_formats(true)
            .build(&json)
            .map_err(|e| e.to_string())?;
        Ok(Schema { validator, json })
    }

    /// The errors of `instance`, none at all for a valid one. Asking
    /// `is_valid` first spares the common case the error collection, which
    /// walks every keyword and tracks locations even when nothing is wrong.
    fn errors<'a>(
        &'a self,
        instance: &'a Node,
    ) -> impl Iterator<Item = jsonschema::ValidationError<'a>> + 'a {
        let valid = self.validator.is_valid(instance);
        (!valid)
            .then(|| self.validator.iter_errors(instance))
            .into_iter()
            .flatten()
    }
}

/// The compiled schemas of every kind.
pub struct Schemas {
    /// Compiled once per process and shared (`serve` checks again on every save).
    builtin: Arc<[Schema]>,
    /// The workspace's own schema of each kind, with its file name.
    workspace: Vec<Option<(Schema, String)>>,
}

/// A workspace schema that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("cannot read workspace schemas in {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("workspace schema {path}: {message}")]
    Invalid { path: String, message: String },
}

impl Schemas {
    /// The built-in schemas plus the `<Kind>.schema.json` files in `dir`.
    pub fn with_workspace(dir: &std::path::Path) -> Result<Schemas, SchemaError> {
        let mut schemas = Schemas::builtin();
        let entries = std::fs::read_dir(dir).map_err(|source| SchemaError::Read {
            path: dir.display().to_string(),
            source,
        })?;
        let mut names: Vec<std::path::PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(".schema.json"))
            .collect();
        names.sort();
        for path in names {
            let shown = path.display().to_string();
            let invalid = |message: String| SchemaError::Invalid {
                path: shown.clone(),
                message,
            };
            let file_name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let kind_name = file_name.trim_end_matches(".schema.json");
            let kind = Kind::from_name(kind_name).ok_or_else(|| {
                let hint = suggest::hint(kind_name, Kind::ALL.iter().map(|k| k.name()));
                invalid(format!(
                    "`{kind_name}` is not a kind; name the file `<Kind>.schema.json` with one of {}{hint}",
                    kind_list()
                ))
            })?;
            let text = std::fs::read_to_string(&path).map_err(|source| SchemaError::Read {
                path: shown.clone(),
                source,
            })?;
            let json: Json =
                serde_json::from_str(&text).map_err(|e| invalid(format!("not valid JSON: {e}")))?;
            if let Err(errors) = jsonschema::meta::validate(&json) {
                return Err(invalid(format!("not a valid JSON Schema: {errors}")));
            }
            let schema = Schema::compile(json).map_err(invalid)?;
            schemas.workspace[kind as usize] = Some((schema, file_name));
        }
        Ok(schemas)
    }

    /// Compiles the built-in schemas.
    pub fn builtin() -> Schemas {
        static BUILTIN: OnceLock<Arc<[Schema]>> = OnceLock::new();
        let builtin = BUILTIN.get_or_init(|| {
            Kind::ALL
                .iter()
                .map(|&k| {
                    let json = serde_json::from_str(builtin_source(k))
                        .unwrap_or_else(|e| panic!("built-in schema for {k} is not JSON: {e}"));
                    Schema::compile(json)
                        .unwrap_or_else(|e| panic!("built-in schema for {k} does not compile: {e}"))
                })
                .collect()
        });
        Schemas {
            builtin: builtin.clone(),
            workspace: Kind::ALL.iter().map(|_| None).collect(),
        }
    }

    /// Whether the workspace adds schemas of its own.
    pub fn has_workspace_schemas(&self) -> bool {
        self.workspace.iter().any(Option::is_some)
    }

    fn for_kind(&self, kind: Kind) -> &Schema {
        &self.builtin[kind as usize]
    }

    /// Checks one document: that it is a mapping, has a known `kind`, and
    /// matches that kind's schema.
    pub fn check(&self, doc_index: usize, doc: &Document, out: &mut Vec<Diagnostic>) {
        self.check_node(doc_index, doc.file, &doc.node, out);
    }

    /// [`Schemas::check`] for a document not yet placed in a workspace: the
    /// tree of document `doc_index`, in `file`.
    pub fn check_node(
        &self,
        doc_index: usize,
        file: FileId,
        node: &Node,
        out: &mut Vec<Diagnostic>,
    ) {
        let entity = node.get_str("id").map(str::to_string);
        let mut push = |d: Diagnostic| {
            let d = d.doc(doc_index);
            out.push(match &entity {
                Some(id) => d.entity(id.clone()),
                None => d,
            });
        };
        if node.as_map().is_none() {
            push(
                Diagnostic::new(
                    Rule::YamlSyntax,
                    format!(
                        "a spec document must be a mapping, found {}",
                        node.type_name()
                    ),
                )
                .label("expected `kind: …`, `id: …`, …")
                .at(file, node.span),
            );
            return;
        }
        let kind = match node.entry("kind") {
            None => {
                push(
                    Diagnostic::new(Rule::Schema, "missing required field `kind`")
                        .label("this document has no `kind`")
                        .help(format!("add `kind:` with one of {}", kind_list()))
                        .at(file, node.span),
                );
                return;
            }
            Some(entry) => match entry.value.as_str() {
                None => {
                    push(
                        Diagnostic::new(
                            Rule::Schema,
                            format!("`kind` must be a string, found {}", entry.value.type_name()),
                        )
                        .help(format!("use one of {}", kind_list()))
                        .at(file, entry.value.span),
                    );
                    return;
                }
                Some(crate::model::contract::KIND) => {
                    let schema = odcs();
                    let found: Vec<Pending> = schema
                        .errors(node)
                        .flat_map(|error| describe(&error, node, &schema.json, "a data contract"))
                        .collect();
                    for d in merge_typos(dedupe(found)) {
                        push(d.at_file(file));
                    }
                    return;
                }
                Some(name) => match Kind::from_name(name) {
                    Some(kind) => kind,
                    None => {
                        let help = suggest::did_you_mean(name, Kind::ALL.iter().map(|k| k.name()))
                            .unwrap_or_else(|| format!("use one of {}", kind_list()));
                        push(
                            Diagnostic::new(Rule::Schema, format!("unknown kind `{name}`"))
                                .label("not a kind throughline knows")
                                .help(help)
                                .at(file, entry.value.span),
                        );
                        return;
                    }
                },
            },
        };
        let schema = self.for_kind(kind);
        let found: Vec<Pending> = schema
            .errors(node)
            .flat_map(|error| describe(&error, node, &schema.json, &kind.with_article()))
            .collect();
        for d in merge_typos(found) {
            push(d.at_file(file));
        }
        if let Some((schema, name)) = &self.workspace[kind as usize] {
            for error in schema.errors(node) {
                for mut d in describe(&error, node, &schema.json, &kind.with_article()) {
                    let origin = format!("required by the workspace schema `{name}`");
                    d.diag.help = Some(match d.diag.help.take() {
                        Some(h) => format!("{h} ({origin})"),
                        None => origin,
                    });
                    push(d.at_file(file));
                }
            }
        }
    }
}

/// The ODCS v3.1.0 JSON Schema, as published (Apache-2.0; see
/// `schemas/standards/odcs/`), compiled once.
pub const ODCS_SCHEMA: &str =
    include_str!("../../schemas/standards/odcs/odcs-json-schema-v3.1.0.json");

fn odcs() -> &'static Schema {
    static ODCS: OnceLock<Schema> = OnceLock::new();
    ODCS.get_or_init(|| {
        let json = serde_json::from_str(ODCS_SCHEMA).expect("the ODCS schema is JSON");
        Schema::compile(json).expect("the ODCS schema compiles")
    })
}

fn kind_list() -> String {
    Kind::ALL
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields every kind shares must be described the same way in each schema.
    #[test]
    fn common_fields_agree_across_kinds() {
        let parse = |k: Kind| -> Json { serde_json::from_str(builtin_source(k)).unwrap() };
        let first = parse(Kind::NorthStar);
        for k in Kind::ALL {
            let s = parse(k);
            assert_eq!(s["$defs"], first["$defs"], "$defs of {k}");
            for field in [
                "apiVersion",
                "id",
                "name",
                "description",
                "owner",
                "tags",
                "reviewBy",
                "allow",
            ] {
                assert_eq!(
                    s["properties"][field], first["properties"][field],
                    "{field} of {k}"
                );
            }
            assert_eq!(s["properties"]["kind"]["const"], k.name());
        }
        // Every rule can be named in `allow:`.
        let names: Vec<&str> = first["$defs"]["ruleName"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let all: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(names, all);
    }

    #[test]
    fn builtin_schemas_compile() {
        let _ = Schemas::builtin();
    }
}
