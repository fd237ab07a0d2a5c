//! The embedding API, shaped like wasmtime-wasi's: a per-instance context
//! ([`CapsockCtx`]), a view the store's data hands out ([`CapsockView`]),
//! and [`add_to_linker`] for any `Linker<T>`.
//!
//! A host that already has its own store type (with wasi, wasi:http or its
//! own interfaces) and its own world adds capsock like this:
//!
//! ```no_run
//! use capsock_host::{CapsockCtx, CapsockCtxView, CapsockView, Policy};
//! use wasmtime::component::{Linker, ResourceTable};
//! use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
//!
//! struct MyState { wasi: WasiCtx, capsock: CapsockCtx, table: ResourceTable }
//! impl WasiView for MyState {
//!     fn ctx(&mut self) -> WasiCtxView<'_> { WasiCtxView { ctx: &mut self.wasi, table: &mut self.table } }
//! }
//! impl CapsockView for MyState {
//!     fn capsock(&mut self) -> CapsockCtxView<'_> { CapsockCtxView { ctx: &mut self.capsock, table: &mut self.table } }
//! }
//!
//! # fn demo(engine: &wasmtime::Engine) -> wasmtime::Result<()> {
//! let mut linker: Linker<MyState> = Linker::new(engine);
//! wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
//! capsock_host::add_to_linker(&mut linker)?;
//! capsock_host::wasi::add_to_linker(&mut linker)?; // std::net under the same policy
//! let policy = Policy::from_rules(["connect tcp://127.0.0.1:8080"], [])?;
//! let capsock = CapsockCtx::builder(policy).instance_name("plugin-a").build();
//! let state = MyState { wasi: wasmtime_wasi::WasiCtxBuilder::new().build(), capsock, table: ResourceTable::new() };
//! # let _ = state; Ok(()) }
//! ```
//!
//! Dropping the store drops the [`CapsockCtx`], which closes every socket
//! of that instance at once.

use crate::audit::{Audit, AuditSink};
use crate::hook::Hook;
use crate::limits::Limits;
use crate::mediate::Mediator;
use crate::net::Core;
use crate::resolver::ResolverConfig;
use crate::unix::UnixDirs;
use capsock_policy::Policy;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;
use wasmtime::component::{HasData, Linker, ResourceTable};

/// One guest instance's capsock state: its sockets (the fileno table), the
/// policy and hook that judge them (through the mediator), its limits, audit
/// trail and byte counts.
pub struct CapsockCtx {
    pub(crate) mediator: Arc<Mediator>,
    pub(crate) resolver: Arc<ResolverConfig>,
    pub(crate) tls: Arc<crate::tls::TlsConfig>,
    pub(crate) unix: Arc<UnixDirs>,
    pub(crate) limits: Limits,
    /// Slot `i` holds fileno `FIRST_FD + i`.
    pub(crate) fds: Vec<Option<Core>>,
    pub(crate) open: usize,
    /// Payload bytes moved, shared with the `wasi:sockets` streams.
    pub(crate) meter: Arc<Meter>,
    /// `TCP_NODELAY` on every `wasi:sockets` TCP socket (see
    /// [`CapsockCtxBuilder::wasi_nodelay`]).
    pub(crate) wasi_nodelay: bool,
    /// Names this instance resolved, by the address they gave: a rule that
    /// names a host also matches the IPs that name resolved to here.
    pub(crate) resolved: HashMap<IpAddr, Vec<String>>,
    /// Connected stream sockets now open, by kernel socket inode, with how
    /// many filenos hold each.
    pub(crate) connections: HashMap<u64, usize>,
    /// The last key handed to a `wasi:sockets` connection.
    pub(crate) unnumbered_keys: u64,
    /// `wasi:sockets` connections closed by the guest whose last bytes are
    /// still being sent (at most `LINGER`): they count as open sockets and
    /// connections until then.
    pub(crate) lingering: Arc<std::sync::atomic::AtomicUsize>,
    /// When recent `connect` calls were made (at most
    /// `max_connects_per_second` entries).
    pub(crate) connect_times: VecDeque<Instant>,
    /// This instance's share of the OS resolver's slots.
    pub(crate) lookups: Arc<tokio::sync::Semaphore>,
}

