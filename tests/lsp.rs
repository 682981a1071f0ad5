//! `throughline lsp` over stdio, driven the way an editor drives it.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{TODAY, base_yaml, workspace};

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    next: i64,
    /// Notifications read while waiting for something else.
    seen: Vec<Value>,
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn uri(path: &std::path::Path) -> String {
    url::Url::from_file_path(std::fs::canonicalize(path).unwrap())
        .unwrap()
        .to_string()
}

impl Client {
    fn start(root: &std::path::Path, encodings: &[&str]) -> Client {
        Client::start_with(
            root,
            json!({ "general": { "positionEncodings": encodings } }),
        )
    }

    /// A client that watches files for the server (and says so).
    fn start_watching(root: &std::path::Path) -> Client {
        Client::start_with(
            root,
            json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } }),
        )
    }

    fn start_with(root: &std::path::Path, capabilities: Value) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_throughline"))
            .args(["lsp", "--today", TODAY])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            loop {
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if out.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                if out.read_exact(&mut body).is_err() {
                    return;
                }
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut c = Client {
            child,
            stdin: Some(stdin),
            incoming,
            next: 1,
            seen: Vec::new(),
        };
        let init = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "capabilities": capabilities,
            }),
        );
        assert!(
            init["result"]["capabilities"]["definitionProvider"] == true,
            "{init}"
        );
        c.notify("initialized", json!({}));
        c
    }

    fn send_raw(&mut self, body: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send_raw(&json!({ "jsonrpc": "2.0", "method": method, "params": params }).to_string());
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        self.send_raw(
            &json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }).to_string(),
        );
        self.wait(|m| m["id"] == id)
    }

    /// The next message that satisfies `want`, within 20 s.
    fn wait(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.seen.iter().position(&want) {
            return self.seen.remove(i);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline
                .checked_duration_since(Instant::now())
                .expect("timed out waiting");
            let m = self
                .incoming
                .recv_timeout(left)
                .expect("timed out waiting for the server");
            if want(&m) {
                return m;
            }
            self.seen.push(m);
        }
    }

    /// The latest diagnostics published for `uri`, after `after` more arrive.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }
}

fn pos(line: u64, character: u64) -> Value {
    json!({ "line": line, "character": character })
}

fn doc(uri: &str, position: Value) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": position })
}

#[test]
fn diagnostics_follow_unsaved_edits_across_files() {
    let broken = base_yaml().replace("contributesTo: ns", "contributesTo: nss");
    let ws = workspace(&[("base.yaml", &broken)]);
    let file = uri(&ws.path().join("base.yaml"));
    let mut c = Client::start(ws.path(), &[]);
    // The whole workspace is checked, opened or not.
    let d = c.diagnostics(&file);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "broken-ref");
    assert_eq!(d[0]["source"], "throughline");
    // The rule's page (what `throughline explain broken-ref` prints).
    let href = d[0]["codeDescription"]["href"].as_str().unwrap();
    assert!(href.starts_with(env!("CARGO_PKG_REPOSITORY")), "{href}");
    assert!(
        href.ends_with(&format!(
            "/blob/v{}/docs/rules/broken-ref.md",
            env!("CARGO_PKG_VERSION")
        )),
        "{href}"
    );
    assert_eq!(d[0]["severity"], 1);
    assert_eq!(d[0]["range"]["start"], pos(15, 15));
    assert_eq!(d[0]["data"]["replacement"], "ns");
    // A quick fix replaces it.
    let actions = c.request("textDocument/codeAction", json!({
        "textDocument": { "uri": file }, "range": d[0]["range"], "context": { "diagnostics": d },
    }));
    assert_eq!(
        actions["result"][0]["edit"]["changes"][&file][0]["newText"],
        "ns"
    );
    // The fix, unsaved, clears it.
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": file, "languageId": "yaml", "version": 1, "text": broken } }));
    let _ = c.diagnostics(&file);
    c.notify("textDocument/didChange", json!({
        "textDocument": { "uri": file, "version": 2 }, "contentChanges": [{ "text": base_yaml() }],
    }));
    assert_eq!(c.diagnostics(&file), Vec::<Value>::new());
    // A new file on disk that breaks a reference elsewhere, told by the watcher.
    let other = ws.path().join("more.yaml");
    std::fs::write(&other, "kind: Initiative\nid: i2\nname: I2\ngoals: [gg]\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(&other), "type": 1 }] }),
    );
    let d = c.diagnostics(&uri(&other));
    assert_eq!(d[0]["code"], "broken-ref");
    // Measurement files too.
    let csv = ws.path().join("m.measurements.csv");
    std::fs::write(
        &csv,
        "date,entity,indicator,value\n2026-01-01,g,Indicator,lots\n",
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(&csv), "type": 1 }] }),
    );
    let d = c.diagnostics(&uri(&csv));
    assert_eq!(d[0]["code"], "measurement-invalid");
    assert_eq!(d[0]["range"]["start"], pos(1, 23), "0-based, at `lots`");
}

