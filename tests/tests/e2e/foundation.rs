//! The foundation's end-to-end tests (issue 2): TCP and UDP over IPv4 and
//! IPv6, bulk transfer, timeouts, denial, shutdown, TCP_NODELAY, guests that
//! die holding sockets, and 200 blocked guests beside a busy one.

use capsock_tests::*;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

/// Python's repr of a socket address, as the guest SDK prints it.
fn repr(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("('{}', {})", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("('{}', {}, {}, {})", a.ip(), a.port(), a.flowinfo(), a.scope_id()),
    }
}

fn host_rule(ip: &str) -> String {
    if ip.contains(':') { format!("[{ip}]") } else { ip.to_string() }
}

fn echo_client(ip: &str) {
    let (addr, server) = echo_server(ip, 1);
    let rule = format!("connect tcp://{}:{}", host_rule(ip), addr.port());
    let report =
        run_ok("foundation_tcp_echo_client", policy(&[&rule]), &[ip.into(), addr.port().to_string(), "50".into()]);
    let echoed: u64 = report.get("echoed").parse().unwrap();
    assert_eq!(server.join().unwrap(), echoed, "native server echoed what the guest counted");
    assert!(echoed > 50 * 20);
    assert_eq!(report.get("raddr"), repr(addr));
}

#[test]
pub fn foundation_tcp_echo_client() {
    echo_client("127.0.0.1");
    echo_client("::1");
}

fn echo_server_guest(ip: &str) {
    let control = listener(ip);
    let cport = control.local_addr().unwrap().port();
    let h = host_rule(ip);
    let rules = [format!("connect tcp://{h}:{cport}"), format!("listen tcp://{h}:*")];
    let ip_owned = ip.to_string();
    let client = thread::spawn(move || {
        let (c, _) = control.accept().unwrap();
        c.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
        let mut line = String::new();
        BufReader::new(c).read_line(&mut line).unwrap();
        let port: u16 = line.trim().parse().unwrap();
        let mut s = connect(SocketAddr::new(ip_owned.parse().unwrap(), port));
        let local = s.local_addr().unwrap();
        let mut sent = Vec::new();
        for i in 0..40u32 {
            let msg = format!("native line {i}\n").repeat(1 + i as usize % 9);
            s.write_all(msg.as_bytes()).unwrap();
            let mut back = vec![0u8; msg.len()];
            s.read_exact(&mut back).unwrap();
            assert_eq!(back, msg.as_bytes());
            sent.extend_from_slice(msg.as_bytes());
        }
        (sent.len(), local)
    });
    let report = run_ok("foundation_tcp_echo_server", policy(&[&rules[0], &rules[1]]), &[ip.into(), cport.to_string()]);
    let (sent, local) = client.join().unwrap();
    assert_eq!(report.get("echoed"), sent.to_string());
    assert_eq!(report.get("peer"), repr(local));
}

#[test]
pub fn foundation_tcp_echo_server() {
    echo_server_guest("127.0.0.1");
    echo_server_guest("::1");
}

fn udp_both_ways(ip: &str) {
    let h = host_rule(ip);
    // Guest sends first; the native peer answers each ping.
    let peer = UdpSocket::bind((ip, 0)).unwrap();
    peer.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
    let port = peer.local_addr().unwrap().port();
    let p = peer.try_clone().unwrap();
    let answer = thread::spawn(move || {
        for i in 0..5 {
            let mut buf = [0u8; 100];
            let (n, from) = p.recv_from(&mut buf).unwrap();
            assert_eq!(&buf[..n], format!("ping {i}").as_bytes());
            p.send_to(format!("pong {i}").as_bytes(), from).unwrap();
        }
    });
    let rule = format!("connect udp://{h}:{port}");
    run_ok("foundation_udp_peer", policy(&[&rule]), &["send-first".into(), ip.into(), port.to_string(), "5".into()]);
    answer.join().unwrap();

    // The native peer starts each exchange; the guest's socket is bound
    // under a listen rule and replies to whoever asked.
    let p = peer.try_clone().unwrap();
    let ask = thread::spawn(move || {
        let mut buf = [0u8; 100];
        let (n, guest) = p.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"ready");
        for i in 0..5 {
            p.send_to(format!("ask {i}").as_bytes(), guest).unwrap();
            let (n, from) = p.recv_from(&mut buf).unwrap();
            assert_eq!(from, guest);
            assert_eq!(&buf[..n], format!("answer {i}").as_bytes());
        }
        guest
    });
    let rules = [format!("listen udp://{h}:0"), format!("connect udp://{h}:{port}")];
    let report = run_ok(
        "foundation_udp_peer",
        policy(&[&rules[0], &rules[1]]),
        &["recv-first".into(), ip.into(), port.to_string(), "5".into()],
    );
    let guest = ask.join().unwrap();
    assert_eq!(report.get("laddr"), repr(guest));
}

