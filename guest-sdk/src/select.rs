//! Python's `select` module: [`select()`](crate::select()) and
//! [`Poll`] (`select.poll()`), both answered by the host in one call.
//!
//! The host asks the OS with `poll(2)` and, when nothing is ready, waits on
//! its event loop until something is or the timeout passes: a guest waiting
//! here never spins and holds no host thread. `POLLHUP`, `POLLERR` and
//! `POLLNVAL` are reported as Linux reports them (a TCP socket that is not
//! yet connected is `POLLOUT | POLLHUP`).

use crate::bindings::capsock::socket::poll as wit;
use crate::bindings::capsock::socket::sockets as wit_sockets;
use crate::errno;
use crate::error::Error;
use crate::socket::Socket;

/// `select.select(rlist, wlist, xlist, timeout)`: wait until some of the
/// sockets are ready for reading, for writing, or have an exceptional
/// condition (out-of-band data, `POLLPRI`).
///
/// Returns clones of the ready sockets of each list, in input order (a
/// socket listed twice is returned twice, as in Python). `timeout` is in
/// seconds: `None` blocks until something is ready, `0.0` polls. As on
/// Linux, a hung-up or errored socket is readable, an errored one writable.
///
/// Unlike CPython, there is no `FD_SETSIZE` limit: the host uses `poll(2)`.
///
/// # Errors
///
/// `ValueError("file descriptor cannot be a negative integer (-1)")` for a
/// closed or detached socket, as CPython; `ValueError("timeout must be
/// non-negative")`, `ValueError` for NaN, `OverflowError` for a timeout out
/// of range.
#[allow(clippy::type_complexity, reason = "Python's (rlist, wlist, xlist) triple, spelt out")]
pub fn select(
    rlist: &[&Socket],
    wlist: &[&Socket],
    xlist: &[&Socket],
    timeout: Option<f64>,
) -> Result<(Vec<Socket>, Vec<Socket>, Vec<Socket>), Error> {
    fn handles<'a>(list: &[&'a Socket]) -> Vec<&'a wit_sockets::Socket> {
        list.iter().map(|s| s.handle()).collect()
    }
    let selected = wit::select(&handles(rlist), &handles(wlist), &handles(xlist), timeout)?;
    let pick = |list: &[&Socket], indices: &[u32]| -> Vec<Socket> {
        // The host answers with indices into what it was given; an index
        // out of range would be a host bug, and is skipped rather than
        // trusted.
        indices.iter().filter_map(|&i| list.get(i as usize).map(|s| (*s).clone())).collect()
    };
    Ok((pick(rlist, &selected.readable), pick(wlist, &selected.writable), pick(xlist, &selected.exceptional)))
}

/// Python's `select.poll()` object: a set of sockets, each with the events
/// it is asked about ([`POLLIN`](crate::POLLIN), [`POLLOUT`](crate::POLLOUT),
/// [`POLLPRI`](crate::POLLPRI), …, Linux values).
///
/// Sockets are remembered by the fileno they had when registered, as
/// Python remembers the integer; [`poll`](Poll::poll) reports that fileno.
/// The object keeps a clone of each socket, so registering does not keep a
/// closed socket open but does keep a dropped one alive until it is
/// unregistered. A socket closed after registering reports
/// [`POLLNVAL`](crate::POLLNVAL), as `poll(2)` does for a closed
/// descriptor (so does a detached one, whose integer Python would still
/// poll).
///
/// Events and `revents` are `i32` here, like this crate's `POLL*`
/// constants; they must fit Python's `unsigned short`.
#[derive(Default)]
pub struct Poll {
    /// In registration order, which is the order `poll` reports in (Python
    /// keeps a dict).
    entries: Vec<(i32, Socket, u16)>,
}

/// `events` as Python's `unsigned short` converter takes it.
fn events_u16(events: i32) -> Result<u16, Error> {
    if events < 0 {
        return Err(Error::value("value must be positive"));
    }
    u16::try_from(events).map_err(|_| Error::overflow("Python int too large for C unsigned short"))
}

/// A socket's fileno for registering; a closed one is CPython's error.
fn fileno_of(sock: &Socket) -> Result<i32, Error> {
    match sock.fileno() {
        fd if fd < 0 => Err(Error::value(format!("file descriptor cannot be a negative integer ({fd})"))),
        fd => Ok(fd),
    }
}

/// `poll.poll(timeout)`'s timeout, in milliseconds, as CPython 3.11 takes
/// it, converted to the host's seconds: `None` or a negative value waits
/// forever; fractions round away from zero (0.1 ms waits 1 ms).
///
/// # Errors
///
/// `ValueError` for NaN; `OverflowError` beyond what CPython accepts.
pub(crate) fn poll_timeout(timeout_ms: Option<f64>) -> Result<Option<f64>, Error> {
    let Some(ms) = timeout_ms else { return Ok(None) };
    if ms.is_nan() {
        return Err(Error::value("Invalid value NaN (not a number)"));
    }
    // CPython converts to an i64 count of nanoseconds first, then to an
    // int of milliseconds.
    const LIMIT: f64 = (1u64 << 63) as f64;
    if !(-LIMIT..LIMIT).contains(&(ms * 1e6)) {
        return Err(Error::overflow("timestamp out of range for platform time_t"));
    }
    let rounded = if ms >= 0.0 { ms.ceil() } else { ms.floor() };
    if !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&rounded) {
        return Err(Error::overflow("timeout is too large"));
    }
    Ok((rounded >= 0.0).then_some(rounded / 1000.0))
}

