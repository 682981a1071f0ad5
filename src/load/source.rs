//! Source text and position bookkeeping.
//!
//! The YAML parser reports positions as a 1-based line and a 0-based column
//! counted in characters. Diagnostics need that (for JSON, SARIF and
//! editors); byte offsets (for `miette` snippets and editors) are computed
//! from it where the text is at hand, so a position costs eight bytes.

use std::path::PathBuf;
use std::sync::Arc;

/// A position in a source file, in 8 bytes (every node and key of every
/// parse tree has two): files are at most 4 GiB (see `[limits]`). Its byte
/// offset is [`SourceFile::offset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    line: u32,
    column: u32,
}

impl Pos {
    pub fn new(line: usize, column: usize) -> Pos {
        let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Pos {
            line: narrow(line),
            column: narrow(column),
        }
    }

    /// 1-based line.
    pub fn line(&self) -> usize {
        self.line as usize
    }

    /// 1-based column, counted in characters.
    pub fn column(&self) -> usize {
        self.column as usize
    }
}

/// A half-open range `[start, end)` in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub fn new(start: Pos, end: Pos) -> Self {
        Span { start, end }
    }
}

/// One file of the workspace, with its text and a line index.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the workspace root, with `/` separators.
    pub rel_path: String,
    /// Path on disk.
    pub path: PathBuf,
    /// The file's text (a leading byte-order mark is kept, so offsets match the file).
    pub text: Arc<str>,
    /// Byte offset at which each line starts; `line_starts[0]` skips a BOM.
    line_starts: Arc<[u32]>,
    /// The length of the text, when it was dropped after parsing.
    dropped: usize,
    /// [`crate::hash::content_hash`] of the text as parsed.
    hash: u64,
}

impl SourceFile {
    pub fn new(rel_path: String, path: PathBuf, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let line_starts = line_starts(&text).into();
        let hash = crate::hash::content_hash(text.as_bytes());
        SourceFile {
            rel_path,
            path,
            text,
            line_starts,
            dropped: 0,
            hash,
        }
    }

    /// Forgets the text (keeping the line index), to save memory once the
    /// file is parsed; [`SourceFile::restore_text`] puts it back.
    pub fn drop_text(&mut self) {
        self.dropped = self.text.len();
        self.text = Arc::from("");
    }

    /// A hash of the text as parsed (kept when the text is dropped), to tell
    /// whether the file changed since an earlier run.
    pub fn content_hash(&self) -> u64 {
        self.hash
    }

    /// Whether the text was dropped and not restored.
    pub fn text_dropped(&self) -> bool {
        self.dropped > 0 && self.text.is_empty()
    }

    /// Puts back a dropped text, if it is the one that was parsed (same
    /// length and line breaks).
    pub fn restore_text(&mut self, text: String) {
        if self.text_dropped() && self.is_parsed_text(&text) {
            self.text = text.into();
        }
    }

    /// The text, read back from disk when it was dropped (as the parse read
    /// it: invalid UTF-8 replaced); `None` when the file is gone or is no
    /// longer the text that was parsed.
    pub fn read_back(&self) -> Option<Arc<str>> {
        if !self.text_dropped() {
            return Some(self.text.clone());
        }
        let bytes = std::fs::read(&self.path).ok()?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        self.is_parsed_text(&text).then(|| text.into())
    }

    fn is_parsed_text(&self, text: &str) -> bool {
        text.len() == self.dropped && *line_starts(text) == *self.line_starts
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte offset at which 1-based `line` starts (the end of the text
    /// past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line.saturating_sub(1))
            .map_or(self.text.len(), |&start| start as usize)
    }

    /// The text of 1-based `line`, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        self.line_text_in(&self.text, line)
    }

    /// [`SourceFile::line_text`] of `text`, this file's text read back.
    pub fn line_text_in<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let start = self
            .line_starts
            .get(line.saturating_sub(1))
            .map_or(text.len(), |&s| s as usize);
        let end = self
            .line_starts
            .get(line)
            .map_or(text.len(), |&s| s as usize);
        text.get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    /// Converts a 1-based line and 0-based character column (as the YAML
    /// parser reports them) into a position. Out-of-range values are
    /// clamped to the end of the line or file, never a panic.
    pub fn pos(&self, line: usize, col0: usize) -> Pos {
        self.pos_at(line, col0).0
    }

    /// [`SourceFile::pos`] with the position's byte offset.
    pub fn pos_at(&self, line: usize, col0: usize) -> (Pos, usize) {
        let line = line.clamp(1, self.line_starts.len());
        self.walk(line, self.line_starts[line - 1] as usize, 0, col0)
    }

    /// Like [`SourceFile::pos_at`], starting from `near` (a position and its
    /// offset) when it is earlier on the same line, so positions read in
    /// order along one long line (a minified file) cost the distance between
    /// them, not the line's length.
    #[inline]
    pub fn pos_from(&self, near: (Pos, usize), line: usize, col0: usize) -> (Pos, usize) {
        match near.0.column.checked_sub(1) {
            Some(col) if near.0.line() == line && col as usize <= col0 => {
                self.walk(line, near.1, col as usize, col0)
            }
            _ => self.pos_at(line, col0),
        }
    }

