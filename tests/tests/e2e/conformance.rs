//! Conformance with CPython's socket module (issue 6): a differential suite.
//!
//! Every case is written twice, once in Rust (the `conformance` guest,
//! `tests/guests/src/conformance/cases.rs`) and once in Python
//! (`tests/conformance/cases.py`), and mirrors a test of CPython's
//! `Lib/test/test_socket.py`. Both print one normalised line per step
//! (`CASE step: ok <repr>` / `CASE step: raise <Class> <errno|-> <str(e)>`);
//! this test starts the native peers both use, runs CPython and the guest
//! against them, and compares the lines case by case.
//!
//! A case that differs fails the test unless `docs/conformance.md` lists it
//! in its table of known differences, with the reason (sandbox policy,
//! platform, type system, not implemented yet, host bug).

use capsock_tests::*;
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long CPython may take for the whole suite.
const PYTHON_DEADLINE: Duration = Duration::from_secs(120);

/// The suite must keep at least this many cases.
const MIN_CASES: usize = 250;

/// The native peers: TCP echo servers, UDP echo servers and closed ports,
/// on 127.0.0.1 and ::1, shared by both runs.
struct Peers {
    ports: Vec<u16>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Peers {
    fn start() -> Peers {
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        let mut ports = Vec::new();
        for ip in ["127.0.0.1", "::1"] {
            let l = listener(ip);
            ports.push(l.local_addr().unwrap().port());
            let stop = stop.clone();
            threads.push(thread::spawn(move || tcp_echo(l, stop)));
        }
        for ip in ["127.0.0.1", "::1"] {
            let u = UdpSocket::bind((ip, 0)).unwrap();
            ports.push(u.local_addr().unwrap().port());
            let stop = stop.clone();
            threads.push(thread::spawn(move || udp_echo(u, stop)));
        }
        ports.push(closed_port("127.0.0.1"));
        ports.push(closed_port("::1"));
        Peers { ports, stop, threads }
    }

    fn args(&self) -> Vec<String> {
        self.ports.iter().map(u16::to_string).collect()
    }
}

impl Drop for Peers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Echo every connection until EOF, a connection per thread; errors end a
/// connection quietly (cases reset connections on purpose).
fn tcp_echo(l: TcpListener, stop: Arc<AtomicBool>) {
    l.set_nonblocking(true).unwrap();
    while !stop.load(Ordering::Relaxed) {
        match l.accept() {
            Ok((mut s, _)) => {
                s.set_nonblocking(false).unwrap();
                s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
                thread::spawn(move || {
                    let mut buf = [0u8; 65536];
                    while let Ok(n) = s.read(&mut buf) {
                        if n == 0 || s.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
            Err(_) => thread::sleep(Duration::from_millis(2)),
        }
    }
}

fn udp_echo(u: UdpSocket, stop: Arc<AtomicBool>) {
    u.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let mut buf = [0u8; 65536];
    while !stop.load(Ordering::Relaxed) {
        if let Ok((n, from)) = u.recv_from(&mut buf) {
            let _ = u.send_to(&buf[..n], from);
        }
    }
}

/// Run the CPython side; its stdout.
fn run_cpython(args: &[String]) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/conformance/cases.py");
    // AF_UNIX path cases bind relative paths: give them a directory to lose.
    let dir = std::env::temp_dir().join(format!("capsock-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let python = std::env::var("CAPSOCK_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = Command::new(&python)
        .arg(script)
        .args(args)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running {python} (CPython 3.11 is the reference; set CAPSOCK_PYTHON): {e}"));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut s = String::new();
        out.read_to_string(&mut s).unwrap();
        s
    });
    let err = thread::spawn(move || {
        let mut s = String::new();
        err.read_to_string(&mut s).unwrap();
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > PYTHON_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("CPython side ran past {PYTHON_DEADLINE:?}\n{}", out.join().unwrap());
        }
        thread::sleep(Duration::from_millis(20));
    };
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    let _ = std::fs::remove_dir_all(&dir);
    assert!(status.success(), "CPython side failed: {status}\n--- stdout\n{out}--- stderr\n{err}");
    out
}

/// One case's output: the CPython test it mirrors and its step lines.
#[derive(Default)]
struct Case {
    mirror: String,
    lines: Vec<String>,
}

/// Output split by `=== NAME | MIRROR` headers, in order.
fn parse(out: &str) -> (Vec<String>, HashMap<String, Case>) {
    let mut order = Vec::new();
    let mut cases: HashMap<String, Case> = HashMap::new();
    let mut current: Option<String> = None;
    for line in out.lines() {
        if let Some(header) = line.strip_prefix("=== ") {
            let (name, mirror) = header.split_once(" | ").unwrap_or((header, ""));
            order.push(name.to_string());
            cases.insert(name.to_string(), Case { mirror: mirror.to_string(), lines: Vec::new() });
            current = Some(name.to_string());
        } else if let Some(name) = &current {
            cases.get_mut(name).unwrap().lines.push(line.to_string());
        }
    }
    (order, cases)
}

/// The known differences: `| case | CPython test | reason | … |` rows of
/// the table between the markers in docs/conformance.md. A case name ending
/// in `[*]` covers every parameter set.
fn known_differences() -> Vec<(String, String)> {
    let doc = include_str!("../../../docs/conformance.md");
    let start = doc.find("<!-- known-differences -->").expect("docs/conformance.md has the known-differences marker");
    let end = doc.find("<!-- /known-differences -->").expect("docs/conformance.md closes the known-differences table");
    doc[start..end]
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim().trim_matches('|').split('|').map(str::trim).collect();
            let name = cells.first()?.trim_matches('`');
            if cells.len() < 3 || name.is_empty() || name == "case" || name.starts_with('-') {
                return None;
            }
            Some((name.to_string(), cells[2].to_string()))
        })
        .collect()
}

fn known_reason<'a>(known: &'a [(String, String)], case: &str) -> Option<&'a str> {
    let base = case.split('[').next().unwrap_or(case);
    known.iter().find(|(pattern, _)| pattern == case || *pattern == format!("{base}[*]")).map(|(_, r)| r.as_str())
}

