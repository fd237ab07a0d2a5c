//! Failing peers (issue 10): a guest against a native peer that misbehaves —
//! resets mid-transfer, half-closes, stops reading, never accepts, closes
//! its UDP port — and against a failing and a slow resolver and a lossy,
//! slow link. Each test asserts what the guest saw (Python's exception
//! class, errno and `str(e)`) and what the peer saw.
//!
//! The resolver and link tests need a network namespace of their own: the
//! test re-runs itself (this test binary, that one test) under `unshare
//! --net --mount`, where only `lo` exists, so nothing it sends can leave the
//! machine. Where namespaces cannot be made, they print `skipped: …` and
//! pass.

use capsock_tests::*;
use sha2::{Digest, Sha256};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// Read `s` to EOF, at most `limit` bytes.
fn read_to_eof(s: &mut TcpStream, limit: usize) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf).unwrap_or_else(|e| panic!("native read after {} bytes: {e}", all.len()));
        if n == 0 {
            return all;
        }
        all.extend_from_slice(&buf[..n]);
        assert!(all.len() <= limit, "peer sent more than {limit} bytes");
    }
}

/// Bytes sent on `s` and not yet acknowledged by the other side (SIOCOUTQ).
fn unacked(s: &TcpStream) -> i32 {
    let mut n: libc::c_int = 0;
    // SAFETY: TIOCOUTQ (SIOCOUTQ) writes one int through the pointer, which
    // points at `n`; the fd is open for the duration of the call.
    let r = unsafe { libc::ioctl(s.as_raw_fd(), libc::TIOCOUTQ, &mut n) };
    assert_eq!(r, 0, "SIOCOUTQ: {}", std::io::Error::last_os_error());
    n
}

#[test]
pub fn peers_reset_midstream() {
    const N: usize = 40_000;
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let peer = thread::spawn(move || {
        // The guest opens the data connection, then the control one; each
        // names itself in its first four bytes.
        let (mut data, mut control) = (None, None);
        for _ in 0..2 {
            let mut s = accept_within(&l, PEER_TIMEOUT).expect("the guest connected");
            let mut tag = [0u8; 4];
            s.read_exact(&mut tag).unwrap();
            match &tag {
                b"data" => data = Some(s),
                b"ctrl" => control = Some(s),
                other => panic!("unexpected tag {other:?}"),
            }
        }
        let (mut data, mut control) = (data.unwrap(), control.unwrap());
        let mut payload = vec![0u8; N];
        Pattern::new(10).fill(&mut payload);
        data.write_all(&payload).unwrap();
        // Wait until the guest's kernel has acknowledged every byte, so the
        // RST below discards nothing on this side: what the guest can read
        // is exactly the N bytes.
        let start = Instant::now();
        while unacked(&data) > 0 {
            assert!(start.elapsed() < PEER_TIMEOUT, "{} bytes still unacknowledged", unacked(&data));
            thread::sleep(Duration::from_millis(2));
        }
        // SO_LINGER {on, 0}: close sends RST instead of FIN.
        socket2::SockRef::from(&data).set_linger(Some(Duration::ZERO)).unwrap();
        drop(data);
        control.write_all(b"reset\n").unwrap();
        hex(&Sha256::digest(&payload))
    });
    let rule = format!("connect tcp://127.0.0.1:{port}");
    let report =
        run_ok("peers_reset_midstream", policy(&[&rule]), &["127.0.0.1".into(), port.to_string(), N.to_string()]);
    let sent_sha = peer.join().unwrap();
    assert_eq!(report.get("recv_bytes"), N.to_string(), "the bytes before the reset are read first");
    assert_eq!(report.get("recv_sha"), sent_sha);
    assert_eq!(report.get("reset_class"), "ConnectionResetError");
    assert_eq!(report.get("reset_errno"), "104");
    assert_eq!(report.get("reset_str"), "[Errno 104] Connection reset by peer");
    // As on Linux (and so in Python): once the reset is reported, a send
    // fails with EPIPE and a recv returns b''.
    assert_eq!(report.get("send_after_errno"), "32");
    assert_eq!(report.get("recv_after"), "[]");
}

