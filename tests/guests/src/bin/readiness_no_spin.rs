//! Waits that a naive readiness loop would turn into a spin, because
//! tokio's cached "closed" readiness is permanent while the OS says "not
//! ready" for what was asked: an unconnected socket (`POLLHUP`) and a
//! socket whose peer closed (`POLLRDHUP`) in `select`'s `xlist` or polled
//! for `POLLPRI`, and a socket selected before `listen`. Each must wait its
//! whole timeout; the host test runs this guest on its own thread and
//! checks that thread's CPU time.
//! Args: HOST PEER_PORT (the peer closes 150 ms after accepting)
use capsock::{POLLPRI, POLLRDHUP, Poll, SOCK_STREAM, select, socket};
use capsock_test_guests::{arg, expect_err, family_of, report};
use std::time::Instant;

fn main() {
    let host: String = arg(0);
    let peer: u16 = arg(1);
    let family = family_of(&host);

    let t = socket(family, SOCK_STREAM, 0).unwrap();
    let t0 = Instant::now();
    let (r, w, x) = select(&[], &[], &[&t], Some(0.4)).unwrap();
    assert!(r.is_empty() && w.is_empty() && x.is_empty());
    report("unconnected_xlist_ms", t0.elapsed().as_millis());

    let c = socket(family, SOCK_STREAM, 0).unwrap();
    c.settimeout(Some(10.0)).unwrap();
    c.connect((host.as_str(), peer)).unwrap();
    // The peer closes 150 ms after accepting: a wait for POLLRDHUP alone
    // wakes when its FIN arrives, and the socket is readable (EOF).
    let mut rdhup = Poll::new();
    rdhup.register(&c, POLLRDHUP).unwrap();
    let t0 = Instant::now();
    assert_eq!(rdhup.poll(Some(10_000.0)).unwrap(), vec![(c.fileno(), POLLRDHUP)]);
    report("rdhup_wait_ms", t0.elapsed().as_millis());
    let (r, _, _) = select(&[&c], &[], &[], Some(10.0)).unwrap();
    assert_eq!(r.len(), 1);
    let t0 = Instant::now();
    let (_, _, x) = select(&[], &[], &[&c], Some(0.4)).unwrap();
    assert!(x.is_empty());
    report("fin_xlist_ms", t0.elapsed().as_millis());
    let mut p = Poll::new();
    p.register(&c, POLLPRI).unwrap();
    let t0 = Instant::now();
    assert_eq!(p.poll(Some(400.0)).unwrap(), vec![]);
    report("fin_pollpri_ms", t0.elapsed().as_millis());
    assert_eq!(c.recv(10).unwrap(), b"");

    // Selected while unconnected, then made a listener: waits still wait.
    let l = socket(family, SOCK_STREAM, 0).unwrap();
    assert!(select(&[], &[], &[&l], Some(0.1)).unwrap().2.is_empty());
    l.bind((host.as_str(), 0)).unwrap();
    l.listen(4).unwrap();
    let t0 = Instant::now();
    assert!(select(&[&l], &[], &[&l], Some(0.4)).unwrap().0.is_empty());
    report("listener_select_ms", t0.elapsed().as_millis());
    l.settimeout(Some(0.4)).unwrap();
    let t0 = Instant::now();
    expect_err(l.accept(), "TimeoutError");
    report("listener_accept_ms", t0.elapsed().as_millis());
}
