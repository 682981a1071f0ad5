//! What the findings say: messages, help, related locations, spans.

use crate::common::{base_yaml, check_json, findings, fixture, workspace};

#[test]
fn broken_ref_suggests_the_nearest_id_and_counts_what_it_cuts_off() {
    let (report, _) = check_json(&fixture("broken-ref"), &[]);
    let d = findings(&report, "broken-ref")[0];
    assert_eq!(d["help"], "did you mean `ns`?");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("cuts off 2 entities"),
        "{d}"
    );
    assert_eq!(d["entity"], "g2");
    // The span covers exactly the reference value `nss`.
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(4), Some(16))
    );
    assert_eq!(
        (d["endLine"].as_u64(), d["endColumn"].as_u64()),
        (Some(4), Some(19))
    );
}

#[test]
fn cycle_lists_the_whole_cycle() {
    let (report, _) = check_json(&fixture("cycle"), &[]);
    let d = findings(&report, "cycle")[0];
    let message = d["message"].as_str().unwrap();
    assert!(message.contains("g2 → g3 → g2"), "{message}");
    assert!(message.contains("cuts off 3 entities"), "{message}");
}

#[test]
fn inputs_cycles_are_found_too() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        (
            "loop.yaml",
            "kind: DataProduct\nid: a\nname: A\nowner: o\ndomain: d\ntype: aggregate\ninputs: [b]\nslos: [{category: architecture, property: p, target: 1}]\n---\n\
             kind: DataProduct\nid: b\nname: B\nowner: o\ndomain: d\ntype: aggregate\ninputs: [a]\nslos: [{category: architecture, property: p, target: 1}]\n",
        ),
    ]);
    let (report, code) = check_json(ws.path(), &[]);
    assert_eq!(code, 1);
    let cycles = findings(&report, "cycle");
    assert_eq!(cycles.len(), 1, "{report}");
    assert!(cycles[0]["message"].as_str().unwrap().contains("a → b → a"));
    assert_eq!(cycles[0]["line"], 7);
    // The cycle is the root cause: neither product is reported as untraced.
    assert!(findings(&report, "untraced").is_empty(), "{report}");
}

#[test]
fn duplicate_id_points_back_at_the_first() {
    let (report, _) = check_json(&fixture("duplicate-id"), &[]);
    let d = findings(&report, "duplicate-id")[0];
    let related = &d["related"][0];
    assert_eq!(related["file"], "base.yaml");
    assert_eq!(related["line"], 52);
}

#[test]
fn duplicate_key_reports_the_second_key_and_keeps_the_first() {
    let (report, _) = check_json(&fixture("duplicate-key"), &[]);
    let d = findings(&report, "duplicate-key")[0];
    assert_eq!(d["related"][0]["line"], 4);
}

#[test]
fn schema_errors_explain_themselves() {
    let (report, _) = check_json(&fixture("schema"), &[]);
    let schema = findings(&report, "schema");
    let by_line = |line: u64| {
        schema
            .iter()
            .find(|d| d["line"] == line)
            .unwrap_or_else(|| panic!("no schema finding on line {line}: {report}"))
    };
    assert_eq!(
        by_line(4)["message"],
        "unknown field `contributeTo` in a Goal, and required field `contributesTo` is missing"
    );
    assert_eq!(by_line(4)["help"], "did you mean `contributesTo`?");
    assert_eq!(by_line(8)["help"], "did you mean `active`?");
    assert_eq!(by_line(10)["message"], "unknown kind `Initative`");
    assert_eq!(by_line(10)["help"], "did you mean `Initiative`?");
    // The typo is not reported a second time as a missing field.
    assert!(schema.iter().all(|d| d["line"] != 1), "{report}");
}

#[test]
fn one_typo_does_not_cascade() {
    // `g2` has a schema error but a valid kind and id: references to it resolve.
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        (
            "case.yaml",
            "kind: Goal\nid: g2\nname: G2\ncontributesTo: ns\nsuccessIndicators: []\n---\n\
             kind: Initiative\nid: i2\nname: I2\ngoals: [g2]\n",
        ),
    ]);
    let (report, _) = check_json(ws.path(), &[]);
    let rules: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["schema"], "{report}");
}

#[test]
fn columns_count_characters_on_non_ascii_lines() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        (
            "case.yaml",
            "kind: Initiative\nid: i2\nname: Ünïcødé ✓\ngoals: [g, \"ğöål\"]\n",
        ),
    ]);
    let (report, _) = check_json(ws.path(), &[]);
    let d = findings(&report, "broken-ref")[0];
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(4), Some(12))
    );
    assert_eq!(d["endColumn"], 18);
}

#[test]
fn hypothesis_mismatch_points_at_the_goal() {
    let (report, _) = check_json(&fixture("hypothesis-mismatch"), &[]);
    let d = findings(&report, "hypothesis-mismatch")[0];
    assert!(d["message"].as_str().unwrap().contains("`i2`"));
    assert_eq!(d["related"][0]["line"], 10);
}
