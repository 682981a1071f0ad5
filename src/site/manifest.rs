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
/// Read whole and parsed on all cores: at 10,000 entities it is 3 MB, and
/// parsed line by line on one core it held up a rebuild for 20 ms.
pub fn read(out: &Path, paths: &[String]) -> (Option<u64>, Vec<Option<Previous>>) {
    use rayon::prelude::*;
    let mut previous: Vec<Option<Previous>> = Vec::new();
    previous.resize_with(paths.len(), || None);
    let Ok(bytes) = fs::read(out.join(MANIFEST)) else {
        return (None, previous);
    };
    // A line that is not UTF-8 ends the manifest, with what came before it.
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    };
    let (head, rest) = text.split_once('\n').unwrap_or((text, ""));
    let global = match head.trim_end_matches('\r').strip_prefix(MANIFEST_HEAD) {
        Some(g) => u64::from_str_radix(g.trim_start(), 16).ok(),
        None => return (None, previous),
    };
    let index: HashMap<&str, usize, foldhash::fast::RandomState> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    let found: Vec<Vec<(usize, Previous)>> = chunks(rest, 64 * 1024)
        .par_iter()
        .map(|chunk| {
            chunk
                .lines()
                .filter_map(|line| {
                    let (path, p) = parse_line(line)?;
                    Some((*index.get(path)?, p))
                })
                .collect()
        })
        .collect();
    // In file order: of two lines for one path, the later is kept.
    for (i, p) in found.into_iter().flatten() {
        previous[i] = Some(p);
    }
    (global, previous)
}

/// `text` in pieces of about `size` bytes, each ending at the end of a line.
fn chunks(mut text: &str, size: usize) -> Vec<&str> {
    let mut pieces = Vec::with_capacity(text.len() / size + 1);
    while !text.is_empty() {
        let end = match text.get(size..).and_then(|after| after.find('\n')) {
            Some(at) => size + at + 1,
            None => text.len(),
        };
        let (piece, rest) = text.split_at(end);
        pieces.push(piece);
        text = rest;
    }
    pieces
}

/// One line of the manifest: the path and its entry.
fn parse_line(line: &str) -> Option<(&str, Previous)> {
    let mut columns = line.splitn(5, '\t');
    let hash = parse_hex(columns.next()?)?;
    let len = columns.next()?.parse().ok()?;
    let key_column = columns.next()?;
    let (key, made_of) = key_column.split_once(':').unwrap_or((key_column, ""));
    let key = parse_hex(key);
    let inputs = key.zip(Reads::parse(columns.next()?));
    let path = columns.next()?;
    let parts = match inputs {
        Some(_) if !made_of.is_empty() => {
            made_of.split(',').map(parse_hex).collect::<Option<_>>()?
        }
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

/// A number in hex, as [`push_hex`] writes it (either case is read).
pub(super) fn parse_hex(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    s.bytes()
        .try_fold(0u64, |n, b| Some(n << 4 | u64::from(hex_digit(b)?)))
}

/// The value of one hex digit.
pub(super) fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `n` in lower-case hex, without leading zeros.
pub(super) fn push_hex(out: &mut Vec<u8>, n: u64) {
    let digits = (16 - n.leading_zeros() as usize / 4).max(1);
    push_hex_digits(out, n, digits);
}

fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// `n` in lower-case hex, in all sixteen digits.
fn push_hex16(out: &mut Vec<u8>, n: u64) {
    push_hex_digits(out, n, 16);
}

fn push_hex_digits(out: &mut Vec<u8>, n: u64, digits: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend(
        (0..digits)
            .rev()
            .map(|i| HEX[(n >> (4 * i) & 0xf) as usize]),
    );
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
pub fn write(path: &Path, global: Option<u64>, entries: &[(&str, &Previous)]) -> io::Result<()> {
    use rayon::prelude::*;
    use std::io::Write;
    let mut out = fs::File::create(path)?;
    match global {
        Some(g) => writeln!(out, "{MANIFEST_HEAD} {g:016x}")?,
        None => writeln!(out, "{MANIFEST_HEAD} -")?,
    }
    // Written on all cores, a few hundred lines to a piece, then in order.
    let pieces: Vec<Vec<u8>> = entries
        .par_chunks(256)
        .map(|lines| {
            let mut text = Vec::with_capacity(lines.len() * 128);
            for (rel, p) in lines {
                line(&mut text, rel, p);
            }
            text
        })
        .collect();
    for piece in pieces {
        out.write_all(&piece)?;
    }
    Ok(())
}

/// One line of the manifest, as [`parse_line`] reads it.
fn line(out: &mut Vec<u8>, rel: &str, p: &Previous) {
    push_hex16(out, p.hash);
    out.push(b'\t');
    push_decimal(out, p.len);
    out.push(b'\t');
    match &p.inputs {
        Some((key, reads)) => {
            push_hex16(out, *key);
            for (i, part) in p.parts.iter().enumerate() {
                out.push(if i == 0 { b':' } else { b',' });
                push_hex16(out, *part);
            }
            out.push(b'\t');
            reads.write(out);
            out.push(b'\t');
        }
        None => out.extend_from_slice(b"-\t\t"),
    }
    out.extend_from_slice(rel.as_bytes());
    out.push(b'\n');
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
        let listed: Vec<(&str, &Previous)> = entries.iter().map(|(p, e)| (*p, e)).collect();
        write(&path, Some(7), &listed).unwrap();
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

    #[test]
    fn a_manifest_of_many_pieces_is_read_back_whole_and_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let entries: Vec<(String, Previous)> = (0..3000u64)
            .map(|i| {
                let reads = Reads::new((0..40).map(|r| (i * 7 + r * r) as usize).collect());
                let entry = Previous {
                    hash: i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                    len: i * 1000,
                    inputs: (i % 3 != 0).then_some((u64::MAX - i, reads)),
                    parts: Box::default(),
                };
                (format!("kind-{}/page-{i}.html", i % 7), entry)
            })
            .collect();
        let listed: Vec<(&str, &Previous)> = entries.iter().map(|(p, e)| (p.as_str(), e)).collect();
        let path = dir.path().join(MANIFEST);
        write(&path, None, &listed).unwrap();
        assert!(
            fs::metadata(&path).unwrap().len() > 4 * 64 * 1024,
            "several pieces"
        );
        // The same path listed again further down: the later line counts.
        let mut text = fs::read_to_string(&path).unwrap();
        text.push_str("00000000000000ff\t9\t-\t\tkind-0/page-0.html\n");
        fs::write(&path, text).unwrap();
        let paths: Vec<String> = entries.iter().map(|(p, _)| p.clone()).collect();
        let (global, read_back) = read(dir.path(), &paths);
        assert_eq!(global, None);
        for ((_, written), read) in entries.iter().zip(&read_back).skip(1) {
            let read = read.as_ref().unwrap();
            assert_eq!((read.hash, read.len), (written.hash, written.len));
            assert_eq!(read.inputs, written.inputs);
        }
        let first = read_back[0].as_ref().unwrap();
        assert_eq!(
            (first.hash, first.len, first.inputs.is_none()),
            (0xff, 9, true)
        );
    }
}
