//! Fuzzes rule lists as a policy file's lines would give them: any mix of
//! allow and deny lines must parse or fail cleanly, deny must win, and a
//! verdict must name a rule of the list it comes from.
#![no_main]

use libfuzzer_sys::fuzz_target;

use capsock_policy as policy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (allow, deny): (Vec<&str>, Vec<&str>) = text.lines().partition(|l| !l.starts_with('!'));
    let deny: Vec<&str> = deny.iter().map(|l| &l[1..]).collect();
    let Ok(p) = policy::Policy::from_rules(allow.iter().copied(), deny.iter().copied()) else { return };
    let req = policy::Request {
        action: policy::Action::Connect,
        scheme: policy::Scheme::Tcp,
        addr: "127.0.0.1:80".parse().unwrap(),
        names: &[],
    };
    let d = p.check(&req);
    // A verdict names a rule of the list it comes from, as written (trimmed).
    match &d {
        policy::Verdict::Allow(rule) => assert!(allow.iter().any(|r| r.trim() == rule), "allowed by an unknown rule"),
        policy::Verdict::Deny(rule) => assert!(deny.iter().any(|r| r.trim() == rule), "denied by an unknown rule"),
        policy::Verdict::Undecided => {}
    }
    if p.grants_every_name() {
        assert!(p.check_name("a.example.com").allowed(), "grants every name but refuses a valid one");
    }
    if d.allowed() {
        assert!(
            deny.iter().all(|r| {
                let mut only = policy::Policy::deny_all();
                only.allow(r).map(|o| !o.check(&req).allowed()).unwrap_or(true)
            }),
            "an allow won over a matching deny"
        );
    }
});
