//! A guest instance's sockets: the fileno table, limits, and the one
//! readiness loop every blocking operation goes through.
//!
//! Each OS socket is non-blocking and registered with tokio's reactor. An
//! operation tries the syscall first and awaits readiness only on `EAGAIN`,
//! so a guest blocked in `recv()` holds no OS thread: its fiber is parked
//! until epoll says the socket is ready or its deadline passes.

use crate::ctx::CapsockCtx;
use crate::error::{SockError, SockResult};
use capsock_abi::errno;
use socket2::Socket;
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// The first fileno handed out. 0–2 are the guest's stdio in Python's world;
/// starting at 3 keeps `fileno()` values looking like what Python code
/// expects to print and compare.
pub const FIRST_FD: i32 = 3;

/// How often a wait whose readiness cannot clear (read-closed, yet the OS
/// says EAGAIN) asks the OS again.
pub(crate) const RECHECK: Duration = Duration::from_millis(25);

/// Wakes in a row that find the OS not ready before a wait falls back to
/// asking the OS every [`RECHECK`].
const STALE_WAKES: u32 = 64;

/// How many recent UDP senders a `listen`-granted socket may reply to
/// without a `connect` rule. Bounded so a flood of senders cannot grow host
/// memory; the oldest is forgotten first.
pub const UDP_REPLY_PEERS: usize = 256;

/// The resource a guest holds: a fileno in its instance's table, or -1 once
/// closed or detached.
#[derive(Debug)]
pub struct SocketHandle {
    pub fd: i32,
    /// Python keeps `family`, `type` and `proto` readable after `close()`.
    pub family: i32,
    pub ty: i32,
    pub proto: i32,
    /// Python's timeout for this socket object (see `Core::timeout`).
    pub timeout: Option<std::time::Duration>,
}

impl SocketHandle {
    /// The socket object for `fd`, carrying the attributes Python keeps
    /// readable after `close()`.
    pub(crate) fn for_core(fd: i32, core: &Core) -> SocketHandle {
        SocketHandle { fd, family: core.family, ty: core.ty, proto: core.proto, timeout: core.timeout }
    }
}

/// A raw descriptor for the reactor registration, owned by [`Core::sock`].
#[derive(Debug)]
pub struct Fd(RawFd);

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

/// One OS socket and the state Python keeps beside it.
pub struct Core {
    /// The reactor registration, made at the first wait, not at creation.
    ///
    /// Why lazily: epoll reports `EPOLLHUP` for a TCP socket that is not yet
    /// connected, and tokio treats "closed" readiness as final, so a socket
    /// registered before `connect` would look ready forever and every wait
    /// would spin. `connect` drops the registration for the same reason.
    /// Declared before `sock` so that it is dropped (deregistered) before the
    /// descriptor closes.
    reg: OnceLock<AsyncFd<Fd>>,
    sock: Socket,
    pub family: i32,
    pub ty: i32,
    pub proto: i32,
    /// Python's timeout: `None` blocks, `Some(ZERO)` is non-blocking.
    pub timeout: Option<Duration>,
    /// `SO_RCVTIMEO` / `SO_SNDTIMEO` as the guest set them. The OS socket is
    /// always non-blocking, so the host enforces these on a blocking socket
    /// the way Linux does: `EAGAIN` when they expire.
    pub rcvtimeo: Option<Duration>,
    pub sndtimeo: Option<Duration>,
    /// A socket object refers to this fileno (false after `detach`).
    pub attached: bool,
    /// Bound under a `listen` rule: a UDP socket may receive from anyone
    /// and reply to recent senders.
    pub listen_granted: bool,
    /// Recent senders to a `listen`-granted UDP socket.
    pub reply_peers: VecDeque<SocketAddr>,
    /// Counted against `max_connections`: the kernel socket's inode, the
    /// same for every fileno that holds this connection (a `dup`, a copy
    /// received over `SCM_RIGHTS`).
    pub connection: Option<u64>,
    /// `SO_REUSEADDR` / `SO_REUSEPORT` values the guest set on an IP socket
    /// before binding it: held here, not given to the OS, until the socket
    /// has its port (see [`Core::bind_exclusive`]), so a guest socket never
    /// joins a port another process (or guest) holds.
    pub pending_reuse: [Option<Vec<u8>>; 2],
    /// A graceful `SO_LINGER` (`l_onoff` set, `l_linger` > 0) as the guest
    /// set it: kept here, not given to the OS, whose close(2) would then
    /// block a host thread for up to `l_linger` seconds (Linux lingers even
    /// on a non-blocking socket). Without it the kernel still sends what is
    /// queued after close, in the background.
    pub held_linger: Option<Vec<u8>>,
    /// The directory an AF_UNIX socket's bound address names
    /// (`/proc/PID/fd/N/NAME`), open while the socket is.
    pub unix_dir: Option<cap_std::fs::Dir>,
    /// The connection may carry only TLS (see `tls.rs`): plaintext sends
    /// are refused.
    pub tls_only: Option<crate::tls::TlsOnly>,
    /// The AF_UNIX path the guest bound, as the guest wrote it (the OS sees
    /// a `/proc/self/fd/N/name` path that must not leak into `getsockname`).
    pub unix_name: Option<String>,
    /// The AF_UNIX path the guest connected to, as the guest wrote it (for
    /// `getpeername`, for the same reason).
    pub unix_peer: Option<String>,
}

