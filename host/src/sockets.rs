//! `capsock:socket/sockets`: socket objects on real OS sockets.
//!
//! Every method that names an address, a path or an option asks the
//! mediator first ([`crate::mediate`]) and names its [`Use`]; no OS call is
//! made for a denied operation.

use crate::addr;
use crate::bindings::capsock::socket::sockets::{Ancillary, Host, HostSocket, Message, OptionValue};
use crate::bindings::capsock::socket::types::{Address, UnixAddress};
use crate::cmsg;
use crate::ctx::{CapsockCtx, CapsockCtxView};
use crate::error::{SockError, SockResult};
use crate::mediate::{Use, destination, normalise};
use crate::net::{Core, SocketHandle, io_op};
use crate::sockopt::{self, Grant};
use capsock_abi::consts::*;
use capsock_abi::errno;
use capsock_policy::Scheme;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::net::{Shutdown, SocketAddr};
use std::os::unix::ffi::OsStringExt;
use std::time::Duration;
use tokio::io::Interest;
use wasmtime::component::Resource;

/// The most one `recv` allocates on the host. A guest may ask for more (as
/// Python allows); it gets at most this many bytes per call, which a stream
/// permits and no datagram exceeds.
pub const MAX_RECV: usize = 4 << 20;

/// Flags a guest may pass to send/recv calls (Linux values).
const KNOWN_FLAGS: i32 = MSG_OOB
    | MSG_PEEK
    | MSG_DONTROUTE
    | MSG_CTRUNC
    | MSG_TRUNC
    | MSG_DONTWAIT
    | MSG_EOR
    | MSG_WAITALL
    | MSG_NOSIGNAL
    | MSG_CMSG_CLOEXEC
    | MSG_CONFIRM
    | MSG_ERRQUEUE
    | MSG_MORE;

fn check_flags(flags: i32) -> SockResult<i32> {
    if flags & !KNOWN_FLAGS != 0 {
        return Err(SockError::os_msg(
            errno::EINVAL,
            format!("Invalid argument: unknown MSG_* flags {:#x}", flags & !KNOWN_FLAGS),
        ));
    }
    // MSG_DONTWAIT is honoured by the wait policy, not the OS (the OS socket
    // is always non-blocking). MSG_NOSIGNAL is always on for sends: a guest
    // must never raise SIGPIPE in the host process.
    Ok(flags & !MSG_DONTWAIT)
}

/// Why `from-fd`/`close-fd` refuse a fileno a socket object holds: two
/// objects on one fileno would close it twice.
const OWNED_FILENO: &str = "Bad file descriptor: fileno is owned by a socket object";

/// Python's `settimeout` argument as a duration (`None` blocks).
pub(crate) fn timeout_from(value: Option<f64>) -> SockResult<Option<Duration>> {
    match value {
        None => Ok(None),
        Some(v) => {
            capsock_abi::check_timeout(v).map_err(SockError::timeout_fault)?;
            // In range for CPython's clock, so in range for a Duration.
            let d = Duration::try_from_secs_f64(v);
            Ok(Some(d.map_err(|_| SockError::timeout_fault(capsock_abi::TimeoutFault::OutOfRange))?))
        }
    }
}

fn scheme(ty: i32) -> Option<Scheme> {
    match ty {
        SOCK_STREAM => Some(Scheme::Tcp),
        SOCK_DGRAM => Some(Scheme::Udp),
        _ => None,
    }
}

