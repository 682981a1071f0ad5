//! The data contracts of a data product's output ports, on its page.

use super::*;

/// The section on the contracts of a data product's output ports.
pub(super) fn contracts(w: &mut Writer, e: &EntityView) {
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
pub(super) fn contract_table(
    w: &mut Writer,
    c: &crate::site::view::PortContract,
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
