"""CPython's ``_socket`` C module, over capsock's host sockets.

Installed as ``sys.modules['_socket']`` before the standard library's
``socket.py`` is imported, so ``socket.socket``, ``create_connection``,
``makefile``, the enums and everything else are CPython's own code running on
these primitives. Only what ``socketmodule.c`` does is here: the object's C
methods, the module functions, the constants and the exception classes.

Errors: the host reports Linux errno names; the guest's ``errno`` module
numbers them WASI's way, so every ``OSError`` is built from the *name*
(``errno.ECONNREFUSED`` here, whatever its number) and CPython then picks the
subclass (``ConnectionRefusedError``) itself. A policy denial is a
``PermissionError`` whose message names the rule; the rule alone is also on
the exception as ``e.rule``.
"""

import errno as _errno
import os as _os
import sys as _sys
import warnings as _warnings

from componentize_py_types import Err as _Err
from wit_world.imports import capsock_socket_types as _types
from wit_world.imports import resolver as _resolver
from wit_world.imports import sockets as _sockets

from . import _abi
from . import _inet

globals().update(_abi.CONSTANTS)
# Names CPython's module defines that are not plain Linux constants.
_POLL_NAMES = tuple(n for n in _abi.CONSTANTS if n.startswith("POLL"))
for _n in _POLL_NAMES:
    del globals()[_n]
del _n

error = OSError
timeout = TimeoutError


class herror(OSError):
    pass


class gaierror(OSError):
    pass


herror.__module__ = gaierror.__module__ = "socket"

has_ipv6 = True
_GLOBAL_TIMEOUT = [None]
_CMSG_HDR = 16  # sizeof(struct cmsghdr) on 64-bit Linux; the host is 64-bit
_ALIGN = 8

# ---------------------------------------------------------------- errors


def _guest_errno(name, number):
    """The guest's number for a Linux errno name (WASI numbers them
    differently); the Linux number when the guest has no such name."""
    if name:
        n = getattr(_errno, name, None)
        if n is not None:
            return n
    return number


def _exception(err):
    kind = err.kind
    K = _types.ErrorKind
    if kind == K.OS:
        name = err.name or _abi.ERRNO.get(err.errno, ("", ""))[0]
        e = OSError(_guest_errno(name, err.errno), err.message)
        e.rule = err.rule
        return e
    if kind == K.TIMEOUT:
        return TimeoutError(err.message or "timed out")
    if kind == K.GAI:
        return gaierror(err.errno, err.message)
    if kind == K.HERROR:
        return herror(err.errno, err.message)
    if kind == K.VALUE:
        return ValueError(err.message)
    if kind == K.OVERFLOW:
        return OverflowError(err.message)
    if kind == K.TYPE_ERROR:
        return TypeError(err.message)
    # An `ssl` kind: the classes live in capsock's `ssl` module.
    e = _ssl_exception(err) if _ssl_exception is not None else None
    return e if e is not None else OSError(err.errno, err.message)


# Set by capsock's `ssl` module when it is imported.
_ssl_exception = None


def _oserror(name, message=None):
    num = _abi_number(name)
    return OSError(_guest_errno(name, num), message or _abi.ERRNO.get(num, (name, name))[1])


def _abi_number(name):
    for num, (n, _m) in _abi.ERRNO.items():
        if n == name:
            return num
    return 0


def _ebadf():
    return OSError(_guest_errno("EBADF", 9), "Bad file descriptor")


def _call(fn, *args):
    try:
        return fn(*args)
    except _Err as e:
        err = e.value
    # Raised outside the handler, so that the host's Err (a frozen
    # dataclass) is not the new exception's __context__: unittest and
    # traceback walk the chain and set __traceback__ on each exception.
    raise _exception(err)


# ---------------------------------------------------------------- addresses


def _port(port, what):
    if not isinstance(port, int):
        raise TypeError("'%s' object cannot be interpreted as an integer" % type(port).__name__)
    if not 0 <= port <= 0xFFFF:
        raise OverflowError("%s(): port must be 0-65535." % what)
    return port


