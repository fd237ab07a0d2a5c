//! `wasi:sockets/tcp` and `tcp-create-socket`, and the `wasi:io` streams of
//! a connection, on capsock's socket core ([`Core`]: a non-blocking OS
//! socket with a lazy reactor registration).
//!
//! The state machine is the WIT's: `start-bind`/`finish-bind`,
//! `start-connect`/`finish-connect`, `start-listen`/`finish-listen`, with
//! `concurrency-conflict` while one is in progress, `not-in-progress` for a
//! finish without its start, `invalid-state` for the rest; a failed connect
//! leaves the socket closed.
//!
//! The streams never wait inside a call: a read is one `recv(2)` into a
//! buffer the size the guest asked for (capped at [`MAX_READ`]), skipped
//! when the reactor already knows there is nothing; a write is one
//! `send(2)`. What the socket did not take (at most one permit,
//! [`MAX_WRITE`]) is sent by a task, the only one this module spawns and
//! only then: wasi-libc's `send` returns after writing and may next wait on
//! the input stream, so those bytes must go out without the guest.

use super::generated::wasi::sockets::tcp::{self, ShutdownType};
use super::generated::wasi::sockets::tcp_create_socket;
use super::{Family, MAX_READ, MAX_WRITE, code, io_error, is_remote, is_unicast, stream_failure, wasi_error};
use crate::audit::AuditOp;
use crate::ctx::{CapsockCtx, CapsockCtxView, Meter};
use crate::mediate::{Mediator, Use, destination, target};
use crate::net::Core;
use bytes::{Buf, Bytes, BytesMut};
use capsock_policy::Scheme;
use socket2::{Socket, Type};
use std::net::{Shutdown, SocketAddr};
use std::sync::{Arc, PoisonError};
use std::time::Duration;
use tokio::io::Interest;
use wasmtime::component::Resource;
use wasmtime_wasi::p2::bindings::sockets::network::{ErrorCode, IpAddressFamily, IpSocketAddress, Network};
use wasmtime_wasi::p2::{
    DynInputStream, DynOutputStream, DynPollable, InputStream, OutputStream, Pollable, SocketError, SocketResult,
    StreamError, StreamResult,
};

/// What `listen` uses when the guest set no backlog (wasmtime-wasi's too).
const DEFAULT_BACKLOG: u32 = 128;

/// How long bytes the socket did not take are tried in the background (a
/// task per connection, only while there are such bytes) before they are
/// dropped and the stream fails with `ETIMEDOUT`.
const LINGER: Duration = Duration::from_secs(30);

#[derive(Debug)]
enum State {
    /// Created; `bound` once `finish-bind` is done.
    Default {
        bound: bool,
    },
    BindStarted,
    ListenStarted,
    Listening,
    /// `connect(2)` started to this address; `Err` when it already failed.
    Connecting(Result<SocketAddr, ErrorCode>),
    Connected,
    /// A connect failed (its error already reported).
    Closed,
}

/// A `wasi:sockets` TCP socket.
pub struct TcpSocket {
    core: Arc<Core>,
    family: Family,
    state: State,
    backlog: u32,
    /// Counted against `max_connections`: the kernel socket's inode.
    pub(crate) connection: Option<u64>,
    /// Bound to a port under a `listen` rule (`listen` needs no second
    /// judgement).
    listen_granted: bool,
    /// A listener's readiness has been learnt (see `Reader::primed`).
    primed: bool,
    /// The connection's output, for `shutdown(send)` to flush first.
    writer: Option<Shared>,
}

/// What a connection's streams share: the socket, the byte meter and
/// limits, and the mediator for limit refusals.
#[derive(Clone)]
struct Io {
    core: Arc<Core>,
    meter: Arc<Meter>,
    mediator: Arc<Mediator>,
    max_sent: Option<u64>,
    max_received: Option<u64>,
}

impl CapsockCtxView<'_> {
    fn io(&self, core: &Arc<Core>) -> Io {
        Io {
            core: Arc::clone(core),
            meter: Arc::clone(&self.ctx.meter),
            mediator: Arc::clone(&self.ctx.mediator),
            max_sent: self.ctx.limits.max_bytes_sent,
            max_received: self.ctx.limits.max_bytes_received,
        }
    }

    /// The streams of a connected socket, as children of it in the table.
    fn streams(
        &mut self,
        this: &Resource<TcpSocket>,
    ) -> SocketResult<(Resource<DynInputStream>, Resource<DynOutputStream>)> {
        let core = Arc::clone(&self.table.get(this)?.core);
        let io = self.io(&core);
        let writer = Arc::new(WriterCell {
            w: tokio::sync::Mutex::new(Writer { io: io.clone(), pending: Bytes::new(), failed: None, shut: false }),
            meta: std::sync::Mutex::default(),
        });
        self.table.get_mut(this)?.writer = Some(Arc::clone(&writer));
        let input: DynInputStream = Box::new(Reader { io, closed: false, primed: false });
        let output: DynOutputStream = Box::new(TcpWriter { writer, permit: 0 });
        let input = self.table.push_child(input, this)?;
        let output = self.table.push_child(output, this)?;
        Ok((input, output))
    }
}

