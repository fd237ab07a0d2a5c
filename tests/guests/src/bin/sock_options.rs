//! Every socket option the allowlist has: set, read back, printed as a row
//! the host test replays on a native socket of the same kind and compares.
//! Also the refused and invalid cases, and SO_RCVTIMEO's Linux semantics.
use capsock::*;
use capsock_test_guests::{expect_err, hex, report};
use std::time::Instant;

/// (label, family, type, level, name, value set; None = read-only)
type Row = (&'static str, i32, i32, i32, i32, Option<i32>);

const INTS: &[Row] = &[
    ("SO_REUSEADDR", AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, Some(1)),
    ("SO_REUSEPORT", AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEPORT, Some(1)),
    ("SO_KEEPALIVE", AF_INET, SOCK_STREAM, SOL_SOCKET, SO_KEEPALIVE, Some(1)),
    ("SO_RCVBUF", AF_INET, SOCK_STREAM, SOL_SOCKET, SO_RCVBUF, Some(65536)),
    ("SO_SNDBUF", AF_INET, SOCK_STREAM, SOL_SOCKET, SO_SNDBUF, Some(65536)),
    ("SO_RCVLOWAT", AF_INET, SOCK_STREAM, SOL_SOCKET, SO_RCVLOWAT, Some(10)),
    ("SO_BROADCAST", AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_BROADCAST, Some(1)),
    ("SO_OOBINLINE", AF_INET, SOCK_STREAM, SOL_SOCKET, SO_OOBINLINE, Some(1)),
    ("SO_TIMESTAMP", AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_TIMESTAMP, Some(1)),
    ("SO_PRIORITY", AF_INET, SOCK_STREAM, SOL_SOCKET, SO_PRIORITY, Some(5)),
    ("SO_ERROR", AF_INET, SOCK_STREAM, SOL_SOCKET, SO_ERROR, None),
    ("SO_TYPE", AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_TYPE, None),
    ("SO_DOMAIN", AF_INET6, SOCK_STREAM, SOL_SOCKET, SO_DOMAIN, None),
    ("SO_PROTOCOL", AF_INET, SOCK_STREAM, SOL_SOCKET, SO_PROTOCOL, None),
    ("SO_ACCEPTCONN", AF_INET, SOCK_STREAM, SOL_SOCKET, SO_ACCEPTCONN, None),
    ("TCP_NODELAY", AF_INET, SOCK_STREAM, IPPROTO_TCP, TCP_NODELAY, Some(1)),
    ("TCP_KEEPIDLE", AF_INET, SOCK_STREAM, IPPROTO_TCP, TCP_KEEPIDLE, Some(30)),
    ("TCP_KEEPINTVL", AF_INET, SOCK_STREAM, IPPROTO_TCP, TCP_KEEPINTVL, Some(7)),
    ("TCP_KEEPCNT", AF_INET, SOCK_STREAM, IPPROTO_TCP, TCP_KEEPCNT, Some(4)),
    ("TCP_USER_TIMEOUT", AF_INET, SOCK_STREAM, IPPROTO_TCP, TCP_USER_TIMEOUT, Some(5000)),
    ("TCP_QUICKACK", AF_INET, SOCK_STREAM, IPPROTO_TCP, TCP_QUICKACK, Some(1)),
    ("TCP_CORK", AF_INET, SOCK_STREAM, IPPROTO_TCP, TCP_CORK, Some(1)),
    ("TCP_MAXSEG", AF_INET, SOCK_STREAM, IPPROTO_TCP, TCP_MAXSEG, Some(1200)),
    ("TCP_FASTOPEN", AF_INET, SOCK_STREAM, IPPROTO_TCP, TCP_FASTOPEN, Some(5)),
    ("IP_TTL", AF_INET, SOCK_DGRAM, IPPROTO_IP, IP_TTL, Some(33)),
    ("IP_TOS", AF_INET, SOCK_DGRAM, IPPROTO_IP, IP_TOS, Some(16)),
    ("IP_MULTICAST_TTL", AF_INET, SOCK_DGRAM, IPPROTO_IP, IP_MULTICAST_TTL, Some(4)),
    ("IP_MULTICAST_LOOP", AF_INET, SOCK_DGRAM, IPPROTO_IP, IP_MULTICAST_LOOP, Some(0)),
    ("IP_PKTINFO", AF_INET, SOCK_DGRAM, IPPROTO_IP, IP_PKTINFO, Some(1)),
    ("IP_RECVTOS", AF_INET, SOCK_DGRAM, IPPROTO_IP, IP_RECVTOS, Some(1)),
    ("IPV6_V6ONLY", AF_INET6, SOCK_STREAM, IPPROTO_IPV6, IPV6_V6ONLY, Some(1)),
    ("IPV6_UNICAST_HOPS", AF_INET6, SOCK_DGRAM, IPPROTO_IPV6, IPV6_UNICAST_HOPS, Some(9)),
    ("IPV6_MULTICAST_HOPS", AF_INET6, SOCK_DGRAM, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, Some(3)),
    ("IPV6_MULTICAST_LOOP", AF_INET6, SOCK_DGRAM, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, Some(0)),
    ("IPV6_RECVPKTINFO", AF_INET6, SOCK_DGRAM, IPPROTO_IPV6, IPV6_RECVPKTINFO, Some(1)),
    ("IPV6_TCLASS", AF_INET6, SOCK_DGRAM, IPPROTO_IPV6, IPV6_TCLASS, Some(32)),
];

fn main() {
    for &(label, family, ty, level, name, value) in INTS {
        let s = socket(family, ty, 0).unwrap();
        if let Some(v) = value {
            s.setsockopt(level, name, v).unwrap_or_else(|e| panic!("{label}: {e}"));
            // A wrong-sized value never reaches the OS.
            let e = expect_err(s.setsockopt(level, name, &[1u8, 0][..]), "OSError");
            assert_eq!(e.errno(), Some(errno::EINVAL), "{label} short value");
        } else {
            let e = expect_err(s.setsockopt(level, name, 1), "OSError");
            assert_eq!(e.errno(), Some(errno::ENOPROTOOPT), "{label} is read-only");
        }
        let got = s.getsockopt(level, name).unwrap();
        println!("row {label} {family} {ty} {level} {name} {} {got}", value.map_or("-".to_string(), |v| v.to_string()));
    }
    // Struct-valued options, as bytes.
    let t = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    let linger: Vec<u8> = [1i32, 5].iter().flat_map(|v| v.to_ne_bytes()).collect();
    t.setsockopt(SOL_SOCKET, SO_LINGER, linger.clone()).unwrap();
    println!("bytes SO_LINGER {} {}", hex(&linger), hex(&t.getsockopt_bytes(SOL_SOCKET, SO_LINGER, 8).unwrap()));
    let e = expect_err(t.setsockopt(SOL_SOCKET, SO_LINGER, 1), "OSError");
    report("linger_as_int", e.errno().unwrap());
    let tv: Vec<u8> = [1i64, 500_000].iter().flat_map(|v| v.to_ne_bytes()).collect();
    t.setsockopt(SOL_SOCKET, SO_SNDTIMEO, tv.clone()).unwrap();
    println!("bytes SO_SNDTIMEO {} {}", hex(&tv), hex(&t.getsockopt_bytes(SOL_SOCKET, SO_SNDTIMEO, 16).unwrap()));
    t.connect(("127.0.0.1", capsock_test_guests::arg::<u16>(0))).unwrap();
    let info = t.getsockopt_bytes(IPPROTO_TCP, TCP_INFO, 104).unwrap();
    report("tcp_info_len", info.len());
    report("tcp_info_state", info[0]); // 1 = TCP_ESTABLISHED
    report("acceptconn_after_listen", {
        let l = socket(AF_INET, SOCK_STREAM, 0).unwrap();
        l.bind(("127.0.0.1", 0)).unwrap();
        l.listen(1).unwrap();
        l.getsockopt(SOL_SOCKET, SO_ACCEPTCONN).unwrap()
    });
    // SO_RCVTIMEO on a blocking socket: Linux's EAGAIN after the time,
    // not Python's TimeoutError.
    let rcv: Vec<u8> = [0i64, 200_000].iter().flat_map(|v| v.to_ne_bytes()).collect();
    t.setsockopt(SOL_SOCKET, SO_RCVTIMEO, rcv).unwrap();
    let t0 = Instant::now();
    let e = expect_err(t.recv(10), "BlockingIOError");
    report("rcvtimeo_errno", e.errno().unwrap());
    report("rcvtimeo_ms", t0.elapsed().as_millis());
    // getsockopt's buflen bound is Python's: 0 < buflen <= 1024.
    expect_err(t.getsockopt_bytes(IPPROTO_TCP, TCP_INFO, 2000), "OSError");
    report("unknown_get", expect_err(t.getsockopt(SOL_SOCKET, 9999), "OSError").errno().unwrap());
}
