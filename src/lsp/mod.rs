//! `throughline lsp`: the Language Server Protocol over stdio (CONTRACT §7).
//!
//! One engine with `check`: every change re-checks the workspace with the
//! editor's unsaved buffers in place of the files (`check_dir_overlaid`,
//! which reuses the parsed files that did not change), and the requests are
//! answered from that check. `lsp-server` frames the messages; the loop
//! here reads them on a thread of its own, so a change that arrives while
//! a check runs is folded into the next one.

pub mod complete;
mod dbt;
pub mod features;
pub mod position;
mod review;

use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;

use lsp_server::{Message, Notification, Request, RequestId, Response, ResponseError};
use serde_json::{Value, json};

use crate::load::LoadCache;
use crate::model::time::Date;
use position::Encoding;

/// JSON-RPC error codes.
const PARSE_ERROR: i32 = -32700;
const INVALID_REQUEST: i32 = -32600;
const METHOD_NOT_FOUND: i32 = -32601;
const INVALID_PARAMS: i32 = -32602;
const REQUEST_FAILED: i32 = -32803;

/// A protocol message, or a frame that could not be read as one.
enum Incoming {
    Message(Message),
    Malformed(String),
}

/// Runs the server until the client says `exit` or goes away. Returns the
/// process exit code: 0 after `shutdown` then `exit`, 1 otherwise (as the
/// protocol asks).
pub fn run(today: Date) -> i32 {
    crate::stay_up();
    let (tx, rx) = mpsc::channel::<Incoming>();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut input = BufReader::new(stdin.lock());
        loop {
            match Message::read(&mut input) {
                Ok(Some(m)) => {
                    if tx.send(Incoming::Message(m)).is_err() {
                        return;
                    }
                }
                Ok(None) => return, // the client closed its end
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    if tx.send(Incoming::Malformed(e.to_string())).is_err() {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
    });
    let mut server = Server {
        out: std::io::stdout(),
        session: None,
        today,
        shutdown: false,
        next_id: 1,
    };
    loop {
        let Ok(incoming) = rx.recv() else {
            return 1; // the client vanished without `exit`
        };
        let mut changed = match server.dispatch(incoming) {
            Step::Exit(code) => return code,
            Step::Changed => true,
            Step::Done => false,
        };
        // Fold the changes already waiting into one check; anything else
        // waits for it, so that it is answered from the new state.
        while changed {
            match rx.try_recv() {
                Ok(Incoming::Message(Message::Notification(n))) if is_change(&n.method) => {
                    server.notification(n);
                }
                Ok(other) => {
                    server.recheck();
                    changed = match server.dispatch(other) {
                        Step::Exit(code) => return code,
                        Step::Changed => true,
                        Step::Done => false,
                    };
                }
                Err(_) => {
                    server.recheck();
                    changed = false;
                }
            }
        }
    }
}

/// What handling one message asks of the loop.
enum Step {
    Done,
    /// The workspace must be checked again.
    Changed,
    Exit(i32),
}

fn is_change(method: &str) -> bool {
    matches!(
        method,
        "textDocument/didOpen"
            | "textDocument/didChange"
            | "textDocument/didClose"
            | "textDocument/didSave"
            | "workspace/didChangeWatchedFiles"
    )
}

/// The workspace the client opened, and what the last check found.
pub struct Session {
    pub root: PathBuf,
    pub encoding: Encoding,
    /// Unsaved buffers by absolute path.
    pub overlays: HashMap<PathBuf, Arc<str>>,
    cache: LoadCache,
    pub checked: Option<crate::Checked>,
    /// Why the workspace could not be checked (a broken `throughline.toml`, say).
    pub failure: Option<String>,
    /// Files we last published diagnostics for.
    published: HashSet<PathBuf>,
    /// Buffers changed since the last check.
    changed: HashSet<PathBuf>,
    /// Whether files may have changed on disk (or appeared, or vanished)
    /// since the last check, so that it must walk the workspace again.
    disk_changed: bool,
    /// Whether the client watches files for us; if not, every check walks
    /// the workspace to see what changed on disk.
    watches: bool,
}

struct Server {
    out: std::io::Stdout,
    session: Option<Session>,
    today: Date,
    shutdown: bool,
    next_id: i32,
}

/// `file:///a/b.yaml` → `/a/b.yaml`.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    url::Url::parse(uri).ok()?.to_file_path().ok()
}

/// `/a/b.yaml` → `file:///a/b.yaml`.
pub fn path_to_uri(path: &Path) -> String {
    url::Url::from_file_path(path).map_or_else(|()| path.display().to_string(), |u| u.to_string())
}

