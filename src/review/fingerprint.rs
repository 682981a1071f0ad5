//! A parent's fingerprint (CONTRACT §10): `tl1:` and the SHA-256 of the
//! canonical JSON of its significant fields.
//!
//! Canonical means: object keys sorted by their UTF-8 bytes (a repeated key
//! keeps its first value, as everywhere else), no whitespace, strings escaped
//! as JSON requires and nothing more (non-ASCII stays UTF-8), integers as
//! integers and other numbers as their shortest round-trip form (`0.5`,
//! `2.0`, `1e+20`, as serde_json writes them); a NaN or an infinity, which JSON cannot hold, as the
//! string `NaN`, `inf` or `-inf`. So the text's layout, comments, key order,
//! quoting style and the file it lives in never change a fingerprint.

use std::io::Write as _;

use sha2::{Digest, Sha256};

use crate::load::yaml::{Node, Value};
use crate::model::Kind;

/// The scheme this version writes, and the only one it reads.
pub const SCHEME: &str = "tl1";

/// Top-level fields that say who holds an entity or how far along it is,
/// not what it says: a change to them does not ask for a review.
const INSIGNIFICANT: &[&str] = &["owner", "status", "tags", "reviewBy", "allow"];

/// Fields `[review] ignore` leaves out of every fingerprint, or of one kind's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ignore {
    /// Bare names: left out for every kind.
    pub all: Vec<String>,
    /// `Kind.field`: left out for that kind only.
    pub by_kind: Vec<(Kind, String)>,
}

impl Ignore {
    /// Reads `[review] ignore`: `field` or `Kind.field`, the kind as spelt
    /// in `kind:`; a mistake is explained.
    pub fn parse(entries: &[String]) -> Result<Ignore, String> {
        let mut ignore = Ignore::default();
        for entry in entries {
            match entry.split_once('.') {
                None if !entry.is_empty() => ignore.all.push(entry.clone()),
                Some((kind, field)) if !field.is_empty() && !field.contains('.') => {
                    let Some(k) = Kind::from_name(kind) else {
                        let hint = crate::suggest::hint(kind, Kind::ALL.iter().map(|k| k.name()));
                        return Err(format!(
                            "[review] ignore: unknown kind `{kind}` in `{entry}`{hint}"
                        ));
                    };
                    ignore.by_kind.push((k, field.to_string()));
                }
                _ => {
                    return Err(format!(
                        "[review] ignore: `{entry}` is neither a field (`description`) nor a kind's field (`Goal.successIndicators`)"
                    ));
                }
            }
        }
        Ok(ignore)
    }

    /// Whether the top-level `field` of an entity of `kind` is left out.
    pub fn drops(&self, kind: Option<Kind>, field: &str) -> bool {
        INSIGNIFICANT.contains(&field)
            || self.all.iter().any(|f| f == field)
            || self
                .by_kind
                .iter()
                .any(|(k, f)| Some(*k) == kind && f == field)
    }

    /// Whether the field at `path` (the notation of CONTRACT §8:
    /// `successIndicators[0].current`) is left out of an entity of `kind`'s
    /// fingerprint: the diff of two versions shows only the fields that count.
    pub fn drops_path(&self, kind: Option<Kind>, path: &str) -> bool {
        let top = path.split(['.', '[']).next().unwrap_or(path);
        if self.drops(kind, top) {
            return true;
        }
        let steps: Vec<&str> = path.split('.').collect();
        matches!(steps.as_slice(), ["metric", "current"])
            || matches!(steps.as_slice(), [list, "current"] if list.starts_with("successIndicators["))
    }
}

