//! Load with nothing lost (issue 10): 200 guests at once in this process on
//! the shared runtime, each making connections in sequence to a native hash
//! server on 127.0.0.1, each connection a transfer of seeded random length
//! both ways with a random timeout and ending (see `soak_worker`).
//!
//! Asserted: every connection's bytes both ways, by count and SHA-256 as the
//! guest reports them and as the server saw them, equal each other and the
//! plan the host derives from the same seeds; no server error, no missing,
//! duplicate or unplanned connection; afterwards no socket of this process
//! on the server's port, no more fds than before (`<=`, not `==`: a test
//! running beside this one may close fds it held at the start; the port
//! count is exact), and resident memory after the soak within
//! [`RSS_GROWTH_LIMIT_KIB`] of what it was after a warm-up round.
//!
//! 15 to 40 s on two cores, by load. `CAPSOCK_SOAK_SCALE=N` (default 1) runs N soak
//! rounds instead of one, each within [`GUEST_DEADLINE`]; `--nocapture`
//! shows the figures.

use capsock_host::{RunOptions, Trapped};
use capsock_tests::{GUEST_DEADLINE, Pattern, Report, guest, hex, policy, rss_kib, runtime, soak_plan, tokio};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Guests running at once.
const GUESTS: u32 = 200;
/// Connections each guest makes, one after another, in a soak round.
const CONNS: u32 = 50;
/// Connections each guest makes in the warm-up round.
const WARMUP_CONNS: u32 = 10;
/// The longest transfer each way.
const MAX_LEN: usize = 256 << 10;
/// How much resident memory may grow from after the warm-up round to after
/// the soak. Generous: it tolerates allocator and wasmtime caches settling
/// (and tests running beside this one), yet a leak of even 8 KiB per
/// connection (10,000 per round) exceeds it.
const RSS_GROWTH_LIMIT_KIB: u64 = 64 << 10;
/// How long closes may take to reach the fd table after the last guest (and
/// a test beside this one to let go of its fds).
const SETTLE: Duration = Duration::from_secs(30);

/// What the host checks of a connection's plan (drawn by
/// `capsock_tests::soak_plan`, the definition the guest uses too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Plan {
    up: usize,
    down: usize,
    style: u32,
}

fn plan(seed: u64, conn: u32, max: usize) -> Plan {
    let p = soak_plan(seed, conn, max);
    Plan { up: p.up, down: p.down, style: p.style }
}

/// Guest `g`'s seed in round `round`.
fn seed_of(round: u32, g: u32) -> u64 {
    0x50a6_0000_0000_0000 ^ (u64::from(round) << 32) ^ u64::from(g)
}

/// What the server saw on one connection.
#[derive(Debug)]
struct Served {
    guest: u32,
    conn: u32,
    /// The header's plan.
    plan: Plan,
    received: u64,
    recv_sha: String,
    /// Bytes past the planned up length before the guest's EOF.
    extra: u64,
    sent: u64,
    sent_sha: String,
}

type Log = Arc<Mutex<Vec<Result<Served, String>>>>;

async fn read_some(s: &tokio::net::TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        s.readable().await?;
        match s.try_read(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            r => return r,
        }
    }
}

