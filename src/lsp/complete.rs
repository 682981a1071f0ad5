//! Completion, from the text before the cursor (which may not parse while
//! it is being typed) and the last check: ids of the allowed kinds at a
//! reference, the fields a kind allows at a key, an enum's values, the kinds
//! after `kind:`.

use serde_json::{Value, json};

use super::Session;
use super::features::at;
use crate::model::{Kind, RefField};
use crate::rules::schema::builtin_source;

type Answer = Result<Value, (i32, String)>;

/// The protocol's CompletionItemKind numbers.
const FIELD: u32 = 5;
const ENUM_MEMBER: u32 = 20;
pub(super) const REFERENCE: u32 = 18;
const CLASS: u32 = 7;

/// Where the cursor is, in YAML terms.
#[derive(Debug, PartialEq)]
enum Context {
    /// Writing a value of `key` (after `key:`, or an item of its list).
    Value { key: String, parent: Option<String> },
    /// Writing a key, in the mapping under `parent` (`None`: the top level).
    Key { parent: Option<String> },
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '-']).len()
}

/// The key a line opens (`key:` with nothing after it but a comment).
fn opened_key(line: &str) -> Option<&str> {
    let t = line.trim_start().trim_start_matches("- ").trim_start();
    let (key, rest) = t.split_once(':')?;
    let rest = rest.trim();
    (!key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric())
        && (rest.is_empty() || rest.starts_with('#')))
    .then_some(key)
}

/// The key of the mapping that holds the line at `above` lines of
/// indentation `width`: the nearest line above it with less indentation.
fn parent_of<'t>(lines: &[&'t str], width: usize) -> Option<&'t str> {
    lines
        .iter()
        .rev()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .find(|l| {
            indent(l) < width
                || (indent(l) == width
                    && l.trim_start().starts_with("- ")
                    && opened_key(l).is_some()
                    && width == 0)
        })
        .and_then(|l| {
            opened_key(l).or_else(|| {
                l.trim_start()
                    .trim_start_matches("- ")
                    .split_once(':')
                    .map(|(k, _)| k)
            })
        })
}

fn context(before: &[&str], line: &str) -> Context {
    let trimmed = line.trim_start();
    let width = line.len() - trimmed.len();
    // `key: partial` or `key: [a, partial`
    if let Some((key, _)) = trimmed.trim_start_matches("- ").split_once(':') {
        let key = key.trim().to_string();
        let parent = if width == 0 {
            None
        } else {
            parent_of(before, width + usize::from(trimmed.starts_with("- "))).map(str::to_string)
        };
        return Context::Value { key, parent };
    }
    // `- partial`: an item of the list the line above opened
    if let Some(item) = trimmed.strip_prefix('-')
        && !item.contains(':')
    {
        let key = parent_of(before, width + 1).unwrap_or("").to_string();
        return Context::Value { key, parent: None };
    }
    Context::Key {
        parent: if width == 0 {
            None
        } else {
            parent_of(before, width).map(str::to_string)
        },
    }
}

/// The schema object under `parent` (a top-level field, its list's items).
fn object<'s>(schema: &'s Value, parent: Option<&str>) -> Option<&'s Value> {
    let Some(p) = parent else {
        return Some(schema);
    };
    let field = schema.pointer(&format!("/properties/{p}"))?;
    let field = resolve(schema, field);
    if field.get("items").is_some() {
        Some(resolve(schema, &field["items"]))
    } else {
        Some(field)
    }
}

fn resolve<'s>(schema: &'s Value, v: &'s Value) -> &'s Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => schema.pointer(r.trim_start_matches('#')).unwrap_or(v),
        None => v,
    }
}

