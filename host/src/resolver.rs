//! `capsock:socket/resolver`: name resolution under the policy.
//!
//! What a lookup does, in order (glibc's `getaddrinfo` is the model; its
//! flag, family and socket-type checks and error codes are reproduced):
//!
//! 1. Numeric hosts (`127.0.0.1`, `127.1`, `::1`, `fe80::1%2`) and `None`
//!    are answered here and need no rule: nothing is looked up.
//! 2. Every name passes the mediator first (`resolve` rules, and
//!    names that `connect` rules imply). **A denied lookup raises
//!    `PermissionError` (`EACCES`) naming the deciding rule**, like every
//!    other denial in capsock, rather than a `gaierror`: a guest author sees
//!    at once which grant is missing, and Python code that catches
//!    `OSError` around lookups (as `create_connection` does) still catches
//!    it.
//! 3. Allowed names are answered by the sandbox's `[hosts]` table
//!    ([`ResolverConfig`]), then by
//!    the built-in `localhost` ([`hosts`]), and only then by the OS
//!    resolver, on a blocking thread: at most [`MAX_CONCURRENT_LOOKUPS`]
//!    run at once, and a lookup that takes longer than [`LOOKUP_TIMEOUT`]
//!    (waiting for a slot included) fails with `gaierror(EAI_AGAIN)`.
//! 4. Deny rules judge the answers: an address for which a deny rule with
//!    action `connect` matches (e.g. `deny connect *://private:*`) is
//!    removed; when none remains the lookup fails with `PermissionError`
//!    naming that rule.
//! 5. The answers are remembered for the instance
//!    (`CapsockCtx::remember_resolution`), so a `connect` rule
//!    naming the host matches the addresses it resolved to.
//!
//! Reverse lookups (`gethostbyaddr`, `getnameinfo`) never query the OS:
//! they are answered from the `[hosts]` table and, for loopback addresses,
//! `/etc/hosts`; anything else is "unknown host" (`getnameinfo` then gives
//! the numeric form). Interface names in IPv6 scopes (`fe80::1%eth0`) are
//! not resolved, since a guest sees no interfaces: numeric scopes work.
//!
//! Services and protocols come from `/etc/services` and `/etc/protocols`,
//! parsed here ([`services`]).

mod hosts;
mod services;

use crate::audit::AuditOp;
use crate::bindings::capsock::socket::resolver::{Addrinfo, Host, Hostent};
use crate::bindings::capsock::socket::types::Address;
use crate::ctx::CapsockCtxView;
use crate::error::{SockError, SockResult};
use capsock_abi::consts::*;
use capsock_policy::{Scheme, Verdict};
use std::collections::BTreeMap;
use std::ffi::{CStr, CString};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The host name a guest sees unless the sandbox names another.
pub const DEFAULT_HOSTNAME: &str = "capsock";

/// The resolver's configuration for a sandbox: names capsock answers
/// itself, and the host name it shows. These grant nothing (a lookup still
/// needs a rule), which is why they live here and not in the policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolverConfig {
    /// The `[hosts]` table. Keys are lowercase without a trailing dot.
    hosts: BTreeMap<String, Vec<IpAddr>>,
    /// What `gethostname()` tells the guest; `None` means
    /// [`DEFAULT_HOSTNAME`].
    hostname: Option<String>,
}

impl ResolverConfig {
    /// Answer `name` with `addrs` inside capsock (the `[hosts]` table),
    /// before and instead of the OS resolver.
    ///
    /// This grants nothing by itself: resolving the name still needs a rule
    /// that allows it, and connecting needs a rule for the name or the IP.
    pub fn add_host(&mut self, name: &str, addrs: Vec<IpAddr>) -> &mut Self {
        self.hosts.insert(name.trim_end_matches('.').to_ascii_lowercase(), addrs);
        self
    }

    /// The `[hosts]` entry for `name` (case-insensitive, trailing dot
    /// ignored), if any.
    pub fn host_entry(&self, name: &str) -> Option<&[IpAddr]> {
        self.hosts.get(&name.trim_end_matches('.').to_ascii_lowercase()).map(Vec::as_slice)
    }

    /// The whole `[hosts]` table.
    pub fn hosts(&self) -> &BTreeMap<String, Vec<IpAddr>> {
        &self.hosts
    }

    /// Set the name `gethostname()` gives the guest.
    pub fn set_hostname(&mut self, name: &str) -> &mut Self {
        self.hostname = Some(name.to_string());
        self
    }

    /// The name `gethostname()` gives the guest.
    pub fn hostname(&self) -> &str {
        self.hostname.as_deref().unwrap_or(DEFAULT_HOSTNAME)
    }
}

/// OS lookups running at once, across every guest in the process. Each
/// holds a blocking thread for as long as the system resolver takes.
pub const MAX_CONCURRENT_LOOKUPS: usize = 8;

