//! A peer that stops reading: `sendall` of far more than the socket buffers
//! hold raises `TimeoutError` once the timeout passes, and non-blocking
//! `send`s then take what still fits and raise `BlockingIOError` (EAGAIN).
//! Args: HOST PORT MIB
use capsock::{SOCK_STREAM, socket};
use capsock_test_guests::{arg, expect_err, family_of, report};
use std::time::Instant;

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);
    let mib: usize = arg(2);

    let s = socket(family_of(&host), SOCK_STREAM, 0).unwrap();
    s.settimeout(Some(10.0)).unwrap();
    s.connect((host.as_str(), port)).unwrap();
    s.settimeout(Some(0.5)).unwrap();
    let data = vec![0x5au8; mib << 20];
    let t0 = Instant::now();
    let e = expect_err(s.sendall(&data), "TimeoutError");
    report("sendall_ms", t0.elapsed().as_millis());
    report("sendall_str", &e);
    report("sendall_errno", format!("{:?}", e.errno()));

    // The kernel signals writability only once a good part of the send
    // buffer is free, so a timed-out sendall can leave some room: a
    // non-blocking send takes what fits, then raises BlockingIOError.
    s.setblocking(false).unwrap();
    let t0 = Instant::now();
    let mut accepted = 0usize;
    let mut sends = 0;
    let e = loop {
        sends += 1;
        assert!(sends <= 1024, "non-blocking sends took {accepted} bytes and never raised");
        match s.send(&data[..65536]) {
            Ok(n) => accepted += n,
            Err(e) => break e,
        }
    };
    assert_eq!(e.exception(), "BlockingIOError", "{e}");
    report("nonblocking_ms", t0.elapsed().as_millis());
    report("nonblocking_accepted", accepted);
    report("nonblocking_errno", e.errno().unwrap());
    report("nonblocking_str", &e);
    // Full now: the very next one raises too.
    let e = expect_err(s.send(b"x"), "BlockingIOError");
    report("nonblocking_again_errno", e.errno().unwrap());
}
