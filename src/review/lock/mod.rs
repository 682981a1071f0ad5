//! `throughline.lock` (CONTRACT §10): one line per reviewed link, sorted,
//! so that two branches that review different links merge without a
//! conflict, and a review shows in `git log -p` as the lines it changed.

use std::sync::Arc;

use compact_str::CompactString;

use super::fingerprint;

mod read;
pub use read::parse;

/// The file's name, at the workspace's root.
pub const FILE_NAME: &str = "throughline.lock";

/// The first line of a lock this version writes.
pub const HEADER: &str = "# throughline.lock v1";

/// The format version this throughline reads and writes.
const VERSION: u32 = 1;

/// A link, as the lock names it: `(child, field, parent)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Link {
    pub child: CompactString,
    /// The field as CONTRACT §8 writes it (`contributesTo`, `usagePatterns[].consumer`).
    pub field: CompactString,
    pub parent: CompactString,
}

/// One reviewed link: the parent's fingerprint when it was reviewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub link: Link,
    pub fingerprint: CompactString,
    /// HEAD when the stamp was written; `None` outside git.
    pub commit: Option<CompactString>,
    /// The stamp's line (1-based).
    pub line: usize,
}

impl Stamp {
    /// The stamp as one line of the lock, without its end.
    pub fn to_line(&self) -> String {
        let Link {
            child,
            field,
            parent,
        } = &self.link;
        match &self.commit {
            Some(commit) => format!("{child} {field} {parent} {} {commit}", self.fingerprint),
            None => format!("{child} {field} {parent} {}", self.fingerprint),
        }
    }
}

/// A lock, read. Its stamps stay in the lock's text, each one the offsets
/// of its five fields: a check of a full lock copies no name, and a stamp
/// is made a [`Stamp`] only when someone asks for it.
#[derive(Debug, Clone, Default)]
pub struct Lock {
    text: Arc<str>,
    /// The first stamp of each link, in line order.
    first: Vec<Entry>,
    /// Later stamps of a link already stamped (a merge that kept both
    /// sides): reported, and consulted when the first one is out of date.
    later: Vec<Entry>,
    /// Lines that say something this version cannot read: a lock with any
    /// is not rewritten by `review`, so that nothing in it is lost.
    pub unreadable: Vec<usize>,
    /// Whether the header names a later format: none of the lines is read.
    pub newer: bool,
    /// `(hash of the link, position in first)`, sorted by hash, and a link's
    /// names are read only to confirm a match.
    index: Vec<(u64, u32)>,
    /// Where in `index` the hashes of each value of their top
    /// [`Lock::bits`] bits start (one more entry than values): a lookup
    /// reads one of these, then the few entries it points at.
    starts: Vec<u32>,
    bits: u32,
}

/// Where one stamp's fields are in the lock's text: `[start, end)` of the
/// child, the field, the parent, the fingerprint and the commit (empty
/// when the line has none), and its line (1-based).
#[derive(Debug, Clone, Copy)]
struct Entry {
    fields: [(u32, u32); 5],
    line: u32,
}

impl Entry {
    fn part<'t>(&self, text: &'t str, i: usize) -> &'t str {
        let (start, end) = self.fields[i];
        &text[start as usize..end as usize]
    }

    fn is(&self, text: &str, child: &str, field: &str, parent: &str) -> bool {
        self.part(text, 0) == child && self.part(text, 1) == field && self.part(text, 2) == parent
    }
}

fn key_hash(child: &str, field: &str, parent: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one((child, field, parent))
}

impl Lock {
    /// The stamp of `link`, if it has one.
    pub fn get(&self, link: &Link) -> Option<Stamp> {
        self.find(&link.child, &link.field, &link.parent)
    }

    /// The stamp of the link `(child, field, parent)`, if it has one.
    pub fn find(&self, child: &str, field: &str, parent: &str) -> Option<Stamp> {
        self.entry(child, field, parent).map(|e| self.stamp(e))
    }

