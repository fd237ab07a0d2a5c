//! The batteries-included runner over the embedding API ([`crate::ctx`]):
//! compile a guest once (pre-instantiated against one linker), run it many
//! times, each run its own instance with its own policy, sockets and
//! limits. `capsock run` is a thin layer over this.
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

use crate::audit::{AuditOp, AuditSink};
use crate::ctx::{CapsockCtx, CapsockCtxView, CapsockView, Stats};
use crate::hook::Hook;
use crate::limits::Limits;
use crate::resolver::ResolverConfig;
use capsock_policy::Policy;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::error::Context as _;
use wasmtime::{Config, Engine, PoolingAllocationConfig, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::bindings::CommandPre;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// How often a running guest must yield its tokio worker. A guest spinning in
/// pure computation cannot starve other guests on the same thread for longer.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The state of one guest instance run by [`Runtime`]: WASI, capsock and
/// the resource table they share — what any embedder's store type holds.
pub struct GuestState {
    wasi: WasiCtx,
    table: ResourceTable,
    capsock: CapsockCtx,
    limits: StoreLimits,
}

impl WasiView for GuestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl CapsockView for GuestState {
    fn capsock(&mut self) -> CapsockCtxView<'_> {
        CapsockCtxView { ctx: &mut self.capsock, table: &mut self.table }
    }
}

/// A compiled guest program, pre-instantiated against the runtime's linker
/// (imports resolved once), cheap to clone and run many times.
#[derive(Clone)]
pub struct Guest {
    component: Component,
    pre: CommandPre<GuestState>,
}

impl Guest {
    /// The compiled component.
    pub fn component(&self) -> &Component {
        &self.component
    }
}

/// Where a guest's stdout and stderr go.
#[derive(Clone, Default)]
pub enum Output {
    /// The host process's own stdout/stderr.
    #[default]
    Inherit,
    /// Captured in memory, read back from [`Exit`] (bounded, see
    /// [`CAPTURE_LIMIT`]).
    Capture,
    /// stdout inherited; stderr handed to the function one whole line at a
    /// time (see [`crate::lines`]), for a host that writes other lines to
    /// the same place.
    StderrLines(crate::lines::LineFn),
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Output::Inherit => "Inherit",
            Output::Capture => "Capture",
            Output::StderrLines(_) => "StderrLines",
        })
    }
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
    /// Names answered inside the sandbox (`[hosts]`) and its host name.
    pub resolver: ResolverConfig,
    /// The operator's TLS trust anchors (`--tls-ca`).
    pub tls: crate::tls::TlsConfig,
    /// The longest the run may take, wall time. Past it the guest is
    /// stopped at its next yield point (within one epoch tick, even while
    /// computing) and its sockets are closed; `run` returns [`TimedOut`].
    pub deadline: Option<Duration>,
    /// `TCP_NODELAY` on the guest's `wasi:sockets` TCP sockets (default on;
    /// see [`crate::CapsockCtxBuilder::wasi_nodelay`]).
    pub wasi_nodelay: bool,
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
            resolver: ResolverConfig::default(),
            tls: crate::tls::TlsConfig::default(),
            deadline: None,
            wasi_nodelay: true,
        }
    }

    /// Answer `name` with `addrs` inside the sandbox (a `[hosts]` entry; it
    /// grants nothing by itself).
    pub fn host(mut self, name: &str, addrs: impl IntoIterator<Item = IpAddr>) -> Self {
        self.resolver.add_host(name, addrs.into_iter().collect());
        self
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

/// A guest that trapped. Its sockets are closed; nothing else is affected.
#[derive(Debug)]
pub struct Trapped {
    pub error: wasmtime::Error,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl std::fmt::Display for Trapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "guest trapped: {:#}", self.error)
    }
}

impl std::error::Error for Trapped {}

/// The engine and linker shared by every guest.
pub struct Runtime {
    engine: Engine,
    linker: Linker<GuestState>,
    wasi_sockets: crate::wasi::WasiSockets,
}

/// How a [`Runtime`] is configured; [`Runtime::new`] takes the defaults.
#[derive(Clone, Debug, Default)]
pub struct RuntimeBuilder {
    compile_cache: bool,
    pooling: Option<PoolingAllocationConfig>,
    wasi_sockets: crate::wasi::WasiSockets,
}

impl RuntimeBuilder {
    /// Keep compiled guests in wasmtime's on-disk cache (in the user's cache
    /// directory), so a guest compiled once loads without compiling again.
    pub fn compile_cache(mut self, on: bool) -> Self {
        self.compile_cache = on;
        self
    }

