//! Socket options: which exist, what shape their value has, which a guest
//! may set without a grant. Every `setsockopt`/`getsockopt` goes through
//! [`lookup`] before the OS sees a byte: an unknown option is `ENOPROTOOPT`,
//! a wrong-sized value `EINVAL`, a refused one `PermissionError`.
//!
//! Numbers are Linux's (the WIT's contract); on a Linux host they pass
//! through unchanged. See socket(7), ip(7), ipv6(7), tcp(7), udp(7).

use crate::error::{SockError, SockResult};
use capsock_abi::consts::*;
use capsock_abi::errno;
use std::os::fd::AsRawFd;

/// The shape of an option's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A C `int` (4 bytes); `setsockopt(level, name, int)`.
    Int,
    /// A fixed-size struct (`struct linger`, `struct timeval`, ...).
    Bytes(usize),
    /// Anything from `min` to `max` bytes (`ip_mreq` or `ip_mreqn`).
    Range(usize, usize),
}

/// How far a guest may use an option without the policy naming it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    /// Safe inside a sandbox: allowed by default.
    Default,
    /// Read-only (`SO_ERROR`, `SO_TYPE`, `TCP_INFO`): get always, set `ENOPROTOOPT`
    /// as Linux gives.
    ReadOnly,
    /// Reaches beyond the sandbox (binds to a device, marks packets, raw
    /// headers): refused unless the policy names it.
    Named,
}

/// One known option.
#[derive(Clone, Copy, Debug)]
pub struct Opt {
    pub level: i32,
    pub name: i32,
    pub label: &'static str,
    pub shape: Shape,
    pub grant: Grant,
}

const fn opt(level: i32, name: i32, label: &'static str, shape: Shape, grant: Grant) -> Opt {
    Opt { level, name, label, shape, grant }
}

use Grant::{Default as D, Named as N, ReadOnly as R};
use Shape::{Bytes as B, Int as I, Range as Rg};

