//! Attacks from a hostile guest (issue 10), each reproduced against a
//! native victim on loopback that counts what reaches it.

use capsock_tests::*;
use std::time::Duration;

/// Linux routes a connect to `0.0.0.0` to 127.0.0.1 and one to `::` to
/// `::1`: a `loopback` deny rule must see them as what they reach, however
/// broad the allow rule.
#[test]
pub fn security_unspecified_is_loopback() {
    for (host, victim) in [("0.0.0.0", "127.0.0.1"), ("::", "::1"), ("::ffff:0.0.0.0", "127.0.0.1")] {
        let l = listener(victim);
        let port = l.local_addr().unwrap().port();
        let p = capsock_host::Policy::from_rules(["connect *://*:*"], ["connect *://loopback:*"]).unwrap();
        let report = run_ok("foundation_denied_connect", p, &[host.into(), port.to_string()]);
        assert_eq!(report.get("rule"), "connect *://loopback:*", "{host}: {}", report.text());
        assert!(accept_within(&l, Duration::from_millis(300)).is_none(), "a connect to {host} reached {victim}");
    }
}

/// A timeout no clock can hold is no deadline, not a host panic.
#[test]
pub fn security_huge_timeo() {
    let report = run_ok("security_huge_timeo", policy(&["listen udp://127.0.0.1:0", "connect udp://127.0.0.1:*"]), &[]);
    assert_eq!(report.get("echo"), "ping");
}

/// `dup()` or `SCM_RIGHTS` to itself, then closing the original, once let
/// a guest hold 50 connections under `--max-connections 3`.
#[test]
pub fn security_connection_count() {
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let mut o = capsock_host::RunOptions::new(policy(&[&format!("connect tcp://127.0.0.1:{port}")])).capture();
    o = o.arg(port.to_string());
    o.limits = capsock_host::Limits { max_connections: 3, ..capsock_host::Limits::default() };
    let report = run_ok_with("security_connection_count", o);
    assert_eq!(report.get("fourth"), "limit max_connections=3", "{}", report.text());
    assert_eq!(report.get("after_close"), "connected");
    drop(l);
}

/// A native `SO_REUSEPORT` TCP service and a native `SO_REUSEADDR` UDP
/// service keep every connection and datagram: the guest's binds to their
/// ports fail with `EADDRINUSE`, while its own server restart over
/// `TIME_WAIT` works.
#[test]
pub fn security_port_share() {
    use socket2::{Domain, Socket, Type};
    let tcp = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    tcp.set_reuse_port(true).unwrap();
    tcp.bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into()).unwrap();
    tcp.listen(64).unwrap();
    let tcp: std::net::TcpListener = tcp.into();
    let tport = tcp.local_addr().unwrap().port();
    let udp = Socket::new(Domain::IPV4, Type::DGRAM, None).unwrap();
    udp.set_reuse_address(true).unwrap();
    udp.bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into()).unwrap();
    let udp: std::net::UdpSocket = udp.into();
    udp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let uport = udp.local_addr().unwrap().port();
    let p = policy(&["listen tcp://127.0.0.1:*", "listen udp://127.0.0.1:*", "connect tcp://127.0.0.1:*"]);
    let report = run_ok("security_port_share", p, &[tport.to_string(), uport.to_string()]);
    assert_eq!(report.get("held_reuseport"), "1", "the option reads back before bind");
    assert_eq!(report.get("tcp_reuseport"), "98", "EADDRINUSE: {}", report.text());
    assert_eq!(report.get("udp_reuseaddr"), "98", "EADDRINUSE: {}", report.text());
    assert_eq!(report.get("restart"), "ok");
    assert_eq!(report.get("restart_reuseaddr"), "1");
    // The native services got everything.
    let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for i in 0..20u8 {
        let _held = connect(tcp.local_addr().unwrap());
        assert!(accept_within(&tcp, PEER_TIMEOUT).is_some(), "connection {i} went elsewhere");
        sender.send_to(&[i], ("127.0.0.1", uport)).unwrap();
        let mut b = [0u8; 1];
        assert_eq!(udp.recv(&mut b).unwrap(), 1, "datagram {i} went elsewhere");
    }
}

