//! Socket addresses: [`Address`], and [`ToAddress`] for everything Python
//! accepts as one.

use crate::bindings::capsock::socket::resolver as wit_resolver;
use crate::bindings::capsock::socket::types as wit;
use crate::error::{Error, ErrorKind};
use capsock_abi::consts::{
    AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC, EAI_ADDRFAMILY, EAI_NONAME, IPPROTO_TCP, IPPROTO_UDP, SOCK_DGRAM,
    SOCK_STREAM,
};
use capsock_abi::inet::inet_ntop6;
use std::fmt::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::path::Path;

/// Linux's `sizeof(sockaddr_un.sun_path)`.
const SUN_PATH_LEN: usize = 108;

/// The largest IPv6 flow label (20 bits), as CPython checks it.
const MAX_FLOWINFO: u32 = 0xf_ffff;

/// An `AF_UNIX` address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UnixAddress {
    /// No name: an unbound socket, or `''` given to `bind` (on Linux, binding
    /// to `''` autobinds to a fresh abstract name). Python shows `''`.
    Unnamed,
    /// A filesystem path (the host resolves it inside the directories its
    /// policy grants). Python shows `'/tmp/x.sock'`.
    Path(String),
    /// A Linux abstract-namespace name: the bytes *after* the leading NUL.
    /// Python shows `b'\x00name'`.
    Abstract(Vec<u8>),
}

/// A socket address, as Python returns it from `getsockname`, `accept`,
/// `recvfrom`, ….
///
/// [`Display`](fmt::Display) is Python's `repr` of the address:
/// `('127.0.0.1', 8080)`, `('::1', 8080, 0, 0)`, `'/tmp/x.sock'`,
/// `b'\x00name'`, `''` or `None`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Address {
    /// `AF_INET`: Python's `(host, port)`.
    Inet(SocketAddrV4),
    /// `AF_INET6`: Python's `(host, port, flowinfo, scope_id)`.
    Inet6(SocketAddrV6),
    /// `AF_UNIX`: Python's `str` (a path) or `bytes` (an abstract name).
    Unix(UnixAddress),
    /// Python's `None`: no address (`recvfrom` on a connected stream socket).
    None,
}

impl Address {
    /// The IP address of an `AF_INET`/`AF_INET6` address.
    pub fn ip(&self) -> Option<IpAddr> {
        self.to_socket_addr().map(|a| a.ip())
    }

    /// The port of an `AF_INET`/`AF_INET6` address.
    pub fn port(&self) -> Option<u16> {
        self.to_socket_addr().map(|a| a.port())
    }

    /// The address as a [`SocketAddr`], for `AF_INET`/`AF_INET6` addresses.
    pub fn to_socket_addr(&self) -> Option<SocketAddr> {
        match self {
            Address::Inet(a) => Some(SocketAddr::V4(*a)),
            Address::Inet6(a) => Some(SocketAddr::V6(*a)),
            Address::Unix(_) | Address::None => None,
        }
    }

    /// The address family: `AF_INET`, `AF_INET6` or `AF_UNIX`; `None` for
    /// [`Address::None`].
    pub fn family(&self) -> Option<i32> {
        match self {
            Address::Inet(_) => Some(AF_INET),
            Address::Inet6(_) => Some(AF_INET6),
            Address::Unix(_) => Some(AF_UNIX),
            Address::None => None,
        }
    }

    /// Whether this is Python's `None`.
    pub fn is_none(&self) -> bool {
        matches!(self, Address::None)
    }

    /// Python's truth value of the address: `None` and `''` are false.
    /// Used where Python writes `if address:`.
    pub(crate) fn is_truthy(&self) -> bool {
        !matches!(self, Address::None | Address::Unix(UnixAddress::Unnamed))
    }

    /// The WIT form; `None` for [`Address::None`].
    pub(crate) fn to_wit(&self) -> Option<wit::Address> {
        Some(match self {
            Address::Inet(a) => {
                let [o0, o1, o2, o3] = a.ip().octets();
                wit::Address::Inet(wit::InetAddress { octets: (o0, o1, o2, o3), port: a.port() })
            }
            Address::Inet6(a) => {
                let [s0, s1, s2, s3, s4, s5, s6, s7] = a.ip().segments();
                wit::Address::Inet6(wit::Inet6Address {
                    segments: (s0, s1, s2, s3, s4, s5, s6, s7),
                    port: a.port(),
                    flowinfo: a.flowinfo(),
                    scope_id: a.scope_id(),
                })
            }
            Address::Unix(UnixAddress::Unnamed) => wit::Address::Unix(wit::UnixAddress::Unnamed),
            Address::Unix(UnixAddress::Path(p)) => wit::Address::Unix(wit::UnixAddress::Path(p.clone())),
            Address::Unix(UnixAddress::Abstract(n)) => wit::Address::Unix(wit::UnixAddress::AbstractName(n.clone())),
            Address::None => return None,
        })
    }