/// Every option capsock knows. Order is irrelevant; lookups are by
/// `(level, name)`.
pub const OPTIONS: &[Opt] = &[
    opt(SOL_SOCKET, SO_REUSEADDR, "SOL_SOCKET:SO_REUSEADDR", I, D),
    opt(SOL_SOCKET, SO_REUSEPORT, "SOL_SOCKET:SO_REUSEPORT", I, D),
    opt(SOL_SOCKET, SO_KEEPALIVE, "SOL_SOCKET:SO_KEEPALIVE", I, D),
    opt(SOL_SOCKET, SO_LINGER, "SOL_SOCKET:SO_LINGER", B(8), D),
    opt(SOL_SOCKET, SO_RCVBUF, "SOL_SOCKET:SO_RCVBUF", I, D),
    opt(SOL_SOCKET, SO_SNDBUF, "SOL_SOCKET:SO_SNDBUF", I, D),
    opt(SOL_SOCKET, SO_RCVLOWAT, "SOL_SOCKET:SO_RCVLOWAT", I, D),
    opt(SOL_SOCKET, SO_SNDLOWAT, "SOL_SOCKET:SO_SNDLOWAT", I, D),
    opt(SOL_SOCKET, SO_RCVTIMEO, "SOL_SOCKET:SO_RCVTIMEO", B(16), D),
    opt(SOL_SOCKET, SO_SNDTIMEO, "SOL_SOCKET:SO_SNDTIMEO", B(16), D),
    opt(SOL_SOCKET, SO_BROADCAST, "SOL_SOCKET:SO_BROADCAST", I, D),
    opt(SOL_SOCKET, SO_OOBINLINE, "SOL_SOCKET:SO_OOBINLINE", I, D),
    opt(SOL_SOCKET, SO_TIMESTAMP, "SOL_SOCKET:SO_TIMESTAMP", I, D),
    opt(SOL_SOCKET, SO_PRIORITY, "SOL_SOCKET:SO_PRIORITY", I, D),
    opt(SOL_SOCKET, SO_ERROR, "SOL_SOCKET:SO_ERROR", I, R),
    opt(SOL_SOCKET, SO_TYPE, "SOL_SOCKET:SO_TYPE", I, R),
    opt(SOL_SOCKET, SO_DOMAIN, "SOL_SOCKET:SO_DOMAIN", I, R),
    opt(SOL_SOCKET, SO_PROTOCOL, "SOL_SOCKET:SO_PROTOCOL", I, R),
    opt(SOL_SOCKET, SO_ACCEPTCONN, "SOL_SOCKET:SO_ACCEPTCONN", I, R),
    opt(SOL_SOCKET, SO_BINDTODEVICE, "SOL_SOCKET:SO_BINDTODEVICE", Rg(0, 16), N),
    opt(SOL_SOCKET, SO_MARK, "SOL_SOCKET:SO_MARK", I, N),
    opt(SOL_SOCKET, SO_ATTACH_FILTER, "SOL_SOCKET:SO_ATTACH_FILTER", B(16), N),
    opt(IPPROTO_TCP, TCP_NODELAY, "IPPROTO_TCP:TCP_NODELAY", I, D),
    opt(IPPROTO_TCP, TCP_KEEPIDLE, "IPPROTO_TCP:TCP_KEEPIDLE", I, D),
    opt(IPPROTO_TCP, TCP_KEEPINTVL, "IPPROTO_TCP:TCP_KEEPINTVL", I, D),
    opt(IPPROTO_TCP, TCP_KEEPCNT, "IPPROTO_TCP:TCP_KEEPCNT", I, D),
    opt(IPPROTO_TCP, TCP_USER_TIMEOUT, "IPPROTO_TCP:TCP_USER_TIMEOUT", I, D),
    opt(IPPROTO_TCP, TCP_QUICKACK, "IPPROTO_TCP:TCP_QUICKACK", I, D),
    opt(IPPROTO_TCP, TCP_CORK, "IPPROTO_TCP:TCP_CORK", I, D),
    opt(IPPROTO_TCP, TCP_MAXSEG, "IPPROTO_TCP:TCP_MAXSEG", I, D),
    opt(IPPROTO_TCP, TCP_FASTOPEN, "IPPROTO_TCP:TCP_FASTOPEN", I, D),
    opt(IPPROTO_TCP, TCP_INFO, "IPPROTO_TCP:TCP_INFO", Rg(0, 1024), R),
    opt(IPPROTO_IP, IP_TTL, "IPPROTO_IP:IP_TTL", I, D),
    opt(IPPROTO_IP, IP_TOS, "IPPROTO_IP:IP_TOS", I, D),
    opt(IPPROTO_IP, IP_MULTICAST_TTL, "IPPROTO_IP:IP_MULTICAST_TTL", I, D),
    opt(IPPROTO_IP, IP_MULTICAST_LOOP, "IPPROTO_IP:IP_MULTICAST_LOOP", I, D),
    opt(IPPROTO_IP, IP_MULTICAST_IF, "IPPROTO_IP:IP_MULTICAST_IF", Rg(4, 12), D),
    // Membership is checked against the policy by group address
    // (see sockets.rs), not by this table alone.
    opt(IPPROTO_IP, IP_ADD_MEMBERSHIP, "IPPROTO_IP:IP_ADD_MEMBERSHIP", Rg(8, 12), N),
    opt(IPPROTO_IP, IP_DROP_MEMBERSHIP, "IPPROTO_IP:IP_DROP_MEMBERSHIP", Rg(8, 12), D),
    opt(IPPROTO_IP, IP_PKTINFO, "IPPROTO_IP:IP_PKTINFO", I, D),
    opt(IPPROTO_IP, IP_RECVTOS, "IPPROTO_IP:IP_RECVTOS", I, D),
    opt(IPPROTO_IP, IP_TRANSPARENT, "IPPROTO_IP:IP_TRANSPARENT", I, N),
    opt(IPPROTO_IP, IP_HDRINCL, "IPPROTO_IP:IP_HDRINCL", I, N),
    opt(IPPROTO_IPV6, IPV6_V6ONLY, "IPPROTO_IPV6:IPV6_V6ONLY", I, D),
    opt(IPPROTO_IPV6, IPV6_UNICAST_HOPS, "IPPROTO_IPV6:IPV6_UNICAST_HOPS", I, D),
    opt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, "IPPROTO_IPV6:IPV6_MULTICAST_HOPS", I, D),
    opt(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, "IPPROTO_IPV6:IPV6_MULTICAST_LOOP", I, D),
    opt(IPPROTO_IPV6, IPV6_MULTICAST_IF, "IPPROTO_IPV6:IPV6_MULTICAST_IF", I, D),
    opt(IPPROTO_IPV6, IPV6_JOIN_GROUP, "IPPROTO_IPV6:IPV6_JOIN_GROUP", B(20), N),
    opt(IPPROTO_IPV6, IPV6_LEAVE_GROUP, "IPPROTO_IPV6:IPV6_LEAVE_GROUP", B(20), D),
    opt(IPPROTO_IPV6, IPV6_RECVPKTINFO, "IPPROTO_IPV6:IPV6_RECVPKTINFO", I, D),
    opt(IPPROTO_IPV6, IPV6_TCLASS, "IPPROTO_IPV6:IPV6_TCLASS", I, D),
];

/// The highest `SO_PRIORITY` an unprivileged guest may set by default;
/// 7 and above are reserved for network control traffic.
pub const MAX_DEFAULT_PRIORITY: i32 = 6;

