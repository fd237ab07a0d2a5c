//! Runs each case given as an argument (lines of
//! tests/reference/resolver_cases.txt) and prints `CASE => OK VALUE` or
//! `CASE => ERR CLASS ERRNO`, exactly as resolver_reference.py prints
//! CPython's answers.

use capsock::{AddrInfo, Error, Service};
use capsock_test_guests::args;

fn opt(s: &str) -> Option<&str> {
    if s == "None" { None } else { Some(s) }
}

fn service(p: &str) -> Service {
    match p {
        "None" => Service::None,
        _ => match p.parse::<u16>() {
            Ok(n) if p.bytes().all(|b| b.is_ascii_digit()) => Service::Port(n),
            _ => Service::Name(p.to_string()),
        },
    }
}

fn int(s: &str) -> i32 {
    s.parse().unwrap_or_else(|e| panic!("bad int {s:?}: {e}"))
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", "))
}

fn hostent(h: (String, Vec<String>, Vec<String>)) -> String {
    format!("('{}', {}, {})", h.0, list(&h.1), list(&h.2))
}

fn infos(v: Vec<AddrInfo>) -> String {
    format!("[{}]", v.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
}

fn call(f: &str, a: &[&str]) -> Result<String, Error> {
    Ok(match f {
        "getaddrinfo" => {
            infos(capsock::getaddrinfo(opt(a[0]), service(a[1]), int(a[2]), int(a[3]), int(a[4]), int(a[5]))?)
        }
        "getnameinfo" => {
            let port: u16 = a[1].parse().unwrap();
            let (h, s) = if a[0].contains(':') {
                capsock::getnameinfo((a[0], port, 0, 0), int(a[2]))?
            } else {
                capsock::getnameinfo((a[0], port), int(a[2]))?
            };
            format!("('{h}', '{s}')")
        }
        "gethostbyname" => format!("'{}'", capsock::gethostbyname(a[0])?),
        "gethostbyname_ex" => hostent(capsock::gethostbyname_ex(a[0])?),
        "gethostbyaddr" => hostent(capsock::gethostbyaddr(a[0])?),
        "getservbyname" => capsock::getservbyname(a[0], opt(a[1]))?.to_string(),
        "getservbyport" => format!("'{}'", capsock::getservbyport(a[0].parse().unwrap(), opt(a[1]))?),
        "getprotobyname" => capsock::getprotobyname(a[0])?.to_string(),
        "inet_aton" => to_hex(&capsock::inet_aton(a[0])?),
        "inet_ntoa" => format!("'{}'", capsock::inet_ntoa(&hex(a[0]))?),
        "inet_pton" => to_hex(&capsock::inet_pton(int(a[0]), a[1])?),
        "inet_ntop" => format!("'{}'", capsock::inet_ntop(int(a[0]), &hex(a[1]))?),
        "htons" => capsock::htons(a[0].parse().unwrap()).to_string(),
        "ntohs" => capsock::ntohs(a[0].parse().unwrap()).to_string(),
        "htonl" => capsock::htonl(a[0].parse().unwrap()).to_string(),
        "ntohl" => capsock::ntohl(a[0].parse().unwrap()).to_string(),
        other => panic!("unknown function {other}"),
    })
}

fn main() {
    let cases = args();
    assert!(!cases.is_empty(), "no cases given");
    for line in &cases {
        let mut parts = line.split('|');
        let f = parts.next().unwrap();
        let a: Vec<&str> = parts.collect();
        let out = match call(f, &a) {
            Ok(v) => format!("OK {v}"),
            Err(e) => {
                let errno = if e.is_os_error() {
                    e.errno().map_or("None".to_string(), |n| n.to_string())
                } else {
                    "None".into()
                };
                format!("ERR {} {errno}", e.exception())
            }
        };
        println!("{line} => {out}");
    }
}