impl Poll {
    /// `select.poll()`: an empty set.
    pub fn new() -> Poll {
        Poll::default()
    }

    /// `register(sock, eventmask)`: ask about `events` on `sock`;
    /// registering a socket again replaces its events, as in Python.
    ///
    /// # Errors
    ///
    /// `ValueError` for a closed socket (fileno -1) or negative events;
    /// `OverflowError` for events past 16 bits.
    pub fn register(&mut self, sock: &Socket, events: i32) -> Result<(), Error> {
        let fd = fileno_of(sock)?;
        let events = events_u16(events)?;
        match self.entries.iter_mut().find(|(f, _, _)| *f == fd) {
            Some(entry) => *entry = (fd, sock.clone(), events),
            None => self.entries.push((fd, sock.clone(), events)),
        }
        Ok(())
    }

    /// `modify(sock, eventmask)`: change the events of a registered socket.
    ///
    /// # Errors
    ///
    /// `FileNotFoundError` (`ENOENT`) when it is not registered, as
    /// CPython; the errors of [`register`](Poll::register).
    pub fn modify(&mut self, sock: &Socket, events: i32) -> Result<(), Error> {
        let fd = fileno_of(sock)?;
        let events = events_u16(events)?;
        match self.entries.iter_mut().find(|(f, _, _)| *f == fd) {
            Some(entry) => *entry = (fd, sock.clone(), events),
            None => return Err(Error::os(errno::ENOENT)),
        }
        Ok(())
    }

    /// `unregister(sock)`.
    ///
    /// # Errors
    ///
    /// `ValueError` for a closed socket (use
    /// [`unregister_fd`](Poll::unregister_fd) with the fileno it was
    /// registered under); when it is not registered, the error Python
    /// raises as `KeyError(fd)` (a `ValueError` here, whose message is the
    /// fileno: this crate's errors have no `KeyError`).
    pub fn unregister(&mut self, sock: &Socket) -> Result<(), Error> {
        self.unregister_fd(fileno_of(sock)?)
    }

    /// `unregister(fd)`: by the fileno a socket was registered under.
    ///
    /// # Errors
    ///
    /// As [`unregister`](Poll::unregister), when `fd` is not registered.
    pub fn unregister_fd(&mut self, fd: i32) -> Result<(), Error> {
        let before = self.entries.len();
        self.entries.retain(|(f, _, _)| *f != fd);
        if self.entries.len() == before {
            return Err(Error::value(fd.to_string()));
        }
        Ok(())
    }

    /// The filenos registered, in registration order.
    pub fn filenos(&self) -> Vec<i32> {
        self.entries.iter().map(|(fd, _, _)| *fd).collect()
    }

    /// `poll(timeout)`: wait until a registered socket has an event; returns
    /// `(fileno, revents)` for each socket that has one, in registration
    /// order (empty when the timeout passed).
    ///
    /// `timeout_ms` is in **milliseconds**, as Python's: `None` or negative
    /// waits forever, `Some(0.0)` polls.
    ///
    /// # Errors
    ///
    /// `ValueError` for a NaN timeout, `OverflowError` for one too large.
    pub fn poll(&self, timeout_ms: Option<f64>) -> Result<Vec<(i32, i32)>, Error> {
        let timeout = poll_timeout(timeout_ms)?;
        let handles: Vec<&wit_sockets::Socket> = self.entries.iter().map(|(_, s, _)| s.handle()).collect();
        let events: Vec<u16> = self.entries.iter().map(|(_, _, e)| *e).collect();
        let revents = wit::poll(&handles, &events, timeout)?;
        Ok(self
            .entries
            .iter()
            .zip(revents)
            .filter(|(_, r)| *r != 0)
            // revents is poll(2)'s `short`; Python reports it unsigned.
            .map(|((fd, _, _), r)| (*fd, i32::from(r)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_timeouts_follow_cpython() {
        assert_eq!(poll_timeout(None).unwrap(), None);
        assert_eq!(poll_timeout(Some(-1.0)).unwrap(), None);
        assert_eq!(poll_timeout(Some(-0.5)).unwrap(), None);
        assert_eq!(poll_timeout(Some(0.0)).unwrap(), Some(0.0));
        assert_eq!(poll_timeout(Some(250.0)).unwrap(), Some(0.25));
        assert_eq!(poll_timeout(Some(0.1)).unwrap(), Some(0.001));
        let e = poll_timeout(Some(f64::NAN)).unwrap_err();
        assert_eq!((e.exception(), e.to_string().as_str()), ("ValueError", "Invalid value NaN (not a number)"));
        let e = poll_timeout(Some(1e10)).unwrap_err();
        assert_eq!((e.exception(), e.to_string().as_str()), ("OverflowError", "timeout is too large"));
        let e = poll_timeout(Some(1e300)).unwrap_err();
        assert_eq!(e.to_string(), "timestamp out of range for platform time_t");
        assert_eq!(poll_timeout(Some(f64::from(i32::MAX))).unwrap(), Some(f64::from(i32::MAX) / 1000.0));
    }

    #[test]
    fn events_are_unsigned_shorts() {
        assert_eq!(events_u16(crate::POLLIN | crate::POLLOUT).unwrap(), 5);
        assert_eq!(events_u16(0xffff).unwrap(), 0xffff);
        let e = events_u16(1 << 16).unwrap_err();
        assert_eq!(
            (e.exception(), e.to_string().as_str()),
            ("OverflowError", "Python int too large for C unsigned short")
        );
        assert_eq!(events_u16(-1).unwrap_err().to_string(), "value must be positive");
    }
}
