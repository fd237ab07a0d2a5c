//! Rust's `std::net` (wasi-libc over `wasi:sockets`) on capsock's own
//! `wasi:sockets`: one scenario per mode.
//!
//! Args: MODE ...
//! - `tcp_client HOST PORT`: connect, send, read the echo, report it.
//! - `tcp_server HOST PORT`: bind, accept one client, echo what it sends.
//! - `udp_client HOST PORT`: send a datagram, report the echo.
//! - `udp_server HOST PORT`: bind, answer one datagram with its upper case.
//! - `shutdown HOST PORT`: send, `shutdown(Write)`, read to EOF.
//! - `timeouts HOST PORT`: a read timeout on a silent peer, then a
//!   non-blocking read (`WouldBlock`).
//! - `names NAME PORT OTHER`: connect by name, then to a name outside the
//!   rules, then three connections where two are allowed.
//! - `two_writes HOST PORT N`: N requests written in two writes each.
//! - `bulk_then_read HOST PORT BYTES HALF`: send BYTES (then half-close
//!   when HALF is 1), read the answer to EOF.
//! - `many_sockets N`: open N UDP sockets (or as many as allowed).
//! - `udp_filter HOST PORT`: an unbound socket sends (implicit bind), then
//!   reports every datagram it receives within a second.
use capsock_test_guests::{arg, report};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

/// Receive one datagram within `limit`, polling a non-blocking socket
/// (wasi-libc has no `SO_RCVTIMEO` for UDP).
fn recv_within(u: &UdpSocket, buf: &mut [u8], limit: Duration) -> Option<(usize, std::net::SocketAddr)> {
    u.set_nonblocking(true).unwrap();
    let until = Instant::now() + limit;
    while Instant::now() < until {
        match u.recv_from(buf) {
            Ok(got) => return Some(got),
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => panic!("recv_from: {e}"),
        }
    }
    None
}

