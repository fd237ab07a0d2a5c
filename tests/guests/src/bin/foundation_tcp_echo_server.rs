//! Native client ↔ guest TCP server: the guest listens on an ephemeral port,
//! tells the test its port over a control connection, and echoes one client.
//! Args: HOST CONTROL_PORT
use capsock::{SOCK_STREAM, socket};
use capsock_test_guests::{arg, family_of, report};

fn main() {
    let host: String = arg(0);
    let control: u16 = arg(1);
    let family = family_of(&host);
    let server = socket(family, SOCK_STREAM, 0).unwrap();
    server.bind((host.as_str(), 0)).unwrap();
    server.listen(8).unwrap();
    let port = server.getsockname().unwrap().port().unwrap();
    let ctl = socket(family, SOCK_STREAM, 0).unwrap();
    ctl.connect((host.as_str(), control)).unwrap();
    ctl.sendall(format!("{port}\n").as_bytes()).unwrap();
    ctl.close().unwrap();
    let (conn, peer) = server.accept().unwrap();
    let mut echoed = 0;
    loop {
        let data = conn.recv(65536).unwrap();
        if data.is_empty() {
            break;
        }
        conn.sendall(&data).unwrap();
        echoed += data.len();
    }
    report("echoed", echoed);
    report("peer", peer);
}
