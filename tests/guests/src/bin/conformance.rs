//! The conformance guest: runs every case of `tests/conformance/cases.py`
//! under capsock, printing the same one line per step (see
//! `tests/tests/e2e/conformance.rs`, which diffs the two).
//!
//! Arguments: ECHO4 ECHO6 UDPECHO4 UDPECHO6 CLOSED4 CLOSED6 (native peers'
//! ports on loopback) UNIXDIR (the directory granted for AF_UNIX paths).

#[path = "../conformance/harness.rs"]
mod harness;

#[path = "../conformance/cases.rs"]
mod cases;

use cases::{CASES, V, Vs};
use harness::Ctx;
use std::sync::OnceLock;

/// The IPv4 echo peer's port (some IPv6 cases reach it through a mapped
/// address).
static ECHO4: OnceLock<u16> = OnceLock::new();

/// The directory the policy grants for AF_UNIX paths.
static UNIXDIR: OnceLock<String> = OnceLock::new();

fn main() {
    let args = capsock_test_guests::args();
    assert_eq!(args.len(), 7, "usage: conformance ECHO4 ECHO6 UDPECHO4 UDPECHO6 CLOSED4 CLOSED6 UNIXDIR");
    let ports: Vec<u16> = args[..6].iter().map(|a| a.parse().expect("port argument")).collect();
    let _ = UNIXDIR.set(args[6].clone());
    harness::set_fixed_ports(ports.clone());
    let _ = ECHO4.set(ports[0]);
    let inet = V {
        name: "inet",
        fam: capsock::AF_INET,
        host: "127.0.0.1",
        echo: ports[0],
        udpecho: ports[2],
        closed: ports[4],
    };
    let inet6 =
        V { name: "inet6", fam: capsock::AF_INET6, host: "::1", echo: ports[1], udpecho: ports[3], closed: ports[5] };
    for &(name, mirror, body, vs) in CASES {
        let variants: Vec<(&V, bool)> = match vs {
            Vs::Fams => vec![(&inet, true), (&inet6, true)],
            Vs::One => vec![(&inet, false)],
            Vs::Inet => vec![(&inet, true)],
            Vs::Inet6 => vec![(&inet6, true)],
        };
        for (v, suffix) in variants {
            let full = if suffix { format!("{name}[{}]", v.name) } else { name.to_string() };
            println!("=== {full} | {mirror}");
            body(&Ctx { name: full }, v);
            capsock::setdefaulttimeout(None).expect("resetting the default timeout");
        }
    }
}
