//! The workbook's file, an OPC package (a zip of XML parts), put together
//! from the package `rust_xlsxwriter` wrote, with the parts of the sheets
//! that did not change copied from the previous file as they were
//! compressed.
//!
//! A sheet's parts (`xl/worksheets/sheetN.xml` and its relationships) depend
//! on that sheet alone: its strings are inline, and the formats its cells
//! use are numbered in the order the workbook first meets them, which a
//! stand-in that uses the same formats keeps. So a workbook written with
//! stand-ins for the unchanged sheets, with those sheets' parts then taken
//! from the previous file, is the file a whole new workbook would be.

use std::io::Cursor;
#[cfg(test)]
use std::path::Path;

use zip::result::ZipResult;
use zip::{ZipArchive, ZipWriter};

/// The number (1-based) of the sheet a part belongs to, if it is a sheet's
/// XML or relationships.
fn sheet_of(part: &str) -> Option<usize> {
    let name = part.strip_prefix("xl/worksheets/")?;
    let name = name.strip_prefix("_rels/").unwrap_or(name);
    let n = name.strip_prefix("sheet")?;
    let n = n
        .strip_suffix(".xml")
        .or_else(|| n.strip_suffix(".xml.rels"))?;
    n.parse().ok().filter(|&n| n > 0)
}

/// Whether the part belongs to a sheet that `kept` marks (by 0-based index).
fn kept_part(part: &str, kept: &[bool]) -> bool {
    sheet_of(part).is_some_and(|n| kept.get(n - 1) == Some(&true))
}

