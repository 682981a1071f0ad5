//! `throughline diff` and `build --since` on real temporary git repositories
//! holding the example workspace (contract §8).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{TODAY, example_spec, stderr, stdout, throughline};
use crate::gate::git;

/// A git repository whose `specs/` is the example workspace, committed on `main`.
fn repo() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let specs = tmp.path().join("specs");
    copy_dir(&example_spec(), &specs);
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "specs"]);
    (tmp, specs)
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('_') {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(&name));
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

/// Replaces `from` (which must be there) by `to` in the spec file `rel`.
fn edit(specs: &Path, rel: &str, from: &str, to: &str) {
    let path = specs.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// grow-attach-rate's indicator target: 20 → 18.
fn lower_attach_rate_target(specs: &Path) {
    edit(
        specs,
        "goals/grow-attach-rate.yaml",
        "target: 20",
        "target: 18",
    );
}

/// basket-affinity loses its `category_pairs` port, which bundle-design needs.
fn drop_category_pairs_port(specs: &Path) {
    edit(
        specs,
        "data-products/basket-affinity.yaml",
        "  - name: category_pairs\n    type: table\n",
        "",
    );
}

fn diff(specs: &Path, extra: &[&str]) -> (Value, i32) {
    let mut args = vec![
        "diff",
        specs.to_str().unwrap(),
        "--format",
        "json",
        "--today",
        TODAY,
    ];
    if !extra.contains(&"--base") {
        args.extend(["--base", "main"]);
    }
    args.extend_from_slice(extra);
    let out = throughline(&args);
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(&out), stderr(&out)));
    (json, out.status.code().unwrap())
}

