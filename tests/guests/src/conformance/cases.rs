//! The conformance cases, guest side: each mirrors the function of the same
//! name in `tests/conformance/cases.py`, step for step.

use super::harness::{Ctx, Py, ToPy, list, p};
use crate::must;
use capsock::*;
use std::io::{Read, Write};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// One parameter set: a family and its loopback host and native peers.
pub struct V {
    pub name: &'static str,
    pub fam: i32,
    pub host: &'static str,
    pub echo: u16,
    pub udpecho: u16,
    pub closed: u16,
}

/// Which parameter sets a case runs with.
#[derive(Clone, Copy)]
pub enum Vs {
    /// `[inet]` and `[inet6]`.
    Fams,
    /// Once, without a suffix.
    One,
    Inet,
    Inet6,
}

pub type Body = fn(&Ctx, &V);

const MSG: &[u8] = b"Michael Gilfix was here/u1234\r\n";
const NA_TYPE: &str = "prevented by the type";

fn big() -> Vec<u8> {
    (0..256u32).map(|b| b as u8).cycle().take(256 * 4096).collect()
}

fn stream(v: &V) -> Result<Socket, Error> {
    socket(v.fam, SOCK_STREAM, 0)
}

fn dgram(v: &V) -> Result<Socket, Error> {
    socket(v.fam, SOCK_DGRAM, 0)
}

fn ms(n: u64) {
    sleep(Duration::from_millis(n));
}

fn tcp_pair(c: &Ctx, v: &V) -> Option<(Socket, Socket, Socket)> {
    let srv = c.step("listener", stream(v))?;
    c.step("bind", srv.bind((v.host, 0)))?;
    c.step("listen", srv.listen(5))?;
    let cli = c.step("client", stream(v))?;
    c.step("connect", srv.getsockname().and_then(|a| cli.connect(a)))?;
    let (conn, _) = c.step("accept", srv.accept())?;
    Some((srv, cli, conn))
}

fn udp_pair(c: &Ctx, v: &V) -> Option<(Socket, Socket, Address)> {
    let a = c.step("sock_a", dgram(v))?;
    c.step("bind_a", a.bind((v.host, 0)))?;
    let b = c.step("sock_b", dgram(v))?;
    c.step("bind_b", b.bind((v.host, 0)))?;
    let addr = b.getsockname().ok()?;
    Some((a, b, addr))
}

fn full_listener(c: &Ctx, v: &V) -> Option<(Socket, Socket)> {
    let srv = c.step("listener", stream(v))?;
    c.step("bind", srv.bind((v.host, 0)))?;
    c.step("listen0", srv.listen(0))?;
    let filler = c.step("filler", stream(v))?;
    c.step("fill", srv.getsockname().and_then(|a| filler.connect(a)))?;
    Some((srv, filler))
}

macro_rules! tcp {
    ($c:expr, $v:expr) => {
        match tcp_pair($c, $v) {
            Some(t) => t,
            None => return,
        }
    };
}

macro_rules! udp {
    ($c:expr, $v:expr) => {
        match udp_pair($c, $v) {
            Some(t) => t,
            None => return,
        }
    };
}

macro_rules! full {
    ($c:expr, $v:expr) => {
        match full_listener($c, $v) {
            Some(t) => t,
            None => return,
        }
    };
}

// --- GeneralModuleTests ------------------------------------------------------

fn ntoh16(c: &Ctx, _: &V) {
    for x in [0u16, 1, 0x1234, 0xffff] {
        c.show(&format!("htons({x})"), htons(x));
        c.show(&format!("ntohs({x})"), ntohs(x));
    }
    c.show("roundtrip", ntohs(htons(0xabcd)));
}

fn ntoh32(c: &Ctx, _: &V) {
    for x in [0u32, 1, 0x1234_5678, 0xffff_ffff] {
        c.show(&format!("htonl({x})"), htonl(x));
        c.show(&format!("ntohl({x})"), ntohl(x));
    }
    c.show("roundtrip", ntohl(htonl(0xdead_beef)));
}

fn ntoh_negative(c: &Ctx, _: &V) {
    c.na("htons(-1)", NA_TYPE);
}

fn ntoh_overflow16(c: &Ctx, _: &V) {
    c.na("htons(0x10000)", NA_TYPE);
}

fn ntoh_overflow32(c: &Ctx, _: &V) {
    c.na("htonl(1<<32)", NA_TYPE);
}

fn default_timeout_initial(c: &Ctx, _: &V) {
    c.show("getdefaulttimeout", getdefaulttimeout());
    let s = must!(c, "socket", socket(AF_INET, SOCK_STREAM, 0));
    c.step("gettimeout", Ok(s.gettimeout()));
    c.step("getblocking", Ok(s.getblocking()));
}

fn default_timeout_set(c: &Ctx, v: &V) {
    c.step("setdefaulttimeout", setdefaulttimeout(Some(10.0)));
    c.show("getdefaulttimeout", getdefaulttimeout());
    let s = must!(c, "socket", stream(v));
    c.step("gettimeout", Ok(s.gettimeout()));
    c.step("getblocking", Ok(s.getblocking()));
    c.step("reset", setdefaulttimeout(None));
    let s2 = must!(c, "socket2", stream(v));
    c.step("gettimeout2", Ok(s2.gettimeout()));
    c.step("old_socket_unchanged", Ok(s.gettimeout()));
}

fn default_timeout_zero(c: &Ctx, _: &V) {
    c.step("setdefaulttimeout", setdefaulttimeout(Some(0.0)));
    let s = must!(c, "socket", socket(AF_INET, SOCK_STREAM, 0));
    c.step("gettimeout", Ok(s.gettimeout()));
    c.step("getblocking", Ok(s.getblocking()));
}

fn default_timeout_negative(c: &Ctx, _: &V) {
    c.step("setdefaulttimeout(-1)", setdefaulttimeout(Some(-1.0)));
    c.show("getdefaulttimeout", getdefaulttimeout());
}

fn default_timeout_nan(c: &Ctx, _: &V) {
    c.step("setdefaulttimeout(nan)", setdefaulttimeout(Some(f64::NAN)));
}

fn default_timeout_inf(c: &Ctx, _: &V) {
    c.step("setdefaulttimeout(inf)", setdefaulttimeout(Some(f64::INFINITY)));
}

fn getservbyname_tcp(c: &Ctx, _: &V) {
    c.step("getservbyname(echo,tcp)", getservbyname("echo", Some("tcp")));
}

fn getservbyport_tcp(c: &Ctx, _: &V) {
    c.step("getservbyport(7,tcp)", getservbyport(7, Some("tcp")));
}

fn inet_aton(c: &Ctx, _: &V) {
    c.step("inet_aton(127.0.0.1)", capsock::inet_aton("127.0.0.1").map(|b| b.to_vec()));
}

fn inet_pton4(c: &Ctx, _: &V) {
    c.step("inet_pton(AF_INET,1.2.3.4)", inet_pton(AF_INET, "1.2.3.4"));
}

fn inet_pton6(c: &Ctx, _: &V) {
    c.step("inet_pton(AF_INET6,::1)", inet_pton(AF_INET6, "::1"));
}

fn inet_ntoa(c: &Ctx, _: &V) {
    c.step("inet_ntoa", capsock::inet_ntoa(b"\x7f\x00\x00\x01"));
}

fn inet_ntop6(c: &Ctx, _: &V) {
    let mut packed = [0u8; 16];
    packed[15] = 1;
    c.step("inet_ntop", inet_ntop(AF_INET6, &packed));
}

/// `getaddrinfo`'s list of 5-tuples, the enums as integers.
fn gai(r: Result<Vec<AddrInfo>, Error>) -> Result<Py, Error> {
    r.map(|list| {
        Py::List(
            list.into_iter()
                .map(|ai| {
                    Py::Tuple(vec![ai.family.py(), ai.type_.py(), ai.proto.py(), ai.canonname.py(), ai.sockaddr.py()])
                })
                .collect(),
        )
    })
}

/// The ports of `getaddrinfo`'s results (`[ai[4][1] for ai in …]`).
fn gai_ports(r: Result<Vec<AddrInfo>, Error>) -> Result<Py, Error> {
    r.map(|list| Py::List(list.iter().map(|ai| Py::Int(ai.sockaddr.port().map_or(-1, i64::from))).collect()))
}

fn getaddrinfo_numeric(c: &Ctx, _: &V) {
    c.step("getaddrinfo", gai(getaddrinfo(Some("127.0.0.1"), 80, AF_INET, SOCK_STREAM, 0, 0)));
}

fn getaddrinfo_bad_family(c: &Ctx, _: &V) {
    c.step("getaddrinfo", gai(getaddrinfo(Some("127.0.0.1"), 80, AF_INET6, SOCK_STREAM, 0, AI_NUMERICHOST)));
}

fn sockname(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("unbound", s.getsockname());
    must!(c, "bind", s.bind((v.host, 0)));
    let name = must!(c, "getsockname", s.getsockname());
    c.show("port_nonzero", name.port() != Some(0));
}

fn getsockopt_reuseaddr(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("SO_REUSEADDR", s.getsockopt(SOL_SOCKET, SO_REUSEADDR));
}

fn setsockopt_reuseaddr(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("set", s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1));
    c.step("get", s.getsockopt(SOL_SOCKET, SO_REUSEADDR).map(|x| x != 0));
}

fn setsockopt_bytes(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("set", s.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1i32.to_ne_bytes()));
    c.step("get", s.getsockopt(SOL_SOCKET, SO_KEEPALIVE));
    c.step("get_bytes", s.getsockopt_bytes(SOL_SOCKET, SO_KEEPALIVE, 4));
}

fn getsockopt_buflen_range(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("buflen 1025", s.getsockopt_bytes(SOL_SOCKET, SO_REUSEADDR, 1025));
}

fn getsockopt_type(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("SO_TYPE", s.getsockopt(SOL_SOCKET, SO_TYPE));
    c.step("SO_ERROR", s.getsockopt(SOL_SOCKET, SO_ERROR));
}

fn send_after_close(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("close", s.close());
    c.step("send", s.send(b"spam"));
}

fn closed_case(c: &Ctx, v: &V, method: &str, call: fn(&Socket, &V) -> Result<Py, Error>) {
    let s = must!(c, "socket", stream(v));
    must!(c, "close", s.close());
    c.step(method, call(&s, v));
    c.show("fileno", s.fileno());
}

fn closed_bind(c: &Ctx, v: &V) {
    closed_case(c, v, "bind", |s, v| p(s.bind((v.host, 0))));
}
fn closed_connect(c: &Ctx, v: &V) {
    closed_case(c, v, "connect", |s, v| p(s.connect((v.host, v.echo))));
}
fn closed_connect_ex(c: &Ctx, v: &V) {
    closed_case(c, v, "connect_ex", |s, v| p(s.connect_ex((v.host, v.echo))));
}
fn closed_listen(c: &Ctx, v: &V) {
    closed_case(c, v, "listen", |s, _| p(s.listen(1)));
}
fn closed_accept(c: &Ctx, v: &V) {
    closed_case(c, v, "accept", |s, _| p(s.accept()));
}
fn closed_recv(c: &Ctx, v: &V) {
    closed_case(c, v, "recv", |s, _| p(s.recv(10)));
}
fn closed_recvfrom(c: &Ctx, v: &V) {
    closed_case(c, v, "recvfrom", |s, _| p(s.recvfrom(10)));
}
fn closed_recv_into(c: &Ctx, v: &V) {
    closed_case(c, v, "recv_into", |s, _| p(s.recv_into(&mut [0u8; 10])));
}
fn closed_recvfrom_into(c: &Ctx, v: &V) {
    closed_case(c, v, "recvfrom_into", |s, _| p(s.recvfrom_into(&mut [0u8; 10])));
}
fn closed_recvmsg(c: &Ctx, v: &V) {
    closed_case(c, v, "recvmsg", |s, _| s.recvmsg(10, 0, 0).map(|m| msg_py(&m)));
}
fn closed_send(c: &Ctx, v: &V) {
    closed_case(c, v, "send", |s, _| p(s.send(b"x")));
}
fn closed_sendall(c: &Ctx, v: &V) {
    closed_case(c, v, "sendall", |s, _| p(s.sendall(b"x")));
}
fn closed_sendto(c: &Ctx, v: &V) {
    closed_case(c, v, "sendto", |s, v| p(s.sendto(b"x", (v.host, v.echo))));
}
fn closed_sendmsg(c: &Ctx, v: &V) {
    closed_case(c, v, "sendmsg", |s, _| p(s.sendmsg(&[b"x"], &[], 0, None)));
}
fn closed_getsockname(c: &Ctx, v: &V) {
    closed_case(c, v, "getsockname", |s, _| p(s.getsockname()));
}
fn closed_getpeername(c: &Ctx, v: &V) {
    closed_case(c, v, "getpeername", |s, _| p(s.getpeername()));
}
fn closed_getsockopt(c: &Ctx, v: &V) {
    closed_case(c, v, "getsockopt", |s, _| p(s.getsockopt(SOL_SOCKET, SO_REUSEADDR)));
}
fn closed_setsockopt(c: &Ctx, v: &V) {
    closed_case(c, v, "setsockopt", |s, _| p(s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)));
}
fn closed_settimeout(c: &Ctx, v: &V) {
    closed_case(c, v, "settimeout", |s, _| p(s.settimeout(Some(1.0))));
}
fn closed_setblocking(c: &Ctx, v: &V) {
    closed_case(c, v, "setblocking", |s, _| p(s.setblocking(false)));
}
fn closed_shutdown(c: &Ctx, v: &V) {
    closed_case(c, v, "shutdown", |s, _| p(s.shutdown(SHUT_RDWR)));
}
fn closed_dup(c: &Ctx, v: &V) {
    closed_case(c, v, "dup", |s, _| p(s.dup()));
}
fn closed_detach(c: &Ctx, v: &V) {
    closed_case(c, v, "detach", |s, _| p(s.detach()));
}
fn closed_fileno(c: &Ctx, v: &V) {
    closed_case(c, v, "fileno", |s, _| Ok(s.fileno().py()));
}
fn closed_close(c: &Ctx, v: &V) {
    closed_case(c, v, "close", |s, _| p(s.close()));
}

fn closed_timeout_state(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("settimeout", s.settimeout(Some(2.5)));
    must!(c, "close", s.close());
    c.step("gettimeout", Ok(s.gettimeout()));
    c.step("getblocking", Ok(s.getblocking()));
    c.step("settimeout_closed", s.settimeout(Some(0.0)));
    c.step("gettimeout_after", Ok(s.gettimeout()));
}

