//! Load → check on arbitrary bytes: the input is split on 0xFF into up to
//! four spec files, checked together; nothing may panic, and every finding's
//! position must lie inside its file.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use throughline::config::Config;
use throughline::load;
use throughline::model::time::Date;
use throughline::rules::{self, Schemas};

fuzz_target!(|data: &[u8]| {
    let files: Vec<(String, String)> = data
        .split(|&b| b == 0xFF)
        .take(4)
        .enumerate()
        .map(|(i, part)| (format!("f{i}.yaml"), String::from_utf8_lossy(part).into_owned()))
        .collect();
    let ws = load::from_texts(files, Default::default());
    // Compiled once, as the tool does.
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    let schemas = SCHEMAS.get_or_init(Schemas::builtin);
    let analysis = rules::check(&ws, &Config::default(), schemas, Date::parse("2026-06-01").unwrap());
    for d in &analysis.diagnostics {
        if let Some(loc) = d.location {
            let file = &ws.files[loc.file];
            let (s, e) = (loc.span.start, loc.span.end);
            assert!(s.offset <= e.offset && e.offset <= file.text.len());
            assert!(file.text.is_char_boundary(s.offset) && file.text.is_char_boundary(e.offset));
            assert!(s.line >= 1 && s.line <= file.line_count() && s.column >= 1);
        }
    }
});
