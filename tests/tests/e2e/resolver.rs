//! Name resolution and the module functions (issue 4): the Python docs'
//! dual-stack echo server and client, a differential table against
//! CPython, lookups under the policy, and create_connection's fallthrough.

use capsock_host::{AuditSink, Policy, RunOptions};
use capsock_tests::*;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, TcpListener};
use std::path::PathBuf;
use std::process::Command;
use std::thread;

fn reference(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("reference").join(file)
}

fn rules(allow: &[&str], deny: &[&str]) -> Policy {
    Policy::from_rules(allow.iter().copied(), deny.iter().copied()).expect("test rules parse")
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Run options under `p` with `[hosts]` entries (the resolver's
/// configuration, beside the policy).
fn with_hosts(p: Policy, hosts: &[(&str, &[&str])], args: &[String]) -> RunOptions {
    let mut o = args.iter().fold(RunOptions::new(p).capture(), |o, a| o.arg(a.clone()));
    for (name, addrs) in hosts {
        o.resolver.add_host(name, addrs.iter().map(|a| ip(a)).collect());
    }
    o
}

/// The names this run sent to the OS resolver, from its audit trail.
fn os_lookups(audit: &std::path::Path) -> Vec<String> {
    let log = std::fs::read_to_string(audit).unwrap_or_default();
    log.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["op"] == "lookup")
        .map(|v| v["target"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The docs' server with HOST None (the wildcard) under `server_rules`,
/// then the docs' client to `localhost`, which only a `connect` rule
/// naming `localhost` lets it resolve and reach.
fn docs_echo(server_rules: &[&str], expect_bound: &str) {
    let control = listener("127.0.0.1");
    let cport = control.local_addr().unwrap().port();
    let ctl_rule = format!("connect tcp://127.0.0.1:{cport}");
    let mut allow: Vec<&str> = server_rules.to_vec();
    allow.push(&ctl_rule);
    let server_policy = rules(&allow, &[]);
    let server = thread::spawn(move || run_ok("resolver_echo_server", server_policy, &[cport.to_string()]));
    let c = accept_within(&control, PEER_TIMEOUT).expect("the server guest reports its port");
    let mut line = String::new();
    BufReader::new(c).read_line(&mut line).unwrap();
    let port: u16 = line.trim().parse().unwrap();
    let client_rule = format!("connect tcp://localhost:{port}");
    let client = run_ok("resolver_echo_client", policy(&[&client_rule]), &["localhost".into(), port.to_string()]);
    assert_eq!(client.get("received"), "Hello, world");
    assert_eq!(client.get("connected_to"), format!("('127.0.0.1', {port})"));
    let server = server.join().expect("server guest");
    assert!(server.get("bound").starts_with(expect_bound), "{}", server.text());
    assert_eq!(server.get("echoed"), "12");
    assert!(server.get("connected_by").contains("127.0.0.1"), "{}", server.text());
}

/// The first passive result, 0.0.0.0, is granted and used.
#[test]
pub fn resolver_echo_server() {
    docs_echo(&["listen tcp://0.0.0.0:0"], "('0.0.0.0', ");
}

/// Only `::` is granted: the server loop's bind on 0.0.0.0 is refused and
/// it falls through to the IPv6 wildcard, which IPv4 clients still reach.
#[test]
pub fn resolver_echo_client() {
    docs_echo(&["listen tcp://[::]:0"], "('::', ");
}

/// The guest and CPython answer the same table of calls alike.
#[test]
pub fn resolver_diff() {
    let table = reference("resolver_cases.txt");
    let cases: Vec<String> = std::fs::read_to_string(&table)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    assert!(cases.len() >= 60, "the table has {} cases", cases.len());
    let python = Command::new("python3")
        .arg(reference("resolver_reference.py"))
        .arg(&table)
        .output()
        .expect("python3 runs (the reference for this test)");
    assert!(python.status.success(), "reference script failed: {}", String::from_utf8_lossy(&python.stderr));
    let expected = String::from_utf8(python.stdout).unwrap();
    // `localhost` needs a rule like any name; numeric hosts need none.
    let report = run_ok("resolver_diff", policy(&["resolve *://localhost"]), &cases);
    let got: Vec<&str> = report.stdout.lines().collect();
    let want: Vec<&str> = expected.lines().collect();
    assert_eq!(got.len(), cases.len(), "{}", report.text());
    assert_eq!(want.len(), cases.len());
    let diffs: Vec<String> =
        want.iter().zip(&got).filter(|(w, g)| w != g).map(|(w, g)| format!("  python: {w}\n  capsock: {g}")).collect();
    assert!(diffs.is_empty(), "{} of {} cases differ from CPython:\n{}", diffs.len(), cases.len(), diffs.join("\n"));
}

/// `[hosts]` answers getaddrinfo, gethostbyname(_ex), gethostbyaddr and
/// create_connection; the sandbox's name is the policy's.
fn hosts_table() {
    let (addr, server) = echo_server("127.0.0.1", 1);
    let port = addr.port();
    let p = policy(&[&format!("connect tcp://db.test:{port}")]);
    let o = with_hosts(p, &[("db.test", &["127.0.0.1"])], &["hosts".into(), port.to_string()]);
    let r = run_ok_with("resolver_policy", o);
    assert_eq!(r.get("gai"), format!("(2, 1, 6, 'db.test', ('127.0.0.1', {port}))"));
    assert_eq!(r.get("byname"), "127.0.0.1");
    assert_eq!(r.get("byname_ex"), r#"("db.test", [], ["127.0.0.1"])"#);
    assert_eq!(r.get("byaddr"), "db.test");
    assert_eq!(r.get("nameinfo"), "db.test");
    assert_eq!(r.get("echo"), "via hosts");
    assert_eq!(r.get("peer"), format!("('127.0.0.1', {port})"));
    assert_eq!(r.get("hostname"), "capsock");
    assert_eq!(r.get("fqdn"), "capsock");
    assert_eq!(server.join().unwrap(), 9);
}

/// Denied names never reach the OS resolver; deny rules prune answers.
fn denied_lookups() {
    // Unique per run, so no other test can have looked it up.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let secret = format!("secret-{}-{nanos}.example", std::process::id());
    let p =
        rules(&["resolve *://mixed.test", "resolve *://lo.test"], &["connect *://private:*", "connect *://loopback:*"]);
    let hosts: &[(&str, &[&str])] =
        &[("db.test", &["127.0.0.1"]), ("mixed.test", &["10.0.0.7", "192.0.2.1"]), ("lo.test", &["127.0.0.1"])];
    let mut o = with_hosts(p, hosts, &["denied".into(), secret.clone()]);
    let audit = std::env::temp_dir().join(format!("capsock-denied-lookups-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&audit);
    o.audit = Some(AuditSink::open(&audit).unwrap());
    let r = run_ok_with("resolver_policy", o);
    for what in ["secret", "secret_byname", "secret_connect", "hosts_only"] {
        assert_eq!(r.get(&format!("{what}_errno")), "13", "{what}\n{}", r.text());
        assert_eq!(r.get(&format!("{what}_rule")), "default deny", "{what}");
    }
    assert_eq!(r.get("mixed"), "('192.0.2.1', 80)");
    assert_eq!(r.get("all_denied_rule"), "connect *://loopback:*");
    assert_eq!(r.get("numerichost"), "-2");
    // The audit trail records every name sent to the OS resolver.
    let sent = os_lookups(&audit);
    let _ = std::fs::remove_file(&audit);
    assert!(!sent.contains(&secret), "a denied name reached the OS resolver: {sent:?}");
    assert!(!sent.iter().any(|n| n == "db.test"), "a [hosts] name reached the OS resolver");
    assert!(!sent.iter().any(|n| n == "mixed.test"));
}

#[test]
pub fn resolver_policy() {
    hosts_table();
    denied_lookups();
    connect_by_resolved_ip();
    rebinding();
}

/// A rule naming a host grants its resolved IPs, for this instance, only
/// after the name resolved; other IPs are judged by IP rules alone.
fn connect_by_resolved_ip() {
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let acceptor = thread::spawn(move || accept_within(&l, PEER_TIMEOUT).is_some());
    let p = policy(&[&format!("connect tcp://db.test:{port}")]);
    let r = run_ok_with(
        "resolver_policy",
        with_hosts(p, &[("db.test", &["127.0.0.1"])], &["byip".into(), port.to_string()]),
    );
    assert!(acceptor.join().unwrap());
    assert_eq!(r.get("ip_before_errno"), "13");
    assert_eq!(r.get("resolved"), "127.0.0.1");
    assert_eq!(r.get("ip_after"), format!("('127.0.0.1', {port})"));
    assert_eq!(r.get("other_ip_rule"), "default deny");
}

/// DNS rebinding: a name allowed by a wildcard rule resolves into a range a
/// deny rule covers; the lookup and the connect are refused. (The range is
/// `loopback` so that a regression could never send a packet off the host.)
fn rebinding() {
    let mut p = policy(&["connect *://*:*"]);
    p.deny("connect *://loopback:*").unwrap();
    let audit = std::env::temp_dir().join(format!("capsock-rebind-audit-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&audit);
    let mut o = with_hosts(p, &[("public.test", &["127.0.0.9"])], &["rebind".into()]);
    o.audit = Some(capsock_host::AuditSink::open(&audit).unwrap());
    let exit = run_with("resolver_policy", o);
    let r = Report::from_exit(&exit);
    assert_eq!(exit.code, 0, "{}", r.text());
    assert_eq!(r.get("rebind_gai_rule"), "connect *://loopback:*");
    assert_eq!(r.get("rebind_connect_rule"), "connect *://loopback:*");
    // Lookups are audited too: the name allowed, its answer pruned.
    let log = std::fs::read_to_string(&audit).unwrap();
    let _ = std::fs::remove_file(&audit);
    let lines: Vec<serde_json::Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let has = |target: &str, allowed: bool, rule: &str| {
        lines
            .iter()
            .any(|v| v["op"] == "resolve" && v["target"] == target && v["allowed"] == allowed && v["rule"] == rule)
    };
    assert!(has("public.test", true, "connect *://*:*"), "{log}");
    assert!(has("public.test -> 127.0.0.9", false, "connect *://loopback:*"), "{log}");
}

/// create_connection tries ::1 (refused) then 127.0.0.1; with every
/// address refused, all_errors reports both.
#[test]
pub fn resolver_fallthrough() {
    let good: TcpListener = listener("127.0.0.1");
    let gport = good.local_addr().unwrap().port();
    // The same port on ::1 must refuse for the test to mean anything.
    assert!(std::net::TcpStream::connect(("::1", gport)).is_err(), "::1:{gport} is in use");
    let dead = closed_port("127.0.0.1");
    let p = policy(&[&format!("connect tcp://two.test:{gport}"), &format!("connect tcp://dead.test:{dead}")]);
    let hosts: &[(&str, &[&str])] = &[("two.test", &["::1", "127.0.0.1"]), ("dead.test", &["::1", "127.0.0.1"])];
    let acceptor = thread::spawn(move || accept_within(&good, PEER_TIMEOUT).is_some());
    let o = with_hosts(p, hosts, &["fallthrough".into(), gport.to_string(), dead.to_string()]);
    let r = run_ok_with("resolver_policy", o);
    assert!(acceptor.join().unwrap());
    assert_eq!(r.get("fell_to"), format!("('127.0.0.1', {gport})"));
    assert_eq!(r.get("last_error"), "[Errno 111] Connection refused");
    assert_eq!(r.get("all_errors"), "ConnectionRefusedError,ConnectionRefusedError");
}

/// socketpair's AF_INET fallback, create_server, default timeouts.
#[test]
pub fn resolver_misc() {
    let p = policy(&["listen tcp://127.0.0.1:0", "connect tcp://127.0.0.1:*", "listen tcp://[::1]:0"]);
    let r = run_ok("resolver_misc", p, &[]);
    assert_eq!(r.get("pair"), "ping");
    assert_eq!(r.get("pair_family"), "2");
    assert_eq!(r.get("pair_timeouts"), "Some(7.5) None");
    assert_eq!(r.get("pair_dgram"), "ValueError");
    assert_eq!(r.get("server"), "served");
    assert_eq!(r.get("server_reuseaddr"), "1");
    assert_eq!(r.get("conn_timeout"), "Some(7.5)");
    assert_eq!(r.get("dualstack_v4"), "dualstack_ipv6 requires AF_INET6 family");
    assert_eq!(r.get("v6only"), "1");
    assert_eq!(r.get("has_ipv6"), "true");
}

/// Every guest program of the `resolver` suite (`resolver_*`, see `capsock-guest-build`)
/// has a test here named after it: a guest without one is a compile error.
macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports, reason = "names the test, proving it exists")]
        use self::$name as _;
    };
}
capsock_tests::foreach_resolver!(assert_test_exists);
