//! `build --since REF`: the changes page (`changes.html`) and the "new" /
//! "changed" badges on entity pages and lists.

use std::collections::HashMap;

use serde::Serialize;
use tera::Tera;

use super::SiteError;
use super::pages::{Common, context, render_template};
use super::view::{Ref, SiteModel};
use crate::diff::{Diff, EntityInfo, Impact, human, shown};
use crate::model::Kind;

/// What changed since a revision, for the site.
pub struct Changes {
    pub diff: Diff,
    badges: HashMap<String, bool>,
}

impl Changes {
    pub fn new(diff: Diff) -> Changes {
        Changes {
            badges: diff.badges(),
            diff,
        }
    }

    /// `new` for an added entity, `changed` for a modified one.
    pub fn badge(&self, id: &str) -> Option<&'static str> {
        self.badges
            .get(id)
            .map(|&new| if new { "new" } else { "changed" })
    }

    /// "Changes since `main`: 2 modified · …", for the overview.
    pub fn headline(&self) -> String {
        human::summary(&self.diff)
    }
}

#[derive(Serialize)]
struct Row {
    entity: Ref,
    file: String,
    from: Option<String>,
    notes: Vec<String>,
    fields: Vec<(String, String, String)>,
    impact: Vec<Ref>,
    impact_more: usize,
}

#[derive(Serialize)]
struct Group {
    key: &'static str,
    title: &'static str,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct BreakRow {
    entity: Ref,
    name: &'static str,
    reason: String,
    affects: Vec<Ref>,
    affects_more: usize,
}

#[derive(Serialize)]
struct LinkRow {
    added: bool,
    from: Ref,
    to: Ref,
    field: &'static str,
}

#[derive(Serialize)]
struct FindingRow {
    new: bool,
    severity: &'static str,
    rule: &'static str,
    message: String,
    at: String,
}

/// The site's link to an entity of the head revision, or a plain one for
/// an entity that is gone.
fn entity(site: &SiteModel, info: &EntityInfo) -> Ref {
    match site.model.get(&info.id) {
        Some(e) => site.entity_ref(e),
        None => gone(
            site,
            &info.id,
            info.name.as_deref(),
            Kind::from_name(&info.kind),
        ),
    }
}

fn gone(site: &SiteModel, id: &str, name: Option<&str>, kind: Option<Kind>) -> Ref {
    match site.model.get(id) {
        Some(e) => site.entity_ref(e),
        None => Ref {
            id: id.to_string(),
            name: name.unwrap_or(id).to_string(),
            kind: kind.map_or("Unknown", Kind::name),
            kind_label: kind.map_or("Unknown", Kind::label),
            path: None,
            traced: false,
        },
    }
}

/// `text` as HTML, each `code span` of it as `<code>`.
fn with_code(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        let part = crate::markup::escape(part);
        if i % 2 == 1 {
            out.push_str(&format!("<code>{part}</code>"));
        } else {
            out.push_str(&part);
        }
    }
    out
}

/// Most links shown in a cell before "and N more".
const SHOWN: usize = 8;

/// Links to entities named by id: pages of the head, or what the base had.
struct Names<'s, 'a> {
    site: &'s SiteModel<'a>,
    removed: HashMap<&'s str, &'s EntityInfo>,
}

impl Names<'_, '_> {
    fn get(&self, id: &str) -> Ref {
        match self.removed.get(id) {
            Some(info) => entity(self.site, info),
            None => gone(self.site, id, None, None),
        }
    }

    fn refs(&self, ids: &[String]) -> (Vec<Ref>, usize) {
        let shown: Vec<Ref> = ids.iter().take(SHOWN).map(|id| self.get(id)).collect();
        (shown, ids.len().saturating_sub(SHOWN))
    }
}

fn impact(names: &Names, i: &Impact) -> (Vec<Ref>, usize) {
    let all: Vec<String> = i
        .goals
        .iter()
        .chain(&i.use_cases)
        .chain(&i.consumers)
        .cloned()
        .collect();
    names.refs(&all)
}