    /// The SDK form of a WIT address.
    pub(crate) fn from_wit(addr: wit::Address) -> Address {
        match addr {
            wit::Address::Inet(a) => {
                let (o0, o1, o2, o3) = a.octets;
                Address::Inet(SocketAddrV4::new(Ipv4Addr::new(o0, o1, o2, o3), a.port))
            }
            wit::Address::Inet6(a) => {
                let (s0, s1, s2, s3, s4, s5, s6, s7) = a.segments;
                let ip = Ipv6Addr::new(s0, s1, s2, s3, s4, s5, s6, s7);
                Address::Inet6(SocketAddrV6::new(ip, a.port, a.flowinfo, a.scope_id))
            }
            wit::Address::Unix(wit::UnixAddress::Unnamed) => Address::Unix(UnixAddress::Unnamed),
            wit::Address::Unix(wit::UnixAddress::Path(p)) => Address::Unix(UnixAddress::Path(p)),
            wit::Address::Unix(wit::UnixAddress::AbstractName(n)) => Address::Unix(UnixAddress::Abstract(n)),
        }
    }

    /// [`from_wit`](Self::from_wit) where the host may report no address.
    pub(crate) fn from_wit_opt(addr: Option<wit::Address>) -> Address {
        addr.map_or(Address::None, Address::from_wit)
    }
}

impl fmt::Display for Address {
    /// Python's `repr` of the address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Inet(a) => write!(f, "('{}', {})", a.ip(), a.port()),
            Address::Inet6(a) => {
                // CPython shows glibc's `inet_ntop` text (`::0.2.0.3`).
                let host = inet_ntop6(*a.ip());
                write!(f, "('{host}', {}, {}, {})", a.port(), a.flowinfo(), a.scope_id())
            }
            Address::Unix(UnixAddress::Unnamed) => f.write_str("''"),
            Address::Unix(UnixAddress::Path(p)) => fmt_str_repr(p, f),
            Address::Unix(UnixAddress::Abstract(name)) => {
                let mut bytes = Vec::with_capacity(name.len() + 1);
                bytes.push(0);
                bytes.extend_from_slice(name);
                fmt_bytes_repr(&bytes, f)
            }
            Address::None => f.write_str("None"),
        }
    }
}

impl From<SocketAddr> for Address {
    fn from(a: SocketAddr) -> Self {
        match a {
            SocketAddr::V4(a) => Address::Inet(a),
            SocketAddr::V6(a) => Address::Inet6(a),
        }
    }
}

impl From<SocketAddrV4> for Address {
    fn from(a: SocketAddrV4) -> Self {
        Address::Inet(a)
    }
}

impl From<SocketAddrV6> for Address {
    fn from(a: SocketAddrV6) -> Self {
        Address::Inet6(a)
    }
}

impl From<(IpAddr, u16)> for Address {
    fn from((ip, port): (IpAddr, u16)) -> Self {
        SocketAddr::new(ip, port).into()
    }
}

impl From<UnixAddress> for Address {
    fn from(a: UnixAddress) -> Self {
        Address::Unix(a)
    }
}

/// One `getaddrinfo` result: Python's `(family, type, proto, canonname,
/// sockaddr)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AddrInfo {
    /// The address family (`AF_INET`, `AF_INET6`, …).
    pub family: i32,
    /// The socket type (`SOCK_STREAM`, …).
    pub type_: i32,
    /// The protocol (`IPPROTO_TCP`, …).
    pub proto: i32,
    /// The canonical name when `AI_CANONNAME` asked for it, else `""`.
    pub canonname: String,
    /// The socket address.
    pub sockaddr: Address,
}

impl AddrInfo {
    /// The entry glibc's `getaddrinfo` gives for a numeric address: the
    /// protocol follows the socket type.
    fn numeric(address: Address, type_: i32) -> AddrInfo {
        let family = address.family().unwrap_or(AF_UNSPEC);
        let proto = match (family, type_) {
            (AF_INET | AF_INET6, SOCK_STREAM) => IPPROTO_TCP,
            (AF_INET | AF_INET6, SOCK_DGRAM) => IPPROTO_UDP,
            _ => 0,
        };
        AddrInfo { family, type_, proto, canonname: String::new(), sockaddr: address }
    }
}

impl fmt::Display for AddrInfo {
    /// Python's `repr` of the 5-tuple with the enums as integers:
    /// `(2, 1, 6, '', ('127.0.0.1', 80))`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {}, {}, ", self.family, self.type_, self.proto)?;
        fmt_str_repr(&self.canonname, f)?;
        write!(f, ", {})", self.sockaddr)
    }
}

