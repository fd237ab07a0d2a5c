//! Socket-option grants: the `[sockopts]` table, which widens or narrows the host's default
//! allowlist of socket options.

use crate::Policy;
use crate::verdict::Verdict;

/// Socket options granted beyond the default allowlist and refused despite it, as uppercase
/// `LEVEL:NAME` labels (`SOL_SOCKET:SO_PRIORITY`).
#[derive(Clone, Debug, Default)]
pub(crate) struct SockoptGrants {
    allow: Vec<String>,
    deny: Vec<String>,
}

impl Policy {
    /// Grant a socket option beyond the default allowlist, by its
    /// `LEVEL:NAME` label (`SOL_SOCKET:SO_PRIORITY`, `IPPROTO_IP:IP_TRANSPARENT`).
    pub fn allow_sockopt(&mut self, label: &str) -> &mut Self {
        self.sockopts.allow.push(label.trim().to_ascii_uppercase());
        self
    }

    /// Refuse a socket option, even one the default allowlist has.
    pub fn deny_sockopt(&mut self, label: &str) -> &mut Self {
        self.sockopts.deny.push(label.trim().to_ascii_uppercase());
        self
    }

    /// Judge setting the option `label`; `default_allowed` is the built-in
    /// allowlist's verdict. A deny entry wins, then an allow entry, then the
    /// default. The verdict is never [`Verdict::Undecided`]: the default
    /// allowlist always decides.
    pub fn check_sockopt(&self, label: &str, default_allowed: bool) -> Verdict {
        let own = self.check_sockopt_own(label, default_allowed);
        self.bounded(|c| c.check_sockopt(label, default_allowed), own)
    }

    fn check_sockopt_own(&self, label: &str, default_allowed: bool) -> Verdict {
        let label = label.to_ascii_uppercase();
        if self.sockopts.deny.contains(&label) {
            return Verdict::Deny(format!("[sockopts] deny {label}"));
        }
        if self.sockopts.allow.contains(&label) {
            return Verdict::Allow(format!("[sockopts] allow {label}"));
        }
        if default_allowed {
            Verdict::Allow("default sockopt allowlist".to_owned())
        } else {
            Verdict::Deny("not in the default sockopt allowlist".to_owned())
        }
    }
}
