//! dbt (CONTRACT §11), against the real dbt project in tests/dbt/shop: its
//! artifacts are those checked in, or those scripts/test.sh has just built
//! with the pinned dbt (THROUGHLINE_DBT_ARTIFACTS).

use std::path::{Path, PathBuf};

use crate::common::{check_json, findings, stderr, stdout, throughline};

/// Where the shop project's `manifest.json`, `run_results.json` and
/// `sources.json` are.
pub fn artifacts() -> PathBuf {
    match std::env::var_os("THROUGHLINE_DBT_ARTIFACTS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dbt/shop/target"),
    }
}

/// A copy of tests/dbt/specs whose `[dbt]` points at [`artifacts`], with
/// `edits` (file, from, to) applied.
pub fn shop(edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dbt/specs");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.ends_with(".yaml") {
            std::fs::copy(&path, dir.path().join(&name)).unwrap();
        }
    }
    let a = artifacts();
    let toml = format!(
        "[dbt]\nmanifest = {:?}\nrun-results = {:?}\nsources = {:?}\n",
        a.join("manifest.json"),
        a.join("run_results.json"),
        a.join("sources.json")
    );
    std::fs::write(dir.path().join("throughline.toml"), toml).unwrap();
    for (file, from, to) in edits {
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}: {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
    dir
}

fn at(d: &serde_json::Value) -> (String, u64, u64) {
    (
        d["file"].as_str().unwrap_or("").to_string(),
        d["line"].as_u64().unwrap_or(0),
        d["column"].as_u64().unwrap_or(0),
    )
}

fn place(file: &str, line: u64, column: u64) -> (String, u64, u64) {
    (file.to_string(), line, column)
}

#[test]
fn a_renamed_model_is_a_dbt_ref_error_suggesting_the_new_name() {
    let dir = shop(&[]);
    let (report, code) = check_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let refs = findings(&report, "dbt-ref");
    assert_eq!(refs.len(), 1, "{refs:?}");
    assert_eq!(at(refs[0]), place("data-products.yaml", 11, 10));
    assert_eq!(refs[0]["severity"], "error");
    assert_eq!(refs[0]["help"], "did you mean `orders`?");
    assert_eq!(refs[0]["entity"], "order-history");
    let message = refs[0]["message"].as_str().unwrap();
    assert!(message.contains("`order_facts`"), "{message}");
}

#[test]
fn undeclared_upstreams_and_unobserved_inputs_are_lineage_drift() {
    let dir = shop(&[]);
    let (report, _) = check_json(dir.path(), &[]);
    let drift = findings(&report, "lineage-drift");
    let places: Vec<_> = drift.iter().map(|d| at(d)).collect();
    assert_eq!(
        places,
        [
            // `customers` lists raw-orders; dim_customers.v2 does not read it.
            place("data-products.yaml", 25, 25),
            // customer_revenue reads stg_payments ← raw.payments, undeclared.
            place("data-products.yaml", 38, 5),
        ],
        "{drift:?}"
    );
    assert!(drift.iter().all(|d| d["severity"] == "warning"));
    let undeclared = drift[1];
    let message = undeclared["message"].as_str().unwrap();
    assert!(message.contains("`raw-payments`"), "{message}");
    // The path through the nodes no spec names is the evidence.
    assert!(
        message.contains(
            "model.shop.customer_revenue ← model.shop.stg_payments ← source.shop.raw.payments"
        ),
        "{message}"
    );
    let related = &undeclared["related"][0];
    assert_eq!(
        (
            related["file"].as_str().unwrap(),
            related["line"].as_u64().unwrap()
        ),
        ("sources.yaml", 11)
    );
    assert!(related["message"].as_str().unwrap().contains("parent_map"));
    // raw-orders is reached through `customers`' inputs: not reported.
    assert!(!drift.iter().any(|d| {
        d["message"]
            .as_str()
            .unwrap()
            .contains("built from `raw-orders`")
    }));
}

