//! Connects and blocks in `recv()` until the peer closes. Args: HOST PORT
use capsock::{SOCK_STREAM, socket};
use capsock_test_guests::{arg, family_of};

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);
    let s = socket(family_of(&host), SOCK_STREAM, 0).unwrap();
    s.connect((host.as_str(), port)).unwrap();
    assert_eq!(s.recv(16).unwrap(), b"", "expected EOF");
}
