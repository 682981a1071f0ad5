//! `throughline serve` over loopback: pages, live reload, the error overlay
//! event, path traversal, port fallback and Ctrl-C.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{TODAY, base_yaml, workspace};

/// A running `serve`, stopped when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    /// Stops the server and returns what it printed on stderr.
    fn stop_and_read_stderr(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &std::path::Path, port: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_throughline"))
        .args([
            "serve",
            dir.to_str().unwrap(),
            "--port",
            port,
            "--today",
            TODAY,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("serve prints its URL");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    Server { child, addr }
}

/// A raw HTTP/1.1 GET; returns the status code and the body.
fn get(addr: &str, target: &str) -> (u16, String) {
    send(
        addr,
        &format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
}

/// Sends `request` as it is; returns the status code and the body.
fn send(addr: &str, request: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Reads server-sent events in the background.
fn events(addr: &str) -> mpsc::Receiver<String> {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET /__throughline/events HTTP/1.1\r\nHost: {addr}\r\n\r\n"
    )
    .unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(s).lines().map_while(Result::ok) {
            if let Some(event) = line.strip_prefix("event: ")
                && tx.send(event.to_string()).is_err()
            {
                return;
            }
        }
    });
    rx
}

fn wait_for(rx: &mpsc::Receiver<String>, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(event) if event == want => return,
            Ok(_) => continue,
            Err(_) => break,
        }
    }
    panic!("no `{want}` event within 15 s");
}

#[test]
fn edits_rebuild_and_reload_and_errors_show_until_fixed() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let server = start(ws.path(), "0");
    let (status, page) = get(&server.addr, "/goals/g.html");
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Goal</h1>"));
    // Pages served live carry the reload script and may connect back.
    assert!(page.contains("/__throughline/live.js"));
    assert!(page.contains("connect-src 'self'"));
    assert_eq!(get(&server.addr, "/__throughline/live.js").0, 200);

    let rx = events(&server.addr);
    wait_for(&rx, "clear");
    let spec = ws.path().join("base.yaml");
    let text = base_yaml().replace("name: Goal\n", "name: Goal renamed\n");
    // Write to a temporary file and rename it over the spec, as many editors save.
    std::fs::write(ws.path().join(".base.yaml.tmp"), &text).unwrap();
    std::fs::rename(ws.path().join(".base.yaml.tmp"), &spec).unwrap();
    wait_for(&rx, "reload");
    let (_, page) = get(&server.addr, "/goals/g.html");
    assert!(page.contains("<h1>Goal renamed</h1>"), "{page}");

    // A broken spec: errors on the page, the last good site still served.
    std::fs::write(
        ws.path().join("broken.yaml"),
        "kind: Initiative\nid: i2\nname: I2\ngoals: [nope]\n",
    )
    .unwrap();
    wait_for(&rx, "problems");
    assert_eq!(get(&server.addr, "/goals/g.html").0, 200);
    // The next good save clears it.
    std::fs::remove_file(ws.path().join("broken.yaml")).unwrap();
    wait_for(&rx, "reload");
    let rx = events(&server.addr);
    wait_for(&rx, "clear");
}

#[test]
fn serves_only_the_sites_files() {
    let ws = workspace(&[("base.yaml", &base_yaml()), ("secret.txt", "do not serve")]);
    let server = start(ws.path(), "0");
    for target in [
        "/../secret.txt",
        "/goals/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/..%5csecret.txt",
        "/goals\\..\\..\\secret.txt",
    ] {
        let (status, body) = get(&server.addr, target);
        assert!(status == 400 || status == 404, "{target}: {status}");
        assert!(!body.contains("do not serve"), "{target}");
    }
    let (status, body) = get(&server.addr, "/base.yaml");
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"));
    assert_eq!(get(&server.addr, "/").0, 200);
    assert_eq!(get(&server.addr, "/goals/").0, 200);
}

#[test]
fn answers_only_loopback_and_local_names() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let server = start(ws.path(), "0");
    let port = server.addr.rsplit(':').next().unwrap();

    // Listening sockets on the port: all on 127.0.0.1 (Linux shows them in /proc).
    if let Ok(table) = std::fs::read_to_string("/proc/net/tcp") {
        let port_hex = format!("{:04X}", port.parse::<u16>().unwrap());
        let listening: Vec<&str> = table
            .lines()
            .skip(1)
            .filter_map(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                (cols[1].ends_with(&format!(":{port_hex}")) && cols[3] == "0A").then_some(cols[1])
            })
            .collect();
        assert_eq!(listening, [format!("0100007F:{port_hex}")]);
        let v6 = std::fs::read_to_string("/proc/net/tcp6").unwrap_or_default();
        assert!(!v6.contains(&format!(
            ":{port_hex} 00000000000000000000000000000000:0000 0A"
        )));
    }

    // A page elsewhere reaching the port through a name that resolves to
    // 127.0.0.1 (DNS rebinding) is refused; local names are answered.
    for host in [
        "evil.example",
        &format!("evil.example:{port}"),
        "127.0.0.1.nip.io",
    ] {
        let (status, body) = send(
            &server.addr,
            &format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(status, 403, "{host}");
        assert!(!body.contains("<html"), "{host}: {body}");
    }
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        let request = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        let (status, body) = send(&server.addr, &request);
        assert_eq!(status, 200, "{host}");
        assert!(body.contains("<html"), "{host}");
    }

    // A request head that never ends is cut off.
    let huge = format!(
        "GET / HTTP/1.1\r\nHost: localhost\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(40_000)
    );
    assert_eq!(send(&server.addr, &huge).0, 431);
}

