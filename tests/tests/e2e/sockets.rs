//! The rest of the socket object (issue 5): ancillary data, MSG_* flags,
//! dual-stack, multicast and broadcast — each against a native peer.

use capsock_tests::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::thread;
use std::time::Duration;

#[test]
pub fn sock_ancillary() {
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    peer.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
    let port = peer.local_addr().unwrap().port();
    let native = thread::spawn(move || {
        let mut buf = [0u8; 64];
        let (n, guest) = peer.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"ready");
        // To a different loopback address than the one the guest sent from.
        peer.send_to(b"to 127.0.0.2", ("127.0.0.2", guest.port())).unwrap();
    });
    let rules = ["listen udp://0.0.0.0:0".to_string(), format!("connect udp://127.0.0.1:{port}")];
    let report = run_ok("sock_ancillary", policy(&[&rules[0], &rules[1]]), &[port.to_string()]);
    native.join().unwrap();
    // Python: (22, [], 0, None) and [b'Mary', b'01 had a 9', b'little lamb---'].
    assert_eq!(report.get("scatter"), "(22, [], 0, None)");
    assert_eq!(report.get("buffers"), "Mary 01 had a 9 little lamb---");
    assert_eq!(report.get("moved_fileno_fresh"), "true");
    assert_eq!(report.get("moved"), "through the moved socket");
    assert_eq!(report.get("bad_fileno"), "9");
    assert_eq!(report.get("seqpacket"), "one two 5", "SOCK_SEQPACKET keeps message boundaries");
    assert_eq!(report.get("pktinfo_dst"), "127.0.0.2", "IP_PKTINFO names the address the datagram was sent to");
    assert_eq!(report.get("pktinfo_from"), format!("('127.0.0.1', {port})"));
}

#[test]
pub fn sock_flags() {
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let native = thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
        let mut go = [0u8; 2];
        s.read_exact(&mut go).unwrap();
        s.write_all(b"hello").unwrap();
        thread::sleep(Duration::from_millis(50));
        s.write_all(b"abc").unwrap();
        thread::sleep(Duration::from_millis(100));
        s.write_all(b"def").unwrap();
        let mut req = [0u8; 10];
        s.read_exact(&mut req).unwrap();
        assert_eq!(&req, b"oob please");
        use std::os::fd::AsRawFd;
        // SAFETY: a one-byte send on a live socket from a live buffer.
        let n = unsafe { libc::send(s.as_raw_fd(), b"!".as_ptr().cast(), 1, libc::MSG_OOB) };
        assert_eq!(n, 1);
        // Hold the connection until the guest is done.
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
    });
    let report = run_ok("sock_flags", policy(&[&format!("connect tcp://127.0.0.1:{port}")]), &[port.to_string()]);
    native.join().unwrap();
    assert_eq!(report.get("peek"), "hello");
    assert_eq!(report.get("after_peek"), "hello", "MSG_PEEK left the data");
    assert_eq!(report.get("waitall"), "abcdef", "MSG_WAITALL waited for both segments");
    assert_eq!(report.get("dontwait"), "11");
    assert_eq!(report.get("oob"), "!");
}

#[test]
pub fn sock_dualstack() {
    let control = listener("127.0.0.1");
    let cport = control.local_addr().unwrap().port();
    let native = thread::spawn(move || {
        let (c, _) = control.accept().unwrap();
        c.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
        let mut line = String::new();
        BufReader::new(c).read_line(&mut line).unwrap();
        let port: u16 = line.trim().parse().unwrap();
        // An IPv4 client.
        let mut s = connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
        s.write_all(b"from v4").unwrap();
        s.local_addr().unwrap().port()
    });
    let rules = ["listen tcp://[::]:0".to_string(), format!("connect tcp://127.0.0.1:{cport}")];
    let report = run_ok("sock_dualstack", policy(&[&rules[0], &rules[1]]), &[cport.to_string()]);
    let client_port = native.join().unwrap();
    assert_eq!(report.get("v6only"), "0");
    assert_eq!(report.get("peer"), format!("('::ffff:127.0.0.1', {client_port}, 0, 0)"));
    assert_eq!(report.get("data"), "from v4");
}

