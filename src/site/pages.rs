//! The pages of the site, one function each, over the views in `view.rs`.

use serde::Serialize;
use tera::{Context, Tera};

use crate::model::{EntityId, Kind, RefField};

use super::routes::Route;
use super::view::{self, Ref, SiteModel, Toward};
use super::{CSP, SiteError, graph, markdown, templates};

/// Rows per list page; longer lists continue on `page-2.html`, `page-3.html`, …
pub const LIST_PAGE_SIZE: usize = 250;
/// Most entities shown in the overview's trace tree.
const HOME_TREE_BUDGET: usize = 400;
/// Most entities shown in an entity page's impact tree.
const IMPACT_TREE_BUDGET: usize = 150;
/// Most untraced entities listed on the overview.
const UNTRACED_SHOWN: usize = 200;

#[derive(Debug, Serialize)]
pub struct NavItem {
    label: &'static str,
    dir: &'static str,
    path: String,
    count: usize,
    traced: usize,
    context: bool,
}

#[derive(Serialize)]
struct Matrix {
    title: &'static str,
    row_label: &'static str,
    column_label: &'static str,
    /// A full grid; otherwise each row lists its linked columns.
    dense: bool,
    /// Rows left out of a list that is too long.
    more_rows: usize,
    columns: Vec<Ref>,
    rows: Vec<MatrixRow>,
}

#[derive(Serialize)]
struct MatrixRow {
    entity: Ref,
    cells: Vec<bool>,
    links: Vec<Ref>,
}

/// A link to one of a kind's list pages.
#[derive(Serialize)]
pub struct PageLink {
    pub number: usize,
    /// The file name, beside the page that links to it.
    pub path: String,
    pub current: bool,
}

/// What a list page shows.
pub struct ListView {
    pub title: String,
    /// This page's rows.
    pub rows: Vec<view::Row>,
    /// How many rows all the kind's list pages have.
    pub total: usize,
    /// The kind's list pages, when there is more than one.
    pub pages: Vec<PageLink>,
}

#[derive(Serialize)]
struct SearchEntry<'a> {
    i: &'a str,
    n: String,
    k: &'static str,
    u: String,
    d: String,
}

/// The link to `changes.html` every page carries after `build --since`.
#[derive(Debug, Serialize)]
pub struct ChangesLink {
    pub base: String,
    pub summary: String,
}

/// What every page shows: the title, the navigation, the counts.
#[derive(Debug)]
pub struct Common {
    /// With `build --since`: the revision and a headline of the changes.
    pub changes: Option<ChangesLink>,
    /// The live-reload script `serve` adds to every page, when it serves them.
    pub live_reload: Option<String>,
    /// With a `throughline.lock`: the number of suspect links.
    review: Option<usize>,
    site_title: String,
    nav: Vec<NavItem>,
    errors: usize,
    warnings: usize,
    files: usize,
}

pub fn common(site: &SiteModel) -> Common {
    let nav = Kind::ALL
        .iter()
        .map(|&k| {
            let ids = site.pages_of(k);
            NavItem {
                label: k.plural(),
                dir: k.dir(),
                path: Route::List(k, 1).path(),
                count: ids.len(),
                traced: ids
                    .iter()
                    .filter(|&&e| site.analysis.trace.traced[e])
                    .count(),
                context: k.is_context(),
            }
        })
        .collect();
    let north_star = site.model.of_kind(Kind::NorthStar).next();
    let site_title = site
        .config
        .site
        .title
        .clone()
        .or_else(|| north_star.map(|ns| site.entity_ref(ns).name))
        .unwrap_or_else(|| "throughline".to_string());
    Common {
        changes: None,
        live_reload: None,
        review: super::review::nav_count(site),
        site_title,
        nav,
        errors: site.analysis.errors(),
        warnings: site.analysis.warnings(),
        files: site.ws.files.len(),
    }
}

pub fn context(common: &Common, root: &str, current_dir: &str, page_title: &str) -> Context {
    let mut c = Context::new();
    match &common.live_reload {
        // The page connects back to `serve` for its reload events.
        Some(script) => {
            c.insert("csp", &format!("{CSP}; connect-src 'self'"));
            c.insert("live_reload", script);
        }
        None => c.insert("csp", CSP),
    }
    c.insert("version", env!("CARGO_PKG_VERSION"));
    c.insert("site_title", &common.site_title);
    c.insert("nav", &common.nav);
    c.insert("errors", &common.errors);
    c.insert("warnings", &common.warnings);
    c.insert("files", &common.files);
    c.insert("root", root);
    c.insert("current_dir", current_dir);
    c.insert("page_title", page_title);
    c.insert("changes", &common.changes);
    c.insert("review", &common.review);
    c
}

