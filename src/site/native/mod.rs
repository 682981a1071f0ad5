//! Entity pages and list pages written straight from their views, without
//! tera.
//!
//! Entity pages are most of a site (10,000 of the 10,050 pages of a 10k
//! workspace), and tera spent a third of a build's time on them: looking up
//! each dotted variable through the context, and turning the view into a
//! JSON tree first. When none of `base.html`, `macros.html` and
//! `entity.html` is overridden, the page is written here instead, the same
//! markup byte for byte (`tests::the_native_entity_page_is_the_template_s`
//! renders every entity page of every fixture both ways). An override of any
//! of the three makes every entity page go through tera, as before.
//!
//! The part of the page around its content (the head, the navigation, the
//! footer) is still rendered by tera, from `base.html`, once per directory:
//! see [`Shells`].
//!
//! List pages (`list.rs`) are written the same way while `base.html`,
//! `macros.html` and `list.html` are the built-in ones: at 250 rows a page,
//! each with its links, they were most of what tera still rendered.

mod contracts;
mod list;
#[cfg(test)]
mod tests;

use contracts::*;

pub use list::list_page;

use std::sync::OnceLock;

use tera::Tera;

use crate::markup::escape_into;
use crate::model::Kind;

use super::pages::{self, Common};
use super::view::{EntityView, Progress, Ref};

/// Stands for the page's title in the rendered shell.
const TITLE: &str = "throughline-native-title-1f0c";
/// Stands for the page's content in the rendered shell.
const CONTENT: &str = "throughline-native-content-9b2e";

/// The template the shells are rendered from: `base.html` around markers.
pub const SHELL_TEMPLATE: (&str, &str) = (
    "throughline/shell.html",
    "{% extends \"base.html\" %}{% block content %}throughline-native-content-9b2e{% endblock content %}",
);

/// `base.html` rendered for the pages of one directory, cut where the title
/// and the content go.
pub struct Shell {
    head: String,
    middle: String,
    tail: String,
}

/// The shell of each kind's directory, rendered when its first page is.
#[derive(Default)]
pub struct Shells {
    by_kind: [OnceLock<Option<Shell>>; Kind::ALL.len()],
}

impl Shells {
    /// The shell of the pages in `dir` (`../` from the root), or `None`
    /// when it cannot be cut (a site title that holds a marker).
    pub fn get(&self, tera: &Tera, common: &Common, dir: &'static str) -> Option<&Shell> {
        let i = Kind::ALL.iter().position(|k| k.dir() == dir)?;
        self.by_kind[i]
            .get_or_init(|| {
                let ctx = pages::context(common, "../", dir, TITLE);
                let html = tera.render(SHELL_TEMPLATE.0, &ctx).ok()?;
                let [head, rest] = cut(&html, TITLE)?;
                let [middle, tail] = cut(rest, CONTENT)?;
                Some(Shell {
                    head: head.to_string(),
                    middle: middle.to_string(),
                    tail: tail.to_string(),
                })
            })
            .as_ref()
    }
}

/// `text` on either side of `marker`, which it must hold exactly once.
fn cut<'t>(text: &'t str, marker: &str) -> Option<[&'t str; 2]> {
    let (before, after) = text.split_once(marker)?;
    (!after.contains(marker)).then_some([before, after])
}

/// The page, written as `base.html`, `macros.html` and `entity.html` would
/// write it; `None` for a page they would fail on (no source lines), left
/// to tera to report.
pub fn entity_page(shell: &Shell, e: &EntityView, graph: &str) -> Option<String> {
    let first = e.source.first()?.n;
    let mut w = Writer(String::with_capacity(
        shell.head.len() + shell.middle.len() + shell.tail.len() + 16 * 1024,
    ));
    w.raw(&shell.head).text(&e.entity.name).raw(&shell.middle);
    content(&mut w, e, graph, first);
    w.raw(&shell.tail);
    Some(w.0)
}

/// Text appended raw or escaped, as tera's `{{ x | safe }}` and `{{ x }}`.
struct Writer(String);

impl Writer {
    fn raw(&mut self, s: &str) -> &mut Self {
        self.0.push_str(s);
        self
    }

