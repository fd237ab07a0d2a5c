//! Every wasip2 program under the full policy (issue 14): Rust's `std::net`
//! (wasi-libc over `wasi:sockets`) on capsock's own `wasi:sockets`, against
//! native peers on loopback — the protocol, the policy's name rules and
//! limits, the audit trail, the implicit wildcard bind, UDP receive
//! filtering and `TCP_NODELAY`.

use capsock_host::{AuditSink, Limits, Policy, RunOptions};
use capsock_tests::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

fn opts(policy: Policy, args: &[&str]) -> RunOptions {
    args.iter().fold(RunOptions::new(policy).capture(), |o, a| o.arg(a.to_string()))
}

fn expect_ok(opts: RunOptions) -> Report {
    let exit = run_with("wasi_std_net", opts);
    let report = Report::from_exit(&exit);
    assert_eq!(
        exit.code,
        0,
        "guest exited with {}\n{}\n{}",
        exit.code,
        report.text(),
        String::from_utf8_lossy(&exit.stderr)
    );
    report
}

/// A free port on `ip` for a guest to bind (bound natively, then closed).
fn free_tcp_port(ip: &str) -> u16 {
    TcpListener::bind((ip, 0)).unwrap().local_addr().unwrap().port()
}

fn audit_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("capsock-wasi-{tag}-{}.jsonl", std::process::id()))
}

/// The protocol on both families: client, server, UDP both ways, a half
/// close, read timeouts and non-blocking reads.
#[test]
pub fn wasi_std_net() {
    // Compiles and runs guests: not beside the soak, whose RSS bound
    // counts the whole test process.
    let _alone = alone();
    for ip in ["127.0.0.1", "::1"] {
        let (addr, server) = echo_server(ip, 1);
        let port = addr.port().to_string();
        let rule = format!("connect tcp://{}", mediate_target(addr));
        let r = expect_ok(opts(policy(&[&rule]), &["tcp_client", ip, &port]));
        assert_eq!(r.get("echo"), "hello from std::net");
        assert_eq!(r.get("local_family"), if ip == "::1" { "v6" } else { "v4" });
        assert_eq!(server.join().unwrap(), 19);
    }

    // The guest as a server: a native client connects, sends, half-closes.
    for ip in ["127.0.0.1", "::1"] {
        let port = free_tcp_port(ip);
        let target = if ip == "::1" { format!("[::1]:{port}") } else { format!("127.0.0.1:{port}") };
        let client_target = target.clone();
        let client = thread::spawn(move || {
            for _ in 0..400 {
                if let Ok(mut s) = std::net::TcpStream::connect(&client_target) {
                    s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
                    s.write_all(b"served by a guest").unwrap();
                    s.shutdown(std::net::Shutdown::Write).unwrap();
                    let mut got = Vec::new();
                    s.read_to_end(&mut got).unwrap();
                    return got;
                }
                thread::sleep(Duration::from_millis(25));
            }
            panic!("the guest server never listened");
        });
        let rule = format!("listen tcp://{target}");
        let r = expect_ok(opts(policy(&[&rule]), &["tcp_server", ip, &port.to_string()]));
        assert_eq!(client.join().unwrap(), b"served by a guest");
        assert_eq!(r.get("served"), "17");
        assert_eq!(r.get("accepted_ip"), ip);
    }

    // UDP: the guest sends and hears the echo, then serves one datagram.
    for ip in ["127.0.0.1", "::1"] {
        let peer = UdpSocket::bind((ip, 0)).unwrap();
        peer.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
        let port = peer.local_addr().unwrap().port();
        let echo = thread::spawn(move || {
            let mut buf = [0u8; 64];
            let (n, from) = peer.recv_from(&mut buf).unwrap();
            peer.send_to(&buf[..n], from).unwrap();
        });
        let target = if ip == "::1" { format!("[::1]:{port}") } else { format!("127.0.0.1:{port}") };
        let r = expect_ok(opts(policy(&[&format!("connect udp://{target}")]), &["udp_client", ip, &port.to_string()]));
        echo.join().unwrap();
        assert_eq!(r.get("udp_echo"), "ping");
        assert_eq!(r.get("udp_from_port"), "true");

        let port = UdpSocket::bind((ip, 0)).unwrap().local_addr().unwrap().port();
        let dest = if ip == "::1" { format!("[::1]:{port}") } else { format!("127.0.0.1:{port}") };
        let sender_dest = dest.clone();
        let sender = thread::spawn(move || {
            let s = UdpSocket::bind(if sender_dest.starts_with('[') { "[::1]:0" } else { "127.0.0.1:0" }).unwrap();
            s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
            let mut buf = [0u8; 64];
            for _ in 0..400 {
                s.send_to(b"shout", &sender_dest).unwrap();
                if let Ok((n, _)) = s.recv_from(&mut buf) {
                    return buf[..n].to_vec();
                }
            }
            panic!("the guest UDP server never answered");
        });
        let r = expect_ok(opts(policy(&[&format!("listen udp://{dest}")]), &["udp_server", ip, &port.to_string()]));
        assert_eq!(sender.join().unwrap(), b"SHOUT");
        assert_eq!(r.get("udp_served"), "shout");
    }

    // shutdown(Write): the peer sees EOF and still answers.
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let peer = thread::spawn(move || {
        let mut s = accept_within(&l, PEER_TIMEOUT).expect("the guest connects");
        s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        s.write_all(b"answer after EOF: ").unwrap();
        s.write_all(&got).unwrap();
    });
    let r = expect_ok(opts(
        policy(&[&format!("connect tcp://127.0.0.1:{port}")]),
        &["shutdown", "127.0.0.1", &port.to_string()],
    ));
    peer.join().unwrap();
    assert_eq!(r.get("after_shutdown"), "answer after EOF: half");
    assert_eq!(r.get("write_after_shutdown"), "true");

    // A read timeout, a non-blocking read, then data.
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let peer = thread::spawn(move || {
        let mut s = accept_within(&l, PEER_TIMEOUT).expect("the guest connects");
        s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
        let mut buf = [0u8; 2];
        s.read_exact(&mut buf).unwrap();
        s.write_all(b"data").unwrap();
    });
    let r = expect_ok(opts(
        policy(&[&format!("connect tcp://127.0.0.1:{port}")]),
        &["timeouts", "127.0.0.1", &port.to_string()],
    ));
    peer.join().unwrap();
    assert!(matches!(r.get("timeout_kind"), "WouldBlock" | "TimedOut"), "{}", r.text());
    assert_eq!(r.get("waited_enough"), "true");
    assert_eq!(r.get("nonblocking_kind"), "WouldBlock");
    assert_eq!(r.get("then"), "data");
}