/// Accepts on a non-blocking AF_UNIX listener until `stop`, counting.
fn count_accepts(
    l: std::os::unix::net::UnixListener,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<usize> {
    l.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let mut n = 0;
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            match l.accept() {
                Ok(_) => n += 1,
                Err(_) => std::thread::sleep(Duration::from_micros(200)),
            }
        }
        n
    })
}

/// A process that can write in the granted directory swaps a
/// subdirectory for a symlink to outside while the guest binds and
/// connects in it: the vetted path was once used again by name, so binds
/// landed outside and connects reached an outside socket.
#[test]
pub fn security_unix_race() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let root = std::env::temp_dir().join(format!("capsock-race-{}-{n}", std::process::id()));
    let (run, outside) = (root.join("run"), root.join("outside"));
    std::fs::create_dir_all(run.join("sub")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let inside =
        count_accepts(std::os::unix::net::UnixListener::bind(run.join("sub/victim.sock")).unwrap(), stop.clone());
    let escaped =
        count_accepts(std::os::unix::net::UnixListener::bind(outside.join("victim.sock")).unwrap(), stop.clone());
    let swapper = {
        let (run, outside, stop) = (run.clone(), outside.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut swaps = 0u64;
            while !stop.load(Ordering::SeqCst) && swaps < 5_000_000 {
                std::fs::rename(run.join("sub"), run.join("sub_real")).unwrap();
                std::os::unix::fs::symlink(&outside, run.join("sub")).unwrap();
                std::fs::remove_file(run.join("sub")).unwrap();
                std::fs::rename(run.join("sub_real"), run.join("sub")).unwrap();
                swaps += 1;
            }
            swaps
        })
    };
    let mut p = capsock_host::Policy::deny_all();
    p.allow_unix_dir(&run);
    let report = run_ok("security_unix_race", p, &[run.display().to_string(), "1500".into()]);
    stop.store(true, Ordering::SeqCst);
    let swaps = swapper.join().unwrap();
    let (inside, escaped) = (inside.join().unwrap(), escaped.join().unwrap());
    let outside_files: Vec<_> = std::fs::read_dir(&outside).unwrap().flatten().map(|e| e.file_name()).collect();
    let _ = std::fs::remove_dir_all(&root);
    eprintln!("unix race: {swaps} swaps, {} binds, {inside} connects inside", report.get("bound"));
    assert!(swaps > 0, "the accomplice never ran");
    assert_eq!(escaped, 0, "a guest connect reached a socket outside the granted directory");
    assert_eq!(outside_files, ["victim.sock"], "a guest bind created a file outside");
    assert!(report.get("bound").parse::<usize>().unwrap() > 0, "no bind ever succeeded: {}", report.text());
}