/// OS lookups one instance may have running at once: its share of
/// [`MAX_CONCURRENT_LOOKUPS`]. A lookup the OS never answers keeps its slot
/// (a blocking `getaddrinfo(3)` cannot be cancelled), so a guest whose
/// lookups hang can hold at most this many of the process's slots.
pub const MAX_LOOKUPS_PER_INSTANCE: usize = 2;

/// The longest one OS lookup may take, including the wait for a slot.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

/// `AI_IDN` and `AI_CANONIDN`, which glibc accepts (and capsock ignores:
/// names must already be ASCII).
const AI_IDN: i32 = 0x40;
const AI_CANONIDN: i32 = 0x80;
const KNOWN_AI_FLAGS: i32 = AI_PASSIVE
    | AI_CANONNAME
    | AI_NUMERICHOST
    | AI_V4MAPPED
    | AI_ALL
    | AI_ADDRCONFIG
    | AI_NUMERICSERV
    | AI_IDN
    | AI_CANONIDN;
/// `NI_*` flags glibc accepts (`NI_IDN` is 32).
const KNOWN_NI_FLAGS: i32 = NI_NUMERICHOST | NI_NUMERICSERV | NI_NOFQDN | NI_NAMEREQD | NI_DGRAM | 32;

/// `h_errno` values.
const HOST_NOT_FOUND: i32 = 1;
const NO_RECOVERY: i32 = 3;

fn gai(code: i32) -> SockError {
    SockError::gai(code)
}

fn herror(code: i32) -> SockError {
    SockError::herror(code)
}

// ---------------------------------------------------------------------------------------------
// Services and socket types (glibc's `gaih_inet_typeproto` and its rules).

/// One row of glibc's socket-type table.
struct TypeProto {
    socktype: i32,
    protocol: i32,
    /// Any protocol may be asked for with this type (`SOCK_RAW`).
    protoany: bool,
    /// No service may be named with this type (`SOCK_RAW`).
    noserv: bool,
    /// Returned when neither type nor protocol is asked for.
    default: bool,
    name: &'static str,
}

const TYPEPROTO: &[TypeProto] = &[
    TypeProto {
        socktype: SOCK_STREAM,
        protocol: IPPROTO_TCP,
        protoany: false,
        noserv: false,
        default: true,
        name: "tcp",
    },
    TypeProto {
        socktype: SOCK_DGRAM,
        protocol: IPPROTO_UDP,
        protoany: false,
        noserv: false,
        default: true,
        name: "udp",
    },
    TypeProto { socktype: 6, protocol: 33, protoany: false, noserv: false, default: false, name: "dccp" },
    TypeProto { socktype: SOCK_DGRAM, protocol: 136, protoany: false, noserv: false, default: false, name: "udplite" },
    TypeProto { socktype: SOCK_STREAM, protocol: 132, protoany: false, noserv: false, default: false, name: "sctp" },
    TypeProto { socktype: SOCK_SEQPACKET, protocol: 132, protoany: false, noserv: false, default: false, name: "sctp" },
    TypeProto { socktype: SOCK_RAW, protocol: 0, protoany: true, noserv: true, default: true, name: "raw" },
];

/// The service argument after glibc's parsing.
enum Svc<'a> {
    None,
    Port(u16),
    Name(&'a str),
}