    /// Allocate instances from wasmtime's pooling allocator: memories and
    /// tables are reserved up front for `config`'s number of instances and
    /// reused, so instantiation is a few page-table operations. For hosts
    /// that run many short guests; the reservation is virtual memory.
    pub fn pooling(mut self, config: PoolingAllocationConfig) -> Self {
        self.pooling = Some(config);
        self
    }

    /// Which implementation serves the guest's `wasi:sockets` (`std::net`,
    /// wasi-libc): capsock's own, under the whole policy (the default), or
    /// wasmtime-wasi's with capsock's address check, for comparison (see
    /// [`crate::wasi::WasiSockets`]).
    pub fn wasi_sockets(mut self, which: crate::wasi::WasiSockets) -> Self {
        self.wasi_sockets = which;
        self
    }

    /// An engine configured for async guests with epoch-based yielding, and
    /// a linker with WASI and capsock.
    ///
    /// # Errors
    /// When wasmtime cannot create the engine (or the cache, or the pool).
    pub fn build(self) -> wasmtime::Result<Runtime> {
        let mut config = Config::new();
        if self.compile_cache {
            config.cache(Some(wasmtime::Cache::new(wasmtime::CacheConfig::new())?));
        }
        if let Some(pool) = self.pooling {
            config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
        }
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        let engine = Engine::new(&config)?;
        spawn_epoch_ticker(&engine)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        crate::add_to_linker(&mut linker)?;
        if self.wasi_sockets == crate::wasi::WasiSockets::Capsock {
            crate::wasi::add_to_linker(&mut linker)?;
        }
        Ok(Runtime { engine, linker, wasi_sockets: self.wasi_sockets })
    }
}

impl Runtime {
    /// An engine configured for async guests with epoch-based yielding.
    ///
    /// # Errors
    /// When wasmtime cannot create the engine or link WASI.
    pub fn new() -> wasmtime::Result<Self> {
        Self::builder().build()
    }

    /// Configure a runtime: compile cache, pooling allocator.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    /// As [`Runtime::new`], with wasmtime's on-disk compile cache. What
    /// `capsock run` uses.
    ///
    /// # Errors
    /// As [`Runtime::new`], or when the cache cannot be set up.
    pub fn with_compile_cache() -> wasmtime::Result<Self> {
        Self::builder().compile_cache(true).build()
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Which `wasi:sockets` this runtime's guests get.
    pub fn wasi_sockets(&self) -> crate::wasi::WasiSockets {
        self.wasi_sockets
    }

    /// The linker every guest is instantiated with (WASI and capsock).
    pub fn linker(&self) -> &Linker<GuestState> {
        &self.linker
    }

    fn guest(&self, component: Component) -> wasmtime::Result<Guest> {
        let pre = CommandPre::new(self.linker.instantiate_pre(&component)?)?;
        Ok(Guest { component, pre })
    }

    /// Compile a guest component from bytes (a `.wasm` component) and
    /// resolve its imports.
    ///
    /// # Errors
    /// When the bytes are not a valid component, or it imports what the
    /// linker does not have, or does not export `wasi:cli/run`.
    pub fn load(&self, wasm: &[u8]) -> wasmtime::Result<Guest> {
        self.guest(Component::new(&self.engine, wasm)?)
    }

    /// Compile a guest component from a file.
    ///
    /// # Errors
    /// As [`Runtime::load`], or when the file cannot be read.
    pub fn load_file(&self, path: impl AsRef<Path>) -> wasmtime::Result<Guest> {
        let path = path.as_ref();
        let component =
            Component::from_file(&self.engine, path).with_context(|| format!("loading guest {}", path.display()))?;
        self.guest(component).with_context(|| format!("linking guest {}", path.display()))
    }

    /// Load a guest component from a file through a precompiled copy kept
    /// beside it: `GUEST.wasm` is compiled once into
    /// `GUEST.<engine>.cwasm` (`<engine>` names this wasmtime build and
    /// configuration), and later loads map that file instead of compiling
    /// or decompressing anything. What `capsock run APP.py` uses: a Python
    /// guest is a 24 MB component whose compile takes 7–19 s and whose load
    /// from the precompiled file takes milliseconds.
    ///
    /// The precompiled file is native code run without validation, so it
    /// must be as trusted as the capsock binary: only use a directory that
    /// only this user can write (capsock's cache directory is such a
    /// place). A copy that cannot be written costs only the compile.
    ///
    /// # Errors
    /// As [`Runtime::load_file`].
    pub fn load_precompiled(&self, path: impl AsRef<Path>) -> wasmtime::Result<Guest> {
        use std::hash::{Hash, Hasher};
        let path = path.as_ref();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.engine.precompile_compatibility_hash().hash(&mut h);
        let cwasm = path.with_extension(format!("{:016x}.cwasm", h.finish()));
        if cwasm.is_file() {
            // SAFETY: `cwasm` was written by `Component::serialize` below
            // for an engine with this compatibility hash, into a directory
            // the caller vouches only this user writes (see the doc
            // comment); wasmtime checks the header and version itself.
            let loaded = unsafe { Component::deserialize_file(&self.engine, &cwasm) };
            if let Ok(component) = loaded {
                return self.guest(component).with_context(|| format!("linking guest {}", path.display()));
            }
        }
        let component =
            Component::from_file(&self.engine, path).with_context(|| format!("loading guest {}", path.display()))?;
        if let Ok(bytes) = component.serialize() {
            let tmp = cwasm.with_extension(format!("tmp{}", std::process::id()));
            if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, &cwasm).is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
        }
        self.guest(component).with_context(|| format!("linking guest {}", path.display()))
    }

