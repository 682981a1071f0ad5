//! Markdown → sanitized HTML on arbitrary text: no script element, no event
//! handler attribute, no `javascript:` / `data:` URL in an attribute may come
//! out. (The words may appear as text: `<script>` escaped, a link's source
//! inside a raw HTML block, … are harmless.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use throughline::site::{markdown, svg};

/// The inside of every tag (`<a href="…">` → `a href="…"`), lowercased.
fn tags(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .filter_map(|rest| rest.split_once('>').map(|(tag, _)| tag.to_ascii_lowercase()))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let html = markdown::render(&text);
    for tag in tags(&html) {
        assert!(!tag.starts_with("script") && !tag.starts_with("iframe"), "{html}");
        for attr in tag.split_whitespace().skip(1) {
            let (name, value) = attr.split_once('=').unwrap_or((attr, ""));
            assert!(!name.starts_with("on"), "event handler in {html}");
            let value = value.trim_matches('"').trim();
            assert!(
                !value.starts_with("javascript:") && !value.starts_with("data:"),
                "{html}"
            );
        }
    }
    let escaped = svg::escape(&text);
    assert!(!escaped.contains('<') && !escaped.contains('"'));
    let _ = markdown::summary(&text, 160);
});