fn description(schema: &Value, v: &Value) -> String {
    v.get("description")
        .or_else(|| resolve(schema, v).get("description"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

pub fn completion(session: &Session, params: &Value) -> Answer {
    let Some(at) = at(session, params) else {
        return Ok(json!([]));
    };
    let text = &at.source.text;
    let line_start = text[..at.offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..at.offset];
    // The document the cursor is in: back to the last `---`.
    let doc_start = text[..line_start]
        .match_indices("\n---")
        .last()
        .map_or(0, |(i, _)| i + 1);
    let before: Vec<&str> = text[doc_start..line_start].lines().collect();
    let kind = text[doc_start..]
        .lines()
        .find_map(|l| l.strip_prefix("kind:"))
        .and_then(|k| Kind::from_name(k.split('#').next().unwrap_or("").trim()));
    let checked = session.checked.as_ref();
    let items: Vec<Value> = match context(&before, line) {
        Context::Value { key, .. } if key == "kind" => Kind::ALL
            .iter()
            .map(|k| json!({ "label": k.name(), "kind": CLASS, "detail": k.label() }))
            .collect(),
        Context::Value { key, parent } => {
            let field = kind.and_then(|k| {
                k.ref_fields().iter().copied().find(|f| {
                    f.key() == key || (key == "consumer" && *f == RefField::UsageConsumer)
                })
            });
            let want = match kind {
                Some(Kind::DataProduct) => Some(crate::dbt::Want::Model),
                Some(Kind::Source) => Some(crate::dbt::Want::Source),
                Some(Kind::Consumer) => Some(crate::dbt::Want::Exposure),
                _ => None,
            };
            let dbt = checked.and_then(|c| c.workspace.dbt.as_deref());
            match (field, checked) {
                // A `dbt` value: the manifest's models, sources or exposures.
                (None, Some(_)) if key == "dbt" && want.is_some() && dbt.is_some() => {
                    super::dbt::names(dbt.expect("checked"), want.expect("checked"))
                }
                // An output port's contract: the workspace's ODCS contracts.
                (None, Some(checked)) if key == "contractId" && kind == Some(Kind::DataProduct) => {
                    checked
                        .analysis
                        .model
                        .contracts
                        .iter()
                        .map(|c| {
                            let node = c.node(&checked.workspace);
                            let version = node.get_str("version").unwrap_or("");
                            let name = node.get_str("name").unwrap_or("");
                            json!({
                                "label": c.id,
                                "kind": REFERENCE,
                                "detail": format!("DataContract {version} {name}").trim_end().to_string(),
                                "filterText": format!("{} {name}", c.id),
                            })
                        })
                        .collect()
                }
                (Some(field), Some(checked)) => {
                    let model = &checked.analysis.model;
                    model
                        .entities
                        .iter()
                        .enumerate()
                        .filter(|(e, en)| {
                            model.is_canonical(*e)
                                && en.kind.is_some_and(|k| field.targets().contains(&k))
                        })
                        .map(|(_, en)| {
                            let name = en
                                .node(&checked.workspace)
                                .get_str("name")
                                .unwrap_or(&en.id);
                            json!({
                                "label": en.id,
                                "kind": REFERENCE,
                                "detail": format!("{}: {name}", en.kind.map_or("", Kind::name)),
                                "filterText": format!("{} {name}", en.id),
                            })
                        })
                        .collect()
                }
                _ => enum_values(kind, parent.as_deref(), &key),
            }
        }
        Context::Key { parent } => {
            let Some(kind) = kind else {
                return Ok(json!([{ "label": "kind", "kind": FIELD, "insertText": "kind: " }]));
            };
            let schema: Value = serde_json::from_str(builtin_source(kind)).unwrap_or_default();
            let present: Vec<&str> = before
                .iter()
                .filter(|l| indent(l) == 0)
                .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim()))
                .collect();
            object(&schema, parent.as_deref())
                .and_then(|o| o.get("properties"))
                .and_then(Value::as_object)
                .map(|props| {
                    props
                        .iter()
                        .filter(|(k, _)| parent.is_some() || !present.contains(&k.as_str()))
                        .map(|(k, v)| {
                            json!({
                                "label": k,
                                "kind": FIELD,
                                "insertText": format!("{k}: "),
                                "documentation": { "kind": "markdown", "value": description(&schema, v) },
                            })
                        })
                        .collect()
                })
                .unwrap_or_default()
        }
    };
    Ok(json!({ "isIncomplete": false, "items": items }))
}

/// The values an enum field allows, from the kind's schema.
fn enum_values(kind: Option<Kind>, parent: Option<&str>, key: &str) -> Vec<Value> {
    let Some(kind) = kind else {
        return Vec::new();
    };
    let schema: Value = serde_json::from_str(builtin_source(kind)).unwrap_or_default();
    let field = object(&schema, parent)
        .and_then(|o| o.pointer(&format!("/properties/{key}")))
        .or_else(|| schema.pointer(&format!("/properties/{key}")));
    let Some(field) = field else {
        return Vec::new();
    };
    let field = resolve(&schema, field);
    field
        .get("enum")
        .and_then(Value::as_array)
        .map(|values| {
            values
                .iter()
                .filter_map(Value::as_str)
                .map(|v| json!({ "label": v, "kind": ENUM_MEMBER }))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(text: &str) -> Context {
        let lines: Vec<&str> = text.lines().collect();
        let (last, before) = lines.split_last().unwrap();
        context(before, last)
    }

    #[test]
    fn contexts() {
        assert_eq!(
            ctx("kind: Goal\ncontributesTo: no"),
            Context::Value {
                key: "contributesTo".into(),
                parent: None
            }
        );
        assert_eq!(
            ctx("kind: Initiative\ngoals: [a, b"),
            Context::Value {
                key: "goals".into(),
                parent: None
            }
        );
        assert_eq!(
            ctx("kind: UseCase\ndataProducts:\n  - or"),
            Context::Value {
                key: "dataProducts".into(),
                parent: None
            }
        );
        assert_eq!(ctx("kind: Goal\nsta"), Context::Key { parent: None });
        assert_eq!(
            ctx("kind: Goal\nsuccessIndicators:\n  - name: x\n    un"),
            Context::Key {
                parent: Some("successIndicators".into())
            }
        );
        assert_eq!(
            ctx("kind: DataProduct\nusagePatterns:\n  - consumer: c"),
            Context::Value {
                key: "consumer".into(),
                parent: Some("usagePatterns".into())
            }
        );
        assert_eq!(
            ctx("kind: Goal\nstatus: ac"),
            Context::Value {
                key: "status".into(),
                parent: None
            }
        );
    }
}
