//! Host bindings generated from `wit/capsock.wit`.
//!
//! Every import is `async` on the host (the guest still sees a blocking
//! call) and `trappable`, so a host function can end its own instance for a
//! fault no SDK can cause (a handle that is not in the table).

wasmtime::component::bindgen!({
    path: "../wit",
    world: "capsock:socket/imports",
    imports: { default: async | trappable },
    trappable_error_type: {
        "capsock:socket/types.error" => crate::error::SockError,
    },
    with: {
        "capsock:socket/sockets.socket": crate::net::SocketHandle,
        "capsock:socket/tls.tls-socket": crate::tls::TlsHandle,
    },
});

use crate::ctx::CapsockCtxView;
use crate::error::{GuestError, Kind, SockError};
use capsock::socket::types::{Error, ErrorKind};

/// The one place a core error becomes the WIT `error` record (or a trap).
impl capsock::socket::types::Host for CapsockCtxView<'_> {
    fn convert_error(&mut self, err: SockError) -> wasmtime::Result<Error> {
        match err {
            SockError::Guest(e) => Ok(to_wit(e)),
            SockError::Trap(e) => Err(e),
        }
    }
}

fn to_wit(e: GuestError) -> Error {
    let kind = match e.kind {
        Kind::Os => ErrorKind::Os,
        Kind::Timeout => ErrorKind::Timeout,
        Kind::Gai => ErrorKind::Gai,
        Kind::Herror => ErrorKind::Herror,
        Kind::Value => ErrorKind::Value,
        Kind::Overflow => ErrorKind::Overflow,
        Kind::TypeError => ErrorKind::TypeError,
        Kind::Ssl => ErrorKind::Ssl,
        Kind::SslCertVerification => ErrorKind::SslCertVerification,
        Kind::SslZeroReturn => ErrorKind::SslZeroReturn,
        Kind::SslWantRead => ErrorKind::SslWantRead,
        Kind::SslWantWrite => ErrorKind::SslWantWrite,
        Kind::SslEof => ErrorKind::SslEof,
    };
    Error { kind, errno: e.errno, name: e.name, message: e.message, rule: e.rule }
}