pub fn render_template(
    tera: &Tera,
    template: &str,
    ctx: &Context,
    page: &str,
) -> Result<String, SiteError> {
    tera.render(template, ctx).map_err(|e| SiteError::Render {
        page: page.to_string(),
        message: templates::describe(&e),
    })
}

/// A file of the site to take away.
#[derive(Serialize)]
struct Download {
    name: String,
    path: String,
}

/// Most ODPS documents the overview links (each product's page links its own).
const HOME_DOWNLOADS: usize = 200;

pub fn index_page(site: &SiteModel, tera: &Tera, common: &Common) -> Result<String, SiteError> {
    let mut ctx = context(common, "", "", "Overview");
    let stars: Vec<EntityId> = site.model.of_kind(Kind::NorthStar).collect();
    if let Some(&ns) = stars.first() {
        ctx.insert("north_star", &site.entity(ns));
        ctx.insert("vision", &site.node(ns).get_str("vision"));
    }
    let traceable: Vec<EntityId> = site
        .pages()
        .filter(|&e| site.model.entities[e].kind.is_some_and(|k| !k.is_context()))
        .collect();
    let traced = traceable
        .iter()
        .filter(|&&e| site.analysis.trace.traced[e])
        .count();
    let percent = if traceable.is_empty() {
        100
    } else {
        traced * 100 / traceable.len()
    };
    let untraced_ids: Vec<EntityId> = traceable
        .iter()
        .copied()
        .filter(|&e| !site.analysis.trace.traced[e])
        .collect();
    let untraced: Vec<Ref> = untraced_ids
        .iter()
        .take(UNTRACED_SHOWN)
        .map(|&e| site.entity_ref(e))
        .collect();
    ctx.insert("untraced_more", &(untraced_ids.len() - untraced.len()));
    ctx.insert("traceable", &traceable.len());
    ctx.insert("traced_percent", &percent);
    ctx.insert("untraced", &untraced);
    ctx.insert(
        "tree",
        &view::tree_html(site, &site.tree(&stars, Toward::Down, HOME_TREE_BUDGET), ""),
    );
    let odps: Vec<Download> = site
        .pages()
        .filter(|&e| site.model.entities[e].is(Kind::DataProduct))
        .take(HOME_DOWNLOADS)
        .map(|e| Download {
            name: site.entity_ref(e).name,
            path: Route::Odps(&site.model.entities[e].id).path(),
        })
        .collect();
    ctx.insert("odps", &odps);
    ctx.insert("dbt_risk", &super::risk::dbt_risk(site));
    render_template(tera, "index.html", &ctx, "index.html")
}

/// Matrices larger than this many cells are shown as lists of links instead,
/// so the page grows with the links, not with rows × columns.
const MAX_MATRIX_CELLS: usize = 2_500;
/// Most rows of a matrix shown as lists of links.
const MAX_MATRIX_ROWS: usize = 500;

pub fn matrix_page(site: &SiteModel, tera: &Tera, common: &Common) -> Result<String, SiteError> {
    let of = |k: Kind| -> Vec<EntityId> {
        site.pages()
            .filter(|&e| site.model.entities[e].is(k))
            .collect()
    };
    // `field` is written on the row entity (a goal's initiatives are written on
    // the initiative, so there the column entity holds it).
    let build = |title,
                 row_label,
                 column_label,
                 rows: Vec<EntityId>,
                 columns: Vec<EntityId>,
                 field: RefField,
                 on_row: bool| {
        let linked: std::collections::HashSet<(EntityId, EntityId)> = site
            .model
            .refs
            .iter()
            .filter(|r| r.field == field)
            .filter_map(|r| {
                r.resolved
                    .map(|t| if on_row { (r.from, t) } else { (t, r.from) })
            })
            .collect();
        let dense = rows.len() * columns.len() <= MAX_MATRIX_CELLS;
        let mut by_row: std::collections::HashMap<EntityId, Vec<EntityId>> = Default::default();
        for &(r, c) in &linked {
            by_row.entry(r).or_default().push(c);
        }
        Matrix {
            title,
            row_label,
            column_label,
            dense,
            columns: if dense {
                columns.iter().map(|&c| site.entity_ref(c)).collect()
            } else {
                Vec::new()
            },
            more_rows: if dense {
                0
            } else {
                rows.len().saturating_sub(MAX_MATRIX_ROWS)
            },
            rows: rows
                .iter()
                .take(if dense { rows.len() } else { MAX_MATRIX_ROWS })
                .map(|&r| MatrixRow {
                    entity: site.entity_ref(r),
                    cells: if dense {
                        columns.iter().map(|&c| linked.contains(&(r, c))).collect()
                    } else {
                        Vec::new()
                    },
                    links: if dense {
                        Vec::new()
                    } else {
                        // Linear in the links, not rows × columns.
                        let mut cols: Vec<EntityId> = by_row.get(&r).cloned().unwrap_or_default();
                        cols.sort_unstable();
                        cols.dedup();
                        cols.iter().map(|&c| site.entity_ref(c)).collect()
                    },
                })
                .collect(),
        }
    };
    let matrices = vec![
        build(
            "Goals × initiatives",
            "Goal",
            "Initiative",
            of(Kind::Goal),
            of(Kind::Initiative),
            RefField::Goals,
            false,
        ),
        build(
            "Use cases × data products",
            "Use case",
            "Data product",
            of(Kind::UseCase),
            of(Kind::DataProduct),
            RefField::DataProducts,
            true,
        ),
    ];
    let mut ctx = context(common, "", "matrix", "Traceability matrix");
    ctx.insert("matrices", &matrices);
    render_template(tera, "matrix.html", &ctx, "matrix.html")
}

