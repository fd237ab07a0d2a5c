"""CPython's ``ssl`` module for capsock guests: TLS done by the host.

CPython for WASI has no ``ssl``; this one hands the connected socket to the
host (``capsock:socket/tls``), which runs rustls and verifies the server's
certificate against the operator's roots. Installed as ``sys.modules['ssl']``
at build time, so ``http.client.HTTPSConnection`` and ``urllib.request``'s
``https://`` work unmodified. Under a ``connect tls://NAME:PORT`` rule the
host verifies for NAME whatever the context says.

What is here: ``SSLContext`` (client and server; ``load_verify_locations``
with ``cadata`` or a file, ``load_cert_chain``, ``set_alpn_protocols``,
``check_hostname``, ``verify_mode``), ``create_default_context``,
``SSLSocket`` (a ``socket.socket``: ``makefile`` works; ``recv``, ``send``,
``sendall``, ``read``, ``write``, ``do_handshake``, ``getpeercert``,
``version``, ``cipher``, ``selected_alpn_protocol``, ``pending``,
``unwrap``), the exception classes and constants. Not here: ``MemoryBIO``
and ``SSLObject`` (so asyncio's TLS transports), sessions, cipher strings
(``set_ciphers`` is accepted and ignored: rustls's safe defaults apply),
TLS versions below 1.2.
"""

import enum as _enum
import os as _os
import socket as _socket_mod

from componentize_py_types import Err as _Err
from wit_world.imports import tls as _tls

from . import _socket as _cs

OPENSSL_VERSION = "rustls (capsock host TLS)"
OPENSSL_VERSION_INFO = (0, 23, 0, 0, 0)
OPENSSL_VERSION_NUMBER = 0
HAS_SNI = True
HAS_ALPN = True
HAS_NPN = False
HAS_ECDH = True
HAS_TLSv1_3 = True
HAS_TLSv1_2 = True
HAS_TLSv1 = HAS_TLSv1_1 = HAS_SSLv2 = HAS_SSLv3 = False
HAS_NEVER_CHECK_COMMON_NAME = True
CHANNEL_BINDING_TYPES = []


class _SSLMethod(_enum.IntEnum):
    PROTOCOL_TLS = 2
    PROTOCOL_TLS_CLIENT = 16
    PROTOCOL_TLS_SERVER = 17


PROTOCOL_TLS = PROTOCOL_SSLv23 = _SSLMethod.PROTOCOL_TLS
PROTOCOL_TLS_CLIENT = _SSLMethod.PROTOCOL_TLS_CLIENT
PROTOCOL_TLS_SERVER = _SSLMethod.PROTOCOL_TLS_SERVER


class VerifyMode(_enum.IntEnum):
    CERT_NONE = 0
    CERT_OPTIONAL = 1
    CERT_REQUIRED = 2


CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED = VerifyMode.CERT_NONE, VerifyMode.CERT_OPTIONAL, VerifyMode.CERT_REQUIRED


class VerifyFlags(_enum.IntFlag):
    VERIFY_DEFAULT = 0
    VERIFY_X509_STRICT = 0x20
    VERIFY_X509_PARTIAL_CHAIN = 0x80000


VERIFY_DEFAULT = VerifyFlags.VERIFY_DEFAULT
VERIFY_X509_STRICT = VerifyFlags.VERIFY_X509_STRICT
VERIFY_X509_PARTIAL_CHAIN = VerifyFlags.VERIFY_X509_PARTIAL_CHAIN


class Options(_enum.IntFlag):
    OP_ALL = 0x80000054
    OP_NO_SSLv2 = 0
    OP_NO_SSLv3 = 0x02000000
    OP_NO_TLSv1 = 0x04000000
    OP_NO_TLSv1_1 = 0x10000000
    OP_NO_TLSv1_2 = 0x08000000
    OP_NO_TLSv1_3 = 0x20000000
    OP_NO_COMPRESSION = 0x20000
    OP_NO_TICKET = 0x4000
    OP_CIPHER_SERVER_PREFERENCE = 0x400000


for _o in Options:
    globals()[_o.name] = _o
del _o


