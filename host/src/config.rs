//! Building a [`Policy`] from a policy file and command-line rules.
//!
//! The file is TOML with top-level `allow` and `deny` arrays of rule strings
//! (see [`crate::policy`] for the language). Unknown keys are an error, never
//! ignored: a typo in a deny list must not silently grant access.

use crate::limits::{Limits, LimitsOverlay};
use crate::resolver::ResolverConfig;
use capsock_policy::Policy;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// The policy file's schema. Every table is optional; unknown keys are an
/// error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// Rules that grant (see [`crate::policy`]).
    #[serde(default)]
    pub allow: Vec<String>,
    /// Rules that refuse; deny beats allow.
    #[serde(default)]
    pub deny: Vec<String>,
    /// What `gethostname()` tells the guest (default `capsock`).
    pub hostname: Option<String>,
    /// Names capsock answers itself: `"db.internal" = ["127.0.0.1"]`.
    #[serde(default)]
    pub hosts: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub limits: LimitsOverlay,
    #[serde(default)]
    pub unix: UnixFile,
    #[serde(default)]
    pub sockopts: SockoptsFile,
    #[serde(default)]
    pub audit: AuditFile,
    #[serde(default)]
    pub tls: TlsFile,
    #[serde(default)]
    pub wasi: WasiFile,
    /// The directory relative paths in the file are taken from.
    #[serde(skip)]
    pub base: PathBuf,
}

/// `[unix]`: AF_UNIX grants.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnixFile {
    /// Directories (relative to the policy file) for AF_UNIX socket files.
    #[serde(default)]
    pub dirs: Vec<PathBuf>,
    /// Linux abstract names: exact, or `prefix*`.
    #[serde(default, rename = "abstract")]
    pub abstract_names: Vec<String>,
}

/// `[sockopts]`: options beyond (or out of) the default allowlist, as
/// `LEVEL:NAME`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SockoptsFile {
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub deny: Vec<String>,
}

/// `[audit]`: where decisions are logged as JSON lines.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditFile {
    pub file: Option<PathBuf>,
    /// Rotate the file to `FILE.1` past this many bytes (default
    /// [`crate::audit::DEFAULT_MAX_BYTES`]).
    pub max_bytes: Option<u64>,
}

/// `[tls]`: the operator's trust anchors for guests' TLS clients.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFile {
    /// PEM files (relative to the policy file) whose certificates are
    /// trusted besides the bundled roots.
    #[serde(default)]
    pub ca_files: Vec<PathBuf>,
    /// Refuse plaintext on TCP connections to public addresses.
    #[serde(default)]
    pub require: bool,
}

/// `[wasi]`: how capsock serves the guest's `wasi:sockets`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WasiFile {
    /// `TCP_NODELAY` on every `wasi:sockets` TCP socket (default true; see
    /// [`crate::CapsockCtxBuilder::wasi_nodelay`]).
    #[serde(default = "yes")]
    pub nodelay: bool,
}

impl Default for WasiFile {
    fn default() -> Self {
        WasiFile { nodelay: true }
    }
}

fn yes() -> bool {
    true
}

/// A policy file or rule that could not be used, with where and why.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl PolicyFile {
    /// Parse a policy file's text; `origin` names it in errors.
    ///
    /// # Errors
    /// Invalid TOML or an unknown key, with line and column.
    pub fn parse(text: &str, origin: &str) -> Result<PolicyFile, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError(format!("{origin}: {e}")))
    }

    /// Read and parse a policy file; its relative paths are taken from its
    /// directory.
    ///
    /// # Errors
    /// As [`PolicyFile::parse`], or when the file cannot be read.
    pub fn load(path: &Path) -> Result<PolicyFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
        let mut file = Self::parse(&text, &path.display().to_string())?;
        file.base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(file)
    }
}

