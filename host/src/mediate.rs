//! The one choke point: every operation that names an address, a name, a
//! path, an option or a group is judged here, and only here.
//!
//! Callers say what they are about to do as a [`Use`] (as wasmtime-wasi's
//! `SocketAddrUse` does) and what it names; the [`Mediator`] then, in one
//! place and always in this order:
//!
//! 1. asks the [`Policy`] (pure, no I/O) for a [`Verdict`];
//! 2. when no rule decides and the embedder installed a [`Hook`], asks the
//!    hook — once per `(action, target)` for the instance, the answer
//!    remembered (bounded by [`HOOK_MEMORY`]) on every path, capsock's own
//!    sockets and `wasi:sockets` alike;
//! 3. writes the audit record ([`AuditOp`], the target in the one
//!    [`target`] format, allowed or not, the deciding rule);
//! 4. on a denial, builds the `PermissionError` naming the rule.
//!
//! A source scan in this module's tests fails if any other file of the
//! crate calls the policy's `check*` functions, so a new enforcement site
//! cannot bypass the mediator by accident.

use crate::audit::{Audit, AuditOp};
use crate::error::{SockError, SockResult};
use crate::hook::{HOOK_MEMORY, Hook, Query};
use capsock_abi::errno;
use capsock_policy::{Action, Policy, Request, Scheme, Verdict};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr, SocketAddrV4};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

/// Whether `addr` is in the policy's `public` range (for `[tls] require`:
/// asked here, the one place the policy is asked).
pub(crate) fn is_public(addr: SocketAddr) -> bool {
    static PUBLIC: std::sync::OnceLock<Option<Policy>> = std::sync::OnceLock::new();
    let Some(public) = PUBLIC.get_or_init(|| Policy::from_rules(["connect tcp://public:*"], []).ok()) else {
        return true;
    };
    let addr = normalise(addr);
    public.check(&Request { action: Action::Connect, scheme: Scheme::Tcp, addr, names: &[] }).allowed()
}

/// What an operation does with what it names. Every enforcement site passes
/// one; it picks the policy action, the scheme and the audit op.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Use {
    /// `bind` of a TCP socket (an ephemeral port is port 0).
    TcpBind,
    /// `listen` on a TCP socket (an unbound one binds port 0 here).
    TcpListen,
    /// A connection accepted on a granted listener (`wasi:sockets` asks).
    TcpAccept,
    /// `connect` of a TCP socket.
    TcpConnect,
    /// `bind` of a UDP socket.
    UdpBind,
    /// `connect` of a UDP socket.
    UdpConnect,
    /// A datagram sent to an address (`sendto`, `sendmsg`).
    UdpSend,
    /// A datagram received from a sender.
    UdpReceive,
    /// A name lookup.
    Resolve,
    /// One address a lookup answered, judged by deny rules.
    ResolveAnswer,
    /// `bind` of an AF_UNIX socket.
    UnixBind,
    /// `connect` (or `sendto`) of an AF_UNIX socket.
    UnixConnect,
    /// `setsockopt`.
    Sockopt,
    /// A multicast group join (`IP_ADD_MEMBERSHIP`, `IPV6_JOIN_GROUP`).
    MulticastJoin,
}

impl Use {
    /// The policy action that governs this use.
    pub fn action(self) -> Action {
        match self {
            Use::TcpConnect | Use::UdpConnect | Use::UdpSend | Use::UdpReceive | Use::UnixConnect => Action::Connect,
            Use::Resolve | Use::ResolveAnswer => Action::Resolve,
            Use::TcpBind
            | Use::TcpListen
            | Use::TcpAccept
            | Use::UdpBind
            | Use::UnixBind
            | Use::Sockopt
            | Use::MulticastJoin => Action::Listen,
        }
    }

    /// The transport, for address uses.
    pub fn scheme(self) -> Scheme {
        match self {
            Use::UdpBind | Use::UdpConnect | Use::UdpSend | Use::UdpReceive | Use::MulticastJoin => Scheme::Udp,
            _ => Scheme::Tcp,
        }
    }

