//! [`Error`]: every failure, shaped like the Python exception it stands for.

use crate::bindings::capsock::socket::types as wit;
use crate::errno;
use std::fmt;
use std::io;

/// Which family of Python exception an [`Error`] is, before its errno picks
/// the exact class (see [`Error::exception`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `OSError`, or the subclass Python picks for the errno
    /// (`ConnectionRefusedError` for `ECONNREFUSED`, …).
    Os,
    /// `TimeoutError` (`socket.timeout`): a socket timeout expired.
    Timeout,
    /// `socket.gaierror`: a `getaddrinfo` failure; the errno is an `EAI_*`
    /// code (negative, glibc numbering).
    Gai,
    /// `socket.herror`: a `gethostby*` failure; the errno is an `h_errno`.
    Herror,
    /// `ValueError`: an argument outside its domain.
    Value,
    /// `OverflowError`: a number too large for the type it must fit.
    Overflow,
    /// `TypeError`: an argument of the wrong kind (an `AF_INET` socket given a
    /// path, …).
    Type,
    /// `ssl.SSLError` (a TLS failure with no narrower class).
    Ssl,
    /// `ssl.SSLCertVerificationError`: the peer's certificate did not
    /// verify ([`Error::verify_code`], [`Error::verify_message`]).
    SslCertVerification,
    /// `ssl.SSLZeroReturnError`: the peer closed the TLS session.
    SslZeroReturn,
    /// `ssl.SSLWantReadError`: a non-blocking session needs input.
    SslWantRead,
    /// `ssl.SSLWantWriteError`: a non-blocking session must send first.
    SslWantWrite,
    /// `ssl.SSLEOFError`: the transport ended inside a TLS record.
    SslEof,
}

/// Every failure of this crate: one Python exception.
///
/// [`Display`](fmt::Display) is exactly Python's `str(e)`:
/// `[Errno 111] Connection refused`, `timed out`,
/// `[Errno -2] Name or service not known`, or the bare message of a
/// `ValueError`. [`exception`](Error::exception) names the class Python would
/// raise, and a policy denial (`PermissionError`, errno `EACCES`) carries the
/// [`rule`](Error::rule) that decided.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Error {
    kind: ErrorKind,
    /// 0 when the exception has no errno (`OSError("message")`, `ValueError`).
    errno: i32,
    name: String,
    message: String,
    rule: Option<String>,
}

impl Error {
    /// `OSError(errno, strerror(errno))`: the class follows the errno as in
    /// Python (`Error::os(errno::ECONNREFUSED)` is a
    /// `ConnectionRefusedError`).
    pub fn os(errno: i32) -> Self {
        Self::with_errno(ErrorKind::Os, errno, capsock_abi::errno_name(errno), capsock_abi::strerror(errno))
    }

    /// `OSError(message)`: an `OSError` without an errno, as CPython raises
    /// for some argument checks (`"AF_UNIX path too long"`).
    pub fn os_message(message: impl Into<String>) -> Self {
        Self::plain(ErrorKind::Os, message)
    }

    /// `TimeoutError('timed out')`, what a socket with a timeout raises.
    pub fn timeout() -> Self {
        Self::plain(ErrorKind::Timeout, "timed out")
    }

    /// `socket.gaierror(code, gai_strerror(code))` for an `EAI_*` code.
    pub fn gai(code: i32) -> Self {
        let (name, message) = capsock_abi::gai_error(code);
        Self::with_errno(ErrorKind::Gai, code, name, message)
    }

    /// `socket.herror(code, hstrerror(code))` for an `h_errno` value.
    pub fn herror(code: i32) -> Self {
        let (name, message) = capsock_abi::h_error(code);
        Self::with_errno(ErrorKind::Herror, code, name, message)
    }

    /// `ValueError(message)`.
    pub fn value(message: impl Into<String>) -> Self {
        Self::plain(ErrorKind::Value, message)
    }

    /// `OverflowError(message)`.
    pub fn overflow(message: impl Into<String>) -> Self {
        Self::plain(ErrorKind::Overflow, message)
    }

    /// `TypeError(message)`.
    pub fn type_error(message: impl Into<String>) -> Self {
        Self::plain(ErrorKind::Type, message)
    }