def _text(s):
    """`s` for a WIT string: CPython's "s" converters refuse lone
    surrogates with UnicodeEncodeError, and a WIT string cannot carry one
    (the guest would trap)."""
    if isinstance(s, str):
        s.encode("utf-8")
    return s


def _host_str(host, what):
    if isinstance(host, str):
        # CPython's idna_converter: non-ASCII names go through the "idna"
        # codec (which also refuses lone surrogates).
        return host if host.isascii() else host.encode("idna").decode("ascii")
    if isinstance(host, (bytes, bytearray)):
        return bytes(host).decode("ascii")
    raise TypeError("str, bytes or bytearray expected, not %s" % type(host).__name__)


def _resolve_one(host, family):
    """CPython's setipaddr: numeric forms first, then the resolver (under
    the policy's name rules)."""
    if family == AF_INET:
        if host == "":
            return b"\0\0\0\0"
        if host in ("<broadcast>", "255.255.255.255"):
            return b"\xff\xff\xff\xff"
        packed = _inet.pton4(host)
        if packed is not None:
            return packed
    else:
        if host == "":
            return bytes(16)
        packed = _inet.pton6(host)
        if packed is not None:
            return packed
    infos = _call(_resolver.getaddrinfo, host, None, family, 0, 0, 0)
    for ai in infos:
        a = ai.address
        if family == AF_INET and isinstance(a, _types.Address_Inet):
            return bytes(a.value.octets)
        if family == AF_INET6 and isinstance(a, _types.Address_Inet6):
            return b"".join(s.to_bytes(2, "big") for s in a.value.segments)
    raise gaierror(EAI_ADDRFAMILY if family == AF_INET6 else EAI_NONAME, _abi.GAI[EAI_NONAME][1])


def _split_scope(host):
    if "%" in host:
        host, scope = host.split("%", 1)
        if scope.isdigit():
            return host, int(scope)
        raise gaierror(EAI_NONAME, _abi.GAI[EAI_NONAME][1])
    return host, None


def _to_wit(family, addr, what):
    """A Python address for `family` as the WIT's `address`."""
    if family == AF_INET:
        if not isinstance(addr, tuple):
            raise TypeError("%s(): AF_INET address must be tuple, not %s" % (what, type(addr).__name__))
        if len(addr) != 2:
            raise TypeError("AF_INET address must be a pair (host, port)")
        host, port = addr
        host = _host_str(host, what)
        port = _port(port, what)
        packed = _resolve_one(host, AF_INET)
        return _types.Address_Inet(_types.InetAddress(tuple(packed), port))
    if family == AF_INET6:
        if not isinstance(addr, tuple):
            raise TypeError("%s(): AF_INET6 address must be tuple, not %s" % (what, type(addr).__name__))
        if not 2 <= len(addr) <= 4:
            raise TypeError("AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])")
        host, port = addr[0], addr[1]
        flowinfo = addr[2] if len(addr) > 2 else 0
        scope_id = addr[3] if len(addr) > 3 else 0
        host = _host_str(host, what)
        port = _port(port, what)
        if not isinstance(flowinfo, int) or not isinstance(scope_id, int):
            raise TypeError("'%s' object cannot be interpreted as an integer" % type(flowinfo if not isinstance(flowinfo, int) else scope_id).__name__)
        if not 0 <= flowinfo <= 0xFFFFF:
            raise OverflowError("%s(): flowinfo must be 0-1048575." % what)
        host, scope = _split_scope(host)
        if scope is not None and not scope_id:
            scope_id = scope
        packed = _resolve_one(host, AF_INET6)
        segs = tuple(int.from_bytes(packed[i:i + 2], "big") for i in range(0, 16, 2))
        return _types.Address_Inet6(_types.Inet6Address(segs, port, flowinfo, scope_id & 0xFFFFFFFF))
    if family == AF_UNIX:
        if isinstance(addr, str):
            addr = addr.encode("utf-8", "surrogateescape")
        elif isinstance(addr, (bytes, bytearray, memoryview)):
            addr = bytes(addr)
        else:
            raise TypeError("%s(): AF_UNIX address must be str or bytes, not %s" % (what, type(addr).__name__))
        if len(addr) > 107 + (1 if addr[:1] == b"\0" else 0):
            raise OSError("AF_UNIX path too long")
        if addr[:1] == b"\0":
            return _types.Address_Unix(_types.UnixAddress_AbstractName(addr[1:]))
        if addr == b"":
            return _types.Address_Unix(_types.UnixAddress_Unnamed())
        try:
            path = addr.decode("utf-8")
        except UnicodeDecodeError:
            # A WIT string carries UTF-8 only (a lone surrogate would trap
            # the guest): capsock's paths are UTF-8.
            raise OSError(_guest_errno("EINVAL", 22), "capsock: an AF_UNIX path must be UTF-8") from None
        return _types.Address_Unix(_types.UnixAddress_Path(path))
    raise OSError(_guest_errno("EAFNOSUPPORT", 97), "Address family not supported by protocol")