#[test]
fn quick_fixes_for_unknown_fields_and_kinds() {
    let yaml = base_yaml()
        .replace("contributesTo: ns", "contributeTo: ns")
        .replace("kind: Consumer", "kind: Consumr");
    let ws = workspace(&[("base.yaml", &yaml)]);
    let file = uri(&ws.path().join("base.yaml"));
    let mut c = Client::start(ws.path(), &[]);
    let d = c.diagnostics(&file);
    let actions = c.request("textDocument/codeAction", json!({
        "textDocument": { "uri": file }, "range": d[0]["range"], "context": { "diagnostics": d },
    }));
    let fixes: Vec<&str> = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["edit"]["changes"][&file][0]["newText"].as_str().unwrap())
        .collect();
    assert!(
        fixes.contains(&"contributesTo") && fixes.contains(&"Consumer"),
        "{actions}"
    );
}

#[test]
fn definition_references_hover_and_symbols() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let file = uri(&ws.path().join("base.yaml"));
    let mut c = Client::start(ws.path(), &[]);
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": file, "languageId": "yaml", "version": 1, "text": base_yaml() } }));
    assert_eq!(
        c.diagnostics(&file),
        Vec::<Value>::new(),
        "an open file gets its (empty) diagnostics"
    );
    // `contributesTo: ns` on line 16 (0-based 15) → the North Star's id on line 3.
    let def = c.request("textDocument/definition", doc(&file, pos(15, 16)));
    assert_eq!(def["result"]["uri"], file);
    assert_eq!(def["result"]["range"]["start"], pos(2, 4));
    let refs = c.request("textDocument/references", json!({
        "textDocument": { "uri": file }, "position": pos(2, 5), "context": { "includeDeclaration": true },
    }));
    assert_eq!(refs["result"].as_array().unwrap().len(), 2, "{refs}");
    let hover = c.request("textDocument/hover", doc(&file, pos(13, 5)));
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("**Goal** · Goal `g`")
            && text.contains("traced")
            && text.contains("North Star → Goal"),
        "{text}"
    );
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": file } }),
    );
    assert_eq!(symbols["result"].as_array().unwrap().len(), 7);
    let found = c.request("workspace/symbol", json!({ "query": "data prod" }));
    assert_eq!(found["result"][0]["containerName"], "dp", "{found}");
}

