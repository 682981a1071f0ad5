//! An indicator over time, drawn as inline SVG at build time: its
//! observations, baseline and target lines, the projection to its deadline
//! (dashed), and markers where the initiatives working on its goal started
//! and ended. Each chart comes with a text summary and a table of its points,
//! so it reads without the picture too. No script, no library.

use std::fmt::Write;

use crate::markup::escape;
use crate::model::time::Date;
use crate::outcomes::Indicator;
use crate::report::status::shown;

/// A dated event drawn as a vertical line: "Loyalty programme started".
pub struct Marker {
    pub date: Date,
    pub label: String,
}

const W: f64 = 640.0;
const H: f64 = 240.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 34.0;

/// About `count` round values spanning `lo..hi` (1, 2 or 5 times a power of ten apart).
fn ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let span = (hi - lo).max(f64::EPSILON);
    let raw = span / count.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let mut v = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while v <= hi + step * 1e-9 && out.len() < 50 {
        out.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        v += step;
    }
    out
}

/// First days of months between `from` and `to` (days since the epoch),
/// every 1, 2, 3, 6, 12 or more months so that there are at most seven.
fn date_ticks(from: i64, to: i64) -> Vec<Date> {
    let months = ((to - from) as f64 / 30.44).max(1.0);
    let every = [1i64, 2, 3, 6, 12, 24, 60, 120]
        .into_iter()
        .find(|m| months / *m as f64 <= 7.0)
        .unwrap_or(240);
    let start = Date::from_days_since_epoch(from);
    let mut index = i64::from(start.year) * 12 + i64::from(start.month) - 1;
    if start.day > 1 {
        index += 1;
    }
    index = (index + every - 1).div_euclid(every) * every;
    let mut out = Vec::new();
    while out.len() < 12 {
        let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
        let Some(d) = Date::parse(&format!("{year:04}-{month:02}-01")) else {
            break;
        };
        if d.days() > to {
            break;
        }
        out.push(d);
        index += every;
    }
    out
}

/// The chart of one indicator, with its summary and its table of points.
/// `n` makes the element ids unique on the page.
pub fn block(i: &Indicator, markers: &[Marker], n: usize, title: &str) -> String {
    let id = format!("chart-{n}");
    let summary = i.summary(title);
    let mut out = String::with_capacity(4096 + i.points.len() * 120);
    let _ = write!(
        out,
        "<figure class=\"chart s-{}\" aria-labelledby=\"{id}-caption\">",
        i.status.as_str()
    );
    let _ = write!(
        out,
        "<figcaption id=\"{id}-caption\"><strong>{}</strong> <span class=\"badge s-{}\">{}</span></figcaption>",
        escape(title),
        i.status.as_str(),
        i.status.label()
    );
    if i.points.is_empty() {
        // Still a chart, with nothing on it yet, so every indicator has one.
        let _ = write!(
            out,
            "<svg class=\"chart-svg empty\" role=\"img\" viewBox=\"0 0 {W} 60\" aria-labelledby=\"{id}-title {id}-desc\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc><text class=\"tick\" x=\"{}\" y=\"34\" text-anchor=\"middle\">No observations yet</text></svg>",
            escape(title),
            escape(&summary),
            W / 2.0
        );
        let _ = write!(
            out,
            "<p class=\"muted chart-empty\">Add rows for this indicator to a <code>*.measurements.csv</code> file.</p>"
        );
    } else {
        svg(&mut out, i, markers, &id, title, &summary);
    }
    let _ = write!(out, "<p class=\"chart-summary\">{}</p>", escape(&summary));
    if i.points.is_empty() {
        let _ = write!(
            out,
            "<table class=\"chart-points\"><caption class=\"visually-hidden\">Observations of {}</caption><thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Value</th></tr></thead><tbody><tr><td colspan=\"2\" class=\"muted\">none yet</td></tr></tbody></table>",
            escape(title)
        );
    } else {
        let _ = write!(
            out,
            "<details class=\"chart-data\"><summary>The {} observation{}</summary><div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Observations of {}\"><table><thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Value{}</th></tr></thead><tbody>",
            i.points.len(),
            if i.points.len() == 1 { "" } else { "s" },
            escape(title),
            if i.unit.is_empty() {
                String::new()
            } else {
                format!(" ({})", escape(&i.unit))
            }
        );
        for (d, v) in &i.points {
            let _ = write!(out, "<tr><td>{d}</td><td>{}</td></tr>", shown(*v));
        }
        out.push_str("</tbody></table></div></details>");
    }
    out.push_str("</figure>");
    out
}

