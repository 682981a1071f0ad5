//! The HTML of links to entities and of trace trees, written by hand: a
//! page shows thousands of them.

use super::*;

/// A link to an entity as HTML, as the `ref` macro of `macros.html` writes it.
pub fn ref_html(r: &Ref, root: &str, out: &mut String) {
    ref_markup(out, root, &LinkParts::of(r));
}

/// What a link to an entity shows, borrowed from wherever it is kept.
pub(in crate::site) struct LinkParts<'p> {
    pub path: Option<&'p str>,
    pub kind: &'p str,
    pub kind_label: &'p str,
    pub traced: bool,
    pub name: &'p str,
    pub id: &'p str,
}

impl<'p> LinkParts<'p> {
    pub fn of(r: &'p Ref) -> LinkParts<'p> {
        LinkParts {
            path: r.path.as_deref(),
            kind: r.kind,
            kind_label: r.kind_label,
            traced: r.traced,
            name: &r.name,
            id: &r.id,
        }
    }
}

/// The markup of a link to an entity (the `ref` macro's), from its parts.
pub(in crate::site) fn ref_markup(out: &mut String, root: &str, parts: &LinkParts) {
    if parts.path.is_some() {
        ref_head(out, root);
    }
    ref_tail(out, parts);
}

/// The start of a link, up to the page's root (`../` or nothing).
pub(super) fn ref_head(out: &mut String, root: &str) {
    out.push_str("<a href=\"");
    crate::markup::escape_into(out, root);
}

/// The rest of [`ref_markup`]'s markup, the same on every page: after the
/// root for a link (`path` is some), whole for a missing entity.
pub(super) fn ref_tail(out: &mut String, parts: &LinkParts) {
    let LinkParts {
        path,
        kind,
        kind_label,
        traced,
        name,
        id,
    } = *parts;
    use crate::markup::escape_into;
    match path {
        Some(path) => {
            escape_into(out, path);
            out.push_str("\" class=\"ref k-");
            let start = out.len();
            out.push_str(kind);
            if kind.is_ascii() {
                out[start..].make_ascii_lowercase();
            } else {
                out.truncate(start);
                out.extend(kind.chars().flat_map(char::to_lowercase));
            }
            out.push_str(if traced { "" } else { " untraced" });
            out.push_str("\"><span class=\"kind\">");
            escape_into(out, kind_label);
            out.push_str("</span> ");
            escape_into(out, name);
            out.push_str("</a>");
        }
        None => {
            out.push_str("<span class=\"ref missing\" title=\"No entity has this id\"><span class=\"kind\">Missing</span> ");
            escape_into(out, id);
            out.push_str("</span>");
        }
    }
}

/// A trace tree as nested lists; each node's children fold away under a
/// `<details>` that works without JavaScript. Rendered here rather than by a
/// recursive template macro, which was most of the cost of a page; the links
/// have the markup of the `ref` macro.
pub fn tree_html(site: &SiteModel, tree: &Tree, root: &str) -> String {
    use crate::markup::escape_into;
    use std::fmt::Write;
    fn list(site: &SiteModel, nodes: &[TreeNode], root: &str, out: &mut String) {
        out.push_str("<ul>");
        for n in nodes {
            let name = site.name(n.entity);
            out.push_str("<li>");
            let (linked, tail) = site.link_tail(n.entity);
            if linked {
                ref_head(out, root);
            }
            out.push_str(&tail);
            if let Some(o) = &n.outcome {
                let _ = write!(
                    out,
                    " <span class=\"badge s-{}\">{}</span>",
                    o.status, o.label
                );
            }
            if n.repeat {
                out.push_str(" <span class=\"muted\">(shown above)</span>");
            } else if !n.children.is_empty() {
                out.push_str(" <details open><summary><span class=\"visually-hidden\">");
                escape_into(out, name);
                let _ = write!(out, ": </span>{} below</summary>", n.children.len());
                list(site, &n.children, root, out);
                if n.more > 0 {
                    more_html(site, n, root, out);
                }
                out.push_str("</details>");
            } else if n.more > 0 {
                more_html(site, n, root, out);
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    /// Where the budget cut a node's children: how many, and where to see them.
    fn more_html(site: &SiteModel, n: &TreeNode, root: &str, out: &mut String) {
        out.push_str("<p class=\"muted more\">");
        match site.path(n.entity) {
            Some(path) => {
                out.push_str("<a href=\"");
                escape_into(out, root);
                escape_into(out, &path);
                let _ = write!(out, "\">… and {} more on the page of ", n.more);
                escape_into(out, site.name(n.entity));
                out.push_str("</a></p>");
            }
            None => {
                let _ = write!(out, "… and {} more</p>", n.more);
            }
        }
    }
    let mut out = String::new();
    if !tree.nodes.is_empty() {
        list(site, &tree.nodes, root, &mut out);
    }
    if tree.more > 0 {
        out.push_str(&format!(
            "<p class=\"muted more\">… and {} more, left out to keep the page small; <code>throughline graph --format json</code> lists every link.</p>",
            tree.more
        ));
    }
    out
}