/// glibc's `strtoul(s, &end, 10)` as `getaddrinfo` uses it: `Some(value
/// as int)` when the whole string is a number (leading whitespace and a
/// sign allowed, overflow saturating), `None` otherwise.
fn strtoul_int(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut value: u64 = 0;
    let mut overflow = false;
    while i < b.len() && b[i].is_ascii_digit() {
        match value.checked_mul(10).and_then(|v| v.checked_add(u64::from(b[i] - b'0'))) {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start || i != b.len() {
        return None;
    }
    let value = if overflow {
        u64::MAX
    } else if neg {
        value.wrapping_neg()
    } else {
        value
    };
    // C's conversion of `unsigned long` to `int`: the low 32 bits.
    Some(value as u32 as i32)
}

fn parse_service(service: Option<&str>, flags: i32) -> SockResult<Svc<'_>> {
    let Some(s) = service.filter(|s| !s.is_empty() && *s != "*") else { return Ok(Svc::None) };
    match strtoul_int(s) {
        // glibc keeps the low 16 bits of a non-negative number (65536 is 0).
        Some(n) if n >= 0 => Ok(Svc::Port(n as u16)),
        // A negative number is looked up as a name (and is not one).
        Some(_) => Ok(Svc::Name(s)),
        None if flags & AI_NUMERICSERV != 0 => Err(gai(EAI_NONAME)),
        None => Ok(Svc::Name(s)),
    }
}

/// The `(socktype, protocol, port)` triples a lookup returns per address,
/// as glibc's `gaih_inet` picks them.
fn socket_tuples(svc: &Svc<'_>, socktype: i32, proto: i32) -> SockResult<Vec<(i32, i32, u16)>> {
    let fits =
        |t: &TypeProto| (socktype == 0 || socktype == t.socktype) && (proto == 0 || t.protoany || proto == t.protocol);
    let chosen = if socktype != 0 || proto != 0 {
        match TYPEPROTO.iter().find(|t| fits(t)) {
            Some(t) => Some(t),
            None if socktype != 0 => return Err(gai(EAI_SOCKTYPE)),
            None => return Err(gai(EAI_SERVICE)),
        }
    } else {
        None
    };
    let proto_of = |t: &TypeProto| if t.protoany { proto } else { t.protocol };
    let port = match svc {
        Svc::Name(name) => {
            if chosen.is_some_and(|t| t.noserv) {
                return Err(gai(EAI_SERVICE));
            }
            let out: Vec<(i32, i32, u16)> = match chosen {
                Some(t) => services::by_name(name, Some(t.name))
                    .map(|s| (t.socktype, proto_of(t), s.port))
                    .into_iter()
                    .collect(),
                None => TYPEPROTO
                    .iter()
                    .filter(|t| !t.noserv && fits(t))
                    .filter_map(|t| services::by_name(name, Some(t.name)).map(|s| (t.socktype, proto_of(t), s.port)))
                    .collect(),
            };
            if out.is_empty() {
                return Err(gai(EAI_SERVICE));
            }
            return Ok(out);
        }
        Svc::Port(p) => {
            if chosen.is_some_and(|t| t.noserv) {
                return Err(gai(EAI_SERVICE));
            }
            *p
        }
        Svc::None => 0,
    };
    Ok(match chosen {
        Some(t) => vec![(t.socktype, proto_of(t), port)],
        None => TYPEPROTO.iter().filter(|t| t.default).map(|t| (t.socktype, t.protocol, port)).collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Numeric hosts (glibc's parsers, ported in `capsock_abi::inet`, so the
// accepted forms are glibc's whatever C library the host runs on).

/// glibc's `__inet_aton_exact`: `inet_aton` forms (`127.1`, `0x7f.1`) with
/// nothing after them.
fn inet_aton_exact(s: &str) -> Option<Ipv4Addr> {
    capsock_abi::inet::inet_aton_exact(s)
}

/// glibc's `inet_pton(AF_INET6)`.
fn inet_pton6(s: &str) -> Option<Ipv6Addr> {
    capsock_abi::inet::inet_pton6(s)
}

/// glibc's `__inet6_scopeid_pton` without interface names (a guest sees no
/// interfaces): a decimal number up to `u32::MAX`.
fn scope_id(s: &str) -> Option<u32> {
    if !s.bytes().all(|b| b.is_ascii_digit()) || s.is_empty() {
        return None;
    }
    s.parse().ok()
}

/// glibc's `inet_ntop`, whose IPv6 text CPython returns.
fn ip_text(ip: IpAddr) -> String {
    capsock_abi::inet::inet_ntop(ip)
}

// ---------------------------------------------------------------------------------------------
// The OS resolver.

fn lookup_slots() -> Arc<Semaphore> {
    static SLOTS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    SLOTS.get_or_init(|| Arc::new(Semaphore::new(MAX_CONCURRENT_LOOKUPS))).clone()
}

/// What the OS resolver answered: the canonical name and the addresses.
type OsAnswer = (Option<String>, Vec<(IpAddr, u32)>);

/// Ask the OS resolver, bounded in concurrency and time. The caller has
/// already checked the name against the policy.
async fn os_lookup(name: &str, family: i32, flags: i32, mine: Arc<Semaphore>) -> SockResult<OsAnswer> {
    let deadline = Instant::now() + LOOKUP_TIMEOUT;
    let slots = async {
        let own = mine.acquire_owned().await.ok()?;
        let global = lookup_slots().acquire_owned().await.ok()?;
        Some((own, global))
    };
    let permit = match tokio::time::timeout_at(deadline.into(), slots).await {
        Ok(Some(p)) => p,
        Ok(None) | Err(_) => return Err(gai(EAI_AGAIN)),
    };
    let owned = name.to_string();
    // The permit moves into the blocking task, so a lookup that outlives
    // its timeout still holds its slot until the OS call returns: the bound
    // is on threads really blocked, not on futures still waiting.
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        blocking_getaddrinfo(&owned, family, flags)
    });
    match tokio::time::timeout_at(deadline.into(), task).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(_panicked)) => Err(gai(EAI_FAIL)),
        Err(_) => Err(gai(EAI_AGAIN)),
    }
}

/// `getaddrinfo(3)` for the addresses and canonical name of `name`.
fn blocking_getaddrinfo(name: &str, family: i32, flags: i32) -> SockResult<OsAnswer> {
    let c = CString::new(name).map_err(|_| gai(EAI_NONAME))?;
    // SAFETY: an all-zero addrinfo is a valid hints value.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = family;
    // One entry per address: the caller builds the socket types itself.
    hints.ai_socktype = libc::SOCK_STREAM;
    hints.ai_flags = flags & (AI_CANONNAME | AI_ADDRCONFIG);
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: valid C strings and out-pointer; `res` is freed below.
    let rc = unsafe { libc::getaddrinfo(c.as_ptr(), std::ptr::null(), &hints, &mut res) };
    if rc != 0 {
        if rc == libc::EAI_SYSTEM {
            return Err(SockError::from_io(std::io::Error::last_os_error()));
        }
        // glibc's EAI_* numbering is capsock's.
        return Err(gai(rc));
    }
    let mut canon = None;
    let mut addrs = Vec::new();
    let mut p = res;
    while !p.is_null() {
        // SAFETY: `p` walks the list getaddrinfo returned.
        let ai = unsafe { &*p };
        if canon.is_none() && !ai.ai_canonname.is_null() {
            // SAFETY: a NUL-terminated string owned by the list.
            canon = Some(unsafe { CStr::from_ptr(ai.ai_canonname) }.to_string_lossy().into_owned());
        }
        let len = ai.ai_addrlen as usize;
        if !ai.ai_addr.is_null() && ai.ai_family == libc::AF_INET && len >= size_of::<libc::sockaddr_in>() {
            // SAFETY: an AF_INET ai_addr holds a sockaddr_in (length checked).
            let sin: libc::sockaddr_in = unsafe { std::ptr::read_unaligned(ai.ai_addr.cast()) };
            addrs.push((IpAddr::V4(Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr))), 0));
        } else if !ai.ai_addr.is_null() && ai.ai_family == libc::AF_INET6 && len >= size_of::<libc::sockaddr_in6>() {
            // SAFETY: an AF_INET6 ai_addr holds a sockaddr_in6 (length checked).
            let sin6: libc::sockaddr_in6 = unsafe { std::ptr::read_unaligned(ai.ai_addr.cast()) };
            addrs.push((IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)), sin6.sin6_scope_id));
        }
        p = ai.ai_next;
    }
    // SAFETY: `res` came from getaddrinfo and is freed once.
    unsafe { libc::freeaddrinfo(res) };
    Ok((canon, addrs))
}

