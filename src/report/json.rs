//! The JSON report, version 1 (contract §4).

use std::io::{self, Write};

use serde::Serialize;

use crate::baseline::State;
use crate::diagnostic::{Diagnostic, Location};
use crate::load::Workspace;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    summary: Summary,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    entities: usize,
    errors: usize,
    warnings: usize,
    /// With `--baseline`: findings new since the baseline, and those that were already there.
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    existing: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonDiagnostic<'a> {
    rule: &'static str,
    severity: &'static str,
    message: &'a str,
    help: Option<&'a str>,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    entity: Option<&'a str>,
    related: Vec<JsonRelated<'a>>,
    /// For `suspect-link`: the parent's fields that changed since the review.
    #[serde(skip_serializing_if = "Option::is_none")]
    changed: Option<&'a [String]>,
    /// With `--baseline`: `new` or `existing`.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'static str>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

fn diagnostic<'a>(
    ws: &'a Workspace,
    d: &'a Diagnostic,
    state: Option<State>,
) -> JsonDiagnostic<'a> {
    let loc = d.location;
    JsonDiagnostic {
        rule: d.rule.name(),
        severity: d.severity.as_str(),
        message: &d.message,
        help: d.help.as_deref(),
        file: loc.map(|l| ws.files[l.file].rel_path.as_str()),
        line: loc.map(|l| l.span.start.line()),
        column: loc.map(|l| l.span.start.column()),
        end_line: loc.map(|l| l.span.end.line()),
        end_column: loc.map(|l| l.span.end.column()),
        entity: d.entity.as_deref(),
        related: d
            .related
            .iter()
            .map(|r| {
                let Location { file, span } = r.location;
                JsonRelated {
                    file: &ws.files[file].rel_path,
                    line: span.start.line(),
                    column: span.start.column(),
                    message: &r.message,
                }
            })
            .collect(),
        changed: d.changed.as_deref(),
        baseline: state.map(|s| match s {
            State::New => "new",
            State::Existing => "existing",
        }),
    }
}

/// Writes the report as pretty-printed JSON.
pub fn render(r: &super::Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &report(r))?;
    writeln!(out)
}

/// The report as a JSON value (what [`render`] writes).
pub fn value(r: &super::Report) -> serde_json::Value {
    serde_json::to_value(report(r)).expect("the report is JSON")
}

/// One finding as the report writes it.
pub fn finding(ws: &Workspace, d: &Diagnostic) -> serde_json::Value {
    serde_json::to_value(diagnostic(ws, d, None)).expect("a finding is JSON")
}

fn report<'a>(r: &'a super::Report) -> Report<'a> {
    let (ws, analysis) = (r.ws, r.analysis);
    let existing = r.baseline.map(|_| r.existing());
    Report {
        version: 1,
        summary: Summary {
            files: ws.files.len(),
            entities: ws.entity_count(),
            errors: analysis.errors(),
            warnings: analysis.warnings(),
            new: existing.map(|e| analysis.diagnostics.len() - e),
            existing,
        },
        diagnostics: r
            .diagnostics()
            .map(|(i, d)| diagnostic(ws, d, r.state(i)))
            .collect(),
    }
}
