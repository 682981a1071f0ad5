//! `status`'s part on dbt: the failures of the last run behind output
//! ports, under the goals they put at risk.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::dbt::risk::Risk;

/// The `dbt` member of `status --format json`: when the run was and what
/// failed in it (present when `[dbt] run-results` is set).
pub fn json(risks: &[Risk], run_at: Option<&str>) -> Value {
    json!({ "runAt": run_at, "failing": risks })
}

/// What failed in dbt's last run and when it ran, for `status`; `None`
/// without `[dbt] run-results`.
pub fn risks(checked: &crate::Checked) -> Option<(Vec<Risk>, Option<String>)> {
    let artifacts = checked.workspace.dbt.as_deref()?;
    let results = artifacts.run_results.as_ref()?;
    let risks = crate::dbt::risk::at_risk(&checked.workspace, &checked.analysis.model, artifacts);
    Some((risks, results.generated_at.clone()))
}

/// `status --format json` (CONTRACT §6), with its `dbt` member when the
/// workspace has run results: what the command and the MCP tool answer.
pub fn status_json(
    checked: &crate::Checked,
    rows: &[super::status::Row],
    today: crate::model::time::Date,
) -> Value {
    let mut value = super::status::json(rows, today);
    if let Some((risks, run_at)) = risks(checked) {
        value["dbt"] = json(&risks, run_at.as_deref());
    }
    value
}

fn what(r: &Risk) -> String {
    let rows = match r.failures {
        Some(n) if n > 0 => format!(", {n} row{}", if n == 1 { "" } else { "s" }),
        _ => String::new(),
    };
    format!("{} `{}` {}{rows}", r.resource_type, r.name, r.status)
}

fn goals(r: &Risk) -> String {
    if r.goals.is_empty() {
        "no goal above it".into()
    } else {
        r.goals.join(", ")
    }
}

pub fn human(risks: &[Risk], run_at: Option<&str>, out: &mut dyn Write) -> io::Result<()> {
    let when = run_at.map(|t| format!(" (run of {t})")).unwrap_or_default();
    if risks.is_empty() {
        return writeln!(out, "\ndbt{when}: nothing behind an output port failed");
    }
    writeln!(
        out,
        "\nFailing in dbt{when}, under the goals it puts at risk:"
    )?;
    // Goals in the order they are first met; failures under no goal last.
    let mut goals: Vec<Option<&str>> = Vec::new();
    for r in risks {
        let mine: Vec<Option<&str>> = if r.goals.is_empty() {
            vec![None]
        } else {
            r.goals.iter().map(|g| Some(g.as_str())).collect()
        };
        for g in mine {
            if !goals.contains(&g) {
                goals.push(g);
            }
        }
    }
    goals.sort_by_key(|g| g.is_none());
    for goal in goals {
        writeln!(out, "  {}", goal.unwrap_or("(no goal above it)"))?;
        for r in risks.iter().filter(|r| match goal {
            Some(g) => r.goals.iter().any(|x| x == g),
            None => r.goals.is_empty(),
        }) {
            writeln!(out, "    {} · port {}: {}", r.data_product, r.port, what(r))?;
        }
    }
    Ok(())
}

pub fn markdown(risks: &[Risk], run_at: Option<&str>, out: &mut dyn Write) -> io::Result<()> {
    let when = run_at.map(|t| format!(" (run of {t})")).unwrap_or_default();
    writeln!(out, "\n### Failing in dbt{when}\n")?;
    if risks.is_empty() {
        return writeln!(out, "Nothing behind an output port failed.");
    }
    writeln!(out, "| Data product | Port | Failed | Goals at risk |")?;
    writeln!(out, "|---|---|---|---|")?;
    for r in risks {
        writeln!(
            out,
            "| `{}` | `{}` | {} | {} |",
            r.data_product,
            r.port,
            what(r).replace('|', "\\|"),
            goals(r)
        )?;
    }
    Ok(())
}