fn new_socket(family: Family) -> std::io::Result<Socket> {
    let sock = Socket::new(family.domain(), Type::STREAM.nonblocking().cloexec(), Some(socket2::Protocol::TCP))?;
    if family == Family::V6 {
        sock.set_only_v6(true)?;
    }
    Ok(sock)
}

impl tcp_create_socket::Host for CapsockCtxView<'_> {
    fn create_tcp_socket(&mut self, family: IpAddressFamily) -> SocketResult<Resource<TcpSocket>> {
        let family = Family::of(family);
        self.ctx.reserve(1).map_err(wasi_error)?;
        let sock = new_socket(family).map_err(|e| io_error(&e))?;
        if self.ctx.wasi_nodelay {
            sock.set_tcp_nodelay(true).map_err(|e| io_error(&e))?;
        }
        let core = Core::from_nonblocking(sock, family.linux(), libc::SOCK_STREAM, 0);
        self.ctx.open_unnumbered().map_err(wasi_error)?;
        let socket = TcpSocket {
            core: Arc::new(core),
            family,
            state: State::Default { bound: false },
            backlog: DEFAULT_BACKLOG,
            connection: None,
            listen_granted: false,
            primed: false,
            writer: None,
        };
        self.push_counted(socket, None)
    }
}

impl tcp::Host for CapsockCtxView<'_> {}

/// `concurrency-conflict` while an operation is in progress, else
/// `invalid-state`.
fn busy_or_invalid(state: &State) -> SocketError {
    match state {
        State::BindStarted | State::ListenStarted | State::Connecting(_) => ErrorCode::ConcurrencyConflict.into(),
        // "may always return invalid-state when in the closed state"
        _ => ErrorCode::InvalidState.into(),
    }
}

