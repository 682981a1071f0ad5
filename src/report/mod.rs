//! Renderers of the one diagnostic type: human text and JSON.

pub mod human;
pub mod json;

use std::io::{self, Write};

use crate::load::Workspace;
use crate::rules::Analysis;

/// An output format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source snippets with labels and help, then a summary line.
    Human,
    /// The versioned JSON report (contract §4).
    Json,
}

/// Writes the report of `analysis` in `format`.
pub fn render(
    format: Format,
    ws: &Workspace,
    analysis: &Analysis,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(ws, analysis, color, out),
        Format::Json => json::render(ws, analysis, out),
    }
}
