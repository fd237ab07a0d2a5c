//! Property tests over generated rules, requests and names: deny always wins, wildcards keep to
//! label boundaries, the empty policy decides nothing, `may_allow` and `grants_every_name` agree
//! with the judge, and no mangled rule text makes the parser panic.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a failed unwrap is a failed test")]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use capsock_policy::Action::{self, Connect as C, Listen as L, Resolve as R};
use capsock_policy::Scheme::{self, Tcp as T, Udp as U};
use capsock_policy::{Policy, Request, Rule, Verdict};

fn sock(s: &str) -> SocketAddr {
    s.parse().unwrap_or_else(|e| panic!("bad test address {s}: {e}"))
}

/// A small deterministic xorshift generator, so the property tests need no crates.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const ACTIONS: &[&str] = &["connect", "listen", "resolve", "*"];
const SCHEMES: &[&str] = &["tcp", "udp", "*"];
const HOSTS: &[&str] = &[
    "*",
    "10.0.0.1",
    "10.0.0.0/8",
    "10.0.0.0/30",
    "0.0.0.0/0",
    "[::1]",
    "[fd00::/8]",
    "[::/0]",
    "[::ffff:10.0.0.1]",
    "[::ffff:10.0.0.0/120]",
    "loopback",
    "private",
    "link-local",
    "public",
    "metadata",
    "example.com",
    "*.example.com",
    "a.example.com",
    "*.b.example.com",
];
const PORTS: &[&str] = &["*", "0", "80", "1-1024", "{0,53,443}", "8000-8080"];
const ADDRS: &[&str] = &[
    "10.0.0.1",
    "10.0.0.2",
    "10.0.0.4",
    "127.0.0.1",
    "169.254.169.254",
    "8.8.8.8",
    "0.0.0.0",
    "100.100.100.200",
    "::1",
    "fd00::1",
    "::ffff:10.0.0.1",
    "::ffff:10.0.0.3",
    "2606:4700::1",
];
const PORT_VALUES: &[u16] = &[0, 1, 53, 80, 443, 1024, 1025, 8000, 8080, 65535];
const NAMES: &[&str] = &[
    "example.com",
    "a.example.com",
    "b.example.com",
    "x.b.example.com",
    "badexample.com",
    "a.badexample.com",
    "EXAMPLE.COM.",
];

fn random_rule(rng: &mut Rng) -> String {
    let action = *rng.pick(ACTIONS);
    let mut rule = format!("{action} {}://{}", rng.pick(SCHEMES), rng.pick(HOSTS));
    if action != "resolve" || rng.below(2) == 0 {
        rule = format!("{rule}:{}", rng.pick(PORTS));
    }
    rule
}

fn random_request(rng: &mut Rng) -> (Action, Scheme, SocketAddr, Vec<String>) {
    let action = *rng.pick(&[C, L, R]);
    let scheme = *rng.pick(&[T, U]);
    let ip: IpAddr = match rng.below(6) {
        0 => IpAddr::V4(Ipv4Addr::from(rng.next() as u32)),
        1 => IpAddr::V6(Ipv4Addr::from(rng.next() as u32).to_ipv6_mapped()),
        2 => IpAddr::V6(Ipv6Addr::from((u128::from(rng.next()) << 64) | u128::from(rng.next()))),
        _ => rng.pick(ADDRS).parse().unwrap_or_else(|e| panic!("{e}")),
    };
    let port = if rng.below(4) > 0 { *rng.pick(PORT_VALUES) } else { rng.next() as u16 };
    let names = (0..rng.below(3)).map(|_| rng.pick(NAMES).to_string()).collect();
    (action, scheme, SocketAddr::new(ip, port), names)
}

fn decide(policy: &Policy, req: &(Action, Scheme, SocketAddr, Vec<String>)) -> Verdict {
    policy.check(&Request { action: req.0, scheme: req.1, addr: req.2, names: &req.3 })
}

