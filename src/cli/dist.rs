//! Commands that help the tool arrive: shell completions, man pages, and
//! the explanation of each rule.

use std::io::Write;
use std::path::PathBuf;

use clap::CommandFactory;

use super::{Cli, EXIT_ERROR, EXIT_OK, ignore_broken_pipe};
use crate::diagnostic::Rule;
use crate::explain;

#[derive(Debug, clap::Args)]
pub(super) struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub(super) struct ManArgs {
    /// Write `throughline.1` and a page per command (`throughline-check.1`, …)
    /// into this directory instead of printing the main page.
    #[arg(long, short, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
#[command(arg_required_else_help = true)]
pub(super) struct ExplainArgs {
    /// The rule, as findings name it (`broken-ref`).
    #[arg(required_unless_present = "list", value_parser = rule_names())]
    rule: Option<String>,
    /// List every rule with its default severity and what it checks.
    #[arg(long, conflicts_with = "rule")]
    list: bool,
    /// Print the Markdown source (as in `docs/rules/`) instead of terminal text.
    #[arg(long)]
    markdown: bool,
}

/// Rule names, with what each checks, so that shells complete them and a
/// mistyped one gets clap's list and nearest match.
fn rule_names() -> clap::builder::PossibleValuesParser {
    Rule::ALL
        .iter()
        .map(|r| clap::builder::PossibleValue::new(r.name()).help(r.summary()))
        .collect::<Vec<_>>()
        .into()
}

/// Writes `bytes` to stdout; a reader that went away (`| head`) is not an error.
fn print(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .or_else(ignore_broken_pipe)
}

pub(super) fn completions(args: CompletionsArgs) -> anyhow::Result<i32> {
    // Generated into memory: clap_complete panics on a failed write.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "throughline", &mut script);
    print(&script)?;
    Ok(EXIT_OK)
}

pub(super) fn man(args: ManArgs) -> anyhow::Result<i32> {
    match args.out {
        Some(dir) => {
            std::fs::create_dir_all(&dir)?;
            clap_mangen::generate_to(Cli::command(), &dir)?;
            eprintln!("wrote the man pages to {}", dir.display());
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut page)?;
            print(&page)?;
        }
    }
    Ok(EXIT_OK)
}

pub(super) fn explain(args: ExplainArgs) -> anyhow::Result<i32> {
    let text = if args.list {
        explain::list()
    } else {
        let Some(rule) = args.rule.as_deref().and_then(Rule::from_name) else {
            return Ok(EXIT_ERROR);
        };
        if args.markdown {
            explain::markdown(rule).to_string()
        } else {
            explain::terminal(rule)
        }
    };
    print(text.as_bytes())?;
    Ok(EXIT_OK)
}
