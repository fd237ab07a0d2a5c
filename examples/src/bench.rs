//! capsock's benchmark: the same workloads from a native client and from a
//! guest, in one run, reported as ratios (absolute times on a shared 2-core
//! VM vary run to run; ratios within a run do not).
//!
//! Run with `cargo run --release -p capsock-examples --bin bench`.

use capsock_host::{Policy, RunOptions, Runtime};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Instant;
use wasmtime::PoolingAllocationConfig;

include!(concat!(env!("OUT_DIR"), "/guests.rs"));

const ROUNDS: usize = 20_000;
const MIB: usize = 512;

/// An echo server (rtt) or a sink that acknowledges EOF (bulk) for one client.
fn server(mode: &'static str) -> (u16, thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_nodelay(true).unwrap();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            if mode == "rtt" {
                s.write_all(&buf[..n]).unwrap();
            }
        }
    });
    (port, h)
}

fn native(mode: &'static str, n: usize) -> f64 {
    let (port, h) = server(mode);
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_nodelay(true).unwrap();
    let t0 = Instant::now();
    if mode == "rtt" {
        let mut buf = [0u8; 32];
        for _ in 0..n {
            s.write_all(&[7u8; 32]).unwrap();
            s.read_exact(&mut buf).unwrap();
        }
    } else {
        let chunk = vec![1u8; 1 << 20];
        for _ in 0..n {
            s.write_all(&chunk).unwrap();
        }
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let _ = s.read(&mut [0u8; 16]);
    }
    let t = t0.elapsed().as_secs_f64();
    drop(s);
    h.join().unwrap();
    t
}

fn guest(rt: &tokio::runtime::Runtime, runtime: &Runtime, mode: &'static str, n: usize) -> f64 {
    let path = GUESTS.iter().find(|(g, _)| *g == "bench_client").unwrap().1;
    let g = runtime.load_file(path).unwrap();
    let (port, h) = server(mode);
    let policy = Policy::from_rules([format!("connect tcp://127.0.0.1:{port}").as_str()], []).unwrap();
    let opts = ["127.0.0.1".to_string(), port.to_string(), n.to_string()]
        .into_iter()
        .fold(RunOptions::new(policy).capture().arg(mode), |o, a| o.arg(a));
    let exit = rt.block_on(runtime.run(&g, opts)).unwrap();
    h.join().unwrap();
    let out = String::from_utf8_lossy(&exit.stdout);
    let us: f64 = out.trim().strip_prefix("elapsed_us=").expect("guest reports its time").parse().unwrap();
    us / 1e6
}

/// Seconds per run of a guest that exits at once: instantiation from the
/// pre-instantiated guest, `wasi:cli/run`, teardown.
fn instances(rt: &tokio::runtime::Runtime, runtime: &Runtime, n: usize) -> f64 {
    let path = GUESTS.iter().find(|(g, _)| *g == "noop").unwrap().1;
    let g = runtime.load_file(path).unwrap();
    let t0 = Instant::now();
    for _ in 0..n {
        let exit = rt.block_on(runtime.run(&g, RunOptions::new(Policy::deny_all()).capture())).unwrap();
        assert_eq!(exit.code, 0);
    }
    t0.elapsed().as_secs_f64() / n as f64
}

fn main() {
    let runtime = Runtime::new().unwrap();
    let runtimes = [
        (
            "multi-thread, 2 workers",
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap(),
        ),
        ("current-thread", tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()),
    ];
    // Warm up both paths (page cache, CPU frequency, the guest's compile).
    native("rtt", 1000);
    guest(&runtimes[0].1, &runtime, "rtt", 1000);
    // Instantiation: the default allocator against wasmtime's pooling
    // allocator, both from a pre-instantiated guest.
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(64).total_core_instances(512).total_memories(128).total_tables(256);
    pool.max_memory_size(1 << 30);
    let pooled = Runtime::builder().pooling(pool).build().unwrap();
    let current = &runtimes[1].1;
    instances(current, &runtime, 20);
    instances(current, &pooled, 20);
    let (d, p) = (instances(current, &runtime, 200), instances(current, &pooled, 200));
    println!(
        "{:<64} {:>12} {:>12} {:>8}",
        "guest start (instantiate + run + teardown)", "on demand", "pooling", "ratio"
    );
    println!("{:<64} {:>9.0} µs {:>9.0} µs {:>7.2}x", "a guest that exits at once, 200x", d * 1e6, p * 1e6, p / d);
    println!("{:<64} {:>12} {:>12} {:>8}", "workload (tokio runtime running the guest)", "native", "guest", "ratio");
    for (label, rt) in &runtimes {
        let (n, g) = (native("rtt", ROUNDS), guest(rt, &runtime, "rtt", ROUNDS));
        println!(
            "{:<64} {:>9.1} µs {:>9.1} µs {:>7.2}x",
            format!("TCP round trip, 32 B, {ROUNDS}x ({label})"),
            n / ROUNDS as f64 * 1e6,
            g / ROUNDS as f64 * 1e6,
            g / n
        );
        let (n, g) = (native("bulk", MIB), guest(rt, &runtime, "bulk", MIB));
        println!(
            "{:<64} {:>7.0} MiB/s {:>7.0} MiB/s {:>7.2}x",
            format!("TCP bulk send, 1 MiB writes, {MIB} MiB ({label})"),
            MIB as f64 / n,
            MIB as f64 / g,
            g / n
        );
    }
}