impl Core {
    pub(crate) fn new(sock: Socket, family: i32, ty: i32, proto: i32) -> io::Result<Core> {
        sock.set_nonblocking(true)?;
        Ok(Core::from_nonblocking(sock, family, ty, proto))
    }

    /// A socket created non-blocking already (`SOCK_NONBLOCK`): no fcntl.
    pub(crate) fn from_nonblocking(sock: Socket, family: i32, ty: i32, proto: i32) -> Core {
        Core {
            reg: OnceLock::new(),
            sock,
            family,
            ty,
            proto,
            timeout: None,
            rcvtimeo: None,
            sndtimeo: None,
            attached: true,
            listen_granted: false,
            reply_peers: VecDeque::new(),
            connection: None,
            pending_reuse: [None, None],
            held_linger: None,
            unix_dir: None,
            unix_name: None,
            unix_peer: None,
            tls_only: None,
        }
    }

    pub(crate) fn sock(&self) -> &Socket {
        &self.sock
    }

    /// The reactor registration, made now if this is the first wait.
    /// (`poll.rs` waits on it too.)
    pub(crate) fn registration(&self) -> io::Result<&AsyncFd<Fd>> {
        if let Some(reg) = self.reg.get() {
            return Ok(reg);
        }
        let interest = Interest::READABLE | Interest::WRITABLE | Interest::PRIORITY;
        // SAFETY: the descriptor belongs to `self.sock`, which outlives the
        // registration: `reg` is declared first in `Core` and so dropped
        // first, and `forget_registration` drops it explicitly otherwise.
        let reg = unsafe { AsyncFd::register_with_interest(Fd(self.sock.as_raw_fd()), interest) }
            .map_err(|e| e.into_parts().1)?;
        Ok(self.reg.get_or_init(|| reg))
    }

    /// Drop the reactor registration, so readiness is learnt afresh. Called
    /// before `connect`, which moves the socket out of the state whose
    /// `EPOLLHUP` tokio would remember.
    pub(crate) fn forget_registration(&mut self) {
        self.reg.take();
    }

    pub(crate) fn nonblocking(&self) -> bool {
        self.timeout == Some(Duration::ZERO)
    }

    /// How an operation in `direction` waits, per the socket's mode and the
    /// call's flags.
    pub(crate) fn wait(&self, interest: Interest, dontwait: bool) -> Wait {
        if dontwait || self.nonblocking() {
            return Wait::NonBlocking;
        }
        // A deadline past what the clock can represent (a guest's
        // `SO_RCVTIMEO` of `i64::MAX` seconds) is no deadline: waiting
        // forever is what it means, and adding it must never panic.
        let until = |t: Duration, expiry| match Instant::now().checked_add(t) {
            Some(at) => Wait::Until(at, expiry),
            None => Wait::Forever,
        };
        if let Some(t) = self.timeout {
            return until(t, Expiry::Timeout);
        }
        let os = if interest.is_readable() { self.rcvtimeo } else { self.sndtimeo };
        match os {
            Some(t) => until(t, Expiry::Eagain),
            None => Wait::Forever,
        }
    }

