//! Catalog and lineage (CONTRACT §13): `export backstage` validated against
//! Backstage's catalog-model schemas, `export openlineage` against the
//! OpenLineage 2-0-2 spec and its facets (all vendored under tests/vendor),
//! and OpenLineage run events read back as observed lineage.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{check_json, example_spec, findings, fixture, stderr, throughline, workspace};
use crate::dbt::section_text;

fn vendor(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vendor")
        .join(path)
}

fn json_file(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Hands out vendored schemas by URI, and nothing else (no network).
struct Vendored(HashMap<String, Value>);

impl jsonschema::Retrieve for Vendored {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let key = uri.as_str().split('#').next().unwrap_or_default();
        self.0
            .get(key)
            .cloned()
            .ok_or_else(|| format!("not vendored: {uri}").into())
    }
}

/// A validator for Backstage `kind`, with the schemas it refers to by `$id`
/// (`Entity`, `EntityMeta`, `common`) served as Backstage's own validator
/// loads them.
fn backstage_validator(kind: &str) -> jsonschema::Validator {
    let shared = [
        ("Entity", "Entity.schema.json"),
        ("EntityEnvelope", "EntityEnvelope.schema.json"),
        ("EntityMeta", "EntityMeta.schema.json"),
        ("common", "shared/common.schema.json"),
    ]
    .into_iter()
    .map(|(id, file)| {
        (
            format!("json-schema:///{id}"),
            json_file(&vendor(&format!("backstage/{file}"))),
        )
    })
    .collect();
    let schema = json_file(&vendor(&format!(
        "backstage/kinds/{kind}.v1alpha1.schema.json"
    )));
    jsonschema::options()
        .with_retriever(Vendored(shared))
        .build(&schema)
        .unwrap()
}

fn export(dir: &Path, what: &str, extra: &[&str]) -> (String, String) {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("out");
    let mut args = vec![
        "export",
        what,
        dir.to_str().unwrap(),
        "--out",
        file.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let run = throughline(&args);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    (std::fs::read_to_string(&file).unwrap(), stderr(&run))
}

/// The documents of a YAML stream, as JSON.
fn documents(yaml: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("catalog-info.yaml"), yaml).unwrap();
    let ws = throughline::load::from_contents(
        dir.path(),
        vec![("catalog-info.yaml".into(), Ok(yaml.as_bytes().to_vec()))],
        Default::default(),
    );
    assert!(ws.diagnostics.is_empty(), "{:?}", ws.diagnostics);
    ws.documents.iter().map(|d| d.node.to_json()).collect()
}

fn is_backstage_name(name: &str) -> bool {
    let ok = name.len() <= 63
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
    let ends = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    ok && ends(name.chars().next()) && ends(name.chars().last())
}

