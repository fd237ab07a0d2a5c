//! Conversions between WIT addresses and OS socket addresses.

use crate::bindings::capsock::socket::types::{Address, Inet6Address, InetAddress, UnixAddress};
use crate::error::{SockError, SockResult};
use capsock_abi::{consts, errno};
use socket2::SockAddr;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// A WIT IP address as a std address. Unix addresses are `None`.
pub fn to_std(addr: &Address) -> Option<SocketAddr> {
    match addr {
        Address::Inet(a) => {
            let (o0, o1, o2, o3) = a.octets;
            Some(SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(o0, o1, o2, o3), a.port)))
        }
        Address::Inet6(a) => {
            let (s0, s1, s2, s3, s4, s5, s6, s7) = a.segments;
            let ip = Ipv6Addr::new(s0, s1, s2, s3, s4, s5, s6, s7);
            Some(SocketAddr::V6(SocketAddrV6::new(ip, a.port, a.flowinfo, a.scope_id)))
        }
        Address::Unix(_) => None,
    }
}

/// A std address as a WIT address.
pub fn from_std(addr: SocketAddr) -> Address {
    match addr {
        SocketAddr::V4(a) => {
            let [o0, o1, o2, o3] = a.ip().octets();
            Address::Inet(InetAddress { octets: (o0, o1, o2, o3), port: a.port() })
        }
        SocketAddr::V6(a) => {
            let [s0, s1, s2, s3, s4, s5, s6, s7] = a.ip().segments();
            Address::Inet6(Inet6Address {
                segments: (s0, s1, s2, s3, s4, s5, s6, s7),
                port: a.port(),
                flowinfo: a.flowinfo(),
                scope_id: a.scope_id(),
            })
        }
    }
}

/// An OS address as a WIT address; `None` when the OS reports no address
/// (a connected stream's `recvfrom`).
pub fn from_sockaddr(addr: &SockAddr) -> Option<Address> {
    if let Some(std) = addr.as_socket() {
        return Some(from_std(std));
    }
    if addr.family() == libc::AF_UNIX as libc::sa_family_t {
        if addr.is_unnamed() {
            return Some(Address::Unix(UnixAddress::Unnamed));
        }
        if let Some(name) = addr.as_abstract_namespace() {
            return Some(Address::Unix(UnixAddress::AbstractName(name.to_vec())));
        }
        if let Some(path) = addr.as_pathname() {
            return Some(Address::Unix(UnixAddress::Path(path.to_string_lossy().into_owned())));
        }
    }
    None
}

/// The IP address a socket of `family` will use for `addr`, or the error
/// Linux gives for a family mismatch.
pub fn ip_for_family(addr: &Address, family: i32) -> SockResult<SocketAddr> {
    match (to_std(addr), family) {
        (Some(a @ SocketAddr::V4(_)), consts::AF_INET) => Ok(a),
        (Some(a @ SocketAddr::V6(_)), consts::AF_INET6) => Ok(a),
        (Some(_), _) | (None, consts::AF_INET | consts::AF_INET6) => Err(SockError::os(errno::EAFNOSUPPORT)),
        (None, _) => Err(SockError::os(errno::EINVAL)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_round_trip() {
        for s in ["127.0.0.1:80", "[::1]:443", "[fe80::1%3]:9", "0.0.0.0:0"] {
            let a: SocketAddr = s.parse().unwrap();
            assert_eq!(to_std(&from_std(a)), Some(a));
        }
    }

    #[test]
    fn family_mismatch_is_eafnosupport() {
        let v6 = from_std("[::1]:1".parse().unwrap());
        assert_eq!(ip_for_family(&v6, consts::AF_INET).err().and_then(|e| e.errno()), Some(errno::EAFNOSUPPORT));
    }
}
