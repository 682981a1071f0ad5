//! A small HTTP/1.1 server for the site held in memory: GET and HEAD of the
//! site's files, and a server-sent-events stream for live reload. It binds
//! loopback only and serves nothing but the site's own files.

use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, RwLock};

/// The path of the live-reload event stream.
pub const EVENTS: &str = "/__throughline/events";
/// The path of the live-reload script.
pub const LIVE_JS: &str = "/__throughline/live.js";

/// The files the server serves, swapped as a whole on every rebuild.
pub trait Files: Send + Sync {
    /// The file at `path` (relative to the site root), if the site has one.
    fn get(&self, path: &str) -> Option<Arc<Vec<u8>>>;
}

/// A site with no files (before the first build).
pub struct NoFiles;

impl Files for NoFiles {
    fn get(&self, _: &str) -> Option<Arc<Vec<u8>>> {
        None
    }
}

/// Files held in a map.
impl Files for HashMap<String, Arc<Vec<u8>>> {
    fn get(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        HashMap::get(self, path).cloned()
    }
}

/// The state shared by the server and the rebuild loop.
pub struct Shared {
    pub site: RwLock<Arc<dyn Files>>,
    /// The event that describes the current state (`problems` or `clear`),
    /// sent to every new live-reload connection.
    pub state_event: RwLock<String>,
    subscribers: Mutex<Vec<Sender<String>>>,
    /// Woken after each broadcast, so the connection loop sends it.
    wakers: Mutex<Vec<Arc<mio::Waker>>>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            site: RwLock::new(Arc::new(NoFiles)),
            state_event: RwLock::default(),
            subscribers: Mutex::default(),
            wakers: Mutex::default(),
        }
    }
}

impl Shared {
    /// Sends an SSE event (`event: NAME\ndata: …\n\n`) to every open page.
    pub fn broadcast(&self, event: &str) {
        let mut subs = self.subscribers.lock().unwrap_or_else(|e| e.into_inner());
        subs.retain(|s| s.send(event.to_string()).is_ok());
        for w in self.wakers.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = w.wake();
        }
    }

    /// Every broadcast from now on, with `waker` woken after each.
    pub fn subscribe_waking(&self, waker: Arc<mio::Waker>) -> Receiver<String> {
        let (tx, rx) = mpsc::channel();
        self.subscribers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tx);
        self.wakers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(waker);
        rx
    }

    /// The event that describes the current state.
    pub fn state(&self) -> String {
        self.state_event
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Formats one server-sent event.
pub fn sse(event: &str, data: &str) -> String {
    let mut out = format!("event: {event}\n");
    for line in data.lines() {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    if data.is_empty() {
        out.push_str("data: \n");
    }
    out.push('\n');
    out
}

/// Why a request path is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum PathError {
    BadRequest,
}

/// The site file a request path names: `/` → `index.html`, `/goals/` →
/// `goals/index.html`. Refuses `..` segments (plain or percent-encoded),
/// backslashes, NUL bytes and invalid encodings.
pub fn site_path(raw: &str) -> Result<String, PathError> {
    let path = raw.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') {
        return Err(PathError::BadRequest);
    }
    let decoded = percent_decode(path).ok_or(PathError::BadRequest)?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return Err(PathError::BadRequest);
    }
    let mut parts = Vec::new();
    for part in decoded.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(PathError::BadRequest),
            p => parts.push(p),
        }
    }
    let mut rel = parts.join("/");
    if rel.is_empty() || decoded.ends_with('/') {
        if !rel.is_empty() {
            rel.push('/');
        }
        rel.push_str("index.html");
    }
    Ok(rel)
}

/// Decodes `%XX` escapes; `None` when a `%` is not followed by two hex
/// digits or the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return None;
        }
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("yaml") => "application/yaml; charset=utf-8",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

/// A whole answer: status line, headers and (unless `head`) the body.
pub fn response(status: &str, kind: &str, body: &[u8], head: bool) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if !head {
        out.extend_from_slice(body);
    }
    out
}

