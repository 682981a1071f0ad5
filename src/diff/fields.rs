//! Field-level changes between two revisions of one entity.
//!
//! Mappings are compared key by key, whatever the key order. Lists of
//! mappings that carry a name (`successIndicators`, `outputPorts`,
//! `measures`, `dimensions`), a consumer (`usagePatterns`) or a category and
//! property (`slos`) are matched by it, so reordering them is not a change
//! and editing one item is reported at that item. Lists of plain values
//! (`tags`, `goals`, `inputs`) are compared as sets of values.

use serde_json::Value as J;

use crate::load::yaml::{Node, Value};

/// One step of a path into an entity.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    Key(String),
    /// An item of a list: its position (in the head revision, or in the base
    /// one for a removed item) and, for matched lists, what matched it.
    Item {
        index: usize,
        label: Option<String>,
    },
}

/// A value that differs between the revisions. `before` is `None` for an
/// added field or item, `after` for a removed one.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub path: Vec<Seg>,
    pub before: Option<J>,
    pub after: Option<J>,
}

impl FieldChange {
    /// The path with list positions: `successIndicators[0].target`.
    pub fn field(&self) -> String {
        render(&self.path, false)
    }

    /// The path with matched items named: `successIndicators[Conversion].target`.
    pub fn label(&self) -> String {
        render(&self.path, true)
    }
}

fn render(path: &[Seg], labels: bool) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Item { index, label } => match label.as_ref().filter(|_| labels) {
                Some(l) => {
                    out.push('[');
                    out.push_str(l);
                    out.push(']');
                }
                None => out.push_str(&format!("[{index}]")),
            },
        }
    }
    out
}

/// The changes from `before` to `after`, in the order of the head's fields.
pub fn diff(before: &Node, after: &Node) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    node(before, after, &mut path, &mut out);
    out
}

fn node(before: &Node, after: &Node, path: &mut Vec<Seg>, out: &mut Vec<FieldChange>) {
    match (&before.value, &after.value) {
        (Value::Map(b), Value::Map(a)) => {
            for entry in a {
                path.push(Seg::Key(entry.key.to_string()));
                match b.iter().find(|e| e.key == entry.key) {
                    Some(old) => node(&old.value, &entry.value, path, out),
                    None => out.push(FieldChange {
                        path: path.clone(),
                        before: None,
                        after: Some(entry.value.to_json()),
                    }),
                }
                path.pop();
            }
            for entry in b.iter().filter(|e| !a.iter().any(|n| n.key == e.key)) {
                path.push(Seg::Key(entry.key.to_string()));
                out.push(FieldChange {
                    path: path.clone(),
                    before: Some(entry.value.to_json()),
                    after: None,
                });
                path.pop();
            }
        }
        (Value::Seq(b), Value::Seq(a)) => list(b, a, path, out),
        _ if same(before, after) => {}
        _ => out.push(FieldChange {
            path: path.clone(),
            before: Some(before.to_json()),
            after: Some(after.to_json()),
        }),
    }
}

/// Whether two nodes hold the same value (`30` and `30.0` are the same number).
pub fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|e| {
                    y.iter()
                        .find(|f| f.key == e.key)
                        .is_some_and(|f| same(&e.value, &f.value))
                })
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            a.as_f64() == b.as_f64()
        }
        (x, y) => x == y,
    }
}

/// What identifies an item of a list of mappings, tried in this order; the
/// first that every item of both revisions has is used.
const ITEM_KEYS: [&[&str]; 4] = [&["name"], &["consumer"], &["category", "property"], &["id"]];

fn item_key(item: &Node, keys: &[&str]) -> Option<String> {
    let parts: Option<Vec<&str>> = keys.iter().map(|k| item.get_str(k)).collect();
    parts.map(|p| p.join("/"))
}

fn list(before: &[Node], after: &[Node], path: &mut Vec<Seg>, out: &mut Vec<FieldChange>) {
    let all = || before.iter().chain(after);
    let keys = ITEM_KEYS
        .iter()
        .find(|keys| all().all(|item| item_key(item, keys).is_some()))
        .filter(|_| !before.is_empty() || !after.is_empty());
    if let Some(keys) = keys {
        return keyed(before, after, keys, path, out);
    }
    let scalar = |n: &Node| !matches!(n.value, Value::Map(_) | Value::Seq(_));
    if all().all(scalar) {
        // A set of values: order does not matter, the values do.
        let mut b: Vec<String> = before.iter().map(|n| n.to_json().to_string()).collect();
        let mut a: Vec<String> = after.iter().map(|n| n.to_json().to_string()).collect();
        b.sort();
        a.sort();
        if a != b {
            out.push(FieldChange {
                path: path.clone(),
                before: Some(J::Array(before.iter().map(Node::to_json).collect())),
                after: Some(J::Array(after.iter().map(Node::to_json).collect())),
            });
        }
        return;
    }
    for index in 0..before.len().max(after.len()) {
        path.push(Seg::Item { index, label: None });
        match (before.get(index), after.get(index)) {
            (Some(b), Some(a)) => node(b, a, path, out),
            (Some(b), None) => out.push(FieldChange {
                path: path.clone(),
                before: Some(b.to_json()),
                after: None,
            }),
            (None, Some(a)) => out.push(FieldChange {
                path: path.clone(),
                before: None,
                after: Some(a.to_json()),
            }),
            (None, None) => {}
        }
        path.pop();
    }
}

