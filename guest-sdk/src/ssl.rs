//! Python's `ssl` module in Rust form, with TLS done by the host.
//!
//! The host (rustls) performs the handshake over the guest's socket and
//! verifies the server's certificate against the operator's roots; the
//! guest never holds keys of the session or a TLS stack. Under a
//! `connect tls://NAME:PORT` rule the host verifies for the rule's name
//! whatever the context says, and plaintext on the socket is refused.
//!
//! # Examples
//!
//! ```no_run
//! use capsock::ssl;
//! # fn main() -> Result<(), capsock::Error> {
//! let sock = capsock::create_connection(("api.example.com", 443), Some(10.0), None)?;
//! let ctx = ssl::create_default_context()?;
//! let tls = ctx.wrap_socket(sock, false, Some("api.example.com"))?;
//! tls.sendall(b"GET / HTTP/1.0\r\nHost: api.example.com\r\n\r\n")?;
//! let reply = tls.recv(4096)?;
//! # let _ = reply; Ok(()) }
//! ```
//!
//! # Errors
//!
//! Python's `ssl` classes, in [`Error::exception`]: `"SSLCertVerificationError"`
//! (with [`Error::verify_code`] and [`Error::verify_message`]),
//! `"SSLZeroReturnError"`, `"SSLWantReadError"`/`"SSLWantWriteError"` (a
//! non-blocking socket), `"SSLEOFError"` (the peer closed inside a record),
//! `"SSLError"`; `TimeoutError` and the `OSError`s of plain sockets; a
//! `PermissionError` naming the rule for what a `tls` rule refuses.

use crate::bindings::capsock::socket::tls as wit;
use crate::{Address, Error, Socket};
use std::io;

/// `ssl.PROTOCOL_TLS_CLIENT`.
pub const PROTOCOL_TLS_CLIENT: i32 = 16;
/// `ssl.PROTOCOL_TLS_SERVER`.
pub const PROTOCOL_TLS_SERVER: i32 = 17;
/// `ssl.CERT_NONE`: no verification.
pub const CERT_NONE: i32 = 0;
/// `ssl.CERT_OPTIONAL`: a server asks for a client certificate but does
/// not require one.
pub const CERT_OPTIONAL: i32 = 1;
/// `ssl.CERT_REQUIRED`: the peer's certificate must verify.
pub const CERT_REQUIRED: i32 = 2;

/// `ssl.create_default_context()`: a client context that verifies the
/// server's chain and name.
///
/// # Errors
/// None today; `Result` as in Python, which can fail loading roots.
pub fn create_default_context() -> Result<SSLContext, Error> {
    SSLContext::new(PROTOCOL_TLS_CLIENT)
}

/// `ssl.SSLContext`: settings for the sessions it wraps.
#[derive(Clone, Debug)]
pub struct SSLContext {
    server: bool,
    verify_mode: i32,
    check_hostname: bool,
    cadata: Vec<u8>,
    cert_chain: Vec<u8>,
    key: Vec<u8>,
    alpn: Vec<String>,
}

fn is_pem_cert(pem: &[u8]) -> bool {
    pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----")
}

impl SSLContext {
    /// `SSLContext(protocol)`: `PROTOCOL_TLS_CLIENT` verifies by default
    /// (`CERT_REQUIRED`, `check_hostname`), `PROTOCOL_TLS_SERVER` does not
    /// ask for client certificates.
    ///
    /// # Errors
    /// `ValueError` for another protocol.
    pub fn new(protocol: i32) -> Result<SSLContext, Error> {
        let server = match protocol {
            PROTOCOL_TLS_CLIENT => false,
            PROTOCOL_TLS_SERVER => true,
            _ => return Err(Error::value("invalid or unsupported protocol version")),
        };
        Ok(SSLContext {
            server,
            verify_mode: if server { CERT_NONE } else { CERT_REQUIRED },
            check_hostname: !server,
            cadata: Vec::new(),
            cert_chain: Vec::new(),
            key: Vec::new(),
            alpn: Vec::new(),
        })
    }

