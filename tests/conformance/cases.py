"""capsock's conformance cases, CPython side.

Every case here has a twin in tests/guests/src/conformance/ (same name, same
steps, same order). Both print one normalised line per step:

    CASE step: ok <repr of the value>
    CASE step: raise <ExceptionClass> <errno or -> <str(e)>

and tests/tests/e2e/conformance.rs runs this script under CPython and the
guest under capsock against the same native peers, then diffs the lines.

Usage: python3 cases.py ECHO4 ECHO6 UDPECHO4 UDPECHO6 CLOSED4 CLOSED6 UNIXDIR

UNIXDIR is an empty directory for AF_UNIX paths (the guest's policy grants
the same directory, so paths print the same in both runs).
"""

import array
import os
import select
import selectors
import socket
import sys
import time

ARGS = [int(a) for a in sys.argv[1:7]]
ECHO4, ECHO6, UDPECHO4, UDPECHO6, CLOSED4, CLOSED6 = ARGS
# Ports that are the same in both runs; every other port is shown as '*'.
FIXED = set(ARGS)
UNIXDIR = sys.argv[7]
# Abstract names: unique to this run of the host test, the same in both runs.
ABSTRACT = b"\x00capsock-conformance-" + os.path.basename(UNIXDIR).encode()


class Variant:
    def __init__(self, name, fam, host, echo, udpecho, closed):
        self.name, self.fam, self.host = name, fam, host
        self.echo, self.udpecho, self.closed = echo, udpecho, closed


INET = Variant("inet", socket.AF_INET, "127.0.0.1", ECHO4, UDPECHO4, CLOSED4)
INET6 = Variant("inet6", socket.AF_INET6, "::1", ECHO6, UDPECHO6, CLOSED6)
FAMS = [INET, INET6]
ONE = [None]


def norm(v):
    """repr(v), with ephemeral ports in socket addresses shown as '*'."""
    if isinstance(v, Held):
        return "<held>"
    if isinstance(v, tuple):
        if len(v) in (2, 4) and isinstance(v[0], str) and type(v[1]) is int:
            port = str(v[1]) if v[1] in FIXED else "*"
            return "(" + ", ".join([repr(v[0]), port] + [repr(x) for x in v[2:]]) + ")"
        inner = ", ".join(norm(x) for x in v)
        return "(" + inner + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, list):
        return "[" + ", ".join(norm(x) for x in v) + "]"
    if isinstance(v, bool) or v is None:
        return repr(v)
    if isinstance(v, int):
        return repr(int(v))
    if isinstance(v, bytearray):
        return repr(bytes(v))
    if isinstance(v, socket.socket):
        return "<socket>"
    if isinstance(v, (str, bytes, float)):
        return repr(v)
    return f"<{type(v).__name__}>"


class Abort(Exception):
    pass


class Ctx:
    def __init__(self, name):
        self.name = name

    def step(self, label, fn, must=False):
        try:
            v = fn()
        except BaseException as e:  # every exception is a result
            errno = getattr(e, "errno", None)
            print(f"{self.name} {label}: raise {type(e).__name__} {'-' if errno is None else errno} {e}")
            if must:
                raise Abort()
            return None
        print(f"{self.name} {label}: ok {norm(v)}")
        return v

    def must(self, label, fn):
        return self.step(label, fn, must=True)

    def show(self, label, v):
        print(f"{self.name} {label}: ok {norm(v)}")


CASES = []


def case(mirror, variants=FAMS):
    def register(fn):
        CASES.append((fn.__name__, mirror, fn, variants))
        return fn

    return register


def stream(v):
    return socket.socket(v.fam, socket.SOCK_STREAM)


def dgram(v):
    return socket.socket(v.fam, socket.SOCK_DGRAM)


def tcp_pair(c, v):
    """A listener, a client connected to it, and the accepted socket."""
    srv = c.must("listener", lambda: stream(v))
    c.must("bind", lambda: srv.bind((v.host, 0)))
    c.must("listen", lambda: srv.listen(5))
    cli = c.must("client", lambda: stream(v))
    c.must("connect", lambda: cli.connect(srv.getsockname()))
    conn, _ = c.must("accept", lambda: srv.accept())
    return srv, cli, conn


def udp_pair(c, v):
    """Two bound UDP sockets; returns (a, b, b's address)."""
    a = c.must("sock_a", lambda: dgram(v))
    c.must("bind_a", lambda: a.bind((v.host, 0)))
    b = c.must("sock_b", lambda: dgram(v))
    c.must("bind_b", lambda: b.bind((v.host, 0)))
    return a, b, b.getsockname()


def full_listener(c, v):
    """A listener whose backlog is full, so a new connect hangs in SYN_SENT."""
    srv = c.must("listener", lambda: stream(v))
    c.must("bind", lambda: srv.bind((v.host, 0)))
    c.must("listen0", lambda: srv.listen(0))
    filler = c.must("filler", lambda: stream(v))
    c.must("fill", lambda: filler.connect(srv.getsockname()))
    return srv, filler


MSG = b"Michael Gilfix was here/u1234\r\n"
BIG = bytes(range(256)) * 4096  # 1 MiB

# --- GeneralModuleTests ------------------------------------------------------


@case("GeneralModuleTests.testNtoH", ONE)
def ntoh16(c, v):
    for x in (0, 1, 0x1234, 0xFFFF):
        c.step(f"htons({x})", lambda: socket.htons(x))
        c.step(f"ntohs({x})", lambda: socket.ntohs(x))
    c.step("roundtrip", lambda: socket.ntohs(socket.htons(0xABCD)))


@case("GeneralModuleTests.testNtoH", ONE)
def ntoh32(c, v):
    for x in (0, 1, 0x12345678, 0xFFFFFFFF):
        c.step(f"htonl({x})", lambda: socket.htonl(x))
        c.step(f"ntohl({x})", lambda: socket.ntohl(x))
    c.step("roundtrip", lambda: socket.ntohl(socket.htonl(0xDEADBEEF)))


@case("GeneralModuleTests.testNtoHErrors", ONE)
def ntoh_negative(c, v):
    c.step("htons(-1)", lambda: socket.htons(-1))


@case("GeneralModuleTests.testNtoHErrors", ONE)
def ntoh_overflow16(c, v):
    c.step("htons(0x10000)", lambda: socket.htons(0x10000))


@case("GeneralModuleTests.testNtoHErrors", ONE)
def ntoh_overflow32(c, v):
    c.step("htonl(1<<32)", lambda: socket.htonl(1 << 32))


@case("GeneralModuleTests.testDefaultTimeout", ONE)
def default_timeout_initial(c, v):
    c.step("getdefaulttimeout", lambda: socket.getdefaulttimeout())
    s = c.must("socket", lambda: socket.socket())
    c.step("gettimeout", lambda: s.gettimeout())
    c.step("getblocking", lambda: s.getblocking())


@case("GeneralModuleTests.testDefaultTimeout")
def default_timeout_set(c, v):
    c.step("setdefaulttimeout", lambda: socket.setdefaulttimeout(10))
    c.step("getdefaulttimeout", lambda: socket.getdefaulttimeout())
    s = c.must("socket", lambda: stream(v))
    c.step("gettimeout", lambda: s.gettimeout())
    c.step("getblocking", lambda: s.getblocking())
    c.step("reset", lambda: socket.setdefaulttimeout(None))
    s2 = c.must("socket2", lambda: stream(v))
    c.step("gettimeout2", lambda: s2.gettimeout())
    c.step("old_socket_unchanged", lambda: s.gettimeout())


@case("GeneralModuleTests.testDefaultTimeout", ONE)
def default_timeout_zero(c, v):
    c.step("setdefaulttimeout", lambda: socket.setdefaulttimeout(0.0))
    s = c.must("socket", lambda: socket.socket())
    c.step("gettimeout", lambda: s.gettimeout())
    c.step("getblocking", lambda: s.getblocking())


@case("GeneralModuleTests.testDefaultTimeout", ONE)
def default_timeout_negative(c, v):
    c.step("setdefaulttimeout(-1)", lambda: socket.setdefaulttimeout(-1))
    c.step("getdefaulttimeout", lambda: socket.getdefaulttimeout())


@case("GeneralModuleTests.testDefaultTimeout", ONE)
def default_timeout_nan(c, v):
    c.step("setdefaulttimeout(nan)", lambda: socket.setdefaulttimeout(float("nan")))


@case("GeneralModuleTests.testDefaultTimeout", ONE)
def default_timeout_inf(c, v):
    c.step("setdefaulttimeout(inf)", lambda: socket.setdefaulttimeout(float("inf")))


@case("GeneralModuleTests.testGetServBy", ONE)
def getservbyname_tcp(c, v):
    c.step("getservbyname(echo,tcp)", lambda: socket.getservbyname("echo", "tcp"))


@case("GeneralModuleTests.testGetServBy", ONE)
def getservbyport_tcp(c, v):
    c.step("getservbyport(7,tcp)", lambda: socket.getservbyport(7, "tcp"))


@case("GeneralModuleTests.testIPv4toString", ONE)
def inet_aton(c, v):
    c.step("inet_aton(127.0.0.1)", lambda: socket.inet_aton("127.0.0.1"))


@case("GeneralModuleTests.testIPv4toString", ONE)
def inet_pton4(c, v):
    c.step("inet_pton(AF_INET,1.2.3.4)", lambda: socket.inet_pton(socket.AF_INET, "1.2.3.4"))


@case("GeneralModuleTests.testIPv6toString", ONE)
def inet_pton6(c, v):
    c.step("inet_pton(AF_INET6,::1)", lambda: socket.inet_pton(socket.AF_INET6, "::1"))


@case("GeneralModuleTests.testStringToIPv4", ONE)
def inet_ntoa(c, v):
    c.step("inet_ntoa", lambda: socket.inet_ntoa(b"\x7f\x00\x00\x01"))


@case("GeneralModuleTests.testStringToIPv6", ONE)
def inet_ntop6(c, v):
    c.step("inet_ntop", lambda: socket.inet_ntop(socket.AF_INET6, b"\x00" * 15 + b"\x01"))


@case("GeneralModuleTests.testGetaddrinfo", ONE)
def getaddrinfo_numeric(c, v):
    c.step("getaddrinfo", lambda: socket.getaddrinfo("127.0.0.1", 80, socket.AF_INET, socket.SOCK_STREAM))


@case("GeneralModuleTests.testGetaddrinfo", ONE)
def getaddrinfo_bad_family(c, v):
    c.step("getaddrinfo", lambda: socket.getaddrinfo("127.0.0.1", 80, socket.AF_INET6, socket.SOCK_STREAM, 0,
                                                     socket.AI_NUMERICHOST))


@case("GeneralModuleTests.testSockName")
def sockname(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("unbound", lambda: s.getsockname())
    c.must("bind", lambda: s.bind((v.host, 0)))
    name = c.must("getsockname", lambda: s.getsockname())
    c.show("port_nonzero", name[1] != 0)


@case("GeneralModuleTests.testGetSockOpt")
def getsockopt_reuseaddr(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("SO_REUSEADDR", lambda: s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR))


@case("GeneralModuleTests.testSetSockOpt")
def setsockopt_reuseaddr(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("set", lambda: s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1))
    c.step("get", lambda: s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) != 0)