    /// The op name its audit records carry.
    pub fn op(self) -> AuditOp {
        match self {
            Use::TcpBind | Use::UdpBind | Use::UnixBind => AuditOp::Bind,
            Use::TcpListen => AuditOp::Listen,
            Use::TcpAccept => AuditOp::Accept,
            Use::TcpConnect | Use::UdpConnect | Use::UnixConnect => AuditOp::Connect,
            Use::UdpSend => AuditOp::Send,
            Use::UdpReceive => AuditOp::Receive,
            Use::Resolve | Use::ResolveAnswer => AuditOp::Resolve,
            Use::Sockopt => AuditOp::Setsockopt,
            Use::MulticastJoin => AuditOp::Join,
        }
    }

    /// The word a denial's message uses for the operation (the policy's
    /// action keyword, so the message reads like the rule that would
    /// grant it).
    fn verb(self) -> &'static str {
        match self.action() {
            Action::Connect => "connect",
            Action::Listen => "listen",
            Action::Resolve => "resolve",
        }
    }
}

/// An IP target as the policy and every message write it:
/// `tcp://10.0.0.5:443`, `udp://[::1]:53`.
pub fn target(scheme: Scheme, addr: SocketAddr) -> String {
    format!("{scheme}://{}", show(addr))
}

/// An address as rules write it: `1.2.3.4:80`, `[::1]:80`.
pub fn show(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => a.to_string(),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

/// An abstract AF_UNIX name as a target, losslessly: printable ASCII as
/// itself, every other byte as `\xNN` (`unix:@app\x00x`).
pub fn abstract_target(name: &[u8]) -> String {
    format!("unix:@{}", name.escape_ascii())
}

/// Normalise an address to what a policy should judge: an IPv6 address
/// that stands for an IPv4 one is judged as that IPv4 address, so no
/// spelling can dodge (or widen) an IPv4 rule:
///
/// - IPv4-mapped `::ffff:a.b.c.d` (the kernel sends it as IPv4);
/// - IPv4-compatible `::a.b.c.d` (deprecated, RFC 4291; `::` and `::1` are
///   themselves);
/// - NAT64 `64:ff9b::a.b.c.d` (RFC 6052's well-known prefix) and
///   `64:ff9b:1::/48` (RFC 8215, the IPv4 address in the last 32 bits);
/// - 6to4 `2002:AABB:CCDD::/48` (RFC 3056: the IPv4 address in bits 16–48).
pub fn normalise(addr: SocketAddr) -> SocketAddr {
    let SocketAddr::V6(a) = addr else { return addr };
    let ip = *a.ip();
    let s = ip.segments();
    let o = ip.octets();
    let v4 = |b: &[u8]| std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]);
    let embedded = if let Some(m) = ip.to_ipv4_mapped() {
        Some(m)
    } else if (s[..6] == [0; 6] && !(s[6] == 0 && s[7] <= 1))
        || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
        || s[..3] == [0x64, 0xff9b, 1]
    {
        Some(v4(&o[12..16]))
    } else if s[0] == 0x2002 {
        Some(v4(&o[2..6]))
    } else {
        None
    };
    match embedded {
        Some(v4) => SocketAddr::V4(SocketAddrV4::new(v4, a.port())),
        None => addr,
    }
}

/// The address a connect or send to `dest` really reaches, as Linux routes
/// it: the unspecified address is not "nowhere" but this host. IPv4
/// `0.0.0.0` goes to the socket's own bound address (`bound`, when it is a
/// specific one) or else `127.0.0.1`; IPv6 `::` goes to `::1`. Judging the
/// destination as written would let `0.0.0.0` slip past a `loopback` deny
/// rule.
pub fn destination(dest: SocketAddr, bound: Option<SocketAddr>) -> SocketAddr {
    let dest = normalise(dest);
    if !dest.ip().is_unspecified() {
        return dest;
    }
    let to = match (dest, bound.map(normalise)) {
        (SocketAddr::V4(_), Some(b @ SocketAddr::V4(_))) if !b.ip().is_unspecified() => b.ip(),
        (SocketAddr::V4(_), _) => IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        (SocketAddr::V6(_), _) => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
    };
    SocketAddr::new(to, dest.port())
}

