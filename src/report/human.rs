//! Human output: each finding with its source snippet, then a summary line.

use std::fmt;
use std::io::{self, Write};

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};

use super::Report;
use super::terminal::{Snippet, printable, printable_name};
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::Workspace;

/// Width the report wraps at.
const WIDTH: usize = 100;

/// A diagnostic as `miette` wants to see it.
struct Shown {
    /// `error[broken-ref]`: the severity in words and the rule.
    code: Option<String>,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    source: Option<Snippet>,
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
    if let Some(loc) = d.location
        && !has_text(&ws.files[loc.file])
    {
        // A file whose text is not held (an OpenLineage events file): the
        // place, without a snippet.
        let file = &ws.files[loc.file];
        s.message.push_str(&format!(
            "\n  at {}:{}:{}",
            printable_name(&file.rel_path),
            loc.span.start.line(),
            loc.span.start.column()
        ));
    } else if let Some(loc) = d.location {
        let file = &ws.files[loc.file];
        let (snippet, span) = Snippet::new(file, loc);
        s.source = Some(snippet);
        s.label = Some(LabeledSpan::new_with_span(
            d.label.as_deref().map(|l| printable(l).into_owned()),
            span,
        ));
    }
    s.related = d
        .related
        .iter()
        .map(|r| {
            let (snippet, span) = Snippet::new(&ws.files[r.location.file], r.location);
            Shown {
                code: None,
                severity: miette::Severity::Advice,
                message: printable(&r.message).into_owned(),
                help: None,
                source: Some(snippet),
                label: Some(LabeledSpan::new_with_span(None, span)),
                related: Vec::new(),
            }
        })
        .collect();
    s
}

/// Whether `file` has a text to show snippets of (an events file has none).
fn has_text(file: &crate::load::source::SourceFile) -> bool {
    !file.text.is_empty() || file.text_dropped()
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

/// `1 error`, `2 errors`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `2 errors, 1 warning in 12 files (30 entities)`, and with a baseline
/// `…; 1 new, 2 existing since main`.
pub fn summary(report: &Report) -> String {
    let (ws, analysis) = (report.ws, report.analysis);
    let scope = format!(
        "{} ({})",
        plural(ws.files.len(), "file", "files"),
        plural(ws.entity_count(), "entity", "entities")
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
