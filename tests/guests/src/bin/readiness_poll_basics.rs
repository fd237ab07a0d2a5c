//! `select`, `select.poll()` and `selectors.DefaultSelector` basics against
//! a native peer that sends on request: a timeout with nothing ready returns
//! empty after (not before) it; data arriving wakes the wait; a connected
//! socket is writable; a listener is readable when a client connects; closed
//! and unconnected sockets are reported as CPython and Linux report them.
//!
//! The peer reads commands, one a line: `later TOKEN` (send `TOKEN\n` after
//! 150 ms), `connect PORT` (connect to the guest's listener after 150 ms),
//! `bye` (close).
//! Args: HOST PEER_PORT
use capsock::{
    DefaultSelector, EVENT_READ, EVENT_WRITE, POLLHUP, POLLIN, POLLNVAL, POLLOUT, Poll, SOCK_STREAM, Socket, select,
    socket,
};
use capsock_test_guests::{arg, expect_err, family_of, report};
use std::time::Instant;

/// Read one `\n`-terminated line from a blocking socket (a line is short;
/// byte at a time keeps the test free of buffering questions).
fn read_line(s: &Socket) -> String {
    let mut line = Vec::new();
    loop {
        let b = s.recv(1).unwrap();
        assert!(!b.is_empty(), "peer closed mid-line after {line:?}");
        if b[0] == b'\n' {
            return String::from_utf8(line).unwrap();
        }
        line.push(b[0]);
    }
}

fn ms(t0: Instant) -> u128 {
    t0.elapsed().as_millis()
}