#[test]
fn property_deny_always_wins() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut both, mut lookups_both) = (0, 0);
    for _ in 0..20_000 {
        let allow = random_rule(&mut rng);
        // Often the same rule, or the same action and scheme with any host and port, so
        // that both rules match often enough to test something.
        let deny = match rng.below(4) {
            0 => allow.clone(),
            1 => match allow.split_once("://") {
                Some((head, _)) => format!("{head}://*:*"),
                None => unreachable!("generated rules have a scheme"),
            },
            _ => random_rule(&mut rng),
        };
        let req = random_request(&mut rng);
        let only = |rule: &str| Policy::from_rules([rule], []).unwrap_or_else(|e| panic!("{e}"));
        let policy = Policy::from_rules([allow.as_str()], [deny.as_str()]).unwrap_or_else(|e| panic!("{e}"));
        let allow_hits = decide(&only(&allow), &req).allowed();
        let deny_hits = decide(&only(&deny), &req).allowed();
        let got = decide(&policy, &req);
        let want = if deny_hits {
            Verdict::Deny(deny.clone())
        } else if allow_hits {
            Verdict::Allow(allow.clone())
        } else {
            Verdict::Undecided
        };
        assert_eq!(got, want, "allow `{allow}` deny `{deny}` request {req:?}");
        both += usize::from(allow_hits && deny_hits);

        // The same for lookups, where only resolve and `*` deny rules count.
        let name = rng.pick(NAMES);
        // The rule's action is the first word of the generated text.
        let deny_counts = matches!(deny.split_whitespace().next(), Some("resolve" | "*"));
        let deny_hits = deny_counts && only(&deny).check_name(name).allowed();
        let allow_hits = only(&allow).check_name(name).allowed();
        let got = policy.check_name(name);
        if deny_hits {
            assert_eq!(got, Verdict::Deny(deny.clone()));
        } else {
            assert_eq!(got.allowed(), allow_hits, "allow `{allow}` deny `{deny}` {name}");
            let want = if allow_hits { Verdict::Allow(allow.clone()) } else { Verdict::Undecided };
            assert_eq!(got, want, "allow `{allow}` deny `{deny}` {name}");
        }
        lookups_both += usize::from(allow_hits && deny_hits);
    }
    // The generator must actually exercise the interesting case.
    assert!(both > 200 && lookups_both > 200, "{both} {lookups_both}");
}

/// A random lowercase name over a tiny alphabet (so that suffixes collide often), or an
/// empty string.
fn random_labels(rng: &mut Rng, max: usize) -> String {
    let count = rng.below(max + 1);
    (0..count)
        .map(|_| (0..1 + rng.below(2)).map(|_| *rng.pick(&['a', 'b'])).collect::<String>())
        .collect::<Vec<_>>()
        .join(".")
}

#[test]
fn property_wildcards_respect_label_boundaries() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut matched = 0;
    for _ in 0..20_000 {
        let suffix = match random_labels(&mut rng, 3) {
            s if s.is_empty() => "a".to_owned(),
            s => s,
        };
        // A prefix of arbitrary characters over `a`, `b` and `.`, then the suffix, with random
        // case: the prefix may or may not end on a label boundary.
        let prefix: String = (0..rng.below(5)).map(|_| *rng.pick(&['a', 'b', '.', 'A'])).collect();
        let name = format!("{prefix}{suffix}");
        // The oracle compares label lists, so it knows nothing about byte offsets.
        let labels: Vec<String> = name.split('.').map(|l| l.to_ascii_lowercase()).collect();
        let suffix_labels: Vec<&str> = suffix.split('.').collect();
        let valid = labels.iter().all(|l| !l.is_empty());
        let expected = valid
            && labels.len() > suffix_labels.len()
            && labels[labels.len() - suffix_labels.len()..] == suffix_labels[..];
        if name.eq_ignore_ascii_case(&suffix) {
            assert!(!expected);
        }

        let policy = Policy::from_rules(
            [format!("connect tcp://*.{suffix}:*").as_str(), format!("resolve *://*.{suffix}").as_str()],
            [],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let names = [name.clone()];
        let req = Request { action: C, scheme: T, addr: sock("192.0.2.1:1"), names: &names };
        assert_eq!(policy.check(&req).allowed(), expected, "*.{suffix} vs {name}");
        assert_eq!(policy.check_name(&name).allowed(), expected, "*.{suffix} vs {name}");
        matched += usize::from(expected);
    }
    assert!(matched > 1000, "{matched}");
}

#[test]
fn property_deny_all_denies_everything() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let policy = Policy::deny_all();
    for _ in 0..10_000 {
        let req = random_request(&mut rng);
        assert_eq!(decide(&policy, &req), Verdict::Undecided);
        let name = format!("{}.{}", random_labels(&mut rng, 3), rng.pick(NAMES));
        assert_eq!(policy.check_name(&name), Verdict::Undecided);
    }
    for action in [C, L, R] {
        for scheme in [T, U] {
            assert!(!policy.may_allow(action, scheme));
        }
    }
    assert_eq!(Policy::deny_all().check_name("x.com").reason(), "default deny");
}

#[test]
fn property_grants_every_name_agrees_with_check_name() {
    let mut rng = Rng(0x5851_f42d_4c95_7f2d);
    let (mut granted, mut not_granted) = (0, 0);
    for _ in 0..10_000 {
        let mut allow: Vec<String> = (0..rng.below(3)).map(|_| random_rule(&mut rng)).collect();
        if rng.below(2) == 0 {
            // A rule that grants every name, so that the interesting case comes up often.
            let action = rng.pick(&["connect", "resolve", "*"]);
            allow.push(format!("{action} {}://*:{}", rng.pick(SCHEMES), rng.pick(PORTS)));
        }
        let deny: Vec<String> = (0..rng.below(3)).map(|_| random_rule(&mut rng)).collect();
        let policy = Policy::from_rules(allow.iter().map(String::as_str), deny.iter().map(String::as_str))
            .unwrap_or_else(|e| panic!("{e}"));
        // A name no generated rule names, then every name the generated rules can name: for
        // these generators the policy grants every name exactly when it allows all of them.
        let fresh = format!("q{}.zz", random_labels(&mut rng, 2));
        let every =
            std::iter::once(fresh.as_str()).chain(NAMES.iter().copied()).all(|n| policy.check_name(n).allowed());
        assert_eq!(policy.grants_every_name(), every, "allow {allow:?} deny {deny:?} ({fresh})");
        if every {
            granted += 1;
        } else {
            not_granted += 1;
        }
    }
    assert!(granted > 1000 && not_granted > 1000, "{granted} {not_granted}");
}