/// `changes.html`.
pub fn changes_page(
    site: &SiteModel,
    changes: &Changes,
    tera: &Tera,
    common: &Common,
) -> Result<String, SiteError> {
    let diff = &changes.diff;
    let names = Names {
        site,
        removed: diff
            .removed
            .iter()
            .map(|e| (e.entity.id.as_str(), &e.entity))
            .collect(),
    };
    let mut ctx = context(common, "", "changes", "Changes");
    let row = |info: &EntityInfo, from: Option<String>, i: &Impact| {
        let (impact, impact_more) = impact(&names, i);
        Row {
            entity: entity(site, info),
            file: info.file.clone(),
            from,
            notes: Vec::new(),
            fields: Vec::new(),
            impact,
            impact_more,
        }
    };
    let groups = vec![
        Group {
            key: "added",
            title: "Added",
            rows: diff
                .added
                .iter()
                .map(|e| row(&e.entity, None, &e.impact))
                .collect(),
        },
        Group {
            key: "modified",
            title: "Modified",
            rows: diff
                .modified
                .iter()
                .map(|m| Row {
                    notes: m.notes.iter().map(|n| with_code(&n.message)).collect(),
                    fields: m
                        .changes
                        .iter()
                        .map(|c| {
                            (
                                c.label(),
                                shown(c.before.as_ref(), 200),
                                shown(c.after.as_ref(), 200),
                            )
                        })
                        .collect(),
                    ..row(&m.entity, None, &m.impact)
                })
                .collect(),
        },
        Group {
            key: "removed",
            title: "Removed",
            rows: diff
                .removed
                .iter()
                .map(|e| row(&e.entity, None, &e.impact))
                .collect(),
        },
        Group {
            key: "moved",
            title: "Moved to another file",
            rows: diff
                .moved
                .iter()
                .map(|m| row(&m.entity, Some(m.from.clone()), &Impact::default()))
                .collect(),
        },
    ];
    let breaking: Vec<BreakRow> = diff
        .breaking
        .iter()
        .map(|b| {
            let (affects, affects_more) = names.refs(&b.affects);
            BreakRow {
                entity: entity(site, &b.entity),
                name: b.name,
                reason: with_code(&b.reason),
                affects,
                affects_more,
            }
        })
        .collect();
    let links: Vec<LinkRow> = diff
        .links_added
        .iter()
        .map(|l| (true, l))
        .chain(diff.links_removed.iter().map(|l| (false, l)))
        .map(|(added, l)| LinkRow {
            added,
            from: names.get(&l.from),
            to: names.get(&l.to),
            field: l.field,
        })
        .collect();
    let findings: Vec<FindingRow> = diff
        .new_findings
        .iter()
        .map(|f| (true, f))
        .chain(diff.fixed_findings.iter().map(|f| (false, f)))
        .map(|(new, f)| FindingRow {
            new,
            severity: f.severity,
            rule: f.rule,
            message: with_code(&f.message),
            at: match (&f.file, f.line) {
                (Some(file), Some(line)) => format!("{file}:{line}"),
                (Some(file), None) => file.clone(),
                _ => String::new(),
            },
        })
        .collect();
    let ids = |list: &[EntityInfo]| list.iter().map(|e| entity(site, e)).collect::<Vec<_>>();
    ctx.insert("base", &diff.base);
    ctx.insert("summary", &changes.headline());
    ctx.insert("breaking", &breaking);
    ctx.insert("groups", &groups);
    ctx.insert("links", &links);
    ctx.insert("findings", &findings);
    ctx.insert("before", &diff.before.text());
    ctx.insert("after", &diff.after.text());
    ctx.insert("became_untraced", &ids(&diff.became_untraced));
    ctx.insert("became_traced", &ids(&diff.became_traced));
    ctx.insert("unchanged", &(diff.is_empty() && diff.moved.is_empty()));
    render_template(tera, "changes.html", &ctx, "changes.html")
}
