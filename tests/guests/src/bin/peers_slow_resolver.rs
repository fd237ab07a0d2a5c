//! A failing and a slow resolver (run in a network namespace with only `lo`
//! whose resolv.conf names a fake DNS server on 127.0.0.1): a SERVFAIL and
//! an unanswered query both raise `gaierror(EAI_AGAIN)`, the second within
//! the host's lookup timeout.
//! Args: FAILING_NAME SLOW_NAME
use capsock::{AF_INET, SOCK_STREAM};
use capsock_test_guests::{arg, expect_err, report};
use std::time::Instant;

fn lookup(key: &str, name: &str) {
    let t0 = Instant::now();
    let e = expect_err(capsock::getaddrinfo(Some(name), 80, AF_INET, SOCK_STREAM, 0, 0), "gaierror");
    report(&format!("{key}_ms"), t0.elapsed().as_millis());
    report(&format!("{key}_errno"), e.errno().unwrap());
    report(&format!("{key}_name"), e.name());
    report(&format!("{key}_str"), &e);
}

fn main() {
    let failing: String = arg(0);
    let slow: String = arg(1);
    lookup("failing", &failing);
    lookup("slow", &slow);
}