/// Checks every descriptor against its kind's schema, its name, and that
/// every relation names an entity of the export; returns them by kind/name.
fn valid_catalog(yaml: &str) -> HashMap<(String, String), Value> {
    let docs = documents(yaml);
    let mut validators: HashMap<String, jsonschema::Validator> = HashMap::new();
    let mut by_name = HashMap::new();
    for d in &docs {
        let kind = d["kind"].as_str().unwrap().to_string();
        let v = validators
            .entry(kind.clone())
            .or_insert_with(|| backstage_validator(&kind));
        let errors: Vec<String> = v
            .iter_errors(d)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{kind}: {errors:?}\n{d:#}");
        let name = d["metadata"]["name"].as_str().unwrap().to_string();
        assert!(is_backstage_name(&name), "{name}");
        assert!(
            by_name
                .insert((kind.to_lowercase(), name.clone()), d.clone())
                .is_none(),
            "{kind} {name} twice"
        );
    }
    let resolve = |r: &str, default_kind: &str| {
        let (kind, name) = r.split_once(':').unwrap_or((default_kind, r));
        let name = name.strip_prefix("default/").unwrap_or(name);
        assert!(
            by_name.contains_key(&(kind.to_string(), name.to_string())),
            "dangling relation {r}"
        );
    };
    for d in &docs {
        let spec = &d["spec"];
        for (field, kind) in [
            ("dependsOn", "component"),
            ("providesApis", "api"),
            ("consumesApis", "api"),
        ] {
            for r in spec[field].as_array().into_iter().flatten() {
                resolve(r.as_str().unwrap(), kind);
            }
        }
        if let Some(s) = spec["system"].as_str() {
            resolve(s, "system");
        }
        if let Some(s) = spec["domain"].as_str() {
            resolve(s, "domain");
        }
    }
    by_name
}

#[test]
fn backstage_descriptors_are_valid_and_every_relation_resolves() {
    let (yaml, notes) = export(&fixture("openlineage"), "backstage", &[]);
    let catalog = valid_catalog(&yaml);
    let kinds: BTreeSet<&str> = catalog.keys().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["api", "component", "domain", "resource", "system"].into()
    );
    // Every entity carries its throughline id and, with `[site] base-url`, a link.
    for (key, e) in &catalog {
        assert!(
            e["metadata"]["annotations"]["throughline.dev/id"].is_string(),
            "{key:?}"
        );
        let url = e["metadata"]["links"][0]["url"]
            .as_str()
            .unwrap_or_default();
        assert!(
            url.starts_with("https://specs.example.com/"),
            "{key:?}: {url}"
        );
    }
    assert_eq!(
        catalog[&("domain".into(), "finance".into())]["metadata"]["links"][0]["url"],
        "https://specs.example.com/data-products/index.html"
    );
    let revenue = &catalog[&("component".into(), "revenue".into())];
    assert_eq!(revenue["spec"]["type"], "data-product");
    assert_eq!(revenue["spec"]["lifecycle"], "production");
    assert_eq!(revenue["spec"]["owner"], "group:finance-data-team");
    assert_eq!(revenue["spec"]["system"], "finance");
    assert_eq!(
        revenue["spec"]["dependsOn"],
        serde_json::json!(["component:orders", "resource:raw-customers"])
    );
    assert_eq!(
        revenue["spec"]["consumesApis"],
        serde_json::json!(["api:orders-orders-table"])
    );
    assert_eq!(
        revenue["metadata"]["annotations"]["throughline.dev/id"],
        "revenue"
    );
    assert_eq!(
        revenue["metadata"]["links"][0]["url"],
        "https://specs.example.com/data-products/revenue.html"
    );
    assert_eq!(
        revenue["metadata"]["annotations"]["throughline.dev/goals"],
        "more-repeat-customers"
    );
    // The port with an ODCS contract carries it as its definition.
    let api = &catalog[&("api".into(), "orders-orders-table".into())];
    assert_eq!(api["spec"]["type"], "odcs");
    let definition = api["spec"]["definition"].as_str().unwrap();
    assert!(definition.contains("id: orders-contract"), "{definition}");
    assert!(definition.contains("order_id"), "{definition}");
    let source = &catalog[&("resource".into(), "raw-orders".into())];
    assert_eq!(source["spec"]["owner"], "group:shop-platform");
    assert_eq!(
        source["metadata"]["annotations"]["throughline.dev/id"],
        "raw-orders"
    );
    // Nobody reads raw-payments and it has no owner: said, not hidden.
    assert!(
        notes.contains("source `raw-payments` has no owner"),
        "{notes}"
    );
}

#[test]
fn backstage_export_of_the_example_is_valid() {
    let (yaml, notes) = export(&example_spec(), "backstage", &[]);
    let catalog = valid_catalog(&yaml);
    assert!(catalog.keys().filter(|(k, _)| k == "component").count() >= 3);
    assert!(notes.contains("[site] base-url is not set"), "{notes}");
    // Deterministic.
    assert_eq!(yaml, export(&example_spec(), "backstage", &[]).0);
}

