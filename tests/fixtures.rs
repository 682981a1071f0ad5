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