/// The head of a live-reload stream.
pub fn events_head() -> Vec<u8> {
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\nretry: 1000\n\n".to_vec()
}

/// The most a request line and its headers may take together.
pub const MAX_HEAD: u64 = 32 * 1024;

/// Whether a `Host` header names this machine's loopback interface. Anything
/// else means a page on another site reached the server through a name that
/// resolves to 127.0.0.1 ("DNS rebinding"), and it must not read the specs.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim();
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                name
            } else {
                host
            }
        }),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The answer to a request that may not be served: one addressed to
/// another host (DNS rebinding), or a method other than GET and HEAD.
pub fn refuse(request: &super::server::Request) -> Option<Vec<u8>> {
    if request
        .host
        .as_deref()
        .is_some_and(|h| !is_loopback_host(h))
    {
        return Some(response(
            "403 Forbidden",
            "text/plain",
            b"throughline serve answers only requests addressed to localhost or 127.0.0.1\n",
            false,
        ));
    }
    if request.method != "GET" && request.method != "HEAD" {
        return Some(response(
            "405 Method Not Allowed",
            "text/plain",
            b"method not allowed\n",
            false,
        ));
    }
    None
}

/// The whole answer to a request (the live-reload stream aside).
pub fn answer(request: &super::server::Request, shared: &Shared) -> Vec<u8> {
    if let Some(refused) = refuse(request) {
        return refused;
    }
    let head = request.method == "HEAD";
    let target = request.target.as_str();
    if target == LIVE_JS {
        return response(
            "200 OK",
            content_type(".js"),
            super::LIVE_JS_SOURCE.as_bytes(),
            head,
        );
    }
    let rel = match site_path(target) {
        Ok(rel) => rel,
        Err(PathError::BadRequest) => {
            return response("400 Bad Request", "text/plain", b"bad request\n", head);
        }
    };
    let site = shared
        .site
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    // `/goals` without the slash: the directory's index.
    let found = site.get(&rel).map(|b| (rel.clone(), b)).or_else(|| {
        let index = format!("{rel}/index.html");
        site.get(&index).map(|b| (index, b))
    });
    match found {
        Some((path, body)) => response("200 OK", content_type(&path), &body, head),
        None => {
            let body = site.get("404.html").unwrap_or_default();
            response("404 Not Found", content_type(".html"), &body, head)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_site_files() {
        assert_eq!(site_path("/").unwrap(), "index.html");
        assert_eq!(site_path("/goals/").unwrap(), "goals/index.html");
        assert_eq!(site_path("/goals/a.html?x=1#y").unwrap(), "goals/a.html");
        assert_eq!(site_path("/a%20b.html").unwrap(), "a b.html");
    }

    #[test]
    fn only_loopback_hosts_are_answered() {
        for ok in [
            "127.0.0.1:4000",
            "localhost",
            "LocalHost:80",
            "[::1]:4000",
            "127.0.0.2",
        ] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:4000",
            "localhost.evil.example",
            "127.0.0.1.nip.io:4000",
            "0.0.0.0:4000",
            "192.168.1.2",
            "[::ffff:8.8.8.8]",
            "",
        ] {
            assert!(!is_loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn traversal_is_refused() {
        for bad in [
            "/../etc/passwd",
            "/goals/../../x",
            "/%2e%2e/x",
            "/%2E%2E%2Fx",
            "/..%2fx",
            "/a\\..\\b",
            "/a%5c..%5cb",
            "/%00",
            "/%zz",
            "relative",
        ] {
            assert_eq!(site_path(bad), Err(PathError::BadRequest), "{bad}");
        }
        for bad in ["/%+1", "/%-1.html", "/%1", "/a%g0", "/%"] {
            assert_eq!(site_path(bad), Err(PathError::BadRequest), "{bad}");
        }
    }
}
