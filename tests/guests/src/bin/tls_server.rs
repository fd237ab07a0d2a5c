//! A TLS server whose certificate the guest gives (`CERT_PEM`, `KEY_PEM`
//! in the environment). Args: PORT MODE. Binds 127.0.0.1:PORT. Modes:
//! - `echo N`: N connections; each reads 16 MiB, reports its SHA-256 and
//!   the negotiated ALPN (`h2` offered before `http/1.1`), then sends 16
//!   MiB of `Pattern(2)` and closes;
//! - `nonblocking`: one connection; after the handshake, non-blocking: a
//!   read with nothing to read, then sends until the peer (which does not
//!   read) stops taking them.
use capsock::ssl::{PROTOCOL_TLS_SERVER, SSLContext};
use capsock::{AF_INET, SOCK_STREAM, socket};
use capsock_test_guests::{Pattern, arg, hex, report};
use sha2::{Digest, Sha256};

const BULK: usize = 16 << 20;

fn main() {
    let port: u16 = arg(0);
    let mode: String = arg(1);
    let mut ctx = SSLContext::new(PROTOCOL_TLS_SERVER).unwrap();
    let cert = std::env::var("CERT_PEM").unwrap();
    let key = std::env::var("KEY_PEM").unwrap();
    ctx.load_cert_chain(cert.as_bytes(), key.as_bytes()).unwrap();
    ctx.set_alpn_protocols(&["h2", "http/1.1"]).unwrap();
    let l = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    l.bind(("127.0.0.1", port)).unwrap();
    l.listen(8).unwrap();
    l.settimeout(Some(30.0)).unwrap();
    let rounds: usize = if mode == "echo" { arg(2) } else { 1 };
    for i in 0..rounds {
        let (conn, _) = l.accept().unwrap();
        conn.settimeout(Some(30.0)).unwrap();
        let tls = ctx.wrap_socket(conn, true, None).unwrap();
        report(&format!("alpn{i}"), tls.selected_alpn_protocol().unwrap_or_default());
        report(&format!("version{i}"), tls.version().unwrap_or_default());
        if mode == "nonblocking" {
            tls.setblocking(false).unwrap();
            let e = tls.recv(100).unwrap_err();
            report("read_nothing", e.exception());
            let chunk = vec![7u8; 65536];
            let mut sent = 0usize;
            let mut last = String::from("none");
            for _ in 0..20_000 {
                match tls.send(&chunk) {
                    Ok(n) => sent += n,
                    Err(e) => {
                        last = e.exception().to_string();
                        break;
                    }
                }
            }
            report("send_full", last);
            report("sent_before_full", sent > 0);
            tls.close().unwrap();
            continue;
        }
        let mut h = Sha256::new();
        let mut got = 0;
        while got < BULK {
            let d = tls.recv(65536).unwrap();
            assert!(!d.is_empty(), "EOF after {got} bytes");
            got += d.len();
            h.update(&d);
        }
        report(&format!("sha_in{i}"), hex(&h.finalize()));
        let mut p = Pattern::new(2);
        let mut buf = vec![0u8; 1 << 20];
        for _ in 0..(BULK >> 20) {
            p.fill(&mut buf);
            tls.sendall(&buf).unwrap();
        }
        tls.shutdown(capsock::SHUT_WR).unwrap();
        tls.close().unwrap();
    }
    report("done", rounds);
}