// ---------------------------------------------------------------------------------------------
// Lookups under the policy.

/// Addresses for a host, before the socket types are applied.
pub(crate) struct Lookup {
    pub(crate) addrs: Vec<(IpAddr, u32)>,
    canon: Option<String>,
}

/// Order and filter answers for `family` as glibc does, including
/// `AI_V4MAPPED` and `AI_ALL` for `AF_INET6`.
fn for_family(answers: Vec<(IpAddr, u32)>, family: i32, flags: i32) -> Vec<(IpAddr, u32)> {
    match family {
        AF_INET => answers.into_iter().filter(|(ip, _)| ip.is_ipv4()).collect(),
        AF_INET6 => {
            let (v6, v4): (Vec<_>, Vec<_>) = answers.into_iter().partition(|(ip, _)| ip.is_ipv6());
            let mapped = v4.into_iter().filter_map(|(ip, _)| match ip {
                IpAddr::V4(a) => Some((IpAddr::V6(a.to_ipv6_mapped()), 0)),
                IpAddr::V6(_) => None,
            });
            if flags & AI_V4MAPPED == 0 {
                v6
            } else if flags & AI_ALL != 0 || v6.is_empty() {
                v6.into_iter().chain(mapped).collect()
            } else {
                v6
            }
        }
        _ => answers,
    }
}

/// The schemes a lookup's results will be used with, for judging answers.
fn schemes_for(socktype: i32) -> &'static [Scheme] {
    match socktype {
        SOCK_STREAM => &[Scheme::Tcp],
        SOCK_DGRAM => &[Scheme::Udp],
        _ => &[Scheme::Tcp, Scheme::Udp],
    }
}

