//! The numbers both sides of capsock's WIT agree on.
//!
//! capsock's contract (`wit/capsock.wit`) uses Linux's numbering for every
//! integer constant and errno, whatever OS the host runs on. This crate is the
//! one place those numbers live: the host maps OS errors through
//! [`ERRNO_TABLE`], and the guest SDK re-exports [`consts`] and picks Python's
//! exception class with [`exception_for_errno`].
//!
//! The tables in `generated.rs` are produced by `abi/gen/gen_tables.py` from
//! CPython on Linux, so names, numbers and messages are exactly the ones
//! Python shows.
//!
//! [`inet`] is the one copy of glibc's address text parsers and IPv6
//! formatter, which both sides need: the SDK for Python's `inet_*`
//! functions, the host for the numeric hosts its resolver answers.
#![no_std]

extern crate alloc;

mod generated;
pub mod inet;

pub use generated::{ERRNO_TABLE, GAI_TABLE, HERROR_TABLE, consts, errno};

/// The strerror text of a Linux errno, as Python's `str(OSError)` shows it.
///
/// Unknown numbers get glibc's `"Unknown error N"` shape, minus the number
/// (the caller has it), so that a message is never empty.
pub fn strerror(errno: i32) -> &'static str {
    lookup(ERRNO_TABLE, errno).map_or("Unknown error", |(_, msg)| msg)
}

/// The symbolic name of a Linux errno (`111` → `"ECONNREFUSED"`), or `""`.
pub fn errno_name(errno: i32) -> &'static str {
    lookup(ERRNO_TABLE, errno).map_or("", |(name, _)| name)
}

/// The Linux errno with this symbolic name.
pub fn errno_by_name(name: &str) -> Option<i32> {
    ERRNO_TABLE.iter().find(|(_, n, _)| *n == name).map(|(num, _, _)| *num)
}

/// `gai_strerror(code)` for an `EAI_*` code, and its name.
pub fn gai_error(code: i32) -> (&'static str, &'static str) {
    lookup(GAI_TABLE, code).unwrap_or(("", "Unknown error"))
}

/// `hstrerror(code)` for an `h_errno` value, and its name.
pub fn h_error(code: i32) -> (&'static str, &'static str) {
    lookup(HERROR_TABLE, code).unwrap_or(("", "Resolver internal error"))
}

fn lookup(table: &'static [(i32, &'static str, &'static str)], num: i32) -> Option<(&'static str, &'static str)> {
    table.iter().find(|(n, _, _)| *n == num).map(|(_, name, msg)| (*name, *msg))
}

/// Why a timeout (in seconds) is refused, in the order CPython checks:
/// NaN, then the range of its nanosecond clock, then the sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutFault {
    /// `ValueError`.
    NotANumber,
    /// `OverflowError`.
    OutOfRange,
    /// `ValueError`; its text depends on the caller (`settimeout` and
    /// `select` word it differently), so [`TimeoutFault::message`] gives
    /// `settimeout`'s.
    Negative,
}

impl TimeoutFault {
    /// CPython's message (for `Negative`, the one `settimeout` uses).
    pub fn message(self) -> &'static str {
        match self {
            TimeoutFault::NotANumber => "Invalid value NaN (not a number)",
            TimeoutFault::OutOfRange => "timestamp out of range for platform time_t",
            TimeoutFault::Negative => "Timeout value out of range",
        }
    }
}

/// CPython's checks of a timeout in seconds (`_PyTime_FromSecondsObject`
/// into an `i64` of nanoseconds, then the sign), in its order.
///
/// # Errors
/// The first check that fails.
pub fn check_timeout(seconds: f64) -> Result<(), TimeoutFault> {
    const LIMIT: f64 = (1u64 << 63) as f64;
    if seconds.is_nan() {
        return Err(TimeoutFault::NotANumber);
    }
    if !(-LIMIT..LIMIT).contains(&(seconds * 1e9)) {
        return Err(TimeoutFault::OutOfRange);
    }
    if seconds < 0.0 {
        return Err(TimeoutFault::Negative);
    }
    Ok(())
}