def _from_wit(a):
    """The WIT's `address` as Python shows it."""
    if a is None:
        return None
    if isinstance(a, _types.Address_Inet):
        o = a.value.octets
        return ("%d.%d.%d.%d" % o, a.value.port)
    if isinstance(a, _types.Address_Inet6):
        v = a.value
        packed = b"".join(s.to_bytes(2, "big") for s in v.segments)
        return (_inet.ntop6(packed), v.port, v.flowinfo, v.scope_id)
    u = a.value
    if isinstance(u, _types.UnixAddress_Path):
        return u.value
    if isinstance(u, _types.UnixAddress_AbstractName):
        return b"\0" + bytes(u.value)
    return ""


# ---------------------------------------------------------------- the fd table

# Live socket resources by fileno (open `_socket.socket` objects), and
# detached ones not yet claimed by `socket(fileno=...)`. A detached socket
# stays open until claimed or closed with `close(fd)`, as an OS fd would.
_by_fd = {}
_pending = {}
# How many socket objects hold each live fileno: `socket(fileno=fd)` on a
# fileno another object holds shares its host socket, as two CPython objects
# share an fd; closing either closes it for both.
_holders = {}


def _resource(fd):
    """The host socket behind a fileno of this instance, for select/poll."""
    r = _by_fd.get(fd)
    if r is None:
        r = _pending.get(fd)
    return r


def _buffer_size(n, what):
    if not isinstance(n, int):
        raise TypeError("'%s' object cannot be interpreted as an integer" % type(n).__name__)
    if n < 0:
        raise ValueError("negative buffersize in %s" % what)
    return n


def _writable(buffer, what):
    try:
        view = memoryview(buffer)
    except TypeError:
        view = None
    if view is None or view.readonly:
        raise TypeError("%s() argument 1 must be read-write bytes-like object, not %s" % (what, type(buffer).__name__))
    return view.cast("B")


def _bytes(data):
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    try:
        return bytes(memoryview(data))
    except TypeError:
        raise TypeError("a bytes-like object is required, not '%s'" % type(data).__name__) from None


# ---------------------------------------------------------------- the socket type


