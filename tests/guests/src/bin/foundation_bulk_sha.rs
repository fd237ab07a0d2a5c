//! 64 MiB each way: one `sendall` of the whole buffer to a native sink, then
//! the native side's stream back; both sides hash what they saw.
//! Args: HOST PORT MIB
use capsock::{SHUT_WR, SOCK_STREAM, socket};
use capsock_test_guests::{Pattern, arg, family_of, hex, report};
use sha2::{Digest, Sha256};

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);
    let mib: usize = arg(2);
    let mut payload = vec![0u8; mib << 20];
    Pattern::new(1).fill(&mut payload);
    report("sent_sha", hex(&Sha256::digest(&payload)));
    let s = socket(family_of(&host), SOCK_STREAM, 0).unwrap();
    s.connect((host.as_str(), port)).unwrap();
    s.sendall(&payload).unwrap();
    drop(payload);
    s.shutdown(SHUT_WR).unwrap();
    let mut hasher = Sha256::new();
    let mut received = 0usize;
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = s.recv_into(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        received += n;
    }
    report("recv_bytes", received);
    report("recv_sha", hex(&hasher.finalize()));
}