fn attributes_stream(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.show("family", s.family() == v.fam);
    c.show("type", s.type_());
    c.show("proto", s.proto());
}

fn attributes_dgram(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.show("family", s.family() == v.fam);
    c.show("type", s.type_());
    c.show("proto", s.proto());
}

fn attributes_proto(c: &Ctx, v: &V) {
    let s = must!(c, "socket", socket(v.fam, SOCK_STREAM, IPPROTO_TCP));
    c.show("proto", s.proto());
    let u = must!(c, "udp", socket(v.fam, SOCK_DGRAM, IPPROTO_UDP));
    c.show("udp_proto", u.proto());
}

fn sock_type_flags(c: &Ctx, v: &V) {
    let s = must!(c, "socket", socket(v.fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    c.show("type", s.type_());
    c.step("gettimeout", Ok(s.gettimeout()));
    c.step("settimeout(1)", s.settimeout(Some(1.0)));
    c.show("type_after", s.type_());
}

fn listen_backlog_negative(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    must!(c, "bind", s.bind((v.host, 0)));
    c.step("listen(-1)", s.listen(-1));
}

fn listen_backlog_zero(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    must!(c, "bind", s.bind((v.host, 0)));
    c.step("listen(0)", s.listen(0));
    c.step("listen_again", s.listen(10));
}

fn listen_backlog_overflow(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    must!(c, "bind", s.bind((v.host, 0)));
    c.na("listen(INT_MAX+1)", NA_TYPE);
}

fn flowinfo_negative(c: &Ctx, v: &V) {
    let _s = must!(c, "socket", stream(v));
    c.na("bind", NA_TYPE);
}

fn flowinfo_too_large(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("bind", s.bind(("::1", 0, 0x10_0000, 0)));
    c.step("connect", s.connect(("::1", v.echo, 0x10_0000, 0)));
}

fn port_overflow(c: &Ctx, v: &V) {
    let _s = must!(c, "socket", stream(v));
    c.na("bind", NA_TYPE);
}

fn port_negative(c: &Ctx, v: &V) {
    let _s = must!(c, "socket", stream(v));
    c.na("bind", NA_TYPE);
}

fn sendto_none(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("sendto", s.sendto(b"foo", Address::None));
}

fn sendto_str_address(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("sendto", s.sendto(b"foo", "bar"));
}

fn sendto_bytes_address(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("sendto", s.sendto(b"foo", b"bar"));
}

fn sendto_flags_str_address(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("sendto", s.sendto_with_flags(b"foo", 0, "bar"));
}

fn connect_str_address(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("connect", s.connect("bar"));
}

fn bind_str_address(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("bind", s.bind("bar"));
}

fn inet_socket_v6_address(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("connect", s.connect(("::1", v.echo)));
}

fn inet6_socket_mapped_address(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("connect", s.connect(("::ffff:127.0.0.1", v.echo4())));
    c.step("getpeername", s.getpeername());
}

fn bind_twice(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    must!(c, "bind", s.bind((v.host, 0)));
    c.step("bind_again", s.bind((v.host, 0)));
}

fn bind_in_use(c: &Ctx, v: &V) {
    let a = must!(c, "a", stream(v));
    must!(c, "bind_a", a.bind((v.host, 0)));
    must!(c, "listen", a.listen(1));
    let b = must!(c, "b", stream(v));
    c.step("bind_b", a.getsockname().and_then(|x| b.bind(x)));
}

fn bind_nonlocal(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("bind", s.bind(("192.0.2.1", 0)));
}

fn bind_any(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("bind", s.bind(("", 0)));
    c.step("getsockname", s.getsockname());
}

fn settimeout_negative(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("settimeout(-1)", s.settimeout(Some(-1.0)));
    c.step("gettimeout", Ok(s.gettimeout()));
}

fn settimeout_nan(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("settimeout(nan)", s.settimeout(Some(f64::NAN)));
}

fn settimeout_inf(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("settimeout(inf)", s.settimeout(Some(f64::INFINITY)));
    c.step("settimeout(1e10)", s.settimeout(Some(1e10)));
}

fn settimeout_values(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    for (t, label) in
        [(Some(0.25), "0.25"), (Some(0.0), "0.0"), (None, "None"), (Some(3.0), "3.0"), (Some(1e-9), "1e-09")]
    {
        c.step(&format!("settimeout({label})"), s.settimeout(t));
        c.step(&format!("gettimeout({label})"), Ok(s.gettimeout()));
        c.step(&format!("getblocking({label})"), Ok(s.getblocking()));
    }
}

fn setblocking_flags(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("setblocking(False)", s.setblocking(false));
    c.step("gettimeout", Ok(s.gettimeout()));
    c.step("getblocking", Ok(s.getblocking()));
    c.step("setblocking(True)", s.setblocking(true));
    c.step("gettimeout2", Ok(s.gettimeout()));
    c.step("getblocking2", Ok(s.getblocking()));
    c.step("settimeout(5)", s.settimeout(Some(5.0)));
    c.step("setblocking(True)2", s.setblocking(true));
    c.step("gettimeout3", Ok(s.gettimeout()));
}

fn init_nonblocking(c: &Ctx, v: &V) {
    let s = must!(c, "socket", socket(v.fam, SOCK_STREAM | SOCK_NONBLOCK, 0));
    c.step("gettimeout", Ok(s.gettimeout()));
    c.step("getblocking", Ok(s.getblocking()));
    c.show("type", s.type_());
}

fn init_nonblocking_ignores_default(c: &Ctx, v: &V) {
    c.step("setdefaulttimeout", setdefaulttimeout(Some(7.0)));
    let s = must!(c, "socket", socket(v.fam, SOCK_STREAM | SOCK_NONBLOCK, 0));
    c.step("gettimeout", Ok(s.gettimeout()));
}

fn nonblocking_accept(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    must!(c, "bind", s.bind((v.host, 0)));
    must!(c, "listen", s.listen(1));
    c.step("setblocking", s.setblocking(false));
    c.step("accept", s.accept());
    let cli = must!(c, "client", stream(v));
    must!(c, "connect", s.getsockname().and_then(|a| cli.connect(a)));
    ms(50);
    c.step("accept2", s.accept().map(|(conn, _)| conn.getblocking()));
}

fn nonblocking_recv(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("setblocking", conn.setblocking(false));
    c.step("recv", conn.recv(1024));
    c.step("recvfrom", conn.recvfrom(1024));
    c.step("recv_into", conn.recv_into(&mut [0u8; 10]));
    must!(c, "send", cli.sendall(MSG));
    ms(50);
    c.step("recv2", conn.recv(1024));
}

fn recv_dontwait(c: &Ctx, v: &V) {
    let (_srv, _cli, conn) = tcp!(c, v);
    c.step("recv", conn.recv_with_flags(1024, MSG_DONTWAIT));
    c.step("gettimeout", Ok(conn.gettimeout()));
}

fn inherit_blocking(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    must!(c, "bind", s.bind((v.host, 0)));
    must!(c, "listen", s.listen(1));
    c.step("setblocking", s.setblocking(false));
    let cli = must!(c, "client", stream(v));
    must!(c, "connect", s.getsockname().and_then(|a| cli.connect(a)));
    ms(50);
    let (conn, _) = must!(c, "accept", s.accept());
    c.step("getblocking", Ok(conn.getblocking()));
    c.step("gettimeout", Ok(conn.gettimeout()));
}

fn inherit_timeout(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    must!(c, "bind", s.bind((v.host, 0)));
    must!(c, "listen", s.listen(1));
    c.step("settimeout", s.settimeout(Some(2.0)));
    let cli = must!(c, "client", stream(v));
    must!(c, "connect", s.getsockname().and_then(|a| cli.connect(a)));
    let (conn, _) = must!(c, "accept", s.accept());
    c.step("gettimeout", Ok(conn.gettimeout()));
    c.step("getblocking", Ok(conn.getblocking()));
}

fn inherit_default_timeout(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    must!(c, "bind", s.bind((v.host, 0)));
    must!(c, "listen", s.listen(1));
    let cli = must!(c, "client", stream(v));
    must!(c, "connect", s.getsockname().and_then(|a| cli.connect(a)));
    c.step("setdefaulttimeout", setdefaulttimeout(Some(4.5)));
    let (conn, _) = must!(c, "accept", s.accept());
    c.step("gettimeout", Ok(conn.gettimeout()));
    c.step("listener_timeout", Ok(s.gettimeout()));
}

fn nonblocking_connect_inprogress(c: &Ctx, v: &V) {
    let (srv, _filler) = full!(c, v);
    let s = must!(c, "socket", stream(v));
    c.step("setblocking", s.setblocking(false));
    c.step("connect", srv.getsockname().and_then(|a| s.connect(a)));
    c.step("connect_again", srv.getsockname().and_then(|a| s.connect(a)));
    c.step("connect_ex", srv.getsockname().and_then(|a| s.connect_ex(a)));
}

fn nonblocking_connect_ex(c: &Ctx, v: &V) {
    let (srv, _filler) = full!(c, v);
    let s = must!(c, "socket", stream(v));
    c.step("setblocking", s.setblocking(false));
    c.step("connect_ex", srv.getsockname().and_then(|a| s.connect_ex(a)));
    c.step("connect_ex2", srv.getsockname().and_then(|a| s.connect_ex(a)));
}

fn nonblocking_connect_refused(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("setblocking", s.setblocking(false));
    c.step("connect_ex", s.connect_ex((v.host, v.closed)));
    ms(50);
    c.step("SO_ERROR", s.getsockopt(SOL_SOCKET, SO_ERROR));
    c.step("connect_ex2", s.connect_ex((v.host, v.closed)));
}

fn send_until(sock: &Socket, chunk: &[u8], flags: i32, msg: bool) -> Result<&'static str, Error> {
    for _ in 0..10000 {
        if msg {
            sock.sendmsg(&[chunk], &[], flags, None)?;
        } else {
            sock.send_with_flags(chunk, flags)?;
        }
    }
    Ok("never filled")
}

fn nonblocking_send_full(c: &Ctx, v: &V) {
    let (_srv, cli, _conn) = tcp!(c, v);
    c.step("setblocking", cli.setblocking(false));
    c.step("send_until_full", send_until(&cli, &[b'x'; 65536], 0, false));
}

// --- Timeouts ----------------------------------------------------------------

fn accept_timeout(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    must!(c, "bind", s.bind((v.host, 0)));
    must!(c, "listen", s.listen(1));
    c.step("settimeout", s.settimeout(Some(0.1)));
    c.step("accept", s.accept());
}

fn accept_timeout_zero(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    must!(c, "bind", s.bind((v.host, 0)));
    must!(c, "listen", s.listen(1));
    c.step("settimeout", s.settimeout(Some(0.0)));
    c.step("accept", s.accept());
}

fn recv_timeout(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("settimeout", conn.settimeout(Some(0.1)));
    c.step("recv", conn.recv(1024));
    c.step("recv_into", conn.recv_into(&mut [0u8; 4]));
    c.step("still_usable", cli.sendall(b"late").and_then(|_| conn.recv(1024)));
}

fn connect_timeout(c: &Ctx, v: &V) {
    let (srv, _filler) = full!(c, v);
    let s = must!(c, "socket", stream(v));
    c.step("settimeout", s.settimeout(Some(0.2)));
    c.step("connect", srv.getsockname().and_then(|a| s.connect(a)));
}

fn connect_ex_timeout(c: &Ctx, v: &V) {
    let (srv, _filler) = full!(c, v);
    let s = must!(c, "socket", stream(v));
    c.step("settimeout", s.settimeout(Some(0.2)));
    c.step("connect_ex", srv.getsockname().and_then(|a| s.connect_ex(a)));
}

fn sendall_timeout_whole_call(c: &Ctx, v: &V) {
    let srv = must!(c, "listener", stream(v));
    must!(c, "bind", srv.bind((v.host, 0)));
    must!(c, "listen", srv.listen(1));
    let cli = must!(c, "client", stream(v));
    must!(c, "connect", srv.getsockname().and_then(|a| cli.connect(a)));
    c.step("settimeout", cli.settimeout(Some(0.3)));
    let data = big().repeat(64);
    let start = Instant::now();
    c.step("sendall", cli.sendall(&data));
    c.show("bounded", start.elapsed() < Duration::from_secs(2));
}

fn udp_recv_timeout(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    must!(c, "bind", s.bind((v.host, 0)));
    c.step("settimeout", s.settimeout(Some(0.1)));
    c.step("recv", s.recv(1024));
    c.step("recvfrom", s.recvfrom(1024));
}

fn udp_timeout_zero(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    must!(c, "bind", s.bind((v.host, 0)));
    c.step("settimeout", s.settimeout(Some(0.0)));
    c.step("recv", s.recv(1024));
    c.step("recvfrom_into", s.recvfrom_into(&mut [0u8; 8]));
}

// --- BasicTCPTest ------------------------------------------------------------

fn tcp_recv(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(MSG));
    c.step("recv", conn.recv(1024));
}

fn tcp_overflow_recv(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(MSG));
    c.step("recv", conn.recv(MSG.len() - 3));
    c.step("recv_rest", conn.recv(1024));
}

fn tcp_recvfrom(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(MSG));
    c.step("recvfrom", conn.recvfrom(1024));
}

fn tcp_overflow_recvfrom(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(MSG));
    c.step("recvfrom", conn.recvfrom(MSG.len() - 3));
    c.step("recvfrom_rest", conn.recvfrom(1024));
}

fn tcp_sendall(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    let data = big();
    c.step("sendall", cli.sendall(&data));
    c.step("shutdown", cli.shutdown(SHUT_WR));
    let drain = || -> Result<(usize, bool), Error> {
        let mut got = Vec::new();
        loop {
            let d = conn.recv(65536)?;
            if d.is_empty() {
                return Ok((got.len(), got == data));
            }
            got.extend_from_slice(&d);
        }
    };
    c.step("received", drain());
}

fn tcp_recv_zero(c: &Ctx, v: &V) {
    let (_srv, _cli, conn) = tcp!(c, v);
    // SO_RCVTIMEO bounds a wait that CPython never starts (recv(0) returns
    // at once), so that a host that waits fails instead of hanging.
    let mut tv = 0i64.to_ne_bytes().to_vec();
    tv.extend_from_slice(&300_000i64.to_ne_bytes());
    c.step("SO_RCVTIMEO", conn.setsockopt(SOL_SOCKET, SO_RCVTIMEO, tv));
    c.step("recv(0)", conn.recv(0));
}

