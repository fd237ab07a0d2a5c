//! What both sides of a test must compute alike, in one file compiled into
//! the host harness and into the guest helpers: the deterministic byte
//! stream of a bulk test (xorshift64*, seeded, so neither side must hold or
//! ship the payload) and how digests are printed.

/// A seeded generator of the test stream.
pub struct Pattern(u64);

impl Pattern {
    /// The stream for `seed` (any value; 0 is made odd).
    pub fn new(seed: u64) -> Pattern {
        Pattern(seed | 1)
    }

    /// Fill `buf` with the stream's next bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let v = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// Lowercase hex of a digest or any bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What connection `conn` of a soak guest does: the soak's host test
/// (`tests/tests/e2e/soak.rs`) and its guest (`soak_worker`) both draw it
/// from this one definition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SoakPlan {
    pub up: usize,
    pub down: usize,
    pub style: u32,
    pub timeout: Option<f64>,
    /// Bytes per send call; `use_send` sends with `send()` and its partial
    /// counts instead of `sendall`.
    pub chunk: usize,
    pub use_send: bool,
    /// Bytes per receive call; `use_recv` receives with `recv()` (a new
    /// buffer each call) instead of `recv_into`.
    pub bufsize: usize,
    pub use_recv: bool,
    pub up_seed: u64,
    pub down_seed: u64,
}

/// xorshift64, seeded by splitmix64 of the guest's seed and the connection.
fn rng(seed: u64, conn: u32) -> impl FnMut() -> u64 {
    let mut z = seed ^ u64::from(conn).wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    let mut x = (z ^ (z >> 31)) | 1;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

/// A length in 0..=max: one in 16 is empty, one in 16 under 64 bytes.
/// Reduced in u64 before narrowing: `usize` is 32 bits in the guest.
fn length(r: u64, max: usize) -> usize {
    (match r % 16 {
        0 => 0,
        1 => (r >> 8) % 64,
        _ => (r >> 8) % (max as u64 + 1),
    }) as usize
}

pub fn soak_plan(seed: u64, conn: u32, max: usize) -> SoakPlan {
    let mut next = rng(seed, conn);
    let up = length(next(), max);
    let down = length(next(), max);
    let style = (next() % 3) as u32;
    let t = next();
    let timeout = match t % 3 {
        0 => None,
        1 => Some(30.0),
        _ => Some(10.0 + ((t >> 8) % 50) as f64),
    };
    let c = next();
    let (chunk, use_send) = match c % 4 {
        0 => (max.max(1), false),
        1 => (512 + ((c >> 8) % 3584) as usize, false),
        2 => (1 + ((c >> 8) % 65536) as usize, false),
        _ => (65536, true),
    };
    let b = next();
    let bufsize = if b.is_multiple_of(4) { 1 + ((b >> 8) % 512) as usize } else { 1 + ((b >> 8) % 65536) as usize };
    let use_recv = (b >> 40).is_multiple_of(2);
    SoakPlan { up, down, style, timeout, chunk, use_send, bufsize, use_recv, up_seed: next(), down_seed: next() }
}
