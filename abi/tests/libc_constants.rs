//! Every constant capsock-abi passes through equals the `libc` crate's
//! value for Linux: the `socket` module constants in
//! [`capsock_abi::consts`], the errno numbers in [`capsock_abi::errno`] and
//! the tables built from them, and the `cmsghdr` sizes. `libc` is an
//! independent transcription of the Linux headers, so a number that
//! `abi/gen/gen_tables.py` got wrong shows up here.
//!
//! The lists are exhaustive: [`every_generated_constant_is_listed`] fails
//! when `generated.rs` gains a constant that is in none of them.
//!
//! capsock numbers everything as Linux's generic ABI (the one x86-64,
//! AArch64 and RISC-V share); MIPS, SPARC, PowerPC and Alpha number some
//! socket options and errnos differently, so this runs on the generic ones.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a failed unwrap is a failed test")]
#![cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64", target_arch = "riscv64")))]

use capsock_abi::{ERRNO_TABLE, GAI_TABLE, consts, errno};
use std::collections::BTreeSet;

/// `(name, capsock's value, libc's value)` for constants of the same name.
macro_rules! pairs {
    ($module:ident: $($name:ident),* $(,)?) => {
        [$((stringify!($name), i64::from($module::$name), libc::$name as i64)),*]
    };
}

