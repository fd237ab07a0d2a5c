//! capsock's benchmark: the same workloads from a native client and from a
//! guest, in one run, reported as ratios (absolute times on a shared 2-core
//! VM vary run to run; ratios within a run do not).
//!
//! Run with `cargo run --release -p capsock-examples --bin bench` (add
//! `-- python`, `-- tls` or `-- wasi` for those rows alone).

use capsock_host::python::BuildOptions;
use capsock_host::{Guest, Policy, RunOptions, Runtime};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use wasmtime::PoolingAllocationConfig;

include!(concat!(env!("OUT_DIR"), "/guests.rs"));

#[path = "std_net_work.rs"]
mod work;

const ROUNDS: usize = 20_000;
const MIB: usize = 512;

/// An echo server (rtt) or a sink that reads to EOF (bulk) for one client.
fn server(mode: &'static str) -> (u16, thread::JoinHandle<()>) {
    std_net_server(mode, 1)
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

/// A native HTTP/1.1 server for one keep-alive connection: every request
/// is answered with a 13-byte body until the client closes.
fn http_server() -> (u16, thread::JoinHandle<usize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        s.set_nodelay(true).unwrap();
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::new(s);
        let mut served = 0;
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return served;
            }
            if line == "\r\n" {
                w.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nhello, world\n").unwrap();
                served += 1;
            }
        }
    });
    (port, h)
}

fn elapsed_s(stdout: &[u8]) -> f64 {
    let out = String::from_utf8_lossy(stdout);
    let us: f64 =
        out.trim().strip_prefix("elapsed_us=").unwrap_or_else(|| panic!("no elapsed_us in {out:?}")).parse().unwrap();
    us / 1e6
}

