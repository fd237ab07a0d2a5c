//! Half-close both ways.
//! Args: HOST PORT — two connections to the native peer, in order:
//! 1. the guest sends `hello`, shuts down its write side, then reads the
//!    peer's answer (sent after the peer saw EOF) and EOF;
//! 2. the peer sends `bye` and shuts down its write side; the guest reads it
//!    and `b''`, then still sends `still here` and closes.
use capsock::{SHUT_WR, SOCK_STREAM, socket};
use capsock_test_guests::{arg, expect_err, family_of, report};

/// Read until EOF, in a bounded number of calls.
fn read_to_eof(s: &capsock::Socket) -> Vec<u8> {
    let mut all = Vec::new();
    for _ in 0..1000 {
        let chunk = s.recv(4096).unwrap();
        if chunk.is_empty() {
            return all;
        }
        all.extend_from_slice(&chunk);
    }
    panic!("no EOF after 1000 reads: {} bytes", all.len());
}

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);
    let family = family_of(&host);

    // 1. The guest half-closes.
    let s = socket(family, SOCK_STREAM, 0).unwrap();
    s.settimeout(Some(20.0)).unwrap();
    s.connect((host.as_str(), port)).unwrap();
    s.sendall(b"hello").unwrap();
    s.shutdown(SHUT_WR).unwrap();
    let e = expect_err(s.send(b"more"), "BrokenPipeError");
    report("send_after_shut_wr", e.errno().unwrap());
    let answer = read_to_eof(&s);
    report("answer", String::from_utf8_lossy(&answer));
    report("recv_after_eof", format!("{:?}", s.recv(10).unwrap()));
    s.close().unwrap();

    // 2. The peer half-closes.
    let s = socket(family, SOCK_STREAM, 0).unwrap();
    s.settimeout(Some(20.0)).unwrap();
    s.connect((host.as_str(), port)).unwrap();
    let said = read_to_eof(&s);
    report("peer_said", String::from_utf8_lossy(&said));
    report("recv_after_peer_eof", format!("{:?}", s.recv(10).unwrap()));
    s.sendall(b"still here").unwrap();
    s.close().unwrap();
}