#[test]
fn a_taken_port_falls_back_to_a_free_one() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let mut server = start(ws.path(), &port);
    assert_ne!(server.addr, format!("127.0.0.1:{port}"));
    assert_eq!(get(&server.addr, "/index.html").0, 200);
    // Ctrl-C stops it cleanly and at once, even with a page connected.
    let rx = events(&server.addr);
    wait_for(&rx, "clear");
    let pid = server.child.id().to_string();
    let status = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(1);
    let code = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status.code();
        }
        assert!(
            Instant::now() < deadline,
            "serve did not stop within 1 s of SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, Some(0));
    let err = server.stop_and_read_stderr();
    assert!(err.contains("is in use"), "{err}");
    assert!(err.contains("stopped"), "{err}");
}

#[test]
fn a_new_workspace_config_changes_what_is_watched() {
    let ws = workspace(&[("base.yaml", &base_yaml()), ("theme/notes.txt", "")]);
    let server = start(ws.path(), "0");
    let rx = events(&server.addr);
    wait_for(&rx, "clear");
    // The templates move to `theme/`: once the new configuration is read, a
    // change there rebuilds the site.
    std::fs::write(
        ws.path().join("throughline.toml"),
        "[site]\ntemplates = \"theme\"\n",
    )
    .unwrap();
    wait_for(&rx, "reload");
    let base = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/base.html"),
    )
    .unwrap();
    std::fs::write(
        ws.path().join("theme/base.html"),
        base.replace("<body", "<!-- themed --><body"),
    )
    .unwrap();
    wait_for(&rx, "reload");
    let (status, page) = get(&server.addr, "/goals/g.html");
    assert_eq!(status, 200);
    assert!(page.contains("<!-- themed -->"), "{page}");
}

#[test]
fn live_reload_comes_from_the_template_and_a_base_without_it_is_named() {
    let base = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/base.html"),
    )
    .unwrap();
    let without = base.replace(
        "{% if live_reload %}<script src=\"{{ live_reload }}\" defer></script>{% endif %}",
        "",
    );
    assert_ne!(base, without);
    let ws = workspace(&[
        ("base.yaml", &base_yaml()),
        ("templates/base.html", &without),
    ]);
    let mut server = start(ws.path(), "0");
    let (status, page) = get(&server.addr, "/goals/g.html");
    assert_eq!(status, 200);
    assert!(!page.contains("/__throughline/live.js"));
    let err = server.stop_and_read_stderr();
    assert!(
        err.contains("does not load the live-reload script"),
        "{err}"
    );
}

/// CPU time (user + system, in clock ticks) the process has used.
#[cfg(target_os = "linux")]
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit_once(") ").unwrap().1.split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn running_out_of_file_descriptors_does_not_spin() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    // A low descriptor limit, then more connections than it allows: accept
    // fails once every descriptor is taken. Where that happens depends on
    // how many the process holds already, so try a few limits.
    for limit in 48..=51 {
        let mut child = Command::new("sh")
            .args([
                "-c",
                &format!("ulimit -n {limit} && exec \"$0\" serve \"$1\" --port 0 --today \"$2\""),
                env!("CARGO_BIN_EXE_throughline"),
                ws.path().to_str().unwrap(),
                TODAY,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let server = Server {
            addr: line
                .split("http://")
                .nth(1)
                .unwrap()
                .split('/')
                .next()
                .unwrap()
                .to_string(),
            child,
        };
        let mut held = Vec::new();
        for _ in 0..60 {
            if let Ok(mut s) = TcpStream::connect(&server.addr) {
                let _ = write!(
                    s,
                    "GET /__throughline/events HTTP/1.1\r\nHost: localhost\r\n\r\n"
                );
                held.push(s);
            }
        }
        std::thread::sleep(Duration::from_millis(300));
        let pid = server.child.id();
        let before = cpu_ticks(pid);
        std::thread::sleep(Duration::from_millis(500));
        let used = cpu_ticks(pid) - before;
        // Spinning on accept burns the whole half second (50 ticks); waiting, almost none.
        assert!(
            used < 15,
            "limit {limit}: {used} ticks of CPU in half a second"
        );
    }
}

/// A number from /proc/PID/status (`Threads`), or how many descriptors it holds.
fn proc_threads(pid: u32) -> usize {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn proc_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

#[cfg(target_os = "linux")]
#[test]
fn slow_connections_take_no_threads_and_do_not_hold_up_others() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let server = start(ws.path(), "0");
    let pid = server.child.id();
    assert_eq!(get(&server.addr, "/").0, 200);
    let threads = proc_threads(pid);
    // 500 clients that send their request one byte a second.
    let mut slow: Vec<TcpStream> = (0..500)
        .map(|_| TcpStream::connect(&server.addr).unwrap())
        .collect();
    let request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    for round in 0..3 {
        for s in &mut slow {
            let _ = s.write_all(&request[round..round + 1]);
        }
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            proc_threads(pid) <= threads,
            "{} threads with slow clients, {threads} before",
            proc_threads(pid)
        );
        // A normal request meanwhile is answered at once.
        let started = Instant::now();
        assert_eq!(get(&server.addr, "/goals/g.html").0, 200);
        let took = started.elapsed();
        assert!(took < Duration::from_millis(100), "answered in {took:?}");
    }
    drop(slow);
}