/// The fingerprint of the entity `node` (a document's tree) of `kind`.
pub fn fingerprint(node: &Node, kind: Option<Kind>, ignore: &Ignore) -> String {
    thread_local! {
        // One buffer per thread, reused: no allocation per entity.
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let digest = BUFFER.with_borrow_mut(|out| {
        out.clear();
        canonical_entity(node, kind, ignore, out);
        Sha256::digest(&out[..])
    });
    let mut text = String::with_capacity(SCHEME.len() + 1 + 64);
    text.push_str(SCHEME);
    text.push(':');
    for byte in digest.iter() {
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    text
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The canonical JSON the fingerprint hashes (for tests and for `review
/// --show`'s explanation of what counts).
pub fn canonical(node: &Node, kind: Option<Kind>, ignore: &Ignore) -> String {
    let mut out = Vec::new();
    canonical_entity(node, kind, ignore, &mut out);
    String::from_utf8(out).expect("canonical JSON is UTF-8")
}

fn canonical_entity(node: &Node, kind: Option<Kind>, ignore: &Ignore, out: &mut Vec<u8>) {
    let Value::Map(entries) = &node.value else {
        write_value(node, &Skip::None, out);
        return;
    };
    out.push(b'{');
    let mut first = true;
    for_each_sorted(entries, |key, value| {
        if ignore.drops(kind, key) {
            return;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        write_string(key, out);
        out.push(b':');
        let skip = match key {
            "metric" => Skip::Current,
            "successIndicators" => Skip::CurrentOfItems,
            _ => Skip::None,
        };
        write_value(value, &skip, out);
    });
    out.push(b'}');
}

/// What a nested value leaves out: the measured `current` of the North
/// Star's metric, or of each success indicator.
enum Skip {
    None,
    Current,
    CurrentOfItems,
}

/// A mapping's entries in key order, the first of a repeated key only.
/// Most mappings are small: their order is found on the stack.
fn for_each_sorted<'n>(
    entries: &'n [crate::load::yaml::Entry],
    mut f: impl FnMut(&'n str, &'n Node),
) {
    const SMALL: usize = 32;
    let key = |i: usize| entries[i].key.as_bytes();
    let mut emit = |order: &mut dyn Iterator<Item = usize>| {
        let mut last: Option<&[u8]> = None;
        for i in order {
            if last == Some(key(i)) {
                continue;
            }
            last = Some(key(i));
            f(entries[i].key.as_str(), &entries[i].value);
        }
    };
    if entries.len() <= SMALL {
        let mut small = [0u8; SMALL];
        let order = &mut small[..entries.len()];
        for (i, slot) in order.iter_mut().enumerate() {
            *slot = i as u8;
        }
        // Insertion sort, stable: a repeated key's first value sorts first.
        for i in 1..order.len() {
            let mut j = i;
            while j > 0 && key(usize::from(order[j - 1])) > key(usize::from(order[j])) {
                order.swap(j - 1, j);
                j -= 1;
            }
        }
        emit(&mut order.iter().map(|&i| usize::from(i)));
    } else {
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by(|&a, &b| key(a).cmp(key(b)));
        emit(&mut order.into_iter());
    }
}

fn write_value(node: &Node, skip: &Skip, out: &mut Vec<u8>) {
    match &node.value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => match serde_json::Number::from_f64(*f) {
            Some(n) => out.extend_from_slice(n.to_string().as_bytes()),
            None if f.is_nan() => write_string("NaN", out),
            None if *f > 0.0 => write_string("inf", out),
            None => write_string("-inf", out),
        },
        Value::String(s) => write_string(s, out),
        Value::Seq(items) => {
            out.push(b'[');
            let inner = match skip {
                Skip::CurrentOfItems => Skip::Current,
                _ => Skip::None,
            };
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, &inner, out);
            }
            out.push(b']');
        }
        Value::Map(entries) => {
            out.push(b'{');
            let mut first = true;
            for_each_sorted(entries, |key, value| {
                if matches!(skip, Skip::Current) && key == "current" {
                    return;
                }
                if !first {
                    out.push(b',');
                }
                first = false;
                write_string(key, out);
                out.push(b':');
                write_value(value, &Skip::None, out);
            });
            out.push(b'}');
        }
    }
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    // Runs of bytes that need no escape are copied whole (every byte of a
    // multi-byte UTF-8 character is at least 0x80, so bytes suffice); the
    // next byte to escape is found eight bytes at a time.
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            match first_to_escape(word) {
                None => {
                    i += 8;
                    continue;
                }
                Some(at) => i += at,
            }
        } else {
            // The last few bytes, padded with bytes that need no escape.
            let mut tail = [b'a'; 8];
            tail[..bytes.len() - i].copy_from_slice(&bytes[i..]);
            match first_to_escape(u64::from_le_bytes(tail)) {
                None => break,
                Some(at) => i += at,
            }
        }
        let b = bytes[i];
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..0x20 => {
                out.extend_from_slice(&bytes[run..i]);
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
                i += 1;
                run = i;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[run..i]);
        out.extend_from_slice(escape);
        i += 1;
        run = i;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// The index of the first of the eight bytes of `word` (little-endian)
/// that JSON escapes: a control character, `"` or `\\`.
fn first_to_escape(word: u64) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte's high bit is set in each mask where the byte is below 0x20,
    // or equal to the one tested; bytes of 0x80 and above never count.
    let below = word.wrapping_sub(ONES * 0x20);
    let quote = (word ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES);
    let backslash = (word ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES);
    let found = (below | quote | backslash) & !word & HIGH;
    (found != 0).then(|| found.trailing_zeros() as usize / 8)
}

