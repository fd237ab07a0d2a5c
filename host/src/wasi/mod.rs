//! `wasi:sockets@0.2` served from capsock's own socket core: what Rust's
//! `std::net`, wasi-libc and componentize-py's built-in `socket` speak.
//!
//! One host file per interface, as in wasmtime-wasi: `tcp.rs`
//! (`tcp`, `tcp-create-socket` and the `wasi:io` streams of a connection),
//! `udp.rs` (`udp`, `udp-create-socket`), `lookup.rs` (`ip-name-lookup`).
//! `wasi:sockets/network` and `instance-network` stay wasmtime-wasi's: the
//! `network` handle grants nothing here (the policy does), so it is only
//! checked to be one.
//!
//! Every operation that names an address goes through the same
//! [`Mediator`](crate::mediate::Mediator) as capsock's own sockets (policy,
//! hook, audit), counts against the same limits (`max_sockets`,
//! `max_connections`, `max_connects_per_second`, the byte limits) and the
//! same [`Stats`](crate::Stats); names resolve through capsock's resolver
//! (name rules, `[hosts]`, answers pruned by deny rules). What differs from
//! capsock's own sockets, and why:
//!
//! - `wasi:sockets` sockets have no fileno (the interface has none), so
//!   they count in the instance's open-socket total without a slot in the
//!   fileno table.
//! - A denial is `access-denied`: the WASI error code has no text, so the
//!   rule that decided is in the audit record, not in the guest's error.
//! - A bind to port 0 is an ephemeral client port, not a service: it is
//!   allowed without a `listen` rule and audited as such, and such a UDP
//!   socket hears only from senders a `connect udp` rule names. A bind to a
//!   port is judged as `listen`, and only then does a UDP socket hear from
//!   anyone (and may answer recent senders).
//! - A TCP connect granted only by a `connect tls://` rule is refused: the
//!   bytes of a `wasi:sockets` stream are the guest's own, and the host
//!   cannot vouch that they are TLS.
//! - TCP sockets get `TCP_NODELAY` (see
//!   [`CapsockCtxBuilder::wasi_nodelay`](crate::CapsockCtxBuilder::wasi_nodelay)).
//!
//! # Bounds
//! A read returns at most [`MAX_READ`] bytes and allocates what it returns,
//! never zero-filled; a write holds at most [`MAX_WRITE`] bytes the socket
//! did not take yet (its permit), and no task; a UDP receive returns at most
//! [`MAX_DATAGRAMS`] datagrams from one reused 64 KiB buffer.

mod lookup;
mod tcp;
mod udp;

use crate::ctx::{CapsockCtxView, CapsockView, HasCapsock};
use crate::error::{Kind, SockError};
use std::io;
use std::net::{IpAddr, SocketAddr};
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi::p2::SocketError;
use wasmtime_wasi::p2::bindings::sockets::network::{ErrorCode, IpAddressFamily};

pub use lookup::ResolveAddressStream;
pub use tcp::{TcpSocket, wait_for_drains};
pub use udp::{IncomingDatagramStream, OutgoingDatagramStream, UdpSocket};

/// The most one stream read returns (wasmtime-wasi's bound too).
pub const MAX_READ: usize = 64 << 10;

/// The most a TCP output stream permits per `check-write`: what the socket
/// did not take at once is held until it does, so this bounds the bytes a
/// guest can park in host memory per connection.
pub const MAX_WRITE: usize = 64 << 10;

/// The most datagrams one `receive` or `send` handles.
pub const MAX_DATAGRAMS: usize = 16;

