//! `diff` for the terminal: a summary line, then the breaking changes, the
//! trace, and the entities, links and findings that changed, grouped.
//! Coloured on a terminal, plain otherwise.

use std::io::{self, Write};

use super::{Diff, Impact, shown};
use crate::report::human::plural;
use crate::report::terminal::{printable, printable_name};

/// "2 breaking changes · 3 added, 1 removed, 2 modified · trace 24 of 30 → 25 of 31 traced · findings 1 new, 2 fixed".
pub fn summary(diff: &Diff) -> String {
    if diff.is_empty() {
        let moved = if diff.moved.is_empty() {
            String::new()
        } else {
            format!(
                " ({} moved to another file)",
                plural(diff.moved.len(), "entity", "entities")
            )
        };
        let mut parts = vec![format!("no change to the trace{moved}")];
        parts.extend(reviewed_text(diff));
        parts.extend(suspect_text(diff));
        return parts.join(" · ");
    }
    let mut parts = Vec::new();
    if !diff.breaking.is_empty() {
        parts.push(plural(
            diff.breaking.len(),
            "breaking change",
            "breaking changes",
        ));
    }
    let mut counts = Vec::new();
    for (n, what) in [
        (diff.added.len(), "added"),
        (diff.removed.len(), "removed"),
        (diff.modified.len(), "modified"),
        (diff.moved.len(), "moved"),
    ] {
        if n > 0 {
            counts.push(format!("{n} {what}"));
        }
    }
    if !counts.is_empty() {
        parts.push(counts.join(", "));
    }
    parts.push(if diff.before == diff.after {
        format!("trace unchanged ({})", diff.after.text())
    } else {
        format!("trace {} → {}", diff.before.text(), diff.after.text())
    });
    parts.push(format!(
        "findings {} new, {} fixed",
        diff.new_findings.len(),
        diff.fixed_findings.len()
    ));
    parts.extend(reviewed_text(diff));
    parts.extend(suspect_text(diff));
    parts.join(" · ")
}

/// "2 links to review", when the head has suspect links.
pub fn suspect_text(diff: &Diff) -> Option<String> {
    match diff.suspect.len() {
        0 => None,
        n => Some(format!("{} to review", plural(n, "link", "links"))),
    }
}

/// "reviewed: 3 links", and the stamps removed, when the lock changed.
pub fn reviewed_text(diff: &Diff) -> Option<String> {
    match (diff.reviewed.len(), diff.unstamped.len()) {
        (0, 0) => None,
        (n, 0) => Some(format!("reviewed: {}", plural(n, "link", "links"))),
        (n, m) => Some(format!(
            "reviewed: {}, {} removed",
            plural(n, "link", "links"),
            plural(m, "stamp", "stamps")
        )),
    }
}

/// "goals a, b; use cases c; consumers d", or nothing.
pub fn impact_text(i: &Impact, max: usize) -> String {
    let list = |ids: &[String]| {
        let mut s: Vec<String> = ids.iter().take(max).map(|id| format!("`{id}`")).collect();
        if ids.len() > max {
            s.push(format!("{} more", ids.len() - max));
        }
        s.join(", ")
    };
    let mut parts = Vec::new();
    for (ids, what) in [
        (&i.goals, "goals"),
        (&i.use_cases, "use cases"),
        (&i.consumers, "consumers"),
    ] {
        if !ids.is_empty() {
            parts.push(format!("{what} {}", list(ids)));
        }
    }
    parts.join("; ")
}

struct Paint {
    color: bool,
}

