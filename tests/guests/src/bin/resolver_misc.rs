//! socketpair's AF_INET fallback, create_server, the default timeout on
//! new sockets, has_ipv6.

use capsock::{AF_INET, AF_INET6, SOCK_STREAM};
use capsock_test_guests::report;

fn main() {
    capsock::setdefaulttimeout(Some(7.5)).unwrap();
    let (a, b) = capsock::socketpair(AF_INET, SOCK_STREAM, 0).unwrap();
    a.sendall(b"ping").unwrap();
    report("pair", String::from_utf8_lossy(&b.recv(10).unwrap()));
    report("pair_family", a.family());
    // As Python's fallback: the accepted end gets the default timeout, the
    // connecting end was made blocking.
    report("pair_timeouts", format!("{:?} {:?}", a.gettimeout(), b.gettimeout()));
    let e = capsock::socketpair(AF_INET, capsock::SOCK_DGRAM, 0).unwrap_err();
    report("pair_dgram", e.exception());

    let srv = capsock::create_server(("127.0.0.1", 0), AF_INET, None, false, false).unwrap();
    let addr = srv.getsockname().unwrap();
    let c = capsock::create_connection(&addr, None, None).unwrap();
    let (conn, _) = srv.accept().unwrap();
    c.sendall(b"served").unwrap();
    report("server", String::from_utf8_lossy(&conn.recv(10).unwrap()));
    report("server_reuseaddr", srv.getsockopt(capsock::SOL_SOCKET, capsock::SO_REUSEADDR).unwrap());
    report("conn_timeout", format!("{:?}", c.gettimeout()));
    let e = capsock::create_server(("127.0.0.1", 0), AF_INET, None, false, true).unwrap_err();
    report("dualstack_v4", e);
    let v6 = capsock::create_server(("::1", 0), AF_INET6, Some(5), false, false).unwrap();
    report("v6only", v6.getsockopt(capsock::IPPROTO_IPV6, capsock::IPV6_V6ONLY).unwrap());
    report("has_ipv6", capsock::has_ipv6());
}