#[test]
pub fn foundation_udp_peer() {
    udp_both_ways("127.0.0.1");
    udp_both_ways("::1");
}

#[test]
pub fn foundation_bulk_sha() {
    const MIB: usize = 64;
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let sink = thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut got = 0usize;
        loop {
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            got += n;
        }
        let mut pattern = Pattern::new(2);
        let mut out_hasher = Sha256::new();
        let mut chunk = vec![0u8; 1 << 20];
        for _ in 0..MIB {
            pattern.fill(&mut chunk);
            out_hasher.update(&chunk);
            s.write_all(&chunk).unwrap();
        }
        (got, hex(&hasher.finalize()), hex(&out_hasher.finalize()))
    });
    let rule = format!("connect tcp://127.0.0.1:{port}");
    let report =
        run_ok("foundation_bulk_sha", policy(&[&rule]), &["127.0.0.1".into(), port.to_string(), MIB.to_string()]);
    let (got, native_recv_sha, native_sent_sha) = sink.join().unwrap();
    assert_eq!(got, MIB << 20);
    assert_eq!(report.get("sent_sha"), native_recv_sha, "guest → native bytes differ");
    assert_eq!(report.get("recv_bytes"), (MIB << 20).to_string());
    assert_eq!(report.get("recv_sha"), native_sent_sha, "native → guest bytes differ");
}

#[test]
pub fn foundation_timeouts() {
    let idle = listener("127.0.0.1");
    let idle_port = idle.local_addr().unwrap().port();
    // Accept and hold the connection without sending.
    let holder = thread::spawn(move || accept_within(&idle, PEER_TIMEOUT));
    let closed = closed_port("127.0.0.1");
    let rules = [format!("connect tcp://127.0.0.1:{idle_port}"), format!("connect tcp://127.0.0.1:{closed}")];
    let report = run_ok(
        "foundation_timeouts",
        policy(&[&rules[0], &rules[1]]),
        &["127.0.0.1".into(), idle_port.to_string(), closed.to_string()],
    );
    drop(holder.join().unwrap());
    let ms: u64 = report.get("timeout_ms").parse().unwrap();
    assert!((300..3000).contains(&ms), "recv with settimeout(0.3) raised after {ms} ms");
    assert_eq!(report.get("timeout_str"), "timed out");
    assert_eq!(report.get("nonblocking_errno"), "11");
    let nb: u64 = report.get("nonblocking_ms").parse().unwrap();
    assert!(nb < 200, "non-blocking recv took {nb} ms");
    assert_eq!(report.get("refused_errno"), "111");
    assert_eq!(report.get("refused_str"), "[Errno 111] Connection refused");
    assert_eq!(report.get("connect_ex"), "111");
}

#[test]
pub fn foundation_denied_connect() {
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    // Allow a different port only.
    let other = if port == 65535 { port - 1 } else { port + 1 };
    let rule = format!("connect tcp://127.0.0.1:{other}");
    let report = run_ok("foundation_denied_connect", policy(&[&rule]), &["127.0.0.1".into(), port.to_string()]);
    assert_eq!(report.get("errno"), "13");
    let message = report.get("message");
    assert!(message.starts_with("[Errno 13] "), "{message}");
    assert!(message.contains(&format!("connect tcp://127.0.0.1:{port}")), "message names the operation: {message}");
    assert_eq!(report.get("rule"), "default deny");
    assert!(accept_within(&l, Duration::from_millis(300)).is_none(), "a denied connect reached the OS");
}

