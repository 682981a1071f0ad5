//! A JSON Schema error as a finding a person can act on: at the YAML node it
//! is about, in words, with a did-you-mean for a misspelt field.

use super::*;

/// A diagnostic whose file is filled in by the caller.
pub(super) struct Pending {
    pub(super) diag: Diagnostic,
    span: Span,
    /// What it says of a mapping (at that mapping's span), so that a typo'd
    /// required field can be told once: `Missing(field)` or `Unknown(the
    /// field the unknown key is closest to)`.
    about: Option<(Span, Field)>,
}

#[derive(Clone, PartialEq)]
pub(super) enum Field {
    Missing(String),
    Unknown(String),
}

impl Pending {
    pub(super) fn at_file(self, file: usize) -> Diagnostic {
        self.diag.at(file, self.span)
    }
}

/// One finding per value and message: a schema that combines subschemas
/// (`allOf` with `unevaluatedProperties`, as ODCS does) can report one
/// unknown key from each. The one that helps most (a suggestion) is kept.
pub(super) fn dedupe(found: Vec<Pending>) -> Vec<Pending> {
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
pub(super) fn merge_typos(found: Vec<Pending>) -> Vec<Pending> {
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
pub(super) struct Target<'n> {
    /// The deepest node the path reaches.
    node: &'n Node,
    /// The span of the key that holds it, when it is a mapping value.
    key_span: Option<Span>,
    /// The path as users read it: `metric.unit`, `slos[0].target`.
    display: String,
}

pub(super) fn resolve<'n>(root: &'n Node, pointer: &str) -> Target<'n> {
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
pub(super) fn subschema<'s>(schema: &'s Json, schema_path: &str) -> Option<&'s Json> {
    let parent = schema_path.rsplit_once('/').map_or("", |(p, _)| p);
    schema.pointer(parent)
}

pub(super) fn description(schema: &Json) -> Option<String> {
    schema
        .get("description")
        .and_then(Json::as_str)
        .map(str::to_string)
}

pub(super) fn quoted(display: &str) -> String {
    if display.is_empty() {
        "the document".to_string()
    } else {
        format!("`{display}`")
    }
}

pub(super) fn value_text(node: &Node) -> String {
    match node.to_json() {
        Json::String(s) => s,
        other => other.to_string(),
    }
}

pub(super) fn type_name(kind: &TypeKind) -> String {
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
pub(super) fn describe(
    error: &ValidationError<'_>,
    root: &Node,
    schema: &Json,
    owner: &str,
) -> Vec<Pending> {
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