#[test]
pub fn peers_half_close() {
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let peer = thread::spawn(move || {
        // 1. The guest shuts down its write side: EOF here, and this side can
        //    still send.
        let mut s = accept_within(&l, PEER_TIMEOUT).expect("first connection");
        let got = read_to_eof(&mut s, 1000);
        s.write_all(b"answer after eof").unwrap();
        drop(s);
        // 2. This side shuts down its write side; the guest can still send.
        let mut s = accept_within(&l, PEER_TIMEOUT).expect("second connection");
        s.write_all(b"bye").unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let after = read_to_eof(&mut s, 1000);
        (got, after)
    });
    let rule = format!("connect tcp://127.0.0.1:{port}");
    let report = run_ok("peers_half_close", policy(&[&rule]), &["127.0.0.1".into(), port.to_string()]);
    let (got, after) = peer.join().unwrap();
    assert_eq!(got, b"hello", "the native side read the guest's bytes, then EOF");
    assert_eq!(report.get("send_after_shut_wr"), "32", "send after SHUT_WR: BrokenPipeError (EPIPE)");
    assert_eq!(report.get("answer"), "answer after eof", "sent after the native side saw EOF");
    assert_eq!(report.get("recv_after_eof"), "[]");
    assert_eq!(report.get("peer_said"), "bye");
    assert_eq!(report.get("recv_after_peer_eof"), "[]", "recv after the peer's FIN is b''");
    assert_eq!(after, b"still here", "the guest could still send after the peer's FIN");
}

#[test]
pub fn peers_stalled_reader() {
    const MIB: usize = 64;
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let peer = thread::spawn(move || {
        let mut s = accept_within(&l, PEER_TIMEOUT).expect("the guest connected");
        // Read nothing until the guest has finished.
        // (A guest that trapped has closed its socket too.)
        let _ = done_rx.recv_timeout(GUEST_DEADLINE);
        let mut total = 0usize;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    assert!(buf[..n].iter().all(|&b| b == 0x5a), "the guest's bytes arrived altered");
                    total += n;
                    assert!(total <= MIB << 20, "more bytes arrived than the guest sent");
                }
                Err(e) => panic!("native read after {total} bytes: {e}"),
            }
        }
        total
    });
    let rule = format!("connect tcp://127.0.0.1:{port}");
    let exit = run("peers_stalled_reader", policy(&[&rule]), &["127.0.0.1".into(), port.to_string(), MIB.to_string()]);
    done_tx.send(()).unwrap();
    let report = Report::from_exit(&exit);
    assert_eq!(exit.code, 0, "guest exited with {}\n{}", exit.code, report.text());
    let buffered = peer.join().unwrap();
    eprintln!("peers_stalled_reader: {buffered} bytes were buffered before the timeout; {}", report.stdout.trim());
    assert_eq!(report.get("sendall_str"), "timed out");
    assert_eq!(report.get("sendall_errno"), "None");
    let ms: u64 = report.get("sendall_ms").parse().unwrap();
    assert!(ms < 10_000, "sendall with settimeout(0.5) raised only after {ms} ms");
    assert_eq!(report.get("nonblocking_errno"), "11");
    assert_eq!(report.get("nonblocking_str"), "[Errno 11] Resource temporarily unavailable");
    let ms: u64 = report.get("nonblocking_ms").parse().unwrap();
    assert!(ms < 5_000, "the non-blocking sends took {ms} ms");
    assert_eq!(report.get("nonblocking_again_errno"), "11");
    let accepted: usize = report.get("nonblocking_accepted").parse().unwrap();
    assert!(buffered >= accepted, "{accepted} bytes taken by non-blocking sends, {buffered} arrived");
    // Some of it got through before the buffers filled; not all of it.
    assert!(buffered > 0 && buffered < MIB << 20, "{buffered} bytes reached the stalled peer");
}

/// A listening socket's accept queue: (connections waiting, backlog), from
/// TCP_INFO (`tcpi_unacked`, `tcpi_sacked` on a listener).
fn accept_queue(l: &TcpListener) -> (u32, u32) {
    // SAFETY: an all-zero tcp_info is a valid value.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `info`, which is
    // that large, and `len` back; the fd is open.
    let r =
        unsafe { libc::getsockopt(l.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_INFO, (&raw mut info).cast(), &mut len) };
    assert_eq!(r, 0, "TCP_INFO: {}", std::io::Error::last_os_error());
    (info.tcpi_unacked, info.tcpi_sacked)
}

