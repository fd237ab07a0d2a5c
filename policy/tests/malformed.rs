//! Rule texts: what fails to parse and where, how errors print, and how parsed rules keep their
//! text and print canonically.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a failed unwrap is a failed test")]

use capsock_policy::{Action, Policy, Rule, Scheme};

#[test]
fn malformed_rules() {
    let long_label = format!("connect tcp://{}.com:80", "a".repeat(64));
    let long_name = format!("connect tcp://{}com:80", "abcdefghi.".repeat(26));
    let cases: &[(&str, usize, &str)] = &[
        ("", 0, "empty rule"),
        ("   \t ", 0, "empty rule"),
        ("connect", 7, "expected SCHEME://HOST"),
        ("  connect  ", 9, "expected SCHEME://HOST"),
        ("tcp://10.0.0.1:80", 0, "missing action"),
        ("open tcp://10.0.0.1:80", 0, "unknown action `open`"),
        ("connect\ntcp://x.com:80", 7, "only spaces and tabs"),
        ("connect http://x.com:80", 8, "unknown scheme `http`"),
        ("connect ://x.com:80", 8, "missing scheme"),
        ("connect tcp:/x.com:80", 8, "expected SCHEME://HOST"),
        ("connect tcp://:80", 14, "missing host"),
        ("connect tcp://", 14, "missing host"),
        ("connect tcp://10.0.0.1", 22, "a port is required: write :* for any port"),
        ("* *://*", 7, "a port is required"),
        ("listen udp://[::1]", 18, "a port is required"),
        ("  connect tcp://x.com  ", 21, "a port is required"),
        ("connect tcp://10.0.0.1:", 23, "missing port"),
        ("connect tcp://10.0.0.1:65536", 23, "port 65536 is out of range"),
        ("connect tcp://10.0.0.1:99999999999999999999", 23, "out of range"),
        ("connect tcp://10.0.0.1:9-3", 23, "port range 9-3 is reversed"),
        ("connect tcp://10.0.0.1:1-70000", 25, "port 70000 is out of range"),
        ("connect tcp://10.0.0.1:{}", 23, "empty port set"),
        ("connect tcp://10.0.0.1:{80,}", 27, "empty item in port set"),
        ("connect tcp://10.0.0.1:{,80}", 24, "empty item in port set"),
        ("connect tcp://10.0.0.1:{80,443", 23, "unclosed `{`"),
        ("connect tcp://x:{80}x", 20, "unexpected text after `}`"),
        ("connect tcp://10.0.0.1:{80,9-3}", 27, "reversed"),
        ("connect tcp://10.0.0.1:http", 23, "invalid port `http`"),
        ("connect tcp://10.0.0.1:+80", 23, "invalid port `+80`"),
        ("connect tcp://10.0.0.1:-80", 23, "missing start of port range"),
        ("connect tcp://10.0.0.1:80-", 26, "missing end of port range"),
        ("connect tcp://10.0.0.1:1-2-3", 25, "invalid port `2-3`"),
        ("connect tcp://10.0.0.1:{*}", 24, "`*` cannot be part of a port set"),
        ("connect tcp://10.0.0.1:80,443", 23, "written as a set"),
        ("connect tcp://10.0.0.0/33:80", 23, "prefix length 33 is longer than 32"),
        ("connect tcp://10.0.0.0/:80", 23, "missing prefix length"),
        ("connect tcp://10.0.0.0/x:80", 23, "invalid prefix length `x`"),
        ("connect tcp://10.0.0.1/8:80", 14, "host bits set: the network is 10.0.0.0/8"),
        ("connect tcp:///8:80", 14, "missing address before `/`"),
        ("connect tcp://example.com/8:80", 14, "invalid IPv4 address `example.com`"),
        ("connect tcp://[fd00::/129]:80", 22, "prefix length 129 is longer than 128"),
        ("connect tcp://[fd00::1/8]:80", 15, "host bits set"),
        ("connect tcp://256.0.0.1:80", 14, "invalid IPv4 address `256.0.0.1`"),
        ("connect tcp://010.0.0.1:80", 14, "invalid IPv4 address"),
        ("connect tcp://1.2.3:80", 14, "invalid IPv4 address"),
        ("connect tcp://example.123:80", 22, "last label"),
        ("connect tcp://::1:80", 14, "must be written in brackets"),
        ("connect tcp://fe80::1:80", 14, "must be written in brackets"),
        ("connect tcp://[::1:80", 14, "unclosed `[`"),
        ("connect tcp://[10.0.0.1]:80", 15, "without brackets"),
        ("connect tcp://[::g]:80", 15, "invalid IPv6 address `::g`"),
        ("connect tcp://[]:80", 15, "empty `[]`"),
        ("connect tcp://[::1]80", 19, "expected `:` and a port after `]`"),
        ("connect tcp://[fe80::1%eth0]:80", 22, "zone ids"),
        ("connect tcp://a*.example.com:80", 15, "wildcard"),
        ("connect tcp://*.*.example.com:80", 16, "wildcard"),
        ("connect tcp://example.*:80", 22, "wildcard"),
        ("connect tcp://*example.com:80", 14, "wildcard"),
        ("connect tcp://*.:80", 16, "missing host name"),
        ("connect tcp://a..com:80", 16, "empty label"),
        ("connect tcp://.com:80", 14, "empty label"),
        ("connect tcp://bad!host:80", 17, "invalid character `!`"),
        ("connect tcp://bücher.de:80", 15, "punycode"),
        ("connect tcp://-a.com:80", 14, "starts or ends with `-`"),
        ("connect tcp://a-.com:80", 14, "starts or ends with `-`"),
        (&long_label, 14, "longer than 63 characters"),
        (&long_name, 14, "the limit is 253"),
        ("connect tcp://x.com:80 # the database", 23, "comments are not part of a rule"),
        ("connect tcp://x.com :80", 19, "unexpected whitespace"),
        ("connect tcp:// x.com:80", 14, "unexpected whitespace"),
        ("connect tcp://x.com:80 extra", 22, "unexpected whitespace"),
    ];
    assert!(cases.len() >= 30);
    for &(input, position, fragment) in cases {
        let err = match input.parse::<Rule>() {
            Ok(rule) => panic!("`{input}` parsed as `{rule}`"),
            Err(e) => e,
        };
        assert_eq!(err.input, input);
        assert_eq!(
            (err.position, err.message.contains(fragment)),
            (position, true),
            "`{input}`: got `{}` at {}, wanted `{fragment}` at {position}",
            err.message,
            err.position
        );
        assert!(err.to_string().contains(&err.message));
        // Policy builders report the same error.
        assert_eq!(Policy::deny_all().allow(input).err(), Some(err.clone()));
        assert_eq!(Policy::deny_all().deny(input).err(), Some(err));
    }
}

