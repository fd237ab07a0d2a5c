//! A request written in two segments: with TCP_NODELAY the reply comes
//! without Nagle's wait for the first segment's ACK.
//! Args: HOST PORT ROUNDS NODELAY(0|1)
use capsock::{IPPROTO_TCP, SOCK_STREAM, TCP_NODELAY, socket};
use capsock_test_guests::{arg, family_of, report};
use std::time::Instant;

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);
    let rounds: usize = arg(2);
    let nodelay: i32 = arg(3);
    let s = socket(family_of(&host), SOCK_STREAM, 0).unwrap();
    s.connect((host.as_str(), port)).unwrap();
    s.setsockopt(IPPROTO_TCP, TCP_NODELAY, nodelay).unwrap();
    report("nodelay", s.getsockopt(IPPROTO_TCP, TCP_NODELAY).unwrap());
    let mut times = Vec::new();
    for _ in 0..rounds {
        let t0 = Instant::now();
        s.send(b"GET /x HTTP/1.1\r\n").unwrap();
        s.send(b"Host: a\r\n\r\n").unwrap();
        let mut got = Vec::new();
        while !got.ends_with(b"\n") {
            let chunk = s.recv(64).unwrap();
            assert!(!chunk.is_empty(), "server closed");
            got.extend_from_slice(&chunk);
        }
        times.push(t0.elapsed().as_micros());
    }
    times.sort();
    report("median_us", times[times.len() / 2]);
    report("max_us", times[times.len() - 1]);
}