/// One guest instance's mediator: its policy, audit trail and hook, and the
/// hook's remembered answers. Shared (`Arc`) between capsock's sockets and
/// the `wasi:sockets` address check, so both paths decide alike.
pub struct Mediator {
    policy: Arc<Policy>,
    audit: Audit,
    hook: Option<Arc<dyn Hook>>,
    /// What the hook answered, by `(action, target)`; cleared past
    /// [`HOOK_MEMORY`] entries.
    answers: Mutex<HashMap<(Action, String), bool>>,
}

/// The future the `wasi:sockets` check returns.
pub type CheckFuture = Pin<Box<dyn Future<Output = bool> + Send + Sync>>;

impl Mediator {
    pub fn new(policy: Arc<Policy>, audit: Audit, hook: Option<Arc<dyn Hook>>) -> Mediator {
        Mediator { policy, audit, hook, answers: Mutex::new(HashMap::new()) }
    }

    pub fn audit(&self) -> &Audit {
        &self.audit
    }

    /// Judge a use of an IP address. `names` are the names that resolved to
    /// it in this instance (so name rules match their IPs).
    ///
    /// # Errors
    /// `PermissionError` naming the deciding rule (or `default deny`, or
    /// `hook refused`).
    pub async fn address(&self, use_: Use, addr: SocketAddr, names: &[String]) -> SockResult<()> {
        let addr = normalise(addr);
        let target = target(use_.scheme(), addr);
        let verdict = self.policy.check(&Request { action: use_.action(), scheme: use_.scheme(), addr, names });
        let verdict = self.settle(use_.action(), &target, verdict).await;
        self.conclude(use_, &target, &verdict)
    }

    /// The `connect tls://` rule that alone grants a TCP connect to `addr`
    /// (see [`Policy::tls_only`]): the connection then carries only TLS
    /// verified for a name the rule matches.
    pub fn tls_only(&self, addr: SocketAddr, names: &[String]) -> Option<capsock_policy::Rule> {
        let addr = normalise(addr);
        self.policy.tls_only(&Request { action: Action::Connect, scheme: Scheme::Tcp, addr, names }).cloned()
    }

    /// Judge a TLS session's server name under its connection's `tls` rule,
    /// before the handshake: allowed (and audited) when the rule matches
    /// `name`.
    ///
    /// # Errors
    /// `PermissionError` naming the rule when it does not (or no name was
    /// given).
    pub fn tls_name(&self, rule: &capsock_policy::Rule, name: Option<&str>, peer: SocketAddr) -> SockResult<()> {
        let target = format!("tls://{}:{}", name.unwrap_or("(no server_hostname)"), peer.port());
        if name.is_some_and(|n| rule.matches_server_name(n)) {
            return Ok(());
        }
        self.audit.record(AuditOp::Tls, &target, false, rule.text());
        Err(SockError::denied(&target, rule.text()))
    }

    /// Audit a finished (or failed) TLS handshake: the server name, whether
    /// the certificate verified, the version and ALPN protocol.
    pub fn tls_handshake(&self, target: &str, verified: bool, detail: &str) {
        self.audit.record(AuditOp::Tls, target, verified, detail);
    }

    /// Judge a lookup of `name` (rules, then the hook).
    ///
    /// # Errors
    /// `PermissionError` naming the deciding rule.
    pub async fn name(&self, name: &str) -> SockResult<()> {
        let verdict = self.policy.check_name(name);
        // A string that is no valid DNS name is never put to the hook: a
        // resolver may read `a.com\0.b.com` as `a.com`, which no answer
        // about the whole string should grant.
        let verdict = if capsock_policy::canonical_name(name).is_ok() {
            self.settle(Action::Resolve, name, verdict).await
        } else {
            verdict
        };
        self.conclude(Use::Resolve, name, &verdict)
    }

    /// Whether every name would be granted: then a string that is no valid
    /// host name is the resolver's error (`EAI_NONAME`), not a denial.
    pub fn grants_every_name(&self) -> bool {
        self.policy.grants_every_name()
    }

