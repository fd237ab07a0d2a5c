//! The public API as callers spell it: compiled, never run (off `wasm32`
//! every host call panics). A signature change breaks this build.

#![allow(
    dead_code,
    clippy::type_complexity,
    clippy::unwrap_used,
    reason = "a compile-only check of the pinned signatures"
)]

use capsock::{
    AF_INET, AF_INET6, AF_UNIX, Address, ConnectError, Error, ErrorKind, IPPROTO_TCP, MSG_PEEK, OptionValue, SHUT_RDWR,
    SO_REUSEADDR, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, Socket, TCP_NODELAY, ToAddress, UnixAddress, errno,
};
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::path::Path;

fn addresses(s: &Socket) -> Result<(), Error> {
    s.connect(("127.0.0.1", 8080))?;
    s.connect((String::from("::1"), 8080))?;
    s.connect(("::1", 8080, 0, 0))?;
    s.connect("127.0.0.1:80".parse::<SocketAddr>().unwrap())?;
    s.connect(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 1))?;
    s.connect("[::1]:1".parse::<SocketAddrV6>().unwrap())?;
    s.connect((IpAddr::V4(Ipv4Addr::LOCALHOST), 1))?;
    s.connect("/tmp/x.sock")?;
    s.connect(String::from("\0abstract"))?;
    s.connect(Path::new("/tmp/x.sock"))?;
    let a = Address::Unix(UnixAddress::Path("/tmp/x".into()));
    s.connect(&a)?;
    s.connect(a)?;
    s.bind(Address::Unix(UnixAddress::Abstract(b"n".to_vec())))?;
    let _: Address = SocketAddr::from(([127, 0, 0, 1], 1)).into();
    let x: Result<Address, Error> = ("h", 1).to_address(AF_INET6);
    let _ = x;
    Ok(())
}

fn methods(s: &Socket) -> Result<(), Error> {
    s.bind(("", 0))?;
    s.listen(5)?;
    let (conn, peer): (Socket, Address) = s.accept()?;
    let _: Option<IpAddr> = peer.ip();
    let _: Option<u16> = peer.port();
    let _: Option<SocketAddr> = peer.to_socket_addr();
    let _: i32 = s.connect_ex(("127.0.0.1", 1))?;
    let _: usize = conn.send(b"x")?;
    conn.sendall(b"x")?;
    let _: usize = conn.sendto(b"x", ("127.0.0.1", 1))?;
    let _: Vec<u8> = conn.recv(10)?;
    let mut buf = [0u8; 10];
    let _: usize = conn.recv_into(&mut buf)?;
    let _: (Vec<u8>, Address) = conn.recvfrom(10)?;
    let _: (usize, Address) = conn.recvfrom_into(&mut buf)?;
    let _: usize = conn.send_with_flags(b"x", 0)?;
    conn.sendall_with_flags(b"x", 0)?;
    let _: usize = conn.sendto_with_flags(b"x", 0, ("127.0.0.1", 1))?;
    let _: Vec<u8> = conn.recv_with_flags(10, MSG_PEEK)?;
    let _: (Vec<u8>, Address) = conn.recvfrom_with_flags(10, 0)?;
    let _: usize = conn.recv_into_with_flags(&mut buf, 4, 0)?;
    conn.shutdown(SHUT_RDWR)?;
    conn.close()?;
    let _: Address = s.getsockname()?;
    let _: Address = s.getpeername()?;
    s.settimeout(Some(1.0))?;
    s.settimeout(None)?;
    let _: Option<f64> = s.gettimeout();
    s.setblocking(false)?;
    let _: bool = s.getblocking();
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)?;
    s.setsockopt(IPPROTO_TCP, TCP_NODELAY, true)?;
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, &b"\x01\0\0\0"[..])?;
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, b"\x01\0\0\0")?;
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, vec![1u8, 0, 0, 0])?;
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, OptionValue::Null(4))?;
    let _: i32 = s.getsockopt(SOL_SOCKET, SO_REUSEADDR)?;
    let _: Vec<u8> = s.getsockopt_bytes(SOL_SOCKET, SO_REUSEADDR, 4)?;
    let _: (i32, i32, i32, i32) = (s.family(), s.type_(), s.proto(), s.fileno());
    let _: Socket = s.dup()?;
    let _: i32 = s.detach()?;
    let (_data, _anc, _flags, _addr): (Vec<u8>, Vec<(i32, i32, Vec<u8>)>, i32, Address) = s.recvmsg(10, 0, 0)?;
    let _: usize = s.sendmsg(&[b"a", b"b"], &[(SOL_SOCKET, 1, &[0u8; 4][..])], 0, None)?;
    let _ = format!("{s} {s:?}");
    let clone: Socket = s.clone();
    drop(clone);
    Ok(())
}

fn io_traits(mut s: Socket) -> io::Result<()> {
    let mut buf = [0u8; 4];
    (&s).read_exact(&mut buf)?;
    s.read_exact(&mut buf)?;
    (&s).write_all(b"x")?;
    s.write_all(b"x")?;
    s.flush()
}

fn module() -> Result<(), Error> {
    let s: Socket = capsock::socket(AF_INET, SOCK_STREAM, 0)?;
    let _ = s;
    let (_a, _b): (Socket, Socket) = capsock::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
    let _: Socket = capsock::from_fd(3)?;
    capsock::close_fd(3)?;
    let _: bool = capsock::has_ipv6() && capsock::has_dualstack_ipv6();
    capsock::setdefaulttimeout(Some(1.0))?;
    let _: Option<f64> = capsock::getdefaulttimeout();
    let _: Socket = capsock::create_connection(("localhost", 80), Some(1.0), None)?;
    let _: Socket =
        capsock::create_connection(("127.0.0.1", 80), None, Some(Address::from(SocketAddr::from(([0; 4], 0)))))?;
    let r: Result<Socket, ConnectError> = capsock::create_connection_all_errors(("h", 1), None, None);
    if let Err(e) = r {
        let _: &[Error] = e.errors();
        let _: io::Error = e.into();
    }
    let _: (u16, u16, u32, u32) = (capsock::htons(1), capsock::ntohs(1), capsock::htonl(1), capsock::ntohl(1));
    Ok(())
}

fn errors(e: Error) -> io::Error {
    let _: &'static str = e.exception();
    let _: Option<i32> = e.errno();
    let _: (&str, &str, Option<&str>) = (e.name(), e.message(), e.rule());
    let _: bool = e.kind() == ErrorKind::Os && e.is_timeout() && e.is_blocking();
    let _ = (Error::value("x"), Error::os(errno::ECONNREFUSED), Error::timeout());
    let _: &dyn std::error::Error = &e;
    e.into()
}

#[test]
fn api_compiles() {
    // Reference the functions so the signatures above are type-checked in
    // the test build; none is called.
    let _ = (addresses, methods, io_traits, module, errors);
}
