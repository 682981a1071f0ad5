//! Every fixture under `tests/fixtures/` yields exactly the findings its
//! `expected.txt` lists (rule, severity, file:line:column, in report order),
//! and exits 1 when one of them is an error.

use std::collections::BTreeSet;

use crate::common::{check_json, fixture};

fn expected(name: &str) -> Vec<String> {
    std::fs::read_to_string(fixture(name).join("expected.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

fn actual(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let at = match d["file"].as_str() {
                Some(f) => format!("{f}:{}:{}", d["line"], d["column"]),
                None => "-".to_string(),
            };
            format!(
                "{} {} {at}",
                d["rule"].as_str().unwrap(),
                d["severity"].as_str().unwrap()
            )
        })
        .collect()
}

fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixture(""))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("expected.txt").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_fixture_reports_exactly_what_it_expects() {
    let mut failures = Vec::new();
    for name in fixture_names() {
        let (report, code) = check_json(&fixture(&name), &[]);
        let want = expected(&name);
        let got = actual(&report);
        if want != got {
            failures.push(format!(
                "{name}:\n  expected: {want:#?}\n  actual:   {got:#?}"
            ));
        }
        let has_error = got.iter().any(|l| l.split(' ').nth(1) == Some("error"));
        if code != i32::from(has_error) {
            failures.push(format!("{name}: exit code {code}, errors: {has_error}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_fixture_that_fires_it() {
    let fired: BTreeSet<String> = fixture_names()
        .iter()
        .flat_map(|name| expected(name))
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect();
    for rule in throughline::diagnostic::Rule::ALL {
        assert!(fired.contains(rule.name()), "no fixture fires `{rule}`");
    }
}

#[test]
fn rules_report_at_their_default_severity() {
    for name in fixture_names() {
        for line in expected(&name) {
            let mut parts = line.split(' ');
            let (rule, severity) = (parts.next().unwrap(), parts.next().unwrap());
            let rule = throughline::diagnostic::Rule::from_name(rule).unwrap();
            assert_eq!(rule.default_severity().as_str(), severity, "{name}: {line}");
        }
    }
}

/// `check` keeps of each document only what the rules read
/// (`check_dir_for_findings`); every finding, with its message, positions,
/// related locations and help, is the one a check of the whole trees makes.
#[test]
fn a_check_of_trimmed_trees_finds_what_a_check_of_whole_trees_finds() {
    use throughline::model::time::Date;
    let today = Date::parse(crate::common::TODAY).unwrap();
    let mut dirs: Vec<_> = fixture_names().iter().map(|n| fixture(n)).collect();
    dirs.push(crate::common::example_spec());
    let mut compared = 0;
    for dir in dirs {
        let whole = throughline::check_dir(&dir, today).unwrap();
        let trimmed = throughline::check_dir_for_findings(&dir, today).unwrap();
        let shown = |c: &throughline::Checked| {
            c.analysis
                .diagnostics
                .iter()
                .map(|d| format!("{d:?}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(shown(&trimmed), shown(&whole), "{}", dir.display());
        compared += whole.analysis.diagnostics.len();
        // The trimmed trees really lack what no rule reads.
        let described = |c: &throughline::Checked| {
            c.workspace
                .documents
                .iter()
                .filter(|d| d.node.get("description").is_some())
                .filter(|d| d.node.get_str("kind") != Some("DataContract"))
                .count()
        };
        assert_eq!(described(&trimmed), 0, "{}", dir.display());
    }
    assert!(compared > 40, "{compared} findings compared");
}
