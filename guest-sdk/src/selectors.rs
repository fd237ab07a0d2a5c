//! Python's `selectors` module, the part a socket server needs:
//! [`DefaultSelector`] on top of [`Poll`] (CPython's `PollSelector`).

use crate::error::Error;
use crate::select::Poll;
use crate::socket::Socket;
use crate::{POLLIN, POLLOUT};
use std::fmt;

/// `selectors.EVENT_READ`.
pub const EVENT_READ: i32 = 1;
/// `selectors.EVENT_WRITE`.
pub const EVENT_WRITE: i32 = 2;

/// `selectors.SelectorKey`: a registered socket, its fileno, the events
/// asked about and the caller's data.
#[derive(Clone)]
pub struct SelectorKey<T> {
    /// The registered socket (a clone of it).
    pub fileobj: Socket,
    /// Its fileno when registered.
    pub fd: i32,
    /// [`EVENT_READ`] and/or [`EVENT_WRITE`].
    pub events: i32,
    /// What the caller attached.
    pub data: T,
}

impl<T: fmt::Debug> fmt::Debug for SelectorKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SelectorKey(fileobj={}, fd={}, events={}, data={:?})", self.fileobj, self.fd, self.events, self.data)
    }
}

/// The `poll` events for selector events.
fn poll_events(events: i32) -> i32 {
    let mut mask = 0;
    if events & EVENT_READ != 0 {
        mask |= POLLIN;
    }
    if events & EVENT_WRITE != 0 {
        mask |= POLLOUT;
    }
    mask
}

/// Selector events for `revents`, as CPython's `PollSelector.select`: any
/// bit but `POLLIN` (hang-up, error, …) wakes a writer, any but `POLLOUT`
/// a reader.
fn selector_events(revents: i32) -> i32 {
    let mut events = 0;
    if revents & !POLLIN != 0 {
        events |= EVENT_WRITE;
    }
    if revents & !POLLOUT != 0 {
        events |= EVENT_READ;
    }
    events
}

/// Python's `selectors.select(timeout)` timeout (seconds) as `poll`'s
/// milliseconds: `None` blocks, zero or negative polls, a positive value is
/// rounded up to a whole millisecond.
fn poll_timeout_ms(timeout: Option<f64>) -> Option<f64> {
    match timeout {
        None => None,
        Some(t) if t.is_nan() => Some(t),
        Some(t) if t <= 0.0 => Some(0.0),
        Some(t) => Some((t * 1e3).ceil()),
    }
}

/// `selectors.DefaultSelector()`: watch sockets for reading and writing,
/// each with data of type `T` (Python's `data=`; use `()` for none).
///
/// Built on [`Poll`], so the host does the waiting in one call. The errors
/// CPython raises as `KeyError` (a socket registered twice, one not
/// registered) are `ValueError`s here with CPython's message: this crate's
/// errors have no `KeyError`.
pub struct DefaultSelector<T> {
    poll: Poll,
    keys: Vec<SelectorKey<T>>,
}

impl<T> Default for DefaultSelector<T> {
    fn default() -> Self {
        DefaultSelector { poll: Poll::new(), keys: Vec::new() }
    }
}

impl<T: Clone> DefaultSelector<T> {
    /// A selector watching nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of `sock`'s key: by its fileno, or for a closed socket by
    /// identity, as CPython's `_fileobj_lookup` falls back to searching.
    fn find(&self, sock: &Socket) -> Option<usize> {
        let fd = sock.fileno();
        if fd >= 0 {
            return self.keys.iter().position(|k| k.fd == fd);
        }
        let id = sock.handle().handle();
        self.keys.iter().position(|k| k.fileobj.handle().handle() == id)
    }

    fn not_registered(sock: &Socket) -> Error {
        Error::value(format!("{sock} is not registered"))
    }

    /// `register(fileobj, events, data)`: watch `sock` for `events`
    /// ([`EVENT_READ`] | [`EVENT_WRITE`]); returns its key.
    ///
    /// # Errors
    ///
    /// `ValueError("Invalid events: N")` for no or unknown events;
    /// `ValueError("Invalid file descriptor: -1")` for a closed socket;
    /// CPython's `KeyError` message, as a `ValueError`, when it is already
    /// registered.
    pub fn register(&mut self, sock: &Socket, events: i32, data: T) -> Result<SelectorKey<T>, Error> {
        if events == 0 || events & !(EVENT_READ | EVENT_WRITE) != 0 {
            return Err(Error::value(format!("Invalid events: {events}")));
        }
        let fd = sock.fileno();
        if fd < 0 {
            return Err(Error::value(format!("Invalid file descriptor: {fd}")));
        }
        if self.keys.iter().any(|k| k.fd == fd) {
            return Err(Error::value(format!("{sock} (FD {fd}) is already registered")));
        }
        self.poll.register(sock, poll_events(events))?;
        let key = SelectorKey { fileobj: sock.clone(), fd, events, data };
        self.keys.push(key.clone());
        Ok(key)
    }

