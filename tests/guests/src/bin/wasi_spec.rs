//! `wasi:sockets@0.2` called directly (no libc), one documented transition
//! or error per line: `case=outcome`, where the outcome is `ok`, a value,
//! or the WIT error code's name. The host test holds the outcomes the WIT
//! text documents and compares.
//!
//! Args: DENIED_PORT (a 127.0.0.1 port the policy refuses)
#[allow(clippy::all, reason = "generated bindings")]
mod bindings {
    wit_bindgen::generate!({ path: "../../host/wit-wasi", world: "capsock:wasi-host/sockets", generate_all });
}

use bindings::wasi::io::poll::Pollable;
use bindings::wasi::sockets::network::{
    ErrorCode, IpAddress, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress, Network,
};
use bindings::wasi::sockets::{instance_network, ip_name_lookup, tcp, tcp_create_socket, udp, udp_create_socket};
use capsock_test_guests::{arg, report};

fn name(e: ErrorCode) -> String {
    e.name().to_string()
}

fn outcome<T>(r: Result<T, ErrorCode>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => name(e),
    }
}

fn v4(a: (u8, u8, u8, u8), port: u16) -> IpSocketAddress {
    IpSocketAddress::Ipv4(Ipv4SocketAddress { address: a, port })
}

fn port_of(a: IpSocketAddress) -> u16 {
    match a {
        IpSocketAddress::Ipv4(a) => a.port,
        IpSocketAddress::Ipv6(a) => a.port,
    }
}

fn wait(p: Pollable) {
    p.block();
}

/// Bind to 127.0.0.1:0 and listen; returns the socket and its port.
fn listener(net: &Network) -> (tcp::TcpSocket, u16) {
    let l = tcp_create_socket::create_tcp_socket(IpAddressFamily::Ipv4).unwrap();
    l.start_bind(net, v4((127, 0, 0, 1), 0)).unwrap();
    l.finish_bind().unwrap();
    l.start_listen().unwrap();
    l.finish_listen().unwrap();
    let port = port_of(l.local_address().unwrap());
    (l, port)
}

fn connect(net: &Network, port: u16) -> Result<(tcp::TcpSocket, tcp::InputStream, tcp::OutputStream), ErrorCode> {
    let s = tcp_create_socket::create_tcp_socket(IpAddressFamily::Ipv4).unwrap();
    s.start_connect(net, v4((127, 0, 0, 1), port))?;
    loop {
        match s.finish_connect() {
            Err(ErrorCode::WouldBlock) => wait(s.subscribe()),
            Err(e) => return Err(e),
            Ok((i, o)) => return Ok((s, i, o)),
        }
    }
}

