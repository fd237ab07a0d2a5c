//! Latency and loss on the path (a network namespace whose link delays and
//! drops packets): a 4 MiB `sendall` through a native echo peer arrives
//! intact, a 0.1 s timeout on an idle connection fires, and the link's
//! delay does not trip a 2 s one.
//! Args: HOST PORT BYTES ROUNDS
use capsock::{SHUT_WR, SOCK_STREAM, socket};
use capsock_test_guests::{Pattern, arg, expect_err, family_of, hex, report};
use sha2::{Digest, Sha256};
use std::time::Instant;

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);
    let bytes: usize = arg(2);
    let rounds: usize = arg(3);
    let family = family_of(&host);

    // Bulk: send the pattern while reading the echo back, so neither side's
    // buffers must hold it all; the echo is hashed as it arrives.
    let s = socket(family, SOCK_STREAM, 0).unwrap();
    s.settimeout(Some(30.0)).unwrap();
    s.connect((host.as_str(), port)).unwrap();
    s.sendall(b"E").unwrap();
    let mut pattern = Pattern::new(7);
    let mut sent = Sha256::new();
    let mut echoed = Sha256::new();
    let mut chunk = vec![0u8; 64 << 10];
    let (mut out, mut back) = (0usize, 0usize);
    while out < bytes {
        let n = chunk.len().min(bytes - out);
        pattern.fill(&mut chunk[..n]);
        s.sendall(&chunk[..n]).unwrap();
        sent.update(&chunk[..n]);
        out += n;
        // Drain what has come back so far, without waiting for it.
        s.setblocking(false).unwrap();
        for _ in 0..64 {
            match s.recv(1 << 20) {
                Ok(d) if d.is_empty() => panic!("echo peer closed after {back} bytes"),
                Ok(d) => {
                    back += d.len();
                    echoed.update(&d);
                }
                Err(e) if e.is_blocking() => break,
                Err(e) => panic!("recv: {e}"),
            }
        }
        s.settimeout(Some(30.0)).unwrap();
    }
    s.shutdown(SHUT_WR).unwrap();
    for _ in 0..100_000 {
        let d = s.recv(1 << 20).unwrap();
        if d.is_empty() {
            break;
        }
        back += d.len();
        echoed.update(&d);
    }
    report("sent_bytes", out);
    report("sent_sha", hex(&sent.finalize()));
    report("echo_bytes", back);
    report("echo_sha", hex(&echoed.finalize()));
    s.close().unwrap();

    // Timeouts: on a connection that starts with `P` the peer answers each
    // `?` with `!` and never sends unasked, so a recv with nothing asked must time out.
    let s = socket(family, SOCK_STREAM, 0).unwrap();
    s.settimeout(Some(30.0)).unwrap();
    s.connect((host.as_str(), port)).unwrap();
    s.sendall(b"P").unwrap();
    s.settimeout(Some(0.1)).unwrap();
    let t0 = Instant::now();
    let e = expect_err(s.recv(10), "TimeoutError");
    report("short_timeout_ms", t0.elapsed().as_millis());
    report("short_timeout_str", &e);
    s.settimeout(Some(2.0)).unwrap();
    let mut slowest = 0;
    for i in 0..rounds {
        let t0 = Instant::now();
        s.sendall(b"?").unwrap();
        let d = s.recv(10).unwrap_or_else(|e| panic!("round {i}: {} {e}", e.exception()));
        assert_eq!(d, b"!", "round {i}");
        slowest = slowest.max(t0.elapsed().as_millis());
    }
    report("rounds", rounds);
    report("slowest_round_ms", slowest);
}