impl Server {
    fn dispatch(&mut self, incoming: Incoming) -> Step {
        match incoming {
            Incoming::Malformed(why) => {
                self.send_raw(json!({
                    "jsonrpc": "2.0", "id": null,
                    "error": { "code": PARSE_ERROR, "message": format!("cannot read the message: {why}") }
                }));
                Step::Done
            }
            Incoming::Message(Message::Request(req)) => {
                self.request(req);
                Step::Done
            }
            Incoming::Message(Message::Response(_)) => Step::Done, // to registerCapability
            Incoming::Message(Message::Notification(n)) => {
                if n.method == "exit" {
                    return Step::Exit(if self.shutdown { 0 } else { 1 });
                }
                if self.notification(n) {
                    Step::Changed
                } else {
                    Step::Done
                }
            }
        }
    }

    fn send(&mut self, m: Message) {
        let mut out = self.out.lock();
        let _ = m.write(&mut out);
        let _ = out.flush();
    }

    fn send_raw(&mut self, v: Value) {
        let text = v.to_string();
        let mut out = self.out.lock();
        let _ = write!(out, "Content-Length: {}\r\n\r\n{text}", text.len());
        let _ = out.flush();
    }

    fn reply(&mut self, id: RequestId, result: Result<Value, (i32, String)>) {
        let response = Response {
            id,
            response_result: result.map_err(|(code, message)| ResponseError {
                code,
                message,
                data: None,
            }),
        };
        self.send(Message::Response(response));
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(Message::Notification(Notification {
            method: method.to_string(),
            params,
        }));
    }

    fn request(&mut self, req: Request) {
        let id = req.id.clone();
        if req.method == "initialize" {
            let result = self.initialize(&req.params);
            self.reply(id, result);
            return;
        }
        if self.session.is_none() {
            self.reply(id, Err((-32002, "the server is not initialized".into())));
            return;
        }
        if self.shutdown {
            self.reply(
                id,
                Err((INVALID_REQUEST, "the server is shutting down".into())),
            );
            return;
        }
        if req.method == "shutdown" {
            self.shutdown = true;
            self.reply(id, Ok(Value::Null));
            return;
        }
        use lsp_types::request::{
            CodeActionRequest, Completion, DocumentSymbolRequest, GotoDefinition, HoverRequest,
            PrepareRenameRequest, References, Rename, Request as _, WorkspaceSymbolRequest,
        };
        let session = self.session.as_ref().expect("initialized");
        let p = &req.params;
        let result = match req.method.as_str() {
            GotoDefinition::METHOD => features::definition(session, p),
            References::METHOD => features::references(session, p),
            HoverRequest::METHOD => features::hover(session, p),
            Completion::METHOD => complete::completion(session, p),
            PrepareRenameRequest::METHOD => features::prepare_rename(session, p),
            Rename::METHOD => features::rename(session, p),
            DocumentSymbolRequest::METHOD => features::document_symbols(session, p),
            WorkspaceSymbolRequest::METHOD => features::workspace_symbols(session, p),
            CodeActionRequest::METHOD => features::code_actions(session, p),
            m if m.starts_with("$/") => Ok(Value::Null),
            _ => Err((
                METHOD_NOT_FOUND,
                format!("throughline does not handle `{}`", req.method),
            )),
        };
        let result = result
            .map_err(|(code, message)| (if code == 0 { REQUEST_FAILED } else { code }, message));
        self.reply(id, result);
    }

    fn initialize(&mut self, params: &Value) -> Result<Value, (i32, String)> {
        let root = params["rootUri"]
            .as_str()
            .and_then(uri_to_path)
            .or_else(|| {
                params["workspaceFolders"][0]["uri"]
                    .as_str()
                    .and_then(uri_to_path)
            })
            .or_else(|| params["rootPath"].as_str().map(PathBuf::from))
            .or_else(|| std::env::current_dir().ok())
            .ok_or((INVALID_PARAMS, "no workspace root".to_string()))?;
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        let encoding =
            Encoding::negotiate(params["capabilities"]["general"].get("positionEncodings"));
        let watch = params["capabilities"]["workspace"]["didChangeWatchedFiles"]["dynamicRegistration"]
            == true;
        self.session = Some(Session {
            root,
            encoding,
            overlays: HashMap::new(),
            cache: LoadCache::default(),
            checked: None,
            failure: None,
            published: HashSet::new(),
            changed: HashSet::new(),
            disk_changed: true,
            watches: watch,
        });
        if watch {
            // Sent after the reply, when `initialized` arrives.
            self.next_id = -1;
        }
        Ok(json!({
            "capabilities": {
                "positionEncoding": encoding.name(),
                "textDocumentSync": { "openClose": true, "change": 1, "save": { "includeText": false } },
                "definitionProvider": true,
                "referencesProvider": true,
                "hoverProvider": true,
                "completionProvider": { "triggerCharacters": [":", " ", "[", ",", "-"] },
                "renameProvider": { "prepareProvider": true },
                "documentSymbolProvider": true,
                "workspaceSymbolProvider": true,
                "codeActionProvider": { "codeActionKinds": ["quickfix"] },
            },
            "serverInfo": { "name": "throughline", "version": env!("CARGO_PKG_VERSION") },
        }))
    }

