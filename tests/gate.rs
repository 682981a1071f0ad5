//! CI gate: SARIF, GitHub and JUnit output, several reports in one run,
//! workspace schemas and `--baseline`.

use std::path::Path;
use std::process::Command;

use crate::common::{
    TODAY, base_yaml, check_json, findings, fixture, stderr, stdout, throughline, workspace,
};

fn check(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["check", dir.to_str().unwrap(), "--today", TODAY];
    all.extend_from_slice(args);
    throughline(&all)
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let mut schema: serde_json::Value =
        serde_json::from_str(include_str!("vendor/sarif-2.1.0-rtm.5.json")).unwrap();
    // The official schema's `language` patterns have a stray `]`
    // (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`), which the validator's check of
    // the schema itself rejects as a regex. We never emit `language`; give those
    // patterns the intended form in memory and validate the rest as published.
    fn fix(v: &mut serde_json::Value) -> usize {
        match v {
            serde_json::Value::String(s) if s == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" => {
                *s = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into();
                1
            }
            serde_json::Value::Array(a) => a.iter_mut().map(fix).sum(),
            serde_json::Value::Object(o) => o.values_mut().map(fix).sum(),
            _ => 0,
        }
    }
    assert!(fix(&mut schema) >= 1);
    let validator = jsonschema::draft4::options()
        .should_validate_formats(false)
        .build(&schema)
        .expect("the SARIF schema compiles");
    for name in ["schema", "duplicate-id", "north-star-none", "base"] {
        let out = check(&fixture(name), &["--format", "sarif"]);
        let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn sarif_describes_rules_and_locates_results() {
    let out = check(&fixture("duplicate-id"), &["--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), throughline::diagnostic::Rule::ALL.len());
    for rule in rules {
        for key in [
            "id",
            "shortDescription",
            "fullDescription",
            "defaultConfiguration",
            "help",
        ] {
            assert!(rule.get(key).is_some(), "{key} missing in {rule}");
        }
    }
    let missing_slo = rules.iter().find(|r| r["id"] == "missing-slo").unwrap();
    assert_eq!(missing_slo["defaultConfiguration"]["level"], "warning");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "duplicate-id");
    assert_eq!(result["level"], "error");
    let loc = &result["locations"][0]["physicalLocation"];
    let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
    assert!(
        uri.ends_with("tests/fixtures/duplicate-id/case.yaml") && !uri.starts_with('/'),
        "{uri}"
    );
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "SRCROOT");
    assert_eq!(loc["region"]["startLine"], 2);
    assert_eq!(loc["region"]["startColumn"], 5);
    assert_eq!(loc["region"]["endColumn"], 6);
    assert!(
        result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("base.yaml")
    );
}

#[test]
fn github_annotations_escape_what_they_must() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        (
            "odd, name: 100%.yaml",
            "kind: Source\nid: spare\nname: Spare\nsystem: x\n",
        ),
        (
            "broken.yaml",
            "kind: Initiative\nid: i2\nname: I2\ngoals: [nope]\n",
        ),
    ]);
    let dir = ws.path();
    let out = Command::new(env!("CARGO_BIN_EXE_throughline"))
        .current_dir(dir)
        .args(["check", ".", "--format", "github", "--today", TODAY])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(
        lines[0],
        "::error file=broken.yaml,line=4,col=9,endLine=4,endColumn=13,title=throughline broken-ref::`goals` names `nope`, but no entity has that id; it cuts off 1 entity from the North Star%0Ahelp: `goals` must name a Goal"
    );
    assert!(
        lines[1].starts_with("::warning file=odd%2C name%3A 100%25.yaml,line=2,col=5,endLine=2,endColumn=10,title=throughline unused::"),
        "{}",
        lines[1]
    );
    // The full report follows, for the findings GitHub does not show.
    assert!(text.contains("error[broken-ref]"));
    assert!(text.trim_end().ends_with("(9 entities)"), "{text}");
}

