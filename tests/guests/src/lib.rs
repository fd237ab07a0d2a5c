//! Shared helpers for capsock's guest test programs.
//!
//! Each program in `src/bin` is one scenario. It takes its peers' addresses
//! as arguments, prints what it observed as `key=value` lines (read by the
//! host test), and panics (a trap, so a failed test) when something is not as
//! Python's socket module says it must be.
//!
//! A program's name starts with its suite, the `tests/tests/e2e` module whose
//! test (of the same name) runs it: `foundation_`, `policy_`, `resolver_`,
//! `readiness_`, `sock_` (in `sockets.rs`), or `conformance` itself.

use capsock::{AF_INET, AF_INET6, Error};
use std::fmt::Debug;

/// The program's arguments after `argv[0]`.
pub fn args() -> Vec<String> {
    std::env::args().skip(1).collect()
}

/// Argument `i`, parsed.
pub fn arg<T: std::str::FromStr>(i: usize) -> T
where
    T::Err: Debug,
{
    let a = args();
    let s = a.get(i).unwrap_or_else(|| panic!("missing argument {i}: {a:?}"));
    s.parse().unwrap_or_else(|e| panic!("argument {i} = {s:?}: {e:?}"))
}

/// The address family of a numeric host string.
pub fn family_of(host: &str) -> i32 {
    if host.contains(':') { AF_INET6 } else { AF_INET }
}

/// Print one observation for the host test.
pub fn report(key: &str, value: impl std::fmt::Display) {
    println!("{key}={value}");
}

/// The call must fail as Python's `class` exception; returns the error.
pub fn expect_err<T: Debug>(result: Result<T, Error>, class: &str) -> Error {
    match result {
        Ok(v) => panic!("expected {class}, got Ok({v:?})"),
        Err(e) => {
            assert_eq!(e.exception(), class, "wrong exception for error: {e}");
            e
        }
    }
}

#[path = "../../src/shared.rs"]
mod shared;
pub use shared::{Pattern, SoakPlan, hex, soak_plan};