    /// Bind an IP socket without sharing its port: the `SO_REUSEADDR` /
    /// `SO_REUSEPORT` the guest asked for are given to the OS only once the
    /// socket holds its port alone, so it can never join a port some other
    /// socket holds (a native `SO_REUSEPORT` group, a UDP service bound with
    /// `SO_REUSEADDR`) and take its connections or datagrams.
    ///
    /// The one exception is what Python's servers rely on: a TCP socket
    /// that asked for `SO_REUSEADDR` may bind a port left in `TIME_WAIT`
    /// (`EADDRINUSE` without it is retried with it). That is safe because
    /// Linux never lets TCP `SO_REUSEADDR` bind over a listening socket.
    ///
    /// # Errors
    /// The OS error of the bind (`EADDRINUSE` where the port is shared).
    pub(crate) fn bind_exclusive(&mut self, addr: &socket2::SockAddr) -> io::Result<()> {
        match self.sock.bind(addr) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EADDRINUSE) && self.ty == libc::SOCK_STREAM => {
                let asked = self.pending_reuse[0].as_deref().is_some_and(|v| v.iter().any(|b| *b != 0));
                if !asked {
                    return Err(e);
                }
                self.sock.set_reuse_address(true)?;
                if let Err(e) = self.sock.bind(addr) {
                    let _ = self.sock.set_reuse_address(false);
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
        self.apply_pending_reuse();
        Ok(())
    }

    /// Give the OS the held sharing options, now the socket has its port.
    pub(crate) fn apply_pending_reuse(&mut self) {
        for (i, name) in [libc::SO_REUSEADDR, libc::SO_REUSEPORT].into_iter().enumerate() {
            if let Some(v) = self.pending_reuse[i].take() {
                let _ = crate::sockopt::set_raw(&self.sock, libc::SOL_SOCKET, name, &v);
            }
        }
    }

    /// The IP address the socket is bound to (`None` for AF_UNIX or on
    /// error; port 0 until it has one).
    pub(crate) fn bound(&self) -> Option<SocketAddr> {
        self.sock.local_addr().ok().and_then(|a| a.as_socket())
    }

    /// The value of an option the host holds for the guest instead of the
    /// OS (`SO_REUSEADDR`/`SO_REUSEPORT` before bind, a graceful
    /// `SO_LINGER`), if one is held.
    pub(crate) fn held_value(&self, level: i32, name: i32) -> Option<&[u8]> {
        match (level, name) {
            (libc::SOL_SOCKET, libc::SO_LINGER) => self.held_linger.as_deref(),
            (libc::SOL_SOCKET, libc::SO_REUSEADDR) => self.pending_reuse[0].as_deref(),
            (libc::SOL_SOCKET, libc::SO_REUSEPORT) => self.pending_reuse[1].as_deref(),
            _ => None,
        }
    }

    pub(crate) fn remember_peer(&mut self, peer: SocketAddr) {
        if self.reply_peers.contains(&peer) {
            return;
        }
        if self.reply_peers.len() == UDP_REPLY_PEERS {
            self.reply_peers.pop_front();
        }
        self.reply_peers.push_back(peer);
    }
}

/// How long an operation may wait for readiness.
#[derive(Clone, Copy, Debug)]
pub enum Wait {
    /// Fail with `EAGAIN` at once.
    NonBlocking,
    /// Wait as long as it takes.
    Forever,
    /// Wait until the instant, then fail as `Expiry` says.
    Until(Instant, Expiry),
}

/// What a deadline's expiry raises.
#[derive(Clone, Copy, Debug)]
pub enum Expiry {
    /// `TimeoutError('timed out')`: Python's `settimeout`.
    Timeout,
    /// `BlockingIOError(EAGAIN)`: Linux's `SO_RCVTIMEO`/`SO_SNDTIMEO`.
    Eagain,
}

/// Run `op` until it stops saying `EAGAIN`, waiting for `interest` between
/// tries as `wait` allows.
///
/// The syscall is tried first: a socket with data ready costs one syscall and
/// no reactor round trip. `EINTR` is retried (PEP 475).
pub async fn io_op<T>(
    core: &Core,
    interest: Interest,
    wait: Wait,
    mut op: impl FnMut(&Socket) -> io::Result<T>,
) -> SockResult<T> {
    loop {
        match op(core.sock()) {
            Ok(v) => return Ok(v),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e.into()),
        }
    }
    let reg = core.registration()?;
    let mut stale = 0u32;
    loop {
        let ready = reg.ready(interest);
        let mut guard = match wait {
            Wait::NonBlocking => return Err(SockError::would_block()),
            Wait::Forever => ready.await?,
            Wait::Until(deadline, expiry) => match tokio::time::timeout_at(deadline.into(), ready).await {
                Ok(guard) => guard?,
                Err(_) => {
                    return Err(match expiry {
                        Expiry::Timeout => SockError::timeout(),
                        Expiry::Eagain => SockError::would_block(),
                    });
                }
            },
        };
        // Tokio keeps "read closed" (EPOLLRDHUP) readiness for good.
        let ready = guard.ready();
        stale += 1;
        // Readiness that cannot clear ("closed" is permanent in tokio), or
        // a wake that keeps proving stale, must not turn the loop into a
        // spin that never returns to the executor.
        let read_closed = (interest.is_readable() && ready.is_read_closed())
            || (interest.is_writable() && ready.is_write_closed())
            || stale > STALE_WAKES;
        match guard.try_io(|_| op(&core.sock)) {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            Ok(Err(e)) => return Err(e.into()),
            // Read-closed yet EAGAIN (a connected UDP socket after
            // `shutdown(SHUT_RD)`): tokio's readiness stays set for good, so
            // the loop asks the OS again every RECHECK instead of at once,
            // within the wait's deadline (CPython times out there too).
            Err(_would_block) if read_closed => {
                let nap = Instant::now() + RECHECK;
                match wait {
                    Wait::NonBlocking => return Err(SockError::would_block()),
                    Wait::Until(deadline, expiry) if deadline <= nap => {
                        tokio::time::sleep_until(deadline.into()).await;
                        return Err(match expiry {
                            Expiry::Timeout => SockError::timeout(),
                            Expiry::Eagain => SockError::would_block(),
                        });
                    }
                    _ => tokio::time::sleep_until(nap.into()).await,
                }
            }
            // Readiness was stale; `try_io` cleared it, so the next wait
            // really waits.
            Err(_would_block) => continue,
        }
    }
}

