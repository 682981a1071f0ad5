//! ODCS contracts in the workspace and the ODPS / workbook exports (contract §9).

use std::path::Path;

use crate::common::{base_yaml, check_json, findings, stderr, throughline, workspace};

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

pub fn odps_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("schemas/standards/odps/odps-json-schema-v1.0.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    jsonschema::options().build(&schema).unwrap()
}

/// The first YAML document of `path`, as JSON, read by throughline's parser.
pub fn yaml_json(path: &Path) -> serde_json::Value {
    let ws = throughline::load::from_contents(
        path.parent().unwrap(),
        vec![(
            path.file_name().unwrap().to_string_lossy().into_owned(),
            Ok(std::fs::read(path).unwrap()),
        )],
        Default::default(),
    );
    assert!(ws.diagnostics.is_empty(), "{path:?}: {:?}", ws.diagnostics);
    ws.documents[0].node.to_json()
}

/// Every DataProduct of a workspace, by id, as JSON.
fn products(dir: &Path) -> std::collections::BTreeMap<String, serde_json::Value> {
    let ws = throughline::load::load(dir, &Default::default()).unwrap();
    ws.documents
        .iter()
        .map(|d| d.node.to_json())
        .filter(|j| j["kind"] == "DataProduct")
        .map(|j| (j["id"].as_str().unwrap().to_string(), j))
        .collect()
}

