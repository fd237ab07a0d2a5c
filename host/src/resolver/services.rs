//! The services and protocols databases: `/etc/services` and
//! `/etc/protocols` parsed by capsock itself (never through NSS, whose
//! modules could reach the network), with built-in tables of the common
//! entries when a file is missing, so results do not depend on the machine
//! any more than CPython's do.

use std::sync::OnceLock;

/// One `/etc/services` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub port: u16,
    pub proto: String,
    pub aliases: Vec<String>,
}

/// One `/etc/protocols` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Protocol {
    pub name: String,
    pub number: i32,
    pub aliases: Vec<String>,
}

/// Used when `/etc/services` cannot be read: the entries of Debian's file
/// that programs commonly name, in its order (the order decides which name
/// `getservbyport` gives and which protocol `getservbyname(name, None)`
/// picks).
const BUILTIN_SERVICES: &[(&str, u16, &str, &[&str])] = &[
    ("echo", 7, "tcp", &[]),
    ("echo", 7, "udp", &[]),
    ("discard", 9, "tcp", &["sink", "null"]),
    ("discard", 9, "udp", &["sink", "null"]),
    ("daytime", 13, "tcp", &[]),
    ("daytime", 13, "udp", &[]),
    ("ftp-data", 20, "tcp", &[]),
    ("ftp", 21, "tcp", &[]),
    ("ssh", 22, "tcp", &[]),
    ("telnet", 23, "tcp", &[]),
    ("smtp", 25, "tcp", &["mail"]),
    ("time", 37, "tcp", &["timserver"]),
    ("time", 37, "udp", &["timserver"]),
    ("whois", 43, "tcp", &["nicname"]),
    ("domain", 53, "tcp", &[]),
    ("domain", 53, "udp", &[]),
    ("bootps", 67, "udp", &[]),
    ("bootpc", 68, "udp", &[]),
    ("tftp", 69, "udp", &[]),
    ("gopher", 70, "tcp", &[]),
    ("finger", 79, "tcp", &[]),
    ("http", 80, "tcp", &["www"]),
    ("kerberos", 88, "tcp", &["kerberos5", "krb5", "kerberos-sec"]),
    ("kerberos", 88, "udp", &["kerberos5", "krb5", "kerberos-sec"]),
    ("pop3", 110, "tcp", &["pop-3"]),
    ("sunrpc", 111, "tcp", &["portmapper"]),
    ("sunrpc", 111, "udp", &["portmapper"]),
    ("auth", 113, "tcp", &["authentication", "tap", "ident"]),
    ("nntp", 119, "tcp", &["readnews", "untp"]),
    ("ntp", 123, "udp", &[]),
    ("netbios-ns", 137, "udp", &[]),
    ("netbios-dgm", 138, "udp", &[]),
    ("netbios-ssn", 139, "tcp", &[]),
    ("imap2", 143, "tcp", &["imap"]),
    ("snmp", 161, "tcp", &[]),
    ("snmp", 161, "udp", &[]),
    ("snmp-trap", 162, "tcp", &["snmptrap"]),
    ("snmp-trap", 162, "udp", &["snmptrap"]),
    ("bgp", 179, "tcp", &[]),
    ("irc", 194, "tcp", &[]),
    ("ldap", 389, "tcp", &[]),
    ("ldap", 389, "udp", &[]),
    ("https", 443, "tcp", &[]),
    ("https", 443, "udp", &[]),
    ("microsoft-ds", 445, "tcp", &[]),
    ("submissions", 465, "tcp", &["ssmtp", "smtps", "urd"]),
    ("syslog", 514, "udp", &[]),
    ("submission", 587, "tcp", &[]),
    ("ldaps", 636, "tcp", &[]),
    ("ldaps", 636, "udp", &[]),
    ("rsync", 873, "tcp", &[]),
    ("ftps", 990, "tcp", &[]),
    ("imaps", 993, "tcp", &[]),
    ("pop3s", 995, "tcp", &[]),
    ("socks", 1080, "tcp", &[]),
    ("openvpn", 1194, "tcp", &[]),
    ("openvpn", 1194, "udp", &[]),
    ("ms-sql-s", 1433, "tcp", &[]),
    ("l2f", 1701, "udp", &["l2tp"]),
    ("radius", 1812, "tcp", &[]),
    ("radius", 1812, "udp", &[]),
    ("nfs", 2049, "tcp", &[]),
    ("nfs", 2049, "udp", &[]),
    ("mysql", 3306, "tcp", &[]),
    ("postgresql", 5432, "tcp", &["postgres"]),
    ("x11", 6000, "tcp", &["x11-0"]),
    ("http-alt", 8080, "tcp", &["webcache"]),
];

