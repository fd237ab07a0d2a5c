//! The harness for capsock's end-to-end tests.
//!
//! Guest programs (`tests/guests/src/bin/*.rs`) are compiled to
//! wasm32-wasip2 by this crate's build script. A host test runs one with
//! [`run`] on a shared tokio runtime, in-process, against native peers on
//! loopback built from `std::net`. Guests report what they saw as
//! `key=value` lines on stdout ([`Report`]); the host test asserts on those
//! and on what the native peer saw.
//!
//! Every wait here is bounded: native peers use socket timeouts and every
//! guest run has a deadline ([`GUEST_DEADLINE`]), so a broken build fails a
//! test instead of hanging CI.

use capsock_host::{Exit, Guest, Policy, RunOptions, Runtime};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

include!(concat!(env!("OUT_DIR"), "/guests.rs"));

/// The longest any single guest run may take before the test fails.
pub const GUEST_DEADLINE: Duration = Duration::from_secs(120);

/// How long a native peer waits on any one socket call.
pub const PEER_TIMEOUT: Duration = Duration::from_secs(30);

/// The tokio runtime every test shares: two workers, like the machine. Guests
/// from concurrently running tests share it, as guests in a real host do.
pub fn tokio() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("capsock-test-worker")
            .build()
            .expect("tokio runtime")
    })
}

/// Held by the tests whose assertions depend on the machine's load or on
/// the process's memory (the soak's RSS bound, a latency bound): they run
/// one at a time, never beside each other. Other tests still run beside
/// them.
pub fn alone() -> std::sync::MutexGuard<'static, ()> {
    static ALONE: Mutex<()> = Mutex::new(());
    ALONE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The capsock runtime every test shares.
pub fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime::new().expect("capsock runtime"))
}

/// A guest program, compiled once per test process.
pub fn guest(name: &str) -> Guest {
    static CACHE: OnceLock<Mutex<HashMap<String, Guest>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(g) = cache.lock().unwrap().get(name) {
        return g.clone();
    }
    let path = GUESTS.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no guest program named {name}")).1;
    let compiled = runtime().load_file(path).unwrap_or_else(|e| panic!("compiling {name}: {e:?}"));
    cache.lock().unwrap().insert(name.to_string(), compiled.clone());
    compiled
}

/// A policy from rule strings (allow list only).
pub fn policy(allow: &[&str]) -> Policy {
    Policy::from_rules(allow.iter().copied(), []).expect("test policy rules parse")
}

/// Run a guest to completion with captured output.
///
/// # Panics
/// When the guest traps or passes [`GUEST_DEADLINE`].
pub fn run(name: &str, policy: Policy, args: &[String]) -> Exit {
    let opts = args.iter().fold(RunOptions::new(policy).capture(), |o, a| o.arg(a.clone()));
    run_with(name, opts)
}

/// Run a guest with full options; captured output is returned.
pub fn run_with(name: &str, mut opts: RunOptions) -> Exit {
    opts.name = name.to_string();
    run_loaded(&guest(name), &format!("guest {name}"), opts)
}

/// Run a loaded guest (`label` names it in failures) to completion.
///
/// # Panics
/// When the guest traps or passes [`GUEST_DEADLINE`].
pub fn run_loaded(guest: &Guest, label: &str, opts: RunOptions) -> Exit {
    let fut = async { tokio::time::timeout(GUEST_DEADLINE, runtime().run(guest, opts)).await };
    match tokio().block_on(fut) {
        Ok(Ok(exit)) => exit,
        Ok(Err(e)) => match e.downcast_ref::<capsock_host::Trapped>() {
            Some(t) => panic!(
                "{label} trapped\n--- stdout\n{}--- stderr\n{}--- trap\n{:#}",
                String::from_utf8_lossy(&t.stdout),
                String::from_utf8_lossy(&t.stderr),
                t.error
            ),
            None => panic!("{label} failed: {e:?}"),
        },
        Err(_) => panic!("{label} ran past {GUEST_DEADLINE:?}"),
    }
}

