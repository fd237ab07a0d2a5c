//! `capsock:socket/tls`: TLS done by the host over a guest's socket.
//!
//! rustls (with the *ring* provider: pure Rust and assembly, no C toolchain
//! beyond what `cc` finds, and the provider rustls tests most) runs on the
//! socket's own readiness loop ([`io_op`]): no thread or task per session.
//! The guest gives plaintext and gets plaintext; records, keys and
//! certificates stay in the host.
//!
//! Trust: a client verifies against Mozilla's roots (`webpki-roots`,
//! compiled in, so a verdict does not depend on the machine's store) plus
//! the operator's ([`TlsConfig`]: `--tls-ca`, `[tls] ca_files`), plus, for
//! a connection not under a `tls` rule, anchors the guest passes.
//!
//! Under a `connect tls://NAME:PORT` rule ([`Core::tls_only`]) the host
//! decides, not the guest: the server name must be one the rule matches,
//! verification is always full (chain and name, the guest's
//! `CERT_NONE`/`check_hostname` are ignored), only host roots count, a
//! failed verification is a `PermissionError` naming the rule, and
//! plaintext sent on the socket is refused ([`refuse_plaintext`]).
//!
//! # Limits
//! - One `recv` returns at most [`MAX_PLAINTEXT_READ`] bytes (a short read,
//!   as `SSLSocket.recv` may give).
//! - Ciphertext waiting to be sent is at most what rustls buffers for one
//!   write of at most [`MAX_PLAINTEXT_WRITE`] bytes; a `send` takes at most
//!   that much.
//! - PEM given by the guest: at most [`MAX_PEM`] bytes per field.
//! - Handshakes count as the connection they run on (`max_connections`,
//!   `max_connects_per_second` at connect); a peer that never finishes one is
//!   bounded by the socket's timeout.

use crate::bindings::capsock::socket::tls::{ClientOptions, Host, HostTlsSocket, PeerCertificate, ServerOptions};
use crate::ctx::{CapsockCtx, CapsockCtxView};
use crate::error::{Kind, SockError};
use crate::net::{Core, SocketHandle, Wait, io_op};
use crate::sockets::timeout_from;
use capsock_abi::errno;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};
use std::io::{self, Read, Write};
use std::sync::Arc;
use tokio::io::Interest;
use wasmtime::component::Resource;

type SockResult<T> = Result<T, SockError>;

/// Most plaintext one `recv` returns.
pub const MAX_PLAINTEXT_READ: usize = 64 << 10;
/// Most plaintext one `send` (or one step of `sendall`) takes.
pub const MAX_PLAINTEXT_WRITE: usize = 64 << 10;
/// Most bytes of one PEM field from the guest.
pub const MAX_PEM: usize = 1 << 20;

/// The operator's TLS settings for a sandbox: roots added to Mozilla's
/// for every client session, and whether plaintext to public addresses is
/// refused.
#[derive(Clone, Debug, Default)]
pub struct TlsConfig {
    roots: Vec<CertificateDer<'static>>,
    require: bool,
}

/// Why a connection may carry only TLS.
#[derive(Clone, Debug)]
pub enum TlsOnly {
    /// Granted by this `connect tls://` rule alone: verified for its name.
    Rule(capsock_policy::Rule),
    /// `[tls] require = true` (`--tls-only`) and the peer is a public address.
    Required,
}

impl TlsOnly {
    fn reason(&self) -> &str {
        match self {
            TlsOnly::Rule(r) => r.text(),
            TlsOnly::Required => "[tls] require = true",
        }
    }

    fn rule(&self) -> Option<&capsock_policy::Rule> {
        match self {
            TlsOnly::Rule(r) => Some(r),
            TlsOnly::Required => None,
        }
    }
}

impl TlsConfig {
    /// Refuse plaintext sends on TCP connections to public addresses
    /// (`[tls] require = true`, `--tls-only`): only TLS sessions may use
    /// them.
    pub fn require_tls(&mut self, on: bool) -> &mut Self {
        self.require = on;
        self
    }

