//! Escaping text for HTML and XML: the site's pages and SVG, and the JUnit
//! report, all go through [`escape`].

/// Escapes text for element content and quoted attribute values, in HTML
/// and in XML alike. Characters XML 1.0 cannot carry at all (C0 controls other
/// than tab, line feed and carriage return; U+FFFE, U+FFFF) are dropped: they
/// are invisible, and HTML treats them as parse errors too.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// The bytes that start a character [`escape`] replaces or drops: the five
/// markup characters, C0 controls other than tab, line feed and carriage
/// return, and 0xEF (U+FFFE and U+FFFF are EF BF BE and EF BF BF).
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = !matches!(b as u8, b'\t' | b'\n' | b'\r');
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\'' as usize] = true;
    table[0xEF] = true;
    table
};

/// [`escape`], appended to `out`: runs of plain text are found with a
/// table lookup a byte and copied whole, as most text has nothing to escape.
pub fn escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut plain = 0;
    let mut i = 0;
    while let Some(run) = bytes[i..].iter().position(|&b| SPECIAL[usize::from(b)]) {
        i += run;
        let b = bytes[i];
        let replacement = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => "",
            // Another character that starts with EF: kept.
            0xEF => {
                i += 1;
                continue;
            }
            _ => "",
        };
        out.push_str(&s[plain..i]);
        out.push_str(replacement);
        i += if b == 0xEF { 3 } else { 1 };
        plain = i;
    }
    out.push_str(&s[plain..]);
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

    /// The character-by-character definition the byte scan must agree with.
    fn reference(s: &str) -> String {
        let mut out = String::new();
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

    proptest::proptest! {
        #[test]
        fn the_byte_scan_escapes_as_the_definition_does(s in "(?s).{0,40}|[\u{fff0}-\u{ffff}<&'\"\x00-\x1f a-z\u{e9}]{0,40}") {
            proptest::prop_assert_eq!(escape(&s), reference(&s));
        }
    }
}
