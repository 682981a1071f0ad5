//! `throughline status`: every indicator's progress, as a terminal table, as
//! JSON (CONTRACT §6) or as Markdown for a pull request or a weekly update.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Value, json};

use crate::load::Workspace;
use crate::model::Model;
use crate::model::time::Date;
use crate::outcomes::{Indicator, Outcomes, Status};

/// The output formats of `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    Human,
    Json,
    Markdown,
}

/// A number as JSON: whole numbers without a fraction.
fn num(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

pub use crate::outcomes::shown;

/// `▁▂▃▅▇`: the last `width` observations, scaled between their extremes.
pub fn sparkline(points: &[(Date, f64)], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let tail = &points[points.len().saturating_sub(width)..];
    let (lo, hi) = tail
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    tail.iter()
        .map(|p| {
            if hi - lo <= f64::EPSILON {
                BARS[3]
            } else {
                BARS[(((p.1 - lo) / (hi - lo)) * 7.0).round() as usize]
            }
        })
        .collect()
}

/// What `status` says of one indicator.
pub struct Row<'a> {
    pub indicator: &'a Indicator,
    pub entity_id: &'a str,
    pub entity_name: &'a str,
}

/// The indicators in report order: the North Star, then goals in file order.
pub fn rows<'a>(ws: &'a Workspace, model: &'a Model, outcomes: &'a Outcomes) -> Vec<Row<'a>> {
    outcomes
        .indicators
        .iter()
        .map(|i| {
            let e = &model.entities[i.entity];
            Row {
                indicator: i,
                entity_id: &e.id,
                entity_name: e.node(ws).get_str("name").unwrap_or(&e.id),
            }
        })
        .collect()
}

#[derive(Serialize)]
struct Latest {
    date: String,
    value: Value,
}

/// The JSON report (version 1).
pub fn json(rows: &[Row], today: Date) -> Value {
    let indicators: Vec<Value> = rows
        .iter()
        .map(|r| {
            let i = r.indicator;
            json!({
                "entity": r.entity_id,
                "kind": i.kind.name(),
                "indicator": i.key,
                "name": i.name,
                "unit": i.unit,
                "direction": i.direction.as_str(),
                "baseline": i.baseline.map(num),
                "target": i.target.map(num),
                "by": i.by.map(|d| d.to_string()),
                "latest": i.latest().map(|(d, v)| Latest { date: d.to_string(), value: num(v) }),
                "projected": i.projected.map(|p| num((p * 100.0).round() / 100.0)),
                "points": i.points.len(),
                "status": i.status.as_str(),
            })
        })
        .collect();
    json!({ "version": 1, "today": today.to_string(), "indicators": indicators })
}

fn colour(status: Status) -> &'static str {
    match status {
        Status::OffTrack => "\x1b[31m",
        Status::AtRisk => "\x1b[33m",
        Status::NoData => "\x1b[2m",
        Status::OnTrack => "\x1b[32m",
        Status::Achieved => "\x1b[1;32m",
    }
}

fn label(r: &Row) -> String {
    match &r.indicator.key {
        None => format!("{} (North Star)", r.indicator.name),
        Some(_) => format!("{} · {}", r.entity_name, r.indicator.name),
    }
}

/// `24.5 percent` or `24.5`, `—` without a value.
pub fn with_unit(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "—".into(),
        Some(v) if unit.is_empty() => shown(v),
        Some(v) => format!("{} {unit}", shown(v)),
    }
}

/// `30 percent by 2027-06-30`.
pub fn target_text(i: &Indicator) -> String {
    match (i.target, i.by) {
        (Some(t), Some(by)) => format!("{} by {by}", with_unit(Some(t), &i.unit)),
        (t, _) => with_unit(t, &i.unit),
    }
}

/// `24.5 percent (2026-11-01)`, or the spec's `current` without a date.
pub fn latest_text(i: &Indicator) -> String {
    match i.latest() {
        Some((d, v)) => format!("{} ({d})", with_unit(Some(v), &i.unit)),
        None => with_unit(i.current, &i.unit),
    }
}

