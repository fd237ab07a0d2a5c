//! Each limit trips with its clear error and loses nothing done before it.
//! Args: PORT (a native echo server)
use capsock::{AF_INET, SOCK_STREAM, socket};
use capsock_test_guests::{arg, expect_err, report};

fn main() {
    let port: u16 = arg(0);
    // max_sockets = 6
    let mut held = Vec::new();
    for _ in 0..6 {
        held.push(socket(AF_INET, SOCK_STREAM, 0).unwrap());
    }
    let e = expect_err(socket(AF_INET, SOCK_STREAM, 0), "OSError");
    report("sockets_errno", e.errno().unwrap());
    report("sockets_msg", &e);
    held.clear();
    // max_connections = 2, max_connects_per_second = 3
    let c1 = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    c1.connect(("127.0.0.1", port)).unwrap();
    let c2 = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    c2.connect(("127.0.0.1", port)).unwrap();
    let c3 = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    let e = expect_err(c3.connect(("127.0.0.1", port)), "PermissionError");
    report("connections", format!("{} | {}", e, e.rule().unwrap_or("-")));
    c1.close().unwrap();
    c3.connect(("127.0.0.1", port)).unwrap();
    c2.close().unwrap();
    let c4 = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    let e = expect_err(c4.connect(("127.0.0.1", port)), "PermissionError");
    report("rate", format!("{} | {}", e, e.rule().unwrap_or("-")));
    // max_bytes_sent = 1000: a 2000-byte sendall sends 1000, then fails.
    let e = expect_err(c3.sendall(&[7u8; 2000]), "PermissionError");
    report("bytes_sent", format!("{} | {}", e, e.rule().unwrap_or("-")));
    // What was sent before the limit is echoed back in full.
    let mut got = 0;
    while got < 1000 {
        let chunk = c3.recv(4096).unwrap();
        assert!(!chunk.is_empty());
        got += chunk.len();
    }
    report("echoed_after_limit", got);
}
