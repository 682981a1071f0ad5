//! `*.measurements.csv`: observations of the North Star metric and of goals'
//! success indicators over time (CONTRACT §6).
//!
//! The `csv` crate reads the records (RFC 4180 quoting); positions of cells
//! are found again in the text only when a finding needs one, so a million
//! rows cost little more than reading them.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, FileId, Rule};
use crate::model::time::Date;
use crate::suggest;

use super::source::{SourceFile, Span};

/// The name a measurements file ends with.
pub const SUFFIX: &str = ".measurements.csv";

/// The columns a measurements file may have.
const COLUMNS: [&str; 5] = ["date", "entity", "indicator", "value", "note"];

/// One observation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub date: Date,
    pub value: f64,
    /// Where its record starts in the file (1-based line, byte offset).
    pub line: u32,
    pub offset: usize,
}

/// The observations of one (entity, indicator) pair in one file, in file order.
#[derive(Debug, Clone)]
pub struct Series {
    pub entity: String,
    /// Empty for the North Star.
    pub indicator: String,
    pub observations: Vec<Observation>,
}

/// A measurements file, read: its series, and where its columns are.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub series: Vec<Series>,
    /// Column index of `date`, `entity`, `indicator`, `value` (and `note`).
    columns: [Option<usize>; 5],
}

impl Table {
    /// The span of cell `column` (one of `date`, `entity`, `indicator`,
    /// `value`) of the record that starts at `offset`.
    pub fn cell(&self, file: &SourceFile, offset: usize, column: &str) -> Span {
        let index = COLUMNS
            .iter()
            .position(|c| *c == column)
            .and_then(|i| self.columns[i])
            .unwrap_or(0);
        cell_span(file, offset, index)
    }
}

/// The spans of the cells of the record starting at byte `start`: a small
/// scan that follows RFC 4180 quoting, used only for positions.
fn cell_spans(file: &SourceFile, start: usize) -> Vec<(usize, usize)> {
    let text = file.text.as_bytes();
    let mut cells = Vec::new();
    let mut at = start;
    let mut cell_start = start;
    let mut quoted = false;
    while at < text.len() {
        match text[at] {
            b'"' if quoted && text.get(at + 1) == Some(&b'"') => at += 1,
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                cells.push((cell_start, at));
                cell_start = at + 1;
            }
            b'\n' | b'\r' if !quoted => break,
            _ => {}
        }
        at += 1;
    }
    cells.push((cell_start, at));
    cells
}

fn cell_span(file: &SourceFile, start: usize, index: usize) -> Span {
    let cells = cell_spans(file, start);
    let (from, to) = cells
        .get(index)
        .or(cells.last())
        .copied()
        .unwrap_or((start, start));
    let (s, e) = (file.pos_of_offset(from), file.pos_of_offset(to));
    Span::new(s, e.max(s))
}

/// Reads a measurements file. Bad headers and cells are `measurement-invalid`
/// findings; rows with one are left out. Whether entities and indicators
/// exist is the rules' to say (they need the model).
pub fn parse(id: FileId, file: &SourceFile) -> (Table, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut table = Table::default();
    let invalid = |message: String, span: Span| {
        Diagnostic::new(Rule::MeasurementInvalid, message).at(id, span)
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(file.text.as_bytes());
    let mut record = csv::ByteRecord::new();
    // The header.
    let header_start = match reader.read_byte_record(&mut record) {
        Ok(true) => record.position().map_or(0, |p| p.byte() as usize),
        Ok(false) => {
            let at = file.pos(1, 0);
            diags.push(
                invalid("the measurements file is empty".into(), Span::new(at, at))
                    .label("no header")
                    .help("the first row names the columns: `date,entity,indicator,value` (and optionally `note`)"),
            );
            return (table, diags);
        }
        Err(e) => {
            diags.push(csv_error(id, file, &e));
            return (table, diags);
        }
    };
    for (i, name) in record.iter().enumerate() {
        let name = String::from_utf8_lossy(name);
        let name = name.trim().trim_start_matches('\u{feff}');
        let span = cell_span(file, header_start, i);
        match COLUMNS.iter().position(|c| *c == name) {
            Some(c) if table.columns[c].is_some() => diags.push(
                invalid(format!("column `{name}` appears twice in the header"), span)
                    .label("repeated column")
                    .help("name each column once"),
            ),
            Some(c) => table.columns[c] = Some(i),
            None => {
                let help = suggest::did_you_mean(name, COLUMNS)
                    .unwrap_or_else(|| "the columns are `date`, `entity`, `indicator`, `value` and, optionally, `note`".into());
                diags.push(
                    invalid(format!("unknown column `{name}` in the header"), span)
                        .label("not a column of a measurements file")
                        .help(help),
                );
            }
        }
    }
    let missing: Vec<&str> = COLUMNS[..4]
        .iter()
        .enumerate()
        .filter(|(c, _)| table.columns[*c].is_none())
        .map(|(_, name)| *name)
        .collect();
    if !missing.is_empty() {
        let at = file.pos_of_offset(header_start);
        let end = file.pos_of_offset(
            cell_spans(file, header_start)
                .last()
                .map_or(header_start, |c| c.1),
        );
        diags.push(
            invalid(
                format!(
                    "the header lacks the column{} {}",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                ),
                Span::new(at, end.max(at)),
            )
            .label("header")
            .help("the first row names the columns: `date,entity,indicator,value` (and optionally `note`), in any order"),
        );
        return (table, diags);
    }
    let width = record.len();
    let [
        Some(date_col),
        Some(entity_col),
        Some(indicator_col),
        Some(value_col),
        _,
    ] = table.columns
    else {
        return (table, diags);
    };
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut last: Option<usize> = None;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                diags.push(csv_error(id, file, &e));
                break;
            }
        }
        let Some(pos) = record.position() else {
            continue;
        };
        let (offset, line) = (pos.byte() as usize, pos.line() as u32);
        if record.len() != width {
            let span = if record.len() > width {
                cell_span(file, offset, width)
            } else {
                let cells = cell_spans(file, offset);
                let (s, e) = (cells[0].0, cells.last().map_or(offset, |c| c.1));
                Span::new(file.pos_of_offset(s), file.pos_of_offset(e))
            };
            diags.push(
                invalid(
                    format!(
                        "this row has {} cell{}, the header {width}",
                        record.len(),
                        if record.len() == 1 { "" } else { "s" }
                    ),
                    span,
                )
                .label(if record.len() > width { "extra cell" } else { "too few cells" })
                .help("each row holds one value for each column of the header; quote a cell that contains a comma"),
            );
            continue;
        }
        let text = |col: usize| std::str::from_utf8(&record[col]).unwrap_or("").trim();
        let date = match Date::parse(text(date_col)) {
            Some(d) => d,
            None => {
                diags.push(
                    invalid(
                        format!("`{}` is not a date", text(date_col)),
                        cell_span(file, offset, date_col),
                    )
                    .label("expected YYYY-MM-DD")
                    .help("write the date as `YYYY-MM-DD`, for example `2026-11-01`"),
                );
                continue;
            }
        };
        let raw_value = text(value_col);
        let value = match raw_value.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                diags.push(
                    invalid(
                        format!("`{raw_value}` is not a number"),
                        cell_span(file, offset, value_col),
                    )
                    .label("expected a number")
                    .help("write the value as a plain number such as `24.5` or `-3`, with a `.` for decimals and no unit or thousands separator"),
                );
                continue;
            }
        };
        // Rows usually come grouped by series: compare with the last one
        // before looking the pair up.
        let (entity, indicator) = (text(entity_col), text(indicator_col));
        let s = match last {
            Some(l)
                if table.series[l].entity == entity && table.series[l].indicator == indicator =>
            {
                l
            }
            _ => *index
                .entry((entity.to_string(), indicator.to_string()))
                .or_insert_with(|| {
                    table.series.push(Series {
                        entity: entity.to_string(),
                        indicator: indicator.to_string(),
                        observations: Vec::new(),
                    });
                    table.series.len() - 1
                }),
        };
        last = Some(s);
        table.series[s].observations.push(Observation {
            date,
            value,
            line,
            offset,
        });
    }
    (table, diags)
}

