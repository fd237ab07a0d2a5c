//! The embedding API: compile a guest once, run it many times, each run its
//! own instance with its own policy, sockets and limits.
//!
//! ```no_run
//! # async fn demo() -> wasmtime::Result<()> {
//! use capsock_host::{Policy, RunOptions, Runtime};
//! let runtime = Runtime::new()?;
//! let guest = runtime.load_file("client.wasm")?;
//! let mut policy = Policy::deny_all();
//! policy.allow("connect tcp://127.0.0.1:8000-9000").expect("valid rule");
//! let exit = runtime.run(&guest, RunOptions::new(policy).arg("8080")).await?;
//! assert_eq!(exit.code, 0);
//! # Ok(()) }
//! ```

use crate::audit::{Audit, AuditSink};
use crate::hook::Hook;
use crate::net::{Limits, NetCtx};
use crate::policy::Policy;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::error::Context as _;
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::bindings::Command;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// How often a running guest must yield its tokio worker. A guest spinning in
/// pure computation cannot starve other guests on the same thread for longer.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The state of one guest instance.
pub struct GuestState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) net: NetCtx,
    limits: StoreLimits,
}

impl WasiView for GuestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// A compiled guest program, cheap to clone and run many times.
#[derive(Clone)]
pub struct Guest {
    component: Component,
}

/// Where a guest's stdout and stderr go.
#[derive(Clone, Debug, Default)]
pub enum Output {
    /// The host process's own stdout/stderr.
    #[default]
    Inherit,
    /// Captured in memory, read back from [`Exit`] (bounded, see
    /// [`CAPTURE_LIMIT`]).
    Capture,
}

/// The most a captured stdout or stderr keeps; writes beyond it fail in the
/// guest instead of growing host memory.
pub const CAPTURE_LIMIT: usize = 16 << 20;

/// Everything one run of a guest gets.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub policy: Arc<Policy>,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub output: Output,
    pub limits: Limits,
    /// The most linear memory the guest may grow to (bytes).
    pub max_memory: usize,
    /// The program name the guest sees as `argv[0]`; also names the
    /// instance in the audit trail.
    pub name: String,
    /// Where policy decisions are recorded (besides `tracing` events).
    pub audit: Option<AuditSink>,
    /// Asked when no rule decides an address (see [`crate::hook`]).
    pub hook: Option<Arc<dyn Hook>>,
    /// The longest the run may take, wall time. Past it the guest is
    /// stopped at its next yield point (within one epoch tick, even while
    /// computing) and its sockets are closed; `run` returns [`TimedOut`].
    pub deadline: Option<Duration>,
}

/// A guest stopped because it ran past [`RunOptions::deadline`].
#[derive(Debug)]
pub struct TimedOut(pub Duration);

impl std::fmt::Display for TimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "guest ran past its deadline of {:?} and was stopped", self.0)
    }
}

impl std::error::Error for TimedOut {}

impl std::fmt::Debug for dyn Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hook")
    }
}

impl RunOptions {
    pub fn new(policy: Policy) -> Self {
        RunOptions {
            policy: Arc::new(policy),
            args: Vec::new(),
            env: Vec::new(),
            output: Output::Inherit,
            limits: Limits::default(),
            max_memory: 1 << 30,
            name: "guest".to_string(),
            audit: None,
            hook: None,
            deadline: None,
        }
    }

    /// Add one argument after `argv[0]`.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Capture stdout and stderr instead of inheriting them.
    pub fn capture(mut self) -> Self {
        self.output = Output::Capture;
        self
    }
}

/// How a guest run ended without a trap.
#[derive(Clone, Debug)]
pub struct Exit {
    /// The guest's exit code: 0 for a normal return, `N` for `exit(N)`.
    pub code: i32,
    /// Captured output (empty unless [`Output::Capture`]).
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// What the guest did on the network.
    pub stats: Stats,
}

/// What one guest run did on the network, for an embedder to log or bill.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Payload bytes the guest's capsock sockets sent.
    pub bytes_sent: u64,
    /// Payload bytes they received.
    pub bytes_received: u64,
}

/// A guest that trapped. Its sockets are closed; nothing else is affected.
#[derive(Debug)]
pub struct Trapped {
    pub error: wasmtime::Error,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl std::fmt::Display for Trapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "guest trapped: {:?}", self.error)
    }
}