/// The package `fresh` with the parts of each sheet marked in `kept` taken
/// from `previous`: `None` when `previous` is not a package holding exactly
/// those parts. Without `previous`, `fresh` with each part copied as it is,
/// so that a whole workbook and one put together have the same bytes.
pub fn assemble(fresh: &[u8], previous: Option<(&[u8], &[bool])>) -> ZipResult<Option<Vec<u8>>> {
    let capacity = fresh.len();
    let mut fresh = ZipArchive::new(Cursor::new(fresh))?;
    let (mut previous, kept) = match previous {
        Some((bytes, kept)) => match ZipArchive::new(Cursor::new(bytes)) {
            Ok(archive) => (Some(archive), kept),
            Err(_) => return Ok(None),
        },
        None => (None, &[][..]),
    };
    if let Some(previous) = &previous {
        let mut wanted: Vec<&str> = fresh.file_names().filter(|p| kept_part(p, kept)).collect();
        let mut there: Vec<&str> = previous
            .file_names()
            .filter(|p| kept_part(p, kept))
            .collect();
        wanted.sort_unstable();
        there.sort_unstable();
        if wanted != there {
            return Ok(None);
        }
    }
    let mut out = ZipWriter::new(Cursor::new(Vec::with_capacity(capacity)));
    for i in 0..fresh.len() {
        let name = fresh.name_for_index(i).unwrap_or_default().to_string();
        match &mut previous {
            Some(previous) if kept_part(&name, kept) => {
                let at = previous
                    .index_for_name(&name)
                    .expect("the same parts, checked above");
                out.raw_copy_file(previous.by_index_raw(at)?)?;
            }
            _ => out.raw_copy_file(fresh.by_index_raw(i)?)?,
        }
    }
    Ok(Some(out.finish()?.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::super::Book;
    use super::*;

    /// The example, with `toml` added to its settings and `edit` made to
    /// its CRM source (`name:` replaced), checked on a fixed day.
    fn example(toml: &str, name: &str) -> crate::Checked {
        let dir = tempfile::tempdir().unwrap().keep();
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("example-spec");
        for entry in walkdir::WalkDir::new(&example) {
            let entry = entry.unwrap();
            let to = dir.join(entry.path().strip_prefix(&example).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).unwrap();
            } else {
                std::fs::copy(entry.path(), &to).unwrap();
            }
        }
        let settings = dir.join("throughline.toml");
        let text = std::fs::read_to_string(&settings).unwrap();
        std::fs::write(&settings, format!("{text}\n{toml}\n")).unwrap();
        let crm = dir.join("sources/crm.yaml");
        let text = std::fs::read_to_string(&crm).unwrap();
        let text = text.replace("name: CRM customer records", &format!("name: {name}"));
        std::fs::write(&crm, text).unwrap();
        let today = crate::model::time::Date::from_days_since_epoch(20_400);
        let checked = crate::check_dir(&dir, today).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        checked
    }

    fn book(c: &crate::Checked, formulas: bool) -> Book<'_> {
        let mut book = Book::new(&c.workspace, &c.analysis, &c.config, true);
        book.formulas = formulas;
        book
    }

    /// The parts of a package by name, as compressed.
    fn raw_parts(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut archive = ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut part = archive.by_index_raw(i).unwrap();
                let name = part.name().to_string();
                let mut raw = Vec::new();
                std::io::copy(&mut part, &mut raw).unwrap();
                (name, raw)
            })
            .collect()
    }

    /// Each way the workbook writes its links: as hyperlinks to rows, also
    /// to the published pages (a part of relationships per sheet), and as
    /// HYPERLINK formulas.
    const LINKS: [(&str, bool); 3] = [
        ("", false),
        ("[site]\nurl = \"https://specs.example.com/\"", false),
        ("", true),
    ];

    #[test]
    fn a_workbook_put_together_from_the_previous_file_is_the_whole_new_one() {
        for (toml, formulas) in LINKS {
            let (before, after) = (example(toml, "CRM"), example(toml, "Customer records"));
            let (before, after) = (book(&before, formulas), book(&after, formulas));
            let previous = before.bytes(None).unwrap();
            let kept: Vec<bool> = before
                .parts(7)
                .iter()
                .zip(after.parts(7))
                .map(|(a, b)| *a == b)
                .collect();
            // The sources' sheet alone shows the name.
            let sources = 6;
            assert_eq!(kept.iter().filter(|k| !**k).count(), 1, "{toml} {formulas}");
            assert!(!kept[sources]);
            let whole = after.bytes(None).unwrap();
            let fresh = after.package(&kept).unwrap();
            assert_ne!(fresh, after.package(&[]).unwrap(), "stand-ins were written");
            let together = assemble(&fresh, Some((&previous, &kept))).unwrap();
            assert_eq!(together.as_ref(), Some(&whole), "{toml} {formulas}");
            assert_eq!(after.bytes(Some((&previous, &kept))).unwrap(), whole);
            let names: Vec<String> = raw_parts(&whole).into_iter().map(|p| p.0).collect();
            let rels = names.iter().any(|n| n.starts_with("xl/worksheets/_rels/"));
            assert_eq!(rels, toml.contains("url"), "{names:?}");
        }
    }

    #[test]
    fn a_kept_sheet_s_parts_are_the_previous_file_s() {
        let (before, after) = (example("", "CRM"), example("", "Customer records"));
        let (before, after) = (book(&before, false), book(&after, false));
        let previous = before.bytes(None).unwrap();
        // Every sheet said to be unchanged, the sources' too: all come from
        // the previous file, everything else from the new package.
        let kept = vec![true; super::super::SHEETS];
        let together = after.bytes(Some((&previous, &kept))).unwrap();
        let (old, new) = (raw_parts(&previous), raw_parts(&after.bytes(None).unwrap()));
        for (name, raw) in raw_parts(&together) {
            let from = if sheet_of(&name).is_some() {
                &old
            } else {
                &new
            };
            let expected = from.iter().find(|(n, _)| *n == name).unwrap();
            assert_eq!(raw, expected.1, "{name}");
        }
        assert_ne!(
            raw_parts(&together),
            new,
            "the sources' sheet is the old one"
        );
    }

    #[test]
    fn a_previous_file_that_lacks_the_kept_sheets_parts_is_not_used() {
        let plain = example("", "CRM");
        let linked = example("[site]\nurl = \"https://specs.example.com/\"", "CRM");
        let (plain, linked) = (book(&plain, false), book(&linked, false));
        let kept = vec![true; super::super::SHEETS];
        let fresh = linked.package(&kept).unwrap();
        let whole = linked.bytes(None).unwrap();
        // No relationships for the sheets in the previous file; not a zip at all.
        let without_rels = plain.bytes(None).unwrap();
        for previous in [&without_rels[..], b"not a workbook"] {
            assert_eq!(assemble(&fresh, Some((previous, &kept))).unwrap(), None);
            assert_eq!(linked.bytes(Some((previous, &kept))).unwrap(), whole);
        }
    }

    #[test]
    fn parts_are_told_by_sheet() {
        assert_eq!(sheet_of("xl/worksheets/sheet1.xml"), Some(1));
        assert_eq!(sheet_of("xl/worksheets/sheet11.xml"), Some(11));
        assert_eq!(sheet_of("xl/worksheets/_rels/sheet3.xml.rels"), Some(3));
        assert_eq!(sheet_of("xl/worksheets/sheet0.xml"), None);
        assert_eq!(sheet_of("xl/workbook.xml"), None);
        assert_eq!(sheet_of("xl/_rels/workbook.xml.rels"), None);
        assert_eq!(sheet_of("xl/sharedStrings.xml"), None);
    }
}
