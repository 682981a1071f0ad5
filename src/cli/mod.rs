//! The command line: parse arguments, run a command, map the outcome to an exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::model::time::Date;
use crate::report::{self, Format, Report};

mod dist;
mod review;

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
}

#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// The workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Where to write (a directory for `odps` and `csv`, a file for `xlsx`).
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

/// Checks the workspace for an export: its findings go to standard error,
/// and with errors the export stops (exit 1) unless `--allow-errors`.
fn checked_for_export(args: &ExportArgs) -> anyhow::Result<Result<crate::Checked, i32>> {
    let today = args.today.unwrap_or_else(Date::today);
    let checked = crate::check_dir(&args.dir, today)?;
    if checked.analysis.errors() > 0 {
        report_to_stderr(&checked)?;
    }
    if stopped_by_errors(&checked, args.allow_errors, "nothing was exported", "") {
        return Ok(Err(EXIT_FINDINGS));
    }
    Ok(Ok(checked))
}

/// Reads back the texts of the files whose findings are shown with their
/// lines (a lean check dropped every text once parsed).
fn restore_shown_texts(checked: &mut crate::Checked) {
    let shown: std::collections::HashSet<usize> = checked
        .analysis
        .diagnostics
        .iter()
        .flat_map(|d| {
            d.location
                .map(|l| l.file)
                .into_iter()
                .chain(d.related.iter().map(|r| r.location.file))
        })
        .collect();
    checked.workspace.restore_texts(&shown);
}

/// The human report of a check, on standard error (coloured on a terminal).
fn report_to_stderr(checked: &crate::Checked) -> std::io::Result<()> {
    let report = Report {
        color: color_for(std::io::stderr().is_terminal()),
        ..Report::new(&checked.workspace, &checked.analysis)
    };
    let mut err = std::io::stderr().lock();
    report::render(Format::Human, &report, &mut err).or_else(ignore_broken_pipe)
}

/// Whether errors stop a command that writes (unless `--allow-errors`),
/// saying so: "error: {what} because the check found N errors; …".
fn stopped_by_errors(checked: &crate::Checked, allow: bool, what: &str, anyway: &str) -> bool {
    let errors = checked.analysis.errors();
    if errors == 0 || allow {
        return false;
    }
    eprintln!(
        "error: {what} because the check found {errors} error{}; fix them, or pass --allow-errors{anyway}",
        if errors == 1 { "" } else { "s" }
    );
    true
}

fn export(what: ExportCommand) -> anyhow::Result<i32> {
    let (ExportCommand::Odps(args) | ExportCommand::Xlsx(args) | ExportCommand::Csv(args)) = &what;
    let checked = match checked_for_export(args)? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    match &what {
        ExportCommand::Odps(args) => {
            let written = crate::interop::export_odps(&checked, &args.out)?;
            eprintln!(
                "wrote {} ODPS document{} into {}",
                written.len(),
                if written.len() == 1 { "" } else { "s" },
                args.out.display()
            );
        }
        ExportCommand::Xlsx(args) => {
            crate::interop::workbook::write_xlsx(&checked, &args.out)?;
            eprintln!("wrote {}", args.out.display());
        }
        ExportCommand::Csv(args) => {
            let written = crate::interop::workbook::write_csv(&checked, &args.out)?;
            eprintln!(
                "wrote {} CSV files into {}",
                written.len(),
                args.out.display()
            );
        }
    }
    Ok(EXIT_OK)
}

