//! The protocol SDK (`rmcp`), and nothing else here knows its types: each
//! request is handed to the engine and each answer turned into the SDK's
//! result. The SDK's structs are made from their JSON form, which the
//! protocol fixes, rather than field by field, which its versions change.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde_json::{Value, json};

use super::Engine;

/// Serves `engine` on stdin and stdout until the client closes them.
pub fn serve_stdio(engine: Engine) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    runtime.block_on(serve(engine, tokio::io::stdin(), tokio::io::stdout()))
}

/// Serves `engine` on a reader and a writer (stdio, or a pipe in tests)
/// until the reader ends.
pub async fn serve<R, W>(engine: Engine, reader: R, writer: W) -> Result<(), String>
where
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
    W: tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let server = Server {
        engine: Arc::new(engine),
    };
    // The SDK drops a line it cannot read without a word; the filter in
    // front of it answers such a line with a parse error, so a client
    // that sent, say, a lone surrogate in a path hears why.
    let writer = Arc::new(tokio::sync::Mutex::new(writer));
    let (to_sdk, sdk_in) = tokio::io::duplex(1 << 16);
    let (sdk_out, from_sdk) = tokio::io::duplex(1 << 16);
    tokio::spawn(filter(reader, to_sdk, writer.clone()));
    tokio::spawn(forward(from_sdk, writer));
    let running = server
        .serve((sdk_in, sdk_out))
        .await
        .map_err(|e| format!("the client did not start a session: {e}"))?;
    running
        .waiting()
        .await
        .map(|_| ())
        .map_err(|e| format!("the session ended: {e}"))
}

/// Passes each line that is JSON on to the SDK, and answers each that is
/// not with a JSON-RPC parse error.
async fn filter<R, W>(
    reader: R,
    mut to_sdk: tokio::io::DuplexStream,
    writer: Arc<tokio::sync::Mutex<W>>,
) where
    R: tokio::io::AsyncRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut lines = tokio::io::BufReader::new(reader);
    let mut line = Vec::new();
    loop {
        line.clear();
        match lines.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(_) => {
                if to_sdk.write_all(&line).await.is_err() {
                    break;
                }
                if !line.ends_with(b"\n") && to_sdk.write_all(b"\n").await.is_err() {
                    break;
                }
            }
            Err(e) => {
                let answer = json!({
                    "jsonrpc": "2.0",
                    "id": id_of(&text),
                    "error": {"code": -32700, "message": format!("the message is not valid JSON: {e}")},
                });
                let mut out = writer.lock().await;
                let _ = out.write_all(format!("{answer}\n").as_bytes()).await;
                let _ = out.flush().await;
            }
        }
    }
    let _ = to_sdk.shutdown().await;
}

/// The id of a request that is not valid JSON, when it is readable once
/// escapes JSON cannot hold (lone surrogates) are set aside.
fn id_of(text: &str) -> Value {
    let mut lenient = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\\u") {
        lenient.push_str(&rest[..at]);
        let hex = rest.get(at + 2..at + 6).unwrap_or("");
        let surrogate = u16::from_str_radix(hex, 16).is_ok_and(|v| (0xd800..0xe000).contains(&v));
        if surrogate {
            lenient.push_str("\\ufffd");
            rest = &rest[at + 6..];
        } else {
            lenient.push_str("\\u");
            rest = &rest[at + 2..];
        }
    }
    lenient.push_str(rest);
    serde_json::from_str::<Value>(&lenient)
        .ok()
        .and_then(|v| v.get("id").cloned())
        .unwrap_or(Value::Null)
}

/// Writes the SDK's lines out, each whole, between the filter's answers.
async fn forward<W>(from_sdk: tokio::io::DuplexStream, writer: Arc<tokio::sync::Mutex<W>>)
where
    W: tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut lines = tokio::io::BufReader::new(from_sdk);
    let mut line = Vec::new();
    loop {
        line.clear();
        match lines.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let mut out = writer.lock().await;
        if out.write_all(&line).await.is_err() || out.flush().await.is_err() {
            break;
        }
    }
}

