//! Capability policy: which socket operations a guest may perform.
//!
//! A guest gets a real socket only when the policy allows the operation. A policy is two lists
//! of rules, *allow* and *deny*, and every operation is judged the same way:
//!
//! 1. if any deny rule matches, the operation is denied: deny beats allow;
//! 2. otherwise, if an allow rule matches, it is allowed (the first matching allow rule is
//!    reported as the reason);
//! 3. otherwise it is denied: no rule, no access.
//!
//! # Rules
//!
//! ```text
//! ACTION SCHEME://HOST[:PORTS]
//! ```
//!
//! | Part     | Values |
//! |----------|--------|
//! | `ACTION` | `connect` (TCP connect; UDP connect and send), `listen` (TCP bind, listen and accept; UDP bind and receive), `resolve` (name lookups only), `*` (any action) |
//! | `SCHEME` | `tcp`, `udp`, `*` (either) |
//! | `HOST`   | an IPv4 address `10.0.0.1`; an IPv6 address in brackets `[fd00::1]`; a CIDR block `10.0.0.0/8`, `[fd00::/8]`; a DNS name `db.example.com`; a wildcard `*.example.com`; a named range `loopback`, `private`, `link-local`, `public`, `metadata`; `*` (any host) |
//! | `PORTS`  | a port `443`; an inclusive range `8000-8080`; a set `{80,443,8000-8080}`; `*` (any port, including 0) |
//!
//! The action is separated from the scheme by spaces or tabs; whitespace around the rule is
//! ignored and there is none inside it. Keywords (actions, schemes, range names) and DNS names are
//! case-insensitive. Comments are not part of a rule: whatever reads rules from a file strips
//! them first. In the examples below the `#` notes are explanations, not rule text.
//!
//! ```text
//! connect tcp://db.example.com:5432           # one host, one port
//! connect tcp://*.example.com:443             # a.example.com, a.b.example.com; not example.com
//! connect udp://10.0.0.53:53
//! connect tcp://10.0.0.0/8:{80,443,8000-8080}
//! connect *://[fd00::/8]:*
//! listen tcp://127.0.0.1:8080
//! listen tcp://127.0.0.1:0                    # bind an ephemeral port
//! resolve *://*.example.com                   # name lookups take no port
//! * *://loopback:*
//! * *://*:*                                   # everything: full access must be written out
//! ```
//!
//! ## Ports
//!
//! A port is required for `connect`, `listen` and `*` rules (write `:*` for any port); it may be
//! omitted only for `resolve` rules, which ignore ports. Port 0 is the permission to bind an
//! ephemeral port: `listen tcp://127.0.0.1:0` grants it, `listen tcp://127.0.0.1:8080` does
//! not, and `*` (or any range that contains 0) includes it.
//!
//! ## Hosts
//!
//! * IP addresses and CIDR blocks match the address of the operation. An IPv4 rule matches only
//!   IPv4 addresses and an IPv6 rule only IPv6 addresses, but IPv4-mapped IPv6 addresses
//!   (`::ffff:10.0.0.1`) are always judged as the IPv4 address they carry, in rules and in
//!   requests alike, so writing the mapped form can neither dodge nor widen an IPv4 rule.
//! * A CIDR block must be a network address: `10.0.0.1/8` is rejected (did you mean
//!   `10.0.0.0/8`?).
//! * DNS names and wildcards match the names the guest resolved to reach the address, never the
//!   address itself. A trailing dot is ignored. A wildcard stands for one or more whole labels on
//!   the left: `*.example.com` matches `a.example.com` and `a.b.example.com` but neither
//!   `example.com` nor `badexample.com`.
//! * Named ranges:
//!   * `loopback`: `127.0.0.0/8`, `::1`;
//!   * `link-local`: `169.254.0.0/16`, `fe80::/10`;
//!   * `private`: `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16` (RFC 1918), `100.64.0.0/10`
//!     (carrier-grade NAT), `169.254.0.0/16`, `fc00::/7` (unique local), `fe80::/10`;
//!   * `metadata`: the cloud instance-metadata endpoints `169.254.169.254`, `169.254.170.2`,
//!     `100.100.100.200`, `fd00:ec2::254`;
//!   * `public`: unicast addresses outside every special range: not loopback, private,
//!     link-local, unspecified, multicast, broadcast, reserved, documentation, benchmarking or
//!     metadata. For IPv6 only global unicast (`2000::/3`) qualifies, minus the documentation
//!     prefixes and the transition prefixes that embed IPv4 addresses (6to4, Teredo, NAT64), so
//!     `public` cannot be used to reach a private IPv4 host through a translator.
//!
//!   The range names take precedence over DNS names: a host called `private` cannot be named.
//!
//! ## Name lookups
//!
//! A lookup of a name is allowed by a `resolve` or `*` rule whose host matches the name, and also
//! by a `connect` rule whose host matches it (permission to connect to a host by name implies
//! permission to look it up). Only deny rules with action `resolve` or `*` can deny a lookup.
//! Lookups have no transport, so the scheme of a rule does not matter for them, and a rule whose
//! host is an address, a CIDR block or a named range never matches a name.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

/// The kind of socket operation a rule governs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// TCP connect; UDP connect and send.
    Connect,
    /// TCP bind, listen and accept; UDP bind and receive.
    Listen,
    /// Name lookups.
    Resolve,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Connect => "connect",
            Action::Listen => "listen",
            Action::Resolve => "resolve",
        }
    }

    fn from_keyword(word: &str) -> Option<Action> {
        [Action::Connect, Action::Listen, Action::Resolve].into_iter().find(|a| a.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for Action {
    /// Writes the keyword used in rules: `connect`, `listen` or `resolve`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The transport protocol of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Tcp => "tcp",
            Scheme::Udp => "udp",
        }
    }

    fn from_keyword(word: &str) -> Option<Scheme> {
        [Scheme::Tcp, Scheme::Udp].into_iter().find(|s| s.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for Scheme {
    /// Writes the keyword used in rules: `tcp` or `udp`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed rule.
///
/// [`Rule::text`] is the rule as it was written (without surrounding whitespace), which is what
/// decisions report; [`Display`](fmt::Display) gives the canonical form (lowercase keywords and
/// names, compressed IPv6, IPv4-mapped addresses as IPv4, sorted and merged ports, no port on
/// `resolve` rules), which parses back to an equivalent rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    text: String,
    /// `None` is the `*` action.
    action: Option<Action>,
    /// `None` is the `*` scheme.
    scheme: Option<Scheme>,
    host: Host,
    ports: Ports,
}

impl Rule {
    /// The rule as written, with leading and trailing whitespace removed.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn action_matches(&self, action: Action) -> bool {
        self.action.is_none_or(|a| a == action)
    }

    fn scheme_matches(&self, scheme: Scheme) -> bool {
        self.scheme.is_none_or(|s| s == scheme)
    }

    /// Whether the rule covers an operation. `ip` must be canonical (IPv4-mapped addresses
    /// turned into IPv4) and `names` canonical DNS names.
    fn matches(&self, action: Action, scheme: Scheme, ip: IpAddr, port: u16, names: &[String]) -> bool {
        self.action_matches(action)
            && self.scheme_matches(scheme)
            // Lookups have no port, whatever the address they are judged on carries.
            && (action == Action::Resolve || self.ports.contains(port))
            && self.host.matches_addr(ip, names)
    }
}

impl FromStr for Rule {
    type Err = ParseError;

    /// Parses `ACTION SCHEME://HOST[:PORTS]`; see the [module documentation](self).
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

/// What the policy decided and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the operation may go ahead.
    pub allowed: bool,
    /// The text of the deciding rule (as written); `None` means no rule matched and the
    /// operation falls to the default deny.
    pub rule: Option<String>,
}

impl Decision {
    /// The deciding rule's text, or `"default deny"`.
    pub fn reason(&self) -> String {
        self.rule.clone().unwrap_or_else(|| "default deny".to_owned())
    }

    fn by(allowed: bool, rule: &Rule) -> Decision {
        Decision { allowed, rule: Some(rule.text.clone()) }
    }

    fn default_deny() -> Decision {
        Decision { allowed: false, rule: None }
    }
}

/// One operation to judge.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// What the guest wants to do.
    pub action: Action,
    /// Over which transport.
    pub scheme: Scheme,
    /// The address to connect to or bind (IPv4-mapped IPv6 addresses are judged as IPv4).
    pub addr: SocketAddr,
    /// Names that resolved to `addr` for this guest instance (so a rule naming a host matches its
    /// resolved IPs). Empty for a plain IP. Strings that are not valid DNS names are ignored.
    pub names: &'a [String],
}

/// A set of allow and deny rules. The default policy has no rules and denies everything.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    allow: Vec<Rule>,
    deny: Vec<Rule>,
    /// The `[hosts]` table: names capsock answers itself, before and
    /// instead of the OS resolver. Keys are lowercase without a trailing dot.
    hosts: std::collections::BTreeMap<String, Vec<std::net::IpAddr>>,
    /// What `gethostname()` tells the guest; `None` means the default,
    /// [`DEFAULT_HOSTNAME`].
    hostname: Option<String>,
    /// Socket options granted beyond the default allowlist, as
    /// `LEVEL:NAME` labels (`SOL_SOCKET:SO_PRIORITY`).
    sockopt_allow: Vec<String>,
    /// Socket options refused even if the default allowlist has them.
    sockopt_deny: Vec<String>,
    /// Directories (host paths) inside which AF_UNIX sockets may be bound
    /// and connected.
    unix_dirs: Vec<std::path::PathBuf>,
    /// Linux abstract-namespace names a guest may use: exact names, or
    /// prefixes written `prefix*`.
    unix_abstract: Vec<String>,
}

