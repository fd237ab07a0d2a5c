//! TLS done by the host (issue 13): guests on `capsock::ssl` against native
//! rustls peers on loopback, with certificates made here (rcgen): a test CA
//! the operator trusts (`RunOptions::tls`, as `--tls-ca`), server
//! certificates for `good.test` or `other.test` (answered by capsock's
//! `[hosts]` as 127.0.0.1).

use capsock_host::{RunOptions, TlsConfig};
use capsock_tests::pki::{Leaf, Pki, server_config, server_config_client_auth};
use capsock_tests::*;
use rustls::pki_types::ServerName;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// What the native TLS server does after the handshake.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Read a line, answer with `body`, close_notify, close.
    Serve(usize),
    /// Accept TCP and never speak TLS.
    Mute,
    /// Handshake, then send nothing.
    Silent,
    /// Handshake, then send half of one record and close the TCP stream.
    CutRecord,
}

fn body(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// A native rustls server for one connection; the handle gives the bytes
/// of application data it received.
fn native_server(leaf: &Leaf, how: Behaviour) -> (SocketAddr, thread::JoinHandle<usize>) {
    native_server_with(server_config(leaf), how)
}

fn native_server_with(cfg: Arc<rustls::ServerConfig>, how: Behaviour) -> (SocketAddr, thread::JoinHandle<usize>) {
    let l = listener("127.0.0.1");
    let addr = l.local_addr().unwrap();
    let h = thread::spawn(move || {
        let mut tcp = accept_within(&l, PEER_TIMEOUT).expect("the guest never connected");
        if let Behaviour::Mute = how {
            let mut sink = [0u8; 4096];
            while matches!(tcp.read(&mut sink), Ok(n) if n > 0) {}
            return 0;
        }
        let mut conn = rustls::ServerConnection::new(cfg).unwrap();
        while conn.is_handshaking() {
            if conn.complete_io(&mut tcp).is_err() {
                // A failed handshake: whatever the guest sent was never
                // decrypted as application data.
                return conn.reader().read(&mut [0u8; 1]).unwrap_or(0);
            }
        }
        match how {
            Behaviour::Serve(n) => {
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut line = String::new();
                let got = BufReader::new(&mut tls).read_line(&mut line).unwrap();
                tls.write_all(&body(n)).unwrap();
                tls.conn.send_close_notify();
                tls.flush().unwrap();
                got
            }
            Behaviour::Silent => {
                let mut sink = [0u8; 4096];
                while matches!(tcp.read(&mut sink), Ok(n) if n > 0) {}
                0
            }
            Behaviour::CutRecord => {
                conn.writer().write_all(&[b'x'; 100]).unwrap();
                let mut raw = Vec::new();
                conn.write_tls(&mut raw).unwrap();
                tcp.write_all(&raw[..raw.len() / 2]).unwrap();
                tcp.shutdown(std::net::Shutdown::Both).unwrap();
                0
            }
            Behaviour::Mute => unreachable!(),
        }
    });
    (addr, h)
}

/// The client guest connects to `good.test` (capsock's `[hosts]` answers
/// 127.0.0.1, so name rules match) and verifies `server_name`.
fn client_opts(mode: &str, port: u16, server_name: &str, rules: &[&str], tls: TlsConfig) -> RunOptions {
    let mut opts = RunOptions::new(policy(rules)).capture();
    opts.resolver.add_host("good.test", vec!["127.0.0.1".parse().unwrap()]);
    opts.tls = tls;
    for a in [mode, "good.test", &port.to_string(), server_name] {
        opts = opts.arg(a);
    }
    opts
}

#[test]
pub fn tls_client() {
    let pki = Pki::new();
    let good = pki.leaf("good.test");

    // 1. The operator's CA: the guest fetches 1 MiB, verified.
    let (addr, seen) = native_server(&good, Behaviour::Serve(1 << 20));
    let rule = format!("connect tcp://good.test:{}", addr.port());
    let r = run_ok_with("tls_client", client_opts("fetch_no_ca", addr.port(), "good.test", &[&rule], pki.operator()));
    assert_eq!(r.get("outcome"), "ok", "{}", r.text());
    assert_eq!(r.get("length"), (1 << 20).to_string());
    assert_eq!(r.get("sha256"), hex(&Sha256::digest(body(1 << 20))));
    assert_eq!(r.get("version"), "TLSv1.3");
    assert_eq!(r.get("cipher_version"), "TLSv1.3");
    assert_eq!(r.get("alpn"), "http/1.1");
    assert_eq!(r.get("peer_cn"), "good.test");
    assert_eq!(r.get("peer_san"), "DNS:good.test");
    assert_eq!(seen.join().unwrap(), 4, "the server read GET\\n");

    // Without the CA: SSLCertVerificationError, and the server saw no data.
    let (addr, seen) = native_server(&good, Behaviour::Serve(10));
    let rule = format!("connect tcp://good.test:{}", addr.port());
    let r =
        run_ok_with("tls_client", client_opts("fetch_no_ca", addr.port(), "good.test", &[&rule], TlsConfig::default()));
    assert_eq!(r.get("exception"), "SSLCertVerificationError", "{}", r.text());
    assert_eq!(r.get("verify_code"), "20");
    assert_eq!(r.get("verify_message"), "unable to get local issuer certificate");
    assert_eq!(
        r.get("str"),
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate"
    );
    assert_eq!(seen.join().unwrap(), 0, "no application data before verification");

    // The guest's own anchor (cadata) is honoured on a plain grant.
    let (addr, seen) = native_server(&good, Behaviour::Serve(1000));
    let rule = format!("connect tcp://good.test:{}", addr.port());
    let mut opts = client_opts("fetch", addr.port(), "good.test", &[&rule], TlsConfig::default());
    opts.env.push(("CA_PEM".into(), pki.ca_pem.clone()));
    let r = run_ok_with("tls_client", opts);
    assert_eq!(r.get("length"), "1000", "{}", r.text());
    seen.join().unwrap();

    // A server that requires a client certificate: the guest's own (PEM
    // from the guest) is presented and verified; without one, the server's
    // alert is an SSLError and no data passes.
    let client = pki.leaf("client.test");
    let (addr, seen) = native_server_with(server_config_client_auth(&good, &pki), Behaviour::Serve(3000));
    let rule = format!("connect tcp://good.test:{}", addr.port());
    let mut opts = client_opts("client_cert", addr.port(), "good.test", &[&rule], pki.operator());
    opts.env.push(("CERT_PEM".into(), client.cert_pem.clone()));
    opts.env.push(("KEY_PEM".into(), client.key_pem.clone()));
    let r = run_ok_with("tls_client", opts);
    assert_eq!(r.get("outcome"), "ok", "{}", r.text());
    assert_eq!(r.get("length"), "3000");
    assert_eq!(seen.join().unwrap(), 4);
    let (addr, seen) = native_server_with(server_config_client_auth(&good, &pki), Behaviour::Serve(3000));
    let rule = format!("connect tcp://good.test:{}", addr.port());
    let r = run_ok_with("tls_client", client_opts("fetch_no_ca", addr.port(), "good.test", &[&rule], pki.operator()));
    assert_eq!(seen.join().unwrap(), 0, "no application data without a client certificate");
    assert_eq!(r.get("exception"), "SSLError", "{}", r.text());
    assert!(r.get("str").contains("CERTIFICATEREQUIRED"), "{}", r.text());
}

#[test]
pub fn tls_rule() {
    let pki = Pki::new();
    let other = pki.leaf("other.test");
    let good = pki.leaf("good.test");

    // 2. A certificate for other.test under `connect tls://good.test`:
    // refused naming the rule, although the guest turned checking off.
    let (addr, seen) = native_server(&other, Behaviour::Serve(10));
    let rule = format!("connect tls://good.test:{}", addr.port());
    let r = run_ok_with("tls_client", client_opts("no_check", addr.port(), "good.test", &[&rule], pki.operator()));
    assert_eq!(r.get("exception"), "PermissionError", "{}", r.text());
    assert_eq!(r.get("rule"), rule);
    assert!(r.get("str").contains("certificate: Hostname mismatch"), "{}", r.text());
    assert_eq!(seen.join().unwrap(), 0);

    // The same rule with the right certificate: allowed, verified.
    let (addr, seen) = native_server(&good, Behaviour::Serve(5000));
    let rule = format!("connect tls://good.test:{}", addr.port());
    let r = run_ok_with("tls_client", client_opts("no_check", addr.port(), "good.test", &[&rule], pki.operator()));
    assert_eq!(r.get("outcome"), "ok", "{}", r.text());
    assert_eq!(r.get("length"), "5000");
    seen.join().unwrap();

    // Plaintext on a TLS-only connection is refused, naming the rule.
    let (addr, seen) = native_server(&good, Behaviour::Mute);
    let rule = format!("connect tls://good.test:{}", addr.port());
    let r = run_ok_with("tls_client", client_opts("plaintext", addr.port(), "good.test", &[&rule], pki.operator()));
    assert_eq!(r.get("exception"), "PermissionError", "{}", r.text());
    assert_eq!(r.get("rule"), rule);
    seen.join().unwrap();

    // A server name the rule does not match is refused before any TLS.
    let (addr, seen) = native_server(&good, Behaviour::Mute);
    let rule = format!("connect tls://good.test:{}", addr.port());
    let r = run_ok_with("tls_client", client_opts("fetch_no_ca", addr.port(), "bad.test", &[&rule], pki.operator()));
    assert_eq!(r.get("exception"), "PermissionError", "{}", r.text());
    assert_eq!(r.get("rule"), rule);
    assert!(r.get("str").contains(&format!("tls://bad.test:{}", addr.port())), "{}", r.text());
    seen.join().unwrap();
}

/// A native rustls client: connect, handshake with `alpn`, send `out`,
/// read `expect` bytes; returns (negotiated ALPN, SHA-256 of what it read).
fn native_client(pki: &Pki, port: u16, alpn: &[&str], out: &[u8], expect: usize) -> (String, String) {
    let cfg = pki.client_config(alpn);
    let tcp = connect_retry(SocketAddr::from(([127, 0, 0, 1], port)));
    let conn = rustls::ClientConnection::new(cfg, ServerName::try_from("good.test").unwrap()).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(out).unwrap();
    tls.flush().unwrap();
    let mut h = Sha256::new();
    let mut got = 0;
    let mut buf = vec![0u8; 65536];
    while got < expect {
        let n = tls.read(&mut buf).unwrap();
        assert!(n > 0, "EOF after {got}");
        got += n;
        h.update(&buf[..n]);
    }
    let alpn = tls.conn.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned()).unwrap_or_default();
    (alpn, hex(&h.finalize()))
}

