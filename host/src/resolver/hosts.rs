//! `localhost` and loopback reverse lookups, answered inside capsock from
//! `/etc/hosts` so they never reach the OS resolver (and through it, DNS).
//!
//! Only loopback addresses are taken from the file: it is the host's
//! configuration, and a guest learns nothing from it beyond what
//! `localhost` means on this machine (which is what CPython on the same
//! machine reports). Without a usable file, `localhost` is `::1` and
//! `127.0.0.1`, glibc's answer for the usual file.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

/// One `/etc/hosts` line: an address and its names, canonical name first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub ip: IpAddr,
    pub names: Vec<String>,
}

/// Parse `/etc/hosts` text, keeping loopback lines only.
pub fn parse(text: &str) -> Vec<Line> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split('#').next().unwrap_or("").split_ascii_whitespace();
            let ip: IpAddr = words.next()?.parse().ok()?;
            let names: Vec<String> = words.map(String::from).collect();
            (ip.is_loopback() && !names.is_empty()).then_some(Line { ip, names })
        })
        .collect()
}

fn lines() -> &'static [Line] {
    static LINES: OnceLock<Vec<Line>> = OnceLock::new();
    LINES.get_or_init(|| std::fs::read_to_string("/etc/hosts").map(|t| parse(&t)).unwrap_or_default())
}

/// What `localhost` resolves to, IPv6 first (glibc's RFC 6724 order puts
/// `::1` before `127.0.0.1`), and its canonical name.
pub fn localhost() -> (Vec<IpAddr>, String) {
    localhost_in(lines())
}

/// [`localhost`] for a given set of lines.
pub fn localhost_in(lines: &[Line]) -> (Vec<IpAddr>, String) {
    let matching: Vec<&Line> =
        lines.iter().filter(|l| l.names.iter().any(|n| n.eq_ignore_ascii_case("localhost"))).collect();
    let Some(first) = matching.first() else {
        return (vec![IpAddr::V6(Ipv6Addr::LOCALHOST), IpAddr::V4(Ipv4Addr::LOCALHOST)], "localhost".into());
    };
    let mut ips: Vec<IpAddr> = Vec::new();
    for l in &matching {
        if !ips.contains(&l.ip) {
            ips.push(l.ip);
        }
    }
    // A stable sort: IPv6 before IPv4, file order otherwise.
    ips.sort_by_key(|ip| ip.is_ipv4());
    (ips, first.names[0].clone())
}

/// The first line for a loopback `ip`: its canonical name and aliases.
pub fn reverse(ip: IpAddr) -> Option<(String, Vec<String>)> {
    lines().iter().find(|l| l.ip == ip).map(|l| (l.names[0].clone(), l.names[1..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_lines_only_and_v6_first() {
        let lines = parse("127.0.0.1 localhost\n10.0.0.1 secret\n::1 localhost ip6-localhost # c\n127.0.1.1 vm\n");
        assert_eq!(lines.len(), 3);
        let (ips, canon) = localhost_in(&lines);
        assert_eq!(ips, ["::1".parse::<IpAddr>().unwrap(), "127.0.0.1".parse().unwrap()]);
        assert_eq!(canon, "localhost");
        let (ips, _) = localhost_in(&[]);
        assert_eq!(ips.len(), 2);
    }
}
