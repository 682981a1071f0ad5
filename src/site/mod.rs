//! `throughline build`: the workspace as a static, offline HTML site.
//!
//! Pages are rendered from tera templates (`templates.rs`) with views built in
//! `view.rs`, graphs drawn in `graph.rs`, Markdown rendered and sanitized in
//! `markdown.rs`, and everything written through `output.rs`, which never
//! touches a directory it did not create.

pub mod graph;
pub mod markdown;
pub mod output;
pub mod templates;
pub mod view;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::config::Config;
use crate::diagnostic::Severity;
use crate::load::Workspace;
use crate::model::{EntityId, Kind, RefField};
use crate::rules::Analysis;
use graph::GraphNode;
use output::{OutputError, Staging};
use templates::TemplateError;
use view::{Ref, SiteModel};

/// The Content-Security-Policy of every page: nothing leaves the site.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'";

/// Why the site could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("cannot render {page}: {message}")]
    Render { page: String, message: String },
}

/// What a build wrote.
#[derive(Debug)]
pub struct Built {
    pub out: PathBuf,
    pub pages: usize,
}

#[derive(Serialize)]
struct NavItem {
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
    columns: Vec<Ref>,
    rows: Vec<MatrixRow>,
}

#[derive(Serialize)]
struct MatrixRow {
    entity: Ref,
    cells: Vec<bool>,
    links: Vec<Ref>,
}

#[derive(Serialize)]
struct SearchEntry<'a> {
    i: &'a str,
    n: String,
    k: &'static str,
    u: String,
    d: String,
}

/// The directory of template overrides, if the workspace has one.
fn overrides_dir(dir: &Path, config: &Config) -> Option<PathBuf> {
    match &config.site.templates {
        Some(t) => Some(dir.join(t)),
        None => Some(dir.join("templates")).filter(|d| d.is_dir()),
    }
}

/// Renders every file of the site in memory: `(path, bytes)` pairs, paths
/// relative to the site root with `/` separators.
pub fn render(
    ws: &Workspace,
    analysis: &Analysis,
    config: &Config,
    dir: &Path,
) -> Result<Vec<(String, Vec<u8>)>, SiteError> {
    let overrides = overrides_dir(dir, config);
    let tera = templates::load(overrides.as_deref())?;
    let site = SiteModel::new(ws, analysis, config);
    let mut files: Vec<(String, Vec<u8>)> = render_pages(&site, &tera)?
        .into_iter()
        .map(|(path, html)| (path, html.into_bytes()))
        .collect();
    for (name, _) in templates::ASSETS {
        let text = templates::asset(overrides.as_deref(), name)?;
        files.push((format!("assets/{name}"), text.into_bytes()));
    }
    files.push((
        "assets/search-index.js".into(),
        search_index(&site).into_bytes(),
    ));
    Ok(files)
}

/// Renders the site of a checked workspace into `out`.
pub fn build(
    ws: &Workspace,
    analysis: &Analysis,
    config: &Config,
    dir: &Path,
    out: &Path,
) -> Result<Built, SiteError> {
    output::check_target(out, dir)?;
    let files = render(ws, analysis, config, dir)?;
    let staging = Staging::new(out)?;
    files
        .par_iter()
        .try_for_each(|(path, bytes)| staging.write(path, bytes))?;
    staging.commit()?;
    Ok(Built {
        out: out.to_path_buf(),
        pages: files.iter().filter(|(p, _)| p.ends_with(".html")).count(),
    })
}

struct Common {
    site_title: String,
    nav: Vec<NavItem>,
    errors: usize,
    warnings: usize,
    files: usize,
}