impl CapsockCtxView<'_> {
    /// Resolve `host` for `family` under the policy: numeric hosts and
    /// `None` directly, names through [`Self::resolve_name`].
    ///
    /// # Errors
    ///
    /// `gaierror` as glibc's `getaddrinfo`; `PermissionError` when the
    /// policy denies the name or every address it resolved to.
    pub(crate) async fn resolve(
        &mut self,
        host: Option<&str>,
        family: i32,
        flags: i32,
        port: u16,
        socktype: i32,
    ) -> SockResult<Lookup> {
        let canon_of = |h: &str| (flags & AI_CANONNAME != 0).then(|| h.to_string());
        let Some(host) = host else {
            let (v4, v6) = if flags & AI_PASSIVE != 0 {
                (Ipv4Addr::UNSPECIFIED, Ipv6Addr::UNSPECIFIED)
            } else {
                (Ipv4Addr::LOCALHOST, Ipv6Addr::LOCALHOST)
            };
            let (v4, v6) = ((IpAddr::V4(v4), 0), (IpAddr::V6(v6), 0));
            // glibc's order after its RFC 6724 sort.
            let addrs = match family {
                AF_INET => vec![v4],
                AF_INET6 => vec![v6],
                _ if flags & AI_PASSIVE != 0 => vec![v4, v6],
                _ => vec![v6, v4],
            };
            return Ok(Lookup { addrs, canon: None });
        };
        if let Some(v4) = inet_aton_exact(host) {
            let addr = match family {
                AF_UNSPEC | AF_INET => IpAddr::V4(v4),
                AF_INET6 if flags & AI_V4MAPPED != 0 => IpAddr::V6(v4.to_ipv6_mapped()),
                _ => return Err(gai(EAI_ADDRFAMILY)),
            };
            return Ok(Lookup { addrs: vec![(addr, 0)], canon: canon_of(host) });
        }
        let (text, scope) = match host.split_once('%') {
            Some((t, s)) => (t, Some(s)),
            None => (host, None),
        };
        if let Some(v6) = inet_pton6(text) {
            let addr = match (family, v6.to_ipv4_mapped()) {
                (AF_UNSPEC | AF_INET6, _) => IpAddr::V6(v6),
                (AF_INET, Some(v4)) => IpAddr::V4(v4),
                _ => return Err(gai(EAI_ADDRFAMILY)),
            };
            let scope = match scope {
                None => 0,
                Some(s) => scope_id(s).ok_or_else(|| gai(EAI_NONAME))?,
            };
            return Ok(Lookup { addrs: vec![(addr, scope)], canon: canon_of(host) });
        }
        if flags & AI_NUMERICHOST != 0 || host.is_empty() {
            return Err(gai(EAI_NONAME));
        }
        self.resolve_name(host, family, flags, port, socktype).await
    }

    /// A name: policy, then `[hosts]`, `localhost`, the OS; then deny rules
    /// on the answers, and the answers remembered for name-based rules.
    async fn resolve_name(
        &mut self,
        name: &str,
        family: i32,
        flags: i32,
        port: u16,
        socktype: i32,
    ) -> SockResult<Lookup> {
        let (lookup, key) = self.ctx.name_lookup(name, family, flags, port, socktype).run().await?;
        self.ctx.remember_resolution(&key, lookup.addrs.iter().map(|(ip, _)| ip.to_canonical()));
        Ok(lookup)
    }
}

/// One name lookup, detached from the instance's state so that it can run
/// in a task (`wasi:sockets` lookups do not block their caller): its
/// answers are remembered by whoever takes them ([`NameLookup::run`]'s
/// key).
pub(crate) struct NameLookup {
    mediator: Arc<crate::mediate::Mediator>,
    config: Arc<ResolverConfig>,
    lookups: Arc<Semaphore>,
    name: String,
    family: i32,
    flags: i32,
    port: u16,
    socktype: i32,
}

impl crate::ctx::CapsockCtx {
    pub(crate) fn name_lookup(&self, name: &str, family: i32, flags: i32, port: u16, socktype: i32) -> NameLookup {
        NameLookup {
            mediator: Arc::clone(&self.mediator),
            config: Arc::clone(&self.resolver),
            lookups: Arc::clone(&self.lookups),
            name: name.to_string(),
            family,
            flags,
            port,
            socktype,
        }
    }
}