pub(crate) mod generated {
    wasmtime::component::bindgen!({
        path: "wit-wasi",
        world: "capsock:wasi-host/sockets",
        // Only what judges an address (the hook may take its time) or
        // resolves a name waits; the rest are plain calls, without the
        // boxed future an async host call costs.
        imports: {
            "wasi:sockets/tcp.[method]tcp-socket.start-bind": async | trappable,
            "wasi:sockets/tcp.[method]tcp-socket.start-connect": async | trappable,
            "wasi:sockets/tcp.[method]tcp-socket.start-listen": async | trappable,
            "wasi:sockets/udp.[method]udp-socket.start-bind": async | trappable,
            "wasi:sockets/udp.[method]udp-socket.stream": async | trappable,
            "wasi:sockets/udp.[method]outgoing-datagram-stream.send": async | trappable,
            default: trappable,
        },
        trappable_error_type: {
            "wasi:sockets/network.error-code" => wasmtime_wasi::p2::SocketError,
        },
        with: {
            "wasi:io/poll": wasmtime_wasi_io::bindings::wasi::io::poll,
            "wasi:io/streams": wasmtime_wasi_io::bindings::wasi::io::streams,
            "wasi:io/error": wasmtime_wasi_io::bindings::wasi::io::error,
            "wasi:clocks/monotonic-clock": wasmtime_wasi::p2::bindings::clocks::monotonic_clock,
            "wasi:sockets/network": wasmtime_wasi::p2::bindings::sockets::network,
            "wasi:sockets/instance-network": wasmtime_wasi::p2::bindings::sockets::instance_network,
            "wasi:sockets/tcp.tcp-socket": super::tcp::TcpSocket,
            "wasi:sockets/udp.udp-socket": super::udp::UdpSocket,
            "wasi:sockets/udp.incoming-datagram-stream": super::udp::IncomingDatagramStream,
            "wasi:sockets/udp.outgoing-datagram-stream": super::udp::OutgoingDatagramStream,
            "wasi:sockets/ip-name-lookup.resolve-address-stream": super::lookup::ResolveAddressStream,
        },
        require_store_data_send: true,
    });
}

use generated::wasi::sockets as ws;

/// Which implementation of `wasi:sockets` a runtime links.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WasiSockets {
    /// capsock's own (this module): the full policy, limits, resolver.
    #[default]
    Capsock,
    /// wasmtime-wasi's, with capsock's address check
    /// ([`CapsockCtx::govern_wasi_sockets`](crate::CapsockCtx::govern_wasi_sockets)):
    /// for comparison; no name lookups, limits or byte counts.
    Wasmtime,
}

impl std::str::FromStr for WasiSockets {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "capsock" => Ok(WasiSockets::Capsock),
            "wasmtime" => Ok(WasiSockets::Wasmtime),
            _ => Err(format!("unknown wasi:sockets implementation {s:?} (capsock or wasmtime)")),
        }
    }
}

/// Serve `wasi:sockets` (tcp, udp, their create functions and
/// ip-name-lookup) from capsock on a linker that already has
/// wasmtime-wasi's interfaces (`wasmtime_wasi::p2::add_to_linker_async`):
/// capsock's definitions replace wasmtime-wasi's sockets, and the rest of
/// WASI (cli, clocks, filesystem, random, `wasi:io`, `network`) stays
/// wasmtime-wasi's. The store's data implements both `WasiView` and
/// [`CapsockView`], sharing one resource table.
///
/// # Errors
/// When the linker lacks wasmtime-wasi's interfaces this builds on, or the
/// definitions fail.
pub fn add_to_linker<T: CapsockView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let added = (|| {
        ws::tcp::add_to_linker::<T, HasCapsock>(linker, T::capsock)?;
        ws::tcp_create_socket::add_to_linker::<T, HasCapsock>(linker, T::capsock)?;
        ws::udp::add_to_linker::<T, HasCapsock>(linker, T::capsock)?;
        ws::udp_create_socket::add_to_linker::<T, HasCapsock>(linker, T::capsock)?;
        ws::ip_name_lookup::add_to_linker::<T, HasCapsock>(linker, T::capsock)
    })();
    linker.allow_shadowing(false);
    added
}

/// What wasmtime-wasi's `network` interface asks of the view that serves
/// the interfaces using it: how a trappable error becomes the WIT code.
impl wasmtime_wasi::p2::bindings::sockets::network::Host for CapsockCtxView<'_> {
    fn convert_error_code(&mut self, err: SocketError) -> wasmtime::Result<ErrorCode> {
        err.downcast()
    }

    fn network_error_code(&mut self, err: Resource<wasmtime::Error>) -> wasmtime::Result<Option<ErrorCode>> {
        let err = self.table.get(&err)?;
        Ok(err.downcast_ref::<io::Error>().map(|e| code(e.raw_os_error().unwrap_or(libc::EIO))))
    }
}

