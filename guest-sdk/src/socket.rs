//! [`Socket`]: Python's socket object.

use crate::address::{Address, ToAddress, name_caller};
use crate::bindings::capsock::socket::sockets as wit;
use crate::bindings::capsock::socket::types as wit_types;
use crate::error::Error;
use crate::{check_timeout, errno, getdefaulttimeout};
use capsock_abi::consts::SOCK_NONBLOCK;
use std::cell::OnceCell;
use std::fmt;
use std::io;
use std::rc::Rc;

/// A value for [`Socket::setsockopt`]: Python's three call forms.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OptionValue {
    /// `setsockopt(level, name, int)` (a `bool` is 0 or 1, as in Python).
    Int(i32),
    /// `setsockopt(level, name, bytes)`: the raw option buffer.
    Bytes(Vec<u8>),
    /// `setsockopt(level, name, None, optlen)`: a NULL value of `optlen`
    /// bytes.
    Null(u32),
}

impl From<i32> for OptionValue {
    fn from(v: i32) -> Self {
        OptionValue::Int(v)
    }
}

impl From<bool> for OptionValue {
    fn from(v: bool) -> Self {
        OptionValue::Int(i32::from(v))
    }
}

impl From<&[u8]> for OptionValue {
    fn from(v: &[u8]) -> Self {
        OptionValue::Bytes(v.to_vec())
    }
}

impl From<Vec<u8>> for OptionValue {
    fn from(v: Vec<u8>) -> Self {
        OptionValue::Bytes(v)
    }
}

impl<const N: usize> From<&[u8; N]> for OptionValue {
    fn from(v: &[u8; N]) -> Self {
        OptionValue::Bytes(v.to_vec())
    }
}

impl<const N: usize> From<[u8; N]> for OptionValue {
    fn from(v: [u8; N]) -> Self {
        OptionValue::Bytes(v.to_vec())
    }
}

impl OptionValue {
    fn into_wit(self) -> wit::OptionValue {
        match self {
            OptionValue::Int(v) => wit::OptionValue::Int(v),
            OptionValue::Bytes(v) => wit::OptionValue::Bytes(v),
            OptionValue::Null(len) => wit::OptionValue::Null(len),
        }
    }
}

struct Inner {
    handle: wit::Socket,
    /// The family never changes; every address conversion needs it, so it
    /// is asked of the host once.
    family: OnceCell<i32>,
}

/// A socket object, as Python's `socket.socket`.
///
/// `Socket` is a shared handle: clones are the same Python object (closing
/// one closes them all). Dropping the last clone closes the socket, as
/// Python's garbage collection does; call [`close`](Socket::close) to close
/// it at a known point and see its error.
///
/// Every method takes `&self` and mirrors the Python method of the same
/// name; Python's optional `flags` arguments are the `*_with_flags`
/// variants. Operations honour the socket's timeout, which the host
/// enforces (see [`settimeout`](Socket::settimeout)).
///
/// `Socket` and `&Socket` implement [`io::Read`] (as `recv_into`) and
/// [`io::Write`] (as `send`, and `write_all` as `sendall`).
///
/// [`Display`](fmt::Display) and [`Debug`](fmt::Debug) are Python's repr:
/// `<socket fd=3, family=2, type=1, proto=6, laddr=('127.0.0.1', 5000),
/// raddr=('127.0.0.1', 8080)>`. They ask the host for the addresses.
///
/// # Errors
///
/// Every fallible method returns the [`Error`] Python would raise: an
/// `OSError` subclass from the OS or the host's policy (a denial is a
/// `PermissionError` with [`Error::rule`]), `TimeoutError` when the
/// timeout expires, `BlockingIOError` when a non-blocking call would
/// block, `OSError` `EBADF` after [`close`](Socket::close), and the
/// argument errors listed on each method.
#[derive(Clone)]
pub struct Socket {
    inner: Rc<Inner>,
}

/// A buffer size as the host takes it.
fn buffer_size(size: usize, caller: &str) -> Result<u32, Error> {
    u32::try_from(size).map_err(|_| Error::overflow(format!("{caller}(): buffer size must be below 2**32")))
}

