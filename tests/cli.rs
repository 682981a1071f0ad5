//! The command line: exit codes, options, configuration.

use crate::common::{
    TODAY, base_yaml, check_json, example_spec, findings, fixture, stderr, stdout, throughline,
    workspace,
};

#[test]
fn example_spec_is_clean_but_for_its_deliberate_warning() {
    // At the date of its latest measurements, the example has one warning on
    // purpose: the unsubscribe rate is off track (README, "Quick start").
    let dir = example_spec();
    let out = throughline(&["check", dir.to_str().unwrap(), "--today", "2026-12-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).ends_with("0 errors, 1 warning in 38 files (33 entities)\n"),
        "{}",
        stdout(&out)
    );
    let out = throughline(&[
        "check",
        dir.to_str().unwrap(),
        "--today",
        "2026-12-01",
        "--strict",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<(&str, &str)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["rule"].as_str().unwrap(), d["entity"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rules,
        [("off-track", "lift-campaign-conversion")],
        "{report}"
    );
    assert_eq!(report["summary"]["entities"], 33);
    // At the tests' usual date too, nothing else.
    let (report, code) = check_json(&dir, &[]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(findings(&report, "off-track").len(), 1, "{report}");
    assert_eq!(
        report["diagnostics"].as_array().unwrap().len(),
        1,
        "{report}"
    );
}

#[test]
fn missing_directory_exits_2() {
    let out = throughline(&["check", "/definitely/not/here"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
}

#[test]
fn unknown_flag_and_bad_values_exit_2() {
    for args in [
        vec!["check", "--no-such-flag"],
        vec!["check", "--format", "xml"],
        vec!["check", "--today", "2026-13-01"],
        vec!["frobnicate"],
        vec![],
    ] {
        let out = throughline(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    let out = throughline(&["check", "--today", "tomorrow"]);
    assert!(stderr(&out).contains("YYYY-MM-DD"), "{}", stderr(&out));
}

#[test]
fn help_and_version_exit_0() {
    assert_eq!(throughline(&["--help"]).status.code(), Some(0));
    assert_eq!(throughline(&["--version"]).status.code(), Some(0));
}

#[test]
fn bad_config_exits_2_naming_the_file() {
    for (toml, says) in [
        (
            "[rules]\nmissng-slo = \"off\"\n",
            "did you mean `missing-slo`",
        ),
        ("[rules]\nmissing-slo = \"loud\"\n", "loud"),
        ("[rules\n", "throughline.toml"),
    ] {
        let ws = workspace(&[("base.yaml", &base_yaml()), ("throughline.toml", toml)]);
        let out = throughline(&["check", ws.path().to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{toml}");
        let err = stderr(&out);
        assert!(
            err.contains("throughline.toml") && err.contains(says),
            "{err}"
        );
    }
}

#[test]
fn config_changes_severities() {
    let unused = std::fs::read_to_string(fixture("unused/case.yaml")).unwrap();
    let files = |toml: &'static str| {
        workspace(&[
            ("base.yaml", &base_yaml()),
            ("case.yaml", &unused),
            ("throughline.toml", toml),
        ])
    };
    let ws = files("[rules]\nunused = \"error\"\n");
    let (report, code) = check_json(ws.path(), &[]);
    assert_eq!(code, 1);
    assert!(
        findings(&report, "unused")
            .iter()
            .all(|d| d["severity"] == "error")
    );

    let ws = files("[rules]\nunused = \"off\"\n");
    let (report, code) = check_json(ws.path(), &["--strict"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["warnings"], 0);
}

#[test]
fn allow_turns_a_rule_off_for_one_entity() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        (
            "case.yaml",
            "kind: Source\nid: s1\nname: S1\nsystem: x\nallow: [unused]\n---\nkind: Source\nid: s2\nname: S2\nsystem: x\n",
        ),
    ]);
    let (report, _) = check_json(ws.path(), &[]);
    let unused: Vec<&str> = findings(&report, "unused")
        .iter()
        .map(|d| d["entity"].as_str().unwrap())
        .collect();
    assert_eq!(unused, ["s2"]);
}

#[test]
fn strict_fails_on_warnings() {
    let dir = fixture("unused");
    let (_, code) = check_json(&dir, &[]);
    assert_eq!(code, 0);
    let (_, code) = check_json(&dir, &["--strict"]);
    assert_eq!(code, 1);
}

#[test]
fn today_moves_the_review_clock() {
    let dir = fixture("stale-review");
    let dir = dir.to_str().unwrap();
    for (today, stale) in [("2026-01-01", 0), (TODAY, 1), ("2027-01-01", 2)] {
        let out = throughline(&["check", dir, "--format", "json", "--today", today]);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(findings(&report, "stale-review").len(), stale, "{today}");
    }
}

#[test]
fn discovery_skips_hidden_underscore_and_site_output() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        (
            "nested/deeper/more.yml",
            "kind: Source\nid: deep\nname: Deep\nsystem: x\n",
        ),
        (".hidden/x.yaml", "not: [valid"),
        ("_drafts/x.yaml", "not: [valid"),
        ("_site/x.yaml", "not: [valid"),
        ("public/.throughline-site", ""),
        ("public/x.yaml", "not: [valid"),
        ("notes.txt", "not: [valid"),
    ]);
    let (report, _) = check_json(ws.path(), &[]);
    assert_eq!(report["summary"]["files"], 2, "{report}");
    let unused = findings(&report, "unused");
    assert_eq!(unused[0]["file"], "nested/deeper/more.yml");
}

#[test]
fn multi_document_files_and_empty_documents() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        ("empty.yaml", ""),
        ("comments.yaml", "# nothing here\n---\n---\n"),
    ]);
    let (report, code) = check_json(ws.path(), &["--strict"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["files"], 3);
    assert_eq!(report["summary"]["entities"], 7);
}

#[test]
fn json_report_has_every_contracted_field() {
    let (report, _) = check_json(&fixture("north-star-none"), &[]);
    assert_eq!(report["version"], 1);
    for key in ["files", "entities", "errors", "warnings"] {
        assert!(report["summary"][key].is_u64(), "{key}");
    }
    let diags = report["diagnostics"].as_array().unwrap();
    for d in diags {
        for key in [
            "rule",
            "severity",
            "message",
            "help",
            "file",
            "line",
            "column",
            "endLine",
            "endColumn",
            "entity",
            "related",
        ] {
            assert!(d.get(key).is_some(), "missing {key} in {d}");
        }
    }
    // A finding about the whole workspace has no file, and sorts first.
    assert_eq!(diags[0]["rule"], "north-star-count");
    assert!(diags[0]["file"].is_null());
}

#[test]
fn a_file_is_not_a_workspace() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let file = ws.path().join("base.yaml");
    let out = throughline(&["check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a directory"), "{}", stderr(&out));
}

#[test]
fn bom_crlf_and_binary_files() {
    let crlf = "\u{feff}kind: Source\r\nid: crlf\r\nname: CRLF\r\nsystem: x\r\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.yaml"), base_yaml()).unwrap();
    std::fs::write(dir.path().join("crlf.yaml"), crlf).unwrap();
    std::fs::write(
        dir.path().join("binary.yaml"),
        b"kind: Source\nid: \xff\xfe\x00\n",
    )
    .unwrap();
    let (report, code) = check_json(dir.path(), &[]);
    assert_eq!(code, 1);
    // The CRLF file with a BOM reads fine; its id is on line 2, column 5.
    let unused = findings(&report, "unused");
    assert_eq!(unused.len(), 1, "{report}");
    assert_eq!(
        (unused[0]["line"].as_u64(), unused[0]["column"].as_u64()),
        (Some(2), Some(5))
    );
    // The binary file gets one clear finding where the bad byte is.
    let syntax = findings(&report, "yaml-syntax");
    assert_eq!(syntax.len(), 1, "{report}");
    assert_eq!(syntax[0]["file"], "binary.yaml");
    assert_eq!(
        (syntax[0]["line"].as_u64(), syntax[0]["column"].as_u64()),
        (Some(2), Some(5))
    );
}