@case("GeneralModuleTests.testSetSockOpt")
def setsockopt_bytes(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("set", lambda: s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, (1).to_bytes(4, sys.byteorder)))
    c.step("get", lambda: s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))
    c.step("get_bytes", lambda: s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 4))


@case("GeneralModuleTests.testGetSockOpt")
def getsockopt_buflen_range(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("buflen 1025", lambda: s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1025))


@case("GeneralModuleTests.testGetSockOpt")
def getsockopt_type(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("SO_TYPE", lambda: s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE))
    c.step("SO_ERROR", lambda: s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))


@case("GeneralModuleTests.testSendAfterClose")
def send_after_close(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("close", lambda: s.close())
    c.step("send", lambda: s.send(b"spam"))


# Every method on a closed socket (test_unusable_closed_socketio,
# testSendAfterClose, testRecvmsgAfterClose…): one case per method.
CLOSED_METHODS = [
    ("bind", lambda s, v: s.bind((v.host, 0))),
    ("connect", lambda s, v: s.connect((v.host, v.echo))),
    ("connect_ex", lambda s, v: s.connect_ex((v.host, v.echo))),
    ("listen", lambda s, v: s.listen(1)),
    ("accept", lambda s, v: s.accept()),
    ("recv", lambda s, v: s.recv(10)),
    ("recvfrom", lambda s, v: s.recvfrom(10)),
    ("recv_into", lambda s, v: s.recv_into(bytearray(10))),
    ("recvfrom_into", lambda s, v: s.recvfrom_into(bytearray(10))),
    ("recvmsg", lambda s, v: s.recvmsg(10)),
    ("send", lambda s, v: s.send(b"x")),
    ("sendall", lambda s, v: s.sendall(b"x")),
    ("sendto", lambda s, v: s.sendto(b"x", (v.host, v.echo))),
    ("sendmsg", lambda s, v: s.sendmsg([b"x"])),
    ("getsockname", lambda s, v: s.getsockname()),
    ("getpeername", lambda s, v: s.getpeername()),
    ("getsockopt", lambda s, v: s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)),
    ("setsockopt", lambda s, v: s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)),
    ("settimeout", lambda s, v: s.settimeout(1.0)),
    ("setblocking", lambda s, v: s.setblocking(False)),
    ("shutdown", lambda s, v: s.shutdown(socket.SHUT_RDWR)),
    ("dup", lambda s, v: s.dup()),
    ("detach", lambda s, v: s.detach()),
    ("fileno", lambda s, v: s.fileno()),
    ("close", lambda s, v: s.close()),
]


def closed_case(method, call):
    def body(c, v):
        s = c.must("socket", lambda: stream(v))
        c.must("close", lambda: s.close())
        c.step(method, lambda: call(s, v))
        c.step("fileno", lambda: s.fileno())

    body.__name__ = f"closed_{method}"
    return body


for _m, _call in CLOSED_METHODS:
    case("GeneralModuleTests.test_unusable_closed_socketio")(closed_case(_m, _call))


