//! [`SocketFile`]: what Python's `socket.makefile()` returns, a buffered
//! file over a stream socket.

use crate::error::{Error, ErrorKind};
use crate::socket::Socket;
use std::fmt;
use std::io::{self, BufRead, Read, Write};

/// Python's `io.DEFAULT_BUFFER_SIZE`, the buffer `makefile` gives by
/// default.
pub const DEFAULT_BUFFER_SIZE: usize = 8192;

/// What a `makefile` mode asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Mode {
    reading: bool,
    writing: bool,
    binary: bool,
}

/// CPython's `socket.makefile` mode parsing: any of `r`, `w`, `b`; no `w`
/// means reading.
fn parse_mode(mode: &str) -> Result<Mode, Error> {
    if !mode.chars().all(|c| matches!(c, 'r' | 'w' | 'b')) {
        return Err(Error::value(format!("invalid mode '{mode}' (only r, w, b allowed)")));
    }
    let writing = mode.contains('w');
    Ok(Mode { reading: mode.contains('r') || !writing, writing, binary: mode.contains('b') })
}

/// The buffered file Python's `socket.makefile(mode)` returns: a
/// `BufferedReader` (`'r'`, `'rb'`), a `BufferedWriter` (`'w'`, `'wb'`) or
/// a `BufferedRWPair` (`'rw'`, `'rwb'`) over the socket, with
/// `io.DEFAULT_BUFFER_SIZE` (8192) bytes of buffer each way.
///
/// It implements [`Read`], [`BufRead`] (so `read_line`, `lines`,
/// `read_until` work) and [`Write`]. Writes are buffered;
/// [`flush`](Write::flush) sends what is buffered with one `sendall`, and so do a
/// full buffer, [`close`](SocketFile::close) and dropping the file (whose
/// error is then lost, as in Python's garbage collection).
///
/// Reading does not flush pending writes (nor does Python's
/// `BufferedRWPair`): flush a request before reading its reply.
///
/// Text modes (`'r'`, `'w'`, `'rw'`) give the same bytes API: Rust code
/// decodes as it likes ([`BufRead::read_line`] checks UTF-8). Python's
/// universal newlines are not applied; [`mode`](SocketFile::mode) still
/// says which mode was asked for.
///
/// The file holds a clone of the socket: dropping the original `Socket`
/// leaves it open for the file, and closing the file does not close a
/// socket still held elsewhere, as in Python. Unlike Python,
/// [`Socket::close`] closes the shared socket for the file too; drop the
/// socket instead to keep the file working.
///
/// Reads and writes honour the socket's timeout. As in Python, after a
/// read times out the file refuses further reads (`OSError("cannot read
/// from timed out object")`): buffered data may have been lost.
pub struct SocketFile {
    sock: Option<Socket>,
    mode: String,
    flags: Mode,
    rbuf: Box<[u8]>,
    rpos: usize,
    rend: usize,
    wbuf: Vec<u8>,
    timed_out: bool,
}

impl Socket {
    /// `makefile(mode)`: a buffered file over this socket (see
    /// [`SocketFile`]). `mode` is made of `r`, `w` and `b`: `"r"`/`"rb"`
    /// read, `"w"`/`"wb"` write, `"rw"`/`"rwb"` both; Python's default is
    /// `"r"`.
    ///
    /// # Errors
    ///
    /// `ValueError("invalid mode 'x' (only r, w, b allowed)")`, as CPython.
    pub fn makefile(&self, mode: &str) -> Result<SocketFile, Error> {
        SocketFile::new(self.clone(), mode)
    }
}

fn unsupported(what: &str) -> Error {
    // Python's io.UnsupportedOperation, an OSError (and ValueError)
    // whose message is the operation.
    Error::os_message(what)
}

fn closed_file(what: &str) -> Error {
    Error::value(format!("{what} of closed file"))
}

impl SocketFile {
    fn new(sock: Socket, mode: &str) -> Result<SocketFile, Error> {
        let flags = parse_mode(mode)?;
        let rbuf = if flags.reading { vec![0; DEFAULT_BUFFER_SIZE].into_boxed_slice() } else { Box::default() };
        Ok(SocketFile {
            sock: Some(sock),
            mode: mode.to_string(),
            flags,
            rbuf,
            rpos: 0,
            rend: 0,
            wbuf: Vec::new(),
            timed_out: false,
        })
    }

    /// The mode as given to `makefile`.
    pub fn mode(&self) -> &str {
        &self.mode
    }

    /// Whether the mode had `b` (in Rust both kinds read and write bytes).
    pub fn is_binary(&self) -> bool {
        self.flags.binary
    }

    /// Whether [`close`](SocketFile::close) was called.
    pub fn closed(&self) -> bool {
        self.sock.is_none()
    }

    /// The socket under the file.
    ///
    /// # Errors
    ///
    /// `ValueError` once the file is closed.
    pub fn socket(&self) -> Result<&Socket, Error> {
        self.sock.as_ref().ok_or_else(|| Error::value("I/O operation on closed file."))
    }

    /// Ready to read: open, readable, not timed out.
    fn reader(&self, what: &str) -> Result<&Socket, Error> {
        let sock = self.sock.as_ref().ok_or_else(|| closed_file(what))?;
        if !self.flags.reading {
            return Err(unsupported("read"));
        }
        if self.timed_out {
            return Err(Error::os_message("cannot read from timed out object"));
        }
        Ok(sock)
    }

    /// `SocketIO.readinto`: one `recv_into`; a timeout poisons the reader.
    fn recv_into(&mut self, buf: &mut [u8], what: &str) -> Result<usize, Error> {
        let sock = self.reader(what)?;
        match sock.recv_into(buf) {
            Err(e) if e.kind() == ErrorKind::Timeout => {
                self.timed_out = true;
                Err(e)
            }
            other => other,
        }
    }

