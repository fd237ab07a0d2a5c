//! `tls` rules: a TCP connect granted only for a TLS session verified for
//! the rule's host.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a failed unwrap is a failed test")]

use capsock_policy::{Action, Policy, Request, Scheme, Verdict};
use std::net::SocketAddr;

fn req<'a>(addr: &str, names: &'a [String]) -> Request<'a> {
    Request { action: Action::Connect, scheme: Scheme::Tcp, addr: addr.parse::<SocketAddr>().unwrap(), names }
}

#[test]
fn a_tls_rule_grants_the_tcp_connect_and_marks_it_tls_only() {
    let p = Policy::from_rules(["connect tls://good.test:443"], []).unwrap();
    let names = vec!["good.test".to_string()];
    let r = req("127.0.0.1:443", &names);
    assert_eq!(p.check(&r), Verdict::Allow("connect tls://good.test:443".into()));
    let rule = p.tls_only(&r).expect("granted by the tls rule only");
    assert!(rule.is_tls());
    assert!(rule.matches_server_name("good.test"));
    assert!(rule.matches_server_name("GOOD.test."));
    assert!(!rule.matches_server_name("other.test"));
    // Another port, or no name: not granted at all.
    assert_eq!(p.check(&req("127.0.0.1:444", &names)), Verdict::Undecided);
    assert_eq!(p.check(&req("127.0.0.1:443", &[])), Verdict::Undecided);
    // UDP is not TLS.
    let udp = Request { scheme: Scheme::Udp, ..req("127.0.0.1:443", &names) };
    assert_eq!(p.check(&udp), Verdict::Undecided);
}

#[test]
fn a_plain_grant_beside_it_allows_plaintext() {
    let p = Policy::from_rules(["connect tls://*.test:*", "connect tcp://127.0.0.1:8080"], []).unwrap();
    let names = vec!["good.test".to_string()];
    let plain = req("127.0.0.1:8080", &names);
    assert_eq!(p.check(&plain), Verdict::Allow("connect tcp://127.0.0.1:8080".into()));
    assert!(p.tls_only(&plain).is_none());
    let tls = req("127.0.0.1:443", &names);
    assert_eq!(p.tls_only(&tls).map(|r| r.text()), Some("connect tls://*.test:*"));
    assert!(p.tls_only(&tls).unwrap().matches_server_name("a.b.test"));
}

#[test]
fn deny_still_wins_and_ip_hosts_verify_as_ips() {
    let p = Policy::from_rules(["connect tls://127.0.0.1:443"], ["connect *://127.0.0.1:443"]).unwrap();
    let r = req("127.0.0.1:443", &[]);
    assert!(matches!(p.check(&r), Verdict::Deny(_)));
    assert!(p.tls_only(&r).is_none());
    let p = Policy::from_rules(["connect tls://127.0.0.1:443"], []).unwrap();
    let rule = p.tls_only(&r).unwrap();
    assert!(rule.matches_server_name("127.0.0.1"));
    assert!(!rule.matches_server_name("127.0.0.2"));
    assert!(!rule.matches_server_name("localhost"));
}

#[test]
fn tls_is_a_connect_scheme_only() {
    for bad in ["listen tls://127.0.0.1:443", "* tls://*:*", "resolve tls://good.test"] {
        let e = bad.parse::<capsock_policy::Rule>().unwrap_err();
        assert!(e.to_string().contains("`tls` rules are connect rules"), "{bad}: {e}");
    }
    let r: capsock_policy::Rule = "CONNECT TLS://Good.Test:443".parse().unwrap();
    assert_eq!(r.to_string(), "connect tls://good.test:443");
    // A tls rule lets the guest look its name up, as a connect rule does.
    let p = Policy::from_rules(["connect tls://good.test:443"], []).unwrap();
    assert!(p.check_name("good.test").allowed());
}