    /// The position at 0-based column `col0` of 1-based `line` (in range),
    /// counting from byte `from`, which is at column `col`; clamped to the
    /// end of the line. With its offset.
    #[inline]
    fn walk(&self, line: usize, from: usize, col: usize, col0: usize) -> (Pos, usize) {
        let end = self.line_start(line) + self.line_text(line).len();
        let from = from.min(end);
        let rest = &self.text[from..end];
        let n = col0 - col;
        // Most lines are ASCII up to the column: one byte a character.
        if rest.as_bytes().get(..n).is_some_and(<[u8]>::is_ascii) {
            return (Pos::new(line, col0 + 1), from + n);
        }
        match rest.char_indices().nth(n) {
            Some((i, _)) => (Pos::new(line, col0 + 1), from + i),
            None => (Pos::new(line, col + rest.chars().count() + 1), end),
        }
    }

    /// The byte offset of `pos` in this file's text.
    pub fn offset(&self, pos: Pos) -> usize {
        self.offset_in(&self.text, pos)
    }

    /// [`SourceFile::offset`] in `text`, this file's text read back: the
    /// start of the position's character, or the end of its line when the
    /// column is past it.
    pub fn offset_in(&self, text: &str, pos: Pos) -> usize {
        let line = self.line_text_in(text, pos.line());
        let start = self.line_start(pos.line()).min(text.len());
        let skip = pos.column().saturating_sub(1);
        start + line.char_indices().nth(skip).map_or(line.len(), |(i, _)| i)
    }

    /// The position of a byte offset.
    pub fn pos_of_offset(&self, offset: usize) -> Pos {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i + 1,
            Err(i) => i.max(1),
        };
        let start = (self.line_starts[line - 1] as usize).min(offset);
        Pos::new(line, self.text[start..offset].chars().count() + 1)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Line starts, treating `\n`, `\r\n` and a lone `\r` as line breaks (as YAML does).
/// Texts are under 4 GiB (the file size limit), so every offset fits in 32 bits.
fn line_starts(text: &str) -> Vec<u32> {
    let first = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let bytes = text.as_bytes();
    let mut starts = vec![first as u32];
    // A line ends at `\n`, or at a `\r` not followed by one.
    starts.extend(
        memchr::memchr2_iter(b'\n', b'\r', &bytes[first..])
            .map(|i| i + first)
            .filter(|&i| bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n'))
            .map(|i| (i + 1) as u32),
    );
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("t.yaml".into(), "t.yaml".into(), text)
    }

    #[test]
    fn lines_break_at_newlines_crlf_and_lone_carriage_returns() {
        assert_eq!(line_starts(""), [0]);
        assert_eq!(line_starts("a"), [0]);
        assert_eq!(line_starts("a\nb\r\nc\rd\r\r\n\n"), [0, 2, 5, 7, 9, 11, 12]);
        assert_eq!(line_starts("\r"), [0, 1]);
        assert_eq!(line_starts("\u{feff}a\r\nb"), [3, 6]);
        assert_eq!(line_starts("\u{feff}\n"), [3, 4]);
    }

    #[test]
    fn positions_count_characters_and_keep_bytes() {
        let f = file("a: 1\nbé: x\n");
        let p = f.pos(2, 4);
        assert_eq!((p.line(), p.column()), (2, 5));
        assert_eq!(&f.text[f.offset(p)..f.offset(p) + 1], "x");
        assert_eq!(f.pos_of_offset(f.offset(p)), p);
        assert_eq!(f.pos_at(2, 4), (p, f.offset(p)));
    }

    #[test]
    fn positions_from_a_nearby_one_match_positions_from_the_line_start() {
        let f = file("a: é, bé: [x, ÿ]\r\nc: 2\n\nd\n");
        let mut near = (Pos::default(), 0);
        for (line, col0) in [
            (1, 0),
            (1, 3),
            (1, 3),
            (1, 7),
            (1, 40),
            (1, 2),
            (2, 3),
            (3, 0),
            (4, 9),
            (9, 1),
        ] {
            let p = f.pos_from(near, line, col0);
            assert_eq!(
                p,
                f.pos_at(line, col0),
                "line {line}, column {col0} after {near:?}"
            );
            assert_eq!(f.offset(p.0), p.1);
            near = p;
        }
    }

    #[test]
    fn bom_and_crlf() {
        let f = file("\u{feff}a: 1\r\nb: 2\r\n");
        let p = f.offset(f.pos(1, 0));
        assert_eq!(&f.text[p..p + 1], "a");
        assert_eq!(f.line_text(1), "a: 1");
        let p = f.offset(f.pos(2, 3));
        assert_eq!(&f.text[p..p + 1], "2");
    }

    #[test]
    fn out_of_range_is_clamped() {
        let f = file("ab\n");
        // Just past the line's last character, and far past it.
        assert_eq!(f.pos_at(1, 2), (Pos::new(1, 3), 2));
        let p = f.pos(1, 10);
        assert_eq!(f.offset(p), 2);
        assert_eq!(p.column(), 3);
        let p = f.pos(9, 0);
        assert_eq!(p.line(), 2);
    }
}
