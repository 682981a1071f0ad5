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

mod list;

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

/// The section on the contracts of a data product's output ports.
fn contracts(w: &mut Writer, e: &EntityView) {
    w.raw("\n<section aria-labelledby=\"contracts-title\">\n  <h2 id=\"contracts-title\">Contracts of its output ports</h2>\n  ");
    for (i, c) in e.contracts.iter().enumerate() {
        w.raw("\n  <div class=\"contract\">\n    <h3 id=\"contract-")
            .num(i + 1)
            .raw("\">Port <code>")
            .text(&c.port)
            .raw("</code>: contract <code>")
            .text(&c.id)
            .raw("</code>");
        w.text_in(" <span class=\"muted\">v", &c.version, "</span>");
        w.text_in(" <span class=\"status\">", &c.status, "</span>");
        w.raw("</h3>\n    ");
        if !c.found {
            w.raw("<p class=\"muted\">This workspace holds no contract with this id.</p>");
        } else {
            w.raw("\n    ");
            if truthy(&c.name) || truthy(&c.purpose) {
                w.raw("<p>");
                if truthy(&c.name) {
                    w.raw("<strong>").opt(c.name.as_deref()).raw("</strong>");
                }
                if truthy(&c.name) && truthy(&c.purpose) {
                    w.raw(": ");
                }
                w.opt(c.purpose.as_deref()).raw("</p>");
            }
            w.raw("\n    <p class=\"muted small\">Defined in <code>")
                .opt(c.file.as_deref())
                .raw("</code>, line ");
            if let Some(line) = c.line {
                w.num(line);
            }
            w.raw(".</p>\n    ");
            for t in &c.tables {
                contract_table(w, c, t);
            }
            w.raw("\n    ");
            if !c.slas.is_empty() {
                w.raw("\n    <div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Service levels of contract ")
                    .text(&c.id)
                    .raw("\">\n    <table>\n      <caption>Service levels</caption>\n      <thead><tr><th scope=\"col\">Property</th><th scope=\"col\">Value</th><th scope=\"col\">Element</th><th scope=\"col\">Driver</th></tr></thead>\n      <tbody>");
                for sla in &c.slas {
                    w.raw("<tr><th scope=\"row\">")
                        .text(&sla.property)
                        .raw("</th><td>")
                        .text(&sla.value)
                        .raw("</td><td>");
                    if let Some(element) = sla.element.as_deref().filter(|s| !s.is_empty()) {
                        w.raw("<code>").text(element).raw("</code>");
                    }
                    w.raw("</td><td>")
                        .opt(sla.driver.as_deref())
                        .raw("</td></tr>");
                }
                w.raw("</tbody>\n    </table>\n    </div>\n    ");
            }
            w.raw("\n    ");
        }
        w.raw("\n  </div>\n  ");
    }
    w.raw("\n</section>\n");
}

