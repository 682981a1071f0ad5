//! The suspect links on the site (CONTRACT §10): `review.html` lists them
//! all with what changed and what lies below each child, and a child's page
//! carries a mark that links there.
//!
//! Both read the `suspect-link` findings of the check, so a link whose
//! finding is turned off or allowed is not shown either.

use serde::Serialize;
use tera::Tera;

use crate::diagnostic::{Diagnostic, Rule};
use crate::model::reads::read;
use crate::model::{EntityId, Reference};
use crate::review::{self, Link, State};

use super::SiteError;
use super::pages::{Common, context, render_template};
use super::view::{Ref, SiteModel};

/// On a child's page: one of its suspect links.
#[derive(Debug, Clone, Serialize)]
pub struct SuspectMark {
    pub parent: Ref,
    pub field: String,
    /// The parent's changed fields, when known.
    pub changed: Vec<String>,
}

/// Most entities below a child named on `review.html` before "and N more".
const SHOWN_BELOW: usize = 8;

/// A suspect-link finding and the link it is about.
struct Found<'d, 'm> {
    finding: &'d Diagnostic,
    child: EntityId,
    reference: &'m Reference,
    parent: EntityId,
}

/// The link a `suspect-link` finding sits on.
fn found<'d, 'm>(site: &SiteModel<'m>, d: &'d Diagnostic) -> Option<Found<'d, 'm>> {
    let (child, reference) = review::link_of(site.model, d)?;
    Some(Found {
        finding: d,
        child,
        reference,
        parent: reference.resolved?,
    })
}

/// The suspect links of `e`, for its page, and how many entities lie below
/// it.
pub fn marks(site: &SiteModel, e: EntityId) -> (Vec<SuspectMark>, usize) {
    let entity = &site.model.entities[e];
    let marks: Vec<SuspectMark> = site
        .analysis
        .diagnostics
        .iter()
        .filter(|d| d.rule == Rule::SuspectLink && d.doc == Some(entity.doc))
        .filter_map(|d| found(site, d))
        .filter(|f| f.child == e)
        .map(|f| SuspectMark {
            parent: site.entity_ref(f.parent),
            field: f.reference.field.display().to_string(),
            changed: f.finding.changed.clone().unwrap_or_default(),
        })
        .collect();
    if marks.is_empty() {
        return (marks, 0);
    }
    let below = review::below(site.model, e);
    // The count changes when the trace below changes: the page depends on it.
    below.iter().for_each(|&b| read(b));
    (marks, below.len())
}

/// The count shown beside "Review" in the navigation: the suspect links, in
/// a workspace with a lock (`None` without one: the link is not shown).
pub fn nav_count(site: &SiteModel) -> Option<usize> {
    site.ws.lock.as_ref()?;
    Some(
        site.analysis
            .diagnostics
            .iter()
            .filter(|d| d.rule == Rule::SuspectLink)
            .count(),
    )
}

#[derive(Serialize)]
struct Row {
    /// The first row of its child carries the child's id as its anchor.
    anchor: bool,
    child: Ref,
    field: String,
    parent: Ref,
    /// Each changed field, its value then and now.
    fields: Vec<(String, String, String)>,
    /// Why the change is not known, when it is not.
    unknown: Option<String>,
    /// The commit of the reviewed version, short.
    since: Option<String>,
    below: usize,
    below_shown: Vec<Ref>,
    below_more: usize,
}

/// `review.html`.
pub fn review_page(site: &SiteModel, tera: &Tera, common: &Common) -> Result<String, SiteError> {
    let mut ctx = context(common, "", "review", "Review");
    let (ws, model, config) = (site.ws, site.model, site.config);
    let mut rows: Vec<Row> = Vec::new();
    let mut children = std::collections::HashSet::new();
    for f in site
        .analysis
        .diagnostics
        .iter()
        .filter_map(|d| found(site, d))
    {
        let (child, parent) = (&model.entities[f.child], &model.entities[f.parent]);
        let link = Link {
            child: compact_str::CompactString::from(&*child.id),
            field: compact_str::CompactString::from(f.reference.field.display()),
            parent: compact_str::CompactString::from(&*parent.id),
        };
        let stamp = ws.lock.as_ref().and_then(|(_, lock)| lock.get(&link));
        let changes = match stamp {
            Some(stamp) => review::changed_fields(ws, model, config, f.parent, &stamp),
            None => Err("the link has no stamp".to_string()),
        };
        let (fields, unknown, since) = match changes {
            Ok((commit, changes)) => (
                changes
                    .iter()
                    .map(|c| {
                        (
                            c.label(),
                            crate::diff::shown(c.before.as_ref(), 200),
                            crate::diff::shown(c.after.as_ref(), 200),
                        )
                    })
                    .collect(),
                None,
                Some(review::history::short(&commit).to_string()),
            ),
            Err(why) => (Vec::new(), Some(why), None),
        };
        let below = review::below(model, f.child);
        let shown: Vec<Ref> = below
            .iter()
            .filter(|&&b| site.path(b).is_some())
            .take(SHOWN_BELOW)
            .map(|&b| site.entity_ref(b))
            .collect();
        rows.push(Row {
            anchor: children.insert(f.child),
            child: site.entity_ref(f.child),
            field: link.field.to_string(),
            parent: site.entity_ref(f.parent),
            fields,
            unknown,
            since,
            below: below.len(),
            below_more: below.len() - shown.len(),
            below_shown: shown,
        });
    }
    let summary = match &ws.lock {
        None => "There is no <code>throughline.lock</code> yet, so no link has been reviewed. \
                 Once the trace holds, run <code>throughline review --all</code> and commit the lock: \
                 from then on, a change to a goal, a use case or any other parent flags the links \
                 under it here."
            .to_string(),
        Some((_, lock)) => {
            let states = review::states(ws, model, config, lock);
            let reviewed = states.iter().filter(|s| s.state == State::Reviewed).count();
            let unreviewed = states
                .iter()
                .filter(|s| s.state == State::Unreviewed)
                .count();
            let mut text = if rows.is_empty() {
                "No link is suspect: every reviewed link was reviewed against its parent as it is now."
                    .to_string()
            } else {
                format!(
                    "{} suspect link{} on {} entit{}: the parent changed since the link was reviewed.",
                    rows.len(),
                    if rows.len() == 1 { "" } else { "s" },
                    children.len(),
                    if children.len() == 1 { "y" } else { "ies" },
                )
            };
            text.push_str(&format!(
                " {reviewed} of {} links are reviewed and current",
                states.len()
            ));
            if unreviewed > 0 {
                text.push_str(&format!("; {unreviewed} have never been reviewed"));
            }
            text.push('.');
            text
        }
    };
    ctx.insert("summary", &summary);
    ctx.insert("links", &rows);
    ctx.insert("has_lock", &ws.lock.is_some());
    render_template(tera, "review.html", &ctx, "review.html")
}