impl Paint {
    fn on(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Writes the diff for a person at a terminal.
pub fn render(diff: &Diff, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let p = Paint { color };
    writeln!(
        out,
        "{} {}: {}",
        p.on("1", "throughline diff"),
        printable(&diff.range()),
        summary(diff)
    )?;
    if !diff.breaking.is_empty() {
        writeln!(out, "\n{}", p.on("1;31", "Breaking"))?;
        for b in &diff.breaking {
            writeln!(
                out,
                "  {} {} `{}` ({}): {}",
                p.on("31", "✗"),
                b.entity.kind,
                printable(&b.entity.id),
                b.name,
                printable(&b.reason)
            )?;
            if !b.affects.is_empty() {
                let shown: Vec<String> = b
                    .affects
                    .iter()
                    .take(12)
                    .map(|a| format!("`{a}`"))
                    .collect();
                let more = b.affects.len().saturating_sub(12);
                writeln!(
                    out,
                    "      affects {}{}",
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                )?;
            }
        }
    }
    if diff.before != diff.after
        || !diff.became_traced.is_empty()
        || !diff.became_untraced.is_empty()
    {
        writeln!(out, "\n{}", p.on("1", "Trace"))?;
        writeln!(
            out,
            "  {} entities, {} → {} entities, {}",
            diff.before.entities,
            diff.before.text(),
            diff.after.entities,
            diff.after.text()
        )?;
        for (list, what, code) in [
            (&diff.became_untraced, "became untraced", "31"),
            (&diff.became_traced, "became traced", "32"),
        ] {
            if !list.is_empty() {
                let ids: Vec<String> = list
                    .iter()
                    .map(|e| format!("`{}`", printable(&e.id)))
                    .collect();
                writeln!(out, "  {}: {}", p.on(code, what), ids.join(", "))?;
            }
        }
    }
    let entries = [
        (&diff.added, "Added", "+", "32"),
        (&diff.removed, "Removed", "-", "31"),
    ];
    for (list, title, sign, code) in entries {
        if list.is_empty() {
            continue;
        }
        writeln!(out, "\n{}", p.on("1", title))?;
        for e in list {
            writeln!(
                out,
                "  {} {} `{}`  {}",
                p.on(code, sign),
                e.entity.kind,
                printable(&e.entity.id),
                p.on("2", &printable_name(&e.entity.file))
            )?;
            let impact = impact_text(&e.impact, 8);
            if !impact.is_empty() {
                writeln!(out, "      impact: {impact}")?;
            }
        }
    }
    if !diff.modified.is_empty() {
        writeln!(out, "\n{}", p.on("1", "Modified"))?;
        for m in &diff.modified {
            writeln!(
                out,
                "  {} {} `{}`  {}",
                p.on("33", "~"),
                m.entity.kind,
                printable(&m.entity.id),
                p.on("2", &printable_name(&m.entity.file))
            )?;
            for n in &m.notes {
                writeln!(
                    out,
                    "      {}: {}",
                    p.on("1", n.name),
                    printable(&n.message)
                )?;
            }
            for c in &m.changes {
                writeln!(
                    out,
                    "      {}: {} → {}",
                    printable(&c.label()),
                    printable(&shown(c.before.as_ref(), 60)),
                    printable(&shown(c.after.as_ref(), 60))
                )?;
            }
            let impact = impact_text(&m.impact, 8);
            if !impact.is_empty() {
                writeln!(out, "      impact: {impact}")?;
            }
        }
    }
    if !diff.moved.is_empty() {
        writeln!(out, "\n{}", p.on("1", "Moved"))?;
        for m in &diff.moved {
            writeln!(
                out,
                "  {} `{}`  {} → {}",
                m.entity.kind,
                printable(&m.entity.id),
                printable_name(&m.from),
                printable_name(&m.entity.file)
            )?;
        }
    }
    if !diff.links_added.is_empty() || !diff.links_removed.is_empty() {
        writeln!(out, "\n{}", p.on("1", "Links"))?;
        for (list, sign, code) in [
            (&diff.links_added, "+", "32"),
            (&diff.links_removed, "-", "31"),
        ] {
            for l in list {
                writeln!(
                    out,
                    "  {} `{}` → `{}` ({})",
                    p.on(code, sign),
                    printable(&l.from),
                    printable(&l.to),
                    l.field
                )?;
            }
        }
    }
    if !diff.reviewed.is_empty() || !diff.unstamped.is_empty() {
        writeln!(out, "\n{}", p.on("1", "Reviews (throughline.lock)"))?;
        for (list, sign, code) in [
            (&diff.reviewed, "reviewed", "32"),
            (&diff.unstamped, "unstamped", "31"),
        ] {
            for l in list {
                writeln!(
                    out,
                    "  {} `{}` → `{}` ({})",
                    p.on(code, sign),
                    printable(&l.child),
                    printable(&l.parent),
                    l.field
                )?;
            }
        }
    }
    if !diff.suspect.is_empty() {
        writeln!(out, "\n{}", p.on("1", "Links to review"))?;
        for s in &diff.suspect {
            let changed = if s.changed.is_empty() {
                "what changed is not known".to_string()
            } else {
                format!("changed: {}", s.changed.join(", "))
            };
            writeln!(
                out,
                "  {} {} → {} ({})  {}  {}",
                p.on("33", "suspect"),
                printable(&s.link.child),
                printable(&s.link.parent),
                s.link.field,
                printable(&changed),
                p.on("2", &format!("{}:{}", printable_name(&s.file), s.line))
            )?;
        }
    }
    if !diff.new_findings.is_empty() || !diff.fixed_findings.is_empty() {
        writeln!(out, "\n{}", p.on("1", "Findings"))?;
        for (list, what, code) in [
            (&diff.new_findings, "new", "31"),
            (&diff.fixed_findings, "fixed", "32"),
        ] {
            for f in list {
                let at = match (&f.file, f.line, f.column) {
                    (Some(file), Some(l), Some(c)) => format!("{}:{l}:{c}", printable_name(file)),
                    (Some(file), _, _) => printable_name(file).into_owned(),
                    _ => "workspace".to_string(),
                };
                writeln!(
                    out,
                    "  {} {}[{}] {}  {}",
                    p.on(code, what),
                    f.severity,
                    f.rule,
                    printable(&f.message),
                    p.on("2", &at)
                )?;
            }
        }
    }
    Ok(())
}
