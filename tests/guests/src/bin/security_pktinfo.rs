//! `IP_PKTINFO` in `sendmsg` once chose any source address (a peer saw a
//! datagram from 127.0.0.9) and any interface; a multicast join could name
//! any interface. Args: PORT of a native UDP peer; GROUP.
use capsock::{
    AF_INET, IP_ADD_MEMBERSHIP, IP_MULTICAST_IF, IP_PKTINFO, IPPROTO_IP, MSG_ERRQUEUE, SOCK_DGRAM, ToAddress,
    inet_aton, socket,
};
use capsock_test_guests::{arg, expect_err, report};

fn pktinfo(ifindex: u32, spec_dst: &str) -> Vec<u8> {
    let mut v = ifindex.to_ne_bytes().to_vec();
    v.extend_from_slice(&inet_aton(spec_dst).unwrap());
    v.extend_from_slice(&[0; 4]);
    v
}

fn main() {
    let (port, group): (u16, String) = (arg(0), arg(1));
    let u = socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    u.bind(("127.0.0.1", 0)).unwrap();
    let peer = ("127.0.0.1", port).to_address(AF_INET).unwrap();
    let send = |info: &[u8]| u.sendmsg(&[b"x"], &[(IPPROTO_IP, IP_PKTINFO, info)], 0, Some(peer.clone()));
    let e = expect_err(send(&pktinfo(0, "127.0.0.9")), "PermissionError");
    report("spoofed_source", e.rule().unwrap_or("-"));
    let e = expect_err(send(&pktinfo(9999, "0.0.0.0")), "PermissionError");
    report("unknown_interface", e.to_string());
    // Its own address and no interface are what it has anyway.
    report("own_source", send(&pktinfo(0, "127.0.0.1")).unwrap());
    let r = socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    r.bind(("0.0.0.0", 0)).unwrap();
    let mut mreqn = inet_aton(&group).unwrap().to_vec();
    mreqn.extend_from_slice(&[0; 4]);
    mreqn.extend_from_slice(&9999u32.to_ne_bytes());
    let e = expect_err(r.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, mreqn.clone()), "PermissionError");
    report("join_interface", e.to_string());
    let e = expect_err(r.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, mreqn), "PermissionError");
    report("send_interface", e.to_string());
    r.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, inet_aton("127.0.0.1").unwrap().to_vec()).unwrap();
    // MSG_ERRQUEUE never blocks: an empty error queue is EAGAIN at once,
    // even with a timeout (the host once waited on readability instead).
    u.settimeout(Some(2.0)).unwrap();
    let e = expect_err(u.recvmsg(16, 64, MSG_ERRQUEUE), "BlockingIOError");
    report("errqueue", e.errno().unwrap_or(0));
}
