//! MSG_* flags: PEEK leaves data, WAITALL fills, DONTWAIT raises
//! BlockingIOError, OOB arrives as urgent data. Args: PORT
use capsock::{AF_INET, MSG_DONTWAIT, MSG_OOB, MSG_PEEK, MSG_WAITALL, SOCK_STREAM, socket};
use capsock_test_guests::{arg, expect_err, report};
use std::time::{Duration, Instant};

fn main() {
    let port: u16 = arg(0);
    let s = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    s.connect(("127.0.0.1", port)).unwrap();
    s.sendall(b"go").unwrap();
    report("peek", String::from_utf8(s.recv_with_flags(5, MSG_PEEK).unwrap()).unwrap());
    report("after_peek", String::from_utf8(s.recv(5).unwrap()).unwrap());
    // The peer sends "abc", waits, then "def": WAITALL returns all six.
    report("waitall", String::from_utf8(s.recv_with_flags(6, MSG_WAITALL).unwrap()).unwrap());
    let e = expect_err(s.recv_with_flags(10, MSG_DONTWAIT), "BlockingIOError");
    report("dontwait", e.errno().unwrap());
    assert!(s.getblocking(), "MSG_DONTWAIT leaves the socket blocking");
    s.sendall(b"oob please").unwrap();
    // The urgent byte may trail the request: retry for a bounded while.
    let t0 = Instant::now();
    let urgent = loop {
        match s.recv_with_flags(1, MSG_OOB) {
            Ok(b) => break b,
            Err(e) if t0.elapsed() < Duration::from_secs(5) && matches!(e.errno(), Some(11) | Some(22)) => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("recv(MSG_OOB): {e}"),
        }
    };
    report("oob", String::from_utf8(urgent).unwrap());
}