/// Whether `text` is a fingerprint of [`SCHEME`], quickly: [`validate`]
/// says what is wrong with one that is not.
pub fn is_valid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == SCHEME.len() + 1 + 64
        && bytes.starts_with(SCHEME.as_bytes())
        && bytes[SCHEME.len()] == b':'
        && bytes[SCHEME.len() + 1..]
            .iter()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `text` is a fingerprint of [`SCHEME`]: `tl1:` and 64 lowercase
/// hex digits. `Err` says what is wrong with it.
pub fn validate(text: &str) -> Result<(), String> {
    let Some((scheme, hex)) = text.split_once(':') else {
        return Err(format!(
            "`{text}` is not a fingerprint (`{SCHEME}:` and 64 hex digits)"
        ));
    };
    if scheme != SCHEME {
        let newer = scheme
            .strip_prefix("tl")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        return Err(if newer {
            format!(
                "fingerprint of an unknown scheme `{scheme}` (this throughline reads `{SCHEME}`): it was written by a newer throughline; upgrade to check it"
            )
        } else {
            format!("`{text}` is not a fingerprint (`{SCHEME}:` and 64 hex digits)")
        });
    }
    if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(format!(
            "`{text}` is not a fingerprint: `{SCHEME}:` is followed by 64 lowercase hex digits"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_json_escapes_them() {
        let mut text: String = (0u32..0x80).filter_map(char::from_u32).collect();
        text.push_str("é → 😀 \u{7f}\u{2028}");
        let mut out = Vec::new();
        write_string(&text, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(&text).unwrap()
        );
        // Each byte to escape at each place of a word, after plain text,
        // multi-byte characters or another byte to escape.
        for special in ["\"", "\\", "\n", "\u{0}", "\u{1f}"] {
            for before in ["", "a", "é", "\n", "\u{7f}", " !#[]", "😀😀"] {
                for at in 0..17 {
                    // Near the end of the string, too, and in short ones.
                    for text in [
                        format!("{}{before}{special}xyzé\"", "ab".repeat(at)),
                        format!("{}{before}{special}", "a".repeat(at)),
                        format!("{special}{}", "a".repeat(at)),
                    ] {
                        let mut out = Vec::new();
                        write_string(&text, &mut out);
                        assert_eq!(
                            String::from_utf8(out).unwrap(),
                            serde_json::to_string(&text).unwrap(),
                            "{text:?}"
                        );
                    }
                }
            }
        }
    }

    use crate::load::from_texts;

    fn node(text: &str) -> Node {
        let ws = from_texts(vec![("a.yaml".into(), text.into())], Default::default());
        (*ws.documents[0].node).clone()
    }

    fn fp(text: &str) -> String {
        fingerprint(&node(text), Some(Kind::Goal), &Ignore::default())
    }

    #[test]
    fn the_canonical_form_sorts_keys_and_keeps_numbers_as_parsed() {
        let n = node(
            "kind: Goal\nid: g\nname: \"Caf\u{e9} \\\"x\\\"\"\nb: [1, 2.0, 0.5, 1e20, null, true]\na: {z: 1, y: 2}\n",
        );
        assert_eq!(
            canonical(&n, Some(Kind::Goal), &Ignore::default()),
            "{\"a\":{\"y\":2,\"z\":1},\"b\":[1,2.0,0.5,1e+20,null,true],\"id\":\"g\",\"kind\":\"Goal\",\"name\":\"Caf\u{e9} \\\"x\\\"\"}"
        );
    }

    #[test]
    fn a_known_document_has_a_known_fingerprint() {
        // `printf '{"id":"g","kind":"Goal"}' | sha256sum`
        assert_eq!(
            fp("kind: Goal\nid: g\nstatus: active\n"),
            "tl1:7da8056a950abb5416146f0c6de36920c6d2ef6336784abd199e9a43f101d7db"
        );
    }

    #[test]
    fn layout_comments_order_and_bookkeeping_do_not_count() {
        let base = fp(
            "kind: Goal\nid: g\nname: Grow\nsuccessIndicators:\n  - name: n\n    target: 5\n    current: 1\n",
        );
        for same in [
            "# a comment\nid: g\nkind: Goal\nname: 'Grow'\n\nsuccessIndicators: [{target: 5, name: n}]\n",
            "kind: Goal\nid: g\nname: Grow\nowner: someone\nstatus: active\ntags: [x]\nreviewBy: 2027-01-01\nallow: [unused]\nsuccessIndicators:\n  - name: n\n    target: 5\n    current: 4\n",
        ] {
            assert_eq!(fp(same), base, "{same}");
        }
        assert_ne!(
            fp("kind: Goal\nid: g\nname: Grow\nsuccessIndicators:\n  - name: n\n    target: 6\n"),
            base
        );
        assert_ne!(
            fp(
                "kind: Goal\nid: g\nname: Grow more\nsuccessIndicators:\n  - name: n\n    target: 5\n"
            ),
            base
        );
        // A nested `current` other than an indicator's counts.
        assert_ne!(
            fp(
                "kind: Goal\nid: g\nname: Grow\nx: {current: 1}\nsuccessIndicators:\n  - name: n\n    target: 5\n"
            ),
            fp(
                "kind: Goal\nid: g\nname: Grow\nx: {current: 2}\nsuccessIndicators:\n  - name: n\n    target: 5\n"
            )
        );
        let metric = |c: u32| {
            fingerprint(
                &node(&format!(
                    "kind: NorthStar\nid: n\nmetric: {{name: m, target: 9, current: {c}}}\n"
                )),
                Some(Kind::NorthStar),
                &Ignore::default(),
            )
        };
        assert_eq!(metric(1), metric(2));
    }

    #[test]
    fn review_ignore_drops_fields_for_every_kind_or_one() {
        let ignore =
            Ignore::parse(&["description".into(), "Goal.successIndicators".into()]).unwrap();
        let a = node(
            "kind: Goal\nid: g\ndescription: old\nsuccessIndicators: [{name: n, target: 1}]\n",
        );
        let b = node(
            "kind: Goal\nid: g\ndescription: new\nsuccessIndicators: [{name: n, target: 2}]\n",
        );
        assert_eq!(
            fingerprint(&a, Some(Kind::Goal), &ignore),
            fingerprint(&b, Some(Kind::Goal), &ignore)
        );
        assert_ne!(
            fingerprint(&a, Some(Kind::Initiative), &ignore),
            fingerprint(&b, Some(Kind::Initiative), &ignore)
        );
        assert!(ignore.drops_path(Some(Kind::Goal), "successIndicators[0].target"));
        assert!(ignore.drops_path(Some(Kind::Initiative), "successIndicators[0].current"));
        assert!(!ignore.drops_path(Some(Kind::Initiative), "successIndicators[0].target"));
        let e = Ignore::parse(&["Gaol.name".into()]).unwrap_err();
        assert!(e.contains("did you mean `Goal`"), "{e}");
        assert!(Ignore::parse(&["".into()]).is_err());
        assert!(Ignore::parse(&["Goal.".into()]).is_err());
    }

    #[test]
    fn fingerprints_are_validated_by_scheme() {
        assert!(validate(&fp("kind: Goal\nid: g\n")).is_ok());
        assert!(
            validate(&format!("tl2:{}", "0".repeat(64)))
                .unwrap_err()
                .contains("newer throughline")
        );
        assert!(
            validate("sha256:abc")
                .unwrap_err()
                .contains("not a fingerprint")
        );
        assert!(validate("tl1:ABC").is_err());
        assert!(validate(&format!("tl1:{}", "A".repeat(64))).is_err());
    }
}
