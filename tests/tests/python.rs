//! Python guests (issue 12): unmodified Python programs — the socket
//! documentation's echo examples, `http.client`, `urllib.request`,
//! `socketserver`, `http.server`, `asyncio` — run in the sandbox against
//! native peers on loopback, and a differential suite compares the guest's
//! `socket`/`select`/`selectors` with native CPython's.
//!
//! Every program is a mode of one component (`tests/python/main.py`, with
//! `examples/python` beside it), built once per run by `capsock build`'s
//! library function and cached by content; each test process compiles it
//! once. Where componentize-py cannot be installed (no python3/pip, PyPI
//! unreachable) every test here prints `skipped: …` and passes; any other
//! build failure fails them.

use capsock_host::python::{BuildOptions, build};
use capsock_host::{Exit, Guest, Policy, RunOptions};
use capsock_tests::*;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("repository root").to_path_buf()
}

/// The test component, or `None` (with the reason printed) when
/// componentize-py cannot be had here.
fn python_guest() -> Option<&'static Guest> {
    static GUEST: OnceLock<Option<Guest>> = OnceLock::new();
    GUEST.get_or_init(|| build_guest("tests/python/main.py", &["examples/python"])).as_ref()
}

/// The same component with CPython's own built-in `_socket` (over
/// `wasi:sockets`, no capsock shim): the programs componentize-py builds
/// without capsock.
fn builtin_socket_guest() -> Option<&'static Guest> {
    static GUEST: OnceLock<Option<Guest>> = OnceLock::new();
    GUEST.get_or_init(|| build_guest_with("tests/python/main.py", &["examples/python"], true)).as_ref()
}

/// Build `app` (relative to the repository) with `search` beside it, or
/// `None` (with the reason printed) when componentize-py cannot be had.
fn build_guest(app: &str, search: &[&str]) -> Option<Guest> {
    build_guest_with(app, search, false)
}

fn build_guest_with(app: &str, search: &[&str], builtin_socket: bool) -> Option<Guest> {
    let opts = BuildOptions {
        progress: true,
        search_dirs: search.iter().map(|d| repo().join(d)).collect(),
        builtin_socket,
        ..Default::default()
    };
    let built = match build(&repo().join(app), &opts) {
        Ok(b) => b,
        Err(e) if e.tools_unavailable() => {
            eprintln!("skipped: componentize-py cannot be installed here: {e}");
            return None;
        }
        Err(e) => panic!("building {app}: {e}"),
    };
    Some(runtime().load_precompiled(&built.path).unwrap_or_else(|e| panic!("compiling {app}: {e:?}")))
}

macro_rules! guest_or_skip {
    () => {
        match python_guest() {
            Some(g) => g,
            None => return,
        }
    };
}

/// Run mode `mode` of the Python guest with `args` under `policy`.
fn py(guest: &Guest, mode: &str, args: &[&str], policy: Policy) -> Exit {
    let opts =
        std::iter::once(mode).chain(args.iter().copied()).fold(RunOptions::new(policy).capture(), |o, a| o.arg(a));
    py_with(guest, mode, opts)
}

fn py_with(guest: &Guest, mode: &str, mut opts: RunOptions) -> Exit {
    opts.name = "main.py".to_string();
    run_loaded(guest, &format!("python guest {mode}"), opts)
}

fn text(exit: &Exit) -> String {
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        exit.code,
        String::from_utf8_lossy(&exit.stdout),
        String::from_utf8_lossy(&exit.stderr)
    )
}

fn ok(exit: Exit) -> Report {
    assert_eq!(exit.code, 0, "{}", text(&exit));
    Report::from_exit(&exit)
}

/// A port on 127.0.0.1 free a moment ago, for a guest server whose program
/// takes its port from the command line.
fn free_port() -> u16 {
    closed_port("127.0.0.1")
}

/// Connect to a guest server that is starting up: retried until it listens
/// (bounded by [`PEER_TIMEOUT`]).
fn connect_when_up(addr: SocketAddr) -> TcpStream {
    let start = Instant::now();
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            Ok(s) => {
                s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
                s.set_write_timeout(Some(PEER_TIMEOUT)).unwrap();
                return s;
            }
            Err(e) if start.elapsed() < PEER_TIMEOUT => {
                let _ = e;
                thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("the guest server at {addr} never listened: {e}"),
        }
    }
}

