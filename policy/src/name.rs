//! DNS names: checking them and putting them in canonical form.

use std::fmt;

/// Why a string is not a valid DNS name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError {
    /// The byte offset in the checked string where the problem is (always on a character
    /// boundary).
    pub position: usize,
    /// What is wrong, e.g. "empty label in host name".
    pub message: String,
}

impl fmt::Display for NameError {
    /// Writes the message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NameError {}

fn fail<T>(position: usize, message: impl Into<String>) -> Result<T, NameError> {
    Err(NameError { position, message: message.into() })
}

/// Checks a DNS name and returns its canonical form: ASCII lowercase, without a trailing dot.
/// On failure returns the byte offset in `s` of the problem and what it is.
///
/// Rules and [`Policy::check_name`](crate::Policy::check_name) compare names in this form; it
/// is public so that a resolver can check and compare names exactly as the policy does. Note
/// that dropping the trailing dot loses the difference between an absolute name (`db.`) and one
/// a system resolver may extend with its search domains (`db`).
///
/// Labels are 1 to 63 letters, digits, `-` or `_` (underscores appear in service names), not
/// starting or ending with `-`; the whole name is at most 253 characters; and the last label is
/// not all digits, so that no spelling of an IPv4 address (`10.1`, `010.0.0.1`) passes as a name.
///
/// # Errors
/// [`NameError`] with the position and reason when `s` breaks one of those rules.
pub fn canonical_name(s: &str) -> Result<String, NameError> {
    let body = s.strip_suffix('.').unwrap_or(s);
    if body.is_empty() {
        return fail(0, "missing host name");
    }
    let mut offset = 0;
    let mut last = 0;
    let mut all_numeric = true;
    let mut last_numeric = false;
    for label in body.split('.') {
        if label.is_empty() {
            return fail(offset, "empty label in host name");
        }
        let bad = |c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if let Some((i, c)) = label.char_indices().find(|&(_, c)| bad(c)) {
            let hint = if c.is_ascii() { "" } else { " (write internationalised names in punycode, xn--...)" };
            return fail(offset + i, format!("invalid character `{}` in host name{hint}", c.escape_debug()));
        }
        if label.len() > 63 {
            return fail(offset, format!("label `{label}` is longer than 63 characters"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return fail(offset, format!("label `{label}` starts or ends with `-`"));
        }
        last_numeric = label.bytes().all(|b| b.is_ascii_digit());
        all_numeric &= last_numeric;
        last = offset;
        offset += label.len() + 1;
    }
    if all_numeric {
        return fail(0, format!("invalid IPv4 address `{body}`"));
    }
    if last_numeric {
        return fail(last, "the last label of a host name cannot be all digits");
    }
    if body.len() > 253 {
        return fail(0, format!("host name is {} characters long; the limit is 253", body.len()));
    }
    Ok(body.to_ascii_lowercase())
}
