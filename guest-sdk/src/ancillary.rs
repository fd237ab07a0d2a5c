//! Ancillary-data helpers from Python's socket module: `CMSG_LEN`,
//! `CMSG_SPACE`, `recvmsg_into`, `send_fds`, `recv_fds`, and `sendfile`.
//!
//! Sizes are those of the host's Linux 64-bit `cmsghdr` layout, which is
//! what the host allocates `ancbufsize` in (a wasm32 guest's own layout
//! would be smaller and truncate).

use crate::{Address, Error, SCM_RIGHTS, SOL_SOCKET, Socket};
use std::io::Read;

/// Ancillary data as Python's `recvmsg` returns it: `(level, type, data)`.
pub type AncData = Vec<(i32, i32, Vec<u8>)>;

/// `CMSG_LEN(length)`: the `cmsg_len` of a message with `length` data bytes.
#[allow(non_snake_case, reason = "Python's name for it")]
pub const fn CMSG_LEN(length: usize) -> usize {
    capsock_abi::cmsg_len(length)
}

/// `CMSG_SPACE(length)`: the buffer space a message with `length` data
/// bytes takes, padding included; sum these for `recvmsg`'s `ancbufsize`.
#[allow(non_snake_case, reason = "Python's name for it")]
pub const fn CMSG_SPACE(length: usize) -> usize {
    capsock_abi::cmsg_space(length)
}

impl Socket {
    /// `recvmsg_into(buffers, ancbufsize, flags)`: receive into a series of
    /// buffers, filled in order (scatter), as Python's does.
    ///
    /// Returns `(nbytes, ancdata, msg_flags, address)`.
    ///
    /// # Errors
    /// As [`recvmsg`](Socket::recvmsg).
    pub fn recvmsg_into(
        &self,
        buffers: &mut [&mut [u8]],
        ancbufsize: usize,
        flags: i32,
    ) -> Result<(usize, AncData, i32, Address), Error> {
        let total: usize = buffers.iter().map(|b| b.len()).sum();
        let (data, ancdata, msg_flags, address) = self.recvmsg(total, ancbufsize, flags)?;
        let mut rest = &data[..];
        for b in buffers.iter_mut() {
            let n = rest.len().min(b.len());
            b[..n].copy_from_slice(&rest[..n]);
            rest = &rest[n..];
        }
        Ok((data.len(), ancdata, msg_flags, address))
    }

    /// `send_fds(sock, buffers, fds)`: send data with sockets of this
    /// instance (their filenos) over an AF_UNIX socket.
    ///
    /// # Errors
    /// `OSError(EBADF)` for a fileno this instance does not have.
    pub fn send_fds(
        &self,
        buffers: &[&[u8]],
        fds: &[i32],
        flags: i32,
        address: Option<Address>,
    ) -> Result<usize, Error> {
        let data: Vec<u8> = fds.iter().flat_map(|f| f.to_ne_bytes()).collect();
        self.sendmsg(buffers, &[(SOL_SOCKET, SCM_RIGHTS, &data)], flags, address)
    }

    /// `recv_fds(sock, bufsize, maxfds)`: receive data and up to `maxfds`
    /// sockets; returns `(data, fds, msg_flags, address)`. Each fd is a
    /// detached fileno: claim it with [`crate::from_fd`].
    ///
    /// # Errors
    /// As [`recvmsg`](Socket::recvmsg).
    pub fn recv_fds(
        &self,
        bufsize: usize,
        maxfds: usize,
        flags: i32,
    ) -> Result<(Vec<u8>, Vec<i32>, i32, Address), Error> {
        let (data, ancdata, msg_flags, address) = self.recvmsg(bufsize, CMSG_SPACE(maxfds * 4), flags)?;
        let fds = ancdata
            .iter()
            .filter(|(l, t, _)| (*l, *t) == (SOL_SOCKET, SCM_RIGHTS))
            .flat_map(|(_, _, d)| d.chunks_exact(4).map(|c| i32::from_ne_bytes([c[0], c[1], c[2], c[3]])))
            .collect();
        Ok((data, fds, msg_flags, address))
    }

    /// `sendfile(file, offset, count)`: send a file's bytes, from `offset`
    /// (or the file's position) for `count` bytes (or to the end). Returns
    /// how many were sent.
    ///
    /// The bytes go through the guest (wasm has no zero-copy path to the
    /// host's socket); chunks are 64 KiB.
    ///
    /// # Errors
    /// `ValueError` for a negative offset is prevented by the type; read
    /// errors become `OSError`; send errors as [`sendall`](Socket::sendall).
    pub fn sendfile(
        &self,
        file: &mut std::fs::File,
        offset: Option<u64>,
        count: Option<usize>,
    ) -> Result<usize, Error> {
        use std::io::{Seek, SeekFrom};
        if let Some(off) = offset {
            file.seek(SeekFrom::Start(off)).map_err(|e| Error::os(e.raw_os_error().unwrap_or(crate::errno::EIO)))?;
        }
        let mut sent = 0;
        let mut buf = vec![0u8; 64 << 10];
        loop {
            let want = count.map_or(buf.len(), |c| (c - sent).min(buf.len()));
            if want == 0 {
                break;
            }
            let n =
                file.read(&mut buf[..want]).map_err(|e| Error::os(e.raw_os_error().unwrap_or(crate::errno::EIO)))?;
            if n == 0 {
                break;
            }
            self.sendall(&buf[..n])?;
            sent += n;
        }
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_linux_64() {
        assert_eq!(CMSG_LEN(4), 20);
        assert_eq!(CMSG_SPACE(4), 24);
        assert_eq!(CMSG_SPACE(12), 32);
        assert_eq!(CMSG_SPACE(0), 16);
    }
}