    /// Whether a TCP connection to `addr` may carry only TLS under
    /// [`require_tls`](Self::require_tls): it is on and `addr` is public
    /// (the policy's `public` range).
    pub fn requires(&self, addr: std::net::SocketAddr) -> bool {
        if !self.require {
            return false;
        }
        crate::mediate::is_public(addr)
    }

    /// Add the certificates of a PEM bundle as trust anchors; returns how
    /// many.
    ///
    /// # Errors
    /// When the text holds no certificate, or one does not parse.
    pub fn add_ca_pem(&mut self, pem: &[u8]) -> Result<usize, String> {
        let certs = parse_certs(pem).map_err(|e| format!("not a PEM certificate bundle: {e}"))?;
        if certs.is_empty() {
            return Err("no certificate in the PEM text".into());
        }
        let n = certs.len();
        self.roots.extend(certs);
        Ok(n)
    }
}

/// A plaintext send on a connection that may carry only TLS is refused,
/// naming the `tls` rule.
///
/// # Errors
/// `PermissionError` when `core` is such a connection.
pub(crate) fn refuse_plaintext(core: &Core) -> SockResult<()> {
    match &core.tls_only {
        Some(why) => Err(SockError::denied("plaintext on a TLS-only connection", why.reason())),
        None => Ok(()),
    }
}

/// A TLS session: the socket's fileno (its `Core` stays in the instance's
/// table, so limits, counting and close-on-drop are as for any socket) and
/// the session state.
pub struct TlsHandle {
    fd: i32,
    state: Box<Session>,
}

struct Session {
    conn: rustls::Connection,
    /// Ciphertext rustls produced that the socket has not taken yet.
    out: Vec<u8>,
    /// The buffer ciphertext is read into (kept: one allocation a session).
    inbuf: Vec<u8>,
    records: Records,
    /// The transport reached EOF.
    eof: bool,
    /// The name verified (client), for audit and messages.
    target: String,
    /// The `tls` rule the connection is under, if any.
    rule: Option<capsock_policy::Rule>,
    audited: bool,
}

/// Where the incoming ciphertext is in its record framing: an EOF inside a
/// record is `SSLEOFError`, one between records a closed session.
#[derive(Default)]
struct Records {
    header: [u8; 5],
    have: usize,
    remaining: usize,
}

impl Records {
    fn feed(&mut self, mut b: &[u8]) {
        while !b.is_empty() {
            if self.remaining > 0 {
                let k = self.remaining.min(b.len());
                self.remaining -= k;
                b = &b[k..];
                continue;
            }
            let k = (5 - self.have).min(b.len());
            self.header[self.have..self.have + k].copy_from_slice(&b[..k]);
            self.have += k;
            b = &b[k..];
            if self.have == 5 {
                self.remaining = usize::from(u16::from_be_bytes([self.header[3], self.header[4]]));
                self.have = 0;
            }
        }
    }

    fn inside(&self) -> bool {
        self.have > 0 || self.remaining > 0
    }
}

fn want_read() -> SockError {
    SockError::ssl(Kind::SslWantRead, 2, "", "The operation did not complete (read)")
}

fn want_write() -> SockError {
    SockError::ssl(Kind::SslWantWrite, 3, "", "The operation did not complete (write)")
}

fn eof_error() -> SockError {
    SockError::ssl(Kind::SslEof, 8, "UNEXPECTED_EOF_WHILE_READING", "EOF occurred in violation of protocol")
}

fn ssl_error(reason: &str, message: impl Into<String>) -> SockError {
    SockError::ssl(Kind::Ssl, 1, reason, message)
}

/// OpenSSL's verify code and message for a rustls certificate error.
fn verify_code(e: &CertificateError, name: &str) -> (i32, String) {
    match e {
        CertificateError::UnknownIssuer => (20, "unable to get local issuer certificate".into()),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            (62, format!("Hostname mismatch, certificate is not valid for '{name}'."))
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => (10, "certificate has expired".into()),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            (9, "certificate is not yet valid".into())
        }
        CertificateError::BadSignature => (7, "certificate signature failure".into()),
        CertificateError::Revoked => (23, "certificate revoked".into()),
        CertificateError::BadEncoding => (4, "unable to decode issuer public key".into()),
        other => (1, format!("{other:?}")),
    }
}