/// Anything that names a socket address, the way Python accepts tuples,
/// strings and bytes as addresses.
///
/// The socket's family picks the interpretation, as in Python: `("::1",
/// 80)` is an `AF_INET6` address for an `AF_INET6` socket, and a `gaierror`
/// (`[Errno -9] Address family for hostname not supported`) for an
/// `AF_INET` one. Host strings follow CPython's rules:
///
/// - `""` is `INADDR_ANY` (`::` for `AF_INET6`);
/// - `"<broadcast>"` is `INADDR_BROADCAST` (`AF_INET` only);
/// - numeric IPv4 and IPv6 addresses are parsed here, IPv6 ones optionally
///   with a numeric `%scope_id`, which is used when the tuple gives no
///   scope (CPython would use the tuple's 0);
/// - any other name is resolved by the host's `getaddrinfo` (subject to its
///   policy) and the first result is used.
///
/// Strings, bytes and paths are `AF_UNIX` addresses: a leading NUL names
/// the abstract namespace, `""` is [`UnixAddress::Unnamed`] (autobind).
///
/// Implemented for `(&str, u16)`, `(String, u16)`, `(&str, u16, u32, u32)`
/// (IPv6 flowinfo and scope id), `(IpAddr, u16)`, the `std::net` socket
/// addresses, `str`, `String`, `Path`, `[u8]`, `Vec<u8>`, `[u8; N]`,
/// [`Address`], [`UnixAddress`] and references to any of these.
pub trait ToAddress {
    /// This address for a socket of `family` (`AF_UNSPEC` when no socket
    /// exists yet: the address picks the family).
    ///
    /// # Errors
    ///
    /// - `gaierror` when the host part does not resolve, or resolves to the
    ///   wrong family (`EAI_ADDRFAMILY`);
    /// - `TypeError` for an address of the wrong shape (a path for an
    ///   `AF_INET` socket, a host tuple for `AF_UNIX`, `None`);
    /// - `OSError("AF_UNIX path too long")`, `ValueError` for a path with a
    ///   NUL inside or that is not UTF-8, `OverflowError` for an IPv6
    ///   flowinfo above 2²⁰-1.
    fn to_address(&self, family: i32) -> Result<Address, Error>;

    /// Every address this names for a new socket of `type_`, in the order
    /// to try them: what Python's `getaddrinfo(host, port, family, type_)`
    /// returns. Numeric addresses give one entry; host names give every
    /// resolver result. [`create_connection`](crate::create_connection)
    /// tries each.
    ///
    /// # Errors
    ///
    /// As [`to_address`](Self::to_address).
    fn to_addrinfo(&self, family: i32, type_: i32) -> Result<Vec<AddrInfo>, Error> {
        let address = self.to_address(family)?;
        Ok(vec![AddrInfo::numeric(address, type_)])
    }
}

impl<T: ToAddress + ?Sized> ToAddress for &T {
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        (**self).to_address(family)
    }

    fn to_addrinfo(&self, family: i32, type_: i32) -> Result<Vec<AddrInfo>, Error> {
        (**self).to_addrinfo(family, type_)
    }
}

impl ToAddress for Address {
    /// The address itself, checked against the socket's family the way
    /// CPython checks the address object it is given.
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        check_address(self, family)?;
        Ok(self.clone())
    }
}

impl ToAddress for UnixAddress {
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        Address::Unix(self.clone()).to_address(family)
    }
}

impl ToAddress for SocketAddr {
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        Address::from(*self).to_address(family)
    }
}

impl ToAddress for SocketAddrV4 {
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        Address::Inet(*self).to_address(family)
    }
}

impl ToAddress for SocketAddrV6 {
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        Address::Inet6(*self).to_address(family)
    }
}

impl ToAddress for (IpAddr, u16) {
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        SocketAddr::new(self.0, self.1).to_address(family)
    }
}

impl ToAddress for (Ipv4Addr, u16) {
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        SocketAddrV4::new(self.0, self.1).to_address(family)
    }
}

impl ToAddress for (Ipv6Addr, u16) {
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        SocketAddrV6::new(self.0, self.1, 0, 0).to_address(family)
    }
}

impl ToAddress for (&str, u16) {
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        inet_address(self.0, self.1, None, family)
    }

    fn to_addrinfo(&self, family: i32, type_: i32) -> Result<Vec<AddrInfo>, Error> {
        inet_addrinfo(self.0, self.1, None, family, type_)
    }
}

impl ToAddress for (String, u16) {
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        (self.0.as_str(), self.1).to_address(family)
    }

    fn to_addrinfo(&self, family: i32, type_: i32) -> Result<Vec<AddrInfo>, Error> {
        (self.0.as_str(), self.1).to_addrinfo(family, type_)
    }
}

impl ToAddress for (&String, u16) {
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        (self.0.as_str(), self.1).to_address(family)
    }

    fn to_addrinfo(&self, family: i32, type_: i32) -> Result<Vec<AddrInfo>, Error> {
        (self.0.as_str(), self.1).to_addrinfo(family, type_)
    }
}

impl ToAddress for (&str, u16, u32, u32) {
    /// Python's `(host, port, flowinfo, scope_id)`, for `AF_INET6` sockets.
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        inet_address(self.0, self.1, Some((self.2, self.3)), family)
    }

    fn to_addrinfo(&self, family: i32, type_: i32) -> Result<Vec<AddrInfo>, Error> {
        inet_addrinfo(self.0, self.1, Some((self.2, self.3)), family, type_)
    }
}

