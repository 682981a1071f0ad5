//! The site's URL space, defined once: every file of the site is a [`Route`],
//! and a route turns into its path and back.
//!
//! Entity pages live at `KINDDIR/ID.html` and list pages at
//! `KINDDIR/index.html`, `KINDDIR/page-2.html`, …; the ids `index` and
//! `page-<digits>` are reserved (CONTRACT §1), so the two never meet.

use crate::model::Kind;

use super::templates;

/// One file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route<'a> {
    Index,
    Matrix,
    Graph,
    Findings,
    Progress,
    /// The suspect links (CONTRACT §10).
    Review,
    /// What changed since a revision (`build --since`); not in every site.
    Changes,
    /// The workbook of the whole trace, for stakeholders to take away.
    Workbook,
    /// The ODPS document of the data product with this id.
    Odps(&'a str),
    Search,
    NotFound,
    SearchIndex,
    /// A file of `assets/` shipped with the templates.
    Asset(&'a str),
    /// List page `n` (1-based) of a kind.
    List(Kind, usize),
    /// The page of the entity with this id.
    Entity(Kind, &'a str),
}

/// The pages at the site's root, with their file names.
const ROOT_PAGES: [(Route<'static>, &str); 11] = [
    (Route::Index, "index.html"),
    (Route::Matrix, "matrix.html"),
    (Route::Graph, "graph.html"),
    (Route::Findings, "findings.html"),
    (Route::Progress, "progress.html"),
    (Route::Review, "review.html"),
    (Route::Search, "search.html"),
    (Route::NotFound, "404.html"),
    (Route::SearchIndex, "assets/search-index.js"),
    (Route::Changes, "changes.html"),
    (Route::Workbook, "downloads/trace.xlsx"),
];

impl<'a> Route<'a> {
    /// The pages that every site has, whatever its workspace holds.
    pub fn fixed() -> impl Iterator<Item = Route<'static>> {
        ROOT_PAGES
            .into_iter()
            .map(|(r, _)| r)
            .filter(|r| *r != Route::Changes)
            .chain(templates::ASSETS.iter().map(|(name, _)| Route::Asset(name)))
    }

    /// The file's path from the site root, `/`-separated.
    pub fn path(&self) -> String {
        match self {
            Route::Asset(name) => format!("assets/{name}"),
            Route::List(kind, n) if *n <= 1 => format!("{}/index.html", kind.dir()),
            Route::List(kind, n) => format!("{}/page-{n}.html", kind.dir()),
            // Joined, not formatted: a site's links ask for these paths
            // hundreds of thousands of times.
            Route::Entity(kind, id) => [kind.dir(), "/", id, ".html"].concat(),
            Route::Odps(id) => ["downloads/odps/", id, ".odps.yaml"].concat(),
            fixed => ROOT_PAGES
                .iter()
                .find(|(r, _)| r == fixed)
                .map(|(_, p)| p.to_string())
                .unwrap_or_default(),
        }
    }

    /// The route a path names, if it has the shape of one. Whether the list
    /// page or the entity exists is the renderer's to say.
    pub fn parse(path: &'a str) -> Option<Route<'a>> {
        if let Some((r, _)) = ROOT_PAGES.iter().find(|(_, p)| *p == path) {
            return Some(r.clone());
        }
        if let Some(id) = path
            .strip_prefix("downloads/odps/")
            .and_then(|f| f.strip_suffix(".odps.yaml"))
        {
            return crate::model::is_valid_id(id).then_some(Route::Odps(id));
        }
        if let Some(name) = path.strip_prefix("assets/") {
            return templates::ASSETS
                .iter()
                .any(|(n, _)| *n == name)
                .then_some(Route::Asset(name));
        }
        let (dir, file) = path.split_once('/')?;
        let kind = Kind::ALL.into_iter().find(|k| k.dir() == dir)?;
        let stem = file.strip_suffix(".html")?;
        if stem == "index" {
            return Some(Route::List(kind, 1));
        }
        if let Some(n) = crate::model::list_page_number(stem) {
            return (n >= 2).then_some(Route::List(kind, n));
        }
        crate::model::is_valid_id(stem).then_some(Route::Entity(kind, stem))
    }
}

pub use crate::model::is_reserved_id;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn routes_round_trip_and_are_unique() {
        let mut routes: Vec<Route> = Route::fixed().collect();
        routes.push(Route::Changes);
        routes.push(Route::Odps("dp-1"));
        for kind in Kind::ALL {
            routes.extend((1..=4).map(|n| Route::List(kind, n)));
            for id in [
                "a",
                "north-star",
                "page",
                "page-x",
                "pages-2",
                "index-1",
                "x.page-2",
            ] {
                routes.push(Route::Entity(kind, id));
            }
        }
        let mut seen = HashSet::new();
        for r in &routes {
            let path = r.path();
            assert!(seen.insert(path.clone()), "two routes share {path}");
            assert_eq!(Route::parse(&path).as_ref(), Some(r), "{path}");
        }
    }

    #[test]
    fn reserved_ids_are_the_list_pages() {
        for id in ["index", "page-2", "page-1", "page-0", "page-007"] {
            assert!(is_reserved_id(id), "{id}");
            assert!(
                !matches!(
                    Route::parse(&format!("goals/{id}.html")),
                    Some(Route::Entity(..))
                ),
                "{id}"
            );
        }
        for id in ["indexes", "page", "page-", "page-2a", "my-page-2"] {
            assert!(!is_reserved_id(id), "{id}");
        }
        assert_eq!(Route::parse("goals/page-1.html"), None);
        assert_eq!(Route::parse("nowhere/a.html"), None);
        assert_eq!(Route::parse("assets/missing.css"), None);
        assert_eq!(Route::parse("goals/A.html"), None);
    }
}
