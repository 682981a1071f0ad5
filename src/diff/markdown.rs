//! `diff --format markdown`: a pull-request comment. The summary line comes
//! first, then the breaking changes and a table of what changed; field
//! changes, the trace, links and findings sit in collapsed `<details>`. The
//! comment stays under GitHub's limit of 65,536 characters: rows that do not
//! fit are left out and a note says how many.

use std::io::{self, Write};

use super::human::{impact_text, summary};
use super::{Diff, shown};

/// GitHub's limit on a comment's body, in characters.
pub const COMMENT_LIMIT: usize = 65_536;
/// Kept free for the closing of open sections and the note on what was cut.
const RESERVE: usize = 1_500;

/// Text safe inside a table cell: no pipes, line breaks or HTML.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' | '\r' | '\t' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    if out.chars().count() > 300 {
        let cut: String = out.chars().take(299).collect();
        format!("{cut}…")
    } else {
        out
    }
}

/// An id (or path) as inline code.
fn code(s: &str) -> String {
    format!("`{}`", s.replace('`', "'").replace('|', "\\|"))
}

/// The comment being written, with a budget in characters.
struct Comment {
    text: String,
    chars: usize,
    limit: usize,
    cut: usize,
}

impl Comment {
    fn fits(&self, s: &str) -> bool {
        self.chars + s.chars().count() + RESERVE <= self.limit
    }

    /// Adds a line that must be there (headings, table heads).
    fn line(&mut self, s: &str) {
        self.chars += s.chars().count() + 1;
        self.text.push_str(s);
        self.text.push('\n');
    }

    /// Adds a row if it fits, and counts it as cut if not.
    fn row(&mut self, s: &str) -> bool {
        if self.fits(s) {
            self.line(s);
            true
        } else {
            self.cut += 1;
            false
        }
    }

    fn table(&mut self, head: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
        self.line(&format!("| {} |", head.join(" | ")));
        self.line(&format!("|{}", "---|".repeat(head.len())));
        let mut left = 0;
        for r in rows {
            if !self.row(&format!("| {} |", r.join(" | "))) {
                left += 1;
            }
        }
        if left > 0 {
            self.line(&format!(
                "\n_{left} more row{} not shown here._",
                if left == 1 { "" } else { "s" }
            ));
        }
    }

    fn details(&mut self, summary: &str, body: impl FnOnce(&mut Comment)) {
        self.line("");
        self.line(&format!("<details><summary>{summary}</summary>"));
        self.line("");
        body(self);
        self.line("");
        self.line("</details>");
    }
}

