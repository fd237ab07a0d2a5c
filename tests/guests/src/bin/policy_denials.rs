//! Denials come from the policy before the OS is touched.
//! Args: BUSY_TCP_PORT UDP_PORT TCP_PORT
use capsock::{AF_INET, AF_INET6, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM, socket};
use capsock_test_guests::{arg, expect_err, report};

fn main() {
    let busy: u16 = arg(0);
    let udp: u16 = arg(1);
    let tcp: u16 = arg(2);
    // A native listener holds `busy`: an OS bind would say EADDRINUSE, so a
    // PermissionError proves the policy answered first.
    let s = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    let e = expect_err(s.bind(("127.0.0.1", busy)), "PermissionError");
    report("bind_busy", format!("{} | {}", e, e.rule().unwrap_or("-")));
    let e = expect_err(s.bind(("", 0)), "PermissionError");
    report("bind_wildcard", &e);
    // listen() on an unbound socket binds 0.0.0.0:<ephemeral>.
    let e = expect_err(s.listen(5), "PermissionError");
    report("implicit_listen", &e);
    let u = socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    let e = expect_err(u.sendto(b"never", ("127.0.0.1", udp)), "PermissionError");
    report("sendto", &e);
    let c = socket(AF_INET6, SOCK_STREAM, 0).unwrap();
    let e = expect_err(c.connect(("::ffff:127.0.0.1", tcp)), "PermissionError");
    report("connect_mapped", &e);
    let e = expect_err(socket(AF_INET, SOCK_RAW, 1), "PermissionError");
    report("raw", &e);
    let e = expect_err(socket(17, SOCK_RAW, 0), "PermissionError");
    report("packet", &e);
    let e = expect_err(socket(16, SOCK_DGRAM, 0), "PermissionError");
    report("netlink", &e);
    let e = expect_err(socket(12345, SOCK_STREAM, 0), "OSError");
    report("unknown_family", e.errno().unwrap());
    // What is granted still works after denials.
    let ok = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    ok.bind(("127.0.0.1", 0)).unwrap();
    ok.listen(1).unwrap();
    report("granted_listen", ok.getsockname().unwrap());
}