async fn write_all(s: &tokio::net::TcpStream, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        s.writable().await?;
        match s.try_write(buf) {
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Read until EOF; what arrives is hashed into `hash` while `want` lasts and
/// counted as extra after. Returns (hashed, extra).
async fn read_to_eof(s: &tokio::net::TcpStream, hash: &mut Sha256, want: u64) -> io::Result<(u64, u64)> {
    let (mut got, mut extra) = (0u64, 0u64);
    let mut buf = vec![0u8; 65536];
    loop {
        let n = read_some(s, &mut buf).await?;
        if n == 0 {
            return Ok((got, extra));
        }
        let keep = (n as u64).min(want - got) as usize;
        hash.update(&buf[..keep]);
        got += keep as u64;
        extra += (n - keep) as u64;
    }
}

/// One connection: the header, the up stream (hashed), then the down stream
/// (a [`Pattern`] from the header's seed, hashed); the guest's EOF ends it.
async fn serve(s: tokio::net::TcpStream) -> Result<Served, String> {
    let mut header = [0u8; 32];
    let mut have = 0;
    while have < header.len() {
        match read_some(&s, &mut header[have..]).await.map_err(|e| format!("header: {e}"))? {
            0 => return Err(format!("EOF after {have} header bytes")),
            n => have += n,
        }
    }
    if &header[..4] != b"SOAK" {
        return Err(format!("bad header {header:?}"));
    }
    let word = |i: usize| u32::from_le_bytes(header[4 * i..4 * i + 4].try_into().unwrap());
    let (guest, conn) = (word(1), word(2));
    let plan = Plan { up: word(3) as usize, down: word(4) as usize, style: word(5) };
    let down_seed = u64::from_le_bytes(header[24..32].try_into().unwrap());
    let who = format!("guest {guest} connection {conn}");

    let mut recv_hash = Sha256::new();
    let (received, mut extra) = if plan.style == 0 {
        // SHUT_WR: the up stream ends with the guest's EOF.
        read_to_eof(&s, &mut recv_hash, plan.up as u64).await.map_err(|e| format!("{who}: up: {e}"))?
    } else {
        let mut buf = vec![0u8; 65536];
        let mut got = 0;
        while got < plan.up {
            let want = buf.len().min(plan.up - got);
            match read_some(&s, &mut buf[..want]).await.map_err(|e| format!("{who}: up: {e}"))? {
                0 => break,
                n => {
                    recv_hash.update(&buf[..n]);
                    got += n;
                }
            }
        }
        (got as u64, 0)
    };

    let mut pattern = Pattern::new(down_seed);
    let mut sent_hash = Sha256::new();
    let mut chunk = vec![0u8; 65536];
    let mut left = plan.down;
    while left > 0 {
        let n = left.min(chunk.len());
        pattern.fill(&mut chunk[..n]);
        sent_hash.update(&chunk[..n]);
        write_all(&s, &chunk[..n]).await.map_err(|e| format!("{who}: down: {e}"))?;
        left -= n;
    }
    if plan.style != 0 {
        // The guest reads the planned length and closes; anything more it
        // sent is extra.
        let (_, more) =
            read_to_eof(&s, &mut Sha256::new(), 0).await.map_err(|e| format!("{who}: awaiting EOF: {e}"))?;
        extra += more;
    }
    Ok(Served {
        guest,
        conn,
        plan,
        received,
        recv_sha: hex(&recv_hash.finalize()),
        extra,
        sent: plan.down as u64,
        sent_sha: hex(&sent_hash.finalize()),
    })
}

/// The native hash server: its own two-worker tokio runtime (so its threads
/// are bounded and apart from the guests'), one task per connection.
struct Server {
    rt: tokio::runtime::Runtime,
    addr: SocketAddr,
    log: Log,
    accept: tokio::task::JoinHandle<()>,
}

impl Server {
    fn start() -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("soak-server")
            .build()
            .expect("server runtime");
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("binding the soak server");
        let addr = listener.local_addr().unwrap();
        let log = Log::default();
        let accept_log = log.clone();
        let accept = rt.spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((s, _)) => {
                        let log = accept_log.clone();
                        tokio::spawn(async move {
                            let r = tokio::time::timeout(GUEST_DEADLINE, serve(s))
                                .await
                                .unwrap_or_else(|_| Err(format!("a connection ran past {GUEST_DEADLINE:?}")));
                            log.lock().unwrap().push(r);
                        });
                    }
                    Err(e) => {
                        accept_log.lock().unwrap().push(Err(format!("accept: {e}")));
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
        });
        Server { rt, addr, log, accept }
    }

    /// The next `n` connections' records, waiting for them until `deadline`
    /// (a guest's close can reach the server after the guest has exited).
    fn take(&self, n: usize, deadline: Instant) -> Vec<Result<Served, String>> {
        while self.log.lock().unwrap().len() < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::mem::take(&mut *self.log.lock().unwrap())
    }

    fn stop(self) {
        self.accept.abort();
        self.rt.shutdown_timeout(Duration::from_secs(5));
    }
}

#[derive(Default)]
struct Totals {
    conns: u64,
    up: u64,
    down: u64,
}

