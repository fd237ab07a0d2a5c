//! The guest side of `capsock-examples`' benchmark.
//!
//! Usage: bench_client rtt HOST PORT ROUNDS — request/response round trips
//!        bench_client bulk HOST PORT MIB   — one-way bulk send
//!        bench_client tls_handshakes HOST PORT N — N TLS connections (handshake, close)
//!        bench_client tls_bulk HOST PORT MIB — one-way bulk send over TLS
//! TLS modes trust `CA_PEM` (environment) and verify `bench.test`.
//! Prints `elapsed_us=N`.
use capsock::ssl::{SSLContext, create_default_context};
use capsock::{AF_INET, IPPROTO_TCP, SHUT_WR, SOCK_STREAM, TCP_NODELAY, socket};
use std::time::Instant;

fn tls_context() -> Result<SSLContext, capsock::Error> {
    let mut ctx = create_default_context()?;
    ctx.load_verify_locations(std::env::var("CA_PEM").unwrap_or_default().as_bytes())?;
    Ok(ctx)
}

fn tls(mode: &str, host: &str, port: u16, n: usize) -> Result<(), capsock::Error> {
    let ctx = tls_context()?;
    let t0 = Instant::now();
    if mode == "tls_handshakes" {
        for _ in 0..n {
            let s = socket(AF_INET, SOCK_STREAM, 0)?;
            s.connect((host, port))?;
            s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)?;
            let t = ctx.wrap_socket(s, false, Some("bench.test"))?;
            t.close()?;
        }
    } else {
        let s = socket(AF_INET, SOCK_STREAM, 0)?;
        s.connect((host, port))?;
        let t = ctx.wrap_socket(s, false, Some("bench.test"))?;
        let chunk = vec![1u8; 1 << 20];
        for _ in 0..n {
            t.sendall(&chunk)?;
        }
        t.shutdown(SHUT_WR)?;
        while !t.recv(16)?.is_empty() {}
    }
    println!("elapsed_us={}", t0.elapsed().as_micros());
    Ok(())
}

fn main() -> Result<(), capsock::Error> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, host, port, n) =
        (&args[1], &args[2], args[3].parse::<u16>().unwrap(), args[4].parse::<usize>().unwrap());
    if mode.starts_with("tls_") {
        return tls(mode, host, port, n);
    }
    let s = socket(AF_INET, SOCK_STREAM, 0)?;
    s.connect((host.as_str(), port))?;
    s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)?;
    let t0 = Instant::now();
    if mode == "rtt" {
        let mut buf = [0u8; 32];
        for _ in 0..n {
            s.sendall(&[7u8; 32])?;
            let mut got = 0;
            while got < 32 {
                got += s.recv_into(&mut buf[got..])?;
            }
        }
    } else {
        let chunk = vec![1u8; 1 << 20];
        for _ in 0..n {
            s.sendall(&chunk)?;
        }
        s.shutdown(SHUT_WR)?;
        while !s.recv(16)?.is_empty() {}
    }
    println!("elapsed_us={}", t0.elapsed().as_micros());
    Ok(())
}