/// Run a guest server in a thread; returns its handle.
fn serve(guest: &'static Guest, mode: &'static str, args: Vec<String>, policy: Policy) -> thread::JoinHandle<Exit> {
    thread::spawn(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        py(guest, mode, &refs, policy)
    })
}

fn echo_once(addr: SocketAddr, msg: &[u8]) -> Vec<u8> {
    let mut s = connect_when_up(addr);
    s.write_all(msg).unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let mut back = Vec::new();
    s.read_to_end(&mut back).unwrap();
    back
}

// ------------------------------------------------------------ documentation examples

/// Run a documentation echo server (`mode`, given HOST `host`) under
/// `rules` (`PORT` replaced by the port), echo one native message through
/// it, and return what it printed.
fn doc_echo_server(mode: &'static str, host: &str, rules: &[&str]) -> Report {
    let g = python_guest().expect("checked by the caller");
    let port = free_port();
    let rules: Vec<String> = rules.iter().map(|r| r.replace("PORT", &port.to_string())).collect();
    let refs: Vec<&str> = rules.iter().map(String::as_str).collect();
    let server = serve(g, mode, vec![host.to_string(), port.to_string()], policy(&refs));
    let back = echo_once(SocketAddr::from(([127, 0, 0, 1], port)), b"Hello, world");
    assert_eq!(back, b"Hello, world");
    ok(server.join().unwrap())
}

#[test]
fn doc_echo_server_ipv4() {
    guest_or_skip!();
    let r = doc_echo_server("echo_server", "127.0.0.1", &["listen tcp://127.0.0.1:PORT"]);
    assert!(r.stdout.starts_with("Connected by ('127.0.0.1', "), "{}", r.text());
}

/// Run a documentation echo client (`mode`) against a native echo server,
/// connecting to it as `host` under `connect tcp://HOST:PORT`, and check
/// what it printed and what the server echoed.
fn doc_echo_client(mode: &'static str, host: &str) {
    let g = python_guest().expect("checked by the caller");
    let (addr, echoed) = echo_server("127.0.0.1", 1);
    let rule = format!("connect tcp://{host}:{}", addr.port());
    let r = ok(py(g, mode, &[host, &addr.port().to_string()], policy(&[&rule])));
    assert_eq!(r.stdout, "Received b'Hello, world'\n");
    assert_eq!(echoed.join().unwrap(), 12);
}

#[test]
fn doc_echo_client_ipv4() {
    guest_or_skip!();
    doc_echo_client("echo_client", "127.0.0.1");
}

#[test]
fn doc_echo_server_dualstack() {
    guest_or_skip!();
    // HOST goes through getaddrinfo(AI_PASSIVE); 127.0.0.1 (not the
    // example's None, every interface) keeps the test on loopback.
    let r = doc_echo_server("echo_server_dualstack", "127.0.0.1", &["listen tcp://127.0.0.1:PORT"]);
    assert!(r.stdout.starts_with("Connected by ('127.0.0.1', "), "{}", r.text());
}

#[test]
fn doc_echo_client_dualstack() {
    guest_or_skip!();
    // By name: the client resolves `localhost` (answered by capsock's
    // [hosts], never the OS) and connects to the first address that works.
    doc_echo_client("echo_client_dualstack", "localhost");
}

// ------------------------------------------------------------ http.client, urllib

/// A native HTTP/1.0 server for `n` requests, each answered with `body`.
/// Returns its address and the request lines it saw.
fn http_peer(n: usize, body: Vec<u8>) -> (SocketAddr, thread::JoinHandle<Vec<String>>) {
    let l = listener("127.0.0.1");
    let addr = l.local_addr().unwrap();
    let h = thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..n {
            let mut s = accept_within(&l, PEER_TIMEOUT).expect("the guest never connected");
            let mut reader = BufReader::new(s.try_clone().unwrap());
            let mut first = String::new();
            reader.read_line(&mut first).unwrap();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
            }
            seen.push(first.trim_end().to_string());
            let head = format!(
                "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            s.write_all(head.as_bytes()).unwrap();
            s.write_all(&body).unwrap();
        }
        seen
    });
    (addr, h)
}