#[test]
fn progress_shows_on_a_terminal_only() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let bin = env!("CARGO_BIN_EXE_throughline");
    let dir = example_spec();
    // Piped (as in CI logs): no bar, even with no delay.
    let piped = std::process::Command::new(bin)
        .args(["build", dir.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .env("THROUGHLINE_PROGRESS_AFTER_MS", "0")
        .env_remove("CI")
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(0));
    let err = stderr(&piped);
    assert!(!err.contains("left)"), "{err}");
    // On a terminal (a pty from `script`), once the delay has passed.
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no `script` to give the build a terminal");
        return;
    }
    let command = format!("{bin} build {} -o {}", dir.display(), out.display());
    let tty = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("THROUGHLINE_PROGRESS_AFTER_MS", "0")
        .env_remove("CI")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&tty.stdout);
    assert!(shown.contains(" left)"), "{shown}");
    assert!(shown.contains("built 49 pages"), "{shown}");
    // In CI, never.
    let ci = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("THROUGHLINE_PROGRESS_AFTER_MS", "0")
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&ci.stdout).contains(" left)"));
}

#[test]
fn findings_show_their_lines_though_check_drops_the_texts_it_parsed() {
    let ws = crate::common::workspace_of_bytes(&[
        ("base.yaml", base_yaml().as_bytes()),
        ("bad.yaml", b"kind: Goal\nid: x\nname: \xff\xfe bad\n"),
        (
            "typo.yaml",
            b"kind: Initiative\nid: i2\nname: I2\ngoals: [gg]\n",
        ),
    ]);
    let out = throughline(&["check", ws.path().to_str().unwrap(), "--today", TODAY]);
    let text = stdout(&out);
    assert!(text.contains("name: \u{fffd}\u{fffd} bad"), "{text}");
    assert!(text.contains(" 4 │ goals: [gg]"), "{text}");
}
