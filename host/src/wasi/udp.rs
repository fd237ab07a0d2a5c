//! `wasi:sockets/udp` and `udp-create-socket` on capsock's socket core.
//!
//! A datagram is judged where it names an address: `stream(remote)` as a
//! UDP connect, each `send` to an address as a UDP send (a reply to a
//! recent sender of a `listen`-granted socket needs no rule, as for
//! capsock's own sockets). Received datagrams from senders the policy does
//! not let this socket hear are dropped, as a firewall would: a socket
//! bound to a port under a `listen` rule hears anyone; any other hears only
//! senders a `connect udp` rule names.

use super::generated::wasi::sockets::udp::{self, IncomingDatagram, OutgoingDatagram};
use super::generated::wasi::sockets::udp_create_socket;
use super::tcp::judge_bind;
use super::{Family, MAX_DATAGRAMS, io_error, is_remote, is_unicast, noop_cx, wasi_error};
use crate::ctx::{CapsockCtx, CapsockCtxView};
use crate::mediate::{Use, destination, normalise};
use crate::net::{Core, UDP_REPLY_PEERS};
use socket2::{SockAddr, Socket, Type};
use std::collections::VecDeque;
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::io::Interest;
use wasmtime::component::Resource;
use wasmtime_wasi::p2::bindings::sockets::network::{ErrorCode, IpAddressFamily, IpSocketAddress, Network};
use wasmtime_wasi::p2::{DynPollable, Pollable, SocketError, SocketResult};

/// The largest datagram a receive takes whole (IPv4's and IPv6's limit).
const MAX_DATAGRAM: usize = 65535;

/// What a UDP socket and its streams share.
struct Udp {
    core: Core,
    family: Family,
    /// Bound to a port under a `listen` rule: hears anyone, and may reply
    /// to recent senders.
    listen_granted: AtomicBool,
    /// Recent senders (at most [`UDP_REPLY_PEERS`], oldest forgotten).
    reply_peers: Mutex<VecDeque<SocketAddr>>,
}

impl Udp {
    fn remember(&self, peer: SocketAddr) {
        let mut peers = self.reply_peers.lock().unwrap_or_else(PoisonError::into_inner);
        if peers.contains(&peer) {
            return;
        }
        if peers.len() == UDP_REPLY_PEERS {
            peers.pop_front();
        }
        peers.push_back(peer);
    }

    fn is_recent(&self, peer: SocketAddr) -> bool {
        self.reply_peers.lock().unwrap_or_else(PoisonError::into_inner).iter().any(|p| normalise(*p) == peer)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Default,
    BindStarted,
    Bound,
}

/// A `wasi:sockets` UDP socket.
pub struct UdpSocket {
    udp: Arc<Udp>,
    state: State,
    /// The peer `stream(remote)` connected to.
    remote: Option<SocketAddr>,
}

/// Datagrams in: a reused receive buffer (never zero-filled per call).
pub struct IncomingDatagramStream {
    udp: Arc<Udp>,
    scratch: Vec<u8>,
    /// Readiness learnt (see the TCP reader's `primed`).
    primed: bool,
    /// An error the OS reported after datagrams were already taken in the
    /// same call (the kernel clears it once told): the next call's.
    deferred: Option<std::io::Error>,
}

/// Datagrams out.
pub struct OutgoingDatagramStream {
    udp: Arc<Udp>,
    remote: Option<SocketAddr>,
    permit: usize,
    /// The last send found the socket full: permits wait for room.
    full: bool,
    /// The last destination the policy allowed: a stream of datagrams to
    /// one peer is judged (and audited) once, not per datagram.
    granted: Option<SocketAddr>,
}

impl udp_create_socket::Host for CapsockCtxView<'_> {
    fn create_udp_socket(&mut self, family: IpAddressFamily) -> SocketResult<Resource<UdpSocket>> {
        let family = Family::of(family);
        self.ctx.reserve(1).map_err(wasi_error)?;
        let sock = Socket::new(family.domain(), Type::DGRAM.nonblocking().cloexec(), Some(socket2::Protocol::UDP))
            .map_err(|e| io_error(&e))?;
        if family == Family::V6 {
            sock.set_only_v6(true).map_err(|e| io_error(&e))?;
        }
        let core = Core::from_nonblocking(sock, family.linux(), libc::SOCK_DGRAM, 0);
        self.ctx.open_unnumbered().map_err(wasi_error)?;
        let udp =
            Udp { core, family, listen_granted: AtomicBool::new(false), reply_peers: Mutex::new(VecDeque::new()) };
        let socket = UdpSocket { udp: Arc::new(udp), state: State::Default, remote: None };
        self.push_counted(socket, None)
    }
}

