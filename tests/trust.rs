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
    let tmp = crate::common::build_site(ws.path(), TODAY, &["--allow-errors"]);
    let out = tmp.path().join("site");
    let list = std::fs::read_to_string(out.join("consumers/index.html")).unwrap();
    assert!(list.contains("<h1"), "the list page is a list page");
    assert!(!out.join("consumers/page-2.html").exists());
}

/// Builds `ws` into a temporary site (errors allowed) and returns its root.
fn site_of(ws: &std::path::Path) -> tempfile::TempDir {
    crate::common::build_site(ws, TODAY, &["--allow-errors"])
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

const THREE_GOALS: &str = "kind: Goal
id: goal-a
name: A
contributesTo: ns
 successIndicators:
  - name: x
    unit: n
    target: 1
---
kind: Goal
id: goal-b
name: B
contributesTo: ns
successIndicators:
  - name: x
    unit: n
    target: 1
---
kind: Goal
id: goal-c
name: C
contributesTo: ns
successIndicators:
  - name: x
    unit: n
    target: 1
";

#[test]
fn a_broken_document_does_not_take_its_neighbours() {
    let refs = "kind: Initiative
id: work-a
name: Work A
goals: [goal-a]
---
kind: Initiative
id: work-b
name: Work B
goals: [goal-b, goal-c]
---
kind: Initiative
id: work-a2
name: Work A again
goals: [goal-a]
";
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        ("goals.yaml", THREE_GOALS),
        ("work.yaml", refs),
    ]);
    let (report, code) = check_json(ws.path(), &[]);
    assert_eq!(code, 1);
    let rules: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["yaml-syntax"], "{report:#}");
    let syntax = &findings(&report, "yaml-syntax")[0];
    assert_eq!(syntax["file"], "goals.yaml");
    // goal-b and goal-c were read: their pages exist, and work-b is traced.
    assert_eq!(report["summary"]["entities"], 7 + 2 + 3);
    let related = syntax["related"].as_array().unwrap();
    assert_eq!(related.len(), 1, "{related:?}");
    assert_eq!(related[0]["line"], 2);
    assert_eq!(related[0]["column"], 5);
    assert!(
        related[0]["message"]
            .as_str()
            .unwrap()
            .contains("defines `goal-a`; 2 references to it are not checked"),
        "{related:?}"
    );
}

#[test]
fn one_typo_in_a_goal_id_is_reported_once() {
    let yaml = format!(
        "{}\n---\nkind: Initiative\nid: i2\nname: Two\ngoals: [gg]\n---\nkind: Hypothesis\nid: h1\nname: H1\nstatement: We believe that x will help achieve g.\ninitiative: i2\ngoal: g\n---\nkind: Hypothesis\nid: h2\nname: H2\nstatement: We believe that y will help achieve g.\ninitiative: i2\ngoal: g\n",
        base_yaml()
    );
    let ws = workspace(&[("specs.yaml", &yaml)]);
    let (report, _) = check_json(ws.path(), &[]);
    let errors: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(errors, ["broken-ref"], "{report:#}");
}

#[test]
fn a_break_that_cuts_off_nothing_does_not_say_zero() {
    let yaml = base_yaml().replace("initiatives: [i]", "initiatives: [i, missing]");
    let ws = workspace(&[("specs.yaml", &yaml)]);
    let (report, _) = check_json(ws.path(), &[]);
    assert_eq!(findings(&report, "broken-ref").len(), 1);
    for d in report["diagnostics"].as_array().unwrap() {
        assert!(
            !d["message"].as_str().unwrap().contains("cuts off 0"),
            "{d}"
        );
    }
}

#[test]
fn the_summary_counts_mappings_as_entities() {
    let yaml = format!("{}\n---\n- a list\n---\njust text\n", base_yaml());
    let ws = workspace(&[("specs.yaml", &yaml)]);
    let (report, _) = check_json(ws.path(), &[]);
    assert_eq!(findings(&report, "yaml-syntax").len(), 2);
    assert_eq!(report["summary"]["entities"], 7);
}