/// Copy what the host received into the caller's buffer. The host returns
/// at most `buf.len()` bytes; a longer answer is cut rather than trusted.
fn copy_into(buf: &mut [u8], data: &[u8]) -> usize {
    let n = data.len().min(buf.len());
    buf[..n].copy_from_slice(&data[..n]);
    n
}

/// Python's `recv_into`/`recvfrom_into` `nbytes`: 0 means the whole buffer.
fn nbytes_for(buf: &[u8], nbytes: usize, too_small: &str) -> Result<usize, Error> {
    match nbytes {
        0 => Ok(buf.len()),
        n if n > buf.len() => Err(Error::value(too_small)),
        n => Ok(n),
    }
}

impl Socket {
    /// Wrap a host socket; `family` when the caller knows it already.
    pub(crate) fn from_wit(handle: wit::Socket, family: Option<i32>) -> Socket {
        let cell = OnceCell::new();
        if let Some(family) = family {
            let _ = cell.set(family);
        }
        Socket { inner: Rc::new(Inner { handle, family: cell }) }
    }

    /// What Python does to every new socket object: give it the module
    /// default timeout, if one is set.
    pub(crate) fn apply_default_timeout(&self) -> Result<(), Error> {
        match getdefaulttimeout() {
            Some(t) => self.settimeout(Some(t)),
            None => Ok(()),
        }
    }

    /// [`socket`](crate::socket) and [`socketpair`](crate::socketpair)'s new
    /// sockets get the module default timeout unless created non-blocking.
    pub(crate) fn init(self, type_: i32) -> Result<Socket, Error> {
        if type_ & SOCK_NONBLOCK == 0 {
            self.apply_default_timeout()?;
        }
        Ok(self)
    }

    pub(crate) fn handle(&self) -> &wit::Socket {
        &self.inner.handle
    }

    /// `address` as the host takes it, for this socket's family; `caller`
    /// names the method in the errors CPython words with it.
    fn wit_address(&self, address: &impl ToAddress, caller: &str) -> Result<wit_types::Address, Error> {
        let address = address.to_address(self.family()).map_err(|e| name_caller(e, caller))?;
        address.to_wit().ok_or_else(|| Error::type_error("address must not be None"))
    }

    /// `accept()`: wait for a connection on a listening socket; returns the
    /// connected socket and the peer's address.
    ///
    /// The new socket gets the module default timeout if one is set (as in
    /// Python), else it is blocking.
    ///
    /// # Errors
    /// `BlockingIOError` on a non-blocking socket with no connection waiting, `TimeoutError`, `EMFILE` past `max_sockets`, `PermissionError` past `max_connections`; `EINVAL` when not listening.
    pub fn accept(&self) -> Result<(Socket, Address), Error> {
        let (handle, address) = self.handle().accept()?;
        let sock = Socket::from_wit(handle, Some(self.family()));
        sock.apply_default_timeout()?;
        Ok((sock, Address::from_wit(address)))
    }

    /// `bind(address)`. The host's policy must grant the address (a
    /// `listen` rule).
    ///
    /// # Errors
    ///
    /// Address errors as [`ToAddress::to_address`]; `PermissionError` when
    /// the policy denies; `OSError` (`EADDRINUSE`, …) from the OS.
    pub fn bind(&self, address: impl ToAddress) -> Result<(), Error> {
        let address = self.wit_address(&address, "bind")?;
        Ok(self.handle().bind(&address)?)
    }

    /// `close()`: close the socket. Idempotent; afterwards every other
    /// method fails with `OSError` `EBADF` and [`fileno`](Self::fileno) is
    /// -1.
    ///
    /// # Errors
    /// `OSError` only for what `close(2)` reports (`ECONNRESET` is not raised, as in CPython).
    pub fn close(&self) -> Result<(), Error> {
        Ok(self.handle().close()?)
    }

