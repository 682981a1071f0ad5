//! Defects found in review and by new users, each pinned by the behaviour a
//! user sees.

use crate::common::{TODAY, base_yaml, check_json, findings, stderr, throughline, workspace};

fn located(report: &serde_json::Value, rule: &str) -> Vec<String> {
    findings(report, rule)
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{}",
                d["file"].as_str().unwrap_or("-"),
                d["line"],
                d["column"]
            )
        })
        .collect()
}

#[test]
fn reserved_ids_are_schema_errors_at_the_id() {
    let yaml = format!(
        "{}\n---\nkind: Consumer\nid: index\nname: Index\ntype: human\n---\nkind: Consumer\nid: page-2\nname: Two\ntype: human\n",
        base_yaml()
    );
    let ws = workspace(&[("specs.yaml", &yaml)]);
    let (report, code) = check_json(ws.path(), &[]);
    assert_eq!(code, 1);
    let schema = findings(&report, "schema");
    assert_eq!(
        located(&report, "schema"),
        ["specs.yaml:58:5", "specs.yaml:63:5"]
    );
    assert!(
        schema[0]["message"]
            .as_str()
            .unwrap()
            .contains("`index` is not allowed")
    );
    assert!(schema[0]["help"].as_str().unwrap().contains("reserved"));
    // The list page keeps its path; the reserved entity gets none, and no link
    // points at the list as if it were the entity.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let o = throughline(&[
        "build",
        ws.path().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--allow-errors",
        "--today",
        TODAY,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let list = std::fs::read_to_string(out.join("consumers/index.html")).unwrap();
    assert!(list.contains("<h1"), "the list page is a list page");
    assert!(!out.join("consumers/page-2.html").exists());
}
