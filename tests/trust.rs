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

/// Builds `ws` into a temporary site (errors allowed) and returns its root.
fn site_of(ws: &std::path::Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let o = throughline(&[
        "build",
        ws.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--allow-errors",
        "--today",
        TODAY,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    tmp
}

fn page(site: &tempfile::TempDir, path: &str) -> String {
    std::fs::read_to_string(site.path().join("site").join(path)).unwrap()
}

#[test]
fn impact_trees_go_as_deep_as_the_trace_and_say_what_a_budget_cuts() {
    let mut yaml = base_yaml();
    // A chain of twelve sub-goals under `g`, and 200 initiatives on `g`.
    let mut parent = "g".to_string();
    for n in 1..=12 {
        yaml.push_str(&format!(
            "\n---\nkind: Goal\nid: deep-{n}\nname: Deep {n}\ncontributesTo: {parent}\nsuccessIndicators:\n  - name: x\n    unit: n\n    target: 1\n"
        ));
        parent = format!("deep-{n}");
    }
    yaml.push_str(
        "\n---\nkind: Initiative\nid: deepest-work\nname: Deepest work\ngoals: [deep-12]\n",
    );
    for n in 1..=200 {
        yaml.push_str(&format!(
            "\n---\nkind: Initiative\nid: wide-{n}\nname: Wide {n}\ngoals: [g]\n"
        ));
    }
    let ws = workspace(&[("specs.yaml", &yaml)]);
    let site = site_of(ws.path());
    let ns = page(&site, "north-star/ns.html");
    assert!(
        ns.contains("Deep 12"),
        "the twelfth sub-goal is in the North Star's tree"
    );
    let goal = page(&site, "goals/deep-1.html");
    assert!(goal.contains("Deepest work"), "depth is not capped");
    // Under the North Star, the cut below `g` links to g's own page …
    assert!(
        ns.contains("<a href=\"../goals/g.html\">… and 68 more on the page of Goal</a>"),
        "the budget's cut is said, with a link"
    );
    // … where the same cut, at the top of its tree, is said too.
    let g = page(&site, "goals/g.html");
    assert!(g.contains("more, left out to keep the page small"));
}

#[test]
fn data_product_pages_name_upstream_and_downstream() {
    let site = site_of(&crate::common::example_spec());
    let dp = page(&site, "data-products/basket-affinity.html");
    assert!(dp.contains("Upstream: what it is built from"));
    assert!(dp.contains("Downstream: what it feeds"));
    let source = page(&site, "sources/crm.html");
    assert!(source.contains("Downstream: what it feeds"));
}