fn main() {
    let mode: String = arg(0);
    match mode.as_str() {
        "tcp_client" => {
            let (host, port): (String, u16) = (arg(1), arg(2));
            let mut s = TcpStream::connect((host.as_str(), port)).unwrap();
            report("local_family", if s.local_addr().unwrap().is_ipv6() { "v6" } else { "v4" });
            report("peer", s.peer_addr().unwrap());
            s.write_all(b"hello from std::net").unwrap();
            let mut buf = [0u8; 64];
            let n = s.read(&mut buf).unwrap();
            report("echo", String::from_utf8_lossy(&buf[..n]));
        }
        "tcp_server" => {
            let (host, port): (String, u16) = (arg(1), arg(2));
            let l = TcpListener::bind((host.as_str(), port)).unwrap();
            report("listening", l.local_addr().unwrap());
            let (mut s, peer) = l.accept().unwrap();
            report("accepted_ip", peer.ip());
            let mut got = Vec::new();
            s.read_to_end(&mut got).unwrap();
            s.write_all(&got).unwrap();
            report("served", got.len());
        }
        "udp_client" => {
            let (host, port): (String, u16) = (arg(1), arg(2));
            let any = if host.contains(':') { "[::1]:0" } else { "127.0.0.1:0" };
            let u = UdpSocket::bind(any).unwrap();
            u.send_to(b"ping", (host.as_str(), port)).unwrap();
            let mut buf = [0u8; 64];
            let (n, from) = recv_within(&u, &mut buf, Duration::from_secs(10)).expect("the echo arrives");
            report("udp_echo", String::from_utf8_lossy(&buf[..n]));
            report("udp_from_port", from.port() == port);
        }
        "udp_server" => {
            let (host, port): (String, u16) = (arg(1), arg(2));
            let u = UdpSocket::bind((host.as_str(), port)).unwrap();
            let mut buf = [0u8; 64];
            let (n, from) = recv_within(&u, &mut buf, Duration::from_secs(20)).expect("a datagram arrives");
            u.send_to(&buf[..n].to_ascii_uppercase(), from).unwrap();
            report("udp_served", String::from_utf8_lossy(&buf[..n]));
        }
        "shutdown" => {
            let (host, port): (String, u16) = (arg(1), arg(2));
            let mut s = TcpStream::connect((host.as_str(), port)).unwrap();
            s.write_all(b"half").unwrap();
            s.shutdown(Shutdown::Write).unwrap();
            let mut got = Vec::new();
            s.read_to_end(&mut got).unwrap();
            report("after_shutdown", String::from_utf8_lossy(&got));
            report("write_after_shutdown", s.write(b"x").is_err());
        }
        "timeouts" => {
            let (host, port): (String, u16) = (arg(1), arg(2));
            let mut s = TcpStream::connect((host.as_str(), port)).unwrap();
            s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
            let t = Instant::now();
            let mut buf = [0u8; 8];
            let e = s.read(&mut buf).expect_err("a silent peer times out");
            report("timeout_kind", format!("{:?}", e.kind()));
            report("waited_enough", t.elapsed() >= Duration::from_millis(150));
            s.set_nonblocking(true).unwrap();
            let e = s.read(&mut buf).expect_err("nothing to read");
            report("nonblocking_kind", format!("{:?}", e.kind()));
            s.set_nonblocking(false).unwrap();
            s.set_read_timeout(None).unwrap();
            s.write_all(b"go").unwrap();
            let n = s.read(&mut buf).unwrap();
            report("then", String::from_utf8_lossy(&buf[..n]));
        }
        "names" => {
            let (name, port, other): (String, u16, String) = (arg(1), arg(2), arg(3));
            let mut s = TcpStream::connect((name.as_str(), port)).unwrap();
            s.write_all(b"by name").unwrap();
            report("by_name_peer", s.peer_addr().unwrap());
            drop(s);
            match TcpStream::connect((other.as_str(), port)) {
                Ok(_) => panic!("a name outside the rules connected"),
                Err(e) => report("other_name", format!("{:?}", e.kind())),
            }
            let mut held = Vec::new();
            for i in 0..3 {
                match TcpStream::connect((name.as_str(), port)) {
                    Ok(s) => held.push(s),
                    Err(e) => report(&format!("conn{i}"), format!("{:?}", e.kind())),
                }
            }
            report("held", held.len());
        }
        "two_writes" => {
            let (host, port, n): (String, u16, u32) = (arg(1), arg(2), arg(3));
            let mut s = TcpStream::connect((host.as_str(), port)).unwrap();
            let t = Instant::now();
            let mut buf = [0u8; 16];
            for _ in 0..n {
                s.write_all(b"GET ").unwrap();
                s.write_all(b"/x\n").unwrap();
                let got = s.read(&mut buf).unwrap();
                assert_eq!(&buf[..got], b"ok\n");
            }
            report("requests", n);
            report("elapsed_ms", t.elapsed().as_millis());
        }
        "udp_filter" => {
            let (host, port): (String, u16) = (arg(1), arg(2));
            let u = UdpSocket::bind("0.0.0.0:0").unwrap();
            u.send_to(b"hello", (host.as_str(), port)).unwrap();
            let mut buf = [0u8; 64];
            let mut heard = Vec::new();
            // Everything that arrives until a second passes in silence.
            while let Some((n, from)) = recv_within(&u, &mut buf, Duration::from_millis(1000)) {
                heard.push(format!("{}@{}", String::from_utf8_lossy(&buf[..n]), from.port()));
                if heard.len() > 8 {
                    break;
                }
            }
            report("heard", heard.join(","));
        }
        "bulk_then_read" => {
            // A request bigger than the socket buffers, then the answer:
            // the last bytes the socket did not take must go out while the
            // guest waits on the input side (or after its half close).
            let (host, port, len, half): (String, u16, usize, u8) = (arg(1), arg(2), arg(3), arg(4));
            let mut s = TcpStream::connect((host.as_str(), port)).unwrap();
            let body: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            s.write_all(&body).unwrap();
            if half == 1 {
                s.shutdown(Shutdown::Write).unwrap();
            }
            let mut answer = String::new();
            s.read_to_string(&mut answer).unwrap();
            report("answer", answer.trim());
        }
        "many_sockets" => {
            let n: usize = arg(1);
            let mut held = Vec::new();
            for _ in 0..n {
                match UdpSocket::bind("127.0.0.1:0") {
                    Ok(u) => held.push(u),
                    Err(e) => {
                        report("refused", e);
                        break;
                    }
                }
            }
            report("sockets_held", held.len());
            drop(held);
            // Closing frees the places again.
            report("after_close", UdpSocket::bind("127.0.0.1:0").is_ok());
        }
        m => panic!("unknown mode {m}"),
    }
}
