//! Measurements, statuses and `throughline status` (CONTRACT §6).

use crate::common::{
    TODAY, base_yaml, check_json, findings, fixture, stderr, stdout, throughline, workspace,
};

/// A workspace with an active goal whose indicator has `rows` observations.
fn measured(rows: &str) -> tempfile::TempDir {
    let goal = "kind: Goal\nid: g2\nname: Grow repeat orders\ncontributesTo: ns\nstatus: active\nsuccessIndicators:\n  - id: repeat-rate\n    name: Repeat-order rate\n    unit: percent\n    baseline: 20\n    target: 30\n    by: 2027-06-30\n---\nkind: Initiative\nid: i2\nname: Loyalty\ngoals: [g2]\n";
    workspace(&[
        ("base.yaml", &base_yaml()),
        ("goal.yaml", goal),
        (
            "m.measurements.csv",
            &format!("date,entity,indicator,value\n{rows}"),
        ),
    ])
}

fn status_json(dir: &std::path::Path, extra: &[&str]) -> (serde_json::Value, i32) {
    let mut args = vec![
        "status",
        dir.to_str().unwrap(),
        "--format",
        "json",
        "--today",
        TODAY,
    ];
    args.extend_from_slice(extra);
    let o = throughline(&args);
    let json = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    (json, o.status.code().unwrap())
}

const STEADY: &str = "2025-12-01,g2,repeat-rate,21\n2026-01-01,g2,repeat-rate,22\n2026-02-01,g2,repeat-rate,23\n2026-03-01,g2,repeat-rate,24\n2026-04-01,g2,repeat-rate,24.5\n2026-05-01,g2,repeat-rate,25.5\n";
const AWAY: &str = "2026-01-01,g2,repeat-rate,24\n2026-02-01,g2,repeat-rate,23\n2026-03-01,g2,repeat-rate,22.5\n2026-04-01,g2,repeat-rate,22\n2026-05-01,g2,repeat-rate,21\n";

#[test]
fn status_json_follows_the_contract() {
    let ws = measured(STEADY);
    let (json, code) = status_json(ws.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(json["version"], 1);
    assert_eq!(json["today"], TODAY);
    let list = json["indicators"].as_array().unwrap();
    assert_eq!(
        list.len(),
        3,
        "the North Star metric and two goal indicators"
    );
    let ns = &list[0];
    assert_eq!(
        (ns["kind"].as_str(), ns["indicator"].is_null()),
        (Some("NorthStar"), true)
    );
    assert_eq!(ns["status"], "no-data");
    assert!(ns["latest"].is_null() && ns["projected"].is_null());
    let g = list.iter().find(|i| i["entity"] == "g2").unwrap();
    let keys: Vec<&str> = g.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "entity",
            "kind",
            "indicator",
            "name",
            "unit",
            "direction",
            "baseline",
            "target",
            "by",
            "latest",
            "projected",
            "points",
            "status"
        ]
    );
    assert_eq!(g["indicator"], "repeat-rate");
    assert_eq!(g["name"], "Repeat-order rate");
    assert_eq!(
        (g["baseline"].clone(), g["target"].clone()),
        (20.into(), 30.into())
    );
    assert_eq!(g["by"], "2027-06-30");
    assert_eq!(g["latest"]["date"], "2026-05-01");
    assert_eq!(g["latest"]["value"], 25.5);
    assert_eq!(g["points"], 6);
    assert_eq!(g["status"], "on-track");
    assert!(g["projected"].as_f64().unwrap() > 30.0);
    // A goal indicator without an `id` is named by its `name`.
    let base = list.iter().find(|i| i["entity"] == "g").unwrap();
    assert_eq!(base["indicator"], "Indicator");
}

