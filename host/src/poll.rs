//! `capsock:socket/poll`: readiness across sockets, in one host call.
//!
//! `select` and `poll` ask the OS first, with a real `poll(2)` of timeout 0
//! over the sockets' descriptors: its answer is what the guest sees, so
//! `POLLHUP`, `POLLERR` and `POLLNVAL` are reported exactly as Linux reports
//! them. Only when nothing is ready and the timeout allows does the call
//! wait — on the sockets' tokio registrations, raced together and bounded by
//! the deadline, so a waiting guest holds no OS thread — and then asks the
//! OS again. Tokio's readiness is only a hint to ask again, never the answer.
//!
//! Tokio caches readiness, and some of it is permanent: "closed" (from
//! `EPOLLHUP`, `EPOLLRDHUP`, `EPOLLERR`) is never cleared. A socket whose
//! cached readiness fires while the OS says it is not ready in the way the
//! caller asked (a peer's FIN for a socket only in `select`'s `xlist`, a
//! registration that learnt `EPOLLHUP` in a state the socket has left) would
//! make a naive loop spin. So each wake that the OS contradicts either clears
//! the readiness (when tokio can clear it) or takes that socket out of the
//! reactor wait for the rest of the call; such sockets are re-asked of the
//! OS every [`RECHECK`]. A registration whose closed state the OS no longer
//! reports is stale and is dropped, as `connect` does, so that later waits
//! (here and in `io_op`) learn readiness afresh.

use crate::bindings::capsock::socket::poll::{Host, Selected};
use crate::ctx::{CapsockCtx, CapsockCtxView};
use crate::error::{SockError, SockResult};
use crate::net::{Fd, SocketHandle};
use capsock_abi::errno;
use std::collections::{BTreeMap, BTreeSet};
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::task::Poll;
use std::time::{Duration, Instant};
use tokio::io::Interest;
use tokio::io::unix::AsyncFdReadyGuard;
use wasmtime::component::Resource;

/// How often a socket that cannot be waited for through the reactor (see
/// the module docs) is re-asked of the OS while a call waits. Only reached
/// in corner cases (a closed peer in `select`'s `xlist`); bounds their
/// latency without spinning.
pub const RECHECK: Duration = Duration::from_millis(25);

// poll(2) bits, Linux values (the host's own: this crate builds for Linux
// only, see `error.rs`).
const POLLIN: i16 = libc::POLLIN;
const POLLPRI: i16 = libc::POLLPRI;
const POLLOUT: i16 = libc::POLLOUT;
const POLLERR: i16 = libc::POLLERR;
const POLLHUP: i16 = libc::POLLHUP;
const POLLNVAL: i16 = libc::POLLNVAL;
const POLLRDNORM: i16 = libc::POLLRDNORM;
const POLLRDBAND: i16 = libc::POLLRDBAND;
const POLLWRNORM: i16 = libc::POLLWRNORM;
const POLLWRBAND: i16 = libc::POLLWRBAND;
const POLLRDHUP: i16 = libc::POLLRDHUP;

/// Linux's `select(2)` in terms of `poll(2)` (`fs/select.c`): what is asked
/// and what counts as ready for each of the three sets.
const SELECT_IN: i16 = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
const SELECT_OUT: i16 = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
const SELECT_EX: i16 = POLLPRI;

/// One socket of a call, as asked.
#[derive(Clone, Debug)]
struct Entry {
    /// The guest's fileno; -1 for a closed or detached socket object.
    fd: i32,
    /// The OS descriptor, or `None` when `fd` names no open socket.
    host: Option<RawFd>,
    /// What `poll(2)` is asked for.
    events: i16,
    /// Which `revents` bits make this entry ready.
    check: i16,
}

impl Entry {
    fn ready(&self, revents: i16) -> bool {
        revents & self.check != 0
    }

    /// What to await on the reactor for this entry. Error readiness is
    /// asked too: `POLLERR` is reported whatever was asked.
    fn interest(&self) -> Interest {
        let mut interest = Interest::ERROR;
        if self.events & (POLLIN | POLLRDNORM | POLLRDBAND | POLLRDHUP) != 0 || self.events == 0 {
            // Tokio reports POLLRDHUP, and the POLLHUP that an entry asking
            // for nothing still gets, as read-closed, which readable waits
            // wake on.
            interest |= Interest::READABLE;
        }
        if self.events & (POLLOUT | POLLWRNORM | POLLWRBAND) != 0 {
            interest |= Interest::WRITABLE;
        }
        if self.events & POLLPRI != 0 {
            interest |= Interest::PRIORITY;
        }
        interest
    }
}

