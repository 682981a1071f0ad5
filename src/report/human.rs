//! Human output: each finding with its source snippet, then a summary line.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use super::Report;
use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::load::Workspace;
use crate::load::source::SourceFile;

/// Width the report wraps at.
const WIDTH: usize = 100;

/// A diagnostic as `miette` wants to see it.
struct Shown {
    /// `error[broken-ref]`: the severity in words and the rule.
    code: Option<String>,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    source: Option<NamedSource<Arc<str>>>,
    label: Option<LabeledSpan>,
    related: Vec<Shown>,
}

impl fmt::Debug for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Shown {}

impl miette::Diagnostic for Shown {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label
            .clone()
            .map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// Characters a spec may carry that a terminal would act on or display
/// misleadingly: control characters (which can move the cursor, recolour or
/// retitle the terminal) other than tab and line ends, and the bidirectional
/// overrides that can make a line read differently from its bytes.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text from a spec or a file name, safe to print to a terminal: each unsafe
/// character is shown as an escape (`\u{1b}`).
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
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

/// A file's text for a snippet: each byte of an unsafe character becomes `?`,
/// and a carriage return without a line feed (a line break to YAML, a return
/// to the line's start to a terminal) becomes a line feed, so byte offsets
/// and the spans that use them stay as they are.
fn inert(text: &Arc<str>) -> Arc<str> {
    let lone_cr = |i: usize| text.as_bytes().get(i + 1) != Some(&b'\n');
    if !text
        .char_indices()
        .any(|(i, c)| is_unsafe(c) || (c == '\r' && lone_cr(i)))
    {
        return text.clone();
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if is_unsafe(c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else if c == '\r' && lone_cr(i) {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out.into()
}

fn snippet(file: &SourceFile) -> NamedSource<Arc<str>> {
    NamedSource::new(printable(&file.rel_path), inert(&file.text))
}

/// The labelled range: a span that runs over several lines is cut to its
/// first line, so a missing field in a large mapping does not print it all.
fn label_span(file: &SourceFile, loc: Location) -> SourceSpan {
    let start = loc.span.start.offset.min(file.text.len());
    let line_end = start
        + file.text[start..]
            .find(['\n', '\r'])
            .unwrap_or(file.text.len() - start);
    let end = loc.span.end.offset.clamp(start, line_end);
    SourceSpan::new(start.into(), end - start)
}

fn shown(ws: &Workspace, d: &Diagnostic, existing: bool) -> Shown {
    let mut s = Shown {
        code: Some(format!(
            "{}[{}]{}",
            d.severity,
            d.rule,
            if existing { " (existing)" } else { "" }
        )),
        severity: match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        },
        message: printable(&d.message).into_owned(),
        help: d.help.as_deref().map(|h| printable(h).into_owned()),
        source: None,
        label: None,
        related: Vec::new(),
    };
    if let Some(loc) = d.location {
        let file = &ws.files[loc.file];
        s.source = Some(snippet(file));
        s.label = Some(LabeledSpan::new_with_span(
            d.label.as_deref().map(|l| printable(l).into_owned()),
            label_span(file, loc),
        ));
    }
    s.related = d
        .related
        .iter()
        .map(|r| {
            let file = &ws.files[r.location.file];
            Shown {
                code: None,
                severity: miette::Severity::Advice,
                message: printable(&r.message).into_owned(),
                help: None,
                source: Some(snippet(file)),
                label: Some(LabeledSpan::new_with_span(
                    None,
                    label_span(file, r.location),
                )),
                related: Vec::new(),
            }
        })
        .collect();
    s
}

/// Renders every finding, then the summary line.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let theme = if report.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
        .with_show_related_as_nested(true);
    for (i, d) in report.diagnostics() {
        let mut text = String::new();
        handler
            .render_report(&mut text, &shown(report.ws, d, report.is_existing(i)))
            .map_err(|_| io::Error::other("cannot format diagnostic"))?;
        writeln!(out, "{text}")?;
    }
    writeln!(out, "{}", summary(report))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `2 errors, 1 warning in 12 files (30 entities)`, and with a baseline
/// `…; 1 new, 2 existing since main`.
pub fn summary(report: &Report) -> String {
    let (ws, analysis) = (report.ws, report.analysis);
    let scope = format!(
        "{} ({})",
        plural(ws.files.len(), "file", "files"),
        plural(ws.documents.len(), "entity", "entities")
    );
    let (errors, warnings) = (analysis.errors(), analysis.warnings());
    let mut line = if errors + warnings == 0 {
        format!("no problems in {scope}")
    } else {
        format!(
            "{}, {} in {scope}",
            plural(errors, "error", "errors"),
            plural(warnings, "warning", "warnings")
        )
    };
    if let (Some(_), Some(rev)) = (report.baseline, report.baseline_ref) {
        let existing = report.existing();
        let new = analysis.diagnostics.len() - existing;
        line.push_str(&format!(
            "; {new} new, {existing} existing since `{rev}` (only new findings fail)"
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(printable("plain ✓"), "plain ✓");
        assert_eq!(
            printable("a\u{1b}[2J\u{202e}b\n"),
            "a\\u{1b}[2J\\u{202e}b\n"
        );
        let text: Arc<str> = "a\u{1b}b\u{9b}c\rd\r\ne".into();
        let shown = inert(&text);
        assert_eq!(&*shown, "a?b??c\nd\r\ne");
        assert_eq!(shown.len(), text.len());
    }
}
