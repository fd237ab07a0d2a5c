//! A guest must never share a port with a socket outside itself: with
//! `SO_REUSEPORT` (TCP) or `SO_REUSEADDR` (UDP) it once joined a native
//! service's port and took its connections and datagrams. A server restart
//! over `TIME_WAIT` with `SO_REUSEADDR` (what Python's servers do) still
//! works. Args: TCP_PORT UDP_PORT of the native services.
use capsock::{AF_INET, SO_REUSEADDR, SO_REUSEPORT, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, socket};
use capsock_test_guests::{arg, report};

fn main() {
    let (tcp, udp): (u16, u16) = (arg(0), arg(1));
    let s = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1).unwrap();
    report("held_reuseport", s.getsockopt(SOL_SOCKET, SO_REUSEPORT).unwrap());
    report("tcp_reuseport", s.bind(("127.0.0.1", tcp)).err().and_then(|e| e.errno()).unwrap_or(0));
    let u = socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    u.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1).unwrap();
    report("udp_reuseaddr", u.bind(("127.0.0.1", udp)).err().and_then(|e| e.errno()).unwrap_or(0));

    // A server restarted on its port while a connection of the first run
    // is in TIME_WAIT (the server closed first).
    let l1 = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    l1.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1).unwrap();
    l1.bind(("127.0.0.1", 0)).unwrap();
    l1.listen(4).unwrap();
    let port = l1.getsockname().unwrap().port().unwrap();
    let c = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    c.connect(("127.0.0.1", port)).unwrap();
    let (a, _) = l1.accept().unwrap();
    a.close().unwrap();
    let _ = c.recv(1);
    c.close().unwrap();
    l1.close().unwrap();
    let l2 = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    l2.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1).unwrap();
    report(
        "restart",
        match l2.bind(("127.0.0.1", port)) {
            Ok(()) => "ok".to_string(),
            Err(e) => e.to_string(),
        },
    );
    report("restart_reuseaddr", l2.getsockopt(SOL_SOCKET, SO_REUSEADDR).unwrap());
}
