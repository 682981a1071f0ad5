//! YAML to a tree of spanned nodes.
//!
//! `saphyr-parser` gives a stream of events with positions; this module builds
//! the tree itself so that every node, key and value keeps its span, duplicate
//! keys are caught at the second key, and aliases and nesting stay within limits.

use std::collections::HashMap;

use compact_str::CompactString;
use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan};

use super::source::{Pos, SourceFile, Span};

mod scalar;
mod tree;

use scalar::*;
pub use tree::*;

/// Limits that keep hostile input from exhausting the stack or memory.
/// `[limits]` in `throughline.toml` can change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Limits {
    /// Largest spec file read, in bytes; a larger one is reported and skipped.
    pub max_file_size: u64,
    /// Deepest nesting of mappings and lists.
    pub max_depth: usize,
    /// Most nodes that aliases may expand to, per file.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: 10 * 1024 * 1024,
            max_depth: 100,
            max_alias_nodes: 10_000,
        }
    }
}

/// What went wrong while reading a file's YAML.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The text is not valid YAML, or it exceeds a limit; the document (or,
    /// for a limit, the rest of the file) is not read. `defines` holds the
    /// ids the unreadable document seems to define, with their spans.
    Syntax {
        message: String,
        at: Span,
        defines: Vec<(String, Span)>,
    },
    /// A mapping repeats a key; the first value is kept.
    DuplicateKey { key: String, at: Span, first: Span },
}

/// The documents of one file, and the problems met reading it.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Each complete document's root node, in file order. Empty documents are left out.
    pub documents: Vec<Node>,
    pub problems: Vec<Problem>,
}

/// Why the builder stopped reading: a syntax problem, and whether reading
/// may go on at the next document.
struct Halt {
    message: String,
    at: Span,
    resumable: bool,
}

impl Halt {
    fn new(message: String, at: Span, resumable: bool) -> Halt {
        Halt {
            message,
            at,
            resumable,
        }
    }
}

/// An open list or mapping. Its items (entries) so far are the tail of the
/// builder's `items` (`entries`) from `base`: one list for every open frame,
/// so each closed collection is allocated once, at its size.
enum Frame {
    Seq {
        base: usize,
        start: Pos,
        anchor: usize,
    },
    Map {
        base: usize,
        index: Option<HashMap<CompactString, usize>>,
        start: Pos,
        anchor: usize,
        key: Option<(CompactString, Span)>,
        /// The value being read belongs to a duplicate key and is dropped.
        skip: bool,
    },
}

/// Mappings with more keys than this get a hash index for duplicate detection.
const INDEX_AFTER: usize = 16;

struct Builder<'a> {
    file: &'a SourceFile,
    limits: Limits,
    stack: Vec<Frame>,
    /// The items and entries of the open frames, innermost last.
    items: Vec<Node>,
    entries: Vec<Entry>,
    anchors: HashMap<usize, (Node, usize)>,
    alias_nodes: usize,
    root: Option<Node>,
    out: Parsed,
    /// The last position read, with its byte offset: the next one is
    /// usually just after it.
    cursor: (Pos, usize),
    /// Lines of the file before the text being parsed (after a syntax error,
    /// parsing starts again further down).
    line_base: usize,
    /// The line the current document starts on.
    doc_line: usize,
}

/// Parses every document of `file`. A syntax error costs only the document
/// it is in: reading starts again at the next `---` line after that
/// document's start (a `---` at the start of a line always begins a document).
/// Exceeding a limit stops the file.
pub fn parse(file: &SourceFile, limits: Limits) -> Parsed {
    let mut b = Builder {
        file,
        limits,
        stack: Vec::new(),
        items: Vec::new(),
        entries: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
        root: None,
        out: Parsed::default(),
        cursor: (Pos::default(), 0),
        line_base: 0,
        doc_line: 1,
    };
    let mut start = 0;
    while let Some(stop) = b.parse_from(start) {
        b.stack.clear();
        b.items.clear();
        b.entries.clear();
        b.root = None;
        let damaged_from = b.doc_line;
        let Some(next) = next_document_line(file, damaged_from) else {
            b.damaged(damaged_from, file.line_count() + 1, stop);
            break;
        };
        b.damaged(damaged_from, next, stop);
        start = file.line_start(next);
        b.line_base = next - 1;
        b.doc_line = next;
        b.cursor = file.pos_at(next, 0);
    }
    b.out
}

