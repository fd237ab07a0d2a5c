//! Multicast and broadcast on loopback with a native peer.
//! Args: PEER_PORT GROUP
use capsock::{
    AF_INET, IP_ADD_MEMBERSHIP, IP_MULTICAST_IF, IP_MULTICAST_LOOP, IPPROTO_IP, SO_BROADCAST, SOCK_DGRAM, SOL_SOCKET,
    inet_aton, socket,
};
use capsock_test_guests::{arg, expect_err, report};

fn main() {
    let peer: u16 = arg(0);
    let group: String = arg(1);
    // Join the group on loopback, then tell the peer our port.
    let r = socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    r.settimeout(Some(10.0)).unwrap();
    r.bind(("0.0.0.0", 0)).unwrap();
    let mut mreq = inet_aton(&group).unwrap().to_vec();
    mreq.extend_from_slice(&inet_aton("127.0.0.1").unwrap());
    r.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq.clone()).unwrap();
    r.sendto(b"joined", ("127.0.0.1", peer)).unwrap();
    let (data, from) = r.recvfrom(64).unwrap();
    report("multicast", format!("{} from {from}", String::from_utf8_lossy(&data)));
    // Sending to the group.
    let s = socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    s.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, inet_aton("127.0.0.1").unwrap().to_vec()).unwrap();
    s.setsockopt(IPPROTO_IP, IP_MULTICAST_LOOP, 1).unwrap();
    s.sendto(b"to the group", (group.as_str(), peer)).unwrap();
    // A group the policy does not name cannot be joined.
    let mut other = inet_aton("239.9.9.9").unwrap().to_vec();
    other.extend_from_slice(&inet_aton("127.0.0.1").unwrap());
    let e = expect_err(r.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, other), "PermissionError");
    report("other_group", &e);
    // Broadcast needs SO_BROADCAST, as the OS says.
    let b = socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    let e = expect_err(b.sendto(b"bc", ("127.255.255.255", peer)), "PermissionError");
    report("no_so_broadcast", e.errno().unwrap());
    b.setsockopt(SOL_SOCKET, SO_BROADCAST, 1).unwrap();
    b.sendto(b"broadcast", ("127.255.255.255", peer)).unwrap();
}