#[test]
fn personal_data_is_followed_through_products_until_deidentified() {
    let chain = |deidentified: &str| {
        format!(
            "{}\n---\nkind: Source\nid: crm\nname: CRM\nsystem: crm\nsensitivity: pii\n---\nkind: DataProduct\nid: profiles\nname: Profiles\nowner: t\ndomain: d\ntype: sourceAligned\ninputs: [crm]\n{deidentified}slos:\n  - category: governance\n    property: access\n    target: role-based\n---\nkind: DataProduct\nid: segments\nname: Segments\nowner: t\ndomain: d\ntype: aggregate\ninputs: [profiles]\nslos:\n  - category: dataQuality\n    property: freshness\n    target: 1h\n",
            base_yaml().replace("inputs: [src]", "inputs: [src, segments]")
        )
    };
    let ws = workspace(&[("specs.yaml", &chain(""))]);
    let (report, _) = check_json(ws.path(), &[]);
    let found = findings(&report, "sensitive-data-ungoverned");
    let entities: Vec<&str> = found
        .iter()
        .map(|d| d["entity"].as_str().unwrap())
        .collect();
    assert_eq!(
        entities,
        ["dp", "segments"],
        "two and one hops from the source"
    );
    let dp = found.iter().find(|d| d["entity"] == "dp").unwrap();
    assert!(
        dp["message"]
            .as_str()
            .unwrap()
            .contains("reads pii source `crm` through `segments` → `profiles`"),
        "{dp}"
    );
    let ws = workspace(&[("specs.yaml", &chain("deidentified: true\n"))]);
    let (report, _) = check_json(ws.path(), &[]);
    assert!(
        findings(&report, "sensitive-data-ungoverned").is_empty(),
        "{report:#}"
    );
    assert!(findings(&report, "schema").is_empty());
}

/// Runs `build` with a fault injected (see `site/output.rs`).
fn build_with_fault(
    ws: &std::path::Path,
    out: &std::path::Path,
    fault: &str,
) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_throughline"))
        .args([
            "build",
            ws.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--today",
            TODAY,
        ])
        .env("NO_COLOR", "1")
        .env("THROUGHLINE_FAULT", fault)
        .output()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn a_crash_at_any_step_of_the_swap_leaves_a_complete_site() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    assert_eq!(build_with_fault(ws.path(), &out, "").status.code(), Some(0));
    let goal = |out: &std::path::Path| std::fs::read_to_string(out.join("goals/g.html")).ok();
    let mut name = 0;
    for fault in [
        "before-swap",
        "after-swap",
        "no-exchange,after-swap",
        "no-exchange,before-swap",
    ] {
        name += 1;
        let before = goal(&out).unwrap();
        std::fs::write(
            ws.path().join("base.yaml"),
            base_yaml().replace("name: Goal\n", &format!("name: Goal {name}\n")),
        )
        .unwrap();
        let o = build_with_fault(ws.path(), &out, fault);
        assert_ne!(o.status.code(), Some(0), "{fault}: the process was stopped");
        let now = goal(&out).unwrap_or_else(|| panic!("{fault}: no site"));
        assert!(
            now == before || now.contains(&format!("Goal {name}")),
            "{fault}"
        );
    }
    // Killed between the two renames of the fallback swap: no OUT for a
    // moment. The next run puts the previous site back, even one that then
    // builds nothing because the workspace has errors.
    let before = goal(&out).unwrap();
    let o = build_with_fault(ws.path(), &out, "no-exchange,between-renames");
    assert_ne!(o.status.code(), Some(0));
    assert!(goal(&out).is_none(), "the crash left the gap");
    std::fs::write(ws.path().join("broken.yaml"), "kind: Goal\nid: [\n").unwrap();
    let o = build_with_fault(ws.path(), &out, "");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("restored the previous site"),
        "{}",
        stderr(&o)
    );
    assert_eq!(goal(&out).unwrap(), before);
    let leftovers: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("throughline-") && !n.ends_with("-lock"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn build_refuses_a_bad_output_before_checking() {
    // A workspace full of errors: the refusal is all that is printed.
    let ws = workspace(&[("bad.yaml", "kind: Goal\nid: [\n")]);
    let o = throughline(&["build", ws.path().to_str().unwrap(), "-o", "/"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("refusing to write the site into /"), "{err}");
    assert!(!err.contains("yaml-syntax"), "{err}");
}

/// `git init`, add everything and commit.
pub fn commit_all(dir: &std::path::Path) {
    use crate::gate::git;
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "specs"]);
}

type Bytes = Vec<u8>;

