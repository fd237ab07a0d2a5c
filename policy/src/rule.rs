//! Rules: `ACTION SCHEME://HOST[:PORTS]`, their parser and its errors.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::action::{Action, Scheme};
use crate::host::{Host, Net, mask4, mask6};
use crate::name::canonical_name;
use crate::ports::Ports;
use crate::range::Range;

/// A parsed rule.
///
/// [`Rule::text`] is the rule as it was written (without surrounding whitespace), which is what
/// verdicts report; [`Display`](fmt::Display) gives the canonical form (lowercase keywords and
/// names, compressed IPv6, IPv4-mapped addresses as IPv4, sorted and merged ports, no port on
/// `resolve` rules), which parses back to an equivalent rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    text: String,
    /// `None` is the `*` action.
    pub(crate) action: Option<Action>,
    /// `None` is the `*` scheme.
    pub(crate) scheme: Option<Scheme>,
    pub(crate) host: Host,
    pub(crate) ports: Ports,
}

impl Rule {
    /// The rule as written, with leading and trailing whitespace removed.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn action_matches(&self, action: Action) -> bool {
        self.action.is_none_or(|a| a == action)
    }

    pub(crate) fn scheme_matches(&self, scheme: Scheme) -> bool {
        // A `tls` rule covers the TCP connect its session runs on.
        self.scheme.is_none_or(|s| s == scheme || (s == Scheme::Tls && scheme == Scheme::Tcp))
    }

    /// Whether this is a `tls` rule: what it allows carries only TLS.
    pub fn is_tls(&self) -> bool {
        self.scheme == Some(Scheme::Tls)
    }

    /// Whether a TLS session may verify its server as `name` under this
    /// rule: `name` (a DNS name, or an IP literal) is one the rule's host
    /// matches.
    pub fn matches_server_name(&self, name: &str) -> bool {
        if let Ok(ip) = name.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            return self.host.matches_addr(ip.to_canonical(), &[]);
        }
        crate::canonical_name(name).is_ok_and(|n| self.host.matches_name(&n))
    }

    /// Whether the rule covers an operation. `ip` must be canonical (IPv4-mapped addresses
    /// turned into IPv4) and `names` canonical DNS names.
    pub(crate) fn matches(&self, action: Action, scheme: Scheme, ip: IpAddr, port: u16, names: &[String]) -> bool {
        self.action_matches(action)
            && self.scheme_matches(scheme)
            // Lookups have no port, whatever the address they are judged on carries.
            && (action == Action::Resolve || self.ports.contains(port))
            && self.host.matches_addr(ip, names)
    }

    /// Whether, as an allow rule, this rule allows lookups of the names its host matches: every
    /// action but `listen` implies the lookup (`resolve`, `*` and `connect`).
    pub(crate) fn allows_lookups(&self) -> bool {
        self.action != Some(Action::Listen)
    }

    /// Whether, as a deny rule, this rule denies lookups of the names its host matches: only
    /// rules about lookups do (`resolve` and `*`).
    pub(crate) fn denies_lookups(&self) -> bool {
        matches!(self.action, None | Some(Action::Resolve))
    }
}

impl FromStr for Rule {
    type Err = ParseError;

    /// Parses `ACTION SCHEME://HOST[:PORTS]`; see the [crate documentation](crate).
    fn from_str(input: &str) -> Result<Rule, ParseError> {
        parse_rule(input).map_err(|(position, message)| ParseError { input: input.to_owned(), position, message })
    }
}

impl fmt::Display for Rule {
    /// Writes the canonical form of the rule.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.action {
            Some(a) => write!(f, "{a} ")?,
            None => f.write_str("* ")?,
        }
        match self.scheme {
            Some(s) => write!(f, "{s}://{}", self.host)?,
            None => write!(f, "*://{}", self.host)?,
        }
        if self.action != Some(Action::Resolve) {
            write!(f, ":{}", self.ports)?;
        }
        Ok(())
    }
}

/// Why a rule could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The text that was given to the parser, unchanged.
    pub input: String,
    /// The byte offset in `input` where the problem is (always on a character boundary, and
    /// `input.len()` when something is missing at the end).
    pub position: usize,
    /// What is wrong, e.g. "prefix length 33 is longer than 32".
    pub message: String,
}

impl fmt::Display for ParseError {
    /// Writes e.g. ``invalid rule `connect tcp://10.0.0.0/33:80` at column 24: prefix length 33
    /// is longer than 32``, where the column counts characters from 1.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let column = self.input.get(..self.position).map_or(self.position, |before| before.chars().count()) + 1;
        write!(f, "invalid rule `{}` at column {column}: {}", self.input, self.message)
    }
}

impl std::error::Error for ParseError {}

// Parsing. Internal errors are (byte offset in the whole input, message). Every offset is taken
// at an ASCII character found by searching, or at the start or end of a slice, so it is always a
// character boundary and slicing never panics.

type Fail = (usize, String);

fn fail<T>(position: usize, message: impl Into<String>) -> Result<T, Fail> {
    Err((position, message.into()))
}

