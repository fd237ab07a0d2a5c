//! Python's `socket` module for WebAssembly (`wasm32-wasip2`) programs.
//!
//! capsock gives a WebAssembly component real sockets, granted by the host's
//! capability policy. This crate is the guest side: the names, arguments,
//! errors and behaviour of Python's `socket` module, implemented by calls to
//! the host through capsock's WIT contract (`wit/capsock.wit`). Every
//! constant uses Linux's numbering, whatever OS the host runs on.
//!
//! ```no_run
//! use capsock::{AF_INET, SOCK_STREAM};
//!
//! fn main() -> Result<(), capsock::Error> {
//!     // A TCP echo client: Python's socket(AF_INET, SOCK_STREAM).
//!     let sock = capsock::socket(AF_INET, SOCK_STREAM, 0)?;
//!     sock.settimeout(Some(5.0))?;
//!     sock.connect(("127.0.0.1", 7007))?;
//!     sock.sendall(b"hello")?;
//!     let reply = sock.recv(1024)?;
//!     println!("{sock} echoed {}", String::from_utf8_lossy(&reply));
//!     sock.close()
//! }
//! ```
//!
//! # Mapping from Python
//!
//! - Module functions are functions of this crate ([`socket`],
//!   [`create_connection`], [`socketpair`], [`getdefaulttimeout`], …);
//!   socket methods are methods of [`Socket`], taking `&self`.
//! - Python's optional arguments are explicit: `proto` is `0` when Python
//!   omits it, and a method with optional `flags` has a `*_with_flags`
//!   variant ([`Socket::recv_with_flags`], …).
//! - Addresses are anything implementing [`ToAddress`]: `("127.0.0.1",
//!   8080)`, `("::1", 8080, 0, 0)`, a [`std::net::SocketAddr`], a path
//!   string for `AF_UNIX`, or an [`Address`], which is also what methods
//!   return (its `Display` is Python's `repr`).
//! - Exceptions are [`Error`]s: [`Error::exception`] names the Python class
//!   (`ConnectionRefusedError`, `TimeoutError`, `gaierror`, …) and `Display`
//!   is Python's `str(e)` (`[Errno 111] Connection refused`). A denial by
//!   the host's policy is a `PermissionError` (errno `EACCES`) whose
//!   [`Error::rule`] names the rule that decided.
//! - Timeouts are seconds as `f64`, as in Python, and enforced by the host:
//!   a waiting guest never spins.
//!
//! Off `wasm32`, the crate compiles (for `cargo check`, clippy and tests of
//! its pure parts) but every host call panics.
#![warn(missing_docs)]
#![deny(unsafe_code)]

mod address;
mod ancillary;
mod error;
mod inet;
mod inherit;
mod makefile;
mod resolver;
mod select;
mod selectors;
mod server;
mod socket;

/// The WIT bindings; only the `imports` world (the standard library
/// provides WASI itself).
#[allow(unsafe_code, missing_docs)]
mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "capsock:socket/imports",
    });
}

pub use address::{AddrInfo, Address, ToAddress, UnixAddress};
pub use ancillary::{AncData, CMSG_LEN, CMSG_SPACE};
pub use capsock_abi::consts::*;
pub use capsock_abi::errno;
pub use error::{ConnectError, Error, ErrorKind};
pub use inet::{inet_aton, inet_ntoa, inet_ntop, inet_pton};
pub use makefile::{DEFAULT_BUFFER_SIZE, SocketFile};
pub use resolver::{
    Service, getaddrinfo, getfqdn, gethostbyaddr, gethostbyname, gethostbyname_ex, gethostname, getnameinfo,
    getprotobyname, getservbyname, getservbyport,
};
pub use select::{Poll, select};
pub use selectors::{DefaultSelector, EVENT_READ, EVENT_WRITE, SelectorKey};
pub use server::create_server;
pub use socket::{OptionValue, Socket};