impl udp::Host for CapsockCtxView<'_> {}

impl udp::HostUdpSocket for CapsockCtxView<'_> {
    async fn start_bind(
        &mut self,
        this: Resource<UdpSocket>,
        network: Resource<Network>,
        local_address: IpSocketAddress,
    ) -> SocketResult<()> {
        self.table.get(&network)?;
        let addr = SocketAddr::from(local_address);
        let s = self.table.get(&this)?;
        match s.state {
            State::Default => {}
            State::BindStarted => return Err(ErrorCode::ConcurrencyConflict.into()),
            State::Bound => return Err(ErrorCode::InvalidState.into()),
        }
        if !is_unicast(addr.ip()) || !s.udp.family.admits(addr.ip()) {
            return Err(ErrorCode::InvalidArgument.into());
        }
        let granted = judge_bind(self.ctx, Use::UdpBind, addr).await?;
        let s = self.table.get_mut(&this)?;
        s.udp.core.sock().bind(&addr.into()).map_err(|e| match e.raw_os_error() {
            Some(libc::EAFNOSUPPORT) => ErrorCode::InvalidArgument.into(),
            _ => io_error(&e),
        })?;
        s.udp.listen_granted.store(granted, Ordering::Relaxed);
        s.state = State::BindStarted;
        Ok(())
    }

    fn finish_bind(&mut self, this: Resource<UdpSocket>) -> SocketResult<()> {
        let s = self.table.get_mut(&this)?;
        if s.state != State::BindStarted {
            return Err(ErrorCode::NotInProgress.into());
        }
        s.state = State::Bound;
        Ok(())
    }

    async fn stream(
        &mut self,
        this: Resource<UdpSocket>,
        remote_address: Option<IpSocketAddress>,
    ) -> SocketResult<(Resource<IncomingDatagramStream>, Resource<OutgoingDatagramStream>)> {
        let busy = self
            .table
            .iter_children(&this)?
            .any(|c| c.is::<IncomingDatagramStream>() || c.is::<OutgoingDatagramStream>());
        if busy {
            return Err(SocketError::trap(wasmtime::format_err!("UDP streams not dropped yet")));
        }
        let s = self.table.get(&this)?;
        if s.state != State::Bound {
            return Err(ErrorCode::InvalidState.into());
        }
        let udp = Arc::clone(&s.udp);
        let remote = match remote_address.map(SocketAddr::from) {
            Some(addr) => {
                if !is_unicast(addr.ip()) || !is_remote(addr) || !udp.family.admits(addr.ip()) {
                    return Err(ErrorCode::InvalidArgument.into());
                }
                let dest = destination(addr, None);
                self.ctx.judge(Use::UdpConnect, dest).await.map_err(wasi_error)?;
                udp.core.sock().connect(&addr.into()).map_err(|e| io_error(&e))?;
                Some(addr)
            }
            None => {
                if s.remote.is_some() {
                    disconnect(udp.core.sock()).map_err(|e| io_error(&e))?;
                }
                None
            }
        };
        self.table.get_mut(&this)?.remote = remote;
        let incoming =
            IncomingDatagramStream { udp: Arc::clone(&udp), scratch: Vec::new(), primed: false, deferred: None };
        let outgoing = OutgoingDatagramStream { udp, remote, permit: 0, full: false, granted: None };
        let incoming = self.table.push_child(incoming, &this)?;
        let outgoing = self.table.push_child(outgoing, &this)?;
        Ok((incoming, outgoing))
    }

    fn local_address(&mut self, this: Resource<UdpSocket>) -> SocketResult<IpSocketAddress> {
        let s = self.table.get(&this)?;
        if s.state != State::Bound {
            return Err(ErrorCode::InvalidState.into());
        }
        let addr = s.udp.core.sock().local_addr().map_err(|e| io_error(&e))?;
        Ok(addr.as_socket().ok_or(ErrorCode::InvalidState)?.into())
    }

    fn remote_address(&mut self, this: Resource<UdpSocket>) -> SocketResult<IpSocketAddress> {
        let s = self.table.get(&this)?;
        match s.remote {
            Some(_) => {
                let addr = s.udp.core.sock().peer_addr().map_err(|e| io_error(&e))?;
                Ok(addr.as_socket().ok_or(ErrorCode::InvalidState)?.into())
            }
            None => Err(ErrorCode::InvalidState.into()),
        }
    }

    fn address_family(&mut self, this: Resource<UdpSocket>) -> wasmtime::Result<IpAddressFamily> {
        Ok(self.table.get(&this)?.udp.family.wasi())
    }

    fn unicast_hop_limit(&mut self, this: Resource<UdpSocket>) -> SocketResult<u8> {
        let s = self.table.get(&this)?;
        super::hop_limit(s.udp.core.sock(), s.udp.family)
    }

    fn set_unicast_hop_limit(&mut self, this: Resource<UdpSocket>, value: u8) -> SocketResult<()> {
        let s = self.table.get(&this)?;
        super::set_hop_limit(&self.ctx.mediator, s.udp.core.sock(), s.udp.family, value)
    }

    fn receive_buffer_size(&mut self, this: Resource<UdpSocket>) -> SocketResult<u64> {
        super::buffer_size(self.table.get(&this)?.udp.core.sock().recv_buffer_size())
    }

    fn set_receive_buffer_size(&mut self, this: Resource<UdpSocket>, value: u64) -> SocketResult<()> {
        super::set_buffer_size(&self.ctx.mediator, self.table.get(&this)?.udp.core.sock(), true, value)
    }

    fn send_buffer_size(&mut self, this: Resource<UdpSocket>) -> SocketResult<u64> {
        super::buffer_size(self.table.get(&this)?.udp.core.sock().send_buffer_size())
    }

    fn set_send_buffer_size(&mut self, this: Resource<UdpSocket>, value: u64) -> SocketResult<()> {
        super::set_buffer_size(&self.ctx.mediator, self.table.get(&this)?.udp.core.sock(), false, value)
    }

    fn subscribe(&mut self, this: Resource<UdpSocket>) -> wasmtime::Result<Resource<DynPollable>> {
        wasmtime_wasi::p2::subscribe(self.table, this)
    }

    fn drop(&mut self, this: Resource<UdpSocket>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        self.ctx.close_unnumbered(None);
        Ok(())
    }
}

