//! Computes forever, never calling the host: only the epoch yield and a
//! deadline can stop it.
fn main() {
    let mut x: u64 = 1;
    loop {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        if x == 42 {
            println!("{x}");
        }
    }
}
