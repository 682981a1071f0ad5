//! Property: every finding's position lies inside its file, its line and
//! column agree with its byte offset, and a reference finding's span covers
//! the reference it names. Checked on randomly damaged copies of the example.

use proptest::prelude::*;
use throughline::config::Config;
use throughline::diagnostic::Rule;
use throughline::load;
use throughline::model::time::Date;
use throughline::rules::{self, Schemas};

use crate::common::example_spec;

fn example_files() -> Vec<(String, String)> {
    let ws = load::load(&example_spec(), &Default::default()).unwrap();
    ws.files
        .iter()
        .map(|f| (f.rel_path.clone(), f.text.to_string()))
        .collect()
}

/// A damage to one file: at a relative position, delete some characters
/// and insert a snippet.
#[derive(Debug, Clone)]
struct Damage {
    file: usize,
    at: f64,
    delete: usize,
    insert: String,
}

fn damage() -> impl Strategy<Value = Damage> {
    let snippet = proptest::collection::vec(
        prop_oneof![
            Just(": "),
            Just("- "),
            Just("["),
            Just("]"),
            Just("{"),
            Just("}"),
            Just("#"),
            Just("&a "),
            Just("*a"),
            Just("!!str "),
            Just("|\n"),
            Just("'"),
            Just("\""),
            Just("\n"),
            Just("  "),
            Just("\t"),
            Just("é"),
            Just("✓"),
            Just("id: x\n"),
            Just("goals: [nope]\n"),
            Just("kind: Gaol\n"),
            Just("---\n"),
            Just("\r\n"),
        ],
        0..6,
    )
    .prop_map(|parts| parts.concat());
    (0..33usize, 0.0..1.0f64, 0..12usize, snippet).prop_map(|(file, at, delete, insert)| Damage {
        file,
        at,
        delete,
        insert,
    })
}

fn apply(files: &mut [(String, String)], d: &Damage) {
    let text = &mut files[d.file % files.len()].1;
    let chars: Vec<char> = text.chars().collect();
    let at = ((chars.len() as f64) * d.at) as usize;
    let end = (at + d.delete).min(chars.len());
    let mut out: String = chars[..at].iter().collect();
    out.push_str(&d.insert);
    out.extend(&chars[end..]);
    *text = out;
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn positions_lie_inside_files_and_on_their_nodes(damages in proptest::collection::vec(damage(), 1..4)) {
        let mut files = example_files();
        for d in &damages {
            apply(&mut files, d);
        }
        let ws = load::from_texts(files, Default::default());
        let schemas = Schemas::builtin();
        let analysis = rules::check(&ws, &Config::default(), &schemas, Date::parse("2026-06-01").unwrap());
        for d in &analysis.diagnostics {
            let Some(loc) = d.location else { continue };
            let file = &ws.files[loc.file];
            let (s, e) = (loc.span.start, loc.span.end);
            prop_assert!(file.offset(s) <= file.offset(e) && file.offset(e) <= file.text.len(), "{d:?}");
            prop_assert!(file.text.is_char_boundary(file.offset(s)) && file.text.is_char_boundary(file.offset(e)));
            prop_assert!(s.line() >= 1 && s.line() <= file.line_count());
            // Line and column say the same as the byte offset.
            let again = file.pos_of_offset(file.offset(s));
            prop_assert_eq!((again.line(), again.column()), (s.line(), s.column()), "{:?}", d);
            if matches!(d.rule, Rule::BrokenRef | Rule::RefKind) {
                // A plain scalar may run over lines, folded to spaces: compare
                // with white space collapsed.
                let fold = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
                let text = fold(&file.text[file.offset(s)..file.offset(e)]);
                let named = fold(d.message.split('`').nth(3).unwrap_or_default());
                prop_assert!(text.contains(&named), "span {:?} does not hold `{}`", text, named);
            }
        }
    }
}