fn sha256_hex(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

fn body(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

#[test]
fn http_client_get_from_native_server() {
    let g = guest_or_skip!();
    let data = body(300_000);
    let (addr, seen) = http_peer(1, data.clone());
    let rule = format!("connect tcp://127.0.0.1:{}", addr.port());
    let r = ok(py(g, "http_client_get", &["127.0.0.1", &addr.port().to_string(), "/file"], policy(&[&rule])));
    assert_eq!(r.get("status"), "200");
    assert_eq!(r.get("length"), "300000");
    assert_eq!(r.get("sha256"), sha256_hex(&data));
    assert_eq!(seen.join().unwrap(), ["GET /file HTTP/1.1"]);
}

/// CPython's built-in `socket` module, unchanged (it speaks
/// `wasi:sockets`), under capsock's policy: a name from `[hosts]` resolves
/// through capsock's resolver, the request is granted by a name rule, and
/// a connection no rule grants is refused as `PermissionError`.
#[test]
fn builtin_socket_module_http_request_under_the_policy() {
    let Some(g) = builtin_socket_guest() else { return };
    let data = body(100_000);
    let (addr, seen) = http_peer(1, data.clone());
    let rule = format!("connect tcp://web.test:{}", addr.port());
    let opts = ["http_client_get", "web.test", &addr.port().to_string(), "/builtin"]
        .iter()
        .fold(RunOptions::new(policy(&[&rule])).capture(), |o, a| o.arg(*a))
        .host("web.test", ["127.0.0.1".parse().unwrap()]);
    let r = ok(py_with(g, "http_client_get", opts));
    assert_eq!(r.get("status"), "200");
    assert_eq!(r.get("sha256"), sha256_hex(&data));
    assert_eq!(seen.join().unwrap(), ["GET /builtin HTTP/1.1"]);

    let port = closed_port("127.0.0.1");
    let r = ok(py(g, "denied", &["127.0.0.1", &port.to_string()], policy(&["connect tcp://127.0.0.1:1"])));
    assert_eq!(r.get("outcome"), "PermissionError", "{}", r.text());
    assert_eq!(r.get("errno_name"), "EACCES");
}

#[test]
fn urllib_request_get_from_native_server() {
    let g = guest_or_skip!();
    let data = body(70_000);
    let (addr, seen) = http_peer(1, data.clone());
    let rule = format!("connect tcp://127.0.0.1:{}", addr.port());
    let url = format!("http://127.0.0.1:{}/index.html", addr.port());
    let r = ok(py(g, "urllib_client", &[&url], policy(&[&rule])));
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines, ["status 200", "length 70000", &format!("sha256 {}", sha256_hex(&data))], "{}", r.text());
    assert_eq!(seen.join().unwrap(), ["GET /index.html HTTP/1.1"]);
}

/// A native HTTPS server (rustls, a certificate from `pki` for
/// `good.test`) for one request, answered with `body`; the handle gives the
/// request line.
fn https_peer(leaf: &capsock_tests::pki::Leaf, body: Vec<u8>) -> (SocketAddr, thread::JoinHandle<String>) {
    let l = listener("127.0.0.1");
    let addr = l.local_addr().unwrap();
    let cfg = capsock_tests::pki::server_config(leaf);
    let h = thread::spawn(move || {
        let tcp = accept_within(&l, PEER_TIMEOUT).expect("the guest never connected");
        let conn = rustls::ServerConnection::new(cfg).unwrap();
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        let mut first = String::new();
        {
            let mut reader = BufReader::new(&mut tls);
            if reader.read_line(&mut first).is_err() {
                return String::new();
            }
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
        }
        let head = format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
        tls.write_all(head.as_bytes()).unwrap();
        tls.write_all(&body).unwrap();
        tls.conn.send_close_notify();
        tls.flush().unwrap();
        first.trim_end().to_string()
    });
    (addr, h)
}

#[test]
fn urllib_https_get_with_tls_done_by_the_host() {
    let g = guest_or_skip!();
    let pki = capsock_tests::pki::Pki::new();
    let leaf = pki.leaf("good.test");
    let data = body(200_000);
    let (addr, seen) = https_peer(&leaf, data.clone());
    // Under a tls rule: the host verifies for good.test with the operator's CA.
    let rule = format!("connect tls://good.test:{}", addr.port());
    let url = format!("https://good.test:{}/secure", addr.port());
    let mut opts = RunOptions::new(policy(&[&rule])).capture().arg("https_get").arg(&url);
    opts.resolver.add_host("good.test", vec!["127.0.0.1".parse().unwrap()]);
    opts.tls = pki.operator();
    let r = ok(py_with(g, "https_get", opts));
    assert_eq!(r.get("status"), "200", "{}", r.text());
    assert_eq!(r.get("length"), "200000");
    assert_eq!(r.get("sha256"), sha256_hex(&data));
    assert_eq!(seen.join().unwrap(), "GET /secure HTTP/1.1");

    // Without the operator's CA (a plain grant): urllib's URLError whose
    // reason is ssl.SSLCertVerificationError, code 20.
    let (addr, seen) = https_peer(&leaf, b"never".to_vec());
    let rule = format!("connect tcp://good.test:{}", addr.port());
    let url = format!("https://good.test:{}/", addr.port());
    let mut opts = RunOptions::new(policy(&[&rule])).capture().arg("https_get").arg(&url);
    opts.resolver.add_host("good.test", vec!["127.0.0.1".parse().unwrap()]);
    let r = ok(py_with(g, "https_get", opts));
    assert_eq!(r.get("raised"), "URLError", "{}", r.text());
    assert_eq!(r.get("reason_class"), "SSLCertVerificationError");
    assert_eq!(r.get("verify_code"), "20");
    assert!(r.get("reason").contains("CERTIFICATE_VERIFY_FAILED"), "{}", r.text());
    assert_eq!(seen.join().unwrap(), "", "the server got no request");
}

// ------------------------------------------------------------ guest servers

#[test]
fn socketserver_echo_driven_by_native_clients() {
    let g = guest_or_skip!();
    let port = free_port();
    let rule = format!("listen tcp://127.0.0.1:{port}");
    let server =
        serve(g, "socketserver_echo", vec!["127.0.0.1".into(), port.to_string(), "3".into()], policy(&[&rule]));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    for i in 0..3 {
        let msg = format!("line one of {i}\nline two of {i}\n");
        assert_eq!(echo_once(addr, msg.as_bytes()), msg.as_bytes());
    }
    let r = ok(server.join().unwrap());
    assert_eq!(r.get("handled"), "3");
}

#[test]
fn http_server_driven_by_native_clients() {
    let g = guest_or_skip!();
    let port = free_port();
    let rule = format!("listen tcp://127.0.0.1:{port}");
    let server = serve(g, "http_server", vec!["127.0.0.1".into(), port.to_string(), "3".into()], policy(&[&rule]));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    for path in ["/", "/a", "/b?c=d"] {
        let req = format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n");
        let resp = String::from_utf8(echo_once(addr, req.as_bytes())).unwrap();
        assert!(resp.starts_with("HTTP/1.0 200 OK\r\n"), "{resp}");
        assert!(resp.ends_with(&format!("\r\n\r\nhello from a capsock guest: {path}\n")), "{resp}");
    }
    let r = ok(server.join().unwrap());
    assert_eq!(r.stdout.matches("served GET").count(), 3, "{}", r.text());
}

#[test]
fn asyncio_echo_server_with_50_concurrent_clients() {
    let g = guest_or_skip!();
    let port = free_port();
    let rule = format!("listen tcp://127.0.0.1:{port}");
    let server =
        serve(g, "asyncio_echo_server", vec!["127.0.0.1".into(), port.to_string(), "51".into()], policy(&[&rule]));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    // One probe connection (no data) to know the server is up, then 50
    // clients at once.
    drop(connect_when_up_probe(addr));
    let clients: Vec<_> = (0..50u64)
        .map(|i| {
            thread::spawn(move || {
                let mut data = vec![0u8; 20_000 + i as usize * 997];
                Pattern::new(i).fill(&mut data);
                let mut s = connect_when_up(addr);
                let writer = {
                    let mut w = s.try_clone().unwrap();
                    let data = data.clone();
                    thread::spawn(move || {
                        w.write_all(&data).unwrap();
                        w.shutdown(Shutdown::Write).unwrap();
                    })
                };
                let mut back = Vec::new();
                s.read_to_end(&mut back).unwrap();
                writer.join().unwrap();
                assert_eq!(back.len(), data.len(), "client {i}: length");
                assert!(back == data, "client {i}: bytes differ");
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    let r = ok(server.join().unwrap());
    assert!(r.stdout.contains("served 51"), "{}", r.text());
}

/// Wait until the asyncio server listens, without counting as a client:
/// returns after the first successful connect (closed at once, which the
/// server sees as a connection with no data).
fn connect_when_up_probe(addr: SocketAddr) -> Option<TcpStream> {
    let start = Instant::now();
    while start.elapsed() < PEER_TIMEOUT {
        if let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            return Some(s);
        }
        thread::sleep(Duration::from_millis(20));
    }
    panic!("the asyncio server never listened")
}

// ------------------------------------------------------------ errors and exits

#[test]
fn denied_connect_is_permission_error_naming_the_rule() {
    let g = guest_or_skip!();
    let port = closed_port("127.0.0.1");
    let deny = format!("connect tcp://127.0.0.1:{port}");
    let p = Policy::from_rules(["connect tcp://127.0.0.1:*"], [deny.as_str()]).unwrap();
    let r = ok(py(g, "denied", &["127.0.0.1", &port.to_string()], p));
    assert_eq!(r.get("outcome"), "PermissionError");
    assert_eq!(r.get("errno_name"), "EACCES");
    assert!(r.get("str").contains("Permission denied by capsock policy"), "{}", r.text());
    assert!(r.get("str").contains(&deny), "the message names the rule: {}", r.text());
    assert!(r.get("rule").contains(&deny), "{}", r.text());
}

#[test]
fn sys_exit_gives_the_exit_status() {
    let g = guest_or_skip!();
    let exit = py(g, "exit_status", &["3"], policy(&[]));
    assert_eq!(exit.code, 3, "{}", text(&exit));
    assert_eq!(String::from_utf8_lossy(&exit.stdout), "before exit\n");
    let exit = py(g, "exit_status", &["0"], policy(&[]));
    assert_eq!(exit.code, 0, "{}", text(&exit));
}

#[test]
fn uncaught_exception_prints_a_python_traceback_and_exits_1() {
    let g = guest_or_skip!();
    let exit = py(g, "exit_status", &["raise"], policy(&[]));
    assert_eq!(exit.code, 1, "{}", text(&exit));
    let err = String::from_utf8_lossy(&exit.stderr);
    assert!(err.starts_with("Traceback (most recent call last):\n"), "{err}");
    assert!(
        err.contains("exit_status.py\", line 7, in <module>\n    raise ValueError(\"raised on purpose\")"),
        "{err}"
    );
    assert!(err.ends_with("ValueError: raised on purpose\n"), "{err}");
    assert!(!err.contains("panicked") && !err.contains("wasm backtrace"), "{err}");
}

#[test]
fn threads_fail_at_once_with_a_clear_error() {
    let g = guest_or_skip!();
    let r = ok(py(g, "threads", &[], policy(&[])));
    assert_eq!(r.get("thread"), "RuntimeError can't start new thread");
    assert!(r.get("to_thread").starts_with("RuntimeError capsock: a wasm guest has no threads"), "{}", r.text());
}

#[test]
fn threading_mixin_refuses_the_connection_and_says_why() {
    let g = guest_or_skip!();
    let port = free_port();
    let rule = format!("listen tcp://127.0.0.1:{port}");
    let args = vec!["127.0.0.1".into(), port.to_string(), "1".into(), "threading".into()];
    let server = serve(g, "socketserver_echo", args, policy(&[&rule]));
    // The request cannot be handed to a thread: socketserver reports the
    // error and closes the connection (EOF, or a reset since the request
    // was never read), never a hang. Closing the server then fails too (it
    // joins the thread that never started), as CPython without threads does.
    let mut s = connect_when_up(SocketAddr::from(([127, 0, 0, 1], port)));
    s.write_all(b"hi\n").unwrap();
    let mut back = Vec::new();
    match s.read_to_end(&mut back) {
        Ok(_) => assert!(back.is_empty(), "{back:?}"),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
    let exit = server.join().unwrap();
    let err = String::from_utf8_lossy(&exit.stderr).into_owned();
    assert!(err.contains("RuntimeError: can't start new thread"), "{}", text(&exit));
    assert_eq!(exit.code, 1, "{}", text(&exit));
}

// ------------------------------------------------------------ differential suite

/// Cases whose guest result differs from native CPython's for a reason
/// documented in docs/conformance.md ("Python guests").
const KNOWN_DIFFERENCES: &[&str] = &[
    // The guest's errno module (WASI numbering) gives EPIPE and ESHUTDOWN
    // one number, so errorcode[EPIPE] reads "ESHUTDOWN"; `e.errno ==
    // errno.EPIPE` and the class (BrokenPipeError) are as native.
    "sock_send_after_shutdown_wr",
];

#[test]
fn differential_suite_matches_native_cpython() {
    let g = guest_or_skip!();
    let suite = repo().join("tests/python/diffsuite.py");
    let native = Command::new("python3").arg(&suite).output().expect("running python3 natively");
    assert!(native.status.success(), "native run: {}", String::from_utf8_lossy(&native.stderr));
    let native = String::from_utf8(native.stdout).unwrap();
    let p = policy(&[
        "connect tcp://127.0.0.1:*",
        "listen tcp://127.0.0.1:*",
        "connect udp://127.0.0.1:*",
        "listen udp://127.0.0.1:*",
        "connect tcp://[::1]:*",
        "listen tcp://[::1]:*",
        "connect udp://[::1]:*",
        "listen udp://[::1]:*",
        "resolve tcp://localhost",
    ]);
    let exit = py(g, "diffsuite", &[], p);
    assert_eq!(exit.code, 0, "{}", text(&exit));
    let guest = String::from_utf8(exit.stdout).unwrap();
    let parse = |s: &str| -> Vec<(String, serde_json::Value)> {
        s.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
                (v["name"].as_str().unwrap().to_string(), v["outcome"].clone())
            })
            .collect()
    };
    let (native, guest) = (parse(&native), parse(&guest));
    assert!(native.len() >= 150, "the suite has {} cases", native.len());
    assert_eq!(native.len(), guest.len(), "native and guest ran different cases");
    let mut differ = Vec::new();
    for ((name, n), (gname, gv)) in native.iter().zip(&guest) {
        assert_eq!(name, gname);
        if n != gv && !KNOWN_DIFFERENCES.contains(&name.as_str()) {
            differ.push(format!("{name}\n  native: {n}\n  guest:  {gv}"));
        }
    }
    for name in KNOWN_DIFFERENCES {
        let pair = native.iter().zip(&guest).find(|((n, _), _)| n == name);
        let ((_, n), (_, gv)) = pair.unwrap_or_else(|| panic!("known difference {name} is not a case"));
        assert_ne!(n, gv, "{name} is listed as a known difference but now matches: take it off the list");
    }
    println!("{} cases, {} known differences", native.len(), KNOWN_DIFFERENCES.len());
    assert!(differ.is_empty(), "{} of {} cases differ:\n{}", differ.len(), native.len(), differ.join("\n"));
}

// ------------------------------------------------------------ the command line

#[test]
fn capsock_build_and_run_an_app_py_from_the_command_line() {
    guest_or_skip!();
    let dir = std::env::temp_dir().join(format!("capsock-cli-py-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let port = closed_port("127.0.0.1");
    // An app and a module beside it, which it imports.
    std::fs::write(dir.join("helper.py"), "def greet(args):\n    return 'args=' + ','.join(args)\n").unwrap();
    let app = "import socket, sys\nimport helper\nprint(helper.greet(sys.argv[1:]))\n\
               try:\n    socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5)\n\
               except OSError as e:\n    print(type(e).__name__, e)\nsys.exit(7)\n";
    std::fs::write(dir.join("app.py"), app).unwrap();
    let cli = env!("CARGO_BIN_EXE_capsock-cli");
    let out =
        Command::new(cli).arg("build").arg(dir.join("app.py")).arg("-o").arg(dir.join("app.wasm")).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("building") && err.contains("wrote"), "the first build shows progress: {err}");
    assert!(dir.join("app.wasm").is_file());
    // `capsock run APP.py` reuses the build (no progress), runs it under
    // the rules, and exits with the program's status.
    let rule = format!("connect tcp://127.0.0.1:{}", port + 1);
    let run = |args: &[&str]| Command::new(cli).arg("run").arg("--allow").arg(&rule).args(args).output().unwrap();
    let port_s = port.to_string();
    let app_py = dir.join("app.py").display().to_string();
    let out = run(&[&app_py, &port_s, "x"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{stdout}{stderr}");
    assert!(!stderr.contains("building"), "the build was cached: {stderr}");
    assert!(stdout.starts_with(&format!("args={port},x\nPermissionError [Errno")), "{stdout}");
    assert!(stdout.contains(&format!("connect tcp://127.0.0.1:{port} (default deny)")), "{stdout}");
    // The built component runs the same way.
    let wasm = dir.join("app.wasm").display().to_string();
    assert_eq!(run(&[&wasm, &port_s]).status.code(), Some(7));
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------ CPython's own tests

/// What does not pass of the thread-free classes of CPython's
/// `Lib/test/test_socket.py` (v3.13.0, unmodified, tests/python/cpython) in
/// a guest, each for a reason in docs/python.md. A change in this list —
/// a test newly failing, or one of these passing — fails the test.
const TEST_SOCKET_NOT_PASSING: &[&str] = &[
    "FAIL test.test_socket.GeneralModuleTests.test_socket_fileno_requires_valid_fd",
    "FAIL test.test_socket.GeneralModuleTests.test_socket_type",
    "ERROR test.test_socket.GeneralModuleTests.testSendtoErrors",
    "ERROR test.test_socket.GeneralModuleTests.testSockName",
    "ERROR test.test_socket.GeneralModuleTests.test_getaddrinfo_ipv6_scopeid_symbolic",
    "ERROR test.test_socket.GeneralModuleTests.test_getnameinfo_ipv6_scopeid_symbolic",
    "ERROR test.test_socket.GeneralModuleTests.test_idna",
    "ERROR test.test_socket.GeneralModuleTests.test_socket_fileno_requires_socket_fd",
    "ERROR test.test_socket.NonblockConstantTest.test_SOCK_NONBLOCK",
    "ERROR test.test_socket.SendRecvFdsTests.testSendAndRecvFds",
];

#[test]
fn cpython_test_socket_thread_free_classes_run_unmodified() {
    let Some(g) = build_guest("tests/python/cpython/run_test_socket.py", &[]) else { return };
    let dir = std::env::temp_dir().join(format!("capsock-test-socket-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut p = policy(&[
        "connect tcp://127.0.0.1:*",
        "listen tcp://127.0.0.1:*",
        "connect udp://127.0.0.1:*",
        "listen udp://127.0.0.1:*",
        "connect tcp://[::1]:*",
        "listen tcp://[::1]:*",
        "connect udp://[::1]:*",
        "listen udp://[::1]:*",
        "resolve *://localhost:*",
    ]);
    p.allow_unix_dir(&dir);
    p.allow_unix_abstract("python-test*");
    let exit = py_with(&g, "run_test_socket", RunOptions::new(p).capture());
    let _ = std::fs::remove_dir_all(&dir);
    let out = String::from_utf8_lossy(&exit.stdout).into_owned();
    let mut lines = out.lines();
    let summary = lines.next().unwrap_or_default().to_string();
    println!("CPython test_socket (thread-free classes) in a guest: {summary}");
    let count = |key: &str| -> usize {
        summary
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
            .unwrap_or_else(|| panic!("no {key}= in {summary:?}\n{}", text(&exit)))
    };
    let not_passing: Vec<&str> = lines.collect();
    assert_eq!(count("tests"), 178, "{}", text(&exit));
    assert_eq!(not_passing, TEST_SOCKET_NOT_PASSING, "{summary}");
    assert_eq!(count("failures") + count("errors"), TEST_SOCKET_NOT_PASSING.len());
    assert_eq!(count("passed") + count("skipped") + TEST_SOCKET_NOT_PASSING.len(), 178);
    assert_eq!(exit.code, 1, "the runner exits 1 while anything fails");
}

// ------------------------------------------------------------ the one table

#[test]
fn python_abi_table_is_generated_from_the_rust_one() {
    let out = Command::new("python3").arg(repo().join("abi/gen/gen_python.py")).output().expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let committed = std::fs::read(repo().join("guest-sdk/python/capsock_py/_abi.py")).unwrap();
    assert!(
        out.stdout == committed,
        "guest-sdk/python/capsock_py/_abi.py is stale: python3 abi/gen/gen_python.py > guest-sdk/python/capsock_py/_abi.py"
    );
}
