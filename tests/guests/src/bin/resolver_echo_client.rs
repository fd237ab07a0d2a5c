//! The Python docs' dual-stack echo client (the `getaddrinfo(HOST, PORT,
//! AF_UNSPEC, SOCK_STREAM)` loop), in the same structure. Arguments: HOST
//! and PORT.

use capsock::{AF_UNSPEC, AddrInfo, SOCK_STREAM, getaddrinfo, socket};
use capsock_test_guests::{arg, report};

fn main() {
    let host: String = arg(0); // The remote host
    let port: u16 = arg(1); // The same port as used by the server
    capsock::setdefaulttimeout(Some(30.0)).unwrap();
    let mut s = None;
    for res in getaddrinfo(Some(&host), port, AF_UNSPEC, SOCK_STREAM, 0, 0).expect("getaddrinfo") {
        let AddrInfo { family: af, type_: socktype, proto, canonname: _, sockaddr: sa } = res;
        let sock = match socket(af, socktype, proto) {
            Ok(sock) => sock,
            Err(msg) => {
                report("socket_error", msg);
                continue;
            }
        };
        if let Err(msg) = sock.connect(&sa) {
            report("connect_error", format!("{sa} {}", msg.exception()));
            sock.close().unwrap();
            continue;
        }
        report("connected_to", &sa);
        s = Some(sock);
        break;
    }
    let Some(s) = s else {
        println!("could not open socket");
        std::process::exit(1);
    };
    s.send(b"Hello, world").unwrap();
    let data = s.recv(1024).unwrap();
    s.close().unwrap();
    println!("Received {:?}", String::from_utf8_lossy(&data));
    report("received", String::from_utf8_lossy(&data));
}