/// `CMSG_LEN(length)` in the layout the WIT measures ancillary space in:
/// Linux's `cmsghdr` on a 64-bit host (a 16-byte header).
pub const fn cmsg_len(length: usize) -> usize {
    CMSG_HDR + length
}

/// `CMSG_SPACE(length)` in the same layout: data padded to 8 bytes.
pub const fn cmsg_space(length: usize) -> usize {
    CMSG_HDR + length.next_multiple_of(8)
}

/// The `cmsghdr` header size in that layout.
pub const CMSG_HDR: usize = 16;

/// The Python exception class that `OSError(errno, ...)` becomes.
///
/// These are CPython's rules (PEP 3151, `Objects/exceptions.c`): the errno
/// picks a subclass, anything else stays `OSError`.
pub fn exception_for_errno(errno: i32) -> &'static str {
    use generated::errno::*;
    match errno {
        EAGAIN | EALREADY | EINPROGRESS => "BlockingIOError",
        ECHILD => "ChildProcessError",
        EPIPE | ESHUTDOWN => "BrokenPipeError",
        ECONNABORTED => "ConnectionAbortedError",
        ECONNREFUSED => "ConnectionRefusedError",
        ECONNRESET => "ConnectionResetError",
        EEXIST => "FileExistsError",
        ENOENT => "FileNotFoundError",
        EISDIR => "IsADirectoryError",
        ENOTDIR => "NotADirectoryError",
        EINTR => "InterruptedError",
        EACCES | EPERM => "PermissionError",
        ESRCH => "ProcessLookupError",
        ETIMEDOUT => "TimeoutError",
        _ => "OSError",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_texts_are_pythons() {
        assert_eq!(strerror(errno::ECONNREFUSED), "Connection refused");
        assert_eq!(errno_name(111), "ECONNREFUSED");
        assert_eq!(errno_by_name("EBADF"), Some(9));
        assert_eq!(strerror(100_000), "Unknown error");
        assert_eq!(gai_error(consts::EAI_NONAME), ("EAI_NONAME", "Name or service not known"));
        assert_eq!(h_error(1).0, "HOST_NOT_FOUND");
    }

    #[test]
    fn exception_classes_follow_pep_3151() {
        assert_eq!(exception_for_errno(111), "ConnectionRefusedError");
        assert_eq!(exception_for_errno(11), "BlockingIOError");
        assert_eq!(exception_for_errno(13), "PermissionError");
        assert_eq!(exception_for_errno(32), "BrokenPipeError");
        assert_eq!(exception_for_errno(9), "OSError");
    }

    #[test]
    fn timeouts_are_checked_in_cpythons_order() {
        assert_eq!(check_timeout(0.0), Ok(()));
        assert_eq!(check_timeout(2.5), Ok(()));
        assert_eq!(check_timeout(f64::NAN), Err(TimeoutFault::NotANumber));
        assert_eq!(check_timeout(-1.0), Err(TimeoutFault::Negative));
        assert_eq!(check_timeout(-1e30), Err(TimeoutFault::OutOfRange), "range before sign");
        assert_eq!(check_timeout(f64::INFINITY), Err(TimeoutFault::OutOfRange));
    }

    #[test]
    fn cmsg_sizes_are_linux_64() {
        assert_eq!((cmsg_len(4), cmsg_space(4), cmsg_space(12), cmsg_space(0)), (20, 24, 32, 16));
    }

    #[test]
    fn table_has_no_duplicate_numbers() {
        for (i, (a, ..)) in ERRNO_TABLE.iter().enumerate() {
            assert!(ERRNO_TABLE[i + 1..].iter().all(|(b, ..)| a != b), "errno {a} twice");
        }
    }
}