/// Undo a UDP connect: `connect(AF_UNSPEC)`.
fn disconnect(sock: &Socket) -> std::io::Result<()> {
    // SAFETY: an all-zero sockaddr_storage with family AF_UNSPEC is the
    // address connect(2) documents for dissolving an association.
    let addr = unsafe {
        SockAddr::try_init(|storage, len| {
            (*storage.cast::<libc::sockaddr_storage>()).ss_family = libc::AF_UNSPEC as libc::sa_family_t;
            *len = std::mem::size_of::<libc::sa_family_t>() as libc::socklen_t;
            Ok(())
        })
    }?
    .1;
    match sock.connect(&addr) {
        // Linux may answer EAFNOSUPPORT and still dissolve it.
        Err(e) if e.raw_os_error() == Some(libc::EAFNOSUPPORT) => Ok(()),
        r => r,
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for UdpSocket {
    async fn ready(&mut self) {
        // Binding completes at once.
    }
}

impl udp::HostIncomingDatagramStream for CapsockCtxView<'_> {
    fn receive(
        &mut self,
        this: Resource<IncomingDatagramStream>,
        max_results: u64,
    ) -> SocketResult<Vec<IncomingDatagram>> {
        let max = usize::try_from(max_results).unwrap_or(usize::MAX).min(MAX_DATAGRAMS);
        if max == 0 {
            return Ok(Vec::new());
        }
        let ctx = &*self.ctx;
        let stream = self.table.get_mut(&this)?;
        let udp = Arc::clone(&stream.udp);
        let listen_granted = udp.listen_granted.load(Ordering::Relaxed);
        if stream.scratch.capacity() < MAX_DATAGRAM {
            stream.scratch = Vec::with_capacity(MAX_DATAGRAM);
        }
        if let Some(e) = stream.deferred.take() {
            return Err(io_error(&e));
        }
        let mut out = Vec::new();
        // Every datagram read counts, dropped ones too: a flood of refused
        // senders cannot keep one call from returning.
        let mut reads = 0;
        while out.len() < max && reads < 4 * MAX_DATAGRAMS {
            reads += 1;
            let budget = match ctx.recv_budget(MAX_DATAGRAM) {
                Ok(b) => b,
                Err(_) if !out.is_empty() => break,
                Err(e) => return Err(wasi_error(e)),
            };
            let spare: &mut [MaybeUninit<u8>] = &mut stream.scratch.spare_capacity_mut()[..MAX_DATAGRAM];
            let got =
                super::try_now(&udp.core, Interest::READABLE, stream.primed, || udp.core.sock().recv_from(&mut *spare));
            let (n, from) = match got {
                Ok(None) => {
                    stream.primed = true;
                    break;
                }
                Ok(Some(got)) => got,
                Err(e) if !out.is_empty() => {
                    stream.deferred = Some(e);
                    break;
                }
                Err(e) => return Err(io_error(&e)),
            };
            let Some(peer) = from.as_socket() else { continue };
            let judged = normalise(peer);
            if !listen_granted && !ctx.mediator.receive(judged, ctx.names_for(judged.ip())) {
                // Dropped, as a firewall would (audited by the mediator).
                continue;
            }
            if listen_granted {
                udp.remember(judged);
            }
            // SAFETY: recv_from(2) initialised the first `n` bytes of the
            // spare capacity (`n` ≤ its length).
            let data = unsafe { std::slice::from_raw_parts(spare.as_ptr().cast::<u8>(), n.min(spare.len())) };
            let data = data[..n.min(budget)].to_vec();
            ctx.meter.add_received(data.len());
            out.push(IncomingDatagram { data, remote_address: peer.into() });
        }
        Ok(out)
    }

    fn subscribe(&mut self, this: Resource<IncomingDatagramStream>) -> wasmtime::Result<Resource<DynPollable>> {
        wasmtime_wasi::p2::subscribe(self.table, this)
    }

    fn drop(&mut self, this: Resource<IncomingDatagramStream>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        Ok(())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for IncomingDatagramStream {
    async fn ready(&mut self) {
        if let Ok(reg) = self.udp.core.registration() {
            drop(reg.readable().await);
        }
    }
}

impl udp::HostOutgoingDatagramStream for CapsockCtxView<'_> {
    fn check_send(&mut self, this: Resource<OutgoingDatagramStream>) -> SocketResult<u64> {
        let stream = self.table.get_mut(&this)?;
        if stream.full {
            // Room again once the reactor says so.
            let reg = stream.udp.core.registration().map_err(|e| io_error(&e))?;
            stream.full = reg.poll_write_ready(&mut noop_cx()).is_pending();
        }
        stream.permit = if stream.full { 0 } else { MAX_DATAGRAMS };
        Ok(stream.permit as u64)
    }

    async fn send(
        &mut self,
        this: Resource<OutgoingDatagramStream>,
        datagrams: Vec<OutgoingDatagram>,
    ) -> SocketResult<u64> {
        if datagrams.is_empty() {
            return Ok(0);
        }
        let stream = self.table.get_mut(&this)?;
        if datagrams.len() > stream.permit {
            return Err(SocketError::trap(wasmtime::format_err!("unpermitted: argument exceeds permitted size")));
        }
        stream.permit = 0;
        let (udp, remote, mut granted) = (Arc::clone(&stream.udp), stream.remote, stream.granted);
        let mut sent = 0u64;
        for d in datagrams {
            let result = send_one(self.ctx, &udp, remote, &mut granted, d).await;
            self.table.get_mut(&this)?.granted = granted;
            match result {
                Ok(true) => sent += 1,
                Ok(false) => {
                    self.table.get_mut(&this)?.full = true;
                    break;
                }
                Err(_) if sent > 0 => break,
                Err(e) => return Err(e),
            }
        }
        Ok(sent)
    }

    fn subscribe(&mut self, this: Resource<OutgoingDatagramStream>) -> wasmtime::Result<Resource<DynPollable>> {
        wasmtime_wasi::p2::subscribe(self.table, this)
    }

    fn drop(&mut self, this: Resource<OutgoingDatagramStream>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        Ok(())
    }
}

/// Send one datagram, judged by where it goes; false when the socket is
/// full.
async fn send_one(
    ctx: &CapsockCtx,
    udp: &Udp,
    remote: Option<SocketAddr>,
    granted: &mut Option<SocketAddr>,
    d: OutgoingDatagram,
) -> SocketResult<bool> {
    let to = d.remote_address.map(SocketAddr::from);
    let dest = match (remote, to) {
        (Some(r), Some(t)) if r != t => return Err(ErrorCode::InvalidArgument.into()),
        (Some(_), _) => None,
        (None, None) => return Err(ErrorCode::InvalidArgument.into()),
        (None, Some(t)) => {
            if !is_unicast(t.ip()) || !is_remote(t) || !udp.family.admits(t.ip()) {
                return Err(ErrorCode::InvalidArgument.into());
            }
            Some(t)
        }
    };
    if d.data.len() > MAX_DATAGRAM {
        return Err(ErrorCode::DatagramTooLarge.into());
    }
    // A datagram is never cut short: sent whole or refused.
    if ctx.send_budget(d.data.len()).map_err(wasi_error)? < d.data.len() {
        let limit = ctx.limits.max_bytes_sent.unwrap_or_default();
        return Err(wasi_error(ctx.limit_error(libc::EACCES, "max_bytes_sent", limit)));
    }
    if let Some(t) = dest
        && *granted != Some(t)
    {
        // `t` is never unspecified (`is_remote`): no bound address needed.
        let judged = normalise(destination(t, None));
        if udp.listen_granted.load(Ordering::Relaxed) && udp.is_recent(judged) {
            ctx.mediator.reply(judged);
        } else {
            ctx.judge(Use::UdpSend, judged).await.map_err(wasi_error)?;
            *granted = Some(t);
        }
    }
    let result = super::try_now(&udp.core, Interest::WRITABLE, false, || match dest {
        Some(t) => udp.core.sock().send_to(&d.data, &t.into()),
        None => udp.core.sock().send(&d.data),
    });
    match result {
        Ok(None) => Ok(false),
        Ok(Some(n)) => {
            ctx.meter.add_sent(n);
            Ok(true)
        }
        Err(e) => Err(io_error(&e)),
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for OutgoingDatagramStream {
    async fn ready(&mut self) {
        if !self.full {
            return;
        }
        if let Ok(reg) = self.udp.core.registration() {
            drop(reg.writable().await);
        }
    }
}
