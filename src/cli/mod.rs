//! The command line: parse arguments, run a command, map the outcome to an exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::model::time::Date;
use crate::report::{self, Format, Report};

mod commands;
mod dist;
mod exports;
mod review;

use commands::*;
use exports::*;

/// Exit code: no failing finding.
pub const EXIT_OK: i32 = 0;
/// Exit code: findings that fail the run.
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code: usage error, unreadable workspace or internal failure.
pub const EXIT_ERROR: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "throughline",
    version = version(),
    about = "Validate and trace data-product specs, from the North Star down to the sources."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

pub use crate::version;

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a workspace: parse, validate against the schemas, trace, and report every finding.
    Check(CheckArgs),
    /// Check a workspace and render it as a static HTML site that works offline.
    Build(BuildArgs),
    /// Build the site, serve it on 127.0.0.1 and rebuild and reload pages on every change.
    Serve(ServeArgs),
    /// Write a small, valid, commented workspace to start from.
    Init(InitArgs),
    /// Print or write the built-in JSON Schemas (for editors and other tools).
    Schema(SchemaArgs),
    /// Print the trace graph as Graphviz DOT, Mermaid or JSON.
    Graph(GraphArgs),
    /// Show where the North Star metric and every goal indicator stand, from the measurements.
    Status(StatusArgs),
    /// Run the language server on stdio, for editors.
    Lsp(LspArgs),
    /// Serve the trace to AI assistants over the Model Context Protocol (stdio).
    Mcp(McpArgs),
    /// Show what a change does to the trace between two git revisions.
    Diff(DiffArgs),
    /// Write the workspace in other formats: ODPS documents, a workbook, CSV files.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Read specs from other formats: ODPS documents.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Stamp links as reviewed in throughline.lock, or show what changed in a suspect link's parent.
    Review(review::ReviewArgs),
    /// Explain a rule: what it checks, why, how to fix it, examples, how to turn it off.
    Explain(dist::ExplainArgs),
    /// Print a shell's completion script (bash, zsh, fish, powershell, elvish).
    Completions(dist::CompletionsArgs),
    /// Print the man page, or write a page per command into a directory.
    Man(dist::ManArgs),
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// One ODPS v1.0.0 document per data product: OUT/<id>.odps.yaml.
    Odps(ExportArgs),
    /// A workbook for stakeholders: a sheet per kind, the matrix, findings and progress.
    Xlsx(ExportArgs),
    /// The workbook's sheets as CSV files, one per sheet, into OUT.
    Csv(ExportArgs),
    /// A dbt properties file with an exposure per consumer of the trace (needs `[dbt] manifest`).
    DbtExposures(ExportArgs),
    /// Backstage catalog descriptors (one YAML stream): a Component per data product, an API per port, a Resource per source, a Domain per domain.
    Backstage(ExportArgs),
    /// Static lineage as OpenLineage 2-0-2 events, one a line: a JobEvent per data product, a DatasetEvent per source.
    Openlineage(OpenLineageExportArgs),
}

#[derive(Debug, clap::Args)]
struct OpenLineageExportArgs {
    #[command(flatten)]
    common: ExportArgs,
    /// The `eventTime` of every event (RFC 3339, e.g. 2026-12-01T00:00:00Z); the commit time of HEAD by default.
    #[arg(long, value_name = "TIME")]
    event_time: Option<String>,
}

#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// The workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Where to write (a directory for `odps` and `csv`, a file for the others).
    #[arg(long, short, value_name = "OUT")]
    out: PathBuf,
    /// Export even when the check finds errors.
    #[arg(long)]
    allow_errors: bool,
    /// The date rules and progress are computed at (YYYY-MM-DD); today (UTC) by default.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    today: Option<Date>,
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// DataProduct specs from ODPS documents, one file per product: OUT/<id>.yaml.
    Odps(ImportArgs),
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// The ODPS files to read.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The directory to write the specs into (created if missing).
    #[arg(long, short, value_name = "DIR")]
    out: PathBuf,
    /// Overwrite specs that exist.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DiffFormat {
    /// Grouped and coloured for a terminal.
    Human,
    /// A pull-request comment.
    Markdown,
    /// The JSON document of the contract, for tools.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DiffFailOn {
    /// Exit 1 when a change is breaking.
    Breaking,
}

#[derive(Debug, clap::Args)]
struct DiffArgs {
    /// The workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The revision to compare against (a branch, tag or commit).
    #[arg(long, value_name = "REF")]
    base: String,
    /// The revision to compare; the working tree when left out.
    #[arg(long, value_name = "REF")]
    head: Option<String>,
    /// How to print the changes.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
    /// Exit 1 when a change is breaking.
    #[arg(long, value_enum, value_name = "WHAT")]
    fail_on: Option<DiffFailOn>,
    /// The date rules compare against (YYYY-MM-DD); today (UTC) by default.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    today: Option<Date>,
}

#[derive(Debug, clap::Args)]
struct McpArgs {
    /// The workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Offer the `review` tool, which writes throughline.lock.
    #[arg(long)]
    allow_write: bool,
    /// The date statuses are computed at (YYYY-MM-DD); today (UTC) at each call by default.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    today: Option<Date>,
    /// Print the configuration that makes a client start this server on DIR, and exit.
    #[arg(long, value_name = "CLIENT", value_parser = ["claude", "vscode", "codex"])]
    print_config: Option<String>,
}

