//! AF_UNIX grants: the `[unix]` table, host directories whose socket files a guest may use and
//! Linux abstract-namespace names it may bind and connect to.

use std::path::PathBuf;

use crate::Policy;
use crate::verdict::Verdict;

/// The AF_UNIX grants of a policy.
#[derive(Clone, Debug, Default)]
pub(crate) struct UnixGrants {
    /// Directories (host paths) inside which AF_UNIX sockets may be bound
    /// and connected.
    dirs: Vec<PathBuf>,
    /// Linux abstract-namespace names a guest may use: exact names, or
    /// prefixes written `prefix*`.
    abstract_names: Vec<String>,
}

impl Policy {
    /// Grant AF_UNIX sockets inside a host directory.
    ///
    /// This grants authority over the directory's sockets: a guest may bind
    /// new socket files in it and connect to any socket file in it (and in
    /// its subdirectories), never outside it.
    pub fn allow_unix_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.unix.dirs.push(dir.into());
        self
    }

    /// The directories AF_UNIX sockets are granted in (under a ceiling,
    /// only those inside one of the ceiling's; see [`Policy::under`]).
    pub fn unix_dirs(&self) -> &[PathBuf] {
        &self.unix.dirs
    }

    /// Keep only the granted directories that lie inside one of `outer`
    /// (compared by components; a path with `..` never counts as inside).
    pub(crate) fn keep_unix_dirs_inside(&mut self, outer: &[PathBuf]) {
        use std::path::Component;
        let plain = |p: &PathBuf| !p.components().any(|c| matches!(c, Component::ParentDir));
        self.unix.dirs.retain(|d| plain(d) && outer.iter().any(|o| plain(o) && d.starts_with(o)));
    }

    /// Grant a Linux abstract-namespace name (exact, or `prefix*`).
    pub fn allow_unix_abstract(&mut self, pattern: &str) -> &mut Self {
        self.unix.abstract_names.push(pattern.to_string());
        self
    }

    /// Judge an abstract-namespace name (the bytes after the leading NUL):
    /// [`Verdict::Allow`] by the first grant that matches it, else
    /// [`Verdict::Undecided`] (nothing denies an abstract name explicitly).
    pub fn check_unix_abstract(&self, name: &[u8]) -> Verdict {
        let own = self.check_unix_abstract_own(name);
        self.bounded(|c| c.check_unix_abstract(name), own)
    }

    fn check_unix_abstract_own(&self, name: &[u8]) -> Verdict {
        for p in &self.unix.abstract_names {
            let hit = match p.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix.as_bytes()),
                None => name == p.as_bytes(),
            };
            if hit {
                return Verdict::Allow(format!("[unix] abstract {p}"));
            }
        }
        Verdict::Undecided
    }

    /// Judge Linux autobind (`bind('')` on AF_UNIX): the kernel picks an
    /// abstract name others on the host can reach, so only the grant of every
    /// abstract name (`abstract = ["*"]`) allows it; otherwise the verdict is
    /// [`Verdict::Undecided`].
    pub fn check_unix_autobind(&self) -> Verdict {
        let own = self.check_unix_autobind_own();
        self.bounded(|c| c.check_unix_autobind(), own)
    }

    fn check_unix_autobind_own(&self) -> Verdict {
        if self.unix.abstract_names.iter().any(|p| p == "*") {
            Verdict::Allow("[unix] abstract *".to_string())
        } else {
            Verdict::Undecided
        }
    }
}