    /// `ssl.SSLError(message)` (errno `SSL_ERROR_SSL`, 1).
    pub fn ssl(message: impl Into<String>) -> Self {
        Error { kind: ErrorKind::Ssl, errno: 1, name: String::new(), message: message.into(), rule: None }
    }

    /// For `SSLCertVerificationError`: OpenSSL's verify code (20: unable to
    /// get the local issuer certificate, 62: hostname mismatch, 10:
    /// expired), Python's `e.verify_code`.
    pub fn verify_code(&self) -> Option<i32> {
        (self.kind == ErrorKind::SslCertVerification).then_some(self.errno)
    }

    /// For `SSLCertVerificationError`: Python's `e.verify_message`
    /// (`"unable to get local issuer certificate"`).
    pub fn verify_message(&self) -> Option<&str> {
        if self.kind != ErrorKind::SslCertVerification {
            return None;
        }
        Some(self.message.split_once("certificate verify failed: ").map_or(self.message.as_str(), |(_, m)| m))
    }

    fn with_errno(kind: ErrorKind, errno: i32, name: &str, message: &str) -> Self {
        Error { kind, errno, name: name.to_string(), message: message.to_string(), rule: None }
    }

    fn plain(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, errno: 0, name: String::new(), message: message.into(), rule: None }
    }

    /// The same exception with `suffix` appended to its message (CPython's
    /// `create_server` names the address it failed to bind).
    pub(crate) fn with_suffix(mut self, suffix: &str) -> Self {
        self.message.push_str(suffix);
        self
    }

    /// CPython names the method in some argument errors (`connect():
    /// AF_INET address must be tuple, not str`); address conversion does
    /// not know the method, so the socket method adds it.
    pub(crate) fn with_caller(mut self, caller: &str) -> Self {
        self.message = format!("{caller}(): {}", self.message);
        self
    }

    /// Which family of exception this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The Python exception class this error stands for: `"OSError"` or the
    /// PEP 3151 subclass its errno selects (`"ConnectionRefusedError"`,
    /// `"BlockingIOError"`, `"PermissionError"`, …), `"TimeoutError"`,
    /// `"gaierror"`, `"herror"`, `"ValueError"`, `"OverflowError"` or
    /// `"TypeError"`.
    pub fn exception(&self) -> &'static str {
        match self.kind {
            ErrorKind::Os => capsock_abi::exception_for_errno(self.errno),
            ErrorKind::Timeout => "TimeoutError",
            ErrorKind::Gai => "gaierror",
            ErrorKind::Herror => "herror",
            ErrorKind::Value => "ValueError",
            ErrorKind::Overflow => "OverflowError",
            ErrorKind::Type => "TypeError",
            ErrorKind::Ssl => "SSLError",
            ErrorKind::SslCertVerification => "SSLCertVerificationError",
            ErrorKind::SslZeroReturn => "SSLZeroReturnError",
            ErrorKind::SslWantRead => "SSLWantReadError",
            ErrorKind::SslWantWrite => "SSLWantWriteError",
            ErrorKind::SslEof => "SSLEOFError",
        }
    }

    /// Python's `e.errno`: the Linux errno of an `OSError`, the `EAI_*` code
    /// of a `gaierror`, the `h_errno` of an `herror`. `None` for
    /// `TimeoutError` (whose `errno` is `None` in Python too), the
    /// non-`OSError` kinds and an `OSError` raised with a message only.
    pub fn errno(&self) -> Option<i32> {
        match self.kind {
            ErrorKind::Os | ErrorKind::Gai | ErrorKind::Herror if self.errno != 0 => Some(self.errno),
            // `SSL_ERROR_SSL` (1) for a verification failure, as in Python.
            ErrorKind::SslCertVerification => Some(1),
            ErrorKind::Ssl
            | ErrorKind::SslZeroReturn
            | ErrorKind::SslWantRead
            | ErrorKind::SslWantWrite
            | ErrorKind::SslEof => Some(self.errno),
            _ => None,
        }
    }

    fn is_ssl(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Ssl
                | ErrorKind::SslCertVerification
                | ErrorKind::SslZeroReturn
                | ErrorKind::SslWantRead
                | ErrorKind::SslWantWrite
                | ErrorKind::SslEof
        )
    }

    /// The symbolic name of the errno (`"ECONNREFUSED"`, `"EAI_NONAME"`),
    /// or `""` when there is none.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Python's `e.strerror` when there is an errno, else the whole message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// For a denial by the host's capability policy: the rule that decided
    /// (or `"default deny"`).
    pub fn rule(&self) -> Option<&str> {
        self.rule.as_deref()
    }

    /// Whether this is a `TimeoutError` from a socket timeout.
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }

    /// Whether this is a `BlockingIOError`: a non-blocking socket's call
    /// would block (`EAGAIN`), or a connect is in progress (`EINPROGRESS`,
    /// `EALREADY`).
    pub fn is_blocking(&self) -> bool {
        self.exception() == "BlockingIOError"
    }

    /// Whether Python's `except OSError` catches this (`OSError` and its
    /// subclasses, `TimeoutError`, `gaierror`, `herror`).
    pub fn is_os_error(&self) -> bool {
        matches!(self.kind, ErrorKind::Os | ErrorKind::Timeout | ErrorKind::Gai | ErrorKind::Herror) || self.is_ssl()
    }

    /// The io::ErrorKind closest to this exception.
    fn io_kind(&self) -> io::ErrorKind {
        use io::ErrorKind as K;
        match self.kind {
            ErrorKind::Timeout => K::TimedOut,
            ErrorKind::Value | ErrorKind::Overflow | ErrorKind::Type => K::InvalidInput,
            ErrorKind::Gai | ErrorKind::Herror => K::Other,
            ErrorKind::SslWantRead | ErrorKind::SslWantWrite => K::WouldBlock,
            ErrorKind::SslEof => K::UnexpectedEof,
            ErrorKind::Ssl | ErrorKind::SslCertVerification | ErrorKind::SslZeroReturn => K::Other,
            ErrorKind::Os => match self.errno {
                errno::EAGAIN => K::WouldBlock,
                errno::ECONNREFUSED => K::ConnectionRefused,
                errno::ECONNRESET => K::ConnectionReset,
                errno::ECONNABORTED => K::ConnectionAborted,
                errno::ENOTCONN => K::NotConnected,
                errno::EADDRINUSE => K::AddrInUse,
                errno::EADDRNOTAVAIL => K::AddrNotAvailable,
                errno::ENETUNREACH => K::NetworkUnreachable,
                errno::EHOSTUNREACH => K::HostUnreachable,
                errno::ENETDOWN => K::NetworkDown,
                errno::EPIPE | errno::ESHUTDOWN => K::BrokenPipe,
                errno::EACCES | errno::EPERM => K::PermissionDenied,
                errno::ENOENT => K::NotFound,
                errno::EEXIST => K::AlreadyExists,
                errno::EINTR => K::Interrupted,
                errno::EINVAL => K::InvalidInput,
                errno::ETIMEDOUT => K::TimedOut,
                errno::ENOMEM | errno::ENOBUFS => K::OutOfMemory,
                errno::EOPNOTSUPP | errno::ENOSYS | errno::EAFNOSUPPORT | errno::EPROTONOSUPPORT => K::Unsupported,
                errno::EISDIR => K::IsADirectory,
                errno::ENOTDIR => K::NotADirectory,
                errno::EROFS => K::ReadOnlyFilesystem,
                errno::ENAMETOOLONG => K::InvalidFilename,
                errno::EMSGSIZE => K::InvalidInput,
                _ => K::Other,
            },
        }
    }
}