/// The first line after `after` that starts a document (`---` alone or
/// followed by a space).
fn next_document_line(file: &SourceFile, after: usize) -> Option<usize> {
    (after + 1..=file.line_count()).find(|&n| {
        let line = file.line_text(n);
        line.strip_prefix("---")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
    })
}

/// A top-level `id: value` line of a damaged document.
fn damaged_id(line: &str) -> Option<(&str, usize)> {
    let rest = line.strip_prefix("id:")?;
    let value = rest.split(" #").next()?.trim();
    let value = value.trim_matches(|c| c == '"' || c == '\'');
    let column = line.find(value)?;
    crate::model::is_valid_id(value).then_some((value, column))
}
impl Builder<'_> {
    /// Parses the text from byte `start` (a line start) to its end or to the
    /// first problem. Returns where a syntax error stopped it when parsing
    /// may go on after the broken document, and `None` when the file is done.
    fn parse_from(&mut self, start: usize) -> Option<Span> {
        let file = self.file;
        for event in Parser::new_from_str(&file.text[start..]) {
            match event {
                Ok((event, span)) => {
                    if let Err(halt) = self.event(event, span) {
                        self.out.problems.push(Problem::Syntax {
                            message: halt.message,
                            at: halt.at,
                            defines: Vec::new(),
                        });
                        return halt.resumable.then_some(halt.at);
                    }
                }
                Err(e) => {
                    let m = e.marker();
                    let at = file.pos(m.line() + self.line_base, m.col());
                    // The scanner counts flow nesting in a byte; its own words
                    // for running out say nothing about what the file did.
                    let limit = e.info() == "recursion limit exceeded";
                    let message = if limit {
                        "`[` and `{` nested more than 255 deep; the file is not read further"
                            .to_string()
                    } else {
                        e.info().to_string()
                    };
                    let at = Span::new(at, at);
                    self.out.problems.push(Problem::Syntax {
                        message,
                        at,
                        defines: Vec::new(),
                    });
                    return (!limit).then_some(at);
                }
            }
        }
        None
    }

    /// Records the ids that the damaged lines `[from, to)` seem to define on
    /// the syntax error at `at`, so that references to them are not called
    /// broken while the document cannot be read.
    fn damaged(&mut self, from: usize, to: usize, at: Span) {
        let file = self.file;
        let ids: Vec<(String, Span)> = (from..to.min(file.line_count() + 1))
            .filter_map(|n| {
                let (id, column) = damaged_id(file.line_text(n))?;
                let start = file.line_start(n) + column;
                let (start, end) = (
                    file.pos_of_offset(start),
                    file.pos_of_offset(start + id.len()),
                );
                Some((id.to_string(), Span::new(start, end)))
            })
            .collect();
        if let Some(Problem::Syntax { defines, .. }) = self
            .out
            .problems
            .iter_mut()
            .rev()
            .find(|p| matches!(p, Problem::Syntax { at: a, .. } if *a == at))
        {
            *defines = ids;
        }
    }

    fn span(&mut self, s: YSpan) -> Span {
        let base = self.line_base;
        let start = self
            .file
            .pos_from(self.cursor, s.start.line() + base, s.start.col());
        let end = self.file.pos_from(start, s.end.line() + base, s.end.col());
        self.cursor = end;
        Span::new(start.0, end.0)
    }

    /// Takes one event; an error says whether parsing may go on after the
    /// broken document.
    fn event(&mut self, event: Event<'_>, yspan: YSpan) -> Result<(), Halt> {
        let span = self.span(yspan);
        match event {
            Event::DocumentStart(_) => {
                self.doc_line = span.start.line().max(self.line_base + 1);
                self.stack.clear();
                self.items.clear();
                self.entries.clear();
                self.anchors.clear();
                self.root = None;
            }
            Event::DocumentEnd => {
                if let Some(root) = self.root.take()
                    && root.value != Value::Null
                {
                    self.out.documents.push(root);
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.map(|t| t.suffix.clone());
                let value = resolve_scalar(&text, style, tag.as_deref());
                self.complete(Node { value, span }, anchor);
            }
            Event::Alias(id) => {
                let Some((node, count)) = self.anchors.get(&id) else {
                    return Err(Halt::new("alias to an unknown anchor".into(), span, true));
                };
                self.alias_nodes += count;
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(Halt::new(
                        format!(
                            "aliases expand to more than {} nodes; the file is not read further",
                            self.limits.max_alias_nodes
                        ),
                        span,
                        false,
                    ));
                }
                let mut node = node.clone();
                node.span = span;
                self.complete(node, 0);
            }
            Event::SequenceStart(anchor, _) => {
                self.open(
                    Frame::Seq {
                        base: self.items.len(),
                        start: span.start,
                        anchor,
                    },
                    span,
                )?;
            }
            Event::MappingStart(anchor, _) => {
                self.open(
                    Frame::Map {
                        base: self.entries.len(),
                        index: None,
                        start: span.start,
                        anchor,
                        key: None,
                        skip: false,
                    },
                    span,
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, start, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        base,
                        start,
                        anchor,
                    }) => (
                        Value::Seq(self.items.drain(base..).collect()),
                        start,
                        anchor,
                    ),
                    Some(Frame::Map {
                        base,
                        start,
                        anchor,
                        ..
                    }) => (
                        Value::Map(self.entries.drain(base..).collect()),
                        start,
                        anchor,
                    ),
                    None => return Ok(()),
                };
                let end = match &value {
                    // A block collection ends where its last child ends; a flow
                    // one at its closing bracket.
                    Value::Seq(items) if span.start == span.end => {
                        items.last().map_or(span.end, |n| n.span.end)
                    }
                    Value::Map(entries) if span.start == span.end => {
                        entries.last().map_or(span.end, |e| e.value.span.end)
                    }
                    _ => span.end,
                };
                self.complete(
                    Node {
                        value,
                        span: Span::new(start, end.max(start)),
                    },
                    anchor,
                );
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, span: Span) -> Result<(), Halt> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(Halt::new(
                format!(
                    "nesting deeper than {} levels; the file is not read further",
                    self.limits.max_depth
                ),
                span,
                false,
            ));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Places a finished node into its parent (or makes it the document's root).
    fn complete(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            let count = node.count();
            self.anchors.insert(anchor, (node.clone(), count));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { .. }) => self.items.push(node),
            Some(Frame::Map {
                base,
                index,
                key,
                skip,
                ..
            }) => match key.take() {
                Some((key, key_span)) => {
                    if !std::mem::take(skip) {
                        let entries = &mut self.entries;
                        let len = entries.len() - *base;
                        if let Some(index) = index {
                            index.insert(key.clone(), len);
                        } else if len >= INDEX_AFTER {
                            let mut map: HashMap<CompactString, usize> = entries[*base..]
                                .iter()
                                .enumerate()
                                .map(|(i, e)| (e.key.clone(), i))
                                .collect();
                            map.insert(key.clone(), len);
                            *index = Some(map);
                        }
                        entries.push(Entry {
                            key,
                            key_span,
                            value: node,
                        });
                    }
                }
                None => {
                    let key_text = key_string(&node);
                    let entries = &self.entries[*base..];
                    let first = match index {
                        Some(index) => index.get(&key_text).map(|&i| entries[i].key_span),
                        None => entries
                            .iter()
                            .find(|e| e.key == key_text)
                            .map(|e| e.key_span),
                    };
                    if let Some(first) = first {
                        self.out.problems.push(Problem::DuplicateKey {
                            key: key_text.to_string(),
                            at: node.span,
                            first,
                        });
                        *skip = true;
                    }
                    *key = Some((key_text, node.span));
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_stay_small() {
        // The memory figures of docs/benchmarks.md rest on this layout.
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<Node>(), 40);
        assert_eq!(std::mem::size_of::<Entry>(), 80);
    }

    fn parse_str(text: &str) -> Parsed {
        let file = SourceFile::new("t.yaml".into(), "t.yaml".into(), text);
        parse(&file, Limits::default())
    }

    fn at(text: &str, span: Span) -> &str {
        let file = SourceFile::new("t.yaml".into(), "t.yaml".into(), text);
        &text[file.offset(span.start)..file.offset(span.end)]
    }

    #[test]
    fn spans_survive_nesting() {
        let text =
            "kind: Goal\nmetric:\n  name: Ünits\n  tags: [a, \"b\"]\nlist:\n  - x: 1\n    y: two\n";
        let p = parse_str(text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let root = &p.documents[0];
        let metric = root.get("metric").unwrap();
        assert_eq!(metric.span.start.line(), 3);
        let name = metric.get("name").unwrap();
        assert_eq!(at(text, name.span), "Ünits");
        assert_eq!((name.span.start.line(), name.span.start.column()), (3, 9));
        let tags = metric.get("tags").unwrap().as_seq().unwrap();
        assert_eq!(at(text, tags[1].span), "\"b\"");
        let y = root.get("list").unwrap().as_seq().unwrap()[0]
            .get("y")
            .unwrap();
        assert_eq!(at(text, y.span), "two");
        assert_eq!(y.span.start.line(), 7);
        let key = root.entry("metric").unwrap().key_span;
        assert_eq!(at(text, key), "metric");
    }

    #[test]
    fn core_schema_scalars() {
        let p = parse_str(
            "a: 1\nb: -2.5\nc: true\nd: ~\ne: '1'\nf: 2026-01-01\ng: 0x1F\nh: 1e3\ni: .5\nj: 99999999999999999999\nk: 1.2.3\n\
             l: +5\nm: 0o17\nn: e5\no: +.5\np: -1e-3\nq: x0\nr: _1\n",
        );
        let r = &p.documents[0];
        assert_eq!(r.get("a").unwrap().value, Value::Int(1));
        assert_eq!(r.get("b").unwrap().value, Value::Float(-2.5));
        assert_eq!(r.get("c").unwrap().value, Value::Bool(true));
        assert_eq!(r.get("d").unwrap().value, Value::Null);
        assert_eq!(r.get("e").unwrap().value, Value::String("1".into()));
        assert_eq!(r.get_str("f"), Some("2026-01-01"));
        assert_eq!(r.get("g").unwrap().value, Value::Int(31));
        assert_eq!(r.get("h").unwrap().value, Value::Float(1000.0));
        assert_eq!(r.get("i").unwrap().value, Value::Float(0.5));
        assert_eq!(r.get("j").unwrap().value, Value::Float(1e20));
        assert_eq!(r.get_str("k"), Some("1.2.3"));
        assert_eq!(r.get("l").unwrap().value, Value::Int(5));
        assert_eq!(r.get("m").unwrap().value, Value::Int(15));
        assert_eq!(r.get_str("n"), Some("e5"));
        assert_eq!(r.get("o").unwrap().value, Value::Float(0.5));
        assert_eq!(r.get("p").unwrap().value, Value::Float(-0.001));
        assert_eq!(r.get_str("q"), Some("x0"));
        assert_eq!(r.get_str("r"), Some("_1"));
    }

    #[test]
    fn duplicate_key_points_at_second_key() {
        let text = "id: a\nname: x\nid: b\n";
        let p = parse_str(text);
        match &p.problems[..] {
            [Problem::DuplicateKey { key, at, first }] => {
                assert_eq!(key, "id");
                assert_eq!((at.start.line(), at.start.column()), (3, 1));
                assert_eq!(first.start.line(), 1);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(p.documents[0].get_str("id"), Some("a"));
    }

    #[test]
    fn distinct_complex_keys_are_not_duplicates() {
        // yaml-test-suite M5DY
        let text = "? - Detroit Tigers\n  - Chicago cubs\n: - 2001-07-23\n\n? [ New York Yankees,\n    Atlanta Braves ]\n: [ 2001-07-02, 2001-08-12,\n    2001-08-14 ]\n";
        let p = parse_str(text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.documents[0].as_map().unwrap().len(), 2);
        let p = parse_str("? [a, b]\n: 1\n? [a, b]\n: 2\n");
        assert!(matches!(&p.problems[..], [Problem::DuplicateKey { .. }]));
    }

    #[test]
    fn duplicate_keys_in_large_mappings() {
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("k7: again\n");
        let p = parse_str(&text);
        assert!(matches!(&p.problems[..], [Problem::DuplicateKey { key, .. }] if key == "k7"));
    }

    #[test]
    fn syntax_error_keeps_earlier_documents() {
        let p = parse_str("a: 1\n---\nb: [1, 2\nc: 3\n");
        assert_eq!(p.documents.len(), 1);
        match &p.problems[..] {
            [Problem::Syntax { at, .. }] => assert_eq!(at.start.line(), 4),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_syntax_error_costs_only_its_document() {
        let text = "id: a\n bad: [\n---\nid: b\nname: Bé\n---\nid: c\n";
        let p = parse_str(text);
        let ids: Vec<_> = p.documents.iter().map(|d| d.get_str("id")).collect();
        assert_eq!(ids, [Some("b"), Some("c")]);
        let name = p.documents[0].get("name").unwrap();
        assert_eq!((name.span.start.line(), name.span.start.column()), (5, 7));
        assert_eq!(at(text, name.span), "Bé");
        match &p.problems[..] {
            [Problem::Syntax { defines, .. }] => {
                assert_eq!(defines.len(), 1);
                assert_eq!(defines[0].0, "a");
                assert_eq!(at(text, defines[0].1), "a");
            }
            other => panic!("{other:?}"),
        }
        // Two broken documents, each reported.
        let p = parse_str("a: [\n---\nb: {\n---\nc: 1\n");
        assert_eq!(p.documents.len(), 1);
        assert_eq!(p.problems.len(), 2, "{:?}", p.problems);
    }

    #[test]
    fn empty_documents_are_skipped() {
        let p = parse_str("---\n# only a comment\n---\na: 1\n---\n");
        assert_eq!(p.documents.len(), 1);
        assert!(p.problems.is_empty());
    }

    #[test]
    fn alias_bombs_stop_at_the_limit() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            text.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        let p = parse_str(&text);
        assert!(
            matches!(&p.problems[..], [Problem::Syntax { message, .. }] if message.contains("aliases"))
        );
    }

    #[test]
    fn deep_nesting_stops_at_the_limit() {
        // Flow nesting: the parser's own recursion limit answers.
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let p = parse_str(&text);
        assert!(matches!(&p.problems[..], [Problem::Syntax { .. }]));
        // Block nesting: ours does.
        let text: String = (0..150)
            .map(|i| format!("{}- \n", "  ".repeat(i)))
            .collect();
        let p = parse_str(&text);
        assert!(
            matches!(&p.problems[..], [Problem::Syntax { message, .. }] if message.contains("nesting")),
            "{:?}",
            p.problems
        );
    }
}
