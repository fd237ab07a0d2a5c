//! A TCP echo server, written as Python's socket docs write one.
//!
//! Usage: echo_server HOST PORT CLIENTS — serves CLIENTS connections, one
//! after another, then exits.
use capsock::{AF_INET, AF_INET6, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET, socket};

fn main() -> Result<(), capsock::Error> {
    let args: Vec<String> = std::env::args().collect();
    let (host, port, clients) = (&args[1], args[2].parse::<u16>().unwrap(), args[3].parse::<usize>().unwrap());
    let family = if host.contains(':') { AF_INET6 } else { AF_INET };
    let server = socket(family, SOCK_STREAM, 0)?;
    server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)?;
    server.bind((host.as_str(), port))?;
    server.listen(5)?;
    println!("[server] listening on {}", server.getsockname()?);
    for _ in 0..clients {
        let (conn, addr) = server.accept()?;
        println!("[server] connected by {addr}");
        loop {
            let data = conn.recv(1024)?;
            if data.is_empty() {
                break;
            }
            conn.sendall(&data)?;
        }
    }
    Ok(())
}