#[test]
fn declaring_the_upstream_clears_the_drift() {
    let dir = shop(&[
        (
            "data-products.yaml",
            "inputs: [customers]",
            "inputs: [customers, raw-payments]",
        ),
        (
            "data-products.yaml",
            "inputs: [raw-customers, raw-orders]",
            "inputs: [raw-customers]",
        ),
    ]);
    let (report, _) = check_json(dir.path(), &[]);
    let drift = findings(&report, "lineage-drift");
    // Without raw-orders on `customers`, customer-revenue's read of it is undeclared.
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert_eq!(at(drift[0]), place("data-products.yaml", 38, 5));
    assert!(
        drift[0]["message"]
            .as_str()
            .unwrap()
            .contains("`raw-orders`")
    );
}

#[test]
fn a_failing_and_a_warning_test_on_a_port_model_are_dbt_failing() {
    let dir = shop(&[]);
    let (report, _) = check_json(dir.path(), &[]);
    let failing = findings(&report, "dbt-failing");
    assert_eq!(failing.len(), 2, "{failing:?}");
    for d in &failing {
        assert_eq!(at(d), place("data-products.yaml", 47, 10));
        assert_eq!(d["entity"], "customer-revenue");
    }
    let messages: Vec<&str> = failing
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`revenue_matches_payments`") && m.contains("`fail`")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("accepted_values") && m.contains("`warn`")),
        "{messages:?}"
    );
}

#[test]
fn stale_sources_are_freshness_unmet_against_the_tightest_slo() {
    let dir = shop(&[]);
    let (report, _) = check_json(dir.path(), &[]);
    let stale = findings(&report, "freshness-unmet");
    let places: Vec<_> = stale.iter().map(|d| at(d)).collect();
    assert_eq!(
        places,
        [
            place("sources.yaml", 5, 6),
            place("sources.yaml", 11, 6),
            place("sources.yaml", 18, 6),
        ]
    );
    // raw-orders feeds order-history (24h) and customers (6h): the tighter counts.
    let orders = stale[0]["message"].as_str().unwrap();
    assert!(
        orders.contains("`customers`") && orders.contains("6h"),
        "{orders}"
    );
    assert_eq!(stale[0]["related"][0]["file"], "data-products.yaml");
    assert_eq!(stale[0]["related"][0]["line"], 32);
}

#[test]
fn a_versioned_model_is_named_by_version_by_unique_id_or_as_its_latest() {
    for (value, ok) in [
        ("dim_customers.v2", true),
        ("model.shop.dim_customers.v2", true),
        ("dim_customers", true),
        ("dim_customers.v1", true),
        ("dim_customers.v3", false),
        ("model.shop.dim_customers", false),
    ] {
        let dir = shop(&[(
            "data-products.yaml",
            "dbt: dim_customers.v2",
            &format!("dbt: {value}"),
        )]);
        let (report, _) = check_json(dir.path(), &[]);
        let refs: Vec<_> = findings(&report, "dbt-ref")
            .into_iter()
            .filter(|d| d["line"] == 28)
            .collect();
        assert_eq!(refs.is_empty(), ok, "{value}: {refs:?}");
        if !ok {
            let help = refs[0]["help"].as_str().unwrap();
            assert!(help.contains("dim_customers"), "{value}: {help}");
        }
    }
}

#[test]
fn sources_and_exposures_are_checked_with_did_you_mean() {
    let dir = shop(&[
        ("sources.yaml", "dbt: raw.customers", "dbt: raw.customer"),
        (
            "consumers.yaml",
            "dbt: finance_dashboard",
            "dbt: finance_dashbord",
        ),
        ("sources.yaml", "dbt: raw.orders", "dbt: model.shop.orders"),
    ]);
    let (report, _) = check_json(dir.path(), &[]);
    let refs = findings(&report, "dbt-ref");
    let by_file: Vec<(String, u64, &str)> = refs
        .iter()
        .map(|d| {
            let (f, l, _) = at(d);
            (f, l, d["help"].as_str().unwrap_or(""))
        })
        .collect();
    assert!(
        by_file.contains(&(
            "consumers.yaml".into(),
            6,
            "did you mean `finance_dashboard`?"
        )),
        "{by_file:?}"
    );
    assert!(
        by_file.contains(&("sources.yaml".into(), 18, "did you mean `raw.customers`?")),
        "{by_file:?}"
    );
    let wrong_type = refs
        .iter()
        .find(|d| d["line"] == 5 && d["file"] == "sources.yaml")
        .unwrap();
    assert!(
        wrong_type["message"]
            .as_str()
            .unwrap()
            .contains("which is a model, not a source"),
        "{wrong_type}"
    );
}

