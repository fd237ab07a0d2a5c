//! Guest TCP client ↔ native echo server: bytes round-trip unchanged.
//! Args: HOST PORT MESSAGES
use capsock::{SHUT_WR, SOCK_STREAM, socket};
use capsock_test_guests::{arg, family_of, report};

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);
    let count: usize = arg(2);
    let s = socket(family_of(&host), SOCK_STREAM, 0).unwrap();
    s.connect((host.as_str(), port)).unwrap();
    // Before the close handshake: afterwards Linux says ENOTCONN.
    report("laddr", s.getsockname().unwrap());
    report("raddr", s.getpeername().unwrap());
    let mut total = 0;
    for i in 0..count {
        let msg = format!("message {i} from the guest {}", "x".repeat(i % 700));
        s.sendall(msg.as_bytes()).unwrap();
        let mut got = Vec::new();
        while got.len() < msg.len() {
            let chunk = s.recv(msg.len() - got.len()).unwrap();
            assert!(!chunk.is_empty(), "echo server closed early");
            got.extend_from_slice(&chunk);
        }
        assert_eq!(got, msg.as_bytes(), "echo differs at message {i}");
        total += msg.len();
    }
    s.shutdown(SHUT_WR).unwrap();
    assert_eq!(s.recv(16).unwrap(), b"", "expected EOF after SHUT_WR");
    report("echoed", total);
}
