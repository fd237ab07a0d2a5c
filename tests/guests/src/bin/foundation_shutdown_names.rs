//! `shutdown(SHUT_WR)` gives the peer EOF while the guest still reads; the
//! guest's names match what the native side sees. Args: HOST PORT
use capsock::{SHUT_WR, SOCK_STREAM, socket};
use capsock_test_guests::{arg, family_of, report};

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);
    let s = socket(family_of(&host), SOCK_STREAM, 0).unwrap();
    s.connect((host.as_str(), port)).unwrap();
    report("laddr", s.getsockname().unwrap());
    report("raddr", s.getpeername().unwrap());
    s.sendall(b"request").unwrap();
    s.shutdown(SHUT_WR).unwrap();
    let mut reply = Vec::new();
    loop {
        let chunk = s.recv(1024).unwrap();
        if chunk.is_empty() {
            break;
        }
        reply.extend_from_slice(&chunk);
    }
    report("reply", String::from_utf8(reply).unwrap());
}