    /// `connect(address)`. The host's policy must grant the address (a
    /// `connect` rule).
    ///
    /// # Errors
    ///
    /// Address errors as [`ToAddress::to_address`]; `TimeoutError` when the
    /// socket's timeout expires; `BlockingIOError` (`EINPROGRESS`) on a
    /// non-blocking socket; `ConnectionRefusedError`, `PermissionError`, ….
    pub fn connect(&self, address: impl ToAddress) -> Result<(), Error> {
        let address = self.wit_address(&address, "connect")?;
        Ok(self.handle().connect(&address)?)
    }

    /// `connect_ex(address)`: like [`connect`](Self::connect), but an error
    /// of the connect itself is returned as its errno (0 on success), as
    /// Python does: a timeout is `EAGAIN` (11), a non-blocking connect in
    /// progress `EINPROGRESS` (115), a policy denial `EACCES` (13).
    ///
    /// # Errors
    ///
    /// Errors of the address itself (a `gaierror` from resolving it, a
    /// `TypeError`, …) are still `Err`, as Python still raises them.
    pub fn connect_ex(&self, address: impl ToAddress) -> Result<i32, Error> {
        let address = self.wit_address(&address, "connect_ex")?;
        match self.handle().connect(&address).map_err(Error::from) {
            Ok(()) => Ok(0),
            Err(e) if e.is_timeout() => Ok(errno::EAGAIN),
            Err(e) => match (e.kind(), e.errno()) {
                (crate::ErrorKind::Os, Some(n)) => Ok(n),
                _ => Err(e),
            },
        }
    }

    /// `detach()`: put this socket object in the closed state without
    /// closing the underlying socket; returns its fileno, which
    /// [`from_fd`](crate::from_fd) can claim again (or
    /// [`close_fd`](crate::close_fd) close).
    ///
    /// # Errors
    /// None in practice (a closed socket detaches as -1); `Result` for the host call.
    pub fn detach(&self) -> Result<i32, Error> {
        Ok(self.handle().detach()?)
    }

    /// `dup()`: a new socket object on the same underlying socket, with this
    /// one's timeout (as Python's `dup`).
    ///
    /// # Errors
    /// `OSError(EBADF)` after close, `EMFILE` past `max_sockets`.
    pub fn dup(&self) -> Result<Socket, Error> {
        let sock = Socket::from_wit(self.handle().dup()?, Some(self.family()));
        sock.settimeout(self.gettimeout())?;
        Ok(sock)
    }

    /// `fileno()`: a small integer naming this socket in this instance
    /// (what `select`/`poll` report), or -1 once closed.
    pub fn fileno(&self) -> i32 {
        self.handle().fileno()
    }

    /// `getpeername()`: the address of the connected peer.
    ///
    /// # Errors
    ///
    /// `OSError` `ENOTCONN` when not connected.
    pub fn getpeername(&self) -> Result<Address, Error> {
        Ok(Address::from_wit(self.handle().getpeername()?))
    }

    /// `getsockname()`: the socket's own address.
    ///
    /// # Errors
    /// `OSError(EBADF)` after close.
    pub fn getsockname(&self) -> Result<Address, Error> {
        Ok(Address::from_wit(self.handle().getsockname()?))
    }

    /// `getsockopt(level, name)`: an integer option.
    ///
    /// # Errors
    /// `PermissionError` naming the rule for an option the policy does not allow, `OSError(ENOPROTOOPT)` for one the OS does not know, `EBADF` after close.
    pub fn getsockopt(&self, level: i32, name: i32) -> Result<i32, Error> {
        Ok(self.handle().getsockopt(level, name)?)
    }

    /// `getsockopt(level, name, buflen)`: an option as at most `buflen`
    /// bytes.
    ///
    /// # Errors
    ///
    /// `OSError("getsockopt buflen out of range")` unless `0 < buflen <=
    /// 1024`, as CPython. (Python's `buflen=0` means the integer form: use
    /// [`getsockopt`](Self::getsockopt).)
    pub fn getsockopt_bytes(&self, level: i32, name: i32, buflen: usize) -> Result<Vec<u8>, Error> {
        if buflen == 0 || buflen > 1024 {
            return Err(Error::os_message("getsockopt buflen out of range"));
        }
        let buflen = buffer_size(buflen, "getsockopt")?;
        Ok(self.handle().getsockopt_bytes(level, name, buflen)?)
    }

