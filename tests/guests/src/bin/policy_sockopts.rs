//! The socket-option allowlist. Args: UDP_PORT GRANTED(0|1)
use capsock::{
    AF_INET, IP_TOS, IPPROTO_IP, IPPROTO_TCP, SO_MARK, SO_PRIORITY, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, TCP_CORK,
    TCP_NODELAY, socket,
};
use capsock_test_guests::{arg, expect_err, report};

fn main() {
    let port: u16 = arg(0);
    let granted: u8 = arg(1);
    let u = socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    u.setsockopt(IPPROTO_IP, IP_TOS, 0x28).unwrap();
    report("tos", u.getsockopt(IPPROTO_IP, IP_TOS).unwrap());
    u.sendto(b"tos", ("127.0.0.1", port)).unwrap();
    let t = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    if granted == 1 {
        t.setsockopt(SOL_SOCKET, SO_MARK, 7).unwrap();
        report("mark", t.getsockopt(SOL_SOCKET, SO_MARK).unwrap());
    } else {
        let e = expect_err(t.setsockopt(SOL_SOCKET, SO_MARK, 7), "PermissionError");
        report("mark", format!("{} | {}", e, e.rule().unwrap_or("-")));
    }
    let e = expect_err(t.setsockopt(SOL_SOCKET, SO_PRIORITY, 7), "PermissionError");
    report("priority7", &e);
    t.setsockopt(SOL_SOCKET, SO_PRIORITY, 3).unwrap();
    report("priority3", t.getsockopt(SOL_SOCKET, SO_PRIORITY).unwrap());
    let e = expect_err(t.setsockopt(SOL_SOCKET, 9999, 1), "OSError");
    report("unknown", e.errno().unwrap());
    let e = expect_err(t.setsockopt(IPPROTO_TCP, TCP_NODELAY, &b"\x01"[..]), "OSError");
    report("short_value", e.errno().unwrap());
    let e = expect_err(t.setsockopt(IPPROTO_TCP, TCP_CORK, 1), "PermissionError");
    report("denied_cork", e.rule().unwrap_or("-"));
}