/// The differing lines of one case, for the report.
fn diff(python: &[String], guest: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..python.len().max(guest.len()) {
        let (p, g) = (python.get(i), guest.get(i));
        if p != g {
            out.push(format!("    cpython: {}", p.map_or("<missing>", String::as_str)));
            out.push(format!("    capsock: {}", g.map_or("<missing>", String::as_str)));
        }
    }
    out
}

#[test]
pub fn conformance() {
    let peers = Peers::start();
    let args = peers.args();
    // AF_UNIX path cases: one directory, granted to the guest and given to
    // CPython, so that paths print the same in both runs; emptied between.
    let unix_dir = std::env::temp_dir().join(format!("capsock-conformance-unix-{}", std::process::id()));
    let fresh_unix_dir = || {
        let _ = std::fs::remove_dir_all(&unix_dir);
        std::fs::create_dir_all(&unix_dir).unwrap();
    };
    let mut args = args;
    args.push(unix_dir.display().to_string());
    fresh_unix_dir();
    let python = run_cpython(&args);
    fresh_unix_dir();
    let rules = [
        "* *://loopback:*",
        // `localhost` is looked up by name in the resolver cases.
        "resolve *://localhost",
        // Reach the OS, so that its answers are what is compared: a
        // broadcast without SO_BROADCAST (EACCES) and a bind to an address
        // no interface has (EADDRNOTAVAIL).
        "connect udp://255.255.255.255:*",
        "listen tcp://192.0.2.1:*",
    ];
    let mut grants = policy(&rules);
    grants.allow_unix_dir(&unix_dir);
    // The abstract names both sides use (see ABSTRACT in cases.py).
    grants.allow_unix_abstract("capsock-conformance-*");
    // Autobind (`bind('')`) is granted only with every abstract name.
    grants.allow_unix_abstract("*");
    let exit = run("conformance", grants, &args);
    let _ = std::fs::remove_dir_all(&unix_dir);
    let report = Report::from_exit(&exit);
    assert_eq!(exit.code, 0, "conformance guest failed\n{}", report.text());
    drop(peers);

    let (order, py_cases) = parse(&python);
    let (_, guest_cases) = parse(&report.stdout);
    let known = known_differences();

    let mut matching = 0;
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    // Per CPython test class: (cases, matching, known).
    let mut by_class: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut unexpected = Vec::new();
    let mut stale = Vec::new();
    let mut listing = Vec::new();
    let empty = Case::default();
    for name in &order {
        let py = &py_cases[name];
        let guest = guest_cases.get(name).unwrap_or(&empty);
        let class = py.mirror.split('.').next().unwrap_or("").to_string();
        let entry = by_class.entry(class).or_default();
        entry.0 += 1;
        if guest.mirror != py.mirror && guest_cases.contains_key(name) {
            unexpected.push(format!("{name}: mirrors {:?} in Rust, {:?} in Python", guest.mirror, py.mirror));
            continue;
        }
        let d = if guest_cases.contains_key(name) {
            diff(&py.lines, &guest.lines)
        } else {
            vec!["    (the guest has no such case)".to_string()]
        };
        match (d.is_empty(), known_reason(&known, name)) {
            (true, None) => {
                matching += 1;
                entry.1 += 1;
            }
            (true, Some(_)) => {
                matching += 1;
                entry.1 += 1;
                stale.push(name.clone());
            }
            (false, Some(reason)) => {
                entry.2 += 1;
                let category = reason.split(':').next().unwrap_or(reason).trim().to_string();
                *by_reason.entry(category).or_default() += 1;
                listing.push(format!("{name} (known: {reason})\n{}", d.join("\n")));
            }
            (false, None) => unexpected.push(format!("{name} [{}]\n{}", py.mirror, d.join("\n"))),
        }
    }
    for name in guest_cases.keys().filter(|n| !py_cases.contains_key(*n)) {
        unexpected.push(format!("{name}: in the guest only"));
    }

    println!("conformance: {} cases, {matching} match CPython", order.len());
    for (reason, n) in &by_reason {
        println!("  known difference, {reason}: {n}");
    }
    println!("\n| CPython test class | cases | match | known difference |\n|---|---:|---:|---:|");
    for (class, (n, m, k)) in &by_class {
        println!("| {class} | {n} | {m} | {k} |");
    }
    println!("\nknown differences as observed:");
    for l in &listing {
        println!("  {l}");
    }
    if !stale.is_empty() {
        println!("\nlisted as known but now matching (remove from docs/conformance.md): {stale:?}");
    }
    assert!(order.len() >= MIN_CASES, "only {} cases (at least {MIN_CASES} expected)", order.len());
    assert!(
        unexpected.is_empty(),
        "{} case(s) differ from CPython and are not listed in docs/conformance.md:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}

/// Every guest program of the `conformance` suite (`conformance`, see
/// `capsock-guest-build`) has a test here named after it: a guest without one
/// is a compile error.
macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports, reason = "names the test, proving it exists")]
        use self::$name as _;
    };
}
capsock_tests::foreach_conformance!(assert_test_exists);