    /// The fingerprint the link `(child, field, parent)` is stamped with,
    /// if it has a stamp: the one lookup of a check, with no copy.
    pub fn fingerprint_of(&self, child: &str, field: &str, parent: &str) -> Option<&str> {
        self.entry(child, field, parent)
            .map(|e| e.part(&self.text, 3))
    }

    fn entry(&self, child: &str, field: &str, parent: &str) -> Option<&Entry> {
        if self.index.is_empty() {
            return None;
        }
        let hash = key_hash(child, field, parent);
        let bucket = (hash >> (64 - self.bits)) as usize;
        let run = self.starts[bucket] as usize..self.starts[bucket + 1] as usize;
        self.index[run]
            .iter()
            .filter(|&&(h, _)| h == hash)
            .map(|&(_, i)| &self.first[i as usize])
            .find(|e| e.is(&self.text, child, field, parent))
    }

    /// Whether one of the stamps of `(child, field, parent)` is `fingerprint`.
    pub fn reviewed(&self, child: &str, field: &str, parent: &str, fingerprint: &str) -> bool {
        self.fingerprint_of(child, field, parent) == Some(fingerprint)
            || self.later.iter().any(|e| {
                e.is(&self.text, child, field, parent) && e.part(&self.text, 3) == fingerprint
            })
    }

    /// Every stamp of `link`, the first one first (more than one only in
    /// a lock with duplicate lines).
    pub fn all_of<'a>(&'a self, link: &'a Link) -> impl Iterator<Item = Stamp> + 'a {
        self.get(link).into_iter().chain(
            self.later
                .iter()
                .filter(move |e| e.is(&self.text, &link.child, &link.field, &link.parent))
                .map(|e| self.stamp(e)),
        )
    }

    /// The first stamp of each link, in line order.
    pub fn stamps(&self) -> impl ExactSizeIterator<Item = Stamp> + '_ {
        self.first.iter().map(|e| self.stamp(e))
    }

    /// How many stamps repeat a link stamped on an earlier line.
    pub fn duplicates(&self) -> usize {
        self.later.len()
    }

    pub fn is_empty(&self) -> bool {
        self.first.is_empty()
    }

    fn stamp(&self, e: &Entry) -> Stamp {
        let part = |i| e.part(&self.text, i);
        let commit = part(4);
        Stamp {
            link: Link {
                child: part(0).into(),
                field: part(1).into(),
                parent: part(2).into(),
            },
            fingerprint: part(3).into(),
            commit: (!commit.is_empty()).then(|| commit.to_ascii_lowercase().into()),
            line: e.line as usize,
        }
    }

    /// Builds the index and moves every later stamp of a link (in line
    /// order) to `later`; returns each as (its line, the first's line).
    fn settle(&mut self, mut hashes: Vec<u64>) -> Vec<(usize, usize)> {
        let mut index = indexed(&hashes);
        let mut later = vec![false; self.first.len()];
        let mut pairs = Vec::new();
        let text = &self.text;
        let same = |a: &Entry, b: &Entry| (0..3).all(|i| a.part(text, i) == b.part(text, i));
        // Stamps of one link share a hash, and sort by position within it.
        let mut run = 0;
        while run < index.len() {
            let end = run + index[run..].partition_point(|&(h, _)| h == index[run].0);
            for a in run..end {
                let first = index[a].1 as usize;
                if later[first] {
                    continue;
                }
                for &(_, b) in &index[a + 1..end] {
                    let b = b as usize;
                    if !later[b] && same(&self.first[b], &self.first[first]) {
                        later[b] = true;
                        pairs.push((self.first[b].line as usize, self.first[first].line as usize));
                    }
                }
            }
            run = end;
        }
        if !pairs.is_empty() {
            pairs.sort_unstable();
            let entries = std::mem::take(&mut self.first);
            let all = std::mem::take(&mut hashes);
            for ((entry, hash), later) in entries.into_iter().zip(all).zip(later) {
                if later {
                    self.later.push(entry);
                } else {
                    self.first.push(entry);
                    hashes.push(hash);
                }
            }
            index = indexed(&hashes);
        }
        // About one stamp per value of the top bits.
        self.bits = index.len().max(2).next_power_of_two().trailing_zeros();
        self.starts = Vec::with_capacity((1 << self.bits) + 1);
        let mut at = 0;
        for bucket in 0..=(1u64 << self.bits) {
            while at < index.len() && index[at].0 >> (64 - self.bits) < bucket {
                at += 1;
            }
            self.starts.push(at as u32);
        }
        self.index = index;
        pairs
    }

    /// The lock's text: the header and each stamp's line, sorted by byte
    /// order, each ended by `\n`.
    pub fn render(stamps: &[Stamp]) -> String {
        let mut lines: Vec<String> = stamps.iter().map(Stamp::to_line).collect();
        lines.sort_unstable();
        lines.dedup();
        let mut text = String::with_capacity(HEADER.len() + 1 + lines.len() * 120);
        text.push_str(HEADER);
        text.push('\n');
        for line in lines {
            text.push_str(&line);
            text.push('\n');
        }
        text
    }
}