/// `tcp://127.0.0.1:P` or `tcp://[::1]:P` as a rule names it.
fn mediate_target(addr: std::net::SocketAddr) -> String {
    match addr {
        std::net::SocketAddr::V4(a) => a.to_string(),
        std::net::SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

/// Names go through capsock's resolver and its rules; `max_connections`
/// stops the third connection; the audit lines are an SDK guest's.
#[test]
pub fn wasi_names_limits_and_audit() {
    // Compiles and runs guests: not beside the soak, whose RSS bound
    // counts the whole test process.
    let _alone = alone();
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let peer = thread::spawn(move || {
        let mut n = 0;
        // The by-name connection and the two the limit lets through.
        while n < 3 {
            let Some(mut s) = accept_within(&l, PEER_TIMEOUT) else { break };
            s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
            let _ = s.read(&mut [0u8; 16]);
            n += 1;
        }
        n
    });
    let audit = audit_path("names");
    let mut o = opts(
        policy(&[&format!("connect tcp://db.test:{port}")]),
        &["names", "db.test", &port.to_string(), "other.test"],
    )
    .host("db.test", ["127.0.0.1".parse().unwrap()]);
    o.limits = Limits { max_connections: 2, ..Limits::default() };
    o.audit = Some(AuditSink::open(&audit).unwrap());
    let r = expect_ok(o);
    assert_eq!(peer.join().unwrap(), 3);
    assert_eq!(r.get("by_name_peer"), format!("127.0.0.1:{port}"));
    assert_eq!(r.get("other_name"), "PermissionDenied", "a name outside the rules is refused: {}", r.text());
    assert_eq!(r.get("held"), "2");
    assert_eq!(r.get("conn2"), "PermissionDenied", "the third connection is stopped: {}", r.text());
    let lines = std::fs::read_to_string(&audit).unwrap();
    let _ = std::fs::remove_file(&audit);
    let records: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let find = |op: &str, target: &str, allowed: bool| {
        records.iter().find(|r| r["op"] == op && r["target"] == target && r["allowed"] == allowed).cloned()
    };
    let resolve = find("resolve", "db.test", true).unwrap_or_else(|| panic!("resolve db.test audited:\n{lines}"));
    assert!(resolve["rule"].as_str().unwrap().contains("db.test"), "{resolve}");
    let connect = find("connect", &format!("tcp://127.0.0.1:{port}"), true)
        .unwrap_or_else(|| panic!("connect audited:\n{lines}"));
    assert!(connect["rule"].as_str().unwrap().contains("db.test"), "the name's rule granted it: {connect}");
    assert!(find("resolve", "other.test", false).is_some(), "the refused name is audited:\n{lines}");
    let limit = records.iter().find(|r| r["op"] == "limit").unwrap_or_else(|| panic!("the limit is audited:\n{lines}"));
    assert!(limit["rule"].as_str().unwrap().contains("max_connections=2"), "{limit}");
    // The same shape as an SDK guest's records: instance, op, target,
    // allowed, rule.
    for key in ["instance", "op", "target", "allowed", "rule"] {
        assert!(connect.get(key).is_some(), "{key} in {connect}");
    }
}

/// A request bigger than the socket buffers, then a read (or a half close
/// and a read): the bytes the socket had not taken when the guest turned to
/// reading still reach the peer, though the guest never touches its output
/// stream again. The peer reads only after a pause, so the buffers fill.
#[test]
pub fn wasi_pending_bytes_go_out_while_the_guest_reads() {
    // 2 x 8 MiB in flight: not beside the soak's memory bound.
    let _alone = alone();
    const LEN: usize = 8 << 20;
    for half in [0, 1] {
        let l = listener("127.0.0.1");
        let port = l.local_addr().unwrap().port();
        let peer = thread::spawn(move || {
            let mut s = accept_within(&l, PEER_TIMEOUT).expect("the guest connects");
            s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
            thread::sleep(Duration::from_millis(300));
            let mut got = vec![0u8; LEN];
            s.read_exact(&mut got).expect("the whole request arrives");
            assert!(got.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8), "intact");
            if half == 1 {
                assert_eq!(s.read(&mut [0u8; 1]).unwrap(), 0, "then the half close");
            }
            s.write_all(format!("got {}\n", got.len()).as_bytes()).unwrap();
        });
        let r = expect_ok(opts(
            policy(&[&format!("connect tcp://127.0.0.1:{port}")]),
            &["bulk_then_read", "127.0.0.1", &port.to_string(), &LEN.to_string(), &half.to_string()],
        ));
        peer.join().unwrap();
        assert_eq!(r.get("answer"), format!("got {LEN}"));
    }
}

/// `max_sockets` counts `wasi:sockets` sockets too (issue 10, finding 9):
/// the sixth of five allowed fails with EMFILE.
#[test]
pub fn wasi_sockets_count_against_max_sockets() {
    // Compiles and runs guests: not beside the soak, whose RSS bound
    // counts the whole test process.
    let _alone = alone();
    let mut o = opts(Policy::deny_all(), &["many_sockets", "50"]);
    o.limits = Limits { max_sockets: 5, ..Limits::default() };
    let r = expect_ok(o);
    assert_eq!(r.get("sockets_held"), "5", "{}", r.text());
    // wasi-libc reports `new-socket-limit` as EMFILE (WASI errno 33).
    assert!(r.get("refused").contains("(os error 33)"), "{}", r.text());
    assert_eq!(r.get("after_close"), "true");
}

/// An unbound UDP socket's implicit bind is audited as the ephemeral port it
/// is, and the socket hears only the peers its rules name — even with a
/// wildcard `listen udp` rule in the policy.
#[test]
pub fn wasi_implicit_bind_and_udp_filter() {
    // Compiles and runs guests: not beside the soak, whose RSS bound
    // counts the whole test process.
    let _alone = alone();
    let granted = UdpSocket::bind("127.0.0.1:0").unwrap();
    granted.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
    let intruder = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = granted.local_addr().unwrap().port();
    let peers = thread::spawn(move || {
        let mut buf = [0u8; 64];
        let (_, guest) = granted.recv_from(&mut buf).unwrap();
        // The intruder first: a filter that lets it in is seen before the
        // granted reply ends the guest's wait.
        for _ in 0..3 {
            intruder.send_to(b"intruder", guest).unwrap();
        }
        thread::sleep(Duration::from_millis(100));
        granted.send_to(b"reply", guest).unwrap();
    });
    let audit = audit_path("udp");
    let mut o = opts(
        policy(&[&format!("connect udp://127.0.0.1:{port}"), "listen udp://*:*"]),
        &["udp_filter", "127.0.0.1", &port.to_string()],
    );
    o.audit = Some(AuditSink::open(&audit).unwrap());
    let r = expect_ok(o);
    peers.join().unwrap();
    assert_eq!(r.get("heard"), format!("reply@{port}"), "only the granted peer is heard");
    let lines = std::fs::read_to_string(&audit).unwrap();
    let _ = std::fs::remove_file(&audit);
    assert!(
        lines
            .lines()
            .any(|l| l.contains("\"op\":\"bind\"") && l.contains("udp://0.0.0.0:0") && l.contains("ephemeral")),
        "the implicit bind is audited as an ephemeral port:\n{lines}"
    );
    assert!(lines.lines().any(|l| l.contains("\"op\":\"receive\"") && l.contains("\"allowed\":false")), "{lines}");
}

/// `TCP_NODELAY` is on for `wasi:sockets` TCP: a request written in two
/// writes is answered without Nagle's wait for the delayed ACK (~40 ms a
/// request). With it turned off the wait is back, which shows the test
/// measures what it says.
#[test]
pub fn wasi_two_write_requests_do_not_stall() {
    // A latency bound: not beside the soak's 200 guests.
    let _alone = alone();
    const N: u32 = 20;
    let run = |nodelay: bool| {
        let l = listener("127.0.0.1");
        let port = l.local_addr().unwrap().port();
        let server = thread::spawn(move || {
            let s = accept_within(&l, PEER_TIMEOUT).expect("the guest connects");
            s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
            s.set_nodelay(true).unwrap();
            let mut w = s.try_clone().unwrap();
            let mut lines = BufReader::new(s);
            let mut line = String::new();
            for _ in 0..N {
                line.clear();
                lines.read_line(&mut line).unwrap();
                w.write_all(b"ok\n").unwrap();
            }
        });
        let mut o = opts(
            policy(&[&format!("connect tcp://127.0.0.1:{port}")]),
            &["two_writes", "127.0.0.1", &port.to_string(), &N.to_string()],
        );
        o.wasi_nodelay = nodelay;
        let r = expect_ok(o);
        server.join().unwrap();
        r.get("elapsed_ms").parse::<u64>().unwrap()
    };
    let fast = run(true);
    let slow = run(false);
    // 20 stalls are at least 20 x 40 ms; 20 round trips take a few ms.
    assert!(fast < 400, "with TCP_NODELAY, {N} two-write requests took {fast} ms");
    assert!(slow >= 400, "without TCP_NODELAY the stall is back ({slow} ms): the test sees it");
}

/// A runtime whose guests get wasmtime-wasi's `wasi:sockets` (for the
/// comparison below).
fn wasmtime_sockets() -> &'static (capsock_host::Runtime, capsock_host::Guest) {
    static RT: std::sync::OnceLock<(capsock_host::Runtime, capsock_host::Guest)> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        let rt =
            capsock_host::Runtime::builder().wasi_sockets(capsock_host::wasi::WasiSockets::Wasmtime).build().unwrap();
        let path = GUESTS.iter().find(|(n, _)| *n == "wasi_spec").unwrap().1;
        let g = rt.load_file(path).unwrap();
        (rt, g)
    })
}