use bindings::capsock::socket::sockets as wit;
use std::sync::atomic::{AtomicU64, Ordering};

/// `socket(family, type, proto)`: a new socket.
///
/// `type_` may include [`SOCK_NONBLOCK`] (the socket starts non-blocking)
/// and [`SOCK_CLOEXEC`] (ignored). Otherwise the socket gets the module
/// default timeout ([`setdefaulttimeout`]) if one is set, as in Python.
///
/// # Errors
///
/// `PermissionError` when the host's policy grants no such family or type;
/// `OSError` (`EAFNOSUPPORT`, `EPROTONOSUPPORT`, …) from the OS.
pub fn socket(family: i32, type_: i32, proto: i32) -> Result<Socket, Error> {
    let handle = wit::create_socket(family, type_, proto)?;
    Socket::from_wit(handle, Some(family)).init(type_)
}

/// `socketpair(family, type, proto)`: two connected sockets (Python's
/// default is `socketpair(AF_UNIX, SOCK_STREAM, 0)`). Each gets the module
/// default timeout, as in Python.
///
/// `AF_INET` and `AF_INET6` use Python's fallback: a loopback listener
/// and a connection to it (the policy must grant `listen` on the loopback
/// address's port 0 and `connect` to it).
///
/// # Errors
///
/// `PermissionError` when the policy refuses the family (or, for the
/// fallback, the loopback listener or connection); `ValueError` for a
/// fallback with a type other than `SOCK_STREAM` or a non-zero `proto`.
pub fn socketpair(family: i32, type_: i32, proto: i32) -> Result<(Socket, Socket), Error> {
    if family == AF_INET || family == AF_INET6 {
        return server::inet_socketpair(family, type_, proto);
    }
    let (a, b) = wit::socketpair(family, type_, proto)?;
    let a = Socket::from_wit(a, Some(family)).init(type_)?;
    let b = Socket::from_wit(b, Some(family)).init(type_)?;
    Ok((a, b))
}

/// `socket(fileno=fd)`: a socket object for a detached fileno of this
/// instance (from [`Socket::detach`] or received as `SCM_RIGHTS` by
/// [`Socket::recvmsg`]). It gets the module default timeout, as in Python.
///
/// # Errors
///
/// `OSError` `EBADF` when `fd` is not a detached fileno.
pub fn from_fd(fd: i32) -> Result<Socket, Error> {
    let sock = Socket::from_wit(wit::from_fd(fd)?, None);
    sock.apply_default_timeout()?;
    Ok(sock)
}

/// `close(fd)`: close a detached fileno.
pub fn close_fd(fd: i32) -> Result<(), Error> {
    Ok(wit::close_fd(fd)?)
}

/// `has_ipv6`: whether the host can create IPv6 sockets.
pub fn has_ipv6() -> bool {
    wit::has_ipv6()
}

/// `has_dualstack_ipv6()`: whether the host supports an `AF_INET6` socket
/// that also accepts IPv4 connections.
pub fn has_dualstack_ipv6() -> bool {
    wit::has_dualstack_ipv6()
}

/// The module default timeout as `f64` bits; this NaN pattern (never a
/// valid timeout) is `None`. An atomic rather than a `static mut`: safe,
/// and the same code on a threaded target.
static DEFAULT_TIMEOUT: AtomicU64 = AtomicU64::new(NO_TIMEOUT);
const NO_TIMEOUT: u64 = u64::MAX;

/// `getdefaulttimeout()`: the timeout new sockets get, `None` (blocking)
/// unless [`setdefaulttimeout`] set one.
pub fn getdefaulttimeout() -> Option<f64> {
    match DEFAULT_TIMEOUT.load(Ordering::Relaxed) {
        NO_TIMEOUT => None,
        bits => Some(f64::from_bits(bits)),
    }
}