fn parse_rule(input: &str) -> Result<Rule, Fail> {
    let text = input.trim();
    let start = input.len() - input.trim_start().len();
    let end = start + text.len();
    if text.is_empty() {
        return fail(0, "empty rule: expected ACTION SCHEME://HOST[:PORTS]");
    }

    let word_end = text.find(char::is_whitespace).unwrap_or(text.len());
    let word = &text[..word_end];
    if word.contains("://") {
        return fail(start, "missing action: a rule starts with connect, listen, resolve or *");
    }
    let action = if word == "*" {
        None
    } else {
        match Action::from_keyword(word) {
            Some(a) => Some(a),
            None => {
                return fail(start, format!("unknown action `{word}`: expected connect, listen, resolve or *"));
            }
        }
    };
    let after = &text[word_end..];
    if after.is_empty() {
        return fail(end, "expected SCHEME://HOST[:PORTS] after the action");
    }
    if !after.starts_with([' ', '\t']) {
        return fail(start + word_end, "only spaces and tabs may separate the action from the scheme");
    }
    let target = after.trim_start_matches([' ', '\t']);
    let tpos = end - target.len();

    if let Some(i) = target.find(char::is_whitespace) {
        let rest = target[i..].trim_start();
        if rest.starts_with('#') {
            return fail(end - rest.len(), "unexpected `#`: comments are not part of a rule");
        }
        return fail(tpos + i, "unexpected whitespace: a rule is ACTION SCHEME://HOST[:PORTS]");
    }

    let Some(sep) = target.find("://") else {
        return fail(tpos, "expected SCHEME://HOST[:PORTS] after the action");
    };
    let scheme_word = &target[..sep];
    let scheme = if scheme_word.is_empty() {
        return fail(tpos, "missing scheme before `://`: expected tcp, udp, tls or *");
    } else if scheme_word == "*" {
        None
    } else {
        match Scheme::from_keyword(scheme_word) {
            Some(s) => Some(s),
            None => {
                return fail(tpos, format!("unknown scheme `{scheme_word}`: expected tcp, udp, tls or *"));
            }
        }
    };

    let hp = &target[sep + 3..];
    let hpos = tpos + sep + 3;
    let (host, ports_part) = if let Some(bracketed) = hp.strip_prefix('[') {
        let Some(close) = bracketed.find(']') else {
            return fail(hpos, "unclosed `[`: expected `]` after the IPv6 address");
        };
        let host = parse_bracketed(&bracketed[..close], hpos + 1)?;
        let rest = &bracketed[close + 1..];
        let rpos = hpos + 1 + close + 1;
        let ports = if rest.is_empty() {
            None
        } else if let Some(p) = rest.strip_prefix(':') {
            Some((p, rpos + 1))
        } else {
            return fail(rpos, "expected `:` and a port after `]`");
        };
        (host, ports)
    } else {
        let (h, ports) = match hp.split_once(':') {
            Some((h, p)) => (h, Some((p, hpos + h.len() + 1))),
            None => (hp, None),
        };
        if ports.is_some_and(|(p, _)| p.contains(':')) {
            return fail(hpos, "more than one `:`: an IPv6 address must be written in brackets, as in [::1]:80");
        }
        (parse_host(h, hpos)?, ports)
    };

    let ports = match ports_part {
        Some((p, ppos)) => parse_ports(p, ppos)?,
        None if action == Some(Action::Resolve) => Ports::Any,
        None => return fail(end, "a port is required: write :* for any port"),
    };

    if scheme == Some(Scheme::Tls) && action != Some(Action::Connect) {
        return fail(0, "`tls` rules are connect rules: write `connect tls://HOST:PORTS`");
    }
    Ok(Rule { text: text.to_owned(), action, scheme, host, ports })
}

/// Parses an unbracketed host starting at byte `pos` of the input.
fn parse_host(h: &str, pos: usize) -> Result<Host, Fail> {
    if h.is_empty() {
        return fail(pos, "missing host after `://`");
    }
    if h == "*" {
        return Ok(Host::Any);
    }
    if let Some(range) = Range::from_keyword(h) {
        return Ok(Host::Range(range));
    }
    if let Some((addr, len)) = h.split_once('/') {
        if addr.is_empty() {
            return fail(pos, "missing address before `/`");
        }
        let Ok(addr) = addr.parse::<Ipv4Addr>() else {
            return fail(pos, format!("invalid IPv4 address `{addr}` in CIDR block"));
        };
        let len = parse_prefix(len, pos + h.len() - len.len(), 32)?;
        let bits = u32::from(addr);
        if bits & !mask4(len) != 0 {
            return fail(
                pos,
                format!("`{h}` has host bits set: the network is {}/{len}", Ipv4Addr::from(bits & mask4(len))),
            );
        }
        return Ok(Host::Net(Net::V4(bits, len)));
    }
    if let Some(star) = h.find('*') {
        return match h.strip_prefix("*.") {
            Some(suffix) if !suffix.contains('*') => {
                canonical_name(suffix).map(Host::Wildcard).map_err(|e| (pos + 2 + e.position, e.message))
            }
            Some(suffix) => fail(
                pos + 2 + suffix.find('*').unwrap_or(0),
                "a wildcard must be the whole leftmost label, as in *.example.com",
            ),
            None => fail(pos + star, "a wildcard must be the whole leftmost label, as in *.example.com"),
        };
    }
    if let Ok(a) = h.parse::<Ipv4Addr>() {
        return Ok(Host::Ip(IpAddr::V4(a)));
    }
    canonical_name(h).map(Host::Name).map_err(|e| (pos + e.position, e.message))
}