/// SIGTERM to `capsock run` once left the audit file empty and the guest's
/// connections to whoever noticed: now the guest is stopped, its sockets
/// closed (the peer sees EOF), the trail written out, and the exit status is
/// 143.
#[test]
pub fn security_sigterm_flushes() {
    use std::io::Read;
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let audit = std::env::temp_dir().join(format!("capsock-sigterm-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&audit);
    let guest = GUESTS.iter().find(|(n, _)| *n == "foundation_blocked_recv").unwrap().1;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_capsock-cli"))
        .args(["run", "--allow", &format!("connect tcp://127.0.0.1:{port}"), "--audit"])
        .arg(&audit)
        .args([guest, "127.0.0.1", &port.to_string()])
        .spawn()
        .unwrap();
    let mut conn = accept_within(&l, PEER_TIMEOUT).expect("the guest connects");
    // The guest is now blocked in recv(); its allowed connect's line waits
    // in the audit buffer.
    std::thread::sleep(Duration::from_millis(200));
    // SAFETY: sending a signal to our own child process, by its pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < PEER_TIMEOUT, "capsock did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(143));
    assert_eq!(conn.read(&mut [0u8; 8]).unwrap(), 0, "the guest's socket was closed");
    let log = std::fs::read_to_string(&audit).unwrap_or_default();
    let _ = std::fs::remove_file(&audit);
    assert!(log.contains(&format!("\"target\":\"tcp://127.0.0.1:{port}\"")), "the connect's line was written: {log:?}");
}

/// A datagram whose source the guest chose with `IP_PKTINFO` needs that
/// address granted; an interface other than `lo` is never granted.
#[test]
pub fn security_pktinfo() {
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let port = peer.local_addr().unwrap().port();
    let group = "239.255.7.9";
    let rules = [
        "listen udp://127.0.0.1:0".to_string(),
        "listen udp://0.0.0.0:0".to_string(),
        format!("connect udp://127.0.0.1:{port}"),
        format!("listen udp://{group}:*"),
    ];
    let rules: Vec<&str> = rules.iter().map(String::as_str).collect();
    let report = run_ok("security_pktinfo", policy(&rules), &[port.to_string(), group.to_string()]);
    assert!(report.get("spoofed_source").starts_with("default deny"), "{}", report.text());
    assert!(report.get("unknown_interface").contains("interface 9999"), "{}", report.text());
    assert!(report.get("join_interface").contains("interface 9999"), "{}", report.text());
    assert!(report.get("send_interface").contains("interface 9999"), "{}", report.text());
    assert_eq!(report.get("errqueue"), "11");
    assert_eq!(report.get("own_source"), "1");
    // Exactly one datagram arrived, from the guest's own address.
    let mut buf = [0u8; 8];
    let (_, from) = peer.recv_from(&mut buf).unwrap();
    assert_eq!(from.ip().to_string(), "127.0.0.1");
    peer.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    assert!(peer.recv_from(&mut buf).is_err(), "a refused datagram was sent");
}

/// Closing a socket with a graceful linger and unsent data returns at
/// once (the kernel sends the rest in the background) instead of holding a
/// host thread for the linger's 30 s.
#[test]
pub fn security_linger() {
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let report = run_ok("security_linger", policy(&[&format!("connect tcp://127.0.0.1:{port}")]), &[port.to_string()]);
    assert_eq!(report.get("read_back"), "true", "the guest reads back what it set");
    assert_eq!(report.get("queued"), "true");
    let ms: u64 = report.get("close_ms").parse().unwrap();
    assert!(ms < 5_000, "close() held for {ms} ms");
    drop(l);
}

/// A connected UDP socket shut for reading is "readable" for good while the
/// OS says EAGAIN: a wait once spun on it (found by the `host_calls` fuzz
/// target). Now the guest's timeout fires as in CPython, and the waiting
/// thread stays nearly idle.
#[test]
pub fn security_read_shut() {
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = peer.local_addr().unwrap().port();
    let opts = capsock_host::RunOptions::new(policy(&[&format!("connect udp://127.0.0.1:{port}")]))
        .capture()
        .arg(port.to_string());
    let guest = guest("security_read_shut");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (cpu0, wall0) = (thread_cpu(), std::time::Instant::now());
    let exit = rt.block_on(runtime().run(&guest, opts)).unwrap();
    let (cpu, wall) = (thread_cpu() - cpu0, wall0.elapsed());
    let report = Report::from_exit(&exit);
    assert_eq!(exit.code, 0, "{}", report.text());
    assert_eq!(report.get("timed_out"), "TimeoutError");
    eprintln!("security_read_shut: {cpu:?} CPU in {wall:?}");
    assert!(cpu < wall / 4, "the wait spun: {cpu:?} CPU in {wall:?}");
}

macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports, reason = "names the test, proving it exists")]
        use self::$name as _;
    };
}
capsock_tests::foreach_security!(assert_test_exists);