/// `setdefaulttimeout(timeout)`: the timeout that sockets created from now
/// on get ([`socket`], [`Socket::accept`], [`socketpair`], [`from_fd`],
/// [`create_connection`]). Existing sockets are unchanged.
///
/// # Errors
///
/// As [`Socket::settimeout`]: `ValueError` for a negative value or NaN,
/// `OverflowError` for one too large.
pub fn setdefaulttimeout(timeout: Option<f64>) -> Result<(), Error> {
    check_timeout(timeout)?;
    DEFAULT_TIMEOUT.store(timeout.map_or(NO_TIMEOUT, f64::to_bits), Ordering::Relaxed);
    Ok(())
}

/// CPython's checks of a timeout (`socket_parse_timeout`), in its order.
pub(crate) fn check_timeout(timeout: Option<f64>) -> Result<(), Error> {
    let Some(t) = timeout else { return Ok(()) };
    capsock_abi::check_timeout(t).map_err(|fault| match fault {
        capsock_abi::TimeoutFault::OutOfRange => Error::overflow(fault.message()),
        _ => Error::value(fault.message()),
    })
}

/// `create_connection(address, timeout, source_address)`: connect a new
/// `SOCK_STREAM` socket to `address`, usually `(host, port)`.
///
/// As Python: the address is resolved (a numeric host gives one candidate,
/// a name every result of the host's `getaddrinfo`), and each candidate is
/// tried in order — create a socket of its family, apply `timeout`, bind
/// `source_address` if given, connect — until one connects. A failed
/// attempt's socket is closed.
///
/// `timeout` `Some(t)` is applied to the socket before connecting;
/// `None` stands for Python's *omitted* timeout: the socket keeps the module
/// default ([`getdefaulttimeout`]). (Python's explicit `timeout=None` on
/// top of a module default has no spelling here: set the default to `None`
/// or call [`Socket::settimeout`] after connecting.)
///
/// # Errors
///
/// The last attempt's `OSError` (`ConnectionRefusedError`, `TimeoutError`,
/// …) when every candidate fails; the resolver's `gaierror`; a
/// `ValueError` from `timeout` (raised at once, as Python); `OSError
/// ("getaddrinfo returns an empty list")`.
pub fn create_connection(
    address: impl ToAddress,
    timeout: Option<f64>,
    source_address: Option<Address>,
) -> Result<Socket, Error> {
    connect_candidates(&address, timeout, source_address.as_ref(), false).map_err(|e| match e {
        ConnectError::Single(e) => e,
        // Not built for all_errors=false; kept total.
        ConnectError::Group(mut errors) => {
            errors.pop().unwrap_or_else(|| Error::os_message("create_connection failed"))
        }
    })
}

/// `create_connection(address, timeout, source_address, all_errors=True)`:
/// as [`create_connection`], but when every candidate fails the error is
/// [`ConnectError::Group`] with each attempt's error in order (Python's
/// `ExceptionGroup`). Errors Python raises outside the group (the
/// resolver's `gaierror`, a `ValueError`, an empty candidate list) are
/// [`ConnectError::Single`].
pub fn create_connection_all_errors(
    address: impl ToAddress,
    timeout: Option<f64>,
    source_address: Option<Address>,
) -> Result<Socket, ConnectError> {
    connect_candidates(&address, timeout, source_address.as_ref(), true)
}