fn tcp_recv_negative(c: &Ctx, v: &V) {
    let (_srv, _cli, _conn) = tcp!(c, v);
    c.na("recv(-1)", NA_TYPE);
}

fn tcp_recv_peek(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(MSG));
    ms(50);
    c.step("peek", conn.recv_with_flags(5, MSG_PEEK));
    c.step("recv", conn.recv(1024));
}

fn tcp_recv_waitall(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("send1", cli.sendall(b"abc"));
    c.step("send2", cli.sendall(b"defgh"));
    c.step("recv", conn.recv_with_flags(8, MSG_WAITALL));
}

fn tcp_dup(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("settimeout", conn.settimeout(Some(2.5)));
    let d = must!(c, "dup", conn.dup());
    c.step("dup_timeout", Ok(d.gettimeout()));
    c.step("close_original", conn.close());
    c.step("sendall", cli.sendall(MSG));
    c.step("recv_dup", d.recv(1024));
    c.show("family", d.family() == v.fam);
}

fn tcp_shutdown(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(MSG));
    c.step("shutdown", cli.shutdown(SHUT_WR));
    c.step("recv", conn.recv(1024));
    c.step("recv_eof", conn.recv(1024));
    c.step("send_after_shutdown", cli.send(b"x"));
}

fn tcp_shutdown_bad_how(c: &Ctx, v: &V) {
    let (_srv, cli, _conn) = tcp!(c, v);
    c.step("shutdown(7)", cli.shutdown(7));
    c.step("shutdown(-1)", cli.shutdown(-1));
}

fn shutdown_unconnected(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("shutdown", s.shutdown(SHUT_RDWR));
}

fn tcp_detach(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    let fd = conn.detach().unwrap_or(-1);
    c.show("fd_nonneg", fd >= 0);
    c.show("fileno", conn.fileno());
    c.step("recv_detached", conn.recv(1024));
    let s = must!(c, "fromfd", from_fd(fd));
    c.step("sendall", cli.sendall(MSG));
    c.step("recv", s.recv(1024));
}

fn tcp_getpeername(c: &Ctx, v: &V) {
    let (srv, cli, conn) = tcp!(c, v);
    c.step("getpeername", cli.getpeername());
    c.step("same", cli.getpeername().and_then(|a| Ok(a == srv.getsockname()?)));
    c.step("accepted_peer", conn.getpeername().and_then(|a| Ok(a == cli.getsockname()?)));
}

fn tcp_recv_unconnected(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("recv", s.recv(1024));
    c.step("getpeername", s.getpeername());
}

fn tcp_send_unconnected(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("send", s.send(b"x"));
    c.step("sendall", s.sendall(b"x"));
}

fn accept_not_listening(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    must!(c, "bind", s.bind((v.host, 0)));
    c.step("accept", s.accept());
}

fn accept_unbound(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("accept", s.accept());
}

fn tcp_connect_twice(c: &Ctx, v: &V) {
    let (srv, cli, _conn) = tcp!(c, v);
    c.step("connect_again", srv.getsockname().and_then(|a| cli.connect(a)));
    c.step("connect_ex_again", srv.getsockname().and_then(|a| cli.connect_ex(a)));
}

fn tcp_connect_listening(c: &Ctx, v: &V) {
    let (srv, _cli, _conn) = tcp!(c, v);
    c.step("connect", srv.connect((v.host, v.echo)));
}

fn tcp_send_after_peer_close(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("close_peer", conn.close());
    ms(50);
    c.step("send1", cli.send(b"x"));
    ms(50);
    c.step("send2", cli.send(b"x"));
    c.step("send3", cli.send(b"x"));
}

fn tcp_recv_after_reset(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("linger", conn.setsockopt(SOL_SOCKET, SO_LINGER, [1u8, 0, 0, 0, 0, 0, 0, 0]));
    c.step("close_peer", conn.close());
    ms(50);
    c.step("recv", cli.recv(10));
    c.step("recv2", cli.recv(10));
}

fn tcp_echo_native(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("connect", s.connect((v.host, v.echo)));
    c.step("getpeername", s.getpeername());
    c.step("sendall", s.sendall(MSG));
    c.step("recv", s.recv(1024));
    c.step("shutdown", s.shutdown(SHUT_WR));
    c.step("eof", s.recv(1024));
}

fn dualstack_mapped_peer(c: &Ctx, v: &V) {
    let srv = must!(c, "listener", stream(v));
    c.step("v6only", srv.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY));
    must!(c, "bind", srv.bind(("::ffff:127.0.0.1", 0)));
    must!(c, "listen", srv.listen(1));
    let cli = must!(c, "client", socket(AF_INET, SOCK_STREAM, 0));
    let port = srv.getsockname().ok().and_then(|a| a.port()).unwrap_or(0);
    c.step("connect", cli.connect(("127.0.0.1", port)));
    let (conn, peer) = must!(c, "accept", srv.accept());
    c.show("peer", peer);
    c.step("getsockname", conn.getsockname());
}

fn v6only_refuses_v4(c: &Ctx, v: &V) {
    let srv = must!(c, "listener", stream(v));
    c.step("v6only", srv.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1));
    c.step("bind", srv.bind(("::ffff:127.0.0.1", 0)));
}

// --- TCPCloserTest ----------------------------------------------------------

fn closer_eof(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("close_peer", conn.close());
    c.step("recv", cli.recv(1024));
    c.step("recv_again", cli.recv(1024));
    c.step("recvfrom", cli.recvfrom(1024));
}

fn closer_local(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("close", cli.close());
    c.step("recv", cli.recv(1024));
    c.step("peer_eof", conn.recv(1024));
}

// --- NetworkConnectionNoServer / AttributesTest ------------------------------

fn connect_refused(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("connect", s.connect((v.host, v.closed)));
    c.step("connect_ex", s.connect_ex((v.host, v.closed)));
}

fn connect_ex_ok(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("connect_ex", s.connect_ex((v.host, v.echo)));
}

fn create_connection_refused(c: &Ctx, v: &V) {
    c.step("create_connection", create_connection((v.host, v.closed), None, None));
}

fn create_connection_all_errors(c: &Ctx, v: &V) {
    match capsock::create_connection_all_errors((v.host, v.closed), None, None) {
        Ok(_) => c.show("create_connection", "connected"),
        Err(ConnectError::Group(errors)) => {
            c.show("group", ("ExceptionGroup", ConnectError::Group(errors.clone()).to_string()));
            let members: Vec<String> = errors
                .iter()
                .map(|e| format!("{}:{}", e.exception(), e.errno().map_or("None".to_string(), |n| n.to_string())))
                .collect();
            c.show("members", list(&members));
        }
        Err(ConnectError::Single(e)) => c.abort(&e),
    }
}

fn create_connection_timeout(c: &Ctx, v: &V) {
    let (srv, _filler) = full!(c, v);
    c.step("create_connection", srv.getsockname().and_then(|a| create_connection(a, Some(0.2), None)));
}

fn create_connection_family(c: &Ctx, v: &V) {
    let s = must!(c, "create_connection", create_connection((v.host, v.echo), None, None));
    c.show("family", s.family() == v.fam);
    c.show("type", s.type_());
    c.show("proto", s.proto());
    c.step("getpeername", s.getpeername());
}

fn create_connection_timeout_default(c: &Ctx, v: &V) {
    let s = must!(c, "create_connection", create_connection((v.host, v.echo), None, None));
    c.step("gettimeout", Ok(s.gettimeout()));
}

fn create_connection_timeout_value(c: &Ctx, v: &V) {
    let s = must!(c, "create_connection", create_connection((v.host, v.echo), Some(30.0), None));
    c.step("gettimeout", Ok(s.gettimeout()));
}

fn create_connection_timeout_from_default(c: &Ctx, v: &V) {
    c.step("setdefaulttimeout", setdefaulttimeout(Some(42.0)));
    let s = must!(c, "create_connection", create_connection((v.host, v.echo), None, None));
    c.step("gettimeout", Ok(s.gettimeout()));
}

fn create_connection_source(c: &Ctx, v: &V) {
    let source = (v.host, 0).to_address(v.fam).ok();
    let s = must!(c, "create_connection", create_connection((v.host, v.echo), Some(5.0), source));
    c.step("getsockname_host", s.getsockname().map(|a| a.ip().map(|ip| ip.to_string()).unwrap_or_default()));
}

fn create_connection_negative_timeout(c: &Ctx, v: &V) {
    c.step("create_connection", create_connection((v.host, v.echo), Some(-1.0), None));
}

fn create_connection_echo(c: &Ctx, v: &V) {
    let s = must!(c, "create_connection", create_connection((v.host, v.echo), Some(5.0), None));
    c.step("sendall", s.sendall(b"ping"));
    c.step("recv", s.recv(1024));
}

// --- BasicUDPTest -----------------------------------------------------------

fn udp_sendto_recv(c: &Ctx, v: &V) {
    let (a, b, addr) = udp!(c, v);
    c.step("sendto", a.sendto(MSG, &addr));
    c.step("recv", b.recv(MSG.len()));
}

fn udp_recvfrom(c: &Ctx, v: &V) {
    let (a, b, addr) = udp!(c, v);
    c.step("sendto", a.sendto(MSG, &addr));
    c.step("recvfrom", b.recvfrom(MSG.len()));
    c.step("sender_matches", a.sendto(b"x", &addr).and_then(|_| Ok(b.recvfrom(10)?.1 == a.getsockname()?)));
}

fn udp_recvfrom_negative(c: &Ctx, v: &V) {
    let _s = must!(c, "socket", dgram(v));
    c.na("recvfrom(-1)", NA_TYPE);
}

fn udp_truncate(c: &Ctx, v: &V) {
    let (a, b, addr) = udp!(c, v);
    c.step("sendto", a.sendto(b"0123456789", &addr));
    c.step("sendto2", a.sendto(b"abc", &addr));
    c.step("recv(3)", b.recv(3));
    c.step("next_datagram", b.recv(100));
}

fn udp_empty_datagram(c: &Ctx, v: &V) {
    let (a, b, addr) = udp!(c, v);
    c.step("sendto", a.sendto(b"", &addr));
    c.step("recvfrom", b.recvfrom(10));
}

fn udp_send_unconnected(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("send", s.send(b"x"));
    c.step("sendall", s.sendall(b"x"));
}

fn udp_connected(c: &Ctx, v: &V) {
    let (a, b, addr) = udp!(c, v);
    c.step("connect", a.connect(&addr));
    c.step("getpeername", a.getpeername().map(|x| x == addr));
    c.step("send", a.send(MSG));
    c.step("recvfrom", b.recvfrom(1024).map(|r| r.0));
}

fn udp_connected_refused(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("connect", s.connect((v.host, v.closed)));
    c.step("settimeout", s.settimeout(Some(2.0)));
    c.step("send", s.send(b"x"));
    c.step("recv", s.recv(10));
}

fn udp_unconnected_no_refusal(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("sendto", s.sendto(b"x", (v.host, v.closed)));
    c.step("settimeout", s.settimeout(Some(0.1)));
    c.step("recv", s.recv(10));
}

fn udp_broadcast_denied(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("sendto", s.sendto(b"x", ("255.255.255.255", v.udpecho)));
}

fn udp_broadcast_name_denied(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("sendto", s.sendto(b"x", ("<broadcast>", v.udpecho)));
}

fn udp_echo_native(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("settimeout", s.settimeout(Some(5.0)));
    c.step("sendto", s.sendto(b"hello", (v.host, v.udpecho)));
    c.step("recvfrom", s.recvfrom(100));
}

fn udp_too_large(c: &Ctx, v: &V) {
    let (a, _b, addr) = udp!(c, v);
    c.step("sendto", a.sendto(&[b'x'; 70000], &addr));
}

fn udp_listen(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("listen", s.listen(1));
    c.step("accept", s.accept());
}

fn udp_shutdown_unconnected(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("shutdown", s.shutdown(SHUT_RDWR));
}

fn udp_getpeername_unconnected(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("getpeername", s.getpeername());
    c.step("getsockname", s.getsockname());
}

fn udp_peek(c: &Ctx, v: &V) {
    let (a, b, addr) = udp!(c, v);
    c.step("sendto", a.sendto(MSG, &addr));
    c.step("peek", b.recv_with_flags(4, MSG_PEEK));
    c.step("recv", b.recv(1024));
}

fn udp_implicit_bind(c: &Ctx, v: &V) {
    let (_a, b, addr) = udp!(c, v);
    let s = must!(c, "socket", dgram(v));
    c.step("sendto", s.sendto(b"x", &addr));
    let host = |a: Address| a.ip().map(|ip| ip.to_string()).unwrap_or_default();
    c.step("bound_host", s.getsockname().map(host));
    c.step("recvfrom_host", b.recvfrom(10).map(|r| host(r.1)));
}

// --- sendmsg / recvmsg -------------------------------------------------------

type Msg = (Vec<u8>, Vec<(i32, i32, Vec<u8>)>, i32, Address);

fn msg_py(m: &Msg) -> Py {
    Py::Tuple(vec![m.0.py(), list(&m.1), m.2.py(), m.3.py()])
}

fn msg3(m: &Msg) -> Py {
    Py::Tuple(vec![m.0.py(), list(&m.1), m.2.py()])
}

fn sendmsg_stream(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendmsg", cli.sendmsg(&[MSG], &[], 0, None));
    c.step("recv", conn.recv(1024));
}

fn sendmsg_gather(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendmsg", cli.sendmsg(&[b"ab", b"", b"cde", b"f"], &[], 0, None));
    c.step("recv", conn.recv_with_flags(6, MSG_WAITALL));
}

fn sendmsg_none_addr(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendmsg", cli.sendmsg(&[MSG], &[], 0, Some(Address::None)));
    c.step("recv", conn.recv(1024));
}

fn sendmsg_timeout(c: &Ctx, v: &V) {
    let srv = must!(c, "listener", stream(v));
    must!(c, "bind", srv.bind((v.host, 0)));
    must!(c, "listen", srv.listen(1));
    let cli = must!(c, "client", stream(v));
    must!(c, "connect", srv.getsockname().and_then(|a| cli.connect(a)));
    c.step("settimeout", cli.settimeout(Some(0.1)));
    c.step("sendmsg_until_timeout", send_until(&cli, &big(), 0, true));
}

