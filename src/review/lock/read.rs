//! Reading `throughline.lock`: the stamp lines on every core, a piece of
//! the file each, then the lines that are not stamps in order.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, FileId, Rule};
use crate::load::source::{SourceFile, Span};

use super::{Entry, Lock, VERSION, fingerprint, key_hash};

/// The lines git writes around a merge conflict.
const MARKERS: [&str; 4] = ["<<<<<<<", "=======", ">>>>>>>", "|||||||"];

/// About how many bytes of the lock one worker reads at a time.
pub(super) const CHUNK: usize = 64 * 1024;

/// A line the stamp reader set aside for the ordered pass: a header, a
/// comment, a conflict marker, a stamp that does not parse, or line 1.
struct Aside {
    /// Its line (1-based; within its chunk until the chunks are joined).
    n: usize,
    start: usize,
    end: usize,
    /// Why it is not a stamp, when it looks like one.
    error: Option<(String, &'static str)>,
}

/// What one worker read of the lock: the stamps of its lines, each with
/// the hash of its link, and the lines set aside.
#[derive(Default)]
struct Chunk {
    entries: Vec<Entry>,
    hashes: Vec<u64>,
    aside: Vec<Aside>,
    lines: usize,
}

/// Reads the lines of `text[from..to]` (whole lines), the first of which
/// is line 1 of the file when `first`.
fn read_chunk(text: &str, from: usize, to: usize, first: bool) -> Chunk {
    let mut chunk = Chunk::default();
    let mut at = from;
    for raw in text[from..to].split_inclusive('\n') {
        let start = at;
        at += raw.len();
        chunk.lines += 1;
        let n = chunk.lines;
        // A lock checked out with CRLF line ends reads as the same lock.
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let end = start + line.len();
        let blank = line.bytes().all(|b| b.is_ascii_whitespace());
        if blank {
            continue;
        }
        let special = line.starts_with('#') || MARKERS.iter().any(|m| line.starts_with(m));
        let line_one = first && n == 1;
        if special {
            chunk.aside.push(Aside {
                n,
                start,
                end,
                error: None,
            });
            continue;
        }
        match parse_line(line, start, n) {
            Ok(entry) => {
                let part = |i| entry.part(text, i);
                chunk.hashes.push(key_hash(part(0), part(1), part(2)));
                chunk.entries.push(entry);
                if line_one {
                    chunk.aside.push(Aside {
                        n,
                        start,
                        end,
                        error: None,
                    });
                }
            }
            Err(error) => chunk.aside.push(Aside {
                n,
                start,
                end,
                error: Some(error),
            }),
        }
    }
    // A text that ends with `\n` has one more, empty, line.
    if to == text.len() && (text.is_empty() || text.ends_with('\n')) {
        chunk.lines += 1;
    }
    chunk
}

/// `text` cut into pieces of about [`CHUNK`] bytes, each of whole lines.
fn chunks(text: &str, from: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut cuts = Vec::with_capacity((text.len() - from) / CHUNK + 1);
    let mut start = from;
    while start < text.len() {
        let end = match memchr::memchr(b'\n', bytes.get(start + CHUNK..).unwrap_or_default()) {
            Some(i) => start + CHUNK + i + 1,
            None => text.len(),
        };
        cuts.push((start, end));
        start = end;
    }
    if cuts.is_empty() {
        cuts.push((from, text.len()));
    }
    cuts
}

/// Reads the lock in `file` (file `id` of the workspace): every line that
/// cannot be read is a `lock-invalid` finding at that line.
pub fn parse(id: FileId, file: &SourceFile) -> (Lock, Vec<Diagnostic>) {
    let mut lock = Lock {
        text: file.text.clone(),
        ..Lock::default()
    };
    let mut found = Vec::new();
    let text = &*file.text;
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let whole_line = |n: usize, line: &str| {
        let start = file.pos(n, 0);
        let end = file.pos(n, line.len());
        Span::new(start, end)
    };
    let mut invalid =
        |n: usize, line: &str, message: String, help: &str, lock: &mut Lock, blocking: bool| {
            found.push(
                Diagnostic::new(Rule::LockInvalid, message)
                    .label("this line")
                    .help(help)
                    .at(id, whole_line(n, line)),
            );
            if blocking {
                lock.unreadable.push(n);
            }
        };
    // The stamps are read on every core, a piece of the lock each; the
    // lines set aside are then read in order, below.
    let read: Vec<Chunk> = chunks(text, bom)
        .into_par_iter()
        .enumerate()
        .map(|(i, (from, to))| read_chunk(text, from, to, i == 0))
        .collect();
    let mut hashes = Vec::with_capacity(read.iter().map(|c| c.hashes.len()).sum());
    let mut aside = Vec::new();
    lock.first.reserve_exact(hashes.capacity());
    let mut before = 0;
    for chunk in read {
        let lines = chunk.lines;
        let base = u32::try_from(before).expect("a lock is at most 4 GiB");
        lock.first.extend(chunk.entries.into_iter().map(|e| Entry {
            line: e.line + base,
            ..e
        }));
        hashes.extend(chunk.hashes);
        aside.extend(chunk.aside.into_iter().map(|a| Aside {
            n: a.n + before,
            ..a
        }));
        before += lines;
    }
    let mut seen_header = false;
    for Aside {
        n,
        start,
        end,
        error,
    } in aside
    {
        let line = &text[start..end];
        if n == 1 || !seen_header && line.starts_with("# throughline.lock") {
            if let Some(version) = line.strip_prefix("# throughline.lock v") {
                seen_header = true;
                match version.trim().parse::<u32>() {
                    Ok(VERSION) => continue,
                    Ok(v) if v > VERSION => {
                        invalid(
                            n,
                            line,
                            format!(
                                "throughline.lock is format v{v}, written by a newer throughline; this one reads v{VERSION}, so none of its stamps are checked"
                            ),
                            "upgrade throughline; `review` will not rewrite this file",
                            &mut lock,
                            true,
                        );
                        lock.newer = true;
                        lock.first.clear();
                        return (lock, found);
                    }
                    _ => {
                        invalid(
                            n,
                            line,
                            format!(
                                "the header `{line}` names no format this throughline reads (v{VERSION})"
                            ),
                            "the first line is `# throughline.lock v1`",
                            &mut lock,
                            true,
                        );
                        continue;
                    }
                }
            }
            if n == 1 {
                invalid(
                    n,
                    line,
                    "throughline.lock does not start with its header `# throughline.lock v1`"
                        .into(),
                    "the stamps are read all the same; `throughline review` writes the header back",
                    &mut lock,
                    false,
                );
            }
        }
        if MARKERS.iter().any(|m| line.starts_with(m)) {
            invalid(
                n,
                line,
                "a merge conflict marker in throughline.lock".into(),
                "keep the lines of both sides (delete only the markers), then run `throughline review --suspect` and commit the lock; `throughline.lock merge=union` in .gitattributes avoids such conflicts",
                &mut lock,
                true,
            );
        } else if line.starts_with('#') {
            invalid(
                n,
                line,
                "a comment in throughline.lock, which only `throughline review` writes".into(),
                "delete the line: `review` would not keep it",
                &mut lock,
                true,
            );
        } else if let Some((message, help)) = error {
            invalid(n, line, message, help, &mut lock, true);
        }
    }
    let pairs = lock.settle(hashes);
    if !pairs.is_empty() {
        let links: HashMap<usize, String> = lock
            .later
            .iter()
            .map(|e| {
                let part = |i| e.part(&lock.text, i);
                (
                    e.line as usize,
                    format!("{} {} {}", part(0), part(1), part(2)),
                )
            })
            .collect();
        for (n, first) in pairs {
            let line = file.line_text(n);
            invalid(
                n,
                line,
                format!(
                    "a second stamp for `{}` (the first is on line {first})",
                    links[&n]
                ),
                "keep one line per link: `throughline review` of the child writes it once",
                &mut lock,
                false,
            );
        }
    }
    (lock, found)
}

/// The byte ranges of the first five fields of a line, and how many
/// fields it has.
type Fields = ([(usize, usize); 5], usize);

/// The fields of a line as `review` writes it, split by single spaces and
/// found a word at a time; `None` for a line with other whitespace, or two
/// spaces in a row, or one at an end.
fn single_spaced(bytes: &[u8]) -> Option<Fields> {
    if memchr::memchr3(b'\t', b'\r', 0x0c, bytes).is_some() {
        return None;
    }
    let mut parts = [(0, 0); 5];
    let mut count = 0;
    let mut from = 0;
    for space in memchr::memchr_iter(b' ', bytes).chain([bytes.len()]) {
        if space == from {
            return None;
        }
        if let Some(part) = parts.get_mut(count) {
            *part = (from, space);
        }
        count += 1;
        from = space + 1;
    }
    Some((parts, count))
}

/// The fields of any line, as `split_ascii_whitespace` would split it.
fn whitespace_split(bytes: &[u8]) -> Fields {
    let mut parts = [(0, 0); 5];
    let mut count = 0;
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == bytes.len() {
            return (parts, count);
        }
        let from = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if let Some(part) = parts.get_mut(count) {
            *part = (from, i);
        }
        count += 1;
    }
}

