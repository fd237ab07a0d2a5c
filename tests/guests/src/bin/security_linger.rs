//! A graceful `SO_LINGER` once reached the OS, whose close(2) then held a
//! host thread for up to `l_linger` seconds (Linux lingers even on a
//! non-blocking socket): a guest could stall the host with one call. Args:
//! PORT of a native peer that does not read.
use capsock::{AF_INET, SO_LINGER, SOCK_STREAM, SOL_SOCKET, socket};
use capsock_test_guests::{arg, report};

fn main() {
    let port: u16 = arg(0);
    let s = socket(AF_INET, SOCK_STREAM, 0).unwrap();
    s.connect(("127.0.0.1", port)).unwrap();
    // Fill the buffers: the peer reads nothing, so data stays unsent.
    s.setblocking(false).unwrap();
    let chunk = vec![7u8; 65536];
    let mut queued = 0usize;
    while let Ok(n) = s.send(&chunk) {
        queued += n;
    }
    let mut linger = 1i32.to_ne_bytes().to_vec();
    linger.extend_from_slice(&30i32.to_ne_bytes());
    s.setsockopt(SOL_SOCKET, SO_LINGER, linger.clone()).unwrap();
    report("read_back", s.getsockopt_bytes(SOL_SOCKET, SO_LINGER, 8).unwrap() == linger);
    let start = std::time::Instant::now();
    s.close().unwrap();
    report("queued", queued > 0);
    report("close_ms", start.elapsed().as_millis());
}
