//! A connected UDP socket after `shutdown(SHUT_RD)`: the OS reports it
//! readable for good yet has nothing to read. A 1 s timeout must fire as
//! TimeoutError without the host spinning. Args: PORT of a native UDP peer.
use capsock::{AF_INET, SHUT_RD, SOCK_DGRAM, socket};
use capsock_test_guests::{arg, report};

fn main() {
    let port: u16 = arg(0);
    let u = socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    u.connect(("127.0.0.1", port)).unwrap();
    u.shutdown(SHUT_RD).unwrap();
    u.settimeout(Some(1.0)).unwrap();
    let e = u.recv(16).unwrap_err();
    report("timed_out", e.exception());
}
