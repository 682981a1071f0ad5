//! Positions between throughline's spans (1-based line, character column,
//! byte offset) and the protocol's (0-based line, a column in UTF-16 code
//! units, or in bytes when the client and server agree on UTF-8).

use serde_json::{Value, json};

use crate::load::source::{SourceFile, Span};

/// How the protocol counts columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
        }
    }

    /// UTF-8 when the client offers it (it is the cheaper for us), else the
    /// protocol's default, UTF-16.
    pub fn negotiate(offered: Option<&Value>) -> Encoding {
        let offers_utf8 = offered
            .and_then(Value::as_array)
            .is_some_and(|list| list.iter().any(|e| e == "utf-8"));
        if offers_utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        }
    }

    fn units(self, s: &str) -> usize {
        match self {
            Encoding::Utf8 => s.len(),
            Encoding::Utf16 => s.encode_utf16().count(),
        }
    }
}

/// The protocol position of byte `offset` in `text`.
pub fn position(text: &str, line_start: usize, line: usize, offset: usize, enc: Encoding) -> Value {
    let end = offset.clamp(line_start, text.len());
    let column = text.get(line_start..end).map_or(0, |s| enc.units(s));
    json!({ "line": line.saturating_sub(1), "character": column })
}

/// The protocol range of a span of `file`.
pub fn range(file: &SourceFile, span: Span, enc: Encoding) -> Value {
    let text = &file.text;
    let start = position(
        text,
        file.line_start(span.start.line()),
        span.start.line(),
        file.offset(span.start),
        enc,
    );
    let end = position(
        text,
        file.line_start(span.end.line()),
        span.end.line(),
        file.offset(span.end),
        enc,
    );
    json!({ "start": start, "end": end })
}

/// The byte offset in `text` of a protocol position (clamped to its line).
pub fn offset(text: &str, pos: &Value, enc: Encoding) -> usize {
    let line = pos["line"].as_u64().unwrap_or(0) as usize;
    let character = pos["character"].as_u64().unwrap_or(0) as usize;
    let mut start = 0;
    for _ in 0..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    if start == 0 && text.starts_with('\u{feff}') {
        start = '\u{feff}'.len_utf8();
    }
    let line_text = &text[start..];
    let line_text = &line_text[..line_text.find('\n').unwrap_or(line_text.len())];
    let mut units = 0;
    for (i, c) in line_text.char_indices() {
        if units >= character {
            return start + i;
        }
        units += match enc {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        };
    }
    start + line_text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_code_units_both_ways() {
        let text = "name: Bé 😀 x\n";
        let file = SourceFile::new("a".into(), "a".into(), text);
        let x = text.find('x').unwrap();
        let at = file.pos_of_offset(x);
        let span = Span::new(at, at);
        // "name: Bé 😀 " is 11 characters: 12 UTF-16 units (the emoji is two), 15 bytes.
        assert_eq!(
            range(&file, span, Encoding::Utf16)["start"]["character"],
            12
        );
        assert_eq!(range(&file, span, Encoding::Utf8)["start"]["character"], 15);
        assert_eq!(
            offset(text, &json!({"line": 0, "character": 12}), Encoding::Utf16),
            x
        );
        assert_eq!(
            offset(text, &json!({"line": 0, "character": 15}), Encoding::Utf8),
            x
        );
        assert_eq!(
            offset(text, &json!({"line": 5, "character": 0}), Encoding::Utf8),
            text.len()
        );
    }
}
