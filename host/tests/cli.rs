//! The `capsock` command's handling of bad input: every malformed rule,
//! file or flag is refused at start with the offending text, and nothing
//! runs.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a failed unwrap is a failed test")]

use std::process::Command;

fn capsock(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_capsock")).args(args).output().expect("running capsock");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("capsock-cli-{}-{name}", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn malformed_rule_names_text_and_column() {
    let (code, err) = capsock(&["run", "--allow", "connect tcp://10.0.0.0/33:80", "missing.wasm"]);
    assert_eq!(code, 1);
    assert!(err.contains("connect tcp://10.0.0.0/33:80") && err.contains("column"), "{err}");
}

#[test]
fn malformed_policy_file_is_refused() {
    let p = temp_file("bad.toml", "allow = [\"connect tcp://127.0.0.1:80\"]\n[limits]\nmax_sokets = 3\n");
    let (code, err) = capsock(&["run", "--policy", p.to_str().unwrap(), "missing.wasm"]);
    assert_eq!(code, 1);
    assert!(err.contains("max_sokets"), "{err}");
    let p = temp_file("badrule.toml", "deny = [\"conect tcp://1.2.3.4:80\"]\n");
    let (code, err) = capsock(&["run", "--policy", p.to_str().unwrap(), "missing.wasm"]);
    assert_eq!(code, 1);
    assert!(err.contains("conect"), "{err}");
}

#[test]
fn bad_flags_are_refused() {
    for (flag, value, needle) in [
        ("--host", "no-equals", "no-equals"),
        ("--host", "a.test=not-an-ip", "not-an-ip"),
        ("--allow-sockopt", "SOL_SOCKET:SO_NOPE", "SO_NOPE"),
        ("--env", "NOVALUE", "NAME=VALUE"),
    ] {
        let (code, err) = capsock(&["run", flag, value, "missing.wasm"]);
        assert_eq!(code, 1, "{flag} {value}");
        assert!(err.contains(needle), "{flag} {value}: {err}");
    }
}

#[test]
fn a_missing_guest_is_a_clear_error() {
    let (code, err) = capsock(&["run", "/nonexistent/guest.wasm"]);
    assert_eq!(code, 1);
    assert!(err.contains("/nonexistent/guest.wasm"), "{err}");
}
