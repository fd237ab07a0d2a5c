//! `containerd-shim-capsock-v1`: a containerd runwasi shim (runtime type
//! `io.containerd.capsock.v1`) that runs each pod's wasm component under
//! its own capsock policy, bounded by the node operator's ceiling.
//!
//! - **The pod's policy**: env `CAPSOCK_POLICY` holds the text of a policy
//!   file (the schema of `capsock run --policy`), or `CAPSOCK_POLICY_FILE`
//!   names one inside the container; when both are set `CAPSOCK_POLICY`
//!   wins and a line on stderr says the file was ignored. Neither: no
//!   network at all. `CAPSOCK_*` variables never reach the guest.
//! - **The operator's ceiling**: [`CEILING_PATH`] on the node, read by the
//!   shim process when it starts (before any container exists, so never
//!   from a pod's filesystem). An operation is allowed only if both the
//!   ceiling and the pod's policy allow it; limits are the smaller of the
//!   two; `[tls] require` holds if either says so. No ceiling file: the
//!   pod's policy alone decides (said on stderr).
//! - **Audit**: JSON lines on the container's stderr, each with
//!   `"src":"capsock-audit"`, each one `write(2)`; the guest's stderr is
//!   handed on in whole lines under the same lock, so an audit line never
//!   splits a guest's line.
//! - **Signals**: SIGTERM (or SIGINT) stops the guest at its next yield
//!   point and the container exits 143 (130).
//!
//! # Ambient Authority
//! The shim process reads [`CEILING_PATH`] once, at start. Inside the
//! container it reads the pod's policy file, TLS CA files and the wasm
//! entrypoint from the container's filesystem, and opens the sockets the
//! policy grants; nothing else.

use anyhow::Context as _;
use capsock_host::config::{Flags, PolicyFile, build_sandbox};
use capsock_host::{AuditSink, Output, RunOptions, Runtime};
use containerd_shim_wasm::sandbox::Sandbox;
use containerd_shim_wasm::sandbox::context::RuntimeContext;
use containerd_shim_wasm::shim::{Shim, Version, version};
use std::io::Write as _;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// Where the node operator's ceiling lives.
pub const CEILING_PATH: &str = "/etc/capsock/ceiling.toml";

/// The ceiling's text as the shim process read it at start (`None`: no
/// file). Set by `main` before containerd's shim machinery runs; the
/// container's init process inherits it.
static CEILING: OnceLock<Option<String>> = OnceLock::new();

/// Read the ceiling now, on the node's filesystem: [`CEILING_PATH`], or
/// the file `CAPSOCK_CEILING_PATH` names in the shim's own environment
/// (containerd's, which no pod sets; tests use it).
///
/// # Errors
/// A ceiling file that exists but cannot be read (a missing one is fine).
pub fn load_ceiling() -> std::io::Result<()> {
    let path = std::env::var("CAPSOCK_CEILING_PATH").unwrap_or_else(|_| CEILING_PATH.to_string());
    let text = match std::fs::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let _ = CEILING.set(text);
    Ok(())
}

/// The shim.
pub struct CapsockShim;

/// One container's runner.
#[derive(Default)]
pub struct CapsockSandbox;

impl Shim for CapsockShim {
    fn name() -> &'static str {
        "capsock"
    }

    fn version() -> Version {
        version!()
    }

    type Sandbox = CapsockSandbox;
}

impl Sandbox for CapsockSandbox {
    async fn run_wasi(&self, ctx: &impl RuntimeContext) -> anyhow::Result<i32> {
        // First of all: the container's init process ignores a signal it
        // has no handler for, so one sent while the guest compiles would be
        // lost.
        let signals = Signals::new()?;
        let stderr = Stderr::process();
        let ceiling = CEILING.get().cloned().flatten();
        let plan = match Plan::new(ctx.args(), ctx.envs(), ceiling.as_deref(), &|p| std::fs::read_to_string(p)) {
            Ok(plan) => plan,
            Err(e) => {
                stderr.line(format!("capsock: {e:#}\n").as_bytes());
                return Ok(1);
            }
        };
        for note in &plan.notes {
            stderr.line(format!("capsock: {note}\n").as_bytes());
        }
        let wasm = ctx.entrypoint().source.as_bytes().context("reading the wasm entrypoint")?;
        run_with(plan, &wasm, stderr, signals).await
    }
}

