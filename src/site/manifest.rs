//! The manifest of a built site (`.throughline-manifest`): each file's hash
//! and length, so that the next build links what did not change; and, for a
//! file rendered from entities, the key of its inputs and the entities it
//! read, so that the next build need not render it at all.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::Path;

use super::incremental::Reads;

/// The file in a built site that lists each of its files with a hash of
/// its content, so that the next build can reuse what did not change; and,
/// for a page rendered from entities, the key of its inputs and the
/// entities it read (see [`super::incremental`]).
pub const MANIFEST: &str = ".throughline-manifest";
/// The first line, followed by the build's global inputs (or `-`).
const MANIFEST_HEAD: &str = "throughline-manifest 3 mix64";

/// A file of the previous site, as its manifest lists it.
pub struct Previous {
    pub hash: u64,
    pub len: u64,
    /// The key of the page's inputs and the entities it read.
    pub inputs: Option<PageInputs>,
    /// For a file made of parts that a later build may keep one by one
    /// (the workbook's sheets), the key of each part; written after the
    /// file's key, and only with it.
    pub parts: Box<[u64]>,
}

/// The inputs of a rendered page, for the manifest: its key and the
/// entities it read.
pub type PageInputs = (u64, Reads);

/// The previous site's global inputs, and its entry for each of `paths`.
pub fn read(out: &Path, paths: &[String]) -> (Option<u64>, Vec<Option<Previous>>) {
    use std::io::BufRead;
    let mut previous: Vec<Option<Previous>> = Vec::new();
    previous.resize_with(paths.len(), || None);
    let Ok(file) = fs::File::open(out.join(MANIFEST)) else {
        return (None, previous);
    };
    let mut lines = io::BufReader::new(file).lines();
    let global = match lines.next() {
        Some(Ok(head)) => match head.strip_prefix(MANIFEST_HEAD) {
            Some(g) => u64::from_str_radix(g.trim_start(), 16).ok(),
            None => return (None, previous),
        },
        _ => return (None, previous),
    };
    let index: HashMap<&str, usize> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    for line in lines.map_while(Result::ok) {
        if let Some((path, p)) = parse_line(&line)
            && let Some(&i) = index.get(path)
        {
            previous[i] = Some(p);
        }
    }
    (global, previous)
}

/// One line of the manifest: the path and its entry.
fn parse_line(line: &str) -> Option<(&str, Previous)> {
    let mut columns = line.splitn(5, '\t');
    let hash = u64::from_str_radix(columns.next()?, 16).ok()?;
    let len = columns.next()?.parse().ok()?;
    let key_column = columns.next()?;
    let (key, made_of) = key_column.split_once(':').unwrap_or((key_column, ""));
    let key = u64::from_str_radix(key, 16).ok();
    let inputs = key.zip(Reads::parse(columns.next()?));
    let path = columns.next()?;
    let parts = match inputs {
        Some(_) if !made_of.is_empty() => made_of
            .split(',')
            .map(|k| u64::from_str_radix(k, 16).ok())
            .collect::<Option<_>>()?,
        _ => Box::default(),
    };
    let entry = Previous {
        hash,
        len,
        inputs,
        parts,
    };
    Some((path, entry))
}

/// The previous site's entry for one file, read without the rest of the
/// manifest (the files listed first, such as the workbook, are found after
/// a few lines).
pub fn read_entry(out: &Path, path: &str) -> Option<Previous> {
    use std::io::BufRead;
    let file = fs::File::open(out.join(MANIFEST)).ok()?;
    let mut lines = io::BufReader::new(file).lines().map_while(Result::ok);
    lines.next()?.strip_prefix(MANIFEST_HEAD)?;
    lines.find_map(|line| {
        let (p, entry) = parse_line(&line)?;
        (p == path).then_some(entry)
    })
}

/// Writes the manifest: the head with the global inputs, then a line per
/// file: hash, length, key (followed by `:` and the key of each part, for
/// a file made of parts) and reads (`-` and nothing for a file that is not
/// reused without rendering), path.
pub fn write<'e>(
    path: &Path,
    global: Option<u64>,
    entries: impl Iterator<Item = (&'e str, &'e Previous)>,
) -> io::Result<()> {
    use std::io::Write;
    let mut out = io::BufWriter::new(fs::File::create(path)?);
    match global {
        Some(g) => writeln!(out, "{MANIFEST_HEAD} {g:016x}")?,
        None => writeln!(out, "{MANIFEST_HEAD} -")?,
    }
    let mut reads_text = String::new();
    for (rel, p) in entries {
        write!(out, "{:016x}\t{}\t", p.hash, p.len)?;
        match &p.inputs {
            Some((key, reads)) => {
                reads_text.clear();
                reads.write(&mut reads_text);
                write!(out, "{key:016x}")?;
                for (i, part) in p.parts.iter().enumerate() {
                    let sep = if i == 0 { ':' } else { ',' };
                    write!(out, "{sep}{part:016x}")?;
                }
                write!(out, "\t{reads_text}\t")?;
            }
            None => write!(out, "-\t\t")?,
        }
        writeln!(out, "{rel}")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_s_parts_are_read_back_with_its_key_and_only_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let entry = |inputs: Option<PageInputs>, parts: &[u64]| Previous {
            hash: 1,
            len: 2,
            inputs,
            parts: parts.into(),
        };
        let entries = [
            ("a.html", entry(Some((3, Reads::new(vec![4, 9]))), &[])),
            (
                "downloads/trace.xlsx",
                entry(Some((5, Reads::new(vec![]))), &[6, u64::MAX]),
            ),
            ("b.html", entry(None, &[])),
        ];
        let path = dir.path().join(MANIFEST);
        write(&path, Some(7), entries.iter().map(|(p, e)| (*p, e))).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\t0000000000000005:0000000000000006,ffffffffffffffff\t\t"),
            "{text}"
        );
        let paths: Vec<String> = entries.iter().map(|(p, _)| p.to_string()).collect();
        let (global, read_back) = read(dir.path(), &paths);
        assert_eq!(global, Some(7));
        for ((_, written), read) in entries.iter().zip(&read_back) {
            let read = read.as_ref().unwrap();
            assert_eq!((read.hash, read.len), (written.hash, written.len));
            assert_eq!(read.inputs, written.inputs);
            assert_eq!(read.parts, written.parts);
        }
        let book = read_entry(dir.path(), "downloads/trace.xlsx").unwrap();
        assert_eq!(&book.parts[..], &[6, u64::MAX]);
        // Parts without a key are not parts.
        let (_, line) = parse_line("01\t2\t-:06\t\tx").unwrap();
        assert!(line.inputs.is_none() && line.parts.is_empty());
        assert!(parse_line("01\t2\t05:zz\t\tx").is_none());
    }
}