    fn text(&mut self, s: &str) -> &mut Self {
        escape_into(&mut self.0, s);
        self
    }

    fn opt(&mut self, s: Option<&str>) -> &mut Self {
        self.text(s.unwrap_or(""))
    }

    /// `open`, `value` escaped and `close`, when `value` is set (tera's
    /// `{% if value %}open{{ value }}close{% endif %}`).
    fn text_in(&mut self, open: &str, value: &Option<String>, close: &str) -> &mut Self {
        if let Some(v) = set(value) {
            self.raw(open).text(v).raw(close);
        }
        self
    }

    fn num(&mut self, n: usize) -> &mut Self {
        use std::fmt::Write;
        let _ = write!(self.0, "{n}");
        self
    }

    /// A number as tera shows a float: Rust's shortest form (`12.5`, `100`).
    fn float(&mut self, f: f64) -> &mut Self {
        use std::fmt::Write;
        let _ = write!(self.0, "{f}");
        self
    }

    /// The badge of an entity that is `new` or `changed` since `--since`,
    /// linked to the changes page.
    fn change_badge(&mut self, change: &str) -> &mut Self {
        self.raw("<a class=\"badge ")
            .text(change)
            .raw("\" href=\"../changes.html\">")
            .text(change)
            .raw("</a>")
    }

    /// The `ref` macro.
    fn reference(&mut self, r: &Ref) -> &mut Self {
        super::view::ref_markup(&mut self.0, "../", &super::view::LinkParts::of(r));
        self
    }
}

/// A string as a tera condition sees it: set and not empty.
fn truthy(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|s| !s.is_empty())
}