fn sendmsg_dontwait(c: &Ctx, v: &V) {
    let (_srv, cli, _conn) = tcp!(c, v);
    c.step("sendmsg_until_eagain", send_until(&cli, &big(), MSG_DONTWAIT, true));
}

fn sendmsg_udp(c: &Ctx, v: &V) {
    let (a, b, addr) = udp!(c, v);
    c.step("sendmsg", a.sendmsg(&[MSG], &[], 0, Some(addr.clone())));
    c.step("recv", b.recv(1024));
}

fn sendmsg_no_dest(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("sendmsg", s.sendmsg(&[MSG], &[], 0, None));
}

fn sendmsg_after_close(c: &Ctx, v: &V) {
    let (_srv, cli, _conn) = tcp!(c, v);
    c.step("close", cli.close());
    c.step("sendmsg", cli.sendmsg(&[MSG], &[], 0, None));
}

fn sendmsg_ancillary(c: &Ctx, v: &V) {
    let (a, _b, addr) = udp!(c, v);
    c.step("sendmsg", a.sendmsg(&[MSG], &[(SOL_SOCKET, 0xffff, b"xx")], 0, Some(addr.clone())));
}

fn recvmsg_stream(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(MSG));
    c.step("recvmsg", conn.recvmsg(MSG.len() - 3, 0, 0).map(|m| msg_py(&m)));
    c.step("recvmsg_rest", conn.recvmsg(1024, 0, 0).map(|m| msg_py(&m)));
}

fn recvmsg_udp(c: &Ctx, v: &V) {
    let (a, b, addr) = udp!(c, v);
    c.step("sendto", a.sendto(MSG, &addr));
    let MsgP((data, anc, flags, src)) = must!(c, "recvmsg", b.recvmsg(1024, 0, 0).map(MsgP));
    c.show("data", data);
    c.show("anc", list(&anc));
    c.show("flags", flags);
    c.show("src_matches", a.getsockname().is_ok_and(|x| x == src));
}

fn recvmsg_trunc(c: &Ctx, v: &V) {
    let (a, b, addr) = udp!(c, v);
    c.step("sendto", a.sendto(MSG, &addr));
    let MsgP((data, _, flags, _)) = must!(c, "recvmsg", b.recvmsg(MSG.len() - 3, 0, 0).map(MsgP));
    c.show("data", data);
    c.show("msg_trunc", flags & MSG_TRUNC != 0);
}

fn recvmsg_shorter(c: &Ctx, v: &V) {
    let (a, b, addr) = udp!(c, v);
    c.step("sendto", a.sendto(MSG, &addr));
    c.step("recvmsg", b.recvmsg(MSG.len() + 10, 0, 0).map(|m| msg3(&m)));
}

fn recvmsg_peek(c: &Ctx, v: &V) {
    let (a, b, addr) = udp!(c, v);
    c.step("sendto", a.sendto(MSG, &addr));
    c.step("peek", b.recvmsg(MSG.len() - 3, 0, MSG_PEEK).map(|m| msg3(&m)));
    c.step("recvmsg", b.recvmsg(1024, 0, 0).map(|m| msg3(&m)));
}

fn recvmsg_after_close(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    c.step("close", s.close());
    c.step("recvmsg", s.recvmsg(1024, 0, 0).map(|m| msg_py(&m)));
}

fn recvmsg_timeout(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    must!(c, "bind", s.bind((v.host, 0)));
    c.step("settimeout", s.settimeout(Some(0.1)));
    c.step("recvmsg", s.recvmsg(1024, 0, 0).map(|m| msg_py(&m)));
}

fn recvmsg_eof(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("close", cli.close());
    c.step("recvmsg", conn.recvmsg(1024, 0, 0).map(|m| msg_py(&m)));
}

fn recvmsg_from_sendmsg(c: &Ctx, v: &V) {
    let (a, b, addr) = udp!(c, v);
    c.step("sendmsg", a.sendmsg(&[b"one", b"two"], &[], 0, Some(addr.clone())));
    c.step("recvmsg", b.recvmsg(1024, 0, 0).map(|m| msg3(&m)));
}

fn recvmsg_negative(c: &Ctx, v: &V) {
    let _s = must!(c, "socket", dgram(v));
    c.na("recvmsg(-1)", NA_TYPE);
}

fn recvmsg_anc_negative(c: &Ctx, v: &V) {
    let _s = must!(c, "socket", dgram(v));
    c.na("recvmsg(1024,-1)", NA_TYPE);
}

// --- BufferIOTest ------------------------------------------------------------

fn recv_into(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(MSG));
    let mut buf = vec![0u8; 1024];
    let n = c.step("recv_into", conn.recv_into(&mut buf)).unwrap_or(0);
    c.show("data", buf[..n].to_vec());
}

fn recv_into_nbytes(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(MSG));
    let mut buf = vec![0u8; 1024];
    c.step("recv_into", conn.recv_into_with_flags(&mut buf, 5, 0));
    c.show("data", buf[..8].to_vec());
}

fn recv_into_too_small(c: &Ctx, v: &V) {
    let (_srv, _cli, conn) = tcp!(c, v);
    c.step("recv_into", conn.recv_into_with_flags(&mut [0u8; 4], 5, 0));
}

fn recvfrom_into(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(MSG));
    let mut buf = vec![0u8; 1024];
    let n = c.step("recvfrom_into", conn.recvfrom_into(&mut buf)).map_or(0, |r| r.0);
    c.show("data", buf[..n].to_vec());
}

fn recvfrom_into_small_buffer(c: &Ctx, v: &V) {
    let (_srv, _cli, conn) = tcp!(c, v);
    c.step("recvfrom_into", conn.recvfrom_into_with_flags(&mut [0u8; 2], 1024, 0));
}

fn recvfrom_into_empty(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(MSG));
    c.step("recvfrom_into", conn.recvfrom_into(&mut []));
    c.step("recvfrom_into_0", conn.recvfrom_into_with_flags(&mut [], 0, 0));
}

fn recvfrom_into_udp(c: &Ctx, v: &V) {
    let (a, b, addr) = udp!(c, v);
    c.step("sendto", a.sendto(MSG, &addr));
    let mut buf = vec![0u8; 1024];
    let (n, src) = must!(c, "recvfrom_into", b.recvfrom_into_with_flags(&mut buf, 6, 0));
    c.show("n", n);
    c.show("data", buf[..8].to_vec());
    c.show("src_matches", a.getsockname().is_ok_and(|x| x == src));
}

fn recv_into_udp_truncates(c: &Ctx, v: &V) {
    let (a, b, addr) = udp!(c, v);
    c.step("sendto", a.sendto(b"0123456789", &addr));
    let mut buf = vec![0u8; 4];
    c.step("recv_into", b.recv_into(&mut buf));
    c.show("buf", buf);
    c.step("settimeout", b.settimeout(Some(0.0)));
    c.step("next", b.recv(10));
}

// --- makefile, create_server, sendfile ---------------------------------------

impl ToPy for SocketFile {
    /// `makefile` gives a BufferedReader, BufferedWriter or BufferedRWPair.
    fn py(&self) -> Py {
        match (self.mode().contains('r'), self.mode().contains('w')) {
            (true, true) => Py::Obj("BufferedRWPair"),
            (_, true) => Py::Obj("BufferedWriter"),
            _ => Py::Obj("BufferedReader"),
        }
    }
}

/// The SDK error an `io::Error` from a [`SocketFile`] wraps.
fn io_err(e: std::io::Error) -> Error {
    match e.into_inner().map(|b| b.downcast::<Error>()) {
        Some(Ok(e)) => *e,
        _ => Error::os_message("unexpected io::Error"),
    }
}

/// `f.read(n)`: up to `n` bytes, fewer only at end of stream.
fn read_n(f: &mut SocketFile, n: usize) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    Read::by_ref(f).take(n as u64).read_to_end(&mut out).map_err(io_err)?;
    Ok(out)
}

/// `f.read()`: everything to end of stream.
fn read_all(f: &mut SocketFile) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    f.read_to_end(&mut out).map_err(io_err)?;
    Ok(out)
}

fn makefile_read(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(MSG));
    let mut f = must!(c, "makefile", conn.makefile("rb"));
    c.step("read", read_n(&mut f, 5));
}

fn makefile_readline(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(b"line one\nline two\n"));
    let mut f = must!(c, "makefile", conn.makefile("rb"));
    c.step("readline", f.readline());
}

fn makefile_invalid_mode(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("makefile", s.makefile("rt+"));
}

fn create_server_address(c: &Ctx, v: &V) {
    let s = must!(c, "create_server", create_server((v.host, 0), v.fam, None, false, false));
    c.step("getsockname_host", s.getsockname().map(|a| a.ip().map(|ip| ip.to_string())));
}

fn create_server_family(c: &Ctx, v: &V) {
    let s = must!(c, "create_server", create_server((v.host, 0), v.fam, None, false, false));
    c.show("family", s.family() == v.fam);
    c.show("type", s.type_());
}

fn sendfile_regular(c: &Ctx, v: &V) {
    let (_srv, _cli, _conn) = tcp!(c, v);
    c.na("sendfile", "a guest has no filesystem: no file to pass");
}

// --- ContextManagersTest: a Rust scope that closes its socket ----------------

fn context_create_connection(c: &Ctx, v: &V) {
    let s = match create_connection((v.host, v.echo), None, None) {
        Ok(s) => s,
        Err(e) => return c.abort(&e),
    };
    {
        let s = &s;
        c.step("sendall", s.sendall(b"cm"));
        c.step("recv", s.recv(10));
        let _ = s.close();
    }
    c.show("fileno_after", s.fileno());
    c.step("send_after", s.send(b"x"));
}

fn context_close_inside(c: &Ctx, v: &V) {
    let s = match create_connection((v.host, v.echo), None, None) {
        Ok(s) => s,
        Err(e) => return c.abort(&e),
    };
    {
        let s = &s;
        c.step("close", s.close());
        let _ = s.close();
    }
    c.show("fileno_after", s.fileno());
    c.step("recv_after", s.recv(1));
}

fn context_socket(c: &Ctx, v: &V) {
    let s = match stream(v) {
        Ok(s) => s,
        Err(e) => return c.abort(&e),
    };
    {
        let s = &s;
        c.step("bind", s.bind((v.host, 0)));
        let _ = s.close();
    }
    c.show("fileno_after", s.fileno());
    c.step("getsockname_after", s.getsockname());
}

// --- socketpair / AF_UNIX ----------------------------------------------------

