//! The action and the transport of an operation: the first two parts of a rule.

use std::fmt;

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

    pub(crate) fn from_keyword(word: &str) -> Option<Action> {
        [Action::Connect, Action::Listen, Action::Resolve].into_iter().find(|a| a.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for Action {
    /// Writes the keyword used in rules: `connect`, `listen` or `resolve`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The transport protocol of an operation, or of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// TLS over TCP, in rules only (`connect tls://api.example.com:443`): the
    /// rule allows a TCP connect, and on that connection only a TLS session
    /// whose certificate the host verified for a name the rule's host
    /// matches. Operations are judged as [`Scheme::Tcp`].
    Tls,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Tcp => "tcp",
            Scheme::Udp => "udp",
            Scheme::Tls => "tls",
        }
    }

    pub(crate) fn from_keyword(word: &str) -> Option<Scheme> {
        [Scheme::Tcp, Scheme::Udp, Scheme::Tls].into_iter().find(|s| s.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for Scheme {
    /// Writes the keyword used in rules: `tcp`, `udp` or `tls`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