/// What one guest instance did on the network, for an embedder to log or
/// bill.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Payload bytes the guest's capsock sockets sent.
    pub bytes_sent: u64,
    /// Payload bytes they received.
    pub bytes_received: u64,
}

/// Builds a [`CapsockCtx`]; every setting but the policy is optional.
pub struct CapsockCtxBuilder {
    policy: Arc<Policy>,
    limits: Limits,
    audit: Option<AuditSink>,
    hook: Option<Arc<dyn Hook>>,
    name: String,
    resolver: ResolverConfig,
    tls: crate::tls::TlsConfig,
    wasi_nodelay: bool,
}

/// Payload bytes an instance's sockets moved: capsock's own and the
/// `wasi:sockets` streams (which hold a clone), so one limit covers both.
#[derive(Debug, Default)]
pub(crate) struct Meter {
    sent: std::sync::atomic::AtomicU64,
    received: std::sync::atomic::AtomicU64,
}

impl Meter {
    pub(crate) fn sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn received(&self) -> u64 {
        self.received.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn add_sent(&self, n: usize) {
        self.sent.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
    }

    pub(crate) fn add_received(&self, n: usize) {
        self.received.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Why a sandbox could not be built.
#[derive(Debug)]
pub struct BuildError(pub String);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}

impl CapsockCtx {
    /// Start building an instance's context under `policy` (deny by
    /// default: an empty policy grants nothing).
    pub fn builder(policy: Policy) -> CapsockCtxBuilder {
        Self::builder_shared(Arc::new(policy))
    }

    /// As [`CapsockCtx::builder`], for a policy shared by many instances.
    pub fn builder_shared(policy: Arc<Policy>) -> CapsockCtxBuilder {
        CapsockCtxBuilder {
            policy,
            limits: Limits::default(),
            audit: None,
            hook: None,
            name: "guest".to_string(),
            resolver: ResolverConfig::default(),
            tls: crate::tls::TlsConfig::default(),
            wasi_nodelay: true,
        }
    }

    /// Bytes sent and received so far.
    pub fn stats(&self) -> Stats {
        Stats { bytes_sent: self.meter.sent(), bytes_received: self.meter.received() }
    }

    /// The id that stamps this instance's audit lines (`name#N`).
    pub fn instance(&self) -> &str {
        self.mediator.audit().instance()
    }

    /// Sockets this instance holds open.
    pub fn open_sockets(&self) -> usize {
        self.open
    }

    /// For a linker that serves `wasi:sockets` with wasmtime-wasi's
    /// implementation rather than capsock's ([`crate::wasi::add_to_linker`],
    /// the default of [`crate::Runtime`]): put those sockets under this
    /// instance's policy, hook and audit, through the same mediator as
    /// capsock's own sockets. Call before `WasiCtxBuilder::build`. Without
    /// it, wasmtime-wasi's sockets stay off (its default).
    ///
    /// What that path cannot express is listed at
    /// `Mediator::wasi_check`: name lookups stay off there (use capsock's
    /// resolver), an implicit wildcard bind is allowed, and no limits or
    /// socket-option rules apply.
    pub fn govern_wasi_sockets(&self, wasi: &mut wasmtime_wasi::WasiCtxBuilder) {
        let mediator = Arc::clone(&self.mediator);
        wasi.inherit_network().allow_tcp(true).allow_udp(true).allow_ip_name_lookup(false);
        wasi.socket_addr_check(move |addr, use_| mediator.wasi_check(addr, use_));
    }

    pub(crate) fn audit(&self) -> &Audit {
        self.mediator.audit()
    }
}

impl CapsockCtxBuilder {
    /// Per-instance limits (default: [`Limits::default`]).
    pub fn limits(mut self, l: Limits) -> Self {
        self.limits = l;
        self
    }

    /// Where decisions are recorded, besides `tracing` events.
    pub fn audit(mut self, a: AuditSink) -> Self {
        self.audit = Some(a);
        self
    }

    /// Asked when no rule decides (see [`crate::hook`]).
    pub fn hook(mut self, h: impl Hook + 'static) -> Self {
        self.hook = Some(Arc::new(h));
        self
    }

    /// As [`CapsockCtxBuilder::hook`], for a hook shared by many instances.
    pub fn shared_hook(mut self, h: Arc<dyn Hook>) -> Self {
        self.hook = Some(h);
        self
    }

    /// Names the instance in the audit trail (numbered for uniqueness).
    pub fn instance_name(mut self, n: &str) -> Self {
        self.name = n.to_string();
        self
    }

    /// Names answered inside the sandbox and the host name it shows.
    pub fn resolver(mut self, r: ResolverConfig) -> Self {
        self.resolver = r;
        self
    }

    /// The operator's TLS trust anchors, added to the bundled roots for
    /// every TLS client session (`--tls-ca`, `[tls] ca_files`).
    pub fn tls(mut self, t: crate::tls::TlsConfig) -> Self {
        self.tls = t;
        self
    }

    /// Whether `wasi:sockets` TCP sockets get `TCP_NODELAY` (default: on).
    ///
    /// `wasi:sockets` has no call for it, and wasi-libc's
    /// `setsockopt(TCP_NODELAY)` only pretends, so with Nagle on, a request
    /// written in two writes waits ~40 ms for the peer's delayed ACK. Go's
    /// `net` package turns it on for every TCP connection for the same
    /// reason. Turn it off for bulk senders that rely on coalescing.
    pub fn wasi_nodelay(mut self, on: bool) -> Self {
        self.wasi_nodelay = on;
        self
    }

    /// Build the context. A granted AF_UNIX directory that cannot be opened
    /// makes every path inside it fail with that error; use
    /// [`CapsockCtxBuilder::try_build`] to refuse it up front.
    pub fn build(self) -> CapsockCtx {
        let unix = UnixDirs::open(&self.policy);
        self.finish(unix)
    }

    /// Build the context, refusing a sandbox whose grants cannot be honoured.
    ///
    /// # Errors
    /// A granted AF_UNIX directory that cannot be opened (with its path), or
    /// limits that cannot be enforced ([`Limits::validate`]).
    pub fn try_build(self) -> Result<CapsockCtx, BuildError> {
        self.limits.validate().map_err(|e| BuildError(e.0))?;
        let unix = UnixDirs::open(&self.policy);
        if let Some(first) = unix.missing().into_iter().next() {
            return Err(BuildError(first));
        }
        Ok(self.finish(unix))
    }

    fn finish(self, unix: UnixDirs) -> CapsockCtx {
        let audit = Audit::new(self.audit, &self.name);
        CapsockCtx {
            mediator: Arc::new(Mediator::new(self.policy, audit, self.hook)),
            resolver: Arc::new(self.resolver),
            tls: Arc::new(self.tls),
            unix: Arc::new(unix),
            limits: self.limits,
            fds: Vec::new(),
            open: 0,
            meter: Arc::new(Meter::default()),
            wasi_nodelay: self.wasi_nodelay,
            resolved: HashMap::new(),
            connections: HashMap::new(),
            unnumbered_keys: 0,
            lingering: Arc::default(),
            connect_times: VecDeque::new(),
            lookups: Arc::new(tokio::sync::Semaphore::new(crate::resolver::MAX_LOOKUPS_PER_INSTANCE)),
        }
    }
}

/// What capsock's host functions work on: the instance's context and the
/// store's resource table (shared with wasi, as wasmtime-wasi's views are).
pub struct CapsockCtxView<'a> {
    pub ctx: &'a mut CapsockCtx,
    pub table: &'a mut ResourceTable,
}

/// Implemented by a store's data type to hand capsock its view.
pub trait CapsockView: Send {
    fn capsock(&mut self) -> CapsockCtxView<'_>;
}

/// The [`HasData`] marker that projects a store's `T` to its capsock view.
pub(crate) struct HasCapsock;

impl HasData for HasCapsock {
    type Data<'a> = CapsockCtxView<'a>;
}

/// Add capsock's interfaces (`capsock:socket/{types,sockets,resolver,poll}`)
/// to any linker whose store data implements [`CapsockView`]. The linker
/// must be for an async-enabled engine (capsock's host functions are async;
/// the guest still sees blocking calls).
///
/// # Errors
/// When the linker already defines them.
pub fn add_to_linker<T: CapsockView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    crate::bindings::Imports::add_to_linker::<T, HasCapsock>(linker, |t| t.capsock())
}