#[test]
fn dbt_findings_reach_every_report_format() {
    let dir = shop(&[]);
    let d = dir.path().to_str().unwrap();
    for format in ["human", "sarif", "github", "junit"] {
        let out = throughline(&["check", d, "--format", format]);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        let text = stdout(&out);
        for rule in ["dbt-ref", "lineage-drift", "dbt-failing", "freshness-unmet"] {
            assert!(text.contains(rule), "{format} lacks {rule}");
        }
    }
    for rule in ["dbt-ref", "lineage-drift", "dbt-failing", "freshness-unmet"] {
        let out = throughline(&["explain", rule]);
        assert_eq!(out.status.code(), Some(0), "{rule}");
        assert!(stdout(&out).contains(rule), "{rule}");
    }
}

#[test]
fn rules_follow_the_rules_table_and_allow_lists() {
    let dir = shop(&[(
        "data-products.yaml",
        "id: customer-revenue\n",
        "id: customer-revenue\nallow: [dbt-failing]\n",
    )]);
    std::fs::write(
        dir.path().join("throughline.toml"),
        std::fs::read_to_string(dir.path().join("throughline.toml")).unwrap()
            + "\n[rules]\nfreshness-unmet = \"error\"\nlineage-drift = \"off\"\n",
    )
    .unwrap();
    let (report, _) = check_json(dir.path(), &[]);
    assert!(findings(&report, "dbt-failing").is_empty());
    assert!(findings(&report, "lineage-drift").is_empty());
    assert!(
        findings(&report, "freshness-unmet")
            .iter()
            .all(|d| d["severity"] == "error")
    );
}

/// A workspace with one product whose port names `model.p.m`, over a
/// manifest with the given text.
fn tiny(manifest: &str, extra_toml: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let specs = "kind: NorthStar\nid: ns\nname: N\nvision: v\nmetric: {name: m, definition: d, unit: u, direction: increase, target: 1}\n---\n\
kind: Goal\nid: g\nname: G\ncontributesTo: ns\nsuccessIndicators: [{name: i, unit: u, target: 1}]\n---\n\
kind: Initiative\nid: i\nname: I\ngoals: [g]\n---\n\
kind: Consumer\nid: c\nname: C\ntype: human\n---\n\
kind: UseCase\nid: u\nname: U\ninitiatives: [i]\nconsumers: [c]\ndataProducts: [p]\n---\n\
kind: Source\nid: s\nname: S\nsystem: db\ndbt: raw.t\n---\n\
kind: DataProduct\nid: p\nname: P\nowner: o\ndomain: d\ntype: aggregate\ninputs: [s]\n\
outputPorts: [{name: out, dbt: m}]\nslos: [{category: dataQuality, property: freshness, target: 1h}]\n";
    let mut all = vec![("specs.yaml", specs), ("target/manifest.json", manifest)];
    let toml = format!("[dbt]\nmanifest = \"target/manifest.json\"\n{extra_toml}");
    all.push(("throughline.toml", &toml));
    all.extend_from_slice(files);
    crate::common::workspace(&all)
}

const TINY_V10: &str = r#"{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v10.json", "project_name": "p"},
 "nodes": {"model.p.m": {"unique_id": "model.p.m", "resource_type": "model", "name": "m", "package_name": "p",
   "depends_on": {"nodes": ["source.p.raw.t"], "macros": []}}},
 "sources": {"source.p.raw.t": {"unique_id": "source.p.raw.t", "resource_type": "source", "name": "t", "source_name": "raw", "package_name": "p"}},
 "macros": {"macro.dbt.x": {"name": "x", "macro_sql": "{% macro x() %}{% endmacro %}"}},
 "exposures": {}, "parent_map": {"model.p.m": ["source.p.raw.t"], "source.p.raw.t": []}}"#;

#[test]
fn a_v10_manifest_is_read_and_a_clean_trace_has_no_dbt_finding() {
    let dir = tiny(TINY_V10, "", &[]);
    let (report, code) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report}");
    for rule in ["dbt-ref", "lineage-drift", "dbt-failing", "freshness-unmet"] {
        assert!(findings(&report, rule).is_empty(), "{rule}: {report}");
    }
}