const PRODUCT: &str = "kind: DataProduct
id: orders
name: Orders
owner: Sales Data (EMEA)
domain: Sales & Marketing
type: sourceAligned
status: development
tags: [Customer 360, pii]
inputs: [shop-db]
outputPorts:
  - {name: Daily Orders}
  - {name: daily orders}
  - {name: \"daily.orders!\"}
slos:
  - {category: dataQuality, property: freshness, target: 1h}
---
kind: Source
id: shop-db
name: Shop database
system: postgres
";

#[test]
fn backstage_names_are_sanitised_and_collisions_kept_apart_and_reported() {
    let dir = workspace(&[(
        "specs.yaml",
        &format!("{}---\n{PRODUCT}", crate::common::base_yaml()),
    )]);
    let (yaml, notes) = export(dir.path(), "backstage", &["--allow-errors"]);
    let catalog = valid_catalog(&yaml);
    let apis: BTreeSet<&str> = catalog
        .keys()
        .filter(|(k, _)| k == "api")
        .map(|(_, n)| n.as_str())
        .collect();
    assert_eq!(
        apis,
        [
            "orders-daily-orders",
            "orders-daily-orders-2",
            "orders-daily.orders"
        ]
        .into(),
        "{yaml}"
    );
    assert!(
        notes.contains("both make the Backstage API name `orders-daily-orders`")
            && notes.contains("is exported as `orders-daily-orders-2`"),
        "{notes}"
    );
    let c = &catalog[&("component".into(), "orders".into())];
    assert_eq!(c["spec"]["owner"], "group:sales-data-emea");
    assert_eq!(c["spec"]["lifecycle"], "experimental");
    assert_eq!(c["spec"]["system"], "sales-marketing");
    assert_eq!(
        c["metadata"]["tags"],
        serde_json::json!(["customer-360", "pii"])
    );
}

/// A validator for OpenLineage events (formats checked too), with the facet
/// schemas that refer back to it.
fn openlineage_validators() -> (jsonschema::Validator, Vec<(String, jsonschema::Validator)>) {
    let spec = json_file(&vendor("openlineage/OpenLineage.json"));
    let event = jsonschema::options()
        .should_validate_formats(true)
        .build(&spec)
        .unwrap();
    let facets = [
        "SchemaDatasetFacet",
        "DocumentationDatasetFacet",
        "DocumentationJobFacet",
        "OwnershipJobFacet",
        "JobTypeJobFacet",
    ]
    .iter()
    .map(|f| {
        let schema = json_file(&vendor(&format!("openlineage/facets/{f}.json")));
        let v = jsonschema::options()
            .should_validate_formats(true)
            .with_retriever(Vendored(HashMap::from([(
                "https://openlineage.io/spec/2-0-2/OpenLineage.json".to_string(),
                spec.clone(),
            )])))
            .build(&schema)
            .unwrap();
        (schema["$id"].as_str().unwrap().to_string(), v)
    })
    .collect();
    (event, facets)
}

/// Checks every line against the spec and each facet against its schema.
fn valid_events(jsonl: &str) -> Vec<Value> {
    let (event, facets) = openlineage_validators();
    let mut out = Vec::new();
    for line in jsonl.lines() {
        let e: Value = serde_json::from_str(line).unwrap();
        let errors: Vec<String> = event.iter_errors(&e).map(|x| x.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}\n{line}");
        let mut all_facets: Vec<(&String, &Value)> = Vec::new();
        for holder in [&e["job"], &e["dataset"]]
            .into_iter()
            .chain(e["inputs"].as_array().into_iter().flatten())
            .chain(e["outputs"].as_array().into_iter().flatten())
        {
            if let Some(f) = holder["facets"].as_object() {
                all_facets.extend(f.iter());
            }
        }
        for (key, facet) in all_facets {
            let url = facet["_schemaURL"].as_str().unwrap();
            let (id, _) = url.split_once('#').unwrap();
            let (_, v) = facets
                .iter()
                .find(|(i, _)| i == id)
                .unwrap_or_else(|| panic!("a facet of an unvendored schema {url}"));
            let wrapped = serde_json::json!({ key.as_str(): facet });
            let errors: Vec<String> = v.iter_errors(&wrapped).map(|x| x.to_string()).collect();
            assert!(errors.is_empty(), "{key}: {errors:?}\n{facet}");
        }
        out.push(e);
    }
    out
}

#[test]
fn openlineage_export_is_valid_sorted_and_the_same_bytes_each_time() {
    let time = "2026-12-01T00:00:00Z";
    let (jsonl, _) = export(
        &fixture("openlineage"),
        "openlineage",
        &["--event-time", time],
    );
    let events = valid_events(&jsonl);
    let lines: Vec<&str> = jsonl.lines().collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
    assert_eq!(
        jsonl,
        export(
            &fixture("openlineage"),
            "openlineage",
            &["--event-time", time]
        )
        .0
    );
    assert!(events.iter().all(|e| e["eventTime"] == time));
    let jobs: Vec<&Value> = events.iter().filter(|e| e.get("job").is_some()).collect();
    let datasets: Vec<&Value> = events
        .iter()
        .filter(|e| e.get("dataset").is_some())
        .collect();
    assert_eq!((jobs.len(), datasets.len()), (2, 3));
    let revenue = jobs.iter().find(|e| e["job"]["name"] == "revenue").unwrap();
    assert_eq!(revenue["job"]["namespace"], "shop-analytics");
    assert!(
        revenue["schemaURL"]
            .as_str()
            .unwrap()
            .ends_with("#/$defs/JobEvent")
    );
    let names = |side: &str| -> Vec<String> {
        revenue[side]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d["namespace"].as_str().unwrap(),
                    d["name"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        names("inputs"),
        [
            "snowflake://acme analytics.sales.orders",
            "postgres://crm:5432 crm.public.customers"
        ]
    );
    assert_eq!(
        names("outputs"),
        ["snowflake://acme analytics.finance.revenue"]
    );
    // The port with an ODCS contract gets its schema facet from it.
    let orders = jobs.iter().find(|e| e["job"]["name"] == "orders").unwrap();
    let fields = &orders["outputs"][0]["facets"]["schema"]["fields"];
    assert_eq!(fields[0]["name"], "order_id");
    assert_eq!(fields[0]["type"], "varchar");
    assert_eq!(fields[2]["type"], "decimal(12,2)");
    assert_eq!(
        orders["job"]["facets"]["ownership"]["owners"][0]["name"],
        "Sales data team"
    );
}

#[test]
fn openlineage_export_names_datasets_without_dataset_by_the_default() {
    let dir = workspace(&[(
        "specs.yaml",
        &format!("{}---\n{PRODUCT}", crate::common::base_yaml()),
    )]);
    let (jsonl, _) = export(
        dir.path(),
        "openlineage",
        &[
            "--allow-errors",
            "--event-time",
            "2026-12-01T10:00:00+01:00",
        ],
    );
    let events = valid_events(&jsonl);
    let job = events
        .iter()
        .find(|e| e["job"]["name"] == "orders")
        .unwrap();
    assert_eq!(job["job"]["namespace"], "throughline");
    assert_eq!(job["inputs"][0]["namespace"], "throughline");
    assert_eq!(job["inputs"][0]["name"], "shop-db");
    assert_eq!(job["outputs"][0]["name"], "orders.Daily Orders");
    assert!(
        events.iter().any(
            |e| e["dataset"]["namespace"] == "throughline" && e["dataset"]["name"] == "shop-db"
        )
    );
}

#[test]
fn openlineage_export_outside_git_has_a_fixed_time_and_refuses_a_bad_one() {
    let dir = workspace(&[("specs.yaml", &crate::common::base_yaml())]);
    let out = dir.path().join("out.jsonl");
    let args = [
        "export",
        "openlineage",
        dir.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let run = throughline(&args);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("pass --event-time"),
        "{}",
        stderr(&run)
    );
    let first = std::fs::read(&out).unwrap();
    let events = valid_events(std::str::from_utf8(&first).unwrap());
    assert!(
        events
            .iter()
            .all(|e| e["eventTime"] == "1970-01-01T00:00:00Z")
    );
    assert_eq!(throughline(&args).status.code(), Some(0));
    assert_eq!(std::fs::read(&out).unwrap(), first, "the same bytes");
    std::fs::remove_file(&out).unwrap();
    let mut bad = args.to_vec();
    bad.extend(["--event-time", "yesterday"]);
    let run = throughline(&bad);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("RFC 3339"), "{}", stderr(&run));
    assert!(!out.exists());
}

#[test]
fn run_events_are_observed_lineage_with_the_job_and_run_as_evidence() {
    let (report, code) = check_json(&fixture("openlineage"), &[]);
    assert_eq!(code, 0);
    let drift = findings(&report, "lineage-drift");
    assert_eq!(drift.len(), 2, "{report:#}");
    let undeclared = drift[0];
    assert_eq!(
        (undeclared["file"].as_str(), undeclared["line"].as_u64()),
        (Some("data-products.yaml"), Some(19))
    );
    let message = undeclared["message"].as_str().unwrap();
    assert!(
        message.starts_with("OpenLineage shows `revenue` built from `raw-payments`"),
        "{message}"
    );
    assert!(
        message.contains("snowflake://acme/analytics.staging.payments"),
        "{message}"
    );
    let related = &undeclared["related"];
    assert_eq!(related[0]["file"], "sources.yaml");
    let evidence = related[0]["message"].as_str().unwrap();
    assert!(
        evidence.contains(
            "job `airflow/finance.stage_payments` run `01937f6a-0000-7000-8000-000000000002`"
        ) && evidence.contains("lineage/airflow.jsonl:3"),
        "{evidence}"
    );
    assert!(
        related[1]["message"]
            .as_str()
            .unwrap()
            .contains("job `airflow/finance.build_revenue`")
    );
    let missing = drift[1];
    assert_eq!(
        (missing["line"].as_u64(), missing["column"].as_u64()),
        (Some(24), Some(18))
    );
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("lists input `raw-customers`")
    );
    // The line cut short: one finding at its line, the lines after it read.
    let invalid = findings(&report, "lineage-invalid");
    assert_eq!(invalid.len(), 1);
    assert_eq!(invalid[0]["file"], "lineage/airflow.jsonl");
    assert_eq!(invalid[0]["line"], 4);
    assert!(invalid[0]["message"].as_str().unwrap().contains("not JSON"));
}