impl ToAddress for (String, u16, u32, u32) {
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        (self.0.as_str(), self.1, self.2, self.3).to_address(family)
    }

    fn to_addrinfo(&self, family: i32, type_: i32) -> Result<Vec<AddrInfo>, Error> {
        (self.0.as_str(), self.1, self.2, self.3).to_addrinfo(family, type_)
    }
}

impl ToAddress for str {
    /// An `AF_UNIX` path; a leading `'\0'` names the abstract namespace.
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        unix_address(self.as_bytes(), family, "str")
    }
}

impl ToAddress for String {
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        self.as_str().to_address(family)
    }
}

impl ToAddress for Path {
    /// An `AF_UNIX` path.
    ///
    /// # Errors
    ///
    /// `ValueError` when the path is not UTF-8: capsock passes paths to the
    /// host as strings.
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        match self.to_str() {
            Some(s) => s.to_address(family),
            None => Err(Error::value("AF_UNIX path must be valid UTF-8")),
        }
    }
}

impl ToAddress for [u8] {
    /// An `AF_UNIX` address as bytes, as Python accepts: `b"\0name"` is an
    /// abstract name, anything else a (UTF-8) path.
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        unix_address(self, family, "bytes")
    }
}

impl ToAddress for Vec<u8> {
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        self.as_slice().to_address(family)
    }
}

impl<const N: usize> ToAddress for [u8; N] {
    fn to_address(&self, family: i32) -> Result<Address, Error> {
        self.as_slice().to_address(family)
    }
}

/// CPython's `TypeError` for an address of the wrong Python type.
fn wrong_type(family: i32, python_type: &str) -> Error {
    match family {
        AF_INET => Error::type_error(format!("AF_INET address must be tuple, not {python_type}")),
        AF_INET6 => Error::type_error(format!("AF_INET6 address must be tuple, not {python_type}")),
        AF_UNIX => Error::type_error(format!("a bytes-like object is required, not '{python_type}'")),
        // No socket yet (create_connection) or a family capsock does not know.
        _ if python_type == "NoneType" => Error::type_error("address must not be None"),
        _ => Error::type_error(format!("unsupported address type: {python_type}")),
    }
}

/// Add the socket method's name to the address errors CPython words with
/// it (see [`Error::with_caller`]).
pub(crate) fn name_caller(e: Error, caller: &str) -> Error {
    let m = e.message();
    let named = match e.kind() {
        ErrorKind::Type => m.starts_with("AF_INET") && m.contains(" address must be tuple, not "),
        ErrorKind::Overflow => m.starts_with("flowinfo must be"),
        _ => false,
    };
    if named { e.with_caller(caller) } else { e }
}

/// Check an address against the family of the socket it is for.
///
/// Families capsock does not know pass unchecked: the host refuses them.
fn check_address(addr: &Address, family: i32) -> Result<(), Error> {
    match (addr, family) {
        (Address::None, _) => Err(wrong_type(family, "NoneType")),
        (Address::Inet(_), AF_INET | AF_UNSPEC) => Ok(()),
        (Address::Inet6(a), AF_INET6 | AF_UNSPEC) => {
            if a.flowinfo() > MAX_FLOWINFO {
                return Err(Error::overflow("flowinfo must be 0-1048575."));
            }
            Ok(())
        }
        // What getaddrinfo says for an address literal of the other family.
        (Address::Inet(_), AF_INET6) | (Address::Inet6(_), AF_INET) => Err(Error::gai(EAI_ADDRFAMILY)),
        (Address::Inet(_) | Address::Inet6(_), AF_UNIX) => Err(wrong_type(family, "tuple")),
        (Address::Unix(u), AF_UNIX | AF_UNSPEC) => check_unix(u),
        (Address::Unix(UnixAddress::Abstract(_)), AF_INET | AF_INET6) => Err(wrong_type(family, "bytes")),
        (Address::Unix(_), AF_INET | AF_INET6) => Err(wrong_type(family, "str")),
        _ => Ok(()),
    }
}

/// CPython's limits on `sun_path`.
fn check_unix(addr: &UnixAddress) -> Result<(), Error> {
    match addr {
        UnixAddress::Unnamed => Ok(()),
        UnixAddress::Path(p) => {
            // CPython passes NULs inside a path through and the kernel stops
            // at the first; a host policy judging the whole string would see
            // a different path, so capsock refuses them.
            if p.contains('\0') {
                return Err(Error::value("embedded null byte"));
            }
            // A path needs its terminating NUL in sun_path.
            if p.len() >= SUN_PATH_LEN {
                return Err(Error::os_message("AF_UNIX path too long"));
            }
            Ok(())
        }
        UnixAddress::Abstract(name) => {
            if name.len() + 1 > SUN_PATH_LEN {
                return Err(Error::os_message("AF_UNIX path too long"));
            }
            Ok(())
        }
    }
}