pub fn search_index(site: &SiteModel) -> String {
    // Written entry by entry: at 100,000 entities the index is tens of
    // megabytes, and a list of entries beside it would double that.
    let mut out = b"window.THROUGHLINE_SEARCH = [".to_vec();
    for (n, e) in site.pages().enumerate() {
        let entity = &site.model.entities[e];
        let node = site.node(e);
        let r = site.entity_ref(e);
        let entry = SearchEntry {
            i: &entity.id,
            n: r.name,
            k: r.kind_label,
            u: r.path.unwrap_or_default(),
            d: node
                .get_str("description")
                .or_else(|| node.get_str("statement"))
                .or_else(|| node.get_str("vision"))
                .map(|d| markdown::summary(d, 200))
                .unwrap_or_default(),
        };
        if n > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, &entry).expect("JSON of strings");
    }
    out.extend_from_slice(b"];\n");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// How many list pages a kind needs.
pub fn list_page_count(site: &SiteModel, kind: Kind) -> usize {
    site.pages_of(kind).len().div_ceil(LIST_PAGE_SIZE).max(1)
}

/// List page `number` of `kind`.
pub fn list_page(
    site: &SiteModel,
    tera: &Tera,
    common: &Common,
    shells: Option<&super::native::Shells>,
    kind: Kind,
    number: usize,
) -> Result<String, SiteError> {
    let v = list_view(site, kind, number);
    render_list(tera, common, shells, kind, number, &v)
}

/// What list page `number` of `kind` shows.
pub fn list_view(site: &SiteModel, kind: Kind, number: usize) -> ListView {
    let all = site.pages_of(kind);
    let pages = all.len().div_ceil(LIST_PAGE_SIZE).max(1);
    let rows: Vec<view::Row> = all
        .iter()
        .skip((number - 1) * LIST_PAGE_SIZE)
        .take(LIST_PAGE_SIZE)
        .map(|&e| site.row(e))
        .collect();
    let title = if pages > 1 {
        format!("{} (page {number} of {pages})", kind.plural())
    } else {
        kind.plural().to_string()
    };
    let links: Vec<PageLink> = if pages > 1 {
        (1..=pages)
            .map(|n| PageLink {
                number: n,
                path: Route::List(kind, n)
                    .path()
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                current: n == number,
            })
            .collect()
    } else {
        Vec::new()
    };
    ListView {
        title,
        rows,
        total: all.len(),
        pages: links,
    }
}

/// A list page from its view: written directly while its templates are the
/// built-in ones (`shells`), else through tera.
pub fn render_list(
    tera: &Tera,
    common: &Common,
    shells: Option<&super::native::Shells>,
    kind: Kind,
    number: usize,
    v: &ListView,
) -> Result<String, SiteError> {
    if let Some(shell) = shells.and_then(|s| s.get(tera, common, kind.dir())) {
        return Ok(super::native::list_page(shell, v));
    }
    let mut ctx = context(common, "../", kind.dir(), &v.title);
    ctx.insert("rows", &v.rows);
    ctx.insert("total", &v.total);
    ctx.insert("pages", &v.pages);
    let path = Route::List(kind, number).path();
    render_template(tera, "list.html", &ctx, &path)
}

/// The page of one entity.
pub fn entity_page(
    site: &SiteModel,
    tera: &Tera,
    common: &Common,
    shells: Option<&super::native::Shells>,
    e: EntityId,
) -> Result<String, SiteError> {
    let (mut v, graph) = entity_view(site, e);
    if shells.is_none() {
        // For an override of `entity.html`, which may show it.
        v.summary = site.summary(e);
    }
    let path = site.path(e).unwrap_or_default();
    render_entity(tera, common, shells, &v, &graph, &path)
}