/// The specs of the openlineage fixture, without its configuration and events.
fn specs_of_the_fixture() -> tempfile::TempDir {
    let src = fixture("openlineage");
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "specs.yaml",
        "sources.yaml",
        "data-products.yaml",
        "contracts.yaml",
    ] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    dir
}

#[test]
fn check_lineage_reads_a_file_given_on_the_command_line() {
    let (src, dir) = (fixture("openlineage"), specs_of_the_fixture());
    // Without events: nothing observed.
    let (report, _) = check_json(dir.path(), &[]);
    assert!(findings(&report, "lineage-drift").is_empty());
    let events = src.join("lineage/airflow.jsonl");
    let (report, _) = check_json(dir.path(), &["--lineage", events.to_str().unwrap()]);
    assert_eq!(findings(&report, "lineage-drift").len(), 2);
    let invalid = findings(&report, "lineage-invalid");
    // Outside the workspace, the file is named as given.
    assert_eq!(invalid[0]["file"].as_str(), Some(events.to_str().unwrap()));
    // A file that is not there: exit 2, naming it.
    let run = throughline(&[
        "check",
        dir.path().to_str().unwrap(),
        "--lineage",
        "/nonexistent/events.jsonl",
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("/nonexistent/events.jsonl"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn declared_lineage_read_back_is_not_evidence() {
    // throughline's own export is static lineage (JobEvents): read as run
    // events, it observes nothing.
    let (jsonl, _) = export(
        &fixture("openlineage"),
        "openlineage",
        &["--event-time", "2026-12-01T00:00:00Z"],
    );
    let dir = specs_of_the_fixture();
    std::fs::write(dir.path().join("static.jsonl"), jsonl).unwrap();
    let (report, _) = check_json(
        dir.path(),
        &[
            "--lineage",
            dir.path().join("static.jsonl").to_str().unwrap(),
        ],
    );
    assert!(findings(&report, "lineage-drift").is_empty(), "{report:#}");
    assert!(
        findings(&report, "lineage-invalid").is_empty(),
        "{report:#}"
    );
}

#[test]
fn a_malformed_line_in_a_large_file_is_one_finding_and_every_other_line_counts() {
    let (src, dir) = (fixture("openlineage"), specs_of_the_fixture());
    let good = std::fs::read_to_string(src.join("lineage/airflow.jsonl")).unwrap();
    let good: Vec<&str> = good.lines().filter(|l| l.ends_with('}')).collect();
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(good[i % good.len()]);
        text.push('\n');
        if i == 12_345 {
            text.push_str("{\"eventType\": \"COMPLETE\", \"run\": 5}\n");
        }
    }
    std::fs::create_dir(dir.path().join("lineage")).unwrap();
    std::fs::write(dir.path().join("lineage/big.jsonl"), text).unwrap();
    std::fs::write(
        dir.path().join("throughline.toml"),
        "[openlineage]\nevents = [\"lineage/big.jsonl\"]\n",
    )
    .unwrap();
    let (report, _) = check_json(dir.path(), &[]);
    let invalid = findings(&report, "lineage-invalid");
    assert_eq!(invalid.len(), 1, "{invalid:?}");
    assert_eq!(invalid[0]["line"], 12_347);
    assert!(
        invalid[0]["message"]
            .as_str()
            .unwrap()
            .contains("not an OpenLineage event")
    );
    assert_eq!(findings(&report, "lineage-drift").len(), 2);
}

#[test]
fn the_vendored_schemas_reject_what_backstage_and_openlineage_reject() {
    let component = backstage_validator("Component");
    let mut c = serde_json::json!({
        "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
        "metadata": {"name": "orders"},
        "spec": {"type": "data-product", "lifecycle": "production", "owner": "group:sales"}
    });
    assert!(component.is_valid(&c));
    c["spec"].as_object_mut().unwrap().remove("owner");
    assert!(!component.is_valid(&c), "a Component needs an owner");
    c["spec"]["owner"] = "group:sales".into();
    c["metadata"]["unknown"] = 1.into();
    assert!(component.is_valid(&c), "metadata is open");
    c["extra"] = 1.into();
    assert!(!component.is_valid(&c), "an entity is closed");
    let (event, _) = openlineage_validators();
    let mut e = serde_json::json!({
        "eventTime": "2026-12-01T00:00:00Z", "producer": "https://example.com/p",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
        "job": {"namespace": "n", "name": "j"}
    });
    assert!(event.is_valid(&e));
    e["eventTime"] = "yesterday".into();
    assert!(!event.is_valid(&e), "eventTime is a date-time");
}

#[test]
fn the_product_page_shows_openlineage_evidence_beside_dbt() {
    let dir = crate::dbt::shop(&[
        (
            "sources.yaml",
            "dbt: source.shop.raw.payments",
            "dbt: source.shop.raw.payments\ndataset: {namespace: \"postgres://pay\", name: public.payments}",
        ),
        (
            "data-products.yaml",
            "    dbt: model.shop.customer_revenue",
            "    dbt: model.shop.customer_revenue\n    dataset: {namespace: \"duckdb://shop\", name: main.customer_revenue}",
        ),
    ]);
    let event = serde_json::json!({
        "eventType": "COMPLETE", "eventTime": "2026-12-01T03:00:00Z",
        "run": {"runId": "01937f6a-0000-7000-8000-00000000abcd"},
        "job": {"namespace": "dbt", "name": "shop.customer_revenue"},
        "inputs": [{"namespace": "postgres://pay", "name": "public.payments"}],
        "outputs": [{"namespace": "duckdb://shop", "name": "main.customer_revenue"}],
        "producer": "https://example.com/dbt-ol", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
    });
    std::fs::write(dir.path().join("events.jsonl"), format!("{event}\n")).unwrap();
    let toml = std::fs::read_to_string(dir.path().join("throughline.toml")).unwrap();
    std::fs::write(
        dir.path().join("throughline.toml"),
        toml + "\n[openlineage]\nevents = [\"events.jsonl\"]\n",
    )
    .unwrap();
    // Both systems report the undeclared read, each with its evidence.
    let (report, _) = check_json(dir.path(), &[]);
    let systems: Vec<&str> = findings(&report, "lineage-drift")
        .iter()
        .filter(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .contains("`customer-revenue` built from `raw-payments`")
        })
        .map(|d| d["message"].as_str().unwrap().split(' ').next().unwrap())
        .collect();
    assert_eq!(
        systems,
        ["dbt"],
        "one finding per product and upstream, from the first system that shows it"
    );
    let site = crate::common::build_site(dir.path(), crate::common::TODAY, &["--allow-errors"]);
    let html =
        std::fs::read_to_string(site.path().join("site/data-products/customer-revenue.html"))
            .unwrap();
    let lineage = section_text(&html, "lineage-title");
    for part in [
        "Observed by dbt Observed by OpenLineage",
        "Raw payments no model.shop.customer_revenue ← model.shop.stg_payments ← source.shop.raw.payments",
        "duckdb://shop/main.customer_revenue ← postgres://pay/public.payments job `dbt/shop.customer_revenue` run `01937f6a-0000-7000-8000-00000000abcd` at 2026-12-01T03:00:00Z, events.jsonl:1 undeclared",
    ] {
        assert!(lineage.contains(part), "{part}\n{lineage}");
    }
}

#[test]
fn the_openlineage_fixture_page_shows_the_runs() {
    let site = crate::common::build_site(
        &fixture("openlineage"),
        crate::common::TODAY,
        &["--allow-errors"],
    );
    let html =
        std::fs::read_to_string(site.path().join("site/data-products/revenue.html")).unwrap();
    let lineage = section_text(&html, "lineage-title");
    for part in [
        "2 differences between inputs and what OpenLineage shows it read",
        "Raw customers yes no not observed",
        "job `airflow/finance.stage_payments` run `01937f6a-0000-7000-8000-000000000002`",
    ] {
        assert!(lineage.contains(part), "{part}\n{lineage}");
    }
}