class socket:
    """socket(family=AF_INET, type=SOCK_STREAM, proto=0, fileno=None)"""

    __slots__ = ("_res", "_family", "_type", "_proto", "_fd")

    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        self._res = None
        self._fd = -1
        if fileno is None:
            if family == -1:
                family = AF_INET
            if type == -1:
                type = SOCK_STREAM
            if proto == -1:
                proto = 0
            for v in (family, type, proto):
                if not isinstance(v, int):
                    raise TypeError("'%s' object cannot be interpreted as an integer" % v.__class__.__name__)
            res = _call(_sockets.create_socket, family, type, proto)
        else:
            if not isinstance(fileno, int):
                raise TypeError("'%s' object cannot be interpreted as an integer" % fileno.__class__.__name__)
            if fileno < 0:
                raise ValueError("negative file descriptor")
            res = _pending.pop(fileno, None)
            if res is None:
                res = _by_fd.get(fileno)
            if res is None:
                res = _call(_sockets.from_fd, fileno)
            if family == -1:
                family = res.family()
            if type == -1:
                type = res.socket_type()
            if proto == -1:
                proto = res.proto()
        self._res = res
        self._family = family
        self._type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)
        self._proto = proto
        self._fd = res.fileno()
        _by_fd[self._fd] = res
        _holders[self._fd] = _holders.get(self._fd, 0) + 1
        t = _GLOBAL_TIMEOUT[0]
        if t is not None and not type & SOCK_NONBLOCK:
            _call(res.settimeout, t)

    def __del__(self):
        # CPython closes an unreferenced socket, with a ResourceWarning.
        if self._res is None:
            return
        try:
            _warnings.warn("unclosed %r" % (self,), ResourceWarning, stacklevel=1, source=self)
        except Exception:
            pass
        try:
            self.close()
        except Exception:
            pass

    def _sock(self):
        r = self._res
        if r is None:
            raise _ebadf()
        return r

    family = property(lambda self: self._family, doc="the socket family")
    type = property(lambda self: self._type, doc="the socket type")
    proto = property(lambda self: self._proto, doc="the socket protocol")

    @property
    def timeout(self):
        """the socket timeout"""
        r = self._res
        return None if r is None else r.gettimeout()

    def __repr__(self):
        return "<socket object, fd=%d, family=%d, type=%d, proto=%d>" % (self._fd, self._family, self._type, self._proto)

    def __getstate__(self):
        raise TypeError("cannot pickle '%s' object" % type(self).__name__)

    # --- life cycle

    def close(self):
        r = self._res
        if r is None:
            return
        self._res = None
        fd, self._fd = self._fd, -1
        if _by_fd.get(fd) is not r:
            # The fileno was closed under this object (`close(fd)`, or
            # another object on it): EBADF, as close(2) says.
            raise _oserror("EBADF")
        del _by_fd[fd]
        _holders.pop(fd, None)
        try:
            r.close()
        except _Err as e:
            err = e.value
        else:
            return
        # Linux closes the fd even when close reports an error; CPython
        # ignores ECONNRESET here.
        if err.name != "ECONNRESET":
            raise _exception(err)

    def detach(self):
        r = self._res
        if r is None:
            return -1
        fd = self._fd
        self._res = None
        self._fd = -1
        if _by_fd.get(fd) is r:
            n = _holders.get(fd, 1) - 1
            if n > 0:
                _holders[fd] = n  # another object still holds it
            else:
                del _by_fd[fd]
                _holders.pop(fd, None)
                _pending[fd] = r
        return fd

    def fileno(self):
        return self._fd

    def dup(self):
        r = self._sock()
        new = _call(r.dup)
        fd = new.fileno()
        _pending[fd] = new
        return socket(self._family, self._type, self._proto, fileno=fd)

    # --- addresses

    def bind(self, address):
        _call(self._sock().bind, _to_wit(self._family, address, "bind"))

    def connect(self, address):
        r = self._sock()
        _call(r.connect, _to_wit(self._family, address, "connect"))

    def connect_ex(self, address):
        r = self._sock()
        wit = _to_wit(self._family, address, "connect_ex")
        try:
            r.connect(wit)
        except _Err as e:
            err = e.value
        else:
            return 0
        exc = _exception(err)
        if isinstance(exc, TimeoutError):
            return _errno.EWOULDBLOCK
        if isinstance(exc, OSError) and exc.errno:
            return exc.errno
        raise exc

    def getsockname(self):
        return _from_wit(_call(self._sock().getsockname))

    def getpeername(self):
        return _from_wit(_call(self._sock().getpeername))

    def listen(self, backlog=None):
        if backlog is None:
            backlog = min(SOMAXCONN, 128)
        if not isinstance(backlog, int):
            raise TypeError("'%s' object cannot be interpreted as an integer" % type(backlog).__name__)
        if backlog < 0:
            backlog = 0
        _call(self._sock().listen, min(backlog, 0x7FFFFFFF))

    def _accept(self):
        res, addr = _call(self._sock().accept)
        fd = res.fileno()
        _pending[fd] = res
        return fd, _from_wit(addr)

    def shutdown(self, how):
        if not isinstance(how, int):
            raise TypeError("'%s' object cannot be interpreted as an integer" % type(how).__name__)
        _call(self._sock().shutdown, how)

    # --- modes

    def settimeout(self, value):
        _call(self._sock().settimeout, _timeout_value(value))

    def gettimeout(self):
        return self._sock().gettimeout() if self._res is not None else None

    def setblocking(self, flag):
        _call(self._sock().setblocking, bool(flag))

    def getblocking(self):
        return self._sock().getblocking()

    # --- options

    def setsockopt(self, level, optname, value, optlen=None):
        r = self._sock()
        if optlen is not None:
            if value is not None:
                raise TypeError("setsockopt() takes exactly 3 arguments (4 given)")
            v = _sockets.OptionValue_Null(optlen)
        elif isinstance(value, int):
            v = _sockets.OptionValue_Int(int(value))
        elif value is None:
            raise TypeError("setsockopt() argument 3 must be int, a bytes-like object or None with optlen")
        else:
            v = _sockets.OptionValue_Bytes(_bytes(value))
        _call(r.setsockopt, level, optname, v)

    def getsockopt(self, level, optname, buflen=None):
        r = self._sock()
        if buflen is None:
            return _call(r.getsockopt, level, optname)
        if not isinstance(buflen, int):
            raise TypeError("'%s' object cannot be interpreted as an integer" % type(buflen).__name__)
        if buflen <= 0 or buflen > 1024:
            raise OSError("getsockopt buflen out of range")
        return _call(r.getsockopt_bytes, level, optname, buflen)

    # --- data

    # The data calls are written out in full (no _call/_sock helpers): they
    # are the hot path, and each Python call costs about 0.2 µs in the guest.

    def recv(self, bufsize, flags=0):
        r = self._res
        if r is None:
            raise _ebadf()
        if type(bufsize) is not int or bufsize < 0:
            _buffer_size(bufsize, "recv")
        try:
            return r.recv(bufsize, flags)
        except _Err as e:
            err = e.value
        raise _exception(err)

    def recv_into(self, buffer, nbytes=0, flags=0):
        view = _writable(buffer, "recv_into")
        if nbytes < 0:
            raise ValueError("negative buffersize in recv_into")
        if nbytes == 0:
            nbytes = len(view)
        if nbytes > len(view):
            raise ValueError("buffer too small for requested bytes")
        r = self._res
        if r is None:
            raise _ebadf()
        try:
            data = r.recv(nbytes, flags)
        except _Err as e:
            err = e.value
        else:
            n = len(data)
            view[:n] = data
            return n
        raise _exception(err)

    def recvfrom(self, bufsize, flags=0):
        _buffer_size(bufsize, "recvfrom")
        data, addr = _call(self._sock().recvfrom, bufsize, flags)
        return data, _from_wit(addr)

    def recvfrom_into(self, buffer, nbytes=0, flags=0):
        view = _writable(buffer, "recvfrom_into")
        if nbytes < 0:
            raise ValueError("negative buffersize in recvfrom_into")
        if nbytes == 0:
            nbytes = len(view)
        if nbytes > len(view):
            raise ValueError("nbytes is greater than the length of the buffer")
        data, addr = _call(self._sock().recvfrom, nbytes, flags)
        n = len(data)
        view[:n] = data
        return n, _from_wit(addr)

    def recvmsg(self, bufsize, ancbufsize=0, flags=0):
        _buffer_size(bufsize, "recvmsg")
        if ancbufsize < 0:
            raise ValueError("negative buffer size in recvmsg()")
        m = _call(self._sock().recvmsg, bufsize, ancbufsize, flags)
        anc = [(a.level, a.type, bytes(a.data)) for a in m.ancdata]
        return m.data, anc, m.msg_flags, _from_wit(m.address)

    def recvmsg_into(self, buffers, ancbufsize=0, flags=0):
        views = [memoryview(b).cast("B") for b in buffers]
        total = sum(len(v) for v in views)
        m = _call(self._sock().recvmsg, total, ancbufsize, flags)
        data = m.data
        pos = 0
        for v in views:
            chunk = data[pos:pos + len(v)]
            v[:len(chunk)] = chunk
            pos += len(chunk)
            if pos >= len(data):
                break
        anc = [(a.level, a.type, bytes(a.data)) for a in m.ancdata]
        return len(data), anc, m.msg_flags, _from_wit(m.address)

    def send(self, data, flags=0):
        r = self._res
        if r is None:
            raise _ebadf()
        if type(data) is not bytes:
            data = _bytes(data)
        try:
            return r.send(data, flags)
        except _Err as e:
            err = e.value
        raise _exception(err)

    def sendall(self, data, flags=0):
        r = self._res
        if r is None:
            raise _ebadf()
        if type(data) is not bytes:
            data = _bytes(data)
        try:
            return r.sendall(data, flags)
        except _Err as e:
            err = e.value
        raise _exception(err)

    def sendto(self, data, *args):
        if len(args) == 1:
            flags, address = 0, args[0]
        elif len(args) == 2:
            flags, address = args
        else:
            raise TypeError("sendto() takes 2 or 3 arguments (%d given)" % (len(args) + 1))
        r = self._sock()
        return _call(r.sendto, _bytes(data), flags, _to_wit(self._family, address, "sendto"))

    def sendmsg(self, buffers, ancdata=(), flags=0, address=None):
        r = self._sock()
        bufs = [_bytes(b) for b in buffers]
        anc = []
        for item in ancdata:
            level, kind, data = item
            anc.append(_sockets.Ancillary(level, kind, _bytes(data)))
        wit = None if address is None else _to_wit(self._family, address, "sendmsg")
        return _call(r.sendmsg, bufs, anc, flags, wit)

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()