impl fmt::Display for Error {
    /// Python's `str(e)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // An `ssl` error's str is its reason text (`[SSL: ...] ...`).
        match self.errno() {
            Some(errno) if !self.is_ssl() => write!(f, "[Errno {errno}] {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}

/// The host's error as is; an errno name the host left empty is filled in
/// so that [`Error::name`] is the same whoever built the error.
#[doc(hidden)]
impl From<wit::Error> for Error {
    fn from(e: wit::Error) -> Self {
        let kind = match e.kind {
            wit::ErrorKind::Os => ErrorKind::Os,
            wit::ErrorKind::Timeout => ErrorKind::Timeout,
            wit::ErrorKind::Gai => ErrorKind::Gai,
            wit::ErrorKind::Herror => ErrorKind::Herror,
            wit::ErrorKind::Value => ErrorKind::Value,
            wit::ErrorKind::Overflow => ErrorKind::Overflow,
            wit::ErrorKind::TypeError => ErrorKind::Type,
            wit::ErrorKind::Ssl => ErrorKind::Ssl,
            wit::ErrorKind::SslCertVerification => ErrorKind::SslCertVerification,
            wit::ErrorKind::SslZeroReturn => ErrorKind::SslZeroReturn,
            wit::ErrorKind::SslWantRead => ErrorKind::SslWantRead,
            wit::ErrorKind::SslWantWrite => ErrorKind::SslWantWrite,
            wit::ErrorKind::SslEof => ErrorKind::SslEof,
        };
        let mut name = e.name;
        if name.is_empty() && e.errno != 0 {
            name = match kind {
                ErrorKind::Os => capsock_abi::errno_name(e.errno),
                ErrorKind::Gai => capsock_abi::gai_error(e.errno).0,
                ErrorKind::Herror => capsock_abi::h_error(e.errno).0,
                _ => "",
            }
            .to_string();
        }
        let mut message = e.message;
        if message.is_empty() && kind == ErrorKind::Timeout {
            message = "timed out".to_string();
        }
        Error { kind, errno: e.errno, name, message, rule: e.rule }
    }
}

impl From<Error> for io::Error {
    /// An `io::Error` of the closest [`io::ErrorKind`] (timeout → `TimedOut`,
    /// `EAGAIN` → `WouldBlock`, `ECONNREFUSED` → `ConnectionRefused`, …)
    /// that wraps the [`Error`]: `get_ref()` and `downcast` give it back.
    fn from(e: Error) -> Self {
        io::Error::new(e.io_kind(), e)
    }
}

/// What [`create_connection_all_errors`](crate::create_connection_all_errors)
/// fails with: Python's `ExceptionGroup`, or an exception Python raises
/// outside the group.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ConnectError {
    /// `ExceptionGroup("create_connection failed", errors)`: every candidate
    /// address was tried and each attempt's `OSError` is here, in order.
    Group(Vec<Error>),
    /// An exception raised directly: the resolver's `gaierror`, a
    /// `ValueError` from the timeout, or `OSError("getaddrinfo returns an
    /// empty list")`.
    Single(Error),
}

impl ConnectError {
    /// Every error, in the order the attempts failed (one for
    /// [`Single`](ConnectError::Single)).
    pub fn errors(&self) -> &[Error] {
        match self {
            ConnectError::Group(errors) => errors,
            ConnectError::Single(e) => std::slice::from_ref(e),
        }
    }

    /// The Python class: `"ExceptionGroup"` or the single error's class.
    pub fn exception(&self) -> &'static str {
        match self {
            ConnectError::Group(_) => "ExceptionGroup",
            ConnectError::Single(e) => e.exception(),
        }
    }
}

impl From<Error> for ConnectError {
    fn from(e: Error) -> Self {
        ConnectError::Single(e)
    }
}

impl fmt::Display for ConnectError {
    /// Python's `str(e)`: `create_connection failed (2 sub-exceptions)` for
    /// a group.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Group(errors) => {
                let n = errors.len();
                write!(f, "create_connection failed ({n} sub-exception{})", if n == 1 { "" } else { "s" })
            }
            ConnectError::Single(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The group's text does not include its members: point at the
            // last, the one `create_connection` itself would raise.
            ConnectError::Group(errors) => errors.last().map(|e| e as _),
            ConnectError::Single(_) => None,
        }
    }
}

