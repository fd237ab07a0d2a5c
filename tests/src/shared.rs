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
