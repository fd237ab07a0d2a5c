//! Named ranges of addresses: `loopback`, `private`, `link-local`, `public`, `metadata`.

use std::net::IpAddr;

use crate::host::{Net, net4, net6};

/// A named range of addresses; see the [crate documentation](crate) for what each holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Range {
    Loopback,
    Private,
    LinkLocal,
    Public,
    Metadata,
}

const LOOPBACK: &[Net] = &[net4(127, 0, 0, 0, 8), net6(1, 128)];

const LINK_LOCAL: &[Net] = &[net4(169, 254, 0, 0, 16), net6(0xfe80 << 112, 10)];

const PRIVATE: &[Net] = &[
    net4(10, 0, 0, 0, 8),
    net4(172, 16, 0, 0, 12),
    net4(192, 168, 0, 0, 16),
    net4(100, 64, 0, 0, 10),
    net4(169, 254, 0, 0, 16),
    net6(0xfc00 << 112, 7),
    net6(0xfe80 << 112, 10),
];

/// Cloud instance-metadata and platform endpoints, each an exact address. A guest that reaches
/// one can often read the instance's credentials, so policies deny them by name.
const METADATA: &[Net] = &[
    // AWS EC2, Azure, Google Cloud, Oracle Cloud Infrastructure, OpenStack, DigitalOcean, ...
    net4(169, 254, 169, 254, 32),
    // AWS EC2 over IPv6.
    net6(0xfd00_0ec2_0000_0000_0000_0000_0000_0254, 128),
    // AWS ECS task metadata and container credentials.
    net4(169, 254, 170, 2, 32),
    // AWS EKS Pod Identity Agent.
    net4(169, 254, 170, 23, 32),
    // AWS EKS Pod Identity Agent over IPv6.
    net6(0xfd00_0ec2_0000_0000_0000_0000_0000_0023, 128),
    // Alibaba Cloud ECS.
    net4(100, 100, 100, 200, 32),
    // Oracle Cloud (Classic).
    net4(192, 0, 0, 192, 32),
    // Azure WireServer (VM agent and extensions; also DNS and health probes). This one is in
    // public address space, so listing it here also takes it out of `public`.
    net4(168, 63, 129, 16, 32),
];

/// IPv4 blocks that are not public unicast (IANA special-purpose registry, plus multicast and
/// the reserved class E block, which holds the limited broadcast address).
const NOT_PUBLIC_V4: &[Net] = &[
    net4(0, 0, 0, 0, 8),       // "this network", including the unspecified address
    net4(10, 0, 0, 0, 8),      // private
    net4(100, 64, 0, 0, 10),   // carrier-grade NAT
    net4(127, 0, 0, 0, 8),     // loopback
    net4(169, 254, 0, 0, 16),  // link-local, and metadata
    net4(172, 16, 0, 0, 12),   // private
    net4(192, 0, 0, 0, 24),    // IETF protocol assignments
    net4(192, 0, 2, 0, 24),    // documentation
    net4(192, 88, 99, 0, 24),  // 6to4 relay anycast (deprecated)
    net4(192, 168, 0, 0, 16),  // private
    net4(198, 18, 0, 0, 15),   // benchmarking
    net4(198, 51, 100, 0, 24), // documentation
    net4(203, 0, 113, 0, 24),  // documentation
    net4(224, 0, 0, 0, 4),     // multicast
    net4(240, 0, 0, 0, 4),     // reserved, and 255.255.255.255 broadcast
];

/// Public IPv6 addresses are global unicast: everything else (loopback, unspecified, unique
/// local, link-local, multicast, NAT64 64:ff9b::/96, discard, IPv4-compatible) lies outside it.
const GLOBAL_UNICAST_V6: Net = net6(0x2000 << 112, 3);

/// Special blocks inside global unicast.
const NOT_PUBLIC_V6: &[Net] = &[
    net6(0x2001 << 112, 23),     // IETF protocol assignments, including Teredo
    net6(0x2001_0db8 << 96, 32), // documentation
    net6(0x2002 << 112, 16),     // 6to4: embeds an IPv4 address
    net6(0x3fff << 112, 20),     // documentation
];

impl Range {
    const ALL: [Range; 5] = [Range::Loopback, Range::Private, Range::LinkLocal, Range::Public, Range::Metadata];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Range::Loopback => "loopback",
            Range::Private => "private",
            Range::LinkLocal => "link-local",
            Range::Public => "public",
            Range::Metadata => "metadata",
        }
    }

    pub(crate) fn from_keyword(word: &str) -> Option<Range> {
        Range::ALL.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(word))
    }

    /// `ip` must be canonical.
    pub(crate) fn contains(self, ip: IpAddr) -> bool {
        let any = |nets: &[Net]| nets.iter().any(|n| n.contains(ip));
        match self {
            Range::Loopback => any(LOOPBACK),
            Range::Private => any(PRIVATE),
            Range::LinkLocal => any(LINK_LOCAL),
            Range::Metadata => any(METADATA),
            Range::Public => {
                let unicast = match ip {
                    IpAddr::V4(_) => !any(NOT_PUBLIC_V4),
                    IpAddr::V6(_) => GLOBAL_UNICAST_V6.contains(ip) && !any(NOT_PUBLIC_V6),
                };
                // The other ranges are excluded above already; say so explicitly anyway, so the
                // definition cannot drift from theirs.
                unicast && !any(LOOPBACK) && !any(PRIVATE) && !any(LINK_LOCAL) && !any(METADATA)
            }
        }
    }
}