    /// Refill the read buffer if it is empty; the buffered bytes (empty at
    /// end of stream).
    fn fill(&mut self, what: &str) -> Result<&[u8], Error> {
        if self.rpos >= self.rend {
            let mut buf = std::mem::take(&mut self.rbuf);
            let got = self.recv_into(&mut buf, what);
            self.rbuf = buf;
            self.rpos = 0;
            self.rend = got?;
        }
        Ok(&self.rbuf[self.rpos..self.rend])
    }

    /// `readline()`: the bytes up to and including the next `\n`, or up to
    /// end of stream (empty at end of stream), as Python's.
    ///
    /// # Errors
    ///
    /// The socket's errors (`TimeoutError`, …); `OSError("read")` when the
    /// mode cannot read; `ValueError` on a closed file.
    pub fn readline(&mut self) -> Result<Vec<u8>, Error> {
        self.readline_limit(usize::MAX)
    }

    /// `readline(size)`: as [`readline`](SocketFile::readline), but at
    /// most `size` bytes.
    ///
    /// # Errors
    ///
    /// As [`readline`](SocketFile::readline).
    pub fn readline_limit(&mut self, size: usize) -> Result<Vec<u8>, Error> {
        let mut line = Vec::new();
        while line.len() < size {
            let room = size - line.len();
            let avail = self.fill("readline")?;
            if avail.is_empty() {
                break;
            }
            let take = avail.len().min(room);
            let (n, done) = match avail[..take].iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (take, false),
            };
            line.extend_from_slice(&avail[..n]);
            self.rpos += n;
            if done {
                break;
            }
        }
        Ok(line)
    }

    /// Send what is buffered, with one `sendall`.
    fn flush_buffer(&mut self) -> Result<(), Error> {
        if self.wbuf.is_empty() {
            return Ok(());
        }
        let sock = self.sock.as_ref().ok_or_else(|| Error::value("flush of closed file"))?;
        // Buffered bytes are dropped only once sent: a failed flush may be
        // retried, as Python's BufferedWriter keeps them.
        sock.sendall(&self.wbuf)?;
        self.wbuf.clear();
        Ok(())
    }

    /// `close()`: flush what is buffered and let go of the socket (which
    /// stays open while another clone holds it). Idempotent.
    ///
    /// # Errors
    ///
    /// The error of the final flush; the file is closed anyway.
    pub fn close(&mut self) -> Result<(), Error> {
        let flushed = if self.sock.is_some() && self.flags.writing { self.flush_buffer() } else { Ok(()) };
        self.sock = None;
        self.wbuf.clear();
        flushed
    }
}

impl Read for SocketFile {
    /// Buffered bytes first; a read as large as the buffer with nothing
    /// buffered goes straight to `recv_into`.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.rpos >= self.rend && buf.len() >= self.rbuf.len() {
            return Ok(self.recv_into(buf, "read")?);
        }
        let avail = self.fill("read")?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.rpos += n;
        Ok(n)
    }
}

impl BufRead for SocketFile {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        Ok(self.fill("read")?)
    }

    fn consume(&mut self, amt: usize) {
        self.rpos = (self.rpos + amt).min(self.rend);
    }
}

impl Write for SocketFile {
    /// Buffered: sent when the buffer fills, on `flush`, `close` or drop.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.sock.is_none() {
            return Err(Error::value("write to closed file").into());
        }
        if !self.flags.writing {
            return Err(unsupported("write").into());
        }
        if self.wbuf.len() + buf.len() > DEFAULT_BUFFER_SIZE {
            self.flush_buffer()?;
        }
        if buf.len() >= DEFAULT_BUFFER_SIZE {
            // Too big to buffer: straight through, as BufferedWriter does.
            self.socket()?.sendall(buf)?;
        } else {
            self.wbuf.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.sock.is_none() {
            return Err(Error::value("flush of closed file").into());
        }
        Ok(self.flush_buffer()?)
    }
}

impl Drop for SocketFile {
    /// Python flushes a writer it collects; the error has nowhere to go.
    fn drop(&mut self) {
        let _ = self.close();
    }
}

impl fmt::Debug for SocketFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match (self.flags.reading, self.flags.writing) {
            (true, true) => "BufferedRWPair",
            (false, true) => "BufferedWriter",
            _ => "BufferedReader",
        };
        match &self.sock {
            Some(sock) => write!(f, "<{kind} mode='{}' over {sock}>", self.mode),
            None => write!(f, "<{kind} mode='{}' closed>", self.mode),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_follow_cpython() {
        let m = |s: &str| parse_mode(s).unwrap();
        assert_eq!(m("r"), Mode { reading: true, writing: false, binary: false });
        assert_eq!(m(""), Mode { reading: true, writing: false, binary: false });
        assert_eq!(m("rb"), Mode { reading: true, writing: false, binary: true });
        assert_eq!(m("w"), Mode { reading: false, writing: true, binary: false });
        assert_eq!(m("wb"), Mode { reading: false, writing: true, binary: true });
        assert_eq!(m("rw"), Mode { reading: true, writing: true, binary: false });
        assert_eq!(m("rwb"), Mode { reading: true, writing: true, binary: true });
        assert_eq!(m("bwr"), m("rwb"));
        let e = parse_mode("rwbt").unwrap_err();
        assert_eq!(
            (e.exception(), e.to_string().as_str()),
            ("ValueError", "invalid mode 'rwbt' (only r, w, b allowed)")
        );
        assert!(parse_mode("a").is_err());
    }
}