#[test]
fn completion_knows_kinds_fields_enums_and_ids() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let file = uri(&ws.path().join("base.yaml"));
    let mut c = Client::start(ws.path(), &[]);
    let text = format!(
        "{}\n---\nkind: Initiative\nid: i2\nname: I2\nstatus: \ngoals: [\n",
        base_yaml()
    );
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": file, "languageId": "yaml", "version": 1, "text": text } }));
    let lines = text.lines().count() as u64;
    let labels = |r: &Value| -> Vec<String> {
        r["result"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    let goals = c.request("textDocument/completion", doc(&file, pos(lines - 1, 8)));
    assert_eq!(labels(&goals), ["g"], "only goals at `goals:`");
    assert!(
        goals["result"]["items"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("Goal")
    );
    let status = c.request("textDocument/completion", doc(&file, pos(lines - 2, 8)));
    assert_eq!(labels(&status), ["proposed", "active", "done", "dropped"]);
    let kinds = c.request("textDocument/completion", doc(&file, pos(lines - 5, 6)));
    assert_eq!(labels(&kinds).len(), 8);
    // At a key: the fields an Initiative allows, documented from its schema.
    let keys = c.request("textDocument/completion", doc(&file, pos(lines - 3, 0)));
    let owner = keys["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "startedOn")
        .unwrap_or_else(|| panic!("{keys}"));
    assert!(
        owner["documentation"]["value"]
            .as_str()
            .unwrap()
            .contains("started"),
        "{owner}"
    );
}

#[test]
fn rename_moves_every_reference_and_refuses_bad_ids() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let file = uri(&ws.path().join("base.yaml"));
    let mut c = Client::start(ws.path(), &[]);
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": file, "languageId": "yaml", "version": 1, "text": base_yaml() } }));
    let _ = c.diagnostics(&file);
    let prepared = c.request("textDocument/prepareRename", doc(&file, pos(13, 4)));
    assert_eq!(prepared["result"]["placeholder"], "g");
    let mut params = doc(&file, pos(13, 4));
    params["newName"] = json!("growth");
    let edit = c.request("textDocument/rename", params.clone());
    let edits = edit["result"]["changes"][&file].as_array().unwrap();
    assert_eq!(
        edits.len(),
        2,
        "the id and the initiative's reference: {edit}"
    );
    for (bad, says) in [
        ("Growth", "not a valid id"),
        ("index", "reserved"),
        ("ns", "already the id"),
    ] {
        params["newName"] = json!(bad);
        let r = c.request("textDocument/rename", params.clone());
        assert!(
            r["error"]["message"].as_str().unwrap().contains(says),
            "{bad}: {r}"
        );
    }
}

#[test]
fn positions_count_utf16_by_default_and_utf8_when_offered() {
    // A broken reference after an accented letter and an emoji on its line.
    let yaml = base_yaml().replace("consumers: [c]", "consumers: [c, \"é😀\", nope]");
    let ws = workspace(&[("base.yaml", &yaml)]);
    let file = uri(&ws.path().join("base.yaml"));
    let line = yaml.lines().position(|l| l.contains("nope")).unwrap() as u64;
    let prefix = "consumers: [c, \"é😀\", ";
    for (offered, expected) in [
        (vec![], prefix.encode_utf16().count()),
        (vec!["utf-16", "utf-8"], prefix.len()),
    ] {
        let mut c = Client::start(ws.path(), &offered);
        let d = c.diagnostics(&file);
        let nope = d
            .iter()
            .find(|d| d["message"].as_str().unwrap().contains("`nope`"))
            .unwrap_or_else(|| panic!("{d:?}"));
        assert_eq!(
            nope["range"]["start"],
            pos(line, expected as u64),
            "{offered:?}"
        );
        assert_eq!(
            nope["range"]["end"],
            pos(line, expected as u64 + 4),
            "{offered:?}"
        );
        // And back: a position given in the same units finds the reference.
        let hover = c.request("textDocument/definition", doc(&file, pos(line, 13)));
        assert_eq!(
            hover["result"]["range"]["start"]["line"], 51,
            "`c` resolves: {hover}"
        );
    }
    assert_ne!(
        prefix.encode_utf16().count(),
        prefix.len(),
        "the two encodings differ here"
    );
}

#[test]
fn survives_malformed_messages_unknown_methods_and_unknown_files() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let mut c = Client::start(ws.path(), &[]);
    c.send_raw("{ this is not json");
    let err = c.wait(|m| m["error"]["code"] == -32700);
    assert!(err["id"].is_null());
    let unknown = c.request(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": "file:///nowhere.yaml" } }),
    );
    assert_eq!(unknown["error"]["code"], -32601);
    let nowhere = c.request(
        "textDocument/definition",
        doc("file:///nowhere/at/all.yaml", pos(0, 0)),
    );
    assert!(
        nowhere["result"].is_null() && nowhere["error"].is_null(),
        "{nowhere}"
    );
    let bad_uri = c.request("textDocument/hover", doc("not a uri", pos(0, 0)));
    assert!(bad_uri["result"].is_null());
    // shutdown, then exit: code 0.
    let down = c.request("shutdown", Value::Null);
    assert!(down["result"].is_null() && down["error"].is_null());
    c.notify("exit", Value::Null);
    let started = Instant::now();
    let status = loop {
        if let Some(s) = c.child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "no exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_client_that_vanishes_stops_the_server() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let mut c = Client::start(ws.path(), &[]);
    // Closing its input is the client going away.
    drop(c.stdin.take());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = c.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "still running after its client went"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(1), "no shutdown was asked for");
}

/// Neovim headless with its built-in LSP client, scripted in
/// `tests/editors/nvim.lua`: what a user of Neovim sees.
#[test]
fn neovim_sees_diagnostics_definitions_and_completions() {
    if Command::new("nvim").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("THROUGHLINE_REQUIRE_NVIM").is_none(),
            "Neovim (Debian: neovim) is required"
        );
        eprintln!("skipped: nvim is not installed");
        return;
    }
    let yaml = base_yaml().replace("consumers: [c]", "consumers: [c, nobody]");
    let ws = workspace(&[("base.yaml", &yaml)]);
    let out = ws.path().join("_seen.json");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/editors/nvim.lua");
    let status = Command::new("nvim")
        .args(["--headless", "-n", "-i", "NONE", "-u", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("TL_BIN", env!("CARGO_BIN_EXE_throughline"))
        .env("TL_ROOT", std::fs::canonicalize(ws.path()).unwrap())
        .env(
            "TL_FILE",
            std::fs::canonicalize(ws.path().join("base.yaml")).unwrap(),
        )
        .env("TL_OUT", &out)
        .env("HOME", ws.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let seen: Value =
        serde_json::from_slice(&std::fs::read(&out).expect("the script wrote what it saw"))
            .unwrap();
    assert!(seen["error"].is_null(), "{seen}");
    let d = &seen["diagnostics"][0];
    assert_eq!(
        (d["code"].as_str(), d["source"].as_str()),
        (Some("broken-ref"), Some("throughline")),
        "{seen}"
    );
    let line = yaml.lines().position(|l| l.contains("nobody")).unwrap();
    assert_eq!(
        (d["lnum"].clone(), d["col"].clone()),
        (json!(line), json!(15)),
        "0-based, at `nobody`"
    );
    assert_eq!(
        seen["after_definition"],
        json!([3, 4]),
        "gd lands on the North Star's id"
    );
    let labels: Vec<&str> = seen["completion"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert_eq!(labels, ["g"], "{seen}");
}

#[test]
fn findings_of_files_not_edited_stay_right_across_edits() {
    // Schema findings of a document the edit did not touch are kept, not
    // recomputed: they must stay where they are, and move with their file.
    let ws = workspace(&[
        ("a.yaml", &base_yaml()),
        (
            "b.yaml",
            "kind: Consumer\nid: c2\nname: C2\ntype: robot\nallow: [unused]\n",
        ),
    ]);
    let (a, b) = (
        uri(&ws.path().join("a.yaml")),
        uri(&ws.path().join("b.yaml")),
    );
    // Watching: edits of buffers re-read only those buffers.
    let mut c = Client::start_watching(ws.path());
    let registration = c.wait(|m| m["method"] == "client/registerCapability");
    assert_eq!(
        registration["params"]["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );
    let first = c.diagnostics(&b);
    assert_eq!(first[0]["code"], "schema");
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": a, "languageId": "yaml", "version": 1, "text": base_yaml() } }));
    for n in 0..3 {
        let text = format!("{}# edit {n}\n", base_yaml());
        c.notify("textDocument/didChange", json!({ "textDocument": { "uri": a, "version": n + 2 }, "contentChanges": [{ "text": text }] }));
        let again = c.diagnostics(&b);
        assert_eq!(again, first, "edit {n}");
        // The edited buffer's own findings follow the edit.
        let broken = base_yaml().replace("goals: [g]", &format!("goals: [g{n}]"));
        c.notify("textDocument/didChange", json!({ "textDocument": { "uri": a, "version": n + 10 }, "contentChanges": [{ "text": broken }] }));
        let want = format!("`g{n}`");
        let says = |m: &Value| {
            m["params"]["diagnostics"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|d| {
                    d["code"] == "broken-ref"
                        && d["message"].as_str().is_some_and(|t| t.contains(&want))
                })
        };
        c.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == a.as_str()
                && says(m)
        });
    }
    // A new file sorted before `b.yaml` shifts its file index: still right.
    std::fs::write(
        ws.path().join("a0.yaml"),
        "kind: Consumer\nid: c3\nname: C3\ntype: human\nallow: [unused]\n",
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(&ws.path().join("a0.yaml")), "type": 1 }] }),
    );
    assert_eq!(c.diagnostics(&b), first);
}

