//! Name resolution: `getaddrinfo`, `getnameinfo`, the `gethostby*`
//! functions, `gethostname`, `getfqdn` and the services and protocols
//! databases, answered by the host under its policy.
//!
//! A name the host's policy does not let the guest look up fails with
//! `PermissionError` (errno `EACCES`, [`Error::rule`] naming the rule),
//! never a `gaierror`: no query for it leaves the host. Numeric hosts
//! need no rule.

use crate::address::{AddrInfo, Address, ToAddress};
use crate::bindings::capsock::socket::resolver as wit;
use crate::error::Error;
use capsock_abi::consts::{AF_INET, AF_UNSPEC};

/// The `port` argument of [`getaddrinfo`]: Python's `int`, `str` or
/// `None`.
///
/// Converts from `u16` (`80`), `&str` and `String` (`"http"`, `"80"`) and
/// `Option<&str>` (`None`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Service {
    /// Python's `None`: no service; ports in the results are 0.
    None,
    /// A port number.
    Port(u16),
    /// A service name (`"http"`) or a decimal port as text.
    Name(String),
}

impl From<u16> for Service {
    fn from(port: u16) -> Service {
        Service::Port(port)
    }
}

impl From<&str> for Service {
    fn from(name: &str) -> Service {
        Service::Name(name.to_string())
    }
}

impl From<String> for Service {
    fn from(name: String) -> Service {
        Service::Name(name)
    }
}

impl From<&String> for Service {
    fn from(name: &String) -> Service {
        Service::Name(name.clone())
    }
}

impl From<Option<&str>> for Service {
    /// `None` is [`Service::None`]; being the only `Option` conversion, a
    /// bare `None` argument needs no annotation.
    fn from(name: Option<&str>) -> Service {
        name.map_or(Service::None, Service::from)
    }
}

impl Service {
    fn to_wit(&self) -> Option<String> {
        match self {
            Service::None => None,
            Service::Port(p) => Some(p.to_string()),
            Service::Name(n) => Some(n.clone()),
        }
    }
}

/// CPython's check on host strings.
fn check_host(host: &str) -> Result<(), Error> {
    if host.contains('\0') { Err(Error::type_error("host name must not contain null character")) } else { Ok(()) }
}

/// `getaddrinfo(host, port, family, type, proto, flags)`: every address
/// for `host` and `port`, as Python's 5-tuples ([`AddrInfo`] displays as
/// `(2, 1, 6, '', ('127.0.0.1', 80))`).
///
/// `host` `None` is the loopback address, or the wildcard with
/// [`AI_PASSIVE`](crate::AI_PASSIVE). `flags` are `AI_*`: `AI_PASSIVE`,
/// `AI_CANONNAME`, `AI_NUMERICHOST`, `AI_NUMERICSERV`, `AI_ADDRCONFIG`,
/// `AI_V4MAPPED`, `AI_ALL`.
///
/// # Errors
///
/// `gaierror` with glibc's `EAI_*` code and text (`EAI_NONAME`,
/// `EAI_SERVICE`, `EAI_FAMILY`, `EAI_SOCKTYPE`, `EAI_BADFLAGS`,
/// `EAI_ADDRFAMILY`, `EAI_AGAIN` when the host's lookup times out, …);
/// `PermissionError` when the host's policy denies looking `host` up, or
/// denies every address it resolved to.
pub fn getaddrinfo(
    host: Option<&str>,
    port: impl Into<Service>,
    family: i32,
    type_: i32,
    proto: i32,
    flags: i32,
) -> Result<Vec<AddrInfo>, Error> {
    if let Some(h) = host {
        check_host(h)?;
    }
    let service = port.into().to_wit();
    let results = wit::getaddrinfo(host, service.as_deref(), family, type_, proto, flags)?;
    Ok(results
        .into_iter()
        .map(|r| AddrInfo {
            family: r.family,
            type_: r.socket_type,
            proto: r.proto,
            canonname: r.canonname,
            sockaddr: Address::from_wit(r.address),
        })
        .collect())
}

/// `getnameinfo(sockaddr, flags)`: `(host, port)` as strings. `flags` are
/// `NI_*`: `NI_NUMERICHOST`, `NI_NUMERICSERV`, `NI_NAMEREQD`, `NI_DGRAM`,
/// `NI_NOFQDN`.
///
/// The host's reverse lookups never query DNS: names come from its policy's
/// `[hosts]` table and, for loopback addresses, its `/etc/hosts`; other
/// addresses stay numeric. IPv6 scopes show as numbers (`fe80::1%1`), not
/// interface names, since a guest sees no interfaces.
///
/// # Errors
///
/// `gaierror(EAI_NONAME)` with `NI_NAMEREQD` and no name;
/// `gaierror(EAI_BADFLAGS)`; `TypeError` for a non-IP address;
/// `OverflowError` for an IPv6 flowinfo above 2²⁰-1.
pub fn getnameinfo(sockaddr: impl ToAddress, flags: i32) -> Result<(String, String), Error> {
    let address = sockaddr.to_address(AF_UNSPEC).map_err(|e| match e.kind() {
        crate::ErrorKind::Overflow => e.with_caller("getnameinfo"),
        _ => e,
    })?;
    if matches!(address, Address::Unix(_) | Address::None) {
        return Err(Error::type_error("getnameinfo() argument 1 must be a tuple"));
    }
    let wit_addr = address.to_wit().ok_or_else(|| Error::type_error("getnameinfo() argument 1 must be a tuple"))?;
    Ok(wit::getnameinfo(&wit_addr, flags)?)
}

