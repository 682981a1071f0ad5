//! GitHub Actions workflow commands: one annotation per finding, then the
//! full human report (GitHub shows only the first few annotations of a step).

use std::io::{self, Write};

use crate::diagnostic::Severity;

use super::Report;

/// Escapes the message of a workflow command: line feeds as the format asks,
/// other control characters (carriage returns included) shown as escapes, as
/// in the human report, so none reaches the log viewer.
pub fn escape_data(s: &str) -> String {
    super::terminal::printable(s)
        .replace('%', "%25")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Writes the annotations, a summary, and the human report.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for (i, d) in report.diagnostics() {
        if report.is_existing(i) {
            continue; // already there at the baseline: not this change's doing
        }
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = Vec::new();
        if let Some(loc) = d.location {
            let s = loc.span;
            props.push(format!(
                "file={}",
                escape_property(&report.ci_path(loc.file))
            ));
            props.push(format!("line={}", s.start.line()));
            props.push(format!("col={}", s.start.column()));
            props.push(format!("endLine={}", s.end.line()));
            props.push(format!("endColumn={}", s.end.column()));
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("throughline {}", d.rule))
        ));
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        writeln!(
            out,
            "::{command} {}::{}",
            props.join(","),
            escape_data(&message)
        )?;
    }
    writeln!(out)?;
    // The log is not a terminal: no colour codes.
    let plain = Report {
        color: false,
        ..report.clone()
    };
    super::human::render(&plain, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_data("a\rb\u{1b}"), "a\\u{d}b\\u{1b}");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
