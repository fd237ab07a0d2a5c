//! The conformance cases, guest side: each mirrors the function of the same
//! name in `tests/conformance/cases.py`, step for step.

use super::harness::{Ctx, Py, ToPy, list, p};
use crate::must;
use capsock::*;
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
const NA_RESOLVER: &str = "not implemented yet: issue 4";
const NA_LATER: &str = "not implemented yet";

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
    c.step("gettimeout", s.gettimeout());
    c.step("getblocking", s.getblocking());
}

fn default_timeout_set(c: &Ctx, v: &V) {
    c.step("setdefaulttimeout", setdefaulttimeout(Some(10.0)));
    c.show("getdefaulttimeout", getdefaulttimeout());
    let s = must!(c, "socket", stream(v));
    c.step("gettimeout", s.gettimeout());
    c.step("getblocking", s.getblocking());
    c.step("reset", setdefaulttimeout(None));
    let s2 = must!(c, "socket2", stream(v));
    c.step("gettimeout2", s2.gettimeout());
    c.step("old_socket_unchanged", s.gettimeout());
}

fn default_timeout_zero(c: &Ctx, _: &V) {
    c.step("setdefaulttimeout", setdefaulttimeout(Some(0.0)));
    let s = must!(c, "socket", socket(AF_INET, SOCK_STREAM, 0));
    c.step("gettimeout", s.gettimeout());
    c.step("getblocking", s.getblocking());
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
    c.na("getservbyname(echo,tcp)", NA_RESOLVER);
}

fn getservbyport_tcp(c: &Ctx, _: &V) {
    c.na("getservbyport(7,tcp)", NA_RESOLVER);
}

fn inet_aton(c: &Ctx, _: &V) {
    c.na("inet_aton(127.0.0.1)", NA_RESOLVER);
}

fn inet_pton4(c: &Ctx, _: &V) {
    c.na("inet_pton(AF_INET,1.2.3.4)", NA_RESOLVER);
}

fn inet_pton6(c: &Ctx, _: &V) {
    c.na("inet_pton(AF_INET6,::1)", NA_RESOLVER);
}

fn inet_ntoa(c: &Ctx, _: &V) {
    c.na("inet_ntoa", NA_RESOLVER);
}

fn inet_ntop6(c: &Ctx, _: &V) {
    c.na("inet_ntop", NA_RESOLVER);
}

fn getaddrinfo_numeric(c: &Ctx, _: &V) {
    c.na("getaddrinfo", NA_RESOLVER);
}

fn getaddrinfo_bad_family(c: &Ctx, _: &V) {
    c.na("getaddrinfo", NA_RESOLVER);
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
    c.step("gettimeout", s.gettimeout());
    c.step("getblocking", s.getblocking());
    c.step("settimeout_closed", s.settimeout(Some(0.0)));
    c.step("gettimeout_after", s.gettimeout());
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
    c.step("gettimeout", s.gettimeout());
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
    c.step("gettimeout", s.gettimeout());
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
        c.step(&format!("gettimeout({label})"), s.gettimeout());
        c.step(&format!("getblocking({label})"), s.getblocking());
    }
}

fn setblocking_flags(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    c.step("setblocking(False)", s.setblocking(false));
    c.step("gettimeout", s.gettimeout());
    c.step("getblocking", s.getblocking());
    c.step("setblocking(True)", s.setblocking(true));
    c.step("gettimeout2", s.gettimeout());
    c.step("getblocking2", s.getblocking());
    c.step("settimeout(5)", s.settimeout(Some(5.0)));
    c.step("setblocking(True)2", s.setblocking(true));
    c.step("gettimeout3", s.gettimeout());
}

fn init_nonblocking(c: &Ctx, v: &V) {
    let s = must!(c, "socket", socket(v.fam, SOCK_STREAM | SOCK_NONBLOCK, 0));
    c.step("gettimeout", s.gettimeout());
    c.step("getblocking", s.getblocking());
    c.show("type", s.type_());
}

fn init_nonblocking_ignores_default(c: &Ctx, v: &V) {
    c.step("setdefaulttimeout", setdefaulttimeout(Some(7.0)));
    let s = must!(c, "socket", socket(v.fam, SOCK_STREAM | SOCK_NONBLOCK, 0));
    c.step("gettimeout", s.gettimeout());
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
    c.step("accept2", s.accept().and_then(|(conn, _)| conn.getblocking()));
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
    c.step("gettimeout", conn.gettimeout());
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
    c.step("getblocking", conn.getblocking());
    c.step("gettimeout", conn.gettimeout());
}

fn inherit_timeout(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    must!(c, "bind", s.bind((v.host, 0)));
    must!(c, "listen", s.listen(1));
    c.step("settimeout", s.settimeout(Some(2.0)));
    let cli = must!(c, "client", stream(v));
    must!(c, "connect", s.getsockname().and_then(|a| cli.connect(a)));
    let (conn, _) = must!(c, "accept", s.accept());
    c.step("gettimeout", conn.gettimeout());
    c.step("getblocking", conn.getblocking());
}

fn inherit_default_timeout(c: &Ctx, v: &V) {
    let s = must!(c, "socket", stream(v));
    must!(c, "bind", s.bind((v.host, 0)));
    must!(c, "listen", s.listen(1));
    let cli = must!(c, "client", stream(v));
    must!(c, "connect", s.getsockname().and_then(|a| cli.connect(a)));
    c.step("setdefaulttimeout", setdefaulttimeout(Some(4.5)));
    let (conn, _) = must!(c, "accept", s.accept());
    c.step("gettimeout", conn.gettimeout());
    c.step("listener_timeout", s.gettimeout());
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
    c.step("dup_timeout", d.gettimeout());
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
    c.step("gettimeout", s.gettimeout());
}

fn create_connection_timeout_value(c: &Ctx, v: &V) {
    let s = must!(c, "create_connection", create_connection((v.host, v.echo), Some(30.0), None));
    c.step("gettimeout", s.gettimeout());
}

fn create_connection_timeout_from_default(c: &Ctx, v: &V) {
    c.step("setdefaulttimeout", setdefaulttimeout(Some(42.0)));
    let s = must!(c, "create_connection", create_connection((v.host, v.echo), None, None));
    c.step("gettimeout", s.gettimeout());
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

// --- makefile, create_server, sendfile (not in the SDK yet) -----------------

fn makefile_read(c: &Ctx, v: &V) {
    let (_srv, cli, _conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(MSG));
    c.na("makefile", NA_LATER);
}

fn makefile_readline(c: &Ctx, v: &V) {
    let (_srv, cli, _conn) = tcp!(c, v);
    c.step("sendall", cli.sendall(b"line one\nline two\n"));
    c.na("makefile", NA_LATER);
}

fn makefile_invalid_mode(c: &Ctx, v: &V) {
    let _s = must!(c, "socket", stream(v));
    c.na("makefile", NA_LATER);
}

fn create_server_address(c: &Ctx, _: &V) {
    c.na("create_server", NA_LATER);
}

fn create_server_family(c: &Ctx, _: &V) {
    c.na("create_server", NA_LATER);
}

fn sendfile_regular(c: &Ctx, v: &V) {
    let (_srv, _cli, _conn) = tcp!(c, v);
    c.na("sendfile", NA_LATER);
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
    c.step("gettimeout_a", a.gettimeout());
    c.step("gettimeout_b", b.gettimeout());
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
];

const CLOSED: &str = "GeneralModuleTests.test_unusable_closed_socketio";
const UDP: &str = "BasicUDPTest.testSendtoAndRecv";