fn svg(out: &mut String, i: &Indicator, markers: &[Marker], id: &str, title: &str, summary: &str) {
    let first = i.points[0].0.days();
    let last = i.points[i.points.len() - 1].0.days();
    let mut x_lo = first;
    let mut x_hi = last.max(first + 1);
    if let Some(by) = i.by {
        // Show the deadline when it is within a few years of the data.
        if by.days() > x_hi && by.days() - last < 365 * 5 {
            x_hi = by.days();
        }
    }
    let markers: Vec<&Marker> = markers
        .iter()
        // Markers near the data: up to a year before it, and not past its end.
        .filter(|m| m.date.days() >= x_lo - 366 && m.date.days() <= x_hi)
        .collect();
    for m in &markers {
        x_lo = x_lo.min(m.date.days());
        x_hi = x_hi.max(m.date.days());
    }
    let mut values: Vec<f64> = i.points.iter().map(|p| p.1).collect();
    values.extend(i.baseline);
    values.extend(i.target);
    let projection = match (i.line, i.by) {
        (Some(l), Some(by)) if by.days() > last && by.days() <= x_hi => Some((
            i.points[i.points.len() - 1].0,
            l.at(i.points[i.points.len() - 1].0),
            by,
            l.at(by),
        )),
        _ => None,
    };
    if let Some((_, a, _, b)) = projection {
        values.push(a);
        values.push(b);
    }
    let (mut y_lo, mut y_hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    let pad = ((y_hi - y_lo) * 0.08).max(y_hi.abs().max(1.0) * 0.02);
    y_lo -= pad;
    y_hi += pad;
    let x = |d: i64| LEFT + (d - x_lo) as f64 / (x_hi - x_lo).max(1) as f64 * (W - LEFT - RIGHT);
    let y = |v: f64| TOP + (y_hi - v) / (y_hi - y_lo) * (H - TOP - BOTTOM);
    let _ = write!(
        out,
        "<svg class=\"chart-svg\" role=\"img\" viewBox=\"0 0 {W} {H}\" preserveAspectRatio=\"xMidYMid meet\" aria-labelledby=\"{id}-title {id}-desc\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(summary)
    );
    // Axes and grid.
    out.push_str("<g class=\"grid\">");
    for v in ticks(y_lo, y_hi, 4) {
        let yy = y(v);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\"/><text class=\"tick\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            yy + 4.0,
            shown(v)
        );
    }
    for (n, d) in date_ticks(x_lo, x_hi).into_iter().enumerate() {
        let xx = x(d.days());
        // Every other date label is dropped on narrow screens (CSS `.odd`).
        let _ = write!(
            out,
            "<line class=\"vtick\" x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{}\" y2=\"{}\"/><text class=\"tick x{}\" x=\"{xx:.1}\" y=\"{}\" text-anchor=\"middle\">{:04}-{:02}</text>",
            H - BOTTOM,
            H - BOTTOM + 4.0,
            if n % 2 == 1 { " odd" } else { "" },
            H - BOTTOM + 20.0,
            d.year,
            d.month
        );
    }
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/></g>",
        W - RIGHT,
        H - BOTTOM,
        H - BOTTOM
    );
    // Initiatives starting and ending.
    for m in &markers {
        let xx = x(m.date.days());
        let _ = write!(
            out,
            "<g class=\"marker\"><line x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{TOP}\" y2=\"{}\"/><text x=\"{:.1}\" y=\"{}\">{}</text><title>{} ({})</title></g>",
            H - BOTTOM,
            xx + 3.0,
            TOP + 10.0,
            escape(&super::svg::truncate(&m.label, 28)),
            escape(&m.label),
            m.date
        );
    }
    // Baseline and target. A series starts near its baseline and heads for
    // its target, so the baseline is labelled at the right, the target at
    // the left, each on the side of its line away from the data.
    let rising = i.target.zip(i.baseline).is_none_or(|(t, b)| t >= b);
    for (class, value) in [("baseline", i.baseline), ("target", i.target)] {
        if let Some(v) = value {
            let yy = y(v);
            let away_up = (class == "target") == rising;
            let (tx, anchor) = if class == "target" {
                (LEFT + 4.0, "start")
            } else {
                (W - RIGHT - 2.0, "end")
            };
            let ty = if away_up { yy - 5.0 } else { yy + 14.0 };
            let _ = write!(
                out,
                "<g class=\"{class}\"><line x1=\"{LEFT}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\"/><text x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"{anchor}\">{class} {}</text></g>",
                W - RIGHT,
                shown(v)
            );
        }
    }
    // The projection to the deadline.
    if let Some((from, a, to, b)) = projection {
        let _ = write!(
            out,
            "<g class=\"projection\"><line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/><circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">projected {}</text></g>",
            x(from.days()),
            y(a),
            x(to.days()),
            y(b),
            x(to.days()),
            y(b),
            x(to.days()) - 6.0,
            if b >= a { y(b) - 8.0 } else { y(b) + 18.0 },
            shown(b)
        );
    }
    // The observations.
    out.push_str("<g class=\"series\"><polyline points=\"");
    for (d, v) in &i.points {
        let _ = write!(out, "{:.1},{:.1} ", x(d.days()), y(*v));
    }
    out.push_str("\"/>");
    // Dots for a readable number of points; a long series is the line alone.
    if i.points.len() <= 120 {
        for (d, v) in &i.points {
            let _ = write!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\"><title>{d}: {}</title></circle>",
                x(d.days()),
                y(*v),
                shown(*v)
            );
        }
    }
    out.push_str("</g></svg>");
}