/// The host name a guest sees unless the policy names another.
pub const DEFAULT_HOSTNAME: &str = "capsock";

impl Policy {
    /// A policy with no rules, which denies everything.
    pub fn deny_all() -> Policy {
        Policy::default()
    }

    /// Answer `name` with `addrs` inside capsock (the `[hosts]` table).
    ///
    /// This grants nothing by itself: resolving the name still needs a rule
    /// that allows it, and connecting needs a rule for the name or the IP.
    pub fn add_host(&mut self, name: &str, addrs: Vec<std::net::IpAddr>) -> &mut Self {
        self.hosts.insert(name.trim_end_matches('.').to_ascii_lowercase(), addrs);
        self
    }

    /// The `[hosts]` entry for `name` (case-insensitive, trailing dot
    /// ignored), if any.
    pub fn host_entry(&self, name: &str) -> Option<&[std::net::IpAddr]> {
        self.hosts.get(&name.trim_end_matches('.').to_ascii_lowercase()).map(Vec::as_slice)
    }

    /// The whole `[hosts]` table.
    pub fn hosts(&self) -> &std::collections::BTreeMap<String, Vec<std::net::IpAddr>> {
        &self.hosts
    }

    /// Grant a socket option beyond the default allowlist, by its
    /// `LEVEL:NAME` label (`SOL_SOCKET:SO_PRIORITY`, `IPPROTO_IP:IP_TRANSPARENT`).
    pub fn allow_sockopt(&mut self, label: &str) -> &mut Self {
        self.sockopt_allow.push(label.trim().to_ascii_uppercase());
        self
    }

    /// Refuse a socket option, even one the default allowlist has.
    pub fn deny_sockopt(&mut self, label: &str) -> &mut Self {
        self.sockopt_deny.push(label.trim().to_ascii_uppercase());
        self
    }

    /// Judge setting the option `label`; `default_allowed` is the built-in
    /// allowlist's verdict. A deny entry wins, then an allow entry, then the
    /// default.
    pub fn check_sockopt(&self, label: &str, default_allowed: bool) -> Decision {
        let label = label.to_ascii_uppercase();
        if self.sockopt_deny.contains(&label) {
            return Decision { allowed: false, rule: Some(format!("[sockopts] deny {label}")) };
        }
        if self.sockopt_allow.contains(&label) {
            return Decision { allowed: true, rule: Some(format!("[sockopts] allow {label}")) };
        }
        let rule = if default_allowed { "default sockopt allowlist" } else { "not in the default sockopt allowlist" };
        Decision { allowed: default_allowed, rule: Some(rule.to_string()) }
    }

    /// Grant AF_UNIX sockets inside a host directory.
    ///
    /// This grants authority over the directory's sockets: a guest may bind
    /// new socket files in it and connect to any socket file in it (and in
    /// its subdirectories), never outside it.
    pub fn allow_unix_dir(&mut self, dir: impl Into<std::path::PathBuf>) -> &mut Self {
        self.unix_dirs.push(dir.into());
        self
    }

    /// The directories AF_UNIX sockets are granted in.
    pub fn unix_dirs(&self) -> &[std::path::PathBuf] {
        &self.unix_dirs
    }

    /// Grant a Linux abstract-namespace name (exact, or `prefix*`).
    pub fn allow_unix_abstract(&mut self, pattern: &str) -> &mut Self {
        self.unix_abstract.push(pattern.to_string());
        self
    }