#[test]
pub fn foundation_shutdown_names() {
    let l = listener("127.0.0.1");
    let addr = l.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (mut s, peer) = l.accept().unwrap();
        s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
        let mut req = Vec::new();
        // read_to_end returns only at EOF: the guest's SHUT_WR.
        s.read_to_end(&mut req).unwrap();
        s.write_all(b"reply after EOF").unwrap();
        (req, peer, s.local_addr().unwrap())
    });
    let rule = format!("connect tcp://127.0.0.1:{}", addr.port());
    let report = run_ok("foundation_shutdown_names", policy(&[&rule]), &["127.0.0.1".into(), addr.port().to_string()]);
    let (req, peer, local) = server.join().unwrap();
    assert_eq!(req, b"request");
    assert_eq!(report.get("reply"), "reply after EOF");
    assert_eq!(report.get("laddr"), repr(peer), "guest getsockname = native peer_addr");
    assert_eq!(report.get("raddr"), repr(local), "guest getpeername = native local_addr");
}

/// A server that answers each request once its final line has arrived.
fn line_server(rounds: usize) -> (SocketAddr, thread::JoinHandle<()>) {
    let l = listener("127.0.0.1");
    let addr = l.local_addr().unwrap();
    let h = thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
        s.set_nodelay(true).unwrap();
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::new(s);
        for _ in 0..rounds {
            let mut line = String::new();
            loop {
                line.clear();
                r.read_line(&mut line).unwrap();
                if line == "\r\n" {
                    break;
                }
            }
            w.write_all(b"OK\n").unwrap();
        }
    });
    (addr, h)
}

#[test]
pub fn foundation_nodelay() {
    const ROUNDS: usize = 20;
    let run_once = |nodelay: u8| {
        let (addr, server) = line_server(ROUNDS);
        let rule = format!("connect tcp://127.0.0.1:{}", addr.port());
        let args = ["127.0.0.1".into(), addr.port().to_string(), ROUNDS.to_string(), nodelay.to_string()];
        let report = run_ok("foundation_nodelay", policy(&[&rule]), &args);
        server.join().unwrap();
        assert_eq!(report.get("nodelay"), if nodelay == 1 { "1" } else { "0" });
        report.get("median_us").parse::<u64>().unwrap()
    };
    let with = run_once(1);
    let without = run_once(0);
    eprintln!("two-segment request median: {with} µs with TCP_NODELAY, {without} µs without");
    assert!(with < 20_000, "TCP_NODELAY did not reach the OS socket: median {with} µs");
    // The control shows the stall this test guards against is real here.
    assert!(without > 20_000, "expected a Nagle stall without TCP_NODELAY, median {without} µs");
}

fn ends_holding(how: &str) {
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let rule = format!("connect tcp://127.0.0.1:{port}");
    let peer = thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut hi = [0u8; 2];
        s.read_exact(&mut hi).unwrap();
        let t0 = Instant::now();
        let mut buf = [0u8; 16];
        let outcome = match s.read(&mut buf) {
            Ok(0) => "eof".to_string(),
            Ok(n) => format!("data {n}"),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => "reset".to_string(),
            Err(e) => format!("error {e}"),
        };
        (outcome, t0.elapsed())
    });
    let exit = run("foundation_exit_holding", policy(&[&rule]), &["127.0.0.1".into(), port.to_string(), how.into()]);
    // wasi:cli/exit carries only ok/err, so `exit(3)` reaches the host as 1.
    assert_eq!(exit.code, 1, "guest exit code");
    let (outcome, after) = peer.join().unwrap();
    assert!(outcome == "eof" || outcome == "reset", "peer saw {outcome}");
    assert!(after < Duration::from_secs(1), "peer waited {after:?} for the close");
}