/// A rustls error as Python's `ssl` error; under a `tls` rule a failed
/// verification is a denial naming the rule.
fn tls_error(e: &rustls::Error, s: &Session) -> SockError {
    match e {
        rustls::Error::InvalidCertificate(c) => {
            let name = s.target.split_once("://").map_or(s.target.as_str(), |(_, r)| r);
            let host = name.rsplit_once(':').map_or(name, |(h, _)| h);
            let (code, msg) = verify_code(c, host);
            if let Some(rule) = &s.rule {
                return SockError::denied(format!("{} (certificate: {msg})", s.target), rule.text());
            }
            SockError::ssl(
                Kind::SslCertVerification,
                code,
                "CERTIFICATE_VERIFY_FAILED",
                format!("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {msg}"),
            )
        }
        rustls::Error::AlertReceived(a) => {
            let name = format!("{a:?}").to_ascii_uppercase();
            ssl_error(&format!("TLSV1_ALERT_{name}"), format!("[SSL: TLSV1_ALERT_{name}] tlsv1 alert {a:?}"))
        }
        other => ssl_error("SSL", format!("[SSL] {other}")),
    }
}

/// Send what rustls has to send; `Err(want_write)` when a non-blocking
/// socket is full (what is left stays queued).
async fn flush(ctx: &mut CapsockCtx, fd: i32, s: &mut Session, wait: Wait) -> SockResult<()> {
    loop {
        if s.out.is_empty() {
            if !s.conn.wants_write() {
                return Ok(());
            }
            s.conn.write_tls(&mut s.out).map_err(SockError::from)?;
            continue;
        }
        let n = ctx.send_budget(s.out.len())?;
        let core = ctx.get(fd)?;
        let out = &s.out[..n];
        let sent =
            match io_op(core, Interest::WRITABLE, wait, |sock| sock.send_with_flags(out, libc::MSG_NOSIGNAL)).await {
                Ok(k) => k,
                Err(e) if e.errno() == Some(errno::EAGAIN) => return Err(want_write()),
                Err(e) => return Err(e),
            };
        ctx.meter.add_sent(sent);
        s.out.drain(..sent);
    }
}

/// Read ciphertext once and let rustls process it.
async fn fill(ctx: &mut CapsockCtx, fd: i32, s: &mut Session, wait: Wait) -> SockResult<()> {
    let cap = ctx.recv_budget(18 << 10)?;
    let mut buf = std::mem::take(&mut s.inbuf);
    buf.clear();
    buf.reserve(cap);
    let core = ctx.get(fd)?;
    let spare = &mut buf.spare_capacity_mut()[..cap];
    let got = io_op(core, Interest::READABLE, wait, |sock| sock.recv(spare)).await;
    let n = match got {
        Ok(n) => n.min(cap),
        Err(e) => {
            s.inbuf = buf;
            return Err(if e.errno() == Some(errno::EAGAIN) { want_read() } else { e });
        }
    };
    // SAFETY: recv(2) initialised the first `n` bytes of the spare capacity.
    unsafe { buf.set_len(n) };
    ctx.meter.add_received(buf.len());
    if buf.is_empty() {
        s.eof = true;
        let _ = s.conn.read_tls(&mut io::empty());
    }
    s.records.feed(&buf);
    let mut rd: &[u8] = &buf;
    let mut result = Ok(());
    while !rd.is_empty() && result.is_ok() {
        result = s.conn.read_tls(&mut rd).map_err(SockError::from).and_then(|_| process(s));
    }
    s.inbuf = buf;
    result?;
    process(s)
}

fn process(s: &mut Session) -> SockResult<()> {
    match s.conn.process_new_packets() {
        Ok(_) => Ok(()),
        Err(e) => Err(tls_error(&e, s)),
    }
}

