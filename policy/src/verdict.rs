//! What a policy decided about one operation, and why.

use crate::rule::Rule;

/// A policy's verdict on one operation.
///
/// Every `check*` method of [`Policy`](crate::Policy) returns one. `Allow` and `Deny` carry the
/// text of the deciding rule as it was written (or, for grants that are not rules, a text in the
/// same spirit, such as `[sockopts] deny SOL_SOCKET:SO_PRIORITY`), which is what audit logs and
/// error messages report. `Undecided` means no rule matched: the operation is denied unless the
/// caller has someone else to ask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Allowed by the rule whose text this is.
    Allow(String),
    /// Denied by the rule whose text this is.
    Deny(String),
    /// No rule matched; the default is to deny.
    Undecided,
}

impl Verdict {
    /// Whether the operation may go ahead: only an [`Allow`](Verdict::Allow) lets it.
    pub fn allowed(&self) -> bool {
        matches!(self, Verdict::Allow(_))
    }

    /// The deciding rule's text; `None` when no rule decided.
    pub fn rule(&self) -> Option<&str> {
        match self {
            Verdict::Allow(rule) | Verdict::Deny(rule) => Some(rule),
            Verdict::Undecided => None,
        }
    }

    /// The deciding rule's text, or `"default deny"` when no rule decided.
    pub fn reason(&self) -> String {
        self.rule().unwrap_or("default deny").to_owned()
    }

    /// Whether no rule decided.
    pub fn is_undecided(&self) -> bool {
        *self == Verdict::Undecided
    }

    pub(crate) fn allowed_by(rule: &Rule) -> Verdict {
        Verdict::Allow(rule.text().to_owned())
    }

    pub(crate) fn denied_by(rule: &Rule) -> Verdict {
        Verdict::Deny(rule.text().to_owned())
    }
}