/// How many resolved addresses an instance remembers for name-based rules.
/// Past it the table is cleared: later connects by IP are judged by IP
/// rules until the name is resolved again. Bounds host memory per guest.
pub const MAX_RESOLVED: usize = 4096;

impl CapsockCtx {
    /// Record that `name` resolved to `addrs` for this instance.
    pub(crate) fn remember_resolution(&mut self, name: &str, addrs: impl IntoIterator<Item = std::net::IpAddr>) {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        for ip in addrs {
            if self.resolved.len() >= MAX_RESOLVED && !self.resolved.contains_key(&ip) {
                self.resolved.clear();
            }
            let names = self.resolved.entry(ip).or_default();
            if !names.contains(&name) {
                names.push(name.clone());
            }
        }
    }

    /// The names that resolved to `ip` in this instance.
    pub(crate) fn names_for(&self, ip: std::net::IpAddr) -> &[String] {
        self.resolved.get(&ip).map(Vec::as_slice).unwrap_or_default()
    }

    /// Fail with `EMFILE` if one more socket would pass the limit.
    pub(crate) fn reserve(&self, count: usize) -> SockResult<()> {
        let lingering = self.lingering.load(std::sync::atomic::Ordering::Relaxed);
        if self.open + lingering + count > self.limits.max_sockets {
            return Err(self.limit_error(errno::EMFILE, "max_sockets", self.limits.max_sockets));
        }
        Ok(())
    }

