//! Capability policy: which socket operations a guest may perform.
//!
//! A guest gets a real socket only when the policy allows the operation. A policy is two lists
//! of rules, *allow* and *deny*, and every operation is judged the same way:
//!
//! 1. if any deny rule matches, the operation is denied: deny beats allow
//!    ([`Verdict::Deny`]);
//! 2. otherwise, if an allow rule matches, it is allowed (the first matching allow rule is
//!    reported as the reason; [`Verdict::Allow`]);
//! 3. otherwise no rule decides ([`Verdict::Undecided`]) and the operation is denied: no rule,
//!    no access. (The verdict keeps "no rule matched" apart from "a deny rule matched" so that a
//!    caller may ask someone else, such as an interactive hook, about undecided operations only;
//!    without such a caller, undecided means denied.)
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
//! | `SCHEME` | `tcp`, `udp`, `*` (either); `tls` (connect only: a TCP connect whose connection may carry only a TLS session the host verified for the rule's host, see [`Policy::tls_only`]) |
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
//!   * `metadata`: the cloud instance-metadata and platform endpoints, each an exact address:
//!     * `169.254.169.254`: the instance metadata service of AWS EC2, Azure, Google Cloud,
//!       Oracle Cloud Infrastructure, OpenStack, DigitalOcean and most other clouds;
//!     * `fd00:ec2::254`: AWS EC2's instance metadata service over IPv6;
//!     * `169.254.170.2`: AWS ECS's task metadata and container credentials endpoint;
//!     * `169.254.170.23`: AWS EKS Pod Identity Agent (pod credentials);
//!     * `fd00:ec2::23`: AWS EKS Pod Identity Agent over IPv6;
//!     * `100.100.100.200`: Alibaba Cloud ECS's instance metadata service;
//!     * `192.0.0.192`: Oracle Cloud (Classic)'s instance metadata service;
//!     * `168.63.129.16`: Azure's WireServer, the platform endpoint of the VM agent and
//!       extensions (it also answers DNS and health probes, so denying `metadata` also keeps a
//!       guest from querying Azure's DNS resolver at that address directly).
//!
//!     The `169.254.*` ones are link-local, `100.100.100.200` is carrier-grade NAT space and the
//!     IPv6 ones are unique local, so `private` holds them too; `192.0.0.192` (IETF protocol
//!     assignments) and `168.63.129.16` (public address space, which makes it the one address
//!     `metadata` takes out of `public`) are in no other named range;
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
//!
//! # Other grants
//!
//! Besides rules, a policy holds grants that are not about IP addresses: socket options beyond
//! the default allowlist ([`Policy::allow_sockopt`], [`Policy::deny_sockopt`]) and AF_UNIX
//! sockets in host directories or the Linux abstract namespace ([`Policy::allow_unix_dir`],
//! [`Policy::allow_unix_abstract`]).

// Every public fallible function says how it fails.
#![deny(clippy::missing_errors_doc)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod action;
mod host;
mod name;
mod ports;
mod range;
mod rule;
mod sockopt;
mod unix;
mod verdict;

use std::net::SocketAddr;

pub use action::{Action, Scheme};
pub use name::{NameError, canonical_name};
pub use rule::{ParseError, Rule};
pub use verdict::Verdict;

mod ceiling;

use host::Host;
use ports::Ports;
use sockopt::SockoptGrants;
use unix::UnixGrants;

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

/// A set of allow and deny rules, plus socket-option and AF_UNIX grants. The default policy has
/// no rules and no grants and decides nothing, so everything is denied.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    allow: Vec<Rule>,
    deny: Vec<Rule>,
    /// The `[sockopts]` grants and refusals.
    sockopts: SockoptGrants,
    /// The `[unix]` grants.
    unix: UnixGrants,
    /// An operator's bound on this policy (see [`Policy::under`]).
    ceiling: Option<Box<Policy>>,
}

impl Policy {
    /// A policy with no rules, which denies everything.
    pub fn deny_all() -> Policy {
        Policy::default()
    }

    /// Parses `rule` and adds it to the allow list.
    ///
    /// # Errors
    /// [`ParseError`] (with the position) when `rule` is not a valid rule; nothing is added.
    pub fn allow(&mut self, rule: &str) -> Result<&mut Self, ParseError> {
        self.allow.push(rule.parse()?);
        Ok(self)
    }

    /// Parses `rule` and adds it to the deny list.
    ///
    /// # Errors
    /// [`ParseError`] (with the position) when `rule` is not a valid rule; nothing is added.
    pub fn deny(&mut self, rule: &str) -> Result<&mut Self, ParseError> {
        self.deny.push(rule.parse()?);
        Ok(self)
    }

    /// Builds a policy from allow and deny rule texts.
    ///
    /// # Errors
    /// The [`ParseError`] of the first rule that does not parse.
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

    /// Judges an operation on an address. A deny rule that matches wins ([`Verdict::Deny`]);
    /// else the first allow rule that matches ([`Verdict::Allow`]); else
    /// [`Verdict::Undecided`]. A rule whose host is a name or a wildcard matches when any of
    /// `req.names` matches it.
    pub fn check(&self, req: &Request<'_>) -> Verdict {
        let own = self.check_own(req);
        // The ceiling judges the address alone (see `Policy::under`).
        self.bounded(|c| c.check(&Request { names: &[], ..req.clone() }), own)
    }