    /// `setsockopt(level, name, value)`: `value` is an `i32`, a `bool`,
    /// bytes, or [`OptionValue::Null`] (Python's `None, optlen` form). The
    /// host's policy must allow the option.
    ///
    /// # Errors
    /// `PermissionError` naming the rule for an option the policy does not allow, `OSError(EINVAL)`/`ENOPROTOOPT` from the OS, `TypeError` for a value of the wrong form.
    pub fn setsockopt(&self, level: i32, name: i32, value: impl Into<OptionValue>) -> Result<(), Error> {
        Ok(self.handle().setsockopt(level, name, &value.into().into_wit())?)
    }

    /// `getblocking()`: false when the timeout is 0.0. Never fails, as in
    /// Python (it reads the socket object, even after `close()`).
    pub fn getblocking(&self) -> bool {
        self.handle().getblocking()
    }

    /// `gettimeout()`: `None` for blocking without timeout, `Some(0.0)` for
    /// non-blocking, else the timeout in seconds. Never fails, as in Python.
    pub fn gettimeout(&self) -> Option<f64> {
        self.handle().gettimeout()
    }

    /// `setblocking(flag)`: `settimeout(None)` when true, `settimeout(Some(0.0))`
    /// when false.
    ///
    /// # Errors
    /// `OSError(EBADF)` after close.
    pub fn setblocking(&self, flag: bool) -> Result<(), Error> {
        Ok(self.handle().setblocking(flag)?)
    }

    /// `settimeout(value)`: `None` blocks forever, `Some(0.0)` makes the
    /// socket non-blocking, a positive value bounds each blocking
    /// operation (`sendall` as a whole); the host enforces it without the
    /// guest spinning.
    ///
    /// # Errors
    ///
    /// `ValueError("Timeout value out of range")` for a negative value,
    /// `ValueError("Invalid value NaN (not a number)")` for NaN,
    /// `OverflowError` for a value too large (infinity), as Python.
    pub fn settimeout(&self, value: Option<f64>) -> Result<(), Error> {
        check_timeout(value)?;
        Ok(self.handle().settimeout(value)?)
    }

    /// `listen(backlog)`: a negative backlog is 0, as in Python.
    ///
    /// # Errors
    /// `PermissionError` when the bound address is not granted for `listen`, `EOPNOTSUPP` on a datagram socket, `EBADF` after close.
    pub fn listen(&self, backlog: i32) -> Result<(), Error> {
        Ok(self.handle().listen(backlog.max(0))?)
    }

    /// `recv(bufsize)`: at most `bufsize` bytes; empty at end of stream.
    ///
    /// Python's `ValueError` for a negative `bufsize` is prevented by the
    /// type.
    ///
    /// # Errors
    ///
    /// `OverflowError` for a `bufsize` of 2³² or more; `TimeoutError`,
    /// `BlockingIOError`, `ConnectionResetError`, ….
    pub fn recv(&self, bufsize: usize) -> Result<Vec<u8>, Error> {
        self.recv_with_flags(bufsize, 0)
    }

    /// `recv(bufsize, flags)`, with `MSG_PEEK`, `MSG_WAITALL`, ….
    ///
    /// # Errors
    /// `TimeoutError`, `BlockingIOError` (non-blocking, or `MSG_DONTWAIT`), `ConnectionResetError`, `OverflowError` for a size past 2**32, `PermissionError` past `max_bytes_received`.
    pub fn recv_with_flags(&self, bufsize: usize, flags: i32) -> Result<Vec<u8>, Error> {
        Ok(self.handle().recv(buffer_size(bufsize, "recv")?, flags)?)
    }