/// SIGTERM and SIGINT, listened for.
pub struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    /// Install the handlers now.
    ///
    /// # Errors
    /// When tokio cannot install them (no runtime with a signal driver).
    pub fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals { term: signal(SignalKind::terminate())?, int: signal(SignalKind::interrupt())? })
    }
}

/// Everything one container's guest gets, worked out from its arguments,
/// environment and the ceiling.
pub struct Plan {
    pub options: RunOptions,
    /// What stderr should say before the guest starts.
    pub notes: Vec<String>,
}

impl Plan {
    /// The guest's run: `args[0]` is the entrypoint (its file name is the
    /// guest's `argv[0]`), `envs` are `NAME=VALUE` (`CAPSOCK_*` taken out),
    /// `ceiling` the operator's policy text, `read` reads a file inside the
    /// container (for `CAPSOCK_POLICY_FILE`).
    ///
    /// # Errors
    /// A pod policy or ceiling that does not parse or cannot be honoured,
    /// with where it came from.
    pub fn new(
        args: &[String],
        envs: &[String],
        ceiling: Option<&str>,
        read: &dyn Fn(&str) -> std::io::Result<String>,
    ) -> anyhow::Result<Plan> {
        let mut notes = Vec::new();
        let var = |name: &str| envs.iter().find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')).map(str::to_string);
        let (text, origin) = match (var("CAPSOCK_POLICY"), var("CAPSOCK_POLICY_FILE")) {
            (Some(text), file) => {
                if let Some(f) = file {
                    notes.push(format!("CAPSOCK_POLICY is set, so CAPSOCK_POLICY_FILE={f} is ignored"));
                }
                (Some(text), "CAPSOCK_POLICY".to_string())
            }
            (None, Some(path)) => {
                let text = read(&path).with_context(|| format!("CAPSOCK_POLICY_FILE={path}"))?;
                (Some(text), path)
            }
            (None, None) => {
                notes.push("no CAPSOCK_POLICY or CAPSOCK_POLICY_FILE: the guest has no network".to_string());
                (None, String::new())
            }
        };
        let mut pod_file = match &text {
            Some(t) => PolicyFile::parse(t, &origin).map_err(|e| anyhow::anyhow!("{e}"))?,
            None => PolicyFile::default(),
        };
        // Under a ceiling, AF_UNIX directories are compared as the paths
        // they really are (a granted `/run/app/x` that is a symlink to
        // another volume is not inside the node's `/run/app`).
        if ceiling.is_some() {
            canonical_dirs(&mut pod_file)?;
        }
        let pod = build_sandbox(Some(&pod_file), &Flags::default()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (policy, limits, require_tls) = match ceiling {
            None => {
                notes.push(format!("no {CEILING_PATH} on this node: the pod's policy alone decides"));
                (pod.policy, pod.limits, pod_file.tls.require)
            }
            Some(c) => {
                let mut file = PolicyFile::parse(c, CEILING_PATH).map_err(|e| anyhow::anyhow!("{e}"))?;
                canonical_dirs(&mut file)?;
                let node = build_sandbox(Some(&file), &Flags::default()).map_err(|e| anyhow::anyhow!("{e}"))?;
                (pod.policy.under(node.policy), pod.limits.min(&node.limits), pod_file.tls.require || file.tls.require)
            }
        };
        let mut tls = pod.tls;
        tls.require_tls(require_tls);
        let entry = args.first().map(String::as_str).unwrap_or("guest.wasm");
        let name = std::path::Path::new(entry.split('#').next().unwrap_or(entry))
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "guest".to_string());
        let env = envs
            .iter()
            .filter(|kv| !kv.starts_with("CAPSOCK_"))
            .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
            .collect();
        let mut options = RunOptions::new(capsock_host::Policy::deny_all());
        options.policy = Arc::new(policy);
        options.args = args.iter().skip(1).cloned().collect();
        options.env = env;
        options.limits = limits;
        options.resolver = pod.resolver;
        options.tls = tls;
        options.name = name;
        options.wasi_nodelay = pod.wasi_nodelay;
        Ok(Plan { options, notes })
    }
}

