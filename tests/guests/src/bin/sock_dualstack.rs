//! A dual-stack listener (IPV6_V6ONLY off) accepts an IPv4 client, seen as
//! '::ffff:127.0.0.1'. Args: CONTROL_PORT
use capsock::{AF_INET, AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY, SOCK_STREAM, socket};
use capsock_test_guests::{arg, report};

fn main() {
    let control: u16 = arg(0);
    let l = socket(AF_INET6, SOCK_STREAM, 0).unwrap();
    l.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0).unwrap();
    report("v6only", l.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY).unwrap());
    l.bind(("::", 0)).unwrap();
    l.listen(1).unwrap();
    let port = l.getsockname().unwrap().port().unwrap();
    let ctl = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    ctl.connect(("127.0.0.1", control)).unwrap();
    ctl.sendall(format!("{port}\n").as_bytes()).unwrap();
    let (c, peer) = l.accept().unwrap();
    report("peer", peer);
    report("data", String::from_utf8(c.recv(16).unwrap()).unwrap());
}