    /// `recv_into(buffer)`: receive into `buf`, up to its length; returns
    /// the number of bytes received (0 at end of stream).
    ///
    /// The host returns the data as a new list, which is copied into `buf`.
    ///
    /// # Errors
    /// As [`recv`](Self::recv).
    pub fn recv_into(&self, buf: &mut [u8]) -> Result<usize, Error> {
        self.recv_into_with_flags(buf, 0, 0)
    }

    /// `recv_into(buffer, nbytes, flags)`: `nbytes` 0 means `buf.len()`.
    ///
    /// # Errors
    ///
    /// `ValueError("buffer too small for requested bytes")` when `nbytes >
    /// buf.len()`.
    pub fn recv_into_with_flags(&self, buf: &mut [u8], nbytes: usize, flags: i32) -> Result<usize, Error> {
        let n = nbytes_for(buf, nbytes, "buffer too small for requested bytes")?;
        let data = self.handle().recv(buffer_size(n, "recv_into")?, flags)?;
        Ok(copy_into(&mut buf[..n], &data))
    }

    /// `recvfrom(bufsize)`: data and the sender's address
    /// ([`Address::None`] when the OS reports none, as on a connected
    /// stream).
    ///
    /// # Errors
    /// As [`recv`](Self::recv).
    pub fn recvfrom(&self, bufsize: usize) -> Result<(Vec<u8>, Address), Error> {
        self.recvfrom_with_flags(bufsize, 0)
    }

    /// `recvfrom(bufsize, flags)`.
    ///
    /// # Errors
    /// As [`recv`](Self::recv).
    pub fn recvfrom_with_flags(&self, bufsize: usize, flags: i32) -> Result<(Vec<u8>, Address), Error> {
        let (data, address) = self.handle().recvfrom(buffer_size(bufsize, "recvfrom")?, flags)?;
        Ok((data, Address::from_wit_opt(address)))
    }

    /// `recvfrom_into(buffer)`: like [`recvfrom`](Self::recvfrom) into `buf`
    /// (copied, as [`recv_into`](Self::recv_into)); returns the byte count
    /// and the sender's address.
    ///
    /// # Errors
    /// As [`recv`](Self::recv).
    pub fn recvfrom_into(&self, buf: &mut [u8]) -> Result<(usize, Address), Error> {
        self.recvfrom_into_with_flags(buf, 0, 0)
    }

    /// `recvfrom_into(buffer, nbytes, flags)`: `nbytes` 0 means `buf.len()`.
    ///
    /// # Errors
    ///
    /// `ValueError("nbytes is greater than the length of the buffer")`.
    pub fn recvfrom_into_with_flags(
        &self,
        buf: &mut [u8],
        nbytes: usize,
        flags: i32,
    ) -> Result<(usize, Address), Error> {
        let n = nbytes_for(buf, nbytes, "nbytes is greater than the length of the buffer")?;
        let (data, address) = self.handle().recvfrom(buffer_size(n, "recvfrom_into")?, flags)?;
        Ok((copy_into(&mut buf[..n], &data), Address::from_wit_opt(address)))
    }

    /// `recvmsg(bufsize, ancbufsize, flags)`: `(data, ancdata, msg_flags,
    /// address)`, each ancillary item `(level, type, data)`. `SCM_RIGHTS`
    /// data holds filenos of this instance, to claim with
    /// [`from_fd`](crate::from_fd).
    ///
    /// # Errors
    /// As [`recv`](Self::recv); `ValueError` for an ancillary buffer size the host refuses.
    // The tuple is Python's return value; an alias would only hide it.
    #[allow(clippy::type_complexity, reason = "Python's 4-tuple, spelled out")]
    pub fn recvmsg(
        &self,
        bufsize: usize,
        ancbufsize: usize,
        flags: i32,
    ) -> Result<(Vec<u8>, Vec<(i32, i32, Vec<u8>)>, i32, Address), Error> {
        let bufsize = buffer_size(bufsize, "recvmsg")?;
        let ancbufsize = buffer_size(ancbufsize, "recvmsg")?;
        let msg = self.handle().recvmsg(bufsize, ancbufsize, flags)?;
        let ancdata = msg.ancdata.into_iter().map(|a| (a.level, a.type_, a.data)).collect();
        Ok((msg.data, ancdata, msg.msg_flags, Address::from_wit_opt(msg.address)))
    }