fn import_odps(args: ImportArgs) -> anyhow::Result<i32> {
    let imported = crate::interop::import_odps(&args.files, &args.out, args.force)?;
    // Check what was written as `check` would, schema and syntax only (the
    // rest of the trace lives in the workspace the specs join).
    let files: Vec<(String, crate::load::Contents)> = imported
        .iter()
        .map(|i| {
            (
                i.written.clone(),
                std::fs::read(args.out.join(&i.written)).map_err(|e| e.to_string()),
            )
        })
        .collect();
    let ws = crate::load::from_contents(&args.out, files, Default::default());
    let (config, schemas) = (
        crate::config::Config::default(),
        crate::rules::Schemas::builtin(),
    );
    let mut analysis = crate::rules::check(&ws, &config, &schemas, Date::today());
    analysis.diagnostics.retain(|d| {
        matches!(
            d.rule,
            crate::diagnostic::Rule::Schema
                | crate::diagnostic::Rule::YamlSyntax
                | crate::diagnostic::Rule::DuplicateKey
        )
    });
    for i in &imported {
        eprintln!(
            "imported {} → {}",
            report::terminal::printable_name(&i.from.display().to_string()),
            report::terminal::printable_name(&args.out.join(&i.written).display().to_string())
        );
        for problem in &i.invalid {
            eprintln!(
                "  warning: not valid ODPS v1.0.0 at {}",
                report::terminal::printable(problem)
            );
        }
        for note in &i.notes {
            eprintln!("  note: {}", report::terminal::printable(note));
        }
    }
    if !analysis.diagnostics.is_empty() {
        let report = Report {
            color: color_for(std::io::stderr().is_terminal()),
            ..Report::new(&ws, &analysis)
        };
        let mut err = std::io::stderr().lock();
        report::render(Format::Human, &report, &mut err).or_else(ignore_broken_pipe)?;
    }
    Ok(if analysis.errors() > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

fn diff(args: DiffArgs) -> anyhow::Result<i32> {
    let today = args.today.unwrap_or_else(Date::today);
    let (base, head) = crate::diff::read(&args.dir, &args.base, args.head.as_deref(), today)?;
    let diff = crate::diff::compare(&base, &head, &args.base, args.head.as_deref());
    // The process ends after the report; freeing both revisions would only delay it.
    std::mem::forget(base);
    std::mem::forget(head);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        DiffFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &crate::diff::json::to_json(&diff))?;
            writeln!(out)
        }
        DiffFormat::Markdown => crate::diff::markdown::render(&diff, &mut out),
        DiffFormat::Human => {
            crate::diff::human::render(&diff, color_for(std::io::stdout().is_terminal()), &mut out)
        }
    }
    .and_then(|()| out.flush())
    .or_else(ignore_broken_pipe)?;
    Ok(
        if args.fail_on == Some(DiffFailOn::Breaking) && !diff.breaking.is_empty() {
            EXIT_FINDINGS
        } else {
            EXIT_OK
        },
    )
}

fn init(args: InitArgs) -> anyhow::Result<i32> {
    let written = crate::init::init(&args.dir, Date::today())?;
    for path in &written {
        eprintln!("created {}", path.display());
    }
    let dir = args.dir.display();
    eprintln!(
        "\nNext: `throughline check {dir}` to validate, `throughline serve {dir}` to browse the site while you edit.\n\
         Each spec starts with a `# yaml-language-server: $schema=…` line, so editors with the YAML language server\n\
         complete and validate fields as you type; throughline.toml starts with a `#:schema` line for taplo\n\
         and Even Better TOML."
    );
    Ok(EXIT_OK)
}

fn mcp(args: McpArgs) -> anyhow::Result<i32> {
    if let Some(client) = &args.print_config {
        crate::load::check_root(&args.dir)?;
        print!(
            "{}",
            crate::mcp::client_config(client, &args.dir).map_err(anyhow::Error::msg)?
        );
        return Ok(EXIT_OK);
    }
    Ok(crate::mcp::run(crate::mcp::Options {
        dir: args.dir,
        allow_write: args.allow_write,
        today: args.today,
    }))
}