impl wasmtime_wasi::p2::bindings::sockets::network::HostNetwork for CapsockCtxView<'_> {
    fn drop(&mut self, this: Resource<wasmtime_wasi::p2::Network>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        Ok(())
    }
}

/// The WASI error code for a Linux errno, as wasmtime-wasi maps them.
pub(crate) fn code(errno: i32) -> ErrorCode {
    match errno {
        libc::EACCES | libc::EPERM => ErrorCode::AccessDenied,
        libc::EOPNOTSUPP | libc::ENOPROTOOPT | libc::EPFNOSUPPORT | libc::EPROTONOSUPPORT => ErrorCode::NotSupported,
        libc::EINVAL | libc::EAFNOSUPPORT | libc::EDESTADDRREQ => ErrorCode::InvalidArgument,
        libc::ENOMEM | libc::ENOBUFS => ErrorCode::OutOfMemory,
        libc::ETIMEDOUT => ErrorCode::Timeout,
        libc::EALREADY => ErrorCode::ConcurrencyConflict,
        libc::EAGAIN | libc::EINPROGRESS => ErrorCode::WouldBlock,
        libc::EISCONN | libc::ENOTCONN => ErrorCode::InvalidState,
        libc::EMFILE | libc::ENFILE => ErrorCode::NewSocketLimit,
        libc::EADDRNOTAVAIL => ErrorCode::AddressNotBindable,
        libc::EADDRINUSE => ErrorCode::AddressInUse,
        libc::EHOSTUNREACH | libc::ENETUNREACH | libc::ENETDOWN | libc::EHOSTDOWN | libc::ENONET => {
            ErrorCode::RemoteUnreachable
        }
        libc::ECONNREFUSED => ErrorCode::ConnectionRefused,
        libc::ECONNRESET | libc::EPIPE => ErrorCode::ConnectionReset,
        libc::ECONNABORTED => ErrorCode::ConnectionAborted,
        libc::EMSGSIZE => ErrorCode::DatagramTooLarge,
        _ => ErrorCode::Unknown,
    }
}

/// The WASI error for one of capsock's: a denial or a limit is
/// `access-denied` (`new-socket-limit` for `max_sockets`), a resolver
/// error its WASI kind, a trap stays a trap.
pub(crate) fn wasi_error(e: SockError) -> SocketError {
    match e {
        SockError::Trap(t) => SocketError::trap(t),
        SockError::Guest(g) => match g.kind {
            Kind::Os => code(g.errno).into(),
            Kind::Timeout => ErrorCode::Timeout.into(),
            Kind::Gai | Kind::Herror => match g.errno {
                capsock_abi::consts::EAI_AGAIN => ErrorCode::TemporaryResolverFailure,
                capsock_abi::consts::EAI_FAIL => ErrorCode::PermanentResolverFailure,
                capsock_abi::consts::EAI_MEMORY => ErrorCode::OutOfMemory,
                _ => ErrorCode::NameUnresolvable,
            }
            .into(),
            Kind::Value | Kind::Overflow => ErrorCode::InvalidArgument.into(),
            _ => ErrorCode::Unknown.into(),
        },
    }
}

/// An OS error as the WASI code (`EINTR` never reaches here: callers retry).
pub(crate) fn io_error(e: &io::Error) -> SocketError {
    code(e.raw_os_error().unwrap_or(libc::EIO)).into()
}

/// The error a failed stream operation carries: an `io::Error` with the
/// errno, which `wasi:sockets/network.network-error-code` turns back into
/// the WASI code.
pub(crate) fn stream_failure(errno: i32) -> wasmtime_wasi::p2::StreamError {
    wasmtime_wasi::p2::StreamError::LastOperationFailed(wasmtime::Error::new(io::Error::from_raw_os_error(errno)))
}

/// A socket's address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    V4,
    V6,
}

impl Family {
    pub(crate) fn of(f: IpAddressFamily) -> Family {
        match f {
            IpAddressFamily::Ipv4 => Family::V4,
            IpAddressFamily::Ipv6 => Family::V6,
        }
    }

