//! Readable YAML from JSON values, for the files throughline writes (ODPS
//! exports, imported specs): block style, keys in their order, plain scalars
//! where YAML reads them back as the same string, literal blocks for text
//! over several lines, double quotes otherwise.

use serde_json::Value;

/// `value` (a mapping, usually) as a YAML document.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(map, 0, &mut out),
        Value::Array(items) if !items.is_empty() => sequence(items, 0, &mut out),
        other => {
            scalar(other, 0, &mut out);
            out.push('\n');
        }
    }
    out
}

fn pad(n: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn mapping(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    let mut first = true;
    for (k, v) in map {
        if !first {
            pad(indent, out);
        }
        first = false;
        key(k, out);
        out.push(':');
        value_after(v, indent, out);
    }
}

/// A value after `key:` or `- `: on the same line if it is a scalar,
/// indented below otherwise.
fn value_after(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            pad(indent + 2, out);
            mapping(m, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            pad(indent, out);
            sequence(a, indent, out);
        }
        other => {
            out.push(' ');
            scalar(other, indent + 2, out);
            out.push('\n');
        }
    }
}

fn sequence(items: &[Value], indent: usize, out: &mut String) {
    let mut first = true;
    for item in items {
        if !first {
            pad(indent, out);
        }
        first = false;
        out.push('-');
        match item {
            Value::Object(m) if !m.is_empty() => {
                out.push(' ');
                mapping(m, indent + 2, out);
            }
            Value::Array(a) if !a.is_empty() => {
                out.push(' ');
                sequence(a, indent + 2, out);
            }
            other => {
                out.push(' ');
                scalar(other, indent + 2, out);
                out.push('\n');
            }
        }
    }
}

fn key(k: &str, out: &mut String) {
    if plain_ok(k) {
        out.push_str(k);
    } else {
        quoted(k, out);
    }
}

fn scalar(v: &Value, indent: usize, out: &mut String) {
    use std::fmt::Write;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => string(s, indent, out),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn string(s: &str, indent: usize, out: &mut String) {
    if plain_ok(s) {
        out.push_str(s);
        return;
    }
    // Text over several lines, without characters a block cannot hold.
    if s.contains('\n')
        && !s.starts_with([' ', '\n'])
        && !s.chars().any(|c| c.is_control() && c != '\n')
        && !s.lines().any(|l| l.ends_with(' '))
    {
        let body = s.strip_suffix('\n');
        let chomp = match body {
            Some(b) if b.ends_with('\n') => return quoted(s, out),
            Some(_) => "|",
            None => "|-",
        };
        out.push_str(chomp);
        for line in body.unwrap_or(s).split('\n') {
            out.push('\n');
            if !line.is_empty() {
                pad(indent, out);
                out.push_str(line);
            }
        }
        return;
    }
    quoted(s, out);
}

/// A double-quoted scalar: JSON's string syntax, which YAML reads the same.
fn quoted(s: &str, out: &mut String) {
    out.push_str(&serde_json::to_string(s).expect("a string serializes"));
}

/// Whether `s` can be written bare and read back as this string.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s != s.trim() || s.contains('\n') || s.chars().any(char::is_control) {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // `-` or `?` or `:` followed by a non-space may start a plain scalar,
        // but a leading dash also reads as a number (`-1`): keep it simple.
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    let is = |word: &str| s.eq_ignore_ascii_case(word);
    let starts = |prefix: &str| {
        s.get(..prefix.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
    };
    const WORDS: [&str; 14] = [
        "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "-.inf", "+.inf",
        ".nan",
    ];
    if WORDS.into_iter().any(is) || starts("0x") || starts("0o") {
        return false;
    }
    // Anything a YAML reader may take for a number (or a date or time). A
    // float starts with a digit, a point, `inf` or `nan`, after one sign.
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let may_be_float = unsigned.starts_with(|c: char| c.is_ascii_digit() || ".iInN".contains(c));
    if may_be_float && s.parse::<f64>().is_ok()
        || s.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '+')
            && s.chars()
                .all(|c| c.is_ascii_digit() || "-:._+eE".contains(c))
    {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::source::SourceFile;
    use serde_json::json;

    fn read_back(text: &str) -> Value {
        let file = SourceFile::new("a.yaml".into(), "a.yaml".into(), text.to_string());
        let parsed = crate::load::yaml::parse(&file, Default::default());
        assert!(parsed.problems.is_empty(), "{text}");
        parsed
            .documents
            .into_iter()
            .next()
            .expect("a document")
            .to_json()
    }

    #[test]
    fn values_read_back_the_same() {
        let v = json!({
            "kind": "DataProduct",
            "id": "orders",
            "name": "Orders: every line",
            "description": "Line one\n\n- a **list**\n",
            "no_newline": "a\nb",
            "tags": ["yes", "1.0", "2026-01-01", "x #y", "-1", "ok", "", " spaced "],
            "n": 3, "f": 2.5, "t": true, "z": null,
            "empty": [], "obj": {},
            "ports": [{"name": "p", "version": "1.0.0", "nested": [{"a": 1}], "list": [[1, 2], []]}],
            "odd key": "v", "quote\"d": "\u{1}",
        });
        let text = to_yaml(&v);
        assert_eq!(read_back(&text), v, "{text}");
    }

    #[test]
    fn output_is_readable() {
        let text = to_yaml(
            &json!({"id": "a", "tags": ["x", "w"], "ports": [{"name": "p", "type": "table"}], "d": "one\ntwo\n"}),
        );
        assert_eq!(
            text,
            "id: a\ntags:\n- x\n- w\nports:\n- name: p\n  type: table\nd: |\n  one\n  two\n"
        );
    }
}
