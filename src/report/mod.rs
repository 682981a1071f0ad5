//! Renderers of the one diagnostic type: human text, JSON, SARIF, GitHub
//! workflow commands and JUnit XML.

pub mod dbt;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod status;
pub mod terminal;

use std::io::{self, Write};

use crate::baseline::State;
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::Workspace;
use crate::rules::Analysis;

/// An output format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source snippets with labels and help, then a summary line.
    Human,
    /// The versioned JSON report (docs/json-report.md).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations), then the human report.
    Github,
    /// JUnit XML: a test case per entity, a failure per failing finding.
    Junit,
}

/// Everything a renderer needs.
#[derive(Clone)]
pub struct Report<'a> {
    pub ws: &'a Workspace,
    pub analysis: &'a Analysis,
    /// Each finding's state against `--baseline`, in the order of the findings.
    pub baseline: Option<&'a [State]>,
    /// The baseline revision, as given.
    pub baseline_ref: Option<&'a str>,
    /// Prefix that turns a workspace-relative path into one relative to the
    /// current directory (`specs/`), for formats read by CI services.
    pub path_prefix: String,
    /// `--strict`: warnings fail too.
    pub strict: bool,
    /// Colour in the human report.
    pub color: bool,
}

impl<'a> Report<'a> {
    pub fn new(ws: &'a Workspace, analysis: &'a Analysis) -> Self {
        Report {
            ws,
            analysis,
            baseline: None,
            baseline_ref: None,
            path_prefix: String::new(),
            strict: false,
            color: false,
        }
    }

    pub fn state(&self, i: usize) -> Option<State> {
        self.baseline.map(|b| b[i])
    }

    /// Whether finding `i` existed at the baseline.
    pub fn is_existing(&self, i: usize) -> bool {
        self.state(i) == Some(State::Existing)
    }

    /// Whether finding `i` makes the run fail.
    pub fn fails(&self, i: usize) -> bool {
        let d = &self.analysis.diagnostics[i];
        (d.severity == Severity::Error || self.strict) && !self.is_existing(i)
    }

    /// How many findings make the run fail.
    pub fn failing(&self) -> usize {
        (0..self.analysis.diagnostics.len())
            .filter(|&i| self.fails(i))
            .count()
    }

    pub fn diagnostics(&self) -> impl Iterator<Item = (usize, &'a Diagnostic)> + 'a {
        self.analysis.diagnostics.iter().enumerate()
    }

    /// A workspace file's path as CI services want it (relative to the current directory).
    pub fn ci_path(&self, file: usize) -> String {
        format!("{}{}", self.path_prefix, self.ws.files[file].rel_path)
    }

    /// How many findings existed at the baseline.
    pub fn existing(&self) -> usize {
        (0..self.analysis.diagnostics.len())
            .filter(|&i| self.is_existing(i))
            .count()
    }
}

/// Writes the report in `format`.
pub fn render(format: Format, report: &Report, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Github => github::render(report, out),
        Format::Junit => junit::render(report, out),
    }
}

/// The path prefix for `dir` as given on the command line: `specs/` for
/// `specs` or `./specs/`, empty for `.`; an absolute path inside the current
/// directory is made relative to it.
pub fn path_prefix(dir: &std::path::Path) -> String {
    let cwd = std::env::current_dir().ok();
    let dir = match (dir.is_absolute(), &cwd) {
        (true, Some(cwd)) => dir.strip_prefix(cwd).unwrap_or(dir).to_path_buf(),
        _ => dir.to_path_buf(),
    };
    let parts: Vec<String> = dir
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        let joined = parts.join("/");
        let joined = joined.trim_start_matches('/');
        if dir.is_absolute() {
            format!("/{joined}/")
        } else {
            format!("{joined}/")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn prefixes() {
        assert_eq!(path_prefix(Path::new(".")), "");
        assert_eq!(path_prefix(Path::new("specs")), "specs/");
        assert_eq!(path_prefix(Path::new("./specs/")), "specs/");
        assert_eq!(path_prefix(Path::new("a/b")), "a/b/");
    }
}