impl CapsockCtxView<'_> {
    fn fd(&self, h: &Resource<SocketHandle>) -> SockResult<i32> {
        Ok(self.table.get(h)?.fd)
    }

    fn core(&self, h: &Resource<SocketHandle>) -> SockResult<&Core> {
        let fd = self.fd(h)?;
        self.ctx.get(fd)
    }

    fn core_mut(&mut self, h: &Resource<SocketHandle>) -> SockResult<&mut Core> {
        let fd = self.fd(h)?;
        self.ctx.get_mut(fd)
    }

    /// See [`CapsockCtx::judge`]. Borrows only the context, so the future
    /// stays `Send` (the resource table is not `Sync`).
    fn judge(&self, use_: Use, addr: SocketAddr) -> impl Future<Output = SockResult<()>> + Send + '_ {
        self.ctx.judge(use_, addr)
    }

    /// Vet an AF_UNIX address for bind (`create`) or connect, through the
    /// mediator.
    fn judge_unix(
        &self,
        address: &Address,
        create: bool,
    ) -> SockResult<(SockAddr, Option<String>, Option<crate::unix::UnixPath>)> {
        let use_ = if create { Use::UnixBind } else { Use::UnixConnect };
        let mediator = &self.ctx.mediator;
        match address {
            Address::Unix(UnixAddress::Path(p)) => {
                let v = mediator.unix_path(use_, p, self.ctx.unix.resolve(p, create))?;
                Ok((SockAddr::unix(&v.os_path)?, Some(p.clone()), Some(v)))
            }
            Address::Unix(UnixAddress::AbstractName(name)) => {
                mediator.unix_abstract(use_, Some(name))?;
                let mut bytes = vec![0u8];
                bytes.extend_from_slice(name);
                let path = std::path::PathBuf::from(std::ffi::OsString::from_vec(bytes));
                Ok((SockAddr::unix(path)?, None, None))
            }
            // `bind('')`: Linux autobind, a kernel-chosen abstract name. It is
            // reachable by others on the host like any abstract name, so it
            // needs the grant of all abstract names (`abstract = ["*"]`).
            Address::Unix(UnixAddress::Unnamed) if create => {
                mediator.unix_abstract(use_, None)?;
                Ok((SockAddr::unix("")?, None, None))
            }
            Address::Unix(UnixAddress::Unnamed) => Err(SockError::os(errno::EINVAL)),
            _ => Err(SockError::os(errno::EAFNOSUPPORT)),
        }
    }

    fn judge_send<'a>(&'a self, core: &'a Core, dest: SocketAddr) -> impl Future<Output = SockResult<()>> + Send + 'a {
        self.ctx.judge_send(core, dest)
    }

    /// The OS side of `connect`: start it, and unless non-blocking, wait
    /// for the handshake within the socket's timeout.
    async fn connect_os(&mut self, h: &Resource<SocketHandle>, target: &SockAddr) -> SockResult<()> {
        let core = self.core_mut(h)?;
        core.forget_registration();
        let core = &*core;
        let wait = core.wait(Interest::WRITABLE, false);
        match core.sock().connect(target) {
            Ok(()) => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e.into()),
        }
        if core.nonblocking() {
            return Err(SockError::os(errno::EINPROGRESS));
        }
        // Writable means the handshake finished, one way or the other.
        // Asking connect(2) again is how Linux reports which: 0 (or
        // EISCONN) on success, the pending error otherwise — and only this
        // second call moves the socket out of its "connecting" state, so a
        // later connect() gives EISCONN, and one after a refusal starts
        // afresh, as after a blocking connect.
        io_op(core, Interest::WRITABLE, wait, |s| match s.connect(target) {
            Ok(()) => Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EISCONN) => Ok(()),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EALREADY) | Some(libc::EINPROGRESS)) => {
                Err(io::ErrorKind::WouldBlock.into())
            }
            Err(e) => Err(e),
        })
        .await
    }

    fn new_handle(&mut self, core: Core) -> SockResult<Resource<SocketHandle>> {
        let handle = SocketHandle::for_core(-1, &core);
        let fd = self.ctx.insert(core)?;
        Ok(self.table.push(SocketHandle { fd, ..handle })?)
    }

    /// Store a timeout in the socket object, then in its OS socket (EBADF
    /// when closed, after storing, as CPython does).
    fn set_timeout(&mut self, h: &Resource<SocketHandle>, timeout: Option<Duration>) -> SockResult<()> {
        self.table.get_mut(h)?.timeout = timeout;
        self.core_mut(h)?.timeout = timeout;
        Ok(())
    }

    /// Receive one datagram or stream chunk (and its ancillary data),
    /// dropping datagrams from senders the policy does not let this socket
    /// hear from. `recv`, `recvfrom` and `recvmsg` all come here.
    async fn recv_inner(
        &mut self,
        h: &Resource<SocketHandle>,
        bufsize: u32,
        ancbufsize: u32,
        flags: i32,
    ) -> SockResult<Received> {
        let os_flags = check_flags(flags)?;
        let cap = self.ctx.recv_budget((bufsize as usize).min(MAX_RECV))?;
        let core = self.core(h)?;
        let net: &CapsockCtx = self.ctx;
        // MSG_ERRQUEUE never blocks on Linux (an empty error queue is
        // EAGAIN at once); waiting for readability there would spin on a
        // socket that is readable for another reason (a peer's FIN).
        let wait = core.wait(Interest::READABLE, flags & (MSG_DONTWAIT | MSG_ERRQUEUE) != 0);
        let mut buf: Vec<u8> = Vec::with_capacity(cap);
        let mut control = vec![0u8; (ancbufsize as usize).min(MAX_CONTROL)];
        let filter = core.ty == SOCK_DGRAM && !core.listen_granted;
        let is_stream = core.ty == SOCK_STREAM;
        let waitall = is_stream && flags & MSG_WAITALL != 0 && flags & MSG_PEEK == 0;
        let mut got = Received { data: Vec::new(), from: None, ancdata: Vec::new(), msg_flags: 0 };
        loop {
            let spare = &mut buf.spare_capacity_mut()[..];
            let (n, clen, mflags, src) = io_op(core, Interest::READABLE, wait, |s| {
                loop {
                    let (n, clen, mflags, src) = recvmsg_os(s, spare, &mut control, os_flags)?;
                    // A datagram from a sender no rule allows is dropped, as a
                    // firewall would; a peeked one is consumed first so the
                    // loop cannot spin on it.
                    if filter
                        && let Some(peer) = src.as_socket().map(normalise)
                        && !net.mediator.receive(peer, net.names_for(peer.ip()))
                    {
                        if os_flags & MSG_PEEK != 0 {
                            s.recv_with_flags(&mut [MaybeUninit::uninit(); 1], os_flags & !MSG_PEEK)?;
                        }
                        continue;
                    }
                    return Ok((n, clen, mflags, src));
                }
            })
            .await?;
            let n = n.min(spare.len());
            let len = buf.len();
            // SAFETY: the kernel initialised `n` bytes of the spare capacity
            // (never more than its length; `min` guards MSG_TRUNC's larger
            // return for datagrams).
            unsafe { buf.set_len(len + n) };
            if !is_stream {
                got.from = Some(src);
            }
            got.msg_flags |= mflags;
            got.ancdata.extend(cmsg::decode(&control[..clen]));
            if !waitall || n == 0 || buf.len() == cap {
                break;
            }
        }
        self.ctx.meter.add_received(buf.len());
        got.data = buf;
        if let (Some(peer), false) = (got.from.as_ref().and_then(SockAddr::as_socket), filter) {
            let core = self.core_mut(h)?;
            if core.ty == SOCK_DGRAM && core.listen_granted {
                core.remember_peer(peer);
            }
        }
        self.adopt_rights(&mut got)?;
        Ok(got)
    }

    /// Turn received `SCM_RIGHTS` host descriptors into detached filenos of
    /// this instance. A descriptor that is not a socket, or one past the
    /// socket limit, is closed and `MSG_CTRUNC` set: a guest never sees a
    /// host descriptor number.
    fn adopt_rights(&mut self, got: &mut Received) -> SockResult<()> {
        for (level, ty, data) in &mut got.ancdata {
            if (*level, *ty) != (SOL_SOCKET, SCM_RIGHTS) {
                continue;
            }
            let mut filenos = Vec::new();
            for chunk in data.chunks_exact(4) {
                let raw = i32::from_ne_bytes(chunk.try_into().unwrap_or_default());
                // SAFETY: the kernel just installed `raw` in this process for
                // this message (MSG_CMSG_CLOEXEC), and nothing else owns it.
                let owned = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(raw) };
                let sock = Socket::from(owned);
                let kind = (sock.domain(), sock.r#type(), sock.protocol());
                let inserted = match kind {
                    // A kind capsock never grants (raw, packet, netlink…)
                    // is closed, whoever sent it.
                    (Ok(d), Ok(t), Ok(_)) if refuse_family(i32::from(d), i32::from(t)).is_err() => None,
                    (Ok(d), Ok(t), Ok(p)) => {
                        // A connected stream is a connection: one this
                        // instance already holds (sent to itself) is the same
                        // connection; a new one must fit `max_connections`.
                        let connected = t == Type::STREAM && sock.peer_addr().is_ok();
                        let fits = !connected
                            || self.ctx.holds_connection(&sock)
                            || self.ctx.connections.len() < self.ctx.limits.max_connections;
                        let mut core = Core::new(sock, i32::from(d), i32::from(t), p.map_or(0, i32::from))?;
                        core.attached = false;
                        // Past a limit, the dropped core closes the descriptor.
                        let fileno = if fits { self.ctx.insert(core).ok() } else { None };
                        if let (Some(f), true) = (fileno, connected) {
                            self.ctx.count_connection(f);
                        }
                        fileno
                    }
                    // Not a socket: dropping `sock` closes it.
                    _ => None,
                };
                match inserted {
                    Some(fileno) => filenos.push(fileno),
                    None => got.msg_flags |= MSG_CTRUNC,
                }
            }
            *data = filenos.iter().flat_map(|f| f.to_ne_bytes()).collect();
        }
        Ok(())
    }

    async fn send_inner(
        &mut self,
        h: &Resource<SocketHandle>,
        data: &[u8],
        flags: i32,
        dest: Option<&Address>,
    ) -> SockResult<usize> {
        self.sendmsg_inner(h, &[data], &[], flags, dest).await
    }

    /// Every send comes here: gathered buffers, ancillary data (filenos in
    /// `SCM_RIGHTS` translated to host descriptors), an optional address.
    async fn sendmsg_inner(
        &mut self,
        h: &Resource<SocketHandle>,
        buffers: &[&[u8]],
        ancdata: &[Ancillary],
        flags: i32,
        dest: Option<&Address>,
    ) -> SockResult<usize> {
        let control = self.control_for_send(ancdata)?;
        let os_flags = check_flags(flags)? | MSG_NOSIGNAL;
        let core = self.core(h)?;
        crate::tls::refuse_plaintext(core)?;
        self.ctx.judge_source_choice(core, ancdata).await?;
        // `_dir` keeps a vetted AF_UNIX directory open until the send is done.
        let (dest, _dir) = match dest {
            None => (None, None),
            Some(a) if core.family == AF_UNIX => {
                let (sa, _, dir) = self.judge_unix(a, false)?;
                (Some(sa), dir)
            }
            Some(a) => {
                let ip = addr::ip_for_family(a, core.family)?;
                self.judge_send(core, ip).await?;
                (Some(SockAddr::from(ip)), None)
            }
        };
        // Linux's UIO_MAXIOV: more buffers is EMSGSIZE, refused before any
        // iovec array is built.
        if buffers.len() > IOV_MAX {
            return Err(SockError::os(errno::EMSGSIZE));
        }
        // A datagram is never cut short: it is sent whole or refused.
        let total: usize = buffers.iter().map(|b| b.len()).sum();
        let budget = self.ctx.send_budget(total)?;
        if budget < total && core.ty != SOCK_STREAM {
            return Err(self.ctx.limit_error(
                errno::EACCES,
                "max_bytes_sent",
                self.ctx.limits.max_bytes_sent.unwrap_or_default(),
            ));
        }
        let buffers = cut(buffers, budget);
        let wait = core.wait(Interest::WRITABLE, flags & MSG_DONTWAIT != 0);
        let n = io_op(core, Interest::WRITABLE, wait, |s| match (&dest, buffers.as_slice(), control.is_empty()) {
            // The common cases keep their plain syscalls.
            (Some(d), [one], true) => s.send_to_with_flags(one, d, os_flags),
            (None, [one], true) => s.send_with_flags(one, os_flags),
            _ => sendmsg_os(s, &buffers, &control, dest.as_ref(), os_flags),
        })
        .await?;
        self.ctx.meter.add_sent(n);
        Ok(n)
    }
}