#[test]
fn fixing_a_typo_in_one_file_clears_the_finding_it_caused_in_another() {
    let goal = "kind: Goal\nid: g2x\nname: G2\ncontributesTo: ns\nsuccessIndicators:\n  - name: x\n    unit: n\n    target: 1\n";
    let work = "kind: Initiative\nid: i2\nname: I2\ngoals: [g2]\n";
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        ("goal.yaml", goal),
        ("work.yaml", work),
    ]);
    let (goal_uri, work_uri) = (
        uri(&ws.path().join("goal.yaml")),
        uri(&ws.path().join("work.yaml")),
    );
    let mut c = Client::start_watching(ws.path());
    let d = c.diagnostics(&work_uri);
    assert_eq!(d[0]["code"], "broken-ref");
    // References from any reference, not only from the id.
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": goal_uri, "languageId": "yaml", "version": 1, "text": goal } }));
    c.notify("textDocument/didChange", json!({
        "textDocument": { "uri": goal_uri, "version": 2 }, "contentChanges": [{ "text": goal.replace("g2x", "g2") }],
    }));
    let m = c.wait(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == work_uri.as_str()
            && m["params"]["diagnostics"] == json!([])
    });
    assert_eq!(
        m["params"]["diagnostics"],
        json!([]),
        "the other file's broken-ref is gone"
    );
    let refs = c.request("textDocument/references", json!({
        "textDocument": { "uri": work_uri }, "position": pos(3, 8), "context": { "includeDeclaration": true },
    }));
    let files: Vec<&str> = refs["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["uri"].as_str().unwrap())
        .collect();
    assert_eq!(files, [goal_uri.as_str(), work_uri.as_str()], "{refs}");
}

