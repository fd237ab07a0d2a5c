use capsock::{AF_INET, IPPROTO_TCP, SOCK_STREAM, TCP_NODELAY, socket};

fn main() -> Result<(), capsock::Error> {
    let s = socket(AF_INET, SOCK_STREAM, 0)?;
    s.settimeout(Some(5.0))?;
    s.connect(("127.0.0.1", 8080))?; // PermissionError unless granted
    s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)?; // reaches the OS socket
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")?;
    println!("{:?}", String::from_utf8_lossy(&s.recv(4096)?));
    Ok(())
}
