//! What a scalar's text means: YAML 1.2's core schema (null, booleans,
//! integers, floats), and mapping keys as strings.

use super::*;

/// The text of a mapping key. Scalars keep their YAML spelling; a list or
/// mapping used as a key (rare, and never valid in a spec) is written as
/// its JSON inside `<…>`, which no schema accepts, so that two different
/// complex keys stay different keys and two equal ones are duplicates.
pub(super) fn key_string(node: &Node) -> CompactString {
    match &node.value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string().into(),
        Value::Int(i) => i.to_string().into(),
        Value::Float(f) => f.to_string().into(),
        Value::Seq(_) | Value::Map(_) => format!("<{}>", node.to_json()).into(),
    }
}

/// Resolves a scalar with the YAML 1.2 core schema. Quoted and block scalars
/// are strings; core tags (`!!str`, `!!int`, …) are honoured.
pub(super) fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("str") => return Value::String(text.into()),
        Some("null") => return Value::Null,
        Some("bool") | Some("int") | Some("float") => return resolve_plain(text),
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.into());
    }
    resolve_plain(text)
}

pub(super) fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    // Every number left starts with a digit, a sign or a point; most plain
    // scalars (names, ids) are told apart by their first byte.
    if !text
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.'))
    {
        return Value::String(text.into());
    }
    if let Some(hex) = text.strip_prefix("0x")
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return i64::from_str_radix(hex, 16)
            .map(Value::Int)
            .unwrap_or_else(|_| Value::String(text.into()));
    }
    if let Some(oct) = text.strip_prefix("0o")
        && !oct.is_empty()
        && oct.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        return i64::from_str_radix(oct, 8)
            .map(Value::Int)
            .unwrap_or_else(|_| Value::String(text.into()));
    }
    if is_core_int(text) {
        return match text.parse::<i64>() {
            Ok(i) => Value::Int(i),
            // Too large for 64 bits: keep its magnitude as a float.
            Err(_) => text
                .parse::<f64>()
                .map(Value::Float)
                .unwrap_or_else(|_| Value::String(text.into())),
        };
    }
    if is_core_float(text)
        && let Ok(f) = text.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::String(text.into())
}

pub(super) fn is_core_int(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
pub(super) fn is_core_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (!int.is_empty() || !frac.is_empty())
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}