/// Parses what is inside `[...]`, starting at byte `pos` of the input.
fn parse_bracketed(inner: &str, pos: usize) -> Result<Host, Fail> {
    if inner.is_empty() {
        return fail(pos, "empty `[]`: expected an IPv6 address");
    }
    let (addr, len) = match inner.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (inner, None),
    };
    if addr.parse::<Ipv4Addr>().is_ok() {
        return fail(pos, "an IPv4 address is written without brackets");
    }
    if let Some(zone) = addr.find('%') {
        return fail(pos + zone, "IPv6 zone ids (`%eth0`) are not supported");
    }
    let Ok(addr) = addr.parse::<Ipv6Addr>() else {
        return fail(pos, format!("invalid IPv6 address `{addr}`"));
    };
    let Some(len) = len else {
        return Ok(Host::Ip(IpAddr::V6(addr).to_canonical()));
    };
    let len = parse_prefix(len, pos + inner.len() - len.len(), 128)?;
    let bits = u128::from(addr);
    if bits & !mask6(len) != 0 {
        return fail(
            pos,
            format!("`{inner}` has host bits set: the network is {}/{len}", Ipv6Addr::from(bits & mask6(len))),
        );
    }
    // A block inside ::ffff:0:0/96 holds only IPv4-mapped addresses, which requests present as
    // IPv4: store it as the IPv4 block it means, or it could never match anything.
    if len >= 96 && bits >> 32 == 0xffff {
        // Truncation keeps exactly the low 32 bits, the IPv4 address.
        return Ok(Host::Net(Net::V4(bits as u32, len - 96)));
    }
    Ok(Host::Net(Net::V6(bits, len)))
}

fn parse_prefix(len: &str, pos: usize, max: u8) -> Result<u8, Fail> {
    if len.is_empty() {
        return fail(pos, "missing prefix length after `/`");
    }
    if !len.bytes().all(|b| b.is_ascii_digit()) {
        return fail(pos, format!("invalid prefix length `{len}`"));
    }
    match len.parse::<u8>() {
        Ok(n) if n <= max => Ok(n),
        _ => fail(pos, format!("prefix length {len} is longer than {max}")),
    }
}

fn parse_ports(p: &str, pos: usize) -> Result<Ports, Fail> {
    if p.is_empty() {
        return fail(pos, "missing port after `:`: write :* for any port");
    }
    if p == "*" {
        return Ok(Ports::Any);
    }
    let Some(body) = p.strip_prefix('{') else {
        if p.contains(',') {
            return fail(pos, "several ports must be written as a set, as in {80,443}");
        }
        return Ok(Ports::from_ranges(vec![parse_port_range(p, pos)?]));
    };
    let Some(inner) = body.strip_suffix('}') else {
        return match body.find('}') {
            Some(i) => fail(pos + 1 + i + 1, "unexpected text after `}`"),
            None => fail(pos, "unclosed `{`: expected `}` after the port set"),
        };
    };
    if inner.is_empty() {
        return fail(pos, "empty port set `{}`");
    }
    let mut ranges = Vec::new();
    let mut at = pos + 1;
    for item in inner.split(',') {
        if item.is_empty() {
            return fail(at, "empty item in port set");
        }
        if item == "*" {
            return fail(at, "`*` cannot be part of a port set: write :* alone");
        }
        ranges.push(parse_port_range(item, at)?);
        at += item.len() + 1;
    }
    Ok(Ports::from_ranges(ranges))
}

fn parse_port_range(s: &str, pos: usize) -> Result<(u16, u16), Fail> {
    let Some((lo, hi)) = s.split_once('-') else {
        let port = parse_port(s, pos)?;
        return Ok((port, port));
    };
    if lo.is_empty() {
        return fail(pos, "missing start of port range");
    }
    let hi_pos = pos + lo.len() + 1;
    if hi.is_empty() {
        return fail(hi_pos, "missing end of port range");
    }
    let lo = parse_port(lo, pos)?;
    let hi = parse_port(hi, hi_pos)?;
    if lo > hi {
        return fail(pos, format!("port range {lo}-{hi} is reversed: write {hi}-{lo}"));
    }
    Ok((lo, hi))
}

fn parse_port(s: &str, pos: usize) -> Result<u16, Fail> {
    // Checked by hand: `u16::from_str` would also accept a leading `+`.
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return fail(pos, format!("invalid port `{s}`: expected a number, a range A-B, a set {{a,b,c-d}} or *"));
    }
    s.parse::<u16>().or_else(|_| fail(pos, format!("port {s} is out of range 0-65535")))
}