class TLSVersion(_enum.IntEnum):
    MINIMUM_SUPPORTED = -2
    MAXIMUM_SUPPORTED = -1
    TLSv1_2 = 0x0303
    TLSv1_3 = 0x0304


class Purpose(_enum.Enum):
    SERVER_AUTH = "1.3.6.1.5.5.7.3.1"
    CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"


SSL_ERROR_SSL = 1
SSL_ERROR_WANT_READ = 2
SSL_ERROR_WANT_WRITE = 3
SSL_ERROR_SYSCALL = 5
SSL_ERROR_ZERO_RETURN = 6
SSL_ERROR_EOF = 8


class SSLError(OSError):
    """An error from the TLS layer; ``str(e)`` is its reason text."""

    library = "SSL"
    reason = None

    def __str__(self):
        if self.strerror is not None:
            return str(self.strerror)
        return super().__str__()


class SSLZeroReturnError(SSLError):
    pass


class SSLWantReadError(SSLError):
    pass


class SSLWantWriteError(SSLError):
    pass


class SSLSyscallError(SSLError):
    pass


class SSLEOFError(SSLError):
    pass


class SSLCertVerificationError(SSLError, ValueError):
    verify_code = None
    verify_message = None


CertificateError = SSLCertVerificationError
socket_error = OSError

for _c in (SSLError, SSLZeroReturnError, SSLWantReadError, SSLWantWriteError, SSLSyscallError, SSLEOFError, SSLCertVerificationError):
    _c.__module__ = "ssl"
del _c


def _ssl_exception(err):
    """A host error of an ``ssl`` kind as its Python class."""
    K = _cs._types.ErrorKind
    cls = {
        K.SSL: SSLError,
        K.SSL_CERT_VERIFICATION: SSLCertVerificationError,
        K.SSL_ZERO_RETURN: SSLZeroReturnError,
        K.SSL_WANT_READ: SSLWantReadError,
        K.SSL_WANT_WRITE: SSLWantWriteError,
        K.SSL_EOF: SSLEOFError,
    }.get(err.kind)
    if cls is None:
        return None
    if cls is SSLCertVerificationError:
        e = cls(SSL_ERROR_SSL, err.message)
        e.verify_code = err.errno
        e.verify_message = err.message.split("certificate verify failed: ", 1)[-1]
    else:
        e = cls(err.errno, err.message)
    e.reason = err.name or None
    return e


# capsock's `_socket` asks this module for the classes of `ssl` errors.
_cs._ssl_exception = _ssl_exception


_call = _cs._call


def _pem(data, what):
    if data is None:
        return b""
    if isinstance(data, str):
        return data.encode("ascii")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError("%s should be a str or bytes-like object" % what)


def _read(path):
    with open(_os.fspath(path), "rb") as f:
        return f.read()


