//! `throughline mcp` driven as a client drives it: JSON-RPC lines over an
//! in-process pipe, through the protocol SDK, on a copy of example-spec/.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::{Engine, Options};
use crate::model::time::Date;

/// A client session on a pipe.
struct Client {
    to_server: tokio::io::WriteHalf<tokio::io::DuplexStream>,
    from_server: BufReader<tokio::io::ReadHalf<tokio::io::DuplexStream>>,
    next_id: u64,
}

impl Client {
    async fn send_raw(&mut self, line: &str) {
        self.to_server.write_all(line.as_bytes()).await.unwrap();
        self.to_server.write_all(b"\n").await.unwrap();
        self.to_server.flush().await.unwrap();
    }

    async fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send_raw(&msg.to_string()).await;
        self.response(id).await
    }

    async fn response(&mut self, id: u64) -> Value {
        loop {
            let mut line = String::new();
            let read = tokio::time::timeout(
                Duration::from_secs(30),
                self.from_server.read_line(&mut line),
            )
            .await
            .expect("the server answers")
            .unwrap();
            assert!(read > 0, "the server closed the pipe");
            let v: Value = serde_json::from_str(&line).unwrap();
            if v["id"] == json!(id) {
                return v;
            }
        }
    }

    async fn call(&mut self, name: &str, args: Value) -> Value {
        self.request("tools/call", json!({"name": name, "arguments": args}))
            .await
    }

    /// A tool's structured answer; panics on an error.
    async fn answer(&mut self, name: &str, args: Value) -> Value {
        let r = self.call(name, args).await;
        let result = &r["result"];
        assert_eq!(result["isError"], json!(false), "{name}: {r}");
        let text: Value =
            serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(text, result["structuredContent"], "{name}");
        result["structuredContent"].clone()
    }

    /// A tool error's text; panics on a success.
    async fn tool_error(&mut self, name: &str, args: Value) -> String {
        let r = self.call(name, args).await;
        assert_eq!(r["result"]["isError"], json!(true), "{name}: {r}");
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn example_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("example-spec"),
        &dir,
    );
    (tmp, dir)
}

/// Runs `body` against a server on `dir`, after the handshake at `revision`.
fn session<F>(dir: &Path, allow_write: bool, revision: &str, body: impl FnOnce(Client) -> F)
where
    F: std::future::Future<Output = ()>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let engine = Engine::start(Options {
        dir: dir.to_path_buf(),
        allow_write,
        today: Date::parse("2026-12-01"),
    })
    .unwrap();
    runtime.block_on(async move {
        let (client_end, server_end) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_end);
        let server = tokio::spawn(super::adapter::serve(engine, server_read, server_write));
        let (read, write) = tokio::io::split(client_end);
        let mut client = Client {
            to_server: write,
            from_server: BufReader::new(read),
            next_id: 0,
        };
        let init = client
            .request(
                "initialize",
                json!({"protocolVersion": revision, "capabilities": {},
                       "clientInfo": {"name": "test", "version": "0"}}),
            )
            .await;
        assert_eq!(init["result"]["protocolVersion"], json!(revision), "{init}");
        assert_eq!(init["result"]["serverInfo"]["name"], json!("throughline"));
        client
            .send_raw(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await;
        body(client).await;
        server.abort();
    });
}