    /// `load_verify_locations(cadata=...)`: trust these PEM certificates too
    /// (ignored under a `tls` rule, where only the operator's roots count).
    ///
    /// # Errors
    /// `SSLError` when the text holds no PEM certificate.
    pub fn load_verify_locations(&mut self, cadata_pem: &[u8]) -> Result<(), Error> {
        if !is_pem_cert(cadata_pem) {
            return Err(Error::ssl("[X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl found"));
        }
        self.cadata.extend_from_slice(cadata_pem);
        self.cadata.push(b'\n');
        Ok(())
    }

    /// `load_cert_chain(certfile, keyfile)` with the PEM texts themselves.
    ///
    /// # Errors
    /// `SSLError` when the certificate text holds no PEM certificate or
    /// the key none; the host checks they parse and match at wrap.
    pub fn load_cert_chain(&mut self, cert_pem: &[u8], key_pem: &[u8]) -> Result<(), Error> {
        if !is_pem_cert(cert_pem) || !key_pem.windows(5).any(|w| w == b"-----") {
            return Err(Error::ssl("[SSL] PEM lib"));
        }
        self.cert_chain = cert_pem.to_vec();
        self.key = key_pem.to_vec();
        Ok(())
    }

    /// `set_alpn_protocols(protocols)`.
    ///
    /// # Errors
    /// `ValueError` for a protocol name that is empty or over 255 bytes.
    pub fn set_alpn_protocols(&mut self, protocols: &[&str]) -> Result<(), Error> {
        if protocols.iter().any(|p| p.is_empty() || p.len() > 255) {
            return Err(Error::value("ALPN protocols must be 1 to 255 in length"));
        }
        self.alpn = protocols.iter().map(|p| p.to_string()).collect();
        Ok(())
    }

    /// `check_hostname = on`. As in Python, turning it on with `CERT_NONE`
    /// makes the mode `CERT_REQUIRED`.
    pub fn set_check_hostname(&mut self, on: bool) {
        self.check_hostname = on;
        if on && self.verify_mode == CERT_NONE {
            self.verify_mode = CERT_REQUIRED;
        }
    }

    /// `verify_mode = mode`. Python refuses `CERT_NONE` while
    /// `check_hostname` is on; here [`wrap_socket`](Self::wrap_socket)
    /// raises that `ValueError`.
    pub fn set_verify_mode(&mut self, mode: i32) {
        self.verify_mode = mode;
    }

    /// `check_hostname`.
    pub fn check_hostname(&self) -> bool {
        self.check_hostname
    }

    /// `verify_mode`.
    pub fn verify_mode(&self) -> i32 {
        self.verify_mode
    }