#[cfg(unix)]
#[test]
fn baseline_at_head_of_a_clean_tree_reports_nothing_new_on_hostile_workspaces() {
    let base = base_yaml();
    let cases: Vec<(&str, Vec<(&str, Bytes)>)> = vec![
        (
            "non-UTF-8",
            vec![(
                "bad.yaml",
                b"kind: Source\nid: x\nname: \xff\xfe\n".to_vec(),
            )],
        ),
        (
            "line break in a name",
            vec![("odd\nname.yaml", b"kind: Nope\nid: odd\n".to_vec())],
        ),
        (
            "tab and unicode",
            vec![("ü\tx.yaml", b"kind: Source\nid: [\n".to_vec())],
        ),
        (
            "broken documents",
            vec![(
                "two.yaml",
                b"kind: Goal\nid: a\n x: [\n---\nkind: Source\nid: b\nname: B\n".to_vec(),
            )],
        ),
        (
            "excluded dbt file",
            vec![("dbt/schema.yml", b"version: 2\nmodels: []\n".to_vec())],
        ),
    ];
    for (name, extra) in cases {
        let mut files: Vec<(&str, &[u8])> = vec![("base.yaml", base.as_bytes())];
        files.extend(extra.iter().map(|(p, b)| (*p, b.as_slice())));
        let ws = crate::common::workspace_of_bytes(&files);
        // A symbolic link to a spec inside the workspace, and one to a
        // directory: read once, by their first path.
        std::os::unix::fs::symlink("base.yaml", ws.path().join("alias.yaml")).unwrap();
        std::fs::create_dir(ws.path().join("real")).unwrap();
        std::fs::write(
            ws.path().join("real/s.yaml"),
            "kind: Source\nid: s\nname: S\nsystem: x\n",
        )
        .unwrap();
        std::os::unix::fs::symlink("real", ws.path().join("linked")).unwrap();
        commit_all(ws.path());
        let (live, _) = check_json(ws.path(), &[]);
        assert!(
            findings(&live, "duplicate-id").is_empty(),
            "{name}: {live:#}"
        );
        let (report, code) = check_json(ws.path(), &["--baseline", "HEAD"]);
        assert_eq!(report["summary"]["new"], 0, "{name}: {report:#}");
        assert_eq!(code, 0, "{name}");
        assert_eq!(
            report["summary"]["existing"],
            live["diagnostics"].as_array().unwrap().len(),
            "{name}"
        );
    }
}

#[test]
fn workspace_include_and_exclude_choose_the_specs() {
    let ws = workspace(&[
        ("specs/base.yaml", &base_yaml()),
        ("dbt/models/schema.yml", "version: 2\nmodels: []\n"),
        ("specs/old/legacy.yaml", "kind: Legacy\n"),
        (
            "throughline.toml",
            "[workspace]\nexclude = [\"dbt/**\", \"**/old/**\"]\n",
        ),
    ]);
    let (report, code) = check_json(ws.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["files"], 1);
    std::fs::write(
        ws.path().join("throughline.toml"),
        "[workspace]\ninclude = [\"specs/*.yaml\"]\n",
    )
    .unwrap();
    let (report, code) = check_json(ws.path(), &[]);
    assert_eq!((code, report["summary"]["files"].clone()), (0, 1.into()));
    std::fs::write(
        ws.path().join("throughline.toml"),
        "[workspace]\ninclude = [\"a/[b\"]\n",
    )
    .unwrap();
    let o = throughline(&["check", ws.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("a/[b"), "{}", stderr(&o));
}

#[test]
fn a_line_break_in_a_file_name_is_escaped_in_reports() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        ("odd\nname.yaml", "kind: Nope\nid: odd\n"),
    ]);
    for format in ["human", "github"] {
        let o = throughline(&[
            "check",
            ws.path().to_str().unwrap(),
            "--format",
            format,
            "--today",
            TODAY,
        ]);
        let text = crate::common::stdout(&o);
        assert!(!text.contains("odd\nname"), "{format}: {text}");
    }
}