/// The option with this level and name.
///
/// # Errors
/// `ENOPROTOOPT` for an option capsock does not know, as Linux gives for
/// an option it does not know.
pub fn lookup(level: i32, name: i32) -> SockResult<&'static Opt> {
    OPTIONS.iter().find(|o| o.level == level && o.name == name).ok_or_else(|| SockError::os(errno::ENOPROTOOPT))
}

/// Check that `value` fits the option's shape.
///
/// # Errors
/// `EINVAL` when the length is wrong.
pub fn check_len(opt: &Opt, len: usize) -> SockResult<()> {
    let ok = match opt.shape {
        Shape::Int => len == 4,
        Shape::Bytes(n) => len == n,
        Shape::Range(lo, hi) => (lo..=hi).contains(&len),
    };
    if ok {
        Ok(())
    } else {
        Err(SockError::os_msg(
            errno::EINVAL,
            format!("Invalid argument: {} takes {}", opt.label, shape_text(opt.shape)),
        ))
    }
}

fn shape_text(shape: Shape) -> String {
    match shape {
        Shape::Int => "an int (4 bytes)".to_string(),
        Shape::Bytes(n) => format!("{n} bytes"),
        Shape::Range(lo, hi) => format!("{lo} to {hi} bytes"),
    }
}

/// `setsockopt(2)` with bytes whose length [`check_len`] has approved.
pub fn set_raw(sock: &impl AsRawFd, level: i32, name: i32, value: &[u8]) -> SockResult<()> {
    let len = libc::socklen_t::try_from(value.len()).map_err(|_| SockError::os(errno::EINVAL))?;
    // SAFETY: `value` is a live slice of exactly `len` bytes; the kernel
    // copies it and keeps no pointer.
    let rc = unsafe { libc::setsockopt(sock.as_raw_fd(), level, name, value.as_ptr().cast(), len) };
    if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error().into()) }
}

/// `getsockopt(2)` into a buffer of at most `buflen` bytes.
pub fn get_raw(sock: &impl AsRawFd, level: i32, name: i32, buflen: usize) -> SockResult<Vec<u8>> {
    let mut buf = vec![0u8; buflen];
    let mut len = libc::socklen_t::try_from(buflen).map_err(|_| SockError::os(errno::EINVAL))?;
    // SAFETY: `buf` has `len` writable bytes; the kernel writes at most
    // `len` and stores the length it wrote back into `len`.
    let rc = unsafe { libc::getsockopt(sock.as_raw_fd(), level, name, buf.as_mut_ptr().cast(), &mut len) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    buf.truncate(len as usize);
    Ok(buf)
}

/// `struct timeval` bytes as a duration; zero means "no timeout".
pub fn timeval_to_duration(bytes: &[u8]) -> SockResult<Option<std::time::Duration>> {
    let (sec, usec) = bytes.split_at(8);
    let sec = i64::from_ne_bytes(sec.try_into().map_err(|_| SockError::os(errno::EINVAL))?);
    let usec = i64::from_ne_bytes(usec.try_into().map_err(|_| SockError::os(errno::EINVAL))?);
    if sec < 0 || !(0..1_000_000).contains(&usec) {
        return Err(SockError::os(errno::EDOM));
    }
    let d = std::time::Duration::from_secs(sec as u64) + std::time::Duration::from_micros(usec as u64);
    Ok((!d.is_zero()).then_some(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_is_listed_once() {
        for (i, a) in OPTIONS.iter().enumerate() {
            assert!(
                OPTIONS[i + 1..].iter().all(|b| (a.level, a.name) != (b.level, b.name)),
                "{} listed twice",
                a.label
            );
        }
    }

    #[test]
    fn unknown_is_enoprotoopt_and_sizes_are_checked() {
        assert_eq!(lookup(SOL_SOCKET, 9999).err().and_then(|e| e.errno()), Some(errno::ENOPROTOOPT));
        let nodelay = lookup(IPPROTO_TCP, TCP_NODELAY).unwrap();
        assert!(check_len(nodelay, 4).is_ok());
        assert_eq!(check_len(nodelay, 3).err().and_then(|e| e.errno()), Some(errno::EINVAL));
        let linger = lookup(SOL_SOCKET, SO_LINGER).unwrap();
        assert!(check_len(linger, 8).is_ok() && check_len(linger, 4).is_err());
    }

    #[test]
    fn timeval_parses() {
        let mut tv = Vec::new();
        tv.extend_from_slice(&1i64.to_ne_bytes());
        tv.extend_from_slice(&500_000i64.to_ne_bytes());
        assert_eq!(timeval_to_duration(&tv).unwrap(), Some(std::time::Duration::from_millis(1500)));
        assert_eq!(timeval_to_duration(&[0; 16]).unwrap(), None);
    }
}