fn common(site: &SiteModel) -> Common {
    let nav = Kind::ALL
        .iter()
        .map(|&k| {
            let ids: Vec<EntityId> = site
                .pages()
                .filter(|&e| site.model.entities[e].is(k))
                .collect();
            NavItem {
                label: k.plural(),
                dir: k.dir(),
                path: format!("{}/index.html", k.dir()),
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
        site_title,
        nav,
        errors: site.analysis.errors(),
        warnings: site.analysis.warnings(),
        files: site.ws.files.len(),
    }
}

fn context(common: &Common, root: &str, current_dir: &str, page_title: &str) -> Context {
    let mut c = Context::new();
    c.insert("csp", CSP);
    c.insert("version", env!("CARGO_PKG_VERSION"));
    c.insert("site_title", &common.site_title);
    c.insert("nav", &common.nav);
    c.insert("errors", &common.errors);
    c.insert("warnings", &common.warnings);
    c.insert("files", &common.files);
    c.insert("root", root);
    c.insert("current_dir", current_dir);
    c.insert("page_title", page_title);
    c
}

fn render_template(
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

fn render_pages(site: &SiteModel, tera: &Tera) -> Result<Vec<(String, String)>, SiteError> {
    let common = common(site);
    let mut pages = vec![
        ("index.html".to_string(), index_page(site, tera, &common)?),
        ("matrix.html".to_string(), matrix_page(site, tera, &common)?),
        ("graph.html".to_string(), graph_page(site, tera, &common)?),
    ];
    let mut ctx = context(&common, "", "findings", "Findings");
    let findings: Vec<view::Finding> = site
        .analysis
        .diagnostics
        .iter()
        .map(|d| site.finding(d))
        .collect();
    ctx.insert("findings", &findings);
    pages.push((
        "findings.html".into(),
        render_template(tera, "findings.html", &ctx, "findings.html")?,
    ));
    for (name, title) in [("search.html", "Search"), ("404.html", "Not found")] {
        let ctx = context(&common, "", "", title);
        pages.push((name.into(), render_template(tera, name, &ctx, name)?));
    }
    for kind in Kind::ALL {
        let rows: Vec<view::Row> = site
            .pages()
            .filter(|&e| site.model.entities[e].is(kind))
            .map(|e| site.row(e))
            .collect();
        let mut ctx = context(&common, "../", kind.dir(), kind.plural());
        ctx.insert("rows", &rows);
        let path = format!("{}/index.html", kind.dir());
        let html = render_template(tera, "list.html", &ctx, &path)?;
        pages.push((path, html));
    }
    let ids: Vec<EntityId> = site.pages().collect();
    let entity_pages: Result<Vec<(String, String)>, SiteError> = ids
        .par_iter()
        .map(|&e| {
            let v = site.entity(e);
            let path = site.path(e).unwrap_or_default();
            let mut ctx = context(&common, "../", v.dir, &v.entity.name);
            ctx.insert("graph", &neighbourhood(site, e));
            ctx.insert("e", &v);
            let html = render_template(tera, "entity.html", &ctx, &path)?;
            Ok((path, html))
        })
        .collect();
    pages.extend(entity_pages?);
    Ok(pages)
}

fn index_page(site: &SiteModel, tera: &Tera, common: &Common) -> Result<String, SiteError> {
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
    let untraced: Vec<Ref> = traceable
        .iter()
        .filter(|&&e| !site.analysis.trace.traced[e])
        .map(|&e| site.entity_ref(e))
        .collect();
    ctx.insert("traceable", &traceable.len());
    ctx.insert("traced_percent", &percent);
    ctx.insert("untraced", &untraced);
    ctx.insert("tree", &site.tree(&stars, 16));
    render_template(tera, "index.html", &ctx, "index.html")
}

/// Matrices larger than this many cells are shown as lists of links instead,
/// so the page grows with the links, not with rows × columns.
const MAX_MATRIX_CELLS: usize = 2_500;

fn matrix_page(site: &SiteModel, tera: &Tera, common: &Common) -> Result<String, SiteError> {
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
            rows: rows
                .iter()
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
                        columns
                            .iter()
                            .filter(|&&c| linked.contains(&(r, c)))
                            .map(|&c| site.entity_ref(c))
                            .collect()
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

fn graph_node(site: &SiteModel, e: EntityId, column: usize, root: &str, focus: bool) -> GraphNode {
    let r = site.entity_ref(e);
    GraphNode {
        column,
        label: r.name,
        kind: site.model.entities[e].kind.map_or("unknown", |k| match k {
            Kind::NorthStar => "northstar",
            Kind::Goal => "goal",
            Kind::Initiative => "initiative",
            Kind::Hypothesis => "hypothesis",
            Kind::UseCase => "usecase",
            Kind::DataProduct => "dataproduct",
            Kind::Source => "source",
            Kind::Consumer => "consumer",
        }),
        kind_label: r.kind_label,
        href: r.path.map(|p| format!("{root}{p}")),
        traced: r.traced,
        focus,
    }
}

/// The whole trace: one column per kind, sub-goals in columns of their own.
fn graph_page(site: &SiteModel, tera: &Tera, common: &Common) -> Result<String, SiteError> {
    let ids: Vec<EntityId> = site
        .pages()
        .filter(|&e| !site.model.entities[e].is(Kind::Consumer))
        .collect();
    let depth = goal_depths(site);
    let max_goal = depth.values().copied().max().unwrap_or(1).max(1);
    let column = |e: EntityId| -> usize {
        match site.model.entities[e].kind {
            Some(Kind::NorthStar) | None => 0,
            Some(Kind::Goal) => depth.get(&e).copied().unwrap_or(1).clamp(1, max_goal),
            Some(k) => k as usize - 1 + max_goal,
        }
    };
    let mut order: Vec<EntityId> = ids.clone();
    order.sort_by_key(|&e| column(e));
    let index: HashMap<EntityId, usize> = order.iter().enumerate().map(|(i, &e)| (e, i)).collect();
    let nodes: Vec<GraphNode> = order
        .iter()
        .map(|&e| graph_node(site, e, column(e), "", false))
        .collect();
    let mut edges = Vec::new();
    for &e in &order {
        for c in site.children(e) {
            if let (Some(&a), Some(&b)) = (index.get(&e), index.get(&c))
                && nodes[a].column < nodes[b].column
            {
                edges.push((a, b));
            }
        }
    }
    let svg = graph::svg(
        &nodes,
        &edges,
        "The trace from the North Star to the sources",
    );
    let mut ctx = context(common, "", "graph", "Trace graph");
    ctx.insert("graph", &svg);
    render_template(tera, "graph.html", &ctx, "graph.html")
}

/// How many `contributesTo` steps each goal is from the North Star (1 = directly).
fn goal_depths(site: &SiteModel) -> HashMap<EntityId, usize> {
    let mut depth = HashMap::new();
    for g in site.model.of_kind(Kind::Goal) {
        let mut d = 1;
        let mut at = g;
        let mut seen = std::collections::HashSet::from([g]);
        while let Some(up) = site.model.targets(at, RefField::ContributesTo).next() {
            if !site.model.entities[up].is(Kind::Goal) || !seen.insert(up) {
                break;
            }
            d += 1;
            at = up;
        }
        depth.insert(g, d);
    }
    depth
}

/// The entities directly above `e` in the trace.
fn parents(site: &SiteModel, e: EntityId) -> Vec<EntityId> {
    let m = site.model;
    let mut out: Vec<EntityId> = match m.entities[e].kind {
        Some(Kind::Goal) => m.targets(e, RefField::ContributesTo).collect(),
        Some(Kind::Initiative) => m.targets(e, RefField::Goals).collect(),
        Some(Kind::Hypothesis) => m
            .targets(e, RefField::HypothesisInitiative)
            .chain(m.targets(e, RefField::HypothesisGoal))
            .collect(),
        Some(Kind::UseCase) => m
            .targets(e, RefField::Hypotheses)
            .chain(m.targets(e, RefField::Initiatives))
            .collect(),
        Some(Kind::DataProduct) | Some(Kind::Source) => m
            .referrers(e, RefField::DataProducts)
            .chain(m.referrers(e, RefField::Inputs))
            .collect(),
        Some(Kind::Consumer) => m.refs_to(e).map(|r| r.from).collect(),
        _ => Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    out.retain(|&p| seen.insert(p) && site.path(p).is_some());
    out
}

/// An entity with what is directly above and below it.
fn neighbourhood(site: &SiteModel, e: EntityId) -> String {
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let up = parents(site, e);
    for &p in &up {
        nodes.push(graph_node(site, p, 0, "../", false));
    }
    let me = nodes.len();
    nodes.push(graph_node(
        site,
        e,
        usize::from(!up.is_empty()),
        "../",
        true,
    ));
    edges.extend((0..me).map(|p| (p, me)));
    let column = nodes[me].column + 1;
    for c in site.children(e) {
        if c == e {
            continue;
        }
        edges.push((me, nodes.len()));
        nodes.push(graph_node(site, c, column, "../", false));
    }
    let title = format!("What {} connects to", site.entity_ref(e).name);
    graph::svg(&nodes, &edges, &title)
}

fn search_index(site: &SiteModel) -> String {
    let entries: Vec<SearchEntry> = site
        .pages()
        .map(|e| {
            let entity = &site.model.entities[e];
            let node = site.node(e);
            let r = site.entity_ref(e);
            SearchEntry {
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
            }
        })
        .collect();
    format!(
        "window.THROUGHLINE_SEARCH = {};\n",
        serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into())
    )
}

/// Whether a check result may be built without `--allow-errors`.
pub fn has_errors(analysis: &Analysis) -> bool {
    analysis
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error)
}