#[test]
fn sarif_names_the_tool_and_its_rules_for_people() {
    let o = throughline(&[
        "check",
        crate::common::fixture("broken-ref").to_str().unwrap(),
        "--format",
        "sarif",
    ]);
    let log: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let driver = &log["runs"][0]["tool"]["driver"];
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    for rule in driver["rules"].as_array().unwrap() {
        let (id, name) = (rule["id"].as_str().unwrap(), rule["name"].as_str().unwrap());
        let squashed = id.replace('-', "");
        assert_ne!(
            name.to_lowercase(),
            squashed,
            "{id}: the name says more than the id"
        );
    }
    let base = log["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
}

#[test]
fn a_duration_too_long_to_count_is_a_finding_not_a_silent_skip() {
    let yaml = base_yaml().replace("    target: 1h", "    target: 99999999999999999999d");
    let ws = workspace(&[("specs.yaml", &yaml)]);
    let (report, code) = check_json(ws.path(), &[]);
    assert_eq!(code, 1);
    let schema = findings(&report, "schema");
    assert_eq!(schema.len(), 1, "{report:#}");
    assert!(
        schema[0]["message"]
            .as_str()
            .unwrap()
            .contains("`slos[0].target`")
    );
    assert_eq!(schema[0]["line"], 44);
}

#[test]
fn a_typo_in_a_required_field_is_one_finding() {
    let yaml = base_yaml().replace("successIndicators:", "successIndicator:");
    let ws = workspace(&[("specs.yaml", &yaml)]);
    let (report, _) = check_json(ws.path(), &[]);
    let schema = findings(&report, "schema");
    assert_eq!(schema.len(), 1, "{report:#}");
    let d = schema[0];
    assert_eq!(
        d["message"],
        "unknown field `successIndicator` in a Goal, and required field `successIndicators` is missing"
    );
    assert_eq!(d["help"], "did you mean `successIndicators`?");
    assert_eq!(
        (d["line"].clone(), d["column"].clone()),
        (17.into(), 1.into())
    );
    // A typo of an optional field is just unknown.
    let yaml = base_yaml().replace(
        "vision: One clear vision.",
        "vision: One clear vision.\ndescripton: x",
    );
    let ws = workspace(&[("specs.yaml", &yaml)]);
    let (report, _) = check_json(ws.path(), &[]);
    let schema = findings(&report, "schema");
    assert_eq!(schema.len(), 1);
    assert_eq!(
        schema[0]["message"],
        "unknown field `descripton` in a NorthStar"
    );
}

#[test]
fn messages_use_the_right_article() {
    // A goal naming an initiative where a goal belongs.
    let yaml = base_yaml().replace("contributesTo: ns", "contributesTo: i");
    let ws = workspace(&[("specs.yaml", &yaml)]);
    let (report, _) = check_json(ws.path(), &[]);
    let d = findings(&report, "ref-kind")[0];
    let message = d["message"].as_str().unwrap();
    assert!(message.contains("but `i` is an Initiative"), "{message}");
    assert!(
        message.starts_with("`contributesTo` must name a NorthStar or Goal"),
        "{message}"
    );
}

#[test]
fn pages_show_code_consumer_names_and_honest_progress() {
    let yaml = base_yaml()
        .replace(
            "kind: Initiative\nid: i\nname: Initiative\ngoals: [g]",
            "kind: Initiative\nid: i\nname: Initiative\ngoals: [g, nope]",
        )
        .replace(
            "inputs: [src]",
            "inputs: [src]\nusagePatterns:\n  - consumer: c\n    frequency: daily",
        )
        .replace(
            "  direction: increase\n  target: 10",
            "  direction: increase\n  baseline: 20\n  target: 30\n  current: 15",
        )
        .replace(
            "    unit: percent\n    target: 5",
            "    unit: percent\n    baseline: 1\n    target: 5\n    current: 9",
        );
    let ws = workspace(&[("specs.yaml", &yaml)]);
    let site = site_of(ws.path());
    let findings_page = page(&site, "findings.html");
    assert!(
        findings_page.contains("<code>goals</code> names <code>nope</code>"),
        "backticks are code"
    );
    assert!(!findings_page.contains("`nope`"));
    let dp = page(&site, "data-products/dp.html");
    assert!(
        dp.contains("<td><a href=\"../consumers/c.html\">Consumer</a></td>"),
        "the consumer's name: {dp}"
    );
    let ns = page(&site, "north-star/ns.html");
    assert!(
        ns.contains("-50%") && ns.contains("moved away from the target"),
        "a regression is negative"
    );
    let g = page(&site, "goals/g.html");
    assert!(
        g.contains("200%") && g.contains("past the target"),
        "overshoot is not capped"
    );
    // No current value: no bar and a dash, not 0 %.
    let ws = workspace(&[(
        "specs.yaml",
        &base_yaml().replace("  target: 10", "  baseline: 2\n  target: 10"),
    )]);
    let site = site_of(ws.path());
    let ns = page(&site, "north-star/ns.html");
    assert!(ns.contains("<dt>Progress</dt><dd>—</dd>"), "{ns}");
    assert!(!ns.contains("<progress"));
}
