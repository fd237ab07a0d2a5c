//! The decision table: which rules allow or deny which operations, lookups included.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a failed unwrap is a failed test")]

use std::net::SocketAddr;

use capsock_policy::Action::{self, Connect as C, Listen as L, Resolve as R};
use capsock_policy::Scheme::{self, Tcp as T, Udp as U};
use capsock_policy::{Policy, Request, Verdict};

/// The expected verdict: allowed by allow rule `i`, denied by deny rule `i`, or undecided (no rule
/// matched: default deny).
#[derive(Clone, Copy, Debug)]
enum E {
    A(usize),
    D(usize),
    N,
}
use E::{A, D, N};

type Case = (Action, Scheme, &'static str, &'static [&'static str], E);

/// Groups of cases sharing one policy: (allow rules, deny rules, cases).
type Group = (&'static [&'static str], &'static [&'static str], &'static [Case]);

fn sock(s: &str) -> SocketAddr {
    s.parse().unwrap_or_else(|e| panic!("bad test address {s}: {e}"))
}

const TABLE: &[Group] = &[
    // IPv4 literal, one port: action, scheme, port and address must all match.
    (
        &["connect tcp://10.1.2.3:80"],
        &[],
        &[
            (C, T, "10.1.2.3:80", &[], A(0)),
            (C, T, "10.1.2.3:81", &[], N),
            (C, T, "10.1.2.3:79", &[], N),
            (C, T, "10.1.2.4:80", &[], N),
            (C, U, "10.1.2.3:80", &[], N),
            (L, T, "10.1.2.3:80", &[], N),
            (R, T, "10.1.2.3:80", &[], N),
            (C, T, "[::ffff:10.1.2.3]:80", &[], A(0)),
            (C, T, "[::ffff:10.1.2.4]:80", &[], N),
            (C, T, "[::a01:203]:80", &[], N), // IPv4-compatible is not mapped
            (C, T, "10.1.2.3:80", &["10.1.2.3"], A(0)),
        ],
    ),
    // Action `*` and scheme `*`, with a port set.
    (
        &["* *://192.0.2.7:{53,443}"],
        &[],
        &[
            (C, T, "192.0.2.7:53", &[], A(0)),
            (C, U, "192.0.2.7:443", &[], A(0)),
            (L, U, "192.0.2.7:53", &[], A(0)),
            (L, T, "192.0.2.7:443", &[], A(0)),
            (R, U, "192.0.2.7:53", &[], A(0)),
            (R, T, "192.0.2.7:9", &[], A(0)), // lookups ignore ports
            (C, T, "192.0.2.7:80", &[], N),
            (C, T, "192.0.2.8:53", &[], N),
        ],
    ),
    // A `*` action with one scheme.
    (
        &["* udp://*:*"],
        &[],
        &[
            (C, T, "1.2.3.4:1", &[], N),
            (C, U, "1.2.3.4:1", &[], A(0)),
            (L, U, "[::]:0", &[], A(0)),
            (L, T, "[::]:0", &[], N),
        ],
    ),
    // One action with scheme `*`.
    (
        &["listen *://0.0.0.0:7000"],
        &[],
        &[
            (L, T, "0.0.0.0:7000", &[], A(0)),
            (L, U, "0.0.0.0:7000", &[], A(0)),
            (C, T, "0.0.0.0:7000", &[], N),
            (L, T, "[::]:7000", &[], N),
        ],
    ),
    // Port 0 is the ephemeral bind: granted only by 0 itself, ranges containing it, or `*`.
    (
        &["listen tcp://127.0.0.1:8080", "listen udp://127.0.0.1:0"],
        &[],
        &[
            (L, T, "127.0.0.1:8080", &[], A(0)),
            (L, T, "127.0.0.1:0", &[], N),
            (L, U, "127.0.0.1:0", &[], A(1)),
            (L, U, "127.0.0.1:8080", &[], N),
            (C, T, "127.0.0.1:8080", &[], N),
            (L, T, "127.0.0.2:8080", &[], N),
        ],
    ),
    (
        &["listen tcp://[::1]:*"],
        &[],
        &[
            (L, T, "[::1]:0", &[], A(0)),
            (L, T, "[::1]:65535", &[], A(0)),
            (L, T, "127.0.0.1:0", &[], N),
            (L, U, "[::1]:0", &[], N),
        ],
    ),
    (
        &["listen *://*:0-1024"],
        &[],
        &[(L, T, "0.0.0.0:0", &[], A(0)), (L, U, "[::]:1024", &[], A(0)), (L, T, "0.0.0.0:1025", &[], N)],
    ),
    // Port ranges and sets, edges included.
    (
        &["connect tcp://*:8000-8080", "connect udp://*:{53,5353,6000-6002}"],
        &[],
        &[
            (C, T, "1.1.1.1:7999", &[], N),
            (C, T, "1.1.1.1:8000", &[], A(0)),
            (C, T, "1.1.1.1:8040", &[], A(0)),
            (C, T, "1.1.1.1:8080", &[], A(0)),
            (C, T, "1.1.1.1:8081", &[], N),
            (C, U, "1.1.1.1:53", &[], A(1)),
            (C, U, "1.1.1.1:54", &[], N),
            (C, U, "1.1.1.1:5353", &[], A(1)),
            (C, U, "1.1.1.1:5999", &[], N),
            (C, U, "1.1.1.1:6000", &[], A(1)),
            (C, U, "1.1.1.1:6001", &[], A(1)),
            (C, U, "1.1.1.1:6002", &[], A(1)),
            (C, U, "1.1.1.1:6003", &[], N),
            (C, T, "1.1.1.1:53", &[], N),
            (C, U, "1.1.1.1:8000", &[], N),
        ],
    ),
    (
        &["connect tcp://*:65535", "connect tcp://*:0"],
        &[],
        &[
            (C, T, "[2001:db8::1]:65535", &[], A(0)),
            (C, T, "[2001:db8::1]:65534", &[], N),
            (C, T, "[2001:db8::1]:0", &[], A(1)),
            (C, T, "[2001:db8::1]:1", &[], N),
        ],
    ),
    // IPv4 CIDR edges.
    (
        &["connect tcp://10.0.0.0/8:*", "connect tcp://192.168.1.128/25:443"],
        &[],
        &[
            (C, T, "10.0.0.0:1", &[], A(0)),
            (C, T, "10.255.255.255:1", &[], A(0)),
            (C, T, "9.255.255.255:1", &[], N),
            (C, T, "11.0.0.0:1", &[], N),
            (C, T, "[::ffff:10.9.9.9]:1", &[], A(0)),
            (C, T, "[::a00:1]:1", &[], N),
            (C, T, "192.168.1.128:443", &[], A(1)),
            (C, T, "192.168.1.255:443", &[], A(1)),
            (C, T, "192.168.1.127:443", &[], N),
            (C, T, "192.168.2.0:443", &[], N),
            (C, T, "192.168.1.200:80", &[], N),
        ],
    ),
    (
        &["connect tcp://0.0.0.0/0:*", "connect udp://10.0.0.5/32:*"],
        &[],
        &[
            (C, T, "8.8.8.8:53", &[], A(0)),
            (C, T, "255.255.255.255:1", &[], A(0)),
            (C, T, "[2001:db8::1]:53", &[], N),
            (C, T, "[::ffff:8.8.8.8]:53", &[], A(0)),
            (C, U, "10.0.0.5:1", &[], A(1)),
            (C, U, "10.0.0.6:1", &[], N),
            (C, U, "10.0.0.4:1", &[], N),
        ],
    ),
    // IPv6 literals and CIDR edges.
    (
        &["connect tcp://[fd00::/8]:*", "connect tcp://[2001:db8:1::/48]:443"],
        &[],
        &[
            (C, T, "[fd00::]:1", &[], A(0)),
            (C, T, "[fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:1", &[], A(0)),
            (C, T, "[fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:1", &[], N),
            (C, T, "[fe00::]:1", &[], N),
            (C, T, "10.0.0.1:1", &[], N),
            (C, T, "[2001:db8:1::]:443", &[], A(1)),
            (C, T, "[2001:db8:1:ffff:ffff:ffff:ffff:ffff]:443", &[], A(1)),
            (C, T, "[2001:db8:2::]:443", &[], N),
            (C, T, "[2001:db8:0:ffff:ffff:ffff:ffff:ffff]:443", &[], N),
        ],
    ),
    (
        &["connect tcp://[::/0]:*"],
        &[],
        &[
            (C, T, "[2606:4700::1]:1", &[], A(0)),
            (C, T, "[::ffff:1.2.3.4]:1", &[], N), // mapped is IPv4
            (C, T, "1.2.3.4:1", &[], N),
        ],
    ),
    (
        &["connect tcp://[::ffff:10.0.0.0/104]:*", "connect tcp://[::FFFF:192.0.2.1]:80"],
        &[],
        &[
            (C, T, "10.1.1.1:1", &[], A(0)),
            (C, T, "[::ffff:10.1.1.1]:1", &[], A(0)),
            (C, T, "11.0.0.1:1", &[], N),
            (C, T, "192.0.2.1:80", &[], A(1)),
            (C, T, "[::ffff:c000:201]:80", &[], A(1)),
        ],
    ),
    (
        &["connect udp://[2001:DB8:0:0::1]:53"],
        &[],
        &[
            (C, U, "[2001:db8::1]:53", &[], A(0)),
            (C, U, "[2001:db8::2]:53", &[], N),
            (C, T, "[2001:db8::1]:53", &[], N),
            (C, U, "[2001:db8::1%3]:53", &[], A(0)), // scope ids do not matter
        ],
    ),
    // Named range: loopback.
    (
        &["connect tcp://loopback:*"],
        &[],
        &[
            (C, T, "127.0.0.1:80", &[], A(0)),
            (C, T, "127.255.255.255:80", &[], A(0)),
            (C, T, "126.255.255.255:80", &[], N),
            (C, T, "128.0.0.1:80", &[], N),
            (C, T, "[::1]:80", &[], A(0)),
            (C, T, "[::2]:80", &[], N),
            (C, T, "[::ffff:127.0.0.1]:80", &[], A(0)),
            (C, T, "0.0.0.0:80", &[], N),
        ],
    ),
    // Named range: private.
    (
        &["connect tcp://private:*"],
        &[],
        &[
            (C, T, "10.0.0.1:1", &[], A(0)),
            (C, T, "172.16.0.0:1", &[], A(0)),
            (C, T, "172.31.255.255:1", &[], A(0)),
            (C, T, "172.15.255.255:1", &[], N),
            (C, T, "172.32.0.0:1", &[], N),
            (C, T, "192.168.0.1:1", &[], A(0)),
            (C, T, "192.169.0.1:1", &[], N),
            (C, T, "169.254.1.1:1", &[], A(0)),
            (C, T, "100.64.0.0:1", &[], A(0)),
            (C, T, "100.127.255.255:1", &[], A(0)),
            (C, T, "100.63.255.255:1", &[], N),
            (C, T, "100.128.0.0:1", &[], N),
            (C, T, "[fc00::1]:1", &[], A(0)),
            (C, T, "[fdff::1]:1", &[], A(0)),
            (C, T, "[fe80::1]:1", &[], A(0)),
            (C, T, "[febf::1]:1", &[], A(0)),
            (C, T, "[fec0::1]:1", &[], N),
            (C, T, "[::1]:1", &[], N),
            (C, T, "127.0.0.1:1", &[], N),
            (C, T, "8.8.8.8:1", &[], N),
            (C, T, "[::ffff:192.168.1.1]:1", &[], A(0)),
        ],
    ),
    // Named range: link-local.
    (
        &["connect tcp://link-local:*"],
        &[],
        &[
            (C, T, "169.254.0.0:1", &[], A(0)),
            (C, T, "169.254.255.255:1", &[], A(0)),
            (C, T, "169.255.0.0:1", &[], N),
            (C, T, "169.253.255.255:1", &[], N),
            (C, T, "[fe80::1]:1", &[], A(0)),
            (C, T, "[fc00::1]:1", &[], N),
            (C, T, "10.0.0.1:1", &[], N),
        ],
    ),
    // Named range: metadata.
    (
        &["connect tcp://metadata:80"],
        &[],
        &[
            (C, T, "169.254.169.254:80", &[], A(0)),
            (C, T, "169.254.170.2:80", &[], A(0)),
            (C, T, "100.100.100.200:80", &[], A(0)),
            (C, T, "[fd00:ec2::254]:80", &[], A(0)),
            (C, T, "[::ffff:169.254.169.254]:80", &[], A(0)),
            (C, T, "169.254.169.253:80", &[], N),
            (C, T, "[fd00:ec2::253]:80", &[], N),
            (C, T, "169.254.169.254:443", &[], N),
        ],
    ),
    // Named range: public.
    (
        &["connect tcp://public:*"],
        &[],
        &[
            (C, T, "8.8.8.8:443", &[], A(0)),
            (C, T, "1.1.1.1:443", &[], A(0)),
            (C, T, "9.255.255.255:443", &[], A(0)),
            (C, T, "11.0.0.0:443", &[], A(0)),
            (C, T, "[2606:4700:4700::1111]:443", &[], A(0)),
            (C, T, "[2001:4860:4860::8888]:443", &[], A(0)),
            (C, T, "[::ffff:8.8.8.8]:443", &[], A(0)),
            (C, T, "10.0.0.1:443", &[], N),
            (C, T, "172.16.0.1:443", &[], N),
            (C, T, "100.64.0.1:443", &[], N),
            (C, T, "127.0.0.1:443", &[], N),
            (C, T, "169.254.169.254:443", &[], N),
            (C, T, "100.100.100.200:443", &[], N),
            (C, T, "0.0.0.0:443", &[], N),
            (C, T, "255.255.255.255:443", &[], N),
            (C, T, "224.0.0.1:443", &[], N),
            (C, T, "240.0.0.1:443", &[], N),
            (C, T, "192.0.2.1:443", &[], N),
            (C, T, "198.51.100.1:443", &[], N),
            (C, T, "203.0.113.1:443", &[], N),
            (C, T, "198.18.0.1:443", &[], N),
            (C, T, "[::ffff:10.0.0.1]:443", &[], N),
            (C, T, "[::]:443", &[], N),
            (C, T, "[::1]:443", &[], N),
            (C, T, "[ff02::1]:443", &[], N),
            (C, T, "[2001:db8::1]:443", &[], N),
            (C, T, "[fd00:ec2::254]:443", &[], N),
            (C, T, "[fe80::1]:443", &[], N),
            (C, T, "[64:ff9b::a00:1]:443", &[], N), // NAT64 to 10.0.0.1
            (C, T, "[2002:a00:1::1]:443", &[], N),  // 6to4 of 10.0.0.1
        ],
    ),
    // Deny beats allow; mapped addresses cannot dodge an IPv4 deny.
    (
        &["connect tcp://*:*"],
        &["connect tcp://private:*"],
        &[
            (C, T, "10.0.0.1:80", &[], D(0)),
            (C, T, "[::ffff:10.0.0.1]:80", &[], D(0)),
            (C, T, "[fd00::1]:80", &[], D(0)),
            (C, T, "8.8.8.8:80", &[], A(0)),
            (C, U, "10.0.0.1:80", &[], N),
        ],
    ),
    (
        &["* *://*:*"],
        &["* *://metadata:*", "connect tcp://10.0.0.1:80"],
        &[
            (C, T, "169.254.169.254:80", &[], D(0)),
            (L, U, "169.254.169.254:80", &[], D(0)),
            (C, T, "169.254.169.1:80", &[], A(0)),
            (C, T, "10.0.0.1:80", &[], D(1)),
            (C, T, "[::ffff:10.0.0.1]:80", &[], D(1)),
            (C, T, "10.0.0.1:81", &[], A(0)),
            (C, U, "10.0.0.1:80", &[], A(0)),
        ],
    ),
    // The first matching allow rule is the reason; the first matching deny rule too.
    (
        &["connect tcp://10.0.0.0/8:*", "connect tcp://10.0.0.1:80"],
        &["connect tcp://10.0.0.1:22", "* *://10.9.0.0/16:*"],
        &[
            (C, T, "10.0.0.1:80", &[], A(0)),
            (C, T, "10.0.0.1:22", &[], D(0)),
            (C, T, "10.9.1.1:80", &[], D(1)),
            (C, T, "10.8.1.1:80", &[], A(0)),
            (C, T, "11.0.0.1:80", &[], N),
            (L, T, "10.9.1.1:80", &[], D(1)),
            (C, U, "10.0.0.1:80", &[], N),
        ],
    ),
    // A deny rule decides even without any allow rule.
    (&[], &["connect tcp://*:*"], &[(C, T, "1.2.3.4:80", &[], D(0)), (C, U, "1.2.3.4:80", &[], N)]),
    // Default deny.
    (&[], &[], &[(C, T, "1.2.3.4:80", &[], N), (L, U, "0.0.0.0:0", &[], N), (R, U, "[::1]:53", &["example.com"], N)]),
    // Full access must be written out, and then covers everything.
    (
        &["* *://*:*"],
        &[],
        &[
            (C, T, "1.2.3.4:80", &[], A(0)),
            (L, U, "0.0.0.0:0", &[], A(0)),
            (R, T, "[::1]:53", &[], A(0)),
            (C, U, "[2001:db8::1]:65535", &["x.example"], A(0)),
        ],
    ),
    // A resolve rule never grants connect or listen.
    (
        &["resolve *://*"],
        &[],
        &[
            (C, T, "1.2.3.4:80", &[], N),
            (L, U, "1.2.3.4:80", &[], N),
            (R, T, "1.2.3.4:53", &[], A(0)),
            (R, U, "1.2.3.4:0", &[], A(0)),
        ],
    ),
    (
        &["resolve udp://*.corp.internal:53"],
        &[],
        &[
            (R, U, "10.0.0.53:53", &["x.corp.internal"], A(0)),
            (R, U, "10.0.0.53:5353", &["x.corp.internal"], A(0)),
            (R, T, "10.0.0.53:53", &["x.corp.internal"], N),
            (C, U, "10.0.0.53:53", &["x.corp.internal"], N),
        ],
    ),
    // DNS names match the resolved names, case-insensitively, trailing dot ignored.
    (
        &["connect tcp://db.example.com:5432"],
        &[],
        &[
            (C, T, "10.0.0.9:5432", &["db.example.com"], A(0)),
            (C, T, "10.0.0.9:5432", &["DB.Example.COM."], A(0)),
            (C, T, "10.0.0.9:5432", &["other.example.com", "db.example.com"], A(0)),
            (C, T, "10.0.0.9:5432", &[], N),
            (C, T, "10.0.0.9:5432", &["db.example.com.evil"], N),
            (C, T, "10.0.0.9:5432", &["xdb.example.com"], N),
            (C, T, "10.0.0.9:5432", &["a.db.example.com"], N),
            (C, T, "10.0.0.9:5433", &["db.example.com"], N),
            (C, U, "10.0.0.9:5432", &["db.example.com"], N),
            (C, T, "10.0.0.9:5432", &["db.example.com.."], N), // not a valid name
        ],
    ),
    (
        &["connect tcp://DB.Example.Com.:5432"],
        &[],
        &[(C, T, "[fd00::9]:5432", &["db.example.com"], A(0)), (C, T, "[fd00::9]:5432", &["db.example.co"], N)],
    ),
    // Wildcards match one or more whole labels on the left, nothing else.
    (
        &["connect tcp://*.example.com:443"],
        &[],
        &[
            (C, T, "1.2.3.4:443", &["a.example.com"], A(0)),
            (C, T, "1.2.3.4:443", &["a.b.example.com"], A(0)),
            (C, T, "1.2.3.4:443", &["A.EXAMPLE.COM."], A(0)),
            (C, T, "1.2.3.4:443", &["example.com"], N),
            (C, T, "1.2.3.4:443", &["badexample.com"], N),
            (C, T, "1.2.3.4:443", &["a.badexample.com"], N),
            (C, T, "1.2.3.4:443", &["a.example.com.evil.net"], N),
            (C, T, "1.2.3.4:443", &["example.com.a"], N),
            (C, T, "1.2.3.4:443", &[".example.com"], N),
            (C, T, "1.2.3.4:443", &["a..example.com"], N),
            (C, T, "1.2.3.4:443", &["a.com\0.example.com"], N),
            (C, T, "1.2.3.4:443", &[], N),
            (C, T, "1.2.3.4:80", &["a.example.com"], N),
        ],
    ),
    (
        &["connect tcp://*.example.com:*"],
        &["connect tcp://secret.example.com:*"],
        &[
            (C, T, "1.2.3.4:1", &["secret.example.com"], D(0)),
            (C, T, "1.2.3.4:1", &["a.secret.example.com"], A(0)),
            (C, T, "1.2.3.4:1", &["www.example.com"], A(0)),
            (C, T, "1.2.3.4:1", &["www.example.com", "secret.example.com"], D(0)),
            (C, T, "1.2.3.4:1", &["SECRET.example.com."], D(0)),
        ],
    ),
    // Address rules ignore names; name rules ignore addresses.
    (
        &["connect tcp://10.0.0.1:80", "connect tcp://svc.local:80"],
        &[],
        &[
            (C, T, "10.0.0.2:80", &["10.0.0.1"], N),
            (C, T, "10.0.0.1:80", &["svc.local"], A(0)),
            (C, T, "10.0.0.2:80", &["svc.local"], A(1)),
            (C, T, "10.0.0.2:80", &["svc.local.other"], N),
        ],
    ),
];

#[test]
fn decision_table() {
    let mut count = 0;
    for (allow, deny, cases) in TABLE {
        let policy = Policy::from_rules(allow.iter().copied(), deny.iter().copied()).unwrap_or_else(|e| panic!("{e}"));
        for &(action, scheme, addr, names, expected) in cases.iter() {
            count += 1;
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            let req = Request { action, scheme, addr: sock(addr), names: &names };
            let want = match expected {
                A(i) => Verdict::Allow(allow[i].trim().to_owned()),
                D(i) => Verdict::Deny(deny[i].trim().to_owned()),
                N => Verdict::Undecided,
            };
            let got = policy.check(&req);
            assert_eq!(got, want, "allow {allow:?} deny {deny:?}: {action} {scheme} {addr} names {names:?}");
            let reason = want.rule().unwrap_or("default deny").to_owned();
            assert_eq!(got.reason(), reason);
        }
    }
    assert!(count >= 150, "only {count} cases");
}

#[test]
fn check_name_cases() {
    let policy = Policy::from_rules(
        [
            "resolve *://*.example.com",
            "connect tcp://db.internal:5432",
            "listen tcp://svc.local:80",
            "connect tcp://10.0.0.0/8:*",
            "resolve udp://private",
            "resolve tcp://Exact.Org.",
        ],
        ["resolve *://secret.example.com", "connect tcp://blocked.example.com:*", "listen *://*.example.com:*"],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let a = |i: usize| Verdict::Allow(policy.allow_rules()[i].text().to_owned());
    let d = |i: usize| Verdict::Deny(policy.deny_rules()[i].text().to_owned());
    let n = Verdict::Undecided;
    let cases = [
        ("a.example.com", a(0)),
        ("A.B.Example.Com.", a(0)),
        ("example.com", n.clone()),
        ("badexample.com", n.clone()),
        ("secret.example.com", d(0)),
        ("x.secret.example.com", a(0)),
        ("blocked.example.com", a(0)), // a connect deny does not stop lookups
        ("db.internal", a(1)),         // a connect rule implies resolve
        ("DB.INTERNAL.", a(1)),
        ("x.db.internal", n.clone()),
        ("svc.local", n.clone()), // a listen rule does not
        ("10.0.0.1", n.clone()),  // IP literals are not names
        ("exact.org", a(5)),
        ("", n.clone()),
        (".", n.clone()),
        ("a..example.com", n.clone()),
        ("a.com\0.example.com", n.clone()),
        ("a.com .example.com", n.clone()),
    ];
    for (name, want) in cases {
        let got = policy.check_name(name);
        assert_eq!(got, want, "check_name({name:?})");
    }

    let all = Policy::from_rules(["resolve *://*"], []).unwrap_or_else(|e| panic!("{e}"));
    assert!(all.check_name("anything.at.all").allowed());
    assert!(!all.check_name("127.0.0.1").allowed());
    let connect_any = Policy::from_rules(["connect tcp://*:443"], []).unwrap_or_else(|e| panic!("{e}"));
    assert!(connect_any.check_name("example.net").allowed());
    let star_action = Policy::from_rules(["* udp://*.svc:*"], []).unwrap_or_else(|e| panic!("{e}"));
    assert!(star_action.check_name("dns.svc").allowed());
    assert!(!star_action.check_name("svc").allowed());
    let denied = Policy::from_rules(["resolve *://*"], ["* *://*:*"]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(denied.check_name("example.com").rule(), Some("* *://*:*"));
    // Lookups ignore schemes, so a tcp-only resolve deny still denies.
    let denied = Policy::from_rules(["resolve udp://*"], ["resolve tcp://*.bad"]).unwrap_or_else(|e| panic!("{e}"));
    assert!(!denied.check_name("x.bad").allowed());
    assert!(denied.check_name("x.good").allowed());
}

#[test]
fn may_allow_cases() {
    let p = |allow: &[&str], deny: &[&str]| {
        Policy::from_rules(allow.iter().copied(), deny.iter().copied()).unwrap_or_else(|e| panic!("{e}"))
    };
    let policy = p(&["connect tcp://10.0.0.1:80"], &[]);
    assert!(policy.may_allow(C, T));
    assert!(!policy.may_allow(C, U));
    assert!(!policy.may_allow(L, T));
    assert!(!policy.may_allow(R, T)); // an address rule implies no lookup

    let policy = p(&["connect tcp://db.internal:80"], &[]);
    assert!(policy.may_allow(R, U));

    let policy = p(&["* *://*:*"], &["listen *://*:*"]);
    assert!(policy.may_allow(C, T));
    assert!(policy.may_allow(R, U));
    assert!(!policy.may_allow(L, T));
    assert!(!policy.may_allow(L, U));

    // A partial deny leaves room, so the answer stays conservative.
    let policy = p(&["listen udp://*:*"], &["listen udp://*:53"]);
    assert!(policy.may_allow(L, U));

    let policy = p(&["resolve udp://*"], &["resolve *://*"]);
    assert!(!policy.may_allow(R, U));
    let policy = p(&["resolve tcp://*"], &[]);
    assert!(policy.may_allow(R, U)); // lookups by name ignore schemes
}

#[test]
fn metadata_endpoints() {
    let rule = "connect *://metadata:*";
    let metadata = Policy::from_rules([rule], []).unwrap_or_else(|e| panic!("{e}"));
    let public = Policy::from_rules(["connect *://public:*"], []).unwrap_or_else(|e| panic!("{e}"));
    let judge = |policy: &Policy, scheme: Scheme, addr: &str| {
        policy.check(&Request { action: C, scheme, addr: sock(addr), names: &[] })
    };
    let endpoints = [
        "169.254.169.254:80",           // AWS, Azure, Google Cloud, OCI, OpenStack, ...
        "[fd00:ec2::254]:80",           // AWS over IPv6
        "169.254.170.2:80",             // AWS ECS
        "169.254.170.23:80",            // AWS EKS Pod Identity
        "[fd00:ec2::23]:80",            // AWS EKS Pod Identity over IPv6
        "100.100.100.200:80",           // Alibaba Cloud
        "192.0.0.192:80",               // Oracle Cloud (Classic)
        "168.63.129.16:80",             // Azure WireServer
        "[::ffff:192.0.0.192]:443",     // mapped forms are the IPv4 address
        "[::ffff:168.63.129.16]:32526", // WireServer's agent port
        "[::ffff:169.254.170.23]:80",
    ];
    for addr in endpoints {
        for scheme in [T, U] {
            assert_eq!(judge(&metadata, scheme, addr), Verdict::Allow(rule.to_owned()), "{addr} is metadata");
            assert!(!judge(&public, scheme, addr).allowed(), "{addr} is not public");
        }
    }
    let neighbours = [
        "169.254.169.253:80",
        "169.254.169.255:80",
        "169.254.170.1:80",
        "169.254.170.3:80",
        "169.254.170.22:80",
        "169.254.170.24:80",
        "100.100.100.199:80",
        "100.100.100.201:80",
        "192.0.0.191:80",
        "192.0.0.193:80",
        "168.63.129.15:80",
        "168.63.129.17:80",
        "[fd00:ec2::22]:80",
        "[fd00:ec2::24]:80",
        "[fd00:ec2::253]:80",
        "[fd00:ec2::255]:80",
        "[fd00:ec2:0:1::23]:80",
        "[fd01:ec2::23]:80",
    ];
    for addr in neighbours {
        assert_eq!(judge(&metadata, T, addr), Verdict::Undecided, "{addr} is not metadata");
    }
    // Which endpoints `private` holds too, as the documentation says.
    let private = Policy::from_rules(["connect *://private:*"], []).unwrap_or_else(|e| panic!("{e}"));
    let in_private = [
        "169.254.169.254:80",
        "[fd00:ec2::254]:80",
        "169.254.170.2:80",
        "169.254.170.23:80",
        "[fd00:ec2::23]:80",
        "100.100.100.200:80",
    ];
    for addr in in_private {
        assert!(judge(&private, T, addr).allowed(), "{addr} is private");
    }
    for addr in ["192.0.0.192:80", "168.63.129.16:80"] {
        assert_eq!(judge(&private, T, addr), Verdict::Undecided, "{addr} is not private");
    }
    // WireServer sits in Microsoft's public space: its neighbours stay public, it does not.
    assert_eq!(judge(&public, T, "168.63.129.15:80"), Verdict::Allow("connect *://public:*".to_owned()));
    assert_eq!(judge(&public, T, "168.63.129.17:80"), Verdict::Allow("connect *://public:*".to_owned()));
    assert_eq!(judge(&public, T, "168.63.129.16:80"), Verdict::Undecided);
    // A deny of `metadata` beside full access shuts every endpoint and only them.
    let shut = Policy::from_rules(["* *://*:*"], ["* *://metadata:*"]).unwrap_or_else(|e| panic!("{e}"));
    for addr in endpoints {
        assert_eq!(judge(&shut, U, addr), Verdict::Deny("* *://metadata:*".to_owned()), "{addr}");
    }
    for addr in neighbours {
        assert_eq!(judge(&shut, U, addr), Verdict::Allow("* *://*:*".to_owned()), "{addr}");
    }
}

#[test]
fn grants_every_name_cases() {
    let cases: &[(&[&str], &[&str], bool)] = &[
        (&[], &[], false),
        (&["resolve *://*"], &[], true),
        (&["resolve udp://*:53"], &[], true), // lookups ignore schemes and ports
        (&["connect tcp://*:443"], &[], true),
        (&["* udp://*:*"], &[], true),
        (&["* *://*:*"], &[], true),
        (&["listen *://*:*"], &[], false), // a listen rule implies no lookup
        (&["resolve *://*.example.com"], &[], false),
        (&["connect tcp://example.com:*"], &[], false),
        (&["connect tcp://0.0.0.0/0:*", "connect tcp://[::/0]:*"], &[], false), // addresses are not names
        (&["connect tcp://public:*"], &[], false),
        (&["listen *://*:*", "resolve *://*"], &[], true),
        (&["* *://*:*"], &["resolve *://*.bad"], false),
        (&["* *://*:*"], &["* *://secret.example.com:*"], false),
        (&["* *://*:*"], &["resolve tcp://*"], false),
        // Deny rules that cannot deny a lookup leave every name granted.
        (&["* *://*:*"], &["connect *://*:*"], true),
        (&["* *://*:*"], &["listen *://*.example.com:*"], true),
        (&["* *://*:*"], &["* *://metadata:*"], true),
        (&["* *://*:*"], &["* *://10.0.0.0/8:*", "resolve *://[fd00::1]"], true),
    ];
    for &(allow, deny, want) in cases {
        let policy = Policy::from_rules(allow.iter().copied(), deny.iter().copied()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(policy.grants_every_name(), want, "allow {allow:?} deny {deny:?}");
        if want {
            for name in ["example.com", "A.B.C.", "secret.example.com", "x.bad", "_srv._tcp.example.org"] {
                assert!(policy.check_name(name).allowed(), "{name} under allow {allow:?} deny {deny:?}");
            }
            // What it still refuses is malformed, and no rule decided it.
            for name in ["", "a..b", "10.0.0.1", "a.com\0.b", "bücher.de"] {
                assert_eq!(policy.check_name(name), Verdict::Undecided, "{name:?}");
            }
        }
    }
}
