//! The commands that check, build, serve a workspace or print about it.

use super::*;

pub(super) fn diff(args: DiffArgs) -> anyhow::Result<i32> {
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

pub(super) fn init(args: InitArgs) -> anyhow::Result<i32> {
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

pub(super) fn mcp(args: McpArgs) -> anyhow::Result<i32> {
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

pub(super) fn schema(args: SchemaArgs) -> anyhow::Result<i32> {
    use crate::model::Kind;
    let kinds: Vec<Kind> = match &args.kind {
        None => Kind::ALL.to_vec(),
        Some(name) => vec![Kind::named(name).map_err(anyhow::Error::msg)?],
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

pub(super) fn graph(args: GraphArgs) -> anyhow::Result<i32> {
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

pub(super) fn build(args: BuildArgs) -> anyhow::Result<i32> {
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
pub(super) fn check_output_path(path: &std::path::Path) -> anyhow::Result<()> {
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

pub(super) fn check(args: CheckArgs) -> anyhow::Result<i32> {
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
    let mut checked = crate::check_dir_for_findings_with_lineage(&args.dir, today, &args.lineage)?;
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
pub(super) fn status(args: StatusArgs) -> anyhow::Result<i32> {
    use report::status::{self as st, StatusFormat};
    let today = args.today.unwrap_or_else(Date::today);
    let checked = crate::check_dir(&args.dir, today)?;
    let analysis = &checked.analysis;
    let rows = st::rows(&checked.workspace, &analysis.model, &analysis.outcomes);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // With run results, what failed in dbt and the goals it puts at risk.
    let dbt = checked
        .workspace
        .dbt
        .as_deref()
        .filter(|a| a.run_results.is_some())
        .map(|a| {
            let run_at = a.run_results.as_ref().and_then(|r| r.generated_at.clone());
            (
                crate::dbt::risk::at_risk(&checked.workspace, &analysis.model, a),
                run_at,
            )
        });
    match args.format {
        StatusFormat::Json => {
            let mut value = st::json(&rows, today);
            if let Some((risks, run_at)) = &dbt {
                value["dbt"] = report::dbt::json(risks, run_at.as_deref());
            }
            serde_json::to_writer_pretty(&mut out, &value)?;
            writeln!(out)
        }
        StatusFormat::Markdown => st::markdown(&rows, today, &mut out).and_then(|()| match &dbt {
            Some((risks, run_at)) => report::dbt::markdown(risks, run_at.as_deref(), &mut out),
            None => Ok(()),
        }),
        StatusFormat::Human => st::human(
            &rows,
            today,
            color_for(std::io::stdout().is_terminal()),
            &mut out,
        )
        .and_then(|()| match &dbt {
            Some((risks, run_at)) => report::dbt::human(risks, run_at.as_deref(), &mut out),
            None => Ok(()),
        }),
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

pub(super) fn color_for(terminal: bool) -> bool {
    terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A reader that stopped reading (`| head`) is not an error.
pub(super) fn ignore_broken_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}