impl CapsockCtxView<'_> {
    /// The sender as the guest sees it: an AF_UNIX path stays as the OS
    /// reports it, except that our own `/proc/self/fd` form never leaks.
    fn guest_address(&self, from: Option<&SockAddr>) -> Option<Address> {
        let a = addr::from_sockaddr(from?)?;
        match &a {
            // A path in a granted directory reads as the guest spells it
            // (capsock's own `/proc/PID/fd/N/NAME` form included); another
            // `/proc` form never leaks.
            Address::Unix(UnixAddress::Path(p)) => match self.ctx.unix.to_guest(std::path::Path::new(p)) {
                Some(g) => Some(Address::Unix(UnixAddress::Path(g))),
                None if p.starts_with("/proc/") => Some(Address::Unix(UnixAddress::Unnamed)),
                None => Some(a),
            },
            _ => Some(a),
        }
    }

    /// Encode a guest's ancillary data for the OS, translating `SCM_RIGHTS`
    /// filenos of this instance to host descriptors.
    ///
    /// # Errors
    /// `EINVAL` for a message type a guest may not send or of the wrong
    /// size; `EBADF` for a fileno this instance does not have.
    fn control_for_send(&self, ancdata: &[Ancillary]) -> SockResult<Vec<u8>> {
        use std::os::fd::AsRawFd;
        let mut out = Vec::with_capacity(ancdata.len());
        for a in ancdata {
            if (a.level, a.type_) == (SOL_SOCKET, SCM_RIGHTS) {
                if a.data.len() % 4 != 0 {
                    return Err(SockError::os(errno::EINVAL));
                }
                let mut raw = Vec::with_capacity(a.data.len());
                for chunk in a.data.chunks_exact(4) {
                    let fileno = i32::from_ne_bytes(chunk.try_into().unwrap_or_default());
                    raw.extend_from_slice(&self.ctx.get(fileno)?.sock().as_raw_fd().to_ne_bytes());
                }
                out.push((a.level, a.type_, raw));
                continue;
            }
            match SEND_CMSGS.iter().find(|(l, t, _)| (*l, *t) == (a.level, a.type_)) {
                Some((_, _, size)) if *size == a.data.len() => out.push((a.level, a.type_, a.data.clone())),
                // Plain EINVAL, as Linux gives for a control message it
                // rejects (CPython shows no more).
                _ => return Err(SockError::os(errno::EINVAL)),
            }
        }
        cmsg::encode(&out)
    }
}

impl CapsockCtx {
    /// A multicast interface a guest names (to hear a group on, or to send
    /// from): by index only `lo` ([`interface_allowed`]); by address a
    /// loopback one, or one a `listen` rule grants on the socket's `port`.
    async fn judge_interface(&self, ifindex: u32, addr: Option<std::net::IpAddr>, port: u16) -> SockResult<()> {
        self.mediator.interface(ifindex, interface_allowed(ifindex))?;
        match addr.filter(|ip| !ip.is_unspecified() && !ip.is_loopback()) {
            Some(ip) => self.judge(Use::UdpBind, SocketAddr::new(ip, port)).await,
            None => Ok(()),
        }
    }

