//! The sheets written out: one `.xlsx` (formats, links, and reuse of the
//! previous book's unchanged sheets) or one CSV file per sheet.

use super::*;

/// Most hyperlinks a worksheet holds before its links become formulas:
/// Excel's limit, or `THROUGHLINE_XLSX_LINK_LIMIT` (for tests).
pub(super) fn link_limit() -> usize {
    std::env::var("THROUGHLINE_XLSX_LINK_LIMIT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(65_530)
}

/// `=HYPERLINK("#'Goals'!A5","goal-1")`, with the text as its cached
/// result; `None` when the text or the target is longer than the 255
/// characters a formula's string may hold (the cell is then plain text).
pub(super) fn hyperlink_formula(link: &Link, text: &str) -> Option<Formula> {
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

pub(super) fn xlsx_error(path: &Path) -> impl Fn(XlsxError) -> InteropError + '_ {
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
pub(super) struct Book<'a> {
    pub(super) ws: &'a Workspace,
    pub(super) analysis: &'a Analysis,
    pub(super) config: &'a Config,
    /// The day it is created on: the day of the check, so the same
    /// workspace on the same day gives the same bytes.
    pub(super) day: crate::model::time::Date,
    /// Whether links are HYPERLINK formulas rather than hyperlinks.
    pub(super) formulas: bool,
    /// The sheets, when they are made once and held.
    pub(super) held: Option<Vec<Sheet>>,
}

impl<'a> Book<'a> {
    pub(super) fn new(
        ws: &'a Workspace,
        analysis: &'a Analysis,
        config: &'a Config,
        hold: bool,
    ) -> Self {
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
    pub(super) fn each_sheet<E>(
        &self,
        mut f: impl FnMut(&Sheet) -> Result<(), E>,
    ) -> Result<(), E> {
        match &self.held {
            Some(sheets) => sheets.iter().try_for_each(f),
            None => sheets(self.ws, self.analysis, self.config).try_for_each(|s| f(&s)),
        }
    }

    /// The key of each sheet: a hash of `seed`, of how links are written,
    /// of the sheet's place and of everything in it.
    pub(super) fn parts(&self, seed: u64) -> Vec<u64> {
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
    pub(super) fn key(&self, seed: u64, parts: &[u64]) -> u64 {
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
    pub(super) fn bytes(&self, previous: Option<(&[u8], &[bool])>) -> Result<Vec<u8>, XlsxError> {
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
    pub(super) fn package(&self, kept: &[bool]) -> Result<Vec<u8>, XlsxError> {
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
pub(super) struct Formats {
    bold: Format,
    linked: Format,
}

/// Writes one sheet: its header, cells and links (as hyperlinks, or as
/// HYPERLINK formulas when `formulas`), column widths, frozen header and
/// filters. A `stand_in` leaves out every cell but the first of each kind
/// of link: it has what the rest of the package depends on (the sheet's
/// name, its filter, the formats its cells use), not its content.
pub(super) fn fill(
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
pub(super) fn first_of_its_kind(kinds: &mut [bool; 3], cell: &Cell, formulas: bool) -> bool {
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
    crate::interop::write(path, &bytes)
}

/// The file name of a sheet's CSV file: `goals.csv`.
pub fn csv_name(sheet: &str) -> String {
    format!("{}.csv", crate::interop::odps::slug(sheet))
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
    crate::interop::create_dir(dir)?;
    let progress = crate::progress::Progress::spinner("writing the CSV files");
    let mut written = Vec::new();
    for sheet in sheets(&checked.workspace, &checked.analysis, &checked.config) {
        let path = dir.join(csv_name(&sheet.name));
        crate::interop::write(&path, csv_text(&sheet).as_bytes())?;
        written.push(path);
    }
    progress.finish();
    Ok(written)
}