#[test]
pub fn foundation_exit_holding() {
    ends_holding("exit");
    // A trap: `run` returns the trap as an error, so drive it by hand.
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let rule = format!("connect tcp://127.0.0.1:{port}");
    let peer = thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = [0u8; 16];
        let mut got = Vec::new();
        loop {
            match s.read(&mut buf) {
                Ok(0) => return (got, "eof"),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return (got, "reset"),
                Err(e) => panic!("peer read: {e}"),
            }
        }
    });
    let opts =
        capsock_host::RunOptions::new(policy(&[&rule])).capture().arg("127.0.0.1").arg(port.to_string()).arg("trap");
    let guest = guest("foundation_exit_holding");
    let result = tokio().block_on(runtime().run(&guest, opts));
    let err = result.expect_err("an aborting guest traps");
    assert!(err.downcast_ref::<capsock_host::Trapped>().is_some(), "{err:?}");
    let (got, how) = peer.join().unwrap();
    assert_eq!(got, b"hi");
    assert!(how == "eof" || how == "reset");
    // The host carries on: the same runtime runs another guest.
    echo_client("127.0.0.1");
}

#[test]
pub fn foundation_blocked_recv() {
    const BLOCKED: usize = 200;
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let rule = format!("connect tcp://127.0.0.1:{port}");
    let before = thread_count();
    // Compile first so the memory figure is the instances', not the code's.
    let _ = guest("foundation_blocked_recv");
    let rss_before = rss_kib();
    let guests: Vec<_> = (0..BLOCKED)
        .map(|_| {
            let opts = capsock_host::RunOptions::new(policy(&[&rule])).capture().arg("127.0.0.1").arg(port.to_string());
            let g = guest("foundation_blocked_recv");
            tokio().spawn(async move { runtime().run(&g, opts).await })
        })
        .collect();
    let mut held = Vec::new();
    for i in 0..BLOCKED {
        held.push(accept_within(&l, PEER_TIMEOUT).unwrap_or_else(|| panic!("guest {i} never connected")));
    }
    // Every guest is connected and now blocked in recv (or about to be).
    thread::sleep(Duration::from_millis(200));
    let during = thread_count();
    let rss_per_guest = rss_kib().saturating_sub(rss_before) / BLOCKED as u64;
    eprintln!(
        "threads: {before} before, {during} with {BLOCKED} guests blocked in recv; about {rss_per_guest} KiB resident per guest"
    );
    assert!(during < before + 32, "blocked guests hold OS threads: {before} → {during}");

    // Another guest completes 10,000 round trips meanwhile.
    let (addr, server) = echo_server("127.0.0.1", 1);
    let rule2 = format!("connect tcp://127.0.0.1:{}", addr.port());
    let report = run_ok(
        "foundation_echo_rounds",
        policy(&[&rule2]),
        &["127.0.0.1".into(), addr.port().to_string(), "10000".into()],
    );
    assert_eq!(report.get("rounds"), "10000");
    assert_eq!(server.join().unwrap(), 10_000 * 32);
    eprintln!("10,000 round trips beside {BLOCKED} blocked guests: {} ms", report.get("elapsed_ms"));

    // Closing the native ends wakes every blocked guest with EOF.
    drop(held);
    for g in guests {
        let exit = tokio().block_on(g).unwrap().expect("blocked guest ran");
        assert_eq!(exit.code, 0, "{}", String::from_utf8_lossy(&exit.stderr));
    }
}

#[test]
pub fn foundation_echo_rounds() {
    let (addr, server) = echo_server("::1", 1);
    let rule = format!("connect tcp://[::1]:{}", addr.port());
    let report =
        run_ok("foundation_echo_rounds", policy(&[&rule]), &["::1".into(), addr.port().to_string(), "500".into()]);
    assert_eq!(report.get("rounds"), "500");
    assert_eq!(server.join().unwrap(), 500 * 32);
}

#[test]
pub fn every_guest_program_has_a_compiled_component() {
    assert!(GUESTS.len() >= 11);
    for (name, path) in GUESTS {
        assert!(std::path::Path::new(path).exists(), "{name}: {path}");
    }
}

/// Every guest program of the `foundation` suite (`foundation_*`, see `capsock-guest-build`)
/// has a test here named after it: a guest without one is a compile error.
macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports, reason = "names the test, proving it exists")]
        use self::$name as _;
    };
}
capsock_tests::foreach_foundation!(assert_test_exists);