#[test]
fn junit_has_a_case_per_entity_and_a_failure_per_failing_finding() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        (
            "bad.yaml",
            "kind: Initiative\nid: i2\nname: I2\ngoals: [nope, g, also-nope]\n---\nkind: Source\nid: spare\nname: Spare\nsystem: x\n",
        ),
        ("list.yaml", "- not a mapping\n"),
    ]);
    let out = check(ws.path(), &["--format", "junit"]);
    assert_eq!(out.status.code(), Some(1));
    let xml = stdout(&out);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    // 9 entities plus one case for the file whose finding has no entity;
    // two of them fail.
    assert_eq!(suite.attribute("tests"), Some("10"));
    assert_eq!(suite.attribute("failures"), Some("2"));
    validate_junit(&xml);
    let case = |name: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
            .unwrap_or_else(|| panic!("no case {name}: {xml}"))
    };
    let failures: Vec<_> = case("Initiative i2")
        .children()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    // One failure per case, listing both findings.
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].attribute("type"), Some("broken-ref"));
    assert!(
        failures[0]
            .attribute("message")
            .unwrap()
            .starts_with("2 findings: ")
    );
    let text = failures[0].text().unwrap();
    assert!(
        text.contains("`nope`") && text.contains("`also-nope`"),
        "{text}"
    );
    let classname = case("Initiative i2").attribute("classname").unwrap();
    assert!(
        classname.ends_with("/bad.yaml"),
        "the spec file: {classname}"
    );
    // A warning does not fail; it is reported in the case's output.
    let spare = case("Source spare");
    assert!(spare.children().all(|n| !n.has_tag_name("failure")));
    assert!(
        spare
            .children()
            .any(|n| n.has_tag_name("system-out") && n.text().unwrap().contains("unused"))
    );
    assert_eq!(
        case("file list.yaml")
            .children()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        1
    );
    // With --strict, the warning fails too.
    let out = check(ws.path(), &["--format", "junit", "--strict"]);
    let doc = roxmltree::Document::parse(std::str::from_utf8(&out.stdout).unwrap()).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("failures"), Some("3"));
    validate_junit(std::str::from_utf8(&out.stdout).unwrap());
}

/// Validates a JUnit report against the Jenkins xUnit `junit-10.xsd` with
/// `xmllint` (which `scripts/test.sh` installs; required in CI).
fn validate_junit(xml: &str) {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vendor/junit-10.xsd");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("junit.xml");
    std::fs::write(&file, xml).unwrap();
    let out = match Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&file)
        .output()
    {
        Ok(out) => out,
        Err(_) if std::env::var_os("THROUGHLINE_REQUIRE_XMLLINT").is_none() => {
            eprintln!("skipped: xmllint is not installed");
            return;
        }
        Err(e) => panic!("xmllint (Debian: libxml2-utils) is required: {e}"),
    };
    assert!(
        out.status.success(),
        "not valid against junit-10.xsd: {}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn several_reports_in_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let sarif = tmp.path().join("report.sarif");
    let json = tmp.path().join("report.json");
    let junit = tmp.path().join("junit.xml");
    let out = check(
        &fixture("broken-ref"),
        &[
            "--output-sarif",
            sarif.to_str().unwrap(),
            "--output-json",
            json.to_str().unwrap(),
            "--output-junit",
            junit.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    // The log stays human.
    assert!(stdout(&out).contains("error[broken-ref]"));
    assert!(!stdout(&out).contains('\u{1b}'));
    let sarif: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "broken-ref");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(json["summary"]["errors"], 1);
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("<failure type=\"broken-ref\"")
    );
    // A directory that does not exist is a usage error, and nothing is made.
    for flag in [
        "--output-sarif",
        "--output-json",
        "--output-junit",
        "--output-github",
    ] {
        let missing = tmp.path().join("no/such/dir/report");
        let out = check(&fixture("broken-ref"), &[flag, missing.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
        assert!(!tmp.path().join("no").exists());
    }
}

#[test]
fn exit_codes_do_not_depend_on_the_format() {
    for format in ["human", "json", "sarif", "github", "junit"] {
        assert_eq!(
            check(&fixture("base"), &["--format", format]).status.code(),
            Some(0),
            "{format}"
        );
        assert_eq!(
            check(&fixture("cycle"), &["--format", format])
                .status
                .code(),
            Some(1),
            "{format}"
        );
        assert_eq!(
            check(&fixture("unused"), &["--format", format])
                .status
                .code(),
            Some(0),
            "{format}"
        );
        assert_eq!(
            check(&fixture("unused"), &["--format", format, "--strict"])
                .status
                .code(),
            Some(1),
            "{format}"
        );
        assert_eq!(
            check(Path::new("/no/such/dir"), &["--format", format])
                .status
                .code(),
            Some(2),
            "{format}"
        );
    }
}

#[test]
fn workspace_schemas_apply_on_top_of_the_built_in_ones() {
    let dp_schema = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "required": ["tags"],
  "properties": {"tags": {"type": "array", "minItems": 1, "description": "Every data product is tagged with its domain."}}
}"#;
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        ("throughline.toml", "[schemas]\ndir = \"org-schemas\"\n"),
        ("org-schemas/DataProduct.schema.json", dp_schema),
    ]);
    let (report, code) = check_json(ws.path(), &[]);
    assert_eq!(code, 1);
    let schema = findings(&report, "schema");
    assert_eq!(schema.len(), 1, "{report}");
    assert_eq!(schema[0]["message"], "missing required field `tags`");
    assert_eq!(schema[0]["entity"], "dp");
    // Reported at the mapping of the data product (its first key).
    assert_eq!(schema[0]["line"], 34);
    assert!(
        schema[0]["help"]
            .as_str()
            .unwrap()
            .contains("DataProduct.schema.json")
    );
}