@case("GeneralModuleTests.test_unusable_closed_socketio")
def closed_timeout_state(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("settimeout", lambda: s.settimeout(2.5))
    c.must("close", lambda: s.close())
    c.step("gettimeout", lambda: s.gettimeout())
    c.step("getblocking", lambda: s.getblocking())
    c.step("settimeout_closed", lambda: s.settimeout(0.0))
    c.step("gettimeout_after", lambda: s.gettimeout())


@case("GeneralModuleTests.testNewAttributes")
def attributes_stream(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("family", lambda: int(s.family) == v.fam)
    c.step("type", lambda: int(s.type))
    c.step("proto", lambda: s.proto)


@case("GeneralModuleTests.testNewAttributes")
def attributes_dgram(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("family", lambda: int(s.family) == v.fam)
    c.step("type", lambda: int(s.type))
    c.step("proto", lambda: s.proto)


@case("GeneralModuleTests.testNewAttributes")
def attributes_proto(c, v):
    s = c.must("socket", lambda: socket.socket(v.fam, socket.SOCK_STREAM, socket.IPPROTO_TCP))
    c.step("proto", lambda: s.proto)
    u = c.must("udp", lambda: socket.socket(v.fam, socket.SOCK_DGRAM, socket.IPPROTO_UDP))
    c.step("udp_proto", lambda: u.proto)


@case("GeneralModuleTests.test_socket_consistent_sock_type")
def sock_type_flags(c, v):
    s = c.must("socket", lambda: socket.socket(v.fam, socket.SOCK_STREAM | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC))
    c.step("type", lambda: int(s.type))
    c.step("gettimeout", lambda: s.gettimeout())
    c.step("settimeout(1)", lambda: s.settimeout(1))
    c.step("type_after", lambda: int(s.type))


@case("GeneralModuleTests.test_listen_backlog")
def listen_backlog_negative(c, v):
    s = c.must("socket", lambda: stream(v))
    c.must("bind", lambda: s.bind((v.host, 0)))
    c.step("listen(-1)", lambda: s.listen(-1))


@case("GeneralModuleTests.test_listen_backlog")
def listen_backlog_zero(c, v):
    s = c.must("socket", lambda: stream(v))
    c.must("bind", lambda: s.bind((v.host, 0)))
    c.step("listen(0)", lambda: s.listen(0))
    c.step("listen_again", lambda: s.listen(10))


@case("GeneralModuleTests.test_listen_backlog_overflow")
def listen_backlog_overflow(c, v):
    s = c.must("socket", lambda: stream(v))
    c.must("bind", lambda: s.bind((v.host, 0)))
    c.step("listen(INT_MAX+1)", lambda: s.listen(2**31))


@case("GeneralModuleTests.test_flowinfo", [INET6])
def flowinfo_negative(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("bind", lambda: s.bind(("::1", 0, -10)))


@case("GeneralModuleTests.test_flowinfo", [INET6])
def flowinfo_too_large(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("bind", lambda: s.bind(("::1", 0, 0x100000, 0)))
    c.step("connect", lambda: s.connect(("::1", v.echo, 0x100000, 0)))


@case("GeneralModuleTests.test_getsockaddrarg")
def port_overflow(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("bind", lambda: s.bind((v.host, 65536)))


@case("GeneralModuleTests.test_getsockaddrarg")
def port_negative(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("bind", lambda: s.bind((v.host, -1)))


@case("GeneralModuleTests.testSendtoErrors")
def sendto_none(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("sendto", lambda: s.sendto(b"foo", None))


@case("GeneralModuleTests.testSendtoErrors")
def sendto_str_address(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("sendto", lambda: s.sendto(b"foo", "bar"))


@case("GeneralModuleTests.testSendtoErrors")
def sendto_bytes_address(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("sendto", lambda: s.sendto(b"foo", b"bar"))


@case("GeneralModuleTests.testSendtoErrors")
def sendto_flags_str_address(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("sendto", lambda: s.sendto(b"foo", 0, "bar"))


@case("GeneralModuleTests.test_getsockaddrarg")
def connect_str_address(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("connect", lambda: s.connect("bar"))


@case("GeneralModuleTests.test_getsockaddrarg")
def bind_str_address(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("bind", lambda: s.bind("bar"))


@case("GeneralModuleTests.test_getsockaddrarg", [INET])
def inet_socket_v6_address(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("connect", lambda: s.connect(("::1", v.echo)))


@case("GeneralModuleTests.test_getsockaddrarg", [INET6])
def inet6_socket_mapped_address(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("connect", lambda: s.connect(("::ffff:127.0.0.1", ECHO4)))
    c.step("getpeername", lambda: s.getpeername())


@case("GeneralModuleTests.testSockName")
def bind_twice(c, v):
    s = c.must("socket", lambda: stream(v))
    c.must("bind", lambda: s.bind((v.host, 0)))
    c.step("bind_again", lambda: s.bind((v.host, 0)))


@case("GeneralModuleTests.testSockName")
def bind_in_use(c, v):
    a = c.must("a", lambda: stream(v))
    c.must("bind_a", lambda: a.bind((v.host, 0)))
    c.must("listen", lambda: a.listen(1))
    b = c.must("b", lambda: stream(v))
    c.step("bind_b", lambda: b.bind(a.getsockname()))


@case("GeneralModuleTests.testSockName", [INET])
def bind_nonlocal(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("bind", lambda: s.bind(("192.0.2.1", 0)))


@case("GeneralModuleTests.testSockName")
def bind_any(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("bind", lambda: s.bind(("", 0)))
    c.step("getsockname", lambda: s.getsockname())


# --- settimeout / setblocking (GeneralModuleTests, NonBlockingTCPTests) ------


@case("NonBlockingTCPTests.testSetBlocking")
def settimeout_negative(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("settimeout(-1)", lambda: s.settimeout(-1))
    c.step("gettimeout", lambda: s.gettimeout())


@case("NonBlockingTCPTests.testSetBlocking")
def settimeout_nan(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("settimeout(nan)", lambda: s.settimeout(float("nan")))


@case("NonBlockingTCPTests.testSetBlocking_overflow")
def settimeout_inf(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("settimeout(inf)", lambda: s.settimeout(float("inf")))
    c.step("settimeout(1e10)", lambda: s.settimeout(1e10))


@case("NonBlockingTCPTests.testSetBlocking")
def settimeout_values(c, v):
    s = c.must("socket", lambda: stream(v))
    for t in (0.25, 0.0, None, 3.0, 1e-9):
        c.step(f"settimeout({t})", lambda: s.settimeout(t))
        c.step(f"gettimeout({t})", lambda: s.gettimeout())
        c.step(f"getblocking({t})", lambda: s.getblocking())


@case("NonBlockingTCPTests.testSetBlocking")
def setblocking_flags(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("setblocking(False)", lambda: s.setblocking(False))
    c.step("gettimeout", lambda: s.gettimeout())
    c.step("getblocking", lambda: s.getblocking())
    c.step("setblocking(True)", lambda: s.setblocking(True))
    c.step("gettimeout2", lambda: s.gettimeout())
    c.step("getblocking2", lambda: s.getblocking())
    c.step("settimeout(5)", lambda: s.settimeout(5))
    c.step("setblocking(True)2", lambda: s.setblocking(True))
    c.step("gettimeout3", lambda: s.gettimeout())


@case("NonBlockingTCPTests.testInitNonBlocking")
def init_nonblocking(c, v):
    s = c.must("socket", lambda: socket.socket(v.fam, socket.SOCK_STREAM | socket.SOCK_NONBLOCK))
    c.step("gettimeout", lambda: s.gettimeout())
    c.step("getblocking", lambda: s.getblocking())
    c.step("type", lambda: int(s.type))


@case("NonBlockingTCPTests.testInitNonBlocking")
def init_nonblocking_ignores_default(c, v):
    c.step("setdefaulttimeout", lambda: socket.setdefaulttimeout(7))
    s = c.must("socket", lambda: socket.socket(v.fam, socket.SOCK_STREAM | socket.SOCK_NONBLOCK))
    c.step("gettimeout", lambda: s.gettimeout())


@case("NonBlockingTCPTests.testAccept")
def nonblocking_accept(c, v):
    s = c.must("socket", lambda: stream(v))
    c.must("bind", lambda: s.bind((v.host, 0)))
    c.must("listen", lambda: s.listen(1))
    c.step("setblocking", lambda: s.setblocking(False))
    c.step("accept", lambda: s.accept())
    cli = c.must("client", lambda: stream(v))
    c.must("connect", lambda: cli.connect(s.getsockname()))
    time.sleep(0.05)
    conn = c.step("accept2", lambda: s.accept()[0].getblocking())


@case("NonBlockingTCPTests.testRecv")
def nonblocking_recv(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("setblocking", lambda: conn.setblocking(False))
    c.step("recv", lambda: conn.recv(1024))
    c.step("recvfrom", lambda: conn.recvfrom(1024))
    c.step("recv_into", lambda: conn.recv_into(bytearray(10)))
    c.must("send", lambda: cli.sendall(MSG))
    time.sleep(0.05)
    c.step("recv2", lambda: conn.recv(1024))


@case("NonBlockingTCPTests.testRecv")
def recv_dontwait(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("recv", lambda: conn.recv(1024, socket.MSG_DONTWAIT))
    c.step("gettimeout", lambda: conn.gettimeout())


@case("NonBlockingTCPTests.testInheritFlagsBlocking")
def inherit_blocking(c, v):
    s = c.must("socket", lambda: stream(v))
    c.must("bind", lambda: s.bind((v.host, 0)))
    c.must("listen", lambda: s.listen(1))
    c.step("setblocking", lambda: s.setblocking(False))
    cli = c.must("client", lambda: stream(v))
    c.must("connect", lambda: cli.connect(s.getsockname()))
    time.sleep(0.05)
    conn, _ = c.must("accept", lambda: s.accept())
    c.step("getblocking", lambda: conn.getblocking())
    c.step("gettimeout", lambda: conn.gettimeout())


@case("NonBlockingTCPTests.testInheritFlagsTimeout")
def inherit_timeout(c, v):
    s = c.must("socket", lambda: stream(v))
    c.must("bind", lambda: s.bind((v.host, 0)))
    c.must("listen", lambda: s.listen(1))
    c.step("settimeout", lambda: s.settimeout(2.0))
    cli = c.must("client", lambda: stream(v))
    c.must("connect", lambda: cli.connect(s.getsockname()))
    conn, _ = c.must("accept", lambda: s.accept())
    c.step("gettimeout", lambda: conn.gettimeout())
    c.step("getblocking", lambda: conn.getblocking())


@case("NonBlockingTCPTests.testInheritFlagsTimeout")
def inherit_default_timeout(c, v):
    s = c.must("socket", lambda: stream(v))
    c.must("bind", lambda: s.bind((v.host, 0)))
    c.must("listen", lambda: s.listen(1))
    cli = c.must("client", lambda: stream(v))
    c.must("connect", lambda: cli.connect(s.getsockname()))
    c.step("setdefaulttimeout", lambda: socket.setdefaulttimeout(4.5))
    conn, _ = c.must("accept", lambda: s.accept())
    c.step("gettimeout", lambda: conn.gettimeout())
    c.step("listener_timeout", lambda: s.gettimeout())


@case("NonBlockingTCPTests.testConnect")
def nonblocking_connect_inprogress(c, v):
    srv, filler = full_listener(c, v)
    s = c.must("socket", lambda: stream(v))
    c.step("setblocking", lambda: s.setblocking(False))
    c.step("connect", lambda: s.connect(srv.getsockname()))
    c.step("connect_again", lambda: s.connect(srv.getsockname()))
    c.step("connect_ex", lambda: s.connect_ex(srv.getsockname()))


@case("NonBlockingTCPTests.testConnect")
def nonblocking_connect_ex(c, v):
    srv, filler = full_listener(c, v)
    s = c.must("socket", lambda: stream(v))
    c.step("setblocking", lambda: s.setblocking(False))
    c.step("connect_ex", lambda: s.connect_ex(srv.getsockname()))
    c.step("connect_ex2", lambda: s.connect_ex(srv.getsockname()))


@case("NonBlockingTCPTests.testConnect")
def nonblocking_connect_refused(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("setblocking", lambda: s.setblocking(False))
    r = c.step("connect_ex", lambda: s.connect_ex((v.host, v.closed)))
    time.sleep(0.05)
    c.step("SO_ERROR", lambda: s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
    c.step("connect_ex2", lambda: s.connect_ex((v.host, v.closed)))


@case("NonBlockingTCPTests.testSend")
def nonblocking_send_full(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("setblocking", lambda: cli.setblocking(False))

    def fill():
        chunk = b"x" * 65536
        for _ in range(10000):
            cli.send(chunk)
        return "never filled"

    c.step("send_until_full", fill)


# --- Timeouts ----------------------------------------------------------------


@case("TCPTimeoutTest.testTCPTimeout")
def accept_timeout(c, v):
    s = c.must("socket", lambda: stream(v))
    c.must("bind", lambda: s.bind((v.host, 0)))
    c.must("listen", lambda: s.listen(1))
    c.step("settimeout", lambda: s.settimeout(0.1))
    c.step("accept", lambda: s.accept())


@case("TCPTimeoutTest.testTimeoutZero")
def accept_timeout_zero(c, v):
    s = c.must("socket", lambda: stream(v))
    c.must("bind", lambda: s.bind((v.host, 0)))
    c.must("listen", lambda: s.listen(1))
    c.step("settimeout", lambda: s.settimeout(0.0))
    c.step("accept", lambda: s.accept())


@case("TCPTimeoutTest.testTCPTimeout")
def recv_timeout(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("settimeout", lambda: conn.settimeout(0.1))
    c.step("recv", lambda: conn.recv(1024))
    c.step("recv_into", lambda: conn.recv_into(bytearray(4)))
    c.step("still_usable", lambda: cli.sendall(b"late") or conn.recv(1024))


@case("TCPTimeoutTest.testTCPTimeout")
def connect_timeout(c, v):
    srv, filler = full_listener(c, v)
    s = c.must("socket", lambda: stream(v))
    c.step("settimeout", lambda: s.settimeout(0.2))
    c.step("connect", lambda: s.connect(srv.getsockname()))


@case("TCPTimeoutTest.testTCPTimeout")
def connect_ex_timeout(c, v):
    srv, filler = full_listener(c, v)
    s = c.must("socket", lambda: stream(v))
    c.step("settimeout", lambda: s.settimeout(0.2))
    c.step("connect_ex", lambda: s.connect_ex(srv.getsockname()))


@case("TCPTimeoutTest.testTCPTimeout")
def sendall_timeout_whole_call(c, v):
    srv = c.must("listener", lambda: stream(v))
    c.must("bind", lambda: srv.bind((v.host, 0)))
    c.must("listen", lambda: srv.listen(1))
    cli = c.must("client", lambda: stream(v))
    c.must("connect", lambda: cli.connect(srv.getsockname()))
    c.step("settimeout", lambda: cli.settimeout(0.3))
    start = time.monotonic()
    c.step("sendall", lambda: cli.sendall(BIG * 64))
    c.show("bounded", time.monotonic() - start < 2.0)


@case("UDPTimeoutTest.testUDPTimeout")
def udp_recv_timeout(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.must("bind", lambda: s.bind((v.host, 0)))
    c.step("settimeout", lambda: s.settimeout(0.1))
    c.step("recv", lambda: s.recv(1024))
    c.step("recvfrom", lambda: s.recvfrom(1024))


@case("UDPTimeoutTest.testTimeoutZero")
def udp_timeout_zero(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.must("bind", lambda: s.bind((v.host, 0)))
    c.step("settimeout", lambda: s.settimeout(0.0))
    c.step("recv", lambda: s.recv(1024))
    c.step("recvfrom_into", lambda: s.recvfrom_into(bytearray(8)))


# --- BasicTCPTest ------------------------------------------------------------


@case("BasicTCPTest.testRecv")
def tcp_recv(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(MSG))
    c.step("recv", lambda: conn.recv(1024))


@case("BasicTCPTest.testOverFlowRecv")
def tcp_overflow_recv(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(MSG))
    c.step("recv", lambda: conn.recv(len(MSG) - 3))
    c.step("recv_rest", lambda: conn.recv(1024))


@case("BasicTCPTest.testRecvFrom")
def tcp_recvfrom(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(MSG))
    c.step("recvfrom", lambda: conn.recvfrom(1024))


@case("BasicTCPTest.testOverFlowRecvFrom")
def tcp_overflow_recvfrom(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(MSG))
    c.step("recvfrom", lambda: conn.recvfrom(len(MSG) - 3))
    c.step("recvfrom_rest", lambda: conn.recvfrom(1024))


@case("BasicTCPTest.testSendAll")
def tcp_sendall(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(BIG))
    c.step("shutdown", lambda: cli.shutdown(socket.SHUT_WR))

    def drain():
        got = bytearray()
        while True:
            d = conn.recv(65536)
            if not d:
                return len(got), bytes(got) == BIG
            got += d

    c.step("received", drain)


@case("BasicTCPTest.testRecv")
def tcp_recv_zero(c, v):
    srv, cli, conn = tcp_pair(c, v)
    # SO_RCVTIMEO bounds a wait that CPython never starts (recv(0) returns
    # at once), so that a host that waits fails instead of hanging.
    tv = (0).to_bytes(8, sys.byteorder) + (300000).to_bytes(8, sys.byteorder)
    c.step("SO_RCVTIMEO", lambda: conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, tv))
    c.step("recv(0)", lambda: conn.recv(0))


@case("BasicTCPTest.testRecv")
def tcp_recv_negative(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("recv(-1)", lambda: conn.recv(-1))


@case("BasicTCPTest.testRecv")
def tcp_recv_peek(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(MSG))
    time.sleep(0.05)
    c.step("peek", lambda: conn.recv(5, socket.MSG_PEEK))
    c.step("recv", lambda: conn.recv(1024))


@case("BasicTCPTest.testRecv")
def tcp_recv_waitall(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("send1", lambda: cli.sendall(b"abc"))
    c.step("send2", lambda: cli.sendall(b"defgh"))
    c.step("recv", lambda: conn.recv(8, socket.MSG_WAITALL))


@case("BasicTCPTest.testDup")
def tcp_dup(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("settimeout", lambda: conn.settimeout(2.5))
    d = c.must("dup", lambda: conn.dup())
    c.step("dup_timeout", lambda: d.gettimeout())
    c.step("close_original", lambda: conn.close())
    c.step("sendall", lambda: cli.sendall(MSG))
    c.step("recv_dup", lambda: d.recv(1024))
    c.step("family", lambda: int(d.family) == v.fam)


@case("BasicTCPTest.testShutdown")
def tcp_shutdown(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(MSG))
    c.step("shutdown", lambda: cli.shutdown(socket.SHUT_WR))
    c.step("recv", lambda: conn.recv(1024))
    c.step("recv_eof", lambda: conn.recv(1024))
    c.step("send_after_shutdown", lambda: cli.send(b"x"))


@case("BasicTCPTest.testShutdown")
def tcp_shutdown_bad_how(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("shutdown(7)", lambda: cli.shutdown(7))
    c.step("shutdown(-1)", lambda: cli.shutdown(-1))


@case("BasicTCPTest.testShutdown")
def shutdown_unconnected(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("shutdown", lambda: s.shutdown(socket.SHUT_RDWR))


@case("BasicTCPTest.testDetach")
def tcp_detach(c, v):
    srv, cli, conn = tcp_pair(c, v)
    fd = conn.detach()
    c.show("fd_nonneg", fd >= 0)
    c.step("fileno", lambda: conn.fileno())
    c.step("recv_detached", lambda: conn.recv(1024))
    s = c.must("fromfd", lambda: socket.socket(fileno=fd))
    c.step("sendall", lambda: cli.sendall(MSG))
    c.step("recv", lambda: s.recv(1024))


@case("BasicTCPTest.testRecv")
def tcp_getpeername(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("getpeername", lambda: cli.getpeername())
    c.step("same", lambda: cli.getpeername() == srv.getsockname())
    c.step("accepted_peer", lambda: conn.getpeername() == cli.getsockname())


@case("BasicTCPTest.testRecv")
def tcp_recv_unconnected(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("recv", lambda: s.recv(1024))
    c.step("getpeername", lambda: s.getpeername())


@case("BasicTCPTest.testSendAll")
def tcp_send_unconnected(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("send", lambda: s.send(b"x"))
    c.step("sendall", lambda: s.sendall(b"x"))


@case("GeneralModuleTests.test_listen_backlog")
def accept_not_listening(c, v):
    s = c.must("socket", lambda: stream(v))
    c.must("bind", lambda: s.bind((v.host, 0)))
    c.step("accept", lambda: s.accept())


@case("GeneralModuleTests.test_listen_backlog")
def accept_unbound(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("accept", lambda: s.accept())


@case("BasicTCPTest.testRecv")
def tcp_connect_twice(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("connect_again", lambda: cli.connect(srv.getsockname()))
    c.step("connect_ex_again", lambda: cli.connect_ex(srv.getsockname()))


@case("BasicTCPTest.testRecv")
def tcp_connect_listening(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("connect", lambda: srv.connect((v.host, v.echo)))


@case("BasicTCPTest.testSendAll")
def tcp_send_after_peer_close(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("close_peer", lambda: conn.close())
    time.sleep(0.05)
    c.step("send1", lambda: cli.send(b"x"))
    time.sleep(0.05)
    c.step("send2", lambda: cli.send(b"x"))
    c.step("send3", lambda: cli.send(b"x"))


@case("BasicTCPTest.testRecv")
def tcp_recv_after_reset(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("linger", lambda: conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"))
    c.step("close_peer", lambda: conn.close())
    time.sleep(0.05)
    c.step("recv", lambda: cli.recv(10))
    c.step("recv2", lambda: cli.recv(10))


@case("BasicTCPTest.testRecv")
def tcp_echo_native(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("connect", lambda: s.connect((v.host, v.echo)))
    c.step("getpeername", lambda: s.getpeername())
    c.step("sendall", lambda: s.sendall(MSG))
    c.step("recv", lambda: s.recv(1024))
    c.step("shutdown", lambda: s.shutdown(socket.SHUT_WR))
    c.step("eof", lambda: s.recv(1024))


@case("BasicTCPTest.testRecv", [INET6])
def dualstack_mapped_peer(c, v):
    srv = c.must("listener", lambda: stream(v))
    c.step("v6only", lambda: srv.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))
    c.must("bind", lambda: srv.bind(("::ffff:127.0.0.1", 0)))
    c.must("listen", lambda: srv.listen(1))
    cli = c.must("client", lambda: stream(INET))
    c.step("connect", lambda: cli.connect(("127.0.0.1", srv.getsockname()[1])))
    conn, peer = c.must("accept", lambda: srv.accept())
    c.show("peer", peer)
    c.step("getsockname", lambda: conn.getsockname())


@case("BasicTCPTest.testRecv", [INET6])
def v6only_refuses_v4(c, v):
    srv = c.must("listener", lambda: stream(v))
    c.step("v6only", lambda: srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1))
    c.step("bind", lambda: srv.bind(("::ffff:127.0.0.1", 0)))


# --- TCPCloserTest ----------------------------------------------------------


@case("TCPCloserTest.testClose")
def closer_eof(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("close_peer", lambda: conn.close())
    c.step("recv", lambda: cli.recv(1024))
    c.step("recv_again", lambda: cli.recv(1024))
    c.step("recvfrom", lambda: cli.recvfrom(1024))


@case("TCPCloserTest.testClose")
def closer_local(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("close", lambda: cli.close())
    c.step("recv", lambda: cli.recv(1024))
    c.step("peer_eof", lambda: conn.recv(1024))


# --- NetworkConnectionNoServer / AttributesTest ------------------------------


@case("NetworkConnectionNoServer.test_connect")
def connect_refused(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("connect", lambda: s.connect((v.host, v.closed)))
    c.step("connect_ex", lambda: s.connect_ex((v.host, v.closed)))


@case("NetworkConnectionNoServer.test_connect")
def connect_ex_ok(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("connect_ex", lambda: s.connect_ex((v.host, v.echo)))


@case("NetworkConnectionNoServer.test_create_connection")
def create_connection_refused(c, v):
    c.step("create_connection", lambda: socket.create_connection((v.host, v.closed)))


@case("NetworkConnectionNoServer.test_create_connection_all_errors")
def create_connection_all_errors(c, v):
    try:
        socket.create_connection((v.host, v.closed), all_errors=True)
        c.show("create_connection", "connected")
    except ExceptionGroup as e:
        c.show("group", (type(e).__name__, str(e)))
        c.show("members", [f"{type(x).__name__}:{x.errno}" for x in e.exceptions])


@case("NetworkConnectionNoServer.test_create_connection_timeout")
def create_connection_timeout(c, v):
    srv, filler = full_listener(c, v)
    c.step("create_connection", lambda: socket.create_connection(srv.getsockname()[:2], timeout=0.2))


@case("NetworkConnectionAttributesTest.testFamily")
def create_connection_family(c, v):
    s = c.must("create_connection", lambda: socket.create_connection((v.host, v.echo)))
    c.step("family", lambda: int(s.family) == v.fam)
    c.step("type", lambda: int(s.type))
    c.step("proto", lambda: s.proto)
    c.step("getpeername", lambda: s.getpeername())


@case("NetworkConnectionAttributesTest.testTimeoutDefault")
def create_connection_timeout_default(c, v):
    s = c.must("create_connection", lambda: socket.create_connection((v.host, v.echo)))
    c.step("gettimeout", lambda: s.gettimeout())


@case("NetworkConnectionAttributesTest.testTimeoutValueNamed")
def create_connection_timeout_value(c, v):
    s = c.must("create_connection", lambda: socket.create_connection((v.host, v.echo), timeout=30))
    c.step("gettimeout", lambda: s.gettimeout())


@case("NetworkConnectionAttributesTest.testTimeoutNone")
def create_connection_timeout_from_default(c, v):
    c.step("setdefaulttimeout", lambda: socket.setdefaulttimeout(42))
    s = c.must("create_connection", lambda: socket.create_connection((v.host, v.echo)))
    c.step("gettimeout", lambda: s.gettimeout())


@case("NetworkConnectionAttributesTest.testSourceAddress")
def create_connection_source(c, v):
    s = c.must("create_connection", lambda: socket.create_connection((v.host, v.echo), 5, (v.host, 0)))
    c.step("getsockname_host", lambda: s.getsockname()[0])


@case("NetworkConnectionAttributesTest.testTimeoutValueNonamed")
def create_connection_negative_timeout(c, v):
    c.step("create_connection", lambda: socket.create_connection((v.host, v.echo), -1))


@case("NetworkConnectionBehaviourTest.testInsideTimeout")
def create_connection_echo(c, v):
    s = c.must("create_connection", lambda: socket.create_connection((v.host, v.echo), 5))
    c.step("sendall", lambda: s.sendall(b"ping"))
    c.step("recv", lambda: s.recv(1024))


# --- BasicUDPTest -----------------------------------------------------------


@case("BasicUDPTest.testSendtoAndRecv")
def udp_sendto_recv(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendto", lambda: a.sendto(MSG, addr))
    c.step("recv", lambda: b.recv(len(MSG)))


@case("BasicUDPTest.testRecvFrom")
def udp_recvfrom(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendto", lambda: a.sendto(MSG, addr))
    c.step("recvfrom", lambda: b.recvfrom(len(MSG)))
    c.step("sender_matches", lambda: a.sendto(b"x", addr) and b.recvfrom(10)[1] == a.getsockname())


@case("BasicUDPTest.testRecvFromNegative")
def udp_recvfrom_negative(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("recvfrom(-1)", lambda: s.recvfrom(-1))


@case("BasicUDPTest.testSendtoAndRecv")
def udp_truncate(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendto", lambda: a.sendto(b"0123456789", addr))
    c.step("sendto2", lambda: a.sendto(b"abc", addr))
    c.step("recv(3)", lambda: b.recv(3))
    c.step("next_datagram", lambda: b.recv(100))


@case("BasicUDPTest.testSendtoAndRecv")
def udp_empty_datagram(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendto", lambda: a.sendto(b"", addr))
    c.step("recvfrom", lambda: b.recvfrom(10))


@case("BasicUDPTest.testSendtoAndRecv")
def udp_send_unconnected(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("send", lambda: s.send(b"x"))
    c.step("sendall", lambda: s.sendall(b"x"))


@case("BasicUDPTest.testSendtoAndRecv")
def udp_connected(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("connect", lambda: a.connect(addr))
    c.step("getpeername", lambda: a.getpeername() == addr)
    c.step("send", lambda: a.send(MSG))
    c.step("recvfrom", lambda: b.recvfrom(1024)[0])


@case("BasicUDPTest.testSendtoAndRecv")
def udp_connected_refused(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("connect", lambda: s.connect((v.host, v.closed)))
    c.step("settimeout", lambda: s.settimeout(2.0))
    c.step("send", lambda: s.send(b"x"))
    c.step("recv", lambda: s.recv(10))


@case("BasicUDPTest.testSendtoAndRecv")
def udp_unconnected_no_refusal(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("sendto", lambda: s.sendto(b"x", (v.host, v.closed)))
    c.step("settimeout", lambda: s.settimeout(0.1))
    c.step("recv", lambda: s.recv(10))


@case("BasicUDPTest.testSendtoAndRecv", [INET])
def udp_broadcast_denied(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("sendto", lambda: s.sendto(b"x", ("255.255.255.255", v.udpecho)))


@case("BasicUDPTest.testSendtoAndRecv", [INET])
def udp_broadcast_name_denied(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("sendto", lambda: s.sendto(b"x", ("<broadcast>", v.udpecho)))


@case("BasicUDPTest.testSendtoAndRecv")
def udp_echo_native(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("settimeout", lambda: s.settimeout(5))
    c.step("sendto", lambda: s.sendto(b"hello", (v.host, v.udpecho)))
    c.step("recvfrom", lambda: s.recvfrom(100))


@case("BasicUDPTest.testSendtoAndRecv")
def udp_too_large(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendto", lambda: a.sendto(b"x" * 70000, addr))


@case("BasicUDPTest.testSendtoAndRecv")
def udp_listen(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("listen", lambda: s.listen(1))
    c.step("accept", lambda: s.accept())


@case("BasicUDPTest.testSendtoAndRecv")
def udp_shutdown_unconnected(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("shutdown", lambda: s.shutdown(socket.SHUT_RDWR))


@case("BasicUDPTest.testSendtoAndRecv")
def udp_getpeername_unconnected(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("getpeername", lambda: s.getpeername())
    c.step("getsockname", lambda: s.getsockname())


@case("BasicUDPTest.testSendtoAndRecv")
def udp_peek(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendto", lambda: a.sendto(MSG, addr))
    c.step("peek", lambda: b.recv(4, socket.MSG_PEEK))
    c.step("recv", lambda: b.recv(1024))


@case("BasicUDPTest.testSendtoAndRecv")
def udp_implicit_bind(c, v):
    a, b, addr = udp_pair(c, v)
    s = c.must("socket", lambda: dgram(v))
    c.step("sendto", lambda: s.sendto(b"x", addr))
    c.step("bound_host", lambda: s.getsockname()[0])
    c.step("recvfrom_host", lambda: b.recvfrom(10)[1][0])


# --- sendmsg / recvmsg -------------------------------------------------------


@case("SendmsgStreamTests.testSendmsg")
def sendmsg_stream(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendmsg", lambda: cli.sendmsg([MSG]))
    c.step("recv", lambda: conn.recv(1024))


@case("SendmsgTests.testSendmsgGather")
def sendmsg_gather(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendmsg", lambda: cli.sendmsg([b"ab", b"", b"cde", b"f"]))
    c.step("recv", lambda: conn.recv(6, socket.MSG_WAITALL))


@case("SendmsgStreamTests.testSendmsgExplicitNoneAddr")
def sendmsg_none_addr(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendmsg", lambda: cli.sendmsg([MSG], [], 0, None))
    c.step("recv", lambda: conn.recv(1024))


@case("SendmsgStreamTests.testSendmsgTimeout")
def sendmsg_timeout(c, v):
    srv = c.must("listener", lambda: stream(v))
    c.must("bind", lambda: srv.bind((v.host, 0)))
    c.must("listen", lambda: srv.listen(1))
    cli = c.must("client", lambda: stream(v))
    c.must("connect", lambda: cli.connect(srv.getsockname()))
    c.step("settimeout", lambda: cli.settimeout(0.1))

    def fill():
        for _ in range(10000):
            cli.sendmsg([BIG])
        return "never filled"

    c.step("sendmsg_until_timeout", fill)


@case("SendmsgStreamTests.testSendmsgDontWait")
def sendmsg_dontwait(c, v):
    srv, cli, conn = tcp_pair(c, v)

    def fill():
        for _ in range(10000):
            cli.sendmsg([BIG], [], socket.MSG_DONTWAIT)
        return "never filled"

    c.step("sendmsg_until_eagain", fill)


@case("SendmsgConnectionlessTests.testSendmsg")
def sendmsg_udp(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendmsg", lambda: a.sendmsg([MSG], [], 0, addr))
    c.step("recv", lambda: b.recv(1024))


@case("SendmsgConnectionlessTests.testSendmsgNoDestAddr")
def sendmsg_no_dest(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("sendmsg", lambda: s.sendmsg([MSG]))


@case("SendmsgTests.testSendmsgAfterClose")
def sendmsg_after_close(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("close", lambda: cli.close())
    c.step("sendmsg", lambda: cli.sendmsg([MSG]))


@case("SendmsgTests.testSendmsgBadCmsg")
def sendmsg_ancillary(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendmsg", lambda: a.sendmsg([MSG], [(socket.SOL_SOCKET, 0xFFFF, b"xx")], 0, addr))


@case("RecvmsgGenericTests.testRecvmsg")
def recvmsg_stream(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(MSG))
    c.step("recvmsg", lambda: conn.recvmsg(len(MSG) - 3))
    c.step("recvmsg_rest", lambda: conn.recvmsg(1024, 0, 0))


@case("RecvmsgGenericTests.testRecvmsg")
def recvmsg_udp(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendto", lambda: a.sendto(MSG, addr))
    data, anc, flags, src = c.must("recvmsg", lambda: b.recvmsg(1024))
    c.show("data", data)
    c.show("anc", anc)
    c.show("flags", flags)
    c.show("src_matches", src == a.getsockname())


@case("RecvmsgGenericTests.testRecvmsgTrunc")
def recvmsg_trunc(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendto", lambda: a.sendto(MSG, addr))
    data, anc, flags, src = c.must("recvmsg", lambda: b.recvmsg(len(MSG) - 3))
    c.show("data", data)
    c.show("msg_trunc", flags & socket.MSG_TRUNC != 0)


@case("RecvmsgGenericTests.testRecvmsgShorter")
def recvmsg_shorter(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendto", lambda: a.sendto(MSG, addr))
    c.step("recvmsg", lambda: b.recvmsg(len(MSG) + 10)[:3])


@case("RecvmsgGenericTests.testRecvmsgPeek")
def recvmsg_peek(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendto", lambda: a.sendto(MSG, addr))
    c.step("peek", lambda: b.recvmsg(len(MSG) - 3, 0, socket.MSG_PEEK)[:3])
    c.step("recvmsg", lambda: b.recvmsg(1024)[:3])


@case("RecvmsgGenericTests.testRecvmsgAfterClose")
def recvmsg_after_close(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("close", lambda: s.close())
    c.step("recvmsg", lambda: s.recvmsg(1024))


@case("RecvmsgGenericTests.testRecvmsgTimeout")
def recvmsg_timeout(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.must("bind", lambda: s.bind((v.host, 0)))
    c.step("settimeout", lambda: s.settimeout(0.1))
    c.step("recvmsg", lambda: s.recvmsg(1024))


@case("RecvmsgGenericStreamTests.testRecvmsgEOF")
def recvmsg_eof(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("close", lambda: cli.close())
    c.step("recvmsg", lambda: conn.recvmsg(1024))


@case("RecvmsgGenericTests.testRecvmsgFromSendmsg")
def recvmsg_from_sendmsg(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendmsg", lambda: a.sendmsg([b"one", b"two"], [], 0, addr))
    c.step("recvmsg", lambda: b.recvmsg(1024)[:3])


@case("RecvmsgTests.testRecvmsgBadArgs")
def recvmsg_negative(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("recvmsg(-1)", lambda: s.recvmsg(-1))


@case("RecvmsgTests.testRecvmsgBadArgs")
def recvmsg_anc_negative(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.step("recvmsg(1024,-1)", lambda: s.recvmsg(1024, -1))


# --- BufferIOTest ------------------------------------------------------------


@case("BufferIOTest.testRecvIntoBytearray")
def recv_into(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(MSG))
    buf = bytearray(1024)
    n = c.step("recv_into", lambda: conn.recv_into(buf))
    c.show("data", bytes(buf[: n or 0]))


@case("BufferIOTest.testRecvIntoArray")
def recv_into_nbytes(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(MSG))
    buf = bytearray(1024)
    c.step("recv_into", lambda: conn.recv_into(buf, 5))
    c.show("data", bytes(buf[:8]))


@case("BufferIOTest.testRecvIntoMemoryview")
def recv_into_too_small(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("recv_into", lambda: conn.recv_into(bytearray(4), 5))


@case("BufferIOTest.testRecvFromIntoBytearray")
def recvfrom_into(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(MSG))
    buf = bytearray(1024)
    r = c.step("recvfrom_into", lambda: conn.recvfrom_into(buf))
    c.show("data", bytes(buf[: r[0] if r else 0]))


@case("BufferIOTest.testRecvFromIntoSmallBuffer")
def recvfrom_into_small_buffer(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("recvfrom_into", lambda: conn.recvfrom_into(bytearray(2), 1024))


@case("BufferIOTest.testRecvFromIntoEmptyBuffer")
def recvfrom_into_empty(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(MSG))
    c.step("recvfrom_into", lambda: conn.recvfrom_into(bytearray()))
    c.step("recvfrom_into_0", lambda: conn.recvfrom_into(bytearray(), 0))


@case("BufferIOTest.testRecvFromIntoArray")
def recvfrom_into_udp(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendto", lambda: a.sendto(MSG, addr))
    buf = bytearray(1024)
    r = c.must("recvfrom_into", lambda: b.recvfrom_into(buf, 6))
    c.show("n", r[0])
    c.show("data", bytes(buf[:8]))
    c.show("src_matches", r[1] == a.getsockname())


@case("BufferIOTest.testRecvIntoArray")
def recv_into_udp_truncates(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendto", lambda: a.sendto(b"0123456789", addr))
    buf = bytearray(4)
    c.step("recv_into", lambda: b.recv_into(buf))
    c.show("buf", bytes(buf))
    c.step("settimeout", lambda: b.settimeout(0.0))
    c.step("next", lambda: b.recv(10))


# --- makefile, create_server, sendfile, resolver (not in the SDK yet) -------


@case("FileObjectClassTestCase.testSmallRead")
def makefile_read(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(MSG))
    f = c.must("makefile", lambda: conn.makefile("rb"))
    c.step("read", lambda: f.read(5))


@case("FileObjectClassTestCase.testReadline")
def makefile_readline(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(b"line one\nline two\n"))
    f = c.must("makefile", lambda: conn.makefile("rb"))
    c.step("readline", lambda: f.readline())


@case("GeneralModuleTests.test_makefile_invalid_mode")
def makefile_invalid_mode(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("makefile", lambda: s.makefile("rt+"))


@case("CreateServerTest.test_address")
def create_server_address(c, v):
    s = c.must("create_server", lambda: socket.create_server((v.host, 0), family=v.fam))
    c.step("getsockname_host", lambda: s.getsockname()[0])


@case("CreateServerTest.test_family_and_type")
def create_server_family(c, v):
    s = c.must("create_server", lambda: socket.create_server((v.host, 0), family=v.fam))
    c.step("family", lambda: int(s.family) == v.fam)
    c.step("type", lambda: int(s.type))


@case("SendfileUsingSendTest.testRegularFile")
def sendfile_regular(c, v):
    srv, cli, conn = tcp_pair(c, v)
    import tempfile

    with tempfile.TemporaryFile() as f:
        f.write(b"file contents")
        f.seek(0)
        c.step("sendfile", lambda: cli.sendfile(f))
    c.step("recv", lambda: conn.recv(1024))


# --- ContextManagersTest -----------------------------------------------------


@case("ContextManagersTest.testCreateConnectionBase")
def context_create_connection(c, v):
    with socket.create_connection((v.host, v.echo)) as s:
        c.step("sendall", lambda: s.sendall(b"cm"))
        c.step("recv", lambda: s.recv(10))
    c.step("fileno_after", lambda: s.fileno())
    c.step("send_after", lambda: s.send(b"x"))


@case("ContextManagersTest.testCreateConnectionClose")
def context_close_inside(c, v):
    with socket.create_connection((v.host, v.echo)) as s:
        c.step("close", lambda: s.close())
    c.step("fileno_after", lambda: s.fileno())
    c.step("recv_after", lambda: s.recv(1))


@case("ContextManagersTest.testCreateConnectionBase")
def context_socket(c, v):
    with socket.socket(v.fam, socket.SOCK_STREAM) as s:
        c.step("bind", lambda: s.bind((v.host, 0)))
    c.step("fileno_after", lambda: s.fileno())
    c.step("getsockname_after", lambda: s.getsockname())


# --- socketpair / AF_UNIX ----------------------------------------------------


@case("BasicSocketPairTest.testRecv", ONE)
def socketpair_stream(c, v):
    a, b = c.must("socketpair", lambda: socket.socketpair())
    c.step("family", lambda: int(a.family))
    c.step("type", lambda: int(a.type))
    c.step("sendall", lambda: a.sendall(MSG))
    c.step("recv", lambda: b.recv(1024))
    c.step("getsockname", lambda: a.getsockname())
    c.step("getpeername", lambda: a.getpeername())


@case("BasicSocketPairTest.testRecv", ONE)
def socketpair_dgram(c, v):
    a, b = c.must("socketpair", lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM))
    c.step("send", lambda: a.send(b"0123456789"))
    c.step("recv(4)", lambda: b.recv(4))
    c.step("settimeout", lambda: b.settimeout(0.0))
    c.step("recv_empty", lambda: b.recv(4))


@case("BasicSocketPairTest.testSend", ONE)
def socketpair_close(c, v):
    a, b = c.must("socketpair", lambda: socket.socketpair())
    c.step("close", lambda: a.close())
    c.step("recv", lambda: b.recv(10))
    c.step("send", lambda: b.send(b"x"))


@case("BasicSocketPairTest.testDefaults", ONE)
def socketpair_default_timeout(c, v):
    c.step("setdefaulttimeout", lambda: socket.setdefaulttimeout(3))
    a, b = c.must("socketpair", lambda: socket.socketpair())
    c.step("gettimeout_a", lambda: a.gettimeout())
    c.step("gettimeout_b", lambda: b.gettimeout())


@case("TestUnixDomain.testUnbound", ONE)
def unix_unbound(c, v):
    s = c.must("socket", lambda: socket.socket(socket.AF_UNIX))
    c.step("getsockname", lambda: s.getsockname())


@case("TestUnixDomain.testStrAddr", ONE)
def unix_bind_path(c, v):
    s = c.must("socket", lambda: socket.socket(socket.AF_UNIX))
    c.step("bind", lambda: s.bind("capsock-conformance.sock"))


@case("TestLinuxAbstractNamespace.testAutobind", ONE)
def unix_autobind(c, v):
    s = c.must("socket", lambda: socket.socket(socket.AF_UNIX))
    c.step("bind", lambda: s.bind(""))
    c.step("abstract", lambda: s.getsockname()[:1])


@case("TestUnixDomain.testUnencodableAddr", ONE)
def unix_inet_address(c, v):
    s = c.must("socket", lambda: socket.socket(socket.AF_UNIX))
    c.step("connect", lambda: s.connect(("127.0.0.1", 80)))


@case("TestLinuxAbstractNamespace.testNameOverflow", ONE)
def unix_name_overflow(c, v):
    s = c.must("socket", lambda: socket.socket(socket.AF_UNIX))
    c.step("bind", lambda: s.bind(b"\x00" + b"h" * 108))


@case("GeneralModuleTests.testSocketError", ONE)
def socket_bad_family(c, v):
    c.step("socket", lambda: socket.socket(12345, socket.SOCK_STREAM))


@case("GeneralModuleTests.testSocketError", ONE)
def socket_bad_type(c, v):
    c.step("socket", lambda: socket.socket(socket.AF_INET, 12345))


@case("GeneralModuleTests.testSocketError", ONE)
def socket_bad_proto(c, v):
    c.step("socket", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_UDP))


@case("GeneralModuleTests.testSocketError", ONE)
def socket_raw(c, v):
    c.step("socket", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))


# --- select / poll / selectors ------------------------------------------------


def lens(t):
    return tuple(len(x) for x in t)


@case("NonBlockingTCPTests.testAccept")
def select_listener(c, v):
    srv = c.must("listener", lambda: stream(v))
    c.must("bind", lambda: srv.bind((v.host, 0)))
    c.must("listen", lambda: srv.listen(5))
    c.step("select_idle", lambda: lens(select.select([srv], [], [], 0)))
    cli = c.must("client", lambda: stream(v))
    c.must("connect", lambda: cli.connect(srv.getsockname()))
    c.step("select_pending", lambda: lens(select.select([srv], [], [], 5)))
    c.step("accept", lambda: srv.accept()[0])


@case("NonBlockingTCPTests.testRecv")
def select_recv(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("select_idle", lambda: lens(select.select([conn], [], [], 0)))
    c.step("select_writable", lambda: lens(select.select([conn], [cli], [], 0)))
    c.step("sendall", lambda: cli.sendall(MSG))
    c.step("select_readable", lambda: lens(select.select([conn], [], [], 5)))
    c.step("same_socket", lambda: select.select([conn], [], [], 5)[0][0] is conn)
    c.step("recv", lambda: conn.recv(1024))


@case("NonBlockingTCPTests.testRecv")
def select_eof(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("close", lambda: cli.close())
    c.step("select", lambda: lens(select.select([conn], [], [], 5)))
    c.step("recv", lambda: conn.recv(10))


@case("UDPTimeoutTest.testUDPTimeout")
def select_timeout(c, v):
    s = c.must("socket", lambda: dgram(v))
    c.must("bind", lambda: s.bind((v.host, 0)))
    t0 = time.monotonic()
    c.step("select", lambda: lens(select.select([s], [], [], 0.05)))
    c.show("waited", 0.04 <= time.monotonic() - t0 < 3)


@case("UDPTimeoutTest.testUDPTimeout")
def select_udp_readable(c, v):
    a, b, addr = udp_pair(c, v)
    c.step("sendto", lambda: a.sendto(b"ping", addr))
    c.step("select", lambda: lens(select.select([b], [a], [], 5)))
    c.step("recv", lambda: b.recv(10))


@case("GeneralModuleTests.test_unusable_closed_socketio")
def select_closed(c, v):
    s = c.must("socket", lambda: stream(v))
    c.step("close", lambda: s.close())
    c.step("select", lambda: select.select([s], [], [], 0))


@case("UDPTimeoutTest.testTimeoutZero", ONE)
def select_bad_timeout(c, v):
    c.step("select(-1)", lambda: select.select([], [], [], -1))
    c.step("select(nan)", lambda: select.select([], [], [], float("nan")))
    c.step("select(empty)", lambda: select.select([], [], [], 0))


@case("NonBlockingTCPTests.testRecv")
def poll_readable(c, v):
    srv, cli, conn = tcp_pair(c, v)
    p = select.poll()
    c.step("register", lambda: p.register(conn, select.POLLIN))
    c.step("poll_idle", lambda: p.poll(0))
    c.step("sendall", lambda: cli.sendall(MSG))
    c.step("poll", lambda: [(fd == conn.fileno(), ev) for fd, ev in p.poll(5000)])
    c.step("modify", lambda: p.modify(conn, select.POLLIN | select.POLLOUT))
    c.step("poll_rw", lambda: [(fd == conn.fileno(), ev) for fd, ev in p.poll(5000)])
    c.step("unregister", lambda: p.unregister(conn))
    c.step("poll_none", lambda: p.poll(0))


@case("NonBlockingTCPTests.testRecv")
def poll_hup(c, v):
    srv, cli, conn = tcp_pair(c, v)
    p = select.poll()
    c.step("register", lambda: p.register(conn, select.POLLIN))
    c.step("close", lambda: cli.close())
    c.step("poll", lambda: [ev & (select.POLLIN | select.POLLNVAL) for fd, ev in p.poll(5000)])


@case("NonBlockingTCPTests.testRecv", ONE)
def poll_closed(c, v):
    s = c.must("socket", lambda: socket.socket())
    p = select.poll()
    c.step("register", lambda: p.register(s, select.POLLIN))
    c.step("close", lambda: s.close())
    c.step("poll", lambda: [ev for fd, ev in p.poll(0)])


@case("NonBlockingTCPTests.testRecv")
def selector_read(c, v):
    srv, cli, conn = tcp_pair(c, v)
    sel = selectors.DefaultSelector()
    c.step("register", lambda: sel.register(conn, selectors.EVENT_READ, "conn").events)
    c.step("select_idle", lambda: sel.select(0))
    c.step("sendall", lambda: cli.sendall(MSG))
    c.step("select", lambda: [(ev, k.data) for k, ev in sel.select(5)])
    c.step("unregister", lambda: sel.unregister(conn).data)
    c.step("keys", lambda: len(sel.get_map()))
    sel.close()


# --- SCM_RIGHTS over socketpair (SCMRightsTest) -------------------------------


@case("SCMRightsTest.testCMSG_SPACE", ONE)
def cmsg_sizes(c, v):
    for n in (0, 1, 4, 8, 12):
        c.step(f"CMSG_LEN({n})", lambda: socket.CMSG_LEN(n))
        c.step(f"CMSG_SPACE({n})", lambda: socket.CMSG_SPACE(n))


class Held(tuple):
    """A result printed as <held>: it holds fd numbers, which differ by design."""


def hold(t):
    return Held(t)


def fds_data(*fds):
    return array.array("i", fds).tobytes()


def fd_of(data):
    return array.array("i", data)[0]


@case("SCMRightsTest.testFDPassSimple", ONE)
def scm_rights_pass(c, v):
    a, b = c.must("socketpair", lambda: socket.socketpair())
    t = c.must("create_connection", lambda: socket.create_connection(("127.0.0.1", ECHO4)))
    c.step("sendmsg", lambda: a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds_data(t.fileno()))]))
    msg, anc, flags, addr = c.must("recvmsg", lambda: hold(b.recvmsg(1, socket.CMSG_SPACE(4))))
    c.show("msg", msg)
    c.show("anc_shape", [(lvl, typ, len(d)) for lvl, typ, d in anc])
    c.show("flags", flags)
    s2 = c.must("socket(fileno)", lambda: socket.socket(fileno=fd_of(anc[0][2])))
    c.step("family", lambda: int(s2.family))
    c.step("type", lambda: int(s2.type))
    c.step("getpeername", lambda: s2.getpeername())
    c.step("sendall", lambda: s2.sendall(b"via fd"))
    c.step("recv", lambda: s2.recv(100))


@case("SCMRightsTest.testFDPassSeparate", ONE)
def scm_rights_send_fds(c, v):
    a, b = c.must("socketpair", lambda: socket.socketpair())
    u = c.must("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    c.must("bind", lambda: u.bind(("127.0.0.1", 0)))
    c.step("send_fds", lambda: socket.send_fds(a, [b"data"], [u.fileno()]))
    data, fds, flags, addr = c.must("recv_fds", lambda: hold(socket.recv_fds(b, 1024, 1)))
    c.show("data", data)
    c.show("nfds", len(fds))
    c.show("flags", flags)
    s2 = c.must("socket(fileno)", lambda: socket.socket(fileno=fds[0]))
    c.step("same_name", lambda: s2.getsockname() == u.getsockname())
    c.step("type", lambda: int(s2.type))


@case("SCMRightsTest.testMultipleFDPass", ONE)
def scm_rights_two(c, v):
    a, b = c.must("socketpair", lambda: socket.socketpair())
    x, y = c.must("pair2", lambda: socket.socketpair())
    c.step("sendmsg", lambda: a.sendmsg([b"two"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds_data(x.fileno(), y.fileno()))]))
    msg, anc, flags, addr = c.must("recvmsg", lambda: hold(b.recvmsg(10, socket.CMSG_SPACE(8))))
    c.show("msg", msg)
    c.show("anc_shape", [(lvl, typ, len(d)) for lvl, typ, d in anc])
    fds = array.array("i", anc[0][2])
    x2 = c.must("x2", lambda: socket.socket(fileno=fds[0]))
    y2 = c.must("y2", lambda: socket.socket(fileno=fds[1]))
    c.step("sendall", lambda: x2.sendall(b"through"))
    c.step("recv", lambda: y2.recv(10))


@case("SCMRightsTest.testFDPassCMSG_SPACE", ONE)
def scm_rights_dgram(c, v):
    a, b = c.must("socketpair", lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM))
    x, y = c.must("pair2", lambda: socket.socketpair())
    c.step("send_fds", lambda: socket.send_fds(a, [b"d"], [x.fileno()]))
    data, fds, flags, addr = c.must("recv_fds", lambda: hold(socket.recv_fds(b, 10, 4)))
    c.show("data", data)
    c.show("nfds", len(fds))
    x2 = c.must("x2", lambda: socket.socket(fileno=fds[0]))
    c.step("sendall", lambda: x2.sendall(b"dgram"))
    c.step("recv", lambda: y.recv(10))


@case("SCMRightsTest.testCmsgTrunc0", ONE)
def scm_rights_truncated(c, v):
    a, b = c.must("socketpair", lambda: socket.socketpair())
    x = c.must("socket", lambda: socket.socket())
    c.step("sendmsg", lambda: a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds_data(x.fileno()))]))
    msg, anc, flags, addr = c.must("recvmsg", lambda: b.recvmsg(10, 0))
    c.show("msg", msg)
    c.show("anc", anc)
    c.show("ctrunc", bool(flags & socket.MSG_CTRUNC))


@case("SCMRightsTest.testFDPassEmpty", ONE)
def scm_rights_no_anc(c, v):
    a, b = c.must("socketpair", lambda: socket.socketpair())
    c.step("sendmsg", lambda: a.sendmsg([b"plain"]))
    c.step("recvmsg", lambda: b.recvmsg(10, socket.CMSG_SPACE(4)))


@case("SCMRightsTest.testFDPassSimple", ONE)
def scm_rights_closed_fd(c, v):
    a, b = c.must("socketpair", lambda: socket.socketpair())
    x = c.must("socket", lambda: socket.socket())
    fd = x.fileno()
    c.step("close", lambda: x.close())
    c.step("sendmsg", lambda: a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds_data(fd))]))


# --- AF_UNIX paths in a granted directory (TestUnixDomain, UnixStreamBase) ----


def upath(name):
    return os.path.join(UNIXDIR, name)


@case("TestUnixDomain.testStrAddr", ONE)
def unix_stream_path(c, v):
    path = upath("stream.sock")
    srv = c.must("socket", lambda: socket.socket(socket.AF_UNIX))
    c.must("bind", lambda: srv.bind(path))
    c.step("getsockname", lambda: srv.getsockname() == path)
    c.must("listen", lambda: srv.listen(1))
    cli = c.must("client", lambda: socket.socket(socket.AF_UNIX))
    c.must("connect", lambda: cli.connect(path))
    conn, addr = c.must("accept", lambda: srv.accept())
    c.show("accept_addr", addr)
    c.step("cli_getpeername", lambda: cli.getpeername() == path)
    c.step("cli_getsockname", lambda: cli.getsockname())
    c.step("conn_getsockname", lambda: conn.getsockname() == path)
    c.step("conn_getpeername", lambda: conn.getpeername())
    c.step("sendall", lambda: cli.sendall(MSG))
    c.step("recv", lambda: conn.recv(1024))
    c.step("family", lambda: int(conn.family))


@case("UnixStreamBase.testSendmsg", ONE)
def unix_stream_sendmsg(c, v):
    path = upath("sendmsg.sock")
    srv = c.must("socket", lambda: socket.socket(socket.AF_UNIX))
    c.must("bind", lambda: srv.bind(path))
    c.must("listen", lambda: srv.listen(1))
    cli = c.must("client", lambda: socket.socket(socket.AF_UNIX))
    c.must("connect", lambda: cli.connect(path))
    conn, _ = c.must("accept", lambda: srv.accept())
    c.step("sendmsg", lambda: cli.sendmsg([b"a", b"bc"]))
    c.step("recvmsg", lambda: conn.recvmsg(10)[:3])
    c.step("shutdown", lambda: cli.shutdown(socket.SHUT_WR))
    c.step("recv_eof", lambda: conn.recv(10))


@case("TestUnixDomain.testStrAddr", ONE)
def unix_bind_in_use(c, v):
    path = upath("inuse.sock")
    s = c.must("socket", lambda: socket.socket(socket.AF_UNIX))
    c.must("bind", lambda: s.bind(path))
    s2 = c.must("socket2", lambda: socket.socket(socket.AF_UNIX))
    c.step("bind_again", lambda: s2.bind(path))
    c.step("bind_twice", lambda: s.bind(upath("other.sock")))


@case("TestUnixDomain.testStrAddr", ONE)
def unix_connect_missing(c, v):
    s = c.must("socket", lambda: socket.socket(socket.AF_UNIX))
    c.step("connect", lambda: s.connect(upath("missing.sock")))
    c.step("connect_ex", lambda: s.connect_ex(upath("missing.sock")))


@case("TestUnixDomain.testStrAddr", ONE)
def unix_connect_not_listening(c, v):
    path = upath("quiet.sock")
    s = c.must("socket", lambda: socket.socket(socket.AF_UNIX))
    c.must("bind", lambda: s.bind(path))
    cli = c.must("client", lambda: socket.socket(socket.AF_UNIX))
    c.step("connect", lambda: cli.connect(path))


@case("TestUnixDomain.testStrAddr", ONE)
def unix_dgram_path(c, v):
    pa, pb = upath("dgram-a.sock"), upath("dgram-b.sock")
    a = c.must("a", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))
    c.must("bind_a", lambda: a.bind(pa))
    b = c.must("b", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))
    c.must("bind_b", lambda: b.bind(pb))
    c.step("sendto", lambda: a.sendto(b"dgram", pb))
    data, src = c.must("recvfrom", lambda: b.recvfrom(100))
    c.show("data", data)
    c.show("src_is_a", src == pa)
    c.step("connect", lambda: a.connect(pb))
    c.step("send", lambda: a.send(b"again"))
    c.step("recv", lambda: b.recv(100))
    c.step("getpeername", lambda: a.getpeername() == pb)


@case("TestUnixDomain.testStrAddr", ONE)
def unix_dgram_unbound_sender(c, v):
    pb = upath("dgram-c.sock")
    b = c.must("b", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))
    c.must("bind_b", lambda: b.bind(pb))
    a = c.must("a", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))
    c.step("sendto", lambda: a.sendto(b"anon", pb))
    c.step("recvfrom", lambda: b.recvfrom(100))
    c.step("sendto_missing", lambda: a.sendto(b"x", upath("nobody.sock")))


@case("TestUnixDomain.testStrAddr", ONE)
def unix_makefile(c, v):
    path = upath("file.sock")
    srv = c.must("socket", lambda: socket.socket(socket.AF_UNIX))
    c.must("bind", lambda: srv.bind(path))
    c.must("listen", lambda: srv.listen(1))
    cli = c.must("client", lambda: socket.socket(socket.AF_UNIX))
    c.must("connect", lambda: cli.connect(path))
    conn, _ = c.must("accept", lambda: srv.accept())
    w = c.must("makefile_w", lambda: cli.makefile("wb"))
    r = c.must("makefile_r", lambda: conn.makefile("rb"))
    c.step("write", lambda: w.write(b"first\nsecond\n"))
    c.step("flush", lambda: w.flush())
    c.step("readline1", lambda: r.readline())
    c.step("readline2", lambda: r.readline())


@case("TestLinuxAbstractNamespace.testLinuxAbstractNamespace", ONE)
def unix_abstract(c, v):
    s1 = c.must("socket", lambda: socket.socket(socket.AF_UNIX))
    c.must("bind", lambda: s1.bind(ABSTRACT))
    c.step("getsockname", lambda: s1.getsockname() == ABSTRACT)
    c.must("listen", lambda: s1.listen(1))
    s2 = c.must("client", lambda: socket.socket(socket.AF_UNIX))
    c.must("connect", lambda: s2.connect(ABSTRACT))
    conn, _ = c.must("accept", lambda: s1.accept())
    c.step("getpeername", lambda: s2.getpeername() == ABSTRACT)
    c.step("sendall", lambda: s2.sendall(b"abstract"))
    c.step("recv", lambda: conn.recv(100))


# --- makefile (FileObjectClassTestCase) ---------------------------------------


@case("FileObjectClassTestCase.testFullRead")
def makefile_read_all(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(MSG))
    c.step("shutdown", lambda: cli.shutdown(socket.SHUT_WR))
    f = c.must("makefile", lambda: conn.makefile("rb"))
    c.step("read", lambda: f.read())
    c.step("read_eof", lambda: f.read(5))


@case("FileObjectClassTestCase.testReadline")
def makefile_readlines(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(b"a\nbb\n\nccc"))
    c.step("shutdown", lambda: cli.shutdown(socket.SHUT_WR))
    f = c.must("makefile", lambda: conn.makefile("rb"))
    for i in range(5):
        c.step(f"readline{i}", lambda: f.readline())


@case("FileObjectClassTestCase.testReadline")
def makefile_iter(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(b"one\ntwo\nthree\n"))
    c.step("shutdown", lambda: cli.shutdown(socket.SHUT_WR))
    f = c.must("makefile", lambda: conn.makefile("rb"))
    c.step("lines", lambda: list(f))


@case("FileObjectClassTestCase.testSmallRead")
def makefile_small_reads(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("sendall", lambda: cli.sendall(MSG))
    f = c.must("makefile", lambda: conn.makefile("rb"))
    c.step("read0", lambda: f.read(0))
    c.step("read1", lambda: f.read(1))
    c.step("read3", lambda: f.read(3))
    c.step("readline", lambda: f.readline())


@case("FileObjectClassTestCase.testFullRead")
def makefile_write_flush(c, v):
    srv, cli, conn = tcp_pair(c, v)
    w = c.must("makefile", lambda: cli.makefile("wb"))
    c.step("write", lambda: w.write(MSG))
    c.step("settimeout", lambda: conn.settimeout(0.0))
    c.step("recv_before_flush", lambda: conn.recv(1024))
    c.step("flush", lambda: w.flush())
    c.step("settimeout", lambda: conn.settimeout(5.0))
    c.step("recv", lambda: conn.recv(1024))


@case("FileObjectClassTestCase.testClosedAttr")
def makefile_close(c, v):
    srv, cli, conn = tcp_pair(c, v)
    f = c.must("makefile", lambda: conn.makefile("rb"))
    c.show("closed", f.closed)
    c.show("mode", f.mode)
    c.step("close", lambda: f.close())
    c.show("closed_after", f.closed)
    c.step("readline", lambda: f.readline())
    c.step("socket_still_open", lambda: conn.fileno() >= 0)
    w = c.must("makefile_w", lambda: cli.makefile("wb"))
    c.step("close_w", lambda: w.close())
    c.step("write_closed", lambda: w.write(b"x"))
    c.step("flush_closed", lambda: w.flush())


@case("FileObjectClassTestCase.testReadAfterTimeout")
def makefile_timeout(c, v):
    srv, cli, conn = tcp_pair(c, v)
    c.step("settimeout", lambda: conn.settimeout(0.05))
    f = c.must("makefile", lambda: conn.makefile("rb"))
    c.step("read", lambda: f.read(5))
    c.step("sendall", lambda: cli.sendall(MSG))
    c.step("read_again", lambda: f.read(5))


@case("FileObjectClassTestCase.testAttributes")
def makefile_wrong_direction(c, v):
    srv, cli, conn = tcp_pair(c, v)
    r = c.must("makefile_r", lambda: conn.makefile("rb"))
    c.step("write", lambda: r.write(b"x"))
    w = c.must("makefile_w", lambda: conn.makefile("wb"))
    c.step("read", lambda: w.read(1))


# --- getaddrinfo shapes and the resolver (GeneralModuleTests) -----------------


@case("GeneralModuleTests.testGetaddrinfo", ONE)
def getaddrinfo_all_types(c, v):
    c.step("getaddrinfo", lambda: socket.getaddrinfo("127.0.0.1", 80))


@case("GeneralModuleTests.testGetaddrinfo", ONE)
def getaddrinfo_inet6(c, v):
    c.step("getaddrinfo", lambda: socket.getaddrinfo("::1", 80, socket.AF_INET6, socket.SOCK_STREAM))
    c.step("dgram", lambda: socket.getaddrinfo("::1", 80, socket.AF_INET6, socket.SOCK_DGRAM))


@case("GeneralModuleTests.testGetaddrinfo", ONE)
def getaddrinfo_localhost(c, v):
    c.step("getaddrinfo", lambda: socket.getaddrinfo("localhost", 80, socket.AF_INET, socket.SOCK_STREAM))
    c.step("port", lambda: [ai[4][1] for ai in socket.getaddrinfo("localhost", 80, socket.AF_INET, socket.SOCK_STREAM)])


@case("GeneralModuleTests.testGetaddrinfo", ONE)
def getaddrinfo_none_host(c, v):
    c.step("loopback", lambda: socket.getaddrinfo(None, 80, socket.AF_INET, socket.SOCK_STREAM))
    c.step("passive", lambda: socket.getaddrinfo(None, 80, socket.AF_INET, socket.SOCK_STREAM, 0, socket.AI_PASSIVE))


@case("GeneralModuleTests.testGetaddrinfo", ONE)
def getaddrinfo_service(c, v):
    c.step("port", lambda: [ai[4][1] for ai in socket.getaddrinfo("127.0.0.1", "echo", socket.AF_INET, socket.SOCK_STREAM)])
    c.step("numeric_str", lambda: [ai[4][1] for ai in socket.getaddrinfo("127.0.0.1", "8080", socket.AF_INET, socket.SOCK_STREAM)])
    c.step("none", lambda: [ai[4][1] for ai in socket.getaddrinfo("127.0.0.1", None, socket.AF_INET, socket.SOCK_STREAM)])


@case("GeneralModuleTests.testGetaddrinfo", ONE)
def getaddrinfo_errors(c, v):
    c.step("bad_service", lambda: socket.getaddrinfo("127.0.0.1", "nosuchservice", socket.AF_INET, socket.SOCK_STREAM))
    c.step("numerichost_name", lambda: socket.getaddrinfo("localhost", 80, 0, 0, 0, socket.AI_NUMERICHOST))
    c.step("numericserv_name", lambda: socket.getaddrinfo("127.0.0.1", "echo", 0, 0, 0, socket.AI_NUMERICSERV))


@case("GeneralModuleTests.testGetaddrinfo", ONE)
def getaddrinfo_canonname(c, v):
    c.step("getaddrinfo", lambda: socket.getaddrinfo("127.0.0.1", 80, socket.AF_INET, socket.SOCK_STREAM, 0, socket.AI_CANONNAME))


@case("GeneralModuleTests.test_getnameinfo", ONE)
def getnameinfo_numeric(c, v):
    c.step("v4", lambda: socket.getnameinfo(("127.0.0.1", 80), socket.NI_NUMERICHOST | socket.NI_NUMERICSERV))
    c.step("v6", lambda: socket.getnameinfo(("::1", 80, 0, 0), socket.NI_NUMERICHOST | socket.NI_NUMERICSERV))
    c.step("service", lambda: socket.getnameinfo(("127.0.0.1", 7), socket.NI_NUMERICHOST)[1])


@case("GeneralModuleTests.testHostnameRes", ONE)
def gethostbyname_loopback(c, v):
    c.step("numeric", lambda: socket.gethostbyname("127.0.0.1"))
    c.step("localhost", lambda: socket.gethostbyname("localhost"))
    c.step("ex_numeric", lambda: socket.gethostbyname_ex("127.0.0.1"))


@case("GeneralModuleTests.testGetServBy", ONE)
def getservby_more(c, v):
    c.step("udp", lambda: socket.getservbyname("echo", "udp"))
    c.step("any", lambda: socket.getservbyname("echo"))
    c.step("port_any", lambda: socket.getservbyport(7))
    c.step("missing", lambda: socket.getservbyname("nosuchservice", "tcp"))
    c.step("proto", lambda: socket.getprotobyname("tcp"))
    c.step("proto_udp", lambda: socket.getprotobyname("udp"))


@case("GeneralModuleTests.testIPv4toString", ONE)
def inet_aton_forms(c, v):
    for text in ("127.1", "0x7f000001", "1.2.3.4", "255.255.255.255", "10.1.65535"):
        c.step(f"inet_aton({text})", lambda: socket.inet_aton(text))


@case("GeneralModuleTests.testIPv4toString", ONE)
def inet_errors(c, v):
    c.step("inet_aton", lambda: socket.inet_aton("not an ip"))
    c.step("inet_pton4", lambda: socket.inet_pton(socket.AF_INET, "1.2.3"))
    c.step("inet_pton6", lambda: socket.inet_pton(socket.AF_INET6, "1:::2"))
    c.step("inet_ntoa", lambda: socket.inet_ntoa(b"\x00\x00\x00"))
    c.step("inet_ntop4", lambda: socket.inet_ntop(socket.AF_INET, b"\x00" * 7))
    c.step("inet_ntop_family", lambda: socket.inet_ntop(12345, b"\x00" * 4))


@case("GeneralModuleTests.testStringToIPv6", ONE)
def inet_ntop_forms(c, v):
    for packed in (b"\x00" * 16, bytes(range(16)), b"\x00" * 10 + b"\xff\xff\x7f\x00\x00\x01",
                   b"\xfe\x80" + b"\x00" * 13 + b"\x01"):
        c.step(f"inet_ntop({packed.hex()})", lambda: socket.inet_ntop(socket.AF_INET6, packed))
    c.step("inet_ntop4", lambda: socket.inet_ntop(socket.AF_INET, b"\x7f\x00\x00\x01"))


# --- create_server (CreateServerTest, DualStackIPV6) --------------------------


@case("CreateServerTest.test_reuse_port")
def create_server_reuse_port(c, v):
    s = c.must("create_server", lambda: socket.create_server((v.host, 0), family=v.fam, reuse_port=True))
    c.step("SO_REUSEPORT", lambda: s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) != 0)
    c.step("SO_REUSEADDR", lambda: s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) != 0)


@case("CreateServerTest.test_reuse_port")
def create_server_no_reuse_port(c, v):
    s = c.must("create_server", lambda: socket.create_server((v.host, 0), family=v.fam))
    c.step("SO_REUSEPORT", lambda: s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT))


@case("CreateServerTest.test_dualstack_ipv6_family")
def create_server_dualstack(c, v):
    c.step("dualstack", lambda: socket.create_server((v.host, 0), family=v.fam, dualstack_ipv6=True).getsockopt(
        socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))


@case("CreateServerTest.test_family_and_type", [INET6])
def create_server_v6only(c, v):
    s = c.must("create_server", lambda: socket.create_server((v.host, 0), family=v.fam))
    c.step("IPV6_V6ONLY", lambda: s.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))


@case("CreateServerFunctionalTest.test_tcp4")
def create_server_connect(c, v):
    s = c.must("create_server", lambda: socket.create_server((v.host, 0), family=v.fam, backlog=1))
    cli = c.must("create_connection", lambda: socket.create_connection(s.getsockname()[:2]))
    conn, _ = c.must("accept", lambda: s.accept())
    c.step("sendall", lambda: cli.sendall(b"server"))
    c.step("recv", lambda: conn.recv(10))
    c.step("peer_matches", lambda: conn.getpeername() == cli.getsockname())


@case("CreateServerTest.test_address")
def create_server_in_use(c, v):
    s = c.must("create_server", lambda: socket.create_server((v.host, 0), family=v.fam))
    # The echo peer holds (host, echo): the message names a fixed port.
    c.step("again", lambda: socket.create_server((v.host, v.echo), family=v.fam))



def main():
    for name, mirror, fn, variants in CASES:
        for v in variants:
            full = name if v is None else f"{name}[{v.name}]"
            print(f"=== {full} | {mirror}")
            c = Ctx(full)
            try:
                fn(c, v)
            except Abort:
                pass
            except BaseException as e:
                print(f"{full} abort: {type(e).__name__} {e}")
            finally:
                socket.setdefaulttimeout(None)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
