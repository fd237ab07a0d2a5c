//! `create_server`, and `socketpair` for `AF_INET`/`AF_INET6` over a
//! loopback listener (Python's fallback).

use crate::address::{Address, ToAddress};
use crate::error::{Error, ErrorKind};
use crate::socket::Socket;
use crate::{AF_INET, AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY, SO_REUSEADDR, SO_REUSEPORT, SOCK_STREAM, SOL_SOCKET};

/// Python's default `listen()` backlog: `min(SOMAXCONN, 128)`.
const DEFAULT_BACKLOG: i32 = 128;

/// `create_server(address, family=family, backlog=backlog,
/// reuse_port=reuse_port, dualstack_ipv6=dualstack_ipv6)`: a TCP socket
/// bound to `address` and listening.
///
/// As Python: `SO_REUSEADDR` is set (failures ignored), `SO_REUSEPORT` when
/// `reuse_port`; an `AF_INET6` socket gets `IPV6_V6ONLY` 1, or 0 with
/// `dualstack_ipv6` (which then also accepts IPv4 clients). `backlog`
/// `None` is Python's default. The socket is closed on any failure.
///
/// # Errors
///
/// `ValueError` for `dualstack_ipv6` without `AF_INET6` or host support;
/// `PermissionError` when the policy grants no `listen` on the address;
/// `OSError` from `bind`/`listen` (`EADDRINUSE`, …).
pub fn create_server(
    address: impl ToAddress,
    family: i32,
    backlog: Option<i32>,
    reuse_port: bool,
    dualstack_ipv6: bool,
) -> Result<Socket, Error> {
    if dualstack_ipv6 {
        if !crate::has_dualstack_ipv6() {
            return Err(Error::value("dualstack_ipv6 not supported on this platform"));
        }
        if family != AF_INET6 {
            return Err(Error::value("dualstack_ipv6 requires AF_INET6 family"));
        }
    }
    let sock = crate::socket(family, SOCK_STREAM, 0)?;
    let setup = || -> Result<(), Error> {
        // Python ignores a failure here (a policy may refuse the option).
        let _ = sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
        if reuse_port {
            sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1)?;
        }
        if family == AF_INET6 && crate::has_ipv6() {
            sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, i32::from(!dualstack_ipv6))?;
        }
        sock.bind(&address).map_err(|e| bind_error(e, &address, family))?;
        sock.listen(backlog.unwrap_or(DEFAULT_BACKLOG))
    };
    match setup() {
        Ok(()) => Ok(sock),
        Err(e) => {
            let _ = sock.close();
            Err(e)
        }
    }
}

/// CPython's `create_server` re-raises a bind error as `error(err.errno,
/// '%s (while attempting to bind on address %r)' % (err.strerror,
/// address))`. The address is shown as Python's `(host, port)` unless it
/// has a flowinfo or scope id (the argument itself is not kept).
fn bind_error(e: Error, address: &impl ToAddress, family: i32) -> Error {
    let (Some(_), ErrorKind::Os, Ok(addr)) = (e.errno(), e.kind(), address.to_address(family)) else { return e };
    let shown = match &addr {
        Address::Inet6(a) if a.flowinfo() == 0 && a.scope_id() == 0 => {
            format!("('{}', {})", capsock_abi::inet::inet_ntop6(*a.ip()), a.port())
        }
        other => other.to_string(),
    };
    e.with_suffix(&format!(" (while attempting to bind on address {shown})"))
}

/// Python's `socketpair` fallback for `AF_INET`/`AF_INET6`: a listener on
/// the loopback address and a connection to it, checked to be each
/// other's peers. Needs `listen tcp://127.0.0.1:0` (or `[::1]`) and
/// `connect tcp://127.0.0.1:*` grants.
pub(crate) fn inet_socketpair(family: i32, type_: i32, proto: i32) -> Result<(Socket, Socket), Error> {
    let host = match family {
        AF_INET => "127.0.0.1",
        AF_INET6 => "::1",
        _ => return Err(Error::value("Only AF_INET and AF_INET6 socket address families are supported")),
    };
    if type_ != SOCK_STREAM {
        return Err(Error::value("Only SOCK_STREAM socket type is supported"));
    }
    if proto != 0 {
        return Err(Error::value("Only protocol zero is supported"));
    }
    let lsock = crate::socket(family, type_, proto)?;
    lsock.bind((host, 0))?;
    lsock.listen(DEFAULT_BACKLOG)?;
    let addr = lsock.getsockname()?;
    let csock = crate::socket(family, type_, proto)?;
    csock.setblocking(false)?;
    match csock.connect(&addr) {
        Ok(()) => {}
        Err(e) if e.is_blocking() => {}
        Err(e) => return Err(e),
    }
    csock.setblocking(true)?;
    let (ssock, _) = lsock.accept()?;
    lsock.close()?;
    // Authenticate: something else able to connect to the port could have
    // been accepted instead of `csock`.
    if ssock.getsockname()? != csock.getpeername()? || csock.getsockname()? != ssock.getpeername()? {
        return Err(Error::os_message("Unexpected peer connection"));
    }
    Ok((ssock, csock))
}