/// One stamp line, which starts at offset `start` of the lock's text:
/// `CHILD FIELD PARENT FINGERPRINT [COMMIT]`.
fn parse_line(line: &str, start: usize, n: usize) -> Result<Entry, (String, &'static str)> {
    const SHAPE: &str =
        "each line is `CHILD FIELD PARENT FINGERPRINT [COMMIT]`, separated by single spaces";
    let bytes = line.as_bytes();
    let (parts, count) = single_spaced(bytes).unwrap_or_else(|| whitespace_split(bytes));
    if !(4..=5).contains(&count) {
        return Err((format!("a lock line has {count} fields, not 4 or 5"), SHAPE));
    }
    let text = |(from, to): (usize, usize)| &line[from..to];
    let print = text(parts[3]);
    if !fingerprint::is_valid(print) {
        fingerprint::validate(print).map_err(|m| (m, SHAPE))?;
    }
    if count == 5 {
        let commit = text(parts[4]);
        if !((commit.len() == 40 || commit.len() == 64)
            && commit.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err((
                format!("`{commit}` is not a commit id (40 or 64 hex digits)"),
                SHAPE,
            ));
        }
    }
    // Files are at most 4 GiB (`[limits] max-file-size`), so offsets fit.
    let narrow = |n: usize| u32::try_from(n).expect("a lock is at most 4 GiB");
    let mut fields = [(0, 0); 5];
    for (field, &(from, to)) in fields.iter_mut().zip(&parts[..count]) {
        *field = (narrow(start + from), narrow(start + to));
    }
    Ok(Entry {
        fields,
        line: narrow(n),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_splits_the_same_however_it_is_spaced() {
        for line in [
            "a b c d",
            "a b c d e f",
            "a  b c d",
            " a b c d",
            "a b c d ",
            "a\tb c d",
            "a b\x0cc d\r",
            "",
            " ",
            "abc",
        ] {
            let split = whitespace_split(line.as_bytes());
            if let Some(fast) = single_spaced(line.as_bytes()) {
                assert_eq!(fast, split, "{line:?}");
            }
            let words: Vec<&str> = line.split_ascii_whitespace().collect();
            assert_eq!(split.1, words.len(), "{line:?}");
            for (&(from, to), word) in split.0.iter().zip(words) {
                assert_eq!(&line[from..to], word, "{line:?}");
            }
        }
        assert!(single_spaced(b"a  b").is_none());
        assert!(single_spaced(b"a b").is_some());
    }
}