    /// `unregister(fileobj)`: stop watching `sock`; returns its key. A
    /// socket closed since it was registered can still be unregistered.
    ///
    /// # Errors
    ///
    /// CPython's `KeyError` message, as a `ValueError`, when `sock` is not
    /// registered.
    pub fn unregister(&mut self, sock: &Socket) -> Result<SelectorKey<T>, Error> {
        let i = self.find(sock).ok_or_else(|| Self::not_registered(sock))?;
        let key = self.keys.remove(i);
        // Registered under the fileno it had then, which is what `Poll`
        // knows it by.
        let _ = self.poll.unregister_fd(key.fd);
        Ok(key)
    }

    /// `modify(fileobj, events, data)`: change what `sock` is watched for
    /// and its data; returns the new key.
    ///
    /// # Errors
    ///
    /// As [`register`](Self::register) for `events`; CPython's `KeyError`
    /// message, as a `ValueError`, when `sock` is not registered.
    pub fn modify(&mut self, sock: &Socket, events: i32, data: T) -> Result<SelectorKey<T>, Error> {
        if events == 0 || events & !(EVENT_READ | EVENT_WRITE) != 0 {
            return Err(Error::value(format!("Invalid events: {events}")));
        }
        let i = self.find(sock).ok_or_else(|| Self::not_registered(sock))?;
        let key = &mut self.keys[i];
        if key.events != events {
            self.poll.register(&key.fileobj, poll_events(events))?;
        }
        key.events = events;
        key.data = data;
        Ok(key.clone())
    }

    /// `get_key(fileobj)`: `sock`'s key, if registered.
    pub fn get_key(&self, sock: &Socket) -> Option<&SelectorKey<T>> {
        self.find(sock).map(|i| &self.keys[i])
    }

    /// `get_map().values()`: every key, in registration order.
    pub fn keys(&self) -> &[SelectorKey<T>] {
        &self.keys
    }

    /// `select(timeout)`: wait until a registered socket is ready; returns
    /// `(key, events)` for each (clones of the keys, so the selector can be
    /// changed while handling them). `timeout` is in seconds: `None` blocks,
    /// zero or negative polls.
    ///
    /// # Errors
    ///
    /// As [`Poll::poll`].
    pub fn select(&self, timeout: Option<f64>) -> Result<Vec<(SelectorKey<T>, i32)>, Error> {
        let ready = self.poll.poll(poll_timeout_ms(timeout))?;
        Ok(ready
            .into_iter()
            .filter_map(|(fd, revents)| {
                let key = self.keys.iter().find(|k| k.fd == fd)?;
                Some((key.clone(), selector_events(revents) & key.events))
            })
            .collect())
    }

    /// `close()`: forget every socket (they stay open).
    pub fn close(&mut self) {
        self.keys.clear();
        self.poll = Poll::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{POLLERR, POLLHUP, POLLNVAL, POLLPRI};

    #[test]
    fn events_map_as_cpython() {
        assert_eq!(poll_events(EVENT_READ), POLLIN);
        assert_eq!(poll_events(EVENT_WRITE), POLLOUT);
        assert_eq!(poll_events(EVENT_READ | EVENT_WRITE), POLLIN | POLLOUT);
        assert_eq!(selector_events(POLLIN), EVENT_READ);
        assert_eq!(selector_events(POLLOUT), EVENT_WRITE);
        assert_eq!(selector_events(POLLIN | POLLOUT), EVENT_READ | EVENT_WRITE);
        for bit in [POLLHUP, POLLERR, POLLNVAL, POLLPRI] {
            assert_eq!(selector_events(bit), EVENT_READ | EVENT_WRITE, "bit {bit:#x} wakes both");
        }
    }

    #[test]
    fn timeouts_are_selectors() {
        assert_eq!(poll_timeout_ms(None), None);
        assert_eq!(poll_timeout_ms(Some(-3.0)), Some(0.0));
        assert_eq!(poll_timeout_ms(Some(0.0)), Some(0.0));
        assert_eq!(poll_timeout_ms(Some(0.0001)), Some(1.0));
        assert_eq!(poll_timeout_ms(Some(1.5)), Some(1500.0));
        assert!(poll_timeout_ms(Some(f64::NAN)).unwrap().is_nan());
    }
}