#[test]
fn parse_error_display() {
    let err = "connect tcp://10.0.0.0/33:80".parse::<Rule>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid rule `connect tcp://10.0.0.0/33:80` at column 24: \
         prefix length 33 is longer than 32"
    );
    // Columns count characters, not bytes.
    let err = "\u{a0}connect tcp://10.0.0.0/33:80".parse::<Rule>().unwrap_err();
    assert_eq!(err.position, 25);
    assert!(err.to_string().contains("at column 25:"), "{err}");
    let err: Box<dyn std::error::Error> = Box::new(err);
    assert!(err.to_string().starts_with("invalid rule"));
}

#[test]
fn rules_keep_their_text_and_display_canonically() {
    let cases = [
        ("connect tcp://DB.Example.COM.:443", "connect tcp://db.example.com:443"),
        ("  *  \t *://*:*  ", "* *://*:*"),
        ("CONNECT TCP://LoopBack:1", "connect tcp://loopback:1"),
        ("connect tcp://[::ffff:10.0.0.1]:80", "connect tcp://10.0.0.1:80"),
        ("connect tcp://[::ffff:10.0.0.0/104]:1", "connect tcp://10.0.0.0/8:1"),
        ("connect *://[FD00::/8]:1", "connect *://[fd00::/8]:1"),
        ("connect udp://[2001:DB8:0:0::1]:{443,80,81,82}", "connect udp://[2001:db8::1]:{80-82,443}"),
        ("connect tcp://x.com:{1-5,3-9,10}", "connect tcp://x.com:1-10"),
        ("connect tcp://x.com:{0-100,101-65535}", "connect tcp://x.com:*"),
        ("connect tcp://x.com:{080}", "connect tcp://x.com:80"),
        ("resolve tcp://x.com:53", "resolve tcp://x.com"),
        ("resolve *://*.Example.com", "resolve *://*.example.com"),
        ("listen tcp://LOOPBACK:0-65535", "listen tcp://loopback:*"),
        ("* udp://public:0", "* udp://public:0"),
        ("listen tcp://10.0.0.0/08:1", "listen tcp://10.0.0.0/8:1"),
    ];
    for (input, canonical) in cases {
        let rule: Rule = input.parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rule.text(), input.trim());
        assert_eq!(rule.to_string(), canonical);
        let again: Rule = canonical.parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.to_string(), canonical);
        assert_eq!(again.text(), canonical);
    }
    assert_eq!(Action::Connect.to_string(), "connect");
    assert_eq!(Action::Listen.to_string(), "listen");
    assert_eq!(Action::Resolve.to_string(), "resolve");
    assert_eq!(Scheme::Tcp.to_string(), "tcp");
    assert_eq!(Scheme::Udp.to_string(), "udp");
}

#[test]
fn policy_building() {
    let mut policy = Policy::deny_all();
    policy
        .allow("connect tcp://a.com:1")
        .and_then(|p| p.allow(" listen udp://*:0 "))
        .and_then(|p| p.deny("* *://metadata:*"))
        .unwrap_or_else(|e| panic!("{e}"));
    let texts = |rules: &[Rule]| rules.iter().map(|r| r.text().to_owned()).collect::<Vec<_>>();
    assert_eq!(texts(policy.allow_rules()), ["connect tcp://a.com:1", "listen udp://*:0"]);
    assert_eq!(texts(policy.deny_rules()), ["* *://metadata:*"]);
    let err = Policy::from_rules(["connect tcp://a.com:1", "connect tcp://b.com"], []).unwrap_err();
    assert_eq!(err.input, "connect tcp://b.com");
    let err = Policy::from_rules([], ["nope"]).unwrap_err();
    assert_eq!(err.input, "nope");
    assert!(Policy::default().allow_rules().is_empty());
}
