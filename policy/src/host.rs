//! Hosts of rules: any host, an address, a CIDR block, a DNS name, a wildcard or a named range.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::range::Range;

/// The host part of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Host {
    /// `*`: every address and every name.
    Any,
    /// Canonical: never an IPv4-mapped IPv6 address.
    Ip(IpAddr),
    Net(Net),
    /// Canonical DNS name: lowercase, no trailing dot.
    Name(String),
    /// The canonical name after `*.`.
    Wildcard(String),
    Range(Range),
}

impl Host {
    /// Whether an operation on `ip` (canonical), reached through `names` (canonical), is on this
    /// host: addresses, blocks and ranges look at `ip`, names and wildcards at `names`.
    pub(crate) fn matches_addr(&self, ip: IpAddr, names: &[String]) -> bool {
        match self {
            Host::Any => true,
            Host::Ip(a) => *a == ip,
            Host::Net(net) => net.contains(ip),
            Host::Range(range) => range.contains(ip),
            Host::Name(_) | Host::Wildcard(_) => names.iter().any(|n| self.matches_name(n)),
        }
    }

    /// Whether some name matches this host: true for `*`, names and wildcards, false for
    /// addresses, blocks and ranges.
    pub(crate) fn can_match_names(&self) -> bool {
        matches!(self, Host::Any | Host::Name(_) | Host::Wildcard(_))
    }

    /// `name` must be canonical.
    pub(crate) fn matches_name(&self, name: &str) -> bool {
        match self {
            Host::Any => true,
            Host::Name(n) => n == name,
            // One or more whole labels in front of `.suffix`: the byte before the suffix must be
            // a dot, so `badexample.com` is not under `example.com`, and something must precede
            // it, so `example.com` is not under itself.
            Host::Wildcard(suffix) => name
                .strip_suffix(suffix.as_str())
                .and_then(|rest| rest.strip_suffix('.'))
                .is_some_and(|labels| !labels.is_empty()),
            Host::Ip(_) | Host::Net(_) | Host::Range(_) => false,
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Any => f.write_str("*"),
            Host::Ip(IpAddr::V4(a)) => write!(f, "{a}"),
            Host::Ip(IpAddr::V6(a)) => write!(f, "[{a}]"),
            Host::Net(net) => write!(f, "{net}"),
            Host::Name(n) => f.write_str(n),
            Host::Wildcard(s) => write!(f, "*.{s}"),
            Host::Range(r) => f.write_str(r.as_str()),
        }
    }
}

/// A CIDR block: network bits (host bits zero) and prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Net {
    V4(u32, u8),
    V6(u128, u8),
}

/// The netmask of an IPv4 prefix length (at most 32).
pub(crate) const fn mask4(len: u8) -> u32 {
    match u32::MAX.checked_shl(32 - len as u32) {
        Some(m) => m,
        None => 0,
    }
}

/// The netmask of an IPv6 prefix length (at most 128).
pub(crate) const fn mask6(len: u8) -> u128 {
    match u128::MAX.checked_shl(128 - len as u32) {
        Some(m) => m,
        None => 0,
    }
}

/// The IPv4 block `a.b.c.d/len`, for the tables of named ranges.
pub(crate) const fn net4(a: u8, b: u8, c: u8, d: u8, len: u8) -> Net {
    Net::V4(u32::from_be_bytes([a, b, c, d]), len)
}

/// The IPv6 block `bits/len`, for the tables of named ranges.
pub(crate) const fn net6(bits: u128, len: u8) -> Net {
    Net::V6(bits, len)
}

impl Net {
    /// Whether `ip` (canonical) is in the block; an IPv4 block never contains an IPv6 address
    /// and vice versa.
    pub(crate) fn contains(self, ip: IpAddr) -> bool {
        match (self, ip) {
            (Net::V4(net, len), IpAddr::V4(a)) => u32::from(a) & mask4(len) == net,
            (Net::V6(net, len), IpAddr::V6(a)) => u128::from(a) & mask6(len) == net,
            _ => false,
        }
    }
}

impl fmt::Display for Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Net::V4(bits, len) => write!(f, "{}/{len}", Ipv4Addr::from(bits)),
            Net::V6(bits, len) => write!(f, "[{}/{len}]", Ipv6Addr::from(bits)),
        }
    }
}
