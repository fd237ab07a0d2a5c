//! The std::net side of the benchmark as a wasm32-wasip2 guest: the same
//! workloads the bench runs natively (`examples/src/std_net_work.rs`).
//!
//! Usage: bench_std_net MODE PORT N. Prints `elapsed_us=N`.
#[path = "../../../src/std_net_work.rs"]
mod work;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, port, n) = (&args[1], args[2].parse::<u16>().unwrap(), args[3].parse::<usize>().unwrap());
    let t = work::run(mode, port, n);
    println!("elapsed_us={}", (t * 1e6) as u64);
}
