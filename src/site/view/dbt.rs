//! The dbt part of a page (CONTRACT §11), as HTML: on a data product's
//! page, each output port's model (materialization, relation, columns,
//! tests and their last status); on a Source's page, its dbt source and
//! last freshness check (the observed lineage is in `view/lineage.rs`). One piece of markup for the template and the native writer alike.

use std::fmt::Write;

use super::*;
use crate::dbt::Artifacts;
use crate::dbt::manifest::{Node as DbtNode, NodeType};
use crate::dbt::names::Named;
use crate::markup::escape_into;

fn code(out: &mut String, text: &str) {
    out.push_str("<code>");
    escape_into(out, text);
    out.push_str("</code>");
}

/// A status badge: passing statuses `ok`, failing ones `error`, `warn` a warning.
fn status_badge(out: &mut String, status: &str) {
    let class = match status {
        "success" | "pass" => "ok",
        "warn" => "warning",
        "error" | "fail" | "runtime error" => "error",
        _ => "s-no-data",
    };
    let _ = write!(out, "<span class=\"badge {class}\">");
    escape_into(out, status);
    out.push_str("</span>");
}

/// What the pages read of dbt, found once for the whole site.
pub(super) struct DbtIndex<'a> {
    artifacts: &'a Artifacts,
    named: std::collections::HashMap<EntityId, Vec<Named<'a>>>,
}

