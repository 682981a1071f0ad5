//! Escaping text for HTML and XML: the site's pages and SVG, and the JUnit
//! report, all go through [`escape`].

/// Escapes text for element content and quoted attribute values, in HTML
/// and in XML alike. Characters XML 1.0 cannot carry at all (C0 controls other
/// than tab, line feed and carriage return; U+FFFE, U+FFFF) are dropped: they
/// are invisible, and HTML treats them as parse errors too.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A finding's message as HTML: escaped, with each `` `code` `` span (as
/// messages quote ids, fields and values) in `<code>`. An unpaired backtick
/// is kept as text.
pub fn code_spans(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(open) = rest.find('`') {
        let Some(len) = rest[open + 1..].find('`') else {
            break;
        };
        out.push_str(&escape(&rest[..open]));
        out.push_str("<code>");
        out.push_str(&escape(&rest[open + 1..open + 1 + len]));
        out.push_str("</code>");
        rest = &rest[open + len + 2..];
    }
    out.push_str(&escape(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::{code_spans, escape};

    #[test]
    fn code_spans_become_code() {
        assert_eq!(
            code_spans("`goals` names `<x>`, not `y"),
            "<code>goals</code> names <code>&lt;x&gt;</code>, not `y"
        );
        assert_eq!(code_spans("plain & simple"), "plain &amp; simple");
        assert_eq!(code_spans("``"), "<code></code>");
    }

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(
            escape("a<b & \"c\" \u{1}'\tx\u{ffff}é"),
            "a&lt;b &amp; &quot;c&quot; &#39;\tx\u{e9}"
        );
    }
}