#[test]
fn fail_on_off_track_and_the_off_track_warning() {
    let ws = measured(AWAY);
    let (json, code) = status_json(ws.path(), &[]);
    assert_eq!(code, 0, "without --fail-on, status always exits 0");
    let g = json["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["entity"] == "g2")
        .unwrap();
    assert_eq!(g["status"], "off-track");
    let (_, code) = status_json(ws.path(), &["--fail-on", "off-track"]);
    assert_eq!(code, 1);
    let (report, code) = check_json(ws.path(), &[]);
    assert_eq!(code, 0);
    let off = findings(&report, "off-track");
    assert_eq!(off.len(), 1);
    assert_eq!(
        (
            off[0]["file"].as_str(),
            off[0]["line"].clone(),
            off[0]["column"].clone()
        ),
        (Some("goal.yaml"), 11.into(), 13.into())
    );
    // Only for active goals: a proposed one that is off track is not a warning.
    let proposed = std::fs::read_to_string(ws.path().join("goal.yaml"))
        .unwrap()
        .replace("status: active", "status: proposed");
    std::fs::write(ws.path().join("goal.yaml"), proposed).unwrap();
    let (report, _) = check_json(ws.path(), &[]);
    assert!(findings(&report, "off-track").is_empty());
    let (_, code) = status_json(ws.path(), &["--fail-on", "off-track"]);
    assert_eq!(code, 1, "status still reports it off track");
    // A usage error is 2.
    let o = throughline(&["status", ws.path().to_str().unwrap(), "--fail-on", "late"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn stale_measurements_honour_the_cadence() {
    let rows = "2026-01-01,g2,repeat-rate,21\n2026-02-01,g2,repeat-rate,22\n2026-03-01,g2,repeat-rate,23\n";
    let ws = measured(rows);
    let (report, _) = check_json(ws.path(), &[]);
    let stale = findings(&report, "stale-measurement");
    assert_eq!(stale.len(), 1, "92 days since the last, twice 31 is 62");
    assert_eq!(
        (stale[0]["line"].clone(), stale[0]["column"].clone()),
        (8.into(), 11.into())
    );
    // Measured quarterly: not stale.
    let quarterly = std::fs::read_to_string(ws.path().join("goal.yaml"))
        .unwrap()
        .replace(
            "    by: 2027-06-30\n",
            "    by: 2027-06-30\n    cadence: 92d\n",
        );
    std::fs::write(ws.path().join("goal.yaml"), quarterly).unwrap();
    let (report, _) = check_json(ws.path(), &[]);
    assert!(
        findings(&report, "stale-measurement").is_empty(),
        "{report:#}"
    );
}

#[test]
fn human_status_is_a_table_with_sparklines_plain_without_a_terminal() {
    let ws = measured(STEADY);
    let o = throughline(&["status", ws.path().to_str().unwrap(), "--today", TODAY]);
    let text = stdout(&o);
    assert!(!text.contains('\u{1b}'), "no colour without a terminal");
    let row = text
        .lines()
        .find(|l| l.contains("Repeat-order rate"))
        .unwrap();
    assert!(row.starts_with("on-track"), "{row}");
    assert!(
        row.contains("▁▃▄▆▆█"),
        "a sparkline of the six observations: {row}"
    );
    assert!(
        row.contains("25.5 percent")
            && row.contains("30 percent by 2027-06-30")
            && row.contains('→'),
        "{row}"
    );
    assert!(
        text.ends_with("\n3 indicators: 2 no data, 1 on track at 2026-06-01\n"),
        "{text}"
    );
    let md = stdout(&throughline(&[
        "status",
        ws.path().to_str().unwrap(),
        "--today",
        TODAY,
        "--format",
        "markdown",
    ]));
    assert!(md.starts_with("**Outcomes at 2026-06-01**"), "{md}");
    assert!(md.contains("| Status | Indicator | Trend | Latest | Target | Projected |"));
    assert!(
        md.contains("| 🟢 On track | Grow repeat orders · Repeat-order rate |"),
        "{md}"
    );
}

#[test]
fn every_report_format_carries_measurement_findings() {
    let dir = fixture("measurement-invalid");
    let d = dir.to_str().unwrap();
    let human = stdout(&throughline(&["check", d, "--today", TODAY]));
    assert!(human.contains("measurements.csv:4:24"), "{human}");
    assert!(
        human.contains("4 │ 2026-04-01,g,Indicator,lots"),
        "the CSV line as a snippet: {human}"
    );
    let sarif: serde_json::Value = serde_json::from_slice(
        &throughline(&["check", d, "--today", TODAY, "--format", "sarif"]).stdout,
    )
    .unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["message"]["text"].as_str().unwrap().contains("`lots`"))
        .unwrap()
        .clone();
    assert_eq!(result["ruleId"], "measurement-invalid");
    let loc = &result["locations"][0]["physicalLocation"];
    assert!(
        loc["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("case.measurements.csv")
    );
    assert_eq!(
        (
            loc["region"]["startLine"].clone(),
            loc["region"]["startColumn"].clone()
        ),
        (4.into(), 24.into())
    );
    let github = stdout(&throughline(&[
        "check", d, "--today", TODAY, "--format", "github",
    ]));
    assert!(
        github
            .lines()
            .any(|l| l.starts_with("::error file=")
                && l.contains("case.measurements.csv,line=4,col=24")),
        "{github}"
    );
    let junit = stdout(&throughline(&[
        "check", d, "--today", TODAY, "--format", "junit",
    ]));
    let doc = roxmltree::Document::parse(&junit).unwrap();
    let case = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("testcase") && n.attribute("name") == Some("file case.measurements.csv")
        })
        .expect("a case for the CSV file");
    let failure = case.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert!(
        failure
            .attribute("message")
            .unwrap()
            .starts_with("7 findings"),
        "{junit}"
    );
}

#[test]
fn a_broken_measurements_file_hides_nothing_else() {
    let ws = measured(STEADY);
    std::fs::write(
        ws.path().join("broken.measurements.csv"),
        "date,entity,value\n\"unterminated,g2,1\n",
    )
    .unwrap();
    std::fs::write(
        ws.path().join("bytes.measurements.csv"),
        b"date,entity,indicator,value\n2026-01-01,g2,repeat-rate,\xff\n",
    )
    .unwrap();
    std::fs::write(ws.path().join("bad.yaml"), "kind: Goal\nid: [\n").unwrap();
    let (report, _) = check_json(ws.path(), &[]);
    let files: std::collections::BTreeSet<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["file"].as_str())
        .collect();
    assert!(
        files.contains("broken.measurements.csv")
            && files.contains("bytes.measurements.csv")
            && files.contains("bad.yaml"),
        "{files:?}"
    );
    let (json, _) = status_json(ws.path(), &[]);
    let g = json["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["entity"] == "g2")
        .unwrap();
    assert_eq!(g["points"], 6, "the good file's rows still count");
}

#[test]
fn current_and_the_latest_observation_must_agree() {
    let ws = measured(STEADY);
    let goal = std::fs::read_to_string(ws.path().join("goal.yaml"))
        .unwrap()
        .replace("    target: 30\n", "    target: 30\n    current: 24\n");
    std::fs::write(ws.path().join("goal.yaml"), goal).unwrap();
    let (report, _) = check_json(ws.path(), &[]);
    let m = findings(&report, "current-mismatch");
    assert_eq!(m.len(), 1);
    assert_eq!(
        (m[0]["line"].clone(), m[0]["column"].clone()),
        (12.into(), 14.into())
    );
    assert!(m[0]["message"].as_str().unwrap().contains("is 25.5"));
}

#[cfg(unix)]
#[test]
fn baseline_reads_measurements_the_same_way() {
    let ws = measured(&format!(
        "{STEADY}2026-05-01,g2,repeat-rate,26\n2026-05-15,g3,repeat-rate,1\n"
    ));
    crate::trust::commit_all(ws.path());
    let (report, code) = check_json(ws.path(), &["--baseline", "HEAD"]);
    assert_eq!(report["summary"]["new"], 0, "{report:#}");
    assert_eq!(code, 0);
    assert!(report["summary"]["existing"].as_u64().unwrap() >= 2);
}

/// Runs `status` under a pseudo-terminal (util-linux `script`), with `env`.
#[cfg(target_os = "linux")]
fn status_in_a_terminal(dir: &std::path::Path, env: &[(&str, &str)]) -> Option<String> {
    let command = format!(
        "'{}' status '{}' --today {TODAY}",
        env!("CARGO_BIN_EXE_throughline"),
        dir.display()
    );
    let mut c = std::process::Command::new("script");
    c.args(["-q", "-e", "-c", &command, "/dev/null"])
        .env_remove("NO_COLOR");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(target_os = "linux")]
#[test]
fn status_is_coloured_in_a_terminal_unless_no_color() {
    let ws = measured(STEADY);
    let Some(tty) = status_in_a_terminal(ws.path(), &[]) else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    assert!(tty.contains("\u{1b}[32mon-track"), "{tty:?}");
    let plain = status_in_a_terminal(ws.path(), &[("NO_COLOR", "1")]).unwrap();
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
}

/// The recipe of docs/outcomes.md, run for real: daily events in a SQLite
/// database, aggregated to a measurements file by `sqlite3 -csv`, checked
/// and built; the chart shows exactly the monthly values SQL computed.
#[test]
fn measurements_from_a_real_sqlite_database() {
    let sqlite = std::env::var("SQLITE3").unwrap_or_else(|_| "sqlite3".into());
    if std::process::Command::new(&sqlite)
        .arg("-version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("THROUGHLINE_REQUIRE_SQLITE").is_none(),
            "sqlite3 (Debian: sqlite3) is required"
        );
        eprintln!("skipped: sqlite3 is not installed");
        return;
    }
    let ws = measured("");
    std::fs::remove_file(ws.path().join("m.measurements.csv")).unwrap();
    let db = ws.path().join("_warehouse.sqlite");
    let run = |sql: &str, csv: bool| -> String {
        let mut c = std::process::Command::new(&sqlite);
        if csv {
            c.args(["-csv", "-header"]);
        }
        let o = c.arg(&db).arg(sql).output().unwrap();
        assert!(
            o.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    // Five months of daily orders; the share of repeat orders grows.
    run(
        "CREATE TABLE orders(day TEXT, repeat INTEGER);
         WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 150)
         INSERT INTO orders
         SELECT date('2026-01-01', '+' || n || ' days'), (n * 7 + k) % 100 < 20 + n / 15
         FROM d, (SELECT 0 AS k UNION ALL SELECT 37 UNION ALL SELECT 71 UNION ALL SELECT 13);",
        false,
    );
    let query =
        "SELECT strftime('%Y-%m-01', day) AS date, 'g2' AS entity, 'repeat-rate' AS indicator,
                        round(100.0 * avg(repeat), 2) AS value
                 FROM orders GROUP BY 1 ORDER BY 1;";
    let csv = run(query, true);
    std::fs::write(ws.path().join("repeat.measurements.csv"), &csv).unwrap();
    let expected: Vec<(String, String)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.trim_end_matches('\r').split(',').collect();
            (cells[0].to_string(), cells[3].to_string())
        })
        .collect();
    assert_eq!(expected.len(), 5, "{csv}");
    let (report, code) = check_json(ws.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(findings(&report, "measurement-invalid").is_empty());
    let (json, _) = status_json(ws.path(), &[]);
    let g = json["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["entity"] == "g2")
        .unwrap()
        .clone();
    assert_eq!(g["points"], 5);
    assert_eq!(g["latest"]["date"], "2026-05-01");
    let tmp = crate::common::build_site(ws.path(), TODAY, &[]);
    let out = tmp.path().join("site");
    let page = std::fs::read_to_string(out.join("goals/g2.html")).unwrap();
    for (date, value) in &expected {
        let shown = value.parse::<f64>().unwrap().to_string();
        assert!(
            page.contains(&format!("<tr><td>{date}</td><td>{shown}</td></tr>")),
            "the chart's table shows {date} = {shown}"
        );
        assert!(
            page.contains(&format!("<title>{date}: {shown}</title>")),
            "and its point"
        );
    }
}

#[test]
fn the_example_site_shows_outcomes_where_people_look() {
    let tmp = crate::common::build_site(&crate::common::example_spec(), "2026-12-01", &[]);
    let out = tmp.path().join("site");
    let read = |p: &str| std::fs::read_to_string(out.join(p)).unwrap();
    // progress.html: every indicator, off track first.
    let progress = read("progress.html");
    let order: Vec<usize> = [
        "id=\"off-track\"",
        "id=\"at-risk\"",
        "id=\"on-track\"",
        "id=\"achieved\"",
    ]
    .iter()
    .map(|g| progress.find(g).unwrap_or_else(|| panic!("no {g} group")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(
        read("index.html").contains("href=\"progress.html\""),
        "linked from the header"
    );
    // A goal page: one chart per indicator, with the initiative's start marked.
    let goal = read("goals/lift-campaign-conversion.html");
    assert_eq!(goal.matches("<figure class=\"chart").count(), 2);
    assert!(
        goal.contains("Affinity-targeted cross-sell campaigns started"),
        "the initiative's start is marked"
    );
    assert!(
        goal.contains("class=\"projection\""),
        "the projection is drawn"
    );
    // Lists and trees carry the status.
    assert!(
        read("goals/index.html").contains("<span class=\"badge s-off-track\">Off track</span>")
    );
    assert!(read("index.html").contains("<span class=\"badge s-achieved\">Achieved</span>"));
    // A validated hypothesis shows its goal's charts beside the evidence.
    let hypothesis = read("hypotheses/affinity-audiences-convert.html");
    let evidence = hypothesis
        .find("id=\"evidence-title\"")
        .expect("an evidence section");
    assert!(
        hypothesis[evidence..].contains("<figure class=\"chart"),
        "the goal's chart is with the evidence"
    );
    let untested = read("hypotheses/bundles-grow-baskets.html");
    assert!(!untested.contains("<figure class=\"chart"));
}

#[test]
fn an_indicator_without_observations_still_has_its_chart_and_table() {
    let ws = measured(STEADY);
    let tmp = crate::common::build_site(ws.path(), TODAY, &[]);
    let out = tmp.path().join("site");
    // The base goal `g` has one indicator and no observations.
    let page = std::fs::read_to_string(out.join("goals/g.html")).unwrap();
    let chart = &page[page.find("<figure class=\"chart").expect("a chart")..];
    assert!(
        chart.contains("<svg class=\"chart-svg empty\" role=\"img\""),
        "{chart}"
    );
    assert!(chart.contains("<title id=\"chart-1-title\">Indicator</title>"));
    assert!(
        chart.contains("<table"),
        "followed by its (empty) table of points"
    );
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        index.contains("role=\"img\""),
        "the North Star's chart on the index"
    );
}