#[test]
fn completion_offers_the_workspaces_contracts_at_a_contract_id() {
    let contract = "apiVersion: v3.1.0\nkind: DataContract\nid: orders-v1\nname: Orders\nversion: 1.2.0\nstatus: active\n";
    let ws = workspace(&[("base.yaml", &base_yaml()), ("orders.odcs.yaml", contract)]);
    let file = uri(&ws.path().join("base.yaml"));
    let mut c = Client::start(ws.path(), &[]);
    let text = base_yaml().replace(
        "inputs: [src]\n",
        "inputs: [src]\noutputPorts:\n  - name: lines\n    contractId: \n",
    );
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": file, "languageId": "yaml", "version": 1, "text": text } }));
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("contractId:"))
        .unwrap() as u64;
    let got = c.request("textDocument/completion", doc(&file, pos(line, 16)));
    let items = got["result"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{got}");
    assert_eq!(items[0]["label"], "orders-v1");
    assert_eq!(items[0]["detail"], "DataContract 1.2.0 Orders");
}

#[test]
fn a_suspect_link_is_marked_as_reviewed_by_an_edit_of_the_lock() {
    let stale = format!(
        "# throughline.lock v1\ng contributesTo ns tl1:{}\n",
        "0".repeat(64)
    );
    let ws = workspace(&[("base.yaml", &base_yaml()), ("throughline.lock", &stale)]);
    let file = uri(&ws.path().join("base.yaml"));
    let lock = uri(&ws.path().join("throughline.lock"));
    let mut c = Client::start(ws.path(), &[]);
    let d: Vec<Value> = c
        .diagnostics(&file)
        .into_iter()
        .filter(|d| d["code"] == "suspect-link")
        .collect();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["range"]["start"], pos(15, 15));
    let actions = c.request("textDocument/codeAction", json!({
        "textDocument": { "uri": file }, "range": d[0]["range"], "context": { "diagnostics": d },
    }));
    let action = &actions["result"][0];
    assert_eq!(
        action["title"], "Mark `g` → `ns` (contributesTo) as reviewed",
        "{actions}"
    );
    let edit = &action["edit"]["changes"][&lock][0];
    let text = edit["newText"].as_str().unwrap();
    assert!(
        text.starts_with("# throughline.lock v1\ng contributesTo ns tl1:"),
        "{text}"
    );
    assert!(!text.contains(&"0".repeat(64)), "{text}");
    assert_eq!(edit["range"]["end"], pos(2, 0), "the whole lock");
    // The server wrote nothing; the editor applies the edit, and the finding goes.
    assert_eq!(
        std::fs::read_to_string(ws.path().join("throughline.lock")).unwrap(),
        stale
    );
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": lock, "languageId": "text", "version": 1, "text": text } }));
    assert_eq!(c.diagnostics(&file), Vec::<Value>::new());
}