fn main() {
    let denied: u16 = arg(0);
    let net = instance_network::instance_network();

    // --- TCP: a fresh socket.
    let s = tcp_create_socket::create_tcp_socket(IpAddressFamily::Ipv4).unwrap();
    report("tcp_family", format!("{:?}", s.address_family()));
    report("tcp_fresh_is_listening", s.is_listening());
    report("tcp_fresh_local_address", outcome(s.local_address()));
    report("tcp_fresh_remote_address", outcome(s.remote_address()));
    report("tcp_finish_bind_unstarted", outcome(s.finish_bind()));
    report("tcp_finish_connect_unstarted", outcome(s.finish_connect()));
    report("tcp_finish_listen_unstarted", outcome(s.finish_listen()));
    report("tcp_listen_unbound", outcome(s.start_listen()));
    report("tcp_shutdown_unconnected", outcome(s.shutdown(tcp::ShutdownType::Both)));
    report("tcp_accept_unlistening", outcome(s.accept().map(|_| ())));
    let v6 = IpSocketAddress::Ipv6(bindings::wasi::sockets::network::Ipv6SocketAddress {
        address: (0, 0, 0, 0, 0, 0, 0, 1),
        port: 0,
        flow_info: 0,
        scope_id: 0,
    });
    report("tcp_bind_wrong_family", outcome(s.start_bind(&net, v6)));
    report("tcp_bind_multicast", outcome(s.start_bind(&net, v4((224, 0, 0, 1), 0))));
    report("tcp_connect_unspecified", outcome(s.start_connect(&net, v4((0, 0, 0, 0), 80))));
    report("tcp_connect_port_zero", outcome(s.start_connect(&net, v4((127, 0, 0, 1), 0))));
    report("tcp_connect_broadcast", outcome(s.start_connect(&net, v4((255, 255, 255, 255), 80))));
    report("tcp_backlog_zero", outcome(s.set_listen_backlog_size(0)));
    report("tcp_keepalive_idle_zero", outcome(s.set_keep_alive_idle_time(0)));
    report("tcp_keepalive_interval_zero", outcome(s.set_keep_alive_interval(0)));
    report("tcp_keepalive_count_zero", outcome(s.set_keep_alive_count(0)));
    report("tcp_hop_limit_zero", outcome(s.set_hop_limit(0)));
    report("tcp_rcvbuf_zero", outcome(s.set_receive_buffer_size(0)));
    report("tcp_sndbuf_zero", outcome(s.set_send_buffer_size(0)));
    s.set_keep_alive_enabled(true).unwrap();
    report("tcp_keepalive_roundtrip", s.keep_alive_enabled().unwrap());
    s.set_keep_alive_count(5).unwrap();
    report("tcp_keepalive_count_roundtrip", s.keep_alive_count().unwrap());
    s.set_keep_alive_idle_time(7_000_000_000).unwrap();
    report("tcp_keepalive_idle_roundtrip", s.keep_alive_idle_time().unwrap());
    s.set_hop_limit(42).unwrap();
    report("tcp_hop_limit_roundtrip", s.hop_limit().unwrap());
    s.set_receive_buffer_size(100_000).unwrap();
    report("tcp_rcvbuf_at_least_set", s.receive_buffer_size().unwrap() >= 100_000);

    // --- Bind: start, conflict, finish, then bound.
    report("tcp_bind_start", outcome(s.start_bind(&net, v4((127, 0, 0, 1), 0))));
    report("tcp_bind_during_bind", outcome(s.start_bind(&net, v4((127, 0, 0, 1), 0))));
    report("tcp_connect_during_bind", outcome(s.start_connect(&net, v4((127, 0, 0, 1), 80))));
    report("tcp_bind_finish", outcome(s.finish_bind()));
    report("tcp_bind_finish_again", outcome(s.finish_bind()));
    report("tcp_bound_port_nonzero", s.local_address().map(port_of).unwrap_or(0) != 0);
    report("tcp_bind_twice", outcome(s.start_bind(&net, v4((127, 0, 0, 1), 0))));
    drop(s);

    // --- Listen and accept.
    let (l, port) = listener(&net);
    report("tcp_listening", l.is_listening());
    report("tcp_accept_nothing_pending", outcome(l.accept().map(|_| ())));
    report("tcp_connect_on_listener", outcome(l.start_connect(&net, v4((127, 0, 0, 1), port))));
    report("tcp_listen_twice", outcome(l.start_listen()));
    report("tcp_backlog_on_listener", outcome(l.set_listen_backlog_size(64)));
    let (c, cin, cout) = connect(&net, port).unwrap();
    wait(l.subscribe());
    let (a, ain, aout) = l.accept().unwrap();
    report("tcp_accepted_is_listening", a.is_listening());
    report(
        "tcp_accepted_remote_is_client",
        port_of(a.remote_address().unwrap()) == port_of(c.local_address().unwrap()),
    );
    report("tcp_connected_finish_again", outcome(c.finish_connect().map(|_| ())));
    report("tcp_connected_connect_again", outcome(c.start_connect(&net, v4((127, 0, 0, 1), port))));
    report("tcp_connected_listen", outcome(c.start_listen()));
    report("tcp_connected_bind", outcome(c.start_bind(&net, v4((127, 0, 0, 1), 0))));

    // --- Streams: bytes both ways, then a half close.
    cout.blocking_write_and_flush(b"ping").unwrap();
    let got = ain.blocking_read(16).unwrap();
    report("tcp_stream_bytes", String::from_utf8_lossy(&got));
    report("tcp_read_nothing_ready", ain.read(16).map(|b| b.len()).unwrap_or(99));
    report("tcp_check_write_permits", cout.check_write().unwrap() > 0);
    // (A write past the permit traps the instance, as the WIT says; the
    // test does not do it.)
    report("tcp_write_within_permit", {
        let permit = aout.check_write().unwrap() as usize;
        outcome(aout.write(&vec![7u8; permit.min(1000)]).map_err(|_| ErrorCode::Unknown))
    });
    drop(aout);
    drop(ain);
    report("tcp_shutdown_send", outcome(c.shutdown(tcp::ShutdownType::Send)));
    drop(cout);
    drop(cin);
    drop(a);
    drop(c);

    // --- A refused connect leaves the socket closed.
    let closed = {
        let (l, p) = listener(&net);
        drop(l);
        p
    };
    let s = tcp_create_socket::create_tcp_socket(IpAddressFamily::Ipv4).unwrap();
    s.start_connect(&net, v4((127, 0, 0, 1), closed)).unwrap();
    report("tcp_connect_during_connect", outcome(s.start_connect(&net, v4((127, 0, 0, 1), closed))));
    let refused = loop {
        match s.finish_connect() {
            Err(ErrorCode::WouldBlock) => wait(s.subscribe()),
            r => break outcome(r.map(|_| ())),
        }
    };
    report("tcp_connect_refused", refused);
    report("tcp_after_refused_connect", outcome(s.start_connect(&net, v4((127, 0, 0, 1), closed))));
    drop(s);

    // --- The policy: a refused destination.
    report("tcp_connect_denied", outcome(connect(&net, denied).map(|_| ())));

    // --- UDP.
    let u = udp_create_socket::create_udp_socket(IpAddressFamily::Ipv4).unwrap();
    report("udp_family", format!("{:?}", u.address_family()));
    report("udp_stream_unbound", outcome(u.stream(None).map(|_| ())));
    report("udp_local_unbound", outcome(u.local_address()));
    report("udp_remote_unconnected", outcome(u.remote_address()));
    report("udp_finish_bind_unstarted", outcome(u.finish_bind()));
    report("udp_hop_limit_zero", outcome(u.set_unicast_hop_limit(0)));
    report("udp_bind_multicast", outcome(u.start_bind(&net, v4((224, 0, 0, 1), 0))));
    u.start_bind(&net, v4((127, 0, 0, 1), 0)).unwrap();
    report("udp_bind_during_bind", outcome(u.start_bind(&net, v4((127, 0, 0, 1), 0))));
    u.finish_bind().unwrap();
    report("udp_bind_twice", outcome(u.start_bind(&net, v4((127, 0, 0, 1), 0))));
    let me = u.local_address().unwrap();
    report("udp_stream_unspecified_remote", outcome(u.stream(Some(v4((0, 0, 0, 0), 9))).map(|_| ())));
    let (inc, out) = u.stream(None).unwrap();
    let permit = out.check_send().unwrap();
    report("udp_check_send_permits", permit > 0);
    let no_addr = udp::OutgoingDatagram { data: b"x".to_vec(), remote_address: None };
    report("udp_send_without_address", outcome(out.send(&[no_addr])));
    let permit = out.check_send().unwrap();
    assert!(permit > 0);
    let to_self = udp::OutgoingDatagram { data: b"to self".to_vec(), remote_address: Some(me) };
    report("udp_send_to_self", outcome(out.send(&[to_self])));
    wait(inc.subscribe());
    let got = inc.receive(4).unwrap();
    report(
        "udp_received",
        got.iter().map(|d| String::from_utf8_lossy(&d.data).into_owned()).collect::<Vec<_>>().join(","),
    );
    report("udp_receive_zero", inc.receive(0).unwrap().len());
    drop(inc);
    drop(out);
    let (inc, out) = u.stream(Some(me)).unwrap();
    report("udp_connected_remote", port_of(u.remote_address().unwrap()) == port_of(me));
    let other = udp::OutgoingDatagram { data: b"x".to_vec(), remote_address: Some(v4((127, 0, 0, 1), 9)) };
    out.check_send().unwrap();
    report("udp_connected_send_elsewhere", outcome(out.send(&[other])));
    drop(inc);
    drop(out);
    drop(u);

    // --- Name lookup.
    let one = |name: &str| -> String {
        match ip_name_lookup::resolve_addresses(&net, name) {
            Err(e) => format!("start:{}", self::name(e)),
            Ok(stream) => {
                let mut out = Vec::new();
                loop {
                    match stream.resolve_next_address() {
                        Ok(Some(IpAddress::Ipv4(a))) => out.push(format!("{}.{}.{}.{}", a.0, a.1, a.2, a.3)),
                        Ok(Some(IpAddress::Ipv6(a))) => out.push(format!("{a:?}")),
                        Ok(None) => break,
                        Err(ErrorCode::WouldBlock) => wait(stream.subscribe()),
                        Err(e) => {
                            out.push(format!("next:{}", self::name(e)));
                            break;
                        }
                    }
                }
                out.join(",")
            }
        }
    };
    report("lookup_ipv4_literal", one("127.0.0.1"));
    report("lookup_ipv6_literal", one("::1"));
    report("lookup_invalid_name", one("not a name!"));
    report("lookup_denied_name", one("elsewhere.test"));
    report("lookup_granted_name", one("db.test"));
}
