//! The std::net benchmark workloads, compiled twice from this one file:
//! natively into the bench (the limit) and as the `bench_std_net` guest
//! (wasm32-wasip2, wasi:sockets), so both sides run the same code.
//!
//! Each returns the seconds its `n` operations took.

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::time::Instant;

/// `n` round trips of 32 bytes on one connection (TCP_NODELAY asked for;
/// wasi-libc only pretends to set it).
pub fn rtt(port: u16, n: usize) -> f64 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let _ = s.set_nodelay(true);
    let mut buf = [0u8; 32];
    let t0 = Instant::now();
    for _ in 0..n {
        s.write_all(&[7u8; 32]).unwrap();
        s.read_exact(&mut buf).unwrap();
    }
    t0.elapsed().as_secs_f64()
}

/// `n` requests each written in two writes, answered by one line.
pub fn two_writes(port: u16, n: usize) -> f64 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let _ = s.set_nodelay(true);
    let mut buf = [0u8; 3];
    let t0 = Instant::now();
    for _ in 0..n {
        s.write_all(b"GET ").unwrap();
        s.write_all(b"/x\n").unwrap();
        s.read_exact(&mut buf).unwrap();
    }
    t0.elapsed().as_secs_f64()
}

/// `n` MiB sent in 64 KiB writes, then the peer's acknowledgement of EOF.
pub fn bulk(port: u16, n: usize) -> f64 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let chunk = vec![1u8; 64 << 10];
    let t0 = Instant::now();
    for _ in 0..n * 16 {
        s.write_all(&chunk).unwrap();
    }
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let _ = s.read(&mut [0u8; 16]);
    t0.elapsed().as_secs_f64()
}

/// `n` MiB received (the peer sends, then closes).
pub fn bulk_recv(port: u16, n: usize) -> f64 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut buf = vec![0u8; 64 << 10];
    let t0 = Instant::now();
    s.write_all(&(n as u32).to_be_bytes()).unwrap();
    let mut got = 0usize;
    while got < n << 20 {
        let k = s.read(&mut buf).unwrap();
        assert!(k > 0, "the peer closed early");
        got += k;
    }
    t0.elapsed().as_secs_f64()
}

/// `n` sequential connect + close.
pub fn connects(port: u16, n: usize) -> f64 {
    let t0 = Instant::now();
    for _ in 0..n {
        drop(TcpStream::connect(("127.0.0.1", port)).unwrap());
    }
    t0.elapsed().as_secs_f64()
}

/// `n` 64-byte UDP round trips on a connected socket (`connected`) or
/// with send_to/recv_from.
pub fn udp(port: u16, n: usize, connected: bool) -> f64 {
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let peer = ("127.0.0.1", port);
    if connected {
        u.connect(peer).unwrap();
    }
    let mut buf = [0u8; 64];
    let t0 = Instant::now();
    for _ in 0..n {
        if connected {
            u.send(&[5u8; 64]).unwrap();
            u.recv(&mut buf).unwrap();
        } else {
            u.send_to(&[5u8; 64], peer).unwrap();
            u.recv_from(&mut buf).unwrap();
        }
    }
    t0.elapsed().as_secs_f64()
}

/// Run workload `mode` (the names above, `udp_sendto` for the unconnected
/// UDP one).
pub fn run(mode: &str, port: u16, n: usize) -> f64 {
    match mode {
        "rtt" => rtt(port, n),
        "two_writes" => two_writes(port, n),
        "bulk" => bulk(port, n),
        "bulk_recv" => bulk_recv(port, n),
        "connects" => connects(port, n),
        "udp" => udp(port, n, true),
        "udp_sendto" => udp(port, n, false),
        m => panic!("unknown workload {m}"),
    }
}