/// Drive the handshake to its end (or to the point a non-blocking socket
/// must wait), then audit it once.
async fn handshake(ctx: &mut CapsockCtx, fd: i32, s: &mut Session, wait: Wait) -> SockResult<()> {
    let result = async {
        loop {
            flush(ctx, fd, s, wait).await?;
            if !s.conn.is_handshaking() {
                return Ok(());
            }
            if s.eof {
                return Err(eof_error());
            }
            fill(ctx, fd, s, wait).await?;
        }
    }
    .await;
    match &result {
        Ok(()) if !s.audited => {
            s.audited = true;
            let version = version_name(&s.conn).unwrap_or("?");
            let alpn = s.conn.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned());
            let detail = format!("{version}{}", alpn.map(|p| format!(" alpn={p}")).unwrap_or_default());
            ctx.mediator.tls_handshake(&s.target, true, &detail);
        }
        Err(e) if !s.audited && !matches!(e.kind(), Some(Kind::SslWantRead | Kind::SslWantWrite)) => {
            s.audited = true;
            // Best effort: the alert rustls queued for the peer.
            let _ = flush(ctx, fd, s, Wait::NonBlocking).await;
            let why = match e {
                SockError::Guest(g) => g.message.clone(),
                SockError::Trap(t) => t.to_string(),
            };
            ctx.mediator.tls_handshake(&s.target, false, &why);
        }
        _ => {}
    }
    result
}

fn version_name(conn: &rustls::Connection) -> Option<&'static str> {
    conn.protocol_version().map(|v| match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3",
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2",
        _ => "TLS",
    })
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn pem_field<'a>(b: &'a [u8], what: &str) -> SockResult<&'a [u8]> {
    if b.len() > MAX_PEM {
        return Err(SockError::value(format!("{what}: more than {MAX_PEM} bytes of PEM")));
    }
    Ok(b)
}

fn parse_certs(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    CertificateDer::pem_slice_iter(pem).collect::<Result<Vec<_>, _>>().map_err(|e| format!("{e:?}"))
}

fn certs(pem: &[u8], what: &str) -> SockResult<Vec<CertificateDer<'static>>> {
    let v =
        parse_certs(pem_field(pem, what)?).map_err(|e| ssl_error("PEM_LIB", format!("[SSL: PEM_LIB] {what}: {e}")))?;
    if v.is_empty() {
        return Err(ssl_error("NO_CERTIFICATE", format!("[SSL: NO_CERTIFICATE] {what}: no certificate")));
    }
    Ok(v)
}

fn key(pem: &[u8]) -> SockResult<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_slice(pem_field(pem, "key")?)
        .map_err(|e| ssl_error("PEM_LIB", format!("[SSL: PEM_LIB] the private key: {e:?}")))
}

/// How a client verifies: everything, the chain only (`check_hostname`
/// off), or nothing (`CERT_NONE`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Checks {
    Full,
    ChainOnly,
    Nothing,
}

#[derive(Debug)]
struct Verifier {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    checks: Checks,
    schemes: Vec<SignatureScheme>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match (self.checks, self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)) {
            (Checks::Nothing, _) => Ok(ServerCertVerified::assertion()),
            (
                Checks::ChainOnly,
                Err(rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
                )),
            ) => Ok(ServerCertVerified::assertion()),
            (_, r) => r,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}

fn alpn(list: &[String]) -> SockResult<Vec<Vec<u8>>> {
    list.iter()
        .map(|p| {
            if p.is_empty() || p.len() > 255 {
                Err(SockError::value("an ALPN protocol is 1 to 255 bytes"))
            } else {
                Ok(p.as_bytes().to_vec())
            }
        })
        .collect()
}

