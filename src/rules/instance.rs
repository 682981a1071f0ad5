//! A YAML tree as the instance a JSON Schema validates, read in place.
//!
//! `jsonschema` validates any representation that implements its `Json`
//! traits. Reading the spanned YAML tree directly spares every document a
//! `serde_json::Value` copy of itself, which cost as much as validating it.
//! The tree answers exactly as [`Node::to_json`] would: the same types, the
//! same numbers, and a float JSON cannot hold (NaN, infinity) as its text.

use std::borrow::Cow;

use jsonschema::JsonType;
use jsonschema::json::{Array, Json, Node as JsonNode, NodeIdentity, Object};
use serde_json::Value as JsonValue;

use crate::load::yaml::{Entry, Node, Value};

/// The spanned YAML tree as a `jsonschema` representation.
pub struct Yaml;

/// Scratch storage for a property name validated as a node of its own.
#[derive(Default)]
pub struct NameNode(Option<Node>);

impl Json for Yaml {
    type Node<'a> = &'a Node;
    type PreparedKey = String;
    type StringBuffer = NameNode;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(buffer: &mut NameNode, string: &str, f: impl FnOnce(&Node) -> T) -> T {
        let node = buffer.0.insert(Node {
            value: Value::String(string.into()),
            span: Default::default(),
        });
        f(node)
    }
}

/// A float JSON has no number for, validated as its text as `to_json` keeps it.
fn unrepresentable(value: &Value) -> Option<f64> {
    match *value {
        Value::Float(f) if !f.is_finite() => Some(f),
        _ => None,
    }
}

impl<'a> JsonNode<'a, Yaml> for &'a Node {
    type Object = &'a [Entry];
    type Array = &'a [Node];
    type Number = serde_json::Number;

    fn as_object(&self) -> Option<&'a [Entry]> {
        self.as_map()
    }

    fn as_array(&self) -> Option<&'a [Node]> {
        self.as_seq()
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match &self.value {
            Value::String(s) => Some(Cow::Borrowed(s.as_str())),
            v => unrepresentable(v).map(|f| Cow::Owned(f.to_string())),
        }
    }

    fn as_number(&self) -> Option<serde_json::Number> {
        match self.value {
            Value::Int(i) => Some(i.into()),
            Value::Float(f) => serde_json::Number::from_f64(f),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    fn json_type(&self) -> JsonType {
        match self.value {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Int(_) => JsonType::Number,
            Value::Float(f) if f.is_finite() => JsonType::Number,
            Value::Float(_) | Value::String(_) => JsonType::String,
            Value::Seq(_) => JsonType::Array,
            Value::Map(_) => JsonType::Object,
        }
    }

    /// Strings and booleans (every `enum` of the built-in schemas) compare
    /// without building a JSON value; the rest as JSON does.
    fn equals_value(&self, expected: &JsonValue) -> bool {
        match (&self.value, expected) {
            (Value::String(s), JsonValue::String(e)) => s == e,
            (Value::String(_), _) => false,
            (Value::Bool(b), JsonValue::Bool(e)) => b == e,
            (Value::Null, e) => e.is_null(),
            _ => jsonschema::json::cmp::equal(&self.to_value(), expected),
        }
    }

    fn to_value(&self) -> Cow<'a, JsonValue> {
        Cow::Owned(self.to_json())
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(std::ptr::from_ref::<Node>(*self) as usize))
    }
}

/// The entries of a mapping, in their order in the file. Keys are unique:
/// the parser drops a duplicate key's entry and reports it.
impl<'a> Object<'a, Yaml> for &'a [Entry] {
    type Node = &'a Node;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        <[Entry]>::len(self)
    }

    fn get(&self, key: &String) -> Option<&'a Node> {
        self.iter().find(|e| e.key == key).map(|e| &e.value)
    }

    fn members(&self) -> Members<'a> {
        Members(self.iter())
    }
}

pub struct Members<'a>(std::slice::Iter<'a, Entry>);

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, &'a Node);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|e| (e.key.as_str(), &e.value))
    }
}

impl<'a> Array<'a, Yaml> for &'a [Node] {
    type Node = &'a Node;
    type ElementsIter = std::slice::Iter<'a, Node>;

    fn len(&self) -> usize {
        <[Node]>::len(self)
    }

    fn elements(&self) -> std::slice::Iter<'a, Node> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::source::SourceFile;

    fn tree(text: &str) -> Node {
        let file = SourceFile::new("t.yaml".into(), "t.yaml".into(), text);
        let parsed = crate::load::yaml::parse(&file, Default::default());
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        parsed.documents.into_iter().next().expect("one document")
    }

    #[test]
    fn the_tree_keeps_the_contract_jsonschema_relies_on() {
        let doc = tree(
            "string: héllo\ninteger: 42\nfloat: 1.5\nboolean: true\nnull: null\n\
             array: [10, 20, 30]\nduplicates: [1, {a: 1}, {a: 1}]\nobject: {nested: value}\n",
        );
        assert_eq!(doc.to_json(), jsonschema::json::conformance::document());
        jsonschema::json::conformance::assert_conformance::<Yaml>(&&doc);
    }

    /// Every schema answers of the tree what it answers of its JSON copy,
    /// errors included, for the values YAML has and JSON lacks.
    #[test]
    fn validating_the_tree_agrees_with_validating_its_json() {
        let schema = serde_json::json!({
            "type": "object",
            "properties": {
                "n": {"type": "number", "minimum": 0},
                "i": {"type": "integer"},
                "s": {"enum": ["a", "b", 1.5, null, true]},
                "l": {"type": "array", "uniqueItems": true, "items": {"type": "string"}},
                "c": {"const": {"x": [1, 2]}},
            },
            "propertyNames": {"pattern": "^[a-z]$"},
            "additionalProperties": false,
        });
        let ours = jsonschema::options_for::<Yaml>().build(&schema).unwrap();
        let theirs = jsonschema::validator_for(&schema).unwrap();
        for (text, valid) in [
            ("n: 1\ni: 2\ns: a\nl: [x, y]\nc: {x: [1, 2]}\n", true),
            ("n: .nan\n", false),
            ("n: -.inf\ni: 2.0\n", false),
            ("i: 2.5\ns: c\n", false),
            ("s: 1.5\n", true),
            ("s: ~\n", true),
            ("s: true\nl: [x, x]\n", false),
            ("s: 'true'\nl: [1]\n", false),
            ("c: {x: [1, 2.0]}\n", true),
            ("c: {x: [2, 1]}\n", false),
            ("Bad: 1\nzz: 2\n", false),
        ] {
            let doc = tree(text);
            let json = doc.to_json();
            let errors = |it: jsonschema::ErrorIterator<'_>| -> Vec<String> {
                it.map(|e| format!("{} at {} by {}", e, e.instance_path(), e.schema_path()))
                    .collect()
            };
            assert_eq!(ours.is_valid(&doc), valid, "{text}");
            assert_eq!(theirs.is_valid(&json), valid, "{text}");
            assert_eq!(
                errors(ours.iter_errors(&doc)),
                errors(theirs.iter_errors(&json)),
                "{text}"
            );
        }
    }
}