fn csv_error(id: FileId, file: &SourceFile, e: &csv::Error) -> Diagnostic {
    let (offset, message) = match e.kind() {
        csv::ErrorKind::Utf8 { pos, err } => (
            pos.as_ref().map_or(0, |p| p.byte() as usize),
            format!("the file is not valid UTF-8 ({err})"),
        ),
        _ => (
            e.position().map_or(0, |p| p.byte() as usize),
            format!("cannot read the file as CSV: {e}"),
        ),
    };
    let at = file.pos_of_offset(offset.min(file.text.len()));
    Diagnostic::new(Rule::MeasurementInvalid, message)
        .label("here")
        .at(id, Span::new(at, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Table, Vec<Diagnostic>, SourceFile) {
        let file = SourceFile::new("m.measurements.csv".into(), "m".into(), text);
        let (t, d) = parse(0, &file);
        (t, d, file)
    }

    fn at(d: &Diagnostic) -> (usize, usize) {
        let l = d.location.unwrap().span.start;
        (l.line(), l.column())
    }

    #[test]
    fn reads_rows_in_any_column_order() {
        let (t, d, _) = read(
            "value,date,indicator,entity,note\n24.5,2026-11-01,repeat-rate,g,\"a, quoted note\"\n25,2026-12-01,repeat-rate,g,\n1.5,2026-12-01,,ns,\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(t.series.len(), 2);
        assert_eq!(t.series[0].entity, "g");
        assert_eq!(t.series[0].observations.len(), 2);
        assert_eq!(t.series[0].observations[1].line, 3);
        assert_eq!(t.series[1].indicator, "");
    }

    #[test]
    fn bad_cells_are_found_where_they_are() {
        let (t, d, file) = read(
            "date,entity,indicator,value\n2026-13-01,g,x,1\n2026-01-01,\"g\",x,lots\n2026-01-01,g,x\n2026-02-01,g,x,2\n",
        );
        let found: Vec<_> = d.iter().map(|d| (at(d), d.message.clone())).collect();
        assert_eq!(found[0], ((2, 1), "`2026-13-01` is not a date".to_string()));
        assert_eq!(found[1], ((3, 18), "`lots` is not a number".to_string()));
        assert_eq!(found[2].0, (4, 1));
        assert_eq!(t.series[0].observations.len(), 1);
        let o = t.series[0].observations[0];
        assert_eq!(t.cell(&file, o.offset, "value").start.column(), 16);
    }

    #[test]
    fn headers_are_checked() {
        let (_, d, _) = read("date,entity,indicatr,value,extra\n");
        let messages: Vec<_> = d
            .iter()
            .map(|d| (at(d), d.message.as_str(), d.help.clone()))
            .collect();
        assert_eq!(messages[0].0, (1, 13));
        assert_eq!(messages[0].2.as_deref(), Some("did you mean `indicator`?"));
        assert_eq!(messages[1].1, "unknown column `extra` in the header");
        assert!(messages[2].1.contains("lacks the column `indicator`"));
        let (_, d, _) = read("");
        assert_eq!(d[0].message, "the measurements file is empty");
        let (_, d, _) = read("\u{feff}date,entity,indicator,value\n2026-01-01,g,x,1\n");
        assert!(d.is_empty(), "{d:?}");
    }
}