impl NameLookup {
    /// The lookup's answers and the name (lower case, no final dot) to
    /// remember them under.
    pub(crate) async fn run(self) -> SockResult<(Lookup, String)> {
        let NameLookup { mediator, config, lookups, name, family, flags, port, socktype } = self;
        let name = name.as_str();
        // A string that is no host name at all is the resolver's error when
        // every name would be granted anyway (as glibc says EAI_NONAME);
        // otherwise the policy's default deny answers, naming no rule.
        if capsock_policy::canonical_name(name).is_err() && mediator.grants_every_name() {
            return Err(gai(EAI_NONAME));
        }
        mediator.name(name).await?;
        let key = name.trim_end_matches('.').to_ascii_lowercase();
        let (answers, canon) = if let Some(ips) = config.host_entry(name) {
            (ips.iter().map(|ip| (*ip, 0)).collect(), key.clone())
        } else if key == "localhost" {
            let (ips, canon) = hosts::localhost();
            (ips.into_iter().map(|ip| (ip, 0)).collect(), canon)
        } else {
            // AF_INET6 with AI_V4MAPPED needs the IPv4 answers too.
            let os_family = if family == AF_INET6 && flags & AI_V4MAPPED != 0 { AF_UNSPEC } else { family };
            // The record a test (or an operator) reads to know which names
            // left the host; written only after the policy allowed the name.
            mediator.audit().record(AuditOp::Lookup, name, true, "os resolver");
            let (canon, answers) = os_lookup(name, os_family, flags, lookups).await?;
            (answers, canon.unwrap_or_else(|| name.to_string()))
        };
        let answers = for_family(answers, family, flags);
        if answers.is_empty() {
            return Err(gai(EAI_NONAME));
        }
        let names = [key.clone()];
        let mut denied: Option<Verdict> = None;
        let mut kept = Vec::with_capacity(answers.len());
        for (ip, scope) in answers {
            let judged = SocketAddr::new(ip.to_canonical(), port);
            // An answer a deny rule removes (DNS rebinding and the like); an
            // allow rule or no rule leaves it to be judged at connect.
            match mediator.answer(name, judged, schemes_for(socktype), &names) {
                Err(verdict) => denied = Some(verdict),
                Ok(()) => kept.push((ip, scope)),
            }
        }
        if kept.is_empty() {
            let reason = denied.map_or_else(|| "default deny".to_string(), |d| d.reason());
            return Err(SockError::denied(format_args!("connect to every address of {name}"), &reason));
        }
        Ok((Lookup { addrs: kept, canon: (flags & AI_CANONNAME != 0).then_some(canon) }, key))
    }
}

impl CapsockCtxView<'_> {
    /// A name for `ip` without asking the OS: the `[hosts]` table, then
    /// `/etc/hosts` for loopback addresses.
    fn reverse(&self, ip: IpAddr) -> Option<(String, Vec<String>)> {
        let ip = ip.to_canonical();
        if let Some((name, _)) =
            self.ctx.resolver.hosts().iter().find(|(_, ips)| ips.iter().any(|a| a.to_canonical() == ip))
        {
            return Some((name.clone(), Vec::new()));
        }
        if ip.is_loopback() { hosts::reverse(ip) } else { None }
    }

    /// CPython's `setipaddr(name, family)`: a host string as one address.
    async fn one_address(&mut self, name: &str, family: i32) -> SockResult<IpAddr> {
        if name.is_empty() {
            return Ok(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        }
        if name == "<broadcast>" {
            return Ok(IpAddr::V4(Ipv4Addr::BROADCAST));
        }
        let found = self.resolve(Some(name), family, 0, 0, 0).await?;
        found.addrs.first().map(|(ip, _)| *ip).ok_or_else(|| gai(EAI_NONAME))
    }
}