/// Every `consts` constant that `libc` defines under the same name.
fn consts_pairs() -> Vec<(&'static str, i64, i64)> {
    pairs!(consts:
        AF_ALG, AF_APPLETALK, AF_ASH, AF_ATMPVC, AF_ATMSVC, AF_AX25, AF_BRIDGE, AF_CAN, AF_DECnet, AF_ECONET,
        AF_INET, AF_INET6, AF_IPX, AF_IRDA, AF_KEY, AF_LLC, AF_NETBEUI, AF_NETLINK, AF_NETROM, AF_PACKET,
        AF_PPPOX, AF_RDS, AF_ROSE, AF_ROUTE, AF_SECURITY, AF_SNA, AF_TIPC, AF_UNIX, AF_UNSPEC, AF_VSOCK,
        AF_WANPIPE, AF_X25, AI_ADDRCONFIG, AI_ALL, AI_CANONNAME, AI_NUMERICHOST, AI_NUMERICSERV, AI_PASSIVE,
        AI_V4MAPPED, EAI_AGAIN, EAI_BADFLAGS, EAI_FAIL, EAI_FAMILY, EAI_MEMORY, EAI_NODATA, EAI_NONAME,
        EAI_OVERFLOW, EAI_SERVICE, EAI_SOCKTYPE, EAI_SYSTEM, INADDR_ANY, INADDR_BROADCAST, INADDR_LOOPBACK,
        INADDR_NONE, IPPROTO_AH, IPPROTO_DSTOPTS, IPPROTO_EGP, IPPROTO_ESP, IPPROTO_FRAGMENT, IPPROTO_GRE,
        IPPROTO_HOPOPTS, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_IDP, IPPROTO_IGMP, IPPROTO_IP, IPPROTO_IPIP,
        IPPROTO_IPV6, IPPROTO_MPTCP, IPPROTO_NONE, IPPROTO_PIM, IPPROTO_PUP, IPPROTO_RAW, IPPROTO_ROUTING,
        IPPROTO_RSVP, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_TP, IPPROTO_UDP, IPPROTO_UDPLITE, IPV6_CHECKSUM,
        IPV6_DONTFRAG, IPV6_DSTOPTS, IPV6_HOPLIMIT, IPV6_HOPOPTS, IPV6_MULTICAST_HOPS, IPV6_MULTICAST_IF,
        IPV6_MULTICAST_LOOP, IPV6_NEXTHOP, IPV6_PATHMTU, IPV6_PKTINFO, IPV6_RECVDSTOPTS, IPV6_RECVHOPLIMIT,
        IPV6_RECVHOPOPTS, IPV6_RECVPATHMTU, IPV6_RECVPKTINFO, IPV6_RECVRTHDR, IPV6_RECVTCLASS, IPV6_RTHDR,
        IPV6_RTHDRDSTOPTS, IPV6_TCLASS, IPV6_UNICAST_HOPS, IPV6_V6ONLY, IP_ADD_MEMBERSHIP,
        IP_BIND_ADDRESS_NO_PORT, IP_DEFAULT_MULTICAST_LOOP, IP_DEFAULT_MULTICAST_TTL, IP_DROP_MEMBERSHIP,
        IP_HDRINCL, IP_MULTICAST_IF, IP_MULTICAST_LOOP, IP_MULTICAST_TTL, IP_OPTIONS, IP_RECVOPTS,
        IP_RECVTOS, IP_RETOPTS, IP_TOS, IP_TRANSPARENT, IP_TTL, MSG_CMSG_CLOEXEC, MSG_CONFIRM, MSG_CTRUNC,
        MSG_DONTROUTE, MSG_DONTWAIT, MSG_EOR, MSG_ERRQUEUE, MSG_FASTOPEN, MSG_MORE, MSG_NOSIGNAL, MSG_OOB,
        MSG_PEEK, MSG_TRUNC, MSG_WAITALL, NI_DGRAM, NI_MAXHOST, NI_NAMEREQD, NI_NOFQDN, NI_NUMERICHOST,
        NI_NUMERICSERV, SCM_CREDENTIALS, SCM_J1939_DEST_ADDR, SCM_J1939_DEST_NAME, SCM_J1939_ERRQUEUE,
        SCM_J1939_PRIO, SCM_RIGHTS, SHUT_RD, SHUT_RDWR, SHUT_WR, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK,
        SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET, SOCK_STREAM, SOL_ALG, SOL_CAN_BASE, SOL_CAN_RAW, SOL_IP, SOL_RDS,
        SOL_SOCKET, SOL_TCP, SOL_TIPC, SOL_UDP, SOMAXCONN, SO_ACCEPTCONN, SO_BINDTODEVICE, SO_BROADCAST,
        SO_DEBUG, SO_DOMAIN, SO_DONTROUTE, SO_ERROR, SO_INCOMING_CPU, SO_J1939_ERRQUEUE, SO_J1939_FILTER,
        SO_J1939_PROMISC, SO_J1939_SEND_PRIO, SO_KEEPALIVE, SO_LINGER, SO_MARK, SO_OOBINLINE, SO_PASSCRED,
        SO_PASSSEC, SO_PEERCRED, SO_PEERSEC, SO_PRIORITY, SO_PROTOCOL, SO_RCVBUF, SO_RCVLOWAT, SO_RCVTIMEO,
        SO_REUSEADDR, SO_REUSEPORT, SO_SNDBUF, SO_SNDLOWAT, SO_SNDTIMEO, SO_TYPE, TCP_CONGESTION, TCP_CORK,
        TCP_DEFER_ACCEPT, TCP_FASTOPEN, TCP_INFO, TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_LINGER2,
        TCP_MAXSEG, TCP_NODELAY, TCP_NOTSENT_LOWAT, TCP_QUICKACK, TCP_SYNCNT, TCP_USER_TIMEOUT,
        TCP_WINDOW_CLAMP, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND, POLLRDHUP,
        POLLRDNORM, POLLWRBAND, POLLWRNORM, IP_PKTINFO, SO_ATTACH_FILTER, SO_TIMESTAMP, SO_TIMESTAMPNS,
    )
    .to_vec()
}

/// `consts` constants that glibc defines under two names, of which `libc`
/// has only the other (`<bits/in.h>`: `IPV6_ADD_MEMBERSHIP` is
/// `IPV6_JOIN_GROUP`, `IP_RECVRETOPTS` is `IP_RETOPTS`), compared with
/// that one: `(name, capsock's value, libc's name, libc's value)`.
fn consts_aliases() -> [(&'static str, i64, &'static str, i64); 3] {
    [
        (
            "IPV6_JOIN_GROUP",
            i64::from(consts::IPV6_JOIN_GROUP),
            "IPV6_ADD_MEMBERSHIP",
            libc::IPV6_ADD_MEMBERSHIP as i64,
        ),
        (
            "IPV6_LEAVE_GROUP",
            i64::from(consts::IPV6_LEAVE_GROUP),
            "IPV6_DROP_MEMBERSHIP",
            libc::IPV6_DROP_MEMBERSHIP as i64,
        ),
        ("IP_RECVRETOPTS", i64::from(consts::IP_RECVRETOPTS), "IP_RETOPTS", libc::IP_RETOPTS as i64),
    ]
}

