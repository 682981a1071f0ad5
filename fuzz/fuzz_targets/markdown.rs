//! Markdown → sanitized HTML on arbitrary text: no script, event handler or
//! `javascript:` / `data:` link may come out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use throughline::site::{markdown, svg};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let html = markdown::render(&text).to_ascii_lowercase();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(!html.contains("href=\"data:"), "{html}");
    assert!(!html.contains(" onerror=") && !html.contains(" onload="), "{html}");
    let escaped = svg::escape(&text);
    assert!(!escaped.contains('<') && !escaped.contains('"'));
    let _ = markdown::summary(&text, 160);
});