fn client_session(
    ctx: &CapsockCtx,
    core: &Core,
    o: &ClientOptions,
) -> SockResult<(rustls::Connection, String, Option<capsock_policy::Rule>)> {
    let peer =
        core.sock().peer_addr().ok().and_then(|a| a.as_socket()).ok_or_else(|| SockError::os(errno::ENOTCONN))?;
    let rule = core.tls_only.as_ref().and_then(TlsOnly::rule).cloned();
    if let Some(rule) = &rule {
        ctx.mediator.tls_name(rule, o.server_hostname.as_deref(), peer)?;
    }
    let checks = match (&rule, o.verify_mode, o.check_hostname) {
        (Some(_), _, _) => Checks::Full,
        (None, 0, _) => Checks::Nothing,
        (None, _, false) => Checks::ChainOnly,
        (None, _, true) => Checks::Full,
    };
    if checks == Checks::Full && o.server_hostname.is_none() {
        return Err(SockError::value("check_hostname requires server_hostname"));
    }
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    roots.add_parsable_certificates(ctx.tls.roots.iter().cloned());
    // The guest's own anchors count only where the guest decides.
    if rule.is_none() && !o.cadata.is_empty() {
        roots.add_parsable_certificates(certs(&o.cadata, "cadata")?);
    }
    let provider = provider();
    let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| ssl_error("SSL", format!("[SSL] {e}")))?;
    let schemes = inner.supported_verify_schemes();
    let verifier = Arc::new(Verifier { inner, checks, schemes });
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ssl_error("SSL", format!("[SSL] {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = if o.cert_chain.is_empty() {
        builder.with_no_client_auth()
    } else {
        builder
            .with_client_auth_cert(certs(&o.cert_chain, "certfile")?, key(&o.key)?)
            .map_err(|e| ssl_error("SSL", format!("[SSL] {e}")))?
    };
    config.alpn_protocols = alpn(&o.alpn_protocols)?;
    let name = match &o.server_hostname {
        Some(n) => {
            ServerName::try_from(n.clone()).map_err(|_| SockError::value(format!("invalid server_hostname {n:?}")))?
        }
        None => ServerName::IpAddress(peer.ip().into()),
    };
    let target =
        format!("tls://{}:{}", o.server_hostname.clone().unwrap_or_else(|| peer.ip().to_string()), peer.port());
    let conn =
        rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| ssl_error("SSL", format!("[SSL] {e}")))?;
    Ok((conn.into(), target, rule))
}

fn server_session(core: &Core, o: &ServerOptions) -> SockResult<(rustls::Connection, String)> {
    let provider = provider();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ssl_error("SSL", format!("[SSL] {e}")))?;
    let builder = if o.verify_mode == 0 {
        builder.with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(certs(&o.cadata, "cadata")?);
        let v = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
        let v = if o.verify_mode == 1 { v.allow_unauthenticated() } else { v };
        builder.with_client_cert_verifier(v.build().map_err(|e| ssl_error("SSL", format!("[SSL] {e}")))?)
    };
    let mut config = builder
        .with_single_cert(certs(&o.cert_chain, "certfile")?, key(&o.key)?)
        .map_err(|e| ssl_error("SSL", format!("[SSL] {e}")))?;
    config.alpn_protocols = alpn(&o.alpn_protocols)?;
    let local = core.sock().local_addr().ok().and_then(|a| a.as_socket());
    let target = format!("tls-server://{}", local.map(|a| a.to_string()).unwrap_or_default());
    let conn = rustls::ServerConnection::new(Arc::new(config)).map_err(|e| ssl_error("SSL", format!("[SSL] {e}")))?;
    Ok((conn.into(), target))
}

impl CapsockCtxView<'_> {
    /// The session and its socket's fileno.
    fn session(&mut self, h: &Resource<TlsHandle>) -> SockResult<(&mut CapsockCtx, i32, &mut Session)> {
        let handle = self.table.get_mut(h)?;
        if handle.fd < 0 {
            return Err(SockError::os(errno::EBADF));
        }
        Ok((&mut *self.ctx, handle.fd, &mut handle.state))
    }

    async fn wrap(
        &mut self,
        sock: Resource<SocketHandle>,
        session: SockResult<(rustls::Connection, String, Option<capsock_policy::Rule>)>,
    ) -> SockResult<Resource<TlsHandle>> {
        let (conn, target, rule) = session?;
        let handle = self.table.delete(sock)?;
        let fd = handle.fd;
        let state = Box::new(Session {
            conn,
            out: Vec::new(),
            inbuf: Vec::new(),
            records: Records::default(),
            eof: false,
            target,
            rule,
            audited: false,
        });
        let h = self.table.push(TlsHandle { fd, state })?;
        // CPython's do_handshake_on_connect: now, unless non-blocking.
        let (ctx, fd, s) = self.session(&h)?;
        let core = ctx.get(fd)?;
        if !core.nonblocking() {
            let wait = core.wait(Interest::READABLE, false);
            handshake(ctx, fd, s, wait).await?;
        }
        Ok(h)
    }
}

