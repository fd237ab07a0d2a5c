//! A hostile guest that bypasses the SDK and talks to the WIT directly, as
//! a guest in another language could. Args: huge | forged
//!
//! - `huge`: asks `recv` for 4 GiB on a socket holding a few bytes; the
//!   host must answer with what is there, not try to allocate 4 GiB.
//! - `forged`: calls a method on a socket handle it never received; the
//!   host must end this instance only (a trap), never the process.

mod raw {
    wit_bindgen::generate!({ path: "../../wit", world: "capsock:socket/imports" });
}

use raw::capsock::socket::sockets;

fn main() {
    let mode = std::env::args().nth(1).expect("mode");
    match mode.as_str() {
        "huge" => {
            let (a, b) = sockets::socketpair(capsock::AF_UNIX, capsock::SOCK_STREAM, 0).expect("socketpair");
            a.send(b"small", 0).expect("send");
            let got = b.recv(u32::MAX, 0).expect("recv");
            println!("got={}", String::from_utf8_lossy(&got));
        }
        "forged" => {
            // SAFETY: no memory of the guest's is at stake; the handle is
            // simply not one the host gave this instance (the attack).
            let forged = unsafe { sockets::Socket::from_handle(0x7fff_0001) };
            let n = forged.fileno();
            println!("unreachable: fileno={n}");
        }
        other => panic!("unknown mode {other}"),
    }
}