    /// Handles a notification; says whether the workspace must be checked again.
    fn notification(&mut self, n: Notification) -> bool {
        let p = &n.params;
        match n.method.as_str() {
            "initialized" => {
                if self.next_id == -1 {
                    self.next_id = 1;
                    self.send(Message::Request(Request {
                        id: RequestId::from(0),
                        method: "client/registerCapability".into(),
                        params: json!({ "registrations": [{
                            "id": "throughline-files",
                            "method": "workspace/didChangeWatchedFiles",
                            "registerOptions": { "watchers": [
                                { "globPattern": "**/*.{yaml,yml}" },
                                { "globPattern": "**/*.measurements.csv" },
                                { "globPattern": "**/throughline.toml" },
                            ]},
                        }]}),
                    }));
                }
                true
            }
            "textDocument/didOpen" => {
                let (Some(path), Some(text)) = (
                    p["textDocument"]["uri"].as_str().and_then(uri_to_path),
                    p["textDocument"]["text"].as_str(),
                ) else {
                    return false;
                };
                self.overlay(path, Some(text))
            }
            "textDocument/didChange" => {
                let Some(path) = p["textDocument"]["uri"].as_str().and_then(uri_to_path) else {
                    return false;
                };
                // Full sync: the last change holds the whole text.
                let Some(text) = p["contentChanges"]
                    .as_array()
                    .and_then(|c| c.last())
                    .and_then(|c| c["text"].as_str())
                else {
                    return false;
                };
                self.overlay(path, Some(text))
            }
            "textDocument/didClose" => {
                let Some(path) = p["textDocument"]["uri"].as_str().and_then(uri_to_path) else {
                    return false;
                };
                self.overlay(path, None)
            }
            "textDocument/didSave" | "workspace/didChangeWatchedFiles" => match &mut self.session {
                Some(s) => {
                    s.disk_changed = true;
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    fn overlay(&mut self, path: PathBuf, text: Option<&str>) -> bool {
        let Some(session) = &mut self.session else {
            return false;
        };
        let path = canonical(&path);
        // A buffer of a file the last check did not read needs the walk.
        let known = session
            .checked
            .as_ref()
            .is_some_and(|c| c.workspace.files.iter().any(|f| f.path == path));
        if !known {
            session.disk_changed = true;
        }
        match text {
            Some(t) => session.overlays.insert(path.clone(), Arc::from(t)),
            None => session.overlays.remove(&path),
        };
        session.changed.insert(path);
        true
    }

    /// Checks the workspace again and publishes what changed.
    fn recheck(&mut self) {
        let today = self.today;
        let Some(session) = &mut self.session else {
            return;
        };
        let overlays = Arc::new(session.overlays.clone());
        let changed = std::mem::take(&mut session.changed);
        let quick = match (&session.checked, session.disk_changed || !session.watches) {
            (Some(prev), false) => crate::recheck_buffers(prev, today, &changed, overlays.clone()),
            _ => None,
        };
        session.disk_changed = false;
        let result = match quick {
            Some(checked) => Ok(checked),
            None => crate::check_dir_overlaid(&session.root, today, &mut session.cache, overlays),
        };
        match result {
            Ok(checked) => {
                session.checked = Some(checked);
                session.failure = None;
            }
            Err(e) => {
                session.failure = Some(e.to_string());
                self.notify(
                    "window/showMessage",
                    json!({ "type": 1, "message": format!("throughline: {e}") }),
                );
                return;
            }
        }
        let (batches, now) = features::diagnostics(self.session.as_ref().expect("session"));
        let session = self.session.as_mut().expect("session");
        // Open files hear about every check, clean or not; others only when
        // they have findings, or just lost their last one.
        let mut stale: Vec<PathBuf> = session.published.difference(&now).cloned().collect();
        for open in session.overlays.keys() {
            if !now.contains(open) && !stale.contains(open) {
                stale.push(open.clone());
            }
        }
        session.published = now;
        for (uri, diagnostics) in batches {
            self.notify(
                "textDocument/publishDiagnostics",
                json!({ "uri": uri, "diagnostics": diagnostics }),
            );
        }
        for path in stale {
            self.notify(
                "textDocument/publishDiagnostics",
                json!({ "uri": path_to_uri(&path), "diagnostics": [] }),
            );
        }
    }
}

/// A path as the workspace's files carry it (symbolic links resolved where
/// the file exists).
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