#[test]
fn every_exported_odps_document_of_the_example_is_valid_odps() {
    let out = tempfile::tempdir().unwrap();
    let example = crate::common::example_spec();
    let o = throughline(&[
        "export",
        "odps",
        example.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let validator = odps_validator();
    let mut names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), products(&example).len());
    for name in &names {
        let doc = yaml_json(&out.path().join(name));
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
    let orders = yaml_json(&out.path().join("orders.odps.yaml"));
    assert_eq!(orders["apiVersion"], "v1.0.0");
    assert_eq!(orders["team"]["name"], "Commerce data team");
    assert_eq!(orders["outputPorts"][0]["contractId"], "orders-lines-v2");
    assert_eq!(
        orders["outputPorts"][0]["version"], "2.3.0",
        "the contract's version"
    );
    let custom = |doc: &serde_json::Value, p: &str| {
        doc["customProperties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["property"] == p)
            .map(|c| c["value"].clone())
    };
    assert_eq!(
        custom(&orders, "type"),
        Some(serde_json::json!("sourceAligned"))
    );
    assert_eq!(
        custom(&orders, "inputs"),
        Some(serde_json::json!(["pos-transactions", "webshop-orders"])),
        "Source inputs are kept"
    );
    assert!(custom(&orders, "slos").is_some() && custom(&orders, "usagePatterns").is_some());
    // A product that reads products with contracts has input ports for them.
    let scores = yaml_json(&out.path().join("product-affinity-scores.odps.yaml"));
    assert!(
        scores["inputPorts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "customer-profiles"
                && p["contractId"] == "customer-profiles-v1"
                && p["version"] == "1.4.0")
    );
    assert_eq!(
        custom(&scores, "useCases"),
        Some(serde_json::json!([
            "sales-next-best-offer",
            "webshop-recommendations"
        ]))
    );
}

#[test]
fn export_then_import_gives_back_the_same_entities_and_links() {
    let example = crate::common::example_spec();
    let odps = tempfile::tempdir().unwrap();
    let o = throughline(&[
        "export",
        "odps",
        example.to_str().unwrap(),
        "--out",
        odps.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The example without its data products, which come back from ODPS.
    let ws = tempfile::tempdir().unwrap();
    crate::diff::copy_dir(&example, ws.path());
    std::fs::remove_dir_all(ws.path().join("data-products")).unwrap();
    let files: Vec<String> = std::fs::read_dir(odps.path())
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .collect();
    let out = ws.path().join("data-products");
    let mut args = vec!["import", "odps"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--out", out.to_str().unwrap()]);
    let o = throughline(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(products(ws.path()), products(&example));
    // The same trace: every link, and the same findings.
    let graph = |dir: &Path| {
        let o = throughline(&["graph", dir.to_str().unwrap(), "--format", "json"]);
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["edges"].clone()
    };
    assert_eq!(graph(ws.path()), graph(&example));
    let (a, _) = check_json(ws.path(), &[]);
    let (b, _) = check_json(&example, &[]);
    assert_eq!(a["summary"], b["summary"]);
    // Importing again does not overwrite what is there.
    let o = throughline(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("exists; pass --force to overwrite it"),
        "{}",
        stderr(&o)
    );
    args.push("--force");
    assert_eq!(throughline(&args).status.code(), Some(0));
}

#[test]
fn the_official_odps_examples_import_with_findings_for_what_they_lack() {
    let out = tempfile::tempdir().unwrap();
    let vendor = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vendor/odps");
    let o = throughline(&[
        "import",
        "odps",
        vendor
            .join("simple-data-product.odps.yaml")
            .to_str()
            .unwrap(),
        vendor
            .join("customer-data-product.odps.yaml")
            .to_str()
            .unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "the imported specs lack required fields"
    );
    let err = stderr(&o);
    assert!(err.contains("it names no owner"), "{err}");
    assert!(err.contains("missing required field `owner`"), "{err}");
    assert!(
        err.contains("ODPS has no product type: add `type`"),
        "{err}"
    );
    assert!(
        err.contains("`tenant`, `managementPorts`, `support`, `productCreatedTs`"),
        "{err}"
    );
    let simple = out.path().join("064c4630-8aad-4dc0-ba95-0f69940e6b18.yaml");
    let spec = yaml_json(&simple);
    assert_eq!(spec["kind"], "DataProduct");
    assert_eq!(spec["name"], "Simple Data Product");
    assert_eq!(spec["outputPorts"][0]["version"], "1.0.0");
    assert_eq!(
        spec["outputPorts"][0]["contractId"],
        "87654321-4321-4321-4321-cba987654321"
    );
    let customer = yaml_json(&out.path().join("fbe8d147-28db-4f1d-bedf-a3fe9f458427.yaml"));
    assert_eq!(
        customer["owner"], "John Doe",
        "the team member whose role is owner"
    );
    assert_eq!(customer["status"], "development", "ODPS `draft`");
    assert_eq!(
        customer["inputs"],
        serde_json::json!(["payments", "onlinetransactions"])
    );
    // In a workspace, the imported spec's findings point at its lines.
    let (report, _) = check_json(out.path(), &[]);
    let missing: Vec<&serde_json::Value> = findings(&report, "schema");
    assert!(
        missing
            .iter()
            .any(|d| d["file"] == "064c4630-8aad-4dc0-ba95-0f69940e6b18.yaml" && d["line"] == 2)
    );
}

/// A Python with openpyxl (scripts/test.sh makes one in target/py), or
/// `None` when there is none and the test may be skipped.
fn openpyxl() -> Option<String> {
    let python = std::env::var("THROUGHLINE_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&python)
        .args(["-c", "import openpyxl"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    assert!(
        std::env::var_os("THROUGHLINE_REQUIRE_OPENPYXL").is_none(),
        "python with openpyxl is required (scripts/test.sh installs it in target/py)"
    );
    eprintln!("skipped: no python with openpyxl");
    None
}

/// What `script` (Python with openpyxl) prints about the workbook at `book`, as JSON.
fn read_workbook(python: &str, script: &str, book: &std::path::Path) -> serde_json::Value {
    let read = std::process::Command::new(python)
        .args(["-c", script, book.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    serde_json::from_slice(&read.stdout).unwrap()
}

const READ_WORKBOOK: &str = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": wb.sheetnames, "data": {}}
for ws in wb.worksheets:
    out["data"][ws.title] = {
        "freeze": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
        "rows": [[c.value for c in row] for row in ws.iter_rows()],
        "links": [[c.coordinate, c.value, c.hyperlink.location, c.hyperlink.target]
                  for row in ws.iter_rows() for c in row if c.hyperlink],
    }
print(json.dumps(out))
"#;

#[test]
fn the_workbook_reads_back_in_a_real_reader_with_its_sheets_links_and_filters() {
    let Some(python) = openpyxl() else { return };
    let ws = tempfile::tempdir().unwrap();
    crate::diff::copy_dir(&crate::common::example_spec(), ws.path());
    let toml = ws.path().join("throughline.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        format!("{text}\n[site]\nurl = \"https://specs.example.com/affinity\"\n"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let book = out.path().join("trace.xlsx");
    let o = throughline(&[
        "export",
        "xlsx",
        ws.path().to_str().unwrap(),
        "--out",
        book.to_str().unwrap(),
        "--today",
        "2026-12-01",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let wb = read_workbook(&python, READ_WORKBOOK, &book);
    assert_eq!(
        wb["sheets"],
        serde_json::json!([
            "North Star",
            "Goals",
            "Initiatives",
            "Hypotheses",
            "Use cases",
            "Data products",
            "Sources",
            "Consumers",
            "Matrix",
            "Findings",
            "Progress"
        ])
    );
    let sheet = |name: &str| &wb["data"][name];
    let goals = sheet("Goals");
    assert_eq!(goals["freeze"], "A2", "the header row is frozen");
    assert_eq!(goals["filter"], "A1:I5", "the header has filters");
    assert_eq!(
        goals["rows"][0],
        serde_json::json!([
            "Id",
            "Name",
            "Owner",
            "Status",
            "Traced",
            "Contributes to",
            "Consumers",
            "Referenced by",
            "File"
        ])
    );
    // Links between sheets: an initiative's goal leads to the goal's row.
    let initiatives = sheet("Initiatives");
    let rows = initiatives["rows"].as_array().unwrap();
    let bundle = rows.iter().position(|r| r[0] == "bundle-offers").unwrap();
    assert_eq!(rows[bundle][4], "yes");
    let link = initiatives["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l[0] == format!("F{}", bundle + 1))
        .unwrap_or_else(|| panic!("{initiatives:#}"));
    assert_eq!(link[1], "increase-basket-size");
    let location = link[2].as_str().unwrap();
    let row: usize = location.rsplit('A').next().unwrap().parse().unwrap();
    assert_eq!(location, format!("'Goals'!A{row}"));
    assert_eq!(goals["rows"][row - 1][0], "increase-basket-size");
    // And each id to its page on the published site.
    let id_link = initiatives["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l[0] == format!("A{}", bundle + 1))
        .unwrap();
    assert_eq!(
        id_link[3],
        "https://specs.example.com/affinity/initiatives/bundle-offers.html"
    );
    // The matrix, the findings and progress.
    let matrix = sheet("Matrix")["rows"].as_array().unwrap();
    let col = matrix[0]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == "increase-basket-size")
        .unwrap();
    let r = matrix.iter().find(|r| r[0] == "bundle-offers").unwrap();
    assert_eq!(r[col], "x");
    assert!(matrix.iter().any(|r| r[0] == "UseCase \\ DataProduct"));
    let findings = sheet("Findings")["rows"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "the example's one warning");
    assert_eq!(findings[1][0], "warning");
    assert_eq!(findings[1][1], "off-track");
    let progress = sheet("Progress")["rows"].as_array().unwrap();
    assert_eq!(progress.len(), 7, "the North Star and five indicators");
    assert_eq!(progress[0][7], "Latest");
    assert!(
        progress[1][7].is_number(),
        "values are numbers: {}",
        progress[1][7]
    );
    assert!(progress.iter().any(|r| r[3] == "off-track"));
    // The CSV export has the same sheets and values.
    let csv_dir = out.path().join("csv");
    let o = throughline(&[
        "export",
        "csv",
        ws.path().to_str().unwrap(),
        "--out",
        csv_dir.to_str().unwrap(),
        "--today",
        "2026-12-01",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut reader = csv::Reader::from_path(csv_dir.join("goals.csv")).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(serde_json::json!(header), goals["rows"][0]);
    let ids: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    let book_ids: Vec<&str> = goals["rows"].as_array().unwrap()[1..]
        .iter()
        .map(|r| r[0].as_str().unwrap())
        .collect();
    assert_eq!(ids, book_ids);
    assert_eq!(std::fs::read_dir(&csv_dir).unwrap().count(), 11);
}

#[test]
fn the_site_carries_the_workbook_and_the_odps_documents_to_take_away() {
    let example = crate::common::example_spec();
    let site = crate::common::build_site(&example, "2026-12-01", &[]);
    let root = site.path().join("site");
    let index = std::fs::read_to_string(root.join("index.html")).unwrap();
    assert!(
        index.contains("href=\"downloads/trace.xlsx\" download"),
        "{index}"
    );
    assert!(index.contains("href=\"downloads/odps/orders.odps.yaml\" download"));
    let orders = std::fs::read_to_string(root.join("data-products/orders.html")).unwrap();
    assert!(orders.contains("href=\"../downloads/odps/orders.odps.yaml\" download"));
    // The same files the export commands write.
    let out = tempfile::tempdir().unwrap();
    let book = out.path().join("trace.xlsx");
    let o = throughline(&[
        "export",
        "xlsx",
        example.to_str().unwrap(),
        "--out",
        book.to_str().unwrap(),
        "--today",
        "2026-12-01",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(root.join("downloads/trace.xlsx")).unwrap(),
        std::fs::read(&book).unwrap()
    );
    let odps = out.path().join("odps");
    let o = throughline(&[
        "export",
        "odps",
        example.to_str().unwrap(),
        "--out",
        odps.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    for entry in std::fs::read_dir(&odps).unwrap() {
        let entry = entry.unwrap();
        assert_eq!(
            std::fs::read(root.join("downloads/odps").join(entry.file_name())).unwrap(),
            std::fs::read(entry.path()).unwrap()
        );
    }
}

#[test]
fn exports_stop_on_errors_unless_allowed() {
    let ws = workspace(&[(
        "base.yaml",
        &base_yaml().replace("goals: [g]", "goals: [gg]"),
    )]);
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("odps");
    let o = throughline(&[
        "export",
        "odps",
        ws.path().to_str().unwrap(),
        "--out",
        target.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("nothing was exported"),
        "{}",
        stderr(&o)
    );
    assert!(!target.exists());
    let o = throughline(&[
        "export",
        "odps",
        ws.path().to_str().unwrap(),
        "--out",
        target.to_str().unwrap(),
        "--allow-errors",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(target.join("dp.odps.yaml").is_file());
}

#[test]
fn a_workbook_of_a_goal_with_thousands_of_initiatives_keeps_to_excels_cell_limit() {
    let mut specs = base_yaml();
    for i in 0..4000 {
        specs.push_str(&format!(
            "---\nkind: Initiative\nid: an-initiative-with-a-long-id-{i:05}\nname: Initiative {i}\ngoals: [g]\n"
        ));
    }
    let ws = workspace(&[("base.yaml", &specs)]);
    let out = tempfile::tempdir().unwrap();
    let book = out.path().join("trace.xlsx");
    let o = throughline(&[
        "export",
        "xlsx",
        ws.path().to_str().unwrap(),
        "--out",
        book.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // And the site, which carries the workbook, builds.
    crate::common::build_site(ws.path(), crate::common::TODAY, &[]);
    let Some(python) = openpyxl() else { return };
    let wb = read_workbook(&python, READ_WORKBOOK, &book);
    let goal = wb["data"]["Goals"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == "g")
        .unwrap();
    let by = goal[7].as_str().unwrap();
    assert!(by.chars().count() <= 32_767, "{}", by.len());
    assert!(by.ends_with(" more"), "{}", &by[by.len() - 40..]);
}

const READ_FORMULAS: &str = r#"
import json, sys, openpyxl
formulas = openpyxl.load_workbook(sys.argv[1])
values = openpyxl.load_workbook(sys.argv[1], data_only=True)
out = {}
for ws in formulas.worksheets:
    cached = values[ws.title]
    out[ws.title] = {
        "rows": [[c.value for c in row] for row in ws.iter_rows()],
        "cached": [[c.value for c in row] for row in cached.iter_rows()],
        "hyperlinks": sum(1 for row in ws.iter_rows() for c in row if c.hyperlink),
        "filter": ws.auto_filter.ref,
    }
print(json.dumps(out))
"#;

/// Past Excel's 65,530 hyperlinks a sheet (and to keep a large workbook's
/// memory low), links are HYPERLINK formulas: the same targets, as cells.
#[test]
fn a_workbook_with_more_links_than_excel_holds_links_with_formulas() {
    let Some(python) = openpyxl() else { return };
    let out = tempfile::tempdir().unwrap();
    let book = out.path().join("trace.xlsx");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_throughline"))
        .args([
            "export",
            "xlsx",
            crate::common::example_spec().to_str().unwrap(),
        ])
        .args(["--out", book.to_str().unwrap(), "--today", "2026-12-01"])
        .env("THROUGHLINE_XLSX_LINK_LIMIT", "5")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let wb = read_workbook(&python, READ_FORMULAS, &book);
    let initiatives = &wb["Initiatives"];
    assert_eq!(initiatives["hyperlinks"], 0);
    let rows = initiatives["rows"].as_array().unwrap();
    let bundle = rows.iter().position(|r| r[0] == "bundle-offers").unwrap();
    // Column F: the goals the initiative works on.
    let formula = rows[bundle][5].as_str().unwrap();
    let goal_row: usize = formula
        .strip_prefix("=HYPERLINK(\"#'Goals'!A")
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("a link to a goal's row: {formula}"))
        .parse()
        .unwrap();
    assert_eq!(
        formula,
        format!("=HYPERLINK(\"#'Goals'!A{goal_row}\",\"increase-basket-size\")")
    );
    assert_eq!(wb["Goals"]["rows"][goal_row - 1][0], "increase-basket-size");
    // A reader that does not calculate shows the text.
    assert_eq!(initiatives["cached"][bundle][5], "increase-basket-size");
    assert_eq!(initiatives["cached"][bundle][0], "bundle-offers");
    assert_eq!(
        wb["Goals"]["filter"], "A1:I5",
        "the rest of the sheet is as before"
    );
}
