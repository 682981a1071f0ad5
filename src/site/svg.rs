//! Graphs of the trace drawn as inline SVG at build time: no script, no
//! library fetched when the page is viewed.

use std::fmt::Write;

use crate::markup::{escape, escape_into};

/// One box of a graph.
pub struct GraphNode {
    /// Column, from the North Star (left) outward.
    pub column: usize,
    pub label: String,
    /// Lowercase kind, used as a CSS class (`k-goal`).
    pub kind: &'static str,
    pub kind_label: &'static str,
    /// Link target relative to the page, if the node has a page.
    pub href: Option<String>,
    pub traced: bool,
    /// The entity the graph is centred on.
    pub focus: bool,
}

const WIDTH: usize = 190;
const HEIGHT: usize = 36;
const COL_GAP: usize = 70;
const ROW_GAP: usize = 14;
const PAD: usize = 8;
const MAX_LABEL: usize = 24;

/// `s` cut to at most `n` characters, with `…` where it was cut.
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let cut: String = s.chars().take(n - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Renders nodes in columns (in the order given) with edges `(from, to)`
/// drawn from the right side of `from` to the left side of `to`.
pub fn svg(nodes: &[GraphNode], edges: &[(usize, usize)], title: &str) -> String {
    let columns = nodes.iter().map(|n| n.column + 1).max().unwrap_or(0);
    let mut row_in_column = vec![0usize; columns];
    let mut pos = Vec::with_capacity(nodes.len());
    for n in nodes {
        let row = row_in_column[n.column];
        row_in_column[n.column] += 1;
        pos.push((
            PAD + n.column * (WIDTH + COL_GAP),
            PAD + row * (HEIGHT + ROW_GAP),
        ));
    }
    let rows = row_in_column.iter().copied().max().unwrap_or(0);
    let width = PAD * 2 + columns.max(1) * (WIDTH + COL_GAP) - COL_GAP;
    let height = PAD * 2 + rows.max(1) * (HEIGHT + ROW_GAP) - ROW_GAP;
    let mut out = String::with_capacity(256 + nodes.len() * 400 + edges.len() * 120);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-label="{}">"#,
        escape(title)
    );
    let _ = write!(out, "<title>{}</title><g class=\"edges\">", escape(title));
    for &(from, to) in edges {
        let ((x1, y1), (x2, y2)) = (pos[from], pos[to]);
        let (x1, y1) = (x1 + WIDTH, y1 + HEIGHT / 2);
        let y2 = y2 + HEIGHT / 2;
        let bend = COL_GAP / 2;
        let _ = write!(
            out,
            r#"<path d="M{x1} {y1} C{} {y1} {} {y2} {x2} {y2}"/>"#,
            x1 + bend,
            x2.saturating_sub(bend)
        );
    }
    out.push_str("</g><g class=\"nodes\">");
    for (n, &(x, y)) in nodes.iter().zip(&pos) {
        // Written in place: a site draws a graph on every entity's page.
        if let Some(href) = &n.href {
            out.push_str("<a href=\"");
            escape_into(&mut out, href);
            out.push_str("\">");
        }
        out.push_str("<g class=\"node k-");
        out.push_str(n.kind);
        if !n.traced {
            out.push_str(" untraced");
        }
        if n.focus {
            out.push_str(" focus");
        }
        out.push_str("\"><title>");
        escape_into(&mut out, n.kind_label);
        out.push_str(": ");
        escape_into(&mut out, &n.label);
        let _ = write!(
            out,
            r#"</title><rect x="{x}" y="{y}" width="{WIDTH}" height="{HEIGHT}" rx="6"/><text x="{}" y="{}">"#,
            x + 10,
            y + HEIGHT / 2 + 5,
        );
        escape_into(&mut out, &truncate(&n.label, MAX_LABEL));
        out.push_str("</text></g>");
        if n.href.is_some() {
            out.push_str("</a>");
        }
    }
    out.push_str("</g></svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_escaped_nodes_and_edges() {
        let node = |column, label: &str| GraphNode {
            column,
            label: label.into(),
            kind: "goal",
            kind_label: "Goal",
            href: Some("goals/a.html".into()),
            traced: true,
            focus: false,
        };
        let s = svg(&[node(0, "A <b>"), node(1, "B")], &[(0, 1)], "T & t");
        assert!(s.starts_with("<svg"));
        assert!(s.contains("A &lt;b&gt;"));
        assert!(s.contains("T &amp; t"));
        assert_eq!(s.matches("<path").count(), 1);
        assert_eq!(s.matches("<rect").count(), 2);
    }
}