/// A string a tera condition takes as set.
fn set(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// A float as `is number` sees it (tera's JSON has no NaN or infinity).
fn number(f: Option<f64>) -> Option<f64> {
    f.filter(|f| f.is_finite())
}

/// The `content` block of `entity.html`.
fn content(w: &mut Writer, e: &EntityView, graph: &str, first: usize) {
    let kind = e.entity.kind;
    w.raw("\n<nav class=\"breadcrumb\" aria-label=\"Trace to the North Star\">\n  <ol>\n    ");
    for r in &e.chain {
        w.raw("<li>").reference(r).raw("</li>");
    }
    w.raw("\n    <li aria-current=\"page\">")
        .text(&e.entity.name)
        .raw("</li>\n  </ol>\n</nav>\n<article>\n<header class=\"entity-header\">\n  <p class=\"eyebrow k-")
        .text(&kind.to_lowercase())
        .raw("\">")
        .text(e.entity.kind_label)
        .raw("</p>\n  <h1>")
        .text(&e.entity.name)
        .raw("</h1>\n  <p class=\"meta\">\n    <code>")
        .text(&e.entity.id)
        .raw("</code>\n    ");
    if let Some(change) = e.change.filter(|c| !c.is_empty()) {
        w.change_badge(change);
    }
    w.raw("\n    ");
    if !e.suspect.is_empty() {
        w.raw("<a class=\"badge suspect\" href=\"../review.html#")
            .text(&e.entity.id)
            .raw("\">review needed</a>");
    }
    w.raw("\n    ");
    w.text_in("<span class=\"status\">", &e.status, "</span>");
    w.raw("\n    ");
    if let Some(outcome) = &e.outcome {
        w.raw("<a class=\"badge s-")
            .text(outcome.status)
            .raw("\" href=\"../progress.html\">")
            .text(outcome.label)
            .raw("</a>");
    }
    w.raw("\n    ");
    if e.entity.traced {
        w.raw("<span class=\"badge ok\">traced</span>");
    } else if kind != "Source" && kind != "Consumer" {
        w.raw("<span class=\"badge error\">not traced</span>");
    }
    w.raw("\n    ");
    w.text_in("<span>Owner: ", &e.owner, "</span>");
    w.raw("\n    ");
    w.text_in(
        "<a href=\"",
        &e.edit_url,
        "\" rel=\"noopener noreferrer\">Edit this spec</a>",
    );
    w.raw("\n    ");
    if kind == "DataProduct" {
        w.raw("<a href=\"../downloads/odps/")
            .text(&e.entity.id)
            .raw(".odps.yaml\" download>ODPS document</a>");
    }
    w.raw("\n  </p>\n  ");
    if !e.tags.is_empty() {
        w.raw("<ul class=\"tags\" aria-label=\"Tags\">");
        for t in &e.tags {
            w.raw("<li>").text(t).raw("</li>");
        }
        w.raw("</ul>");
    }
    w.raw("\n</header>\n\n");
    if !e.suspect.is_empty() {
        suspect(w, e);
    }
    w.raw("\n\n");
    if !e.findings.is_empty() {
        w.raw("\n<section aria-labelledby=\"findings-title\" class=\"panel\">\n  <h2 id=\"findings-title\">Findings</h2>\n  ");
        findings(w, e);
        w.raw("\n</section>\n");
    }
    w.raw("\n\n");
    if truthy(&e.description) {
        w.raw("<section class=\"prose\" aria-label=\"Description\">")
            .raw(e.description.as_deref().unwrap_or(""))
            .raw("</section>");
    }
    w.raw("\n\n");
    if !e.fields.is_empty() {
        w.raw("\n<dl class=\"fields\">\n  ");
        for (name, value) in &e.fields {
            w.raw("<div><dt>")
                .text(name)
                .raw("</dt><dd>")
                .text(value)
                .raw("</dd></div>");
        }
        w.raw("\n</dl>\n");
    }
    w.raw("\n\n");
    if truthy(&e.evidence) || !e.evidence_charts.is_empty() {
        w.raw("<section aria-labelledby=\"evidence-title\" class=\"evidence\"><h2 id=\"evidence-title\">Evidence</h2>\n");
        if truthy(&e.evidence) {
            w.raw("<div class=\"prose\">")
                .raw(e.evidence.as_deref().unwrap_or(""))
                .raw("</div>");
        }
        w.raw("\n");
        if !e.evidence_charts.is_empty() {
            w.raw(
                "<div class=\"evidence-charts\"><p class=\"muted\">What the goal's indicators did",
            );
            if let Some(goal) = &e.goal {
                w.raw(" (").reference(goal).raw(")");
            }
            w.raw(":</p>");
            for c in &e.evidence_charts {
                w.raw(c);
            }
            w.raw("</div>");
        }
        w.raw("\n</section>");
    }
    w.raw("\n\n");
    if !e.progress.is_empty() {
        w.raw("\n<section aria-labelledby=\"progress-title\">\n  <h2 id=\"progress-title\">")
            .raw(if kind == "NorthStar" {
                "Metric"
            } else {
                "Success indicators"
            })
            .raw("</h2>\n  ");
        for p in &e.progress {
            progress(w, p);
        }
        w.raw("\n</section>\n");
    }
    w.raw("\n\n");
    if !e.charts.is_empty() {
        w.raw("\n<section aria-labelledby=\"charts-title\">\n  <h2 id=\"charts-title\">Over time</h2>\n  <div class=\"charts\">");
        for c in &e.charts {
            w.raw(c);
        }
        w.raw("</div>\n</section>\n");
    }
    w.raw("\n\n");
    for (i, t) in e.tables.iter().enumerate() {
        let n = i + 1;
        w.raw("\n<section aria-labelledby=\"table-")
            .num(n)
            .raw("\">\n  <h2 id=\"table-")
            .num(n)
            .raw("\">")
            .text(&t.title)
            .raw("</h2>\n  <div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-labelledby=\"table-")
            .num(n)
            .raw("\">\n  <table>\n    <thead><tr>");
        for c in &t.columns {
            w.raw("<th scope=\"col\">").text(c).raw("</th>");
        }
        w.raw("</tr></thead>\n    <tbody>");
        for row in &t.rows {
            w.raw("<tr>");
            for cell in row {
                w.raw("<td>");
                match cell.path.as_deref().filter(|p| !p.is_empty()) {
                    Some(path) => {
                        w.raw("<a href=\"../")
                            .text(path)
                            .raw("\">")
                            .text(&cell.text)
                            .raw("</a>");
                    }
                    None => {
                        w.text(&cell.text);
                    }
                }
                w.raw("</td>");
            }
            w.raw("</tr>");
        }
        w.raw("</tbody>\n  </table>\n  </div>\n</section>\n");
    }
    w.raw("\n\n");
    if !e.contracts.is_empty() {
        contracts(w, e);
    }
    w.raw("\n\n");
    if !e.dbt.is_empty() {
        w.raw(&e.dbt);
    }
    w.raw("\n\n");
    if !e.links.is_empty() || !e.backlinks.is_empty() {
        w.raw("\n<section aria-labelledby=\"links-title\">\n  <h2 id=\"links-title\">Links</h2>\n  <dl class=\"links\">\n    ");
        for g in &e.links {
            group(w, g);
        }
        w.raw("\n    ");
        for g in &e.backlinks {
            group(w, g);
        }
        w.raw("\n  </dl>\n</section>\n");
    }
    w.raw("\n\n<section aria-labelledby=\"graph-title\">\n  <h2 id=\"graph-title\">Neighbourhood</h2>\n  <div class=\"graph-wrap\" tabindex=\"0\" role=\"region\" aria-labelledby=\"graph-title\">")
        .raw(graph)
        .raw("</div>\n</section>\n\n");
    let label = e.entity.kind_label.to_lowercase();
    if kind == "DataProduct" || kind == "Source" {
        w.raw("\n");
        if !e.serves.is_empty() {
            w.raw("\n<section aria-labelledby=\"serves-title\">\n  <h2 id=\"serves-title\">Downstream: what it feeds</h2>\n  <p class=\"muted\">The data products and use cases that read this ")
                .text(&label)
                .raw(", and what they serve, up to the North Star.</p>\n  <div class=\"tree\">")
                .raw(&e.serves)
                .raw("</div>\n</section>\n");
        }
        w.raw("\n");
        if !e.impact.is_empty() {
            w.raw("\n<section aria-labelledby=\"impact-title\">\n  <h2 id=\"impact-title\">Upstream: what it is built from</h2>\n  <p class=\"muted\">Its inputs, and theirs, back to the sources.</p>\n  <div class=\"tree\">")
                .raw(&e.impact)
                .raw("</div>\n</section>\n");
        }
        w.raw("\n");
    } else if !e.impact.is_empty() {
        w.raw("\n<section aria-labelledby=\"impact-title\">\n  <h2 id=\"impact-title\">Traced through it</h2>\n  <p class=\"muted\">Everything whose trace to the North Star runs through this ")
            .text(&label)
            .raw(", down to the sources.</p>\n  <div class=\"tree\">")
            .raw(&e.impact)
            .raw("</div>\n</section>\n");
    }
    w.raw("\n\n<section aria-labelledby=\"source-title\">\n  <h2 id=\"source-title\">Source</h2>\n  <p class=\"muted\"><code>")
        .text(&e.file)
        .raw("</code>, line ")
        .num(e.line)
        .raw("</p>\n  <ol class=\"source\" start=\"")
        .num(first)
        .raw("\" tabindex=\"0\" aria-label=\"")
        .text(&e.file)
        .raw(", from line ")
        .num(first)
        .raw("\">");
    for l in &e.source {
        w.raw("<li>").text(&l.text).raw("</li>");
    }
    w.raw("</ol>\n</section>\n</article>\n");
}

/// A group of links ("Inputs (upstream)" and its entities).
fn group(w: &mut Writer, g: &super::view::Group) {
    w.raw("<div><dt>")
        .text(g.label)
        .raw("</dt><dd><ul class=\"inline-list\">");
    for r in &g.items {
        w.raw("<li>").reference(r).raw("</li>");
    }
    if g.more > 0 {
        w.raw("<li class=\"muted\">… and ")
            .num(g.more)
            .raw(" more</li>");
    }
    w.raw("</ul></dd></div>");
}

/// The "Review needed" panel of a child with suspect links.
fn suspect(w: &mut Writer, e: &EntityView) {
    w.raw("\n<section aria-labelledby=\"review-title\" class=\"panel suspect\">\n  <h2 id=\"review-title\">Review needed</h2>\n  <ul class=\"plain\">");
    for s in &e.suspect {
        w.raw("<li>")
            .reference(&s.parent)
            .raw(" changed since the link (<code>")
            .text(&s.field)
            .raw("</code>) was reviewed");
        if !s.changed.is_empty() {
            w.raw(": ");
            for (i, c) in s.changed.iter().enumerate() {
                if i > 0 {
                    w.raw(", ");
                }
                w.raw("<code>").text(c).raw("</code>");
            }
        }
        w.raw("</li>");
    }
    w.raw("</ul>\n  <p><a href=\"../review.html#")
        .text(&e.entity.id)
        .raw("\">")
        .num(e.below)
        .raw(if e.below == 1 {
            " entity lies"
        } else {
            " entities lie"
        })
        .raw(" below this one</a>; what they say rests on it too.</p>\n</section>\n");
}

/// The `findings` macro.
fn findings(w: &mut Writer, e: &EntityView) {
    w.raw("<ul class=\"findings\">");
    for f in &e.findings {
        w.raw("\n<li class=\"finding ")
            .text(f.severity)
            .raw("\"><span class=\"badge ")
            .text(f.severity)
            .raw("\">")
            .text(f.severity)
            .raw("</span> <code>")
            .text(f.rule)
            .raw("</code> ")
            .raw(&f.message);
        if truthy(&f.file) {
            w.raw(" <span class=\"muted\">— ")
                .opt(f.file.as_deref())
                .raw(":");
            if let Some(line) = f.line {
                w.num(line);
            }
            w.raw(":");
            if let Some(column) = f.column {
                w.num(column);
            }
            w.raw("</span>");
        }
        if let Some(entity) = &f.entity {
            w.raw(" · ").reference(entity);
        }
        if truthy(&f.help) {
            w.raw("<br><span class=\"help\">")
                .raw(f.help.as_deref().unwrap_or(""))
                .raw("</span>");
        }
        w.raw("</li>");
    }
    w.raw("\n</ul>");
}

/// The `progress` macro.
fn progress(w: &mut Writer, p: &Progress) {
    w.raw("<div class=\"progress\">\n  <div class=\"progress-head\"><strong>")
        .text(&p.name)
        .raw("</strong>");
    if !p.unit.is_empty() {
        w.raw(" <span class=\"muted\">(")
            .text(&p.unit)
            .raw(")</span>");
    }
    w.text_in(" <span class=\"muted\">by ", &p.by, "</span>");
    w.text_in(" <span class=\"muted\">", &p.timeframe, "</span>");
    w.raw("</div>\n  ");
    let percent = number(p.percent);
    if let Some(bar) = number(p.bar) {
        w.raw("<progress max=\"100\" value=\"")
            .float(bar)
            .raw("\" aria-label=\"")
            .text(&p.name)
            .raw(": ");
        if let Some(percent) = percent {
            w.float(percent);
        }
        w.raw("% of the way to target\">");
        if let Some(percent) = percent {
            w.float(percent);
        }
        w.raw("%</progress>");
    }
    w.raw("\n  <dl class=\"figures\">\n    ");
    if let Some(baseline) = number(p.baseline) {
        w.raw("<div><dt>Baseline</dt><dd>")
            .float(baseline)
            .raw("</dd></div>");
    }
    w.raw("\n    <div><dt>Current</dt><dd>");
    match number(p.current) {
        Some(current) => w.float(current),
        None => w.raw("<span class=\"muted\">not reported</span>"),
    };
    w.raw("</dd></div>\n    ");
    if let Some(target) = number(p.target) {
        w.raw("<div><dt>Target</dt><dd>")
            .float(target)
            .raw(" <span class=\"muted\">")
            .raw(if p.direction == "decrease" {
                "↓"
            } else {
                "↑"
            })
            .raw("</span></dd></div>");
    }
    w.raw("\n    <div><dt>Progress</dt><dd>");
    match percent {
        Some(percent) => {
            w.float(percent).raw("%");
            if percent < 0.0 {
                w.raw(" <span class=\"muted\">(moved away from the target)</span>");
            } else if percent > 100.0 {
                w.raw(" <span class=\"muted\">(past the target)</span>");
            }
        }
        None => {
            w.raw("—");
        }
    }
    w.raw("</dd></div>\n  </dl>\n  ");
    w.text_in("<p class=\"muted\">", &p.definition, "</p>");
    w.raw("\n</div>");
}
