//! Lookups under the policy. Argument 0 picks the scenario:
//!
//! - `hosts PORT`: `db.test` from the `[hosts]` table through
//!   getaddrinfo, gethostbyname(_ex), gethostbyaddr and create_connection
//!   (to the test's echo server on 127.0.0.1:PORT).
//! - `denied NAME`: NAME has no rule; `db.test` is in `[hosts]` without a
//!   rule; `mixed.test` loses its private address to a deny rule;
//!   `lo.test` loses every address.
//! - `byip PORT`: a rule names `db.test` only; connecting to its IP is
//!   denied until the name resolves, then allowed; another IP stays denied.
//! - `rebind`: `public.test` resolves to a loopback address, which a deny
//!   rule on the `loopback` range refuses (DNS rebinding).
//! - `fallthrough GOOD DEAD`: `two.test` is ::1 (refused) then 127.0.0.1
//!   (listening on GOOD); `dead.test` refuses on both at DEAD.

use capsock::{AF_INET, AF_UNSPEC, ConnectError, Error, SOCK_STREAM};
use capsock_test_guests::{arg, args, expect_err, report};

fn denial(what: &str, r: Result<impl std::fmt::Debug, Error>) {
    let e = expect_err(r, "PermissionError");
    report(&format!("{what}_errno"), e.errno().unwrap_or(0));
    report(&format!("{what}_rule"), e.rule().unwrap_or("-"));
}

fn main() {
    capsock::setdefaulttimeout(Some(30.0)).unwrap();
    let mode: String = arg(0);
    match mode.as_str() {
        "hosts" => {
            let port: u16 = arg(1);
            let infos =
                capsock::getaddrinfo(Some("db.test"), port, AF_UNSPEC, SOCK_STREAM, 0, capsock::AI_CANONNAME).unwrap();
            report("gai", infos.iter().map(ToString::to_string).collect::<Vec<_>>().join(";"));
            report("byname", capsock::gethostbyname("db.test").unwrap());
            report("byname_ex", format!("{:?}", capsock::gethostbyname_ex("DB.test").unwrap()));
            report("byaddr", capsock::gethostbyaddr("127.0.0.1").unwrap().0);
            report("nameinfo", capsock::getnameinfo(("127.0.0.1", port), capsock::NI_NUMERICSERV).unwrap().0);
            let s = capsock::create_connection(("db.test", port), Some(30.0), None).unwrap();
            s.sendall(b"via hosts").unwrap();
            report("echo", String::from_utf8_lossy(&s.recv(100).unwrap()));
            report("peer", s.getpeername().unwrap());
            report("hostname", capsock::gethostname().unwrap());
            report("fqdn", capsock::getfqdn(""));
        }
        "denied" => {
            let secret = args()[1].clone();
            denial("secret", capsock::getaddrinfo(Some(&secret), 80, AF_UNSPEC, SOCK_STREAM, 0, 0));
            denial("secret_byname", capsock::gethostbyname(&secret));
            denial("secret_connect", capsock::create_connection((secret.as_str(), 80), Some(5.0), None));
            denial("hosts_only", capsock::getaddrinfo(Some("db.test"), 80, AF_INET, SOCK_STREAM, 0, 0));
            let mixed = capsock::getaddrinfo(Some("mixed.test"), 80, AF_UNSPEC, SOCK_STREAM, 0, 0).unwrap();
            report("mixed", mixed.iter().map(|i| i.sockaddr.to_string()).collect::<Vec<_>>().join(";"));
            denial("all_denied", capsock::getaddrinfo(Some("lo.test"), 80, AF_UNSPEC, SOCK_STREAM, 0, 0));
            // AI_NUMERICHOST never looks a name up, so the policy is moot.
            let e = expect_err(capsock::getaddrinfo(Some(&secret), 80, 0, 0, 0, capsock::AI_NUMERICHOST), "gaierror");
            report("numerichost", e.errno().unwrap());
        }
        "byip" => {
            let port: u16 = arg(1);
            let before = capsock::socket(capsock::AF_INET, SOCK_STREAM, 0).unwrap();
            denial("ip_before", before.connect(("127.0.0.1", port)));
            report("resolved", capsock::gethostbyname("db.test").unwrap());
            let after = capsock::socket(capsock::AF_INET, SOCK_STREAM, 0).unwrap();
            after.connect(("127.0.0.1", port)).unwrap();
            report("ip_after", after.getpeername().unwrap());
            let other = capsock::socket(capsock::AF_INET, SOCK_STREAM, 0).unwrap();
            denial("other_ip", other.connect(("127.0.0.2", port)));
        }
        "rebind" => {
            denial("rebind_gai", capsock::getaddrinfo(Some("public.test"), 80, AF_UNSPEC, SOCK_STREAM, 0, 0));
            denial("rebind_connect", capsock::create_connection(("public.test", 80), Some(5.0), None));
        }
        "fallthrough" => {
            let good: u16 = arg(1);
            let dead: u16 = arg(2);
            let s = capsock::create_connection(("two.test", good), Some(30.0), None).unwrap();
            report("fell_to", s.getpeername().unwrap());
            s.close().unwrap();
            let e =
                expect_err(capsock::create_connection(("dead.test", dead), Some(30.0), None), "ConnectionRefusedError");
            report("last_error", e);
            match capsock::create_connection_all_errors(("dead.test", dead), Some(30.0), None) {
                Err(ConnectError::Group(errors)) => {
                    report("all_errors", errors.iter().map(Error::exception).collect::<Vec<_>>().join(","));
                }
                other => panic!("expected an error group, got {other:?}"),
            }
        }
        other => panic!("unknown mode {other}"),
    }
}
