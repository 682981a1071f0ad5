//! Text bound for a terminal: spec text with its control characters shown as
//! escapes, and the few source lines under a finding, cut to a readable width.

use std::borrow::Cow;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::diagnostic::Location;
use crate::load::source::SourceFile;

/// Characters a spec may carry that a terminal would act on or display
/// misleadingly: control characters (which can move the cursor, recolour or
/// retitle the terminal, or with a carriage return overwrite what came before
/// on the line) other than tab and line feed, and the bidirectional overrides
/// that can make a line read differently from its bytes.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n'))
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text from a spec, safe to print to a terminal: each unsafe character is
/// shown as an escape (`\u{1b}`).
pub fn printable(s: &str) -> Cow<'_, str> {
    escaped(s, is_unsafe)
}

/// A file name, safe to print on one line: like [`printable`], and a tab or
/// line break in it is escaped too.
pub fn printable_name(s: &str) -> Cow<'_, str> {
    escaped(s, |c| is_unsafe(c) || c.is_control())
}

fn escaped(s: &str, is_unsafe: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A line longer than this many characters is cut around the label.
const LONG_LINE: usize = 150;
/// Characters kept of a cut line, and of them, before the label.
const KEEP: usize = 110;
const BEFORE: usize = 40;
const CUT: &str = "…";

/// The lines around one label: the line before, the label's line and the
/// line after, each cut to a window if long (a minified file is one long
/// line; printing it under each of its findings would flood the terminal),
/// with unsafe characters shown as `?`. Line numbers and the label's column
/// stay those of the file.
pub struct Snippet {
    name: String,
    text: String,
    /// 0-based number of the first line in `text`.
    first_line: usize,
    /// Where the label starts in `text`, and its 0-based column in the file.
    label_at: usize,
    label_column: usize,
}

impl Snippet {
    /// The snippet for `loc` in `file`, and the label's span within it. A span
    /// that runs over several lines is cut to its first line, so a missing
    /// field in a large mapping does not print the mapping.
    pub fn new(file: &SourceFile, loc: Location) -> (Snippet, SourceSpan) {
        let line = loc.span.start.line().clamp(1, file.line_count());
        let first = line.saturating_sub(1).max(1);
        let mut last = (line + 1).min(file.line_count());
        // The empty "line" after a final line break is not shown as context.
        if last > line && last == file.line_count() && file.line_text(last).is_empty() {
            last = line;
        }
        // The label's byte range within its line.
        let (start, end) = {
            let (line_start, len) = (file.line_start(line), file.line_text(line).len());
            let (start, end) = (file.offset(loc.span.start), file.offset(loc.span.end));
            let start = start.clamp(line_start, line_start + len) - line_start;
            let end = (end.max(line_start) - line_start).clamp(start, len);
            (start, end)
        };
        let mut text = String::new();
        let mut label = (0, 0);
        for n in first..=last {
            let content = file.line_text(n);
            let (from, to) = window(content, if n == line { start } else { 0 });
            if from > 0 {
                text.push_str(CUT);
            }
            if n == line {
                label = (text.len() + start - from, end.min(to) - start);
            }
            push_inert(&mut text, &content[from..to]);
            if to < content.len() {
                text.push_str(CUT);
            }
            text.push('\n');
        }
        let snippet = Snippet {
            name: printable_name(&file.rel_path).into_owned(),
            text,
            first_line: first - 1,
            label_at: label.0,
            label_column: loc.span.start.column().saturating_sub(1),
        };
        (snippet, SourceSpan::new(label.0.into(), label.1))
    }
}

/// The byte range of `line` to show so that byte `at` is in view: all of a
/// short line, else `KEEP` characters starting up to `BEFORE` before `at`.
fn window(line: &str, at: usize) -> (usize, usize) {
    if line.len() <= LONG_LINE || line.chars().nth(LONG_LINE).is_none() {
        return (0, line.len());
    }
    let from = line[..at]
        .char_indices()
        .rev()
        .nth(BEFORE - 1)
        .map_or(0, |(i, _)| i);
    let to = line[from..]
        .char_indices()
        .nth(KEEP)
        .map_or(line.len(), |(i, _)| from + i);
    (from, to.max(at))
}

/// Appends `s` with each byte of an unsafe character as `?`, keeping lengths.
fn push_inert(out: &mut String, s: &str) {
    for c in s.chars() {
        if is_unsafe(c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.as_str().read_span(span, before, after)?;
        let column = if span.offset() == self.label_at && before == 0 {
            self.label_column
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            column,
            inner.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::source::Span;

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(printable("plain ✓"), "plain ✓");
        assert_eq!(
            printable("a\u{1b}[2J\u{202e}b\rc\n"),
            "a\\u{1b}[2J\\u{202e}b\\u{d}c\n"
        );
    }

    fn snippet(text: &str, offset: usize, len: usize) -> (String, usize, usize) {
        let file = SourceFile::new("f.yaml".into(), "f.yaml".into(), text);
        let (start, end) = (file.pos_of_offset(offset), file.pos_of_offset(offset + len));
        let (s, span) = Snippet::new(
            &file,
            Location {
                file: 0,
                span: Span::new(start, end),
            },
        );
        (s.text, span.offset(), span.len())
    }

    #[test]
    fn short_lines_are_kept_and_made_inert() {
        let (text, at, len) = snippet("a: 1\nb: \u{1b}x\rc: 3\nd: 4\n", 5, 1);
        // Line 2 is `b: ␛x`, line 3 (after a lone CR) `c: 3`.
        assert_eq!(text, "a: 1\nb: ?x\nc: 3\n");
        assert_eq!((at, len), (5, 1));
    }

    #[test]
    fn long_lines_are_cut_around_the_label() {
        let line = format!(
            "{{{}}}",
            (0..500)
                .map(|i| format!("k{i}: {i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let offset = line.find("k300:").unwrap();
        let (text, at, len) = snippet(&line, offset, 4);
        assert!(
            text.starts_with(CUT) && text.trim_end().ends_with(CUT),
            "{text}"
        );
        assert!(text.chars().count() < KEEP + 5, "{text}");
        assert_eq!(&text[at..at + len], "k300");
    }
}