/// `(hash, position)` of each of `hashes`, sorted.
fn indexed(hashes: &[u64]) -> Vec<(u64, u32)> {
    let mut index: Vec<(u64, u32)> = (0u32..).zip(hashes).map(|(i, &h)| (h, i)).collect();
    index.sort_unstable();
    index
}

#[cfg(test)]
mod tests {
    use super::read::CHUNK;
    use super::*;
    use crate::diagnostic::{Diagnostic, Rule};
    use crate::load::source::SourceFile;
    use std::path::PathBuf;

    fn read(text: &str) -> (Lock, Vec<Diagnostic>) {
        let file = SourceFile::new(FILE_NAME.into(), PathBuf::from(FILE_NAME), text);
        parse(0, &file)
    }

    fn fp(c: char) -> String {
        format!("tl1:{}", c.to_string().repeat(64))
    }

    fn lines(found: &[Diagnostic]) -> Vec<usize> {
        found
            .iter()
            .map(|d| d.location.unwrap().span.start.line())
            .collect()
    }

    #[test]
    fn a_written_lock_reads_back_the_same() {
        let stamps = vec![
            Stamp {
                link: Link {
                    child: "g-b".into(),
                    field: "contributesTo".into(),
                    parent: "ns".into(),
                },
                fingerprint: fp('a').into(),
                commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
                line: 0,
            },
            Stamp {
                link: Link {
                    child: "dp".into(),
                    field: "usagePatterns[].consumer".into(),
                    parent: "c".into(),
                },
                fingerprint: fp('b').into(),
                commit: None,
                line: 0,
            },
        ];
        let text = Lock::render(&stamps);
        assert!(
            text.starts_with("# throughline.lock v1\ndp usagePatterns[].consumer c tl1:"),
            "{text}"
        );
        let (lock, found) = read(&text);
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(lock.stamps().len(), 2);
        let read: Vec<Stamp> = lock.stamps().collect();
        assert_eq!(read[1].commit.as_deref(), stamps[0].commit.as_deref());
        assert_eq!(Lock::render(&read), text);
    }

    #[test]
    fn crlf_reads_as_lf() {
        let text = format!("{HEADER}\r\ng contributesTo ns {}\r\n", fp('c'));
        let (lock, found) = read(&text);
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(lock.stamps().next().unwrap().fingerprint, fp('c'));
    }

