//! `throughline review`: stamp links as reviewed, or show what changed.

use std::io::Write;
use std::path::PathBuf;

use crate::model::time::Date;
use crate::review::stamp::{self, ReviewError, Selection};
use crate::review::{self, State};

use super::{EXIT_ERROR, EXIT_OK};

#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    /// The workspace directory (when the first argument is a directory),
    /// then the ids of the children whose links are reviewed.
    #[arg(value_name = "DIR|ID")]
    args: Vec<String>,
    /// Review every link of the workspace (to adopt reviews, or after checking them all).
    #[arg(long, conflicts_with = "show")]
    all: bool,
    /// Only the suspect links (of the children named, or of all with no ids).
    #[arg(long, conflicts_with = "show")]
    suspect: bool,
    /// Print what would be stamped; write nothing.
    #[arg(long, conflicts_with = "show")]
    dry_run: bool,
    /// Show each suspect link of ID: the parent's fields then and now.
    #[arg(long, value_name = "ID")]
    show: Option<String>,
}

/// The workspace and the ids: the first argument is the workspace when it
/// is a directory.
fn split(args: &[String]) -> (PathBuf, &[String]) {
    match args.first() {
        Some(first) if std::path::Path::new(first).is_dir() => (PathBuf::from(first), &args[1..]),
        _ => (PathBuf::from("."), args),
    }
}

pub fn run(args: ReviewArgs) -> anyhow::Result<i32> {
    let (dir, ids) = split(&args.args);
    let checked = crate::check_dir(&dir, Date::today())?;
    let (ws, model, config) = (&checked.workspace, &checked.analysis.model, &checked.config);
    if let Some(id) = &args.show {
        if !ids.is_empty() {
            eprintln!("error: --show takes one id; give it alone");
            return Ok(EXIT_ERROR);
        }
        return show(&checked, id);
    }
    let selection = match (ids.is_empty(), args.all, args.suspect) {
        (false, true, _) => {
            eprintln!("error: give ids or --all, not both");
            return Ok(EXIT_ERROR);
        }
        (false, false, _) => Selection::Children(ids),
        (true, true, _) | (true, false, true) => Selection::All,
        (true, false, false) => {
            eprintln!(
                "error: name the children to review (`throughline review goal-a`), or give --suspect or --all"
            );
            return Ok(EXIT_ERROR);
        }
    };
    let commit = stamp::head(&ws.root);
    let plan = match stamp::plan(
        ws,
        model,
        config,
        &selection,
        args.suspect,
        commit.as_deref(),
    ) {
        Ok(plan) => plan,
        Err(ReviewError::UnknownId(message)) => {
            eprintln!("error: {message}");
            return Ok(EXIT_ERROR);
        }
        Err(e) => return Err(e.into()),
    };
    let mut out = std::io::stdout().lock();
    let verb = if args.dry_run {
        "would stamp"
    } else {
        "stamped"
    };
    for s in &plan.stamped {
        writeln!(
            out,
            "{verb} {} {} {}",
            s.link.child, s.link.field, s.link.parent
        )?;
    }
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    for s in &plan.removed {
        writeln!(
            out,
            "{verb} {} {} {} (the link no longer exists)",
            s.link.child, s.link.field, s.link.parent
        )?;
    }
    if plan.changes && !args.dry_run {
        stamp::write(&ws.root, &plan.text)?;
    }
    let mut summary = vec![crate::report::human::plural(
        plan.stamped.len(),
        "link stamped",
        "links stamped",
    )];
    if plan.unchanged > 0 {
        summary.push(format!("{} already reviewed", plan.unchanged));
    }
    if !plan.removed.is_empty() {
        summary.push(crate::report::human::plural(
            plan.removed.len(),
            "stamp removed",
            "stamps removed",
        ));
    }
    if plan.merged > 0 {
        summary.push(crate::report::human::plural(
            plan.merged,
            "duplicate line merged",
            "duplicate lines merged",
        ));
    }
    let whose = match &commit {
        Some(c) => format!(" at commit {}", review::history::short(c)),
        None => String::new(),
    };
    let state = if args.dry_run {
        "dry run, nothing written".to_string()
    } else if plan.changes {
        format!("written{whose}")
    } else {
        "unchanged".to_string()
    };
    eprintln!(
        "{}: {} ({state})",
        review::lock::FILE_NAME,
        summary.join(", ")
    );
    if commit.is_none() && !plan.stamped.is_empty() {
        eprintln!(
            "note: not in a git repository (or no commit yet): the stamps name no commit, so a later change can be flagged but not described"
        );
    }
    Ok(EXIT_OK)
}

/// `review --show ID`.
fn show(checked: &crate::Checked, id: &str) -> anyhow::Result<i32> {
    let (ws, model, config) = (&checked.workspace, &checked.analysis.model, &checked.config);
    if let Err(ReviewError::UnknownId(message)) = stamp::check_ids(model, &[id.to_string()]) {
        eprintln!("error: {message}");
        return Ok(EXIT_ERROR);
    }
    let mut out = std::io::stdout().lock();
    let Some((_, lock)) = &ws.lock else {
        writeln!(
            out,
            "{id}: no link is reviewed yet (the workspace has no {}); `throughline review {id}` stamps its links",
            review::lock::FILE_NAME
        )?;
        return Ok(EXIT_OK);
    };
    let states = review::states(ws, model, config, lock);
    let mine: Vec<_> = states.iter().filter(|s| s.link.child == id).collect();
    let suspect: Vec<_> = mine
        .iter()
        .filter(|s| matches!(s.state, State::Suspect(_)))
        .collect();
    if suspect.is_empty() {
        let unreviewed = mine.iter().filter(|s| s.state == State::Unreviewed).count();
        let tail = if unreviewed > 0 {
            format!(
                " ({} never reviewed)",
                crate::report::human::plural(unreviewed, "link", "links")
            )
        } else {
            String::new()
        };
        writeln!(out, "{id}: no suspect links{tail}")?;
        return Ok(EXIT_OK);
    }
    for (i, s) in suspect.iter().enumerate() {
        let State::Suspect(stamp) = &s.state else {
            continue;
        };
        if i > 0 {
            writeln!(out)?;
        }
        let parent = &model.entities[s.parent];
        writeln!(
            out,
            "{} {} {}: `{}` ({}) changed since the review",
            s.link.child,
            s.link.field,
            s.link.parent,
            s.link.parent,
            ws.files[parent.file].rel_path
        )?;
        match review::changed_fields(ws, model, config, s.parent, stamp) {
            Ok((commit, changes)) => {
                writeln!(
                    out,
                    "  reviewed version: commit {}",
                    review::history::short(&commit)
                )?;
                if changes.is_empty() {
                    writeln!(
                        out,
                        "  no field that counts differs: only fields `[review] ignore` now leaves out changed"
                    )?;
                }
                for c in &changes {
                    writeln!(out, "  {}", c.field())?;
                    writeln!(
                        out,
                        "    before: {}",
                        crate::diff::shown(c.before.as_ref(), 200)
                    )?;
                    writeln!(
                        out,
                        "    after:  {}",
                        crate::diff::shown(c.after.as_ref(), 200)
                    )?;
                }
            }
            Err(why) => writeln!(out, "  what changed is not known: {why}")?,
        }
    }
    writeln!(
        out,
        "\nwhen `{id}` still holds (or is updated): throughline review {id}, and commit {}",
        review::lock::FILE_NAME
    )?;
    Ok(EXIT_OK)
}
