//! The Python docs' dual-stack echo server (the `getaddrinfo(HOST, PORT,
//! AF_UNSPEC, SOCK_STREAM, 0, AI_PASSIVE)` loop), in the same structure.
//! PORT is 0 (ephemeral); the bound port is sent to the test's control
//! listener (argument 0) so the client can find it.

use capsock::{AF_UNSPEC, AI_PASSIVE, AddrInfo, SOCK_STREAM, getaddrinfo, socket};
use capsock_test_guests::{arg, report};
use std::io::Write;

fn main() {
    let control: u16 = arg(0);
    // Every wait is bounded, so a broken host fails the test, not hangs it.
    capsock::setdefaulttimeout(Some(30.0)).unwrap();
    let host: Option<&str> = None; // Symbolic name meaning all available interfaces
    let port: u16 = 0; // Ephemeral: reported to the test below
    let mut s = None;
    for res in getaddrinfo(host, port, AF_UNSPEC, SOCK_STREAM, 0, AI_PASSIVE).expect("getaddrinfo") {
        let AddrInfo { family: af, type_: socktype, proto, canonname: _, sockaddr: sa } = res;
        let sock = match socket(af, socktype, proto) {
            Ok(sock) => sock,
            Err(msg) => {
                report("socket_error", msg);
                continue;
            }
        };
        if let Err(msg) = sock.bind(&sa).and_then(|()| sock.listen(1)) {
            report("bind_error", format!("{sa} {}", msg.exception()));
            sock.close().unwrap();
            continue;
        }
        s = Some(sock);
        break;
    }
    let Some(s) = s else {
        println!("could not open socket");
        std::process::exit(1);
    };
    let bound = s.getsockname().unwrap();
    report("bound", &bound);
    let mut ctl = capsock::create_connection(("127.0.0.1", control), Some(30.0), None).unwrap();
    writeln!(ctl, "{}", bound.port().unwrap()).unwrap();
    let (conn, addr) = s.accept().unwrap();
    println!("Connected by {addr}");
    report("connected_by", &addr);
    let mut echoed = 0;
    loop {
        let data = conn.recv(1024).unwrap();
        if data.is_empty() {
            break;
        }
        conn.send(&data).unwrap();
        echoed += data.len();
    }
    conn.close().unwrap();
    report("echoed", echoed);
}