impl From<ConnectError> for io::Error {
    /// The io kind of the last error (the one `create_connection` raises),
    /// wrapping the whole [`ConnectError`].
    fn from(e: ConnectError) -> Self {
        let kind = e.errors().last().map_or(io::ErrorKind::Other, Error::io_kind);
        io::Error::new(kind, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wit_error(kind: wit::ErrorKind, errno: i32, message: &str) -> wit::Error {
        wit::Error { kind, errno, name: String::new(), message: message.to_string(), rule: None }
    }

    #[test]
    fn display_is_pythons_str() {
        assert_eq!(Error::os(errno::ECONNREFUSED).to_string(), "[Errno 111] Connection refused");
        assert_eq!(Error::timeout().to_string(), "timed out");
        assert_eq!(Error::gai(-2).to_string(), "[Errno -2] Name or service not known");
        assert_eq!(Error::herror(1).to_string(), "[Errno 1] Unknown host");
        assert_eq!(Error::value("Timeout value out of range").to_string(), "Timeout value out of range");
        assert_eq!(Error::os_message("AF_UNIX path too long").to_string(), "AF_UNIX path too long");
    }

    #[test]
    fn exception_classes() {
        assert_eq!(Error::os(errno::ECONNREFUSED).exception(), "ConnectionRefusedError");
        assert_eq!(Error::os(errno::EAGAIN).exception(), "BlockingIOError");
        assert_eq!(Error::os(errno::EBADF).exception(), "OSError");
        assert_eq!(Error::os_message("x").exception(), "OSError");
        assert_eq!(Error::timeout().exception(), "TimeoutError");
        assert_eq!(Error::gai(-9).exception(), "gaierror");
        assert_eq!(Error::herror(1).exception(), "herror");
        assert_eq!(Error::value("x").exception(), "ValueError");
        assert_eq!(Error::overflow("x").exception(), "OverflowError");
        assert_eq!(Error::type_error("x").exception(), "TypeError");
        assert!(Error::os(errno::EINPROGRESS).is_blocking());
        assert!(Error::timeout().is_timeout() && Error::timeout().is_os_error());
        assert!(!Error::value("x").is_os_error());
    }

    #[test]
    fn errno_and_name() {
        let e = Error::os(errno::EACCES);
        assert_eq!((e.errno(), e.name(), e.message()), (Some(13), "EACCES", "Permission denied"));
        assert_eq!(Error::gai(-9).name(), "EAI_ADDRFAMILY");
        assert_eq!(Error::timeout().errno(), None);
        assert_eq!(Error::value("x").errno(), None);
        assert_eq!(Error::os_message("x").errno(), None);
        assert_eq!(Error::value("x").kind(), ErrorKind::Value);
    }

    #[test]
    fn from_wit_keeps_everything_and_fills_names() {
        let mut w = wit_error(wit::ErrorKind::Os, 13, "Permission denied");
        w.rule = Some("default deny".to_string());
        let e = Error::from(w);
        assert_eq!(e.exception(), "PermissionError");
        assert_eq!(e.rule(), Some("default deny"));
        assert_eq!(e.name(), "EACCES");
        assert_eq!(e.to_string(), "[Errno 13] Permission denied");
        let e = Error::from(wit_error(wit::ErrorKind::Gai, -2, "Name or service not known"));
        assert_eq!(e.name(), "EAI_NONAME");
        let e = Error::from(wit_error(wit::ErrorKind::Timeout, 0, ""));
        assert_eq!(e.to_string(), "timed out");
        let e = Error::from(wit_error(wit::ErrorKind::TypeError, 0, "bad"));
        assert_eq!((e.exception(), e.to_string().as_str()), ("TypeError", "bad"));
    }

    #[test]
    fn io_error_conversion_keeps_kind_and_message() {
        let io: io::Error = Error::timeout().into();
        assert_eq!(io.kind(), io::ErrorKind::TimedOut);
        assert_eq!(io.to_string(), "timed out");
        let io: io::Error = Error::os(errno::EAGAIN).into();
        assert_eq!(io.kind(), io::ErrorKind::WouldBlock);
        let io: io::Error = Error::os(errno::ECONNREFUSED).into();
        assert_eq!(io.kind(), io::ErrorKind::ConnectionRefused);
        assert_eq!(io.to_string(), "[Errno 111] Connection refused");
        let back = io.get_ref().and_then(|e| e.downcast_ref::<Error>()).cloned();
        assert_eq!(back, Some(Error::os(errno::ECONNREFUSED)));
        let io: io::Error = Error::value("x").into();
        assert_eq!(io.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn connect_error_group() {
        let g = ConnectError::Group(vec![Error::os(111), Error::timeout()]);
        assert_eq!(g.to_string(), "create_connection failed (2 sub-exceptions)");
        assert_eq!(g.exception(), "ExceptionGroup");
        assert_eq!(g.errors().len(), 2);
        assert_eq!(ConnectError::Group(vec![Error::os(111)]).to_string(), "create_connection failed (1 sub-exception)");
        let io: io::Error = g.into();
        assert_eq!(io.kind(), io::ErrorKind::TimedOut);
        let s = ConnectError::from(Error::gai(-2));
        assert_eq!((s.exception(), s.to_string().as_str()), ("gaierror", "[Errno -2] Name or service not known"));
    }
}