    /// Judge one answer of a lookup of `name` by the deny rules of the
    /// schemes it will be used with: `Err` with the deny rule's verdict
    /// (audited) when one removes it. An allow rule or no rule keeps it, to
    /// be judged at connect.
    pub fn answer(&self, name: &str, addr: SocketAddr, schemes: &[Scheme], names: &[String]) -> Result<(), Verdict> {
        // An answer of `0.0.0.0` or `::` reaches this host's loopback.
        let judged = destination(addr, None);
        for &scheme in schemes {
            let verdict =
                self.policy.check_deny_rules(&Request { action: Action::Connect, scheme, addr: judged, names });
            if let Verdict::Deny(_) = verdict {
                self.audit.record(
                    Use::ResolveAnswer.op(),
                    &format!("{name} -> {}", addr.ip()),
                    false,
                    &verdict.reason(),
                );
                return Err(verdict);
            }
        }
        Ok(())
    }

    /// May a datagram from `peer` reach a socket that no `listen` rule
    /// granted? Only a `connect udp` rule naming the sender lets it in (the
    /// hook is not asked per datagram); a dropped one is audited.
    pub fn receive(&self, peer: SocketAddr, names: &[String]) -> bool {
        let peer = normalise(peer);
        let verdict = self.policy.check(&Request { action: Action::Connect, scheme: Scheme::Udp, addr: peer, names });
        if !verdict.allowed() {
            let rule = match verdict.rule() {
                Some(r) => r.to_string(),
                None => "no connect rule names the sender".to_string(),
            };
            self.audit.record(AuditOp::Receive, &target(Scheme::Udp, peer), false, &rule);
        }
        verdict.allowed()
    }

    /// A datagram sent back to a recent sender of a `listen`-granted socket:
    /// allowed without a rule, and audited as such.
    pub fn reply(&self, dest: SocketAddr) {
        self.audit.record(AuditOp::Send, &target(Scheme::Udp, normalise(dest)), true, "reply to a recent sender");
    }

    /// Judge an AF_UNIX path use whose vetting (`unix.rs`, by where the
    /// path lands) gave `vetted`: `Ok(rule)` inside a granted directory,
    /// `Err` with the refusal. Audited; the refusal's rule is a short
    /// reason, never the whole message.
    pub fn unix_path<T>(&self, use_: Use, path: &str, vetted: SockResult<(T, String)>) -> SockResult<T> {
        let target = format!("unix:{path}");
        match vetted {
            Ok((v, rule)) => {
                self.audit.record(use_.op(), &target, true, &rule);
                Ok(v)
            }
            Err(e) => {
                let rule = e.rule().unwrap_or_else(|| format!("{e:?}"));
                self.audit.record(use_.op(), &target, false, &rule);
                Err(e)
            }
        }
    }

    /// Judge an abstract AF_UNIX name (`None`: Linux autobind, `bind('')`,
    /// which only the grant of every abstract name allows).
    ///
    /// # Errors
    /// `PermissionError` naming the missing grant.
    pub fn unix_abstract(&self, use_: Use, name: Option<&[u8]>) -> SockResult<()> {
        let (target, verdict) = match name {
            Some(n) => (abstract_target(n), self.policy.check_unix_abstract(n)),
            None => ("unix:autobind".to_string(), self.policy.check_unix_autobind()),
        };
        self.conclude(use_, &target, &verdict)
    }

    /// Judge setting the option `label`; `default_allowed` is the built-in
    /// allowlist's verdict.
    ///
    /// # Errors
    /// `PermissionError` naming the `[sockopts]` entry or the allowlist.
    pub fn sockopt(&self, label: &str, default_allowed: bool) -> SockResult<()> {
        let verdict = self.policy.check_sockopt(label, default_allowed);
        self.conclude(Use::Sockopt, label, &verdict)
    }

    /// Judge a multicast join of `group` on a socket bound to `port`: a
    /// `listen udp://GROUP:PORT` rule grants it, and so does naming the
    /// option (`label`) in `[sockopts] allow`. One audit record, naming
    /// whichever grant decided.
    ///
    /// # Errors
    /// `PermissionError` naming the group.
    pub async fn multicast(&self, group: IpAddr, port: u16, label: &str, names: &[String]) -> SockResult<()> {
        let addr = normalise(SocketAddr::new(group, port));
        let target = target(Scheme::Udp, addr);
        let by_rule = self.policy.check(&Request { action: Action::Listen, scheme: Scheme::Udp, addr, names });
        let verdict = match by_rule {
            Verdict::Allow(_) => by_rule,
            // An explicit `[sockopts] allow` of the join option grants any
            // group (it is the operator's blanket grant of that option).
            _ => match self.policy.check_sockopt(label, false) {
                grant @ Verdict::Allow(_) => grant,
                _ => match by_rule {
                    Verdict::Undecided => self.settle(Action::Listen, &target, Verdict::Undecided).await,
                    deny => deny,
                },
            },
        };
        self.conclude(Use::MulticastJoin, &target, &verdict)
    }

