//! A guest's stderr handed on line by line ([`crate::Output::StderrLines`]):
//! for hosts that write other lines to the same place (a container's
//! stderr carrying audit lines too) and must never cut a guest's line in
//! two. Bytes are held until a newline; a line longer than [`MAX_LINE`] is
//! handed on in pieces of that size; what is left when the instance ends is
//! handed on then.

use bytes::Bytes;
use std::sync::{Arc, Mutex, PoisonError};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// The longest piece held back waiting for its newline.
pub const MAX_LINE: usize = 64 << 10;

/// Where each complete line goes (with its newline, when it had one).
pub type LineFn = Arc<dyn Fn(&[u8]) + Send + Sync>;

struct Held {
    buf: Vec<u8>,
    to: LineFn,
}

impl Held {
    fn push(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            match bytes.iter().position(|b| *b == b'\n') {
                Some(i) if self.buf.len() + i < MAX_LINE => {
                    self.buf.extend_from_slice(&bytes[..=i]);
                    bytes = &bytes[i + 1..];
                    (self.to)(&self.buf);
                    self.buf.clear();
                }
                _ => {
                    let room = MAX_LINE - self.buf.len();
                    let take = bytes.len().min(room);
                    self.buf.extend_from_slice(&bytes[..take]);
                    bytes = &bytes[take..];
                    if self.buf.len() == MAX_LINE {
                        (self.to)(&self.buf);
                        self.buf.clear();
                    }
                }
            }
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            (self.to)(&self.buf);
        }
    }
}

/// The stderr of one instance, as lines.
#[derive(Clone)]
pub(crate) struct LineStderr(Arc<Mutex<Held>>);

impl LineStderr {
    pub(crate) fn new(to: LineFn) -> LineStderr {
        LineStderr(Arc::new(Mutex::new(Held { buf: Vec::new(), to })))
    }

    fn push(&self, bytes: &[u8]) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(bytes);
    }
}

impl IsTerminal for LineStderr {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LineStderr {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for LineStderr {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(MAX_LINE)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for LineStderr {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for LineStderr {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.push(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect() -> (LineStderr, Arc<Mutex<Vec<Vec<u8>>>>) {
        let got = Arc::new(Mutex::new(Vec::new()));
        let g = Arc::clone(&got);
        (LineStderr::new(Arc::new(move |l: &[u8]| g.lock().unwrap().push(l.to_vec()))), got)
    }

    #[test]
    fn lines_are_whole_whatever_the_writes() {
        let (s, got) = collect();
        s.push(b"hel");
        s.push(b"lo\nwor");
        s.push(b"ld\n\ntail");
        assert_eq!(*got.lock().unwrap(), [b"hello\n".to_vec(), b"world\n".to_vec(), b"\n".to_vec()]);
        drop(s);
        assert_eq!(got.lock().unwrap().last().unwrap(), b"tail", "the rest at the end");
    }

    #[test]
    fn a_line_past_the_bound_goes_in_pieces() {
        let (s, got) = collect();
        s.push(&vec![b'x'; MAX_LINE + 10]);
        s.push(b"\n");
        let got = got.lock().unwrap();
        assert_eq!(got[0].len(), MAX_LINE);
        assert_eq!(got[1].len(), 11);
    }
}
