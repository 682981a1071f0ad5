//! `export` and `import`: the workspace in other formats, and back.

use super::*;

/// Checks the workspace for an export: its findings go to standard error,
/// and with errors the export stops (exit 1) unless `--allow-errors`.
pub(super) fn checked_for_export(args: &ExportArgs) -> anyhow::Result<Result<crate::Checked, i32>> {
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
pub(super) fn restore_shown_texts(checked: &mut crate::Checked) {
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
pub(super) fn report_to_stderr(checked: &crate::Checked) -> std::io::Result<()> {
    let report = Report {
        color: color_for(std::io::stderr().is_terminal()),
        ..Report::new(&checked.workspace, &checked.analysis)
    };
    let mut err = std::io::stderr().lock();
    report::render(Format::Human, &report, &mut err).or_else(ignore_broken_pipe)
}

/// Whether errors stop a command that writes (unless `--allow-errors`),
/// saying so: "error: {what} because the check found N errors; …".
pub(super) fn stopped_by_errors(
    checked: &crate::Checked,
    allow: bool,
    what: &str,
    anyway: &str,
) -> bool {
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

pub(super) fn export(what: ExportCommand) -> anyhow::Result<i32> {
    let (ExportCommand::Odps(args)
    | ExportCommand::Xlsx(args)
    | ExportCommand::Csv(args)
    | ExportCommand::DbtExposures(args)
    | ExportCommand::Backstage(args)
    | ExportCommand::Openlineage(OpenLineageExportArgs { common: args, .. })) = &what;
    if let ExportCommand::Openlineage(ol) = &what
        && let Some(t) = &ol.event_time
        && !is_rfc3339(t)
    {
        eprintln!(
            "error: --event-time must be an RFC 3339 time such as 2026-12-01T00:00:00Z, not `{t}`"
        );
        return Ok(EXIT_ERROR);
    }
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
        ExportCommand::DbtExposures(args) => {
            let Some(artifacts) = checked.workspace.dbt.clone() else {
                eprintln!(
                    "error: export dbt-exposures reads the dbt manifest: set `[dbt] manifest` in {}",
                    args.dir.join(crate::config::FILE_NAME).display()
                );
                return Ok(EXIT_ERROR);
            };
            let out = crate::dbt::exposures::exposures(&checked, &artifacts);
            write_export(&args.out, &out.notes, out.yaml.as_bytes())?;
            eprintln!(
                "wrote {} exposure{} to {}",
                out.count,
                if out.count == 1 { "" } else { "s" },
                args.out.display()
            );
        }
        ExportCommand::Backstage(args) => {
            let out = crate::interop::backstage::descriptors(&checked);
            write_export(&args.out, &out.notes, out.yaml.as_bytes())?;
            let counts: Vec<String> = out
                .counts
                .iter()
                .map(|(kind, n)| format!("{n} {kind}"))
                .collect();
            eprintln!(
                "wrote {} to {}",
                if counts.is_empty() {
                    "no entities".to_string()
                } else {
                    counts.join(", ")
                },
                args.out.display()
            );
        }
        ExportCommand::Openlineage(ol) => {
            let args = &ol.common;
            let time = match &ol.event_time {
                Some(t) => t.clone(),
                None => match crate::openlineage::export::head_time(&args.dir) {
                    Some(t) => t,
                    None => {
                        // Still the same bytes for the same specs.
                        eprintln!(
                            "note: {} is not in a git repository with a commit: every `eventTime` is {}; pass --event-time to set it",
                            args.dir.display(),
                            crate::openlineage::export::NO_COMMIT_TIME
                        );
                        crate::openlineage::export::NO_COMMIT_TIME.to_string()
                    }
                },
            };
            let out = crate::openlineage::export::static_lineage(&checked, &time);
            write_export(&args.out, &[], out.jsonl.as_bytes())?;
            eprintln!(
                "wrote {} job event{} and {} dataset event{} to {}",
                out.jobs,
                if out.jobs == 1 { "" } else { "s" },
                out.datasets,
                if out.datasets == 1 { "" } else { "s" },
                args.out.display()
            );
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

/// Prints an export's notes and writes its one file atomically.
fn write_export(out: &std::path::Path, notes: &[String], bytes: &[u8]) -> anyhow::Result<()> {
    for note in notes {
        eprintln!("note: {note}");
    }
    crate::atomic::write(out, bytes)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))
}

/// Whether `t` is an RFC 3339 date-time (`2026-12-01T00:00:00Z`,
/// `2026-12-01T01:00:00.5+01:00`).
fn is_rfc3339(t: &str) -> bool {
    let b = t.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || !matches!(b[10], b'T' | b't')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    if Date::parse(&t[..10]).is_none() {
        return false;
    }
    let mut rest = &t[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

pub(super) fn import_odps(args: ImportArgs) -> anyhow::Result<i32> {
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
