//! The connection loop of `serve`: one thread multiplexes every connection
//! with `mio` (reading request heads, writing answers, holding live-reload
//! streams), and a fixed pool of workers renders the answers. However many
//! connections are open, and however slowly they send, the thread count
//! stays the same; a head that does not arrive in time is answered 408 and
//! closed, and a live-reload stream is dropped as soon as its page goes.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::TcpListener as StdListener;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};

use super::http::{self, Shared};

/// Workers that render answers.
pub const WORKERS: usize = 4;
/// How long a client has to send its request head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an answer may take to be read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// How often an idle live-reload stream gets a comment.
const PING: Duration = Duration::from_secs(15);
/// How often the loop looks at its timers.
const TICK: Duration = Duration::from_millis(100);
/// Most connections held at once; more wait in the listen queue.
const MAX_CONNECTIONS: usize = 4096;

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);

/// A request, read: what a worker needs to answer it.
pub struct Request {
    pub method: String,
    pub target: String,
    pub host: Option<String>,
}

enum State {
    /// Reading the request head.
    Head(Vec<u8>),
    /// A worker is answering.
    Waiting,
    /// Writing the answer; the connection closes after it.
    Answer { out: Vec<u8>, at: usize },
    /// A live-reload stream: events are queued in `out`.
    Events { out: Vec<u8>, at: usize },
}

struct Conn {
    stream: TcpStream,
    /// When the current state began.
    since: Instant,
    state: State,
    /// When the stream last got something (for pings).
    last_write: Instant,
}

/// Parses a request head once it is complete: `None` while more is to come.
/// `Err` carries the answer to a head that is too large.
fn parse_head(buf: &[u8]) -> Option<Result<Request, Vec<u8>>> {
    let end = find_head_end(buf);
    if end.is_none() {
        if buf.len() as u64 > http::MAX_HEAD {
            return Some(Err(http::response(
                "431 Request Header Fields Too Large",
                "text/plain",
                b"request head too large\n",
                false,
            )));
        }
        return None;
    }
    let text = String::from_utf8_lossy(&buf[..end.unwrap_or(buf.len())]);
    let mut lines = text.lines();
    let mut parts = lines.next().unwrap_or("").split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let host = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.trim().to_string());
    Some(Ok(Request {
        method: method.to_string(),
        target: target.to_string(),
        host,
    }))
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = buf.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Serves until the process ends.
pub fn serve(listener: StdListener, shared: Arc<Shared>) {
    if let Err(e) = run(listener, shared) {
        eprintln!("error: the server stopped: {e}");
    }
}

fn run(listener: StdListener, shared: Arc<Shared>) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
    // Answers from the workers, and events to broadcast.
    let (done_tx, done_rx) = mpsc::channel::<(Token, Vec<u8>)>();
    let events_rx = shared.subscribe_waking(waker.clone());
    let jobs = start_workers(shared.clone(), done_tx, waker.clone());
    let mut conns: HashMap<Token, Conn> = HashMap::new();
    let mut next = 2usize;
    let mut events = Events::with_capacity(1024);
    let mut accept_again: Option<Instant> = None;
    let mut last_tick = Instant::now();
    loop {
        let timeout = match accept_again {
            Some(at) => at.saturating_duration_since(Instant::now()).min(TICK),
            None => TICK,
        };
        match poll.poll(&mut events, Some(timeout)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        let mut accept_now = accept_again.is_some_and(|at| Instant::now() >= at);
        for event in events.iter() {
            match event.token() {
                LISTENER => accept_now = true,
                WAKER => {}
                token => {
                    if let Some(conn) = conns.get_mut(&token)
                        && !step(conn, &jobs, token, &shared)
                    {
                        close(&mut poll, &mut conns, token);
                    }
                }
            }
        }
        if accept_now {
            accept_again = None;
            loop {
                if conns.len() >= MAX_CONNECTIONS {
                    accept_again = Some(Instant::now() + Duration::from_millis(50));
                    break;
                }
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        let token = Token(next);
                        next += 1;
                        if poll
                            .registry()
                            .register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)
                            .is_err()
                        {
                            continue;
                        }
                        let now = Instant::now();
                        conns.insert(
                            token,
                            Conn {
                                stream,
                                since: now,
                                state: State::Head(Vec::new()),
                                last_write: now,
                            },
                        );
                        // Data may have come with the connection.
                        if let Some(conn) = conns.get_mut(&token)
                            && !step(conn, &jobs, token, &shared)
                        {
                            close(&mut poll, &mut conns, token);
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => {
                        // Out of descriptors, say: try again in a moment
                        // rather than spin on a listener that stays ready.
                        accept_again = Some(Instant::now() + Duration::from_millis(50));
                        break;
                    }
                }
            }
        }
        // Answers the workers finished, and events to send.
        while let Ok((token, out)) = done_rx.try_recv() {
            if let Some(conn) = conns.get_mut(&token) {
                conn.state = State::Answer { out, at: 0 };
                conn.since = Instant::now();
                if !flush(conn) {
                    close(&mut poll, &mut conns, token);
                }
            }
        }
        let mut broadcast = Vec::new();
        while let Ok(event) = events_rx.try_recv() {
            broadcast.extend_from_slice(event.as_bytes());
        }
        let now = Instant::now();
        let tick = now.duration_since(last_tick) >= TICK;
        if tick {
            last_tick = now;
        }
        if broadcast.is_empty() && !tick {
            continue;
        }
        let mut gone = Vec::new();
        for (&token, conn) in conns.iter_mut() {
            let keep = match &mut conn.state {
                State::Events { out, .. } => {
                    if !broadcast.is_empty() {
                        out.extend_from_slice(&broadcast);
                    } else if now.duration_since(conn.last_write) >= PING {
                        out.extend_from_slice(b": ping\n\n");
                    }
                    flush(conn)
                }
                State::Head(_) if now.duration_since(conn.since) >= HEAD_TIMEOUT => {
                    let _ = conn.stream.write_all(&http::response(
                        "408 Request Timeout",
                        "text/plain",
                        b"the request head did not arrive in time\n",
                        false,
                    ));
                    false
                }
                State::Answer { .. } => now.duration_since(conn.since) < WRITE_TIMEOUT,
                _ => true,
            };
            if !keep {
                gone.push(token);
            }
        }
        for token in gone {
            close(&mut poll, &mut conns, token);
        }
    }
}