/// The comment as a string, within `limit` characters.
pub fn comment(diff: &Diff, limit: usize) -> String {
    let mut c = Comment {
        text: String::new(),
        chars: 0,
        limit,
        cut: 0,
    };
    let head = summary(diff);
    let head = if diff.breaking.is_empty() {
        head
    } else {
        format!("⚠️ {head}")
    };
    c.line(&format!(
        "**throughline diff** {}: {}",
        cell(&diff.range()),
        cell(&head)
    ));
    if !diff.breaking.is_empty() {
        c.line("");
        c.line(&format!("#### Breaking changes ({})", diff.breaking.len()));
        c.line("");
        c.table(
            &["Entity", "Change", "Why", "Affects"],
            diff.breaking.iter().map(|b| {
                let affects: Vec<String> = b.affects.iter().take(10).map(|a| code(a)).collect();
                let more = b.affects.len().saturating_sub(10);
                vec![
                    format!("{} {}", cell(&b.entity.kind), code(&b.entity.id)),
                    code(b.name),
                    cell(&b.reason),
                    format!(
                        "{}{}",
                        affects.join(", "),
                        if more > 0 {
                            format!(" and {more} more")
                        } else {
                            String::new()
                        }
                    ),
                ]
            }),
        );
    }
    if !diff.suspect.is_empty() {
        c.line("");
        c.line(&format!("#### Links to review ({})", diff.suspect.len()));
        c.line("");
        c.line("Each parent changed since the link from the child was reviewed. Check that the child still holds, then run `throughline review` with the child's id and commit `throughline.lock`: the lock is the record of the review.");
        c.line("");
        c.table(
            &["Child", "Field", "Parent", "What changed", "Since"],
            diff.suspect.iter().map(|s| {
                let changed: Vec<String> = s.changed.iter().take(6).map(|f| code(f)).collect();
                let more = s.changed.len().saturating_sub(6);
                vec![
                    code(&s.link.child),
                    code(&s.link.field),
                    code(&s.link.parent),
                    match (changed.is_empty(), more) {
                        (true, _) => "not known (`throughline review --show` explains)".to_string(),
                        (false, 0) => changed.join(", "),
                        (false, n) => format!("{} and {n} more", changed.join(", ")),
                    },
                    if s.before {
                        "before this change"
                    } else {
                        "this change"
                    }
                    .to_string(),
                ]
            }),
        );
    }
    let changed = diff.added.len() + diff.removed.len() + diff.modified.len() + diff.moved.len();
    if changed > 0 {
        c.line("");
        c.line("#### Changes");
        c.line("");
        let name = |n: &Option<String>| n.as_deref().map(cell).unwrap_or_default();
        let rows = diff
            .added
            .iter()
            .map(|e| ("added", &e.entity, String::new(), impact_text(&e.impact, 5)))
            .chain(diff.modified.iter().map(|m| {
                let what: Vec<String> = if m.notes.is_empty() {
                    let fields: Vec<String> =
                        m.changes.iter().take(4).map(|f| code(&f.label())).collect();
                    vec![fields.join(", ")]
                } else {
                    m.notes.iter().map(|n| cell(&n.message)).collect()
                };
                (
                    "modified",
                    &m.entity,
                    what.join("<br>"),
                    impact_text(&m.impact, 5),
                )
            }))
            .chain(diff.removed.iter().map(|e| {
                (
                    "removed",
                    &e.entity,
                    String::new(),
                    impact_text(&e.impact, 5),
                )
            }))
            .chain(diff.moved.iter().map(|m| {
                (
                    "moved",
                    &m.entity,
                    format!("from {}", code(&m.from)),
                    String::new(),
                )
            }))
            .map(|(what, e, notes, impact)| {
                vec![
                    what.to_string(),
                    format!("{} {}", code(&e.id), name(&e.name)),
                    cell(&e.kind),
                    code(&e.file),
                    notes,
                    cell(&impact),
                ]
            })
            .collect::<Vec<_>>();
        c.table(&["", "Entity", "Kind", "File", "What", "Impact"], rows);
    }
    let fields: usize = diff.modified.iter().map(|m| m.changes.len()).sum();
    if fields > 0 {
        c.details(&format!("Field changes ({fields})"), |c| {
            c.table(
                &["Entity", "Field", "Before", "After"],
                diff.modified.iter().flat_map(|m| {
                    m.changes.iter().map(move |f| {
                        vec![
                            code(&m.entity.id),
                            code(&f.label()),
                            cell(&shown(f.before.as_ref(), 120)),
                            cell(&shown(f.after.as_ref(), 120)),
                        ]
                    })
                }),
            )
        });
    }
    let trace_moved = diff.before != diff.after
        || !diff.became_untraced.is_empty()
        || !diff.became_traced.is_empty();
    if trace_moved {
        c.details(
            &format!(
                "Trace: {} of {} traced → {} of {}",
                diff.before.traced, diff.before.entities, diff.after.traced, diff.after.entities
            ),
            |c| {
                for (list, what) in [
                    (&diff.became_untraced, "Became untraced"),
                    (&diff.became_traced, "Became traced"),
                ] {
                    if !list.is_empty() {
                        c.line(&format!("{what}:"));
                        c.line("");
                        for e in list {
                            c.row(&format!("- {} ({})", code(&e.id), cell(&e.kind)));
                        }
                        c.line("");
                    }
                }
            },
        );
    }
    let links = diff.links_added.len() + diff.links_removed.len();
    if links > 0 {
        c.details(
            &format!(
                "Links: {} added, {} removed",
                diff.links_added.len(),
                diff.links_removed.len()
            ),
            |c| {
                c.table(
                    &["", "From", "To", "Field"],
                    diff.links_added
                        .iter()
                        .map(|l| ("added", l))
                        .chain(diff.links_removed.iter().map(|l| ("removed", l)))
                        .map(|(what, l)| {
                            vec![what.to_string(), code(&l.from), code(&l.to), code(l.field)]
                        }),
                )
            },
        );
    }
    if let Some(text) = super::human::reviewed_text(diff) {
        c.details(&text.replacen("reviewed", "Reviewed", 1), |c| {
            c.table(
                &["", "Child", "Parent", "Field"],
                diff.reviewed
                    .iter()
                    .map(|l| ("reviewed", l))
                    .chain(diff.unstamped.iter().map(|l| ("stamp removed", l)))
                    .map(|(what, l)| {
                        vec![
                            what.to_string(),
                            code(&l.child),
                            code(&l.parent),
                            code(&l.field),
                        ]
                    }),
            )
        });
    }
    let findings = diff.new_findings.len() + diff.fixed_findings.len();
    if findings > 0 {
        c.details(
            &format!(
                "Findings: {} new, {} fixed",
                diff.new_findings.len(),
                diff.fixed_findings.len()
            ),
            |c| {
                c.table(
                    &["", "Severity", "Rule", "Where", "Message"],
                    diff.new_findings
                        .iter()
                        .map(|f| ("new", f))
                        .chain(diff.fixed_findings.iter().map(|f| ("fixed", f)))
                        .map(|(what, f)| {
                            let at = match (&f.file, f.line) {
                                (Some(file), Some(l)) => code(&format!("{file}:{l}")),
                                (Some(file), None) => code(file),
                                _ => String::new(),
                            };
                            vec![
                                what.to_string(),
                                f.severity.to_string(),
                                code(f.rule),
                                at,
                                cell(&f.message),
                            ]
                        }),
                )
            },
        );
    }
    if c.cut > 0 {
        c.line("");
        c.line(&format!(
            "_{} row{} left out to stay under GitHub's {COMMENT_LIMIT}-character comment limit; `throughline diff --format json` has everything._",
            c.cut,
            if c.cut == 1 { " was" } else { "s were" }
        ));
    }
    c.text
}

/// Writes the pull-request comment.
pub fn render(diff: &Diff, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(comment(diff, COMMENT_LIMIT).as_bytes())
}