#[test]
fn fresh_sources_and_passing_runs_raise_nothing_and_stale_ones_do() {
    let sources = |age: f64| {
        format!(
            r#"{{"metadata": {{"dbt_schema_version": "https://schemas.getdbt.com/dbt/sources/v3.json"}},
            "results": [{{"unique_id": "source.p.raw.t", "status": "pass", "max_loaded_at_time_ago_in_s": {age}}}]}}"#
        )
    };
    let runs = |status: &str| {
        format!(
            r#"{{"metadata": {{"dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json"}},
            "results": [{{"unique_id": "model.p.m", "status": "{status}", "message": "boom"}}]}}"#
        )
    };
    let toml = "run-results = \"target/run_results.json\"\nsources = \"target/sources.json\"\n";
    let (fresh, ok) = (sources(1800.0), runs("success"));
    let dir = tiny(
        TINY_V10,
        toml,
        &[
            ("target/sources.json", &fresh),
            ("target/run_results.json", &ok),
        ],
    );
    let (report, code) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report}");
    let (stale, bad) = (sources(7200.0), runs("error"));
    let dir = tiny(
        TINY_V10,
        toml,
        &[
            ("target/sources.json", &stale),
            ("target/run_results.json", &bad),
        ],
    );
    let (report, _) = check_json(dir.path(), &[]);
    assert_eq!(findings(&report, "freshness-unmet").len(), 1, "{report}");
    let failing = findings(&report, "dbt-failing");
    assert_eq!(failing.len(), 1, "{report}");
    assert!(failing[0]["message"].as_str().unwrap().contains("`error`"));
}

#[test]
fn a_missing_manifest_is_exit_2_naming_it() {
    let dir = crate::common::workspace(&[(
        "throughline.toml",
        "[dbt]\nmanifest = \"target/manifest.json\"\n",
    )]);
    let out = throughline(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("manifest.json") && err.contains("cannot read"),
        "{err}"
    );
}