fn check_stream(core: &Core) -> SockResult<()> {
    if core.ty != libc::SOCK_STREAM {
        return Err(SockError::os(errno::ENOTSUP));
    }
    if core.sock().peer_addr().is_err() {
        return Err(SockError::os(errno::ENOTCONN));
    }
    Ok(())
}

impl Host for CapsockCtxView<'_> {
    async fn wrap_client(
        &mut self,
        sock: Resource<SocketHandle>,
        options: ClientOptions,
    ) -> SockResult<Resource<TlsHandle>> {
        let fd = self.table.get(&sock)?.fd;
        let core = self.ctx.get(fd)?;
        check_stream(core)?;
        let session = client_session(self.ctx, core, &options);
        self.wrap(sock, session).await
    }

    async fn wrap_server(
        &mut self,
        sock: Resource<SocketHandle>,
        options: ServerOptions,
    ) -> SockResult<Resource<TlsHandle>> {
        let fd = self.table.get(&sock)?.fd;
        let core = self.ctx.get(fd)?;
        check_stream(core)?;
        let session = server_session(core, &options).map(|(c, t)| (c, t, None));
        self.wrap(sock, session).await
    }
}

impl HostTlsSocket for CapsockCtxView<'_> {
    async fn do_handshake(&mut self, h: Resource<TlsHandle>) -> SockResult<()> {
        let (ctx, fd, s) = self.session(&h)?;
        let wait = ctx.get(fd)?.wait(Interest::READABLE, false);
        handshake(ctx, fd, s, wait).await
    }

    async fn send(&mut self, h: Resource<TlsHandle>, data: Vec<u8>) -> SockResult<u32> {
        let (ctx, fd, s) = self.session(&h)?;
        let wait = ctx.get(fd)?.wait(Interest::WRITABLE, false);
        handshake(ctx, fd, s, wait).await?;
        // What rustls queued before goes first.
        flush(ctx, fd, s, wait).await?;
        let take = data.len().min(MAX_PLAINTEXT_WRITE);
        let n = s.conn.writer().write(&data[..take]).map_err(SockError::from)?;
        match flush(ctx, fd, s, wait).await {
            // Taken and encrypted: the rest goes out with the next call.
            Err(e) if e.kind() == Some(Kind::SslWantWrite) && n > 0 => {}
            r => r?,
        }
        Ok(n as u32)
    }

    async fn sendall(&mut self, h: Resource<TlsHandle>, data: Vec<u8>) -> SockResult<()> {
        let (ctx, fd, s) = self.session(&h)?;
        let wait = ctx.get(fd)?.wait(Interest::WRITABLE, false);
        handshake(ctx, fd, s, wait).await?;
        let mut at = 0;
        while at < data.len() {
            flush(ctx, fd, s, wait).await?;
            let end = (at + MAX_PLAINTEXT_WRITE).min(data.len());
            at += s.conn.writer().write(&data[at..end]).map_err(SockError::from)?;
        }
        flush(ctx, fd, s, wait).await
    }

    async fn recv(&mut self, h: Resource<TlsHandle>, bufsize: u32) -> SockResult<Vec<u8>> {
        let (ctx, fd, s) = self.session(&h)?;
        let wait = ctx.get(fd)?.wait(Interest::READABLE, false);
        handshake(ctx, fd, s, wait).await?;
        let want = (bufsize as usize).min(MAX_PLAINTEXT_READ);
        if want == 0 {
            return Ok(Vec::new());
        }
        loop {
            // Zero only what is there to read (at least one byte, which is
            // enough to learn of close_notify or EOF).
            let ready = match s.conn.process_new_packets() {
                Ok(state) => state.plaintext_bytes_to_read(),
                Err(e) => return Err(tls_error(&e, s)),
            };
            let mut buf = vec![0u8; want.min(ready.max(1))];
            match s.conn.reader().read(&mut buf) {
                // close_notify received: a closed session reads as b''.
                Ok(0) => return Ok(Vec::new()),
                Ok(n) => {
                    buf.truncate(n);
                    return Ok(buf);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // The transport ended without close_notify: inside a record
                // it is a truncation (SSLEOFError); between records CPython's
                // default (suppress_ragged_eofs) reads it as b''.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return if s.records.inside() { Err(eof_error()) } else { Ok(Vec::new()) };
                }
                Err(e) => return Err(e.into()),
            }
            if s.eof {
                return if s.records.inside() { Err(eof_error()) } else { Ok(Vec::new()) };
            }
            fill(ctx, fd, s, wait).await?;
        }
    }

    async fn pending(&mut self, h: Resource<TlsHandle>) -> wasmtime::Result<u32> {
        let Ok((_, _, s)) = self.session(&h) else { return Ok(0) };
        let n = s.conn.process_new_packets().map(|st| st.plaintext_bytes_to_read()).unwrap_or(0);
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn settimeout(&mut self, h: Resource<TlsHandle>, value: Option<f64>) -> SockResult<()> {
        let t = timeout_from(value)?;
        let (ctx, fd, _) = self.session(&h)?;
        ctx.get_mut(fd)?.timeout = t;
        Ok(())
    }

    async fn gettimeout(&mut self, h: Resource<TlsHandle>) -> wasmtime::Result<Option<f64>> {
        let Ok((ctx, fd, _)) = self.session(&h) else { return Ok(None) };
        Ok(ctx.get(fd).ok().and_then(|c| c.timeout).map(|d| d.as_secs_f64()))
    }

    async fn setblocking(&mut self, h: Resource<TlsHandle>, flag: bool) -> SockResult<()> {
        let (ctx, fd, _) = self.session(&h)?;
        ctx.get_mut(fd)?.timeout = if flag { None } else { Some(std::time::Duration::ZERO) };
        Ok(())
    }

    async fn getpeername(
        &mut self,
        h: Resource<TlsHandle>,
    ) -> SockResult<crate::bindings::capsock::socket::types::Address> {
        let (ctx, fd, _) = self.session(&h)?;
        let a = ctx.get(fd)?.sock().peer_addr()?;
        crate::addr::from_sockaddr(&a).ok_or_else(|| SockError::os(errno::ENOTCONN))
    }

    async fn getsockname(
        &mut self,
        h: Resource<TlsHandle>,
    ) -> SockResult<crate::bindings::capsock::socket::types::Address> {
        let (ctx, fd, _) = self.session(&h)?;
        let a = ctx.get(fd)?.sock().local_addr()?;
        crate::addr::from_sockaddr(&a).ok_or_else(|| SockError::os(errno::EINVAL))
    }

    async fn fileno(&mut self, h: Resource<TlsHandle>) -> wasmtime::Result<i32> {
        Ok(self.table.get(&h)?.fd)
    }

    async fn version(&mut self, h: Resource<TlsHandle>) -> wasmtime::Result<Option<String>> {
        let Ok((_, _, s)) = self.session(&h) else { return Ok(None) };
        if s.conn.is_handshaking() {
            return Ok(None);
        }
        Ok(version_name(&s.conn).map(str::to_string))
    }

    async fn cipher(&mut self, h: Resource<TlsHandle>) -> wasmtime::Result<Option<(String, String, u32)>> {
        let Ok((_, _, s)) = self.session(&h) else { return Ok(None) };
        let (Some(suite), Some(version)) = (s.conn.negotiated_cipher_suite(), version_name(&s.conn)) else {
            return Ok(None);
        };
        let name = suite.suite().as_str().unwrap_or("UNKNOWN").trim_start_matches("TLS13_").to_string();
        let bits = if name.contains("AES_128") { 128 } else { 256 };
        let name = if version == "TLSv1.3" { format!("TLS_{name}") } else { name };
        Ok(Some((name, version.to_string(), bits)))
    }

    async fn selected_alpn_protocol(&mut self, h: Resource<TlsHandle>) -> wasmtime::Result<Option<String>> {
        let Ok((_, _, s)) = self.session(&h) else { return Ok(None) };
        Ok(s.conn.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned()))
    }

    async fn getpeercert(&mut self, h: Resource<TlsHandle>) -> wasmtime::Result<Option<PeerCertificate>> {
        let Ok((_, _, s)) = self.session(&h) else { return Ok(None) };
        Ok(s.conn.peer_certificates().and_then(|c| c.first()).map(|der| crate::tls_cert::describe(der.as_ref())))
    }

    async fn unwrap(&mut self, h: Resource<TlsHandle>) -> SockResult<Resource<SocketHandle>> {
        let (ctx, fd, s) = self.session(&h)?;
        let wait = ctx.get(fd)?.wait(Interest::WRITABLE, false);
        s.conn.send_close_notify();
        flush(ctx, fd, s, wait).await?;
        let handle = self.table.delete(h)?;
        let core = self.ctx.get(handle.fd)?;
        Ok(self.table.push(SocketHandle::for_core(handle.fd, core))?)
    }

    async fn shutdown(&mut self, h: Resource<TlsHandle>, how: i32) -> SockResult<()> {
        let (ctx, fd, s) = self.session(&h)?;
        if how != libc::SHUT_RD {
            let wait = ctx.get(fd)?.wait(Interest::WRITABLE, false);
            s.conn.send_close_notify();
            flush(ctx, fd, s, wait).await?;
        }
        let how = match how {
            libc::SHUT_RD => std::net::Shutdown::Read,
            libc::SHUT_WR => std::net::Shutdown::Write,
            libc::SHUT_RDWR => std::net::Shutdown::Both,
            _ => return Err(SockError::os(errno::EINVAL)),
        };
        ctx.get(fd)?.sock().shutdown(how)?;
        Ok(())
    }

    async fn close(&mut self, h: Resource<TlsHandle>) -> SockResult<()> {
        let handle = self.table.get_mut(&h)?;
        let fd = std::mem::replace(&mut handle.fd, -1);
        if fd >= 0 {
            self.ctx.remove(fd);
        }
        Ok(())
    }

    async fn drop(&mut self, h: Resource<TlsHandle>) -> wasmtime::Result<()> {
        let handle = self.table.delete(h)?;
        if handle.fd >= 0 {
            self.ctx.remove(handle.fd);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn require_marks_only_public_peers() {
        let mut t = TlsConfig::default();
        let at = |s: &str| s.parse::<std::net::SocketAddr>().unwrap();
        assert!(!t.requires(at("8.8.8.8:443")), "off by default");
        t.require_tls(true);
        assert!(t.requires(at("8.8.8.8:443")));
        assert!(t.requires(at("[2001:4860:4860::8888]:443")));
        for local in ["127.0.0.1:80", "10.1.2.3:80", "192.168.0.1:80", "[::1]:80", "[fd00::1]:80", "169.254.1.1:80"] {
            assert!(!t.requires(at(local)), "{local}");
        }
    }

    #[test]
    fn records_know_when_a_stream_ends_inside_one() {
        let mut r = Records::default();
        assert!(!r.inside());
        r.feed(&[23, 3, 3, 0, 4]);
        assert!(r.inside(), "header read, body owed");
        r.feed(&[1, 2, 3]);
        assert!(r.inside());
        r.feed(&[4, 23, 3]);
        assert!(r.inside(), "a second header begun");
        r.feed(&[3, 0, 0]);
        assert!(!r.inside(), "an empty record is complete at its header");
    }

    #[test]
    fn ca_pem_must_hold_a_certificate() {
        let mut t = TlsConfig::default();
        assert!(t.add_ca_pem(b"not pem").is_err());
        assert!(t.add_ca_pem(b"").is_err());
    }
}