    pub(crate) fn wasi(self) -> IpAddressFamily {
        match self {
            Family::V4 => IpAddressFamily::Ipv4,
            Family::V6 => IpAddressFamily::Ipv6,
        }
    }

    pub(crate) fn domain(self) -> socket2::Domain {
        match self {
            Family::V4 => socket2::Domain::IPV4,
            Family::V6 => socket2::Domain::IPV6,
        }
    }

    pub(crate) fn linux(self) -> i32 {
        match self {
            Family::V4 => libc::AF_INET,
            Family::V6 => libc::AF_INET6,
        }
    }

    /// Does `ip` belong to this family, as WASI says? An IPv6 socket takes
    /// no IPv4-mapped or IPv4-compatible address (its sockets are v6-only).
    pub(crate) fn admits(self, ip: IpAddr) -> bool {
        match (self, ip) {
            (Family::V4, IpAddr::V4(_)) => true,
            (Family::V6, IpAddr::V6(v6)) => {
                let compatible =
                    matches!(v6.segments(), [0, 0, 0, 0, 0, 0, _, _]) && !v6.is_unspecified() && !v6.is_loopback();
                !compatible && v6.to_ipv4_mapped().is_none()
            }
            _ => false,
        }
    }
}

/// Not multicast, not broadcast (WASI's `invalid-argument` otherwise).
pub(crate) fn is_unicast(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => !v4.is_multicast() && !v4.is_broadcast(),
        IpAddr::V6(v6) => !v6.is_multicast(),
    }
}

/// A remote address WASI accepts: not unspecified, not port 0.
pub(crate) fn is_remote(addr: SocketAddr) -> bool {
    !addr.ip().to_canonical().is_unspecified() && addr.port() != 0
}

/// A context that never wakes: for the non-blocking halves of WASI calls,
/// which ask readiness without waiting for it.
pub(crate) fn noop_cx() -> std::task::Context<'static> {
    std::task::Context::from_waker(std::task::Waker::noop())
}

/// One non-blocking socket operation, syscall or reactor first.
///
/// When the reactor says the socket is ready, the operation runs under its
/// readiness guard, so an `EAGAIN` clears that (stale) readiness and the
/// next wait really waits. When it says not ready: with `gate`, nothing
/// is tried (the common case of a drained socket costs no syscall); without,
/// the operation is tried anyway — for a fresh registration, whose
/// readiness is not known until the reactor's next turn, and for writes,
/// where a socket is almost always ready.
///
/// `Ok(None)`: it would block.
pub(crate) fn try_now<T>(
    core: &crate::net::Core,
    interest: tokio::io::Interest,
    gate: bool,
    op: impl FnMut() -> io::Result<T>,
) -> io::Result<Option<T>> {
    try_now_then(core, interest, gate, op, |_| false)
}

/// As [`try_now`]; `drained` says from a result that the socket has
/// nothing more now (a read shorter than asked, as tokio's own streams
/// assume), and the readiness is cleared then, so the next read waits
/// instead of trying a syscall that would say `EAGAIN`.
pub(crate) fn try_now_then<T>(
    core: &crate::net::Core,
    interest: tokio::io::Interest,
    gate: bool,
    mut op: impl FnMut() -> io::Result<T>,
    drained: impl FnOnce(&T) -> bool,
) -> io::Result<Option<T>> {
    let reg = core.registration()?;
    let mut cx = noop_cx();
    let polled = if interest.is_readable() { reg.poll_read_ready(&mut cx) } else { reg.poll_write_ready(&mut cx) };
    let result = match polled {
        std::task::Poll::Ready(Ok(mut guard)) => match guard.try_io(|_| op()) {
            Err(_would_block) => return Ok(None),
            Ok(Ok(v)) => {
                if drained(&v) {
                    guard.clear_ready();
                }
                Ok(v)
            }
            Ok(r) => r,
        },
        std::task::Poll::Ready(Err(e)) => return Err(e),
        std::task::Poll::Pending if gate => return Ok(None),
        std::task::Poll::Pending => op(),
    };
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted) => Ok(None),
        Err(e) => Err(e),
    }
}

