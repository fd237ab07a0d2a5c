//! Rust's std::net (wasi:sockets) under the same policy.
//! Args: ALLOWED_PORT DENIED_PORT
use capsock_test_guests::{arg, report};
use std::io::Write;
use std::net::TcpStream;

fn main() {
    let allowed: u16 = arg(0);
    let denied: u16 = arg(1);
    let mut s = TcpStream::connect(("127.0.0.1", allowed)).unwrap();
    s.write_all(b"std").unwrap();
    match TcpStream::connect(("127.0.0.1", denied)) {
        Ok(_) => panic!("denied connect succeeded"),
        Err(e) => report("denied_kind", format!("{:?}", e.kind())),
    }
}