/// What the command line adds to (or overrides in) a policy file.
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub allow: Vec<String>,
    pub deny: Vec<String>,
    /// `NAME=ADDR[,ADDR...]`.
    pub hosts: Vec<String>,
    pub hostname: Option<String>,
    /// Limits given on the command line: each overrides the file's.
    pub limits: LimitsOverlay,
    pub unix_dirs: Vec<PathBuf>,
    pub unix_abstract: Vec<String>,
    pub allow_sockopts: Vec<String>,
    pub deny_sockopts: Vec<String>,
    pub audit: Option<PathBuf>,
    /// `--tls-ca FILE`: PEM files of trust anchors.
    pub tls_ca: Vec<PathBuf>,
    /// `--tls-only`: as `[tls] require = true`.
    pub tls_only: bool,
    /// `--wasi-nodelay off`: as `[wasi] nodelay = false`.
    pub wasi_nodelay_off: bool,
}

/// Everything a guest run is granted and bounded by.
#[derive(Debug)]
pub struct Sandbox {
    pub policy: Policy,
    /// Names answered inside the sandbox and its host name (they grant
    /// nothing, so they are not part of the policy).
    pub resolver: ResolverConfig,
    pub limits: Limits,
    pub audit: Option<PathBuf>,
    /// The audit file's rotation size.
    pub audit_max_bytes: Option<u64>,
    /// Trust anchors for TLS clients, besides the bundled roots.
    pub tls: crate::tls::TlsConfig,
    /// `TCP_NODELAY` on `wasi:sockets` TCP sockets.
    pub wasi_nodelay: bool,
}

/// Merge a policy file and the command line: rule lists and grants are the
/// union of both; a limit or name given on the command line overrides the
/// file's.
///
/// # Errors
/// The first malformed rule, host entry or option label, with where it came
/// from; a limit that cannot be enforced; a granted AF_UNIX directory that
/// does not exist (with its path).
pub fn build_sandbox(file: Option<&PolicyFile>, flags: &Flags) -> Result<Sandbox, ConfigError> {
    let empty = PolicyFile::default();
    let file = file.unwrap_or(&empty);
    let mut policy = build_policy(Some(file), &flags.allow, &flags.deny)?;
    let mut resolver = ResolverConfig::default();
    for (name, addrs) in &file.hosts {
        resolver.add_host(name, parse_addrs(&format!("[hosts] {name:?}"), addrs.iter().map(String::as_str))?);
    }
    for entry in &flags.hosts {
        let (name, addrs) = entry
            .split_once('=')
            .ok_or_else(|| ConfigError(format!("--host expects NAME=ADDR[,ADDR], got `{entry}`")))?;
        resolver.add_host(name, parse_addrs(&format!("--host {entry}"), addrs.split(','))?);
    }
    if let Some(name) = flags.hostname.as_ref().or(file.hostname.as_ref()) {
        resolver.set_hostname(name);
    }
    for dir in &file.unix.dirs {
        policy.allow_unix_dir(file.base.join(dir));
    }
    for dir in &flags.unix_dirs {
        policy.allow_unix_dir(dir);
    }
    for name in file.unix.abstract_names.iter().chain(&flags.unix_abstract) {
        policy.allow_unix_abstract(name);
    }
    for (label, allow) in file
        .sockopts
        .allow
        .iter()
        .chain(&flags.allow_sockopts)
        .map(|l| (l, true))
        .chain(file.sockopts.deny.iter().chain(&flags.deny_sockopts).map(|l| (l, false)))
    {
        check_sockopt_label(label)?;
        if allow {
            policy.allow_sockopt(label);
        } else {
            policy.deny_sockopt(label);
        }
    }
    let mut limits = Limits::default();
    limits.overlay(&file.limits).overlay(&flags.limits);
    limits.validate().map_err(|e| ConfigError(e.0))?;
    if let Some(missing) = crate::unix::UnixDirs::open(&policy).missing().into_iter().next() {
        return Err(ConfigError(missing));
    }
    let audit = flags.audit.clone().or_else(|| file.audit.file.as_ref().map(|f| file.base.join(f)));
    let mut tls = crate::tls::TlsConfig::default();
    tls.require_tls(file.tls.require || flags.tls_only);
    for path in file.tls.ca_files.iter().map(|f| file.base.join(f)).chain(flags.tls_ca.iter().cloned()) {
        let pem = std::fs::read(&path).map_err(|e| ConfigError(format!("TLS CA file {}: {e}", path.display())))?;
        tls.add_ca_pem(&pem).map_err(|e| ConfigError(format!("TLS CA file {}: {e}", path.display())))?;
    }
    let wasi_nodelay = file.wasi.nodelay && !flags.wasi_nodelay_off;
    Ok(Sandbox { policy, resolver, limits, audit, audit_max_bytes: file.audit.max_bytes, tls, wasi_nodelay })
}