class SSLContext:
    """SSLContext(protocol=PROTOCOL_TLS_CLIENT)"""

    sslsocket_class = None  # set below

    def __init__(self, protocol=None):
        if protocol is None:
            protocol = PROTOCOL_TLS
        if protocol not in (PROTOCOL_TLS, PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER):
            raise ValueError("invalid or unsupported protocol version %r" % (protocol,))
        self.protocol = _SSLMethod(protocol)
        client = protocol == PROTOCOL_TLS_CLIENT
        self._verify_mode = CERT_REQUIRED if client else CERT_NONE
        self._check_hostname = client
        self._cadata = b""
        self._cert = b""
        self._key = b""
        self._alpn = []
        self.options = Options.OP_ALL | Options.OP_NO_SSLv3 | Options.OP_NO_COMPRESSION
        self.verify_flags = VERIFY_DEFAULT
        self.minimum_version = TLSVersion.MINIMUM_SUPPORTED
        self.maximum_version = TLSVersion.MAXIMUM_SUPPORTED
        self.post_handshake_auth = None
        self.keylog_filename = None
        self.hostname_checks_common_name = False
        self.sni_callback = None

    @property
    def verify_mode(self):
        return self._verify_mode

    @verify_mode.setter
    def verify_mode(self, value):
        value = VerifyMode(value)
        if value == CERT_NONE and self._check_hostname:
            raise ValueError("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.")
        self._verify_mode = value

    @property
    def check_hostname(self):
        return self._check_hostname

    @check_hostname.setter
    def check_hostname(self, value):
        value = bool(value)
        if value and self._verify_mode == CERT_NONE:
            self._verify_mode = CERT_REQUIRED
        self._check_hostname = value

    def load_verify_locations(self, cafile=None, capath=None, cadata=None):
        if cafile is None and capath is None and cadata is None:
            raise TypeError("cafile, capath and cadata cannot be all omitted")
        pem = b""
        if cafile is not None:
            pem += _read(cafile)
        if cadata is not None:
            pem += _pem(cadata, "cadata")
        if capath is not None:
            for name in sorted(_os.listdir(capath)):
                try:
                    pem += _read(_os.path.join(capath, name))
                except OSError:
                    pass
        if b"-----BEGIN CERTIFICATE-----" not in pem:
            raise SSLError(SSL_ERROR_SSL, "[X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl found")
        self._cadata += pem + b"\n"

    def load_default_certs(self, purpose=Purpose.SERVER_AUTH):
        # The host's roots (bundled, plus the operator's) always apply.
        pass

    def set_default_verify_paths(self):
        pass

    def load_cert_chain(self, certfile, keyfile=None, password=None):
        cert = _read(certfile)
        key = _read(keyfile) if keyfile is not None else cert
        if b"-----BEGIN" not in cert or b"PRIVATE KEY-----" not in key:
            raise SSLError(SSL_ERROR_SSL, "[SSL] PEM lib")
        self._cert, self._key = cert, key

    def set_alpn_protocols(self, alpn_protocols):
        protos = []
        for p in alpn_protocols:
            b = p.encode("ascii") if isinstance(p, str) else bytes(p)
            if not 0 < len(b) <= 255:
                raise SSLError(SSL_ERROR_SSL, "ALPN protocols must be 1 to 255 in length")
            protos.append(b.decode("ascii"))
        self._alpn = protos

    def set_ciphers(self, ciphers):
        pass

    def set_ecdh_curve(self, name):
        pass

    def get_ca_certs(self, binary_form=False):
        return []

    def cert_store_stats(self):
        return {"crl": 0, "x509_ca": 0, "x509": 0}

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True, suppress_ragged_eofs=True,
                    server_hostname=None, session=None):
        return SSLSocket._create(self, sock, server_side, do_handshake_on_connect, suppress_ragged_eofs,
                                 server_hostname)

    def wrap_bio(self, *args, **kwargs):
        raise NotImplementedError("capsock: MemoryBIO/SSLObject are not supported (TLS runs on the host's socket)")


def create_default_context(purpose=Purpose.SERVER_AUTH, *, cafile=None, capath=None, cadata=None):
    if purpose == Purpose.SERVER_AUTH:
        ctx = SSLContext(PROTOCOL_TLS_CLIENT)
    else:
        ctx = SSLContext(PROTOCOL_TLS_SERVER)
    if cafile or capath or cadata:
        ctx.load_verify_locations(cafile, capath, cadata)
    return ctx


def _create_unverified_context(protocol=None, *, cert_reqs=CERT_NONE, check_hostname=False,
                               purpose=Purpose.SERVER_AUTH, certfile=None, keyfile=None, cafile=None,
                               capath=None, cadata=None):
    ctx = SSLContext(protocol or (PROTOCOL_TLS_CLIENT if purpose == Purpose.SERVER_AUTH else PROTOCOL_TLS_SERVER))
    ctx.check_hostname = check_hostname
    ctx.verify_mode = cert_reqs
    if certfile:
        ctx.load_cert_chain(certfile, keyfile)
    if cafile or capath or cadata:
        ctx.load_verify_locations(cafile, capath, cadata)
    return ctx


_create_default_https_context = create_default_context
_create_stdlib_context = _create_unverified_context


