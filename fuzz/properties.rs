// What the fuzz targets assert, in one file that both the targets
// (`fuzz/fuzz_targets/*.rs`) and `cargo test` (`tests/fuzz_replay.rs`)
// include, so every saved input is replayed by the ordinary test suite.

use throughline::config::Config;
use throughline::load;
use throughline::model::time::Date;
use throughline::report::{Report, human};
use throughline::rules::{self, Schemas};
use throughline::markup;
use throughline::site::markdown;

/// Load → check on arbitrary bytes: the input is split on 0xFF into up to
/// four spec files, checked together; nothing may panic, every finding's
/// position must lie inside its file, on character boundaries, and the human
/// report (source snippets included) must carry no control character but
/// line feeds and tabs.
pub fn check_bytes(data: &[u8]) {
    let files: Vec<(String, String)> = data
        .split(|&b| b == 0xFF)
        .take(4)
        .enumerate()
        .map(|(i, part)| (format!("f{i}.yaml"), String::from_utf8_lossy(part).into_owned()))
        .collect();
    let ws = load::from_texts(files, Default::default());
    let schemas = Schemas::builtin(); // compiled once per process
    let today = Date::parse("2026-06-01").unwrap();
    let analysis = rules::check(&ws, &Config::default(), &schemas, today);
    for d in &analysis.diagnostics {
        if let Some(loc) = d.location {
            let file = &ws.files[loc.file];
            let (s, e) = (loc.span.start, loc.span.end);
            assert!(file.offset(s) <= file.offset(e) && file.offset(e) <= file.text.len());
            assert!(file.text.is_char_boundary(file.offset(s)) && file.text.is_char_boundary(file.offset(e)));
            assert!(s.line() >= 1 && s.line() <= file.line_count() && s.column() >= 1);
        }
    }
    let mut out = Vec::new();
    human::render(&Report::new(&ws, &analysis), &mut out).unwrap();
    let text = String::from_utf8(out).expect("the human report is UTF-8");
    assert!(
        !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{text:?}"
    );
}

/// The inside of every tag (`<a href="…">` → `a href="…"`), lowercased.
fn tags(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .filter_map(|rest| rest.split_once('>').map(|(tag, _)| tag.to_ascii_lowercase()))
        .collect()
}

/// Markdown → sanitized HTML on arbitrary text: no script element, no event
/// handler attribute, no `javascript:` / `data:` URL in an attribute may come
/// out. (The words may appear as text: `<script>` escaped, a link's source
/// inside a raw HTML block, … are harmless.)
pub fn markdown_bytes(data: &[u8]) {
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
    let escaped = markup::escape(&text);
    assert!(!escaped.contains('<') && !escaped.contains('"'));
    let _ = markdown::summary(&text, 160);
}