/// One round: all guests at once, `conns` connections each; every
/// connection checked against its plan and the server's record.
fn round(server: &Server, round: u32, conns: u32) -> Totals {
    let port = server.addr.port();
    let rule = format!("connect tcp://127.0.0.1:{port}");
    let compiled = guest("soak_worker");
    let deadline = Instant::now() + GUEST_DEADLINE + Duration::from_secs(10);
    let handles: Vec<_> = (0..GUESTS)
        .map(|g| {
            let args = [
                "127.0.0.1".to_string(),
                port.to_string(),
                g.to_string(),
                seed_of(round, g).to_string(),
                conns.to_string(),
                MAX_LEN.to_string(),
            ];
            let mut opts = args.into_iter().fold(RunOptions::new(policy(&[&rule])).capture(), RunOptions::arg);
            opts.name = "soak_worker".to_string();
            opts.deadline = Some(GUEST_DEADLINE);
            let compiled = compiled.clone();
            tokio().spawn(async move { runtime().run(&compiled, opts).await })
        })
        .collect();
    let mut reports = Vec::new();
    for (g, handle) in handles.into_iter().enumerate() {
        let exit = match tokio().block_on(async { tokio::time::timeout_at(deadline.into(), handle).await }) {
            Err(_) => panic!("round {round}: guest {g} still running at the deadline"),
            Ok(Err(e)) => panic!("round {round}: guest {g}'s task failed: {e}"),
            Ok(Ok(Err(e))) => match e.downcast_ref::<Trapped>() {
                Some(t) => panic!(
                    "round {round}: guest {g} trapped\n--- stdout\n{}--- stderr\n{}--- trap\n{:?}",
                    String::from_utf8_lossy(&t.stdout),
                    String::from_utf8_lossy(&t.stderr),
                    t.error
                ),
                None => panic!("round {round}: guest {g} failed: {e:?}"),
            },
            Ok(Ok(Ok(exit))) => exit,
        };
        let report = Report::from_exit(&exit);
        assert_eq!(exit.code, 0, "round {round}: guest {g} exited with {}\n{}", exit.code, report.text());
        reports.push(report);
    }

    let expected = (GUESTS * conns) as usize;
    let mut served = HashMap::new();
    let mut problems = Vec::new();
    for record in server.take(expected, deadline) {
        match record {
            Ok(s) => {
                if let Some(dup) = served.insert((s.guest, s.conn), s) {
                    problems.push(format!("guest {} connection {} served twice", dup.guest, dup.conn));
                }
            }
            Err(e) => problems.push(format!("server: {e}")),
        }
    }
    let mut totals = Totals::default();
    for (g, report) in (0..GUESTS).zip(&reports) {
        let (mut up_sum, mut down_sum) = (0u64, 0u64);
        for c in 0..conns {
            let who = format!("round {round} guest {g} connection {c}");
            let want = plan(seed_of(round, g), c, MAX_LEN);
            let line = report.get(&format!("c{c}"));
            let f: Vec<&str> = line.split(' ').collect();
            let [up, up_sha, down, down_sha] = f[..] else {
                problems.push(format!("{who}: guest printed {line:?}"));
                continue;
            };
            let (up, down): (u64, u64) = (up.parse().unwrap(), down.parse().unwrap());
            up_sum += up;
            down_sum += down;
            if (up, down) != (want.up as u64, want.down as u64) {
                problems.push(format!("{who}: guest moved {up} up, {down} down; planned {want:?}"));
            }
            let Some(s) = served.remove(&(g, c)) else {
                problems.push(format!("{who}: the server has no record of it"));
                continue;
            };
            if s.plan != want {
                problems.push(format!("{who}: header said {:?}, planned {want:?}", s.plan));
            }
            if s.received != want.up as u64 || s.extra != 0 {
                problems.push(format!("{who}: server received {} (+{} extra) of {}", s.received, s.extra, want.up));
            }
            if s.recv_sha != up_sha {
                problems.push(format!("{who}: up stream differs: guest sent {up_sha}, server got {}", s.recv_sha));
            }
            if s.sent != want.down as u64 || s.sent_sha != down_sha {
                problems.push(format!(
                    "{who}: down stream differs: server sent {} {}, guest got {down} {down_sha}",
                    s.sent, s.sent_sha
                ));
            }
        }
        if report.get("conns") != conns.to_string()
            || report.get("sent") != up_sum.to_string()
            || report.get("received") != down_sum.to_string()
        {
            problems.push(format!("round {round} guest {g}: totals disagree with its lines\n{}", report.text()));
        }
        totals.conns += u64::from(conns);
        totals.up += up_sum;
        totals.down += down_sum;
    }
    problems.extend(served.keys().map(|(g, c)| format!("round {round}: served guest {g} connection {c}, not planned")));
    assert!(
        problems.is_empty(),
        "round {round}: {} problems, the first:\n{}",
        problems.len(),
        problems.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
    totals
}

/// This process's open file descriptors and what each is (`socket:[…]`,
/// a path, `anon_inode:[eventpoll]`, …).
/// This process's descriptors, less those no guest run holds: wasmtime's
/// memory images of compiled guests (a test beside this one may compile a
/// guest while the soak runs; the harness keeps compiled guests for the
/// process's life) and the directory handle this very listing opens.
fn fds() -> BTreeMap<u32, String> {
    std::fs::read_dir("/proc/self/fd")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let target = std::fs::read_link(e.path()).ok()?;
            Some((e.file_name().to_str()?.parse().ok()?, target.to_string_lossy().into_owned()))
        })
        .filter(|(_, target): &(u32, String)| {
            let image = target.starts_with("/memfd:wasm-memory-image");
            let listing = target.starts_with("/proc/") && target.ends_with("/fd");
            !(image || listing)
        })
        .collect()
}