    /// As [`check`](Policy::check), except that only deny *rules* deny:
    /// no allow rule (in the policy or its ceiling) is not a refusal here.
    /// For pruning the answers of a name lookup, where an address no rule
    /// names must stay (its connect is judged in full later).
    pub fn check_deny_rules(&self, req: &Request<'_>) -> Verdict {
        if let Some(c) = &self.ceiling
            && let Verdict::Deny(rule) = c.check_deny_rules(&Request { names: &[], ..req.clone() })
        {
            return Verdict::Deny(format!("ceiling: {rule}"));
        }
        self.check_own(req)
    }

    fn check_own(&self, req: &Request<'_>) -> Verdict {
        let ip = req.addr.ip().to_canonical();
        let port = req.addr.port();
        let names: Vec<String> = req.names.iter().filter_map(|n| canonical_name(n).ok()).collect();
        let hit = |r: &&Rule| r.matches(req.action, req.scheme, ip, port, &names);
        if let Some(rule) = self.deny.iter().find(hit) {
            return Verdict::denied_by(rule);
        }
        // A plain grant beats a `tls` one: it allows plaintext too.
        match self.allow.iter().find(|r| hit(r) && !r.is_tls()).or_else(|| self.allow.iter().find(hit)) {
            Some(rule) => Verdict::allowed_by(rule),
            None => Verdict::Undecided,
        }
    }

    /// The `tls` rule an allowed TCP connect is granted by, when only `tls`
    /// rules grant it: then the connection may carry only a TLS session the
    /// host verified for a name that rule matches. `None` when the connect
    /// is denied, undecided, or granted by a plain rule too.
    pub fn tls_only(&self, req: &Request<'_>) -> Option<&Rule> {
        if let Some(c) = &self.ceiling
            && let Some(rule) = c.tls_only(&Request { names: &[], ..req.clone() })
        {
            // The ceiling grants it for TLS only: so does the bounded policy,
            // whoever allows it on the pod's side (a rule or the hook).
            return Some(rule);
        }
        match self.check(req) {
            Verdict::Allow(_) => {}
            _ => return None,
        }
        let ip = req.addr.ip().to_canonical();
        let port = req.addr.port();
        let names: Vec<String> = req.names.iter().filter_map(|n| canonical_name(n).ok()).collect();
        let hit = |r: &&Rule| r.matches(req.action, req.scheme, ip, port, &names);
        if self.allow.iter().any(|r| hit(&r) && !r.is_tls()) {
            return None;
        }
        self.allow.iter().find(|r| hit(r) && r.is_tls())
    }

    /// Judges a lookup of `name`: allowed if a `resolve` or `*`-action rule's host matches the
    /// name, or a `connect` rule's host does (permission to connect to a host by name implies
    /// permission to resolve it), unless a deny rule with action `resolve` or `*` matches the
    /// name. Schemes are ignored; a rule whose host is an IP, CIDR block or named range never
    /// matches a name. A `name` that is not a valid DNS name (including an IP literal) is
    /// [`Verdict::Undecided`], whatever the rules: no rule can match it.
    pub fn check_name(&self, name: &str) -> Verdict {
        let own = self.check_name_own(name);
        self.bounded(|c| c.check_name(name), own)
    }

    fn check_name_own(&self, name: &str) -> Verdict {
        let Ok(name) = canonical_name(name) else {
            // Resolving a malformed name could reach something no rule names: a resolver may
            // read `a.com\0.example.com` as `a.com`, so it must not match `*.example.com`.
            return Verdict::Undecided;
        };
        // Only rules about lookups deny them: a `connect` deny keeps the guest from reaching a
        // host, not from learning its addresses.
        if let Some(rule) = self.deny.iter().find(|r| r.denies_lookups() && r.host.matches_name(&name)) {
            return Verdict::denied_by(rule);
        }
        match self.allow.iter().find(|r| r.allows_lookups() && r.host.matches_name(&name)) {
            Some(rule) => Verdict::allowed_by(rule),
            None => Verdict::Undecided,
        }
    }

    /// True when the policy allows the lookup of every valid name: an allow rule whose action is
    /// `*`, `resolve` or `connect` has host `*`, and no deny rule could deny a lookup (none with
    /// action `*` or `resolve` has a host that can match a name: `*`, a DNS name or a wildcard).
    /// Then [`check_name`](Policy::check_name) allows every valid DNS name, and a name it does
    /// not allow is malformed, which is the resolver's error to report rather than a policy
    /// denial.
    pub fn grants_every_name(&self) -> bool {
        self.ceiling.as_ref().is_none_or(|c| c.grants_every_name()) && self.grants_every_name_own()
    }

    fn grants_every_name_own(&self) -> bool {
        self.allow.iter().any(|r| r.allows_lookups() && r.host == Host::Any)
            // `deny * *://metadata:*` beside `allow * *://*:*` still grants every name: a rule
            // whose host is an address, a block or a range never matches a name.
            && !self.deny.iter().any(|r| r.denies_lookups() && r.host.can_match_names())
    }

    /// True if some rule could ever allow `action` with `scheme`, for failing fast. It is
    /// conservative: `false` means nothing can be allowed, `true` only that something might be.
    pub fn may_allow(&self, action: Action, scheme: Scheme) -> bool {
        self.ceiling.as_ref().is_none_or(|c| c.may_allow(action, scheme)) && self.may_allow_own(action, scheme)
    }

    fn may_allow_own(&self, action: Action, scheme: Scheme) -> bool {
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
                r.action_matches(action) || (r.action == Some(Action::Connect) && r.host.can_match_names())
            } else {
                r.action_matches(action) && r.scheme_matches(scheme)
            }
        })
    }
}