#[test]
pub fn peers_full_backlog() {
    // A listener with backlog 1 that never accepts.
    let raw = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    raw.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into()).unwrap();
    raw.listen(1).unwrap();
    let l: TcpListener = raw.into();
    let addr = l.local_addr().unwrap();
    // Fill its queue with native connections until the kernel counts it
    // full (Linux: more waiting than the backlog, so backlog + 1); past
    // that it drops SYNs.
    let mut held = Vec::new();
    let start = Instant::now();
    loop {
        let (waiting, backlog) = accept_queue(&l);
        assert_eq!(backlog, 1);
        if waiting as usize == held.len() && waiting > backlog {
            break;
        }
        if waiting as usize == held.len() {
            assert!(held.len() < 16, "16 connections queued on a listener with backlog 1");
            held.push(connect(addr));
        } else {
            // The handshake's last ACK is still on its way to the listener.
            assert!(start.elapsed() < PEER_TIMEOUT, "{waiting} queued of {} connected", held.len());
            thread::sleep(Duration::from_millis(2));
        }
    }
    let rule = format!("connect tcp://127.0.0.1:{}", addr.port());
    let report = run_ok("peers_full_backlog", policy(&[&rule]), &["127.0.0.1".into(), addr.port().to_string()]);
    eprintln!("peers_full_backlog: {} connections filled the queue; {}", held.len(), report.stdout.trim());
    assert_eq!(report.get("connect"), "TimeoutError", "{}", report.text());
    assert_eq!(report.get("connect_str"), "timed out");
    assert_eq!(report.get("connect_errno"), "None");
    let ms: u64 = report.get("connect_ms").parse().unwrap();
    assert!(ms < 10_000, "connect with settimeout(1.0) raised only after {ms} ms");
    // The queue still holds exactly the native connections: the guest's
    // never got in.
    assert_eq!(accept_queue(&l).0 as usize, held.len());
    let mut queued = 0;
    while accept_within(&l, Duration::from_millis(200)).is_some() {
        queued += 1;
        assert!(queued <= held.len(), "more connections were queued than the native side made");
    }
    assert_eq!(queued, held.len());
}

#[test]
pub fn peers_udp_refused() {
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    peer.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
    let port = peer.local_addr().unwrap().port();
    let native = thread::spawn(move || {
        let mut buf = [0u8; 100];
        let (n, from) = peer.recv_from(&mut buf).unwrap();
        peer.send_to(b"pong", from).unwrap();
        // The port closes: the guest's next datagram draws ICMP port
        // unreachable.
        drop(peer);
        (buf[..n].to_vec(), from)
    });
    let rule = format!("connect udp://127.0.0.1:{port}");
    let report = run_ok("peers_udp_refused", policy(&[&rule]), &["127.0.0.1".into(), port.to_string()]);
    let (got, from) = native.join().unwrap();
    assert_eq!(got, b"ping");
    assert_eq!(from.ip().to_string(), "127.0.0.1");
    let attempts: u32 = report.get("attempts").parse().unwrap();
    assert!((1..=20).contains(&attempts));
    assert_eq!(report.get("refused_class"), "ConnectionRefusedError");
    assert_eq!(report.get("refused_errno"), "111");
    assert_eq!(report.get("refused_str"), "[Errno 111] Connection refused");
}

// ---------------------------------------------------------------------------------------------
// Tests in a network namespace of their own.

/// Set (to the test's name) in the re-executed test binary that runs one
/// test inside the namespace.
const NETNS_CHILD: &str = "CAPSOCK_PEERS_NETNS_CHILD";
const UNSHARE: &str = "/usr/bin/unshare";
const IP: &str = "/usr/sbin/ip";
const TC: &str = "/usr/sbin/tc";
const MOUNT: &str = "/usr/bin/mount";
/// The longest a namespaced child may run.
const CHILD_DEADLINE: Duration = Duration::from_secs(240);

/// Whether this process is the namespaced child running `test`.
fn is_child(test: &str) -> bool {
    std::env::var(NETNS_CHILD).as_deref() == Ok(test)
}

/// Run `program args`, returning its stdout, or what went wrong.
fn sh(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program).args(args).stdin(Stdio::null()).output();
    match out {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => Err(format!(
            "`{program} {}` failed ({}): {}",
            args.join(" "),
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("cannot run {program}: {e}")),
    }
}

/// Run `program args`, which must succeed.
fn must(program: &str, args: &[&str]) -> String {
    sh(program, args).unwrap_or_else(|e| panic!("{e}"))
}