fn connect_retry(addr: SocketAddr) -> TcpStream {
    for _ in 0..1500 {
        if let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            s.set_read_timeout(Some(PEER_TIMEOUT)).unwrap();
            s.set_write_timeout(Some(PEER_TIMEOUT)).unwrap();
            return s;
        }
        thread::sleep(Duration::from_millis(20));
    }
    panic!("the guest server at {addr} never listened")
}

fn server_opts(port: u16, mode: &[&str], leaf: &Leaf) -> RunOptions {
    let rule = format!("listen tcp://127.0.0.1:{port}");
    let mut opts = RunOptions::new(policy(&[&rule])).capture().arg(port.to_string());
    for m in mode {
        opts = opts.arg(*m);
    }
    opts.env.push(("CERT_PEM".into(), leaf.cert_pem.clone()));
    opts.env.push(("KEY_PEM".into(), leaf.key_pem.clone()));
    opts
}

#[test]
pub fn tls_server() {
    let pki = Arc::new(Pki::new());
    let good = pki.leaf("good.test");
    // 3. A guest TLS server, its certificate from the guest: 16 MiB each
    // way, ALPN as the client asks.
    let port = closed_port("127.0.0.1");
    let opts = server_opts(port, &["echo", "2"], &good);
    let guest = thread::spawn(move || run_ok_with("tls_server", opts));
    let mut out = vec![0u8; 16 << 20];
    Pattern::new(1).fill(&mut out);
    let mut back = vec![0u8; 16 << 20];
    Pattern::new(2).fill(&mut back);
    let (alpn0, sha0) = native_client(&pki, port, &["h2"], &out, 16 << 20);
    let (alpn1, sha1) = native_client(&pki, port, &["http/1.1"], &out, 16 << 20);
    let r = guest.join().unwrap();
    assert_eq!((alpn0.as_str(), alpn1.as_str()), ("h2", "http/1.1"));
    assert_eq!((r.get("alpn0"), r.get("alpn1")), ("h2", "http/1.1"));
    let want_in = hex(&Sha256::digest(&out));
    assert_eq!((r.get("sha_in0"), r.get("sha_in1")), (want_in.as_str(), want_in.as_str()));
    let want_back = hex(&Sha256::digest(&back));
    assert_eq!((sha0.as_str(), sha1.as_str()), (want_back.as_str(), want_back.as_str()));

    // Non-blocking: SSLWantReadError with nothing to read, SSLWantWriteError
    // once a peer that does not read has filled the socket.
    let port = closed_port("127.0.0.1");
    let opts = server_opts(port, &["nonblocking"], &good);
    let guest = thread::spawn(move || run_ok_with("tls_server", opts));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let p = pki.clone();
    let client = thread::spawn(move || {
        let cfg = p.client_config(&[]);
        let mut tcp = connect_retry(SocketAddr::from(([127, 0, 0, 1], port)));
        let mut conn = rustls::ClientConnection::new(cfg, ServerName::try_from("good.test").unwrap()).unwrap();
        while conn.is_handshaking() {
            conn.complete_io(&mut tcp).unwrap();
        }
        // Hold the connection without reading until the guest is done.
        let _ = done_rx.recv_timeout(PEER_TIMEOUT);
    });
    let r = guest.join().unwrap();
    done_tx.send(()).unwrap();
    client.join().unwrap();
    assert_eq!(r.get("read_nothing"), "SSLWantReadError", "{}", r.text());
    assert_eq!(r.get("send_full"), "SSLWantWriteError", "{}", r.text());
    assert_eq!(r.get("sent_before_full"), "true");
}