    /// Judge an abstract-namespace name (the bytes after the leading NUL).
    pub fn check_unix_abstract(&self, name: &[u8]) -> Decision {
        for p in &self.unix_abstract {
            let hit = match p.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix.as_bytes()),
                None => name == p.as_bytes(),
            };
            if hit {
                return Decision { allowed: true, rule: Some(format!("[unix] abstract {p}")) };
            }
        }
        Decision { allowed: false, rule: None }
    }

    /// Judge Linux autobind (`bind('')` on AF_UNIX): the kernel picks an
    /// abstract name others on the host can reach, so only the grant of every
    /// abstract name (`abstract = ["*"]`) allows it.
    pub fn check_unix_autobind(&self) -> Decision {
        if self.unix_abstract.iter().any(|p| p == "*") {
            Decision { allowed: true, rule: Some("[unix] abstract *".to_string()) }
        } else {
            Decision { allowed: false, rule: None }
        }
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

    /// Parses `rule` and adds it to the allow list.
    pub fn allow(&mut self, rule: &str) -> Result<&mut Self, ParseError> {
        self.allow.push(rule.parse()?);
        Ok(self)
    }

    /// Parses `rule` and adds it to the deny list.
    pub fn deny(&mut self, rule: &str) -> Result<&mut Self, ParseError> {
        self.deny.push(rule.parse()?);
        Ok(self)
    }

    /// Builds a policy from allow and deny rule texts; fails on the first rule that does not
    /// parse.
    pub fn from_rules<'a>(
        allow: impl IntoIterator<Item = &'a str>,
        deny: impl IntoIterator<Item = &'a str>,
    ) -> Result<Policy, ParseError> {
        let mut policy = Policy::deny_all();
        for rule in allow {
            policy.allow(rule)?;
        }
        for rule in deny {
            policy.deny(rule)?;
        }
        Ok(policy)
    }

    /// The allow rules, in the order they were added.
    pub fn allow_rules(&self) -> &[Rule] {
        &self.allow
    }

    /// The deny rules, in the order they were added.
    pub fn deny_rules(&self) -> &[Rule] {
        &self.deny
    }

    /// Judges an operation on an address. A deny rule that matches wins; else the first allow
    /// rule that matches; else default deny. A rule whose host is a name or a wildcard matches
    /// when any of `req.names` matches it.
    pub fn check(&self, req: &Request<'_>) -> Decision {
        let ip = req.addr.ip().to_canonical();
        let port = req.addr.port();
        let names: Vec<String> = req.names.iter().filter_map(|n| canonical_name(n).ok()).collect();
        let hit = |r: &&Rule| r.matches(req.action, req.scheme, ip, port, &names);
        if let Some(rule) = self.deny.iter().find(hit) {
            return Decision::by(false, rule);
        }
        match self.allow.iter().find(hit) {
            Some(rule) => Decision::by(true, rule),
            None => Decision::default_deny(),
        }
    }

    /// Judges a lookup of `name`: allowed if a `resolve` or `*`-action rule's host matches the
    /// name, or a `connect` rule's host does (permission to connect to a host by name implies
    /// permission to resolve it), unless a deny rule with action `resolve` or `*` matches the
    /// name. Schemes are ignored; a rule whose host is an IP, CIDR block or named range never
    /// matches a name. A `name` that is not a valid DNS name (including an IP literal) is denied
    /// by default.
    pub fn check_name(&self, name: &str) -> Decision {
        let Ok(name) = canonical_name(name) else {
            // Resolving a malformed name could reach something no rule names: a resolver may
            // read `a.com\0.example.com` as `a.com`, so it must not match `*.example.com`.
            return Decision::default_deny();
        };
        // Only rules about lookups deny them: a `connect` deny keeps the guest from reaching a
        // host, not from learning its addresses.
        let denies = |r: &&Rule| matches!(r.action, None | Some(Action::Resolve)) && r.host.matches_name(&name);
        if let Some(rule) = self.deny.iter().find(denies) {
            return Decision::by(false, rule);
        }
        // Every action but `listen` implies the lookup: `resolve`, `*` and `connect`.
        match self.allow.iter().find(|r| r.action != Some(Action::Listen) && r.host.matches_name(&name)) {
            Some(rule) => Decision::by(true, rule),
            None => Decision::default_deny(),
        }
    }

    /// True if some rule could ever allow `action` with `scheme`, for failing fast. It is
    /// conservative: `false` means nothing can be allowed, `true` only that something might be.
    pub fn may_allow(&self, action: Action, scheme: Scheme) -> bool {
        let resolve = action == Action::Resolve;
        // A deny rule that covers every host and port of this action and scheme shuts it all.
        let shut = self.deny.iter().any(|r| {
            r.action_matches(action)
                && r.scheme_matches(scheme)
                && r.host == Host::Any
                && (resolve || r.ports == Ports::Any)
        });
        if shut {
            return false;
        }
        self.allow.iter().any(|r| {
            if resolve {
                // Lookups by name ignore the scheme, and connect rules naming hosts allow them.
                r.action_matches(action)
                    || (r.action == Some(Action::Connect)
                        && matches!(r.host, Host::Any | Host::Name(_) | Host::Wildcard(_)))
            } else {
                r.action_matches(action) && r.scheme_matches(scheme)
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Hosts

#[derive(Clone, Debug, PartialEq, Eq)]
enum Host {
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
    fn matches_addr(&self, ip: IpAddr, names: &[String]) -> bool {
        match self {
            Host::Any => true,
            Host::Ip(a) => *a == ip,
            Host::Net(net) => net.contains(ip),
            Host::Range(range) => range.contains(ip),
            Host::Name(_) | Host::Wildcard(_) => names.iter().any(|n| self.matches_name(n)),
        }
    }

    /// `name` must be canonical.
    fn matches_name(&self, name: &str) -> bool {
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
enum Net {
    V4(u32, u8),
    V6(u128, u8),
}

const fn mask4(len: u8) -> u32 {
    match u32::MAX.checked_shl(32 - len as u32) {
        Some(m) => m,
        None => 0,
    }
}

const fn mask6(len: u8) -> u128 {
    match u128::MAX.checked_shl(128 - len as u32) {
        Some(m) => m,
        None => 0,
    }
}

const fn net4(a: u8, b: u8, c: u8, d: u8, len: u8) -> Net {
    Net::V4(u32::from_be_bytes([a, b, c, d]), len)
}

const fn net6(bits: u128, len: u8) -> Net {
    Net::V6(bits, len)
}

impl Net {
    /// Whether `ip` (canonical) is in the block; an IPv4 block never contains an IPv6 address
    /// and vice versa.
    fn contains(self, ip: IpAddr) -> bool {
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Range {
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

const METADATA: &[Net] = &[
    net4(169, 254, 169, 254, 32),
    net4(169, 254, 170, 2, 32),
    net4(100, 100, 100, 200, 32),
    net6(0xfd00_0ec2_0000_0000_0000_0000_0000_0254, 128),
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

    fn as_str(self) -> &'static str {
        match self {
            Range::Loopback => "loopback",
            Range::Private => "private",
            Range::LinkLocal => "link-local",
            Range::Public => "public",
            Range::Metadata => "metadata",
        }
    }

    fn from_keyword(word: &str) -> Option<Range> {
        Range::ALL.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(word))
    }

    /// `ip` must be canonical.
    fn contains(self, ip: IpAddr) -> bool {
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

// ---------------------------------------------------------------------------------------------
// Ports

/// `List` holds sorted, disjoint, non-adjacent inclusive ranges and never covers all ports
/// (that is `Any`), so equal sets compare equal.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ports {
    Any,
    List(Vec<(u16, u16)>),
}

impl Ports {
    fn from_ranges(mut ranges: Vec<(u16, u16)>) -> Ports {
        ranges.sort_unstable();
        let mut merged: Vec<(u16, u16)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match merged.last_mut() {
                Some(last) if u32::from(lo) <= u32::from(last.1) + 1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        if merged == [(0, u16::MAX)] { Ports::Any } else { Ports::List(merged) }
    }

    fn contains(&self, port: u16) -> bool {
        match self {
            Ports::Any => true,
            Ports::List(ranges) => ranges.iter().any(|&(lo, hi)| lo <= port && port <= hi),
        }
    }
}

impl fmt::Display for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let item = |f: &mut fmt::Formatter<'_>, (lo, hi): (u16, u16)| {
            if lo == hi { write!(f, "{lo}") } else { write!(f, "{lo}-{hi}") }
        };
        match self {
            Ports::Any => f.write_str("*"),
            Ports::List(ranges) => match ranges.as_slice() {
                [one] => item(f, *one),
                many => {
                    f.write_str("{")?;
                    for (i, r) in many.iter().enumerate() {
                        if i > 0 {
                            f.write_str(",")?;
                        }
                        item(f, *r)?;
                    }
                    f.write_str("}")
                }
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
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
        return fail(tpos, "missing scheme before `://`: expected tcp, udp or *");
    } else if scheme_word == "*" {
        None
    } else {
        match Scheme::from_keyword(scheme_word) {
            Some(s) => Some(s),
            None => {
                return fail(tpos, format!("unknown scheme `{scheme_word}`: expected tcp, udp or *"));
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
                canonical_name(suffix).map(Host::Wildcard).map_err(|(i, m)| (pos + 2 + i, m))
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
    canonical_name(h).map(Host::Name).map_err(|(i, m)| (pos + i, m))
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

/// Checks a DNS name and returns its canonical form: ASCII lowercase, without a trailing dot.
/// On failure returns the byte offset in `s` of the problem and what it is.
///
/// Labels are 1 to 63 letters, digits, `-` or `_` (underscores appear in service names), not
/// starting or ending with `-`; the whole name is at most 253 characters; and the last label is
/// not all digits, so that no spelling of an IPv4 address (`10.1`, `010.0.0.1`) passes as a name.
fn canonical_name(s: &str) -> Result<String, Fail> {
    let body = s.strip_suffix('.').unwrap_or(s);
    if body.is_empty() {
        return fail(0, "missing host name");
    }
    let mut offset = 0;
    let mut last = 0;
    let mut all_numeric = true;
    let mut last_numeric = false;
    for label in body.split('.') {
        if label.is_empty() {
            return fail(offset, "empty label in host name");
        }
        let bad = |c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if let Some((i, c)) = label.char_indices().find(|&(_, c)| bad(c)) {
            let hint = if c.is_ascii() { "" } else { " (write internationalised names in punycode, xn--...)" };
            return fail(offset + i, format!("invalid character `{}` in host name{hint}", c.escape_debug()));
        }
        if label.len() > 63 {
            return fail(offset, format!("label `{label}` is longer than 63 characters"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return fail(offset, format!("label `{label}` starts or ends with `-`"));
        }
        last_numeric = label.bytes().all(|b| b.is_ascii_digit());
        all_numeric &= last_numeric;
        last = offset;
        offset += label.len() + 1;
    }
    if all_numeric {
        return fail(0, format!("invalid IPv4 address `{body}`"));
    }
    if last_numeric {
        return fail(last, "the last label of a host name cannot be all digits");
    }
    if body.len() > 253 {
        return fail(0, format!("host name is {} characters long; the limit is 253", body.len()));
    }
    Ok(body.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    #[test]
    fn autobind_needs_every_abstract_name() {
        let mut p = Policy::deny_all();
        assert!(!p.check_unix_autobind().allowed);
        p.allow_unix_abstract("app-*");
        assert!(!p.check_unix_autobind().allowed, "a prefix grant is not a grant of every name");
        p.allow_unix_abstract("*");
        assert_eq!(p.check_unix_autobind().rule.as_deref(), Some("[unix] abstract *"));
    }

    use super::Action::{Connect as C, Listen as L, Resolve as R};
    use super::Scheme::{Tcp as T, Udp as U};
    use super::*;

    /// The expected decision: allowed by allow rule `i`, denied by deny rule `i`, or default deny.
    #[derive(Clone, Copy, Debug)]
    enum E {
        A(usize),
        D(usize),
        N,
    }
    use E::{A, D, N};

    type Case = (Action, Scheme, &'static str, &'static [&'static str], E);

    /// Groups of cases sharing one policy: (allow rules, deny rules, cases).
    type Group = (&'static [&'static str], &'static [&'static str], &'static [Case]);

    fn sock(s: &str) -> SocketAddr {
        s.parse().unwrap_or_else(|e| panic!("bad test address {s}: {e}"))
    }

    const TABLE: &[Group] = &[
        // IPv4 literal, one port: action, scheme, port and address must all match.
        (
            &["connect tcp://10.1.2.3:80"],
            &[],
            &[
                (C, T, "10.1.2.3:80", &[], A(0)),
                (C, T, "10.1.2.3:81", &[], N),
                (C, T, "10.1.2.3:79", &[], N),
                (C, T, "10.1.2.4:80", &[], N),
                (C, U, "10.1.2.3:80", &[], N),
                (L, T, "10.1.2.3:80", &[], N),
                (R, T, "10.1.2.3:80", &[], N),
                (C, T, "[::ffff:10.1.2.3]:80", &[], A(0)),
                (C, T, "[::ffff:10.1.2.4]:80", &[], N),
                (C, T, "[::a01:203]:80", &[], N), // IPv4-compatible is not mapped
                (C, T, "10.1.2.3:80", &["10.1.2.3"], A(0)),
            ],
        ),
        // Action `*` and scheme `*`, with a port set.
        (
            &["* *://192.0.2.7:{53,443}"],
            &[],
            &[
                (C, T, "192.0.2.7:53", &[], A(0)),
                (C, U, "192.0.2.7:443", &[], A(0)),
                (L, U, "192.0.2.7:53", &[], A(0)),
                (L, T, "192.0.2.7:443", &[], A(0)),
                (R, U, "192.0.2.7:53", &[], A(0)),
                (R, T, "192.0.2.7:9", &[], A(0)), // lookups ignore ports
                (C, T, "192.0.2.7:80", &[], N),
                (C, T, "192.0.2.8:53", &[], N),
            ],
        ),
        // A `*` action with one scheme.
        (
            &["* udp://*:*"],
            &[],
            &[
                (C, T, "1.2.3.4:1", &[], N),
                (C, U, "1.2.3.4:1", &[], A(0)),
                (L, U, "[::]:0", &[], A(0)),
                (L, T, "[::]:0", &[], N),
            ],
        ),
        // One action with scheme `*`.
        (
            &["listen *://0.0.0.0:7000"],
            &[],
            &[
                (L, T, "0.0.0.0:7000", &[], A(0)),
                (L, U, "0.0.0.0:7000", &[], A(0)),
                (C, T, "0.0.0.0:7000", &[], N),
                (L, T, "[::]:7000", &[], N),
            ],
        ),
        // Port 0 is the ephemeral bind: granted only by 0 itself, ranges containing it, or `*`.
        (
            &["listen tcp://127.0.0.1:8080", "listen udp://127.0.0.1:0"],
            &[],
            &[
                (L, T, "127.0.0.1:8080", &[], A(0)),
                (L, T, "127.0.0.1:0", &[], N),
                (L, U, "127.0.0.1:0", &[], A(1)),
                (L, U, "127.0.0.1:8080", &[], N),
                (C, T, "127.0.0.1:8080", &[], N),
                (L, T, "127.0.0.2:8080", &[], N),
            ],
        ),
        (
            &["listen tcp://[::1]:*"],
            &[],
            &[
                (L, T, "[::1]:0", &[], A(0)),
                (L, T, "[::1]:65535", &[], A(0)),
                (L, T, "127.0.0.1:0", &[], N),
                (L, U, "[::1]:0", &[], N),
            ],
        ),
        (
            &["listen *://*:0-1024"],
            &[],
            &[(L, T, "0.0.0.0:0", &[], A(0)), (L, U, "[::]:1024", &[], A(0)), (L, T, "0.0.0.0:1025", &[], N)],
        ),
        // Port ranges and sets, edges included.
        (
            &["connect tcp://*:8000-8080", "connect udp://*:{53,5353,6000-6002}"],
            &[],
            &[
                (C, T, "1.1.1.1:7999", &[], N),
                (C, T, "1.1.1.1:8000", &[], A(0)),
                (C, T, "1.1.1.1:8040", &[], A(0)),
                (C, T, "1.1.1.1:8080", &[], A(0)),
                (C, T, "1.1.1.1:8081", &[], N),
                (C, U, "1.1.1.1:53", &[], A(1)),
                (C, U, "1.1.1.1:54", &[], N),
                (C, U, "1.1.1.1:5353", &[], A(1)),
                (C, U, "1.1.1.1:5999", &[], N),
                (C, U, "1.1.1.1:6000", &[], A(1)),
                (C, U, "1.1.1.1:6001", &[], A(1)),
                (C, U, "1.1.1.1:6002", &[], A(1)),
                (C, U, "1.1.1.1:6003", &[], N),
                (C, T, "1.1.1.1:53", &[], N),
                (C, U, "1.1.1.1:8000", &[], N),
            ],
        ),
        (
            &["connect tcp://*:65535", "connect tcp://*:0"],
            &[],
            &[
                (C, T, "[2001:db8::1]:65535", &[], A(0)),
                (C, T, "[2001:db8::1]:65534", &[], N),
                (C, T, "[2001:db8::1]:0", &[], A(1)),
                (C, T, "[2001:db8::1]:1", &[], N),
            ],
        ),
        // IPv4 CIDR edges.
        (
            &["connect tcp://10.0.0.0/8:*", "connect tcp://192.168.1.128/25:443"],
            &[],
            &[
                (C, T, "10.0.0.0:1", &[], A(0)),
                (C, T, "10.255.255.255:1", &[], A(0)),
                (C, T, "9.255.255.255:1", &[], N),
                (C, T, "11.0.0.0:1", &[], N),
                (C, T, "[::ffff:10.9.9.9]:1", &[], A(0)),
                (C, T, "[::a00:1]:1", &[], N),
                (C, T, "192.168.1.128:443", &[], A(1)),
                (C, T, "192.168.1.255:443", &[], A(1)),
                (C, T, "192.168.1.127:443", &[], N),
                (C, T, "192.168.2.0:443", &[], N),
                (C, T, "192.168.1.200:80", &[], N),
            ],
        ),
        (
            &["connect tcp://0.0.0.0/0:*", "connect udp://10.0.0.5/32:*"],
            &[],
            &[
                (C, T, "8.8.8.8:53", &[], A(0)),
                (C, T, "255.255.255.255:1", &[], A(0)),
                (C, T, "[2001:db8::1]:53", &[], N),
                (C, T, "[::ffff:8.8.8.8]:53", &[], A(0)),
                (C, U, "10.0.0.5:1", &[], A(1)),
                (C, U, "10.0.0.6:1", &[], N),
                (C, U, "10.0.0.4:1", &[], N),
            ],
        ),
        // IPv6 literals and CIDR edges.
        (
            &["connect tcp://[fd00::/8]:*", "connect tcp://[2001:db8:1::/48]:443"],
            &[],
            &[
                (C, T, "[fd00::]:1", &[], A(0)),
                (C, T, "[fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:1", &[], A(0)),
                (C, T, "[fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:1", &[], N),
                (C, T, "[fe00::]:1", &[], N),
                (C, T, "10.0.0.1:1", &[], N),
                (C, T, "[2001:db8:1::]:443", &[], A(1)),
                (C, T, "[2001:db8:1:ffff:ffff:ffff:ffff:ffff]:443", &[], A(1)),
                (C, T, "[2001:db8:2::]:443", &[], N),
                (C, T, "[2001:db8:0:ffff:ffff:ffff:ffff:ffff]:443", &[], N),
            ],
        ),
        (
            &["connect tcp://[::/0]:*"],
            &[],
            &[
                (C, T, "[2606:4700::1]:1", &[], A(0)),
                (C, T, "[::ffff:1.2.3.4]:1", &[], N), // mapped is IPv4
                (C, T, "1.2.3.4:1", &[], N),
            ],
        ),
        (
            &["connect tcp://[::ffff:10.0.0.0/104]:*", "connect tcp://[::FFFF:192.0.2.1]:80"],
            &[],
            &[
                (C, T, "10.1.1.1:1", &[], A(0)),
                (C, T, "[::ffff:10.1.1.1]:1", &[], A(0)),
                (C, T, "11.0.0.1:1", &[], N),
                (C, T, "192.0.2.1:80", &[], A(1)),
                (C, T, "[::ffff:c000:201]:80", &[], A(1)),
            ],
        ),
        (
            &["connect udp://[2001:DB8:0:0::1]:53"],
            &[],
            &[
                (C, U, "[2001:db8::1]:53", &[], A(0)),
                (C, U, "[2001:db8::2]:53", &[], N),
                (C, T, "[2001:db8::1]:53", &[], N),
                (C, U, "[2001:db8::1%3]:53", &[], A(0)), // scope ids do not matter
            ],
        ),
        // Named range: loopback.
        (
            &["connect tcp://loopback:*"],
            &[],
            &[
                (C, T, "127.0.0.1:80", &[], A(0)),
                (C, T, "127.255.255.255:80", &[], A(0)),
                (C, T, "126.255.255.255:80", &[], N),
                (C, T, "128.0.0.1:80", &[], N),
                (C, T, "[::1]:80", &[], A(0)),
                (C, T, "[::2]:80", &[], N),
                (C, T, "[::ffff:127.0.0.1]:80", &[], A(0)),
                (C, T, "0.0.0.0:80", &[], N),
            ],
        ),
        // Named range: private.
        (
            &["connect tcp://private:*"],
            &[],
            &[
                (C, T, "10.0.0.1:1", &[], A(0)),
                (C, T, "172.16.0.0:1", &[], A(0)),
                (C, T, "172.31.255.255:1", &[], A(0)),
                (C, T, "172.15.255.255:1", &[], N),
                (C, T, "172.32.0.0:1", &[], N),
                (C, T, "192.168.0.1:1", &[], A(0)),
                (C, T, "192.169.0.1:1", &[], N),
                (C, T, "169.254.1.1:1", &[], A(0)),
                (C, T, "100.64.0.0:1", &[], A(0)),
                (C, T, "100.127.255.255:1", &[], A(0)),
                (C, T, "100.63.255.255:1", &[], N),
                (C, T, "100.128.0.0:1", &[], N),
                (C, T, "[fc00::1]:1", &[], A(0)),
                (C, T, "[fdff::1]:1", &[], A(0)),
                (C, T, "[fe80::1]:1", &[], A(0)),
                (C, T, "[febf::1]:1", &[], A(0)),
                (C, T, "[fec0::1]:1", &[], N),
                (C, T, "[::1]:1", &[], N),
                (C, T, "127.0.0.1:1", &[], N),
                (C, T, "8.8.8.8:1", &[], N),
                (C, T, "[::ffff:192.168.1.1]:1", &[], A(0)),
            ],
        ),
        // Named range: link-local.
        (
            &["connect tcp://link-local:*"],
            &[],
            &[
                (C, T, "169.254.0.0:1", &[], A(0)),
                (C, T, "169.254.255.255:1", &[], A(0)),
                (C, T, "169.255.0.0:1", &[], N),
                (C, T, "169.253.255.255:1", &[], N),
                (C, T, "[fe80::1]:1", &[], A(0)),
                (C, T, "[fc00::1]:1", &[], N),
                (C, T, "10.0.0.1:1", &[], N),
            ],
        ),
        // Named range: metadata.
        (
            &["connect tcp://metadata:80"],
            &[],
            &[
                (C, T, "169.254.169.254:80", &[], A(0)),
                (C, T, "169.254.170.2:80", &[], A(0)),
                (C, T, "100.100.100.200:80", &[], A(0)),
                (C, T, "[fd00:ec2::254]:80", &[], A(0)),
                (C, T, "[::ffff:169.254.169.254]:80", &[], A(0)),
                (C, T, "169.254.169.253:80", &[], N),
                (C, T, "[fd00:ec2::253]:80", &[], N),
                (C, T, "169.254.169.254:443", &[], N),
            ],
        ),
        // Named range: public.
        (
            &["connect tcp://public:*"],
            &[],
            &[
                (C, T, "8.8.8.8:443", &[], A(0)),
                (C, T, "1.1.1.1:443", &[], A(0)),
                (C, T, "9.255.255.255:443", &[], A(0)),
                (C, T, "11.0.0.0:443", &[], A(0)),
                (C, T, "[2606:4700:4700::1111]:443", &[], A(0)),
                (C, T, "[2001:4860:4860::8888]:443", &[], A(0)),
                (C, T, "[::ffff:8.8.8.8]:443", &[], A(0)),
                (C, T, "10.0.0.1:443", &[], N),
                (C, T, "172.16.0.1:443", &[], N),
                (C, T, "100.64.0.1:443", &[], N),
                (C, T, "127.0.0.1:443", &[], N),
                (C, T, "169.254.169.254:443", &[], N),
                (C, T, "100.100.100.200:443", &[], N),
                (C, T, "0.0.0.0:443", &[], N),
                (C, T, "255.255.255.255:443", &[], N),
                (C, T, "224.0.0.1:443", &[], N),
                (C, T, "240.0.0.1:443", &[], N),
                (C, T, "192.0.2.1:443", &[], N),
                (C, T, "198.51.100.1:443", &[], N),
                (C, T, "203.0.113.1:443", &[], N),
                (C, T, "198.18.0.1:443", &[], N),
                (C, T, "[::ffff:10.0.0.1]:443", &[], N),
                (C, T, "[::]:443", &[], N),
                (C, T, "[::1]:443", &[], N),
                (C, T, "[ff02::1]:443", &[], N),
                (C, T, "[2001:db8::1]:443", &[], N),
                (C, T, "[fd00:ec2::254]:443", &[], N),
                (C, T, "[fe80::1]:443", &[], N),
                (C, T, "[64:ff9b::a00:1]:443", &[], N), // NAT64 to 10.0.0.1
                (C, T, "[2002:a00:1::1]:443", &[], N),  // 6to4 of 10.0.0.1
            ],
        ),
        // Deny beats allow; mapped addresses cannot dodge an IPv4 deny.
        (
            &["connect tcp://*:*"],
            &["connect tcp://private:*"],
            &[
                (C, T, "10.0.0.1:80", &[], D(0)),
                (C, T, "[::ffff:10.0.0.1]:80", &[], D(0)),
                (C, T, "[fd00::1]:80", &[], D(0)),
                (C, T, "8.8.8.8:80", &[], A(0)),
                (C, U, "10.0.0.1:80", &[], N),
            ],
        ),
        (
            &["* *://*:*"],
            &["* *://metadata:*", "connect tcp://10.0.0.1:80"],
            &[
                (C, T, "169.254.169.254:80", &[], D(0)),
                (L, U, "169.254.169.254:80", &[], D(0)),
                (C, T, "169.254.169.1:80", &[], A(0)),
                (C, T, "10.0.0.1:80", &[], D(1)),
                (C, T, "[::ffff:10.0.0.1]:80", &[], D(1)),
                (C, T, "10.0.0.1:81", &[], A(0)),
                (C, U, "10.0.0.1:80", &[], A(0)),
            ],
        ),
        // The first matching allow rule is the reason; the first matching deny rule too.
        (
            &["connect tcp://10.0.0.0/8:*", "connect tcp://10.0.0.1:80"],
            &["connect tcp://10.0.0.1:22", "* *://10.9.0.0/16:*"],
            &[
                (C, T, "10.0.0.1:80", &[], A(0)),
                (C, T, "10.0.0.1:22", &[], D(0)),
                (C, T, "10.9.1.1:80", &[], D(1)),
                (C, T, "10.8.1.1:80", &[], A(0)),
                (C, T, "11.0.0.1:80", &[], N),
                (L, T, "10.9.1.1:80", &[], D(1)),
                (C, U, "10.0.0.1:80", &[], N),
            ],
        ),
        // A deny rule decides even without any allow rule.
        (&[], &["connect tcp://*:*"], &[(C, T, "1.2.3.4:80", &[], D(0)), (C, U, "1.2.3.4:80", &[], N)]),
        // Default deny.
        (
            &[],
            &[],
            &[(C, T, "1.2.3.4:80", &[], N), (L, U, "0.0.0.0:0", &[], N), (R, U, "[::1]:53", &["example.com"], N)],
        ),
        // Full access must be written out, and then covers everything.
        (
            &["* *://*:*"],
            &[],
            &[
                (C, T, "1.2.3.4:80", &[], A(0)),
                (L, U, "0.0.0.0:0", &[], A(0)),
                (R, T, "[::1]:53", &[], A(0)),
                (C, U, "[2001:db8::1]:65535", &["x.example"], A(0)),
            ],
        ),
        // A resolve rule never grants connect or listen.
        (
            &["resolve *://*"],
            &[],
            &[
                (C, T, "1.2.3.4:80", &[], N),
                (L, U, "1.2.3.4:80", &[], N),
                (R, T, "1.2.3.4:53", &[], A(0)),
                (R, U, "1.2.3.4:0", &[], A(0)),
            ],
        ),
        (
            &["resolve udp://*.corp.internal:53"],
            &[],
            &[
                (R, U, "10.0.0.53:53", &["x.corp.internal"], A(0)),
                (R, U, "10.0.0.53:5353", &["x.corp.internal"], A(0)),
                (R, T, "10.0.0.53:53", &["x.corp.internal"], N),
                (C, U, "10.0.0.53:53", &["x.corp.internal"], N),
            ],
        ),
        // DNS names match the resolved names, case-insensitively, trailing dot ignored.
        (
            &["connect tcp://db.example.com:5432"],
            &[],
            &[
                (C, T, "10.0.0.9:5432", &["db.example.com"], A(0)),
                (C, T, "10.0.0.9:5432", &["DB.Example.COM."], A(0)),
                (C, T, "10.0.0.9:5432", &["other.example.com", "db.example.com"], A(0)),
                (C, T, "10.0.0.9:5432", &[], N),
                (C, T, "10.0.0.9:5432", &["db.example.com.evil"], N),
                (C, T, "10.0.0.9:5432", &["xdb.example.com"], N),
                (C, T, "10.0.0.9:5432", &["a.db.example.com"], N),
                (C, T, "10.0.0.9:5433", &["db.example.com"], N),
                (C, U, "10.0.0.9:5432", &["db.example.com"], N),
                (C, T, "10.0.0.9:5432", &["db.example.com.."], N), // not a valid name
            ],
        ),
        (
            &["connect tcp://DB.Example.Com.:5432"],
            &[],
            &[(C, T, "[fd00::9]:5432", &["db.example.com"], A(0)), (C, T, "[fd00::9]:5432", &["db.example.co"], N)],
        ),
        // Wildcards match one or more whole labels on the left, nothing else.
        (
            &["connect tcp://*.example.com:443"],
            &[],
            &[
                (C, T, "1.2.3.4:443", &["a.example.com"], A(0)),
                (C, T, "1.2.3.4:443", &["a.b.example.com"], A(0)),
                (C, T, "1.2.3.4:443", &["A.EXAMPLE.COM."], A(0)),
                (C, T, "1.2.3.4:443", &["example.com"], N),
                (C, T, "1.2.3.4:443", &["badexample.com"], N),
                (C, T, "1.2.3.4:443", &["a.badexample.com"], N),
                (C, T, "1.2.3.4:443", &["a.example.com.evil.net"], N),
                (C, T, "1.2.3.4:443", &["example.com.a"], N),
                (C, T, "1.2.3.4:443", &[".example.com"], N),
                (C, T, "1.2.3.4:443", &["a..example.com"], N),
                (C, T, "1.2.3.4:443", &["a.com\0.example.com"], N),
                (C, T, "1.2.3.4:443", &[], N),
                (C, T, "1.2.3.4:80", &["a.example.com"], N),
            ],
        ),
        (
            &["connect tcp://*.example.com:*"],
            &["connect tcp://secret.example.com:*"],
            &[
                (C, T, "1.2.3.4:1", &["secret.example.com"], D(0)),
                (C, T, "1.2.3.4:1", &["a.secret.example.com"], A(0)),
                (C, T, "1.2.3.4:1", &["www.example.com"], A(0)),
                (C, T, "1.2.3.4:1", &["www.example.com", "secret.example.com"], D(0)),
                (C, T, "1.2.3.4:1", &["SECRET.example.com."], D(0)),
            ],
        ),
        // Address rules ignore names; name rules ignore addresses.
        (
            &["connect tcp://10.0.0.1:80", "connect tcp://svc.local:80"],
            &[],
            &[
                (C, T, "10.0.0.2:80", &["10.0.0.1"], N),
                (C, T, "10.0.0.1:80", &["svc.local"], A(0)),
                (C, T, "10.0.0.2:80", &["svc.local"], A(1)),
                (C, T, "10.0.0.2:80", &["svc.local.other"], N),
            ],
        ),
    ];

    #[test]
    fn decision_table() {
        let mut count = 0;
        for (allow, deny, cases) in TABLE {
            let policy =
                Policy::from_rules(allow.iter().copied(), deny.iter().copied()).unwrap_or_else(|e| panic!("{e}"));
            for &(action, scheme, addr, names, expected) in cases.iter() {
                count += 1;
                let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
                let req = Request { action, scheme, addr: sock(addr), names: &names };
                let want = match expected {
                    A(i) => (true, Some(allow[i].trim().to_owned())),
                    D(i) => (false, Some(deny[i].trim().to_owned())),
                    N => (false, None),
                };
                let got = policy.check(&req);
                assert_eq!(
                    (got.allowed, got.rule.clone()),
                    want,
                    "allow {allow:?} deny {deny:?}: {action} {scheme} {addr} names {names:?}"
                );
                let reason = want.1.unwrap_or_else(|| "default deny".to_owned());
                assert_eq!(got.reason(), reason);
            }
        }
        assert!(count >= 150, "only {count} cases");
    }

    #[test]
    fn malformed_rules() {
        let long_label = format!("connect tcp://{}.com:80", "a".repeat(64));
        let long_name = format!("connect tcp://{}com:80", "abcdefghi.".repeat(26));
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "empty rule"),
            ("   \t ", 0, "empty rule"),
            ("connect", 7, "expected SCHEME://HOST"),
            ("  connect  ", 9, "expected SCHEME://HOST"),
            ("tcp://10.0.0.1:80", 0, "missing action"),
            ("open tcp://10.0.0.1:80", 0, "unknown action `open`"),
            ("connect\ntcp://x.com:80", 7, "only spaces and tabs"),
            ("connect http://x.com:80", 8, "unknown scheme `http`"),
            ("connect ://x.com:80", 8, "missing scheme"),
            ("connect tcp:/x.com:80", 8, "expected SCHEME://HOST"),
            ("connect tcp://:80", 14, "missing host"),
            ("connect tcp://", 14, "missing host"),
            ("connect tcp://10.0.0.1", 22, "a port is required: write :* for any port"),
            ("* *://*", 7, "a port is required"),
            ("listen udp://[::1]", 18, "a port is required"),
            ("  connect tcp://x.com  ", 21, "a port is required"),
            ("connect tcp://10.0.0.1:", 23, "missing port"),
            ("connect tcp://10.0.0.1:65536", 23, "port 65536 is out of range"),
            ("connect tcp://10.0.0.1:99999999999999999999", 23, "out of range"),
            ("connect tcp://10.0.0.1:9-3", 23, "port range 9-3 is reversed"),
            ("connect tcp://10.0.0.1:1-70000", 25, "port 70000 is out of range"),
            ("connect tcp://10.0.0.1:{}", 23, "empty port set"),
            ("connect tcp://10.0.0.1:{80,}", 27, "empty item in port set"),
            ("connect tcp://10.0.0.1:{,80}", 24, "empty item in port set"),
            ("connect tcp://10.0.0.1:{80,443", 23, "unclosed `{`"),
            ("connect tcp://x:{80}x", 20, "unexpected text after `}`"),
            ("connect tcp://10.0.0.1:{80,9-3}", 27, "reversed"),
            ("connect tcp://10.0.0.1:http", 23, "invalid port `http`"),
            ("connect tcp://10.0.0.1:+80", 23, "invalid port `+80`"),
            ("connect tcp://10.0.0.1:-80", 23, "missing start of port range"),
            ("connect tcp://10.0.0.1:80-", 26, "missing end of port range"),
            ("connect tcp://10.0.0.1:1-2-3", 25, "invalid port `2-3`"),
            ("connect tcp://10.0.0.1:{*}", 24, "`*` cannot be part of a port set"),
            ("connect tcp://10.0.0.1:80,443", 23, "written as a set"),
            ("connect tcp://10.0.0.0/33:80", 23, "prefix length 33 is longer than 32"),
            ("connect tcp://10.0.0.0/:80", 23, "missing prefix length"),
            ("connect tcp://10.0.0.0/x:80", 23, "invalid prefix length `x`"),
            ("connect tcp://10.0.0.1/8:80", 14, "host bits set: the network is 10.0.0.0/8"),
            ("connect tcp:///8:80", 14, "missing address before `/`"),
            ("connect tcp://example.com/8:80", 14, "invalid IPv4 address `example.com`"),
            ("connect tcp://[fd00::/129]:80", 22, "prefix length 129 is longer than 128"),
            ("connect tcp://[fd00::1/8]:80", 15, "host bits set"),
            ("connect tcp://256.0.0.1:80", 14, "invalid IPv4 address `256.0.0.1`"),
            ("connect tcp://010.0.0.1:80", 14, "invalid IPv4 address"),
            ("connect tcp://1.2.3:80", 14, "invalid IPv4 address"),
            ("connect tcp://example.123:80", 22, "last label"),
            ("connect tcp://::1:80", 14, "must be written in brackets"),
            ("connect tcp://fe80::1:80", 14, "must be written in brackets"),
            ("connect tcp://[::1:80", 14, "unclosed `[`"),
            ("connect tcp://[10.0.0.1]:80", 15, "without brackets"),
            ("connect tcp://[::g]:80", 15, "invalid IPv6 address `::g`"),
            ("connect tcp://[]:80", 15, "empty `[]`"),
            ("connect tcp://[::1]80", 19, "expected `:` and a port after `]`"),
            ("connect tcp://[fe80::1%eth0]:80", 22, "zone ids"),
            ("connect tcp://a*.example.com:80", 15, "wildcard"),
            ("connect tcp://*.*.example.com:80", 16, "wildcard"),
            ("connect tcp://example.*:80", 22, "wildcard"),
            ("connect tcp://*example.com:80", 14, "wildcard"),
            ("connect tcp://*.:80", 16, "missing host name"),
            ("connect tcp://a..com:80", 16, "empty label"),
            ("connect tcp://.com:80", 14, "empty label"),
            ("connect tcp://bad!host:80", 17, "invalid character `!`"),
            ("connect tcp://bücher.de:80", 15, "punycode"),
            ("connect tcp://-a.com:80", 14, "starts or ends with `-`"),
            ("connect tcp://a-.com:80", 14, "starts or ends with `-`"),
            (&long_label, 14, "longer than 63 characters"),
            (&long_name, 14, "the limit is 253"),
            ("connect tcp://x.com:80 # the database", 23, "comments are not part of a rule"),
            ("connect tcp://x.com :80", 19, "unexpected whitespace"),
            ("connect tcp:// x.com:80", 14, "unexpected whitespace"),
            ("connect tcp://x.com:80 extra", 22, "unexpected whitespace"),
        ];
        assert!(cases.len() >= 30);
        for &(input, position, fragment) in cases {
            let err = match input.parse::<Rule>() {
                Ok(rule) => panic!("`{input}` parsed as `{rule}`"),
                Err(e) => e,
            };
            assert_eq!(err.input, input);
            assert_eq!(
                (err.position, err.message.contains(fragment)),
                (position, true),
                "`{input}`: got `{}` at {}, wanted `{fragment}` at {position}",
                err.message,
                err.position
            );
            assert!(err.to_string().contains(&err.message));
            // Policy builders report the same error.
            assert_eq!(Policy::deny_all().allow(input).err(), Some(err.clone()));
            assert_eq!(Policy::deny_all().deny(input).err(), Some(err));
        }
    }

    #[test]
    fn parse_error_display() {
        let err = "connect tcp://10.0.0.0/33:80".parse::<Rule>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid rule `connect tcp://10.0.0.0/33:80` at column 24: \
             prefix length 33 is longer than 32"
        );
        // Columns count characters, not bytes.
        let err = "\u{a0}connect tcp://10.0.0.0/33:80".parse::<Rule>().unwrap_err();
        assert_eq!(err.position, 25);
        assert!(err.to_string().contains("at column 25:"), "{err}");
        let err: Box<dyn std::error::Error> = Box::new(err);
        assert!(err.to_string().starts_with("invalid rule"));
    }

    #[test]
    fn rules_keep_their_text_and_display_canonically() {
        let cases = [
            ("connect tcp://DB.Example.COM.:443", "connect tcp://db.example.com:443"),
            ("  *  \t *://*:*  ", "* *://*:*"),
            ("CONNECT TCP://LoopBack:1", "connect tcp://loopback:1"),
            ("connect tcp://[::ffff:10.0.0.1]:80", "connect tcp://10.0.0.1:80"),
            ("connect tcp://[::ffff:10.0.0.0/104]:1", "connect tcp://10.0.0.0/8:1"),
            ("connect *://[FD00::/8]:1", "connect *://[fd00::/8]:1"),
            ("connect udp://[2001:DB8:0:0::1]:{443,80,81,82}", "connect udp://[2001:db8::1]:{80-82,443}"),
            ("connect tcp://x.com:{1-5,3-9,10}", "connect tcp://x.com:1-10"),
            ("connect tcp://x.com:{0-100,101-65535}", "connect tcp://x.com:*"),
            ("connect tcp://x.com:{080}", "connect tcp://x.com:80"),
            ("resolve tcp://x.com:53", "resolve tcp://x.com"),
            ("resolve *://*.Example.com", "resolve *://*.example.com"),
            ("listen tcp://LOOPBACK:0-65535", "listen tcp://loopback:*"),
            ("* udp://public:0", "* udp://public:0"),
            ("listen tcp://10.0.0.0/08:1", "listen tcp://10.0.0.0/8:1"),
        ];
        for (input, canonical) in cases {
            let rule: Rule = input.parse().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(rule.text(), input.trim());
            assert_eq!(rule.to_string(), canonical);
            let again: Rule = canonical.parse().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(again.to_string(), canonical);
            assert_eq!(again.text(), canonical);
        }
        assert_eq!(Action::Connect.to_string(), "connect");
        assert_eq!(Action::Listen.to_string(), "listen");
        assert_eq!(Action::Resolve.to_string(), "resolve");
        assert_eq!(Scheme::Tcp.to_string(), "tcp");
        assert_eq!(Scheme::Udp.to_string(), "udp");
    }

    #[test]
    fn policy_building() {
        let mut policy = Policy::deny_all();
        policy
            .allow("connect tcp://a.com:1")
            .and_then(|p| p.allow(" listen udp://*:0 "))
            .and_then(|p| p.deny("* *://metadata:*"))
            .unwrap_or_else(|e| panic!("{e}"));
        let texts = |rules: &[Rule]| rules.iter().map(|r| r.text().to_owned()).collect::<Vec<_>>();
        assert_eq!(texts(policy.allow_rules()), ["connect tcp://a.com:1", "listen udp://*:0"]);
        assert_eq!(texts(policy.deny_rules()), ["* *://metadata:*"]);
        let err = Policy::from_rules(["connect tcp://a.com:1", "connect tcp://b.com"], []).unwrap_err();
        assert_eq!(err.input, "connect tcp://b.com");
        let err = Policy::from_rules([], ["nope"]).unwrap_err();
        assert_eq!(err.input, "nope");
        assert!(Policy::default().allow_rules().is_empty());
    }

    #[test]
    fn check_name_cases() {
        let policy = Policy::from_rules(
            [
                "resolve *://*.example.com",
                "connect tcp://db.internal:5432",
                "listen tcp://svc.local:80",
                "connect tcp://10.0.0.0/8:*",
                "resolve udp://private",
                "resolve tcp://Exact.Org.",
            ],
            ["resolve *://secret.example.com", "connect tcp://blocked.example.com:*", "listen *://*.example.com:*"],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let a = |i: usize| (true, Some(policy.allow_rules()[i].text().to_owned()));
        let d = |i: usize| (false, Some(policy.deny_rules()[i].text().to_owned()));
        let n = (false, None);
        let cases = [
            ("a.example.com", a(0)),
            ("A.B.Example.Com.", a(0)),
            ("example.com", n.clone()),
            ("badexample.com", n.clone()),
            ("secret.example.com", d(0)),
            ("x.secret.example.com", a(0)),
            ("blocked.example.com", a(0)), // a connect deny does not stop lookups
            ("db.internal", a(1)),         // a connect rule implies resolve
            ("DB.INTERNAL.", a(1)),
            ("x.db.internal", n.clone()),
            ("svc.local", n.clone()), // a listen rule does not
            ("10.0.0.1", n.clone()),  // IP literals are not names
            ("exact.org", a(5)),
            ("", n.clone()),
            (".", n.clone()),
            ("a..example.com", n.clone()),
            ("a.com\0.example.com", n.clone()),
            ("a.com .example.com", n.clone()),
        ];
        for (name, want) in cases {
            let got = policy.check_name(name);
            assert_eq!((got.allowed, got.rule), want, "check_name({name:?})");
        }

        let all = Policy::from_rules(["resolve *://*"], []).unwrap_or_else(|e| panic!("{e}"));
        assert!(all.check_name("anything.at.all").allowed);
        assert!(!all.check_name("127.0.0.1").allowed);
        let connect_any = Policy::from_rules(["connect tcp://*:443"], []).unwrap_or_else(|e| panic!("{e}"));
        assert!(connect_any.check_name("example.net").allowed);
        let star_action = Policy::from_rules(["* udp://*.svc:*"], []).unwrap_or_else(|e| panic!("{e}"));
        assert!(star_action.check_name("dns.svc").allowed);
        assert!(!star_action.check_name("svc").allowed);
        let denied = Policy::from_rules(["resolve *://*"], ["* *://*:*"]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(denied.check_name("example.com").rule.as_deref(), Some("* *://*:*"));
        // Lookups ignore schemes, so a tcp-only resolve deny still denies.
        let denied = Policy::from_rules(["resolve udp://*"], ["resolve tcp://*.bad"]).unwrap_or_else(|e| panic!("{e}"));
        assert!(!denied.check_name("x.bad").allowed);
        assert!(denied.check_name("x.good").allowed);
    }

    #[test]
    fn may_allow_cases() {
        let p = |allow: &[&str], deny: &[&str]| {
            Policy::from_rules(allow.iter().copied(), deny.iter().copied()).unwrap_or_else(|e| panic!("{e}"))
        };
        let policy = p(&["connect tcp://10.0.0.1:80"], &[]);
        assert!(policy.may_allow(C, T));
        assert!(!policy.may_allow(C, U));
        assert!(!policy.may_allow(L, T));
        assert!(!policy.may_allow(R, T)); // an address rule implies no lookup

        let policy = p(&["connect tcp://db.internal:80"], &[]);
        assert!(policy.may_allow(R, U));

        let policy = p(&["* *://*:*"], &["listen *://*:*"]);
        assert!(policy.may_allow(C, T));
        assert!(policy.may_allow(R, U));
        assert!(!policy.may_allow(L, T));
        assert!(!policy.may_allow(L, U));

        // A partial deny leaves room, so the answer stays conservative.
        let policy = p(&["listen udp://*:*"], &["listen udp://*:53"]);
        assert!(policy.may_allow(L, U));

        let policy = p(&["resolve udp://*"], &["resolve *://*"]);
        assert!(!policy.may_allow(R, U));
        let policy = p(&["resolve tcp://*"], &[]);
        assert!(policy.may_allow(R, U)); // lookups by name ignore schemes
    }

    /// A small deterministic xorshift generator, so the property tests need no crates.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
    }

    const ACTIONS: &[&str] = &["connect", "listen", "resolve", "*"];
    const SCHEMES: &[&str] = &["tcp", "udp", "*"];
    const HOSTS: &[&str] = &[
        "*",
        "10.0.0.1",
        "10.0.0.0/8",
        "10.0.0.0/30",
        "0.0.0.0/0",
        "[::1]",
        "[fd00::/8]",
        "[::/0]",
        "[::ffff:10.0.0.1]",
        "[::ffff:10.0.0.0/120]",
        "loopback",
        "private",
        "link-local",
        "public",
        "metadata",
        "example.com",
        "*.example.com",
        "a.example.com",
        "*.b.example.com",
    ];
    const PORTS: &[&str] = &["*", "0", "80", "1-1024", "{0,53,443}", "8000-8080"];
    const ADDRS: &[&str] = &[
        "10.0.0.1",
        "10.0.0.2",
        "10.0.0.4",
        "127.0.0.1",
        "169.254.169.254",
        "8.8.8.8",
        "0.0.0.0",
        "100.100.100.200",
        "::1",
        "fd00::1",
        "::ffff:10.0.0.1",
        "::ffff:10.0.0.3",
        "2606:4700::1",
    ];
    const PORT_VALUES: &[u16] = &[0, 1, 53, 80, 443, 1024, 1025, 8000, 8080, 65535];
    const NAMES: &[&str] = &[
        "example.com",
        "a.example.com",
        "b.example.com",
        "x.b.example.com",
        "badexample.com",
        "a.badexample.com",
        "EXAMPLE.COM.",
    ];

    fn random_rule(rng: &mut Rng) -> String {
        let action = *rng.pick(ACTIONS);
        let mut rule = format!("{action} {}://{}", rng.pick(SCHEMES), rng.pick(HOSTS));
        if action != "resolve" || rng.below(2) == 0 {
            rule = format!("{rule}:{}", rng.pick(PORTS));
        }
        rule
    }

    fn random_request(rng: &mut Rng) -> (Action, Scheme, SocketAddr, Vec<String>) {
        let action = *rng.pick(&[C, L, R]);
        let scheme = *rng.pick(&[T, U]);
        let ip: IpAddr = match rng.below(6) {
            0 => IpAddr::V4(Ipv4Addr::from(rng.next() as u32)),
            1 => IpAddr::V6(Ipv4Addr::from(rng.next() as u32).to_ipv6_mapped()),
            2 => IpAddr::V6(Ipv6Addr::from((u128::from(rng.next()) << 64) | u128::from(rng.next()))),
            _ => rng.pick(ADDRS).parse().unwrap_or_else(|e| panic!("{e}")),
        };
        let port = if rng.below(4) > 0 { *rng.pick(PORT_VALUES) } else { rng.next() as u16 };
        let names = (0..rng.below(3)).map(|_| rng.pick(NAMES).to_string()).collect();
        (action, scheme, SocketAddr::new(ip, port), names)
    }

    fn decide(policy: &Policy, req: &(Action, Scheme, SocketAddr, Vec<String>)) -> Decision {
        policy.check(&Request { action: req.0, scheme: req.1, addr: req.2, names: &req.3 })
    }

    #[test]
    fn property_deny_always_wins() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut both, mut lookups_both) = (0, 0);
        for _ in 0..20_000 {
            let allow = random_rule(&mut rng);
            // Often the same rule, or the same action and scheme with any host and port, so
            // that both rules match often enough to test something.
            let deny = match rng.below(4) {
                0 => allow.clone(),
                1 => match allow.split_once("://") {
                    Some((head, _)) => format!("{head}://*:*"),
                    None => unreachable!("generated rules have a scheme"),
                },
                _ => random_rule(&mut rng),
            };
            let req = random_request(&mut rng);
            let only = |rule: &str| Policy::from_rules([rule], []).unwrap_or_else(|e| panic!("{e}"));
            let policy = Policy::from_rules([allow.as_str()], [deny.as_str()]).unwrap_or_else(|e| panic!("{e}"));
            let allow_hits = decide(&only(&allow), &req).allowed;
            let deny_hits = decide(&only(&deny), &req).allowed;
            let got = decide(&policy, &req);
            let want = if deny_hits {
                Decision { allowed: false, rule: Some(deny.clone()) }
            } else if allow_hits {
                Decision { allowed: true, rule: Some(allow.clone()) }
            } else {
                Decision { allowed: false, rule: None }
            };
            assert_eq!(got, want, "allow `{allow}` deny `{deny}` request {req:?}");
            both += usize::from(allow_hits && deny_hits);

            // The same for lookups, where only resolve and `*` deny rules count.
            let name = rng.pick(NAMES);
            let deny_rule: Rule = deny.parse().unwrap_or_else(|e| panic!("{e}"));
            let deny_counts = matches!(deny_rule.action, None | Some(Action::Resolve));
            let deny_hits = deny_counts && only(&deny).check_name(name).allowed;
            let allow_hits = only(&allow).check_name(name).allowed;
            let got = policy.check_name(name);
            if deny_hits {
                assert_eq!(got.rule.as_deref(), Some(deny.as_str()));
                assert!(!got.allowed);
            } else {
                assert_eq!(got.allowed, allow_hits, "allow `{allow}` deny `{deny}` {name}");
            }
            lookups_both += usize::from(allow_hits && deny_hits);
        }
        // The generator must actually exercise the interesting case.
        assert!(both > 200 && lookups_both > 200, "{both} {lookups_both}");
    }

    /// A random lowercase name over a tiny alphabet (so that suffixes collide often), or an
    /// empty string.
    fn random_labels(rng: &mut Rng, max: usize) -> String {
        let count = rng.below(max + 1);
        (0..count)
            .map(|_| (0..1 + rng.below(2)).map(|_| *rng.pick(&['a', 'b'])).collect::<String>())
            .collect::<Vec<_>>()
            .join(".")
    }

    #[test]
    fn property_wildcards_respect_label_boundaries() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut matched = 0;
        for _ in 0..20_000 {
            let suffix = match random_labels(&mut rng, 3) {
                s if s.is_empty() => "a".to_owned(),
                s => s,
            };
            // A prefix of arbitrary characters over `a`, `b` and `.`, then the suffix, with random
            // case: the prefix may or may not end on a label boundary.
            let prefix: String = (0..rng.below(5)).map(|_| *rng.pick(&['a', 'b', '.', 'A'])).collect();
            let name = format!("{prefix}{suffix}");
            // The oracle compares label lists, so it knows nothing about byte offsets.
            let labels: Vec<String> = name.split('.').map(|l| l.to_ascii_lowercase()).collect();
            let suffix_labels: Vec<&str> = suffix.split('.').collect();
            let valid = labels.iter().all(|l| !l.is_empty());
            let expected = valid
                && labels.len() > suffix_labels.len()
                && labels[labels.len() - suffix_labels.len()..] == suffix_labels[..];
            if name.eq_ignore_ascii_case(&suffix) {
                assert!(!expected);
            }

            let policy = Policy::from_rules(
                [format!("connect tcp://*.{suffix}:*").as_str(), format!("resolve *://*.{suffix}").as_str()],
                [],
            )
            .unwrap_or_else(|e| panic!("{e}"));
            let names = [name.clone()];
            let req = Request { action: C, scheme: T, addr: sock("192.0.2.1:1"), names: &names };
            assert_eq!(policy.check(&req).allowed, expected, "*.{suffix} vs {name}");
            assert_eq!(policy.check_name(&name).allowed, expected, "*.{suffix} vs {name}");
            matched += usize::from(expected);
        }
        assert!(matched > 1000, "{matched}");
    }

    #[test]
    fn property_deny_all_denies_everything() {
        let mut rng = Rng(0xdead_beef_cafe_f00d);
        let policy = Policy::deny_all();
        for _ in 0..10_000 {
            let req = random_request(&mut rng);
            assert_eq!(decide(&policy, &req), Decision { allowed: false, rule: None });
            let name = format!("{}.{}", random_labels(&mut rng, 3), rng.pick(NAMES));
            assert_eq!(policy.check_name(&name), Decision { allowed: false, rule: None });
        }
        for action in [C, L, R] {
            for scheme in [T, U] {
                assert!(!policy.may_allow(action, scheme));
            }
        }
        assert_eq!(Policy::deny_all().check_name("x.com").reason(), "default deny");
    }

    #[test]
    fn may_allow_is_conservative() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for _ in 0..5_000 {
            let allow: Vec<String> = (0..rng.below(3)).map(|_| random_rule(&mut rng)).collect();
            let deny: Vec<String> = (0..rng.below(3)).map(|_| random_rule(&mut rng)).collect();
            let policy = Policy::from_rules(allow.iter().map(String::as_str), deny.iter().map(String::as_str))
                .unwrap_or_else(|e| panic!("{e}"));
            for _ in 0..20 {
                let req = random_request(&mut rng);
                if decide(&policy, &req).allowed {
                    assert!(policy.may_allow(req.0, req.1), "{allow:?} {deny:?} {req:?}");
                }
                let name = rng.pick(NAMES);
                if policy.check_name(name).allowed {
                    assert!(policy.may_allow(R, T) && policy.may_allow(R, U));
                }
            }
        }
    }

    const VALID: &[&str] = &[
        "connect tcp://10.0.0.1:80",
        "connect udp://[2001:db8::1]:{53,443,8000-8080}",
        "listen tcp://127.0.0.1:0",
        "listen *://[::1]:*",
        "resolve *://*.example.com",
        "resolve udp://db.example.com.:53",
        "* *://*:*",
        "connect tcp://10.0.0.0/8:1-1024",
        "connect tcp://[fd00::/8]:*",
        "connect tcp://[::ffff:10.0.0.0/104]:5",
        "connect tcp://private:443",
        "* *://metadata:*",
        "listen udp://link-local:{0}",
        "connect tcp://public:80",
        "  connect\t tcp://loopback:*  ",
    ];

    const JUNK: &[&str] = &[
        ":",
        "/",
        "[",
        "]",
        "{",
        "}",
        ",",
        "-",
        "*",
        ".",
        " ",
        "\t",
        "\n",
        "#",
        "%",
        "0",
        "9",
        "é",
        "\0",
        "::",
        "//",
        "://",
        "99999",
        "ff",
        "\u{a0}",
        "\u{1F600}",
        "_",
    ];

    fn assert_parses_sanely(input: &str) {
        match input.parse::<Rule>() {
            Ok(rule) => {
                let canonical = rule.to_string();
                let again: Rule = canonical.parse().unwrap_or_else(|e| panic!("canonical form of `{input}`: {e}"));
                assert_eq!(again.to_string(), canonical, "`{input}`");
            }
            Err(e) => {
                assert!(e.position <= input.len(), "`{input}`: {e:?}");
                assert!(input.is_char_boundary(e.position), "`{input}`: {e:?}");
                assert!(!e.message.is_empty());
                assert!(e.to_string().contains("at column"));
            }
        }
    }

    #[test]
    fn mangled_rules_never_panic() {
        let mut count = 0;
        for &valid in VALID {
            let chars: Vec<(usize, char)> = valid.char_indices().collect();
            let mut check = |s: &str| {
                assert_parses_sanely(s);
                count += 1;
            };
            check(valid);
            for &(i, c) in &chars {
                let next = i + c.len_utf8();
                check(&valid[..i]);
                check(&valid[i..]);
                check(&format!("{}{}", &valid[..i], &valid[next..])); // delete
                check(&format!("{}{c}{}", &valid[..next], &valid[next..])); // duplicate
                for junk in JUNK {
                    check(&format!("{}{junk}{}", &valid[..i], &valid[i..])); // insert
                    check(&format!("{}{junk}{}", &valid[..i], &valid[next..])); // replace
                }
            }
        }
        // Random multi-point mutations of random valid rules.
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        for _ in 0..20_000 {
            let mut s = if rng.below(2) == 0 { rng.pick(VALID).to_string() } else { random_rule(&mut rng) };
            for _ in 0..1 + rng.below(4) {
                let bounds: Vec<usize> = (0..=s.len()).filter(|&i| s.is_char_boundary(i)).collect();
                let i = *rng.pick(&bounds);
                let j = *rng.pick(&bounds);
                let (i, j) = (i.min(j), i.max(j));
                let junk = rng.pick(JUNK);
                s = match rng.below(3) {
                    0 => format!("{}{junk}{}", &s[..i], &s[i..]),
                    1 => format!("{}{}", &s[..i], &s[j..]),
                    _ => format!("{}{}{}", &s[..i], &s[j..], &s[i..j]),
                };
            }
            assert_parses_sanely(&s);
            count += 1;
        }
        assert!(count > 30_000, "{count}");
    }
}