    /// Judge naming interface `ifindex` (in `IP_PKTINFO`, a multicast join);
    /// `known` says whether a guest may name it (0 or `lo`).
    ///
    /// # Errors
    /// `PermissionError` naming the interface.
    pub fn interface(&self, ifindex: u32, known: bool) -> SockResult<()> {
        if known {
            return Ok(());
        }
        let verdict = Verdict::Deny("a guest sees only the loopback interface".to_string());
        self.conclude(Use::Sockopt, &format!("interface {ifindex}"), &verdict)
    }

    /// The error for a limit reached (`EMFILE` for sockets, a
    /// `PermissionError` for the rest), audited.
    pub fn limit(&self, errno: i32, what: &str, limit: impl std::fmt::Display) -> SockError {
        let rule = format!("limit {what}={limit}");
        self.audit.record(AuditOp::Limit, what, false, &rule);
        SockError::limit(errno, rule)
    }

    /// The `wasi:sockets` address check (what Rust's `std::net` and
    /// wasi-libc use), through the same policy, hook memory and audit.
    ///
    /// What that path cannot express, because wasmtime-wasi decides it: an
    /// implicit bind to the wildcard address and port 0 (which wasmtime-wasi
    /// makes during `connect` and `send`) is allowed and audited as such,
    /// and listening is judged at `listen` with the real local address; a
    /// UDP socket receives from a sender a `connect udp` rule names, or from
    /// anyone when any `listen udp` rule exists (the check cannot tell which
    /// socket asks).
    pub fn wasi_check(self: &Arc<Self>, addr: SocketAddr, use_: wasmtime_wasi::sockets::SocketAddrUse) -> CheckFuture {
        use wasmtime_wasi::sockets::SocketAddrUse as W;
        let addr = normalise(addr);
        let implicit = addr.ip().is_unspecified() && addr.port() == 0;
        let use_ = match use_ {
            W::TcpBind => Use::TcpBind,
            W::TcpListen => Use::TcpListen,
            W::TcpAccept => Use::TcpAccept,
            W::TcpConnect => Use::TcpConnect,
            W::UdpBind => Use::UdpBind,
            W::UdpSend => Use::UdpSend,
            W::UdpReceive => Use::UdpReceive,
        };
        let target = target(use_.scheme(), addr);
        let fixed = |allowed: bool, rule: &str| {
            self.audit.record(use_.op(), &target, allowed, rule);
            Box::pin(std::future::ready(allowed)) as CheckFuture
        };
        match use_ {
            Use::TcpBind | Use::UdpBind if implicit => {
                return fixed(true, "implicit wildcard bind (judged at listen/send)");
            }
            Use::TcpAccept => return fixed(true, "accepted on a granted listener"),
            _ => {}
        }
        // std::net sockets bind to listen: `bind` is judged as `listen`.
        let action = match use_ {
            Use::UdpReceive | Use::UdpSend | Use::TcpConnect => Action::Connect,
            _ => Action::Listen,
        };
        let verdict = self.policy.check(&Request { action, scheme: use_.scheme(), addr, names: &[] });
        if use_ == Use::UdpReceive && !verdict.allowed() && self.policy.may_allow(Action::Listen, Scheme::Udp) {
            return fixed(true, "a listen udp rule exists");
        }
        if !verdict.is_undecided() {
            return fixed(verdict.allowed(), &verdict.reason());
        }
        let me = Arc::clone(self);
        Box::pin(async move {
            let verdict = me.settle(action, &target, Verdict::Undecided).await;
            me.audit.record(use_.op(), &target, verdict.allowed(), &verdict.reason());
            verdict.allowed()
        })
    }