/// Resolve a policy file's AF_UNIX directories to the paths they really
/// name (symlinks followed, relative to the file's base).
fn canonical_dirs(file: &mut PolicyFile) -> anyhow::Result<()> {
    for d in &mut file.unix.dirs {
        let full = file.base.join(&*d);
        *d = std::fs::canonicalize(&full).with_context(|| format!("[unix] dirs: {}", full.display()))?;
    }
    Ok(())
}

/// The container's stderr, shared by the guest's lines and the audit's:
/// each line is one `write(2)` under one lock.
#[derive(Clone)]
pub struct Stderr(Arc<Mutex<Box<dyn std::io::Write + Send>>>);

impl Stderr {
    /// The process's fd 2, unbuffered.
    pub fn process() -> Stderr {
        Stderr::to(Box::new(RawStderr))
    }

    /// Any writer (tests use a shared buffer).
    pub fn to(w: Box<dyn std::io::Write + Send>) -> Stderr {
        Stderr(Arc::new(Mutex::new(w)))
    }

    /// Write one whole line.
    pub fn line(&self, bytes: &[u8]) {
        let mut w = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = w.write_all(bytes);
    }

    /// One audit record (a JSON object) as a tagged line.
    fn audit(&self, record: &str) {
        let body = record.strip_prefix('{').unwrap_or(record);
        self.line(format!("{{\"src\":\"capsock-audit\",{body}\n").as_bytes());
    }
}

/// fd 2 with one `write(2)` per `write` (std's `Stderr` is unbuffered too,
/// but takes its own process-wide lock; this one is ours).
struct RawStderr;

impl std::io::Write for RawStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // SAFETY: fd 2 stays open for the process's life; `buf` is a valid
        // slice of `buf.len()` bytes.
        let n = unsafe { libc::write(2, buf.as_ptr().cast(), buf.len()) };
        if n < 0 { Err(std::io::Error::last_os_error()) } else { Ok(n as usize) }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Run the guest component `wasm` as `plan` says, its stderr and the audit
/// on `stderr`. The exit code: the guest's, 1 for a trap, 143 after
/// SIGTERM and 130 after SIGINT.
///
/// # Errors
/// When wasmtime cannot start or the component cannot be compiled.
pub async fn run(plan: Plan, wasm: &[u8], stderr: Stderr) -> anyhow::Result<i32> {
    run_with(plan, wasm, stderr, Signals::new()?).await
}

async fn run_with(plan: Plan, wasm: &[u8], stderr: Stderr, mut signals: Signals) -> anyhow::Result<i32> {
    let runtime = Runtime::new().map_err(|e| anyhow::anyhow!("starting wasmtime: {e:#}"))?;
    let guest = runtime.load(wasm).map_err(|e| anyhow::anyhow!("loading the wasm component: {e:#}"))?;
    let mut opts = plan.options;
    let (audit, lines) = (stderr.clone(), stderr.clone());
    opts.audit = Some(AuditSink::lines(move |record| audit.audit(record)));
    opts.output = Output::StderrLines(Arc::new(move |line| lines.line(line)));
    // A signal drops the run at the guest's next yield point (within an
    // epoch tick even while it computes), which closes its sockets and
    // flushes its audit.
    let code = tokio::select! {
        r = runtime.run(&guest, opts) => match r {
            Ok(exit) => exit.code,
            Err(e) => {
                let why = match e.downcast_ref::<capsock_host::Trapped>() {
                    Some(t) => format!("{:#}", t.error),
                    None => format!("{e:#}"),
                };
                stderr.line(format!("capsock: guest failed: {}\n", why.replace('\n', " | ")).as_bytes());
                1
            }
        },
        _ = signals.term.recv() => 143,
        _ = signals.int.recv() => 130,
    };
    // runwasi exits the process as soon as this returns: let the bytes a
    // guest wrote that its sockets had not taken yet go first (bounded).
    let grace = if code == 143 || code == 130 { 2 } else { 30 };
    capsock_host::wasi::wait_for_drains(std::time::Duration::from_secs(grace)).await;
    Ok(code)
}