fn main() {
    let host: String = arg(0);
    let peer: u16 = arg(1);
    let family = family_of(&host);
    let c = socket(family, SOCK_STREAM, 0).unwrap();
    c.settimeout(Some(10.0)).unwrap();
    c.connect((host.as_str(), peer)).unwrap();
    let fd = c.fileno();

    // Timeouts with nothing ready: empty, after the timeout.
    let t0 = Instant::now();
    let (r, w, x) = select(&[&c], &[], &[&c], Some(0.3)).unwrap();
    report("select_timeout_ms", ms(t0));
    assert!(r.is_empty() && w.is_empty() && x.is_empty());
    let mut p = Poll::new();
    p.register(&c, POLLIN).unwrap();
    let t0 = Instant::now();
    assert_eq!(p.poll(Some(250.0)).unwrap(), vec![]);
    report("poll_timeout_ms", ms(t0));
    let mut sel = DefaultSelector::new();
    let key = sel.register(&c, EVENT_READ, "conn").unwrap();
    assert_eq!((key.fd, key.events, key.data), (fd, EVENT_READ, "conn"));
    let t0 = Instant::now();
    assert!(sel.select(Some(0.2)).unwrap().is_empty());
    report("selector_timeout_ms", ms(t0));
    // Zero timeouts poll.
    let t0 = Instant::now();
    assert!(select(&[&c], &[], &[], Some(0.0)).unwrap().0.is_empty());
    assert_eq!(p.poll(Some(0.0)).unwrap(), vec![]);
    assert!(sel.select(Some(0.0)).unwrap().is_empty());
    report("zero_timeouts_ms", ms(t0));

    // A connected socket is writable, to all three.
    let (r, w, _) = select(&[], &[&c], &[], Some(0.0)).unwrap();
    assert!(r.is_empty());
    assert_eq!(w.iter().map(Socket::fileno).collect::<Vec<_>>(), vec![fd]);
    let mut pw = Poll::new();
    pw.register(&c, POLLIN | POLLOUT).unwrap();
    assert_eq!(pw.poll(Some(0.0)).unwrap(), vec![(fd, POLLOUT)]);
    sel.modify(&c, EVENT_READ | EVENT_WRITE, "both").unwrap();
    let ready = sel.select(Some(0.0)).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!((ready[0].0.fd, ready[0].0.data, ready[0].1), (fd, "both", EVENT_WRITE));
    sel.modify(&c, EVENT_READ, "conn").unwrap();
    report("writable", "ok");

    // Data arriving wakes each kind of wait.
    c.sendall(b"later one\n").unwrap();
    let t0 = Instant::now();
    let (r, _, _) = select(&[&c], &[], &[], Some(5.0)).unwrap();
    report("select_wake_ms", ms(t0));
    assert_eq!(r.len(), 1);
    assert_eq!(read_line(&c), "one");
    c.sendall(b"later two\n").unwrap();
    let t0 = Instant::now();
    assert_eq!(p.poll(Some(5000.0)).unwrap(), vec![(fd, POLLIN)]);
    report("poll_wake_ms", ms(t0));
    assert_eq!(read_line(&c), "two");
    c.sendall(b"later three\n").unwrap();
    let t0 = Instant::now();
    let ready = sel.select(Some(5.0)).unwrap();
    report("selector_wake_ms", ms(t0));
    assert_eq!(ready.len(), 1);
    assert_eq!((ready[0].0.fd, ready[0].0.data, ready[0].1), (fd, "conn", EVENT_READ));
    assert_eq!(read_line(&c), "three");
    // A blocking wait (no timeout) wakes too.
    c.sendall(b"later four\n").unwrap();
    let (r, _, _) = select(&[&c], &[], &[], None).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(read_line(&c), "four");

    // A listener is readable when a client connects.
    let l = socket(family, SOCK_STREAM, 0).unwrap();
    l.bind((host.as_str(), 0)).unwrap();
    l.listen(4).unwrap();
    let lport = l.getsockname().unwrap().port().unwrap();
    assert!(select(&[&l], &[], &[], Some(0.0)).unwrap().0.is_empty());
    let mut pl = Poll::new();
    pl.register(&l, POLLIN).unwrap();
    assert_eq!(pl.poll(Some(0.0)).unwrap(), vec![]);
    c.sendall(format!("connect {lport}\n").as_bytes()).unwrap();
    let t0 = Instant::now();
    let (r, _, _) = select(&[&l], &[], &[], Some(5.0)).unwrap();
    report("listener_wake_ms", ms(t0));
    assert_eq!(r.len(), 1);
    assert_eq!(pl.poll(Some(0.0)).unwrap(), vec![(l.fileno(), POLLIN)]);
    l.settimeout(Some(5.0)).unwrap();
    let (accepted, _) = l.accept().unwrap();
    assert_eq!(pl.poll(Some(0.0)).unwrap(), vec![]);
    report("listener", "ok");

    // A socket listed twice comes back twice, in input order.
    let (_, w, _) = select(&[], &[&accepted, &c, &accepted], &[], Some(0.0)).unwrap();
    assert_eq!(w.iter().map(Socket::fileno).collect::<Vec<_>>(), vec![accepted.fileno(), fd, accepted.fileno()]);

    // Closed and unconnected sockets, as CPython and Linux report them.
    let z = socket(family, SOCK_STREAM, 0).unwrap();
    z.close().unwrap();
    let e = expect_err(select(&[&z], &[], &[], Some(0.0)), "ValueError");
    assert_eq!(e.to_string(), "file descriptor cannot be a negative integer (-1)");
    let e = expect_err(select(&[&c], &[], &[], Some(-1.0)), "ValueError");
    assert_eq!(e.to_string(), "timeout must be non-negative");
    expect_err(select(&[&c], &[], &[], Some(f64::NAN)), "ValueError");
    expect_err(select(&[&c], &[], &[], Some(f64::INFINITY)), "OverflowError");
    expect_err(Poll::new().register(&z, POLLIN), "ValueError");
    let y = socket(family, SOCK_STREAM, 0).unwrap();
    let yfd = y.fileno();
    let mut py = Poll::new();
    py.register(&y, POLLIN).unwrap();
    // Unconnected TCP: Linux says POLLHUP (POLLOUT too, when asked).
    assert_eq!(py.poll(Some(0.0)).unwrap(), vec![(yfd, POLLHUP)]);
    py.modify(&y, POLLOUT).unwrap();
    assert_eq!(py.poll(Some(0.0)).unwrap(), vec![(yfd, POLLOUT | POLLHUP)]);
    let (r, w, x) = select(&[&y], &[&y], &[&y], Some(0.0)).unwrap();
    assert_eq!((r.len(), w.len(), x.len()), (1, 1, 0));
    y.close().unwrap();
    assert_eq!(py.poll(Some(0.0)).unwrap(), vec![(yfd, POLLNVAL)]);
    py.unregister_fd(yfd).unwrap();
    assert_eq!(py.filenos(), Vec::<i32>::new());
    let e = expect_err(py.modify(&c, POLLIN), "FileNotFoundError");
    assert_eq!(e.errno(), Some(capsock::errno::ENOENT));
    expect_err(py.unregister(&c), "ValueError");
    report("closed", "ok");

    // Selector bookkeeping, with CPython's messages.
    let e = expect_err(sel.register(&c, EVENT_READ, "again"), "ValueError");
    assert!(e.to_string().ends_with(&format!("(FD {fd}) is already registered")), "{e}");
    assert_eq!(expect_err(sel.register(&l, 0, "x"), "ValueError").to_string(), "Invalid events: 0");
    assert_eq!(expect_err(sel.register(&l, 4, "x"), "ValueError").to_string(), "Invalid events: 4");
    assert!(expect_err(sel.unregister(&l), "ValueError").to_string().ends_with("is not registered"));
    assert_eq!(sel.get_key(&c).map(|k| k.data), Some("conn"));
    assert_eq!(sel.unregister(&c).unwrap().data, "conn");
    assert!(sel.get_key(&c).is_none() && sel.keys().is_empty());
    c.sendall(b"later five\n").unwrap();
    assert!(sel.select(Some(0.3)).unwrap().is_empty(), "an unregistered socket is not reported");
    assert_eq!(read_line(&c), "five");
    report("selector", "ok");

    // The peer's close: readable, end of stream.
    c.sendall(b"bye\n").unwrap();
    let (r, _, _) = select(&[&c], &[], &[], Some(5.0)).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(c.recv(10).unwrap(), b"");
    report("eof", "ok");
}
