//! The guest side of `capsock-examples`' benchmark.
//!
//! Usage: bench_client rtt HOST PORT ROUNDS — request/response round trips
//!        bench_client bulk HOST PORT MIB   — one-way bulk send
//! Prints `elapsed_us=N`.
use capsock::{AF_INET, IPPROTO_TCP, SHUT_WR, SOCK_STREAM, TCP_NODELAY, socket};
use std::time::Instant;

fn main() -> Result<(), capsock::Error> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, host, port, n) =
        (&args[1], &args[2], args[3].parse::<u16>().unwrap(), args[4].parse::<usize>().unwrap());
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