/// `consts` constants that `libc` does not define, under any name (where
/// glibc has them, from the headers of glibc 2.36).
const CONSTS_LIBC_LACKS: &[&str] = &[
    // `<bits/socket.h>` (Qualcomm IPC router, 42).
    "AF_QIPCRTR",
    // `<netdb.h>`, under `__USE_GNU`.
    "EAI_ADDRFAMILY",
    // `<netinet/in.h>`.
    "INADDR_ALLHOSTS_GROUP",
    "INADDR_MAX_LOCAL_GROUP",
    "INADDR_UNSPEC_GROUP",
    // `<bits/in.h>`, through `<netinet/in.h>`.
    "IPV6_RTHDR_TYPE_0",
    "IP_MAX_MEMBERSHIPS",
    // `<netdb.h>`, under `__USE_MISC` (`libc` has `NI_MAXHOST` only).
    "NI_MAXSERV",
    // `<linux/vm_sockets.h>`, a kernel header `libc` does not cover.
    "SO_VM_SOCKETS_BUFFER_MAX_SIZE",
    "SO_VM_SOCKETS_BUFFER_MIN_SIZE",
    "SO_VM_SOCKETS_BUFFER_SIZE",
    // `<bits/poll.h>`, under `__USE_GNU` (`libc` has epoll's `EPOLLMSG`,
    // also 0x400, but not poll's).
    "POLLMSG",
];

/// Every `errno` constant (`libc` defines them all).
fn errno_pairs() -> Vec<(&'static str, i64, i64)> {
    pairs!(errno:
        E2BIG, EACCES, EADDRINUSE, EADDRNOTAVAIL, EADV, EAFNOSUPPORT, EAGAIN, EALREADY, EBADE, EBADF, EBADFD,
        EBADMSG, EBADR, EBADRQC, EBADSLT, EBFONT, EBUSY, ECANCELED, ECHILD, ECHRNG, ECOMM, ECONNABORTED,
        ECONNREFUSED, ECONNRESET, EDEADLK, EDEADLOCK, EDESTADDRREQ, EDOM, EDOTDOT, EDQUOT, EEXIST, EFAULT,
        EFBIG, EHOSTDOWN, EHOSTUNREACH, EIDRM, EILSEQ, EINPROGRESS, EINTR, EINVAL, EIO, EISCONN, EISDIR,
        EISNAM, EKEYEXPIRED, EKEYREJECTED, EKEYREVOKED, EL2HLT, EL2NSYNC, EL3HLT, EL3RST, ELIBACC, ELIBBAD,
        ELIBEXEC, ELIBMAX, ELIBSCN, ELNRNG, ELOOP, EMEDIUMTYPE, EMFILE, EMLINK, EMSGSIZE, EMULTIHOP,
        ENAMETOOLONG, ENAVAIL, ENETDOWN, ENETRESET, ENETUNREACH, ENFILE, ENOANO, ENOBUFS, ENOCSI, ENODATA,
        ENODEV, ENOENT, ENOEXEC, ENOKEY, ENOLCK, ENOLINK, ENOMEDIUM, ENOMEM, ENOMSG, ENONET, ENOPKG,
        ENOPROTOOPT, ENOSPC, ENOSR, ENOSTR, ENOSYS, ENOTBLK, ENOTCONN, ENOTDIR, ENOTEMPTY, ENOTNAM,
        ENOTRECOVERABLE, ENOTSOCK, ENOTSUP, ENOTTY, ENOTUNIQ, ENXIO, EOPNOTSUPP, EOVERFLOW, EOWNERDEAD,
        EPERM, EPFNOSUPPORT, EPIPE, EPROTO, EPROTONOSUPPORT, EPROTOTYPE, ERANGE, EREMCHG, EREMOTE, EREMOTEIO,
        ERESTART, ERFKILL, EROFS, ESHUTDOWN, ESOCKTNOSUPPORT, ESPIPE, ESRCH, ESRMNT, ESTALE, ESTRPIPE, ETIME,
        ETIMEDOUT, ETOOMANYREFS, ETXTBSY, EUCLEAN, EUNATCH, EUSERS, EWOULDBLOCK, EXDEV, EXFULL,
    )
    .to_vec()
}