fn socketpair_stream(c: &Ctx, _: &V) {
    let (a, b) = must!(c, "socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0));
    c.show("family", a.family());
    c.show("type", a.type_());
    c.step("sendall", a.sendall(MSG));
    c.step("recv", b.recv(1024));
    c.step("getsockname", a.getsockname());
    c.step("getpeername", a.getpeername());
}

fn socketpair_dgram(c: &Ctx, _: &V) {
    let (a, b) = must!(c, "socketpair", socketpair(AF_UNIX, SOCK_DGRAM, 0));
    c.step("send", a.send(b"0123456789"));
    c.step("recv(4)", b.recv(4));
    c.step("settimeout", b.settimeout(Some(0.0)));
    c.step("recv_empty", b.recv(4));
}

fn socketpair_close(c: &Ctx, _: &V) {
    let (a, b) = must!(c, "socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0));
    c.step("close", a.close());
    c.step("recv", b.recv(10));
    c.step("send", b.send(b"x"));
}

fn socketpair_default_timeout(c: &Ctx, _: &V) {
    c.step("setdefaulttimeout", setdefaulttimeout(Some(3.0)));
    let (a, b) = must!(c, "socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0));
    c.step("gettimeout_a", Ok(a.gettimeout()));
    c.step("gettimeout_b", Ok(b.gettimeout()));
}

fn unix_unbound(c: &Ctx, _: &V) {
    let s = must!(c, "socket", socket(AF_UNIX, SOCK_STREAM, 0));
    c.step("getsockname", s.getsockname());
}

fn unix_bind_path(c: &Ctx, _: &V) {
    let s = must!(c, "socket", socket(AF_UNIX, SOCK_STREAM, 0));
    c.step("bind", s.bind("capsock-conformance.sock"));
}

fn unix_autobind(c: &Ctx, _: &V) {
    let s = must!(c, "socket", socket(AF_UNIX, SOCK_STREAM, 0));
    c.step("bind", s.bind(""));
    c.step(
        "abstract",
        s.getsockname().map(|a| match a {
            Address::Unix(UnixAddress::Abstract(_)) => Py::Bytes(vec![0]),
            other => other.py(),
        }),
    );
}

fn unix_inet_address(c: &Ctx, _: &V) {
    let s = must!(c, "socket", socket(AF_UNIX, SOCK_STREAM, 0));
    c.step("connect", s.connect(("127.0.0.1", 80)));
}

fn unix_name_overflow(c: &Ctx, _: &V) {
    let s = must!(c, "socket", socket(AF_UNIX, SOCK_STREAM, 0));
    let mut name = vec![0u8];
    name.extend_from_slice(&[b'h'; 108]);
    c.step("bind", s.bind(name));
}

fn socket_bad_family(c: &Ctx, _: &V) {
    c.step("socket", socket(12345, SOCK_STREAM, 0));
}

fn socket_bad_type(c: &Ctx, _: &V) {
    c.step("socket", socket(AF_INET, 12345, 0));
}

fn socket_bad_proto(c: &Ctx, _: &V) {
    c.step("socket", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
}

fn socket_raw(c: &Ctx, _: &V) {
    c.step("socket", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
}

// --- select / poll / selectors ------------------------------------------------

type Selected = (Vec<Socket>, Vec<Socket>, Vec<Socket>);

/// `tuple(len(x) for x in select.select(…))`.
fn lens(r: Result<Selected, Error>) -> Result<(usize, usize, usize), Error> {
    r.map(|(a, b, x)| (a.len(), b.len(), x.len()))
}

/// `select.select(…)` itself: three lists of sockets.
fn sel_py(r: Result<Selected, Error>) -> Result<Py, Error> {
    r.map(|(a, b, x)| Py::Tuple(vec![list(&a), list(&b), list(&x)]))
}

fn select_listener(c: &Ctx, v: &V) {
    let srv = must!(c, "listener", stream(v));
    must!(c, "bind", srv.bind((v.host, 0)));
    must!(c, "listen", srv.listen(5));
    c.step("select_idle", lens(select(&[&srv], &[], &[], Some(0.0))));
    let cli = must!(c, "client", stream(v));
    must!(c, "connect", srv.getsockname().and_then(|a| cli.connect(a)));
    c.step("select_pending", lens(select(&[&srv], &[], &[], Some(5.0))));
    c.step("accept", srv.accept().map(|(s, _)| s));
}

fn select_recv(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("select_idle", lens(select(&[&conn], &[], &[], Some(0.0))));
    c.step("select_writable", lens(select(&[&conn], &[&cli], &[], Some(0.0))));
    c.step("sendall", cli.sendall(MSG));
    c.step("select_readable", lens(select(&[&conn], &[], &[], Some(5.0))));
    c.step(
        "same_socket",
        select(&[&conn], &[], &[], Some(5.0)).map(|(r, _, _)| r.first().is_some_and(|s| s.fileno() == conn.fileno())),
    );
    c.step("recv", conn.recv(1024));
}

fn select_eof(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("close", cli.close());
    c.step("select", lens(select(&[&conn], &[], &[], Some(5.0))));
    c.step("recv", conn.recv(10));
}

fn select_timeout(c: &Ctx, v: &V) {
    let s = must!(c, "socket", dgram(v));
    must!(c, "bind", s.bind((v.host, 0)));
    let t0 = Instant::now();
    c.step("select", lens(select(&[&s], &[], &[], Some(0.05))));
    let waited = t0.elapsed().as_secs_f64();
    c.show("waited", (0.04..3.0).contains(&waited));
}

fn select_udp_readable(c: &Ctx, v: &V) {
    let (a, b, addr) = udp!(c, v);
    c.step("sendto", a.sendto(b"ping", &addr));
    c.step("select", lens(select(&[&b], &[&a], &[], Some(5.0))));
    c.step("recv", b.recv(10));
}

fn select_closed(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("close", s.close());
    c.step("select", sel_py(select(&[&s], &[], &[], Some(0.0))));
}

fn select_bad_timeout(c: &Ctx, _: &V) {
    c.step("select(-1)", sel_py(select(&[], &[], &[], Some(-1.0))));
    c.step("select(nan)", sel_py(select(&[], &[], &[], Some(f64::NAN))));
    c.step("select(empty)", sel_py(select(&[], &[], &[], Some(0.0))));
}

/// `p.poll()` as `[(fd == sock.fileno(), revents)]`.
fn polled(r: Result<Vec<(i32, i32)>, Error>, sock: &Socket) -> Result<Py, Error> {
    r.map(|v| Py::List(v.iter().map(|&(fd, ev)| Py::Tuple(vec![Py::Bool(fd == sock.fileno()), ev.py()])).collect()))
}

/// `p.poll()` as Python prints it (only ever empty here: filenos differ).
fn polled_raw(r: Result<Vec<(i32, i32)>, Error>) -> Result<Py, Error> {
    r.map(|v| Py::List(v.iter().map(|&(fd, ev)| Py::Tuple(vec![fd.py(), ev.py()])).collect()))
}

fn poll_readable(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    let mut p = Poll::new();
    c.step("register", p.register(&conn, POLLIN));
    c.step("poll_idle", polled_raw(p.poll(Some(0.0))));
    c.step("sendall", cli.sendall(MSG));
    c.step("poll", polled(p.poll(Some(5000.0)), &conn));
    c.step("modify", p.modify(&conn, POLLIN | POLLOUT));
    c.step("poll_rw", polled(p.poll(Some(5000.0)), &conn));
    c.step("unregister", p.unregister(&conn));
    c.step("poll_none", polled_raw(p.poll(Some(0.0))));
}

fn poll_hup(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    let mut p = Poll::new();
    c.step("register", p.register(&conn, POLLIN));
    c.step("close", cli.close());
    c.step("poll", p.poll(Some(5000.0)).map(|v| v.iter().map(|&(_, ev)| ev & (POLLIN | POLLNVAL)).collect::<Vec<_>>()));
}

fn poll_closed(c: &Ctx, _: &V) {
    let s = must!(c, "socket", socket(AF_INET, SOCK_STREAM, 0));
    let mut p = Poll::new();
    c.step("register", p.register(&s, POLLIN));
    c.step("close", s.close());
    c.step("poll", p.poll(Some(0.0)).map(|v| v.iter().map(|&(_, ev)| ev).collect::<Vec<_>>()));
}

fn selector_read(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    let mut sel: DefaultSelector<&'static str> = DefaultSelector::new();
    let events = |r: Result<Vec<(SelectorKey<&'static str>, i32)>, Error>| {
        r.map(|v| Py::List(v.iter().map(|(k, ev)| Py::Tuple(vec![ev.py(), k.data.py()])).collect()))
    };
    c.step("register", sel.register(&conn, EVENT_READ, "conn").map(|k| k.events));
    c.step("select_idle", events(sel.select(Some(0.0))));
    c.step("sendall", cli.sendall(MSG));
    c.step("select", events(sel.select(Some(5.0))));
    c.step("unregister", sel.unregister(&conn).map(|k| k.data));
    c.show("keys", sel.keys().len());
    sel.close();
}

impl<T: ToPy> ToPy for Vec<T> {
    fn py(&self) -> Py {
        list(self)
    }
}

// --- SCM_RIGHTS over socketpair (SCMRightsTest) -------------------------------

/// A result holding fd numbers, which differ by design: printed `<held>`.
struct Held<T>(T);

impl<T> ToPy for Held<T> {
    fn py(&self) -> Py {
        Py::Obj("held")
    }
}

fn fds_data(fds: &[i32]) -> Vec<u8> {
    fds.iter().flat_map(|f| f.to_ne_bytes()).collect()
}

fn fds_of(data: &[u8]) -> Vec<i32> {
    data.chunks_exact(4).map(|c| i32::from_ne_bytes([c[0], c[1], c[2], c[3]])).collect()
}

fn anc_shape(anc: &[(i32, i32, Vec<u8>)]) -> Py {
    Py::List(anc.iter().map(|(l, t, d)| Py::Tuple(vec![l.py(), t.py(), d.len().py()])).collect())
}

fn cmsg_sizes(c: &Ctx, _: &V) {
    for n in [0usize, 1, 4, 8, 12] {
        c.show(&format!("CMSG_LEN({n})"), CMSG_LEN(n));
        c.show(&format!("CMSG_SPACE({n})"), CMSG_SPACE(n));
    }
}

fn scm_rights_pass(c: &Ctx, v: &V) {
    let (a, b) = must!(c, "socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0));
    let t = must!(c, "create_connection", create_connection(("127.0.0.1", v.echo4()), None, None));
    let data = fds_data(&[t.fileno()]);
    c.step("sendmsg", a.sendmsg(&[b"x"], &[(SOL_SOCKET, SCM_RIGHTS, &data)], 0, None));
    let Held((msg, anc, flags, _)) = must!(c, "recvmsg", b.recvmsg(1, CMSG_SPACE(4), 0).map(Held));
    c.show("msg", msg);
    c.show("anc_shape", anc_shape(&anc));
    c.show("flags", flags);
    let Some(&fd) = anc.first().and_then(|x| fds_of(&x.2).first().copied()).as_ref() else { return };
    let s2 = must!(c, "socket(fileno)", from_fd(fd));
    c.show("family", s2.family());
    c.show("type", s2.type_());
    c.step("getpeername", s2.getpeername());
    c.step("sendall", s2.sendall(b"via fd"));
    c.step("recv", s2.recv(100));
}

fn scm_rights_send_fds(c: &Ctx, _: &V) {
    let (a, b) = must!(c, "socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0));
    let u = must!(c, "udp", socket(AF_INET, SOCK_DGRAM, 0));
    must!(c, "bind", u.bind(("127.0.0.1", 0)));
    c.step("send_fds", a.send_fds(&[b"data"], &[u.fileno()], 0, None));
    let Held((data, fds, flags, _)) = must!(c, "recv_fds", b.recv_fds(1024, 1, 0).map(Held));
    c.show("data", data);
    c.show("nfds", fds.len());
    c.show("flags", flags);
    let Some(&fd) = fds.first() else { return };
    let s2 = must!(c, "socket(fileno)", from_fd(fd));
    c.step("same_name", s2.getsockname().and_then(|x| u.getsockname().map(|y| x == y)));
    c.show("type", s2.type_());
}

fn scm_rights_two(c: &Ctx, _: &V) {
    let (a, b) = must!(c, "socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0));
    let (x, y) = must!(c, "pair2", socketpair(AF_UNIX, SOCK_STREAM, 0));
    let data = fds_data(&[x.fileno(), y.fileno()]);
    c.step("sendmsg", a.sendmsg(&[b"two"], &[(SOL_SOCKET, SCM_RIGHTS, &data)], 0, None));
    let Held((msg, anc, _, _)) = must!(c, "recvmsg", b.recvmsg(10, CMSG_SPACE(8), 0).map(Held));
    c.show("msg", msg);
    c.show("anc_shape", anc_shape(&anc));
    let fds = anc.first().map(|x| fds_of(&x.2)).unwrap_or_default();
    if fds.len() < 2 {
        return;
    }
    let x2 = must!(c, "x2", from_fd(fds[0]));
    let y2 = must!(c, "y2", from_fd(fds[1]));
    c.step("sendall", x2.sendall(b"through"));
    c.step("recv", y2.recv(10));
}

fn scm_rights_dgram(c: &Ctx, _: &V) {
    let (a, b) = must!(c, "socketpair", socketpair(AF_UNIX, SOCK_DGRAM, 0));
    let (x, y) = must!(c, "pair2", socketpair(AF_UNIX, SOCK_STREAM, 0));
    c.step("send_fds", a.send_fds(&[b"d"], &[x.fileno()], 0, None));
    let Held((data, fds, _, _)) = must!(c, "recv_fds", b.recv_fds(10, 4, 0).map(Held));
    c.show("data", data);
    c.show("nfds", fds.len());
    let Some(&fd) = fds.first() else { return };
    let x2 = must!(c, "x2", from_fd(fd));
    c.step("sendall", x2.sendall(b"dgram"));
    c.step("recv", y.recv(10));
}

fn scm_rights_truncated(c: &Ctx, _: &V) {
    let (a, b) = must!(c, "socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0));
    let x = must!(c, "socket", socket(AF_INET, SOCK_STREAM, 0));
    let data = fds_data(&[x.fileno()]);
    c.step("sendmsg", a.sendmsg(&[b"x"], &[(SOL_SOCKET, SCM_RIGHTS, &data)], 0, None));
    let MsgP((msg, anc, flags, _)) = must!(c, "recvmsg", b.recvmsg(10, 0, 0).map(MsgP));
    c.show("msg", msg);
    c.show("anc", list(&anc));
    c.show("ctrunc", flags & MSG_CTRUNC != 0);
}

fn scm_rights_no_anc(c: &Ctx, _: &V) {
    let (a, b) = must!(c, "socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0));
    c.step("sendmsg", a.sendmsg(&[b"plain"], &[], 0, None));
    c.step("recvmsg", b.recvmsg(10, CMSG_SPACE(4), 0).map(MsgP));
}

fn scm_rights_closed_fd(c: &Ctx, _: &V) {
    let (a, _b) = must!(c, "socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0));
    let x = must!(c, "socket", socket(AF_INET, SOCK_STREAM, 0));
    let fd = x.fileno();
    c.step("close", x.close());
    let data = fds_data(&[fd]);
    c.step("sendmsg", a.sendmsg(&[b"x"], &[(SOL_SOCKET, SCM_RIGHTS, &data)], 0, None));
}

// --- AF_UNIX paths in a granted directory (TestUnixDomain, UnixStreamBase) ----

fn upath(name: &str) -> String {
    format!("{}/{name}", super::UNIXDIR.get().map_or("", String::as_str))
}

fn is_path(a: &Address, path: &str) -> bool {
    *a == Address::Unix(UnixAddress::Path(path.to_string()))
}

fn unix_stream(c: &Ctx) -> Option<Socket> {
    c.step("socket", socket(AF_UNIX, SOCK_STREAM, 0))
}

/// A listener bound to `path`, a client connected to it, the accepted end.
fn unix_pair(c: &Ctx, path: &str) -> Option<(Socket, Socket, Socket)> {
    let srv = c.step("socket", socket(AF_UNIX, SOCK_STREAM, 0))?;
    c.step("bind", srv.bind(path))?;
    c.step("listen", srv.listen(1))?;
    let cli = c.step("client", socket(AF_UNIX, SOCK_STREAM, 0))?;
    c.step("connect", cli.connect(path))?;
    let (conn, _) = c.step("accept", srv.accept())?;
    Some((srv, cli, conn))
}

fn unix_stream_path(c: &Ctx, _: &V) {
    let path = upath("stream.sock");
    let srv = must!(c, "socket", socket(AF_UNIX, SOCK_STREAM, 0));
    must!(c, "bind", srv.bind(path.as_str()));
    c.step("getsockname", srv.getsockname().map(|a| is_path(&a, &path)));
    must!(c, "listen", srv.listen(1));
    let cli = must!(c, "client", socket(AF_UNIX, SOCK_STREAM, 0));
    must!(c, "connect", cli.connect(path.as_str()));
    let (conn, addr) = must!(c, "accept", srv.accept());
    c.show("accept_addr", addr);
    c.step("cli_getpeername", cli.getpeername().map(|a| is_path(&a, &path)));
    c.step("cli_getsockname", cli.getsockname());
    c.step("conn_getsockname", conn.getsockname().map(|a| is_path(&a, &path)));
    c.step("conn_getpeername", conn.getpeername());
    c.step("sendall", cli.sendall(MSG));
    c.step("recv", conn.recv(1024));
    c.show("family", conn.family());
}

fn unix_stream_sendmsg(c: &Ctx, _: &V) {
    let Some((_srv, cli, conn)) = unix_pair(c, &upath("sendmsg.sock")) else { return };
    c.step("sendmsg", cli.sendmsg(&[b"a", b"bc"], &[], 0, None));
    c.step("recvmsg", conn.recvmsg(10, 0, 0).map(|m| msg3(&m)));
    c.step("shutdown", cli.shutdown(SHUT_WR));
    c.step("recv_eof", conn.recv(10));
}

fn unix_bind_in_use(c: &Ctx, _: &V) {
    let path = upath("inuse.sock");
    let Some(s) = unix_stream(c) else { return };
    must!(c, "bind", s.bind(path.as_str()));
    let s2 = must!(c, "socket2", socket(AF_UNIX, SOCK_STREAM, 0));
    c.step("bind_again", s2.bind(path.as_str()));
    c.step("bind_twice", s.bind(upath("other.sock").as_str()));
}

fn unix_connect_missing(c: &Ctx, _: &V) {
    let Some(s) = unix_stream(c) else { return };
    c.step("connect", s.connect(upath("missing.sock").as_str()));
    c.step("connect_ex", s.connect_ex(upath("missing.sock").as_str()));
}

fn unix_connect_not_listening(c: &Ctx, _: &V) {
    let path = upath("quiet.sock");
    let Some(s) = unix_stream(c) else { return };
    must!(c, "bind", s.bind(path.as_str()));
    let cli = must!(c, "client", socket(AF_UNIX, SOCK_STREAM, 0));
    c.step("connect", cli.connect(path.as_str()));
}

fn unix_dgram_path(c: &Ctx, _: &V) {
    let (pa, pb) = (upath("dgram-a.sock"), upath("dgram-b.sock"));
    let a = must!(c, "a", socket(AF_UNIX, SOCK_DGRAM, 0));
    must!(c, "bind_a", a.bind(pa.as_str()));
    let b = must!(c, "b", socket(AF_UNIX, SOCK_DGRAM, 0));
    must!(c, "bind_b", b.bind(pb.as_str()));
    c.step("sendto", a.sendto(b"dgram", pb.as_str()));
    let (data, src) = must!(c, "recvfrom", b.recvfrom(100));
    c.show("data", data);
    c.show("src_is_a", is_path(&src, &pa));
    c.step("connect", a.connect(pb.as_str()));
    c.step("send", a.send(b"again"));
    c.step("recv", b.recv(100));
    c.step("getpeername", a.getpeername().map(|x| is_path(&x, &pb)));
}

fn unix_dgram_unbound_sender(c: &Ctx, _: &V) {
    let pb = upath("dgram-c.sock");
    let b = must!(c, "b", socket(AF_UNIX, SOCK_DGRAM, 0));
    must!(c, "bind_b", b.bind(pb.as_str()));
    let a = must!(c, "a", socket(AF_UNIX, SOCK_DGRAM, 0));
    c.step("sendto", a.sendto(b"anon", pb.as_str()));
    c.step("recvfrom", b.recvfrom(100));
    c.step("sendto_missing", a.sendto(b"x", upath("nobody.sock").as_str()));
}

fn unix_makefile(c: &Ctx, _: &V) {
    let path = upath("file.sock");
    let srv = must!(c, "socket", socket(AF_UNIX, SOCK_STREAM, 0));
    must!(c, "bind", srv.bind(path.as_str()));
    must!(c, "listen", srv.listen(1));
    let cli = must!(c, "client", socket(AF_UNIX, SOCK_STREAM, 0));
    must!(c, "connect", cli.connect(path.as_str()));
    let (conn, _) = must!(c, "accept", srv.accept());
    let mut w = must!(c, "makefile_w", cli.makefile("wb"));
    let mut r = must!(c, "makefile_r", conn.makefile("rb"));
    c.step("write", w.write(b"first\nsecond\n").map_err(io_err));
    c.step("flush", w.flush().map_err(io_err));
    c.step("readline1", r.readline());
    c.step("readline2", r.readline());
}

fn unix_abstract(c: &Ctx, _: &V) {
    let dir = super::UNIXDIR.get().map_or("", String::as_str);
    let base = dir.rsplit('/').next().unwrap_or(dir);
    let name = format!("capsock-conformance-{base}").into_bytes();
    let mut addr = vec![0u8];
    addr.extend_from_slice(&name);
    let abs = Address::Unix(UnixAddress::Abstract(name));
    let s1 = must!(c, "socket", socket(AF_UNIX, SOCK_STREAM, 0));
    must!(c, "bind", s1.bind(addr.clone()));
    c.step("getsockname", s1.getsockname().map(|a| a == abs));
    must!(c, "listen", s1.listen(1));
    let s2 = must!(c, "client", socket(AF_UNIX, SOCK_STREAM, 0));
    must!(c, "connect", s2.connect(addr));
    let (conn, _) = must!(c, "accept", s1.accept());
    c.step("getpeername", s2.getpeername().map(|a| a == abs));
    c.step("sendall", s2.sendall(b"abstract"));
    c.step("recv", conn.recv(100));
}

// --- makefile (FileObjectClassTestCase) ---------------------------------------

fn makefile_read_all(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(MSG));
    c.step("shutdown", cli.shutdown(SHUT_WR));
    let mut f = must!(c, "makefile", conn.makefile("rb"));
    c.step("read", read_all(&mut f));
    c.step("read_eof", read_n(&mut f, 5));
}

fn makefile_readlines(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(b"a\nbb\n\nccc"));
    c.step("shutdown", cli.shutdown(SHUT_WR));
    let mut f = must!(c, "makefile", conn.makefile("rb"));
    for i in 0..5 {
        c.step(&format!("readline{i}"), f.readline());
    }
}

fn makefile_iter(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(b"one\ntwo\nthree\n"));
    c.step("shutdown", cli.shutdown(SHUT_WR));
    let mut f = must!(c, "makefile", conn.makefile("rb"));
    let mut lines = || -> Result<Vec<Vec<u8>>, Error> {
        let mut out = Vec::new();
        loop {
            let line = f.readline()?;
            if line.is_empty() {
                return Ok(out);
            }
            out.push(line);
        }
    };
    c.step("lines", lines());
}

fn makefile_small_reads(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(MSG));
    let mut f = must!(c, "makefile", conn.makefile("rb"));
    c.step("read0", read_n(&mut f, 0));
    c.step("read1", read_n(&mut f, 1));
    c.step("read3", read_n(&mut f, 3));
    c.step("readline", f.readline());
}

fn makefile_write_flush(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    let mut w = must!(c, "makefile", cli.makefile("wb"));
    c.step("write", w.write(MSG).map_err(io_err));
    c.step("settimeout", conn.settimeout(Some(0.0)));
    c.step("recv_before_flush", conn.recv(1024));
    c.step("flush", w.flush().map_err(io_err));
    c.step("settimeout", conn.settimeout(Some(5.0)));
    c.step("recv", conn.recv(1024));
}

fn makefile_close(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    let mut f = must!(c, "makefile", conn.makefile("rb"));
    c.show("closed", f.closed());
    c.show("mode", f.mode());
    c.step("close", f.close());
    c.show("closed_after", f.closed());
    c.step("readline", f.readline());
    c.show("socket_still_open", conn.fileno() >= 0);
    let mut w = must!(c, "makefile_w", cli.makefile("wb"));
    c.step("close_w", w.close());
    c.step("write_closed", w.write(b"x").map_err(io_err));
    c.step("flush_closed", w.flush().map_err(io_err));
}

fn makefile_timeout(c: &Ctx, v: &V) {
    let (_srv, cli, conn) = tcp!(c, v);
    c.step("settimeout", conn.settimeout(Some(0.05)));
    let mut f = must!(c, "makefile", conn.makefile("rb"));
    c.step("read", read_n(&mut f, 5));
    c.step("sendall", cli.sendall(MSG));
    c.step("read_again", read_n(&mut f, 5));
}

fn makefile_wrong_direction(c: &Ctx, v: &V) {
    let (_srv, _cli, conn) = tcp!(c, v);
    let mut r = must!(c, "makefile_r", conn.makefile("rb"));
    c.step("write", r.write(b"x").map_err(io_err));
    let mut w = must!(c, "makefile_w", conn.makefile("wb"));
    c.step("read", read_n(&mut w, 1));
}

// --- getaddrinfo shapes and the resolver (GeneralModuleTests) -----------------

fn getaddrinfo_all_types(c: &Ctx, _: &V) {
    c.step("getaddrinfo", gai(getaddrinfo(Some("127.0.0.1"), 80, 0, 0, 0, 0)));
}

fn getaddrinfo_inet6(c: &Ctx, _: &V) {
    c.step("getaddrinfo", gai(getaddrinfo(Some("::1"), 80, AF_INET6, SOCK_STREAM, 0, 0)));
    c.step("dgram", gai(getaddrinfo(Some("::1"), 80, AF_INET6, SOCK_DGRAM, 0, 0)));
}

fn getaddrinfo_localhost(c: &Ctx, _: &V) {
    c.step("getaddrinfo", gai(getaddrinfo(Some("localhost"), 80, AF_INET, SOCK_STREAM, 0, 0)));
    c.step("port", gai_ports(getaddrinfo(Some("localhost"), 80, AF_INET, SOCK_STREAM, 0, 0)));
}

fn getaddrinfo_none_host(c: &Ctx, _: &V) {
    c.step("loopback", gai(getaddrinfo(None, 80, AF_INET, SOCK_STREAM, 0, 0)));
    c.step("passive", gai(getaddrinfo(None, 80, AF_INET, SOCK_STREAM, 0, AI_PASSIVE)));
}

fn getaddrinfo_service(c: &Ctx, _: &V) {
    c.step("port", gai_ports(getaddrinfo(Some("127.0.0.1"), "echo", AF_INET, SOCK_STREAM, 0, 0)));
    c.step("numeric_str", gai_ports(getaddrinfo(Some("127.0.0.1"), "8080", AF_INET, SOCK_STREAM, 0, 0)));
    c.step("none", gai_ports(getaddrinfo(Some("127.0.0.1"), Service::None, AF_INET, SOCK_STREAM, 0, 0)));
}

fn getaddrinfo_errors(c: &Ctx, _: &V) {
    c.step("bad_service", gai(getaddrinfo(Some("127.0.0.1"), "nosuchservice", AF_INET, SOCK_STREAM, 0, 0)));
    c.step("numerichost_name", gai(getaddrinfo(Some("localhost"), 80, 0, 0, 0, AI_NUMERICHOST)));
    c.step("numericserv_name", gai(getaddrinfo(Some("127.0.0.1"), "echo", 0, 0, 0, AI_NUMERICSERV)));
}

fn getaddrinfo_canonname(c: &Ctx, _: &V) {
    c.step("getaddrinfo", gai(getaddrinfo(Some("127.0.0.1"), 80, AF_INET, SOCK_STREAM, 0, AI_CANONNAME)));
}

fn getnameinfo_numeric(c: &Ctx, _: &V) {
    c.step("v4", getnameinfo(("127.0.0.1", 80), NI_NUMERICHOST | NI_NUMERICSERV));
    c.step("v6", getnameinfo(("::1", 80, 0, 0), NI_NUMERICHOST | NI_NUMERICSERV));
    c.step("service", getnameinfo(("127.0.0.1", 7), NI_NUMERICHOST).map(|t| t.1));
}

fn gethostbyname_loopback(c: &Ctx, _: &V) {
    c.step("numeric", gethostbyname("127.0.0.1"));
    c.step("localhost", gethostbyname("localhost"));
    c.step("ex_numeric", gethostbyname_ex("127.0.0.1"));
}

fn getservby_more(c: &Ctx, _: &V) {
    c.step("udp", getservbyname("echo", Some("udp")));
    c.step("any", getservbyname("echo", None));
    c.step("port_any", getservbyport(7, None));
    c.step("missing", getservbyname("nosuchservice", Some("tcp")));
    c.step("proto", getprotobyname("tcp"));
    c.step("proto_udp", getprotobyname("udp"));
}

fn inet_aton_forms(c: &Ctx, _: &V) {
    for text in ["127.1", "0x7f000001", "1.2.3.4", "255.255.255.255", "10.1.65535"] {
        c.step(&format!("inet_aton({text})"), capsock::inet_aton(text).map(|b| b.to_vec()));
    }
}

fn inet_errors(c: &Ctx, _: &V) {
    c.step("inet_aton", capsock::inet_aton("not an ip").map(|b| b.to_vec()));
    c.step("inet_pton4", inet_pton(AF_INET, "1.2.3"));
    c.step("inet_pton6", inet_pton(AF_INET6, "1:::2"));
    c.step("inet_ntoa", capsock::inet_ntoa(b"\x00\x00\x00"));
    c.step("inet_ntop4", inet_ntop(AF_INET, &[0u8; 7]));
    c.step("inet_ntop_family", inet_ntop(12345, &[0u8; 4]));
}

fn inet_ntop_forms(c: &Ctx, _: &V) {
    let mut mapped = [0u8; 16];
    mapped[10..].copy_from_slice(&[0xff, 0xff, 0x7f, 0, 0, 1]);
    let mut link = [0u8; 16];
    link[0] = 0xfe;
    link[1] = 0x80;
    link[15] = 1;
    let counting: [u8; 16] = std::array::from_fn(|i| i as u8);
    for packed in [[0u8; 16], counting, mapped, link] {
        let hex: String = packed.iter().map(|b| format!("{b:02x}")).collect();
        c.step(&format!("inet_ntop({hex})"), inet_ntop(AF_INET6, &packed));
    }
    c.step("inet_ntop4", inet_ntop(AF_INET, b"\x7f\x00\x00\x01"));
}

// --- create_server (CreateServerTest, CreateServerFunctionalTest) -------------

fn create_server_reuse_port(c: &Ctx, v: &V) {
    let s = must!(c, "create_server", create_server((v.host, 0), v.fam, None, true, false));
    c.step("SO_REUSEPORT", s.getsockopt(SOL_SOCKET, SO_REUSEPORT).map(|x| x != 0));
    c.step("SO_REUSEADDR", s.getsockopt(SOL_SOCKET, SO_REUSEADDR).map(|x| x != 0));
}

fn create_server_no_reuse_port(c: &Ctx, v: &V) {
    let s = must!(c, "create_server", create_server((v.host, 0), v.fam, None, false, false));
    c.step("SO_REUSEPORT", s.getsockopt(SOL_SOCKET, SO_REUSEPORT));
}

fn create_server_dualstack(c: &Ctx, v: &V) {
    c.step(
        "dualstack",
        create_server((v.host, 0), v.fam, None, false, true).and_then(|s| s.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY)),
    );
}

fn create_server_v6only(c: &Ctx, v: &V) {
    let s = must!(c, "create_server", create_server((v.host, 0), v.fam, None, false, false));
    c.step("IPV6_V6ONLY", s.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY));
}

fn create_server_connect(c: &Ctx, v: &V) {
    let s = must!(c, "create_server", create_server((v.host, 0), v.fam, Some(1), false, false));
    let cli = must!(c, "create_connection", s.getsockname().and_then(|a| create_connection(a, None, None)));
    let (conn, _) = must!(c, "accept", s.accept());
    c.step("sendall", cli.sendall(b"server"));
    c.step("recv", conn.recv(10));
    c.step("peer_matches", conn.getpeername().and_then(|p| cli.getsockname().map(|l| p == l)));
}

fn create_server_in_use(c: &Ctx, v: &V) {
    let _s = must!(c, "create_server", create_server((v.host, 0), v.fam, None, false, false));
    // The echo peer holds (host, echo): the message names a fixed port.
    c.step("again", create_server((v.host, v.echo), v.fam, None, false, false));
}

/// A received message, for cases that look inside it.
struct MsgP(Msg);

impl ToPy for MsgP {
    fn py(&self) -> Py {
        msg_py(&self.0)
    }
}

impl V {
    /// The IPv4 echo peer's port, whatever this variant's family.
    fn echo4(&self) -> u16 {
        super::ECHO4.get().copied().unwrap_or(0)
    }
}

use Vs::{Fams, Inet, Inet6, One};

/// Every case: name, the CPython test it mirrors, body, parameter sets; in
/// the order of `cases.py`.
pub const CASES: &[(&str, &str, Body, Vs)] = &[
    ("ntoh16", "GeneralModuleTests.testNtoH", ntoh16, One),
    ("ntoh32", "GeneralModuleTests.testNtoH", ntoh32, One),
    ("ntoh_negative", "GeneralModuleTests.testNtoHErrors", ntoh_negative, One),
    ("ntoh_overflow16", "GeneralModuleTests.testNtoHErrors", ntoh_overflow16, One),
    ("ntoh_overflow32", "GeneralModuleTests.testNtoHErrors", ntoh_overflow32, One),
    ("default_timeout_initial", "GeneralModuleTests.testDefaultTimeout", default_timeout_initial, One),
    ("default_timeout_set", "GeneralModuleTests.testDefaultTimeout", default_timeout_set, Fams),
    ("default_timeout_zero", "GeneralModuleTests.testDefaultTimeout", default_timeout_zero, One),
    ("default_timeout_negative", "GeneralModuleTests.testDefaultTimeout", default_timeout_negative, One),
    ("default_timeout_nan", "GeneralModuleTests.testDefaultTimeout", default_timeout_nan, One),
    ("default_timeout_inf", "GeneralModuleTests.testDefaultTimeout", default_timeout_inf, One),
    ("getservbyname_tcp", "GeneralModuleTests.testGetServBy", getservbyname_tcp, One),
    ("getservbyport_tcp", "GeneralModuleTests.testGetServBy", getservbyport_tcp, One),
    ("inet_aton", "GeneralModuleTests.testIPv4toString", inet_aton, One),
    ("inet_pton4", "GeneralModuleTests.testIPv4toString", inet_pton4, One),
    ("inet_pton6", "GeneralModuleTests.testIPv6toString", inet_pton6, One),
    ("inet_ntoa", "GeneralModuleTests.testStringToIPv4", inet_ntoa, One),
    ("inet_ntop6", "GeneralModuleTests.testStringToIPv6", inet_ntop6, One),
    ("getaddrinfo_numeric", "GeneralModuleTests.testGetaddrinfo", getaddrinfo_numeric, One),
    ("getaddrinfo_bad_family", "GeneralModuleTests.testGetaddrinfo", getaddrinfo_bad_family, One),
    ("sockname", "GeneralModuleTests.testSockName", sockname, Fams),
    ("getsockopt_reuseaddr", "GeneralModuleTests.testGetSockOpt", getsockopt_reuseaddr, Fams),
    ("setsockopt_reuseaddr", "GeneralModuleTests.testSetSockOpt", setsockopt_reuseaddr, Fams),
    ("setsockopt_bytes", "GeneralModuleTests.testSetSockOpt", setsockopt_bytes, Fams),
    ("getsockopt_buflen_range", "GeneralModuleTests.testGetSockOpt", getsockopt_buflen_range, Fams),
    ("getsockopt_type", "GeneralModuleTests.testGetSockOpt", getsockopt_type, Fams),
    ("send_after_close", "GeneralModuleTests.testSendAfterClose", send_after_close, Fams),
    ("closed_bind", CLOSED, closed_bind, Fams),
    ("closed_connect", CLOSED, closed_connect, Fams),
    ("closed_connect_ex", CLOSED, closed_connect_ex, Fams),
    ("closed_listen", CLOSED, closed_listen, Fams),
    ("closed_accept", CLOSED, closed_accept, Fams),
    ("closed_recv", CLOSED, closed_recv, Fams),
    ("closed_recvfrom", CLOSED, closed_recvfrom, Fams),
    ("closed_recv_into", CLOSED, closed_recv_into, Fams),
    ("closed_recvfrom_into", CLOSED, closed_recvfrom_into, Fams),
    ("closed_recvmsg", CLOSED, closed_recvmsg, Fams),
    ("closed_send", CLOSED, closed_send, Fams),
    ("closed_sendall", CLOSED, closed_sendall, Fams),
    ("closed_sendto", CLOSED, closed_sendto, Fams),
    ("closed_sendmsg", CLOSED, closed_sendmsg, Fams),
    ("closed_getsockname", CLOSED, closed_getsockname, Fams),
    ("closed_getpeername", CLOSED, closed_getpeername, Fams),
    ("closed_getsockopt", CLOSED, closed_getsockopt, Fams),
    ("closed_setsockopt", CLOSED, closed_setsockopt, Fams),
    ("closed_settimeout", CLOSED, closed_settimeout, Fams),
    ("closed_setblocking", CLOSED, closed_setblocking, Fams),
    ("closed_shutdown", CLOSED, closed_shutdown, Fams),
    ("closed_dup", CLOSED, closed_dup, Fams),
    ("closed_detach", CLOSED, closed_detach, Fams),
    ("closed_fileno", CLOSED, closed_fileno, Fams),
    ("closed_close", CLOSED, closed_close, Fams),
    ("closed_timeout_state", CLOSED, closed_timeout_state, Fams),
    ("attributes_stream", "GeneralModuleTests.testNewAttributes", attributes_stream, Fams),
    ("attributes_dgram", "GeneralModuleTests.testNewAttributes", attributes_dgram, Fams),
    ("attributes_proto", "GeneralModuleTests.testNewAttributes", attributes_proto, Fams),
    ("sock_type_flags", "GeneralModuleTests.test_socket_consistent_sock_type", sock_type_flags, Fams),
    ("listen_backlog_negative", "GeneralModuleTests.test_listen_backlog", listen_backlog_negative, Fams),
    ("listen_backlog_zero", "GeneralModuleTests.test_listen_backlog", listen_backlog_zero, Fams),
    ("listen_backlog_overflow", "GeneralModuleTests.test_listen_backlog_overflow", listen_backlog_overflow, Fams),
    ("flowinfo_negative", "GeneralModuleTests.test_flowinfo", flowinfo_negative, Inet6),
    ("flowinfo_too_large", "GeneralModuleTests.test_flowinfo", flowinfo_too_large, Inet6),
    ("port_overflow", "GeneralModuleTests.test_getsockaddrarg", port_overflow, Fams),
    ("port_negative", "GeneralModuleTests.test_getsockaddrarg", port_negative, Fams),
    ("sendto_none", "GeneralModuleTests.testSendtoErrors", sendto_none, Fams),
    ("sendto_str_address", "GeneralModuleTests.testSendtoErrors", sendto_str_address, Fams),
    ("sendto_bytes_address", "GeneralModuleTests.testSendtoErrors", sendto_bytes_address, Fams),
    ("sendto_flags_str_address", "GeneralModuleTests.testSendtoErrors", sendto_flags_str_address, Fams),
    ("connect_str_address", "GeneralModuleTests.test_getsockaddrarg", connect_str_address, Fams),
    ("bind_str_address", "GeneralModuleTests.test_getsockaddrarg", bind_str_address, Fams),
    ("inet_socket_v6_address", "GeneralModuleTests.test_getsockaddrarg", inet_socket_v6_address, Inet),
    ("inet6_socket_mapped_address", "GeneralModuleTests.test_getsockaddrarg", inet6_socket_mapped_address, Inet6),
    ("bind_twice", "GeneralModuleTests.testSockName", bind_twice, Fams),
    ("bind_in_use", "GeneralModuleTests.testSockName", bind_in_use, Fams),
    ("bind_nonlocal", "GeneralModuleTests.testSockName", bind_nonlocal, Inet),
    ("bind_any", "GeneralModuleTests.testSockName", bind_any, Fams),
    ("settimeout_negative", "NonBlockingTCPTests.testSetBlocking", settimeout_negative, Fams),
    ("settimeout_nan", "NonBlockingTCPTests.testSetBlocking", settimeout_nan, Fams),
    ("settimeout_inf", "NonBlockingTCPTests.testSetBlocking_overflow", settimeout_inf, Fams),
    ("settimeout_values", "NonBlockingTCPTests.testSetBlocking", settimeout_values, Fams),
    ("setblocking_flags", "NonBlockingTCPTests.testSetBlocking", setblocking_flags, Fams),
    ("init_nonblocking", "NonBlockingTCPTests.testInitNonBlocking", init_nonblocking, Fams),
    (
        "init_nonblocking_ignores_default",
        "NonBlockingTCPTests.testInitNonBlocking",
        init_nonblocking_ignores_default,
        Fams,
    ),
    ("nonblocking_accept", "NonBlockingTCPTests.testAccept", nonblocking_accept, Fams),
    ("nonblocking_recv", "NonBlockingTCPTests.testRecv", nonblocking_recv, Fams),
    ("recv_dontwait", "NonBlockingTCPTests.testRecv", recv_dontwait, Fams),
    ("inherit_blocking", "NonBlockingTCPTests.testInheritFlagsBlocking", inherit_blocking, Fams),
    ("inherit_timeout", "NonBlockingTCPTests.testInheritFlagsTimeout", inherit_timeout, Fams),
    ("inherit_default_timeout", "NonBlockingTCPTests.testInheritFlagsTimeout", inherit_default_timeout, Fams),
    ("nonblocking_connect_inprogress", "NonBlockingTCPTests.testConnect", nonblocking_connect_inprogress, Fams),
    ("nonblocking_connect_ex", "NonBlockingTCPTests.testConnect", nonblocking_connect_ex, Fams),
    ("nonblocking_connect_refused", "NonBlockingTCPTests.testConnect", nonblocking_connect_refused, Fams),
    ("nonblocking_send_full", "NonBlockingTCPTests.testSend", nonblocking_send_full, Fams),
    ("accept_timeout", "TCPTimeoutTest.testTCPTimeout", accept_timeout, Fams),
    ("accept_timeout_zero", "TCPTimeoutTest.testTimeoutZero", accept_timeout_zero, Fams),
    ("recv_timeout", "TCPTimeoutTest.testTCPTimeout", recv_timeout, Fams),
    ("connect_timeout", "TCPTimeoutTest.testTCPTimeout", connect_timeout, Fams),
    ("connect_ex_timeout", "TCPTimeoutTest.testTCPTimeout", connect_ex_timeout, Fams),
    ("sendall_timeout_whole_call", "TCPTimeoutTest.testTCPTimeout", sendall_timeout_whole_call, Fams),
    ("udp_recv_timeout", "UDPTimeoutTest.testUDPTimeout", udp_recv_timeout, Fams),
    ("udp_timeout_zero", "UDPTimeoutTest.testTimeoutZero", udp_timeout_zero, Fams),
    ("tcp_recv", "BasicTCPTest.testRecv", tcp_recv, Fams),
    ("tcp_overflow_recv", "BasicTCPTest.testOverFlowRecv", tcp_overflow_recv, Fams),
    ("tcp_recvfrom", "BasicTCPTest.testRecvFrom", tcp_recvfrom, Fams),
    ("tcp_overflow_recvfrom", "BasicTCPTest.testOverFlowRecvFrom", tcp_overflow_recvfrom, Fams),
    ("tcp_sendall", "BasicTCPTest.testSendAll", tcp_sendall, Fams),
    ("tcp_recv_zero", "BasicTCPTest.testRecv", tcp_recv_zero, Fams),
    ("tcp_recv_negative", "BasicTCPTest.testRecv", tcp_recv_negative, Fams),
    ("tcp_recv_peek", "BasicTCPTest.testRecv", tcp_recv_peek, Fams),
    ("tcp_recv_waitall", "BasicTCPTest.testRecv", tcp_recv_waitall, Fams),
    ("tcp_dup", "BasicTCPTest.testDup", tcp_dup, Fams),
    ("tcp_shutdown", "BasicTCPTest.testShutdown", tcp_shutdown, Fams),
    ("tcp_shutdown_bad_how", "BasicTCPTest.testShutdown", tcp_shutdown_bad_how, Fams),
    ("shutdown_unconnected", "BasicTCPTest.testShutdown", shutdown_unconnected, Fams),
    ("tcp_detach", "BasicTCPTest.testDetach", tcp_detach, Fams),
    ("tcp_getpeername", "BasicTCPTest.testRecv", tcp_getpeername, Fams),
    ("tcp_recv_unconnected", "BasicTCPTest.testRecv", tcp_recv_unconnected, Fams),
    ("tcp_send_unconnected", "BasicTCPTest.testSendAll", tcp_send_unconnected, Fams),
    ("accept_not_listening", "GeneralModuleTests.test_listen_backlog", accept_not_listening, Fams),
    ("accept_unbound", "GeneralModuleTests.test_listen_backlog", accept_unbound, Fams),
    ("tcp_connect_twice", "BasicTCPTest.testRecv", tcp_connect_twice, Fams),
    ("tcp_connect_listening", "BasicTCPTest.testRecv", tcp_connect_listening, Fams),
    ("tcp_send_after_peer_close", "BasicTCPTest.testSendAll", tcp_send_after_peer_close, Fams),
    ("tcp_recv_after_reset", "BasicTCPTest.testRecv", tcp_recv_after_reset, Fams),
    ("tcp_echo_native", "BasicTCPTest.testRecv", tcp_echo_native, Fams),
    ("dualstack_mapped_peer", "BasicTCPTest.testRecv", dualstack_mapped_peer, Inet6),
    ("v6only_refuses_v4", "BasicTCPTest.testRecv", v6only_refuses_v4, Inet6),
    ("closer_eof", "TCPCloserTest.testClose", closer_eof, Fams),
    ("closer_local", "TCPCloserTest.testClose", closer_local, Fams),
    ("connect_refused", "NetworkConnectionNoServer.test_connect", connect_refused, Fams),
    ("connect_ex_ok", "NetworkConnectionNoServer.test_connect", connect_ex_ok, Fams),
    ("create_connection_refused", "NetworkConnectionNoServer.test_create_connection", create_connection_refused, Fams),
    (
        "create_connection_all_errors",
        "NetworkConnectionNoServer.test_create_connection_all_errors",
        create_connection_all_errors,
        Fams,
    ),
    (
        "create_connection_timeout",
        "NetworkConnectionNoServer.test_create_connection_timeout",
        create_connection_timeout,
        Fams,
    ),
    ("create_connection_family", "NetworkConnectionAttributesTest.testFamily", create_connection_family, Fams),
    (
        "create_connection_timeout_default",
        "NetworkConnectionAttributesTest.testTimeoutDefault",
        create_connection_timeout_default,
        Fams,
    ),
    (
        "create_connection_timeout_value",
        "NetworkConnectionAttributesTest.testTimeoutValueNamed",
        create_connection_timeout_value,
        Fams,
    ),
    (
        "create_connection_timeout_from_default",
        "NetworkConnectionAttributesTest.testTimeoutNone",
        create_connection_timeout_from_default,
        Fams,
    ),
    ("create_connection_source", "NetworkConnectionAttributesTest.testSourceAddress", create_connection_source, Fams),
    (
        "create_connection_negative_timeout",
        "NetworkConnectionAttributesTest.testTimeoutValueNonamed",
        create_connection_negative_timeout,
        Fams,
    ),
    ("create_connection_echo", "NetworkConnectionBehaviourTest.testInsideTimeout", create_connection_echo, Fams),
    ("udp_sendto_recv", "BasicUDPTest.testSendtoAndRecv", udp_sendto_recv, Fams),
    ("udp_recvfrom", "BasicUDPTest.testRecvFrom", udp_recvfrom, Fams),
    ("udp_recvfrom_negative", "BasicUDPTest.testRecvFromNegative", udp_recvfrom_negative, Fams),
    ("udp_truncate", UDP, udp_truncate, Fams),
    ("udp_empty_datagram", UDP, udp_empty_datagram, Fams),
    ("udp_send_unconnected", UDP, udp_send_unconnected, Fams),
    ("udp_connected", UDP, udp_connected, Fams),
    ("udp_connected_refused", UDP, udp_connected_refused, Fams),
    ("udp_unconnected_no_refusal", UDP, udp_unconnected_no_refusal, Fams),
    ("udp_broadcast_denied", UDP, udp_broadcast_denied, Inet),
    ("udp_broadcast_name_denied", UDP, udp_broadcast_name_denied, Inet),
    ("udp_echo_native", UDP, udp_echo_native, Fams),
    ("udp_too_large", UDP, udp_too_large, Fams),
    ("udp_listen", UDP, udp_listen, Fams),
    ("udp_shutdown_unconnected", UDP, udp_shutdown_unconnected, Fams),
    ("udp_getpeername_unconnected", UDP, udp_getpeername_unconnected, Fams),
    ("udp_peek", UDP, udp_peek, Fams),
    ("udp_implicit_bind", UDP, udp_implicit_bind, Fams),
    ("sendmsg_stream", "SendmsgStreamTests.testSendmsg", sendmsg_stream, Fams),
    ("sendmsg_gather", "SendmsgTests.testSendmsgGather", sendmsg_gather, Fams),
    ("sendmsg_none_addr", "SendmsgStreamTests.testSendmsgExplicitNoneAddr", sendmsg_none_addr, Fams),
    ("sendmsg_timeout", "SendmsgStreamTests.testSendmsgTimeout", sendmsg_timeout, Fams),
    ("sendmsg_dontwait", "SendmsgStreamTests.testSendmsgDontWait", sendmsg_dontwait, Fams),
    ("sendmsg_udp", "SendmsgConnectionlessTests.testSendmsg", sendmsg_udp, Fams),
    ("sendmsg_no_dest", "SendmsgConnectionlessTests.testSendmsgNoDestAddr", sendmsg_no_dest, Fams),
    ("sendmsg_after_close", "SendmsgTests.testSendmsgAfterClose", sendmsg_after_close, Fams),
    ("sendmsg_ancillary", "SendmsgTests.testSendmsgBadCmsg", sendmsg_ancillary, Fams),
    ("recvmsg_stream", "RecvmsgGenericTests.testRecvmsg", recvmsg_stream, Fams),
    ("recvmsg_udp", "RecvmsgGenericTests.testRecvmsg", recvmsg_udp, Fams),
    ("recvmsg_trunc", "RecvmsgGenericTests.testRecvmsgTrunc", recvmsg_trunc, Fams),
    ("recvmsg_shorter", "RecvmsgGenericTests.testRecvmsgShorter", recvmsg_shorter, Fams),
    ("recvmsg_peek", "RecvmsgGenericTests.testRecvmsgPeek", recvmsg_peek, Fams),
    ("recvmsg_after_close", "RecvmsgGenericTests.testRecvmsgAfterClose", recvmsg_after_close, Fams),
    ("recvmsg_timeout", "RecvmsgGenericTests.testRecvmsgTimeout", recvmsg_timeout, Fams),
    ("recvmsg_eof", "RecvmsgGenericStreamTests.testRecvmsgEOF", recvmsg_eof, Fams),
    ("recvmsg_from_sendmsg", "RecvmsgGenericTests.testRecvmsgFromSendmsg", recvmsg_from_sendmsg, Fams),
    ("recvmsg_negative", "RecvmsgTests.testRecvmsgBadArgs", recvmsg_negative, Fams),
    ("recvmsg_anc_negative", "RecvmsgTests.testRecvmsgBadArgs", recvmsg_anc_negative, Fams),
    ("recv_into", "BufferIOTest.testRecvIntoBytearray", recv_into, Fams),
    ("recv_into_nbytes", "BufferIOTest.testRecvIntoArray", recv_into_nbytes, Fams),
    ("recv_into_too_small", "BufferIOTest.testRecvIntoMemoryview", recv_into_too_small, Fams),
    ("recvfrom_into", "BufferIOTest.testRecvFromIntoBytearray", recvfrom_into, Fams),
    ("recvfrom_into_small_buffer", "BufferIOTest.testRecvFromIntoSmallBuffer", recvfrom_into_small_buffer, Fams),
    ("recvfrom_into_empty", "BufferIOTest.testRecvFromIntoEmptyBuffer", recvfrom_into_empty, Fams),
    ("recvfrom_into_udp", "BufferIOTest.testRecvFromIntoArray", recvfrom_into_udp, Fams),
    ("recv_into_udp_truncates", "BufferIOTest.testRecvIntoArray", recv_into_udp_truncates, Fams),
    ("makefile_read", "FileObjectClassTestCase.testSmallRead", makefile_read, Fams),
    ("makefile_readline", "FileObjectClassTestCase.testReadline", makefile_readline, Fams),
    ("makefile_invalid_mode", "GeneralModuleTests.test_makefile_invalid_mode", makefile_invalid_mode, Fams),
    ("create_server_address", "CreateServerTest.test_address", create_server_address, Fams),
    ("create_server_family", "CreateServerTest.test_family_and_type", create_server_family, Fams),
    ("sendfile_regular", "SendfileUsingSendTest.testRegularFile", sendfile_regular, Fams),
    ("context_create_connection", "ContextManagersTest.testCreateConnectionBase", context_create_connection, Fams),
    ("context_close_inside", "ContextManagersTest.testCreateConnectionClose", context_close_inside, Fams),
    ("context_socket", "ContextManagersTest.testCreateConnectionBase", context_socket, Fams),
    ("socketpair_stream", "BasicSocketPairTest.testRecv", socketpair_stream, One),
    ("socketpair_dgram", "BasicSocketPairTest.testRecv", socketpair_dgram, One),
    ("socketpair_close", "BasicSocketPairTest.testSend", socketpair_close, One),
    ("socketpair_default_timeout", "BasicSocketPairTest.testDefaults", socketpair_default_timeout, One),
    ("unix_unbound", "TestUnixDomain.testUnbound", unix_unbound, One),
    ("unix_bind_path", "TestUnixDomain.testStrAddr", unix_bind_path, One),
    ("unix_autobind", "TestLinuxAbstractNamespace.testAutobind", unix_autobind, One),
    ("unix_inet_address", "TestUnixDomain.testUnencodableAddr", unix_inet_address, One),
    ("unix_name_overflow", "TestLinuxAbstractNamespace.testNameOverflow", unix_name_overflow, One),
    ("socket_bad_family", "GeneralModuleTests.testSocketError", socket_bad_family, One),
    ("socket_bad_type", "GeneralModuleTests.testSocketError", socket_bad_type, One),
    ("socket_bad_proto", "GeneralModuleTests.testSocketError", socket_bad_proto, One),
    ("socket_raw", "GeneralModuleTests.testSocketError", socket_raw, One),
    ("select_listener", "NonBlockingTCPTests.testAccept", select_listener, Fams),
    ("select_recv", "NonBlockingTCPTests.testRecv", select_recv, Fams),
    ("select_eof", "NonBlockingTCPTests.testRecv", select_eof, Fams),
    ("select_timeout", "UDPTimeoutTest.testUDPTimeout", select_timeout, Fams),
    ("select_udp_readable", "UDPTimeoutTest.testUDPTimeout", select_udp_readable, Fams),
    ("select_closed", CLOSED, select_closed, Fams),
    ("select_bad_timeout", "UDPTimeoutTest.testTimeoutZero", select_bad_timeout, One),
    ("poll_readable", "NonBlockingTCPTests.testRecv", poll_readable, Fams),
    ("poll_hup", "NonBlockingTCPTests.testRecv", poll_hup, Fams),
    ("poll_closed", "NonBlockingTCPTests.testRecv", poll_closed, One),
    ("selector_read", "NonBlockingTCPTests.testRecv", selector_read, Fams),
    ("cmsg_sizes", "SCMRightsTest.testCMSG_SPACE", cmsg_sizes, One),
    ("scm_rights_pass", "SCMRightsTest.testFDPassSimple", scm_rights_pass, One),
    ("scm_rights_send_fds", "SCMRightsTest.testFDPassSeparate", scm_rights_send_fds, One),
    ("scm_rights_two", "SCMRightsTest.testMultipleFDPass", scm_rights_two, One),
    ("scm_rights_dgram", "SCMRightsTest.testFDPassCMSG_SPACE", scm_rights_dgram, One),
    ("scm_rights_truncated", "SCMRightsTest.testCmsgTrunc0", scm_rights_truncated, One),
    ("scm_rights_no_anc", "SCMRightsTest.testFDPassEmpty", scm_rights_no_anc, One),
    ("scm_rights_closed_fd", "SCMRightsTest.testFDPassSimple", scm_rights_closed_fd, One),
    ("unix_stream_path", "TestUnixDomain.testStrAddr", unix_stream_path, One),
    ("unix_stream_sendmsg", "UnixStreamBase.testSendmsg", unix_stream_sendmsg, One),
    ("unix_bind_in_use", "TestUnixDomain.testStrAddr", unix_bind_in_use, One),
    ("unix_connect_missing", "TestUnixDomain.testStrAddr", unix_connect_missing, One),
    ("unix_connect_not_listening", "TestUnixDomain.testStrAddr", unix_connect_not_listening, One),
    ("unix_dgram_path", "TestUnixDomain.testStrAddr", unix_dgram_path, One),
    ("unix_dgram_unbound_sender", "TestUnixDomain.testStrAddr", unix_dgram_unbound_sender, One),
    ("unix_makefile", "TestUnixDomain.testStrAddr", unix_makefile, One),
    ("unix_abstract", "TestLinuxAbstractNamespace.testLinuxAbstractNamespace", unix_abstract, One),
    ("makefile_read_all", "FileObjectClassTestCase.testFullRead", makefile_read_all, Fams),
    ("makefile_readlines", "FileObjectClassTestCase.testReadline", makefile_readlines, Fams),
    ("makefile_iter", "FileObjectClassTestCase.testReadline", makefile_iter, Fams),
    ("makefile_small_reads", "FileObjectClassTestCase.testSmallRead", makefile_small_reads, Fams),
    ("makefile_write_flush", "FileObjectClassTestCase.testFullRead", makefile_write_flush, Fams),
    ("makefile_close", "FileObjectClassTestCase.testClosedAttr", makefile_close, Fams),
    ("makefile_timeout", "FileObjectClassTestCase.testReadAfterTimeout", makefile_timeout, Fams),
    ("makefile_wrong_direction", "FileObjectClassTestCase.testAttributes", makefile_wrong_direction, Fams),
    ("getaddrinfo_all_types", GAI, getaddrinfo_all_types, One),
    ("getaddrinfo_inet6", GAI, getaddrinfo_inet6, One),
    ("getaddrinfo_localhost", GAI, getaddrinfo_localhost, One),
    ("getaddrinfo_none_host", GAI, getaddrinfo_none_host, One),
    ("getaddrinfo_service", GAI, getaddrinfo_service, One),
    ("getaddrinfo_errors", GAI, getaddrinfo_errors, One),
    ("getaddrinfo_canonname", GAI, getaddrinfo_canonname, One),
    ("getnameinfo_numeric", "GeneralModuleTests.test_getnameinfo", getnameinfo_numeric, One),
    ("gethostbyname_loopback", "GeneralModuleTests.testHostnameRes", gethostbyname_loopback, One),
    ("getservby_more", "GeneralModuleTests.testGetServBy", getservby_more, One),
    ("inet_aton_forms", "GeneralModuleTests.testIPv4toString", inet_aton_forms, One),
    ("inet_errors", "GeneralModuleTests.testIPv4toString", inet_errors, One),
    ("inet_ntop_forms", "GeneralModuleTests.testStringToIPv6", inet_ntop_forms, One),
    ("create_server_reuse_port", "CreateServerTest.test_reuse_port", create_server_reuse_port, Fams),
    ("create_server_no_reuse_port", "CreateServerTest.test_reuse_port", create_server_no_reuse_port, Fams),
    ("create_server_dualstack", "CreateServerTest.test_dualstack_ipv6_family", create_server_dualstack, Fams),
    ("create_server_v6only", "CreateServerTest.test_family_and_type", create_server_v6only, Inet6),
    ("create_server_connect", "CreateServerFunctionalTest.test_tcp4", create_server_connect, Fams),
    ("create_server_in_use", "CreateServerTest.test_address", create_server_in_use, Fams),
];

const CLOSED: &str = "GeneralModuleTests.test_unusable_closed_socketio";
const GAI: &str = "GeneralModuleTests.testGetaddrinfo";
const UDP: &str = "BasicUDPTest.testSendtoAndRecv";
