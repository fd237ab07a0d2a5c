//! A TCP echo client: sends each argument as a line, prints the echo.
//!
//! Usage: echo_client HOST PORT MESSAGE...
use capsock::{IPPROTO_TCP, TCP_NODELAY, create_connection};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (host, port) = (args[1].as_str(), args[2].parse::<u16>().unwrap());
    // The server may still be starting: retry a refused connect, 40 times
    // at most, 50 ms apart. A denial is an ordinary Python exception and
    // ends the program at once.
    let mut tries = 0;
    let s = loop {
        match create_connection((host, port), Some(5.0), None) {
            Ok(s) => break s,
            Err(e) if e.exception() == "ConnectionRefusedError" && tries < 40 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => {
                println!("[client] {}: {e}", e.exception());
                std::process::exit(1);
            }
        }
    };
    s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1).unwrap();
    for msg in &args[3..] {
        s.sendall(msg.as_bytes()).unwrap();
        let mut got = Vec::new();
        while got.len() < msg.len() {
            let chunk = s.recv(1024).unwrap();
            assert!(!chunk.is_empty(), "server closed early");
            got.extend_from_slice(&chunk);
        }
        println!("[client] received {:?}", String::from_utf8_lossy(&got));
    }
}