/// In the parent: run test `test` again in a new network and mount
/// namespace (this binary under `unshare --net --mount`) and require that it
/// passed there. `Err` says why no namespace can be made here.
fn run_in_namespace(test: &str) -> Result<(), String> {
    sh(UNSHARE, &["--net", "--mount", "--", IP, "link", "set", "lo", "up"])?;
    let exe = std::env::current_exe().map_err(|e| format!("no path to this test binary: {e}"))?;
    let mut child = Command::new(UNSHARE)
        .args(["--net", "--mount", "--"])
        .arg(exe)
        .args([&format!("peers::{test}"), "--exact", "--nocapture", "--test-threads=1"])
        .env(NETNS_CHILD, test)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {UNSHARE}: {e}"))?;
    let drain = |mut r: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > CHILD_DEADLINE {
            // Our own child, by its pid.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(50));
    };
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    eprintln!("--- {test} in its namespace: stdout\n{out}--- stderr\n{err}---");
    let status = status.unwrap_or_else(|| panic!("{test} in its namespace ran past {CHILD_DEADLINE:?}"));
    assert!(status.success(), "{test} failed in its namespace ({status})");
    assert!(out.contains(&format!("test peers::{test} ... ok")), "the namespaced child did not run {test}");
    Ok(())
}

/// In the child: bring `lo` up and make sure it is the only interface, so
/// that nothing this test sends can leave the machine.
fn namespace_setup() {
    must(IP, &["link", "set", "lo", "up"]);
    let links = must(IP, &["-o", "link", "show"]);
    let names: Vec<&str> = links.lines().filter_map(|l| l.split(':').nth(1)).map(str::trim).collect();
    assert_eq!(names, ["lo"], "not a fresh network namespace:\n{links}");
}

/// A test that runs in its own namespace: in the parent, run it there (or
/// skip); in the child, run `body`.
fn namespaced(test: &str, body: impl FnOnce()) {
    if is_child(test) {
        namespace_setup();
        body();
    } else if let Err(why) = run_in_namespace(test) {
        eprintln!("skipped: {test}: cannot make a network namespace here: {why}");
    }
}

/// The first name in a DNS query, dotted.
fn query_name(q: &[u8]) -> Option<String> {
    let mut labels = Vec::new();
    let mut i = 12;
    while let Some(&len) = q.get(i) {
        if len == 0 {
            return Some(labels.join("."));
        }
        let label = q.get(i + 1..i + 1 + len as usize)?;
        labels.push(String::from_utf8_lossy(label).into_owned());
        i += 1 + len as usize;
    }
    None
}

/// A DNS server on 127.0.0.1:53 (in the test's namespace) that answers
/// SERVFAIL to names whose first label is `fail` and never answers others.
/// Returns the names it was asked, in order.
fn fake_dns(stop: Arc<AtomicBool>) -> thread::JoinHandle<Vec<String>> {
    let s = UdpSocket::bind("127.0.0.1:53").expect("binding 127.0.0.1:53 in the namespace");
    s.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    thread::spawn(move || {
        let mut asked = Vec::new();
        let start = Instant::now();
        let mut buf = [0u8; 1500];
        while !stop.load(Ordering::Relaxed) && start.elapsed() < GUEST_DEADLINE {
            let (n, from) = match s.recv_from(&mut buf) {
                Ok(r) => r,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
                Err(e) => panic!("fake DNS server: {e}"),
            };
            let Some(name) = query_name(&buf[..n]) else { continue };
            if name.split('.').next() == Some("fail") {
                // The query back as a response: QR, RD as asked, RA, RCODE 2.
                let mut r = buf[..n].to_vec();
                r[2] = 0x80 | (r[2] & 0x01);
                r[3] = 0x80 | 2;
                s.send_to(&r, from).unwrap();
            }
            asked.push(name);
        }
        asked
    })
}