/// What the WIT text documents for each call the `wasi_spec` guest makes
/// (`invalid-state`, `concurrency-conflict`, `not-in-progress`, …), plus the
/// policy's `access-denied`.
const SPEC: &[(&str, &str)] = &[
    ("tcp_family", "IpAddressFamily::Ipv4"),
    ("tcp_fresh_is_listening", "false"),
    ("tcp_fresh_local_address", "invalid-state"),
    ("tcp_fresh_remote_address", "invalid-state"),
    ("tcp_finish_bind_unstarted", "not-in-progress"),
    ("tcp_finish_connect_unstarted", "not-in-progress"),
    ("tcp_finish_listen_unstarted", "not-in-progress"),
    ("tcp_listen_unbound", "invalid-state"),
    ("tcp_shutdown_unconnected", "invalid-state"),
    ("tcp_accept_unlistening", "invalid-state"),
    ("tcp_bind_wrong_family", "invalid-argument"),
    ("tcp_bind_multicast", "invalid-argument"),
    ("tcp_connect_unspecified", "invalid-argument"),
    ("tcp_connect_port_zero", "invalid-argument"),
    ("tcp_connect_broadcast", "invalid-argument"),
    ("tcp_backlog_zero", "invalid-argument"),
    ("tcp_keepalive_idle_zero", "invalid-argument"),
    ("tcp_keepalive_interval_zero", "invalid-argument"),
    ("tcp_keepalive_count_zero", "invalid-argument"),
    ("tcp_hop_limit_zero", "invalid-argument"),
    ("tcp_rcvbuf_zero", "invalid-argument"),
    ("tcp_sndbuf_zero", "invalid-argument"),
    ("tcp_keepalive_roundtrip", "true"),
    ("tcp_keepalive_count_roundtrip", "5"),
    ("tcp_keepalive_idle_roundtrip", "7000000000"),
    ("tcp_hop_limit_roundtrip", "42"),
    ("tcp_rcvbuf_at_least_set", "true"),
    ("tcp_bind_start", "ok"),
    ("tcp_bind_during_bind", "concurrency-conflict"),
    ("tcp_connect_during_bind", "concurrency-conflict"),
    ("tcp_bind_finish", "ok"),
    ("tcp_bind_finish_again", "not-in-progress"),
    ("tcp_bound_port_nonzero", "true"),
    ("tcp_bind_twice", "invalid-state"),
    ("tcp_listening", "true"),
    ("tcp_accept_nothing_pending", "would-block"),
    ("tcp_connect_on_listener", "invalid-state"),
    ("tcp_listen_twice", "invalid-state"),
    ("tcp_backlog_on_listener", "ok"),
    ("tcp_accepted_is_listening", "false"),
    ("tcp_accepted_remote_is_client", "true"),
    ("tcp_connected_finish_again", "not-in-progress"),
    ("tcp_connected_connect_again", "invalid-state"),
    ("tcp_connected_listen", "invalid-state"),
    ("tcp_connected_bind", "invalid-state"),
    ("tcp_stream_bytes", "ping"),
    ("tcp_read_nothing_ready", "0"),
    ("tcp_check_write_permits", "true"),
    ("tcp_write_within_permit", "ok"),
    ("tcp_shutdown_send", "ok"),
    ("tcp_connect_during_connect", "concurrency-conflict"),
    ("tcp_connect_refused", "connection-refused"),
    ("tcp_after_refused_connect", "invalid-state"),
    ("tcp_connect_denied", "access-denied"),
    ("udp_family", "IpAddressFamily::Ipv4"),
    ("udp_stream_unbound", "invalid-state"),
    ("udp_local_unbound", "invalid-state"),
    ("udp_remote_unconnected", "invalid-state"),
    ("udp_finish_bind_unstarted", "not-in-progress"),
    ("udp_hop_limit_zero", "invalid-argument"),
    ("udp_bind_multicast", "invalid-argument"),
    ("udp_bind_during_bind", "concurrency-conflict"),
    ("udp_bind_twice", "invalid-state"),
    ("udp_stream_unspecified_remote", "invalid-argument"),
    ("udp_check_send_permits", "true"),
    ("udp_send_without_address", "invalid-argument"),
    ("udp_send_to_self", "ok"),
    ("udp_received", "to self"),
    ("udp_receive_zero", "0"),
    ("udp_connected_remote", "true"),
    ("udp_connected_send_elsewhere", "invalid-argument"),
    ("lookup_ipv4_literal", "127.0.0.1"),
    ("lookup_ipv6_literal", "(0, 0, 0, 0, 0, 0, 0, 1)"),
    ("lookup_invalid_name", "start:invalid-argument"),
    ("lookup_denied_name", "next:access-denied"),
    ("lookup_granted_name", "127.0.0.1"),
];

