//! The capability policy (issue 3), end to end: denials before any OS call,
//! limits, the socket-option allowlist, AF_UNIX confinement, std::net under
//! the same policy, and the audit trail.

use capsock_host::{AuditSink, Limits, Policy, RunOptions};
use capsock_tests::*;
use std::io::{Read, Write};
use std::net::UdpSocket;
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

fn opts(policy: Policy, args: &[String]) -> RunOptions {
    args.iter().fold(RunOptions::new(policy).capture(), |o, a| o.arg(a.clone()))
}

fn expect_ok(name: &str, opts: RunOptions) -> Report {
    let exit = run_with(name, opts);
    let report = Report::from_exit(&exit);
    assert_eq!(exit.code, 0, "guest {name} exited with {}\n{}", exit.code, report.text());
    report
}

/// A scratch directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let p = std::env::temp_dir().join(format!("capsock-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
pub fn policy_denials() {
    let busy = listener("127.0.0.1");
    let busy_port = busy.local_addr().unwrap().port();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let udp_port = udp.local_addr().unwrap().port();
    let tcp = listener("127.0.0.1");
    let tcp_port = tcp.local_addr().unwrap().port();
    let mut policy = Policy::deny_all();
    policy.allow("listen tcp://127.0.0.1:*").unwrap();
    policy.deny(&format!("listen tcp://127.0.0.1:{busy_port}")).unwrap();
    let audit_dir = TempDir::new("audit");
    let audit_path = audit_dir.0.join("audit.jsonl");
    let mut o = opts(policy, &[busy_port.to_string(), udp_port.to_string(), tcp_port.to_string()]);
    o.audit = Some(AuditSink::open(&audit_path).unwrap());
    o.name = "policy_denials".into();
    let report = expect_ok("policy_denials", o);

    let bind_busy = report.get("bind_busy");
    assert!(bind_busy.starts_with("[Errno 13]"), "{bind_busy}");
    assert!(bind_busy.ends_with(&format!("| listen tcp://127.0.0.1:{busy_port}")), "names the deny rule: {bind_busy}");
    assert!(report.get("bind_wildcard").contains("listen tcp://0.0.0.0:0"), "{}", report.text());
    assert!(report.get("implicit_listen").contains("listen tcp://0.0.0.0:0"), "{}", report.text());
    assert!(report.get("sendto").contains(&format!("connect udp://127.0.0.1:{udp_port}")));
    assert!(report.get("connect_mapped").contains(&format!("connect tcp://127.0.0.1:{tcp_port}")), "judged as IPv4");
    for key in ["raw", "packet", "netlink"] {
        assert!(report.get(key).starts_with("[Errno 1]"), "{key}: {}", report.get(key));
    }
    assert_eq!(report.get("unknown_family"), "97");
    assert!(report.get("granted_listen").starts_with("('127.0.0.1', "));
    // No OS call was made for the denied ones.
    let mut buf = [0u8; 16];
    assert!(udp.recv_from(&mut buf).is_err(), "a denied datagram was sent");
    assert!(accept_within(&tcp, Duration::from_millis(300)).is_none(), "a denied connect reached the OS");

    // The audit trail lists every decision, one JSON object a line.
    let text = std::fs::read_to_string(&audit_path).unwrap();
    let lines: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}"))).collect();
    let denied: Vec<_> = lines.iter().filter(|v| v["allowed"] == false).collect();
    let allowed: Vec<_> = lines.iter().filter(|v| v["allowed"] == true).collect();
    assert_eq!(denied.len(), 5, "bind busy, bind wildcard, implicit listen, sendto, connect:\n{text}");
    assert_eq!(allowed.len(), 1, "the granted bind:\n{text}");
    for v in &lines {
        assert!(v["instance"].as_str().unwrap().starts_with("policy_denials#"), "{v}");
        assert!(v["ts"].as_f64().unwrap() > 0.0);
    }
    assert!(denied.iter().any(|v| v["op"] == "connect" && v["rule"] == "default deny"));
}