fn close(poll: &mut Poll, conns: &mut HashMap<Token, Conn>, token: Token) {
    if let Some(mut conn) = conns.remove(&token) {
        let _ = poll.registry().deregister(&mut conn.stream);
    }
}

/// Moves a connection on after readiness; `false` when it is done.
fn step(conn: &mut Conn, jobs: &Sender<(Token, Request)>, token: Token, shared: &Shared) -> bool {
    match &mut conn.state {
        State::Head(buf) => {
            let mut chunk = [0u8; 4096];
            loop {
                match conn.stream.read(&mut chunk) {
                    Ok(0) => {
                        // The client stopped sending: answer what it asked, if anything.
                        if buf.is_empty() {
                            return false;
                        }
                        buf.extend_from_slice(b"\r\n\r\n");
                        break;
                    }
                    Ok(n) => {
                        buf.extend_from_slice(&chunk[..n]);
                        if find_head_end(buf).is_some() || buf.len() as u64 > http::MAX_HEAD {
                            break;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => return false,
                }
            }
            match parse_head(buf) {
                None => true,
                Some(Err(answer)) => {
                    conn.state = State::Answer { out: answer, at: 0 };
                    conn.since = Instant::now();
                    flush(conn)
                }
                Some(Ok(request)) if request.target == http::EVENTS => {
                    if let Some(refused) = http::refuse(&request) {
                        conn.state = State::Answer {
                            out: refused,
                            at: 0,
                        };
                        return flush(conn);
                    }
                    let mut out = http::events_head();
                    out.extend_from_slice(shared.state().as_bytes());
                    conn.state = State::Events { out, at: 0 };
                    flush(conn)
                }
                Some(Ok(request)) => {
                    conn.state = State::Waiting;
                    conn.since = Instant::now();
                    jobs.send((token, request)).is_ok()
                }
            }
        }
        State::Waiting => true,
        State::Answer { .. } => flush(conn),
        State::Events { .. } => {
            // A page that goes closes its stream: notice at once.
            let mut chunk = [0u8; 512];
            loop {
                match conn.stream.read(&mut chunk) {
                    Ok(0) => return false,
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => return false,
                }
            }
            flush(conn)
        }
    }
}

/// Writes what is pending; `false` when the connection is done (answer
/// written, or the peer gone).
fn flush(conn: &mut Conn) -> bool {
    let (out, at, answer) = match &mut conn.state {
        State::Answer { out, at } => (out, at, true),
        State::Events { out, at } => (out, at, false),
        _ => return true,
    };
    while *at < out.len() {
        match conn.stream.write(&out[*at..]) {
            Ok(0) => return false,
            Ok(n) => {
                *at += n;
                conn.last_write = Instant::now();
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
    if answer {
        let _ = conn.stream.flush();
        let _ = conn.stream.shutdown(std::net::Shutdown::Write);
        return false;
    }
    out.clear();
    *at = 0;
    true
}

fn start_workers(
    shared: Arc<Shared>,
    done: Sender<(Token, Vec<u8>)>,
    waker: Arc<Waker>,
) -> Sender<(Token, Request)> {
    let (tx, rx) = mpsc::channel::<(Token, Request)>();
    let rx: Arc<Mutex<Receiver<(Token, Request)>>> = Arc::new(Mutex::new(rx));
    for _ in 0..WORKERS {
        let (rx, done, waker, shared) = (rx.clone(), done.clone(), waker.clone(), shared.clone());
        std::thread::spawn(move || {
            loop {
                let job = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                let Ok((token, request)) = job else { return };
                let answer = http::answer(&request, &shared);
                if done.send((token, answer)).is_err() {
                    return;
                }
                let _ = waker.wake();
            }
        });
    }
    tx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_read_when_complete() {
        assert!(parse_head(b"GET / HTTP/1.1\r\nHost: x").is_none());
        let Some(Ok(r)) = parse_head(b"GET /a.html HTTP/1.1\r\nhost: localhost:4000\r\n\r\n")
        else {
            panic!("a complete head")
        };
        assert_eq!((r.method.as_str(), r.target.as_str()), ("GET", "/a.html"));
        assert_eq!(r.host.as_deref(), Some("localhost:4000"));
        let big = vec![b'a'; http::MAX_HEAD as usize + 10];
        assert!(matches!(parse_head(&big), Some(Err(_))));
    }
}