#[test]
pub fn tls_timeouts_and_eof() {
    let pki = Pki::new();
    let good = pki.leaf("good.test");
    let run_mode = |mode: &str, how: Behaviour| {
        let (addr, seen) = native_server(&good, how);
        let rule = format!("connect tcp://good.test:{}", addr.port());
        let r = run_ok_with("tls_client", client_opts(mode, addr.port(), "good.test", &[&rule], pki.operator()));
        let _ = seen.join();
        r
    };
    // 4. A peer that never answers the handshake: the socket's timeout.
    let r = run_mode("handshake_timeout", Behaviour::Mute);
    assert_eq!(r.get("exception"), "TimeoutError", "{}", r.text());
    // A silent peer after the handshake: the read times out.
    let r = run_mode("read_timeout", Behaviour::Silent);
    assert_eq!(r.get("exception"), "TimeoutError", "{}", r.text());
    // A peer that closes inside a record: SSLEOFError.
    let r = run_mode("eof", Behaviour::CutRecord);
    assert_eq!(r.get("exception"), "SSLEOFError", "{}", r.text());
    assert_eq!(r.get("str"), "EOF occurred in violation of protocol");
}

macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports, reason = "names the test, proving it exists")]
        use self::$name as _;
    };
}
capsock_tests::foreach_tls!(assert_test_exists);
