//! Binds and connects, over and over, inside a granted directory whose
//! subdirectory a local accomplice keeps swapping for a symlink to outside.
//! Args: DIR N. Reports how many binds and connects succeeded.
use capsock::{AF_UNIX, SOCK_STREAM, socket};
use capsock_test_guests::{arg, report};

fn main() {
    let (dir, n): (String, usize) = (arg(0), arg(1));
    let (mut bound, mut connected) = (0, 0);
    for i in 0..n {
        let s = socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        if s.bind(format!("{dir}/sub/g{i}.sock")).is_ok() {
            bound += 1;
        }
        let c = socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        if c.connect(format!("{dir}/sub/victim.sock")).is_ok() {
            connected += 1;
        }
    }
    report("bound", bound);
    report("connected", connected);
}
