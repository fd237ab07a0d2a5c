//! A guest's `SO_RCVTIMEO`/`SO_SNDTIMEO` of `i64::MAX` seconds: the host
//! once panicked adding it to the clock at the next blocking call. Now it
//! means "no deadline", and a send and a receive work.
use capsock::{AF_INET, SO_RCVTIMEO, SO_SNDTIMEO, SOCK_DGRAM, SOL_SOCKET, socket};
use capsock_test_guests::report;

fn main() {
    let s = socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    s.bind(("127.0.0.1", 0)).unwrap();
    let me = s.getsockname().unwrap();
    let mut tv = i64::MAX.to_ne_bytes().to_vec();
    tv.extend_from_slice(&0i64.to_ne_bytes());
    s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, tv.clone()).unwrap();
    s.setsockopt(SOL_SOCKET, SO_SNDTIMEO, tv).unwrap();
    s.sendto(b"ping", me).unwrap();
    report("echo", String::from_utf8_lossy(&s.recv(16).unwrap()));
}
