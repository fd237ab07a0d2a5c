//! The host's error type: a Python-style error for the guest, or a trap.
//!
//! The model is wasmtime-wasi's `TrappableError<T>`: the socket core speaks
//! [`SockError`] and never names a generated WIT type; only the bindings
//! layer (`bindings.rs`) turns a [`GuestError`] into the WIT `error` record.
//! That keeps the core free of the bindings (no bindings ↔ error ↔ net
//! import circle) and lets every layer build errors the same way.
//!
//! Every OS error passes through [`SockError::from_io`], which uses the one
//! errno table in `capsock-abi`. capsock's WIT speaks Linux errno numbers; on
//! a Linux host `raw_os_error` already is one, which is the only host OS this
//! crate builds its socket layer for.

use capsock_abi::errno;
use std::fmt;

/// Which Python exception a [`GuestError`] stands for (the WIT's
/// `error-kind`, one to one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Os,
    Timeout,
    Gai,
    Herror,
    Value,
    Overflow,
    #[expect(dead_code, reason = "the WIT's error-kind, kept one to one; no host path raises TypeError yet")]
    TypeError,
    /// `ssl.SSLError`.
    Ssl,
    /// `ssl.SSLCertVerificationError` (errno: the verify code).
    SslCertVerification,
    /// `ssl.SSLZeroReturnError`.
    #[expect(dead_code, reason = "the WIT's error-kind, kept one to one; recv reports a closed session as b''")]
    SslZeroReturn,
    /// `ssl.SSLWantReadError`.
    SslWantRead,
    /// `ssl.SSLWantWriteError`.
    SslWantWrite,
    /// `ssl.SSLEOFError`.
    SslEof,
}

/// An error the guest sees as a Python exception (the WIT `error` record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestError {
    pub kind: Kind,
    /// Linux errno for `Os`, `EAI_*` for `Gai`, `h_errno` for `Herror`.
    pub errno: i32,
    /// The symbolic name of `errno`, or empty.
    pub name: String,
    /// Python's `str(e)` after `[Errno N] `.
    pub message: String,
    /// For policy decisions and limits: what decided.
    pub rule: Option<String>,
}

/// What a host function returns on failure.
///
/// `Guest` becomes the WIT `error` the guest sees as a Python exception;
/// `Trap` ends the guest instance (only that one) — used for faults that no
/// well-behaved SDK can cause, such as a handle that is not in the table.
pub enum SockError {
    Guest(GuestError),
    Trap(wasmtime::Error),
}

/// The result type of every fallible host socket function.
pub type SockResult<T> = Result<T, SockError>;

impl SockError {
    /// An `OSError` with a Linux errno and its standard message.
    pub fn os(errno: i32) -> Self {
        Self::os_msg(errno, capsock_abi::strerror(errno).to_string())
    }

    /// An `OSError` with a Linux errno and a message of our own.
    pub fn os_msg(errno: i32, message: impl Into<String>) -> Self {
        SockError::Guest(GuestError {
            kind: Kind::Os,
            errno,
            name: capsock_abi::errno_name(errno).to_string(),
            message: message.into(),
            rule: None,
        })
    }

    /// `TimeoutError('timed out')`, as raised by a socket with a timeout.
    pub fn timeout() -> Self {
        SockError::Guest(GuestError {
            kind: Kind::Timeout,
            errno: 0,
            name: String::new(),
            message: "timed out".to_string(),
            rule: None,
        })
    }

    /// `BlockingIOError(EAGAIN)`: a non-blocking call would block.
    pub fn would_block() -> Self {
        Self::os(errno::EAGAIN)
    }

    /// One of Python's `ssl` errors: `errno` as CPython's `ssl` module
    /// gives it (`SSL_ERROR_*`, or the verify code), `reason` its name.
    pub fn ssl(kind: Kind, errno: i32, reason: &str, message: impl Into<String>) -> Self {
        SockError::Guest(GuestError { kind, errno, name: reason.to_string(), message: message.into(), rule: None })
    }

    /// `ValueError(message)`.
    pub fn value(message: impl Into<String>) -> Self {
        Self::plain(Kind::Value, message)
    }

    /// The error CPython raises for a refused timeout (`settimeout`'s
    /// wording for a negative one).
    pub fn timeout_fault(fault: capsock_abi::TimeoutFault) -> Self {
        match fault {
            capsock_abi::TimeoutFault::OutOfRange => Self::overflow(fault.message()),
            _ => Self::value(fault.message()),
        }
    }

    /// `OverflowError(message)`.
    pub fn overflow(message: impl Into<String>) -> Self {
        Self::plain(Kind::Overflow, message)
    }