    #[test]
    fn every_link_of_a_large_lock_is_found_and_repeats_point_at_the_first() {
        let mut text = format!("{HEADER}\n");
        for i in 0..2000 {
            text.push_str(&format!("c{i} contributesTo p{} {}\n", i % 7, fp('a')));
        }
        text.push_str(&format!("c5 contributesTo p5 {}\n", fp('b')));
        text.push_str(&format!("c5 contributesTo p5 {}\n", fp('c')));
        let (lock, found) = read(&text);
        assert_eq!(lines(&found), [2002, 2003], "{found:?}");
        assert!(
            found
                .iter()
                .all(|d| d.message.contains("first is on line 7"))
        );
        for i in 0..2000 {
            let stamp = lock.find(&format!("c{i}"), "contributesTo", &format!("p{}", i % 7));
            assert_eq!(stamp.map(|s| s.line), Some(i + 2));
        }
        assert!(lock.find("c1", "contributesTo", "p2").is_none());
        assert!(lock.find("c1", "goals", "p1").is_none());
        assert!(lock.reviewed("c5", "contributesTo", "p5", &fp('c')));
        assert!(!lock.reviewed("c5", "contributesTo", "p5", &fp('d')));
    }

    #[test]
    fn bad_lines_far_into_a_large_crlf_lock_are_found_at_their_lines() {
        // Several pieces of CHUNK bytes, blank lines among them, and lines
        // that are not stamps on both sides of the pieces' seams.
        let mut text = format!("{HEADER}\r\n");
        let mut bad = Vec::new();
        let mut n = 1;
        for i in 0..6000 {
            n += 1;
            if i % 997 == 0 {
                text.push_str("# a note\r\n");
                bad.push(n);
            } else if i % 1499 == 0 {
                text.push_str("\r\n");
            } else if i % 701 == 0 {
                text.push_str(&format!("c{i} contributesTo p {}x\r\n", fp('a')));
                bad.push(n);
            } else {
                text.push_str(&format!("c{i} contributesTo p {}\r\n", fp('a')));
            }
        }
        assert!(text.len() > 4 * CHUNK);
        let (lock, found) = read(&text);
        assert_eq!(lines(&found), bad, "{found:?}");
        assert_eq!(lock.unreadable, bad);
        let stamp = lock
            .find("c5999", "contributesTo", "p")
            .expect("the last stamp");
        assert_eq!(stamp.line, 6001);
        assert_eq!(stamp.fingerprint, fp('a'));
        assert_eq!(lock.stamps().len(), 6000 - bad.len() - 4);
    }

    #[test]
    fn each_bad_line_is_a_finding_at_its_line() {
        let text = format!(
            "{HEADER}\ng contributesTo ns\ng contributesTo ns tl2:{}\ng contributesTo ns {} abc\n<<<<<<< HEAD\n# note\nh goals g {}\nh goals g {}\n",
            "0".repeat(64),
            fp('a'),
            fp('a'),
            fp('b'),
        );
        let (lock, found) = read(&text);
        assert_eq!(lines(&found), [2, 3, 4, 5, 6, 8], "{found:?}");
        assert!(found.iter().all(|d| d.rule == Rule::LockInvalid));
        assert!(
            found[1].message.contains("unknown scheme `tl2`"),
            "{}",
            found[1].message
        );
        assert!(found[3].message.contains("merge conflict"));
        assert!(found[5].message.contains("first is on line 7"));
        assert_eq!(lock.unreadable, [2, 3, 4, 5, 6]);
        assert_eq!(lock.stamps().len(), 1);
        let link = &lock.stamps().next().unwrap().link;
        assert_eq!(lock.all_of(link).count(), 2);
    }

    #[test]
    fn a_newer_format_is_read_not_at_all() {
        let (lock, found) = read(&format!(
            "# throughline.lock v2\ng contributesTo ns {}\n",
            fp('a')
        ));
        assert!(lock.newer && lock.is_empty());
        assert_eq!(lines(&found), [1]);
        assert!(found[0].message.contains("newer throughline"));
    }

    #[test]
    fn a_missing_header_is_reported_and_the_stamps_read() {
        let (lock, found) = read(&format!("g contributesTo ns {}\n", fp('a')));
        assert_eq!(lines(&found), [1]);
        assert_eq!(lock.stamps().len(), 1);
        assert!(lock.unreadable.is_empty());
    }
}
