//! A guest that ends while holding a connection. Args: HOST PORT exit|trap
use capsock::{SOCK_STREAM, socket};
use capsock_test_guests::{arg, family_of};

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);
    let how: String = arg(2);
    let s = socket(family_of(&host), SOCK_STREAM, 0).unwrap();
    s.connect((host.as_str(), port)).unwrap();
    s.sendall(b"hi").unwrap();
    // Keep the socket alive past the exit: nothing in the guest closes it.
    std::mem::forget(s);
    match how.as_str() {
        "exit" => std::process::exit(3),
        _ => std::process::abort(),
    }
}
