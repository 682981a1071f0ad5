//! The workbook for stakeholders (contract §9): a sheet per kind (id, name,
//! owner, status, traced, links), the traceability matrix, the findings and
//! the progress of every indicator. Written as `.xlsx` with
//! `rust_xlsxwriter` (frozen header, filters, links between sheets, and to
//! the site when `[site] url` is set) or as one CSV file per sheet.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Formula, Workbook, XlsxError};

mod package;
mod write;

pub use write::*;

use super::InteropError;
use crate::Checked;
use crate::config::Config;
use crate::hash::Fingerprint;
use crate::load::Workspace;
use crate::model::{EntityId, Kind};
use crate::rules::Analysis;
use crate::site::Route;

/// Where a cell leads.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    /// Row `row` (0-based, header included) of the sheet named.
    Sheet(String, usize),
    Url(String),
}

/// A cell: text or a number, maybe a link.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub number: Option<f64>,
    pub link: Option<Link>,
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            number: None,
            link: None,
        }
    }

    fn number(n: Option<f64>) -> Cell {
        Cell {
            text: n.map(crate::report::status::shown).unwrap_or_default(),
            number: n,
            link: None,
        }
    }

    fn linked(mut self, link: Option<Link>) -> Cell {
        self.link = link;
        self
    }
}

/// One sheet: a header row and rows.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Column widths, in characters.
    pub widths: Vec<f64>,
    /// Whether the header gets filters (not on the matrix, whose rows are blocks).
    pub filter: bool,
}

/// The most characters Excel holds in a cell.
const CELL_LIMIT: usize = 32_767;
/// The most rows a sheet holds.
const ROW_LIMIT: usize = 1_048_576;

/// Ids joined with commas, cut short of Excel's cell limit with "and N more".
fn joined<'s>(ids: impl Iterator<Item = &'s str>) -> String {
    let ids: Vec<&str> = ids.collect();
    let mut out = String::new();
    for (i, id) in ids.iter().enumerate() {
        let more = format!(" and {} more", ids.len() - i);
        if out.len() + id.len() + 2 + more.len() > CELL_LIMIT - 16 {
            out.push_str(&more);
            return out;
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(id);
    }
    out
}

/// Text cut to what a cell holds.
fn fit(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= CELL_LIMIT / 4 || text.chars().count() <= CELL_LIMIT {
        return std::borrow::Cow::Borrowed(text);
    }
    let cut: String = text.chars().take(CELL_LIMIT - 1).collect();
    std::borrow::Cow::Owned(cut + "…")
}

/// Most columns a grid matrix gets; larger ones are listed as pairs.
const MATRIX_COLUMNS: usize = 100;

/// How many sheets the workbook has: one per kind, then the matrix, the
/// findings and progress.
const SHEETS: usize = Kind::ALL.len() + 3;

/// The sheets of the workbook, in order, made one at a time.
pub fn sheets<'a>(
    ws: &'a Workspace,
    analysis: &'a Analysis,
    config: &'a Config,
) -> impl Iterator<Item = Sheet> + 'a {
    let rows = Rows::new(analysis, config);
    (0..SHEETS).map(move |i| sheet(ws, analysis, &rows, i))
}

/// The sheets of the workbook, in order, made on all cores.
fn all_sheets(ws: &Workspace, analysis: &Analysis, config: &Config) -> Vec<Sheet> {
    use rayon::prelude::*;
    let rows = Rows::new(analysis, config);
    (0..SHEETS)
        .into_par_iter()
        .map(|i| sheet(ws, analysis, &rows, i))
        .collect()
}

/// Sheet `i` of the workbook.
fn sheet(ws: &Workspace, analysis: &Analysis, rows: &Rows, i: usize) -> Sheet {
    match Kind::ALL.get(i) {
        Some(&kind) => kind_sheet(ws, analysis, rows, kind),
        None if i == Kind::ALL.len() => matrix(analysis, &|e| rows.link(e)),
        None if i == Kind::ALL.len() + 1 => findings(ws, analysis),
        None => progress(ws, analysis, &|e| rows.link(e)),
    }
}

impl Sheet {
    /// Feeds everything the sheet's part of the workbook is made from.
    fn fingerprint(&self, f: &mut Fingerprint) {
        f.str(&self.name).u64(u64::from(self.filter));
        for h in &self.header {
            f.str(h);
        }
        for w in &self.widths {
            f.u64(w.to_bits());
        }
        for row in &self.rows {
            f.u64(row.len() as u64);
            for cell in row {
                f.str(&cell.text)
                    .u64(cell.number.map_or(u64::MAX, f64::to_bits));
                match &cell.link {
                    None => f.u64(0),
                    Some(Link::Sheet(name, row)) => f.u64(1).str(name).u64(*row as u64),
                    Some(Link::Url(url)) => f.u64(2).str(url),
                };
            }
        }
    }
}