SocketType = socket

# ---------------------------------------------------------------- module functions


def socketpair(family=AF_UNIX, type=SOCK_STREAM, proto=0):
    a, b = _call(_sockets.socketpair, family, type, proto)
    fa, fb = a.fileno(), b.fileno()
    _pending[fa] = a
    _pending[fb] = b
    return socket(family, type, proto, fileno=fa), socket(family, type, proto, fileno=fb)


def dup(fd):
    fd = _index(fd)
    r = _resource(fd)
    if r is None:
        r = _call(_sockets.from_fd, fd)
        _pending[fd] = r
    new = _call(r.dup)
    nfd = new.fileno()
    _pending[nfd] = new
    return nfd


def close(fd):
    fd = _index(fd)  # a non-int must not reach the host (the guest would trap)
    r = _pending.pop(fd, None)
    if r is None:
        r = _by_fd.pop(fd, None)
        _holders.pop(fd, None)
    if r is not None:
        _call(r.close)
        return
    _call(_sockets.close_fd, fd)


def getdefaulttimeout():
    return _GLOBAL_TIMEOUT[0]


def _timeout_value(value):
    """A timeout argument as CPython's socket_parse_timeout takes it."""
    if value is None:
        return None
    if not isinstance(value, (int, float)):
        raise TypeError("'%s' object cannot be interpreted as an integer" % type(value).__name__)
    if value != value:
        raise ValueError("Invalid value NaN (not a number)")
    if value < 0:
        raise ValueError("Timeout value out of range")
    return float(value)


