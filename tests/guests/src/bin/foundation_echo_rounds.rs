//! N request/response round trips against a native echo server.
//! Args: HOST PORT ROUNDS
use capsock::{IPPROTO_TCP, SOCK_STREAM, TCP_NODELAY, socket};
use capsock_test_guests::{arg, family_of, report};
use std::time::Instant;

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);
    let rounds: usize = arg(2);
    let s = socket(family_of(&host), SOCK_STREAM, 0).unwrap();
    s.connect((host.as_str(), port)).unwrap();
    s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1).unwrap();
    let mut buf = [0u8; 32];
    let t0 = Instant::now();
    for i in 0..rounds {
        let msg = [(i % 251) as u8; 32];
        s.sendall(&msg).unwrap();
        let mut got = 0;
        while got < 32 {
            let n = s.recv_into(&mut buf[got..]).unwrap();
            assert!(n > 0, "echo server closed");
            got += n;
        }
        assert_eq!(buf, msg);
    }
    report("rounds", rounds);
    report("elapsed_ms", t0.elapsed().as_millis());
}
