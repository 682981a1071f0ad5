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

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(
            escape("a<b & \"c\" \u{1}'\tx\u{ffff}é"),
            "a&lt;b &amp; &quot;c&quot; &#39;\tx\u{e9}"
        );
    }
}