    /// The error for a limit reached (`EMFILE` for sockets, a
    /// `PermissionError` for the rest), audited by the mediator.
    pub(crate) fn limit_error(&self, errno: i32, what: &str, limit: impl std::fmt::Display) -> SockError {
        self.mediator.limit(errno, what, limit)
    }

    /// Fail if one more connection would pass `max_connections`.
    pub(crate) fn check_connections(&self) -> SockResult<()> {
        let lingering = self.lingering.load(std::sync::atomic::Ordering::Relaxed);
        if self.connections.len() + lingering >= self.limits.max_connections {
            return Err(self.limit_error(errno::EACCES, "max_connections", self.limits.max_connections));
        }
        Ok(())
    }

    /// Count `fd` as a connection (after a successful connect or accept,
    /// or a `dup`): connections are counted by the kernel socket, so
    /// duplicating one or passing it to yourself and closing the original
    /// never frees a place.
    pub(crate) fn count_connection(&mut self, fd: i32) {
        let Ok(core) = self.get_mut(fd) else { return };
        if core.ty != capsock_abi::consts::SOCK_STREAM || core.connection.is_some() {
            return;
        }
        let Some(ino) = socket_inode(core.sock()) else { return };
        core.connection = Some(ino);
        *self.connections.entry(ino).or_insert(0) += 1;
    }

    /// Count a `wasi:sockets` socket as open (it has no fileno).
    pub(crate) fn open_unnumbered(&mut self) -> SockResult<()> {
        self.reserve(1)?;
        self.open += 1;
        Ok(())
    }

    /// A `wasi:sockets` socket closed, with the connection it held.
    pub(crate) fn close_unnumbered(&mut self, connection: Option<u64>) {
        self.open = self.open.saturating_sub(1);
        if let Some(ino) = connection {
            self.release_connection(ino);
        }
    }

    /// Count a `wasi:sockets` connection: the key to release when it
    /// closes. `wasi:sockets` cannot duplicate or pass a socket, so a key
    /// of its own (no `fstat` for the inode) names it; the top bit keeps
    /// these keys apart from inodes.
    pub(crate) fn hold_connection(&mut self) -> u64 {
        self.unnumbered_keys += 1;
        let key = (1 << 63) | self.unnumbered_keys;
        *self.connections.entry(key).or_insert(0) += 1;
        key
    }

    pub(crate) fn release_connection(&mut self, ino: u64) {
        if let Some(n) = self.connections.get_mut(&ino) {
            *n -= 1;
            if *n == 0 {
                self.connections.remove(&ino);
            }
        }
    }

    /// Whether `sock` is a connection this instance already counts.
    pub(crate) fn holds_connection(&self, sock: &Socket) -> bool {
        socket_inode(sock).is_some_and(|ino| self.connections.contains_key(&ino))
    }