fn schema(args: SchemaArgs) -> anyhow::Result<i32> {
    use crate::model::Kind;
    let kinds: Vec<Kind> = match &args.kind {
        None => Kind::ALL.to_vec(),
        Some(name) => match Kind::from_name(name) {
            Some(kind) => vec![kind],
            None => {
                let hint = crate::suggest::did_you_mean(name, Kind::ALL.iter().map(|k| k.name()))
                    .map(|h| format!("; {h}"))
                    .unwrap_or_default();
                anyhow::bail!("unknown kind `{name}`{hint}");
            }
        },
    };
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).expect("JSON") + "\n";
    if args.config {
        let text = pretty(&crate::config::schema::schema());
        match &args.out {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
                let path = dir.join(crate::config::schema::FILE_NAME);
                std::fs::write(&path, text)
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
            None => print!("{text}"),
        }
        return Ok(EXIT_OK);
    }
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
            let mut files: Vec<(String, serde_json::Value)> = kinds
                .iter()
                .map(|&k| (format!("{k}.schema.json"), crate::export::schema(k)))
                .collect();
            if args.kind.is_none() {
                files.push((crate::export::BUNDLE.to_string(), crate::export::bundle()));
            }
            for (name, value) in files {
                let path = dir.join(&name);
                std::fs::write(&path, pretty(&value))
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
        }
        None => {
            let value = match kinds.as_slice() {
                [one] if args.kind.is_some() => crate::export::schema(*one),
                _ => crate::export::bundle(),
            };
            print!("{}", pretty(&value));
        }
    }
    Ok(EXIT_OK)
}

fn graph(args: GraphArgs) -> anyhow::Result<i32> {
    let checked = crate::check_dir(&args.dir, Date::today())?;
    let g = crate::export::graph(&checked.workspace, &checked.analysis);
    let text = match args.format {
        GraphFormat::Dot => crate::export::dot(&g),
        GraphFormat::Mermaid => crate::export::mermaid(&g),
        GraphFormat::Json => serde_json::to_string_pretty(&g).expect("JSON") + "\n",
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .or_else(ignore_broken_pipe)?;
    Ok(EXIT_OK)
}

fn build(args: BuildArgs) -> anyhow::Result<i32> {
    let today = args.today.unwrap_or_else(Date::today);
    let out = args.out.clone().unwrap_or_else(|| args.dir.join("_site"));
    // Refuse a dangerous OUT, and wait for another build into it, before
    // checking or reporting anything.
    crate::load::check_root(&args.dir).map_err(crate::Error::from)?;
    let target = crate::site::output::Target::claim(&out, &args.dir)
        .map_err(|e| crate::Error::from(crate::site::SiteError::from(e)))?;
    if let Some(rev) = &args.since {
        crate::baseline::check_repository(&args.dir).map_err(crate::Error::from)?;
        crate::baseline::check_rev(&args.dir, rev).map_err(crate::Error::from)?;
    }
    // Lean, as `check` is: each page reads its spec's text back to show it.
    let mut checked =
        crate::check_dir_lean_excluding(&args.dir, today, std::slice::from_ref(&out))?;
    restore_shown_texts(&mut checked);
    if !checked.analysis.diagnostics.is_empty() {
        report_to_stderr(&checked)?;
    }
    if stopped_by_errors(
        &checked,
        args.allow_errors,
        "the site was not built",
        " to build anyway",
    ) {
        return Ok(EXIT_FINDINGS);
    }
    let crate::Checked {
        config,
        workspace,
        analysis,
        schemas,
    } = checked;
    let head = crate::diff::Side {
        workspace,
        analysis,
    };
    let changes = match &args.since {
        Some(rev) => {
            let base = crate::diff::read_side(&args.dir, rev, &config, &schemas, today)?;
            Some(crate::site::changes::Changes::new(crate::diff::compare(
                &base, &head, rev, None,
            )))
        }
        None => None,
    };
    let built = crate::site::build(
        &head.workspace,
        &head.analysis,
        &config,
        &args.dir,
        &target,
        changes.as_ref(),
    )
    .map_err(crate::Error::from)?;
    let changed = if built.files.kept > 0 {
        let reused = match built.files.reused {
            0 => String::new(),
            n => format!(", {n} of them not rendered again"),
        };
        format!(
            " ({} file{} changed, {} unchanged{reused})",
            built.files.written,
            if built.files.written == 1 { "" } else { "s" },
            built.files.kept
        )
    } else {
        String::new()
    };
    eprintln!(
        "built {} pages into {}{changed}",
        built.pages,
        built.out.display()
    );
    // The process ends now; freeing the workspace node by node would only delay it.
    std::mem::forget(head);
    Ok(EXIT_OK)
}

/// Fails unless the directory a report is to be written into exists: a
/// mistyped path is a usage error, not a directory to create.
fn check_output_path(path: &std::path::Path) -> anyhow::Result<()> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    if !parent.is_dir() {
        anyhow::bail!(
            "cannot write {}: the directory {} does not exist",
            path.display(),
            parent.display()
        );
    }
    if path.is_dir() {
        anyhow::bail!("cannot write {}: it is a directory", path.display());
    }
    Ok(())
}

