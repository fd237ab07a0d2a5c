//! One thread, non-blocking sockets, `select`: an echo server for many
//! concurrent clients. Listens on an ephemeral port, tells the test its port
//! over a control connection, and echoes until CLIENTS clients have come and
//! gone.
//! Args: HOST CONTROL_PORT CLIENTS
use capsock::{SOCK_STREAM, Socket, select, socket};
use capsock_test_guests::{arg, family_of, report};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// No select may wait this long with clients still connected: the test's
/// clients always have something in flight until they close.
const IDLE_LIMIT: f64 = 20.0;
/// The whole run is bounded too.
const RUN_LIMIT: Duration = Duration::from_secs(100);

struct Conn {
    sock: Socket,
    /// Received, not yet echoed.
    out: Vec<u8>,
}

fn main() {
    let host: String = arg(0);
    let control: u16 = arg(1);
    let clients: usize = arg(2);
    let family = family_of(&host);

    let server = socket(family, SOCK_STREAM, 0).unwrap();
    server.bind((host.as_str(), 0)).unwrap();
    server.listen(1024).unwrap();
    server.setblocking(false).unwrap();
    let port = server.getsockname().unwrap().port().unwrap();
    let ctl = socket(family, SOCK_STREAM, 0).unwrap();
    ctl.connect((host.as_str(), control)).unwrap();
    ctl.sendall(format!("{port}\n").as_bytes()).unwrap();
    ctl.close().unwrap();

    // By fileno: `select` returns clones, which the table maps back.
    let mut conns: HashMap<i32, Conn> = HashMap::new();
    let (mut accepted, mut finished, mut echoed, mut selects, mut max_open) = (0usize, 0usize, 0u64, 0u64, 0usize);
    let (mut would_block, mut partial_sends) = (0u64, 0u64);
    let start = Instant::now();
    while finished < clients {
        assert!(start.elapsed() < RUN_LIMIT, "run limit passed: {finished}/{clients} clients done");
        let mut rlist: Vec<&Socket> = vec![&server];
        let mut wlist: Vec<&Socket> = Vec::new();
        for c in conns.values() {
            rlist.push(&c.sock);
            if !c.out.is_empty() {
                wlist.push(&c.sock);
            }
        }
        let (readable, writable, exceptional) = select(&rlist, &wlist, &[], Some(IDLE_LIMIT)).unwrap();
        selects += 1;
        assert!(exceptional.is_empty());
        assert!(
            !readable.is_empty() || !writable.is_empty(),
            "select idle for {IDLE_LIMIT}s with {} connections open, {finished} done",
            conns.len()
        );
        for sock in readable {
            let fd = sock.fileno();
            if fd == server.fileno() {
                // Accept everything pending.
                loop {
                    match server.accept() {
                        Ok((c, _)) => {
                            c.setblocking(false).unwrap();
                            conns.insert(c.fileno(), Conn { sock: c, out: Vec::new() });
                            accepted += 1;
                            max_open = max_open.max(conns.len());
                        }
                        Err(e) if e.is_blocking() => break,
                        Err(e) => panic!("accept: {e}"),
                    }
                }
                continue;
            }
            let conn = conns.get_mut(&fd).expect("a readable socket is one of ours");
            match conn.sock.recv(65536) {
                Ok(data) if data.is_empty() => {
                    assert!(conn.out.is_empty(), "client closed with {} bytes unechoed", conn.out.len());
                    conns.remove(&fd).unwrap().sock.close().unwrap();
                    finished += 1;
                }
                Ok(data) => conn.out.extend_from_slice(&data),
                // Readiness is a hint: another reader (none here) or a
                // spurious wake would look like this.
                Err(e) if e.is_blocking() => would_block += 1,
                Err(e) => panic!("recv on {fd}: {e}"),
            }
        }
        for sock in writable {
            let Some(conn) = conns.get_mut(&sock.fileno()) else { continue };
            match conn.sock.send(&conn.out) {
                Ok(n) => {
                    if n < conn.out.len() {
                        partial_sends += 1;
                    }
                    conn.out.drain(..n);
                    echoed += n as u64;
                }
                Err(e) if e.is_blocking() => would_block += 1,
                Err(e) => panic!("send: {e}"),
            }
        }
    }
    report("accepted", accepted);
    report("finished", finished);
    report("max_open", max_open);
    report("echoed", echoed);
    report("selects", selects);
    report("would_block", would_block);
    report("partial_sends", partial_sends);
    report("elapsed_ms", start.elapsed().as_millis());
}