    /// Admit one `connect` under `max_connects_per_second`.
    pub(crate) fn admit_connect(&mut self) -> SockResult<()> {
        let Some(max) = self.limits.max_connects_per_second else { return Ok(()) };
        let now = Instant::now();
        while self.connect_times.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
            self.connect_times.pop_front();
        }
        if self.connect_times.len() >= max as usize {
            return Err(self.limit_error(errno::EACCES, "max_connects_per_second", max));
        }
        self.connect_times.push_back(now);
        Ok(())
    }

    /// How many of `want` bytes may still be sent; an error once none may.
    pub(crate) fn send_budget(&self, want: usize) -> SockResult<usize> {
        self.send_budget_after(0, want)
    }

    /// As [`send_budget`](Self::send_budget), with `pending` bytes of the
    /// current call already sent but not yet counted.
    pub(crate) fn send_budget_after(&self, pending: u64, want: usize) -> SockResult<usize> {
        budget(self, want, self.meter.sent() + pending, self.limits.max_bytes_sent, "max_bytes_sent")
    }

    /// How many of `want` bytes may still be received; an error once none
    /// may.
    pub(crate) fn recv_budget(&self, want: usize) -> SockResult<usize> {
        budget(self, want, self.meter.received(), self.limits.max_bytes_received, "max_bytes_received")
    }

    /// Put a socket in the table at the lowest free fileno, as POSIX does.
    pub(crate) fn insert(&mut self, core: Core) -> SockResult<i32> {
        self.reserve(1)?;
        let slot = match self.fds.iter().position(Option::is_none) {
            Some(i) => i,
            None => {
                self.fds.push(None);
                self.fds.len() - 1
            }
        };
        self.fds[slot] = Some(core);
        self.open += 1;
        Ok(FIRST_FD + slot as i32)
    }

    fn slot(fd: i32) -> Option<usize> {
        usize::try_from(fd.checked_sub(FIRST_FD)?).ok()
    }

    pub(crate) fn get(&self, fd: i32) -> SockResult<&Core> {
        Self::slot(fd).and_then(|s| self.fds.get(s)).and_then(Option::as_ref).ok_or_else(|| SockError::os(errno::EBADF))
    }

    pub(crate) fn get_mut(&mut self, fd: i32) -> SockResult<&mut Core> {
        Self::slot(fd)
            .and_then(|s| self.fds.get_mut(s))
            .and_then(Option::as_mut)
            .ok_or_else(|| SockError::os(errno::EBADF))
    }

    /// Remove a socket; dropping it closes the OS socket and deregisters it.
    pub(crate) fn remove(&mut self, fd: i32) -> Option<Core> {
        let core = Self::slot(fd).and_then(|s| self.fds.get_mut(s)).and_then(Option::take);
        if let Some(c) = &core {
            self.open -= 1;
            if let Some(ino) = c.connection {
                self.release_connection(ino);
            }
        }
        core
    }
}

/// The inode that names a kernel socket, whichever descriptor holds it.
fn socket_inode(sock: &Socket) -> Option<u64> {
    // SAFETY: an all-zero `stat` is a valid out-value for fstat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: the descriptor is open (owned by `sock`) and `st` is a valid
    // out-pointer of the right type.
    let rc = unsafe { libc::fstat(sock.as_raw_fd(), &mut st) };
    (rc == 0).then_some(st.st_ino)
}

fn budget(net: &CapsockCtx, want: usize, used: u64, limit: Option<u64>, name: &str) -> SockResult<usize> {
    let Some(limit) = limit else { return Ok(want) };
    let left = limit.saturating_sub(used);
    // A zero-length call is free: it moves no bytes.
    if left == 0 && want > 0 {
        return Err(net.limit_error(errno::EACCES, name, limit));
    }
    Ok(want.min(usize::try_from(left).unwrap_or(usize::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    fn ctx(limits: Limits) -> CapsockCtx {
        CapsockCtx::builder(capsock_policy::Policy::deny_all()).limits(limits).build()
    }

    #[test]
    fn budgets_allow_a_short_call_then_refuse() {
        let net = ctx(Limits { max_bytes_sent: Some(10), ..Limits::default() });
        assert_eq!(net.send_budget(4).unwrap(), 4);
        net.meter.add_sent(8);
        assert_eq!(net.send_budget(4).unwrap(), 2);
        net.meter.add_sent(2);
        assert_eq!(net.send_budget(0).unwrap(), 0);
        let e = net.send_budget(1).expect_err("over budget");
        assert_eq!(e.errno(), Some(errno::EACCES));
        assert_eq!(net.recv_budget(1 << 20).unwrap(), 1 << 20, "no receive limit");
    }

    #[test]
    fn connect_rate_is_a_sliding_window() {
        let mut net = ctx(Limits { max_connects_per_second: Some(2), ..Limits::default() });
        assert!(net.admit_connect().is_ok());
        assert!(net.admit_connect().is_ok());
        assert!(net.admit_connect().is_err());
    }
}
