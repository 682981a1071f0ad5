//! The command line: parse arguments, run a command, map the outcome to an exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::model::time::Date;
use crate::report::{self, Format};

/// Exit code: no failing finding.
pub const EXIT_OK: i32 = 0;
/// Exit code: findings that fail the run.
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code: usage error, unreadable workspace or internal failure.
pub const EXIT_ERROR: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "throughline",
    version,
    about = "Validate and trace data-product specs, from the North Star down to the sources."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a workspace: parse, validate against the schemas, trace, and report every finding.
    Check(CheckArgs),
    /// Check a workspace and render it as a static HTML site that works offline.
    Build(BuildArgs),
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
            eprintln!("error: {e}");
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
        Command::Build(args) => build(args),
    }
}

fn build(args: BuildArgs) -> anyhow::Result<i32> {
    let today = args.today.unwrap_or_else(Date::today);
    let out = args.out.clone().unwrap_or_else(|| args.dir.join("_site"));
    let checked = crate::check_dir_excluding(&args.dir, today, std::slice::from_ref(&out))?;
    let analysis = &checked.analysis;
    let color = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    if !analysis.diagnostics.is_empty() {
        let mut err = std::io::stderr().lock();
        report::render(Format::Human, &checked.workspace, analysis, color, &mut err)
            .or_else(ignore_broken_pipe)?;
    }
    if analysis.errors() > 0 && !args.allow_errors {
        eprintln!(
            "error: the site was not built because the check found {} error{}; fix them, or pass --allow-errors to build anyway",
            analysis.errors(),
            if analysis.errors() == 1 { "" } else { "s" }
        );
        return Ok(EXIT_FINDINGS);
    }
    let built = crate::site::build(
        &checked.workspace,
        analysis,
        &checked.config,
        &args.dir,
        &out,
    )
    .map_err(crate::Error::from)?;
    eprintln!("built {} pages into {}", built.pages, built.out.display());
    Ok(EXIT_OK)
}

fn check(args: CheckArgs) -> anyhow::Result<i32> {
    let today = args.today.unwrap_or_else(Date::today);
    let checked = crate::check_dir(&args.dir, today)?;
    let color = args.format == Format::Human
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    report::render(
        args.format,
        &checked.workspace,
        &checked.analysis,
        color,
        &mut out,
    )
    .and_then(|()| out.flush())
    .or_else(ignore_broken_pipe)?;
    let failing = if args.strict {
        checked.analysis.diagnostics.len()
    } else {
        checked.analysis.errors()
    };
    Ok(if failing > 0 { EXIT_FINDINGS } else { EXIT_OK })
}

fn ignore_broken_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}
