//! A TLS client over the host's TLS (`capsock::ssl`).
//! Args: MODE HOST PORT SERVER_NAME; env `CA_PEM` is loaded as `cadata` in
//! mode `fetch`. Modes:
//! - `fetch`, `fetch_no_ca`: verify (chain and name), send `GET\n`, read to
//!   EOF; report the body's length and SHA-256, version, ALPN, the peer's
//!   commonName and cipher — or the exception;
//! - `no_check`: `check_hostname` off and `CERT_NONE`, then as `fetch`;
//! - `client_cert`: as `fetch_no_ca`, presenting the client certificate in
//!   `CERT_PEM`/`KEY_PEM`;
//! - `plaintext`: send plaintext on the connection;
//! - `handshake_timeout`: a 1 s timeout on a peer that never answers;
//! - `read_timeout`: handshake, then a 1 s read on a silent peer;
//! - `eof`: handshake, then read what a peer cut inside a record.
use capsock::ssl::{self, CERT_NONE, SSLSocket};
use capsock::{Error, create_connection};
use capsock_test_guests::{arg, hex, report};
use sha2::{Digest, Sha256};

fn outcome(e: &Error) {
    report("exception", e.exception());
    report("str", e);
    report("rule", e.rule().unwrap_or("-"));
    report("verify_code", e.verify_code().map_or("-".to_string(), |c| c.to_string()));
    report("verify_message", e.verify_message().unwrap_or("-"));
}

fn fetch(tls: &SSLSocket) {
    tls.sendall(b"GET\n").unwrap();
    let mut body = Vec::new();
    for _ in 0..100_000 {
        // TLS 1.3: a server's refusal of the client (no certificate) comes
        // after the client's handshake, at the first read.
        let chunk = match tls.recv(65536) {
            Ok(c) => c,
            Err(e) => return outcome(&e),
        };
        if chunk.is_empty() {
            break;
        }
        body.extend_from_slice(&chunk);
    }
    report("length", body.len());
    report("sha256", hex(&Sha256::digest(&body)));
    report("version", tls.version().unwrap_or_default());
    report("alpn", tls.selected_alpn_protocol().unwrap_or_default());
    let cert = tls.getpeercert().unwrap();
    let cn = cert.subject.iter().find(|(k, _)| k == "commonName").map(|(_, v)| v.clone()).unwrap_or_default();
    report("peer_cn", cn);
    report("peer_san", cert.subject_alt_name.iter().map(|(k, v)| format!("{k}:{v}")).collect::<Vec<_>>().join(","));
    report("cipher_version", tls.cipher().map(|c| c.1).unwrap_or_default());
}

fn main() {
    let mode: String = arg(0);
    let host: String = arg(1);
    let port: u16 = arg(2);
    let name: String = arg(3);
    let sock = create_connection((host.as_str(), port), Some(20.0), None).unwrap();
    let mut ctx = ssl::create_default_context().unwrap();
    ctx.set_alpn_protocols(&["http/1.1"]).unwrap();
    match mode.as_str() {
        "fetch" | "fetch_no_ca" | "no_check" | "client_cert" => {
            if mode == "client_cert" {
                let cert = std::env::var("CERT_PEM").unwrap();
                let key = std::env::var("KEY_PEM").unwrap();
                ctx.load_cert_chain(cert.as_bytes(), key.as_bytes()).unwrap();
            }
            if mode == "fetch"
                && let Ok(pem) = std::env::var("CA_PEM")
            {
                ctx.load_verify_locations(pem.as_bytes()).unwrap();
            }
            if mode == "no_check" {
                ctx.set_check_hostname(false);
                ctx.set_verify_mode(CERT_NONE);
            }
            match ctx.wrap_socket(sock, false, Some(&name)) {
                Ok(tls) => {
                    report("outcome", "ok");
                    fetch(&tls);
                }
                Err(e) => outcome(&e),
            }
        }
        "plaintext" => match sock.sendall(b"plain text") {
            Ok(()) => report("outcome", "sent"),
            Err(e) => outcome(&e),
        },
        "handshake_timeout" => {
            sock.settimeout(Some(1.0)).unwrap();
            match ctx.wrap_socket(sock, false, Some(&name)) {
                Ok(_) => report("outcome", "handshaken"),
                Err(e) => outcome(&e),
            }
        }
        "read_timeout" | "eof" => {
            if let Ok(pem) = std::env::var("CA_PEM") {
                ctx.load_verify_locations(pem.as_bytes()).unwrap();
            }
            let tls = ctx.wrap_socket(sock, false, Some(&name)).unwrap();
            tls.settimeout(Some(1.0)).unwrap();
            match tls.recv(100) {
                Ok(d) => report("outcome", format!("read {}", d.len())),
                Err(e) => outcome(&e),
            }
        }
        other => panic!("unknown mode {other}"),
    }
}
