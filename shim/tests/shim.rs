//! The shim in-process (no root, no containerd): a fake `RuntimeContext`
//! drives `run_wasi` on a std::net guest with an allowed and a denied
//! connect to loopback listeners; policy precedence, the ceiling's
//! intersection and the scrubbing of `CAPSOCK_*` each have a test.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use containerd_shim_capsock::{CapsockSandbox, Plan, Stderr, run};
use containerd_shim_wasm::sandbox::Sandbox as _;
use containerd_shim_wasm::sandbox::context::{Entrypoint, RuntimeContext, Source};
use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

include!(concat!(env!("OUT_DIR"), "/guests.rs"));

fn guest_path(name: &str) -> PathBuf {
    PathBuf::from(GUESTS.iter().find(|(n, _)| *n == name).unwrap().1)
}

struct FakeCtx {
    args: Vec<String>,
    envs: Vec<String>,
    wasm: PathBuf,
}

impl RuntimeContext for FakeCtx {
    fn args(&self) -> &[String] {
        &self.args
    }

    fn envs(&self) -> &[String] {
        &self.envs
    }

    fn entrypoint(&self) -> Entrypoint<'_> {
        Entrypoint {
            func: "_start".into(),
            name: Some("app".into()),
            arg0: None,
            source: Source::File(self.wasm.clone()),
        }
    }
}