/// Each item's key, with `#2`, `#3` … added to repeats so that every label
/// is unique within the list.
fn labels(items: &[Node], keys: &[&str]) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    items
        .iter()
        .map(|item| {
            let key = item_key(item, keys).unwrap_or_default();
            let n = seen.entry(key.clone()).or_default();
            *n += 1;
            if *n == 1 { key } else { format!("{key}#{n}") }
        })
        .collect()
}

fn keyed(
    before: &[Node],
    after: &[Node],
    keys: &[&str],
    path: &mut Vec<Seg>,
    out: &mut Vec<FieldChange>,
) {
    let (b_labels, a_labels) = (labels(before, keys), labels(after, keys));
    for (index, (item, label)) in after.iter().zip(&a_labels).enumerate() {
        path.push(Seg::Item {
            index,
            label: Some(label.clone()),
        });
        match b_labels.iter().position(|l| l == label) {
            Some(old) => node(&before[old], item, path, out),
            None => out.push(FieldChange {
                path: path.clone(),
                before: None,
                after: Some(item.to_json()),
            }),
        }
        path.pop();
    }
    for (index, (item, label)) in before.iter().zip(&b_labels).enumerate() {
        if a_labels.contains(label) {
            continue;
        }
        path.push(Seg::Item {
            index,
            label: Some(label.clone()),
        });
        out.push(FieldChange {
            path: path.clone(),
            before: Some(item.to_json()),
            after: None,
        });
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::source::SourceFile;

    fn parse(text: &str) -> Node {
        let file = SourceFile::new("a.yaml".into(), "a.yaml".into(), text.to_string());
        let parsed = crate::load::yaml::parse(&file, Default::default());
        parsed.documents.into_iter().next().expect("a document")
    }

    fn fields(before: &str, after: &str) -> Vec<(String, String, Option<J>, Option<J>)> {
        diff(&parse(before), &parse(after))
            .into_iter()
            .map(|c| (c.field(), c.label(), c.before, c.after))
            .collect()
    }

    #[test]
    fn indicators_are_matched_by_name_not_position() {
        let before = "successIndicators:\n  - {name: a, target: 30}\n  - {name: b, target: 5}\n";
        let after = "successIndicators:\n  - {name: b, target: 5}\n  - {name: a, target: 25}\n";
        assert_eq!(
            fields(before, after),
            vec![(
                "successIndicators[1].target".to_string(),
                "successIndicators[a].target".to_string(),
                Some(J::from(30)),
                Some(J::from(25))
            )]
        );
    }

    #[test]
    fn reordering_keys_items_and_plain_lists_is_no_change() {
        let before = "a: 1\nb: [x, y]\nslos:\n  - {category: governance, property: access, target: x}\n  - {category: dataQuality, property: freshness, target: 1h}\n";
        let after = "b: [y, x]\nslos:\n  - {category: dataQuality, property: freshness, target: 1h}\n  - {property: access, category: governance, target: x}\na: 1.0\n";
        assert_eq!(fields(before, after), vec![]);
    }

    #[test]
    fn slos_are_matched_by_category_and_property() {
        let before = "slos:\n  - {category: dataQuality, property: freshness, target: 1h}\n";
        let after = "slos:\n  - {category: dataQuality, property: freshness, target: 24h}\n  - {category: governance, property: access, target: x}\n";
        let got = fields(before, after);
        assert_eq!(got[0].1, "slos[dataQuality/freshness].target");
        assert_eq!(got[1].0, "slos[1]");
        assert_eq!(got[1].2, None);
    }

    #[test]
    fn removed_items_and_fields_are_at_their_base_position() {
        let before = "outputPorts:\n  - {name: p, type: table}\n  - {name: q}\nowner: x\n";
        let after = "outputPorts:\n  - {name: q}\n";
        let got = fields(before, after);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1, "outputPorts[p]");
        assert_eq!(got[0].0, "outputPorts[0]");
        assert_eq!(got[0].3, None);
        assert_eq!(got[1].0, "owner");
    }

    #[test]
    fn a_plain_list_that_changes_is_one_change_with_both_lists() {
        let got = fields("tags: [a, b]\n", "tags: [a, c]\n");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "tags");
        assert_eq!(got[0].3, Some(serde_json::json!(["a", "c"])));
    }
}
