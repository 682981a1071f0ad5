//! JUnit XML, as CI servers read test results, valid against the Jenkins
//! xUnit `junit-10.xsd`: a test case per entity (and per file or workspace
//! finding that has no entity), named `Kind id`, its classname the spec
//! file's path; one `<failure>` in a case that has findings that fail the
//! run, listing them all; other findings in the case's `<system-out>`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::Report;
use crate::markup::escape;

#[derive(Default)]
struct Case {
    name: String,
    classname: String,
    failures: Vec<usize>,
    notes: Vec<usize>,
}

/// Writes the JUnit report.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let ws = report.ws;
    let model = &report.analysis.model;
    // Cases keyed so that they come out in file order.
    let mut cases: BTreeMap<(usize, usize, String), Case> = BTreeMap::new();
    for (e, entity) in model.entities.iter().enumerate() {
        if !model.is_canonical(e) {
            continue;
        }
        let kind = entity.kind.map_or("Unknown", |k| k.name());
        cases.insert(
            (
                entity.file + 1,
                entity.id_span.start.line(),
                entity.id.to_string(),
            ),
            Case {
                name: format!("{kind} {}", entity.id),
                classname: report.ci_path(entity.file),
                ..Case::default()
            },
        );
    }
    let by_id: BTreeMap<String, (usize, usize, String)> =
        cases.keys().map(|k| (k.2.clone(), k.clone())).collect();
    for (i, d) in report.diagnostics() {
        let key = match (&d.entity, d.location) {
            (Some(id), _) if by_id.contains_key(id) => by_id[id].clone(),
            (_, Some(loc)) => (loc.file + 1, 0, String::new()),
            _ => (0, 0, String::new()),
        };
        let case = cases.entry(key).or_insert_with(|| match d.location {
            Some(loc) => Case {
                name: format!("file {}", ws.files[loc.file].rel_path),
                classname: report.ci_path(loc.file),
                ..Case::default()
            },
            None => Case {
                name: "workspace".into(),
                classname: "throughline".into(),
                ..Case::default()
            },
        });
        if report.fails(i) {
            case.failures.push(i);
        } else {
            case.notes.push(i);
        }
    }
    let tests = cases.len();
    let failures = cases.values().filter(|c| !c.failures.is_empty()).count();
    let describe = |i: usize| -> String {
        let d = &report.analysis.diagnostics[i];
        let at = d.location.map_or(String::new(), |l| {
            format!(
                "{}:{}:{}: ",
                report.ci_path(l.file),
                l.span.start.line(),
                l.span.start.column()
            )
        });
        let mut text = format!("{at}{}[{}] {}", d.severity, d.rule, d.message);
        if report.is_existing(i) {
            text.push_str(" (existing)");
        }
        if let Some(h) = &d.help {
            text.push_str("\nhelp: ");
            text.push_str(h);
        }
        text
    };
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="throughline" tests="{tests}" failures="{failures}" errors="0">"#
    )?;
    writeln!(
        out,
        r#"  <testsuite name="throughline check" tests="{tests}" failures="{failures}" errors="0" skipped="0">"#
    )?;
    for case in cases.values() {
        let attrs = format!(
            r#"name="{}" classname="{}""#,
            escape(&case.name),
            escape(&case.classname)
        );
        if case.failures.is_empty() && case.notes.is_empty() {
            writeln!(out, "    <testcase {attrs}/>")?;
            continue;
        }
        writeln!(out, "    <testcase {attrs}>")?;
        if let Some(&first) = case.failures.first() {
            let d = &report.analysis.diagnostics[first];
            let (kind, message) = match case.failures.len() {
                1 => (d.rule.name().to_string(), d.message.clone()),
                n => {
                    let mut rules: Vec<&str> = case
                        .failures
                        .iter()
                        .map(|&i| report.analysis.diagnostics[i].rule.name())
                        .collect();
                    rules.dedup();
                    (rules.join(" "), format!("{n} findings: {}", d.message))
                }
            };
            let text: Vec<String> = case.failures.iter().map(|&i| describe(i)).collect();
            writeln!(
                out,
                r#"      <failure type="{}" message="{}">{}</failure>"#,
                escape(&kind),
                escape(&message),
                escape(&text.join("\n\n"))
            )?;
        }
        if !case.notes.is_empty() {
            let notes: Vec<String> = case.notes.iter().map(|&i| describe(i)).collect();
            writeln!(
                out,
                "      <system-out>{}</system-out>",
                escape(&notes.join("\n"))
            )?;
        }
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}