class SSLSocket(_socket_mod.socket):
    """A TLS session over a socket, done by the host. A ``socket.socket``
    (``makefile``, ``with``), whose data calls go through the session."""

    def __init__(self, *args, **kwargs):
        raise TypeError("SSLSocket does not have a public constructor. Instances are returned by "
                        "SSLContext.wrap_socket().")

    @classmethod
    def _create(cls, ctx, sock, server_side, do_handshake_on_connect, suppress_ragged_eofs, server_hostname):
        if sock.type != _socket_mod.SOCK_STREAM:
            raise NotImplementedError("only stream sockets are supported")
        if server_side and server_hostname:
            raise ValueError("server_hostname can only be specified in server mode")
        if ctx._check_hostname and not server_side and not server_hostname:
            raise ValueError("check_hostname requires server_hostname")
        if server_side and not ctx._cert:
            raise SSLError(SSL_ERROR_SSL, "[SSL: NO_CERTIFICATE_ASSIGNED] no certificate assigned")
        timeout = sock.gettimeout()
        if timeout == 0.0 and do_handshake_on_connect:
            raise ValueError("do_handshake_on_connect should not be specified for non-blocking sockets")
        family, type_, proto = sock.family, sock.type, sock.proto
        fd = sock.detach()
        res = _cs._pending.pop(fd, None)
        if res is None:
            res = _call(_cs._sockets.from_fd, fd)
        self = object.__new__(cls)
        # The base object's state: no plain handle; the session has it.
        self._res = None
        self._family, self._type, self._proto, self._fd = family, type_, proto, fd
        self._io_refs = 0
        self._closed = False
        self._context = ctx
        self.server_side = server_side
        self.server_hostname = server_hostname
        self.do_handshake_on_connect = do_handshake_on_connect
        self.suppress_ragged_eofs = suppress_ragged_eofs
        if server_side:
            opts = _tls.ServerOptions(ctx._cert, ctx._key, int(ctx._verify_mode), ctx._cadata, list(ctx._alpn))
            wrap = _tls.wrap_server
        else:
            if server_hostname is not None and not isinstance(server_hostname, str):
                server_hostname = server_hostname.decode("ascii")
            opts = _tls.ClientOptions(server_hostname, ctx._check_hostname, int(ctx._verify_mode), ctx._cadata,
                                      ctx._cert, ctx._key, list(ctx._alpn))
            wrap = _tls.wrap_client
        if timeout == 0.0 or not do_handshake_on_connect:
            # The host runs the handshake at wrap unless non-blocking: wrap
            # on a non-blocking socket and restore its mode after.
            _call(res.setblocking, False)
            self._tls = _call(wrap, res, opts)
            _call(self._tls.settimeout, timeout)
        else:
            self._tls = _call(wrap, res, opts)
        self.server_hostname = server_hostname
        return self

    @property
    def context(self):
        return self._context

    def _t(self):
        t = getattr(self, "_tls", None)
        if t is None:
            raise _cs._ebadf()
        return t

    def do_handshake(self, block=False):
        _call(self._t().do_handshake)

    def recv(self, buflen=1024, flags=0):
        if flags != 0:
            raise ValueError("non-zero flags not allowed in calls to recv() on %s" % self.__class__)
        try:
            return _call(self._t().recv, buflen)
        except SSLEOFError:
            if self.suppress_ragged_eofs:
                return b""
            raise

    def recv_into(self, buffer, nbytes=None, flags=0):
        if flags != 0:
            raise ValueError("non-zero flags not allowed in calls to recv_into() on %s" % self.__class__)
        view = memoryview(buffer).cast("B")
        if not nbytes:
            nbytes = len(view)
        data = self.recv(min(nbytes, len(view)))
        view[:len(data)] = data
        return len(data)

    def read(self, len=1024, buffer=None):
        if buffer is not None:
            return self.recv_into(buffer, len)
        return self.recv(len)

    def send(self, data, flags=0):
        if flags != 0:
            raise ValueError("non-zero flags not allowed in calls to send() on %s" % self.__class__)
        return _call(self._t().send, _cs._bytes(data))

    def write(self, data):
        return self.send(data)

    def sendall(self, data, flags=0):
        if flags != 0:
            raise ValueError("non-zero flags not allowed in calls to sendall() on %s" % self.__class__)
        _call(self._t().sendall, _cs._bytes(data))

    def recvfrom(self, buflen=1024, flags=0):
        raise ValueError("recvfrom not allowed on instances of %s" % self.__class__)

    def recvmsg(self, *args, **kwargs):
        raise NotImplementedError("recvmsg not allowed on instances of %s" % self.__class__)

    def sendmsg(self, *args, **kwargs):
        raise NotImplementedError("sendmsg not allowed on instances of %s" % self.__class__)

    def sendto(self, *args, **kwargs):
        raise ValueError("sendto not allowed on instances of %s" % self.__class__)

    def pending(self):
        return self._t().pending()

    def getpeercert(self, binary_form=False):
        c = self._t().getpeercert()
        if c is None:
            return None
        if binary_form:
            return bytes(c.der)
        if self._context._verify_mode == CERT_NONE:
            return {}
        d = {
            "subject": tuple(((k, v),) for k, v in c.subject),
            "issuer": tuple(((k, v),) for k, v in c.issuer),
            "version": c.version,
            "serialNumber": c.serial_number,
            "notBefore": c.not_before,
            "notAfter": c.not_after,
        }
        if c.subject_alt_names:
            d["subjectAltName"] = tuple((k, v) for k, v in c.subject_alt_names)
        return d

    def version(self):
        return self._t().version()

    def cipher(self):
        return self._t().cipher()

    def shared_ciphers(self):
        c = self.cipher()
        return None if c is None else [c]

    def compression(self):
        return None

    def selected_alpn_protocol(self):
        return self._t().selected_alpn_protocol()

    def selected_npn_protocol(self):
        return None

    def get_channel_binding(self, cb_type="tls-unique"):
        raise ValueError("%s channel binding type not implemented" % cb_type)

    def unwrap(self):
        res = _call(self._t().unwrap)
        self._tls = None
        fd = res.fileno()
        _cs._pending[fd] = res
        self._fd = -1
        return _socket_mod.socket(self._family, self._type, self._proto, fileno=fd)

    def settimeout(self, value):
        _call(self._t().settimeout, _cs._timeout_value(value))

    def gettimeout(self):
        t = getattr(self, "_tls", None)
        return None if t is None else t.gettimeout()

    def setblocking(self, flag):
        _call(self._t().setblocking, bool(flag))

    def getblocking(self):
        return self.gettimeout() != 0.0

    @property
    def timeout(self):
        return self.gettimeout()

    def getpeername(self):
        return _cs._from_wit(_call(self._t().getpeername))

    def getsockname(self):
        return _cs._from_wit(_call(self._t().getsockname))

    def fileno(self):
        return self._fd

    def shutdown(self, how):
        _call(self._t().shutdown, how)

    def _real_close(self):
        t = getattr(self, "_tls", None)
        self._tls = None
        self._fd = -1
        if t is not None:
            try:
                t.close()
            except _Err:
                pass

    def close(self):
        # As socket.socket's: files from makefile() keep the session open.
        self._closed = True
        if self._io_refs <= 0:
            self._real_close()

    def detach(self):
        raise NotImplementedError("capsock: detach() of an SSLSocket (use unwrap())")

    def __del__(self):
        try:
            self._real_close()
        except Exception:
            pass


SSLContext.sslsocket_class = SSLSocket


def get_default_verify_paths():
    return None


def cert_time_to_seconds(cert_time):
    import time

    return int(__import__("calendar").timegm(time.strptime(cert_time, "%b %d %H:%M:%S %Y GMT")))


def DER_cert_to_PEM_cert(der_cert_bytes):
    import base64
    import textwrap

    f = base64.standard_b64encode(der_cert_bytes).decode("ascii")
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(textwrap.wrap(f, 64)) + "\n-----END CERTIFICATE-----\n"


def PEM_cert_to_DER_cert(pem_cert_string):
    import base64

    body = pem_cert_string.strip()
    if not body.startswith("-----BEGIN CERTIFICATE-----"):
        raise ValueError("Invalid PEM encoding; must start with -----BEGIN CERTIFICATE-----")
    if not body.endswith("-----END CERTIFICATE-----"):
        raise ValueError("Invalid PEM encoding; must end with -----END CERTIFICATE-----")
    return base64.decodebytes(body[27:-25].encode("ascii"))
