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
                let hint = suggest::did_you_mean(kind_name, Kind::ALL.iter().map(|k| k.name()))
                    .map(|h| format!("; {h}"))
                    .unwrap_or_default();
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

/// A diagnostic whose file is filled in by the caller.
struct Pending {
    diag: Diagnostic,
    span: Span,
    /// What it says of a mapping (at that mapping's span), so that a typo'd
    /// required field can be told once: `Missing(field)` or `Unknown(the
    /// field the unknown key is closest to)`.
    about: Option<(Span, Field)>,
}

#[derive(Clone, PartialEq)]
enum Field {
    Missing(String),
    Unknown(String),
}

impl Pending {
    fn at_file(self, file: usize) -> Diagnostic {
        self.diag.at(file, self.span)
    }
}

/// One finding per value and message: a schema that combines subschemas
/// (`allOf` with `unevaluatedProperties`, as ODCS does) can report one
/// unknown key from each. The one that helps most (a suggestion) is kept.
fn dedupe(found: Vec<Pending>) -> Vec<Pending> {
    let rank = |p: &Pending| match p.diag.help.as_deref() {
        Some(h) if h.starts_with("did you mean") => 2,
        Some(_) => 1,
        None => 0,
    };
    let mut out: Vec<Pending> = Vec::with_capacity(found.len());
    let mut at: std::collections::HashMap<(Pos, Pos, String), usize> = Default::default();
    for p in found {
        let key = (p.span.start, p.span.end, p.diag.message.clone());
        match at.get(&key) {
            Some(&i) => {
                if rank(&p) > rank(&out[i]) {
                    out[i] = p;
                }
            }
            None => {
                at.insert(key, out.len());
                out.push(p);
            }
        }
    }
    out
}

/// One typo of a required field breaks two rules at once: an unknown key
/// close to a missing required field. Keep the unknown key's finding (it
/// points at the typo and suggests the name), say there that the field is
/// missing, and drop the missing field's own finding.
fn merge_typos(found: Vec<Pending>) -> Vec<Pending> {
    let missing: Vec<(Span, String)> = found
        .iter()
        .filter_map(|p| match &p.about {
            Some((m, Field::Missing(f))) => Some((*m, f.clone())),
            _ => None,
        })
        .collect();
    let typo_of = |p: &Pending| match &p.about {
        Some((m, Field::Unknown(near))) if missing.iter().any(|(mm, f)| mm == m && f == near) => {
            Some((*m, near.clone()))
        }
        _ => None,
    };
    let typos: Vec<(Span, String)> = found.iter().filter_map(typo_of).collect();
    found
        .into_iter()
        .filter_map(|mut p| match &p.about {
            Some((m, Field::Missing(f))) if typos.iter().any(|(tm, t)| tm == m && t == f) => None,
            Some((m, Field::Unknown(near))) if typos.iter().any(|(tm, t)| tm == m && t == near) => {
                p.diag
                    .message
                    .push_str(&format!(", and required field `{near}` is missing"));
                Some(p)
            }
            _ => Some(p),
        })
        .collect()
}

/// Where an instance path lands in the YAML tree.
struct Target<'n> {
    /// The deepest node the path reaches.
    node: &'n Node,
    /// The span of the key that holds it, when it is a mapping value.
    key_span: Option<Span>,
    /// The path as users read it: `metric.unit`, `slos[0].target`.
    display: String,
}

fn resolve<'n>(root: &'n Node, pointer: &str) -> Target<'n> {
    let mut target = Target {
        node: root,
        key_span: None,
        display: String::new(),
    };
    for raw in pointer.split('/').skip(1) {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        let next = match (target.node.as_map(), target.node.as_seq()) {
            (Some(entries), _) => entries
                .iter()
                .find(|e| e.key == segment)
                .map(|e| (&e.value, Some(e.key_span))),
            (_, Some(items)) => segment
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .map(|n| (n, None)),
            _ => None,
        };
        let Some((node, key_span)) = next else {
            break;
        };
        if key_span.is_some() {
            if !target.display.is_empty() {
                target.display.push('.');
            }
            target.display.push_str(&segment);
        } else {
            target.display.push_str(&format!("[{segment}]"));
        }
        target.node = node;
        target.key_span = key_span;
    }
    target
}