    /// A rule's verdict stands; an undecided one goes to the hook (when
    /// installed), whose answer is remembered.
    async fn settle(&self, action: Action, target: &str, verdict: Verdict) -> Verdict {
        let (Verdict::Undecided, Some(hook)) = (&verdict, &self.hook) else { return verdict };
        let key = (action, target.to_string());
        if let Some(&answer) = self.answers.lock().ok().as_ref().and_then(|m| m.get(&key)) {
            return hook_verdict(answer);
        }
        let query = Query { instance: self.audit.instance().to_string(), action, target: key.1.clone() };
        let answer = hook.decide(query).await;
        if let Ok(mut m) = self.answers.lock() {
            if m.len() >= HOOK_MEMORY {
                m.clear();
            }
            m.insert(key, answer);
        }
        hook_verdict(answer)
    }

    /// Audit a final verdict and turn a refusal into the guest's error.
    fn conclude(&self, use_: Use, target: &str, verdict: &Verdict) -> SockResult<()> {
        let reason = verdict.reason();
        self.audit.record(use_.op(), target, verdict.allowed(), &reason);
        if verdict.allowed() {
            Ok(())
        } else {
            Err(SockError::denied(format_args!("{} {target}", use_.verb()), &reason))
        }
    }
}

impl Drop for Mediator {
    /// An instance's end, however it ends (exit, trap, deadline, signal):
    /// its pending denial summaries and buffered lines reach the file.
    fn drop(&mut self) {
        self.audit.flush();
    }
}

/// The verdict a hook's answer stands for.
fn hook_verdict(allowed: bool) -> Verdict {
    if allowed { Verdict::Allow("hook granted".to_string()) } else { Verdict::Deny("hook refused".to_string()) }
}

