//! The workbook for stakeholders (contract §9): a sheet per kind (id, name,
//! owner, status, traced, links), the traceability matrix, the findings and
//! the progress of every indicator. Written as `.xlsx` with
//! `rust_xlsxwriter` (frozen header, filters, links between sheets, and to
//! the site when `[site] url` is set) or as one CSV file per sheet.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Formula, Workbook, XlsxError};

mod package;

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
        let site = config.site.url.as_ref().map(|u| {
            if u.ends_with('/') {
                u.clone()
            } else {
                format!("{u}/")
            }
        });
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

/// Most hyperlinks a worksheet holds before its links become formulas:
/// Excel's limit, or `THROUGHLINE_XLSX_LINK_LIMIT` (for tests).
fn link_limit() -> usize {
    std::env::var("THROUGHLINE_XLSX_LINK_LIMIT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(65_530)
}

/// `=HYPERLINK("#'Goals'!A5","goal-1")`, with the text as its cached
/// result; `None` when the text or the target is longer than the 255
/// characters a formula's string may hold (the cell is then plain text).
fn hyperlink_formula(link: &Link, text: &str) -> Option<Formula> {
    let target = match link {
        Link::Sheet(name, row) => format!("#'{}'!A{}", name.replace('\'', "''"), row + 1),
        Link::Url(url) => url.clone(),
    };
    if target.chars().count() > 255 || text.chars().count() > 255 {
        return None;
    }
    let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    Some(Formula::new(format!("=HYPERLINK({},{})", quoted(&target), quoted(text))).set_result(text))
}

fn xlsx_error(path: &Path) -> impl Fn(XlsxError) -> InteropError + '_ {
    move |e| InteropError::Write {
        path: path.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// The workbook as bytes.
pub fn xlsx_bytes(
    ws: &Workspace,
    analysis: &Analysis,
    config: &Config,
) -> Result<Vec<u8>, XlsxError> {
    Book::new(ws, analysis, config, false).bytes(None)
}

/// Up to this many entities, the site's workbook holds its sheets, made
/// once on all cores, between its key and its bytes; above, they are made
/// one at a time, twice (for the key, then for the bytes), so that they are
/// never all in memory at once.
const SHEETS_HELD_UP_TO: usize = 25_000;

/// The site's workbook: its key, the key of each sheet, and its bytes
/// unless the previous file is kept whole.
pub struct Made {
    /// A hash of the seed and of everything the bytes are made from: the
    /// sheets, the day the workbook is created on, how its links are written.
    pub key: u64,
    /// A hash of the seed and of everything each sheet's parts are made from.
    pub parts: Box<[u64]>,
    /// `None` when the key is the previous file's.
    pub bytes: Option<Vec<u8>>,
}

/// The previous site's workbook: its key and its sheets' keys, as its
/// manifest gives them, and how to read the file (`None` if it is gone,
/// or is not the file the manifest describes).
pub struct PreviousBook<'p> {
    pub key: u64,
    pub parts: &'p [u64],
    pub file: &'p (dyn Fn() -> Option<Vec<u8>> + Sync),
}

/// The site's workbook ([`Made`]). When its key is the previous file's,
/// nothing is written; otherwise the parts of each sheet whose key is
/// unchanged are copied from the previous file as they are, and only the
/// other sheets are written and compressed.
pub fn xlsx_unless(
    ws: &Workspace,
    analysis: &Analysis,
    config: &Config,
    seed: u64,
    previous: Option<PreviousBook<'_>>,
) -> Result<Made, XlsxError> {
    let hold = analysis.model.entities.len() <= SHEETS_HELD_UP_TO;
    let book = Book::new(ws, analysis, config, hold);
    let parts = book.parts(seed);
    let key = book.key(seed, &parts);
    let mut made = Made {
        key,
        parts: parts.into(),
        bytes: None,
    };
    let Some(previous) = previous else {
        made.bytes = Some(book.bytes(None)?);
        return Ok(made);
    };
    if previous.key == key {
        return Ok(made);
    }
    let kept: Vec<bool> = if previous.parts.len() == made.parts.len() {
        made.parts
            .iter()
            .zip(previous.parts)
            .map(|(a, b)| a == b)
            .collect()
    } else {
        Vec::new()
    };
    let file = kept.contains(&true).then(previous.file).flatten();
    made.bytes = Some(book.bytes(file.as_deref().map(|f| (f, &kept[..])))?);
    Ok(made)
}

/// What the workbook is made from.
struct Book<'a> {
    ws: &'a Workspace,
    analysis: &'a Analysis,
    config: &'a Config,
    /// The day it is created on: the day of the check, so the same
    /// workspace on the same day gives the same bytes.
    day: crate::model::time::Date,
    /// Whether links are HYPERLINK formulas rather than hyperlinks.
    formulas: bool,
    /// The sheets, when they are made once and held.
    held: Option<Vec<Sheet>>,
}