#[test]
pub fn policy_limits() {
    let (addr, server) = echo_server("127.0.0.1", 3);
    let policy = policy(&[&format!("connect tcp://127.0.0.1:{}", addr.port())]);
    let mut o = opts(policy, &[addr.port().to_string()]);
    o.limits = Limits {
        max_sockets: 6,
        max_connections: 2,
        max_connects_per_second: Some(3),
        max_bytes_sent: Some(1000),
        ..Limits::default()
    };
    let exit = run_with("policy_limits", o);
    let report = Report::from_exit(&exit);
    assert_eq!(exit.code, 0, "{}", report.text());
    assert_eq!(exit.stats.bytes_sent, 1000, "Exit::stats counts what was sent");
    assert_eq!(exit.stats.bytes_received, 1000);
    assert_eq!(report.get("sockets_errno"), "24");
    assert!(report.get("sockets_msg").contains("max_sockets=6"), "{}", report.text());
    assert!(report.get("connections").ends_with("| limit max_connections=2"), "{}", report.text());
    assert!(report.get("rate").ends_with("| limit max_connects_per_second=3"), "{}", report.text());
    assert!(report.get("bytes_sent").ends_with("| limit max_bytes_sent=1000"), "{}", report.text());
    assert_eq!(report.get("echoed_after_limit"), "1000");
    assert_eq!(server.join().unwrap(), 1000, "the native side received exactly the budget");
}

/// Receive one datagram with its IP TOS byte (IP_RECVTOS ancillary data).
fn recv_with_tos(sock: &UdpSocket) -> (Vec<u8>, Option<u8>) {
    use std::os::fd::AsRawFd;
    let one: libc::c_int = 1;
    let fd = sock.as_raw_fd();
    // SAFETY: plain setsockopt/recvmsg on a live socket with buffers that
    // outlive the calls; lengths match the buffers.
    unsafe {
        libc::setsockopt(fd, libc::IPPROTO_IP, libc::IP_RECVTOS, (&one as *const libc::c_int).cast(), 4);
        let mut data = [0u8; 64];
        let mut control = [0u8; 64];
        let mut iov = libc::iovec { iov_base: data.as_mut_ptr().cast(), iov_len: data.len() };
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = control.len();
        let n = libc::recvmsg(fd, &mut msg, 0);
        assert!(n >= 0, "recvmsg: {}", std::io::Error::last_os_error());
        let mut tos = None;
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::IPPROTO_IP && (*cmsg).cmsg_type == libc::IP_TOS {
                tos = Some(*libc::CMSG_DATA(cmsg));
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
        (data[..n as usize].to_vec(), tos)
    }
}

fn sockopts_run(granted: bool) -> (Report, Option<u8>) {
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    peer.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
    let port = peer.local_addr().unwrap().port();
    let mut policy = policy(&[&format!("connect udp://127.0.0.1:{port}")]);
    policy.deny_sockopt("IPPROTO_TCP:TCP_CORK");
    if granted {
        policy.allow_sockopt("SOL_SOCKET:SO_MARK");
    }
    let report = expect_ok("policy_sockopts", opts(policy, &[port.to_string(), u8::from(granted).to_string()]));
    let (data, tos) = recv_with_tos(&peer);
    assert_eq!(data, b"tos");
    (report, tos)
}

#[test]
pub fn policy_sockopts() {
    let (report, tos) = sockopts_run(false);
    assert_eq!(report.get("tos"), "40");
    assert_eq!(tos, Some(0x28), "IP_TOS reached the OS socket: the native peer sees it on the wire");
    let mark = report.get("mark");
    assert!(mark.starts_with("[Errno 13]") && mark.ends_with("| not in the default sockopt allowlist"), "{mark}");
    assert!(report.get("priority7").contains("SOL_SOCKET:SO_PRIORITY"), "{}", report.text());
    assert_eq!(report.get("priority3"), "3");
    assert_eq!(report.get("unknown"), "92");
    assert_eq!(report.get("short_value"), "22");
    assert_eq!(report.get("denied_cork"), "[sockopts] deny IPPROTO_TCP:TCP_CORK");

    // Granted by name, the option takes effect (SO_MARK needs CAP_NET_ADMIN,
    // which CI's root has).
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let (report, _) = sockopts_run(true);
        assert_eq!(report.get("mark"), "7");
    }
}