/// A string or bytes address: `AF_UNIX` only.
fn unix_address(bytes: &[u8], family: i32, python_type: &str) -> Result<Address, Error> {
    if family == AF_INET || family == AF_INET6 {
        return Err(wrong_type(family, python_type));
    }
    let unix = match bytes.split_first() {
        None => UnixAddress::Unnamed,
        Some((0, name)) => UnixAddress::Abstract(name.to_vec()),
        Some(_) => match std::str::from_utf8(bytes) {
            Ok(s) => UnixAddress::Path(s.to_string()),
            Err(_) => return Err(Error::value("AF_UNIX path must be valid UTF-8")),
        },
    };
    Address::Unix(unix).to_address(family)
}

/// An IP address named by a host string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HostIp {
    V4(Ipv4Addr),
    /// The address and the scope id it carried (`%2`), 0 when none.
    V6(Ipv6Addr, u32),
}

impl HostIp {
    fn from_wit(addr: wit::Address) -> Option<HostIp> {
        match Address::from_wit(addr) {
            Address::Inet(a) => Some(HostIp::V4(*a.ip())),
            Address::Inet6(a) => Some(HostIp::V6(*a.ip(), a.scope_id())),
            _ => None,
        }
    }
}

/// CPython's `setipaddr` without the resolver: the host string as an IP
/// address for `family`, `Ok(None)` when it is a name to resolve.
fn parse_host(host: &str, family: i32) -> Result<Option<HostIp>, Error> {
    if host.contains('\0') {
        return Err(Error::type_error("host name must not contain null character"));
    }
    let v4_ok = family == AF_INET || family == AF_UNSPEC;
    let v6_ok = family == AF_INET6 || family == AF_UNSPEC;
    if host.is_empty() {
        // getaddrinfo(NULL, "0", AI_PASSIVE): the wildcard of the family.
        return Ok(Some(if family == AF_INET6 {
            HostIp::V6(Ipv6Addr::UNSPECIFIED, 0)
        } else {
            HostIp::V4(Ipv4Addr::UNSPECIFIED)
        }));
    }
    if host == "<broadcast>" || host == "255.255.255.255" {
        if !v4_ok {
            return Err(Error::os_message("address family mismatched"));
        }
        return Ok(Some(HostIp::V4(Ipv4Addr::BROADCAST)));
    }
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        // glibc's getaddrinfo refuses a literal of the other family.
        return if v4_ok { Ok(Some(HostIp::V4(ip))) } else { Err(Error::gai(EAI_ADDRFAMILY)) };
    }
    let (literal, scope) = match host.split_once('%') {
        Some((literal, scope)) => match scope.parse::<u32>() {
            Ok(scope) => (literal, scope),
            // An interface name as the zone: only the resolver knows it.
            Err(_) => return Ok(None),
        },
        None => (host, 0),
    };
    if let Ok(ip) = literal.parse::<Ipv6Addr>() {
        return if v6_ok { Ok(Some(HostIp::V6(ip, scope))) } else { Err(Error::gai(EAI_ADDRFAMILY)) };
    }
    Ok(None)
}

/// A host string as an IP address for `family`, resolving names through
/// the host (first result, as CPython's `setipaddr`).
fn host_ip(host: &str, family: i32) -> Result<HostIp, Error> {
    if let Some(ip) = parse_host(host, family)? {
        return Ok(ip);
    }
    let results = wit_resolver::getaddrinfo(Some(host), None, family, 0, 0, 0)?;
    let first = results.into_iter().next().ok_or_else(|| Error::gai(EAI_NONAME))?;
    let ip = HostIp::from_wit(first.address).ok_or_else(|| Error::gai(EAI_ADDRFAMILY))?;
    match (ip, family) {
        (HostIp::V4(_), AF_INET6) | (HostIp::V6(..), AF_INET) => Err(Error::gai(EAI_ADDRFAMILY)),
        _ => Ok(ip),
    }
}

/// The socket address for `ip` with the tuple's port, flowinfo and scope.
fn inet_from_ip(ip: HostIp, port: u16, extra: Option<(u32, u32)>) -> Address {
    match ip {
        HostIp::V4(ip) => Address::Inet(SocketAddrV4::new(ip, port)),
        HostIp::V6(ip, parsed_scope) => {
            let (flowinfo, scope) = extra.unwrap_or((0, 0));
            let scope = if scope == 0 { parsed_scope } else { scope };
            Address::Inet6(SocketAddrV6::new(ip, port, flowinfo, scope))
        }
    }
}

/// Python's `(host, port)` / `(host, port, flowinfo, scope_id)` for a socket
/// of `family`.
fn inet_address(host: &str, port: u16, extra: Option<(u32, u32)>, family: i32) -> Result<Address, Error> {
    match family {
        AF_UNIX => return Err(wrong_type(family, "tuple")),
        AF_INET if extra.is_some() => {
            return Err(Error::type_error("AF_INET address must be a pair (host, port)"));
        }
        _ => {}
    }
    let address = inet_from_ip(host_ip(host, family)?, port, extra);
    address.to_address(family)
}