#[derive(Debug, clap::Args)]
struct LspArgs {
    /// The date rules compare against (YYYY-MM-DD); today (UTC) by default.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    today: Option<Date>,
    /// Accepted for editors that pass it; the server always speaks over stdio.
    #[arg(long, hide = true)]
    stdio: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FailOn {
    /// Exit 1 when an indicator is off track.
    OffTrack,
}

#[derive(Debug, clap::Args)]
struct StatusArgs {
    /// The workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// How to print the indicators.
    #[arg(long, value_enum, default_value_t = report::status::StatusFormat::Human)]
    format: report::status::StatusFormat,
    /// The date statuses are computed at (YYYY-MM-DD); today (UTC) by default.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    today: Option<Date>,
    /// Exit 1 when an indicator is off track.
    #[arg(long, value_enum, value_name = "STATUS")]
    fail_on: Option<FailOn>,
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// The workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The port to listen on (127.0.0.1 only); a free one if it is taken. 0 picks a free one.
    #[arg(long, default_value_t = crate::serve::DEFAULT_PORT)]
    port: u16,
    /// The date `stale-review` compares against (YYYY-MM-DD); today (UTC) by default.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    today: Option<Date>,
}

#[derive(Debug, clap::Args)]
struct InitArgs {
    /// Where to create the workspace (created if missing).
    #[arg(default_value = ".")]
    dir: PathBuf,
}

#[derive(Debug, clap::Args)]
struct SchemaArgs {
    /// One kind (NorthStar, Goal, …); all kinds when left out.
    #[arg(conflicts_with = "config")]
    kind: Option<String>,
    /// The schema of `throughline.toml` instead (for taplo and Even Better TOML).
    #[arg(long)]
    config: bool,
    /// Write `<Kind>.schema.json` files (and `throughline.schema.json`, covering
    /// every kind) into this directory instead of printing.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(Debug, clap::Args)]
struct GraphArgs {
    /// The workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The graph language.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
}

#[derive(Debug, clap::Args)]
struct BuildArgs {
    /// The workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Where to write the site [default: DIR/_site].
    #[arg(short, long, value_name = "OUT")]
    out: Option<PathBuf>,
    /// Write the site even when the check finds errors (the site lists them).
    #[arg(long)]
    allow_errors: bool,
    /// Mark what changed since this git revision: a `changes.html` page and
    /// "new" / "changed" badges on entity pages and lists.
    #[arg(long, value_name = "REF")]
    since: Option<String>,
    /// The date `stale-review` compares against (YYYY-MM-DD); today (UTC) by default.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    today: Option<Date>,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// How to print the findings.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Fail on warnings too.
    #[arg(long)]
    strict: bool,
    /// The date `stale-review` compares against (YYYY-MM-DD); today (UTC) by default.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    today: Option<Date>,
    /// Fail only on findings that are new since this git revision (e.g. `origin/main`).
    #[arg(long, value_name = "REF")]
    baseline: Option<String>,
    /// Read OpenLineage run events (one JSON event a line) from FILE as
    /// observed lineage, besides `[openlineage] events`; repeatable.
    #[arg(long, value_name = "FILE")]
    lineage: Vec<PathBuf>,
    /// Also write the JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    output_json: Option<PathBuf>,
    /// Also write a SARIF 2.1.0 report to FILE.
    #[arg(long, value_name = "FILE")]
    output_sarif: Option<PathBuf>,
    /// Also write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    output_junit: Option<PathBuf>,
    /// Also write GitHub workflow commands to FILE.
    #[arg(long, value_name = "FILE")]
    output_github: Option<PathBuf>,
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date in the form YYYY-MM-DD"))
}

/// Runs the command line and returns the process exit code. Never panics:
/// an internal failure is reported and exits 2.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
        }
    };
    match std::panic::catch_unwind(|| dispatch(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("error: {}", report::terminal::printable(&e.to_string()));
            EXIT_ERROR
        }
        Err(_) => {
            eprintln!("error: internal failure; please report this with the input that caused it");
            EXIT_ERROR
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Explain(args) => dist::explain(args),
        Command::Completions(args) => dist::completions(args),
        Command::Man(args) => dist::man(args),
        Command::Status(args) => status(args),
        Command::Lsp(args) => Ok(crate::lsp::run(args.today.unwrap_or_else(Date::today))),
        Command::Mcp(args) => mcp(args),
        Command::Build(args) => build(args),
        Command::Serve(args) => {
            crate::serve::run(crate::serve::Options {
                dir: args.dir,
                port: args.port,
                today: args.today,
            })?;
            Ok(EXIT_OK)
        }
        Command::Init(args) => init(args),
        Command::Schema(args) => schema(args),
        Command::Graph(args) => graph(args),
        Command::Diff(args) => diff(args),
        Command::Review(args) => review::run(args),
        Command::Export(what) => export(what),
        Command::Import(ImportCommand::Odps(args)) => import_odps(args),
    }
}