impl<'a> SiteModel<'a> {
    fn dbt_index(&self) -> Option<&DbtIndex<'a>> {
        self.dbt
            .get_or_init(|| {
                let artifacts: &'a Artifacts = self.ws.dbt.as_deref()?;
                let mut named: std::collections::HashMap<EntityId, Vec<Named<'a>>> =
                    Default::default();
                for n in crate::dbt::names::named(self.ws, self.model, &artifacts.manifest) {
                    named.entry(n.entity).or_default().push(n);
                }
                Some(DbtIndex { artifacts, named })
            })
            .as_ref()
    }

    /// The dbt section of `e`'s page, or nothing.
    pub(super) fn dbt_html(&self, e: EntityId) -> String {
        let entity = &self.model.entities[e];
        if !matches!(
            entity.kind,
            Some(Kind::DataProduct | Kind::Source | Kind::Consumer)
        ) {
            return String::new();
        }
        let Some(index) = self.dbt_index() else {
            return String::new();
        };
        let artifacts = index.artifacts;
        incremental::read(e);
        let named: &[Named] = index.named.get(&e).map(Vec::as_slice).unwrap_or(&[]);
        let mut out = String::new();
        match entity.kind {
            Some(Kind::DataProduct) => {
                if named.is_empty() {
                    return out;
                }
                out.push_str("\n<section aria-labelledby=\"dbt-title\" class=\"dbt\">\n  <h2 id=\"dbt-title\">Built by dbt</h2>\n");
                for (i, n) in named.iter().enumerate() {
                    self.port_html(artifacts, n, i + 1, &mut out);
                }
                out.push_str("</section>\n");
            }
            Some(Kind::Source) | Some(Kind::Consumer) => {
                let Some(n) = named.first() else {
                    return out;
                };
                out.push_str("\n<section aria-labelledby=\"dbt-title\" class=\"dbt\">\n  <h2 id=\"dbt-title\">In dbt</h2>\n  ");
                match &n.node {
                    Err(_) => {
                        out.push_str("<p><span class=\"badge error\">not found</span> ");
                        code(&mut out, n.value);
                        let _ =
                            writeln!(out, " is not a dbt {} of the manifest.</p>", n.want.name());
                    }
                    Ok(id) => {
                        let node = artifacts.manifest.node(*id);
                        out.push_str("<dl class=\"fields\">");
                        field(&mut out, "dbt", |o| code(o, &node.unique_id));
                        if let Some(r) = &node.relation_name {
                            field(&mut out, "Relation", |o| code(o, r));
                        }
                        if let Some(p) = &node.path {
                            field(&mut out, "Defined in", |o| code(o, p));
                        }
                        if let Some(t) = node
                            .exposure
                            .as_ref()
                            .and_then(|i| i.exposure_type.as_ref())
                        {
                            field(&mut out, "Exposure type", |o| escape_into(o, t));
                        }
                        if let Some(check) =
                            artifacts.freshness.as_ref().and_then(|f| f.sources.get(id))
                        {
                            field(&mut out, "Last freshness check", |o| {
                                status_badge(o, &check.status);
                                if let Some(age) = check.age_secs {
                                    let _ = write!(
                                        o,
                                        " newest row {} old",
                                        crate::dbt::rules::age(age)
                                    );
                                }
                                if let Some(at) = &check.snapshotted_at {
                                    o.push_str(" <span class=\"muted\">(checked ");
                                    escape_into(o, at);
                                    o.push_str(")</span>");
                                }
                            });
                        }
                        out.push_str("</dl>\n");
                    }
                }
                out.push_str("</section>\n");
            }
            _ => {}
        }
        out
    }

    fn port_html(
        &self,
        artifacts: &Artifacts,
        n: &crate::dbt::names::Named,
        i: usize,
        out: &mut String,
    ) {
        let port = n.port.map_or("", |(_, p)| p);
        let _ = write!(
            out,
            "  <div class=\"dbt-port\">\n  <h3 id=\"dbt-port-{i}\">Port "
        );
        code(out, port);
        out.push_str(": model ");
        let id = match &n.node {
            Err(_) => {
                code(out, n.value);
                out.push_str(
                    " <span class=\"badge error\">not in the manifest</span></h3>\n  </div>\n",
                );
                return;
            }
            Ok(id) => *id,
        };
        let m = artifacts.manifest.node(id);
        code(out, &m.unique_id);
        if let Some(s) = artifacts.status(id) {
            out.push(' ');
            status_badge(out, &s.status);
        }
        out.push_str("</h3>\n  ");
        if let Some(d) = &m.description {
            out.push_str("<p>");
            escape_into(out, d);
            out.push_str("</p>\n  ");
        }
        out.push_str("<dl class=\"fields\">");
        if let Some(mat) = &m.materialized {
            field(out, "Materialization", |o| escape_into(o, mat));
        }
        if let Some(r) = &m.relation_name {
            field(out, "Relation", |o| code(o, r));
        }
        if let Some(p) = &m.path {
            field(out, "Defined in", |o| code(o, p));
        }
        if let Some(v) = &m.version {
            field(out, "Version", |o| {
                escape_into(o, v);
                if m.latest_version.as_ref() == Some(v) {
                    o.push_str(" (latest)");
                }
            });
        }
        if let Some(at) = artifacts
            .run_results
            .as_ref()
            .and_then(|r| r.generated_at.as_ref())
        {
            field(out, "Last run", |o| escape_into(o, at));
        }
        out.push_str("</dl>\n");
        if !m.columns.is_empty() {
            let _ = write!(
                out,
                "  <div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Columns of "
            );
            escape_into(out, &m.label());
            out.push_str("\">\n  <table>\n    <caption>Columns</caption>\n    <thead><tr><th scope=\"col\">Column</th><th scope=\"col\">Type</th><th scope=\"col\">Description</th></tr></thead>\n    <tbody>");
            for c in &m.columns {
                out.push_str("<tr><th scope=\"row\">");
                code(out, &c.name);
                out.push_str("</th><td>");
                escape_into(out, c.data_type.as_deref().unwrap_or(""));
                out.push_str("</td><td>");
                escape_into(out, c.description.as_deref().unwrap_or(""));
                out.push_str("</td></tr>");
            }
            out.push_str("</tbody>\n  </table>\n  </div>\n");
        }
        let tests: Vec<&DbtNode> = artifacts.manifest.tests[id as usize]
            .iter()
            .map(|&t| artifacts.manifest.node(t))
            .collect();
        if !tests.is_empty() {
            let _ = write!(
                out,
                "  <div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Tests of "
            );
            escape_into(out, &m.label());
            out.push_str("\">\n  <table>\n    <caption>Tests</caption>\n    <thead><tr><th scope=\"col\">Test</th><th scope=\"col\">Column</th><th scope=\"col\">Last status</th></tr></thead>\n    <tbody>");
            for (t, node) in artifacts.manifest.tests[id as usize].iter().zip(&tests) {
                out.push_str("<tr><th scope=\"row\">");
                code(out, &node.name);
                out.push_str("</th><td>");
                if let Some(c) = &node.column {
                    code(out, c);
                }
                out.push_str("</td><td>");
                match artifacts.status(*t) {
                    Some(s) => {
                        status_badge(out, &s.status);
                        if s.is_failing()
                            && let Some(msg) = &s.message
                        {
                            out.push(' ');
                            escape_into(out, msg);
                        }
                    }
                    None => out.push_str("<span class=\"muted\">not run</span>"),
                }
                out.push_str("</td></tr>");
            }
            out.push_str("</tbody>\n  </table>\n  </div>\n");
        }
        out.push_str("  </div>\n");
        debug_assert!(m.kind == NodeType::Model);
    }
}

fn field(out: &mut String, name: &str, value: impl FnOnce(&mut String)) {
    out.push_str("<dt>");
    out.push_str(name);
    out.push_str("</dt><dd>");
    value(out);
    out.push_str("</dd>");
}