impl tcp::HostTcpSocket for CapsockCtxView<'_> {
    async fn start_bind(
        &mut self,
        this: Resource<TcpSocket>,
        network: Resource<Network>,
        local_address: IpSocketAddress,
    ) -> SocketResult<()> {
        self.table.get(&network)?;
        let addr = SocketAddr::from(local_address);
        let s = self.table.get(&this)?;
        if !matches!(s.state, State::Default { bound: false }) {
            return Err(busy_or_invalid(&s.state));
        }
        if !is_unicast(addr.ip()) || !s.family.admits(addr.ip()) {
            return Err(ErrorCode::InvalidArgument.into());
        }
        let granted = judge_bind(self.ctx, Use::TcpBind, addr).await?;
        let s = self.table.get_mut(&this)?;
        // As wasmtime-wasi and every POSIX server: a port left in
        // TIME_WAIT may be bound again. Linux never lets TCP SO_REUSEADDR
        // bind over a listening socket, so no port is shared.
        let _ = s.core.sock().set_reuse_address(true);
        s.core.sock().bind(&addr.into()).map_err(|e| match e.raw_os_error() {
            Some(libc::EAFNOSUPPORT) => ErrorCode::InvalidArgument.into(),
            _ => io_error(&e),
        })?;
        s.listen_granted = granted;
        s.state = State::BindStarted;
        Ok(())
    }

    fn finish_bind(&mut self, this: Resource<TcpSocket>) -> SocketResult<()> {
        let s = self.table.get_mut(&this)?;
        if !matches!(s.state, State::BindStarted) {
            return Err(ErrorCode::NotInProgress.into());
        }
        s.state = State::Default { bound: true };
        Ok(())
    }

    async fn start_connect(
        &mut self,
        this: Resource<TcpSocket>,
        network: Resource<Network>,
        remote_address: IpSocketAddress,
    ) -> SocketResult<()> {
        self.table.get(&network)?;
        let addr = SocketAddr::from(remote_address);
        let s = self.table.get(&this)?;
        if !matches!(s.state, State::Default { .. }) {
            return Err(busy_or_invalid(&s.state));
        }
        if !is_unicast(addr.ip()) || !is_remote(addr) || !s.family.admits(addr.ip()) {
            return Err(ErrorCode::InvalidArgument.into());
        }
        // Never unspecified here (`is_remote`), so no bound address is
        // needed to know where it goes (and no getsockname(2) is made).
        let dest = destination(addr, None);
        self.ctx.judge(Use::TcpConnect, dest).await.map_err(wasi_error)?;
        if self.ctx.tls_only(dest).is_some() {
            let t = target(Scheme::Tcp, dest);
            let why = "granted for TLS only; a wasi:sockets stream carries the guest's own bytes";
            self.ctx.audit().record(AuditOp::Connect, &t, false, why);
            return Err(ErrorCode::AccessDenied.into());
        }
        self.ctx.check_connections().map_err(wasi_error)?;
        self.ctx.admit_connect().map_err(wasi_error)?;
        let s = self.table.get_mut(&this)?;
        // A registration made before connect would remember the unconnected
        // socket's EPOLLHUP (see `Core::registration`).
        if let Some(core) = Arc::get_mut(&mut s.core) {
            core.forget_registration();
        }
        let started = match s.core.sock().connect(&addr.into()) {
            Ok(()) => Ok(addr),
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(addr),
            Err(e) => Err(code(e.raw_os_error().unwrap_or(libc::EIO))),
        };
        s.state = State::Connecting(started);
        if started.is_ok() {
            let key = self.ctx.hold_connection();
            self.table.get_mut(&this)?.connection = Some(key);
        }
        Ok(())
    }

    fn finish_connect(
        &mut self,
        this: Resource<TcpSocket>,
    ) -> SocketResult<(Resource<DynInputStream>, Resource<DynOutputStream>)> {
        let s = self.table.get_mut(&this)?;
        let failed = match s.state {
            State::Connecting(Err(e)) => Some(e),
            State::Connecting(Ok(addr)) => {
                // A second connect(2) says how the handshake went (one
                // syscall: 0 or EISCONN, or its error), tried at once: on
                // loopback the handshake is usually over already, and the
                // guest saves a wait. Only when it is not does the reactor
                // decide when to ask again.
                let sock = s.core.sock();
                let target = socket2::SockAddr::from(addr);
                let asked = super::try_now(&s.core, Interest::WRITABLE, false, || match sock.connect(&target) {
                    Err(e) if matches!(e.raw_os_error(), Some(libc::EALREADY | libc::EINPROGRESS)) => {
                        Err(std::io::ErrorKind::WouldBlock.into())
                    }
                    Err(e) if e.raw_os_error() == Some(libc::EISCONN) => Ok(()),
                    r => r,
                });
                match asked {
                    Ok(Some(())) => None,
                    Ok(None) => return Err(ErrorCode::WouldBlock.into()),
                    Err(e) => Some(code(e.raw_os_error().unwrap_or(libc::EIO))),
                }
            }
            _ => return Err(ErrorCode::NotInProgress.into()),
        };
        if let Some(e) = failed {
            s.state = State::Closed;
            if let Some(ino) = s.connection.take() {
                self.ctx.release_connection(ino);
            }
            return Err(e.into());
        }
        s.state = State::Connected;
        self.streams(&this)
    }

    async fn start_listen(&mut self, this: Resource<TcpSocket>) -> SocketResult<()> {
        let s = self.table.get(&this)?;
        match s.state {
            State::Default { bound: true } => {}
            State::Default { bound: false } => return Err(ErrorCode::InvalidState.into()),
            _ => return Err(busy_or_invalid(&s.state)),
        }
        if !s.listen_granted {
            // Bound to an ephemeral port: listening there is a service on
            // a port of the OS's choosing, and needs its grant.
            let local = s.core.bound().ok_or(ErrorCode::InvalidState)?;
            self.ctx.judge(Use::TcpListen, SocketAddr::new(local.ip(), 0)).await.map_err(wasi_error)?;
        }
        let backlog = self.ctx.limits.backlog(i32::try_from(self.table.get(&this)?.backlog).unwrap_or(i32::MAX));
        let s = self.table.get_mut(&this)?;
        if let Some(core) = Arc::get_mut(&mut s.core) {
            core.forget_registration();
        }
        s.core.sock().listen(backlog).map_err(|e| io_error(&e))?;
        s.state = State::ListenStarted;
        Ok(())
    }

    fn finish_listen(&mut self, this: Resource<TcpSocket>) -> SocketResult<()> {
        let s = self.table.get_mut(&this)?;
        if !matches!(s.state, State::ListenStarted) {
            return Err(ErrorCode::NotInProgress.into());
        }
        s.state = State::Listening;
        Ok(())
    }

    fn accept(
        &mut self,
        this: Resource<TcpSocket>,
    ) -> SocketResult<(Resource<TcpSocket>, Resource<DynInputStream>, Resource<DynOutputStream>)> {
        let s = self.table.get(&this)?;
        if !matches!(s.state, State::Listening) {
            return Err(ErrorCode::InvalidState.into());
        }
        let (family, core) = (s.family, Arc::clone(&s.core));
        // Limits first: a connection we cannot hold stays in the backlog.
        self.ctx.reserve(1).map_err(wasi_error)?;
        self.ctx.check_connections().map_err(wasi_error)?;
        let primed = std::mem::replace(&mut self.table.get_mut(&this)?.primed, true);
        let (sock, _peer) = match super::try_now(&core, Interest::READABLE, primed, || accept_nonblocking(core.sock()))
        {
            Ok(None) => return Err(ErrorCode::WouldBlock.into()),
            Err(e) => {
                return Err(match e.raw_os_error() {
                    // Linux reports a connection that failed in the backlog
                    // with its own error; WASI calls them all aborted.
                    Some(
                        libc::ECONNRESET
                        | libc::ENETRESET
                        | libc::EHOSTUNREACH
                        | libc::EHOSTDOWN
                        | libc::ENETDOWN
                        | libc::ENETUNREACH
                        | libc::EPROTO
                        | libc::ENOPROTOOPT
                        | libc::ENONET
                        | libc::EOPNOTSUPP,
                    ) => ErrorCode::ConnectionAborted.into(),
                    _ => io_error(&e),
                });
            }
            Ok(Some(accepted)) => accepted,
        };
        if self.ctx.wasi_nodelay {
            let _ = sock.set_tcp_nodelay(true);
        }
        let accepted = Core::from_nonblocking(sock, family.linux(), libc::SOCK_STREAM, 0);
        self.ctx.open_unnumbered().map_err(wasi_error)?;
        let connection = Some(self.ctx.hold_connection());
        let socket = TcpSocket {
            core: Arc::new(accepted),
            family,
            state: State::Connected,
            backlog: DEFAULT_BACKLOG,
            connection,
            listen_granted: false,
            primed: false,
            writer: None,
        };
        let socket = self.push_counted(socket, connection)?;
        let (input, output) = self.streams(&socket)?;
        Ok((socket, input, output))
    }

    fn local_address(&mut self, this: Resource<TcpSocket>) -> SocketResult<IpSocketAddress> {
        let s = self.table.get(&this)?;
        match s.state {
            // `connect-in-progress` counts as bound (the WIT's note on
            // "bound"): connect(2) bound an ephemeral port.
            State::Default { bound: false } | State::BindStarted | State::Closed => {
                return Err(ErrorCode::InvalidState.into());
            }
            _ => {}
        }
        let addr = s.core.sock().local_addr().map_err(|e| io_error(&e))?;
        Ok(addr.as_socket().ok_or(ErrorCode::InvalidState)?.into())
    }

    fn remote_address(&mut self, this: Resource<TcpSocket>) -> SocketResult<IpSocketAddress> {
        let s = self.table.get(&this)?;
        if !matches!(s.state, State::Connected) {
            return Err(ErrorCode::InvalidState.into());
        }
        let addr = s.core.sock().peer_addr().map_err(|e| io_error(&e))?;
        Ok(addr.as_socket().ok_or(ErrorCode::InvalidState)?.into())
    }

    fn is_listening(&mut self, this: Resource<TcpSocket>) -> wasmtime::Result<bool> {
        Ok(matches!(self.table.get(&this)?.state, State::Listening))
    }

    fn address_family(&mut self, this: Resource<TcpSocket>) -> wasmtime::Result<IpAddressFamily> {
        Ok(self.table.get(&this)?.family.wasi())
    }

    fn set_listen_backlog_size(&mut self, this: Resource<TcpSocket>, value: u64) -> SocketResult<()> {
        if value == 0 {
            return Err(ErrorCode::InvalidArgument.into());
        }
        let value = u32::try_from(value).unwrap_or(i32::MAX as u32).clamp(1, i32::MAX as u32);
        let backlog = self.ctx.limits.backlog(i32::try_from(value).unwrap_or(i32::MAX));
        let s = self.table.get_mut(&this)?;
        match s.state {
            State::Default { .. } => {}
            State::Listening => s.core.sock().listen(backlog).map_err(|_| ErrorCode::NotSupported)?,
            _ => return Err(ErrorCode::InvalidState.into()),
        }
        s.backlog = value;
        Ok(())
    }

    fn keep_alive_enabled(&mut self, this: Resource<TcpSocket>) -> SocketResult<bool> {
        self.table.get(&this)?.core.sock().keepalive().map_err(|e| io_error(&e))
    }

    fn set_keep_alive_enabled(&mut self, this: Resource<TcpSocket>, value: bool) -> SocketResult<()> {
        super::judge_option(self, libc::SOL_SOCKET, libc::SO_KEEPALIVE)?;
        self.table.get(&this)?.core.sock().set_keepalive(value).map_err(|e| io_error(&e))
    }

    fn keep_alive_idle_time(&mut self, this: Resource<TcpSocket>) -> SocketResult<u64> {
        let d = self.table.get(&this)?.core.sock().tcp_keepalive_time().map_err(|e| io_error(&e))?;
        Ok(nanos(d))
    }

    fn set_keep_alive_idle_time(&mut self, this: Resource<TcpSocket>, value: u64) -> SocketResult<()> {
        set_keepalive_secs(self, &this, libc::TCP_KEEPIDLE, value)
    }

    fn keep_alive_interval(&mut self, this: Resource<TcpSocket>) -> SocketResult<u64> {
        let d = self.table.get(&this)?.core.sock().tcp_keepalive_interval().map_err(|e| io_error(&e))?;
        Ok(nanos(d))
    }

    fn set_keep_alive_interval(&mut self, this: Resource<TcpSocket>, value: u64) -> SocketResult<()> {
        set_keepalive_secs(self, &this, libc::TCP_KEEPINTVL, value)
    }

    fn keep_alive_count(&mut self, this: Resource<TcpSocket>) -> SocketResult<u32> {
        self.table.get(&this)?.core.sock().tcp_keepalive_retries().map_err(|e| io_error(&e))
    }

    fn set_keep_alive_count(&mut self, this: Resource<TcpSocket>, value: u32) -> SocketResult<()> {
        if value == 0 {
            return Err(ErrorCode::InvalidArgument.into());
        }
        super::judge_option(self, libc::IPPROTO_TCP, libc::TCP_KEEPCNT)?;
        let value = value.clamp(1, i8::MAX as u32) as i32;
        super::set_int(self.table.get(&this)?.core.sock(), libc::IPPROTO_TCP, libc::TCP_KEEPCNT, value)
    }

    fn hop_limit(&mut self, this: Resource<TcpSocket>) -> SocketResult<u8> {
        let s = self.table.get(&this)?;
        super::hop_limit(s.core.sock(), s.family)
    }

    fn set_hop_limit(&mut self, this: Resource<TcpSocket>, value: u8) -> SocketResult<()> {
        let s = self.table.get(&this)?;
        super::set_hop_limit(&self.ctx.mediator, s.core.sock(), s.family, value)
    }

    fn receive_buffer_size(&mut self, this: Resource<TcpSocket>) -> SocketResult<u64> {
        super::buffer_size(self.table.get(&this)?.core.sock().recv_buffer_size())
    }

    fn set_receive_buffer_size(&mut self, this: Resource<TcpSocket>, value: u64) -> SocketResult<()> {
        super::set_buffer_size(&self.ctx.mediator, self.table.get(&this)?.core.sock(), true, value)
    }

    fn send_buffer_size(&mut self, this: Resource<TcpSocket>) -> SocketResult<u64> {
        super::buffer_size(self.table.get(&this)?.core.sock().send_buffer_size())
    }

    fn set_send_buffer_size(&mut self, this: Resource<TcpSocket>, value: u64) -> SocketResult<()> {
        super::set_buffer_size(&self.ctx.mediator, self.table.get(&this)?.core.sock(), false, value)
    }

    fn subscribe(&mut self, this: Resource<TcpSocket>) -> wasmtime::Result<Resource<DynPollable>> {
        wasmtime_wasi::p2::subscribe(self.table, this)
    }

    fn shutdown(&mut self, this: Resource<TcpSocket>, how: ShutdownType) -> SocketResult<()> {
        let s = self.table.get(&this)?;
        if !matches!(s.state, State::Connected) {
            return Err(ErrorCode::InvalidState.into());
        }
        if matches!(how, ShutdownType::Receive | ShutdownType::Both) {
            s.core.sock().shutdown(Shutdown::Read).map_err(|e| io_error(&e))?;
        }
        if matches!(how, ShutdownType::Send | ShutdownType::Both) {
            match &s.writer {
                // Bytes the socket has not taken yet go first.
                Some(w) => shut_down(w),
                None => s.core.sock().shutdown(Shutdown::Write).map_err(|e| io_error(&e))?,
            }
        }
        Ok(())
    }

    fn drop(&mut self, this: Resource<TcpSocket>) -> wasmtime::Result<()> {
        let s = self.table.delete(this)?;
        self.ctx.close_unnumbered(s.connection);
        // Bytes still being sent (a drain task holds the writer) keep the
        // socket open: it counts against the limits until they are sent or
        // the task gives up, so closing sockets with full buffers cannot
        // hold host descriptors outside them.
        if let Some(w) = s.writer {
            w.linger(&self.ctx.lingering);
        }
        Ok(())
    }
}