    /// `socket.gaierror` with glibc's `EAI_*` code and text.
    pub fn gai(code: i32) -> Self {
        let (name, message) = capsock_abi::gai_error(code);
        SockError::Guest(GuestError {
            kind: Kind::Gai,
            errno: code,
            name: name.to_string(),
            message: message.to_string(),
            rule: None,
        })
    }

    /// `socket.herror` with an `h_errno` value and its text.
    pub fn herror(code: i32) -> Self {
        let (name, message) = capsock_abi::h_error(code);
        SockError::Guest(GuestError {
            kind: Kind::Herror,
            errno: code,
            name: name.to_string(),
            message: message.to_string(),
            rule: None,
        })
    }

    fn plain(kind: Kind, message: impl Into<String>) -> Self {
        SockError::Guest(GuestError { kind, errno: 0, name: String::new(), message: message.into(), rule: None })
    }

    /// `PermissionError` for a policy denial. The message names the
    /// operation, what it named, and the rule that decided, so a guest author
    /// can see at once which grant is missing.
    pub fn denied(what: impl fmt::Display, reason: &str) -> Self {
        let reason = reason.to_string();
        SockError::Guest(GuestError {
            kind: Kind::Os,
            errno: errno::EACCES,
            name: "EACCES".to_string(),
            message: format!("Permission denied by capsock policy: {what} ({reason})"),
            rule: Some(reason),
        })
    }

    /// `PermissionError` for something no rule can grant (a raw socket, a
    /// limit), with the reason as its message.
    pub fn refused(errno: i32, message: impl Into<String>) -> Self {
        let message = message.into();
        SockError::Guest(GuestError {
            kind: Kind::Os,
            errno,
            name: capsock_abi::errno_name(errno).to_string(),
            rule: Some(message.clone()),
            message,
        })
    }

    /// `PermissionError` with its own message and a short `rule` (what an
    /// audit line and `Error::rule()` show).
    pub fn refused_with_rule(errno: i32, rule: String, message: String) -> Self {
        SockError::Guest(GuestError {
            kind: Kind::Os,
            errno,
            name: capsock_abi::errno_name(errno).to_string(),
            rule: Some(rule),
            message,
        })
    }

    /// What decided, for policy and limit errors.
    pub fn rule(&self) -> Option<String> {
        match self {
            SockError::Guest(e) => e.rule.clone(),
            SockError::Trap(_) => None,
        }
    }

    /// A limit reached: `errno`'s text, then which limit (`rule`, e.g.
    /// `limit max_connections=2`).
    pub fn limit(errno: i32, rule: String) -> Self {
        SockError::Guest(GuestError {
            kind: Kind::Os,
            errno,
            name: capsock_abi::errno_name(errno).to_string(),
            message: format!("{}: capsock {rule} reached", capsock_abi::strerror(errno)),
            rule: Some(rule),
        })
    }

    /// Map an OS error. Errors without an errno (never expected from
    /// socket calls) become `EIO` with the error's text rather than a trap.
    pub fn from_io(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::TimedOut && err.raw_os_error().is_none() {
            return Self::timeout();
        }
        match err.raw_os_error() {
            Some(code) => Self::os(linux_errno(code)),
            None => Self::os_msg(errno::EIO, err.to_string()),
        }
    }

    /// The kind of a guest-visible error (none for a trap).
    pub fn kind(&self) -> Option<Kind> {
        match self {
            SockError::Guest(e) => Some(e.kind),
            SockError::Trap(_) => None,
        }
    }

    /// The Linux errno, for `os` errors.
    pub fn errno(&self) -> Option<i32> {
        match self {
            SockError::Guest(e) if e.kind == Kind::Os => Some(e.errno),
            _ => None,
        }
    }
}

/// Translate a host errno to Linux numbering.
#[cfg(target_os = "linux")]
fn linux_errno(code: i32) -> i32 {
    code
}

#[cfg(not(target_os = "linux"))]
compile_error!("capsock-host's socket layer targets Linux hosts (errno and option numbers)");

impl From<std::io::Error> for SockError {
    fn from(err: std::io::Error) -> Self {
        Self::from_io(err)
    }
}

impl From<wasmtime::Error> for SockError {
    fn from(err: wasmtime::Error) -> Self {
        SockError::Trap(err)
    }
}

impl From<wasmtime::component::ResourceTableError> for SockError {
    fn from(err: wasmtime::component::ResourceTableError) -> Self {
        SockError::Trap(wasmtime::Error::from(err))
    }
}

impl fmt::Debug for SockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SockError::Guest(e) => write!(f, "{:?} [{} {}] {}", e.kind, e.errno, e.name, e.message),
            SockError::Trap(e) => write!(f, "trap: {e:?}"),
        }
    }
}