    /// `wrap_socket(sock, server_side, server_hostname=...)`: the socket
    /// becomes a TLS session (its other handles are detached, as in
    /// Python). The handshake runs now unless the socket is non-blocking
    /// (then [`SSLSocket::do_handshake`]).
    ///
    /// # Errors
    /// `ValueError` for inconsistent settings (`check_hostname` without a
    /// `server_hostname`, `CERT_NONE` with `check_hostname`, a server
    /// without a certificate); the handshake's errors (see the module).
    pub fn wrap_socket(
        &self,
        sock: Socket,
        server_side: bool,
        server_hostname: Option<&str>,
    ) -> Result<SSLSocket, Error> {
        if server_side != self.server {
            return Err(Error::value(if server_side {
                "Cannot create a server socket with a PROTOCOL_TLS_CLIENT context"
            } else {
                "Cannot create a client socket with a PROTOCOL_TLS_SERVER context"
            }));
        }
        if server_side && server_hostname.is_some() {
            return Err(Error::value("server_hostname can only be specified in client mode"));
        }
        if self.check_hostname && self.verify_mode == CERT_NONE {
            return Err(Error::value("Cannot set verify_mode to CERT_NONE when check_hostname is enabled."));
        }
        if !server_side && self.check_hostname && server_hostname.is_none() {
            return Err(Error::value("check_hostname requires server_hostname"));
        }
        if server_side && self.cert_chain.is_empty() {
            return Err(Error::ssl("[SSL: NO_CERTIFICATE_ASSIGNED] no certificate assigned"));
        }
        // Python's wrap_socket detaches the socket object it is given.
        let fd = sock.detach()?;
        let handle = crate::bindings::capsock::socket::sockets::from_fd(fd)?;
        let tls = if server_side {
            wit::wrap_server(
                handle,
                &wit::ServerOptions {
                    cert_chain: self.cert_chain.clone(),
                    key: self.key.clone(),
                    verify_mode: self.verify_mode,
                    cadata: self.cadata.clone(),
                    alpn_protocols: self.alpn.clone(),
                },
            )?
        } else {
            wit::wrap_client(
                handle,
                &wit::ClientOptions {
                    server_hostname: server_hostname.map(str::to_string),
                    check_hostname: self.check_hostname,
                    verify_mode: self.verify_mode,
                    cadata: self.cadata.clone(),
                    cert_chain: self.cert_chain.clone(),
                    key: self.key.clone(),
                    alpn_protocols: self.alpn.clone(),
                },
            )?
        };
        Ok(SSLSocket { handle: tls, verify_mode: self.verify_mode })
    }
}

/// `getpeercert()`'s dictionary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerCert {
    /// `subject`: (attribute, value) pairs (`("commonName", "x")`).
    pub subject: Vec<(String, String)>,
    /// `issuer`.
    pub issuer: Vec<(String, String)>,
    /// `notBefore`, `Jan  1 00:00:00 2026 GMT`.
    pub not_before: String,
    /// `notAfter`.
    pub not_after: String,
    /// `serialNumber`, upper-case hex.
    pub serial_number: String,
    /// `subjectAltName`: (`"DNS"`, name), (`"IP Address"`, address).
    pub subject_alt_name: Vec<(String, String)>,
    /// `version`.
    pub version: u32,
}

/// `ssl.SSLSocket`: a TLS session over a socket.
///
/// Implements [`io::Read`] and [`io::Write`] (`write_all` is `sendall`).
pub struct SSLSocket {
    handle: wit::TlsSocket,
    verify_mode: i32,
}

impl SSLSocket {
    /// `do_handshake()`.
    ///
    /// # Errors
    /// `SSLWantReadError`/`SSLWantWriteError` on a non-blocking socket that
    /// must wait; the handshake's errors.
    pub fn do_handshake(&self) -> Result<(), Error> {
        Ok(self.handle.do_handshake()?)
    }

    /// `send(data)`: how many bytes were taken.
    ///
    /// # Errors
    /// As for plain sockets, and the `ssl` errors.
    pub fn send(&self, data: &[u8]) -> Result<usize, Error> {
        Ok(self.handle.send(data)? as usize)
    }

    /// `sendall(data)`.
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub fn sendall(&self, data: &[u8]) -> Result<(), Error> {
        Ok(self.handle.sendall(data)?)
    }

    /// `recv(bufsize)`: empty once the peer closed the session.
    ///
    /// # Errors
    /// `SSLEOFError` when the transport ends inside a record; as for
    /// plain sockets otherwise.
    pub fn recv(&self, bufsize: usize) -> Result<Vec<u8>, Error> {
        Ok(self.handle.recv(u32::try_from(bufsize).unwrap_or(u32::MAX))?)
    }

    /// `recv_into(buffer)`: bytes read into `buf`.
    ///
    /// # Errors
    /// As [`recv`](Self::recv).
    pub fn recv_into(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let data = self.recv(buf.len())?;
        let n = data.len().min(buf.len());
        buf[..n].copy_from_slice(&data[..n]);
        Ok(n)
    }

