//! Markdown from specs to safe HTML.

use std::sync::LazyLock;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd, html};

/// The Markdown of specs: CommonMark with tables, strikethrough and task lists.
const OPTIONS: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_TASKLISTS);

/// Renders Markdown and sanitizes the result: raw HTML is cleaned, scripts,
/// event handlers and `javascript:`/`data:` links are removed, and links get
/// `rel="noopener noreferrer"`.
pub fn render(markdown: &str) -> String {
    let events: Vec<Event> = Parser::new_ext(markdown, OPTIONS).collect();
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    if events.iter().all(is_plain) {
        html::push_html(&mut html, events.into_iter().map(plain));
        return as_cleaned(&html);
    }
    html::push_html(&mut html, events.into_iter());
    CLEANER.clean(&html).to_string()
}

/// Whether the event is one the sanitizer keeps as `pulldown-cmark` writes
/// it (but for the spelling, see [`as_cleaned`]): text, paragraphs,
/// headings, emphasis, lists, quotes, code, rules and breaks. Anything that
/// carries a URL or raw HTML, tables and task lists go through the
/// sanitizer.
fn is_plain(event: &Event) -> bool {
    match event {
        Event::Text(_) | Event::Code(_) | Event::SoftBreak | Event::HardBreak | Event::Rule => true,
        Event::Start(tag) => match tag {
            Tag::Paragraph
            | Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Item
            | Tag::List(_)
            | Tag::CodeBlock(_) => true,
            Tag::Heading {
                id, classes, attrs, ..
            } => id.is_none() && classes.is_empty() && attrs.is_empty(),
            Tag::BlockQuote(kind) => kind.is_none(),
            _ => false,
        },
        Event::End(tag) => matches!(
            tag,
            TagEnd::Paragraph
                | TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Item
                | TagEnd::List(_)
                | TagEnd::CodeBlock
                | TagEnd::Heading(_)
                | TagEnd::BlockQuote(_)
        ),
        _ => false,
    }
}

/// The event as the sanitizer leaves it: a code block without its
/// language's class.
fn plain(event: Event) -> Event {
    match event {
        Event::Start(Tag::CodeBlock(_)) => Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)),
        other => other,
    }
}

/// HTML of plain events as the sanitizer writes it out again: void
/// elements without a slash, no-break spaces as entities.
fn as_cleaned(html: &str) -> String {
    html.replace(" />", ">").replace('\u{a0}', "&nbsp;")
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

    /// Markdown always written through the sanitizer.
    fn cleaned(markdown: &str) -> String {
        let mut html = String::new();
        html::push_html(&mut html, Parser::new_ext(markdown, OPTIONS));
        CLEANER.clean(&html).to_string()
    }

    #[test]
    fn plain_markdown_is_written_as_the_sanitizer_writes_it() {
        let pieces = [
            "Some **bold**, *em*, _em_ and ~~gone~~ text.",
            "a \"quoted\" word & <angle> 'single' > \\ backslash",
            "no\u{a0}break, and\ttab",
            "line one  \nline two",
            "text\\\nhard break",
            "# Heading *em*",
            "### Three ###",
            "Setext\n======",
            "- one\n- two\n  - nested\n\n    loose",
            "3. three\n4. four",
            "1) one\n2) two",
            "* loose\n\n* list",
            "> quoted\n> more\n>\n> - in a list",
            "```rust\nlet x = \"<a>\" & 'b';\n```",
            "~~~\nfenced\n~~~",
            "    indented <code>",
            "---",
            "***",
            "`code <b> \"q\"`",
            "&amp; &quot; &#39; &nbsp; &copy; &lt;",
            "[link](https://example.com)",
            "[bad](javascript:alert(1))",
            "<b>raw</b> <script>x</script>",
            "| a | b |\n|---|:-:|\n| 1 | 2 |",
            "- [ ] task\n- [x] done",
            "![img](x.png)",
            "<https://auto.link>",
            "",
        ];
        let mut inputs: Vec<String> = Vec::new();
        for a in pieces {
            inputs.push(a.to_string());
            for b in pieces {
                inputs.push(format!("{a}\n\n{b}"));
                inputs.push(format!("{a}\n{b}"));
                inputs.push(format!("- {a}\n- {b}"));
                inputs.push(format!("> {a}\n\n{b}"));
            }
        }
        // And every spec of the fixtures and the example, read as Markdown.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for dir in ["tests/fixtures", "example-spec"] {
            for entry in walkdir::WalkDir::new(root.join(dir)) {
                let entry = entry.unwrap();
                if entry.path().extension().is_some_and(|e| e == "yaml") {
                    inputs.push(std::fs::read_to_string(entry.path()).unwrap());
                }
            }
        }
        let mut plain = 0;
        for input in &inputs {
            assert_eq!(render(input), cleaned(input), "{input:?}");
            plain += usize::from(Parser::new_ext(input, OPTIONS).all(|e| is_plain(&e)));
        }
        assert!(plain > inputs.len() / 3, "{plain} of {}", inputs.len());
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
