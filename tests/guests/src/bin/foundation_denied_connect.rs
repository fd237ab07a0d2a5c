//! A connect outside the policy is a PermissionError naming what was
//! denied. Args: HOST PORT
use capsock::{SOCK_STREAM, socket};
use capsock_test_guests::{arg, expect_err, family_of, report};

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);
    let s = socket(family_of(&host), SOCK_STREAM, 0).unwrap();
    let e = expect_err(s.connect((host.as_str(), port)), "PermissionError");
    report("errno", e.errno().unwrap());
    report("message", &e);
    report("rule", e.rule().unwrap_or("-"));
    // The socket is still usable for what the policy does allow.
    report("fileno", s.fileno());
}