    /// `pending()`: decrypted bytes ready to read without waiting.
    pub fn pending(&self) -> usize {
        self.handle.pending() as usize
    }

    /// `settimeout(value)`.
    ///
    /// # Errors
    /// `ValueError` for a negative timeout, `OverflowError` for one too large.
    pub fn settimeout(&self, value: Option<f64>) -> Result<(), Error> {
        Ok(self.handle.settimeout(value)?)
    }

    /// `gettimeout()`.
    pub fn gettimeout(&self) -> Option<f64> {
        self.handle.gettimeout()
    }

    /// `setblocking(flag)`.
    ///
    /// # Errors
    /// `OSError(EBADF)` after close.
    pub fn setblocking(&self, flag: bool) -> Result<(), Error> {
        Ok(self.handle.setblocking(flag)?)
    }

    /// `shutdown(how)`: close_notify first when writes end.
    ///
    /// # Errors
    /// As for plain sockets.
    pub fn shutdown(&self, how: i32) -> Result<(), Error> {
        Ok(self.handle.shutdown(how)?)
    }

    /// `close()`.
    ///
    /// # Errors
    /// None in practice; `Result` as for plain sockets.
    pub fn close(&self) -> Result<(), Error> {
        Ok(self.handle.close()?)
    }

    /// `getpeername()`.
    ///
    /// # Errors
    /// `OSError(ENOTCONN)` when not connected.
    pub fn getpeername(&self) -> Result<Address, Error> {
        Ok(Address::from_wit(self.handle.getpeername()?))
    }

    /// `getsockname()`.
    ///
    /// # Errors
    /// `OSError(EBADF)` after close.
    pub fn getsockname(&self) -> Result<Address, Error> {
        Ok(Address::from_wit(self.handle.getsockname()?))
    }

    /// `fileno()`.
    pub fn fileno(&self) -> i32 {
        self.handle.fileno()
    }

    /// `version()`: `"TLSv1.3"`, `"TLSv1.2"`, or `None` before the handshake.
    pub fn version(&self) -> Option<String> {
        self.handle.version()
    }

    /// `cipher()`: (name, protocol, secret bits).
    pub fn cipher(&self) -> Option<(String, String, u32)> {
        self.handle.cipher()
    }

    /// `selected_alpn_protocol()`.
    pub fn selected_alpn_protocol(&self) -> Option<String> {
        self.handle.selected_alpn_protocol()
    }

    /// `getpeercert()`: the verified peer's certificate; as in Python,
    /// `None` without one and an empty certificate (all fields empty) when
    /// it was not verified (`CERT_NONE`).
    pub fn getpeercert(&self) -> Option<PeerCert> {
        let c = self.handle.getpeercert()?;
        if self.verify_mode == CERT_NONE {
            return Some(PeerCert {
                subject: Vec::new(),
                issuer: Vec::new(),
                not_before: String::new(),
                not_after: String::new(),
                serial_number: String::new(),
                subject_alt_name: Vec::new(),
                version: 0,
            });
        }
        Some(PeerCert {
            subject: c.subject,
            issuer: c.issuer,
            not_before: c.not_before,
            not_after: c.not_after,
            serial_number: c.serial_number,
            subject_alt_name: c.subject_alt_names,
            version: c.version,
        })
    }

    /// `getpeercert(binary_form=True)`: the DER.
    pub fn getpeercert_der(&self) -> Option<Vec<u8>> {
        self.handle.getpeercert().map(|c| c.der)
    }

    /// `unwrap()`: close_notify, then the plain socket.
    ///
    /// # Errors
    /// As for a send.
    pub fn unwrap(self) -> Result<Socket, Error> {
        let sock = self.handle.unwrap()?;
        Ok(Socket::from_wit(sock, None))
    }
}

impl io::Read for SSLSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(self.recv_into(buf)?)
    }
}

impl io::Write for SSLSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(self.send(buf)?)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        Ok(self.sendall(buf)?)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