#[test]
fn may_allow_is_conservative() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..5_000 {
        let allow: Vec<String> = (0..rng.below(3)).map(|_| random_rule(&mut rng)).collect();
        let deny: Vec<String> = (0..rng.below(3)).map(|_| random_rule(&mut rng)).collect();
        let policy = Policy::from_rules(allow.iter().map(String::as_str), deny.iter().map(String::as_str))
            .unwrap_or_else(|e| panic!("{e}"));
        for _ in 0..20 {
            let req = random_request(&mut rng);
            if decide(&policy, &req).allowed() {
                assert!(policy.may_allow(req.0, req.1), "{allow:?} {deny:?} {req:?}");
            }
            let name = rng.pick(NAMES);
            if policy.check_name(name).allowed() {
                assert!(policy.may_allow(R, T) && policy.may_allow(R, U));
            }
        }
    }
}

const VALID: &[&str] = &[
    "connect tcp://10.0.0.1:80",
    "connect udp://[2001:db8::1]:{53,443,8000-8080}",
    "listen tcp://127.0.0.1:0",
    "listen *://[::1]:*",
    "resolve *://*.example.com",
    "resolve udp://db.example.com.:53",
    "* *://*:*",
    "connect tcp://10.0.0.0/8:1-1024",
    "connect tcp://[fd00::/8]:*",
    "connect tcp://[::ffff:10.0.0.0/104]:5",
    "connect tcp://private:443",
    "* *://metadata:*",
    "listen udp://link-local:{0}",
    "connect tcp://public:80",
    "  connect\t tcp://loopback:*  ",
];

const JUNK: &[&str] = &[
    ":",
    "/",
    "[",
    "]",
    "{",
    "}",
    ",",
    "-",
    "*",
    ".",
    " ",
    "\t",
    "\n",
    "#",
    "%",
    "0",
    "9",
    "é",
    "\0",
    "::",
    "//",
    "://",
    "99999",
    "ff",
    "\u{a0}",
    "\u{1F600}",
    "_",
];

fn assert_parses_sanely(input: &str) {
    match input.parse::<Rule>() {
        Ok(rule) => {
            let canonical = rule.to_string();
            let again: Rule = canonical.parse().unwrap_or_else(|e| panic!("canonical form of `{input}`: {e}"));
            assert_eq!(again.to_string(), canonical, "`{input}`");
        }
        Err(e) => {
            assert!(e.position <= input.len(), "`{input}`: {e:?}");
            assert!(input.is_char_boundary(e.position), "`{input}`: {e:?}");
            assert!(!e.message.is_empty());
            assert!(e.to_string().contains("at column"));
        }
    }
}

#[test]
fn mangled_rules_never_panic() {
    let mut count = 0;
    for &valid in VALID {
        let chars: Vec<(usize, char)> = valid.char_indices().collect();
        let mut check = |s: &str| {
            assert_parses_sanely(s);
            count += 1;
        };
        check(valid);
        for &(i, c) in &chars {
            let next = i + c.len_utf8();
            check(&valid[..i]);
            check(&valid[i..]);
            check(&format!("{}{}", &valid[..i], &valid[next..])); // delete
            check(&format!("{}{c}{}", &valid[..next], &valid[next..])); // duplicate
            for junk in JUNK {
                check(&format!("{}{junk}{}", &valid[..i], &valid[i..])); // insert
                check(&format!("{}{junk}{}", &valid[..i], &valid[next..])); // replace
            }
        }
    }
    // Random multi-point mutations of random valid rules.
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for _ in 0..20_000 {
        let mut s = if rng.below(2) == 0 { rng.pick(VALID).to_string() } else { random_rule(&mut rng) };
        for _ in 0..1 + rng.below(4) {
            let bounds: Vec<usize> = (0..=s.len()).filter(|&i| s.is_char_boundary(i)).collect();
            let i = *rng.pick(&bounds);
            let j = *rng.pick(&bounds);
            let (i, j) = (i.min(j), i.max(j));
            let junk = rng.pick(JUNK);
            s = match rng.below(3) {
                0 => format!("{}{junk}{}", &s[..i], &s[i..]),
                1 => format!("{}{}", &s[..i], &s[j..]),
                _ => format!("{}{}{}", &s[..i], &s[j..], &s[i..j]),
            };
        }
        assert_parses_sanely(&s);
        count += 1;
    }
    assert!(count > 30_000, "{count}");
}