impl std::error::Error for Trapped {}

/// The engine and linker shared by every guest.
pub struct Runtime {
    engine: Engine,
    linker: Linker<GuestState>,
}

impl Runtime {
    /// An engine configured for async guests with epoch-based yielding.
    ///
    /// # Errors
    /// When wasmtime cannot create the engine or link WASI.
    pub fn new() -> wasmtime::Result<Self> {
        Self::build(false)
    }

    /// As [`Runtime::new`], with wasmtime's on-disk compile cache (in the
    /// user's cache directory), so a guest compiled once loads without
    /// compiling again. What `capsock run` uses.
    ///
    /// # Errors
    /// As [`Runtime::new`], or when the cache cannot be set up.
    pub fn with_compile_cache() -> wasmtime::Result<Self> {
        Self::build(true)
    }

    fn build(compile_cache: bool) -> wasmtime::Result<Self> {
        let mut config = Config::new();
        if compile_cache {
            config.cache(Some(wasmtime::Cache::new(wasmtime::CacheConfig::new())?));
        }
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        let engine = Engine::new(&config)?;
        spawn_epoch_ticker(&engine);
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        crate::add_to_linker(&mut linker)?;
        Ok(Runtime { engine, linker })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Compile a guest component from bytes (a `.wasm` component).
    ///
    /// # Errors
    /// When the bytes are not a valid component.
    pub fn load(&self, wasm: &[u8]) -> wasmtime::Result<Guest> {
        Ok(Guest { component: Component::new(&self.engine, wasm)? })
    }

    /// Compile a guest component from a file.
    ///
    /// # Errors
    /// When the file cannot be read or is not a valid component.
    pub fn load_file(&self, path: impl AsRef<Path>) -> wasmtime::Result<Guest> {
        let path = path.as_ref();
        let component =
            Component::from_file(&self.engine, path).with_context(|| format!("loading guest {}", path.display()))?;
        Ok(Guest { component })
    }

    /// Run a guest's `wasi:cli/run` to completion in a fresh instance.
    ///
    /// Must be awaited inside a tokio runtime: the guest's sockets register
    /// with its reactor. When the future ends (or is dropped) the instance is
    /// dropped and every socket it held is closed.
    ///
    /// # Errors
    /// `Err` when instantiation fails or the guest traps; a downcast to
    /// [`Trapped`] gives the captured output.
    pub async fn run(&self, guest: &Guest, opts: RunOptions) -> wasmtime::Result<Exit> {
        let mut wasi = WasiCtxBuilder::new();
        wasi.arg(&opts.name).args(&opts.args).envs(&opts.env);
        let audit = Audit::new(opts.audit.clone(), &opts.name);
        wire_wasi_sockets(&mut wasi, opts.policy.clone(), audit.clone(), opts.hook.clone());
        let (stdout, stderr) = match opts.output {
            Output::Inherit => {
                wasi.inherit_stdout().inherit_stderr();
                (None, None)
            }
            Output::Capture => {
                let out = MemoryOutputPipe::new(CAPTURE_LIMIT);
                let err = MemoryOutputPipe::new(CAPTURE_LIMIT);
                wasi.stdout(out.clone()).stderr(err.clone());
                (Some(out), Some(err))
            }
        };
        let mut net = NetCtx::new(opts.policy.clone(), opts.limits.clone(), audit);
        net.hook = opts.hook.clone();
        let state = GuestState {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            net,
            limits: StoreLimitsBuilder::new().memory_size(opts.max_memory).build(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.epoch_deadline_async_yield_and_update(1);

        let running = async {
            let command = Command::instantiate_async(&mut store, &guest.component, &self.linker).await?;
            command.wasi_cli_run().call_run(&mut store).await
        };
        let result = match opts.deadline {
            None => running.await,
            // Dropping the future at the deadline abandons the guest at a
            // yield point; dropping the store below closes its sockets.
            Some(limit) => match tokio::time::timeout(limit, running).await {
                Ok(r) => r,
                Err(_) => {
                    store.data().net.audit.record("limit", "deadline", false, &format!("limit deadline={limit:?}"));
                    store.data().net.audit.flush();
                    drop(store);
                    return Err(wasmtime::Error::new(TimedOut(limit)));
                }
            },
        };
        // Close every socket now rather than whenever the caller drops us.
        let net = &store.data().net;
        let stats = Stats { bytes_sent: net.bytes_sent, bytes_received: net.bytes_received };
        net.audit.flush();
        drop(store);
        let take = |p: Option<MemoryOutputPipe>| p.map(|p| p.contents().to_vec()).unwrap_or_default();
        let (stdout, stderr) = (take(stdout), take(stderr));
        match result {
            Ok(Ok(())) => Ok(Exit { code: 0, stdout, stderr, stats }),
            Ok(Err(())) => Ok(Exit { code: 1, stdout, stderr, stats }),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(I32Exit(code)) => Ok(Exit { code: *code, stdout, stderr, stats }),
                None => Err(wasmtime::Error::new(Trapped { error: e, stdout, stderr })),
            },
        }
    }
}

/// Put a guest's standard `wasi:sockets` (what Rust's `std::net` uses on
/// wasm32-wasip2) under the same policy as capsock's own sockets.
///
/// What this path cannot express, because wasmtime-wasi decides it: name
/// lookups are off (`resolve` rules apply to capsock's resolver only); an
/// implicit bind to the wildcard address and port 0 (which wasmtime-wasi
/// makes during `connect` and `send`) is always allowed, so listening is
/// judged at `listen` with the real local address instead; a UDP socket
/// receives from a sender a `connect udp` rule names, or from anyone when
/// any `listen udp` rule exists (the check cannot tell which socket asks);
/// no socket options, limits or byte counts apply.
fn wire_wasi_sockets(wasi: &mut WasiCtxBuilder, policy: Arc<Policy>, audit: Audit, hook: Option<Arc<dyn Hook>>) {
    use crate::policy::{Action, Request, Scheme};
    use wasmtime_wasi::sockets::SocketAddrUse;
    wasi.inherit_network().allow_tcp(true).allow_udp(true).allow_ip_name_lookup(false);
    wasi.socket_addr_check(move |addr, use_| {
        let addr = crate::addr::normalise(addr);
        let implicit = addr.ip().is_unspecified() && addr.port() == 0;
        let mut undecided = None;
        let mut judge = |action, scheme| {
            let d = policy.check(&Request { action, scheme, addr, names: &[] });
            if d.rule.is_none() {
                undecided = Some(action);
            }
            (d.allowed, d.reason())
        };
        let (op, (allowed, rule)) = match use_ {
            SocketAddrUse::TcpBind | SocketAddrUse::UdpBind if implicit => {
                ("bind", (true, "implicit wildcard bind (judged at listen/send)".to_string()))
            }
            SocketAddrUse::TcpBind | SocketAddrUse::TcpListen => ("listen", judge(Action::Listen, Scheme::Tcp)),
            SocketAddrUse::UdpBind => ("listen", judge(Action::Listen, Scheme::Udp)),
            SocketAddrUse::TcpAccept => ("accept", (true, "accepted on a granted listener".to_string())),
            SocketAddrUse::TcpConnect => ("connect", judge(Action::Connect, Scheme::Tcp)),
            SocketAddrUse::UdpSend => ("connect", judge(Action::Connect, Scheme::Udp)),
            SocketAddrUse::UdpReceive => {
                let (ok, rule) = judge(Action::Connect, Scheme::Udp);
                if ok || policy.may_allow(Action::Listen, Scheme::Udp) {
                    ("receive", (true, if ok { rule } else { "a listen udp rule exists".to_string() }))
                } else {
                    ("receive", (false, rule))
                }
            }
        };
        let target = format!("wasi:sockets {addr}");
        if let (false, Some(action), Some(hook)) = (allowed, undecided, hook.clone()) {
            // No rule decided: the embedder's hook does, as for capsock's
            // own sockets.
            let query = crate::hook::Query { instance: audit.instance().to_string(), action, target: target.clone() };
            let audit = audit.clone();
            return Box::pin(async move {
                let answer = hook.decide(query).await;
                audit.record(op, &target, answer, &crate::hook::decision(answer).reason());
                answer
            });
        }
        audit.record(op, &target, allowed, &rule);
        Box::pin(async move { allowed })
    });
}

/// Advance the engine's epoch every [`EPOCH_TICK`] until the engine is gone.
///
/// The thread holds only a weak handle, so dropping the last [`Runtime`]
/// (and every store) ends it within one tick.
fn spawn_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("capsock-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .expect("spawning the epoch thread");
}
