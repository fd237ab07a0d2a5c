//! Grants that are not rules (socket options, AF_UNIX), the `Verdict` accessors, and DNS-name
//! canonicalisation.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a failed unwrap is a failed test")]

use std::path::PathBuf;

use capsock_policy::{NameError, Policy, Verdict, canonical_name};

#[test]
fn autobind_needs_every_abstract_name() {
    let mut p = Policy::deny_all();
    assert!(!p.check_unix_autobind().allowed());
    assert_eq!(p.check_unix_autobind(), Verdict::Undecided);
    p.allow_unix_abstract("app-*");
    assert!(!p.check_unix_autobind().allowed(), "a prefix grant is not a grant of every name");
    assert_eq!(p.check_unix_autobind(), Verdict::Undecided);
    p.allow_unix_abstract("*");
    assert_eq!(p.check_unix_autobind().rule(), Some("[unix] abstract *"));
    assert_eq!(p.check_unix_autobind(), Verdict::Allow("[unix] abstract *".to_owned()));
}

#[test]
fn unix_abstract_names() {
    let mut p = Policy::deny_all();
    assert_eq!(p.check_unix_abstract(b"app-1"), Verdict::Undecided);
    p.allow_unix_abstract("exact").allow_unix_abstract("app-*");
    let allow = |pattern: &str| Verdict::Allow(format!("[unix] abstract {pattern}"));
    assert_eq!(p.check_unix_abstract(b"exact"), allow("exact"));
    assert_eq!(p.check_unix_abstract(b"exactly"), Verdict::Undecided);
    assert_eq!(p.check_unix_abstract(b"exac"), Verdict::Undecided);
    assert_eq!(p.check_unix_abstract(b"app-"), allow("app-*"));
    assert_eq!(p.check_unix_abstract(b"app-\0\xff"), allow("app-*"));
    assert_eq!(p.check_unix_abstract(b"app"), Verdict::Undecided);
    assert_eq!(p.check_unix_abstract(b""), Verdict::Undecided);
    assert_eq!(p.check_unix_autobind(), Verdict::Undecided);
    // The first matching grant is the reason.
    p.allow_unix_abstract("*");
    assert_eq!(p.check_unix_abstract(b"exact"), allow("exact"));
    assert_eq!(p.check_unix_abstract(b"other"), allow("*"));
    assert_eq!(p.check_unix_abstract(b""), allow("*"));
}

#[test]
fn unix_dirs() {
    let mut p = Policy::deny_all();
    assert!(p.unix_dirs().is_empty());
    p.allow_unix_dir("/run/app").allow_unix_dir(PathBuf::from("/tmp/sockets"));
    assert_eq!(p.unix_dirs(), [PathBuf::from("/run/app"), PathBuf::from("/tmp/sockets")]);
}

#[test]
fn sockopts() {
    let mut p = Policy::deny_all();
    // Without entries the default allowlist decides, and says so.
    assert_eq!(
        p.check_sockopt("SOL_SOCKET:SO_REUSEADDR", true),
        Verdict::Allow("default sockopt allowlist".to_owned())
    );
    assert_eq!(
        p.check_sockopt("SOL_SOCKET:SO_PRIORITY", false),
        Verdict::Deny("not in the default sockopt allowlist".to_owned())
    );
    p.allow_sockopt(" sol_socket:so_priority ").deny_sockopt("SOL_SOCKET:SO_REUSEADDR");
    // Labels are trimmed when granted and compared case-insensitively.
    assert_eq!(
        p.check_sockopt("sol_socket:SO_PRIORITY", false),
        Verdict::Allow("[sockopts] allow SOL_SOCKET:SO_PRIORITY".to_owned())
    );
    assert_eq!(
        p.check_sockopt("SOL_SOCKET:SO_REUSEADDR", true),
        Verdict::Deny("[sockopts] deny SOL_SOCKET:SO_REUSEADDR".to_owned())
    );
    // A deny entry beats an allow entry for the same option.
    p.allow_sockopt("IPPROTO_IP:IP_TRANSPARENT").deny_sockopt("ipproto_ip:ip_transparent");
    assert_eq!(
        p.check_sockopt("IPPROTO_IP:IP_TRANSPARENT", true),
        Verdict::Deny("[sockopts] deny IPPROTO_IP:IP_TRANSPARENT".to_owned())
    );
    // Never undecided.
    for label in ["", "x", "SOL_SOCKET:SO_PRIORITY", "SOL_SOCKET:SO_REUSEADDR"] {
        for default in [false, true] {
            assert!(!p.check_sockopt(label, default).is_undecided());
        }
    }
    // Sockopt grants say nothing about rules.
    assert!(p.allow_rules().is_empty() && p.deny_rules().is_empty());
}