/// The subschema that holds the failing keyword (the keyword's parent).
fn subschema<'s>(schema: &'s Json, schema_path: &str) -> Option<&'s Json> {
    let parent = schema_path.rsplit_once('/').map_or("", |(p, _)| p);
    schema.pointer(parent)
}

fn description(schema: &Json) -> Option<String> {
    schema
        .get("description")
        .and_then(Json::as_str)
        .map(str::to_string)
}

fn quoted(display: &str) -> String {
    if display.is_empty() {
        "the document".to_string()
    } else {
        format!("`{display}`")
    }
}

fn value_text(node: &Node) -> String {
    match node.to_json() {
        Json::String(s) => s,
        other => other.to_string(),
    }
}

fn type_name(kind: &TypeKind) -> String {
    fn one(t: &str) -> &'static str {
        match t {
            "array" => "a list",
            "object" => "a mapping",
            "string" => "a string",
            "number" => "a number",
            "integer" => "a whole number",
            "boolean" => "a boolean",
            _ => "null",
        }
    }
    match kind {
        TypeKind::Single(t) => one(&t.to_string()).to_string(),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| one(&t.to_string()))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// Turns one validation error into diagnostics at the right YAML node.
fn describe(error: &ValidationError<'_>, root: &Node, schema: &Json, owner: &str) -> Vec<Pending> {
    let target = resolve(root, error.instance_path().as_str());
    let here = quoted(&target.display);
    let node = target.node;
    let sub = subschema(schema, error.schema_path().as_str());
    let sub_help = sub.and_then(description);
    let one = |diag: Diagnostic, span: Span| {
        vec![Pending {
            diag,
            span,
            about: None,
        }]
    };
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let property = property.as_str().unwrap_or_default();
            let help = sub
                .and_then(|s| s.pointer(&format!("/properties/{property}")))
                .and_then(|p| {
                    description(p).or_else(|| {
                        p.get("$ref")
                            .and_then(Json::as_str)
                            .and_then(|r| schema.pointer(r.trim_start_matches('#')))
                            .and_then(description)
                    })
                });
            let message = if target.display.is_empty() {
                format!("missing required field `{property}`")
            } else {
                format!("{here} is missing required field `{property}`")
            };
            vec![Pending {
                diag: Diagnostic::new(Rule::Schema, message)
                    .label(format!("`{property}` is missing here"))
                    .help_opt(help.map(|h| format!("`{property}`: {h}"))),
                span: node.span,
                about: Some((node.span, Field::Missing(property.to_string()))),
            }]
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let allowed: Vec<&str> = sub
                .and_then(|s| s.get("properties"))
                .and_then(Json::as_object)
                .map(|p| p.keys().map(String::as_str).collect())
                .unwrap_or_default();
            let owner = if target.display.is_empty() {
                owner.to_string()
            } else {
                here.clone()
            };
            // One lookup table per error, so a mapping with thousands of
            // unknown keys costs linear time, not quadratic.
            let mut key_spans = std::collections::HashMap::new();
            for e in node.as_map().unwrap_or_default() {
                key_spans.entry(e.key.as_str()).or_insert(e.key_span);
            }
            unexpected
                .iter()
                .map(|key| {
                    let span = key_spans.get(key.as_str()).copied().unwrap_or(node.span);
                    let near = suggest::closest(key, allowed.iter().copied());
                    let help = suggest::did_you_mean(key, allowed.iter().copied()).or_else(|| {
                        (!allowed.is_empty()).then(|| {
                            format!(
                                "fields allowed here: {}",
                                allowed
                                    .iter()
                                    .map(|a| format!("`{a}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        })
                    });
                    Pending {
                        diag: Diagnostic::new(
                            Rule::Schema,
                            format!("unknown field `{key}` in {owner}"),
                        )
                        .label("unknown field")
                        .help_opt(help),
                        span,
                        about: near.map(|n| (node.span, Field::Unknown(n.to_string()))),
                    }
                })
                .collect()
        }
        ValidationErrorKind::Enum { options } => {
            let options: Vec<String> = options
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let found = value_text(node);
            let help = suggest::did_you_mean(&found, options.iter().map(String::as_str));
            one(
                Diagnostic::new(
                    Rule::Schema,
                    format!(
                        "{here} must be one of {}",
                        options
                            .iter()
                            .map(|o| format!("`{o}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .label(format!("`{found}` is not allowed"))
                .help_opt(help),
                node.span,
            )
        }
        ValidationErrorKind::Constant { expected_value } => {
            let expected = expected_value
                .as_str()
                .map_or_else(|| expected_value.to_string(), str::to_string);
            one(
                Diagnostic::new(Rule::Schema, format!("{here} must be `{expected}`"))
                    .label(format!("found `{}`", value_text(node))),
                node.span,
            )
        }
        ValidationErrorKind::Type { kind } => one(
            Diagnostic::new(
                Rule::Schema,
                format!(
                    "{here} must be {}, found {}",
                    type_name(kind),
                    node.type_name()
                ),
            )
            .label(format!("expected {}", type_name(kind)))
            .help_opt(sub_help),
            node.span,
        ),
        ValidationErrorKind::Pattern { .. } => one(
            Diagnostic::new(
                Rule::Schema,
                format!("{here} `{}` is not in the expected form", value_text(node)),
            )
            .label("not in the expected form")
            .help_opt(sub_help),
            node.span,
        ),
        ValidationErrorKind::Not { schema: not } => one(
            Diagnostic::new(
                Rule::Schema,
                format!("{here} `{}` is not allowed", value_text(node)),
            )
            .label("not allowed here")
            .help_opt(description(not).or(sub_help)),
            node.span,
        ),
        ValidationErrorKind::Format { format } => one(
            Diagnostic::new(
                Rule::Schema,
                format!("{here} `{}` is not a valid {format}", value_text(node)),
            )
            .label(format!("not a valid {format}"))
            .help_opt(sub_help),
            node.span,
        ),
        ValidationErrorKind::MinItems { limit } => one(
            Diagnostic::new(
                Rule::Schema,
                format!(
                    "{here} needs at least {limit} item{}",
                    if *limit == 1 { "" } else { "s" }
                ),
            )
            .label("too few items")
            .help_opt(sub_help),
            node.span,
        ),
        ValidationErrorKind::MinLength { limit } if *limit == 1 => one(
            Diagnostic::new(Rule::Schema, format!("{here} must not be empty"))
                .label("empty")
                .help_opt(sub_help),
            node.span,
        ),
        ValidationErrorKind::MaxLength { limit } => one(
            Diagnostic::new(
                Rule::Schema,
                format!("{here} is longer than {limit} characters"),
            )
            .label("too long")
            .help_opt(sub_help),
            node.span,
        ),
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            let all_required = !context.is_empty()
                && context.iter().all(|branch| {
                    !branch.is_empty()
                        && branch
                            .iter()
                            .all(|e| matches!(e.kind(), ValidationErrorKind::Required { .. }))
                });
            if all_required {
                let names: Vec<String> = context
                    .iter()
                    .flatten()
                    .filter_map(|e| match e.kind() {
                        ValidationErrorKind::Required { property } => {
                            property.as_str().map(|p| format!("`{p}`"))
                        }
                        _ => None,
                    })
                    .collect();
                let message = if target.display.is_empty() {
                    format!("needs at least one of {}", names.join(", "))
                } else {
                    format!("{here} needs at least one of {}", names.join(", "))
                };
                return one(
                    Diagnostic::new(Rule::Schema, message)
                        .label("none of them is here")
                        .help_opt(sub.and_then(description)),
                    node.span,
                );
            }
            // Otherwise the closest branch explains the problem best.
            context
                .iter()
                .min_by_key(|branch| branch.len())
                .map(|branch| {
                    branch
                        .iter()
                        .flat_map(|e| describe(e, root, schema, owner))
                        .collect()
                })
                .unwrap_or_default()
        }
        _ => one(
            Diagnostic::new(Rule::Schema, format!("{here}: {error}"))
                .label("does not match the schema")
                .help_opt(sub_help),
            node.span,
        ),
    }
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