#[test]
pub fn peers_slow_resolver() {
    namespaced("peers_slow_resolver", || {
        // In this mount namespace only: the resolver asks 127.0.0.1 (which
        // is this namespace's own loopback) and nothing but files and DNS.
        // glibc would wait 30 s for an unanswered query; capsock gives up
        // at its lookup timeout (10 s).
        let dir = std::env::temp_dir().join(format!("capsock-peers-resolver-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let resolv = dir.join("resolv.conf");
        std::fs::write(&resolv, "nameserver 127.0.0.1\noptions timeout:30 attempts:1\n").unwrap();
        let nsswitch = dir.join("nsswitch.conf");
        std::fs::write(&nsswitch, "hosts: files dns\n").unwrap();
        must(MOUNT, &["--bind", resolv.to_str().unwrap(), "/etc/resolv.conf"]);
        must(MOUNT, &["--bind", nsswitch.to_str().unwrap(), "/etc/nsswitch.conf"]);
        assert_eq!(std::fs::read_to_string("/etc/resolv.conf").unwrap(), std::fs::read_to_string(&resolv).unwrap());

        let stop = Arc::new(AtomicBool::new(false));
        let dns = fake_dns(stop.clone());
        let (failing, slow) = ("fail.peers.test", "slow.peers.test");
        let rules = [format!("resolve *://{failing}"), format!("resolve *://{slow}")];
        let report = run_ok("peers_slow_resolver", policy(&[&rules[0], &rules[1]]), &[failing.into(), slow.into()]);
        stop.store(true, Ordering::Relaxed);
        let asked = dns.join().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        eprintln!("peers_slow_resolver: the fake DNS server was asked {asked:?}; {}", report.stdout.trim());
        assert!(asked.iter().any(|n| n == failing), "the failing lookup reached the fake server: {asked:?}");
        assert!(asked.iter().any(|n| n == slow), "the slow lookup reached the fake server: {asked:?}");
        for key in ["failing", "slow"] {
            assert_eq!(report.get(&format!("{key}_errno")), "-3", "{key}");
            assert_eq!(report.get(&format!("{key}_name")), "EAI_AGAIN", "{key}");
            assert_eq!(report.get(&format!("{key}_str")), "[Errno -3] Temporary failure in name resolution", "{key}");
        }
        // SERVFAIL is glibc's own EAI_AGAIN, well before capsock's timeout;
        // the unanswered query is capsock's timeout, well before glibc's.
        let ms: u64 = report.get("failing_ms").parse().unwrap();
        assert!(ms < 9_000, "the SERVFAIL lookup took {ms} ms");
        let ms: u64 = report.get("slow_ms").parse().unwrap();
        assert!(ms < 25_000, "the unanswered lookup took {ms} ms");
    });
}

// The lossy, slow link.

const DELAY: Duration = Duration::from_millis(20);
const LOSS_PER_MILLE: u64 = 20;
const NETEM_BYTES: usize = 4 << 20;

/// The native echo peer of `peers_netem`: two connections. The first starts
/// with `E` and is echoed (read and written by separate threads, so this
/// side never stops reading) and hashed; on the second, which starts with
/// `P`, each `?` is answered with `!` and nothing is sent unasked. Returns
/// the bytes echoed, their hash and the `?`s answered.
fn netem_peer(l: TcpListener) -> (usize, String, usize) {
    let mut s = accept_within(&l, PEER_TIMEOUT).expect("the guest's bulk connection");
    let mut tag = [0u8; 1];
    s.read_exact(&mut tag).unwrap();
    assert_eq!(&tag, b"E");
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let mut w = s.try_clone().unwrap();
    let writer = thread::spawn(move || {
        for chunk in rx {
            w.write_all(&chunk).expect("echo write");
        }
        w.shutdown(std::net::Shutdown::Write).unwrap();
    });
    let mut hasher = Sha256::new();
    let mut total = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = s.read(&mut buf).unwrap_or_else(|e| panic!("echo read after {total} bytes: {e}"));
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n;
        assert!(total <= NETEM_BYTES, "the guest sent more than {NETEM_BYTES} bytes");
        tx.send(buf[..n].to_vec()).unwrap();
    }
    drop(tx);
    writer.join().unwrap();

    let mut s = accept_within(&l, PEER_TIMEOUT).expect("the guest's ping connection");
    s.read_exact(&mut tag).unwrap();
    assert_eq!(&tag, b"P");
    let mut answered = 0;
    loop {
        match s.read(&mut tag).unwrap() {
            0 => break,
            _ => {
                assert_eq!(&tag, b"?");
                s.write_all(b"!").unwrap();
                answered += 1;
                assert!(answered <= 1000, "more pings than the guest sends");
            }
        }
    }
    (total, hex(&hasher.finalize()), answered)
}

/// A point-to-point TUN device named `name` in the calling thread's
/// network namespace, non-blocking.
fn open_tun(name: &str) -> std::fs::File {
    let f = std::fs::OpenOptions::new().read(true).write(true).open("/dev/net/tun").expect("opening /dev/net/tun");
    let mut ifr = [0u8; 40];
    ifr[..name.len()].copy_from_slice(name.as_bytes());
    let flags = (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short;
    ifr[16..18].copy_from_slice(&flags.to_ne_bytes());
    // SAFETY: TUNSETIFF reads and writes a `struct ifreq` (40 bytes: the
    // name, then the flags), which `ifr` is; the fd is open.
    let r = unsafe { libc::ioctl(f.as_raw_fd(), libc::TUNSETIFF, ifr.as_mut_ptr()) };
    assert_eq!(r, 0, "TUNSETIFF {name}: {}", std::io::Error::last_os_error());
    // SAFETY: F_SETFL with O_NONBLOCK on an open fd.
    let r = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) };
    assert_eq!(r, 0, "O_NONBLOCK: {}", std::io::Error::last_os_error());
    f
}

