//! recvmsg_into scatter (the docs' "Mary had a little lamb"), SCM_RIGHTS
//! moving a socket between two guest sockets, and IP_PKTINFO reporting the
//! destination address. Args: PEER_PORT (native UDP peer)
use capsock::{
    AF_INET, AF_UNIX, CMSG_SPACE, IP_PKTINFO, IPPROTO_IP, SCM_RIGHTS, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM,
    SOL_SOCKET, from_fd, socket, socketpair,
};
use capsock_test_guests::{arg, report};

fn main() {
    let peer: u16 = arg(0);
    // Scatter, exactly as the docs show it.
    let (s1, s2) = socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
    let mut b1 = *b"----";
    let mut b2 = *b"0123456789";
    let mut b3 = *b"--------------";
    assert_eq!(s1.send(b"Mary had a little lamb").unwrap(), 22);
    let (n, anc, flags, addr) = s2.recvmsg_into(&mut [&mut b1[..], &mut b2[2..9], &mut b3[..]], 0, 0).unwrap();
    report("scatter", format!("({n}, {anc:?}, {flags}, {addr})"));
    report(
        "buffers",
        format!("{} {} {}", String::from_utf8_lossy(&b1), String::from_utf8_lossy(&b2), String::from_utf8_lossy(&b3)),
    );

    // SCM_RIGHTS: send one end of a second pair across the first.
    let (x, y) = socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
    s1.send_fds(&[b"take this"], &[x.fileno()], 0, None).unwrap();
    let (data, fds, _, _) = s2.recv_fds(64, 4, 0).unwrap();
    assert_eq!(data, b"take this");
    assert_eq!(fds.len(), 1, "one socket passed");
    let moved = from_fd(fds[0]).unwrap();
    report("moved_fileno_fresh", fds[0] != x.fileno() && fds[0] >= 3);
    x.close().unwrap();
    moved.sendall(b"through the moved socket").unwrap();
    report("moved", String::from_utf8(y.recv(64).unwrap()).unwrap());
    // A fileno that is not ours is EBADF, not a host descriptor.
    let e = s1.sendmsg(&[b"x"], &[(SOL_SOCKET, SCM_RIGHTS, &999i32.to_ne_bytes()[..])], 0, None).unwrap_err();
    report("bad_fileno", e.errno().unwrap());

    // SOCK_SEQPACKET keeps message boundaries, as datagrams do.
    let (p, q) = socketpair(AF_UNIX, SOCK_SEQPACKET, 0).unwrap();
    p.send(b"one").unwrap();
    p.send(b"two").unwrap();
    let first = q.recv(100).unwrap();
    let second = q.recv(100).unwrap();
    report(
        "seqpacket",
        format!("{} {} {}", String::from_utf8_lossy(&first), String::from_utf8_lossy(&second), q.type_()),
    );

    // IP_PKTINFO on a wildcard-bound socket: which address was the
    // datagram sent to?
    let u = socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    u.settimeout(Some(10.0)).unwrap();
    u.setsockopt(IPPROTO_IP, IP_PKTINFO, 1).unwrap();
    u.bind(("0.0.0.0", 0)).unwrap();
    u.sendto(b"ready", ("127.0.0.1", peer)).unwrap();
    let (data, anc, _, from) = u.recvmsg(64, CMSG_SPACE(12), 0).unwrap();
    assert_eq!(data, b"to 127.0.0.2");
    let info = anc.iter().find(|(l, t, _)| (*l, *t) == (IPPROTO_IP, IP_PKTINFO)).expect("IP_PKTINFO arrives");
    let dst = &info.2[8..12];
    report("pktinfo_dst", format!("{}.{}.{}.{}", dst[0], dst[1], dst[2], dst[3]));
    report("pktinfo_from", from);
}