    /// `send(data)`: returns how many bytes were sent, which may be fewer
    /// than `data.len()`.
    ///
    /// # Errors
    /// `TimeoutError`, `BlockingIOError`, `BrokenPipeError` after the peer or `shutdown` closed writing, `PermissionError` past `max_bytes_sent`.
    pub fn send(&self, data: &[u8]) -> Result<usize, Error> {
        self.send_with_flags(data, 0)
    }

    /// `send(data, flags)`.
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub fn send_with_flags(&self, data: &[u8], flags: i32) -> Result<usize, Error> {
        Ok(self.handle().send(data, flags)? as usize)
    }

    /// `sendall(data)`: send all of `data`. The host loops, and the timeout
    /// bounds the whole call, as in Python 3.5+.
    ///
    /// # Errors
    ///
    /// As Python, an error does not say how much was sent (the host's
    /// message may).
    pub fn sendall(&self, data: &[u8]) -> Result<(), Error> {
        self.sendall_with_flags(data, 0)
    }

    /// `sendall(data, flags)`.
    ///
    /// # Errors
    /// As [`send`](Self::send); what went before an error stays sent.
    pub fn sendall_with_flags(&self, data: &[u8], flags: i32) -> Result<(), Error> {
        Ok(self.handle().sendall(data, flags)?)
    }

    /// `sendto(data, address)`: returns the bytes sent.
    ///
    /// # Errors
    /// As [`send`](Self::send), and `PermissionError` naming the rule for a destination the policy does not grant.
    pub fn sendto(&self, data: &[u8], address: impl ToAddress) -> Result<usize, Error> {
        self.sendto_with_flags(data, 0, address)
    }

    /// `sendto(data, flags, address)`.
    ///
    /// # Errors
    /// As [`sendto`](Self::sendto).
    pub fn sendto_with_flags(&self, data: &[u8], flags: i32, address: impl ToAddress) -> Result<usize, Error> {
        let address = self.wit_address(&address, "sendto")?;
        Ok(self.handle().sendto(data, flags, &address)? as usize)
    }

    /// `sendmsg(buffers, ancdata, flags, address)`: send the buffers as one
    /// message with ancillary items `(level, type, data)`; `SCM_RIGHTS`
    /// data holds filenos of this instance. `address` `None` (or
    /// [`Address::None`]) sends to the connected peer. The buffers are
    /// copied for the host call.
    ///
    /// # Errors
    /// As [`sendto`](Self::sendto); `OSError(EMSGSIZE)` for more than 1024 buffers, `EBADF` for an `SCM_RIGHTS` fileno this instance does not hold.
    pub fn sendmsg(
        &self,
        buffers: &[&[u8]],
        ancdata: &[(i32, i32, &[u8])],
        flags: i32,
        address: Option<Address>,
    ) -> Result<usize, Error> {
        let address = match address {
            Some(a) if !a.is_none() => Some(self.wit_address(&a, "sendmsg")?),
            _ => None,
        };
        let buffers: Vec<Vec<u8>> = buffers.iter().map(|b| b.to_vec()).collect();
        let ancdata: Vec<wit::Ancillary> =
            ancdata.iter().map(|&(level, type_, data)| wit::Ancillary { level, type_, data: data.to_vec() }).collect();
        Ok(self.handle().sendmsg(&buffers, &ancdata, flags, address.as_ref())? as usize)
    }

    /// `shutdown(how)` with [`SHUT_RD`](crate::SHUT_RD),
    /// [`SHUT_WR`](crate::SHUT_WR) or [`SHUT_RDWR`](crate::SHUT_RDWR).
    ///
    /// # Errors
    /// `OSError(ENOTCONN)` when not connected, `EINVAL` for another `how`, `EBADF` after close.
    pub fn shutdown(&self, how: i32) -> Result<(), Error> {
        Ok(self.handle().shutdown(how)?)
    }