#[cfg(target_os = "linux")]
#[test]
fn a_head_that_never_arrives_is_timed_out() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let server = start(ws.path(), "0");
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.write_all(b"GET / HT").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let started = Instant::now();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(12),
        "{took:?}"
    );
}

/// The descriptor count once it has not changed for 150 ms (at most 3 s).
#[cfg(target_os = "linux")]
fn settled_fds(pid: u32) -> usize {
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut last = proc_fds(pid);
    let mut same = 0;
    while same < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        let now = proc_fds(pid);
        same = if now == last { same + 1 } else { 0 };
        last = now;
    }
    last
}

#[cfg(target_os = "linux")]
#[test]
fn closed_event_streams_release_their_connections() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let server = start(ws.path(), "0");
    let pid = server.child.id();
    assert_eq!(get(&server.addr, "/").0, 200);
    // The count once the server is idle: the answer's connection and the
    // first build's files may still be closing.
    let fds = settled_fds(pid);
    let streams: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut s = TcpStream::connect(&server.addr).unwrap();
            s.write_all(b"GET /__throughline/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .unwrap();
            let mut first = [0u8; 12];
            s.read_exact(&mut first).unwrap();
            assert_eq!(&first, b"HTTP/1.1 200");
            s
        })
        .collect();
    let held = proc_fds(pid);
    assert!(
        held >= fds + 50,
        "{held} descriptors with 50 streams, {fds} before"
    );
    drop(streams);
    let deadline = Instant::now() + Duration::from_secs(2);
    while proc_fds(pid) > fds && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        proc_fds(pid) <= fds,
        "{} descriptors, {fds} before",
        proc_fds(pid)
    );
}

#[test]
fn two_hundred_clients_and_twenty_thousand_requests_without_an_error() {
    let ws = workspace(&[("base.yaml", &base_yaml())]);
    let server = start(ws.path(), "0");
    let addr = server.addr.clone();
    let pages = [
        "/",
        "/goals/g.html",
        "/data-products/dp.html",
        "/assets/style.css",
        "/nope.html",
    ];
    let clients: Vec<_> = (0..200)
        .map(|c| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                for i in 0..100 {
                    let page = pages[(c + i) % pages.len()];
                    let want = if page == "/nope.html" { 404 } else { 200 };
                    let (status, body) = get(&addr, page);
                    if status != want || body.is_empty() {
                        failures.push(format!("{page}: {status}"));
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
}

#[test]
fn a_new_dbt_run_outside_the_workspace_rebuilds_the_site() {
    // The artifacts in a directory beside the workspace, as a dbt project's
    // `target/` is.
    let ws = crate::dbt::shop(&[("data-products.yaml", "dbt: order_facts", "dbt: orders")]);
    let target = tempfile::tempdir().unwrap();
    for f in ["manifest.json", "run_results.json", "sources.json"] {
        std::fs::copy(crate::dbt::artifacts().join(f), target.path().join(f)).unwrap();
    }
    let t = target.path();
    std::fs::write(
        ws.path().join("throughline.toml"),
        format!(
            "[dbt]\nmanifest = {:?}\nrun-results = {:?}\nsources = {:?}\n",
            t.join("manifest.json"),
            t.join("run_results.json"),
            t.join("sources.json")
        ),
    )
    .unwrap();
    let server = start(ws.path(), "0");
    let (status, page) = get(&server.addr, "/data-products/customer-revenue.html");
    assert_eq!(status, 200);
    let row = |page: &str| {
        let at = page
            .rfind("<tr><th scope=\"row\"><code>revenue_matches_payments</code>")
            .expect("the test's row");
        page[at..at + page[at..].find("</tr>").unwrap()].to_string()
    };
    assert!(row(&page).contains(">fail</span>"), "{}", row(&page));

    let rx = events(&server.addr);
    wait_for(&rx, "clear");
    // dbt runs again and the test passes.
    let results = t.join("run_results.json");
    let text = std::fs::read_to_string(&results).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    for r in json["results"].as_array_mut().unwrap() {
        if r["unique_id"] == "test.shop.revenue_matches_payments" {
            r["status"] = "pass".into();
            r["failures"] = 0.into();
        }
    }
    std::fs::write(&results, serde_json::to_string(&json).unwrap()).unwrap();
    wait_for(&rx, "reload");
    let (_, page) = get(&server.addr, "/data-products/customer-revenue.html");
    assert!(row(&page).contains(">pass</span>"), "{}", row(&page));
}