/// accept4(2) with `SOCK_NONBLOCK | SOCK_CLOEXEC`: the accepted socket
/// needs no fcntl.
fn accept_nonblocking(listener: &Socket) -> std::io::Result<(Socket, socket2::SockAddr)> {
    use std::os::fd::{AsRawFd, FromRawFd};
    // SAFETY: `try_init` hands accept4 a sockaddr_storage and its length to
    // fill; the descriptor accept4 returns is new and owned by nobody else.
    let (fd, addr) = unsafe {
        socket2::SockAddr::try_init(|storage, len| {
            let fd = libc::accept4(
                listener.as_raw_fd(),
                storage.cast::<libc::sockaddr>(),
                len,
                libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            );
            if fd < 0 { Err(std::io::Error::last_os_error()) } else { Ok(fd) }
        })
    }?;
    // SAFETY: `fd` is a fresh socket descriptor from accept4, owned here.
    Ok((unsafe { Socket::from_raw_fd(fd) }, addr))
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Set a keep-alive time in whole seconds, clamped as wasmtime-wasi does
/// (1 s to `i16::MAX` s); 0 is `invalid-argument`.
fn set_keepalive_secs(
    view: &mut CapsockCtxView<'_>,
    this: &Resource<TcpSocket>,
    name: i32,
    value_ns: u64,
) -> SocketResult<()> {
    if value_ns == 0 {
        return Err(ErrorCode::InvalidArgument.into());
    }
    super::judge_option(view, libc::IPPROTO_TCP, name)?;
    let secs = (value_ns / 1_000_000_000).clamp(1, i16::MAX as u64) as i32;
    super::set_int(view.table.get(this)?.core.sock(), libc::IPPROTO_TCP, name, secs)
}

/// Bind under the policy: a port is judged as `listen` (true: granted);
/// port 0 is an ephemeral client port, allowed and audited (false).
pub(super) async fn judge_bind(ctx: &CapsockCtx, use_: Use, addr: SocketAddr) -> SocketResult<bool> {
    if addr.port() == 0 {
        let t = target(use_.scheme(), crate::mediate::normalise(addr));
        let why = match use_.scheme() {
            Scheme::Udp => "ephemeral port (hears only senders a connect rule names)",
            _ => "ephemeral port (listening there is judged at listen)",
        };
        ctx.audit().record(AuditOp::Bind, &t, true, why);
        return Ok(false);
    }
    ctx.judge(use_, addr).await.map_err(wasi_error)?;
    Ok(true)
}

#[wasmtime_wasi::async_trait]
impl Pollable for TcpSocket {
    /// Ready when `finish-connect` or `accept` would not say
    /// `would-block`; at once in every other state.
    async fn ready(&mut self) {
        let Ok(reg) = self.core.registration() else { return };
        match self.state {
            State::Connecting(Ok(_)) => drop(reg.writable().await),
            State::Listening => drop(reg.readable().await),
            _ => {}
        }
    }
}

/// A connection's input stream.
struct Reader {
    io: Io,
    closed: bool,
    /// The reactor's readiness for this socket has been learnt (an
    /// `EAGAIN` seen): from then on "not ready" skips the syscall.
    primed: bool,
}

impl Reader {
    fn fail(&mut self, errno: i32) -> StreamError {
        self.closed = true;
        stream_failure(errno)
    }
}

impl Io {
    /// How many of `want` bytes the byte limit still allows; an error
    /// (audited as the limit) once none.
    fn budget(&self, want: usize, used: u64, limit: Option<u64>, name: &str) -> StreamResult<usize> {
        let Some(limit) = limit else { return Ok(want) };
        let left = limit.saturating_sub(used);
        if left == 0 && want > 0 {
            let _ = self.mediator.limit(libc::EACCES, name, limit);
            return Err(stream_failure(libc::EACCES));
        }
        Ok(want.min(usize::try_from(left).unwrap_or(usize::MAX)))
    }
}

#[wasmtime_wasi::async_trait]
impl InputStream for Reader {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        if self.closed {
            return Err(StreamError::Closed);
        }
        if size == 0 {
            return Ok(Bytes::new());
        }
        let want =
            self.io.budget(size.min(MAX_READ), self.io.meter.received(), self.io.max_received, "max_bytes_received")?;
        let core = Arc::clone(&self.io.core);
        let mut buf = BytesMut::with_capacity(want);
        let spare = &mut buf.spare_capacity_mut()[..want];
        // Once the reactor has been seen to say "drained", trust it.
        let got = super::try_now_then(
            &core,
            Interest::READABLE,
            self.primed,
            || core.sock().recv(&mut *spare),
            // Fewer bytes than asked: nothing more is there now.
            |n| *n > 0 && *n < want,
        );
        match got {
            Ok(None) => {
                self.primed = true;
                Ok(Bytes::new())
            }
            Ok(Some(0)) => {
                self.closed = true;
                Err(StreamError::Closed)
            }
            Ok(Some(n)) => {
                let n = n.min(want);
                // The reactor's readiness is known from here on.
                self.primed = true;
                // SAFETY: recv(2) initialised the first `n` bytes of the
                // spare capacity.
                unsafe { buf.set_len(n) };
                self.io.meter.add_received(n);
                Ok(buf.freeze())
            }
            Err(e) => Err(self.fail(e.raw_os_error().unwrap_or(libc::EIO))),
        }
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for Reader {
    async fn ready(&mut self) {
        if self.closed {
            return;
        }
        if let Ok(reg) = self.io.core.registration() {
            drop(reg.readable().await);
        }
    }
}

/// A connection's output: the bytes the socket did not take yet (at most
/// one permit's worth), and how the stream ended.
struct Writer {
    io: Io,
    pending: Bytes,
    failed: Option<i32>,
    /// `shutdown(send)` asked: done once `pending` is sent.
    shut: bool,
}

/// The writer, shared by the output stream, its socket (for `shutdown`)
/// and, while the socket does not take the bytes, one drain task, which
/// holds the lock while it drains. `meta` says whether a drain is
/// outstanding (from the moment it is spawned, before it runs), so no
/// permit is given meanwhile and a socket closed meanwhile keeps counting.
type Shared = Arc<WriterCell>;

struct WriterCell {
    w: tokio::sync::Mutex<Writer>,
    meta: std::sync::Mutex<Meta>,
}

#[derive(Default)]
struct Meta {
    /// A drain task is spawned and has not finished.
    draining: bool,
    /// `shutdown(send)` asked while draining: the task does it after.
    shut: bool,
    /// The socket was closed while draining: this counter (the instance's
    /// lingering sockets) is decremented when the drain ends.
    lingering: Option<Arc<std::sync::atomic::AtomicUsize>>,
}

/// Drains in flight in this process, for a host about to exit
/// ([`wait_for_drains`]).
static DRAINS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static DRAINS_DONE: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Wait (at most `limit`) until every drain task of this process has sent
/// its bytes or given up: a host that exits right after its guests
/// (`capsock run`, the runwasi shim) would otherwise cut the last bytes a
/// guest wrote.
pub async fn wait_for_drains(limit: Duration) {
    let until = tokio::time::Instant::now() + limit;
    loop {
        let done = DRAINS_DONE.notified();
        if DRAINS.load(std::sync::atomic::Ordering::Acquire) == 0 {
            return;
        }
        if tokio::time::timeout_at(until, done).await.is_err() {
            return;
        }
    }
}

impl WriterCell {
    fn meta(&self) -> std::sync::MutexGuard<'_, Meta> {
        self.meta.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn draining(&self) -> bool {
        self.meta().draining
    }

    /// The socket is closed: count it as lingering while a drain is out.
    fn linger(&self, lingering: &Arc<std::sync::atomic::AtomicUsize>) {
        let mut m = self.meta();
        if m.draining {
            lingering.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            m.lingering = Some(Arc::clone(lingering));
        }
    }

    /// The drain is over (under the writer's lock, nothing pending).
    fn drained(&self, w: &mut Writer) {
        let mut m = self.meta();
        if std::mem::take(&mut m.shut) {
            w.shut = true;
            w.finish_shutdown();
        }
        if m.draining {
            m.draining = false;
            if let Some(l) = m.lingering.take() {
                l.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            }
            DRAINS.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
            DRAINS_DONE.notify_waiters();
        }
    }
}

/// `failed` for a stream that is closed rather than failed (`EPIPE`, or
/// shut down), as wasmtime-wasi reports it.
const CLOSED: i32 = 0;

impl Writer {
    fn error(&self) -> Option<StreamError> {
        match self.failed {
            None => None,
            Some(CLOSED) => Some(StreamError::Closed),
            Some(e) => Some(stream_failure(e)),
        }
    }

    /// What one `send(2)` of the pending bytes gave: false when the
    /// socket is full.
    fn sent(&mut self, r: std::io::Result<Option<usize>>) -> bool {
        match r {
            Ok(None) => return false,
            Ok(Some(n)) => {
                self.io.meter.add_sent(n);
                self.pending.advance(n);
            }
            Err(e) if e.raw_os_error() == Some(libc::EPIPE) => self.failed = Some(CLOSED),
            Err(e) => self.failed = Some(e.raw_os_error().unwrap_or(libc::EIO)),
        }
        true
    }

    /// Send what is pending as far as the socket takes it without waiting.
    fn push(&mut self) {
        let core = Arc::clone(&self.io.core);
        while !self.pending.is_empty() && self.failed.is_none() {
            let pending = &self.pending;
            let r = super::try_now(&core, Interest::WRITABLE, false, || {
                core.sock().send_with_flags(pending, libc::MSG_NOSIGNAL)
            });
            if !self.sent(r) {
                return;
            }
        }
        self.finish_shutdown();
    }

    /// Send what is pending, waiting for room as long as it takes.
    async fn drain(&mut self) {
        let core = Arc::clone(&self.io.core);
        while !self.pending.is_empty() && self.failed.is_none() {
            let Ok(reg) = core.registration() else { return };
            let Ok(mut guard) = reg.writable().await else { return };
            let pending = &self.pending;
            let r = match guard.try_io(|_| core.sock().send_with_flags(pending, libc::MSG_NOSIGNAL)) {
                Err(_would_block) => Ok(None),
                Ok(Ok(n)) => Ok(Some(n)),
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => Ok(None),
                Ok(Err(e)) => Err(e),
            };
            self.sent(r);
        }
        self.finish_shutdown();
    }

    fn finish_shutdown(&mut self) {
        if self.pending.is_empty() && self.shut && self.failed.is_none() {
            let _ = self.io.core.sock().shutdown(Shutdown::Write);
            self.failed = Some(CLOSED);
        }
    }
}

/// Send what is pending in a task, so it goes out while the guest waits on
/// something else (wasi-libc's `send` writes and returns; it never waits
/// for the output stream). Only when the socket did not take a write: the
/// common write spawns nothing. Bounded by [`LINGER`]: then the rest is
/// dropped and the stream fails with `ETIMEDOUT`.
fn spawn_drain(cell: &Shared) {
    let Ok(rt) = tokio::runtime::Handle::try_current() else { return };
    {
        let mut m = cell.meta();
        if m.draining {
            return;
        }
        m.draining = true;
        DRAINS.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
    let cell = Arc::clone(cell);
    rt.spawn(async move {
        let mut w = cell.w.lock().await;
        if tokio::time::timeout(LINGER, w.drain()).await.is_err() {
            w.pending = Bytes::new();
            w.failed.get_or_insert(libc::ETIMEDOUT);
        }
        cell.drained(&mut w);
    });
}

/// `shutdown(send)`: the FIN follows the pending bytes.
fn shut_down(cell: &Shared) {
    {
        let mut m = cell.meta();
        if m.draining {
            // The drain task does it when it is done.
            m.shut = true;
            return;
        }
    }
    // No drain out: only the guest's own (synchronous) calls use the lock.
    let Ok(mut w) = cell.w.try_lock() else { return };
    w.shut = true;
    w.push();
    if !w.pending.is_empty() {
        drop(w);
        spawn_drain(cell);
    }
}

/// The output stream.
struct TcpWriter {
    writer: Shared,
    /// What the last `check-write` allowed: for the next `write` only.
    permit: usize,
}

#[wasmtime_wasi::async_trait]
impl OutputStream for TcpWriter {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        let permit = std::mem::take(&mut self.permit);
        if bytes.len() > permit {
            return Err(StreamError::trap("write of more bytes than check-write permitted"));
        }
        if bytes.is_empty() {
            return Ok(());
        }
        // A permit is given only while nothing is pending and no task
        // holds the writer, and the guest's calls come one at a time.
        // (Only a `shutdown(send)` still queued behind a drain can hold it
        // now: the stream is closed.)
        let Ok(mut w) = self.writer.w.try_lock() else { return Err(StreamError::Closed) };
        if let Some(e) = w.error() {
            return Err(e);
        }
        w.pending = bytes;
        w.push();
        if !w.pending.is_empty() {
            drop(w);
            spawn_drain(&self.writer);
        }
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        // Nothing is buffered but `pending`, which `check-write` reports.
        match self.writer.w.try_lock() {
            Ok(w) => w.error().map_or(Ok(()), Err),
            Err(_) => Ok(()),
        }
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        self.permit = 0;
        // A drain is out (running or about to): no room yet.
        if self.writer.draining() {
            return Ok(0);
        }
        let Ok(mut w) = self.writer.w.try_lock() else { return Ok(0) };
        w.push();
        if let Some(e) = w.error() {
            return Err(e);
        }
        if !w.pending.is_empty() || w.shut {
            return Ok(0);
        }
        self.permit = w.io.budget(MAX_WRITE, w.io.meter.sent(), w.io.max_sent, "max_bytes_sent")?;
        Ok(self.permit)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for TcpWriter {
    /// Ready once nothing is pending: `check-write` then permits again.
    async fn ready(&mut self) {
        let mut w = self.writer.w.lock().await;
        w.drain().await;
        // Done here if the drain task has not run yet: it then finds
        // nothing to do.
        self.writer.drained(&mut w);
    }
}

impl Drop for TcpWriter {
    /// Dropping the output stream ends the sending side (wasmtime-wasi
    /// alike), after the bytes the socket had not taken yet.
    fn drop(&mut self) {
        shut_down(&self.writer);
    }
}