impl CapsockCtxView<'_> {
    /// Put a socket counted by `open_unnumbered` in the table; if the table
    /// refuses it (full), uncount it and trap.
    pub(crate) fn push_counted<T: Send + 'static>(
        &mut self,
        socket: T,
        connection: Option<u64>,
    ) -> Result<Resource<T>, SocketError> {
        self.table.push(socket).map_err(|e| {
            self.ctx.close_unnumbered(connection);
            SocketError::trap(e)
        })
    }
}

/// Judge setting a socket option through the mediator, by the same label
/// and default as capsock's `setsockopt`.
pub(crate) fn judge_option(view: &CapsockCtxView<'_>, level: i32, name: i32) -> Result<(), SocketError> {
    judge_option_by(&view.ctx.mediator, level, name)
}

fn judge_option_by(mediator: &crate::mediate::Mediator, level: i32, name: i32) -> Result<(), SocketError> {
    let opt = crate::sockopt::lookup(level, name).map_err(wasi_error)?;
    mediator.sockopt(opt.label, opt.grant == crate::sockopt::Grant::Default).map_err(wasi_error)
}

/// Set an `int` option (no socket2 helper changes one option alone).
pub(crate) fn set_int(sock: &socket2::Socket, level: i32, name: i32, value: i32) -> Result<(), SocketError> {
    crate::sockopt::set_raw(sock, level, name, &value.to_ne_bytes()).map_err(wasi_error)
}

/// Linux reports twice the buffer size that was set (bookkeeping room);
/// WASI callers expect what they set.
pub(crate) fn buffer_size(v: io::Result<usize>) -> Result<u64, SocketError> {
    let v = v.map_err(|e| io_error(&e))?;
    Ok(u64::try_from(v / 2).unwrap_or(u64::MAX))
}

/// Set a buffer size, judged by its `setsockopt` label: 0 is
/// `invalid-argument`; too large is clamped.
pub(crate) fn set_buffer_size(
    mediator: &crate::mediate::Mediator,
    sock: &socket2::Socket,
    recv: bool,
    value: u64,
) -> Result<(), SocketError> {
    if value == 0 {
        return Err(ErrorCode::InvalidArgument.into());
    }
    judge_option_by(mediator, libc::SOL_SOCKET, if recv { libc::SO_RCVBUF } else { libc::SO_SNDBUF })?;
    let v = usize::try_from(value).unwrap_or(usize::MAX).clamp(1, i32::MAX as usize);
    let r = if recv { sock.set_recv_buffer_size(v) } else { sock.set_send_buffer_size(v) };
    match r {
        Err(e) if e.raw_os_error() != Some(libc::ENOBUFS) => Err(io_error(&e)),
        _ => Ok(()),
    }
}

/// The unicast hop limit (IPv4 TTL or IPv6 unicast hops).
pub(crate) fn hop_limit(sock: &socket2::Socket, family: Family) -> Result<u8, SocketError> {
    let v = match family {
        Family::V4 => sock.ttl_v4(),
        Family::V6 => sock.unicast_hops_v6(),
    }
    .map_err(|e| io_error(&e))?;
    u8::try_from(v).map_err(|_| ErrorCode::NotSupported.into())
}

/// Set the unicast hop limit, judged by its `setsockopt` label (`IP_TTL`
/// or `IPV6_UNICAST_HOPS`): 0 is `invalid-argument`.
pub(crate) fn set_hop_limit(
    mediator: &crate::mediate::Mediator,
    sock: &socket2::Socket,
    family: Family,
    value: u8,
) -> Result<(), SocketError> {
    if value == 0 {
        return Err(ErrorCode::InvalidArgument.into());
    }
    let (level, name) = match family {
        Family::V4 => (libc::IPPROTO_IP, libc::IP_TTL),
        Family::V6 => (libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS),
    };
    judge_option_by(mediator, level, name)?;
    match family {
        Family::V4 => sock.set_ttl_v4(value.into()),
        Family::V6 => sock.set_unicast_hops_v6(value.into()),
    }
    .map_err(|e| io_error(&e))
}