/// Where each entity's row is (its kind's sheet, 1-based after the header),
/// and where its page is published.
struct Rows {
    at: HashMap<EntityId, (&'static str, usize)>,
    site: Option<String>,
}

impl Rows {
    fn new(analysis: &Analysis, config: &Config) -> Rows {
        let model = &analysis.model;
        let mut at = HashMap::new();
        for kind in Kind::ALL {
            for (i, e) in model
                .of_kind(kind)
                .filter(|&e| model.is_canonical(e))
                .enumerate()
            {
                at.insert(e, (kind.plural(), i + 1));
            }
        }
        let site = config.site.base_url();
        Rows { at, site }
    }

    /// A link to the entity's row.
    fn link(&self, e: EntityId) -> Option<Link> {
        self.at.get(&e).map(|(s, r)| Link::Sheet(s.to_string(), *r))
    }

    /// A link to the entity's published page, when `[site] url` says where.
    fn page(&self, model: &crate::model::Model, e: EntityId) -> Option<Link> {
        let entity = &model.entities[e];
        let base = self.site.as_ref()?;
        let route = Route::Entity(entity.kind?, &entity.id);
        Some(Link::Url(format!("{base}{}", route.path())))
    }
}

/// The sheet of one kind: a row per entity.
fn kind_sheet(ws: &Workspace, analysis: &Analysis, links: &Rows, kind: Kind) -> Sheet {
    let model = &analysis.model;
    let row_link = |e: EntityId| links.link(e);
    let page = |e: EntityId| links.page(model, e);
    let fields: Vec<_> = kind.ref_fields().to_vec();
    let mut header: Vec<String> = ["Id", "Name", "Owner", "Status", "Traced"]
        .map(String::from)
        .to_vec();
    header.extend(fields.iter().map(|f| f.forward_label().to_string()));
    header.push("Referenced by".into());
    header.push("File".into());
    let rows = model
        .of_kind(kind)
        .filter(|&e| model.is_canonical(e))
        .map(|e| {
            let entity = &model.entities[e];
            let node = entity.node(ws);
            let traced = if kind.is_context() {
                "context"
            } else if analysis.trace.traced[e] {
                "yes"
            } else {
                "no"
            };
            let mut row = vec![
                Cell::text(entity.id.as_str()).linked(page(e)),
                Cell::text(node.get_str("name").unwrap_or(&entity.id)),
                Cell::text(node.get_str("owner").unwrap_or_default()),
                Cell::text(node.get_str("status").unwrap_or_default()),
                Cell::text(traced),
            ];
            for &field in &fields {
                let refs: Vec<_> = model
                    .refs_from(e)
                    .iter()
                    .filter(|r| r.field == field)
                    .collect();
                let text = joined(refs.iter().map(|r| r.target.as_str()));
                let link = refs.first().and_then(|r| r.resolved).and_then(row_link);
                row.push(Cell::text(text).linked(link));
            }
            // What names it, by id.
            let mut by: Vec<&str> = model
                .refs_to(e)
                .map(|r| model.entities[r.from].id.as_str())
                .collect();
            by.dedup();
            let first = model.refs_to(e).next().map(|r| r.from).and_then(row_link);
            row.push(Cell::text(joined(by.into_iter())).linked(first));
            row.push(Cell::text(&ws.files[entity.file].rel_path));
            row
        })
        .collect();
    let mut widths = vec![28.0, 36.0, 22.0, 12.0, 8.0];
    widths.extend(fields.iter().map(|_| 30.0));
    widths.extend([30.0, 36.0]);
    Sheet {
        name: kind.plural().to_string(),
        header,
        rows,
        widths,
        filter: true,
    }
}

/// Goals × initiatives and use cases × data products: an `x` where one
/// lists the other; as pairs when there are too many columns for a grid.
fn matrix(analysis: &Analysis, row_link: &dyn Fn(EntityId) -> Option<Link>) -> Sheet {
    let model = &analysis.model;
    let of = |k: Kind| -> Vec<EntityId> {
        model
            .of_kind(k)
            .filter(|&e| model.is_canonical(e))
            .collect()
    };
    let pairs = [
        (Kind::Initiative, Kind::Goal, crate::model::RefField::Goals),
        (
            Kind::UseCase,
            Kind::DataProduct,
            crate::model::RefField::DataProducts,
        ),
    ];
    let widest = pairs
        .iter()
        .map(|(_, c, _)| of(*c).len())
        .max()
        .unwrap_or(0);
    let mut blocks: Vec<Vec<Cell>> = Vec::new();
    if widest <= MATRIX_COLUMNS {
        // A grid per pair: its head row names the columns, an `x` marks a link.
        for (row_kind, col_kind, field) in pairs {
            let cols = of(col_kind);
            let mut head = vec![Cell::text(format!(
                "{} \\ {}",
                row_kind.name(),
                col_kind.name()
            ))];
            head.extend(
                cols.iter()
                    .map(|&c| Cell::text(model.entities[c].id.as_str()).linked(row_link(c))),
            );
            if !blocks.is_empty() {
                blocks.push(Vec::new());
            }
            blocks.push(head);
            for r in of(row_kind) {
                let linked: Vec<EntityId> = model.targets(r, field).collect();
                let mut row = vec![Cell::text(model.entities[r].id.as_str()).linked(row_link(r))];
                row.extend(
                    cols.iter()
                        .map(|c| Cell::text(if linked.contains(c) { "x" } else { "" })),
                );
                blocks.push(row);
            }
        }
    } else {
        blocks.push(["From", "Kind", "To", "Kind"].map(Cell::text).to_vec());
        for (row_kind, col_kind, field) in pairs {
            for r in of(row_kind) {
                for c in model.targets(r, field) {
                    blocks.push(vec![
                        Cell::text(model.entities[r].id.as_str()).linked(row_link(r)),
                        Cell::text(row_kind.name()),
                        Cell::text(model.entities[c].id.as_str()).linked(row_link(c)),
                        Cell::text(col_kind.name()),
                    ]);
                }
            }
        }
    }
    let header: Vec<String> = blocks.remove(0).into_iter().map(|c| c.text).collect();
    Sheet {
        name: "Matrix".into(),
        widths: vec![30.0; header.len().max(4)],
        header,
        rows: blocks,
        filter: false,
    }
}

fn findings(ws: &Workspace, analysis: &Analysis) -> Sheet {
    let rows = analysis
        .diagnostics
        .iter()
        .map(|d| {
            let loc = d.location;
            vec![
                Cell::text(d.severity.as_str()),
                Cell::text(d.rule.name()),
                Cell::text(loc.map_or(String::new(), |l| ws.files[l.file].rel_path.clone())),
                Cell::number(loc.map(|l| l.span.start.line() as f64)),
                Cell::number(loc.map(|l| l.span.start.column() as f64)),
                Cell::text(d.entity.clone().unwrap_or_default()),
                Cell::text(&d.message),
                Cell::text(d.help.clone().unwrap_or_default()),
            ]
        })
        .collect();
    Sheet {
        name: "Findings".into(),
        header: [
            "Severity", "Rule", "File", "Line", "Column", "Entity", "Message", "Help",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        widths: vec![10.0, 24.0, 36.0, 6.0, 7.0, 28.0, 80.0, 60.0],
        filter: true,
    }
}

fn progress(
    ws: &Workspace,
    analysis: &Analysis,
    row_link: &dyn Fn(EntityId) -> Option<Link>,
) -> Sheet {
    let rows = crate::report::status::rows(ws, &analysis.model, &analysis.outcomes)
        .iter()
        .map(|r| {
            let i = r.indicator;
            let latest = i.latest();
            vec![
                Cell::text(r.entity_id).linked(row_link(i.entity)),
                Cell::text(i.kind.name()),
                Cell::text(&i.name),
                Cell::text(i.status.as_str()),
                Cell::text(i.unit.clone()),
                Cell::text(i.direction.as_str()),
                Cell::number(i.baseline),
                Cell::number(latest.map(|(_, v)| v)),
                Cell::text(latest.map_or(String::new(), |(d, _)| d.to_string())),
                Cell::number(i.target),
                Cell::text(i.by.map_or(String::new(), |d| d.to_string())),
                Cell::number(i.projected.map(|p| (p * 100.0).round() / 100.0)),
                Cell::number(Some(i.points.len() as f64)),
            ]
        })
        .collect();
    Sheet {
        name: "Progress".into(),
        header: [
            "Entity",
            "Kind",
            "Indicator",
            "Status",
            "Unit",
            "Direction",
            "Baseline",
            "Latest",
            "Latest on",
            "Target",
            "By",
            "Projected",
            "Observations",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        widths: vec![
            28.0, 10.0, 40.0, 10.0, 10.0, 10.0, 9.0, 9.0, 11.0, 9.0, 11.0, 10.0, 12.0,
        ],
        filter: true,
    }
}