#[test]
pub fn policy_unix() {
    let root = TempDir::new("unix");
    let dir = root.0.join("run");
    let outside = root.0.join("outside");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("link")).unwrap();
    let _outside_listener = UnixListener::bind(outside.join("target.sock")).unwrap();
    std::os::unix::fs::symlink(outside.join("target.sock"), dir.join("evil.sock")).unwrap();
    let native = UnixListener::bind(dir.join("native.sock")).unwrap();
    let dgram = UnixDatagram::bind(dir.join("native-dg.sock")).unwrap();
    dgram.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
    let dgram_peer = thread::spawn(move || {
        let mut buf = [0u8; 16];
        let (n, guest) = dgram.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"datagram");
        // The guest's address is a real path another process can answer.
        let guest_path = guest.as_pathname().expect("the guest's datagram socket has a path").to_path_buf();
        assert_eq!(guest_path.file_name().unwrap(), "guest-dg.sock");
        dgram.send_to(b"reply", &guest_path).unwrap();
    });
    let d2 = dir.clone();
    let peer = thread::spawn(move || {
        let (mut c, _) = native.accept().unwrap();
        c.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
        let mut ready = [0u8; 5];
        c.read_exact(&mut ready).unwrap();
        assert_eq!(&ready, b"ready");
        let mut s = UnixStream::connect(d2.join("guest.sock")).unwrap();
        s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
        s.write_all(b"ping").unwrap();
        let mut pong = [0u8; 4];
        s.read_exact(&mut pong).unwrap();
        pong
    });
    let mut policy = Policy::deny_all();
    policy.allow_unix_dir(&dir);
    let args = [dir.display().to_string(), outside.display().to_string()];
    let report = expect_ok("policy_unix", opts(policy, &args));
    assert_eq!(&peer.join().unwrap(), b"pong");
    dgram_peer.join().unwrap();
    assert_eq!(report.get("dgram_reply"), format!("reply from '{}/native-dg.sock'", dir.display()));
    assert_eq!(report.get("bound"), format!("'{}/guest.sock'", dir.display()));
    assert!(report.get("autobind").contains("unix:autobind"), "{}", report.text());
    for key in ["dotdot", "absolute", "symlinked_dir", "relative", "symlinked_socket", "abstract", "autobind"] {
        assert!(report.get(key).starts_with("[Errno 13]"), "{key}: {}", report.get(key));
    }
    assert!(!outside.join("escape.sock").exists() && !root.0.join("escape.sock").exists(), "an escape created a file");
}

#[test]
pub fn policy_std_net_client() {
    let allowed = listener("127.0.0.1");
    let denied = listener("127.0.0.1");
    let (ap, dp) = (allowed.local_addr().unwrap().port(), denied.local_addr().unwrap().port());
    let server = thread::spawn(move || {
        let mut s = accept_within(&allowed, PEER_TIMEOUT).expect("the allowed std::net connect arrives");
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        got
    });
    let policy = Arc::new(policy(&[&format!("connect tcp://127.0.0.1:{ap}")]));
    let mut o = RunOptions::new(Policy::deny_all()).capture().arg(ap.to_string()).arg(dp.to_string());
    o.policy = policy;
    let report = expect_ok("policy_std_net_client", o);
    assert_eq!(server.join().unwrap(), b"std");
    assert_eq!(report.get("denied_kind"), "PermissionDenied");
    assert!(accept_within(&denied, Duration::from_millis(300)).is_none(), "the denied std::net connect reached the OS");
}

/// A hook that grants one target and counts what it is asked.
struct GrantOne {
    target: String,
    asked: std::sync::Mutex<Vec<String>>,
}