#[test]
pub fn sock_multicast() {
    const GROUP: Ipv4Addr = Ipv4Addr::new(239, 1, 2, 3);
    let peer = UdpSocket::bind("0.0.0.0:0").unwrap();
    peer.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
    peer.join_multicast_v4(&GROUP, &Ipv4Addr::LOCALHOST).unwrap();
    let port = peer.local_addr().unwrap().port();
    let native = thread::spawn(move || {
        let mut buf = [0u8; 64];
        let (n, guest) = peer.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"joined");
        let sender = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
        sender.set_multicast_if_v4(&Ipv4Addr::LOCALHOST).unwrap();
        sender.send_to(b"hello group", &SocketAddr::from((GROUP, guest.port())).into()).unwrap();
        let mut got = Vec::new();
        for _ in 0..2 {
            let (n, _) = peer.recv_from(&mut buf).unwrap();
            got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        got.sort();
        got
    });
    let rules = [
        "listen udp://0.0.0.0:0".to_string(),
        format!("listen udp://{GROUP}:*"),
        format!("connect udp://127.0.0.1:{port}"),
        format!("connect udp://{GROUP}:{port}"),
        format!("connect udp://127.255.255.255:{port}"),
    ];
    let rules: Vec<&str> = rules.iter().map(String::as_str).collect();
    let report = run_ok("sock_multicast", policy(&rules), &[port.to_string(), GROUP.to_string()]);
    let got = native.join().unwrap();
    assert!(report.get("multicast").starts_with("hello group from ('127.0.0.1', "), "{}", report.text());
    assert!(report.get("other_group").contains("239.9.9.9"), "{}", report.text());
    assert_eq!(report.get("no_so_broadcast"), "13");
    assert_eq!(got, ["broadcast", "to the group"], "the native peer got the group datagram and the broadcast");
}

/// `setsockopt`/`getsockopt` on a native socket, as the guest did them.
fn native_roundtrip(family: i32, ty: i32, level: i32, name: i32, set: Option<&[u8]>, getlen: usize) -> Vec<u8> {
    use std::os::fd::AsRawFd;
    let domain = if family == libc::AF_INET6 { socket2::Domain::IPV6 } else { socket2::Domain::IPV4 };
    let s = socket2::Socket::new(domain, socket2::Type::from(ty), None).unwrap();
    let fd = s.as_raw_fd();
    let mut out = vec![0u8; getlen];
    let mut len = getlen as libc::socklen_t;
    // SAFETY: buffers are live and their lengths are passed beside them.
    unsafe {
        if let Some(v) = set {
            assert_eq!(libc::setsockopt(fd, level, name, v.as_ptr().cast(), v.len() as libc::socklen_t), 0);
        }
        assert_eq!(libc::getsockopt(fd, level, name, out.as_mut_ptr().cast(), &mut len), 0);
    }
    out.truncate(len as usize);
    out
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
pub fn sock_options() {
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let holder = thread::spawn(move || accept_within(&l, PEER_TIMEOUT));
    let rules = [format!("connect tcp://127.0.0.1:{port}"), "listen tcp://127.0.0.1:0".to_string()];
    let report = run_ok("sock_options", policy(&[&rules[0], &rules[1]]), &[port.to_string()]);
    drop(holder.join().unwrap());
    let mut rows = 0;
    for line in report.stdout.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.first() {
            Some(&"row") => {
                let n = |i: usize| f[i].parse::<i32>().unwrap();
                let set = (f[6] != "-").then(|| n(6).to_ne_bytes());
                let native = native_roundtrip(n(2), n(3), n(4), n(5), set.as_ref().map(|v| &v[..]), 4);
                let native = i32::from_ne_bytes(native[..4].try_into().unwrap());
                assert_eq!(
                    f[7].parse::<i32>().unwrap(),
                    native,
                    "{}: guest read {} where a native socket reads {native}",
                    f[1],
                    f[7]
                );
                rows += 1;
            }
            Some(&"bytes") => {
                let (level, name) = match f[1] {
                    "SO_LINGER" => (libc::SOL_SOCKET, libc::SO_LINGER),
                    _ => (libc::SOL_SOCKET, libc::SO_SNDTIMEO),
                };
                let set = unhex(f[2]);
                let native = native_roundtrip(libc::AF_INET, libc::SOCK_STREAM, level, name, Some(&set), set.len());
                assert_eq!(unhex(f[3]), native, "{}", f[1]);
                rows += 1;
            }
            _ => {}
        }
    }
    assert_eq!(rows, 38, "every option row was replayed natively:\n{}", report.text());
    assert_eq!(report.get("linger_as_int"), "22");
    assert_eq!(report.get("tcp_info_state"), "1", "TCP_INFO shows ESTABLISHED");
    assert!(report.get("tcp_info_len").parse::<usize>().unwrap() >= 100);
    assert_eq!(report.get("acceptconn_after_listen"), "1");
    assert_eq!(report.get("rcvtimeo_errno"), "11");
    let ms: u64 = report.get("rcvtimeo_ms").parse().unwrap();
    assert!((200..2000).contains(&ms), "SO_RCVTIMEO 0.2 s expired after {ms} ms");
    assert_eq!(report.get("unknown_get"), "92");
}

/// Every guest program of the `sock` suite (`sock_*`, see `capsock-guest-build`)
/// has a test here named after it: a guest without one is a compile error.
macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports, reason = "names the test, proving it exists")]
        use self::$name as _;
    };
}
capsock_tests::foreach_sock!(assert_test_exists);