def setdefaulttimeout(value):
    _GLOBAL_TIMEOUT[0] = _timeout_value(value)


def _service(port):
    if port is None:
        return None
    if isinstance(port, int):
        return str(port)
    if isinstance(port, str):
        return _text(port)
    if isinstance(port, bytes):
        return port.decode("ascii")
    raise OSError("Int or String expected")


def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
    if host is not None:
        if isinstance(host, str):
            host = host.encode("idna").decode("ascii")
        elif isinstance(host, (bytes, bytearray)):
            host = bytes(host).decode("ascii")
        else:
            raise TypeError("getaddrinfo() argument 1 must be string or None")
    service = _service(port)
    infos = _call(_resolver.getaddrinfo, host, service, family, type, proto, flags)
    return [(ai.family, ai.socket_type, ai.proto, ai.canonname, _from_wit(ai.address)) for ai in infos]


def getnameinfo(sockaddr, flags):
    if not isinstance(sockaddr, tuple):
        raise TypeError("getnameinfo() argument 1 must be a tuple")
    if not 2 <= len(sockaddr) <= 4:
        raise TypeError("getnameinfo(): illegal sockaddr argument")
    host = sockaddr[0]
    if not isinstance(host, str):
        raise TypeError("getnameinfo(): illegal sockaddr argument")
    host, _scope = _split_scope(host)
    if _inet.pton4(host) is not None and len(sockaddr) == 2:
        family = AF_INET
    elif _inet.pton6(host) is not None:
        family = AF_INET6
    elif _inet.pton4(host) is not None:
        raise OSError("IPv4 sockaddr must be 2 tuple")
    else:
        raise gaierror(EAI_NONAME, _abi.GAI[EAI_NONAME][1])
    wit = _to_wit(family, sockaddr if family == AF_INET6 else (host, sockaddr[1]), "getnameinfo")
    return _call(_resolver.getnameinfo, wit, flags)