/// One table of a contract, its columns and quality rules.
fn contract_table(
    w: &mut Writer,
    c: &super::view::PortContract,
    t: &crate::model::contract::Table,
) {
    w.raw("\n    <div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Table ")
        .text(&t.name)
        .raw(" of contract ")
        .text(&c.id)
        .raw("\">\n    <table>\n      <caption><code>")
        .text(&t.name)
        .raw("</code>");
    if let Some(physical) = set(&t.physical_type) {
        w.raw(" <span class=\"muted\">(")
            .text(physical)
            .raw(")</span>");
    }
    if let Some(description) = set(&t.description) {
        w.raw(": ").text(description);
    }
    w.raw("</caption>\n      <thead><tr><th scope=\"col\">Column</th><th scope=\"col\">Type</th><th scope=\"col\">Description</th><th scope=\"col\">Classification</th><th scope=\"col\">Quality</th></tr></thead>\n      <tbody>");
    for col in &t.columns {
        w.raw("<tr>\n        <th scope=\"row\"><code>")
            .text(&col.name)
            .raw("</code>");
        if col.primary_key {
            w.raw(" <span class=\"muted small\">key</span>");
        }
        if col.required {
            w.raw(" <span class=\"muted small\">required</span>");
        }
        w.raw("</th>\n        <td>")
            .opt(col.logical_type.as_deref());
        if let Some(physical) = set(&col.physical_type) {
            w.raw(" <span class=\"muted\">")
                .text(physical)
                .raw("</span>");
        }
        w.raw("</td>\n        <td>")
            .opt(col.description.as_deref())
            .raw("</td>\n        <td>");
        match set(&col.classification) {
            Some(classification) if col.personal => {
                w.raw("<span class=\"badge error\">")
                    .text(classification)
                    .raw("</span>");
            }
            Some(classification) => {
                w.text(classification);
            }
            None if col.personal => {
                w.raw("<span class=\"badge error\">personal</span>");
            }
            None => {}
        }
        w.raw("</td>\n        <td>");
        for (j, q) in col.quality.iter().enumerate() {
            w.text(&q.what);
            if let Some(dimension) = set(&q.dimension) {
                w.raw(" <span class=\"muted\">(")
                    .text(dimension)
                    .raw(")</span>");
            }
            if j + 1 < col.quality.len() {
                w.raw("<br>");
            }
        }
        w.raw("</td>\n      </tr>");
    }
    w.raw("</tbody>\n    </table>\n    </div>\n    ");
    if !t.quality.is_empty() {
        w.raw("<p class=\"small\"><strong>Quality rules on <code>")
            .text(&t.name)
            .raw("</code>:</strong> ");
        for (j, q) in t.quality.iter().enumerate() {
            w.text(&q.what);
            if let Some(dimension) = set(&q.dimension) {
                w.raw(" (").text(dimension).raw(")");
            }
            if j + 1 < t.quality.len() {
                w.raw("; ");
            }
        }
        w.raw("</p>");
    }
    w.raw("\n    ");
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::site::view::{Cell, Group, Outcome, PortContract, SiteModel, Table};
    use crate::site::{Prepared, pages};

    /// Every fixture, and the example.
    pub(super) fn workspaces() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("tests/fixtures"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        dirs.push(root.join("example-spec"));
        dirs
    }

    /// Changes to a view that reach the branches the workspaces may not:
    /// each is applied on top of the ones before it.
    fn variations() -> Vec<fn(&mut EntityView)> {
        vec![
            |_| {},
            |v| {
                v.change = Some("changed");
                v.edit_url = Some("https://example.com/edit?a=1&b=<2>".into());
                v.owner = Some("O'Brien & \"co\"".into());
                v.status = Some(String::new());
                v.tags = vec!["a<b".into(), "c".into()];
                v.outcome = Some(Outcome::of(crate::outcomes::Status::AtRisk));
                v.entity.traced = !v.entity.traced;
                v.suspect = vec![crate::site::review::SuspectMark {
                    parent: v.entity.clone(),
                    field: "a<b>".into(),
                    changed: vec!["x&y".into(), "z".into()],
                }];
                v.below = 1;
            },
            |v| {
                v.suspect.push(crate::site::review::SuspectMark {
                    parent: v.entity.clone(),
                    field: "inputs".into(),
                    changed: Vec::new(),
                });
                v.below = 0;
            },
            |v| {
                v.description = Some(String::new());
                v.evidence = Some("<p>seen</p>".into());
                v.evidence_charts = vec!["<svg></svg>".into()];
                v.goal = v.chain.first().cloned();
                v.charts = vec!["<figure>1</figure>".into(), "<figure>2</figure>".into()];
                v.fields.push(("Odd & <name>".into(), "it's".into()));
                v.tables.push(Table {
                    title: "Usage".into(),
                    columns: vec!["A".into(), "B".into()],
                    rows: vec![vec![
                        Cell {
                            text: "x".into(),
                            path: Some("goals/g.html".into()),
                        },
                        Cell {
                            text: "<y>".into(),
                            path: Some(String::new()),
                        },
                    ]],
                });
                v.links.push(Group {
                    label: "Many",
                    items: v.chain.clone(),
                    more: 3,
                });
                for (i, value) in [
                    None,
                    Some(f64::NAN),
                    Some(-12.5),
                    Some(150.0),
                    Some(0.1 + 0.2),
                ]
                .into_iter()
                .enumerate()
                {
                    v.progress.push(Progress {
                        name: format!("indicator {i}"),
                        unit: if i % 2 == 0 {
                            String::new()
                        } else {
                            "%".into()
                        },
                        baseline: value,
                        current: value,
                        target: value.map(|x| x * 2.0),
                        direction: if i % 2 == 0 { "decrease" } else { "increase" }.into(),
                        by: (i == 1).then(|| "2027-01-01".into()),
                        percent: value,
                        bar: value.map(|x| x.clamp(0.0, 100.0)),
                        timeframe: (i == 2).then(|| "quarter".into()),
                        definition: (i == 3).then(|| "share of <orders>".into()),
                    });
                }
            },
            |v| {
                v.goal = Some(Ref {
                    id: "gone".into(),
                    name: String::new(),
                    kind: "Goal",
                    kind_label: "Goal",
                    path: None,
                    traced: false,
                });
                let column = |name: &str, personal: bool, classification: Option<&str>| {
                    crate::model::contract::Column {
                        name: name.into(),
                        logical_type: (!personal).then(|| "string".into()),
                        physical_type: personal.then(|| "varchar".into()),
                        description: None,
                        classification: classification.map(Into::into),
                        personal,
                        primary_key: personal,
                        required: !personal,
                        quality: vec![
                            crate::model::contract::Quality {
                                what: "not null".into(),
                                dimension: Some("completeness".into()),
                                severity: None,
                            },
                            crate::model::contract::Quality {
                                what: "unique".into(),
                                dimension: None,
                                severity: None,
                            },
                        ],
                    }
                };
                let found = PortContract {
                    port: "orders".into(),
                    id: "orders-contract".into(),
                    found: true,
                    version: Some("1.0.0".into()),
                    status: Some("active".into()),
                    name: None,
                    purpose: Some("Orders & returns".into()),
                    file: Some("contracts/orders.yaml".into()),
                    line: Some(3),
                    tables: vec![crate::model::contract::Table {
                        name: "orders".into(),
                        physical_type: Some("table".into()),
                        description: Some("one row an order".into()),
                        columns: vec![
                            column("email", true, Some("pii")),
                            column("id", false, None),
                            column("phone", true, None),
                            column("region", false, Some("public")),
                        ],
                        quality: vec![crate::model::contract::Quality {
                            what: "rows > 0".into(),
                            dimension: Some("volume".into()),
                            severity: None,
                        }],
                    }],
                    slas: vec![crate::model::contract::Sla {
                        property: "latency".into(),
                        value: "4 d".into(),
                        element: Some("orders.id".into()),
                        driver: None,
                        seconds: None,
                        span: Default::default(),
                    }],
                };
                let missing = PortContract {
                    port: "returns".into(),
                    id: "nowhere".into(),
                    found: false,
                    version: None,
                    status: None,
                    name: Some("Returns".into()),
                    purpose: None,
                    file: None,
                    line: None,
                    tables: Vec::new(),
                    slas: Vec::new(),
                };
                v.contracts.push(found);
                v.contracts.push(missing);
                v.impact = "<ul class=\"tree\"></ul>".into();
                v.serves = String::new();
            },
        ]
    }

    /// Calls `f` with the site of every workspace that checks, prepared
    /// twice: as `build` renders it, and with `serve`'s live-reload script.
    pub(super) fn each_site(mut f: impl FnMut(&Path, &Prepared, &SiteModel, &Shells)) {
        let today = crate::model::time::Date::from_days_since_epoch(20_400);
        for dir in workspaces() {
            let Ok(checked) = crate::check_dir_lean_excluding(&dir, today, &[]) else {
                continue;
            };
            let (ws, analysis, config) = (&checked.workspace, &checked.analysis, &checked.config);
            let plain = Prepared::new(ws, analysis, config, &dir).unwrap();
            assert!(plain.native && plain.native_lists, "{}", dir.display());
            let live = Prepared::new(ws, analysis, config, &dir)
                .unwrap()
                .with_live_reload("/_live.js");
            for prepared in [&plain, &live] {
                let site = SiteModel::new(ws, analysis, config).for_every_page();
                f(&dir, prepared, &site, &Shells::default());
            }
        }
    }

    #[test]
    fn the_native_entity_page_is_the_template_s() {
        let mut compared = 0;
        each_site(|dir, prepared, site, shells| {
            for e in site.pages() {
                let (mut v, graph) = pages::entity_view(site, e);
                for vary in variations() {
                    vary(&mut v);
                    let render = |shells| {
                        pages::render_entity(
                            &prepared.tera,
                            &prepared.common,
                            shells,
                            &v,
                            &graph,
                            "page.html",
                        )
                        .unwrap()
                    };
                    let (by_tera, native) = (render(None), render(Some(shells)));
                    assert_eq!(native, by_tera, "{} {}", dir.display(), v.entity.id);
                    compared += 1;
                }
            }
        });
        assert!(compared > 400, "{compared} pages compared");
    }
}