#[test]
fn a_broken_workspace_schema_is_a_clear_exit_2() {
    for (name, text, says) in [
        ("DataProduct.schema.json", "{ not json", "not valid JSON"),
        (
            "DataProduct.schema.json",
            r#"{"type": "nonsense"}"#,
            "not a valid JSON Schema",
        ),
        ("DataProdct.schema.json", "{}", "did you mean `DataProduct`"),
    ] {
        let path = format!("org-schemas/{name}");
        let ws = workspace(&[
            ("base.yaml", &base_yaml()),
            ("throughline.toml", "[schemas]\ndir = \"org-schemas\"\n"),
            (&path, text),
        ]);
        let out = check(ws.path(), &[]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(name) && err.contains(says), "{err}");
    }
}

pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn baseline_fails_only_on_new_findings() {
    let repo = tempfile::tempdir().unwrap();
    let specs = repo.path().join("specs");
    std::fs::create_dir(&specs).unwrap();
    std::fs::write(specs.join("base.yaml"), base_yaml()).unwrap();
    std::fs::write(
        specs.join("old.yaml"),
        "kind: Initiative\nid: i2\nname: I2\ngoals: [nope]\n",
    )
    .unwrap();
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "specs"]);

    // Only the old finding: it exists at the baseline, so the gate passes.
    let (report, code) = check_json(&specs, &["--baseline", "main"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["diagnostics"][0]["baseline"], "existing");
    assert_eq!(report["summary"]["existing"], 1);

    // Lines added above the old finding do not make it new; a new break does fail.
    std::fs::write(
        specs.join("old.yaml"),
        "# a comment\n# and another\nkind: Initiative\nid: i2\nname: I2 renamed\ngoals: [nope]\n",
    )
    .unwrap();
    std::fs::write(
        specs.join("new.yaml"),
        "kind: Initiative\nid: i3\nname: I3\ngoals: [missing]\n",
    )
    .unwrap();
    let (report, code) = check_json(&specs, &["--baseline", "main"]);
    assert_eq!(code, 1, "{report}");
    let states: Vec<(&str, &str)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["file"].as_str().unwrap(), d["baseline"].as_str().unwrap()))
        .collect();
    assert_eq!(states, [("new.yaml", "new"), ("old.yaml", "existing")]);

    // SARIF says the same with baselineState; the human summary explains.
    let out = check(&specs, &["--baseline", "main", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let states: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["new", "unchanged"]);
    let out = check(&specs, &["--baseline", "main"]);
    let text = stdout(&out);
    assert!(text.contains("error[broken-ref] (existing)"), "{text}");
    assert!(text.contains("1 new, 1 existing since `main`"), "{text}");

    // A revision that does not exist, or no repository at all, is exit 2.
    let out = check(&specs, &["--baseline", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no-such-branch"), "{}", stderr(&out));
    let plain = workspace(&[("base.yaml", &base_yaml())]);
    let out = check(plain.path(), &["--baseline", "main"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