def gethostbyname(hostname):
    host = _host_str(hostname, "gethostbyname")
    return _inet.ntop4(_resolve_one(host, AF_INET))


def gethostbyname_ex(hostname):
    h = _call(_resolver.gethostbyname_ex, _host_str(hostname, "gethostbyname_ex"))
    return h.name, list(h.aliases), list(h.addresses)


def gethostbyaddr(ip_address):
    h = _call(_resolver.gethostbyaddr, _host_str(ip_address, "gethostbyaddr"))
    return h.name, list(h.aliases), list(h.addresses)


def gethostname():
    return _call(_resolver.gethostname)


def sethostname(name):
    raise _oserror("EPERM")


def getservbyname(servicename, protocolname=None):
    return _call(_resolver.getservbyname, _text(servicename), _text(protocolname))


def getservbyport(port, protocolname=None):
    if not isinstance(port, int):
        raise TypeError("'%s' object cannot be interpreted as an integer" % type(port).__name__)
    if not 0 <= port <= 0xFFFF:
        raise OverflowError("getservbyport: port must be 0-65535.")
    return _call(_resolver.getservbyport, port, _text(protocolname))


def getprotobyname(name):
    return _call(_resolver.getprotobyname, _text(name))


def if_nameindex():
    return [(i, n) for i, n in _call(_resolver.if_nameindex)]


def if_nametoindex(name):
    name = _os.fsdecode(name)  # CPython's PyUnicode_FSConverter
    for i, n in if_nameindex():
        if n == name:
            return i
    raise OSError("no interface with this name")


def if_indextoname(index):
    if not isinstance(index, int):
        raise TypeError("'%s' object cannot be interpreted as an integer" % type(index).__name__)
    if index < 0:
        raise OverflowError("can't convert negative value to unsigned int")
    if index > 0xFFFFFFFF:
        raise OverflowError("index is too large")
    for i, n in if_nameindex():
        if i == index:
            return n
    raise OSError(_guest_errno("ENXIO", 6), "No such device or address")


