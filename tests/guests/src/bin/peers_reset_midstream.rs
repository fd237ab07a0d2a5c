//! A peer that resets the connection mid-transfer: the bytes it sent before
//! the RST are still read, then `recv` raises `ConnectionResetError`.
//! Args: HOST PORT N — the guest opens a data and then a control connection
//! to the native peer, waits on the control connection for `reset` (sent
//! after the peer's N bytes were acknowledged and the data connection was
//! reset), then reads the data connection.
use capsock::{SOCK_STREAM, socket};
use capsock_test_guests::{arg, expect_err, family_of, hex, report};
use sha2::{Digest, Sha256};

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);
    let n: usize = arg(2);
    let family = family_of(&host);

    let data = socket(family, SOCK_STREAM, 0).unwrap();
    data.settimeout(Some(20.0)).unwrap();
    data.connect((host.as_str(), port)).unwrap();
    data.sendall(b"data").unwrap();
    let control = socket(family, SOCK_STREAM, 0).unwrap();
    control.settimeout(Some(20.0)).unwrap();
    control.connect((host.as_str(), port)).unwrap();
    control.sendall(b"ctrl").unwrap();

    // The RST has been sent by the time the peer says so.
    let mut said = Vec::new();
    for _ in 0..100 {
        let chunk = control.recv(64).unwrap();
        if chunk.is_empty() {
            break;
        }
        said.extend_from_slice(&chunk);
        if said.ends_with(b"\n") {
            break;
        }
    }
    assert_eq!(said, b"reset\n");

    let mut hasher = Sha256::new();
    let mut got = 0usize;
    let mut recvs = 0usize;
    let err = loop {
        assert!(recvs < 100_000, "more recv calls than bytes sent: {got} bytes so far");
        recvs += 1;
        match data.recv(65536) {
            Ok(chunk) => {
                assert!(!chunk.is_empty(), "recv returned b'' (EOF) after {got} bytes, not a reset");
                got += chunk.len();
                assert!(got <= n, "{got} bytes read; the peer sent {n}");
                hasher.update(&chunk);
            }
            Err(e) => break e,
        }
    };
    report("recv_bytes", got);
    report("recv_sha", hex(&hasher.finalize()));
    report("reset_class", err.exception());
    report("reset_errno", err.errno().unwrap());
    report("reset_str", &err);
    // The error is reported once; the connection is gone after it.
    let after = expect_err(data.send(b"x"), "BrokenPipeError");
    report("send_after_errno", after.errno().unwrap());
    report("recv_after", format!("{:?}", data.recv(10).unwrap()));
}
