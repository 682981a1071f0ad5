//! `build` over its own previous site: pages whose inputs did not change are
//! kept without rendering, and the site is byte for byte the one a fresh
//! build writes, whatever was edited.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::{example_spec, stderr};
use crate::diff::copy_dir;

/// `build` over `out`, which must run (the workspace may have errors along
/// the way); its summary line: "built N pages into OUT (…)".
fn build(ws: &Path, out: &Path) -> String {
    let o = crate::site::build(ws, out, &["--allow-errors"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let report = stderr(&o);
    let built = report.lines().rfind(|l| l.starts_with("built "));
    built.unwrap_or_else(|| panic!("{report}")).to_string()
}

/// Every file below `root`, by relative path.
fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(root).unwrap();
            out.insert(
                rel.to_string_lossy().replace('\\', "/"),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    out
}

/// How many files the build reported as kept without rendering them:
/// "… (2 files changed, 57 unchanged, 25 of them not rendered again)".
fn reused(report: &str) -> usize {
    report
        .strip_suffix(" of them not rendered again)")
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The site's workbook.
const BOOK: &str = "downloads/trace.xlsx";

/// Which file is at `path` (device and inode): a file kept from the
/// previous site is linked, so it is the same file.
fn file_id(path: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).unwrap();
    (m.dev(), m.ino())
}

/// A copy of the example in a temporary directory (`specs`) and its site
/// built beside it (`site`).
fn example_built() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("specs");
    copy_dir(&example_spec(), &ws);
    let site = tmp.path().join("site");
    build(&ws, &site);
    (tmp, ws, site)
}

fn edit(ws: &Path, rel: &str, from: &str, to: &str) {
    let path = ws.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

type Edit = (&'static str, fn(&Path));

/// Edits of every kind a page can show: names, text, links that move
/// pages between parents, measurements, status, what is traced, findings,
/// contracts, files that come and go, the configuration and templates.
const EDITS: &[Edit] = &[
    ("nothing", |_| {}),
    ("an initiative's name", |ws| {
        edit(
            ws,
            "initiatives/bundle-offers.yaml",
            "name: Data-driven bundle offers",
            "name: Bundles that sell the second item",
        )
    }),
    ("a goal's description", |ws| {
        edit(
            ws,
            "goals/grow-attach-rate.yaml",
            "is bought together",
            "is bought in the same order",
        )
    }),
    ("an initiative moved to another goal", |ws| {
        edit(
            ws,
            "initiatives/bundle-offers.yaml",
            "goals: [increase-basket-size]",
            "goals: [grow-attach-rate]",
        )
    }),
    ("an initiative that works on a second goal", |ws| {
        edit(
            ws,
            "initiatives/next-best-offer.yaml",
            "goals: [sales-cross-sell-wins]",
            "goals: [sales-cross-sell-wins, lift-campaign-conversion]",
        )
    }),
    ("an upstream data product's output port", |ws| {
        edit(
            ws,
            "data-products/customer-profiles.yaml",
            "contractId: customer-profiles-v1",
            "contractId: customer-profiles-v1\n    version: 2.0.0",
        )
    }),
    ("a consumer's name, shown in a usage-pattern table", |ws| {
        edit(
            ws,
            "consumers/marketing-team.yaml",
            "name: CRM marketing team",
            "name: Lifecycle marketing",
        )
    }),
    (
        "when an initiative started, marked on a goal's chart",
        |ws| {
            edit(
                ws,
                "initiatives/personalised-recommendations.yaml",
                "startedOn: 2025-03-01",
                "startedOn: 2025-04-01",
            )
        },
    ),
    ("a measurement", |ws| {
        let path = ws.join("goals/goals.measurements.csv");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text = text.replacen(
            "2025-03-01,increase-basket-size,items-per-order,2.138",
            "2025-03-01,increase-basket-size,items-per-order,2.5",
            1,
        );
        std::fs::write(path, text).unwrap();
    }),
    ("a hypothesis's status", |ws| {
        edit(
            ws,
            "hypotheses/bundles-grow-baskets.yaml",
            "status: untested",
            "status: validated",
        )
    }),
    ("a goal cut from the North Star", |ws| {
        edit(
            ws,
            "goals/grow-attach-rate.yaml",
            "contributesTo: increase-basket-size",
            "contributesTo: no-such-goal",
        )
    }),
    ("the goal put back", |ws| {
        edit(
            ws,
            "goals/grow-attach-rate.yaml",
            "contributesTo: no-such-goal",
            "contributesTo: increase-basket-size",
        )
    }),
    ("a contract", |ws| {
        let path = ws.join("contracts/affinity-api.odcs.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(path, text.replacen("version: ", "version: 9", 1)).unwrap();
    }),
    ("a new use case", |ws| {
        let text = std::fs::read_to_string(ws.join("use-cases/bundle-design.yaml")).unwrap();
        std::fs::write(
            ws.join("use-cases/bundle-design-two.yaml"),
            text.replacen("id: bundle-design", "id: bundle-design-two", 1),
        )
        .unwrap();
    }),
    ("a consumer removed", |ws| {
        std::fs::remove_file(ws.join("consumers/sales-reps.yaml")).unwrap()
    }),
    ("the site's title", |ws| {
        let path = ws.join("throughline.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(path, format!("{text}\n[site]\ntitle = \"Baskets\"\n")).unwrap();
    }),
    ("a template", |ws| {
        std::fs::create_dir_all(ws.join("templates")).unwrap();
        std::fs::write(
            ws.join("templates/entity.html"),
            "{% extends \"builtin/entity.html\" %}{% block title %}Entity{% endblock title %}",
        )
        .unwrap();
    }),
    ("nothing again", |_| {}),
];

#[test]
fn an_incremental_build_writes_what_a_fresh_build_writes_after_any_edit() {
    let (tmp, ws, site) = example_built();
    let pages = files(&site).keys().filter(|p| p.ends_with(".html")).count();
    for (n, (what, apply)) in EDITS.iter().enumerate() {
        apply(&ws);
        let book_before = file_id(&site.join(BOOK));
        let report = build(&ws, &site);
        let book_kept = file_id(&site.join(BOOK)) == book_before;
        let fresh = tmp.path().join(format!("fresh-{n}"));
        build(&ws, &fresh);
        let (kept, expected) = (files(&site), files(&fresh));
        assert_eq!(
            kept.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "after {what}: {report}"
        );
        for (path, bytes) in &expected {
            assert!(
                kept[path] == *bytes,
                "after {what}, {path} differs from a fresh build's: {report}"
            );
        }
        // Unchanged inputs: entity pages are linked, not rendered.
        let reused = reused(&report);
        match *what {
            "nothing" | "nothing again" => {
                assert!(reused > pages / 2, "after {what}: {report}")
            }
            "an initiative's name"
            | "a goal's description"
            | "a measurement"
            | "a consumer's name, shown in a usage-pattern table" => {
                assert!(reused > 0 && reused < pages, "after {what}: {report}")
            }
            // The table of entities changed: every file is made again.
            "a new use case" | "a consumer removed" => {
                assert_eq!(reused, 0, "after {what}: {report}")
            }
            // The configuration or the templates changed: every page is
            // rendered again, but not the workbook, which shows neither.
            "the site's title" | "a template" => {
                assert_eq!(reused, 1, "after {what}: {report}")
            }
            _ => {}
        }
        // The workbook is kept (the same file, linked) exactly when what it
        // shows did not change (an old measurement changes neither the
        // latest value nor the projection it shows).
        let book_changes = matches!(
            *what,
            "an initiative's name"
                | "an initiative moved to another goal"
                | "an initiative that works on a second goal"
                | "a consumer's name, shown in a usage-pattern table"
                | "a hypothesis's status"
                | "a goal cut from the North Star"
                | "the goal put back"
                | "a new use case"
                | "a consumer removed"
        );
        assert_eq!(
            book_kept,
            !book_changes,
            "after {what}, the workbook was {}: {report}",
            if book_kept { "kept" } else { "made again" }
        );
    }
}

#[test]
fn a_workbook_missing_from_the_previous_site_is_made_again() {
    let (_tmp, ws, site) = example_built();
    let fresh = files(&site)[BOOK].clone();
    // Removed, then replaced by something else: the manifest still lists
    // the workbook with its key, but there is no such file to keep.
    std::fs::remove_file(site.join(BOOK)).unwrap();
    let report = build(&ws, &site);
    assert_eq!(files(&site)[BOOK], fresh, "{report}");
    std::fs::write(site.join(BOOK), b"not a workbook").unwrap();
    let report = build(&ws, &site);
    assert_eq!(files(&site)[BOOK], fresh, "{report}");
    // And kept when it is there.
    let before = file_id(&site.join(BOOK));
    build(&ws, &site);
    assert_eq!(file_id(&site.join(BOOK)), before);
}

#[test]
fn the_sheets_of_a_previous_workbook_that_was_changed_are_not_taken() {
    let (tmp, ws, site) = example_built();
    // The previous site's workbook replaced by another, a valid workbook
    // whose sheets differ (a goal renamed): the manifest's entry no longer
    // describes it.
    let other = tmp.path().join("other");
    copy_dir(&example_spec(), &other);
    let (goal, name) = (
        "goals/increase-basket-size.yaml",
        "name: Increase the average basket size",
    );
    edit(&other, goal, name, "name: A goal of another workspace");
    build(&other, &tmp.path().join("other-site"));
    let replaced = std::fs::read(tmp.path().join("other-site").join(BOOK)).unwrap();
    std::fs::write(site.join(BOOK), replaced).unwrap();
    // An edit that changes one sheet (the sources'): none is taken from
    // the file that is there.
    let (source, name) = ("sources/crm.yaml", "name: CRM customer records");
    edit(&ws, source, name, "name: Customer records");
    let report = build(&ws, &site);
    let fresh = tmp.path().join("fresh");
    build(&ws, &fresh);
    assert_eq!(files(&site)[BOOK], files(&fresh)[BOOK], "{report}");
}
