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

    pub(crate) fn from_keyword(word: &str) -> Option<Scheme> {
        [Scheme::Tcp, Scheme::Udp].into_iter().find(|s| s.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for Scheme {
    /// Writes the keyword used in rules: `tcp` or `udp`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