    /// The `family` attribute (`AF_INET`, …).
    pub fn family(&self) -> i32 {
        *self.inner.family.get_or_init(|| self.inner.handle.family())
    }

    /// The `type` attribute (`SOCK_STREAM`, …; without `SOCK_NONBLOCK`).
    pub fn type_(&self) -> i32 {
        self.handle().socket_type()
    }

    /// The `proto` attribute.
    pub fn proto(&self) -> i32 {
        self.handle().proto()
    }
}

impl fmt::Display for Socket {
    /// Python's `repr(sock)`, with `socket` for `socket.socket`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fd = self.fileno();
        let closed = fd == -1;
        write!(
            f,
            "<socket {}fd={fd}, family={}, type={}, proto={}",
            if closed { "[closed] " } else { "" },
            self.family(),
            self.type_(),
            self.proto()
        )?;
        if !closed {
            // As Python: an address that fails or is false ('') is left out.
            if let Ok(laddr) = self.getsockname()
                && laddr.is_truthy()
            {
                write!(f, ", laddr={laddr}")?;
            }
            if let Ok(raddr) = self.getpeername()
                && raddr.is_truthy()
            {
                write!(f, ", raddr={raddr}")?;
            }
        }
        f.write_str(">")
    }
}

impl fmt::Debug for Socket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl io::Read for &Socket {
    /// [`Socket::recv_into`]. An empty `buf` reads nothing without asking
    /// the host (a datagram socket would otherwise lose a datagram).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        Ok(self.recv_into(buf)?)
    }
}

impl io::Write for &Socket {
    /// [`Socket::send`].
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(self.send(buf)?)
    }

    /// [`Socket::sendall`]: one host call, bounded by the timeout as a
    /// whole.
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        Ok(self.sendall(buf)?)
    }

    /// Nothing to flush: sends go straight to the host.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl io::Read for Socket {
    /// As for `&Socket`.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self).read(buf)
    }
}

impl io::Write for Socket {
    /// As for `&Socket`.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self).write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        (&*self).write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_values() {
        assert_eq!(OptionValue::from(5), OptionValue::Int(5));
        assert_eq!(OptionValue::from(true), OptionValue::Int(1));
        assert_eq!(OptionValue::from(false), OptionValue::Int(0));
        assert_eq!(OptionValue::from(&b"ab"[..]), OptionValue::Bytes(b"ab".to_vec()));
        assert_eq!(OptionValue::from(b"ab"), OptionValue::Bytes(b"ab".to_vec()));
        assert_eq!(OptionValue::from([1u8, 2]), OptionValue::Bytes(vec![1, 2]));
        assert_eq!(OptionValue::from(vec![3u8]), OptionValue::Bytes(vec![3]));
        assert!(matches!(OptionValue::Null(4).into_wit(), wit::OptionValue::Null(4)));
    }

    #[test]
    fn nbytes_follows_python() {
        let buf = [0u8; 8];
        assert_eq!(nbytes_for(&buf, 0, "x").unwrap(), 8);
        assert_eq!(nbytes_for(&buf, 3, "x").unwrap(), 3);
        assert_eq!(nbytes_for(&buf, 9, "too small").unwrap_err().to_string(), "too small");
        assert_eq!(nbytes_for(&[], 0, "x").unwrap(), 0);
    }

    #[test]
    fn copy_never_overruns() {
        let mut buf = [0u8; 3];
        assert_eq!(copy_into(&mut buf, b"abcdef"), 3);
        assert_eq!(&buf, b"abc");
        assert_eq!(copy_into(&mut buf, b"z"), 1);
        assert_eq!(&buf, b"zbc");
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn huge_buffer_sizes_are_overflow_errors() {
        let e = buffer_size(1 << 32, "recv").unwrap_err();
        assert_eq!(e.exception(), "OverflowError");
        assert_eq!(buffer_size(1024, "recv").unwrap(), 1024);
    }
}
