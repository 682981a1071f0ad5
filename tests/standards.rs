//! ODCS contracts in the workspace and the ODPS / workbook exports (contract §9).

use std::path::Path;

use crate::common::{base_yaml, check_json, findings, workspace};

fn vendor(path: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vendor")
            .join(path),
    )
    .unwrap()
}

#[test]
fn the_official_odcs_examples_are_valid_contracts_and_not_entities() {
    let base = base_yaml();
    let mut files = vec![("base.yaml", base.as_str())];
    let examples = [
        "full-example.odcs.yaml",
        "database-table-sla.odcs.yaml",
        "table-column.odcs.yaml",
        "column-completeness.odcs.yaml",
    ];
    let texts: Vec<String> = examples
        .iter()
        .map(|e| vendor(&format!("odcs/{e}")))
        .collect();
    for (name, text) in examples.iter().zip(&texts) {
        files.push((name, text.as_str()));
    }
    let ws = workspace(&files);
    let (report, code) = check_json(ws.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["diagnostics"], serde_json::json!([]));
    assert_eq!(report["summary"]["files"], 5);
    assert_eq!(
        report["summary"]["entities"], 7,
        "contracts are not entities"
    );
}

#[test]
fn a_contract_that_breaks_the_odcs_schema_is_a_schema_finding_at_the_value() {
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        (
            "orders.odcs.yaml",
            "apiVersion: v3.1.0\nkind: DataContract\nid: orders\nversion: 1.0.0\nstatus: active\nschema:\n  - name: orders\n    properties:\n      - name: id\n        logicalType: strng\n      - name: email\n        clasification: pii\n",
        ),
        (
            "old.odcs.yaml",
            "apiVersion: v1.0.0\nkind: DataContract\nid: old\nversion: 1.0.0\nstatus: active\n",
        ),
    ]);
    let (report, code) = check_json(ws.path(), &[]);
    assert_eq!(code, 1);
    let got: Vec<(String, u64, u64, String)> = findings(&report, "schema")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["help"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("old.odcs.yaml".to_string(), 1, 13, got[0].3.clone()),
            (
                "orders.odcs.yaml".to_string(),
                10,
                22,
                "did you mean `string`?".to_string()
            ),
            (
                "orders.odcs.yaml".to_string(),
                12,
                9,
                "did you mean `classification`?".to_string()
            ),
        ],
        "{report:#}"
    );
    assert_eq!(
        report["diagnostics"].as_array().unwrap().len(),
        3,
        "one finding per problem"
    );
}

#[test]
fn a_data_product_page_shows_the_contract_of_each_port() {
    let site = crate::common::build_site(&crate::common::example_spec(), "2026-12-01", &[]);
    let page = std::fs::read_to_string(site.path().join("site/data-products/orders.html")).unwrap();
    assert!(page.contains("Contracts of its output ports"));
    assert!(page.contains("Port <code>orders_lines</code>: contract <code>orders-lines-v2</code> <span class=\"muted\">v2.3.0</span>"), "{page}");
    assert!(page.contains("<code>order_lines</code> <span class=\"muted\">(table)</span>"));
    assert!(page.contains("<th scope=\"row\"><code>net_amount</code>"));
    assert!(page.contains("decimal(12,2)"));
    assert!(page.contains("nullValues mustBe 0"), "column quality rules");
    assert!(
        page.contains("At least one line per trading day."),
        "table quality rules"
    );
    assert!(
        page.contains("<th scope=\"row\">latency</th><td>30 m</td>"),
        "SLA properties"
    );
    let profiles = std::fs::read_to_string(
        site.path()
            .join("site/data-products/customer-profiles.html"),
    )
    .unwrap();
    assert!(
        profiles.contains("<span class=\"badge error\">pii</span>"),
        "personal columns stand out"
    );
    // A port whose contract is not in the workspace says so.
    let ws = workspace(&[(
        "base.yaml",
        &base_yaml().replace(
            "inputs: [src]\n",
            "inputs: [src]\noutputPorts:\n  - name: p\n    contractId: elsewhere\n",
        ),
    )]);
    let site = crate::common::build_site(ws.path(), crate::common::TODAY, &[]);
    let page = std::fs::read_to_string(site.path().join("site/data-products/dp.html")).unwrap();
    assert!(page.contains("This workspace holds no contract with this id."));
}
