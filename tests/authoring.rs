//! The authoring loop: `init`, `schema`, `graph`.

use std::path::Path;
use std::process::Command;

use crate::common::{example_spec, stderr, stdout, throughline};

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn init_writes_a_clean_commented_workspace() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("specs");
    let out = throughline(&["init", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let check = throughline(&["check", dir.to_str().unwrap(), "--strict"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    assert!(stdout(&check).starts_with("no problems in 9 files (8 entities)"));
    // Its measurements are recent and on track.
    let status = throughline(&["status", dir.to_str().unwrap(), "--format", "json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let states: Vec<&str> = status["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["on-track", "on-track"], "{status}");
    assert!(dir.join("throughline.toml").is_file());
    let mut kinds = Vec::new();
    for (path, bytes) in snapshot(&dir) {
        if !path.ends_with(".yaml") {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        let first = text.lines().next().unwrap();
        let schema = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{path} starts with {first}"));
        // The hint points at a schema file that exists, relative to the spec.
        let target = Path::new(&path).parent().unwrap().join(schema);
        assert!(target.is_file(), "{path}: {schema} does not exist");
        assert!(
            text.lines()
                .filter(|l| l.trim_start().starts_with('#'))
                .count()
                >= 2,
            "{path} teaches nothing"
        );
        kinds.push(
            text.lines()
                .find_map(|l| l.strip_prefix("kind: "))
                .unwrap()
                .to_string(),
        );
    }
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "Consumer",
            "DataProduct",
            "Goal",
            "Hypothesis",
            "Initiative",
            "NorthStar",
            "Source",
            "UseCase"
        ]
    );
}

#[test]
fn init_refuses_to_overwrite_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("goals")).unwrap();
    std::fs::write(dir.join("goals/improve-retention.yaml"), "mine").unwrap();
    let before = snapshot(dir);
    let out = throughline(&["init", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("goals/improve-retention.yaml"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(dir), before);
}

#[test]
fn schema_prints_and_writes_the_built_in_schemas() {
    let out = throughline(&["schema", "Goal"]);
    assert_eq!(out.status.code(), Some(0));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let shipped: serde_json::Value =
        serde_json::from_str(include_str!("../schemas/Goal.schema.json")).unwrap();
    assert_eq!(printed, shipped);

    let tmp = tempfile::tempdir().unwrap();
    let out = throughline(&["schema", "--out", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let mut names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 9, "{names:?}");
    assert!(names.contains(&"throughline.schema.json".to_string()));

    let out = throughline(&["schema", "Gaol"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("did you mean `Goal`"));
}

#[test]
fn the_editor_schema_agrees_with_check_on_the_example() {
    let out = throughline(&["schema"]);
    let bundle: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&bundle)
        .unwrap();
    let ws = throughline::load::load(&example_spec(), &Default::default()).unwrap();
    // The example's ODCS contracts are not specs: the ODCS schema checks them.
    let specs: Vec<_> = ws
        .documents
        .iter()
        .filter(|d| !throughline::model::contract::is_contract(&d.node))
        .collect();
    assert_eq!(specs.len(), 33);
    for doc in specs {
        let json = doc.node.to_json();
        assert!(validator.is_valid(&json), "{json}");
    }
    // And it rejects what check rejects.
    let broken = serde_json::json!({"kind": "Goal", "id": "g", "name": "G", "contributeTo": "x"});
    assert!(!validator.is_valid(&broken));
}

#[test]
fn graph_json_lists_nodes_and_edges() {
    let out = throughline(&[
        "graph",
        example_spec().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let g: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(g["version"], 1);
    let nodes = g["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 33);
    let goal = nodes
        .iter()
        .find(|n| n["id"] == "grow-attach-rate")
        .unwrap();
    assert_eq!(goal["kind"], "Goal");
    assert_eq!(goal["name"], "Grow the accessory attach rate");
    assert_eq!(goal["traced"], true);
    assert_eq!(goal["file"], "goals/grow-attach-rate.yaml");
    let edges = g["edges"].as_array().unwrap();
    assert!(edges.iter().any(|e| e["from"] == "grow-attach-rate"
        && e["to"] == "increase-basket-size"
        && e["field"] == "contributesTo"));
    assert!(edges.iter().any(|e| e["from"] == "orders"
        && e["to"] == "category-managers"
        && e["field"] == "usagePatterns.consumer"));
}

#[test]
fn graph_dot_renders_with_graphviz() {
    let out = throughline(&["graph", example_spec().to_str().unwrap(), "--format", "dot"]);
    assert_eq!(out.status.code(), Some(0));
    let dot_text = stdout(&out);
    assert!(dot_text.starts_with("digraph throughline {"));
    let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        // scripts/test.sh installs Graphviz and sets this, so CI never skips.
        assert!(
            std::env::var_os("THROUGHLINE_REQUIRE_DOT").is_none(),
            "Graphviz `dot` is required but not installed"
        );
        eprintln!("skipped: Graphviz `dot` is not installed");
        return;
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot_text.as_bytes())
        .unwrap();
    let rendered = child.wait_with_output().unwrap();
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let svg = String::from_utf8(rendered.stdout).unwrap();
    assert!(svg.contains("<svg"));
    assert!(svg.contains("Basket affinity"));
    assert!(svg.contains("contributesTo"));
}

#[test]
fn graph_mermaid_is_a_flowchart() {
    let out = throughline(&[
        "graph",
        example_spec().to_str().unwrap(),
        "--format",
        "mermaid",
    ]);
    let text = stdout(&out);
    assert!(text.starts_with("flowchart RL\n"));
    assert_eq!(text.matches("-->|").count(), {
        let json = throughline(&[
            "graph",
            example_spec().to_str().unwrap(),
            "--format",
            "json",
        ]);
        let g: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        g["edges"].as_array().unwrap().len()
    });
}