    /// `IP_PKTINFO` / `IPV6_PKTINFO` in a `sendmsg` choose the datagram's
    /// source address and interface: the address is judged as a bind of it
    /// (`listen udp://ADDR:PORT`, the socket's own port), and an interface
    /// must be `lo` (a guest sees no other; see [`interface_allowed`]).
    pub(crate) async fn judge_source_choice(&self, core: &Core, ancdata: &[Ancillary]) -> SockResult<()> {
        let local = core.bound();
        let port = local.map_or(0, |a| a.port());
        for a in ancdata {
            let (ifindex, source) = match (a.level, a.type_, a.data.len()) {
                // struct in_pktinfo { int ipi_ifindex; in_addr ipi_spec_dst; in_addr ipi_addr; }
                (IPPROTO_IP, IP_PKTINFO, 12) => {
                    let ifindex = u32::from_ne_bytes([a.data[0], a.data[1], a.data[2], a.data[3]]);
                    let o = [a.data[4], a.data[5], a.data[6], a.data[7]];
                    (ifindex, std::net::IpAddr::from(o))
                }
                // struct in6_pktinfo { in6_addr ipi6_addr; unsigned ipi6_ifindex; }
                (IPPROTO_IPV6, IPV6_PKTINFO, 20) => {
                    let mut o = [0u8; 16];
                    o.copy_from_slice(&a.data[..16]);
                    let ifindex = u32::from_ne_bytes([a.data[16], a.data[17], a.data[18], a.data[19]]);
                    (ifindex, std::net::IpAddr::from(o))
                }
                _ => continue,
            };
            self.mediator.interface(ifindex, interface_allowed(ifindex))?;
            // The socket's own bound address needs no further grant.
            if !source.is_unspecified()
                && local.map(|l| normalise(l).ip()) != Some(normalise(SocketAddr::new(source, 0)).ip())
            {
                self.judge(Use::UdpBind, SocketAddr::new(source, port)).await?;
            }
        }
        Ok(())
    }
}

/// Whether a guest may name interface `ifindex`: none (0), or the loopback
/// interface. A guest sees no interfaces (`if_nameindex()` is empty), so any
/// other index reaches a network no address rule was asked about.
pub(crate) fn interface_allowed(ifindex: u32) -> bool {
    static LO: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    // SAFETY: a NUL-terminated interface name; if_nametoindex only reads it.
    let lo = *LO.get_or_init(|| unsafe { libc::if_nametoindex(c"lo".as_ptr()) });
    ifindex == 0 || (lo != 0 && ifindex == lo)
}

impl CapsockCtx {
    /// Judge a use of an IP address through the mediator, with the names
    /// this instance resolved to it; a denial is a `PermissionError` naming
    /// the rule.
    pub(crate) async fn judge(&self, use_: Use, addr: SocketAddr) -> SockResult<()> {
        let names = self.names_for(normalise(addr).ip());
        self.mediator.address(use_, addr, names).await
    }

    /// The `tls` rule that alone grants a TCP connect to `addr` (judged
    /// already), if one does.
    pub(crate) fn tls_only(&self, addr: SocketAddr) -> Option<crate::tls::TlsOnly> {
        let names = self.names_for(normalise(addr).ip());
        match self.mediator.tls_only(addr, names) {
            Some(rule) => Some(crate::tls::TlsOnly::Rule(rule)),
            None => self.tls.requires(normalise(addr)).then_some(crate::tls::TlsOnly::Required),
        }
    }

    /// May this socket send to `dest`? A `connect` rule, or (for a socket
    /// bound under a `listen` rule) a recent sender it is replying to.
    pub(crate) async fn judge_send(&self, core: &Core, dest: SocketAddr) -> SockResult<()> {
        let use_ = match scheme(core.ty) {
            Some(Scheme::Udp) => Use::UdpSend,
            Some(Scheme::Tcp | Scheme::Tls) => Use::TcpConnect,
            None => return Err(SockError::os(errno::EOPNOTSUPP)),
        };
        let dest = destination(dest, core.bound());
        let norm = normalise(dest);
        if core.listen_granted && core.reply_peers.iter().any(|p| normalise(*p) == norm) {
            self.mediator.reply(norm);
            return Ok(());
        }
        self.judge(use_, dest).await
    }
}

/// What one receive produced.
struct Received {
    data: Vec<u8>,
    from: Option<SockAddr>,
    ancdata: Vec<cmsg::Cmsg>,
    msg_flags: i32,
}

/// The most buffers one `sendmsg` takes (Linux's `UIO_MAXIOV`).
pub const IOV_MAX: usize = 1024;

/// The most control-message space one `recvmsg` allocates.
pub const MAX_CONTROL: usize = 64 << 10;

/// Ancillary messages a guest may send, by `(level, type)`, with their data
/// sizes. `SCM_RIGHTS` is translated from filenos; the rest pass as bytes.
const SEND_CMSGS: &[(i32, i32, usize)] = &[
    (IPPROTO_IP, IP_PKTINFO, 12),
    (IPPROTO_IP, IP_TOS, 4),
    (IPPROTO_IP, IP_TTL, 4),
    (IPPROTO_IPV6, IPV6_PKTINFO, 20),
    (IPPROTO_IPV6, IPV6_TCLASS, 4),
    (IPPROTO_IPV6, IPV6_HOPLIMIT, 4),
];

/// The first `budget` bytes of `buffers`.
fn cut<'a>(buffers: &[&'a [u8]], mut budget: usize) -> Vec<&'a [u8]> {
    let mut out = Vec::with_capacity(buffers.len());
    for b in buffers {
        let take = b.len().min(budget);
        out.push(&b[..take]);
        budget -= take;
    }
    out
}

/// `recvmsg(2)` into spare capacity and a control buffer; returns the data
/// length, the control length, the message flags and the sender.
fn recvmsg_os(
    s: &Socket,
    data: &mut [MaybeUninit<u8>],
    control: &mut [u8],
    flags: i32,
) -> io::Result<(usize, usize, i32, SockAddr)> {
    use std::os::fd::AsRawFd;
    // SAFETY: `try_init` hands us storage and a length for the sender's
    // address; every pointer in `msg` refers to a live buffer of the length
    // given beside it, and the kernel writes within those lengths.
    let ((n, clen, mflags), from) = unsafe {
        SockAddr::try_init(|storage, len| {
            let mut iov = libc::iovec { iov_base: data.as_mut_ptr().cast(), iov_len: data.len() };
            let mut msg: libc::msghdr = std::mem::zeroed();
            msg.msg_name = storage.cast();
            msg.msg_namelen = *len;
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            if !control.is_empty() {
                msg.msg_control = control.as_mut_ptr().cast();
                msg.msg_controllen = control.len();
            }
            // Received descriptors must never leak into a child process.
            let n = libc::recvmsg(s.as_raw_fd(), &mut msg, flags | libc::MSG_CMSG_CLOEXEC);
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            *len = msg.msg_namelen;
            // The kernel echoes MSG_CMSG_CLOEXEC, which the guest never asked for.
            Ok((n as usize, msg.msg_controllen, msg.msg_flags & !libc::MSG_CMSG_CLOEXEC))
        })?
    };
    Ok((n, clen.min(control.len()), mflags, from))
}