/// `getaddrinfo(host, port, family, type_)` for a host tuple.
fn inet_addrinfo(
    host: &str,
    port: u16,
    extra: Option<(u32, u32)>,
    family: i32,
    type_: i32,
) -> Result<Vec<AddrInfo>, Error> {
    if family == AF_INET && extra.is_some() {
        return Err(Error::type_error("AF_INET address must be a pair (host, port)"));
    }
    if let Some(ip) = parse_host(host, family)? {
        let address = inet_from_ip(ip, port, extra).to_address(family)?;
        return Ok(vec![AddrInfo::numeric(address, type_)]);
    }
    let service = port.to_string();
    let results = wit_resolver::getaddrinfo(Some(host), Some(&service), family, type_, 0, 0)?;
    let mut infos = Vec::with_capacity(results.len());
    for r in results {
        let address = match HostIp::from_wit(r.address.clone()) {
            // The tuple's flowinfo and scope apply to each IPv6 result.
            Some(ip) => inet_from_ip(ip, port, extra),
            None => Address::from_wit(r.address),
        };
        infos.push(AddrInfo {
            family: r.family,
            type_: if r.socket_type == 0 { type_ } else { r.socket_type },
            proto: r.proto,
            canonname: r.canonname,
            sockaddr: address,
        });
    }
    if infos.is_empty() {
        return Err(Error::gai(EAI_NONAME));
    }
    Ok(infos)
}

/// The quote Python's `repr` picks: `'` unless the text has `'` and no `"`.
fn repr_quote(has_single: bool, has_double: bool) -> char {
    if has_single && !has_double { '"' } else { '\'' }
}

/// Python's `repr(str)`.
///
/// Python escapes every code point that is not printable by its Unicode
/// tables; without those tables this escapes control characters and the
/// invisible separators and format characters, and shows other non-ASCII
/// text as is (unassigned code points differ from Python).
fn fmt_str_repr(s: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let quote = repr_quote(s.contains('\''), s.contains('"'));
    f.write_char(quote)?;
    for c in s.chars() {
        match c {
            '\\' => f.write_str("\\\\")?,
            '\t' => f.write_str("\\t")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            c if c == quote => write!(f, "\\{c}")?,
            c if !is_printable(c) => {
                let n = u32::from(c);
                if n < 0x100 {
                    write!(f, "\\x{n:02x}")?;
                } else if n < 0x10000 {
                    write!(f, "\\u{n:04x}")?;
                } else {
                    write!(f, "\\U{n:08x}")?;
                }
            }
            c => f.write_char(c)?,
        }
    }
    f.write_char(quote)
}

/// Python's `str.isprintable` for one character, approximately (see
/// [`fmt_str_repr`]): false for controls, separators other than space,
/// format characters and private use.
fn is_printable(c: char) -> bool {
    let n = u32::from(c);
    !(c.is_control()
        || matches!(
            n,
            0xa0 | 0xad
                | 0x600..=0x605
                | 0x61c
                | 0x6dd
                | 0x70f
                | 0x1680
                | 0x180e
                | 0x2000..=0x200f
                | 0x2028..=0x202f
                | 0x205f..=0x2064
                | 0x2066..=0x206f
                | 0x3000
                | 0xe000..=0xf8ff
                | 0xfeff
                | 0xfff9..=0xfffb
                | 0xe0001
                | 0xe0020..=0xe007f
                | 0xf0000..
        ))
}