/// What the link emulator did.
#[derive(Debug, Default)]
struct LinkStats {
    forwarded: u64,
    dropped: u64,
}

/// netem in user space: every packet read from one TUN device is written
/// to the other after [`DELAY`], except a seeded [`LOSS_PER_MILLE`] that
/// are dropped. Runs until `stop`, at most [`GUEST_DEADLINE`].
fn emulate_link(tuns: [std::fs::File; 2], stop: Arc<AtomicBool>) -> LinkStats {
    let mut queues: [std::collections::VecDeque<(Instant, Vec<u8>)>; 2] = Default::default();
    let mut stats = LinkStats::default();
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut buf = vec![0u8; 1 << 16];
    let start = Instant::now();
    while !stop.load(Ordering::Relaxed) && start.elapsed() < GUEST_DEADLINE {
        let now = Instant::now();
        for (dir, queue) in queues.iter_mut().enumerate() {
            while let Some((due, _)) = queue.front()
                && *due <= now
            {
                let (_, packet) = queue.pop_front().unwrap();
                // A full device queue drops the packet, as a link would.
                if (&tuns[1 - dir]).write(&packet).is_ok() {
                    stats.forwarded += 1;
                } else {
                    stats.dropped += 1;
                }
            }
        }
        let next = queues.iter().filter_map(|q| q.front()).map(|(due, _)| due.saturating_duration_since(now)).min();
        let wait = next.unwrap_or(Duration::from_millis(10)).min(Duration::from_millis(10));
        let mut fds = tuns.each_ref().map(|t| libc::pollfd { fd: t.as_raw_fd(), events: libc::POLLIN, revents: 0 });
        // SAFETY: `fds` is an array of two pollfds that outlives the call.
        let r = unsafe { libc::poll(fds.as_mut_ptr(), 2, wait.as_millis().max(1) as libc::c_int) };
        assert!(r >= 0 || std::io::Error::last_os_error().kind() == ErrorKind::Interrupted, "poll");
        for (dir, tun) in tuns.iter().enumerate() {
            for _ in 0..256 {
                let n = match (&*tun).read(&mut buf) {
                    Ok(n) => n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => panic!("reading the TUN device: {e}"),
                };
                rng ^= rng >> 12;
                rng ^= rng << 25;
                rng ^= rng >> 27;
                if rng.wrapping_mul(0x2545_f491_4f6c_dd1d) % 1000 < LOSS_PER_MILLE {
                    stats.dropped += 1;
                } else {
                    queues[dir].push_back((Instant::now() + DELAY, buf[..n].to_vec()));
                }
            }
        }
    }
    stats
}

/// The link the guest reaches its peer over.
enum Link {
    /// `tc netem` on this namespace's `lo`.
    Netem,
    /// Two TUN devices, this namespace's and the peer thread's, joined by
    /// [`emulate_link`].
    Tun { stop: Arc<AtomicBool>, emulator: thread::JoinHandle<LinkStats> },
}

