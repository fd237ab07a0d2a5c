//! A listener whose backlog is full and which never accepts: the kernel
//! drops the SYN, so a connect with `settimeout(1.0)` raises `TimeoutError`.
//! Args: HOST PORT
use capsock::{SOCK_STREAM, socket};
use capsock_test_guests::{arg, family_of, report};
use std::time::Instant;

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);

    let s = socket(family_of(&host), SOCK_STREAM, 0).unwrap();
    s.settimeout(Some(1.0)).unwrap();
    let t0 = Instant::now();
    let result = s.connect((host.as_str(), port));
    report("connect_ms", t0.elapsed().as_millis());
    match result {
        Ok(()) => report("connect", "ok"),
        Err(e) => {
            report("connect", e.exception());
            report("connect_errno", format!("{:?}", e.errno()));
            report("connect_str", &e);
        }
    }
}