/// TCP sockets this process holds with `port` at either end (from
/// /proc/net/tcp{,6}, matched to our fds by inode): unlike the count of [`fds`], no
/// other test running beside this one can move it.
fn sockets_on(port: u16) -> usize {
    let ours: HashSet<u64> = std::fs::read_dir("/proc/self/fd")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .filter_map(|p| p.to_str()?.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok())
        .collect();
    let port_of = |a: &str| a.rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok());
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|t| std::fs::read_to_string(t).ok())
        .map(|text| {
            text.lines()
                .skip(1)
                .filter(|line| {
                    let f: Vec<&str> = line.split_whitespace().collect();
                    f.len() > 9
                        && (port_of(f[1]) == Some(port) || port_of(f[2]) == Some(port))
                        && f[9].parse().is_ok_and(|inode: u64| ours.contains(&inode))
                })
                .count()
        })
        .sum()
}

/// 200 guests at once, 50 connections each (times `CAPSOCK_SOAK_SCALE`), every
/// byte both ways counted and hashed on both ends; afterwards no socket or
/// fd is left and memory has not grown past [`RSS_GROWTH_LIMIT_KIB`].
#[test]
pub fn soak_worker() {
    let _alone = capsock_tests::alone();
    let scale: u32 = match std::env::var("CAPSOCK_SOAK_SCALE") {
        Ok(v) => v.parse().ok().filter(|&n| n >= 1).expect("CAPSOCK_SOAK_SCALE is a positive integer"),
        Err(_) => 1,
    };
    let started = Instant::now();
    // Compile first, start the shared runtimes and instantiate the guest
    // once (a run of no connections): these hold fds for the life of the
    // process, wasmtime's memory image of the compiled guest (a memfd made
    // at its first instantiation) among them.
    let _ = (guest("soak_worker"), tokio(), runtime());
    let idle = ["127.0.0.1", "9", "0", "0", "0", "0"]
        .into_iter()
        .fold(RunOptions::new(policy(&[])).capture(), RunOptions::arg);
    assert_eq!(capsock_tests::run_ok_with("soak_worker", idle).get("conns"), "0");
    let before = fds();
    let fds_before = before.len();

    let server = Server::start();
    let port = server.addr.port();
    let warm_start = Instant::now();
    let warm = round(&server, 0, WARMUP_CONNS);
    let rss_warm = rss_kib();
    eprintln!(
        "soak warm-up: {} connections, {} bytes up, {} down, {:.1} s; RSS {rss_warm} KiB",
        warm.conns,
        warm.up,
        warm.down,
        warm_start.elapsed().as_secs_f64()
    );

    let mut total = Totals::default();
    let soak_start = Instant::now();
    for r in 1..=scale {
        let t0 = Instant::now();
        let t = round(&server, r, CONNS);
        eprintln!(
            "soak round {r}/{scale}: {GUESTS} guests x {CONNS} connections, {} bytes up, {} down, {:.1} s; RSS {} KiB",
            t.up,
            t.down,
            t0.elapsed().as_secs_f64(),
            rss_kib()
        );
        total.conns += t.conns;
        total.up += t.up;
        total.down += t.down;
    }
    let soak_wall = soak_start.elapsed();
    let rss_after = rss_kib();
    server.stop();

    let settle_by = Instant::now() + SETTLE;
    let (mut after, mut lingering) = (fds(), sockets_on(port));
    while (after.len() > fds_before || lingering > 0) && Instant::now() < settle_by {
        std::thread::sleep(Duration::from_millis(20));
        (after, lingering) = (fds(), sockets_on(port));
    }
    let fds_after = after.len();
    let secs = soak_wall.as_secs_f64();
    eprintln!(
        "soak: {} connections, {} bytes guest->server, {} bytes server->guest ({:.1} MiB/s both ways), \
         soak {secs:.1} s, test {:.1} s; RSS {rss_warm} KiB after warm-up, {rss_after} KiB after ({:+} KiB); \
         fds {fds_before} before, {fds_after} after; {lingering} sockets left on port {port}",
        total.conns,
        total.up,
        total.down,
        (total.up + total.down) as f64 / secs / f64::from(1 << 20),
        started.elapsed().as_secs_f64(),
        rss_after as i64 - rss_warm as i64,
    );
    assert_eq!(lingering, 0, "sockets on the soak server's port outlived it");
    let new: Vec<_> = after.iter().filter(|(fd, what)| before.get(fd) != Some(what)).collect();
    assert!(
        fds_after <= fds_before,
        "fds: {fds_before} before, {fds_after} {SETTLE:?} after the soak; new or changed: {new:?}"
    );
    assert!(
        rss_after.saturating_sub(rss_warm) < RSS_GROWTH_LIMIT_KIB,
        "RSS grew from {rss_warm} KiB after warm-up to {rss_after} KiB after the soak"
    );
}

macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports, reason = "names the test, proving it exists")]
        use self::$name as _;
    };
}
capsock_tests::foreach_soak!(assert_test_exists);