#[derive(Clone)]
struct Server {
    engine: Arc<Engine>,
}

/// An SDK type from its JSON form (which the protocol defines).
fn from_json<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("the protocol's JSON form of a result")
}

/// A tool result: the answer as structured content, and as text for the
/// clients that read only text; or a tool error the assistant reads.
fn tool_result(answer: Result<Value, String>) -> CallToolResult {
    from_json(match answer {
        Ok(value) => json!({
            "content": [{"type": "text", "text": serde_json::to_string(&value).expect("JSON")}],
            "structuredContent": value,
            "isError": false,
        }),
        Err(message) => json!({
            "content": [{"type": "text", "text": message}],
            "isError": true,
        }),
    })
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new("throughline", crate::version()))
            .with_instructions(
                "The trace of this workspace's data-product specs: North Star, goals, hypotheses, initiatives, use cases, data products, sources and consumers. Start with `overview`; `search` finds ids; `get_entity` and `trace` follow links; call `validate_draft` before writing a spec file. Answers follow the files as they change.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools: Vec<Value> = super::catalog::tools(self.engine.options.allow_write)
            .into_iter()
            .map(|t| {
                json!({
                    "name": t.name,
                    "title": t.title,
                    "description": t.description,
                    "inputSchema": t.input,
                    "outputSchema": t.output,
                    "annotations": {
                        "title": t.title,
                        "readOnlyHint": t.read_only,
                        "destructiveHint": false,
                        "idempotentHint": true,
                        "openWorldHint": false,
                    },
                })
            })
            .collect();
        Ok(from_json(json!({ "tools": tools })))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        let engine = self.engine.clone();
        let name = request.name.to_string();
        let answer = tokio::task::spawn_blocking(move || {
            super::answer::call(&engine, &name, &args)
                .map(|a| a.map_err(|m| m.to_string()))
                .ok_or(())
        })
        .await
        .map_err(|e| ErrorData::internal_error(format!("the tool failed: {e}"), None))?;
        match answer {
            Ok(answer) => Ok(tool_result(answer).into()),
            Err(()) => {
                let names: Vec<&str> = super::catalog::tools(self.engine.options.allow_write)
                    .iter()
                    .map(|t| t.name)
                    .collect();
                let hint = crate::suggest::hint(&request.name, names.iter().copied());
                let write_only = request.name == "review" && !self.engine.options.allow_write;
                let why = if write_only {
                    " (it writes throughline.lock: start the server with `--allow-write` to offer it)"
                } else {
                    ""
                };
                Err(ErrorData::invalid_params(
                    format!("unknown tool `{}`{why}{hint}", request.name),
                    None,
                ))
            }
        }
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let resources: Vec<Value> = super::resources()
            .into_iter()
            .map(|r| {
                json!({"uri": r.uri, "name": r.name, "description": r.description, "mimeType": r.mime})
            })
            .collect();
        Ok(from_json(json!({ "resources": resources })))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let templates: Vec<Value> = super::TEMPLATES
            .iter()
            .map(|(uri, name, description, mime)| {
                json!({"uriTemplate": uri, "name": name, "description": description, "mimeType": mime})
            })
            .collect();
        Ok(from_json(json!({ "resourceTemplates": templates })))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let engine = self.engine.clone();
        let uri = request.uri.clone();
        let read = tokio::task::spawn_blocking(move || super::read(&engine, &uri))
            .await
            .map_err(|e| ErrorData::internal_error(format!("the read failed: {e}"), None))?;
        match read {
            Ok((mime, text)) => {
                let result: ReadResourceResult = from_json(json!({
                    "contents": [{"uri": request.uri, "mimeType": mime, "text": text}]
                }));
                Ok(result.into())
            }
            Err(message) => Err(ErrorData::resource_not_found(
                message,
                Some(json!({ "uri": request.uri })),
            )),
        }
    }
}