/// Python's `create_connection` loop.
fn connect_candidates(
    address: &impl ToAddress,
    timeout: Option<f64>,
    source_address: Option<&Address>,
    all_errors: bool,
) -> Result<Socket, ConnectError> {
    let candidates = address.to_addrinfo(AF_UNSPEC, SOCK_STREAM)?;
    let mut errors = Vec::new();
    for candidate in candidates {
        let attempt = || -> Result<Socket, Error> {
            let sock = socket(candidate.family, candidate.type_, candidate.proto)?;
            if timeout.is_some() {
                sock.settimeout(timeout)?;
            }
            if let Some(source) = source_address.filter(|a| a.is_truthy()) {
                sock.bind(source)?;
            }
            sock.connect(&candidate.sockaddr)?;
            Ok(sock)
        };
        match attempt() {
            Ok(sock) => return Ok(sock),
            // Python's `except error`: OSError and its subclasses move on to
            // the next candidate (the socket was dropped, so closed); other
            // exceptions propagate.
            Err(e) if e.is_os_error() => errors.push(e),
            Err(e) => return Err(ConnectError::Single(e)),
        }
    }
    match errors.pop() {
        None => Err(ConnectError::Single(Error::os_message("getaddrinfo returns an empty list"))),
        Some(last) if !all_errors => Err(ConnectError::Single(last)),
        Some(last) => {
            errors.push(last);
            Err(ConnectError::Group(errors))
        }
    }
}

/// `htons(x)`: host to network (big-endian) byte order, 16 bits.
pub const fn htons(x: u16) -> u16 {
    x.to_be()
}

/// `ntohs(x)`: network to host byte order, 16 bits.
pub const fn ntohs(x: u16) -> u16 {
    u16::from_be(x)
}

/// `htonl(x)`: host to network (big-endian) byte order, 32 bits.
pub const fn htonl(x: u32) -> u32 {
    x.to_be()
}

/// `ntohl(x)`: network to host byte order, 32 bits.
pub const fn ntohl(x: u32) -> u32 {
    u32::from_be(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_timeout_round_trips_and_is_checked() {
        assert_eq!(getdefaulttimeout(), None);
        setdefaulttimeout(Some(2.5)).unwrap();
        assert_eq!(getdefaulttimeout(), Some(2.5));
        setdefaulttimeout(Some(0.0)).unwrap();
        assert_eq!(getdefaulttimeout(), Some(0.0));
        let e = setdefaulttimeout(Some(-1.0)).unwrap_err();
        assert_eq!((e.exception(), e.to_string().as_str()), ("ValueError", "Timeout value out of range"));
        assert_eq!(getdefaulttimeout(), Some(0.0));
        setdefaulttimeout(None).unwrap();
        assert_eq!(getdefaulttimeout(), None);
    }

    #[test]
    fn timeouts_are_checked_as_cpython() {
        assert!(check_timeout(None).is_ok());
        assert!(check_timeout(Some(0.0)).is_ok());
        assert!(check_timeout(Some(-0.0)).is_ok());
        assert!(check_timeout(Some(1e9)).is_ok());
        let e = check_timeout(Some(f64::NAN)).unwrap_err();
        assert_eq!((e.exception(), e.to_string().as_str()), ("ValueError", "Invalid value NaN (not a number)"));
        assert_eq!(check_timeout(Some(-0.5)).unwrap_err().to_string(), "Timeout value out of range");
        assert_eq!(check_timeout(Some(f64::INFINITY)).unwrap_err().exception(), "OverflowError");
        assert_eq!(check_timeout(Some(f64::NEG_INFINITY)).unwrap_err().exception(), "OverflowError");
        assert_eq!(check_timeout(Some(1e10)).unwrap_err().exception(), "OverflowError");
    }

    #[test]
    fn byte_order() {
        assert_eq!(htons(0x1234), 0x1234u16.to_be());
        assert_eq!(ntohs(htons(0x1234)), 0x1234);
        assert_eq!(htonl(1).to_ne_bytes(), [0, 0, 0, 1]);
        assert_eq!(ntohl(htonl(0xdead_beef)), 0xdead_beef);
    }

    #[test]
    fn constants_are_linuxs() {
        assert_eq!((AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM, SOCK_DGRAM), (2, 10, 1, 1, 2));
        assert_eq!((SOL_SOCKET, SO_REUSEADDR, IPPROTO_TCP, TCP_NODELAY, MSG_PEEK), (1, 2, 6, 1, 2));
        assert_eq!(errno::ECONNREFUSED, 111);
    }
}
