//! AF_UNIX inside a granted directory, and every way out refused.
//! Args: DIR OUTSIDE_DIR
use capsock::{AF_UNIX, SOCK_DGRAM, SOCK_STREAM, socket};
use capsock_test_guests::{arg, expect_err, report};

fn main() {
    let dir: String = arg(0);
    let outside: String = arg(1);
    // Connect to the native listener inside the directory.
    let c = socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
    c.connect(format!("{dir}/native.sock")).unwrap();
    // Our own listener, announced over that connection.
    let l = socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
    l.bind(format!("{dir}/guest.sock")).unwrap();
    l.listen(1).unwrap();
    report("bound", l.getsockname().unwrap());
    c.sendall(b"ready").unwrap();
    let (conn, _) = l.accept().unwrap();
    assert_eq!(conn.recv(4).unwrap(), b"ping");
    conn.sendall(b"pong").unwrap();
    // A datagram to a native socket in the directory, from a bound one the
    // native side can answer.
    let d = socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
    d.bind(format!("{dir}/guest-dg.sock")).unwrap();
    d.settimeout(Some(10.0)).unwrap();
    d.sendto(b"datagram", format!("{dir}/native-dg.sock")).unwrap();
    let (reply, from) = d.recvfrom(64).unwrap();
    report("dgram_reply", format!("{} from {from}", String::from_utf8_lossy(&reply)));
    // Escapes.
    let s = socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
    for (name, path) in [
        ("dotdot", format!("{dir}/../escape.sock")),
        ("absolute", format!("{outside}/escape.sock")),
        ("symlinked_dir", format!("{dir}/link/escape.sock")),
        ("relative", "escape.sock".to_string()),
    ] {
        let e = expect_err(s.bind(path.as_str()), "PermissionError");
        report(name, &e);
    }
    let e = expect_err(s.connect(format!("{dir}/evil.sock")), "PermissionError");
    report("symlinked_socket", &e);
    let e = expect_err(s.bind("\0capsock-abstract"), "PermissionError");
    report("abstract", &e);
    // Autobind needs the grant of every abstract name.
    let e = expect_err(socket(AF_UNIX, SOCK_DGRAM, 0).unwrap().bind(""), "PermissionError");
    report("autobind", &e);
}