/// Used when `/etc/protocols` cannot be read.
const BUILTIN_PROTOCOLS: &[(&str, i32, &[&str])] = &[
    ("ip", 0, &["IP"]),
    ("icmp", 1, &["ICMP"]),
    ("igmp", 2, &["IGMP"]),
    ("tcp", 6, &["TCP"]),
    ("udp", 17, &["UDP"]),
    ("ipv6", 41, &["IPv6"]),
    ("ipv6-route", 43, &["IPv6-Route"]),
    ("ipv6-frag", 44, &["IPv6-Frag"]),
    ("gre", 47, &["GRE"]),
    ("esp", 50, &["IPSEC-ESP"]),
    ("ah", 51, &["IPSEC-AH"]),
    ("ipv6-icmp", 58, &["IPv6-ICMP", "icmpv6"]),
    ("ipv6-nonxt", 59, &["IPv6-NoNxt"]),
    ("ipv6-opts", 60, &["IPv6-Opts"]),
    ("sctp", 132, &["SCTP"]),
    ("udplite", 136, &["UDPLite"]),
    ("raw", 255, &["RAW"]),
];

/// The words of a database line, without its `#` comment.
fn words(line: &str) -> impl Iterator<Item = &str> {
    line.split('#').next().unwrap_or("").split_ascii_whitespace()
}

/// Parse `/etc/services` text: `name port/proto [aliases...]`. Malformed
/// lines are skipped, as glibc skips them.
pub fn parse_services(text: &str) -> Vec<Service> {
    text.lines()
        .filter_map(|line| {
            let mut w = words(line);
            let name = w.next()?;
            let (port, proto) = w.next()?.split_once('/')?;
            let port = port.parse().ok()?;
            if proto.is_empty() {
                return None;
            }
            Some(Service { name: name.into(), port, proto: proto.into(), aliases: w.map(String::from).collect() })
        })
        .collect()
}

/// Parse `/etc/protocols` text: `name number [aliases...]`.
pub fn parse_protocols(text: &str) -> Vec<Protocol> {
    text.lines()
        .filter_map(|line| {
            let mut w = words(line);
            let name = w.next()?;
            let number = w.next()?.parse().ok()?;
            Some(Protocol { name: name.into(), number, aliases: w.map(String::from).collect() })
        })
        .collect()
}

fn services() -> &'static [Service] {
    static DB: OnceLock<Vec<Service>> = OnceLock::new();
    DB.get_or_init(|| match std::fs::read_to_string("/etc/services") {
        Ok(text) => parse_services(&text),
        Err(_) => BUILTIN_SERVICES
            .iter()
            .map(|(name, port, proto, aliases)| Service {
                name: (*name).into(),
                port: *port,
                proto: (*proto).into(),
                aliases: aliases.iter().map(|a| (*a).into()).collect(),
            })
            .collect(),
    })
}

fn protocols() -> &'static [Protocol] {
    static DB: OnceLock<Vec<Protocol>> = OnceLock::new();
    DB.get_or_init(|| match std::fs::read_to_string("/etc/protocols") {
        Ok(text) => parse_protocols(&text),
        Err(_) => BUILTIN_PROTOCOLS
            .iter()
            .map(|(name, number, aliases)| Protocol {
                name: (*name).into(),
                number: *number,
                aliases: aliases.iter().map(|a| (*a).into()).collect(),
            })
            .collect(),
    })
}

/// `getservbyname(name, proto)`: the first entry whose name or alias is
/// `name` (case-sensitive, as glibc's files backend) for `proto`, or for
/// any protocol when `proto` is `None`.
pub fn by_name(name: &str, proto: Option<&str>) -> Option<&'static Service> {
    services()
        .iter()
        .find(|s| proto.is_none_or(|p| s.proto == p) && (s.name == name || s.aliases.iter().any(|a| a == name)))
}

/// `getservbyport(port, proto)`: the first entry for `port`.
pub fn by_port(port: u16, proto: Option<&str>) -> Option<&'static Service> {
    services().iter().find(|s| s.port == port && proto.is_none_or(|p| s.proto == p))
}

/// `getprotobyname(name)`: case-sensitive on names and aliases.
pub fn protocol(name: &str) -> Option<i32> {
    protocols().iter().find(|p| p.name == name || p.aliases.iter().any(|a| a == name)).map(|p| p.number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_file_formats() {
        let s = parse_services("# c\nhttp\t\t80/tcp\t\twww # WWW\nbad line\nx 99999/tcp\ndomain 53/udp\n");
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].name.as_str(), s[0].port, s[0].proto.as_str()), ("http", 80, "tcp"));
        assert_eq!(s[0].aliases, ["www"]);
        let p = parse_protocols("tcp\t6\tTCP\t\t# transmission\nnope\n");
        assert_eq!(p, [Protocol { name: "tcp".into(), number: 6, aliases: vec!["TCP".into()] }]);
    }

    #[test]
    fn builtin_tables_hold_the_common_entries() {
        let find = |n: &str| BUILTIN_SERVICES.iter().find(|s| s.0 == n).map(|s| s.1);
        for (name, port) in [("http", 80), ("https", 443), ("ssh", 22), ("domain", 53), ("ftp", 21), ("smtp", 25)] {
            assert_eq!(find(name), Some(port), "{name}");
        }
        let proto = |n: &str| BUILTIN_PROTOCOLS.iter().find(|p| p.0 == n).map(|p| p.1);
        for (name, n) in [("ip", 0), ("icmp", 1), ("tcp", 6), ("udp", 17), ("ipv6", 41), ("ipv6-icmp", 58)] {
            assert_eq!(proto(name), Some(n), "{name}");
        }
    }
}