/// `sendmsg(2)` with gathered buffers, a control buffer and an address.
fn sendmsg_os(s: &Socket, buffers: &[&[u8]], control: &[u8], dest: Option<&SockAddr>, flags: i32) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    let mut iovs: Vec<libc::iovec> =
        buffers.iter().map(|b| libc::iovec { iov_base: b.as_ptr() as *mut libc::c_void, iov_len: b.len() }).collect();
    // SAFETY: every pointer in `msg` refers to a live buffer of the length
    // given beside it; the kernel only reads them.
    let n = unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        if let Some(d) = dest {
            msg.msg_name = d.as_ptr() as *mut libc::c_void;
            msg.msg_namelen = d.len();
        }
        msg.msg_iov = iovs.as_mut_ptr();
        msg.msg_iovlen = iovs.len();
        if !control.is_empty() {
            msg.msg_control = control.as_ptr() as *mut libc::c_void;
            msg.msg_controllen = control.len();
        }
        libc::sendmsg(s.as_raw_fd(), &msg, flags)
    };
    if n < 0 { Err(io::Error::last_os_error()) } else { Ok(n as usize) }
}

fn new_os_socket(family: i32, ty: i32, proto: i32) -> SockResult<Socket> {
    let domain = match family {
        AF_INET => Domain::IPV4,
        AF_INET6 => Domain::IPV6,
        AF_UNIX => Domain::UNIX,
        _ => return Err(SockError::os(errno::EAFNOSUPPORT)),
    };
    let sock_type = match ty {
        SOCK_STREAM => Type::STREAM,
        SOCK_DGRAM => Type::DGRAM,
        SOCK_SEQPACKET => Type::SEQPACKET,
        _ => return Err(SockError::os(errno::EINVAL)),
    };
    let protocol = (proto != 0).then(|| Protocol::from(proto));
    Ok(Socket::new(domain, sock_type, protocol)?)
}

/// Families and types a guest can never have, whatever the rules say.
fn refuse_family(family: i32, ty: i32) -> SockResult<()> {
    let what = match (family, ty) {
        (_, SOCK_RAW) => "SOCK_RAW sockets",
        (AF_PACKET, _) => "AF_PACKET sockets",
        (AF_NETLINK, _) => "AF_NETLINK sockets",
        (AF_INET | AF_INET6 | AF_UNIX, SOCK_STREAM | SOCK_DGRAM) | (AF_UNIX, SOCK_SEQPACKET) => return Ok(()),
        (AF_INET | AF_INET6 | AF_UNIX, _) => return Err(SockError::os(errno::EINVAL)),
        _ => return Err(SockError::os(errno::EAFNOSUPPORT)),
    };
    Err(SockError::refused(errno::EPERM, format!("Operation not permitted: capsock never grants {what}")))
}

impl Host for CapsockCtxView<'_> {
    async fn create_socket(&mut self, family: i32, socket_type: i32, proto: i32) -> SockResult<Resource<SocketHandle>> {
        let nonblock = socket_type & SOCK_NONBLOCK != 0;
        let ty = socket_type & !(SOCK_NONBLOCK | SOCK_CLOEXEC);
        refuse_family(family, ty)?;
        self.ctx.reserve(1)?;
        let sock = new_os_socket(family, ty, proto)?;
        let mut core = Core::new(sock, family, ty, proto)?;
        if nonblock {
            core.timeout = Some(Duration::ZERO);
        }
        self.new_handle(core)
    }

    async fn socketpair(
        &mut self,
        family: i32,
        socket_type: i32,
        proto: i32,
    ) -> SockResult<(Resource<SocketHandle>, Resource<SocketHandle>)> {
        let ty = socket_type & !(SOCK_NONBLOCK | SOCK_CLOEXEC);
        refuse_family(family, ty)?;
        if family != AF_UNIX {
            // Linux has socketpair only for AF_UNIX; Python's AF_INET
            // fallback is done guest-side over a listener.
            return Err(SockError::os(errno::EOPNOTSUPP));
        }
        self.ctx.reserve(2)?;
        let sock_type = if ty == SOCK_STREAM {
            Type::STREAM
        } else if ty == SOCK_DGRAM {
            Type::DGRAM
        } else {
            Type::SEQPACKET
        };
        let (a, b) = Socket::pair(Domain::UNIX, sock_type, None)?;
        let a = self.new_handle(Core::new(a, family, ty, proto)?)?;
        let b = self.new_handle(Core::new(b, family, ty, proto)?)?;
        Ok((a, b))
    }

    async fn from_fd(&mut self, fd: i32) -> SockResult<Resource<SocketHandle>> {
        let core = self.ctx.get_mut(fd)?;
        if core.attached {
            return Err(SockError::os_msg(errno::EBADF, OWNED_FILENO));
        }
        core.attached = true;
        let handle = SocketHandle::for_core(fd, core);
        Ok(self.table.push(handle)?)
    }

    async fn close_fd(&mut self, fd: i32) -> SockResult<()> {
        if self.ctx.get(fd)?.attached {
            return Err(SockError::os_msg(errno::EBADF, OWNED_FILENO));
        }
        self.ctx.remove(fd);
        Ok(())
    }

    async fn has_ipv6(&mut self) -> wasmtime::Result<bool> {
        Ok(Socket::new(Domain::IPV6, Type::STREAM, None).is_ok())
    }

    async fn has_dualstack_ipv6(&mut self) -> wasmtime::Result<bool> {
        let Ok(s) = Socket::new(Domain::IPV6, Type::STREAM, None) else { return Ok(false) };
        Ok(s.set_only_v6(false).is_ok())
    }
}

