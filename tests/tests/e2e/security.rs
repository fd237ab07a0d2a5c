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

macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports, reason = "names the test, proving it exists")]
        use self::$name as _;
    };
}
capsock_tests::foreach_security!(assert_test_exists);
