//! Ancillary (control) message buffers, encoded and decoded without
//! pointer arithmetic: the layout is Linux's `struct cmsghdr` on a 64-bit
//! host (`cmsg_len: size_t`, `cmsg_level: int`, `cmsg_type: int`, data
//! aligned to `size_t`), which is what the kernel reads and writes.
//!
//! Decoding never trusts the buffer: a header whose length runs past the
//! buffer ends the walk, as `CMSG_NXTHDR` does.

use crate::error::{SockError, SockResult};
use capsock_abi::{CMSG_HDR as HDR, cmsg_len, errno};

const ALIGN: usize = std::mem::size_of::<usize>();

// The contract's layout (capsock-abi, which the guest SDK's CMSG_SPACE
// uses too) must be this host's real one, or ancillary sizes would lie.
const _: () = assert!(HDR == std::mem::size_of::<libc::cmsghdr>() && ALIGN == 8);

/// `CMSG_ALIGN(len)`.
pub const fn align(len: usize) -> usize {
    len.next_multiple_of(ALIGN)
}

/// One decoded message: `(level, type, data)`.
pub type Cmsg = (i32, i32, Vec<u8>);

/// Walk a control buffer of `len` valid bytes.
pub fn decode(buf: &[u8]) -> Vec<Cmsg> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + HDR <= buf.len() {
        let len = usize::from_ne_bytes(buf[at..at + ALIGN].try_into().unwrap_or_default());
        let level = i32::from_ne_bytes(buf[at + ALIGN..at + ALIGN + 4].try_into().unwrap_or_default());
        let ty = i32::from_ne_bytes(buf[at + ALIGN + 4..at + ALIGN + 8].try_into().unwrap_or_default());
        // `len` is the buffer's word: compare without adding to it (a
        // `cmsg_len` near `usize::MAX` once wrapped past this check).
        if len < HDR || len > buf.len() - at {
            break;
        }
        out.push((level, ty, buf[at + HDR..at + len].to_vec()));
        at += align(len);
    }
    out
}

/// Encode messages into one control buffer.
///
/// # Errors
/// `EINVAL` when the whole would not fit a `socklen_t`.
pub fn encode(msgs: &[Cmsg]) -> SockResult<Vec<u8>> {
    let mut out = Vec::new();
    for (level, ty, data) in msgs {
        let len = cmsg_len(data.len());
        out.extend_from_slice(&len.to_ne_bytes());
        out.extend_from_slice(&level.to_ne_bytes());
        out.extend_from_slice(&ty.to_ne_bytes());
        out.resize(out.len() + (HDR - ALIGN - 8), 0);
        out.extend_from_slice(data);
        out.resize(align(out.len()), 0);
    }
    if out.len() > u32::MAX as usize {
        return Err(SockError::os(errno::EINVAL));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the cmsg fuzz target: a header whose length nearly fills
    /// the address space is the end of the buffer, not a panic.
    #[test]
    fn an_overflowing_length_ends_the_walk() {
        let mut buf = vec![0u8; 48];
        buf[..8].copy_from_slice(&usize::MAX.to_ne_bytes());
        assert!(decode(&buf).is_empty());
        buf[..8].copy_from_slice(&(usize::MAX - 8).to_ne_bytes());
        assert!(decode(&buf).is_empty());
    }
    use capsock_abi::cmsg_space;

    #[test]
    fn round_trip_and_macros() {
        assert_eq!(cmsg_len(4), 20);
        assert_eq!(cmsg_space(4), 24);
        assert_eq!(cmsg_space(12), 32);
        let msgs = vec![(1, 1, vec![3, 0, 0, 0, 4, 0, 0, 0]), (0, 8, vec![9; 12])];
        let buf = encode(&msgs).unwrap();
        assert_eq!(buf.len(), cmsg_space(8) + cmsg_space(12));
        assert_eq!(decode(&buf), msgs);
    }

    #[test]
    fn truncated_or_lying_buffers_end_the_walk() {
        let buf = encode(&[(1, 1, vec![7; 8])]).unwrap();
        for cut in 0..buf.len() {
            let got = decode(&buf[..cut]);
            assert!(got.len() <= 1);
        }
        let mut lying = buf.clone();
        lying[..8].copy_from_slice(&10_000usize.to_ne_bytes());
        assert!(decode(&lying).is_empty());
        let mut short = buf;
        short[..8].copy_from_slice(&3usize.to_ne_bytes());
        assert!(decode(&short).is_empty());
    }
}