/// A small line of the latest observations, for lists (`progress.html`).
pub fn spark(i: &Indicator, label: &str) -> String {
    let tail = &i.points[i.points.len().saturating_sub(24)..];
    if tail.len() < 2 {
        return String::new();
    }
    let (lo, hi) = tail
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    let (w, h) = (96.0, 24.0);
    let (x0, x1) = (tail[0].0.days(), tail[tail.len() - 1].0.days());
    let mut out = format!(
        "<svg class=\"spark\" role=\"img\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title><polyline points=\"",
        escape(label)
    );
    for (d, v) in tail {
        let x = 2.0 + (d.days() - x0) as f64 / (x1 - x0).max(1) as f64 * (w - 4.0);
        let y = if hi - lo <= f64::EPSILON {
            h / 2.0
        } else {
            2.0 + (hi - v) / (hi - lo) * (h - 4.0)
        };
        let _ = write!(out, "{x:.1},{y:.1} ");
    }
    out.push_str("\"/></svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_ticks() {
        assert_eq!(ticks(0.0, 10.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(ticks(18.3, 31.7, 4), vec![20.0, 25.0, 30.0]);
        let t = ticks(0.001, 0.009, 4);
        assert!(t.len() >= 3 && t.len() <= 9, "{t:?}");
    }

    #[test]
    fn date_ticks_are_month_starts_within_range() {
        let from = Date::parse("2025-01-15").unwrap().days();
        let to = Date::parse("2026-12-31").unwrap().days();
        let t = date_ticks(from, to);
        assert!(t.len() >= 3 && t.len() <= 8, "{t:?}");
        assert!(
            t.iter()
                .all(|d| d.day == 1 && d.days() >= from && d.days() <= to)
        );
    }
}
