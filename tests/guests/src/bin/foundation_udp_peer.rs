//! Guest UDP with a native peer, both directions.
//! Args: send-first HOST PORT ROUNDS — the guest sends, the native peer replies.
//!       recv-first HOST PORT ROUNDS — the guest binds, announces itself, and
//!       answers datagrams the native peer starts.
use capsock::{SOCK_DGRAM, socket};
use capsock_test_guests::{arg, family_of, report};

fn main() {
    let mode: String = arg(0);
    let host: String = arg(1);
    let port: u16 = arg(2);
    let rounds: usize = arg(3);
    let s = socket(family_of(&host), SOCK_DGRAM, 0).unwrap();
    s.settimeout(Some(10.0)).unwrap();
    match mode.as_str() {
        "send-first" => {
            for i in 0..rounds {
                let n = s.sendto(format!("ping {i}").as_bytes(), (host.as_str(), port)).unwrap();
                assert_eq!(n, format!("ping {i}").len());
                let (data, from) = s.recvfrom(1500).unwrap();
                assert_eq!(data, format!("pong {i}").as_bytes());
                assert_eq!(from.port(), Some(port), "reply from {from}");
            }
        }
        "recv-first" => {
            s.bind((host.as_str(), 0)).unwrap();
            s.sendto(b"ready", (host.as_str(), port)).unwrap();
            for i in 0..rounds {
                let (data, from) = s.recvfrom(1500).unwrap();
                assert_eq!(data, format!("ask {i}").as_bytes());
                s.sendto(format!("answer {i}").as_bytes(), &from).unwrap();
            }
        }
        other => panic!("unknown mode {other}"),
    }
    report("rounds", rounds);
    report("laddr", s.getsockname().unwrap());
}