def _index(x):
    if not isinstance(x, int):
        raise TypeError("'%s' object cannot be interpreted as an integer" % type(x).__name__)
    return x


def htons(x):
    """htons(integer) -> integer"""
    return _swap16(_index(x), "htons")


def ntohs(x):
    """ntohs(integer) -> integer"""
    return _swap16(_index(x), "ntohs")


def _swap16(x, fn):
    if x < 0:
        raise OverflowError("%s: can't convert negative Python int to C 16-bit unsigned integer" % fn)
    if x > 0xFFFF:
        raise OverflowError("%s: Python int too large to convert to C 16-bit unsigned integer" % fn)
    return ((x & 0xFF) << 8) | (x >> 8)


def _swap32(x):
    if not isinstance(x, int):
        raise TypeError("expected int, %s found" % type(x).__name__)
    if x < 0:
        raise OverflowError("can't convert negative value to unsigned int")
    if x > 0xFFFFFFFF:
        raise OverflowError("int larger than 32 bits")
    return int.from_bytes(x.to_bytes(4, "big"), "little")


def htonl(x):
    """htonl(integer) -> integer"""
    return _swap32(x)


def ntohl(x):
    """ntohl(integer) -> integer"""
    return _swap32(x)


def inet_aton(string):
    if not isinstance(string, str):
        raise TypeError("inet_aton() argument 1 must be str, not %s" % type(string).__name__)
    try:
        string.encode("ascii")
    except UnicodeEncodeError:
        raise OSError("illegal IP address string passed to inet_aton") from None
    if "\0" in string:
        raise ValueError("embedded null character")
    word = _inet.aton(string)
    if word is None:
        raise OSError("illegal IP address string passed to inet_aton")
    return word.to_bytes(4, "big")


def inet_ntoa(packed_ip):
    b = _bytes(packed_ip)
    if len(b) != 4:
        raise OSError("packed IP wrong length for inet_ntoa")
    return _inet.ntop4(b)


def inet_pton(address_family, ip_string):
    if not isinstance(ip_string, str):
        raise TypeError("inet_pton() argument 2 must be str, not %s" % type(ip_string).__name__)
    if "\0" in ip_string:
        raise ValueError("embedded null character")
    if address_family == AF_INET:
        r = _inet.pton4(ip_string)
    elif address_family == AF_INET6:
        r = _inet.pton6(ip_string)
    else:
        raise _oserror("EAFNOSUPPORT")
    if r is None:
        raise OSError("illegal IP address string passed to inet_pton")
    return r


def inet_ntop(address_family, packed_ip):
    b = _bytes(packed_ip)
    if address_family == AF_INET:
        if len(b) != 4:
            raise ValueError("invalid length of packed IP address string")
        return _inet.ntop4(b)
    if address_family == AF_INET6:
        if len(b) != 16:
            raise ValueError("invalid length of packed IP address string")
        return _inet.ntop6(b)
    raise ValueError("unknown address family %d" % address_family)


def CMSG_LEN(length):
    if not isinstance(length, int):
        raise TypeError("'%s' object cannot be interpreted as an integer" % type(length).__name__)
    if length < 0 or length > 0x7FFFFFFF - _CMSG_HDR:
        raise OverflowError("CMSG_LEN() argument out of range")
    return _CMSG_HDR + length


def CMSG_SPACE(length):
    if not isinstance(length, int):
        raise TypeError("'%s' object cannot be interpreted as an integer" % type(length).__name__)
    # CPython's get_CMSG_SPACE: CMSG_SPACE(1) covers the padding before
    # and after the data.
    if length < 0 or length > 0x7FFFFFFF - (_CMSG_HDR + _ALIGN):
        raise OverflowError("CMSG_SPACE() argument out of range")
    return _CMSG_HDR + ((length + _ALIGN - 1) & ~(_ALIGN - 1))


def has_dualstack_ipv6():
    return _sockets.has_dualstack_ipv6()
