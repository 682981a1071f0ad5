//! The list page of a kind, written as `base.html`, `macros.html` and
//! `list.html` would write it.

use super::{Shell, Writer};
use crate::site::pages::{ListView, PageLink};

/// The page, in its directory's shell.
pub fn list_page(shell: &Shell, v: &ListView) -> String {
    let mut w = Writer(String::with_capacity(
        shell.head.len() + shell.middle.len() + shell.tail.len() + 512 * v.rows.len().max(1),
    ));
    w.raw(&shell.head).text(&v.title).raw(&shell.middle);
    content(&mut w, v);
    w.raw(&shell.tail);
    w.0
}

/// The `content` block of `list.html`.
fn content(w: &mut Writer, v: &ListView) {
    w.raw("\n<h1>").text(&v.title).raw("</h1>\n");
    if v.rows.is_empty() {
        w.raw("\n<p class=\"muted\">No ")
            .text(&v.title.to_lowercase())
            .raw(" in this workspace.</p>\n\n");
        return;
    }
    w.raw("\n");
    if !v.pages.is_empty() {
        w.raw("<p class=\"muted\">")
            .num(v.total)
            .raw(" in all, ")
            .num(v.rows.len())
            .raw(" on this page.</p>");
        pager(w, &v.pages);
    }
    w.raw("\n<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"")
        .text(&v.title)
        .raw("\">\n<table class=\"list\">\n  <thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Id</th><th scope=\"col\">Owner</th><th scope=\"col\">Status</th><th scope=\"col\">Links</th></tr></thead>\n  <tbody>\n  ");
    for e in &v.rows {
        w.raw("\n  <tr>\n    <th scope=\"row\">")
            .reference(&e.entity);
        if let Some(change) = e.change.filter(|c| !c.is_empty()) {
            w.raw(" ").change_badge(change);
        }
        if !e.summary.is_empty() {
            w.raw("<br><span class=\"muted small\">")
                .text(&e.summary)
                .raw("</span>");
        }
        w.raw("</th>\n    <td><code>")
            .text(&e.entity.id)
            .raw("</code></td>\n    <td>")
            .opt(e.owner.as_deref())
            .raw("</td>\n    <td>");
        w.text_in("<span class=\"status\">", &e.status, "</span>");
        if let Some(o) = &e.outcome {
            w.raw(" <span class=\"badge s-")
                .text(o.status)
                .raw("\">")
                .text(o.label)
                .raw("</span>");
        }
        w.raw("</td>\n    <td>");
        for (gi, g) in e.links.iter().enumerate() {
            w.raw("<span class=\"muted\">")
                .text(g.label)
                .raw(":</span> ");
            for (i, r) in g.items.iter().enumerate() {
                w.reference(r);
                if i + 1 < g.items.len() {
                    w.raw(", ");
                }
            }
            if g.more > 0 {
                w.raw(" <span class=\"muted\">and ")
                    .num(g.more)
                    .raw(" more</span>");
            }
            if gi + 1 < e.links.len() {
                w.raw("<br>");
            }
        }
        w.raw("</td>\n  </tr>\n  ");
    }
    w.raw("\n  </tbody>\n</table>\n</div>\n");
    pager(w, &v.pages);
    w.raw("\n\n");
}

/// The `pager` macro.
fn pager(w: &mut Writer, pages: &[PageLink]) {
    if pages.is_empty() {
        return;
    }
    w.raw("<nav class=\"pager\" aria-label=\"Pages\"><ul>");
    for p in pages {
        w.raw("<li>");
        if p.current {
            w.raw("<span aria-current=\"page\">")
                .num(p.number)
                .raw("</span>");
        } else {
            w.raw("<a href=\"")
                .text(&p.path)
                .raw("\">")
                .num(p.number)
                .raw("</a>");
        }
        w.raw("</li>");
    }
    w.raw("</ul></nav>");
}

#[cfg(test)]
mod tests {
    use crate::model::Kind;
    use crate::site::pages;
    use crate::site::view::{Group, Outcome};

    /// Changes to a list's view that reach the branches the workspaces may
    /// not: each is applied on top of the ones before it.
    fn variations() -> Vec<fn(&mut pages::ListView)> {
        vec![
            |_| {},
            |v| {
                for (i, row) in v.rows.iter_mut().enumerate() {
                    row.change = [Some("changed"), Some("new"), None][i % 3];
                    row.summary = ["", "Sums & <parts>", "it's"][i % 3].into();
                    row.owner =
                        [None, Some("O'Brien & \"co\"".into()), Some(String::new())][i % 3].clone();
                    row.status = [Some(String::new()), None, Some("a<b".into())][i % 3].clone();
                    row.outcome =
                        (i % 2 == 0).then(|| Outcome::of(crate::outcomes::Status::OffTrack));
                    row.entity.traced = !row.entity.traced;
                    let items = vec![row.entity.clone(); i % 3];
                    row.links.push(Group {
                        label: "Many & more",
                        items,
                        more: i % 2,
                    });
                }
                if let Some(row) = v.rows.first_mut() {
                    row.entity.path = None;
                }
            },
            |v| {
                v.total = 1_000;
                v.pages = (1..=3)
                    .map(|n| pages::PageLink {
                        number: n,
                        path: format!("page-{n}.html?a=1&b=2"),
                        current: n == 2,
                    })
                    .collect();
            },
            |v| {
                v.title = "Data & <products> (page 2 of 3)".into();
                v.rows.clear();
            },
        ]
    }

    #[test]
    fn the_native_list_page_is_the_template_s() {
        let mut compared = 0;
        super::super::tests::each_site(|dir, prepared, site, shells| {
            for kind in Kind::ALL {
                for n in 1..=pages::list_page_count(site, kind) {
                    let mut v = pages::list_view(site, kind, n);
                    for vary in variations() {
                        vary(&mut v);
                        let render = |shells| {
                            let (tera, common) = (&prepared.tera, &prepared.common);
                            pages::render_list(tera, common, shells, kind, n, &v).unwrap()
                        };
                        let (by_tera, native) = (render(None), render(Some(shells)));
                        assert_eq!(native, by_tera, "{} {kind:?} {n}", dir.display());
                        compared += 1;
                    }
                }
            }
        });
        assert!(compared > 400, "{compared} pages compared");
    }
}