fn parse_addrs<'a>(origin: &str, addrs: impl Iterator<Item = &'a str>) -> Result<Vec<IpAddr>, ConfigError> {
    let parsed: Vec<IpAddr> = addrs
        .map(|a| {
            let a = a.trim();
            a.trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .map_err(|_| ConfigError(format!("{origin}: `{a}` is not an IP address")))
        })
        .collect::<Result<_, _>>()?;
    if parsed.is_empty() {
        return Err(ConfigError(format!("{origin}: no addresses")));
    }
    Ok(parsed)
}

/// A `LEVEL:NAME` label must name an option capsock knows, so a typo cannot
/// silently grant or refuse nothing.
fn check_sockopt_label(label: &str) -> Result<(), ConfigError> {
    let upper = label.trim().to_ascii_uppercase();
    if crate::sockopt::OPTIONS.iter().any(|o| o.label == upper) {
        Ok(())
    } else {
        Err(ConfigError(format!(
            "[sockopts]: unknown option `{label}` (write LEVEL:NAME, e.g. SOL_SOCKET:SO_PRIORITY)"
        )))
    }
}

/// The policy from an optional file plus command-line rules (merged: the
/// union of both allow lists and both deny lists).
///
/// # Errors
/// The first malformed rule, with where it came from.
pub fn build_policy(file: Option<&PolicyFile>, allow: &[String], deny: &[String]) -> Result<Policy, ConfigError> {
    let mut policy = Policy::deny_all();
    let from_file = file.map(|f| (f.allow.as_slice(), f.deny.as_slice())).unwrap_or_default();
    for (origin, rules, is_allow) in [
        ("policy file allow", from_file.0, true),
        ("policy file deny", from_file.1, false),
        ("--allow", allow, true),
        ("--deny", deny, false),
    ] {
        for rule in rules {
            let added = if is_allow { policy.allow(rule).map(|_| ()) } else { policy.deny(rule).map(|_| ()) };
            added.map_err(|e| ConfigError(format!("{origin}: {e}")))?;
        }
    }
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasi_nodelay_is_on_unless_the_file_or_the_flag_turns_it_off() {
        let on = build_sandbox(None, &Flags::default()).unwrap();
        assert!(on.wasi_nodelay);
        let file = PolicyFile::parse("[wasi]\nnodelay = false", "p.toml").unwrap();
        assert!(!build_sandbox(Some(&file), &Flags::default()).unwrap().wasi_nodelay);
        let flags = Flags { wasi_nodelay_off: true, ..Flags::default() };
        assert!(!build_sandbox(None, &flags).unwrap().wasi_nodelay);
        assert!(PolicyFile::parse("[wasi]\nnodelai = false", "p.toml").is_err(), "unknown keys are refused");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = PolicyFile::parse("alow = [\"connect tcp://1.2.3.4:80\"]", "p.toml").unwrap_err();
        assert!(err.0.contains("alow"), "{err}");
    }

    #[test]
    fn file_and_flags_merge() {
        let file = PolicyFile::parse("allow = [\"connect tcp://127.0.0.1:80\"]\ndeny = []", "p.toml").unwrap();
        let p = build_policy(Some(&file), &["listen udp://[::1]:*".into()], &[]).unwrap();
        assert_eq!(p.allow_rules().len(), 2);
    }

    #[test]
    fn the_whole_schema_parses() {
        let text = r#"
            allow = ["connect tcp://db.internal:5432", "listen tcp://127.0.0.1:0"]
            deny = ["connect *://metadata:*"]
            hostname = "sandbox-1"
            [hosts]
            "db.internal" = ["127.0.0.1", "::1"]
            [limits]
            max_sockets = 10
            max_connections = 5
            max_bytes_sent = 1000
            max_bytes_received = 2000
            max_connects_per_second = 3
            [unix]
            dirs = ["."]
            abstract = ["app-*"]
            [sockopts]
            allow = ["SOL_SOCKET:SO_PRIORITY"]
            deny = ["IPPROTO_TCP:TCP_CORK"]
            [audit]
            file = "audit.jsonl"
        "#;
        let mut file = PolicyFile::parse(text, "p.toml").unwrap();
        let base = std::env::temp_dir();
        file.base = base.clone();
        let limits = LimitsOverlay { max_sockets: Some(20), ..LimitsOverlay::default() };
        let flags = Flags { limits, hosts: vec!["cache.test=10.0.0.7".into()], ..Flags::default() };
        let sb = build_sandbox(Some(&file), &flags).unwrap();
        assert_eq!(sb.limits.max_sockets, 20, "the flag overrides the file");
        assert_eq!(sb.limits.max_connections, 5);
        assert_eq!(sb.limits.max_connects_per_second, Some(3));
        assert_eq!(sb.resolver.host_entry("DB.internal.").unwrap().len(), 2);
        assert_eq!(sb.resolver.host_entry("cache.test").unwrap()[0].to_string(), "10.0.0.7");
        assert_eq!(sb.resolver.hostname(), "sandbox-1");
        assert_eq!(sb.policy.unix_dirs(), [base.join(".")]);
        assert!(sb.policy.check_unix_abstract(b"app-1").allowed());
        assert!(!sb.policy.check_unix_abstract(b"other").allowed());
        assert!(sb.policy.check_sockopt("SOL_SOCKET:SO_PRIORITY", false).allowed());
        assert!(!sb.policy.check_sockopt("IPPROTO_TCP:TCP_CORK", true).allowed());
        assert_eq!(sb.audit, Some(base.join("audit.jsonl")));
    }

    #[test]
    fn malformed_parts_are_rejected_with_their_text() {
        let err = PolicyFile::parse("[limits]\nmax_sokets = 3", "p.toml").unwrap_err();
        assert!(err.0.contains("max_sokets"), "{err}");
        let file = PolicyFile::parse("[hosts]\n\"a.test\" = [\"not-an-ip\"]", "p.toml").unwrap();
        let err = build_sandbox(Some(&file), &Flags::default()).unwrap_err();
        assert!(err.0.contains("not-an-ip"), "{err}");
        let file = PolicyFile::parse("[sockopts]\nallow = [\"SOL_SOCKET:SO_PRIORTY\"]", "p.toml").unwrap();
        let err = build_sandbox(Some(&file), &Flags::default()).unwrap_err();
        assert!(err.0.contains("SO_PRIORTY"), "{err}");
        let err = build_sandbox(None, &Flags { hosts: vec!["nohost".into()], ..Flags::default() }).unwrap_err();
        assert!(err.0.contains("nohost"), "{err}");
        let err = PolicyFile::parse("allow = [\"connect tcp://1.2.3.4\"]", "p.toml")
            .and_then(|f| build_sandbox(Some(&f), &Flags::default()).map(|_| ()))
            .unwrap_err();
        assert!(err.0.contains("connect tcp://1.2.3.4") && err.0.contains("column"), "{err}");
    }

    #[test]
    fn limits_and_dirs_are_checked_at_start() {
        let err = PolicyFile::parse("[limits]\nmax_backlog = -1", "p.toml").unwrap_err();
        assert!(err.0.contains("max_backlog"), "a negative backlog is refused with its key: {err}");
        let file = PolicyFile::parse("[limits]\nmax_backlog = 4294967295", "p.toml").unwrap();
        let err = build_sandbox(Some(&file), &Flags::default()).unwrap_err();
        assert!(err.0.contains("max_backlog"), "{err}");
        let file = PolicyFile::parse("[unix]\ndirs = [\"/nonexistent/capsock-run\"]", "p.toml").unwrap();
        let err = build_sandbox(Some(&file), &Flags::default()).unwrap_err();
        assert!(err.0.contains("/nonexistent/capsock-run"), "a missing directory names its path: {err}");
    }

    #[test]
    fn bad_rule_names_its_origin() {
        let err = build_policy(None, &[], &["connect tcp://10.0.0.0/99:80".into()]).unwrap_err();
        assert!(err.0.starts_with("--deny"), "{err}");
    }
}
