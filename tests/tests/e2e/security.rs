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

macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports, reason = "names the test, proving it exists")]
        use self::$name as _;
    };
}
capsock_tests::foreach_security!(assert_test_exists);