impl capsock_host::Hook for GrantOne {
    fn decide(
        &self,
        q: capsock_host::Query,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + Sync + 'static>> {
        self.asked.lock().unwrap().push(q.target.clone());
        let grant = q.target == self.target;
        Box::pin(async move {
            // The guest waits for an answer that takes time, holding no thread.
            tokio::time::sleep(Duration::from_millis(20)).await;
            grant
        })
    }
}

#[test]
pub fn policy_hook() {
    let (addr, server) = echo_server("127.0.0.1", 1);
    let hook = Arc::new(GrantOne { target: format!("tcp://127.0.0.1:{}", addr.port()), asked: Default::default() });
    let mut o = opts(Policy::deny_all(), &["127.0.0.1".into(), addr.port().to_string(), "3".into()]);
    o.hook = Some(hook.clone());
    expect_ok("foundation_tcp_echo_client", o);
    assert!(server.join().unwrap() > 0);
    // A target the hook refuses is denied, and says the hook decided.
    let closed = closed_port("127.0.0.1");
    let mut o = opts(Policy::deny_all(), &["127.0.0.1".into(), closed.to_string()]);
    o.hook = Some(hook.clone());
    let report = expect_ok("foundation_denied_connect", o);
    assert_eq!(report.get("rule"), "hook refused");
    // An explicit deny rule is final: the hook is not asked.
    let mut p = Policy::deny_all();
    p.deny(&format!("connect tcp://127.0.0.1:{closed}")).unwrap();
    let mut o = opts(p, &["127.0.0.1".into(), closed.to_string()]);
    o.hook = Some(hook.clone());
    let report = expect_ok("foundation_denied_connect", o);
    assert_eq!(report.get("rule"), format!("connect tcp://127.0.0.1:{closed}"));
    let asked = hook.asked.lock().unwrap().clone();
    assert_eq!(asked, [format!("tcp://127.0.0.1:{}", addr.port()), format!("tcp://127.0.0.1:{closed}")]);
}

fn run_with_deadline(name: &str, mut o: RunOptions, limit: Duration) -> (wasmtime::Error, Duration) {
    o.deadline = Some(limit);
    let g = guest(name);
    let t0 = std::time::Instant::now();
    let result = tokio().block_on(runtime().run(&g, o));
    (result.expect_err("the deadline stops the guest"), t0.elapsed())
}

#[test]
pub fn policy_spin_forever() {
    // A guest computing forever is stopped at the deadline, and the
    // runtime's two workers stay free for others meanwhile.
    let (err, took) = run_with_deadline(
        "policy_spin_forever",
        RunOptions::new(Policy::deny_all()).capture(),
        Duration::from_millis(300),
    );
    assert!(err.downcast_ref::<capsock_host::TimedOut>().is_some(), "{err:?}");
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(3), "stopped after {took:?}");

    // A guest blocked in recv is stopped too, and its peer sees the close.
    let l = listener("127.0.0.1");
    let port = l.local_addr().unwrap().port();
    let peer = thread::spawn(move || {
        let mut s = accept_within(&l, PEER_TIMEOUT).expect("the guest connects");
        let mut buf = [0u8; 8];
        let t0 = std::time::Instant::now();
        let n = s.read(&mut buf).unwrap_or(0);
        (n, t0.elapsed())
    });
    let o = opts(policy(&[&format!("connect tcp://127.0.0.1:{port}")]), &["127.0.0.1".into(), port.to_string()]);
    let (err, took) = run_with_deadline("foundation_blocked_recv", o, Duration::from_millis(500));
    assert!(err.to_string().contains("deadline"), "{err}");
    assert!(took < Duration::from_secs(3), "stopped after {took:?}");
    let (n, waited) = peer.join().unwrap();
    assert_eq!(n, 0, "the peer reads EOF once the guest is stopped");
    assert!(waited < Duration::from_secs(3));
}