/// What an entity's page shows: its view, and its neighbourhood graph.
pub fn entity_view(site: &SiteModel, e: EntityId) -> (view::EntityView, String) {
    let mut v = site.entity_unsummarized(e);
    let entity = &site.model.entities[e];
    if entity.is(Kind::Hypothesis)
        && matches!(
            site.node(e).get_str("status"),
            Some("validated" | "invalidated")
        )
        && let Some(goal) = site.model.targets(e, RefField::HypothesisGoal).next()
    {
        v.evidence_charts = site.charts(goal);
        v.goal = Some(site.entity_ref(goal));
    }
    v.impact = view::tree_html(
        site,
        &site.tree(
            &site.step(e, Toward::Down),
            Toward::Down,
            IMPACT_TREE_BUDGET,
        ),
        "../",
    );
    if site.model.entities[e]
        .kind
        .is_some_and(|k| matches!(k, Kind::DataProduct | Kind::Source))
    {
        v.serves = view::tree_html(
            site,
            &site.tree(&site.step(e, Toward::Up), Toward::Up, IMPACT_TREE_BUDGET),
            "../",
        );
    }
    (v, graph::neighbourhood(site, e))
}

/// An entity's page (at `path`) from its view: written directly in the
/// shell of its directory when `shells` is given (the built-in templates),
/// else rendered from `entity.html`.
pub fn render_entity(
    tera: &Tera,
    common: &Common,
    shells: Option<&super::native::Shells>,
    v: &view::EntityView,
    graph: &str,
    path: &str,
) -> Result<String, SiteError> {
    if let Some(shell) = shells.and_then(|s| s.get(tera, common, v.dir))
        && let Some(page) = super::native::entity_page(shell, v, graph)
    {
        return Ok(page);
    }
    let mut ctx = context(common, "../", v.dir, &v.entity.name);
    ctx.insert("graph", graph);
    ctx.insert("e", v);
    render_template(tera, "entity.html", &ctx, path)
}

/// Every finding.
pub fn findings_page(site: &SiteModel, tera: &Tera, common: &Common) -> Result<String, SiteError> {
    let mut ctx = context(common, "", "findings", "Findings");
    let findings: Vec<view::Finding> = site
        .analysis
        .diagnostics
        .iter()
        .map(|d| site.finding(d))
        .collect();
    ctx.insert("findings", &findings);
    render_template(tera, "findings.html", &ctx, "findings.html")
}

/// A page with no data of its own (`search.html`, `404.html`).
pub fn plain_page(
    tera: &Tera,
    common: &Common,
    name: &str,
    title: &str,
) -> Result<String, SiteError> {
    let ctx = context(common, "", "", title);
    render_template(tera, name, &ctx, name)
}

#[derive(Serialize)]
struct ProgressGroup {
    status: &'static str,
    label: &'static str,
    items: Vec<ProgressItem>,
}

#[derive(Serialize)]
struct ProgressItem {
    name: String,
    of: String,
    path: String,
    spark: String,
    latest: String,
    target: String,
    projected: String,
}

/// Every indicator, grouped by status, most in need of attention first.
pub fn progress_page(site: &SiteModel, tera: &Tera, common: &Common) -> Result<String, SiteError> {
    use crate::outcomes::Status;
    use crate::report::status::{latest_text, shown, target_text};
    let groups: Vec<ProgressGroup> = Status::ALL
        .iter()
        .filter_map(|&status| {
            let items: Vec<ProgressItem> = site
                .analysis
                .outcomes
                .indicators
                .iter()
                .filter(|i| i.status == status && site.path(i.entity).is_some())
                .map(|i| {
                    let owner = site.entity_ref(i.entity);
                    ProgressItem {
                        name: i.name.clone(),
                        of: if i.key.is_none() {
                            "North Star".to_string()
                        } else {
                            owner.name.clone()
                        },
                        path: owner.path.unwrap_or_default(),
                        spark: super::chart::spark(i, &format!("Trend of {}", i.name)),
                        latest: latest_text(i),
                        target: target_text(i),
                        projected: i.projected.map_or("—".to_string(), shown),
                    }
                })
                .collect();
            (!items.is_empty()).then(|| ProgressGroup {
                status: status.as_str(),
                label: status.label(),
                items,
            })
        })
        .collect();
    let mut ctx = context(common, "", "progress", "Progress");
    ctx.insert("groups", &groups);
    render_template(tera, "progress.html", &ctx, "progress.html")
}

/// The whole trace as a graph.
pub fn graph_page(site: &SiteModel, tera: &Tera, common: &Common) -> Result<String, SiteError> {
    let (svg, note) = graph::trace(site);
    let mut ctx = context(common, "", "graph", "Trace graph");
    ctx.insert("graph", &svg);
    ctx.insert("note", &note);
    render_template(tera, "graph.html", &ctx, "graph.html")
}