fn check(args: CheckArgs) -> anyhow::Result<i32> {
    for path in [
        &args.output_json,
        &args.output_sarif,
        &args.output_junit,
        &args.output_github,
    ]
    .into_iter()
    .flatten()
    {
        check_output_path(path)?;
    }
    let today = args.today.unwrap_or_else(Date::today);
    // The spec texts are dropped once parsed and read back only for the
    // files whose findings are shown with their lines; each tree keeps only
    // what the rules read.
    let mut checked = crate::check_dir_for_findings(&args.dir, today)?;
    restore_shown_texts(&mut checked);
    let states = match &args.baseline {
        Some(rev) => Some(
            crate::baseline::compare(
                &args.dir,
                rev,
                &checked.config,
                &checked.schemas,
                today,
                &checked.workspace,
                &checked.analysis.diagnostics,
            )
            .map_err(crate::Error::from)?,
        ),
        None => None,
    };
    let report = Report {
        baseline: states.as_deref(),
        baseline_ref: args.baseline.as_deref(),
        path_prefix: report::path_prefix(&args.dir),
        strict: args.strict,
        color: args.format == Format::Human && color_for(std::io::stdout().is_terminal()),
        ..Report::new(&checked.workspace, &checked.analysis)
    };
    let extra = [
        (Format::Json, &args.output_json),
        (Format::Sarif, &args.output_sarif),
        (Format::Junit, &args.output_junit),
        (Format::Github, &args.output_github),
    ];
    for (format, path) in extra {
        let Some(path) = path else { continue };
        let plain = Report {
            color: false,
            ..report.clone()
        };
        let mut bytes = Vec::new();
        report::render(format, &plain, &mut bytes)?;
        std::fs::write(path, bytes)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    report::render(args.format, &report, &mut out)
        .and_then(|()| out.flush())
        .or_else(ignore_broken_pipe)?;
    let code = if report.failing() > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    drop(out);
    drop(report);
    // The process ends now: freeing every node of the workspace one by one
    // would only delay the exit.
    std::mem::forget(checked);
    Ok(code)
}

/// Colour only on a terminal, and never with `NO_COLOR` set.
fn status(args: StatusArgs) -> anyhow::Result<i32> {
    use report::status::{self as st, StatusFormat};
    let today = args.today.unwrap_or_else(Date::today);
    let checked = crate::check_dir(&args.dir, today)?;
    let analysis = &checked.analysis;
    let rows = st::rows(&checked.workspace, &analysis.model, &analysis.outcomes);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        StatusFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &st::json(&rows, today))?;
            writeln!(out)
        }
        StatusFormat::Markdown => st::markdown(&rows, today, &mut out),
        StatusFormat::Human => st::human(
            &rows,
            today,
            color_for(std::io::stdout().is_terminal()),
            &mut out,
        ),
    }
    .and_then(|()| out.flush())
    .or_else(ignore_broken_pipe)?;
    let errors = analysis.errors();
    if errors > 0 {
        eprintln!(
            "note: the check found {errors} error{}; rows it could not read are left out (`throughline check` shows them)",
            if errors == 1 { "" } else { "s" }
        );
    }
    let off_track = rows
        .iter()
        .any(|r| r.indicator.status == crate::outcomes::Status::OffTrack);
    Ok(if args.fail_on == Some(FailOn::OffTrack) && off_track {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

fn color_for(terminal: bool) -> bool {
    terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A reader that stopped reading (`| head`) is not an error.
fn ignore_broken_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}