/// Run a guest and require exit code 0; returns its report.
pub fn run_ok(name: &str, policy: Policy, args: &[String]) -> Report {
    let exit = run(name, policy, args);
    let report = Report::from_exit(&exit);
    assert_eq!(exit.code, 0, "guest {name} exited with {}\n{}", exit.code, report.text());
    report
}

/// Run a guest with full options and require exit code 0; returns its
/// report.
pub fn run_ok_with(name: &str, opts: RunOptions) -> Report {
    let exit = run_with(name, opts);
    let report = Report::from_exit(&exit);
    assert_eq!(exit.code, 0, "guest {name} exited with {}\n{}", exit.code, report.text());
    report
}

/// What a guest printed, as `key=value` lines.
#[derive(Debug, Default)]
pub struct Report {
    pub stdout: String,
    pub stderr: String,
    pub values: HashMap<String, String>,
}

impl Report {
    pub fn from_exit(exit: &Exit) -> Report {
        let stdout = String::from_utf8_lossy(&exit.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&exit.stderr).into_owned();
        let values = stdout
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        Report { stdout, stderr, values }
    }

    /// The value of `key`; panics with the whole output when it is missing.
    pub fn get(&self, key: &str) -> &str {
        self.values.get(key).unwrap_or_else(|| panic!("guest printed no `{key}=`\n{}", self.text()))
    }

    pub fn text(&self) -> String {
        format!("--- stdout\n{}--- stderr\n{}", self.stdout, self.stderr)
    }
}

/// Bind a native TCP listener on `ip` with an ephemeral port.
pub fn listener(ip: &str) -> TcpListener {
    TcpListener::bind((ip, 0)).unwrap_or_else(|e| panic!("binding a native listener on {ip}: {e}"))
}

/// A native echo server for `conns` connections, each echoing until EOF.
/// Returns its address and a handle yielding how many bytes it echoed.
pub fn echo_server(ip: &str, conns: usize) -> (SocketAddr, std::thread::JoinHandle<u64>) {
    let l = listener(ip);
    let addr = l.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let mut total = 0;
        for _ in 0..conns {
            let (mut s, _) = l.accept().expect("echo server accept");
            s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
            s.set_nodelay(true).unwrap();
            let mut buf = [0u8; 65536];
            loop {
                match s.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        s.write_all(&buf[..n]).expect("echo write");
                        total += n as u64;
                    }
                    Err(e) => panic!("echo server read: {e}"),
                }
            }
        }
        total
    });
    (addr, handle)
}

/// A port on `ip` where nothing listens (bound, then closed).
pub fn closed_port(ip: &str) -> u16 {
    listener(ip).local_addr().unwrap().port()
}

/// Connect a native client with timeouts set.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, PEER_TIMEOUT).unwrap_or_else(|e| panic!("native connect to {addr}: {e}"));
    s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(PEER_TIMEOUT)).unwrap();
    s
}

/// Accept on a native listener, failing after [`PEER_TIMEOUT`] rather than
/// hanging.
pub fn accept_within(l: &TcpListener, limit: Duration) -> Option<TcpStream> {
    l.set_nonblocking(true).unwrap();
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        match l.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false).unwrap();
                s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
                s.set_write_timeout(Some(PEER_TIMEOUT)).unwrap();
                return Some(s);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => panic!("accept: {e}"),
        }
    }
    None
}

pub mod pki;
mod shared;
pub use shared::{Pattern, SoakPlan, hex, soak_plan};

/// This process's resident memory in KiB, from /proc.
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// The number of OS threads in this process, from /proc.
pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0)
}

/// The CPU time (user + system) this thread has used.
pub fn thread_cpu() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes one rusage struct into the pointer it is
    // given, which points at one.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_THREAD, usage.as_mut_ptr()) };
    assert_eq!(rc, 0);
    // SAFETY: initialised by the successful call above.
    let u = unsafe { usage.assume_init() };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}