#[test]
fn verdict_accessors() {
    let allow = Verdict::Allow("connect tcp://*:*".to_owned());
    let deny = Verdict::Deny("* *://metadata:*".to_owned());
    let undecided = Verdict::Undecided;
    assert!(allow.allowed() && !deny.allowed() && !undecided.allowed());
    assert!(!allow.is_undecided() && !deny.is_undecided() && undecided.is_undecided());
    assert_eq!(allow.rule(), Some("connect tcp://*:*"));
    assert_eq!(deny.rule(), Some("* *://metadata:*"));
    assert_eq!(undecided.rule(), None);
    assert_eq!(allow.reason(), "connect tcp://*:*");
    assert_eq!(deny.reason(), "* *://metadata:*");
    assert_eq!(undecided.reason(), "default deny");
}

#[test]
fn canonical_names() {
    let good = [
        ("example.com", "example.com"),
        ("Example.COM.", "example.com"),
        ("_srv._tcp.Example.org", "_srv._tcp.example.org"),
        ("localhost", "localhost"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("a-b.c1", "a-b.c1"),
        ("1.2.3.a", "1.2.3.a"),
    ];
    for (input, want) in good {
        assert_eq!(canonical_name(input).as_deref(), Ok(want), "{input:?}");
    }
    let long_label = format!("{}.com", "a".repeat(64));
    let long_name = format!("{}com", "abcdefghi.".repeat(26));
    let bad: &[(&str, usize, &str)] = &[
        ("", 0, "missing host name"),
        (".", 0, "missing host name"),
        ("a..b", 2, "empty label"),
        (".a", 0, "empty label"),
        ("a.b..", 4, "empty label"),
        ("bad!host", 3, "invalid character `!`"),
        ("a.com\0.example.com", 5, "invalid character `\\0`"),
        ("a b", 1, "invalid character ` `"),
        ("bücher.de", 1, "punycode"),
        ("-a.com", 0, "starts or ends with `-`"),
        ("a.b-", 2, "starts or ends with `-`"),
        ("10.0.0.1", 0, "invalid IPv4 address `10.0.0.1`"),
        ("10.1", 0, "invalid IPv4 address"),
        ("example.123", 8, "last label"),
        (&long_label, 0, "longer than 63 characters"),
        (&long_name, 0, "the limit is 253"),
    ];
    for &(input, position, fragment) in bad {
        let err: NameError = match canonical_name(input) {
            Ok(name) => panic!("{input:?} passed as {name:?}"),
            Err(e) => e,
        };
        assert_eq!(err.position, position, "{input:?}: {err:?}");
        assert!(err.message.contains(fragment), "{input:?}: {err:?}, wanted {fragment:?}");
        assert!(input.is_char_boundary(err.position));
        assert_eq!(err.to_string(), err.message);
        let err: Box<dyn std::error::Error> = Box::new(err);
        assert!(!err.to_string().is_empty());
    }
    // 253 characters is still a name.
    let limit = format!("{}abc", "abcdefghi.".repeat(25));
    assert_eq!(limit.len(), 253);
    assert_eq!(canonical_name(&limit), Ok(limit.clone()));
    assert_eq!(canonical_name(&format!("{limit}.")), Ok(limit));
}