#[test]
fn every_tool_is_listed_with_its_schemas_and_answers() {
    let (_tmp, dir) = example_copy();
    session(&dir, false, "2025-06-18", |mut c| async move {
        let tools = c.request("tools/list", json!({})).await;
        let tools = tools["result"]["tools"].as_array().unwrap().clone();
        let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "overview",
                "get_entity",
                "trace",
                "search",
                "check",
                "status",
                "impact",
                "explain_rule",
                "validate_draft",
                "suspect_links"
            ]
        );
        for t in &tools {
            assert_eq!(t["annotations"]["readOnlyHint"], json!(true), "{t}");
            assert_eq!(t["inputSchema"]["type"], json!("object"), "{t}");
            assert_eq!(t["outputSchema"]["type"], json!("object"), "{t}");
        }

        let overview = c.answer("overview", json!({})).await;
        assert_eq!(
            overview["northStar"]["id"],
            json!("cross-sell-revenue-share")
        );
        assert_eq!(overview["entities"], json!(33));
        assert_eq!(overview["errors"], json!(0));

        let e = c.answer("get_entity", json!({"id": "bundle-offers"})).await;
        assert_eq!(e["kind"], json!("Initiative"));
        assert_eq!(e["file"], json!("initiatives/bundle-offers.yaml"));
        assert_eq!(
            e["parents"],
            json!([{"id": "increase-basket-size", "kind": "Goal",
                    "name": "Increase the average basket size", "field": "goals"}])
        );
        assert_eq!(e["fields"]["goals"], json!(["increase-basket-size"]));

        let t = c
            .answer(
                "trace",
                json!({"id": "bundle-offers", "direction": "up", "depth": 2}),
            )
            .await;
        let top = &t["reached"][1];
        assert_eq!(top["id"], json!("cross-sell-revenue-share"));
        assert_eq!(top["depth"], json!(2));
        assert_eq!(
            top["path"][1],
            json!({"from": "increase-basket-size", "field": "contributesTo", "to": "cross-sell-revenue-share"})
        );
        let one = c
            .answer(
                "trace",
                json!({"id": "bundle-offers", "direction": "up", "depth": 1}),
            )
            .await;
        assert_eq!(one["reached"].as_array().unwrap().len(), 1);

        let s = c
            .answer("search", json!({"query": "basket", "kind": "Goal"}))
            .await;
        assert!(s["total"].as_u64().unwrap() >= 1);
        assert!(
            s["results"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["kind"] == json!("Goal"))
        );

        let report = c.answer("check", json!({})).await;
        assert_eq!(report["version"], json!(1));
        assert_eq!(report["summary"]["entities"], json!(33));

        let status = c.answer("status", json!({})).await;
        assert_eq!(status["today"], json!("2026-12-01"));
        assert_eq!(status["indicators"][0]["kind"], json!("NorthStar"));

        let impact = c.answer("impact", json!({"id": "orders"})).await;
        assert!(
            impact["goals"]
                .as_array()
                .unwrap()
                .contains(&json!("increase-basket-size")),
            "{impact}"
        );

        let rule = c.answer("explain_rule", json!({"rule": "untraced"})).await;
        assert!(
            rule["markdown"]
                .as_str()
                .unwrap()
                .starts_with("# `untraced`")
        );

        assert_eq!(
            c.answer("suspect_links", json!({})).await,
            json!({"links": []})
        );
    });
}

