//! `max_connections` counts connections, not socket objects: a `dup()` or
//! a copy sent to itself over `SCM_RIGHTS`, with the original closed, still
//! holds its place. Args: PORT (a native listener), under
//! `--max-connections 3`.
use capsock::{AF_INET, AF_UNIX, SOCK_STREAM, from_fd, socket, socketpair};
use capsock_test_guests::{arg, report};

fn main() {
    let port: u16 = arg(0);
    let connect = || {
        let s = socket(AF_INET, SOCK_STREAM, 0).unwrap();
        s.connect(("127.0.0.1", port)).map(|()| s)
    };
    // A connection kept alive only by its dup.
    let a = connect().unwrap();
    let a2 = a.dup().unwrap();
    a.close().unwrap();
    // A connection kept alive only by the copy this instance sent itself.
    let b = connect().unwrap();
    let (left, right) = socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
    left.send_fds(&[b"x"], &[b.fileno()], 0, None).unwrap();
    let (_, fds, _, _) = right.recv_fds(16, 1, 0).unwrap();
    let b2 = from_fd(fds[0]).unwrap();
    b.close().unwrap();
    // Two connections are held: one more fits, the next does not.
    let c = connect().unwrap();
    match connect() {
        Ok(_) => report("fourth", "connected"),
        Err(e) => report("fourth", e.rule().unwrap_or("-")),
    }
    // Closing the last holder of a connection frees its place.
    a2.close().unwrap();
    report("after_close", if connect().is_ok() { "connected" } else { "refused" });
    drop((b2, c));
}