impl<'a> Book<'a> {
    fn new(ws: &'a Workspace, analysis: &'a Analysis, config: &'a Config, hold: bool) -> Self {
        let day = analysis
            .outcomes
            .today
            .filter(|d| (1900..=9999).contains(&d.year))
            .unwrap_or(crate::model::time::Date::from_days_since_epoch(0));
        // Rows go to a temporary file as they are written, with their strings
        // inline (constant-memory mode), so a workbook of 100,000 entities
        // does not sit in memory cell by cell. Excel keeps at most 65,530
        // hyperlinks in a sheet, and each costs memory until the file is
        // written: a workbook that may hold more has its links as HYPERLINK
        // formulas, cells like any other. The bound: a link per reference,
        // plus an entity's own cell, its "referenced by" and its progress rows.
        let model = &analysis.model;
        let links =
            model.refs.len() + 2 * model.entities.len() + analysis.outcomes.indicators.len();
        Book {
            ws,
            analysis,
            config,
            day,
            formulas: links > link_limit(),
            held: hold.then(|| all_sheets(ws, analysis, config)),
        }
    }

    /// Calls `f` with each sheet, in order.
    fn each_sheet<E>(&self, mut f: impl FnMut(&Sheet) -> Result<(), E>) -> Result<(), E> {
        match &self.held {
            Some(sheets) => sheets.iter().try_for_each(f),
            None => sheets(self.ws, self.analysis, self.config).try_for_each(|s| f(&s)),
        }
    }

    /// The key of each sheet: a hash of `seed`, of how links are written,
    /// of the sheet's place and of everything in it.
    fn parts(&self, seed: u64) -> Vec<u64> {
        let part = |i: usize, sheet: &Sheet| {
            let mut key = Fingerprint::new();
            key.u64(seed).u64(u64::from(self.formulas)).u64(i as u64);
            sheet.fingerprint(&mut key);
            key.value()
        };
        if let Some(sheets) = &self.held {
            use rayon::prelude::*;
            return sheets
                .par_iter()
                .enumerate()
                .map(|(i, s)| part(i, s))
                .collect();
        }
        let mut parts = Vec::with_capacity(SHEETS);
        let Ok(()) = self.each_sheet(|s| {
            parts.push(part(parts.len(), s));
            Ok::<(), std::convert::Infallible>(())
        });
        parts
    }

    /// A hash of `seed` and of everything the bytes are made from: the
    /// sheets (by their `parts` keys), the day and how links are written.
    fn key(&self, seed: u64, parts: &[u64]) -> u64 {
        let mut key = Fingerprint::new();
        key.u64(seed)
            .debug(&self.day)
            .u64(u64::from(self.formulas))
            .u64(parts.len() as u64);
        for &part in parts {
            key.u64(part);
        }
        key.value()
    }

    /// The workbook's bytes; with `previous` (a file and which of its
    /// sheets are unchanged), those sheets are copied from it rather than
    /// written again.
    fn bytes(&self, previous: Option<(&[u8], &[bool])>) -> Result<Vec<u8>, XlsxError> {
        let kept = previous.map_or(&[][..], |(_, kept)| kept);
        let fresh = self.package(kept)?;
        if let Some(bytes) = package::assemble(&fresh, previous)? {
            return Ok(bytes);
        }
        // The previous file does not hold the parts it should: made whole.
        let fresh = self.package(&[])?;
        Ok(package::assemble(&fresh, None)?.expect("nothing to take from a previous file"))
    }

    /// The package as `rust_xlsxwriter` writes it, with a stand-in for each
    /// sheet marked in `kept` (see [`fill`]).
    fn package(&self, kept: &[bool]) -> Result<Vec<u8>, XlsxError> {
        let day = self.day;
        let mut book = Workbook::new();
        let created = rust_xlsxwriter::ExcelDateTime::from_ymd(
            day.year as u16,
            day.month as u8,
            day.day as u8,
        )?;
        book.set_properties(
            &rust_xlsxwriter::DocProperties::new()
                .set_creation_datetime(&created)
                .set_title("The trace, from the North Star to the sources")
                .set_comment("Exported by throughline"),
        );
        let formats = Formats {
            bold: Format::new().set_bold(),
            linked: Format::new().set_hyperlink(),
        };
        let mut i = 0;
        self.each_sheet(|sheet| {
            // Strings inline: each sheet's part depends on that sheet alone.
            let worksheet = book.add_worksheet_with_constant_memory();
            let stand_in = kept.get(i) == Some(&true);
            i += 1;
            fill(worksheet, sheet, self.formulas, &formats, stand_in)
        })?;
        book.save_to_buffer()
    }
}

/// The formats cells are written with.
struct Formats {
    bold: Format,
    linked: Format,
}