#[test]
fn a_draft_is_checked_in_place_and_nothing_is_written() {
    let (_tmp, dir) = example_copy();
    let goal = dir.join("goals/increase-basket-size.yaml");
    let before = std::fs::read_to_string(&goal).unwrap();
    let (root, text) = (dir.clone(), before.clone());
    session(&dir, false, "2025-11-25", |mut c| async move {
        let (dir, before) = (root, text);
        // A new file naming a parent that does not exist.
        let new = c
            .answer(
                "validate_draft",
                json!({"path": "goals/draft.yaml",
                       "text": "kind: Goal\nid: draft-goal\nname: Draft\ncontributesTo: cross-sell-revenu-share\n"}),
            )
            .await;
        let rules: Vec<&str> = new["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        assert!(rules.contains(&"broken-ref"), "{new}");
        let broken = new["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == json!("broken-ref"))
            .unwrap();
        assert_eq!(broken["file"], json!("goals/draft.yaml"));
        assert_eq!(broken["line"], json!(4));
        assert!(
            broken["message"]
                .as_str()
                .unwrap()
                .contains("cross-sell-revenu-share")
        );
        assert!(!new["introduced"].as_array().unwrap().is_empty());
        assert!(!dir.join("goals/draft.yaml").exists());

        // An existing file, changed so that its initiatives lose their goal.
        let text = before.replace("id: increase-basket-size", "id: bigger-baskets");
        let changed = c
            .answer(
                "validate_draft",
                json!({"path": "goals/increase-basket-size.yaml", "text": text}),
            )
            .await;
        let elsewhere: Vec<&str> = changed["introduced"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["file"].as_str())
            .collect();
        assert!(
            elsewhere.iter().any(|f| f.starts_with("initiatives/")),
            "{changed}"
        );
        // The real file still answers.
        let e = c
            .answer("get_entity", json!({"id": "increase-basket-size"}))
            .await;
        assert_eq!(e["id"], json!("increase-basket-size"));
    });
    assert_eq!(std::fs::read_to_string(&goal).unwrap(), before);
}

#[test]
fn bad_calls_are_clear_errors_and_the_server_stays_up() {
    let (_tmp, dir) = example_copy();
    session(&dir, false, "2025-11-25", |mut c| async move {
        let unknown = c.call("get_entiti", json!({"id": "x"})).await;
        let message = unknown["error"]["message"].as_str().unwrap();
        assert!(message.contains("did you mean `get_entity`"), "{unknown}");
        let review = c.call("review", json!({"ids": ["x"]})).await;
        assert!(
            review["error"]["message"]
                .as_str()
                .unwrap()
                .contains("--allow-write"),
            "{review}"
        );

        let e = c
            .tool_error("get_entity", json!({"id": "bundle-offer"}))
            .await;
        assert!(e.contains("did you mean `bundle-offers`"), "{e}");
        let e = c
            .tool_error("explain_rule", json!({"rule": "untracd"}))
            .await;
        assert!(e.contains("did you mean `untraced`"), "{e}");
        let e = c
            .tool_error("trace", json!({"id": 7, "direction": "up"}))
            .await;
        assert_eq!(e, "`id` must be a string, not a number");
        let e = c
            .tool_error("trace", json!({"id": "orders", "direction": "sideways"}))
            .await;
        assert!(e.contains("`direction` is `up`"), "{e}");
        let e = c
            .tool_error(
                "trace",
                json!({"id": "orders", "direction": "up", "depth": -1}),
            )
            .await;
        assert!(e.contains("whole number"), "{e}");
        let e = c.tool_error("get_entity", json!({"ID": "orders"})).await;
        assert!(e.contains("unknown argument `ID`"), "{e}");
        let e = c.tool_error("get_entity", json!({})).await;
        assert_eq!(e, "`id` is required");
        let e = c
            .tool_error("search", json!({"query": "x", "kind": "Gaol"}))
            .await;
        assert!(e.contains("did you mean `Goal`"), "{e}");

        let huge = "a".repeat(super::answer::MAX_DRAFT + 1);
        let e = c
            .tool_error(
                "validate_draft",
                json!({"path": "goals/x.yaml", "text": huge}),
            )
            .await;
        assert!(e.contains("bytes"), "{e}");
        for path in ["../outside.yaml", "/etc/passwd", "", "goals/../../x.yaml"] {
            let e = c
                .tool_error(
                    "validate_draft",
                    json!({"path": path, "text": "kind: Goal\n"}),
                )
                .await;
            assert!(e.contains("inside the workspace"), "{path}: {e}");
        }
        let e = c
            .tool_error("validate_draft", json!({"path": "notes.txt", "text": "x"}))
            .await;
        assert!(e.contains("not a file `throughline check` reads"), "{e}");

        // A path that is not UTF-8 (a lone surrogate) cannot be read as JSON
        // text: an error for that request, and the session goes on.
        c.send_raw(
            r#"{"jsonrpc":"2.0","id":900,"method":"tools/call","params":{"name":"validate_draft","arguments":{"path":"goals/\udc80.yaml","text":"x"}}}"#,
        )
        .await;
        let bad = c.response(900).await;
        assert_eq!(bad["error"]["code"], json!(-32700), "{bad}");
        assert!(
            bad["error"]["message"]
                .as_str()
                .unwrap()
                .contains("not valid JSON"),
            "{bad}"
        );
        let missing = c
            .request(
                "resources/read",
                json!({"uri": "throughline://entity/nope"}),
            )
            .await;
        assert!(
            missing["error"]["message"]
                .as_str()
                .unwrap()
                .contains("no entity")
        );

        let ok = c.answer("overview", json!({})).await;
        assert_eq!(ok["entities"], json!(33));
    });
}

/// Waits until `check` reports what `done` looks for (the watcher's event
/// arrives a moment after the write).
async fn until(c: &mut Client, tool: &str, args: Value, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..100 {
        let r = c.call(tool, args.clone()).await;
        if done(&r) {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{tool} never showed the change");
}

#[test]
fn answers_follow_the_files_and_survive_a_broken_workspace() {
    let (_tmp, dir) = example_copy();
    let spec = dir.join("initiatives/bundle-offers.yaml");
    let config = dir.join("throughline.toml");
    session(&dir, false, "2025-11-25", |mut c| async move {
        let before = std::fs::read_to_string(&spec).unwrap();
        std::fs::write(
            &spec,
            before.replace("name: Data-driven bundle offers", "name: Bundles, renamed"),
        )
        .unwrap();
        // The very next call sees the change: no waiting for the watcher.
        let e = c.answer("get_entity", json!({"id": "bundle-offers"})).await;
        assert_eq!(e["name"], json!("Bundles, renamed"));

        // A spec that no longer parses is a finding, not a failure.
        std::fs::write(&spec, "kind: Initiative\nid: [unclosed\n").unwrap();
        let r = until(&mut c, "check", json!({}), |r| {
            r["result"]["structuredContent"]["summary"]["errors"]
                .as_u64()
                .is_some_and(|n| n > 0)
        })
        .await;
        let findings = r["result"]["structuredContent"]["diagnostics"].to_string();
        assert!(
            findings.contains("initiatives/bundle-offers.yaml"),
            "{findings}"
        );

        // A configuration that cannot be read: every tool says so.
        let good = std::fs::read_to_string(&config).unwrap();
        std::fs::write(&config, "[workspace\n").unwrap();
        let r = until(&mut c, "overview", json!({}), |r| {
            r["result"]["isError"] == json!(true)
        })
        .await;
        assert!(
            r["result"]["content"][0]["text"]
                .as_str()
                .unwrap()
                .contains("throughline.toml"),
            "{r}"
        );
        std::fs::write(&config, good).unwrap();
        std::fs::write(&spec, before).unwrap();
        until(&mut c, "overview", json!({}), |r| {
            r["result"]["structuredContent"]["errors"] == json!(0)
        })
        .await;
    });
}

#[test]
fn resources_are_the_report_the_schemas_and_the_specs() {
    let (_tmp, dir) = example_copy();
    session(&dir, false, "2025-11-25", |mut c| async move {
        let list = c.request("resources/list", json!({})).await;
        let uris: Vec<&str> = list["result"]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["uri"].as_str().unwrap())
            .collect();
        assert!(uris.contains(&"throughline://report.json"));
        assert!(uris.contains(&"throughline://schema/DataProduct"));
        let templates = c.request("resources/templates/list", json!({})).await;
        assert_eq!(
            templates["result"]["resourceTemplates"][0]["uriTemplate"],
            json!("throughline://entity/{id}")
        );
        let spec = c
            .request(
                "resources/read",
                json!({"uri": "throughline://entity/orders"}),
            )
            .await;
        let text = spec["result"]["contents"][0]["text"].as_str().unwrap();
        assert!(
            text.starts_with("kind: DataProduct\nid: orders\n"),
            "{text}"
        );
        let schema = c
            .request(
                "resources/read",
                json!({"uri": "throughline://schema/Goal"}),
            )
            .await;
        let schema: Value =
            serde_json::from_str(schema["result"]["contents"][0]["text"].as_str().unwrap())
                .unwrap();
        assert!(schema["properties"]["successIndicators"].is_object());
        let report = c
            .request(
                "resources/read",
                json!({"uri": "throughline://report.json"}),
            )
            .await;
        assert!(
            report["result"]["contents"][0]["text"]
                .as_str()
                .unwrap()
                .contains("\"version\": 1")
        );
    });
}

#[test]
fn review_is_offered_only_with_allow_write_and_stamps_the_lock() {
    let (_tmp, dir) = example_copy();
    session(&dir, true, "2025-11-25", |mut c| async move {
        let tools = c.request("tools/list", json!({})).await;
        let review = tools["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == json!("review"))
            .expect("review is listed with --allow-write")
            .clone();
        assert_eq!(review["annotations"]["readOnlyHint"], json!(false));
        assert_eq!(review["annotations"]["destructiveHint"], json!(false));
        let e = c
            .tool_error("review", json!({"ids": ["bundle-offer"]}))
            .await;
        assert!(e.contains("did you mean `bundle-offers`"), "{e}");
        let done = c.answer("review", json!({"ids": ["bundle-offers"]})).await;
        assert_eq!(done["written"], json!(true));
        assert_eq!(
            done["stamped"],
            json!([{"child": "bundle-offers", "field": "goals", "parent": "increase-basket-size"}])
        );
    });
    let lock = std::fs::read_to_string(dir.join("throughline.lock")).unwrap();
    assert!(
        lock.contains("bundle-offers goals increase-basket-size tl1:"),
        "{lock}"
    );
}

#[test]
fn print_config_names_this_binary_and_workspace() {
    let (_tmp, dir) = example_copy();
    let canonical = std::fs::canonicalize(&dir).unwrap();
    let claude: Value =
        serde_json::from_str(&super::client_config("claude", &dir).unwrap()).unwrap();
    let server = &claude["mcpServers"]["throughline"];
    assert_eq!(server["args"], json!(["mcp", canonical.to_str().unwrap()]));
    let vscode: Value =
        serde_json::from_str(&super::client_config("vscode", &dir).unwrap()).unwrap();
    assert_eq!(vscode["servers"]["throughline"]["type"], json!("stdio"));
    let codex: toml::Value = toml::from_str(&super::client_config("codex", &dir).unwrap()).unwrap();
    assert_eq!(
        codex["mcp_servers"]["throughline"]["args"][1].as_str(),
        canonical.to_str()
    );
    assert!(super::client_config("emacs", &dir).is_err());
}

#[test]
fn status_names_what_failed_in_dbt_under_the_goals_at_risk() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dbt");
    session(&root, false, "2025-11-25", |mut c| async move {
        let status = c.answer("status", json!({})).await;
        let failing = status["dbt"]["failing"].as_array().expect("a dbt member");
        let fail = failing
            .iter()
            .find(|f| f["node"] == "test.shop.revenue_matches_payments")
            .expect("the failing test");
        assert_eq!(fail["dataProduct"], "customer-revenue");
        assert_eq!(fail["goals"], json!(["grow-repeat-customers"]));
        // The checked findings carry the four dbt rules.
        let report = c.answer("check", json!({})).await;
        let rules: Vec<&str> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["rule"].as_str().unwrap())
            .collect();
        for rule in ["dbt-ref", "lineage-drift", "dbt-failing", "freshness-unmet"] {
            assert!(rules.contains(&rule), "{rule}: {rules:?}");
        }
    });
}
