//! One of the soak's 200 guests: CONNS connections in sequence to a native
//! hash server, each a transfer of seeded random length both ways, hashed
//! on both sides. Each connection's plan (lengths, timeout, how it sends,
//! receives and ends) comes from a xorshift seeded by SEED and the
//! connection's index; `tests/tests/e2e/soak.rs` derives the same plans, so
//! the two must change together.
//!
//! Per connection: a 32-byte header (`SOAK`, guest, connection, up length,
//! down length, style, down stream's seed; little-endian), the up stream
//! (a [`Pattern`]), then the server's down stream. Styles: 0 `SHUT_WR`
//! then read to EOF, 1 read the down length then `close()`, 2 read it then
//! drop the socket. Prints `cN=UP UP_SHA DOWN DOWN_SHA` for connection N,
//! then `conns=`, `sent=`, `received=`.
//!
//! Args: HOST PORT GUEST SEED CONNS MAXLEN
use capsock::{SHUT_WR, SOCK_STREAM, socket};
use capsock_test_guests::{Pattern, arg, family_of, hex, report, soak_plan};
use sha2::{Digest, Sha256};

fn main() {
    let host: String = arg(0);
    let port: u16 = arg(1);
    let guest: u32 = arg(2);
    let seed: u64 = arg(3);
    let conns: u32 = arg(4);
    let max: usize = arg(5);
    let mut out = vec![0u8; max.max(1)];
    let mut inbuf = vec![0u8; 65536];
    let (mut sent_total, mut received_total) = (0u64, 0u64);
    for conn in 0..conns {
        let p = soak_plan(seed, conn, max);
        let s = socket(family_of(&host), SOCK_STREAM, 0).unwrap();
        s.settimeout(p.timeout).unwrap();
        s.connect((host.as_str(), port)).unwrap();

        let mut header = Vec::with_capacity(32);
        header.extend_from_slice(b"SOAK");
        for v in [guest, conn, p.up as u32, p.down as u32, p.style] {
            header.extend_from_slice(&v.to_le_bytes());
        }
        header.extend_from_slice(&p.down_seed.to_le_bytes());
        s.sendall(&header).unwrap();

        let mut pattern = Pattern::new(p.up_seed);
        let mut up_hash = Sha256::new();
        let mut left = p.up;
        while left > 0 {
            let n = left.min(p.chunk);
            let chunk = &mut out[..n];
            pattern.fill(chunk);
            up_hash.update(&*chunk);
            if p.use_send {
                let mut off = 0;
                while off < n {
                    let k = s.send(&chunk[off..]).unwrap();
                    assert!(k > 0, "send() returned 0 on a blocking socket");
                    off += k;
                }
            } else {
                s.sendall(chunk).unwrap();
            }
            left -= n;
        }
        if p.style == 0 {
            s.shutdown(SHUT_WR).unwrap();
        }

        let mut down_hash = Sha256::new();
        let mut got = 0usize;
        loop {
            // Styles 1 and 2 read exactly the planned length: the server
            // waits for this side's close before closing its own.
            let want = if p.style == 0 { p.bufsize } else { p.bufsize.min(p.down - got) };
            if want == 0 {
                break;
            }
            let n = if p.use_recv {
                let data = s.recv(want).unwrap();
                down_hash.update(&data);
                data.len()
            } else {
                let n = s.recv_into(&mut inbuf[..want]).unwrap();
                down_hash.update(&inbuf[..n]);
                n
            };
            if n == 0 {
                assert_eq!(p.style, 0, "connection {conn}: EOF after {got} of {} bytes", p.down);
                break;
            }
            got += n;
        }
        match p.style {
            1 => s.close().unwrap(),
            _ => drop(s),
        }
        report(
            &format!("c{conn}"),
            format!("{} {} {got} {}", p.up, hex(&up_hash.finalize()), hex(&down_hash.finalize())),
        );
        sent_total += p.up as u64;
        received_total += got as u64;
    }
    report("conns", conns);
    report("sent", sent_total);
    report("received", received_total);
}
