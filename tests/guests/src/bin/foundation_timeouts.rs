//! Blocking modes: a timeout raises TimeoutError after (not before) it
//! passes; non-blocking raises BlockingIOError; a closed port refuses.
//! Args: HOST IDLE_PORT CLOSED_PORT
use capsock::{SOCK_STREAM, socket};
use capsock_test_guests::{arg, expect_err, family_of, report};
use std::time::Instant;

fn main() {
    let host: String = arg(0);
    let idle: u16 = arg(1);
    let closed: u16 = arg(2);
    let family = family_of(&host);

    let s = socket(family, SOCK_STREAM, 0).unwrap();
    s.connect((host.as_str(), idle)).unwrap();
    s.settimeout(Some(0.3)).unwrap();
    assert_eq!(s.gettimeout(), Some(0.3));
    let t0 = Instant::now();
    let e = expect_err(s.recv(10), "TimeoutError");
    report("timeout_ms", t0.elapsed().as_millis());
    report("timeout_str", &e);
    assert_eq!(e.errno(), None);

    s.setblocking(false).unwrap();
    assert_eq!(s.gettimeout(), Some(0.0));
    assert!(!s.getblocking());
    let t0 = Instant::now();
    let e = expect_err(s.recv(10), "BlockingIOError");
    report("nonblocking_errno", e.errno().unwrap());
    report("nonblocking_ms", t0.elapsed().as_millis());

    let c = socket(family, SOCK_STREAM, 0).unwrap();
    let e = expect_err(c.connect((host.as_str(), closed)), "ConnectionRefusedError");
    report("refused_errno", e.errno().unwrap());
    report("refused_str", &e);
    let c = socket(family, SOCK_STREAM, 0).unwrap();
    report("connect_ex", c.connect_ex((host.as_str(), closed)).unwrap());
}