/// Writes one sheet: its header, cells and links (as hyperlinks, or as
/// HYPERLINK formulas when `formulas`), column widths, frozen header and
/// filters. A `stand_in` leaves out every cell but the first of each kind
/// of link: it has what the rest of the package depends on (the sheet's
/// name, its filter, the formats its cells use), not its content.
fn fill(
    ws: &mut rust_xlsxwriter::Worksheet,
    sheet: &Sheet,
    formulas: bool,
    formats: &Formats,
    stand_in: bool,
) -> Result<(), XlsxError> {
    ws.set_name(&sheet.name)?;
    for (c, h) in sheet.header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &formats.bold)?;
    }
    for (c, w) in sheet.widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let mut last_col = sheet.header.len().saturating_sub(1);
    let fits = sheet.rows.len().min(ROW_LIMIT - 2);
    let mut kinds = [false; 3];
    for (r, row) in sheet.rows.iter().take(fits).enumerate() {
        let r = (r + 1) as u32;
        last_col = last_col.max(row.len().saturating_sub(1));
        for (c, cell) in row.iter().enumerate() {
            if stand_in && !first_of_its_kind(&mut kinds, cell, formulas) {
                continue;
            }
            let c = c as u16;
            match (&cell.link, cell.number) {
                (Some(link), _) if formulas => match hyperlink_formula(link, &cell.text) {
                    Some(formula) => {
                        ws.write_formula_with_format(r, c, formula, &formats.linked)?;
                    }
                    None => {
                        ws.write_string(r, c, fit(&cell.text).as_ref())?;
                    }
                },
                (Some(Link::Sheet(name, row)), _) => {
                    let target = format!("internal:'{}'!A{}", name.replace('\'', "''"), row + 1);
                    ws.write_url_with_text(r, c, target.as_str(), &cell.text)?;
                }
                (Some(Link::Url(url)), _) => {
                    ws.write_url_with_text(r, c, url.as_str(), &cell.text)?;
                }
                (_, Some(n)) => {
                    ws.write_number(r, c, n)?;
                }
                (_, None) if cell.text.is_empty() => {}
                (_, None) => {
                    ws.write_string(r, c, fit(&cell.text).as_ref())?;
                }
            }
        }
    }
    // Rows are written in order: the note on what did not fit comes last.
    if fits < sheet.rows.len() {
        let note = format!(
            "… and {} more rows: the JSON report and the CSV export have them all",
            sheet.rows.len() - fits
        );
        ws.write_string((fits + 1) as u32, 0, note)?;
    }
    ws.set_freeze_panes(1, 0)?;
    if sheet.filter {
        ws.autofilter(0, 0, sheet.rows.len() as u32, last_col as u16)?;
    }
    Ok(())
}

/// Whether `cell` is the first of its kind of link that a stand-in sheet
/// meets (`kinds`: a HYPERLINK formula, a link to a row, a link to a URL);
/// text and numbers are not written in a stand-in.
fn first_of_its_kind(kinds: &mut [bool; 3], cell: &Cell, formulas: bool) -> bool {
    let kind = match &cell.link {
        None => return false,
        Some(link) if formulas => {
            if kinds[0] || hyperlink_formula(link, &cell.text).is_none() {
                return false;
            }
            0
        }
        Some(Link::Sheet(..)) => 1,
        Some(Link::Url(_)) => 2,
    };
    !std::mem::replace(&mut kinds[kind], true)
}

/// Writes the workbook to `path`.
pub fn write_xlsx(checked: &Checked, path: &Path) -> Result<(), InteropError> {
    let progress = crate::progress::Progress::spinner("writing the workbook");
    let bytes = xlsx_bytes(&checked.workspace, &checked.analysis, &checked.config);
    progress.finish();
    let bytes = bytes.map_err(xlsx_error(path))?;
    super::write(path, &bytes)
}

/// The file name of a sheet's CSV file: `goals.csv`.
pub fn csv_name(sheet: &str) -> String {
    format!("{}.csv", super::odps::slug(sheet))
}

/// One sheet as CSV text (links as their text), every record as wide as
/// the widest.
pub fn csv_text(sheet: &Sheet) -> String {
    let width = sheet
        .rows
        .iter()
        .map(Vec::len)
        .chain([sheet.header.len()])
        .max()
        .unwrap_or(0);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut write = |cells: Vec<&str>| {
        let mut cells = cells;
        cells.resize(width, "");
        w.write_record(&cells).expect("writing CSV to memory");
    };
    write(sheet.header.iter().map(String::as_str).collect());
    for row in &sheet.rows {
        write(row.iter().map(|c| c.text.as_str()).collect());
    }
    String::from_utf8(w.into_inner().expect("CSV in memory")).expect("CSV of UTF-8 text")
}

/// Writes one CSV file per sheet into `dir`; the files written.
pub fn write_csv(checked: &Checked, dir: &Path) -> Result<Vec<PathBuf>, InteropError> {
    super::create_dir(dir)?;
    let progress = crate::progress::Progress::spinner("writing the CSV files");
    let mut written = Vec::new();
    for sheet in sheets(&checked.workspace, &checked.analysis, &checked.config) {
        let path = dir.join(csv_name(&sheet.name));
        super::write(&path, csv_text(&sheet).as_bytes())?;
        written.push(path);
    }
    progress.finish();
    Ok(written)
}