impl Host for CapsockCtxView<'_> {
    /// `getaddrinfo(host, service, family, type, proto, flags)`; see the
    /// module documentation for the policy.
    ///
    /// # Errors
    ///
    /// `gaierror` with glibc's code (`EAI_BADFLAGS`, `EAI_FAMILY`,
    /// `EAI_SOCKTYPE`, `EAI_SERVICE`, `EAI_NONAME`, `EAI_ADDRFAMILY`,
    /// `EAI_AGAIN` on timeout, …); `PermissionError` for a denied name.
    async fn getaddrinfo(
        &mut self,
        host: Option<String>,
        service: Option<String>,
        family: i32,
        socket_type: i32,
        proto: i32,
        flags: i32,
    ) -> SockResult<Vec<Addrinfo>> {
        // glibc's checks, in its order.
        if host.is_none() && service.is_none() {
            return Err(gai(EAI_NONAME));
        }
        if flags & !KNOWN_AI_FLAGS != 0 || (flags & AI_CANONNAME != 0 && host.is_none()) {
            return Err(gai(EAI_BADFLAGS));
        }
        let svc = parse_service(service.as_deref(), flags)?;
        if !matches!(family, AF_UNSPEC | AF_INET | AF_INET6) {
            return Err(gai(EAI_FAMILY));
        }
        let tuples = socket_tuples(&svc, socket_type, proto)?;
        let port = tuples.first().map_or(0, |t| t.2);
        let found = self.resolve(host.as_deref(), family, flags, port, socket_type).await?;
        let mut out = Vec::with_capacity(found.addrs.len() * tuples.len());
        for (ip, scope) in found.addrs {
            for &(socktype, proto, port) in &tuples {
                let sa = match ip {
                    IpAddr::V4(_) => SocketAddr::new(ip, port),
                    IpAddr::V6(v6) => SocketAddr::V6(SocketAddrV6::new(v6, port, 0, scope)),
                };
                // glibc puts the canonical name on the first result only.
                let canonname = if out.is_empty() { found.canon.clone().unwrap_or_default() } else { String::new() };
                let family = if ip.is_ipv4() { AF_INET } else { AF_INET6 };
                out.push(Addrinfo {
                    family,
                    socket_type: socktype,
                    proto,
                    canonname,
                    address: crate::addr::from_std(sa),
                });
            }
        }
        Ok(out)
    }

    /// `getnameinfo(sockaddr, flags)`: the host from `[hosts]` or (for
    /// loopback) `/etc/hosts`, else numeric; the service from the services
    /// database, else numeric.
    ///
    /// # Errors
    ///
    /// `gaierror(EAI_BADFLAGS)` for unknown flags, `EAI_FAMILY` for a
    /// non-IP address, `EAI_NONAME` when `NI_NAMEREQD` finds no name.
    async fn getnameinfo(&mut self, address: Address, flags: i32) -> SockResult<(String, String)> {
        if flags & !KNOWN_NI_FLAGS != 0 {
            return Err(gai(EAI_BADFLAGS));
        }
        let Some(sa) = crate::addr::to_std(&address) else { return Err(gai(EAI_FAMILY)) };
        let numeric = || match sa {
            SocketAddr::V6(a) if a.scope_id() != 0 => format!("{}%{}", ip_text(sa.ip()), a.scope_id()),
            _ => ip_text(sa.ip()),
        };
        let host = if flags & NI_NUMERICHOST != 0 {
            numeric()
        } else {
            match self.reverse(sa.ip()) {
                Some((name, _)) => {
                    let own = self.ctx.resolver.hostname();
                    // NI_NOFQDN drops the sandbox's own domain, as glibc
                    // drops the local domain.
                    match own.split_once('.').map(|(_, domain)| format!(".{domain}")) {
                        Some(domain)
                            if flags & NI_NOFQDN != 0 && name.len() > domain.len() && name.ends_with(&domain) =>
                        {
                            name[..name.len() - domain.len()].to_string()
                        }
                        _ => name,
                    }
                }
                None if flags & NI_NAMEREQD != 0 => return Err(gai(EAI_NONAME)),
                None => numeric(),
            }
        };
        let port = sa.port();
        let serv = if flags & NI_NUMERICSERV != 0 {
            port.to_string()
        } else {
            let proto = if flags & NI_DGRAM != 0 { "udp" } else { "tcp" };
            services::by_port(port, Some(proto)).map_or_else(|| port.to_string(), |s| s.name.clone())
        };
        Ok((host, serv))
    }

    /// `gethostbyname_ex(name)`: IPv4 only, as in Python.
    ///
    /// # Errors
    ///
    /// `gaierror` when the name does not resolve (CPython resolves it with
    /// `getaddrinfo` first), `herror` for the empty name,
    /// `PermissionError` for a denied name.
    async fn gethostbyname_ex(&mut self, name: String) -> SockResult<Hostent> {
        if name.is_empty() {
            return Err(herror(NO_RECOVERY));
        }
        if name == "<broadcast>" {
            return Err(herror(HOST_NOT_FOUND));
        }
        let numeric = inet_aton_exact(&name).is_some();
        let found = self.resolve(Some(&name), AF_INET, AI_CANONNAME, 0, 0).await?;
        let addresses = found.addrs.iter().map(|(ip, _)| ip_text(*ip)).collect();
        let hostname = if numeric { name } else { found.canon.unwrap_or(name) };
        Ok(Hostent { name: hostname, aliases: Vec::new(), addresses })
    }

    /// `gethostbyaddr(ip_address)`: reverse lookups never reach the OS
    /// (see the module documentation).
    ///
    /// # Errors
    ///
    /// `herror(HOST_NOT_FOUND)` when no name is known; `gaierror` or
    /// `PermissionError` when a name given instead of an address does not
    /// resolve or is denied.
    async fn gethostbyaddr(&mut self, address: String) -> SockResult<Hostent> {
        let ip = self.one_address(&address, AF_UNSPEC).await?;
        match self.reverse(ip) {
            Some((name, aliases)) => Ok(Hostent { name, aliases, addresses: vec![ip_text(ip.to_canonical())] }),
            None => Err(herror(HOST_NOT_FOUND)),
        }
    }

    async fn gethostname(&mut self) -> SockResult<String> {
        Ok(self.ctx.resolver.hostname().to_string())
    }

    /// # Errors
    ///
    /// `OSError("service/proto not found")`, as CPython.
    async fn getservbyname(&mut self, name: String, proto: Option<String>) -> SockResult<u16> {
        services::by_name(&name, proto.as_deref())
            .map(|s| s.port)
            .ok_or_else(|| SockError::os_msg(0, "service/proto not found"))
    }

    /// # Errors
    ///
    /// `OSError("port/proto not found")`, as CPython.
    async fn getservbyport(&mut self, port: u16, proto: Option<String>) -> SockResult<String> {
        services::by_port(port, proto.as_deref())
            .map(|s| s.name.clone())
            .ok_or_else(|| SockError::os_msg(0, "port/proto not found"))
    }

    /// # Errors
    ///
    /// `OSError("protocol not found")`, as CPython.
    async fn getprotobyname(&mut self, name: String) -> SockResult<i32> {
        services::protocol(&name).ok_or_else(|| SockError::os_msg(0, "protocol not found"))
    }

    async fn if_nameindex(&mut self) -> SockResult<Vec<(u32, String)>> {
        // No interface is visible to a guest.
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_parse_as_glibc() {
        assert_eq!(strtoul_int("80"), Some(80));
        assert_eq!(strtoul_int(" +80"), Some(80));
        assert_eq!(strtoul_int("-1"), Some(-1));
        assert_eq!(strtoul_int("4294967376"), Some(80));
        assert_eq!(strtoul_int("0x50"), None);
        assert_eq!(strtoul_int("http"), None);
        assert_eq!(strtoul_int("99999999999999999999999"), Some(-1));
        assert!(matches!(parse_service(Some("65536"), 0), Ok(Svc::Port(0))));
        assert!(matches!(parse_service(Some("*"), 0), Ok(Svc::None)));
    }

    #[test]
    fn socket_types_as_glibc() {
        let t = socket_tuples(&Svc::Port(80), 0, 0).unwrap();
        assert_eq!(t, [(SOCK_STREAM, 6, 80), (SOCK_DGRAM, 17, 80), (SOCK_RAW, 0, 80)]);
        assert!(socket_tuples(&Svc::Port(80), SOCK_STREAM, 17).is_err());
        assert_eq!(socket_tuples(&Svc::Port(80), SOCK_SEQPACKET, 0).unwrap(), [(SOCK_SEQPACKET, 132, 80)]);
        assert_eq!(socket_tuples(&Svc::Port(80), 0, 132).unwrap(), [(SOCK_STREAM, 132, 80)]);
    }

    #[test]
    fn numeric_hosts_as_glibc() {
        assert_eq!(inet_aton_exact("127.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton_exact("1.2.3.4 "), None);
        assert_eq!(inet_aton_exact("256.1.1.1"), None);
        assert_eq!(inet_pton6("::ffff:1.2.3.4"), Some("::ffff:1.2.3.4".parse().unwrap()));
        assert_eq!(inet_pton6("1::2::3"), None);
        assert_eq!(ip_text("::2:3".parse().unwrap()), "::0.2.0.3");
        assert_eq!(scope_id("7"), Some(7));
        assert_eq!(scope_id("eth0"), None);
    }

    #[test]
    fn os_lookups_answer() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        // `localhost` is in every /etc/hosts, so no DNS query leaves.
        let mine = Arc::new(Semaphore::new(MAX_LOOKUPS_PER_INSTANCE));
        let answer = rt.block_on(os_lookup("localhost", AF_INET, 0, mine)).unwrap();
        assert!(answer.1.iter().any(|(ip, _)| ip.is_loopback()));
    }

    /// A string that is no host name is the resolver's error when the
    /// policy grants every name (as CPython's `gaierror`), and the policy's
    /// default deny otherwise; in neither case is anything looked up.
    #[test]
    fn malformed_names_under_a_grant_everything_policy() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let ask = |policy: capsock_policy::Policy| {
            let mut ctx = crate::CapsockCtx::builder(policy).build();
            let mut table = wasmtime::component::ResourceTable::new();
            let mut view = CapsockCtxView { ctx: &mut ctx, table: &mut table };
            match rt.block_on(view.gethostbyname_ex("0.1.1.~1".to_string())) {
                Err(SockError::Guest(e)) => (e.kind, e.errno, e.rule),
                other => panic!("expected an error, got {:?}", other.map(|h| h.name)),
            }
        };
        let everything = capsock_policy::Policy::from_rules(["* *://*:*"], []).unwrap();
        assert_eq!(ask(everything), (crate::error::Kind::Gai, EAI_NONAME, None));
        let (kind, errno, rule) = ask(capsock_policy::Policy::deny_all());
        assert_eq!(
            (kind, errno, rule.as_deref()),
            (crate::error::Kind::Os, capsock_abi::errno::EACCES, Some("default deny"))
        );
    }

    #[test]
    fn the_hosts_table_ignores_case_and_a_trailing_dot() {
        let mut c = ResolverConfig::default();
        c.add_host("DB.test.", vec!["127.0.0.1".parse().unwrap()]);
        assert_eq!(c.host_entry("db.TEST").map(<[IpAddr]>::len), Some(1));
        assert_eq!(c.hostname(), DEFAULT_HOSTNAME);
        c.set_hostname("sandbox-1");
        assert_eq!(c.hostname(), "sandbox-1");
    }
}
