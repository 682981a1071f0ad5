//! A small HTTP/1.1 server for the site held in memory: GET and HEAD of the
//! site's files, and a server-sent-events stream for live reload. It binds
//! loopback only and serves nothing but the site's own files.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

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
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            site: RwLock::new(Arc::new(NoFiles)),
            state_event: RwLock::default(),
            subscribers: Mutex::default(),
        }
    }
}

impl Shared {
    /// Sends an SSE event (`event: NAME\ndata: …\n\n`) to every open page.
    pub fn broadcast(&self, event: &str) {
        let mut subs = self.subscribers.lock().unwrap_or_else(|e| e.into_inner());
        subs.retain(|s| s.send(event.to_string()).is_ok());
    }

    fn subscribe(&self) -> Receiver<String> {
        let (tx, rx) = mpsc::channel();
        self.subscribers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tx);
        rx
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

/// Accepts connections forever, one thread each. When accepting fails (out
/// of file descriptors, say), it waits a moment instead of spinning.
pub fn serve(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        let shared = shared.clone();
        std::thread::spawn(move || {
            let _ = handle(stream, &shared);
        });
    }
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

fn respond(
    stream: &mut TcpStream,
    status: &str,
    kind: &str,
    body: &[u8],
    head: bool,
) -> io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if !head {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// The most a request line and its headers may take together.
const MAX_HEAD: u64 = 32 * 1024;

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

fn handle(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?).take(MAX_HEAD);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut host = None;
    let mut header = String::new();
    loop {
        header.clear();
        if reader.read_line(&mut header)? == 0 {
            if reader.limit() == 0 {
                respond(
                    &mut stream,
                    "431 Request Header Fields Too Large",
                    "text/plain",
                    b"request head too large\n",
                    false,
                )?;
                // Closing with unread input would reset the connection and
                // lose the answer: stop writing, then read a little more.
                stream.shutdown(std::net::Shutdown::Write)?;
                stream.set_read_timeout(Some(Duration::from_secs(1)))?;
                let _ = io::copy(&mut reader.into_inner().take(MAX_HEAD), &mut io::sink());
                return Ok(());
            }
            break; // the client stopped sending; answer what it asked
        }
        if header == "\r\n" || header == "\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("host")
        {
            host = Some(value.trim().to_string());
        }
    }
    if host.as_deref().is_some_and(|h| !is_loopback_host(h)) {
        return respond(
            &mut stream,
            "403 Forbidden",
            "text/plain",
            b"throughline serve answers only requests addressed to localhost or 127.0.0.1\n",
            false,
        );
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let head = method == "HEAD";
    if method != "GET" && !head {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            b"method not allowed\n",
            false,
        );
    }
    if target == EVENTS {
        return events(stream, shared);
    }
    if target == LIVE_JS {
        return respond(
            &mut stream,
            "200 OK",
            content_type(".js"),
            super::LIVE_JS_SOURCE.as_bytes(),
            head,
        );
    }
    let rel = match site_path(target) {
        Ok(rel) => rel,
        Err(PathError::BadRequest) => {
            return respond(
                &mut stream,
                "400 Bad Request",
                "text/plain",
                b"bad request\n",
                head,
            );
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
        Some((path, body)) => respond(&mut stream, "200 OK", content_type(&path), &body, head),
        None => {
            let body = site.get("404.html").unwrap_or_default();
            respond(
                &mut stream,
                "404 Not Found",
                content_type(".html"),
                &body,
                head,
            )
        }
    }
}

/// Keeps a live-reload stream open, sending the current state first.
fn events(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    let rx = shared.subscribe();
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\nretry: 1000\n\n"
    )?;
    let state = shared
        .state_event
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    stream.write_all(state.as_bytes())?;
    stream.flush()?;
    loop {
        match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(event) => stream.write_all(event.as_bytes())?,
            // A comment now and then notices closed pages.
            Err(RecvTimeoutError::Timeout) => stream.write_all(b": ping\n\n")?,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
        stream.flush()?;
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