/// The terminal table: status, indicator, trend, latest, target, projection.
pub fn human(rows: &[Row], today: Date, color: bool, out: &mut dyn Write) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(
            out,
            "no indicators: the workspace has no North Star metric or goal indicators"
        );
    }
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let i = r.indicator;
            let target = target_text(i);
            [
                i.status.as_str().to_string(),
                crate::report::terminal::printable(&label(r)).into_owned(),
                sparkline(&i.points, 12),
                with_unit(i.value(), &i.unit),
                target,
                i.projected
                    .map_or("—".into(), |p| format!("→ {}", shown(p))),
            ]
        })
        .collect();
    let headers = [
        "status",
        "indicator",
        "trend",
        "latest",
        "target",
        "projected",
    ];
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for c in &cells {
        for (w, text) in widths.iter_mut().zip(c) {
            *w = (*w).max(text.chars().count());
        }
    }
    widths[1] = widths[1].min(48);
    let pad = |text: &str, w: usize| -> String {
        let n = text.chars().count();
        if n > w {
            let cut: String = text.chars().take(w.saturating_sub(1)).collect();
            format!("{cut}…")
        } else {
            format!("{text}{}", " ".repeat(w - n))
        }
    };
    let line: Vec<String> = headers
        .iter()
        .zip(&widths)
        .map(|(h, &w)| pad(h, w))
        .collect();
    writeln!(out, "{}", line.join("  ").trim_end())?;
    for (r, c) in rows.iter().zip(&cells) {
        let mut parts: Vec<String> = c.iter().zip(&widths).map(|(t, &w)| pad(t, w)).collect();
        if color {
            parts[0] = format!("{}{}\x1b[0m", colour(r.indicator.status), parts[0]);
        }
        writeln!(out, "{}", parts.join("  ").trim_end())?;
    }
    writeln!(out)?;
    writeln!(out, "{} at {today}", summary(rows))
}

/// "5 indicators: 1 off track, 1 at risk, 2 on track, 1 achieved"
pub fn summary(rows: &[Row]) -> String {
    let counts: Vec<String> = Status::ALL
        .iter()
        .filter_map(|&s| {
            let n = rows.iter().filter(|r| r.indicator.status == s).count();
            (n > 0).then(|| format!("{n} {}", s.label().to_lowercase()))
        })
        .collect();
    format!(
        "{} indicator{}: {}",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        counts.join(", ")
    )
}

/// Markdown: a summary line, then a table fit for a pull request or an update.
pub fn markdown(rows: &[Row], today: Date, out: &mut dyn Write) -> io::Result<()> {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    writeln!(out, "**Outcomes at {today}**: {}", summary(rows))?;
    writeln!(out)?;
    writeln!(
        out,
        "| Status | Indicator | Trend | Latest | Target | Projected |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for r in rows {
        let i = r.indicator;
        let icon = match i.status {
            Status::OffTrack => "🔴",
            Status::AtRisk => "🟠",
            Status::NoData => "⚪",
            Status::OnTrack => "🟢",
            Status::Achieved => "✅",
        };
        let latest = latest_text(i);
        let target = target_text(i);
        writeln!(
            out,
            "| {icon} {} | {} | {} | {} | {} | {} |",
            i.status.label(),
            cell(&label(r)),
            sparkline(&i.points, 12),
            cell(&latest),
            cell(&target),
            i.projected.map_or("—".into(), shown),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_to_their_extremes() {
        let d = |m: u32| Date::parse(&format!("2026-{m:02}-01")).unwrap();
        let points: Vec<(Date, f64)> = (1..=8).map(|m| (d(m), m as f64)).collect();
        assert_eq!(sparkline(&points, 12), "▁▂▃▄▅▆▇█");
        assert_eq!(sparkline(&points[..2], 12), "▁█");
        assert_eq!(sparkline(&[(d(1), 5.0), (d(2), 5.0)], 12), "▄▄");
        assert_eq!(sparkline(&[], 12), "");
        assert_eq!(shown(24.499), "24.5");
        assert_eq!(shown(30.0), "30");
    }
}