impl HostSocket for CapsockCtxView<'_> {
    async fn accept(&mut self, h: Resource<SocketHandle>) -> SockResult<(Resource<SocketHandle>, Address)> {
        let core = self.core(&h)?;
        let (family, ty, proto) = (core.family, core.ty, core.proto);
        // Check the limits before accepting: a connection we cannot hold
        // stays in the backlog instead of being accepted and dropped.
        self.ctx.reserve(1)?;
        if ty == SOCK_STREAM {
            self.ctx.check_connections()?;
        }
        let wait = core.wait(Interest::READABLE, false);
        let (sock, peer) = io_op(core, Interest::READABLE, wait, |s| s.accept()).await?;
        let peer = self.guest_address(Some(&peer)).unwrap_or(Address::Unix(UnixAddress::Unnamed));
        let mut accepted = Core::new(sock, family, ty, proto)?;
        // An accepted AF_UNIX socket's own name is the listener's path.
        accepted.unix_name = self.core(&h)?.unix_name.clone();
        let new = self.new_handle(accepted)?;
        let fd = self.table.get(&new)?.fd;
        self.ctx.count_connection(fd);
        Ok((new, peer))
    }

    async fn bind(&mut self, h: Resource<SocketHandle>, address: Address) -> SockResult<()> {
        let core = self.core(&h)?;
        if core.family == AF_UNIX {
            let (os_addr, name, vetted) = self.judge_unix(&address, true)?;
            self.core(&h)?.sock().bind(&os_addr)?;
            let core = self.core_mut(&h)?;
            core.unix_name = name;
            // The bound address names this directory descriptor: keep it.
            core.unix_dir = vetted.map(|v| v.dir);
            core.listen_granted = true;
            return Ok(());
        }
        let target = addr::ip_for_family(&address, core.family)?;
        let use_ = match scheme(core.ty) {
            Some(Scheme::Tcp | Scheme::Tls) => Use::TcpBind,
            Some(Scheme::Udp) => Use::UdpBind,
            None => return Err(SockError::os(errno::EOPNOTSUPP)),
        };
        self.judge(use_, target).await?;
        let core = self.core_mut(&h)?;
        core.bind_exclusive(&target.into())?;
        core.listen_granted = true;
        Ok(())
    }

    async fn close(&mut self, h: Resource<SocketHandle>) -> SockResult<()> {
        let handle = self.table.get_mut(&h)?;
        let fd = std::mem::replace(&mut handle.fd, -1);
        if fd >= 0 {
            self.ctx.remove(fd);
        }
        Ok(())
    }

    async fn connect(&mut self, h: Resource<SocketHandle>, address: Address) -> SockResult<()> {
        let core = self.core(&h)?;
        let stream = core.ty != SOCK_DGRAM;
        let mut tls_only = None;
        let (target, unix_peer, _dir) = if core.family == AF_UNIX {
            self.judge_unix(&address, false)?
        } else {
            let ip = addr::ip_for_family(&address, core.family)?;
            let use_ = match scheme(core.ty) {
                Some(Scheme::Tcp | Scheme::Tls) => Use::TcpConnect,
                Some(Scheme::Udp) => Use::UdpConnect,
                None => return Err(SockError::os(errno::EOPNOTSUPP)),
            };
            // Judged as where the kernel will really connect (`0.0.0.0` is
            // this host); the OS is given the address as written.
            let bound = core.bound();
            let dest = destination(ip, bound);
            self.judge(use_, dest).await?;
            tls_only = if use_ == Use::TcpConnect { self.ctx.tls_only(dest) } else { None };
            (SockAddr::from(ip), None, None)
        };
        if stream {
            self.ctx.check_connections()?;
            self.ctx.admit_connect()?;
        }
        let fd = self.fd(&h)?;
        let result = self.connect_os(&h, &target).await;
        // A non-blocking connect in progress will be a connection: count it
        // now, or the limit could be passed by never waiting.
        let pending = result.as_ref().err().and_then(SockError::errno) == Some(errno::EINPROGRESS);
        if stream && (result.is_ok() || pending) {
            self.ctx.count_connection(fd);
        }
        if result.is_ok() || pending {
            let core = self.core_mut(&h)?;
            core.unix_peer = unix_peer;
            core.tls_only = tls_only;
            // connect(2) bound an ephemeral port alone: sharing may follow.
            core.apply_pending_reuse();
        }
        result
    }

    async fn detach(&mut self, h: Resource<SocketHandle>) -> SockResult<i32> {
        let handle = self.table.get_mut(&h)?;
        let fd = std::mem::replace(&mut handle.fd, -1);
        if fd < 0 {
            return Ok(-1);
        }
        self.ctx.get_mut(fd)?.attached = false;
        Ok(fd)
    }

    async fn dup(&mut self, h: Resource<SocketHandle>) -> SockResult<Resource<SocketHandle>> {
        let core = self.core(&h)?;
        self.ctx.reserve(1)?;
        let mut new = Core::new(core.sock().try_clone()?, core.family, core.ty, core.proto)?;
        new.timeout = core.timeout;
        new.listen_granted = core.listen_granted;
        new.unix_name = core.unix_name.clone();
        new.unix_peer = core.unix_peer.clone();
        new.pending_reuse = core.pending_reuse.clone();
        new.held_linger = core.held_linger.clone();
        let counted = core.connection.is_some();
        let h = self.new_handle(new)?;
        // The copy holds the same connection: counted once, freed last.
        if counted {
            let fd = self.table.get(&h)?.fd;
            self.ctx.count_connection(fd);
        }
        Ok(h)
    }

    async fn fileno(&mut self, h: Resource<SocketHandle>) -> wasmtime::Result<i32> {
        Ok(self.table.get(&h)?.fd)
    }

    async fn getpeername(&mut self, h: Resource<SocketHandle>) -> SockResult<Address> {
        let core = self.core(&h)?;
        let peer = core.sock().peer_addr()?;
        if let Some(name) = &core.unix_peer {
            return Ok(Address::Unix(UnixAddress::Path(name.clone())));
        }
        // Our own `/proc/self/fd` form of a path never leaks.
        self.guest_address(Some(&peer)).ok_or_else(|| SockError::os(errno::ENOTCONN))
    }

    async fn getsockname(&mut self, h: Resource<SocketHandle>) -> SockResult<Address> {
        let core = self.core(&h)?;
        if let Some(name) = &core.unix_name {
            return Ok(Address::Unix(UnixAddress::Path(name.clone())));
        }
        let local = core.sock().local_addr()?;
        addr::from_sockaddr(&local).ok_or_else(|| SockError::os(errno::EINVAL))
    }

    async fn getsockopt(&mut self, h: Resource<SocketHandle>, level: i32, name: i32) -> SockResult<i32> {
        let core = self.core(&h)?;
        let opt = sockopt::lookup(level, name)?;
        let bytes = match core.held_value(level, name) {
            Some(held) => held.to_vec(),
            None => sockopt::get_raw(core.sock(), level, name, 4)?,
        };
        if opt.shape != sockopt::Shape::Int && bytes.len() != 4 {
            return Err(SockError::os(errno::EINVAL));
        }
        let mut word = [0u8; 4];
        word[..bytes.len().min(4)].copy_from_slice(&bytes[..bytes.len().min(4)]);
        Ok(i32::from_ne_bytes(word))
    }

    async fn getsockopt_bytes(
        &mut self,
        h: Resource<SocketHandle>,
        level: i32,
        name: i32,
        buflen: u32,
    ) -> SockResult<Vec<u8>> {
        let core = self.core(&h)?;
        sockopt::lookup(level, name)?;
        // Python's own bound: 0 < buflen <= 1024.
        if buflen == 0 || buflen > 1024 {
            return Err(SockError::os_msg(0, "getsockopt buflen out of range"));
        }
        if let Some(held) = core.held_value(level, name) {
            return Ok(held.iter().copied().take(buflen as usize).collect());
        }
        sockopt::get_raw(core.sock(), level, name, buflen as usize)
    }

    async fn setsockopt(
        &mut self,
        h: Resource<SocketHandle>,
        level: i32,
        name: i32,
        value: OptionValue,
    ) -> SockResult<()> {
        let opt = sockopt::lookup(level, name)?;
        let bytes = match value {
            OptionValue::Int(v) => v.to_ne_bytes().to_vec(),
            OptionValue::Bytes(b) => b,
            // `setsockopt(level, name, None, optlen)`: a NULL value of
            // `optlen` bytes, meaningful for a few options only.
            OptionValue::Null(len) => vec![0u8; (len as usize).min(1024)],
        };
        if opt.grant == Grant::ReadOnly {
            return Err(SockError::os(errno::ENOPROTOOPT));
        }
        sockopt::check_len(opt, bytes.len())?;
        let core = self.core(&h)?;
        let priority_too_high = (level, name) == (SOL_SOCKET, SO_PRIORITY)
            && i32::from_ne_bytes(bytes[..4].try_into().unwrap_or_default()) > sockopt::MAX_DEFAULT_PRIORITY;
        // Joining a multicast group is granted by a `listen udp://GROUP:PORT`
        // rule for the group and the socket's port (or by naming the option
        // in `[sockopts] allow`); a refusal names the group.
        if let Some((group, iface, ifindex)) = multicast_group(level, name, &bytes) {
            let port = core.bound().map_or(0, |a| a.port());
            let names = self.ctx.names_for(group);
            self.ctx.mediator.multicast(group, port, opt.label, names).await?;
            // The interface the group is heard on.
            self.ctx.judge_interface(ifindex, iface, port).await?;
            sockopt::set_raw(core.sock(), level, name, &bytes)?;
            return Ok(());
        }
        let default_allowed = opt.grant == Grant::Default && !priority_too_high;
        self.ctx.mediator.sockopt(opt.label, default_allowed)?;
        // The interface multicast is sent from.
        if let Some((addr, ifindex)) = multicast_interface(level, name, &bytes) {
            self.ctx.judge_interface(ifindex, addr, core.bound().map_or(0, |a| a.port())).await?;
        }
        // A timeval is checked before the OS sees it, like every value.
        let timeo = match (level, name) {
            (SOL_SOCKET, SO_RCVTIMEO | SO_SNDTIMEO) => Some(sockopt::timeval_to_duration(&bytes)?),
            _ => None,
        };
        // A graceful linger is held, never given to the OS (see
        // `Core::held_linger`); an abortive one (`l_linger` 0: RST on close)
        // and "off" reach the OS.
        if (level, name) == (SOL_SOCKET, SO_LINGER) {
            let word = |at: usize| bytes.get(at..at + 4).map_or(0, |w| i32::from_ne_bytes([w[0], w[1], w[2], w[3]]));
            let graceful = word(0) != 0 && word(4) != 0;
            let os_value = if graceful { vec![0u8; 8] } else { bytes.clone() };
            sockopt::set_raw(core.sock(), level, name, &os_value)?;
            self.core_mut(&h)?.held_linger = graceful.then_some(bytes);
            return Ok(());
        }
        // Port sharing waits for the bind (see `Core::bind_exclusive`).
        if (level, name) == (SOL_SOCKET, SO_REUSEADDR) || (level, name) == (SOL_SOCKET, SO_REUSEPORT) {
            let unbound = core.family != AF_UNIX && core.bound().is_some_and(|a| a.port() == 0);
            if unbound {
                // Held as the kernel would report it: a boolean (5 reads back as 1).
                let held = match bytes.get(..4) {
                    Some(w) => i32::from(w.iter().any(|b| *b != 0)).to_ne_bytes().to_vec(),
                    None => bytes,
                };
                let core = self.core_mut(&h)?;
                core.pending_reuse[usize::from(name == SO_REUSEPORT)] = Some(held);
                return Ok(());
            }
        }
        sockopt::set_raw(core.sock(), level, name, &bytes)?;
        if let Some(t) = timeo {
            let core = self.core_mut(&h)?;
            if name == SO_RCVTIMEO {
                core.rcvtimeo = t;
            } else {
                core.sndtimeo = t;
            }
        }
        Ok(())
    }

    // Python keeps a socket object's timeout in the object: it stays
    // readable after close(), and setting it on a closed socket stores it
    // before raising EBADF. The handle mirrors the core's value for that.
    async fn getblocking(&mut self, h: Resource<SocketHandle>) -> wasmtime::Result<bool> {
        Ok(self.table.get(&h)?.timeout != Some(Duration::ZERO))
    }

    async fn gettimeout(&mut self, h: Resource<SocketHandle>) -> wasmtime::Result<Option<f64>> {
        Ok(self.table.get(&h)?.timeout.map(|d| d.as_secs_f64()))
    }

    async fn setblocking(&mut self, h: Resource<SocketHandle>, flag: bool) -> SockResult<()> {
        self.set_timeout(&h, if flag { None } else { Some(Duration::ZERO) })
    }

    async fn settimeout(&mut self, h: Resource<SocketHandle>, value: Option<f64>) -> SockResult<()> {
        let timeout = timeout_from(value)?;
        self.set_timeout(&h, timeout)
    }

    async fn listen(&mut self, h: Resource<SocketHandle>, backlog: i32) -> SockResult<()> {
        let core = self.core(&h)?;
        if core.ty == SOCK_STREAM
            && core.family != AF_UNIX
            && let Some(local) = core.sock().local_addr()?.as_socket()
        {
            // An unbound socket gets an ephemeral port from listen(2): that
            // is a bind to port 0 and needs its grant.
            if local.port() == 0 {
                let any = SocketAddr::new(local.ip(), 0);
                self.judge(Use::TcpListen, any).await?;
            }
        }
        let backlog = self.ctx.limits.backlog(backlog);
        let core = self.core_mut(&h)?;
        // A registration made while the socket was unconnected (or after a
        // refused connect) remembers a hang-up; a listener starts afresh.
        core.forget_registration();
        core.sock().listen(backlog)?;
        // An unbound socket got its ephemeral port alone just now.
        core.apply_pending_reuse();
        Ok(())
    }

    async fn recv(&mut self, h: Resource<SocketHandle>, bufsize: u32, flags: i32) -> SockResult<Vec<u8>> {
        // CPython returns b'' for recv(0) without asking the OS (which would
        // wait for data on a stream).
        if bufsize == 0 {
            self.core(&h)?;
            check_flags(flags)?;
            return Ok(Vec::new());
        }
        Ok(self.recv_inner(&h, bufsize, 0, flags).await?.data)
    }

    async fn recvfrom(
        &mut self,
        h: Resource<SocketHandle>,
        bufsize: u32,
        flags: i32,
    ) -> SockResult<(Vec<u8>, Option<Address>)> {
        // A connected stream reports no address on Linux: Python's None.
        let got = self.recv_inner(&h, bufsize, 0, flags).await?;
        let from = self.guest_address(got.from.as_ref());
        Ok((got.data, from))
    }

    async fn recvmsg(
        &mut self,
        h: Resource<SocketHandle>,
        bufsize: u32,
        ancbufsize: u32,
        flags: i32,
    ) -> SockResult<Message> {
        let got = self.recv_inner(&h, bufsize, ancbufsize, flags).await?;
        let address = self.guest_address(got.from.as_ref());
        let ancdata = got.ancdata.into_iter().map(|(level, type_, data)| Ancillary { level, type_, data }).collect();
        Ok(Message { data: got.data, ancdata, msg_flags: got.msg_flags, address })
    }

    async fn send(&mut self, h: Resource<SocketHandle>, data: Vec<u8>, flags: i32) -> SockResult<u32> {
        Ok(self.send_inner(&h, &data, flags, None).await? as u32)
    }

    async fn sendall(&mut self, h: Resource<SocketHandle>, data: Vec<u8>, flags: i32) -> SockResult<()> {
        let os_flags = check_flags(flags)? | MSG_NOSIGNAL;
        let core = self.core(&h)?;
        crate::tls::refuse_plaintext(core)?;
        // Python 3.5+: the timeout bounds the whole call, not each send.
        let wait = core.wait(Interest::WRITABLE, flags & MSG_DONTWAIT != 0);
        let mut sent = 0;
        let mut result = Ok(());
        while sent < data.len() {
            // The byte limit is checked as the loop goes: what fits is sent,
            // then the limit's error ends the call.
            let end = match self.ctx.send_budget_after(sent as u64, data.len() - sent) {
                Ok(n) => sent + n,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            match io_op(core, Interest::WRITABLE, wait, |s| s.send_with_flags(&data[sent..end], os_flags)).await {
                Ok(n) => sent += n,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.ctx.meter.add_sent(sent);
        result
    }

    async fn sendto(
        &mut self,
        h: Resource<SocketHandle>,
        data: Vec<u8>,
        flags: i32,
        address: Address,
    ) -> SockResult<u32> {
        Ok(self.send_inner(&h, &data, flags, Some(&address)).await? as u32)
    }

    async fn sendmsg(
        &mut self,
        h: Resource<SocketHandle>,
        buffers: Vec<Vec<u8>>,
        ancdata: Vec<Ancillary>,
        flags: i32,
        address: Option<Address>,
    ) -> SockResult<u32> {
        let slices: Vec<&[u8]> = buffers.iter().map(Vec::as_slice).collect();
        Ok(self.sendmsg_inner(&h, &slices, &ancdata, flags, address.as_ref()).await? as u32)
    }

    async fn shutdown(&mut self, h: Resource<SocketHandle>, how: i32) -> SockResult<()> {
        let how = match how {
            SHUT_RD => Shutdown::Read,
            SHUT_WR => Shutdown::Write,
            SHUT_RDWR => Shutdown::Both,
            _ => return Err(SockError::os(errno::EINVAL)),
        };
        self.core(&h)?.sock().shutdown(how)?;
        Ok(())
    }

    async fn family(&mut self, h: Resource<SocketHandle>) -> wasmtime::Result<i32> {
        Ok(self.table.get(&h)?.family)
    }

    async fn socket_type(&mut self, h: Resource<SocketHandle>) -> wasmtime::Result<i32> {
        Ok(self.table.get(&h)?.ty)
    }

    async fn proto(&mut self, h: Resource<SocketHandle>) -> wasmtime::Result<i32> {
        Ok(self.table.get(&h)?.proto)
    }

    async fn drop(&mut self, h: Resource<SocketHandle>) -> wasmtime::Result<()> {
        let handle = self.table.delete(h)?;
        if handle.fd >= 0 {
            self.ctx.remove(handle.fd);
        }
        Ok(())
    }
}

/// The interface an outgoing-multicast option names: `IP_MULTICAST_IF`'s
/// `in_addr` or `ip_mreqn` (address, index), `IPV6_MULTICAST_IF`'s index.
fn multicast_interface(level: i32, name: i32, value: &[u8]) -> Option<(Option<std::net::IpAddr>, u32)> {
    let word = |at: usize| -> Option<[u8; 4]> { value.get(at..at + 4)?.try_into().ok() };
    match (level, name) {
        // ip_mreqn: multiaddr, address, ifindex; in_addr: the address.
        (IPPROTO_IP, IP_MULTICAST_IF) if value.len() >= 12 => {
            Some((word(4).map(|o| std::net::Ipv4Addr::from(o).into()), word(8).map_or(0, u32::from_ne_bytes)))
        }
        (IPPROTO_IP, IP_MULTICAST_IF) => Some((word(0).map(|o| std::net::Ipv4Addr::from(o).into()), 0)),
        (IPPROTO_IPV6, IPV6_MULTICAST_IF) => Some((None, word(0).map_or(0, u32::from_ne_bytes))),
        _ => None,
    }
}

/// What a multicast-join option names, if `name` is one: the group, the
/// interface address (`ip_mreq`, `ip_mreqn`) and the interface index
/// (`ip_mreqn`, `ipv6_mreq`).
fn multicast_group(level: i32, name: i32, value: &[u8]) -> Option<(std::net::IpAddr, Option<std::net::IpAddr>, u32)> {
    let word = |at: usize| -> Option<[u8; 4]> { value.get(at..at + 4)?.try_into().ok() };
    match (level, name) {
        (IPPROTO_IP, IP_ADD_MEMBERSHIP) => {
            let group = std::net::Ipv4Addr::from(word(0)?).into();
            let iface = word(4).map(|o| std::net::Ipv4Addr::from(o).into());
            let ifindex = word(8).map_or(0, u32::from_ne_bytes);
            Some((group, iface, ifindex))
        }
        (IPPROTO_IPV6, IPV6_JOIN_GROUP) => {
            let o: [u8; 16] = value.get(..16)?.try_into().ok()?;
            Some((std::net::Ipv6Addr::from(o).into(), None, word(16).map_or(0, u32::from_ne_bytes)))
        }
        _ => None,
    }
}