/// Seconds for `n` sequential GETs by tests/python/http_get_loop.py: native
/// CPython (`guest` None) or a Python guest.
fn python_gets(rt: &tokio::runtime::Runtime, runtime: &Runtime, guest: Option<&Guest>, n: usize) -> f64 {
    let (port, h) = http_server();
    let args = ["127.0.0.1".to_string(), port.to_string(), n.to_string()];
    let t = match guest {
        None => {
            let out =
                Command::new("python3").arg(repo().join("tests/python/http_get_loop.py")).args(&args).output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            elapsed_s(&out.stdout)
        }
        Some(g) => {
            let policy = Policy::from_rules([format!("connect tcp://127.0.0.1:{port}").as_str()], []).unwrap();
            let opts =
                args.iter().fold(RunOptions::new(policy).capture().arg("http_get_loop"), |o, a| o.arg(a.clone()));
            let exit = rt.block_on(runtime.run(g, opts)).unwrap();
            assert_eq!(exit.code, 0, "{}", String::from_utf8_lossy(&exit.stderr));
            elapsed_s(&exit.stdout)
        }
    };
    assert_eq!(h.join().unwrap(), n);
    t
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// The Python rows (issue 12): HTTP GETs from a Python guest on capsock's
/// socket module, from native CPython, and from a guest left on CPython's
/// built-in `_socket` over wasi:sockets; then a Python guest's start-up and
/// memory per additional instance. On the current-thread runtime, as
/// `capsock run` runs a guest.
fn python_rows(rt: &tokio::runtime::Runtime, runtime: &'static Runtime) {
    let build = |builtin_socket| {
        let opts = BuildOptions {
            progress: true,
            search_dirs: vec![repo().join("examples/python")],
            builtin_socket,
            ..Default::default()
        };
        capsock_host::python::build(&repo().join("tests/python/main.py"), &opts)
    };
    let (capsock_py, builtin_py) = match (build(false), build(true)) {
        (Ok(a), Ok(b)) => (runtime.load_precompiled(&a.path).unwrap(), runtime.load_precompiled(&b.path).unwrap()),
        (Err(e), _) | (_, Err(e)) => {
            println!("Python rows skipped: {e}");
            return;
        }
    };
    const GETS: usize = 500;
    python_gets(rt, runtime, Some(&capsock_py), 50);
    python_gets(rt, runtime, Some(&builtin_py), 50);
    python_gets(rt, runtime, None, 50);
    let native = python_gets(rt, runtime, None, GETS);
    let ours = python_gets(rt, runtime, Some(&capsock_py), GETS);
    let builtin = python_gets(rt, runtime, Some(&builtin_py), GETS);
    println!(
        "{:<64} {:>12} {:>12} {:>12} {:>8} {:>8}",
        "Python (CPython 3.14 guest)", "native", "capsock", "wasi:sockets", "ratio", "ratio"
    );
    println!(
        "{:<64} {:>9.0} /s {:>9.0} /s {:>9.0} /s {:>7.2}x {:>7.2}x",
        format!("HTTP GET, http.client keep-alive, {GETS}x sequential"),
        GETS as f64 / native,
        GETS as f64 / ours,
        GETS as f64 / builtin,
        ours / native,
        builtin / native
    );
    // Start-up: a fresh instance of the cached, pre-instantiated guest runs
    // `sys.exit(0)` (the CPython snapshot is mapped, not re-initialised).
    let run = |g: &Guest| {
        let opts = RunOptions::new(Policy::deny_all()).capture().arg("exit_status").arg("0");
        assert_eq!(rt.block_on(runtime.run(g, opts)).unwrap().code, 0);
    };
    run(&capsock_py);
    let t0 = Instant::now();
    for _ in 0..20 {
        run(&capsock_py);
    }
    let start = t0.elapsed().as_secs_f64() / 20.0;
    let t0 = Instant::now();
    let out = Command::new("python3").arg(repo().join("tests/python/exit_status.py")).arg("0").output().unwrap();
    assert!(out.status.success());
    let native_start = t0.elapsed().as_secs_f64();
    println!(
        "{:<64} {:>9.1} ms {:>9.1} ms {:>12} {:>7.2}x",
        "start to exit: `sys.exit(0)` (native: a python3 process)",
        native_start * 1e3,
        start * 1e3,
        "",
        start / native_start
    );
    // Memory: K instances alive at once (each idle in a host-side wait).
    const K: usize = 8;
    let before = rss_kib();
    let during = rt.block_on(async {
        let handles: Vec<_> = (0..K)
            .map(|_| {
                let g = capsock_py.clone();
                tokio::spawn(async move {
                    let opts = RunOptions::new(Policy::deny_all()).capture().arg("idle").arg("3");
                    runtime.run(&g, opts).await.map(|e| e.code)
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let during = rss_kib();
        for h in handles {
            assert_eq!(h.await.unwrap().unwrap(), 0);
        }
        during
    });
    println!(
        "{:<64} {:>12} {:>9.1} MB",
        format!("memory per additional Python instance ({K} idle at once, RSS)"),
        "",
        during.saturating_sub(before) as f64 / K as f64 / 1024.0
    );
}

/// A test CA and a `bench.test` certificate it signed: (CA PEM, server config).
fn tls_pki() -> (String, Arc<rustls::ServerConfig>) {
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name.push(rcgen::DnType::CommonName, "capsock bench CA");
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let leaf = rcgen::CertificateParams::new(vec!["bench.test".to_string()]).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
        )
        .unwrap();
    (ca_pem, Arc::new(cfg))
}

/// A native rustls server: `conns` connections, each read to EOF (or
/// close_notify), then closed.
fn tls_server(cfg: Arc<rustls::ServerConfig>, conns: usize) -> (u16, thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = thread::spawn(move || {
        for _ in 0..conns {
            let (tcp, _) = l.accept().unwrap();
            tcp.set_nodelay(true).unwrap();
            let conn = rustls::ServerConnection::new(cfg.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut buf = vec![0u8; 1 << 16];
            while matches!(tls.read(&mut buf), Ok(n) if n > 0) {}
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (port, h)
}

/// Seconds for a TLS workload from a native rustls client (`guest` None)
/// or the bench guest on capsock's host TLS.
fn tls_run(
    rt: &tokio::runtime::Runtime,
    runtime: &Runtime,
    guest: Option<&Guest>,
    mode: &'static str,
    n: usize,
) -> f64 {
    let (ca_pem, server_cfg) = tls_pki();
    let conns = if mode == "tls_handshakes" { n } else { 1 };
    let (port, h) = tls_server(server_cfg, conns);
    let t = match guest {
        Some(g) => {
            let policy = Policy::from_rules([format!("connect tcp://127.0.0.1:{port}").as_str()], []).unwrap();
            let mut opts = ["127.0.0.1".to_string(), port.to_string(), n.to_string()]
                .into_iter()
                .fold(RunOptions::new(policy).capture().arg(mode), |o, a| o.arg(a));
            opts.env.push(("CA_PEM".into(), ca_pem));
            guest_seconds(rt, runtime, g, opts, mode)
        }
        None => {
            let mut roots = rustls::RootCertStore::empty();
            for c in rustls::pki_types::pem::PemObject::pem_slice_iter(ca_pem.as_bytes()) {
                roots.add(c.unwrap()).unwrap();
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let cfg = Arc::new(
                rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .unwrap()
                    .with_root_certificates(roots)
                    .with_no_client_auth(),
            );
            let name = rustls::pki_types::ServerName::try_from("bench.test").unwrap();
            let t0 = Instant::now();
            if mode == "tls_handshakes" {
                for _ in 0..n {
                    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
                    tcp.set_nodelay(true).unwrap();
                    let mut c = rustls::ClientConnection::new(cfg.clone(), name.clone()).unwrap();
                    while c.is_handshaking() {
                        c.complete_io(&mut tcp).unwrap();
                    }
                }
            } else {
                let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
                let c = rustls::ClientConnection::new(cfg, name).unwrap();
                let mut tls = rustls::StreamOwned::new(c, tcp);
                let chunk = vec![1u8; 1 << 20];
                for _ in 0..n {
                    tls.write_all(&chunk).unwrap();
                }
                tls.conn.send_close_notify();
                tls.flush().unwrap();
                let mut b = [0u8; 16];
                while matches!(tls.read(&mut b), Ok(k) if k > 0) {}
            }
            t0.elapsed().as_secs_f64()
        }
    };
    h.join().unwrap();
    t
}

/// The TLS rows (issue 13): handshakes and bulk through the host's TLS
/// against a native rustls client, same server, same run.
fn tls_rows(rt: &tokio::runtime::Runtime, runtime: &Runtime) {
    let path = GUESTS.iter().find(|(g, _)| *g == "bench_client").unwrap().1;
    let g = runtime.load_file(path).unwrap();
    const HANDSHAKES: usize = 300;
    const TLS_MIB: usize = 256;
    tls_run(rt, runtime, Some(&g), "tls_handshakes", 20);
    let (n, v) = (
        tls_run(rt, runtime, None, "tls_handshakes", HANDSHAKES),
        tls_run(rt, runtime, Some(&g), "tls_handshakes", HANDSHAKES),
    );
    println!(
        "{:<64} {:>12} {:>12} {:>8}",
        "TLS (rustls, TLS 1.3; native: a rustls client)", "native", "guest", "ratio"
    );
    println!(
        "{:<64} {:>9.0} /s {:>9.0} /s {:>7.2}x",
        format!("TLS handshakes (connect + handshake + close), {HANDSHAKES}x"),
        HANDSHAKES as f64 / n,
        HANDSHAKES as f64 / v,
        v / n
    );
    let (n, v) = (tls_run(rt, runtime, None, "tls_bulk", TLS_MIB), tls_run(rt, runtime, Some(&g), "tls_bulk", TLS_MIB));
    println!(
        "{:<64} {:>7.0} MiB/s {:>7.0} MiB/s {:>7.2}x",
        format!("TLS bulk send, 1 MiB writes, {TLS_MIB} MiB"),
        TLS_MIB as f64 / n,
        TLS_MIB as f64 / v,
        v / n
    );
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// The native peer of a std::net workload, for `n` operations.
fn std_net_server(mode: &'static str, n: usize) -> (u16, thread::JoinHandle<()>) {
    if mode.starts_with("udp") {
        let u = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = u.local_addr().unwrap().port();
        let h = thread::spawn(move || {
            let mut buf = [0u8; 64];
            for _ in 0..n {
                let (k, from) = u.recv_from(&mut buf).unwrap();
                u.send_to(&buf[..k], from).unwrap();
            }
        });
        return (port, h);
    }
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = thread::spawn(move || {
        if mode == "connects" {
            for _ in 0..n {
                drop(l.accept().unwrap());
            }
            return;
        }
        let (mut s, _) = l.accept().unwrap();
        s.set_nodelay(true).unwrap();
        let mut buf = vec![0u8; 1 << 16];
        match mode {
            "two_writes" => {
                let mut w = s.try_clone().unwrap();
                let mut r = BufReader::new(s);
                let mut line = String::new();
                while r.read_line(&mut line).unwrap_or(0) > 0 {
                    w.write_all(b"ok\n").unwrap();
                    line.clear();
                }
            }
            "bulk_recv" => {
                let mut len = [0u8; 4];
                s.read_exact(&mut len).unwrap();
                let chunk = vec![3u8; 1 << 20];
                for _ in 0..u32::from_be_bytes(len) {
                    s.write_all(&chunk).unwrap();
                }
            }
            _ => loop {
                let k = s.read(&mut buf).unwrap();
                if k == 0 {
                    break;
                }
                if mode == "rtt" {
                    s.write_all(&buf[..k]).unwrap();
                }
            },
        }
    });
    (port, h)
}

/// Process CPU time (user + system) so far, in seconds.
fn cpu_s() -> f64 {
    // SAFETY: an all-zero rusage is a valid out-value for getrusage.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid out-pointer of the right type.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

/// One std::net workload run natively (`runtime` None) or as the
/// `bench_std_net` guest: (wall seconds, CPU seconds of this process).
fn std_net_once(
    rt: &tokio::runtime::Runtime,
    runtime: Option<(&Runtime, &Guest)>,
    mode: &'static str,
    n: usize,
) -> (f64, f64) {
    let (port, h) = std_net_server(mode, n);
    let cpu0 = cpu_s();
    let wall = match runtime {
        None => work::run(mode, port, n),
        Some((runtime, g)) => {
            let scheme = if mode.starts_with("udp") { "udp" } else { "tcp" };
            let connect = format!("connect {scheme}://127.0.0.1:{port}");
            // wasmtime-wasi judges the UDP client's bind to 127.0.0.1:0 as
            // a bind; capsock's takes it for the ephemeral port it is.
            let policy = Policy::from_rules([connect.as_str(), "listen udp://127.0.0.1:0"], []).unwrap();
            let opts = [mode.to_string(), port.to_string(), n.to_string()]
                .into_iter()
                .fold(RunOptions::new(policy).capture(), |o, a| o.arg(a));
            guest_seconds(rt, runtime, g, opts, mode)
        }
    };
    let cpu = cpu_s() - cpu0;
    h.join().unwrap();
    (wall, cpu)
}

/// Run a bench guest to a clean exit; the seconds it reports
/// (`elapsed_us=`). A trap or failure panics with the guest's stderr.
fn guest_seconds(rt: &tokio::runtime::Runtime, runtime: &Runtime, g: &Guest, opts: RunOptions, mode: &str) -> f64 {
    let exit = match rt.block_on(runtime.run(g, opts)) {
        Ok(exit) => exit,
        Err(e) => match e.downcast_ref::<capsock_host::Trapped>() {
            Some(t) => panic!("{mode}: {}", String::from_utf8_lossy(&t.stderr)),
            None => panic!("{mode}: {e:#}"),
        },
    };
    assert_eq!(exit.code, 0, "{}", String::from_utf8_lossy(&exit.stderr));
    elapsed_s(&exit.stdout)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The same std::net program natively, on capsock's own wasi:sockets and
/// on wasmtime-wasi's, interleaved (5 repetitions, medians). Ratios are
/// time (or CPU) per operation against native: 1.00 is the OS's speed.
fn wasi_rows(rt: &tokio::runtime::Runtime) {
    use capsock_host::wasi::WasiSockets;
    let path = GUESTS.iter().find(|(g, _)| *g == "bench_std_net").unwrap().1;
    let capsock_rt = Runtime::builder().wasi_sockets(WasiSockets::Capsock).build().unwrap();
    let wasmtime_rt = Runtime::builder().wasi_sockets(WasiSockets::Wasmtime).build().unwrap();
    let capsock_g = capsock_rt.load_file(path).unwrap();
    let wasmtime_g = wasmtime_rt.load_file(path).unwrap();
    println!(
        "{:<44} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "std::net guest (current-thread)", "native", "capsock", "wasmtime", "cpu nat", "cpu cap", "cpu wt"
    );
    let rows: [(&'static str, &str, usize, &str); 7] = [
        ("rtt", "TCP round trip, 32 B", 5000, "µs"),
        ("two_writes", "request in two writes", 200, "µs"),
        ("bulk", "TCP bulk send, 64 KiB writes", 256, "MiB"),
        ("bulk_recv", "TCP bulk receive", 256, "MiB"),
        ("connects", "sequential connect + close", 1000, "µs"),
        ("udp", "UDP round trip, 64 B, connected", 5000, "µs"),
        ("udp_sendto", "UDP round trip, 64 B, send_to/recv_from", 5000, "µs"),
    ];
    for (mode, label, n, unit) in rows {
        // Wasmtime-wasi stalls ~40 ms a request on two writes: fewer of them.
        let n_wt = if mode == "two_writes" { 20 } else { n };
        let (mut nat, mut cap, mut wt) = (Vec::new(), Vec::new(), Vec::new());
        let (mut cn, mut cc, mut cw) = (Vec::new(), Vec::new(), Vec::new());
        std_net_once(rt, Some((&capsock_rt, &capsock_g)), mode, n.min(100));
        for _ in 0..5 {
            let (w, c) = std_net_once(rt, None, mode, n);
            nat.push(w / n as f64);
            cn.push(c / n as f64);
            let (w, c) = std_net_once(rt, Some((&capsock_rt, &capsock_g)), mode, n);
            cap.push(w / n as f64);
            cc.push(c / n as f64);
            let (w, c) = std_net_once(rt, Some((&wasmtime_rt, &wasmtime_g)), mode, n_wt);
            wt.push(w / n_wt as f64);
            cw.push(c / n_wt as f64);
        }
        let (nat, cap, wt) = (median(nat), median(cap), median(wt));
        let (cn, cc, cw) = (median(cn), median(cc), median(cw));
        let shown = if unit == "MiB" { format!("{:.0} MiB/s", 1.0 / nat) } else { format!("{:.1} µs", nat * 1e6) };
        println!(
            "{:<44} {:>10} {:>8.2}x {:>8.2}x {:>7.1}µs {:>8.2}x {:>8.2}x",
            format!("{label}, {n}x"),
            shown,
            cap / nat,
            wt / nat,
            cn * 1e6,
            cc / cn,
            cw / cn
        );
    }
}

fn main() {
    // 'static: the memory row spawns guests onto the runtime.
    let runtime: &'static Runtime = Box::leak(Box::new(Runtime::new().unwrap()));
    // `bench python` / `bench tls`: only those rows.
    let only = std::env::args().nth(1);
    let only_python = only.as_deref() == Some("python");
    let runtimes = [
        (
            "multi-thread, 2 workers",
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap(),
        ),
        ("current-thread", tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()),
    ];
    if only_python {
        python_rows(&runtimes[1].1, runtime);
        return;
    }
    if only.as_deref() == Some("wasi") {
        wasi_rows(&runtimes[1].1);
        return;
    }
    if only.as_deref() == Some("tls") {
        tls_rows(&runtimes[1].1, runtime);
        return;
    }
    // Warm up both paths (page cache, CPU frequency, the guest's compile).
    native("rtt", 1000);
    guest(&runtimes[0].1, runtime, "rtt", 1000);
    // Instantiation: the default allocator against wasmtime's pooling
    // allocator, both from a pre-instantiated guest.
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(64).total_core_instances(512).total_memories(128).total_tables(256);
    pool.max_memory_size(1 << 30);
    let pooled = Runtime::builder().pooling(pool).build().unwrap();
    let current = &runtimes[1].1;
    instances(current, runtime, 20);
    instances(current, &pooled, 20);
    let (d, p) = (instances(current, runtime, 200), instances(current, &pooled, 200));
    println!(
        "{:<64} {:>12} {:>12} {:>8}",
        "guest start (instantiate + run + teardown)", "on demand", "pooling", "ratio"
    );
    println!("{:<64} {:>9.0} µs {:>9.0} µs {:>7.2}x", "a guest that exits at once, 200x", d * 1e6, p * 1e6, p / d);
    println!("{:<64} {:>12} {:>12} {:>8}", "workload (tokio runtime running the guest)", "native", "guest", "ratio");
    for (label, rt) in &runtimes {
        let (n, g) = (native("rtt", ROUNDS), guest(rt, runtime, "rtt", ROUNDS));
        println!(
            "{:<64} {:>9.1} µs {:>9.1} µs {:>7.2}x",
            format!("TCP round trip, 32 B, {ROUNDS}x ({label})"),
            n / ROUNDS as f64 * 1e6,
            g / ROUNDS as f64 * 1e6,
            g / n
        );
        let (n, g) = (native("bulk", MIB), guest(rt, runtime, "bulk", MIB));
        println!(
            "{:<64} {:>7.0} MiB/s {:>7.0} MiB/s {:>7.2}x",
            format!("TCP bulk send, 1 MiB writes, {MIB} MiB ({label})"),
            MIB as f64 / n,
            MIB as f64 / g,
            g / n
        );
    }
    wasi_rows(&runtimes[1].1);
    tls_rows(&runtimes[1].1, runtime);
    python_rows(&runtimes[1].1, runtime);
}
