//! A UDP peer whose port closes: after one exchange the native socket is
//! dropped, the guest sends again, and the ICMP port-unreachable that comes
//! back makes the next `recv` raise `ConnectionRefusedError`.
//! Args: HOST PORT
use capsock::{SOCK_DGRAM, socket};
use capsock_test_guests::{arg, family_of, report};

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);

    let s = socket(family_of(&host), SOCK_DGRAM, 0).unwrap();
    s.settimeout(Some(10.0)).unwrap();
    s.connect((host.as_str(), port)).unwrap();
    assert_eq!(s.send(b"ping").unwrap(), 4);
    assert_eq!(s.recv(100).unwrap(), b"pong");

    // The peer drops its socket right after answering; should a datagram
    // still reach it before it does, the recv times out and the guest tries
    // again (bounded).
    s.settimeout(Some(0.5)).unwrap();
    let mut attempts = 0;
    let err = loop {
        attempts += 1;
        assert!(attempts <= 20, "no ConnectionRefusedError after 20 sends");
        assert_eq!(s.send(b"again").unwrap(), 5);
        match s.recv(100) {
            Ok(d) => panic!("the closed peer answered {d:?}"),
            Err(e) if e.is_timeout() => continue,
            Err(e) => break e,
        }
    };
    report("attempts", attempts);
    report("refused_class", err.exception());
    report("refused_errno", err.errno().unwrap());
    report("refused_str", &err);
}
