//! An operator's ceiling: a policy that bounds another. A node operator
//! grants what any workload on the node may do; each workload's own policy
//! can only narrow it. Every `check*` of the bounded policy asks the ceiling
//! first: only when the ceiling allows does the workload's own verdict
//! stand. A ceiling that does not decide denies (no hook may grant past
//! the operator).
//!
//! The ceiling judges addresses alone: a workload controls its own name
//! resolution (its `[hosts]`, a container's `/etc/hosts`), so the names it
//! resolved say nothing the operator can trust. A ceiling's name rules
//! still grant lookups (`check_name`), never a connect by themselves: write
//! a ceiling's connect rules with addresses, blocks and ranges.

use crate::Policy;
use crate::verdict::Verdict;

impl Policy {
    /// This policy bounded by `ceiling`: an operation is allowed only if
    /// both allow it. A denial by the ceiling names it (`ceiling: RULE`, or
    /// `ceiling: default deny` when no ceiling rule grants it). Granted
    /// AF_UNIX directories are kept only where they lie inside one of the
    /// ceiling's; a policy already bounded keeps its bound too.
    ///
    /// # Examples
    /// ```
    /// use capsock_policy::{Action, Policy, Request, Scheme};
    /// let pod = Policy::from_rules(["connect tcp://*:*"], []).unwrap();
    /// let node = Policy::from_rules(["connect tcp://127.0.0.1:*"], []).unwrap();
    /// let bounded = pod.under(node);
    /// let req = |a: &str| Request { action: Action::Connect, scheme: Scheme::Tcp, addr: a.parse().unwrap(), names: &[] };
    /// assert!(bounded.check(&req("127.0.0.1:80")).allowed());
    /// assert_eq!(bounded.check(&req("10.0.0.1:80")).reason(), "ceiling: default deny");
    /// ```
    pub fn under(mut self, ceiling: Policy) -> Policy {
        self.keep_unix_dirs_inside(ceiling.unix_dirs());
        let ceiling = match self.ceiling.take() {
            Some(inner) => ceiling.under(*inner),
            None => ceiling,
        };
        self.ceiling = Some(Box::new(ceiling));
        self
    }

    /// Whether a ceiling bounds this policy.
    pub fn has_ceiling(&self) -> bool {
        self.ceiling.is_some()
    }

    /// `own`, unless the ceiling (asked with `ask`) does not allow.
    pub(crate) fn bounded(&self, ask: impl FnOnce(&Policy) -> Verdict, own: Verdict) -> Verdict {
        let Some(c) = &self.ceiling else { return own };
        match ask(c) {
            Verdict::Allow(_) => own,
            v => Verdict::Deny(format!("ceiling: {}", v.reason())),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use crate::{Action, Policy, Request, Scheme};

    fn req(action: Action, scheme: Scheme, addr: &str) -> Request<'static> {
        Request { action, scheme, addr: addr.parse().unwrap(), names: &[] }
    }

    #[test]
    fn both_must_allow_and_the_ceiling_is_named() {
        let pod = Policy::from_rules(["connect tcp://127.0.0.1:*", "listen udp://*:*"], []).unwrap();
        let node = Policy::from_rules(["connect tcp://127.0.0.0/8:1-9000"], ["connect tcp://127.0.0.1:22"]).unwrap();
        let p = pod.under(node);
        let r = |a| p.check(&req(Action::Connect, Scheme::Tcp, a));
        assert_eq!(r("127.0.0.1:80").reason(), "connect tcp://127.0.0.1:*");
        assert_eq!(r("127.0.0.1:22").reason(), "ceiling: connect tcp://127.0.0.1:22");
        assert_eq!(r("127.0.0.1:9001").reason(), "ceiling: default deny");
        // The pod's own default deny stays undecided (a hook may be asked)
        // only where the ceiling allows.
        assert!(r("127.0.0.2:80").is_undecided());
        assert_eq!(p.check(&req(Action::Listen, Scheme::Udp, "0.0.0.0:53")).reason(), "ceiling: default deny");
        assert!(!p.may_allow(Action::Listen, Scheme::Udp), "the ceiling grants no listen");
    }

    #[test]
    fn names_options_and_unix_are_bounded_too() {
        let mut pod = Policy::from_rules(["connect tcp://*.test:*"], []).unwrap();
        pod.allow_unix_dir("/run/app/sock")
            .allow_unix_dir("/etc")
            .allow_unix_abstract("*")
            .allow_sockopt("SOL_SOCKET:SO_PRIORITY");
        let mut node = Policy::from_rules(["connect tcp://db.test:*"], []).unwrap();
        node.allow_unix_dir("/run/app").allow_unix_abstract("app-*");
        let p = pod.under(node);
        assert!(p.check_name("db.test").allowed());
        assert_eq!(p.check_name("web.test").reason(), "ceiling: default deny");
        assert!(!p.grants_every_name());
        assert_eq!(p.unix_dirs(), [std::path::PathBuf::from("/run/app/sock")]);
        assert!(p.check_unix_abstract(b"app-1").allowed());
        assert!(!p.check_unix_abstract(b"other").allowed());
        assert!(!p.check_unix_autobind().allowed());
        assert!(!p.check_sockopt("SOL_SOCKET:SO_PRIORITY", false).allowed(), "the node never allowed it");
        assert!(p.check_sockopt("SOL_SOCKET:SO_KEEPALIVE", true).allowed());
    }

    #[test]
    fn the_ceiling_ignores_names_the_workload_resolved() {
        let pod = Policy::from_rules(["connect tcp://*:*"], []).unwrap();
        let node = Policy::from_rules(["connect tcp://db.test:*"], []).unwrap();
        let p = pod.under(node);
        let names = ["db.test".to_string()];
        let r = Request {
            action: Action::Connect,
            scheme: Scheme::Tcp,
            addr: "10.9.9.9:5432".parse().unwrap(),
            names: &names,
        };
        assert_eq!(p.check(&r).reason(), "ceiling: default deny", "a [hosts] entry cannot stretch the ceiling");
        assert!(p.check_name("db.test").allowed(), "the lookup is granted");
        // Answers are pruned only by deny rules: no ceiling rule is no prune.
        assert!(!matches!(p.check_deny_rules(&r), crate::Verdict::Deny(_)));
        let node = Policy::from_rules([], ["connect tcp://10.0.0.0/8:*"]).unwrap();
        let p = Policy::from_rules(["connect tcp://*:*"], []).unwrap().under(node);
        assert_eq!(p.check_deny_rules(&r).reason(), "ceiling: connect tcp://10.0.0.0/8:*");
    }

    #[test]
    fn a_tls_only_ceiling_keeps_the_connection_tls_only() {
        let pod = Policy::from_rules(["connect tcp://127.0.0.1:443"], []).unwrap();
        let node = Policy::from_rules(["connect tls://127.0.0.1:443"], []).unwrap();
        let p = pod.under(node);
        let r = req(Action::Connect, Scheme::Tcp, "127.0.0.1:443");
        assert!(p.check(&r).allowed());
        assert!(p.tls_only(&r).is_some());
    }
}