fn modified<'a>(d: &'a Value, id: &str) -> &'a Value {
    d["entities"]["modified"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not modified: {d:#}"))
}

fn notes(m: &Value) -> Vec<&str> {
    m["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect()
}

fn breaking<'a>(d: &'a Value, name: &str) -> Vec<&'a Value> {
    d["breaking"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["name"] == name)
        .collect()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

#[test]
fn an_unchanged_tree_has_no_changes() {
    let (_tmp, specs) = repo();
    let (d, code) = diff(&specs, &["--fail-on", "breaking"]);
    assert_eq!(code, 0);
    assert_eq!(d["version"], 1);
    assert_eq!(d["base"], "main");
    assert_eq!(d["head"], Value::Null);
    for list in ["added", "removed", "modified", "moved"] {
        assert_eq!(d["entities"][list], serde_json::json!([]), "{list}");
    }
    assert_eq!(d["links"]["added"], serde_json::json!([]));
    assert_eq!(d["trace"]["before"], d["trace"]["after"]);
    // Every entity counts; sources and consumers are context, never traced.
    let (check, _) = crate::common::check_json(&specs, &[]);
    assert_eq!(
        d["trace"]["after"]["entities"],
        check["summary"]["entities"]
    );
    assert_eq!(d["trace"]["after"]["entities"], 33);
    assert_eq!(d["trace"]["after"]["traced"], 24);
    assert_eq!(d["trace"]["after"]["context"], 9);
    assert_eq!(d["trace"]["after"]["untraced"], 0);
    assert_eq!(d["findings"]["new"], 0);
    assert_eq!(d["findings"]["fixed"], 0);
    assert_eq!(d["breaking"], serde_json::json!([]));
}

#[test]
fn a_lowered_goal_target_is_a_field_change_with_its_impact() {
    let (_tmp, specs) = repo();
    lower_attach_rate_target(&specs);
    let (d, code) = diff(&specs, &["--fail-on", "breaking"]);
    assert_eq!(code, 0, "lowering a target is not breaking");
    let m = modified(&d, "grow-attach-rate");
    assert_eq!(m["kind"], "Goal");
    assert_eq!(m["file"], "goals/grow-attach-rate.yaml");
    let changes = m["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0]["field"], "successIndicators[0].target");
    assert_eq!(changes[0]["before"], 20);
    assert_eq!(changes[0]["after"], 18);
    assert_eq!(notes(m), ["target-lowered"]);
    // Upstream: the goal it contributes to; downstream: the use case and its consumers.
    assert!(strings(&m["impact"]["goals"]).contains(&"increase-basket-size"));
    assert!(strings(&m["impact"]["useCases"]).contains(&"webshop-recommendations"));
    assert!(strings(&m["impact"]["consumers"]).contains(&"recommendation-engine"));
}

#[test]
fn indicators_are_matched_by_name_so_reordering_them_is_no_change() {
    let (_tmp, specs) = repo();
    let path = specs.join("goals/lift-campaign-conversion.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = text.split_once("  - id: conversion-rate\n").unwrap();
    let (first, rest) = rest.split_once("  - id: unsubscribe-rate\n").unwrap();
    let (second, tail) = rest.split_once("consumers:").unwrap();
    // The two indicators swapped, and the campaign conversion target raised.
    let first = first.replacen("target: 3.5", "target: 4", 1);
    std::fs::write(
        &path,
        format!("{head}  - id: unsubscribe-rate\n{second}  - id: conversion-rate\n{first}consumers:{tail}"),
    )
    .unwrap();
    let (check, _) = crate::common::check_json(&specs, &[]);
    assert_eq!(check["summary"]["errors"], 0, "{check:#}");
    let (d, _) = diff(&specs, &[]);
    let m = modified(&d, "lift-campaign-conversion");
    let changes = m["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0]["field"], "successIndicators[1].target");
    assert_eq!(changes[0]["before"], 3.5);
    assert_eq!(changes[0]["after"], 4);
    assert_eq!(notes(m), ["target-raised"]);
}

#[test]
fn the_north_star_redefined_and_a_direction_flipped_are_named() {
    let (_tmp, specs) = repo();
    edit(
        &specs,
        "north-star.yaml",
        "divided by total revenue",
        "divided by revenue from returning customers",
    );
    edit(
        &specs,
        "north-star.yaml",
        "direction: increase",
        "direction: decrease",
    );
    let (d, _) = diff(&specs, &[]);
    let m = modified(&d, "cross-sell-revenue-share");
    assert_eq!(notes(m), ["north-star-redefined", "direction-flipped"]);
    let fields: Vec<&str> = m["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["metric.definition", "metric.direction"]);
}

#[test]
fn hypotheses_validated_and_invalidated_and_an_initiative_dropped_are_named() {
    let (_tmp, specs) = repo();
    edit(
        &specs,
        "hypotheses/bundles-grow-baskets.yaml",
        "status: untested",
        "status: invalidated",
    );
    edit(
        &specs,
        "hypotheses/next-best-offer-wins.yaml",
        "status: untested",
        "status: validated",
    );
    edit(
        &specs,
        "initiatives/targeted-campaigns.yaml",
        "status: active",
        "status: dropped",
    );
    let (d, _) = diff(&specs, &[]);
    assert_eq!(
        notes(modified(&d, "bundles-grow-baskets")),
        ["hypothesis-invalidated"]
    );
    assert_eq!(
        notes(modified(&d, "next-best-offer-wins")),
        ["hypothesis-validated"]
    );
    assert_eq!(
        notes(modified(&d, "targeted-campaigns")),
        ["initiative-dropped"]
    );
    // All of bundle-offers' hypotheses are invalidated now: a new warning.
    let new: Vec<&str> = d["findings"]["newFindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(new, ["invalidated-hypothesis"], "{d:#}");
    assert_eq!(d["findings"]["new"], 1);
}

#[test]
fn a_source_becoming_pii_is_named_with_the_new_finding_it_causes() {
    let (_tmp, specs) = repo();
    edit(
        &specs,
        "sources/pos-transactions.yaml",
        "sensitivity: internal",
        "sensitivity: pii",
    );
    let (d, _) = diff(&specs, &[]);
    let m = modified(&d, "pos-transactions");
    assert_eq!(notes(m), ["became-sensitive"]);
    assert!(d["findings"]["new"].as_u64().unwrap() >= 1);
    assert!(
        d["findings"]["newFindings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "sensitive-data-ungoverned" && f["entity"] == "orders"),
        "{d:#}"
    );
}

#[test]
fn a_port_removed_while_a_traced_use_case_lists_the_product_is_breaking() {
    let (_tmp, specs) = repo();
    drop_category_pairs_port(&specs);
    let (d, code) = diff(&specs, &[]);
    assert_eq!(code, 0, "without --fail-on the exit is 0");
    let b = breaking(&d, "port-removed");
    assert_eq!(b.len(), 1, "{d:#}");
    assert_eq!(b[0]["id"], "basket-affinity");
    assert_eq!(b[0]["kind"], "DataProduct");
    assert!(
        b[0]["reason"].as_str().unwrap().contains("category_pairs"),
        "{}",
        b[0]["reason"]
    );
    assert!(strings(&b[0]["affects"]).contains(&"bundle-design"));
    let (_, code) = diff(&specs, &["--fail-on", "breaking"]);
    assert_eq!(code, 1);
}

#[test]
fn a_renamed_port_and_a_weaker_freshness_slo_are_breaking() {
    let (_tmp, specs) = repo();
    edit(
        &specs,
        "data-products/orders.yaml",
        "name: orders_lines",
        "name: order_lines",
    );
    edit(
        &specs,
        "data-products/orders.yaml",
        "target: 1h",
        "target: 6h",
    );
    let (d, code) = diff(&specs, &["--fail-on", "breaking"]);
    assert_eq!(code, 1);
    let renamed = breaking(&d, "port-renamed");
    assert_eq!(renamed.len(), 1, "{d:#}");
    assert!(
        renamed[0]["reason"]
            .as_str()
            .unwrap()
            .contains("`orders_lines` renamed to `order_lines`")
    );
    let weaker = breaking(&d, "freshness-weakened");
    assert_eq!(weaker.len(), 1, "{d:#}");
    assert!(
        weaker[0]["reason"]
            .as_str()
            .unwrap()
            .contains("6h instead of 1h")
    );
    // What reads orders is affected.
    assert!(strings(&weaker[0]["affects"]).contains(&"basket-affinity"));
    // A tighter SLO is not breaking.
    edit(
        &specs,
        "data-products/orders.yaml",
        "target: 6h",
        "target: 30m",
    );
    let (d, _) = diff(&specs, &[]);
    assert!(breaking(&d, "freshness-weakened").is_empty());
    assert_eq!(
        notes(modified(&d, "orders")),
        ["port-renamed", "freshness-tightened"]
    );
}

#[test]
fn removing_a_referenced_traced_entity_is_breaking_and_names_what_it_cuts_off() {
    let (_tmp, specs) = repo();
    std::fs::remove_file(specs.join("initiatives/bundle-offers.yaml")).unwrap();
    let (d, code) = diff(&specs, &["--fail-on", "breaking"]);
    assert_eq!(code, 1);
    let removed = &d["entities"]["removed"];
    assert_eq!(removed.as_array().unwrap().len(), 1);
    assert_eq!(removed[0]["id"], "bundle-offers");
    assert_eq!(removed[0]["file"], "initiatives/bundle-offers.yaml");
    let b = breaking(&d, "removed-while-referenced");
    assert_eq!(b.len(), 1, "{d:#}");
    let affects = strings(&b[0]["affects"]);
    for id in ["bundles-grow-baskets", "seasonal-bundles", "bundle-design"] {
        assert!(affects.contains(&id), "{id} in {affects:?}");
    }
    // The cut is reported once, at the removal.
    assert!(breaking(&d, "became-untraced").is_empty(), "{d:#}");
    let untraced = strings(&d["trace"]["becameUntraced"]);
    assert!(untraced.contains(&"bundle-design"), "{untraced:?}");
    assert!(
        d["links"]["removed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["from"] == "bundle-offers"
                && l["to"] == "increase-basket-size"
                && l["field"] == "goals")
    );
    assert!(d["trace"]["after"]["traced"].as_u64() < d["trace"]["before"]["traced"].as_u64());
    assert!(d["findings"]["new"].as_u64().unwrap() >= 1);
    // Removing what nothing names is not breaking.
    git(specs.parent().unwrap(), &["checkout", "--", "."]);
    std::fs::remove_file(specs.join("consumers/sales-reps.yaml")).unwrap();
    let (d, _) = diff(&specs, &[]);
    assert_eq!(d["entities"]["removed"][0]["id"], "sales-reps");
    assert_eq!(
        breaking(&d, "removed-while-referenced").len(),
        1,
        "sales-reps is named"
    );
}

#[test]
fn a_product_no_use_case_lists_any_more_became_untraced_and_that_is_breaking() {
    let (_tmp, specs) = repo();
    // The only use case of campaign-audiences stops listing it.
    edit(
        &specs,
        "use-cases/campaign-targeting.yaml",
        "dataProducts: [campaign-audiences]",
        "dataProducts: [customer-profiles]",
    );
    let (d, code) = diff(&specs, &["--fail-on", "breaking"]);
    assert_eq!(code, 1, "{d:#}");
    assert_eq!(
        strings(&d["trace"]["becameUntraced"]),
        ["campaign-audiences"],
        "{d:#}"
    );
    let b = breaking(&d, "became-untraced");
    assert_eq!(b.len(), 1);
    assert_eq!(b[0]["id"], "campaign-audiences");
    assert!(
        b[0]["reason"]
            .as_str()
            .unwrap()
            .contains("`campaign-targeting`")
    );
    assert!(
        d["links"]["removed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["to"] == "campaign-audiences" && l["field"] == "dataProducts")
    );
}

#[test]
fn an_added_entity_and_its_links() {
    let (_tmp, specs) = repo();
    std::fs::write(
        specs.join("initiatives/loyalty-bundles.yaml"),
        "kind: Initiative\nid: loyalty-bundles\nname: Loyalty bundles\nstatus: proposed\ngoals: [increase-basket-size]\n",
    )
    .unwrap();
    let (d, _) = diff(&specs, &[]);
    let added = d["entities"]["added"].as_array().unwrap();
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["id"], "loyalty-bundles");
    assert_eq!(added[0]["kind"], "Initiative");
    assert_eq!(added[0]["file"], "initiatives/loyalty-bundles.yaml");
    assert_eq!(
        d["links"]["added"],
        serde_json::json!([{"from": "loyalty-bundles", "to": "increase-basket-size", "field": "goals"}])
    );
    assert_eq!(d["trace"]["after"]["entities"], 34);
    assert_eq!(d["trace"]["after"]["traced"], 25);
    assert_eq!(d["trace"]["becameTraced"], serde_json::json!([]));
    assert!(strings(&added[0]["impact"]["goals"]).contains(&"increase-basket-size"));
}

#[test]
fn a_renamed_file_and_reordered_documents_are_not_changes_and_a_moved_entity_is_moved() {
    let (tmp, specs) = repo();
    git(
        tmp.path(),
        &[
            "mv",
            "specs/sources/pim.yaml",
            "specs/sources/product-info.yaml",
        ],
    );
    // Two consumers in one file, in the other order.
    let a = std::fs::read_to_string(specs.join("consumers/sales-reps.yaml")).unwrap();
    let b = std::fs::read_to_string(specs.join("consumers/marketing-team.yaml")).unwrap();
    std::fs::write(specs.join("consumers/people.yaml"), format!("{a}---\n{b}")).unwrap();
    std::fs::remove_file(specs.join("consumers/sales-reps.yaml")).unwrap();
    std::fs::remove_file(specs.join("consumers/marketing-team.yaml")).unwrap();
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "regroup"]);
    std::fs::write(specs.join("consumers/people.yaml"), format!("{b}---\n{a}")).unwrap();
    let (d, code) = diff(&specs, &["--base", "main~1", "--fail-on", "breaking"]);
    assert_eq!(code, 0);
    for list in ["added", "removed", "modified"] {
        assert_eq!(d["entities"][list], serde_json::json!([]), "{list}: {d:#}");
    }
    let moved = d["entities"]["moved"].as_array().unwrap();
    let mut ids: Vec<(&str, &str, &str)> = moved
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap(),
                m["from"].as_str().unwrap(),
                m["file"].as_str().unwrap(),
            )
        })
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            (
                "marketing-team",
                "consumers/marketing-team.yaml",
                "consumers/people.yaml"
            ),
            ("pim", "sources/pim.yaml", "sources/product-info.yaml"),
            (
                "sales-reps",
                "consumers/sales-reps.yaml",
                "consumers/people.yaml"
            ),
        ]
    );
    assert_eq!(d["links"]["added"], serde_json::json!([]));
    assert_eq!(d["links"]["removed"], serde_json::json!([]));
    // Against the regrouped commit, the reorder alone is nothing at all.
    let (d, _) = diff(&specs, &["--base", "HEAD"]);
    assert_eq!(d["entities"]["moved"], serde_json::json!([]));
    assert_eq!(d["entities"]["modified"], serde_json::json!([]));
    let human = throughline(&["diff", specs.to_str().unwrap(), "--base", "HEAD"]);
    assert!(
        stdout(&human).contains("no change to the trace"),
        "{}",
        stdout(&human)
    );
}

#[test]
fn head_can_be_a_revision_and_findings_fixed_are_counted() {
    let (tmp, specs) = repo();
    lower_attach_rate_target(&specs);
    // Fix the example's one warning.
    let (before, _) = crate::common::check_json(&specs, &[]);
    assert_eq!(before["summary"]["warnings"], 1);
    edit(
        &specs,
        "goals/lift-campaign-conversion.yaml",
        "kind: Goal\n",
        "kind: Goal\nallow: [off-track]\n",
    );
    git(tmp.path(), &["commit", "-qam", "lower"]);
    // The working tree moves on; --head reads the commit, not the files.
    edit(
        &specs,
        "goals/grow-attach-rate.yaml",
        "target: 18",
        "target: 15",
    );
    let (d, _) = diff(&specs, &["--base", "main~1", "--head", "HEAD"]);
    assert_eq!(d["base"], "main~1");
    assert_eq!(d["head"], "HEAD");
    let m = modified(&d, "grow-attach-rate");
    assert_eq!(m["changes"][0]["after"], 18);
    assert_eq!(d["findings"]["fixed"], 1, "{d:#}");
    assert_eq!(d["findings"]["fixedFindings"][0]["rule"], "off-track");
}

#[test]
fn bad_revisions_and_places_are_usage_errors_naming_the_problem() {
    let (tmp, specs) = repo();
    let dir = specs.to_str().unwrap();
    let o = throughline(&["diff", dir, "--base", "no-such-branch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`no-such-branch` is not a commit"),
        "{}",
        stderr(&o)
    );
    let o = throughline(&["diff", dir, "--base", "main", "--head", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`nope` is not a commit"),
        "{}",
        stderr(&o)
    );
    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("a.yaml"), "kind: Goal\n").unwrap();
    let o = throughline(&["diff", plain.path().to_str().unwrap(), "--base", "main"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is not inside a git repository"),
        "{}",
        stderr(&o)
    );
    let inside = tmp.path().join(".git");
    let o = throughline(&["diff", inside.to_str().unwrap(), "--base", "main"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("outside the work tree"),
        "{}",
        stderr(&o)
    );
    let o = throughline(&["diff", "/no/such/dir", "--base", "main"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("panicked"));
}

#[test]
fn human_output_is_grouped_and_plain_without_a_terminal() {
    let (_tmp, specs) = repo();
    lower_attach_rate_target(&specs);
    std::fs::remove_file(specs.join("initiatives/bundle-offers.yaml")).unwrap();
    let o = throughline(&[
        "diff",
        specs.to_str().unwrap(),
        "--base",
        "main",
        "--today",
        TODAY,
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(!text.contains('\x1b'), "no colour without a terminal");
    let first = text.lines().next().unwrap();
    assert!(first.contains("1 breaking change"), "{first}");
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s} in {text}"));
    assert!(at("\nBreaking\n") < at("\nTrace\n"));
    assert!(at("\nTrace\n") < at("\nRemoved\n"));
    assert!(at("\nRemoved\n") < at("\nModified\n"));
    assert!(text.contains(
        "target-lowered: target of `Orders with an attached accessory` lowered from 20 to 18"
    ));
    assert!(text.contains("successIndicators[Orders with an attached accessory].target: 20 → 18"));
}

#[test]
fn the_markdown_comment_starts_with_the_summary_and_collapses_details() {
    let (_tmp, specs) = repo();
    lower_attach_rate_target(&specs);
    drop_category_pairs_port(&specs);
    let o = throughline(&[
        "diff",
        specs.to_str().unwrap(),
        "--base",
        "main",
        "--format",
        "markdown",
    ]);
    let md = stdout(&o);
    let first = md.lines().next().unwrap();
    assert!(first.starts_with("**throughline diff**"), "{first}");
    assert!(
        first.contains("1 breaking change") && first.contains("2 modified"),
        "{first}"
    );
    assert!(md.contains("#### Breaking changes (1)"));
    assert!(
        md.contains("| DataProduct `basket-affinity` | `port-removed` |"),
        "{md}"
    );
    assert!(
        md.contains("<details><summary>Field changes (2)</summary>"),
        "{md}"
    );
    assert!(md.contains("| `grow-attach-rate` | `successIndicators[Orders with an attached accessory].target` | 20 | 18 |"));
    assert!(!md.contains("left out"));
}

#[test]
fn a_huge_markdown_comment_stays_under_the_limit_and_says_what_it_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let mut specs = crate::common::base_yaml();
    for i in 0..1500 {
        specs.push_str(&format!(
            "---\nkind: Goal\nid: goal-{i:04}\nname: Goal number {i} with a long name to fill the table\ncontributesTo: retention\nsuccessIndicators:\n  - {{name: Indicator with a long name {i}, unit: percent, target: 10}}\n"
        ));
    }
    std::fs::write(tmp.path().join("specs.yaml"), &specs).unwrap();
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "specs"]);
    std::fs::write(
        tmp.path().join("specs.yaml"),
        specs.replace("target: 10}", "target: 12}"),
    )
    .unwrap();
    let o = throughline(&[
        "diff",
        tmp.path().to_str().unwrap(),
        "--base",
        "main",
        "--format",
        "markdown",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(
        md.chars().count() <= 65_536,
        "{} characters",
        md.chars().count()
    );
    assert!(md.lines().next().unwrap().contains("1500 modified"));
    assert!(
        md.contains("left out to stay under GitHub's 65536-character comment limit"),
        "{}",
        &md[md.len() - 500..]
    );
    // Every opened section is closed.
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
}

#[test]
fn build_since_adds_a_changes_page_and_badges() {
    let (tmp, specs) = repo();
    lower_attach_rate_target(&specs);
    std::fs::write(
        specs.join("initiatives/loyalty-bundles.yaml"),
        "kind: Initiative\nid: loyalty-bundles\nname: Loyalty bundles\nstatus: proposed\ngoals: [increase-basket-size]\n",
    )
    .unwrap();
    let out = tmp.path().join("site");
    let o = throughline(&[
        "build",
        specs.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--since",
        "main",
        "--today",
        TODAY,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let read = |p: &str| std::fs::read_to_string(out.join(p)).unwrap();
    let changes = read("changes.html");
    assert!(
        changes.contains("href=\"goals/grow-attach-rate.html\""),
        "{changes}"
    );
    assert!(changes.contains("href=\"initiatives/loyalty-bundles.html\""));
    assert!(changes.contains("lowered from 20 to 18"));
    assert!(read("goals/grow-attach-rate.html").contains("class=\"badge changed\""));
    assert!(read("initiatives/loyalty-bundles.html").contains("class=\"badge new\""));
    let untouched = read("goals/increase-basket-size.html");
    assert!(
        !untouched.contains("class=\"badge new\"")
            && !untouched.contains("class=\"badge changed\"")
    );
    let list = read("initiatives/index.html");
    assert!(
        list.contains("class=\"badge new\""),
        "list pages carry the badges"
    );
    assert!(read("index.html").contains("href=\"changes.html\""));
    // Without --since there is no changes page.
    let plain = crate::common::build_site(&specs, TODAY, &[]);
    assert!(!plain.path().join("site/changes.html").exists());
    let o = throughline(&[
        "build",
        specs.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--since",
        "nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`nope` is not a commit"));
}
