//! Building a [`Policy`] from a policy file and command-line rules.
//!
//! The file is TOML with top-level `allow` and `deny` arrays of rule strings
//! (see [`crate::policy`] for the language). Unknown keys are an error, never
//! ignored: a typo in a deny list must not silently grant access.

use crate::policy::Policy;
use serde::Deserialize;
use std::fmt;
use std::path::Path;

/// The policy file's schema.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub deny: Vec<String>,
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
    /// Invalid TOML, an unknown key, or a malformed rule (with its text and
    /// position).
    pub fn parse(text: &str, origin: &str) -> Result<PolicyFile, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError(format!("{origin}: {e}")))
    }

    /// Read and parse a policy file.
    ///
    /// # Errors
    /// As [`PolicyFile::parse`], or when the file cannot be read.
    pub fn load(path: &Path) -> Result<PolicyFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
        Self::parse(&text, &path.display().to_string())
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
    fn bad_rule_names_its_origin() {
        let err = build_policy(None, &[], &["connect tcp://10.0.0.0/99:80".into()]).unwrap_err();
        assert!(err.0.starts_with("--deny"), "{err}");
    }
}
