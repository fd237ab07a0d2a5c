//! Fuzzes the policy rule parser and matcher: no input may panic, and a
//! rule that parses must print back to text that parses to the same rule.
#![no_main]

use libfuzzer_sys::fuzz_target;

use capsock_policy as policy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(rule) = text.parse::<policy::Rule>() {
        let again: policy::Rule = rule.to_string().parse().expect("canonical text parses");
        assert_eq!(again.to_string(), rule.to_string());
        let mut p = policy::Policy::deny_all();
        p.allow(text).expect("parsed once, parses again");
        for addr in ["127.0.0.1:80", "[::1]:0", "10.1.2.3:65535", "[::ffff:10.0.0.1]:443", "169.254.169.254:80"] {
            for action in [policy::Action::Connect, policy::Action::Listen, policy::Action::Resolve] {
                let names = ["a.example.com".to_string()];
                let req =
                    policy::Request { action, scheme: policy::Scheme::Tcp, addr: addr.parse().unwrap(), names: &names };
                let _ = p.check(&req);
            }
        }
        let _ = p.check_name("a.example.com");
    }
});
