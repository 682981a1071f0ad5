//! SARIF 2.1.0 (OASIS), the format code-scanning services read.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::baseline::State;
use crate::diagnostic::{Diagnostic, Location, Rule, Severity};

use super::Report;

/// Where users read about the tool.
const INFORMATION_URI: &str = "https://throughline.dev/";

/// The id of the base URI relative artifact locations are resolved against.
const BASE: &str = "SRCROOT";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn artifact(report: &Report, file: Option<usize>) -> Value {
    let path = match file {
        Some(f) => report.ci_path(f),
        // A finding about the workspace as a whole points at its directory.
        None if report.path_prefix.is_empty() => "./".to_string(),
        None => report.path_prefix.clone(),
    };
    if std::path::Path::new(&path).is_absolute() {
        json!({ "uri": file_uri(std::path::Path::new(&path)) })
    } else {
        json!({ "uri": percent_encode(&path), "uriBaseId": BASE })
    }
}

/// A `file:` URI for an absolute path, as the platform spells it.
fn file_uri(path: &std::path::Path) -> String {
    url::Url::from_file_path(path).map_or_else(
        |()| format!("file://{}", percent_encode(&path.to_string_lossy())),
        |u| u.to_string(),
    )
}

/// Percent-encodes what a relative URI path may not hold as is.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn location(report: &Report, loc: Location, message: Option<&str>) -> Value {
    let s = loc.span;
    let mut v = json!({
        "physicalLocation": {
            "artifactLocation": artifact(report, Some(loc.file)),
            "region": {
                "startLine": s.start.line(),
                "startColumn": s.start.column(),
                "endLine": s.end.line(),
                "endColumn": s.end.column(),
            }
        }
    });
    if let Some(m) = message {
        v["message"] = json!({ "text": m });
    }
    v
}

fn result(report: &Report, i: usize, d: &Diagnostic) -> Value {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let locations = match d.location {
        Some(loc) => vec![location(report, loc, None)],
        None => vec![json!({ "physicalLocation": { "artifactLocation": artifact(report, None) } })],
    };
    let mut r = json!({
        "ruleId": d.rule.name(),
        "ruleIndex": Rule::ALL.iter().position(|&x| x == d.rule).unwrap_or(0),
        "level": level(d.severity),
        "message": { "text": text },
        "locations": locations,
    });
    if !d.related.is_empty() {
        r["relatedLocations"] = Value::Array(
            d.related
                .iter()
                .enumerate()
                .map(|(n, rel)| {
                    let mut v = location(report, rel.location, Some(&rel.message));
                    v["id"] = json!(n + 1);
                    v
                })
                .collect(),
        );
    }
    if let Some(id) = &d.entity {
        r["properties"] = json!({ "entity": id });
    }
    if let Some(state) = report.state(i) {
        r["baselineState"] = json!(match state {
            State::New => "new",
            State::Existing => "unchanged",
        });
    }
    r
}

/// Writes the SARIF log.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.name(),
                "name": r.title(),
                "shortDescription": { "text": r.summary() },
                "fullDescription": { "text": format!("{} {}", r.summary(), r.help()) },
                "defaultConfiguration": {
                    "level": level(r.default_severity()),
                    "enabled": r.on_by_default(),
                },
                "help": {
                    "text": r.help(),
                    "markdown": format!("{}\n\n[More on `{}`]({})", r.help(), r.name(), crate::explain::url(*r)),
                },
                "helpUri": crate::explain::url(*r),
                "properties": { "tags": ["throughline"] },
            })
        })
        .collect();
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut base =
        url::Url::from_directory_path(&cwd).map_or_else(|()| file_uri(&cwd), |u| u.to_string());
    if !base.ends_with('/') {
        base.push('/');
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "throughline",
                    "informationUri": INFORMATION_URI,
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "originalUriBaseIds": { BASE: { "uri": base } },
            "columnKind": "unicodeCodePoints",
            "results": report.diagnostics().map(|(i, d)| result(report, i, d)).collect::<Vec<_>>(),
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        for r in Rule::ALL {
            assert_ne!(
                r.title().to_lowercase().replace('-', ""),
                r.name().replace('-', "")
            );
        }
        assert_eq!(
            file_uri(std::path::Path::new("/a b/é.yaml")),
            "file:///a%20b/%C3%A9.yaml"
        );
        assert_eq!(percent_encode("a b/é.yaml"), "a%20b/%C3%A9.yaml");
    }
}