/// `gethostbyname(hostname)`: one IPv4 address as text (`""` is
/// `0.0.0.0`, `"<broadcast>"` `255.255.255.255`, as CPython).
///
/// # Errors
///
/// As [`getaddrinfo`] for `AF_INET` (`gaierror(EAI_ADDRFAMILY)` for an
/// IPv6 literal, `PermissionError` for a denied name).
pub fn gethostbyname(hostname: &str) -> Result<String, Error> {
    check_host(hostname)?;
    match hostname {
        "" => return Ok("0.0.0.0".into()),
        "<broadcast>" => return Ok("255.255.255.255".into()),
        _ => {}
    }
    let infos = getaddrinfo(Some(hostname), None, AF_INET, 0, 0, 0)?;
    infos.first().and_then(|i| i.sockaddr.ip()).map(|ip| ip.to_string()).ok_or_else(|| Error::gai(crate::EAI_NONAME))
}

/// `gethostbyname_ex(hostname)`: `(hostname, aliaslist, ipaddrlist)`,
/// IPv4 only.
///
/// # Errors
///
/// `gaierror` when the name does not resolve, `herror` for the empty
/// name, `PermissionError` for a denied name.
pub fn gethostbyname_ex(hostname: &str) -> Result<(String, Vec<String>, Vec<String>), Error> {
    check_host(hostname)?;
    let h = wit::gethostbyname_ex(hostname)?;
    Ok((h.name, h.aliases, h.addresses))
}

/// `gethostbyaddr(ip_address)`: `(hostname, aliaslist, ipaddrlist)` for an
/// address (or a name, resolved first).
///
/// # Errors
///
/// `herror(1, 'Unknown host')` when the host knows no name for the
/// address (it answers from its policy's `[hosts]` table and, for loopback,
/// `/etc/hosts`, never DNS); `gaierror` or `PermissionError` for a name
/// that does not resolve or is denied.
pub fn gethostbyaddr(ip_address: &str) -> Result<(String, Vec<String>, Vec<String>), Error> {
    check_host(ip_address)?;
    let h = wit::gethostbyaddr(ip_address)?;
    Ok((h.name, h.aliases, h.addresses))
}

/// `gethostname()`: the sandbox's name from the host's policy (`capsock`
/// unless the policy names another), not the host machine's.
///
/// # Errors
///
/// `OSError` if the host cannot say.
pub fn gethostname() -> Result<String, Error> {
    Ok(wit::gethostname()?)
}

/// `getfqdn(name)`: Python's algorithm — `""` (or `0.0.0.0`, `::`) means
/// [`gethostname`]; then the first name with a dot among the
/// [`gethostbyaddr`] host name and aliases, else the host name, else
/// `name` itself when the lookup fails.
pub fn getfqdn(name: &str) -> String {
    let mut name = name.trim().to_string();
    if name.is_empty() || name == "0.0.0.0" || name == "::" {
        name = gethostname().unwrap_or(name);
    }
    match gethostbyaddr(&name) {
        Err(_) => name,
        Ok((hostname, aliases, _)) => {
            std::iter::once(&hostname).chain(aliases.iter()).find(|n| n.contains('.')).unwrap_or(&hostname).clone()
        }
    }
}

/// `getservbyname(servicename, protocolname)`: the port of a service in
/// the host's services database (`"http"` is 80).
///
/// # Errors
///
/// `OSError("service/proto not found")`.
pub fn getservbyname(servicename: &str, protocolname: Option<&str>) -> Result<u16, Error> {
    Ok(wit::getservbyname(servicename, protocolname)?)
}

/// `getservbyport(port, protocolname)`: the service name of a port.
///
/// # Errors
///
/// `OSError("port/proto not found")`.
pub fn getservbyport(port: u16, protocolname: Option<&str>) -> Result<String, Error> {
    Ok(wit::getservbyport(port, protocolname)?)
}

/// `getprotobyname(protocolname)`: the number of a protocol (`"tcp"` is
/// 6).
///
/// # Errors
///
/// `OSError("protocol not found")`.
pub fn getprotobyname(protocolname: &str) -> Result<i32, Error> {
    Ok(wit::getprotobyname(protocolname)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_convert_like_pythons_port_argument() {
        fn take(s: impl Into<Service>) -> Service {
            s.into()
        }
        assert_eq!(take(80), Service::Port(80));
        assert_eq!(take("http"), Service::Name("http".into()));
        assert_eq!(take(None), Service::None);
        assert_eq!(take(Service::Port(1).clone()), Service::Port(1));
        assert_eq!(Service::Port(443).to_wit().as_deref(), Some("443"));
    }
}
