//! Markdown from specs to safe HTML.

use std::sync::LazyLock;

use pulldown_cmark::{Options, Parser, html};

/// Renders Markdown and sanitizes the result: raw HTML is cleaned, scripts,
/// event handlers and `javascript:`/`data:` links are removed, and links get
/// `rel="noopener noreferrer"`.
pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    CLEANER.clean(&unsafe_html).to_string()
}

/// The sanitizer, set up once: its allow-lists are sets built on creation.
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"));
    builder
});

/// The first sentence-ish of Markdown as plain text, for summaries and search.
pub fn summary(markdown: &str, max_chars: usize) -> String {
    let mut text = String::new();
    for event in Parser::new(markdown) {
        match event {
            pulldown_cmark::Event::Text(t) | pulldown_cmark::Event::Code(t) => text.push_str(&t),
            pulldown_cmark::Event::SoftBreak | pulldown_cmark::Event::HardBreak => text.push(' '),
            pulldown_cmark::Event::End(_) if !text.ends_with(' ') => text.push(' '),
            _ => {}
        }
        if text.chars().count() > max_chars {
            break;
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > max_chars {
        let cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_sanitizes() {
        let html = render(
            "**bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("onerror"));
        let html = render("[ok](https://example.com)");
        assert!(html.contains("rel=\"noopener noreferrer\""));
        assert!(!render("[d](data:text/html,x)").contains("data:"));
    }

    #[test]
    fn summaries_are_plain_and_short() {
        assert_eq!(
            summary("Some **bold** text.\n\nMore.", 100),
            "Some bold text. More."
        );
        assert_eq!(summary("abcdefghij", 5), "abcd…");
    }
}