/// The TUN link: `10.213.0.1` here, `10.213.0.2` in a network namespace the
/// peer thread makes for itself, where it listens. Returns the link, the
/// peer's listening address and the peer.
fn tun_link() -> (Link, SocketAddr, thread::JoinHandle<(usize, String, usize)>) {
    let near = open_tun("cspeers0");
    must(IP, &["addr", "add", "10.213.0.1/24", "dev", "cspeers0"]);
    must(IP, &["link", "set", "dev", "cspeers0", "mtu", "9000", "up"]);
    let (tx, rx) = std::sync::mpsc::channel();
    let peer = thread::spawn(move || {
        // SAFETY: unshare(CLONE_NEWNET) moves only this thread into a new
        // network namespace; it touches no memory.
        let r = unsafe { libc::unshare(libc::CLONE_NEWNET) };
        assert_eq!(r, 0, "unshare(CLONE_NEWNET): {}", std::io::Error::last_os_error());
        // Commands started from this thread run in its namespace.
        let links = must(IP, &["-o", "link", "show"]);
        assert_eq!(links.lines().count(), 1, "not a fresh network namespace:\n{links}");
        let far = open_tun("cspeers1");
        must(IP, &["addr", "add", "10.213.0.2/24", "dev", "cspeers1"]);
        must(IP, &["link", "set", "dev", "cspeers1", "mtu", "9000", "up"]);
        let l = listener("10.213.0.2");
        tx.send((far, l.local_addr().unwrap())).unwrap();
        netem_peer(l)
    });
    let (far, addr) = rx.recv_timeout(PEER_TIMEOUT).expect("the peer's namespace");
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let emulator = thread::spawn(move || emulate_link([near, far], s));
    (Link::Tun { stop, emulator }, addr, peer)
}

#[test]
pub fn peers_netem() {
    namespaced("peers_netem", || {
        let delay = format!("{}ms", DELAY.as_millis());
        let loss = format!("{}%", LOSS_PER_MILLE / 10);
        let (link, addr, peer) =
            match sh(TC, &["qdisc", "add", "dev", "lo", "root", "netem", "delay", &delay, "loss", &loss]) {
                Ok(_) => {
                    let qdisc = must(TC, &["qdisc", "show", "dev", "lo"]);
                    assert!(qdisc.contains("netem") && qdisc.contains(&format!("delay {delay}")), "{qdisc}");
                    let l = listener("127.0.0.1");
                    let addr = l.local_addr().unwrap();
                    (Link::Netem, addr, thread::spawn(move || netem_peer(l)))
                }
                Err(why) => {
                    if let Err(e) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/net/tun") {
                        eprintln!("skipped: peers_netem: no tc netem ({why}) and no /dev/net/tun ({e})");
                        return;
                    }
                    eprintln!("peers_netem: no tc netem here ({why}); emulating it over TUN devices instead");
                    tun_link()
                }
            };
        let rule = format!("connect tcp://{}:{}", addr.ip(), addr.port());
        let args = [addr.ip().to_string(), addr.port().to_string(), NETEM_BYTES.to_string(), "20".to_string()];
        let exit = run("peers_netem", policy(&[&rule]), &args);
        let report = Report::from_exit(&exit);
        // The peer first (the guest's FINs must still cross the link), then
        // the link.
        let peer = peer.join();
        let link_stats = match link {
            Link::Netem => must(TC, &["-s", "qdisc", "show", "dev", "lo"]),
            Link::Tun { stop, emulator } => {
                stop.store(true, Ordering::Relaxed);
                let stats = emulator.join().unwrap();
                // 8 MiB crossed it in packets of at most 9000 bytes.
                assert!(stats.forwarded > 800, "the traffic did not cross the emulated link: {stats:?}");
                assert!(stats.dropped > 0, "the emulated link dropped nothing: {stats:?}");
                format!("{stats:?}")
            }
        };
        eprintln!("peers_netem: link {link_stats}; {}", report.stdout.trim());
        assert_eq!(exit.code, 0, "guest exited with {}\n{}", exit.code, report.text());
        let (echoed, native_sha, answered) = peer.expect("the native echo peer");
        assert_eq!(echoed, NETEM_BYTES);
        assert_eq!(report.get("sent_bytes"), NETEM_BYTES.to_string());
        assert_eq!(report.get("echo_bytes"), NETEM_BYTES.to_string());
        assert_eq!(report.get("sent_sha"), native_sha, "guest → peer bytes differ");
        assert_eq!(report.get("echo_sha"), native_sha, "peer → guest bytes differ");
        assert_eq!(report.get("short_timeout_str"), "timed out");
        let ms: u64 = report.get("short_timeout_ms").parse().unwrap();
        assert!(ms < 5_000, "recv with settimeout(0.1) raised only after {ms} ms");
        assert_eq!(report.get("rounds"), "20", "every round trip beat its 2 s timeout");
        assert_eq!(answered, 20);
    });
}

macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports, reason = "names the test, proving it exists")]
        use self::$name as _;
    };
}
capsock_tests::foreach_peers!(assert_test_exists);