/// `poll(2)` with timeout 0: never blocks. Entries without a descriptor
/// report `POLLNVAL`, as `poll(2)` does for a closed one.
fn poll_now(entries: &[Entry]) -> io::Result<Vec<i16>> {
    let mut fds: Vec<libc::pollfd> =
        entries.iter().map(|e| libc::pollfd { fd: e.host.unwrap_or(-1), events: e.events, revents: 0 }).collect();
    poll_raw(&mut fds)?;
    Ok(fds.iter().zip(entries).map(|(p, e)| if e.host.is_none() { POLLNVAL } else { p.revents }).collect())
}

fn poll_raw(fds: &mut [libc::pollfd]) -> io::Result<()> {
    let nfds = libc::nfds_t::try_from(fds.len()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    loop {
        // SAFETY: `fds` is an exclusively borrowed, initialised array of
        // `nfds` `pollfd` structs, valid for the whole call; a timeout of 0
        // never blocks the thread. Descriptors are the instance's own open
        // sockets (or -1, which poll(2) skips).
        let n = unsafe { libc::poll(fds.as_mut_ptr(), nfds, 0) };
        if n >= 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Whether the OS reports a closed or errored state for `host` now: what
/// tokio would have learnt as permanent "closed" readiness.
fn closed_now(host: RawFd) -> io::Result<bool> {
    let mut fds = [libc::pollfd { fd: host, events: POLLIN | POLLOUT | POLLPRI | POLLRDHUP, revents: 0 }];
    poll_raw(&mut fds)?;
    Ok(fds[0].revents & (POLLHUP | POLLRDHUP | POLLERR) != 0)
}

/// Wait until an entry is ready per the OS or `deadline` passes (`None`:
/// forever); returns each entry's `revents` from the last `poll(2)`.
async fn wait_ready(net: &mut CapsockCtx, entries: &[Entry], deadline: Option<Instant>) -> SockResult<Vec<i16>> {
    // Guest filenos the reactor cannot wait for in this call (module docs).
    let mut unwaitable = BTreeSet::new();
    // Registrations dropped in this call: once per socket at most, so a
    // registration that re-learns a closed state cannot make us loop.
    let mut forgotten = BTreeSet::new();
    loop {
        let revents = poll_now(entries)?;
        if entries.iter().zip(&revents).any(|(e, &r)| e.ready(r)) {
            return Ok(revents);
        }
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            return Ok(revents);
        }
        // One reactor wait per socket, for everything asked of it. A socket
        // the OS reports hung up is not registered here: its HUP would be
        // cached as closed for good (see `Core::registration`), and it is
        // unwaitable in any case.
        let mut interests: BTreeMap<i32, Interest> = BTreeMap::new();
        for (e, &r) in entries.iter().zip(&revents) {
            if e.host.is_none() {
                continue;
            }
            if r & POLLHUP != 0 {
                unwaitable.insert(e.fd);
            }
            interests.entry(e.fd).and_modify(|i| *i |= e.interest()).or_insert_with(|| e.interest());
        }
        interests.retain(|fd, _| !unwaitable.contains(fd));
        let wake_at = match (deadline, unwaitable.is_empty()) {
            (d, true) => d,
            (Some(d), false) => Some(d.min(now + RECHECK)),
            (None, false) => Some(now + RECHECK),
        };
        let mut stale = Vec::new();
        {
            let net = &*net;
            let mut waits = Vec::with_capacity(interests.len());
            for (&fd, &interest) in &interests {
                let reg = net.get(fd)?.registration()?;
                waits.push((fd, Some(Box::pin(reg.ready(interest)))));
            }
            let any_ready = poll_fn(|cx| {
                let mut fired: Vec<(i32, AsyncFdReadyGuard<'_, Fd>)> = Vec::new();
                for (fd, slot) in &mut waits {
                    if let Some(fut) = slot
                        && let Poll::Ready(res) = fut.as_mut().poll(cx)
                    {
                        *slot = None;
                        match res {
                            Ok(guard) => fired.push((*fd, guard)),
                            Err(e) => return Poll::Ready(Err(e)),
                        }
                    }
                }
                if fired.is_empty() { Poll::Pending } else { Poll::Ready(Ok(fired)) }
            });
            let fired = match wake_at {
                None => any_ready.await?,
                Some(at) => match tokio::time::timeout_at(at.into(), any_ready).await {
                    Ok(fired) => fired?,
                    // The deadline or a recheck: ask the OS again.
                    Err(_elapsed) => continue,
                },
            };
            let revents = poll_now(entries)?;
            if entries.iter().zip(&revents).any(|(e, &r)| e.ready(r)) {
                return Ok(revents);
            }
            // Every wake was stale: the OS says no entry is ready.
            for (fd, mut guard) in fired {
                let ready = guard.ready();
                if ready.is_read_closed() || ready.is_write_closed() {
                    // Tokio cannot clear this; waiting on it again would
                    // return at once, forever.
                    unwaitable.insert(fd);
                    stale.push(fd);
                } else {
                    guard.clear_ready();
                }
            }
        }
        for fd in stale {
            let Ok(core) = net.get_mut(fd) else { continue };
            // A closed state the OS no longer reports (a registration made
            // before `listen`, an error since consumed) is stale: drop the
            // registration so it is learnt afresh, here and in `io_op`.
            if !forgotten.contains(&fd) && !closed_now(core.sock().as_raw_fd())? {
                core.forget_registration();
                forgotten.insert(fd);
                unwaitable.remove(&fd);
            }
        }
    }
}

/// CPython's `select.select` timeout: `None` blocks; NaN and values out of
/// `_PyTime_t`'s range are rejected before the sign is checked.
fn select_deadline(timeout: Option<f64>) -> SockResult<Option<Instant>> {
    let Some(t) = timeout else { return Ok(None) };
    match capsock_abi::check_timeout(t) {
        Ok(()) => {}
        // `select` words a negative timeout its own way.
        Err(capsock_abi::TimeoutFault::Negative) => return Err(SockError::value("timeout must be non-negative")),
        Err(fault) => return Err(SockError::timeout_fault(fault)),
    }
    // A deadline past what `Instant` can hold is no deadline.
    Ok(Instant::now().checked_add(Duration::from_secs_f64(t)))
}

/// The WIT `poll` timeout in seconds: `None` or a negative value waits
/// forever (as `poll(2)` with a negative timeout); NaN is a `ValueError`.
fn poll_deadline(timeout: Option<f64>) -> SockResult<Option<Instant>> {
    let Some(t) = timeout else { return Ok(None) };
    if t.is_nan() {
        return Err(SockError::value("Invalid value NaN (not a number)"));
    }
    if t < 0.0 {
        return Ok(None);
    }
    Ok(Duration::try_from_secs_f64(t).ok().and_then(|d| Instant::now().checked_add(d)))
}

impl CapsockCtxView<'_> {
    /// The entry for one socket of a `select` list: a closed socket object
    /// is CPython's `ValueError` (its `fileno()` is -1), a fileno that names
    /// no open socket `EBADF`, as `select(2)` says.
    fn select_entry(&self, h: &Resource<SocketHandle>, events: i16) -> SockResult<Entry> {
        let fd = self.table.get(h)?.fd;
        if fd < 0 {
            return Err(SockError::value(format!("file descriptor cannot be a negative integer ({fd})")));
        }
        let host = self.ctx.get(fd)?.sock().as_raw_fd();
        Ok(Entry { fd, host: Some(host), events, check: events })
    }

    /// The entry for one socket of a `poll`: as `poll(2)`, a socket that is
    /// not open is no error but `POLLNVAL` in its `revents`.
    fn poll_entry(&self, h: &Resource<SocketHandle>, events: u16) -> SockResult<Entry> {
        let fd = self.table.get(h)?.fd;
        let host = self.ctx.get(fd).ok().map(|core| core.sock().as_raw_fd());
        // The bits are Linux's `short` events; reinterpret, as C does.
        let events = events as i16;
        Ok(Entry { fd, host, events, check: !0 })
    }
}

impl Host for CapsockCtxView<'_> {
    async fn select(
        &mut self,
        rlist: Vec<Resource<SocketHandle>>,
        wlist: Vec<Resource<SocketHandle>>,
        xlist: Vec<Resource<SocketHandle>>,
        timeout: Option<f64>,
    ) -> SockResult<Selected> {
        let mut entries = Vec::with_capacity(rlist.len() + wlist.len() + xlist.len());
        for (list, events) in [(&rlist, SELECT_IN), (&wlist, SELECT_OUT), (&xlist, SELECT_EX)] {
            for h in list {
                entries.push(self.select_entry(h, events)?);
            }
        }
        // Python parses the lists before the timeout.
        let deadline = select_deadline(timeout)?;
        let revents = wait_ready(&mut *self.ctx, &entries, deadline).await?;
        let ready = |offset: usize, len: usize| -> Vec<u32> {
            (0..len).filter(|&i| entries[offset + i].ready(revents[offset + i])).map(|i| i as u32).collect()
        };
        Ok(Selected {
            readable: ready(0, rlist.len()),
            writable: ready(rlist.len(), wlist.len()),
            exceptional: ready(rlist.len() + wlist.len(), xlist.len()),
        })
    }

    async fn poll(
        &mut self,
        sockets: Vec<Resource<SocketHandle>>,
        events: Vec<u16>,
        timeout: Option<f64>,
    ) -> SockResult<Vec<u16>> {
        if sockets.len() != events.len() {
            return Err(SockError::os_msg(errno::EINVAL, "Invalid argument: one events value per socket"));
        }
        let entries =
            sockets.iter().zip(&events).map(|(h, &ev)| self.poll_entry(h, ev)).collect::<SockResult<Vec<_>>>()?;
        let deadline = poll_deadline(timeout)?;
        let revents = wait_ready(&mut *self.ctx, &entries, deadline).await?;
        Ok(revents.into_iter().map(|r| r as u16).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(host: Option<RawFd>, events: i16, check: i16) -> Entry {
        Entry { fd: 3, host, events, check }
    }

    #[test]
    fn select_sets_are_linuxs() {
        // fs/select.c: POLLIN_SET, POLLOUT_SET, POLLEX_SET.
        assert_eq!(SELECT_IN, 0x1 | 0x40 | 0x80 | 0x10 | 0x8);
        assert_eq!(SELECT_OUT, 0x4 | 0x100 | 0x200 | 0x8);
        assert_eq!(SELECT_EX, 0x2);
        let r = entry(Some(0), SELECT_IN, SELECT_IN);
        assert!(r.ready(POLLHUP), "a hung-up socket is readable to select");
        let x = entry(Some(0), SELECT_EX, SELECT_EX);
        assert!(!x.ready(POLLHUP | POLLIN), "xlist is POLLPRI only");
        let w = entry(Some(0), SELECT_OUT, SELECT_OUT);
        assert!(w.ready(POLLERR) && !w.ready(POLLHUP));
    }

    #[test]
    fn interests_cover_what_is_asked() {
        let i = entry(None, POLLIN, !0).interest();
        assert!(i.is_readable() && !i.is_writable() && i.is_error());
        let i = entry(None, POLLOUT | POLLPRI, !0).interest();
        assert!(i.is_writable() && i.is_priority() && !i.is_readable());
        // Nothing asked still wakes on a hang-up; a peer's FIN is read-closed.
        assert!(entry(None, 0, !0).interest().is_readable());
        assert!(entry(None, POLLRDHUP, !0).interest().is_readable());
    }

    #[test]
    fn poll_now_reports_nval_and_readiness() {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let entries = [
            entry(Some(a.as_raw_fd()), POLLIN | POLLOUT, !0),
            entry(None, POLLIN, !0),
            entry(Some(b.as_raw_fd()), POLLIN, !0),
        ];
        let r = poll_now(&entries).unwrap();
        assert_eq!(r, vec![POLLOUT, POLLNVAL, 0]);
        drop(b);
        assert!(closed_now(a.as_raw_fd()).unwrap());
    }

    #[test]
    fn timeouts_follow_cpython() {
        let err = |r: SockResult<Option<Instant>>| match r {
            Err(SockError::Guest(e)) => (format!("{:?}", e.kind).replace("ErrorKind::", ""), e.message),
            _ => panic!("expected an error"),
        };
        assert_eq!(select_deadline(None).ok(), Some(None));
        assert!(select_deadline(Some(0.5)).ok().flatten().is_some());
        assert_eq!(err(select_deadline(Some(-1.0))), ("Value".into(), "timeout must be non-negative".into()));
        assert_eq!(err(select_deadline(Some(f64::NAN))), ("Value".into(), "Invalid value NaN (not a number)".into()));
        assert_eq!(err(select_deadline(Some(f64::INFINITY))).0, "Overflow");
        assert_eq!(err(select_deadline(Some(-1e300))).0, "Overflow");
        assert_eq!(poll_deadline(Some(-1.0)).ok(), Some(None));
        assert_eq!(poll_deadline(Some(f64::INFINITY)).ok(), Some(None));
        assert!(poll_deadline(Some(0.0)).ok().flatten().is_some());
        assert_eq!(err(poll_deadline(Some(f64::NAN))).0, "Value");
    }
}