/// Python's `repr(bytes)`.
fn fmt_bytes_repr(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let quote = repr_quote(bytes.contains(&b'\''), bytes.contains(&b'"'));
    f.write_char('b')?;
    f.write_char(quote)?;
    for &b in bytes {
        match b {
            b'\\' => f.write_str("\\\\")?,
            b'\t' => f.write_str("\\t")?,
            b'\n' => f.write_str("\\n")?,
            b'\r' => f.write_str("\\r")?,
            b if char::from(b) == quote => write!(f, "\\{quote}")?,
            0x20..=0x7e => f.write_char(char::from(b))?,
            b => write!(f, "\\x{b:02x}")?,
        }
    }
    f.write_char(quote)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> Address {
        Address::Inet(s.parse().unwrap())
    }

    fn v6(s: &str) -> Address {
        Address::Inet6(s.parse().unwrap())
    }

    #[test]
    fn display_is_pythons_repr() {
        assert_eq!(v4("127.0.0.1:8080").to_string(), "('127.0.0.1', 8080)");
        assert_eq!(v6("[::1]:8080").to_string(), "('::1', 8080, 0, 0)");
        assert_eq!(v6("[fe80::1%3]:9").to_string(), "('fe80::1', 9, 0, 3)");
        let flow = Address::Inet6(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 1, 5, 0));
        assert_eq!(flow.to_string(), "('::1', 1, 5, 0)");
        let path = Address::Unix(UnixAddress::Path("/tmp/x.sock".into()));
        assert_eq!(path.to_string(), "'/tmp/x.sock'");
        let abs = Address::Unix(UnixAddress::Abstract(b"name".to_vec()));
        assert_eq!(abs.to_string(), r"b'\x00name'");
        assert_eq!(Address::Unix(UnixAddress::Unnamed).to_string(), "''");
        assert_eq!(Address::None.to_string(), "None");
    }

    /// The IPv6 text is glibc's `inet_ntop` (its cases are tested in
    /// `capsock_abi::inet`); here, that the repr uses it.
    #[test]
    fn ipv6_text_is_glibcs() {
        let cases = [("::2:3", "::0.2.0.3"), ("1:0:0:2:0:0:3:4", "1::2:0:0:3:4")];
        for (input, python) in cases {
            let a = Address::Inet6(SocketAddrV6::new(input.parse().unwrap(), 0, 0, 0));
            assert_eq!(a.to_string(), format!("('{python}', 0, 0, 0)"), "{input}");
        }
    }

    #[test]
    fn str_and_bytes_reprs() {
        let show = |s: &str| Address::Unix(UnixAddress::Path(s.into())).to_string();
        assert_eq!(show("it's"), "\"it's\"");
        assert_eq!(show("a'b\"c"), r#"'a\'b"c'"#);
        assert_eq!(show("tab\there\\"), r"'tab\there\\'");
        assert_eq!(show("\u{7f}\u{a0}é\u{2028}"), r"'\x7f\xa0é\u2028'");
        let bytes = |b: &[u8]| Address::Unix(UnixAddress::Abstract(b.to_vec())).to_string();
        assert_eq!(bytes(b"it's"), r#"b"\x00it's""#);
        assert_eq!(bytes(b"\xff\n"), r"b'\x00\xff\n'");
    }

    #[test]
    fn accessors_and_conversions() {
        let a = v4("10.0.0.1:80");
        assert_eq!(a.ip(), Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))));
        assert_eq!(a.port(), Some(80));
        assert_eq!(a.family(), Some(AF_INET));
        assert_eq!(a.to_socket_addr(), Some("10.0.0.1:80".parse().unwrap()));
        assert_eq!(Address::None.port(), None);
        assert_eq!(Address::from("[::1]:5".parse::<SocketAddr>().unwrap()), v6("[::1]:5"));
        assert_eq!(Address::from((IpAddr::V4(Ipv4Addr::LOCALHOST), 1)), v4("127.0.0.1:1"));
        assert!(!Address::Unix(UnixAddress::Unnamed).is_truthy());
    }

    #[test]
    fn wit_round_trip() {
        for a in [
            v4("1.2.3.4:5"),
            v6("[fe80::1%7]:9"),
            Address::Unix(UnixAddress::Unnamed),
            Address::Unix(UnixAddress::Path("p".into())),
            Address::Unix(UnixAddress::Abstract(vec![0, 1])),
        ] {
            assert_eq!(Address::from_wit(a.to_wit().unwrap()), a);
        }
        assert!(Address::None.to_wit().is_none());
        assert_eq!(Address::from_wit_opt(None), Address::None);
    }

    #[test]
    fn host_strings_follow_cpython() {
        assert_eq!(("", 80).to_address(AF_INET).unwrap(), v4("0.0.0.0:80"));
        assert_eq!(("", 80).to_address(AF_INET6).unwrap(), v6("[::]:80"));
        assert_eq!(("<broadcast>", 9).to_address(AF_INET).unwrap(), v4("255.255.255.255:9"));
        assert_eq!(("127.0.0.1", 1).to_address(AF_INET).unwrap(), v4("127.0.0.1:1"));
        assert_eq!(("::1", 1).to_address(AF_INET6).unwrap(), v6("[::1]:1"));
        assert_eq!(("fe80::1%4", 1).to_address(AF_INET6).unwrap(), v6("[fe80::1%4]:1"));
        assert_eq!(("fe80::1%4", 1, 0, 9).to_address(AF_INET6).unwrap(), v6("[fe80::1%9]:1"));
        let flow = ("::1", 1, 7, 0).to_address(AF_INET6).unwrap();
        assert_eq!(flow, Address::Inet6(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 1, 7, 0)));
        assert_eq!(("::1".to_string(), 1).to_address(AF_UNSPEC).unwrap(), v6("[::1]:1"));
        assert_eq!(("1.2.3.4", 1).to_address(AF_UNSPEC).unwrap(), v4("1.2.3.4:1"));
    }

    #[test]
    fn family_mismatches_are_pythons_errors() {
        let e = ("127.0.0.1", 80).to_address(AF_INET6).unwrap_err();
        assert_eq!(e.to_string(), "[Errno -9] Address family for hostname not supported");
        assert_eq!(e.exception(), "gaierror");
        assert_eq!(("::1", 80).to_address(AF_INET).unwrap_err().errno(), Some(EAI_ADDRFAMILY));
        let e = ("<broadcast>", 80).to_address(AF_INET6).unwrap_err();
        assert_eq!((e.exception(), e.to_string().as_str()), ("OSError", "address family mismatched"));
        let e = ("::1", 1, 0, 0).to_address(AF_INET).unwrap_err();
        assert_eq!(e.exception(), "TypeError");
        let e = "/tmp/x".to_address(AF_INET).unwrap_err();
        assert_eq!(e.to_string(), "AF_INET address must be tuple, not str");
        let e = ("a", 1).to_address(AF_UNIX).unwrap_err();
        assert_eq!(e.to_string(), "a bytes-like object is required, not 'tuple'");
        let e = Address::None.to_address(AF_INET).unwrap_err();
        assert_eq!(e.to_string(), "AF_INET address must be tuple, not NoneType");
        let e = Address::None.to_address(AF_UNSPEC).unwrap_err();
        assert_eq!((e.exception(), e.to_string().as_str()), ("TypeError", "address must not be None"));
        let sa: SocketAddr = "1.2.3.4:5".parse().unwrap();
        assert_eq!(sa.to_address(AF_INET6).unwrap_err().errno(), Some(EAI_ADDRFAMILY));
        let e = ("a\0b", 1).to_address(AF_INET).unwrap_err();
        assert_eq!(e.to_string(), "host name must not contain null character");
    }

    #[test]
    fn socket_methods_name_themselves_as_cpython() {
        let e = name_caller("/x".to_address(AF_INET).unwrap_err(), "sendto");
        assert_eq!(e.to_string(), "sendto(): AF_INET address must be tuple, not str");
        let e = name_caller(("::1", 0, 1 << 20, 0).to_address(AF_INET6).unwrap_err(), "bind");
        assert_eq!(e.to_string(), "bind(): flowinfo must be 0-1048575.");
        let e = name_caller(("a", 1).to_address(AF_UNIX).unwrap_err(), "connect");
        assert_eq!(e.to_string(), "a bytes-like object is required, not 'tuple'");
        let e = name_caller(("::1", 1, 0, 0).to_address(AF_INET).unwrap_err(), "connect");
        assert_eq!(e.to_string(), "AF_INET address must be a pair (host, port)");
    }

    #[test]
    fn flowinfo_is_20_bits() {
        let e = ("::1", 1, 0x10_0000, 0).to_address(AF_INET6).unwrap_err();
        assert_eq!(e.exception(), "OverflowError");
        assert!(("::1", 1, 0xf_ffff, 0).to_address(AF_INET6).is_ok());
    }

    #[test]
    fn unix_addresses() {
        let path = Address::Unix(UnixAddress::Path("/tmp/s".into()));
        assert_eq!("/tmp/s".to_address(AF_UNIX).unwrap(), path);
        assert_eq!(String::from("/tmp/s").to_address(AF_UNIX).unwrap(), path);
        assert_eq!(Path::new("/tmp/s").to_address(AF_UNIX).unwrap(), path);
        let abs = Address::Unix(UnixAddress::Abstract(b"n".to_vec()));
        assert_eq!("\0n".to_address(AF_UNIX).unwrap(), abs);
        assert_eq!(b"\0n".to_address(AF_UNIX).unwrap(), abs);
        assert_eq!(b"\0n".to_vec().to_address(AF_UNIX).unwrap(), abs);
        assert_eq!("".to_address(AF_UNIX).unwrap(), Address::Unix(UnixAddress::Unnamed));
        assert_eq!(path.to_address(AF_UNIX).unwrap(), path);
        assert_eq!(<&Address as ToAddress>::to_address(&&path, AF_UNIX).unwrap(), path);
        let long = "x".repeat(107);
        assert!(long.to_address(AF_UNIX).is_ok());
        let e = "x".repeat(108).to_address(AF_UNIX).unwrap_err();
        assert_eq!((e.exception(), e.to_string().as_str()), ("OSError", "AF_UNIX path too long"));
        assert!(format!("\0{}", "x".repeat(107)).to_address(AF_UNIX).is_ok());
        assert!(format!("\0{}", "x".repeat(108)).to_address(AF_UNIX).is_err());
        assert_eq!("a\0b".to_address(AF_UNIX).unwrap_err().exception(), "ValueError");
        assert_eq!(b"\xff".to_address(AF_UNIX).unwrap_err().exception(), "ValueError");
        assert_eq!(b"\0x".to_address(AF_INET).unwrap_err().exception(), "TypeError");
    }

    #[test]
    fn numeric_addrinfo_matches_glibc() {
        let infos = ("127.0.0.1", 80).to_addrinfo(AF_UNSPEC, SOCK_STREAM).unwrap();
        assert_eq!(
            infos,
            vec![AddrInfo {
                family: AF_INET,
                type_: SOCK_STREAM,
                proto: IPPROTO_TCP,
                canonname: String::new(),
                sockaddr: v4("127.0.0.1:80"),
            }]
        );
        let infos = v6("[::1]:1").to_addrinfo(AF_UNSPEC, SOCK_DGRAM).unwrap();
        assert_eq!((infos[0].family, infos[0].proto), (AF_INET6, IPPROTO_UDP));
    }
}