/// Each `wasi:sockets` call behaves as the WIT documents it: the state
/// machine (bind, connect, listen in two phases), its error codes, the
/// streams, UDP and name lookup, called directly without libc. The same
/// guest under wasmtime-wasi's implementation shows where the two differ
/// (printed; only capsock's is held to the text).
#[test]
pub fn wasi_spec() {
    // Compiles and runs guests: not beside the soak, whose RSS bound
    // counts the whole test process.
    let _alone = alone();
    let denied = closed_port("127.0.0.1");
    let p = Policy::from_rules(
        [
            "listen tcp://127.0.0.1:*",
            "connect tcp://127.0.0.1:*",
            "listen udp://127.0.0.1:*",
            "connect udp://127.0.0.1:*",
            "connect tcp://db.test:*",
        ],
        [format!("connect tcp://127.0.0.1:{denied}").as_str()],
    )
    .unwrap();
    let o = RunOptions { policy: std::sync::Arc::new(p.clone()), ..RunOptions::new(Policy::deny_all()) }
        .capture()
        .arg(denied.to_string())
        .host("db.test", ["127.0.0.1".parse().unwrap()]);
    let exit = run_with("wasi_spec", o);
    let r = Report::from_exit(&exit);
    assert_eq!(exit.code, 0, "{}\n{}", r.text(), String::from_utf8_lossy(&exit.stderr));
    let wrong: Vec<String> = SPEC
        .iter()
        .filter(|(k, v)| r.get(k) != *v)
        .map(|(k, v)| format!("{k}: documented {v}, got {}", r.get(k)))
        .collect();
    assert!(wrong.is_empty(), "calls that differ from the WIT text:\n{}\n{}", wrong.join("\n"), r.text());

    let (rt, g) = wasmtime_sockets();
    let o = RunOptions { policy: std::sync::Arc::new(p), ..RunOptions::new(Policy::deny_all()) }
        .capture()
        .arg(denied.to_string());
    match tokio().block_on(async { tokio::time::timeout(GUEST_DEADLINE, rt.run(g, o)).await }) {
        Ok(Ok(exit)) => {
            let w = Report::from_exit(&exit);
            for (k, v) in SPEC {
                if w.get(k) != *v {
                    eprintln!("wasmtime-wasi differs: {k}: documented {v}, wasmtime-wasi gives {}", w.get(k));
                }
            }
        }
        Ok(Err(e)) => match e.downcast_ref::<capsock_host::Trapped>() {
            Some(t) => eprintln!(
                "under wasmtime-wasi the guest trapped: {:#}\n{}",
                t.error,
                String::from_utf8_lossy(&t.stdout)
            ),
            None => eprintln!("under wasmtime-wasi: {e:#}"),
        },
        Err(_) => eprintln!("under wasmtime-wasi the guest ran past its deadline"),
    }
}

/// Every guest program of the `wasi` suite has a test here.
macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports, reason = "names the test, proving it exists")]
        use self::$name as _;
    };
}
capsock_tests::foreach_wasi!(assert_test_exists);