#[test]
fn malformed_json_is_exit_2_with_its_line_and_column() {
    let dir = tiny(
        "{\"metadata\": {},\n  \"nodes\": {\"model.p.m\": [1,}\n}",
        "",
        &[],
    );
    let out = throughline(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("manifest.json:2:"), "{err}");
    let run = tiny(
        TINY_V10,
        "run-results = \"target/run_results.json\"\n",
        &[("target/run_results.json", "[")],
    );
    let out = throughline(&["check", run.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("run_results.json:1:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unknown_schema_version_is_a_warning_naming_it_and_is_read() {
    let v13 = TINY_V10.replace("manifest/v10.json", "manifest/v13.json");
    let dir = tiny(&v13, "", &[]);
    let out = throughline(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("warning") && err.contains("manifest/v13.json"),
        "{err}"
    );
}

#[test]
fn run_results_without_a_manifest_is_a_config_error() {
    let dir =
        crate::common::workspace(&[("throughline.toml", "[dbt]\nrun-results = \"r.json\"\n")]);
    let out = throughline(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("manifest"), "{}", stderr(&out));
}

fn export(dir: &Path, extra: &[&str]) -> (String, std::process::Output) {
    let out_file = dir.join("exposures.yml");
    let mut args = vec![
        "export",
        "dbt-exposures",
        dir.to_str().unwrap(),
        "--out",
        out_file.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = throughline(&args);
    (std::fs::read_to_string(&out_file).unwrap_or_default(), out)
}

#[test]
fn exposures_name_each_traced_consumer_and_the_models_it_reads() {
    let dir = shop(&[("data-products.yaml", "dbt: order_facts", "dbt: orders")]);
    std::fs::write(
        dir.path().join("throughline.toml"),
        std::fs::read_to_string(dir.path().join("throughline.toml")).unwrap()
            + "\n[site]\nurl = \"https://specs.example.com/\"\n",
    )
    .unwrap();
    let (yaml, out) = export(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("wrote 2 exposures"),
        "{}",
        stderr(&out)
    );
    assert!(yaml.contains("version: 2\nexposures:\n"), "{yaml}");
    // finance-team reads customer-revenue and order-history.
    let finance = &yaml[yaml.find("- name: finance_team").expect(&yaml)..];
    let finance = &finance[..finance[1..]
        .find("\n- name:")
        .map_or(finance.len(), |i| i + 1)];
    assert!(
        finance.contains("depends_on:\n  - ref('customer_revenue')\n  - ref('orders')\n"),
        "{finance}"
    );
    assert!(
        finance.contains("url: https://specs.example.com/consumers/finance-team.html"),
        "{finance}"
    );
    assert!(finance.contains("email: finance@example.com"), "{finance}");
    assert!(
        finance.contains("dbt: exposure.shop.finance_dashboard"),
        "{finance}"
    );
    assert!(yaml.contains("- name: ops_app\n"), "{yaml}");
    assert!(yaml.contains("type: application"), "{yaml}");
    // The same input gives the same bytes.
    let (again, _) = export(dir.path(), &[]);
    assert_eq!(again, yaml);
}

#[test]
fn a_pinned_version_stays_pinned_and_a_bare_name_follows_the_latest() {
    for (value, reference) in [
        ("dim_customers.v2", "ref('dim_customers', v=2)"),
        ("dim_customers.v1", "ref('dim_customers', v=1)"),
        ("dim_customers", "ref('dim_customers')"),
    ] {
        let dir = shop(&[
            ("data-products.yaml", "dbt: order_facts", "dbt: orders"),
            (
                "data-products.yaml",
                "dbt: dim_customers.v2",
                &format!("dbt: {value}"),
            ),
            (
                "use-cases.yaml",
                "dataProducts: [order-history]",
                "dataProducts: [order-history, customers]",
            ),
        ]);
        let (yaml, out) = export(dir.path(), &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            yaml.contains(&format!("  - {reference}\n")),
            "{value}: {yaml}"
        );
    }
}

#[test]
fn exposures_need_a_manifest_and_a_clean_check() {
    let dir = shop(&[]);
    let (_, out) = export(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "the renamed model is an error");
    assert!(!dir.path().join("exposures.yml").exists());
    let plain = crate::common::workspace(&[("specs.yaml", &crate::common::base_yaml())]);
    let (_, out) = export(plain.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("[dbt] manifest"), "{}", stderr(&out));
}

fn page(site: &Path, rel: &str) -> String {
    std::fs::read_to_string(site.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The text of `html` from the section headed `id` to its end, tags dropped.
pub fn section_text(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("aria-labelledby=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let end = start + html[start..].find("</section>").unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for c in html[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&quot;", "\"")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_site_shows_each_ports_model_and_declared_against_observed_lineage() {
    let dir = shop(&[]);
    let site = crate::common::build_site(dir.path(), crate::common::TODAY, &["--allow-errors"]);
    let site = site.path().join("site");
    let product = page(&site, "data-products/customer-revenue.html");
    let dbt = section_text(&product, "dbt-title");
    for part in [
        "Port revenue : model model.shop.customer_revenue success",
        "Materialization table",
        "Relation \"shop\".\"main\".\"customer_revenue\"",
        "Defined in models/marts/customer_revenue.sql",
        "revenue_matches_payments fail Got 2 results",
        "unique_customer_revenue_customer_id customer_id pass",
    ] {
        assert!(dbt.contains(part), "{part}\n{dbt}");
    }
    let lineage = section_text(&product, "lineage-title");
    for part in [
        "1 difference",
        "Observed by dbt",
        "model.shop.customer_revenue ← model.shop.stg_payments ← source.shop.raw.payments undeclared",
        "model.shop.customer_revenue ← model.shop.stg_orders ← source.shop.raw.orders through its inputs",
        "model.shop.customer_revenue ← model.shop.dim_customers.v2 agrees",
    ] {
        assert!(lineage.contains(part), "{part}\n{lineage}");
    }
    // The renamed model, and an input the model does not read.
    let history = section_text(
        &page(&site, "data-products/order-history.html"),
        "dbt-title",
    );
    assert!(
        history.contains("model order_facts not in the manifest"),
        "{history}"
    );
    let customers = page(&site, "data-products/customers.html");
    let built = section_text(&customers, "dbt-title");
    assert!(built.contains("Version 2 (latest)"), "{built}");
    let lineage = section_text(&customers, "lineage-title");
    assert!(
        lineage.contains("Raw orders yes no not observed"),
        "{lineage}"
    );
    let source = section_text(&page(&site, "sources/raw-orders.html"), "dbt-title");
    assert!(
        source.contains("source.shop.raw.orders")
            && source.contains("Last freshness check error newest row"),
        "{source}"
    );
    let overview = section_text(&page(&site, "index.html"), "dbt-risk-title");
    assert!(overview.contains("Grow repeat customers"), "{overview}");
    assert!(
        overview.contains("port revenue : test revenue_matches_payments fail"),
        "{overview}"
    );
}

#[test]
fn status_lists_failing_models_under_the_goals_they_put_at_risk() {
    let dir = shop(&[]);
    let d = dir.path().to_str().unwrap();
    let out = throughline(&["status", d, "--today", crate::common::TODAY]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let at = text.find("Failing in dbt").expect(&text);
    let part = &text[at..];
    assert!(
        part.contains("\n  grow-repeat-customers\n    customer-revenue · port revenue: "),
        "{part}"
    );
    assert!(
        part.contains(
            "\n    customer-revenue · port revenue: test `revenue_matches_payments` fail, 2 rows\n"
        ),
        "{part}"
    );
    let out = throughline(&[
        "status",
        d,
        "--format",
        "json",
        "--today",
        crate::common::TODAY,
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let failing = json["dbt"]["failing"].as_array().unwrap();
    assert_eq!(failing.len(), 2);
    let fail = failing.iter().find(|f| f["status"] == "fail").unwrap();
    assert_eq!(fail["dataProduct"], "customer-revenue");
    assert_eq!(fail["node"], "test.shop.revenue_matches_payments");
    assert_eq!(fail["goals"], serde_json::json!(["grow-repeat-customers"]));
    // Without run results there is no dbt member.
    let plain = tiny(TINY_V10, "", &[]);
    let out = throughline(&["status", plain.path().to_str().unwrap(), "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json.get("dbt").is_none(), "{json}");
}

#[test]
fn a_baseline_holds_the_same_dbt_run_so_only_spec_changes_are_new() {
    let dir = shop(&[]);
    crate::gate::git(dir.path(), &["init", "-q", "-b", "main"]);
    crate::gate::git(dir.path(), &["add", "."]);
    crate::gate::git(dir.path(), &["commit", "-q", "-m", "specs"]);
    // Every finding, dbt's included, was there at the baseline.
    let (report, code) = check_json(dir.path(), &["--baseline", "main"]);
    assert_eq!(code, 0, "{report}");
    assert!(
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["baseline"] == "existing"),
        "{report}"
    );
    // A port renamed to a model that is not there is new.
    let path = dir.path().join("data-products.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("dbt: dim_customers.v2", "dbt: dim_customer"),
    )
    .unwrap();
    let (report, code) = check_json(dir.path(), &["--baseline", "main"]);
    assert_eq!(code, 1, "{report}");
    let new: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["baseline"] == "new")
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert!(new.contains(&"dbt-ref"), "{new:?}");
}

#[test]
fn a_ports_dbt_model_goes_through_odps_and_back() {
    let dir = shop(&[("data-products.yaml", "dbt: order_facts", "dbt: orders")]);
    let odps = tempfile::tempdir().unwrap();
    let out = throughline(&[
        "export",
        "odps",
        dir.path().to_str().unwrap(),
        "--out",
        odps.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let exported = odps.path().join("customer-revenue.odps.yaml");
    let doc = crate::standards::yaml_json(&exported);
    let validator = crate::standards::odps_validator();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let port = &doc["outputPorts"][0];
    let dbt = port["customProperties"]
        .as_array()
        .and_then(|c| c.iter().find(|p| p["property"] == "dbt"));
    assert_eq!(
        dbt.map(|p| &p["value"]),
        Some(&serde_json::json!("model.shop.customer_revenue")),
        "{port}"
    );
    let back = tempfile::tempdir().unwrap();
    let out = throughline(&[
        "import",
        "odps",
        exported.to_str().unwrap(),
        "--out",
        back.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(back.path().join("customer-revenue.yaml")).unwrap();
    assert!(text.contains("dbt: model.shop.customer_revenue"), "{text}");
}
