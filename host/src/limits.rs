//! The per-instance limits, written once: one type, one overlay that both
//! the policy file's `[limits]` and the command line fill, validated here.

use serde::Deserialize;
use std::fmt;

/// Per-instance limits. Each, when reached, fails the operation with a
/// clear error naming it — never a hang — and loses nothing already done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Sockets open at once, detached ones included. Past it, creating or
    /// accepting a socket fails with `EMFILE`; a pending connection stays in
    /// the listener's backlog.
    pub max_sockets: usize,
    /// Connected stream sockets at once (made by `connect` or `accept`).
    /// Past it, `connect` and `accept` raise `PermissionError`; a pending
    /// connection stays in the backlog.
    pub max_connections: usize,
    /// The largest `listen` backlog; larger requests are clamped, as Linux
    /// clamps to `somaxconn`. At most `i32::MAX` (checked by
    /// [`Limits::validate`]).
    pub max_backlog: u32,
    /// Bytes the instance may send in all. A send that would pass it sends
    /// what fits (a short send); the next raises `PermissionError`.
    pub max_bytes_sent: Option<u64>,
    /// Bytes the instance may receive in all; as `max_bytes_sent`.
    pub max_bytes_received: Option<u64>,
    /// `connect` calls per second (a sliding one-second window). Past it,
    /// `connect` raises `PermissionError`; nothing is sent.
    pub max_connects_per_second: Option<u32>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_sockets: 1024,
            max_connections: 1024,
            max_backlog: 4096,
            max_bytes_sent: None,
            max_bytes_received: None,
            max_connects_per_second: None,
        }
    }
}

/// Limits as a policy file's `[limits]` table or the command line give
/// them: each one given replaces the value beneath it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LimitsOverlay {
    pub max_sockets: Option<usize>,
    pub max_connections: Option<usize>,
    pub max_backlog: Option<u32>,
    pub max_bytes_sent: Option<u64>,
    pub max_bytes_received: Option<u64>,
    pub max_connects_per_second: Option<u32>,
}

/// A limit that cannot be used, with its name and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitError(pub String);

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitError {}

impl Limits {
    /// Replace each limit the overlay gives.
    pub fn overlay(&mut self, o: &LimitsOverlay) -> &mut Self {
        macro_rules! take {
            ($($plain:ident),*; $($opt:ident),*) => {
                $(if let Some(v) = o.$plain { self.$plain = v; })*
                $(if let Some(v) = o.$opt { self.$opt = Some(v); })*
            };
        }
        take!(max_sockets, max_connections, max_backlog; max_bytes_sent, max_bytes_received, max_connects_per_second);
        self
    }

    /// Check the limits can be enforced as written.
    ///
    /// # Errors
    /// A `max_backlog` above `i32::MAX` (what `listen(2)` takes). Negative
    /// values cannot be written: the file's parser refuses them.
    pub fn validate(&self) -> Result<(), LimitError> {
        if i32::try_from(self.max_backlog).is_err() {
            return Err(LimitError(format!("[limits] max_backlog = {}: at most {}", self.max_backlog, i32::MAX)));
        }
        Ok(())
    }

    /// The backlog `listen(2)` gets for a guest's request.
    /// The tighter of two sets of limits, each bound by bound (an
    /// operator's ceiling and a workload's own limits): `None` is no limit.
    pub fn min(&self, other: &Limits) -> Limits {
        let opt = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let rate = match (self.max_connects_per_second, other.max_connects_per_second) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Limits {
            max_sockets: self.max_sockets.min(other.max_sockets),
            max_connections: self.max_connections.min(other.max_connections),
            max_backlog: self.max_backlog.min(other.max_backlog),
            max_bytes_sent: opt(self.max_bytes_sent, other.max_bytes_sent),
            max_bytes_received: opt(self.max_bytes_received, other.max_bytes_received),
            max_connects_per_second: rate,
        }
    }

    pub(crate) fn backlog(&self, asked: i32) -> i32 {
        asked.clamp(0, i32::try_from(self.max_backlog).unwrap_or(i32::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_takes_the_tighter_of_each() {
        let a = Limits { max_sockets: 5, max_bytes_sent: Some(100), ..Limits::default() };
        let b = Limits {
            max_connections: 3,
            max_bytes_sent: Some(50),
            max_connects_per_second: Some(9),
            ..Limits::default()
        };
        let m = a.min(&b);
        assert_eq!((m.max_sockets, m.max_connections, m.max_bytes_sent), (5, 3, Some(50)));
        assert_eq!((m.max_bytes_received, m.max_connects_per_second), (None, Some(9)));
    }

    #[test]
    fn overlays_replace_what_they_give() {
        let mut l = Limits::default();
        l.overlay(&LimitsOverlay { max_sockets: Some(5), max_bytes_sent: Some(9), ..Default::default() });
        l.overlay(&LimitsOverlay { max_sockets: Some(7), ..Default::default() });
        assert_eq!((l.max_sockets, l.max_bytes_sent, l.max_connections), (7, Some(9), 1024));
    }

    #[test]
    fn backlogs_are_clamped_never_panicking() {
        let l = Limits { max_backlog: 10, ..Limits::default() };
        assert_eq!((l.backlog(-5), l.backlog(3), l.backlog(i32::MAX)), (0, 3, 10));
        let huge = Limits { max_backlog: u32::MAX, ..Limits::default() };
        assert!(huge.validate().unwrap_err().0.contains("max_backlog"));
        assert_eq!(huge.backlog(7), 7);
    }
}