fn mismatches(pairs: &[(&'static str, i64, i64)]) -> Vec<String> {
    pairs
        .iter()
        .filter(|(_, ours, theirs)| ours != theirs)
        .map(|(n, ours, theirs)| format!("{n}: capsock {ours}, libc {theirs}"))
        .collect()
}

#[test]
fn consts_equal_libcs() {
    let mut wrong = mismatches(&consts_pairs());
    for (name, ours, libc_name, theirs) in consts_aliases() {
        if ours != theirs {
            wrong.push(format!("{name}: capsock {ours}, libc {libc_name} {theirs}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn errnos_equal_libcs() {
    let wrong = mismatches(&errno_pairs());
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn tables_number_as_libc() {
    let errnos = errno_pairs();
    let libc_errno = |name: &str| errnos.iter().find(|(n, ..)| *n == name).map(|(.., theirs)| *theirs);
    for &(num, name, _) in ERRNO_TABLE {
        assert_eq!(libc_errno(name), Some(i64::from(num)), "ERRNO_TABLE {name}");
    }
    let consts = consts_pairs();
    for &(num, name, _) in GAI_TABLE {
        match consts.iter().find(|(n, ..)| *n == name) {
            Some(&(.., theirs)) => assert_eq!(theirs, i64::from(num), "GAI_TABLE {name}"),
            None => assert!(CONSTS_LIBC_LACKS.contains(&name), "GAI_TABLE {name} is not checked"),
        }
    }
    // HERROR_TABLE's `h_errno` values (HOST_NOT_FOUND, …): `libc` lacks them.
}

#[cfg(target_pointer_width = "64")]
#[test]
fn cmsg_sizes_equal_libcs() {
    assert_eq!(capsock_abi::CMSG_HDR, size_of::<libc::cmsghdr>());
    for len in [0u32, 1, 4, 7, 8, 12, 16, 100] {
        // SAFETY: CMSG_LEN and CMSG_SPACE only compute.
        let (c_len, c_space) = unsafe { (libc::CMSG_LEN(len), libc::CMSG_SPACE(len)) };
        assert_eq!(capsock_abi::cmsg_len(len as usize), c_len as usize, "CMSG_LEN({len})");
        assert_eq!(capsock_abi::cmsg_space(len as usize), c_space as usize, "CMSG_SPACE({len})");
    }
}

/// The names `generated.rs` defines in `pub mod {module}`.
fn generated_names(module: &str) -> BTreeSet<&'static str> {
    let source = include_str!("../src/generated.rs");
    let start = format!("pub mod {module} {{");
    let Some((_, body)) = source.split_once(start.as_str()) else { panic!("no mod {module} in generated.rs") };
    let body = body.split_once("\n}").map_or(body, |(body, _)| body);
    body.lines().filter_map(|l| l.trim().strip_prefix("pub const ")?.split_once(':').map(|(n, _)| n)).collect()
}

#[test]
fn every_generated_constant_is_listed() {
    let mut listed: BTreeSet<&str> = consts_pairs().iter().map(|(n, ..)| *n).collect();
    listed.extend(consts_aliases().iter().map(|(n, ..)| *n));
    listed.extend(CONSTS_LIBC_LACKS);
    let generated = generated_names("consts");
    assert_eq!(generated.difference(&listed).collect::<Vec<_>>(), Vec::<&&str>::new(), "consts not listed here");
    assert_eq!(listed.difference(&generated).collect::<Vec<_>>(), Vec::<&&str>::new(), "listed but not generated");
    assert_eq!(generated.len(), 242);

    let listed: BTreeSet<&str> = errno_pairs().iter().map(|(n, ..)| *n).collect();
    assert_eq!(listed, generated_names("errno"), "errno names");
    assert_eq!(listed.len(), 133);
}