#[test]
fn completion_offers_the_manifests_models_sources_and_exposures_at_dbt() {
    let ws = crate::dbt::shop(&[]);
    let file = ws.path().join("data-products.yaml");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("dbt: order_facts", "dbt: ");
    let file = uri(&file);
    let mut c = Client::start(ws.path(), &[]);
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": file, "languageId": "yaml", "version": 1, "text": text } }));
    let line = text.lines().position(|l| l.trim() == "dbt:").unwrap() as u64;
    let got = c.request("textDocument/completion", doc(&file, pos(line, 9)));
    let items = got["result"]["items"].as_array().unwrap();
    let labels: Vec<&str> = items.iter().map(|i| i["label"].as_str().unwrap()).collect();
    for model in [
        "orders",
        "customer_revenue",
        "dim_customers",
        "dim_customers.v1",
        "dim_customers.v2",
        "stg_orders",
    ] {
        assert!(labels.contains(&model), "{model}: {labels:?}");
    }
    assert!(
        !labels.contains(&"raw.orders"),
        "a port names models only: {labels:?}"
    );
    let orders = items.iter().find(|i| i["label"] == "orders").unwrap();
    assert_eq!(
        orders["detail"],
        "dbt model · table · \"shop\".\"main\".\"orders\""
    );

    let sources = ws.path().join("sources.yaml");
    let text = std::fs::read_to_string(&sources)
        .unwrap()
        .replace("dbt: raw.orders", "dbt: ");
    let sources = uri(&sources);
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": sources, "languageId": "yaml", "version": 1, "text": text } }));
    let line = text.lines().position(|l| l.trim() == "dbt:").unwrap() as u64;
    let got = c.request("textDocument/completion", doc(&sources, pos(line, 5)));
    let labels: Vec<&str> = got["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["raw.customers", "raw.orders", "raw.payments"]);

    // A hover on a port's model says what it is and what failed on it.
    let products = ws.path().join("data-products.yaml");
    let text = std::fs::read_to_string(&products).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("dbt: model.shop.customer_revenue"))
        .unwrap() as u64;
    let got = c.request("textDocument/hover", doc(&uri(&products), pos(line, 12)));
    let hover = got["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        hover.starts_with("**dbt model** `model.shop.customer_revenue` · table"),
        "{got}"
    );
    assert!(hover.contains("`revenue_matches_payments` fail"), "{hover}");
    assert_eq!(got["result"]["range"]["start"], pos(line, 9));
}
