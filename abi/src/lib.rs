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
#![no_std]

mod generated;

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
    fn table_has_no_duplicate_numbers() {
        for (i, (a, ..)) in ERRNO_TABLE.iter().enumerate() {
            assert!(ERRNO_TABLE[i + 1..].iter().all(|(b, ..)| a != b), "errno {a} twice");
        }
    }
}