/// The `EACCES` a refused AF_UNIX path carries, with its short reason as
/// the rule.
pub fn unix_refusal(reason: impl Into<String>, message: impl Into<String>) -> SockError {
    SockError::refused_with_rule(errno::EACCES, reason.into(), message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy's deciding functions are called here and nowhere else in
    /// the crate: a new enforcement site must come through the mediator.
    #[test]
    fn only_the_mediator_asks_the_policy() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let calls = [
            ".check(",
            ".check_name(",
            ".check_sockopt(",
            ".check_unix_abstract(",
            ".check_unix_autobind(",
            ".may_allow(",
            ".grants_every_name(",
        ];
        let mut offenders = Vec::new();
        let mut stack = vec![src];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("mediate.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                // Tests may build policies and look at them directly.
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                for (n, line) in code.lines().enumerate() {
                    let line = line.split("//").next().unwrap_or_default();
                    // `mediator.grants_every_name()` asks the mediator, not the policy.
                    let asks_policy =
                        calls.iter().any(|c| line.match_indices(c).any(|(i, _)| !line[..i].ends_with("mediator")));
                    if asks_policy {
                        offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                    }
                }
            }
        }
        assert!(offenders.is_empty(), "policy checks outside mediate.rs:\n{}", offenders.join("\n"));
    }

    fn mediator(policy: Policy, hook: Option<Arc<dyn Hook>>) -> Arc<Mediator> {
        Arc::new(Mediator::new(Arc::new(policy), Audit::new(None, "test"), hook))
    }

    struct Counting(std::sync::atomic::AtomicUsize);

    impl Hook for Counting {
        fn decide(&self, _: Query) -> Pin<Box<dyn Future<Output = bool> + Send + Sync + 'static>> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(std::future::ready(true))
        }
    }

    #[test]
    fn the_hook_is_asked_once_per_target_on_both_paths() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let hook = Arc::new(Counting(Default::default()));
        let m = mediator(Policy::deny_all(), Some(hook.clone()));
        let a: SocketAddr = "127.0.0.1:9".parse().unwrap();
        rt.block_on(async {
            assert!(m.address(Use::TcpConnect, a, &[]).await.is_ok());
            assert!(m.address(Use::TcpConnect, a, &[]).await.is_ok());
            // std::net's path shares the memory: same use, same target.
            assert!(m.wasi_check(a, wasmtime_wasi::sockets::SocketAddrUse::TcpConnect).await);
            assert!(m.wasi_check(a, wasmtime_wasi::sockets::SocketAddrUse::TcpConnect).await);
        });
        assert_eq!(hook.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn targets_have_one_format() {
        assert_eq!(target(Scheme::Tcp, "1.2.3.4:80".parse().unwrap()), "tcp://1.2.3.4:80");
        assert_eq!(target(Scheme::Udp, "[::1]:53".parse().unwrap()), "udp://[::1]:53");
        assert_eq!(abstract_target(b"app\0x\xff"), "unix:@app\\x00x\\xff");
        let a: SocketAddr = "[::ffff:10.0.0.5]:80".parse().unwrap();
        assert_eq!(normalise(a), "10.0.0.5:80".parse().unwrap());
    }

    #[test]
    fn embedded_ipv4_is_judged_as_ipv4() {
        let n = |s: &str| normalise(s.parse().unwrap()).to_string();
        assert_eq!(n("[::ffff:10.0.0.5]:80"), "10.0.0.5:80");
        assert_eq!(n("[::10.0.0.5]:80"), "10.0.0.5:80", "IPv4-compatible");
        assert_eq!(n("[64:ff9b::a00:5]:80"), "10.0.0.5:80", "NAT64");
        assert_eq!(n("[64:ff9b:1::a00:5]:80"), "10.0.0.5:80", "local-use NAT64");
        assert_eq!(n("[2002:a00:5::1]:80"), "10.0.0.5:80", "6to4");
        assert_eq!(n("[::1]:80"), "[::1]:80");
        assert_eq!(n("[::]:80"), "[::]:80");
        assert_eq!(n("[2001:db8::1]:80"), "[2001:db8::1]:80");
    }

    #[test]
    fn the_unspecified_destination_is_this_host() {
        let d = |dest: &str, bound: Option<&str>| {
            destination(dest.parse().unwrap(), bound.map(|b| b.parse().unwrap())).to_string()
        };
        assert_eq!(d("0.0.0.0:80", None), "127.0.0.1:80");
        assert_eq!(d("0.0.0.0:80", Some("0.0.0.0:0")), "127.0.0.1:80");
        assert_eq!(d("0.0.0.0:80", Some("127.0.0.9:4000")), "127.0.0.9:80", "the bound source address");
        assert_eq!(d("[::]:80", None), "[::1]:80");
        assert_eq!(d("[::ffff:0.0.0.0]:80", None), "127.0.0.1:80");
        assert_eq!(d("10.0.0.1:80", None), "10.0.0.1:80");
        let p = Policy::from_rules(["connect *://*:*"], ["connect *://loopback:*"]).unwrap();
        let m = mediator(p, None);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let dest = destination("0.0.0.0:80".parse().unwrap(), None);
        let e = rt.block_on(m.address(Use::TcpConnect, dest, &[])).unwrap_err();
        assert_eq!(e.rule().as_deref(), Some("connect *://loopback:*"));
        assert!(
            m.answer("x.test", "[::]:80".parse().unwrap(), &[Scheme::Tcp], &[]).is_err(),
            "a `::` answer is pruned"
        );
    }

    #[test]
    fn a_join_granted_by_sockopts_is_allowed_naming_that_grant() {
        let mut p = Policy::deny_all();
        p.allow_sockopt("IPPROTO_IP:IP_ADD_MEMBERSHIP");
        let path = std::env::temp_dir().join(format!("capsock-join-audit-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let sink = crate::audit::AuditSink::open(&path).unwrap();
        let m = Mediator::new(Arc::new(p), Audit::new(Some(sink.clone()), "join"), None);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let group: IpAddr = "239.1.2.3".parse().unwrap();
        assert!(rt.block_on(m.multicast(group, 5000, "IPPROTO_IP:IP_ADD_MEMBERSHIP", &[])).is_ok());
        sink.flush();
        let line: serde_json::Value =
            serde_json::from_str(std::fs::read_to_string(&path).unwrap().lines().next().unwrap()).unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(line["op"], "join");
        assert_eq!(line["allowed"], true, "one record, and it says allowed: {line}");
        assert_eq!(line["rule"], "[sockopts] allow IPPROTO_IP:IP_ADD_MEMBERSHIP");
        let m = mediator(Policy::deny_all(), None);
        let e = rt.block_on(m.multicast(group, 5000, "IPPROTO_IP:IP_ADD_MEMBERSHIP", &[])).unwrap_err();
        assert_eq!(e.rule().as_deref(), Some("default deny"));
    }
}
