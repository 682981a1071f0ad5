//! The "Declared and observed lineage" part of a data product's page
//! (CONTRACT §11, §13): each upstream, whether `inputs` declares it, and
//! what every observing system (dbt's manifest, OpenLineage run events)
//! shows of it, side by side. One piece of markup for the template and the
//! native writer alike.

use std::fmt::Write;

use super::*;
use crate::lineage::{Observed, Row, Standing};
use crate::markup::{escape, escape_into};

fn badge(standing: &Standing, system: &str, out: &mut String) {
    match standing {
        Standing::Agrees => out.push_str("<span class=\"badge ok\">agrees</span>"),
        Standing::Through => out.push_str("<span class=\"badge ok\">through its inputs</span>"),
        Standing::Undeclared => out.push_str("<span class=\"badge warning\">undeclared</span>"),
        Standing::NotObserved => out.push_str("<span class=\"badge warning\">not observed</span>"),
        Standing::Unobservable => {
            let _ = write!(out, "<span class=\"muted\">not in {system}</span>");
        }
    }
}

/// How bad a standing is, to pick the one a row shows.
fn rank(s: &Standing) -> u8 {
    match s {
        Standing::Undeclared => 4,
        Standing::NotObserved => 3,
        Standing::Agrees => 2,
        Standing::Through => 1,
        Standing::Unobservable => 0,
    }
}

impl<'a> SiteModel<'a> {
    fn observed_graphs(&self) -> &[Observed<'a>] {
        self.lineage
            .get_or_init(|| crate::lineage::graphs(self.ws, self.model))
    }

    /// The lineage section of `e`'s page, or nothing when no system
    /// observes it.
    pub(super) fn lineage_html(&self, e: EntityId) -> String {
        if !self.model.entities[e].is(Kind::DataProduct) {
            return String::new();
        }
        let graphs = self.observed_graphs();
        if graphs.is_empty() {
            return String::new();
        }
        incremental::read(e);
        // Each system's rows; the declared inputs come first in each, in
        // the same order.
        let per: Vec<(&Observed, Vec<Row>)> = graphs
            .iter()
            .map(|g| {
                (
                    g,
                    crate::lineage::compare(self.model, e, std::slice::from_ref(g)),
                )
            })
            .filter(|(_, rows)| !rows.is_empty())
            .collect();
        if per.is_empty() {
            return String::new();
        }
        let mut order: Vec<(EntityId, bool)> = Vec::new();
        for (_, rows) in &per {
            for r in rows {
                if !order.iter().any(|(x, _)| *x == r.entity) {
                    order.push((r.entity, r.declared));
                }
            }
        }
        let cell = |sys: usize, entity: EntityId| per[sys].1.iter().find(|r| r.entity == entity);
        // Each system's observed paths, walked once for the evidence.
        let paths: Vec<_> = per.iter().map(|(g, _)| g.upstream_of(e)).collect();
        let root = "../";
        let mut out = String::new();
        out.push_str("\n<section aria-labelledby=\"lineage-title\" class=\"lineage\">\n  <h2 id=\"lineage-title\">Declared and observed lineage</h2>\n  ");
        let mut differ = 0;
        for &(entity, _) in &order {
            if (0..per.len()).any(|s| {
                cell(s, entity).is_some_and(|r| {
                    matches!(r.standing, Standing::Undeclared | Standing::NotObserved)
                })
            }) {
                differ += 1;
            }
        }
        let systems: Vec<&str> = per.iter().map(|(g, _)| g.graph().system()).collect();
        let by = systems.join(" and ");
        if differ > 0 {
            let _ = write!(
                out,
                "<p><span class=\"badge warning\">{differ} difference{}</span> between <code>inputs</code> and what {} show{} it read.</p>\n  ",
                if differ == 1 { "" } else { "s" },
                escape(&by),
                if per.len() == 1 { "s" } else { "" }
            );
        } else {
            let _ = write!(
                out,
                "<p>What {} show{} it read agrees with <code>inputs</code>.</p>\n  ",
                escape(&by),
                if per.len() == 1 { "s" } else { "" }
            );
        }
        out.push_str("<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-labelledby=\"lineage-title\">\n  <table>\n    <thead><tr><th scope=\"col\">Upstream</th><th scope=\"col\">Declared in <code>inputs</code></th>");
        for s in &systems {
            out.push_str("<th scope=\"col\">Observed by ");
            escape_into(&mut out, s);
            out.push_str("</th>");
        }
        out.push_str("<th scope=\"col\">Standing</th></tr></thead>\n    <tbody>");
        for &(entity, declared) in &order {
            out.push_str("<tr><th scope=\"row\">");
            self.link_html(entity, root, &mut out);
            out.push_str("</th><td>");
            out.push_str(if declared { "yes" } else { "no" });
            out.push_str("</td>");
            let mut worst: Option<(&Standing, &str)> = None;
            for (s, (g, _)) in per.iter().enumerate() {
                out.push_str("<td>");
                match cell(s, entity) {
                    Some(r) => {
                        match &r.observed {
                            Some((path, _)) => {
                                out.push_str("<code>");
                                escape_into(&mut out, path);
                                out.push_str("</code>");
                                if let Some(ev) = evidence(g, paths[s].get(&entity)) {
                                    out.push_str("<br><span class=\"muted\">");
                                    escape_into(&mut out, &ev);
                                    out.push_str("</span>");
                                }
                            }
                            None if r.standing == Standing::Agrees => {
                                out.push_str("yes, further up")
                            }
                            None if r.standing == Standing::Unobservable => {
                                out.push_str("<span class=\"muted\">not named</span>")
                            }
                            None => out.push_str("no"),
                        }
                        if worst.is_none_or(|(w, _)| rank(&r.standing) > rank(w)) {
                            worst = Some((&r.standing, g.graph().system()));
                        }
                    }
                    None => out.push_str("<span class=\"muted\">—</span>"),
                }
                out.push_str("</td>");
            }
            out.push_str("<td>");
            if let Some((standing, system)) = worst {
                badge(standing, system, &mut out);
            }
            out.push_str("</td></tr>");
        }
        out.push_str("</tbody>\n  </table>\n  </div>\n</section>\n");
        out
    }

    /// A link to entity `e` from a page `root` below the site's root.
    fn link_html(&self, e: EntityId, root: &str, out: &mut String) {
        let (linked, tail) = self.link_tail(e);
        if linked {
            ref_head(out, root);
        }
        out.push_str(&tail);
    }
}

/// What showed the last step of an observed `path` in `g` (a job's run, for
/// OpenLineage; dbt's manifest says nothing a page needs).
fn evidence(g: &Observed, path: Option<&Vec<crate::lineage::ObservedNode>>) -> Option<String> {
    if g.graph().system() == "dbt" {
        return None;
    }
    let path = path?;
    let (&last, &before) = (path.last()?, path.get(path.len().checked_sub(2)?)?);
    Some(g.graph().evidence(before, last))
}