/// Two listeners: (allowed port, denied port, what each received).
fn listeners() -> (u16, u16, std::thread::JoinHandle<(Vec<u8>, bool)>) {
    let allowed = TcpListener::bind("127.0.0.1:0").unwrap();
    let denied = TcpListener::bind("127.0.0.1:0").unwrap();
    let (ap, dp) = (allowed.local_addr().unwrap().port(), denied.local_addr().unwrap().port());
    let h = std::thread::spawn(move || {
        let (mut s, _) = allowed.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        denied.set_nonblocking(true).unwrap();
        let until = Instant::now() + Duration::from_millis(300);
        let mut reached = false;
        while Instant::now() < until {
            if denied.accept().is_ok() {
                reached = true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        (got, reached)
    });
    (ap, dp, h)
}

fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn run_wasi_allows_what_the_pod_grants_and_nothing_else() {
    let (ap, dp, peers) = listeners();
    let ctx = FakeCtx {
        args: vec!["/app.wasm".into(), ap.to_string(), dp.to_string()],
        envs: vec![format!("CAPSOCK_POLICY=allow = [\"connect tcp://127.0.0.1:{ap}\"]"), "HOME=/".into()],
        wasm: guest_path("policy_std_net_client"),
    };
    let code = tokio().block_on(CapsockSandbox.run_wasi(&ctx)).unwrap();
    assert_eq!(code, 0, "the guest panics if the denied connect succeeds");
    let (got, reached) = peers.join().unwrap();
    assert_eq!(got, b"std");
    assert!(!reached, "the denied connect reached the OS");
}

/// The audit on "stderr", each line tagged, next to the guest's lines.
#[test]
fn audit_lines_are_tagged_on_stderr_and_the_ceiling_wins() {
    let (ap, dp, peers) = listeners();
    // The pod asks for both ports; the node grants only the first.
    let pod = format!("allow = [\"connect tcp://127.0.0.1:{ap}\", \"connect tcp://127.0.0.1:{dp}\"]");
    let ceiling = format!("allow = [\"connect tcp://127.0.0.1:{ap}\"]\n[limits]\nmax_connections = 5");
    let args = ["/app.wasm".to_string(), ap.to_string(), dp.to_string()];
    let plan = Plan::new(&args, &[format!("CAPSOCK_POLICY={pod}")], Some(&ceiling), &|_| unreachable!()).unwrap();
    assert_eq!(plan.options.limits.max_connections, 5, "the smaller limit");
    let buf = Arc::new(Mutex::new(Vec::new()));
    let stderr = Stderr::to(Box::new(Shared(Arc::clone(&buf))));
    let wasm = std::fs::read(guest_path("policy_std_net_client")).unwrap();
    let code = tokio().block_on(run(plan, &wasm, stderr)).unwrap();
    assert_eq!(code, 0);
    let (got, reached) = peers.join().unwrap();
    assert_eq!(got, b"std");
    assert!(!reached, "the ceiling's refusal reached the OS");
    let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
    let audit: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| l.starts_with("{\"src\":\"capsock-audit\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let denied = audit
        .iter()
        .find(|r| r["op"] == "connect" && r["allowed"] == false)
        .unwrap_or_else(|| panic!("a denied connect audited:\n{text}"));
    assert_eq!(denied["target"], format!("tcp://127.0.0.1:{dp}"));
    assert_eq!(denied["rule"], "ceiling: default deny", "the ceiling decided");
    assert!(audit.iter().any(|r| r["op"] == "connect" && r["allowed"] == true), "{text}");
}

struct Shared(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn check(plan: &Plan, port: u16) -> bool {
    use capsock_host::policy::{Action, Request, Scheme};
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    plan.options.policy.check(&Request { action: Action::Connect, scheme: Scheme::Tcp, addr, names: &[] }).allowed()
}

#[test]
fn policy_text_beats_policy_file_and_none_means_no_network() {
    let args = ["/app.wasm".to_string()];
    let text = "CAPSOCK_POLICY=allow = [\"connect tcp://127.0.0.1:1\"]".to_string();
    let file = "CAPSOCK_POLICY_FILE=/policy.toml".to_string();
    let read = |p: &str| {
        assert_eq!(p, "/policy.toml");
        Ok("allow = [\"connect tcp://127.0.0.1:2\"]".to_string())
    };
    let both = Plan::new(&args, &[text.clone(), file.clone()], None, &read).unwrap();
    assert!(check(&both, 1) && !check(&both, 2), "CAPSOCK_POLICY wins");
    assert!(both.notes.iter().any(|n| n.contains("ignored")), "{:?}", both.notes);
    let from_file = Plan::new(&args, std::slice::from_ref(&file), None, &read).unwrap();
    assert!(check(&from_file, 2) && !check(&from_file, 1));
    let none = Plan::new(&args, &[], None, &read).unwrap();
    assert!(!check(&none, 1) && !check(&none, 2));
    assert!(none.notes.iter().any(|n| n.contains("no network")));
    let missing = Plan::new(&args, &[file], None, &|_| Err(std::io::ErrorKind::NotFound.into()));
    assert!(missing.is_err(), "a policy file that cannot be read is an error, not an open policy");
    let bad = Plan::new(&args, &["CAPSOCK_POLICY=alow = []".into()], None, &read);
    assert!(bad.err().unwrap().to_string().contains("alow"));
}

#[test]
fn the_ceiling_intersects_and_capsock_variables_never_reach_the_guest() {
    let args = ["/app.wasm".to_string(), "x".to_string()];
    let envs = [
        "CAPSOCK_POLICY=allow = [\"connect tcp://127.0.0.1:*\"]\n[limits]\nmax_sockets = 50".to_string(),
        "CAPSOCK_TOKEN=secret".to_string(),
        "PATH=/bin".to_string(),
    ];
    let ceiling = "allow = [\"connect tcp://127.0.0.1:1-100\"]\ndeny = [\"connect tcp://127.0.0.1:22\"]\n[limits]\nmax_sockets = 10\n[tls]\nrequire = true";
    let plan = Plan::new(&args, &envs, Some(ceiling), &|_| unreachable!()).unwrap();
    assert!(check(&plan, 80));
    assert!(!check(&plan, 22) && !check(&plan, 8080), "only what both allow");
    assert_eq!(plan.options.limits.max_sockets, 10);
    assert_eq!(plan.options.env, [("PATH".to_string(), "/bin".to_string())]);
    assert_eq!(plan.options.args, ["x"]);
    assert_eq!(plan.options.name, "app.wasm");
    assert!(plan.options.tls.requires("8.8.8.8:443".parse().unwrap()), "the ceiling's [tls] require holds");
}