    /// Run a guest's `wasi:cli/run` to completion in a fresh instance.
    ///
    /// Must be awaited inside a tokio runtime: the guest's sockets register
    /// with its reactor. The future is `Send`, so it may be spawned. When it
    /// ends (or is dropped) the instance is dropped and every socket it held
    /// is closed.
    ///
    /// # Errors
    /// `Err` when the sandbox cannot be built (a granted AF_UNIX directory
    /// is missing, a limit is invalid), when instantiation fails, or when
    /// the guest traps; a downcast to [`Trapped`] gives the captured output,
    /// to [`TimedOut`] a deadline.
    pub async fn run(&self, guest: &Guest, opts: RunOptions) -> wasmtime::Result<Exit> {
        let mut builder = CapsockCtx::builder_shared(opts.policy.clone())
            .limits(opts.limits.clone())
            .instance_name(&opts.name)
            .resolver(opts.resolver.clone())
            .tls(opts.tls.clone())
            .wasi_nodelay(opts.wasi_nodelay);
        if let Some(a) = &opts.audit {
            builder = builder.audit(a.clone());
        }
        if let Some(h) = &opts.hook {
            builder = builder.shared_hook(h.clone());
        }
        let capsock = builder.try_build().map_err(wasmtime::Error::new)?;
        let mut wasi = WasiCtxBuilder::new();
        wasi.arg(&opts.name).args(&opts.args).envs(&opts.env);
        if self.wasi_sockets == crate::wasi::WasiSockets::Wasmtime {
            capsock.govern_wasi_sockets(&mut wasi);
        }
        let (stdout, stderr) = match opts.output {
            Output::Inherit => {
                wasi.inherit_stdout().inherit_stderr();
                (None, None)
            }
            Output::StderrLines(to) => {
                wasi.inherit_stdout().stderr(crate::lines::LineStderr::new(to));
                (None, None)
            }
            Output::Capture => {
                let out = MemoryOutputPipe::new(CAPTURE_LIMIT);
                let err = MemoryOutputPipe::new(CAPTURE_LIMIT);
                wasi.stdout(out.clone()).stderr(err.clone());
                (Some(out), Some(err))
            }
        };
        let state = GuestState {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            capsock,
            limits: StoreLimitsBuilder::new().memory_size(opts.max_memory).build(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.epoch_deadline_async_yield_and_update(1);

        let running = async {
            let command = guest.pre.instantiate_async(&mut store).await?;
            command.wasi_cli_run().call_run(&mut store).await
        };
        let result = match opts.deadline {
            None => running.await,
            // Dropping the future at the deadline abandons the guest at a
            // yield point; dropping the store below closes its sockets.
            Some(limit) => match tokio::time::timeout(limit, running).await {
                Ok(r) => r,
                Err(_) => {
                    let audit = store.data().capsock.audit();
                    audit.record(AuditOp::Limit, "deadline", false, &format!("limit deadline={limit:?}"));
                    audit.flush();
                    drop(store);
                    return Err(wasmtime::Error::new(TimedOut(limit)));
                }
            },
        };
        // Close every socket now rather than whenever the caller drops us.
        let stats = store.data().capsock.stats();
        store.data().capsock.audit().flush();
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

/// Advance the engine's epoch every [`EPOCH_TICK`] until the engine is gone.
///
/// The thread holds only a weak handle, so dropping the last [`Runtime`]
/// (and every store) ends it within one tick.
fn spawn_epoch_ticker(engine: &Engine) -> wasmtime::Result<()> {
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
        .context("spawning the epoch thread")?;
    Ok(())
}