/// The `capsock run` command itself, in-process: a policy file with an
/// audit table, the guest's exit code, a denial, `--timeout`, bad usage.
#[test]
pub fn cli_run() {
    let wasm = |name: &str| GUESTS.iter().find(|(n, _)| *n == name).unwrap().1.to_string();
    let dir = TempDir::new("cli");
    let (addr, server) = echo_server("127.0.0.1", 1);
    let audit = dir.0.join("audit.jsonl");
    let policy_file = dir.0.join("policy.toml");
    std::fs::write(
        &policy_file,
        format!("allow = [\"connect tcp://127.0.0.1:{}\"]\n[audit]\nfile = \"audit.jsonl\"\n", addr.port()),
    )
    .unwrap();
    let args = |policy: &std::path::Path, port: u16| {
        vec![
            "capsock".to_string(),
            "run".into(),
            "--policy".into(),
            policy.display().to_string(),
            wasm("foundation_tcp_echo_client"),
            "127.0.0.1".into(),
            port.to_string(),
            "3".into(),
        ]
    };
    assert_eq!(capsock_host::cli::run(args(&policy_file, addr.port())), 0);
    assert!(server.join().unwrap() > 0, "the native echo server saw the guest's bytes");

    // Another port: the guest's unwrap of the PermissionError traps → 1.
    let closed = closed_port("127.0.0.1");
    assert_eq!(capsock_host::cli::run(args(&policy_file, closed)), 1);
    let log = std::fs::read_to_string(&audit).unwrap();
    let lines: Vec<serde_json::Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.iter().any(|v| v["allowed"] == true && v["target"] == format!("tcp://127.0.0.1:{}", addr.port())));
    assert!(lines.iter().any(|v| v["allowed"] == false && v["target"] == format!("tcp://127.0.0.1:{closed}")));
    assert!(lines.iter().all(|v| v["instance"].as_str().unwrap().starts_with("foundation_tcp_echo_client.wasm#")));

    let spin = ["capsock".to_string(), "run".into(), "--timeout".into(), "0.3".into(), wasm("policy_spin_forever")];
    assert_eq!(capsock_host::cli::run(spin), 124);
    assert_eq!(capsock_host::cli::run(["capsock", "run", "--no-such-flag", "x.wasm"]), 2);
}

/// A guest that bypasses the SDK cannot hurt the host or its neighbours: a
/// 4 GiB `recv` is answered with what is there, and a forged handle traps
/// that instance alone while another guest goes on.
#[test]
pub fn policy_bad_handle() {
    let r = run_ok("policy_bad_handle", Policy::deny_all(), &["huge".into()]);
    assert_eq!(r.get("got"), "small");

    let (addr, server) = echo_server("127.0.0.1", 1);
    let neighbour_opts = opts(
        policy(&[&format!("connect tcp://127.0.0.1:{}", addr.port())]),
        &["127.0.0.1".into(), addr.port().to_string(), "2000".into()],
    );
    let neighbour = {
        let g = guest("foundation_echo_rounds");
        tokio().spawn(async move { runtime().run(&g, neighbour_opts).await })
    };
    let g = guest("policy_bad_handle");
    let result = tokio().block_on(runtime().run(&g, opts(Policy::deny_all(), &["forged".into()])));
    let err = result.expect_err("a forged handle traps the guest");
    let trapped = err.downcast_ref::<capsock_host::Trapped>().expect("a trap, not a host failure");
    assert!(!String::from_utf8_lossy(&trapped.stdout).contains("unreachable"), "the forged call returned");
    let exit = tokio().block_on(neighbour).unwrap().expect("the neighbour ran");
    assert_eq!(exit.code, 0, "the neighbour finished its 2,000 round trips");
    assert_eq!(server.join().unwrap(), 2000 * 32);
}

/// Every guest program of the `policy` suite (`policy_*`, see `capsock-guest-build`)
/// has a test here named after it: a guest without one is a compile error.
macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports, reason = "names the test, proving it exists")]
        use self::$name as _;
    };
}
capsock_tests::foreach_policy!(assert_test_exists);
