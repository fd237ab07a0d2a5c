//! `capsock_abi::inet` against the C library it mirrors: on a glibc host,
//! every parser accepts exactly the strings glibc's accepts, with the same
//! result, and the formatter writes glibc's text, over exhaustive short
//! strings, random longer ones and addresses built to hit every zero-run
//! shape.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a failed unwrap is a failed test")]
#![cfg(all(target_os = "linux", target_env = "gnu"))]

use capsock_abi::inet;
use std::ffi::{CStr, CString};
use std::net::{Ipv4Addr, Ipv6Addr};

// The `libc` crate does not declare these.
unsafe extern "C" {
    fn inet_aton(cp: *const libc::c_char, inp: *mut libc::in_addr) -> libc::c_int;
    fn inet_pton(af: libc::c_int, src: *const libc::c_char, dst: *mut libc::c_void) -> libc::c_int;
    fn inet_ntop(
        af: libc::c_int,
        src: *const libc::c_void,
        dst: *mut libc::c_char,
        size: libc::socklen_t,
    ) -> *const libc::c_char;
}

fn c_aton(s: &[u8]) -> Option<Ipv4Addr> {
    let c = CString::new(s).ok()?;
    let mut addr = libc::in_addr { s_addr: 0 };
    // SAFETY: `c` is NUL-terminated and `addr` a valid out-pointer.
    let ok = unsafe { inet_aton(c.as_ptr(), &mut addr) };
    (ok != 0).then(|| Ipv4Addr::from(u32::from_be(addr.s_addr)))
}

/// What capsock's host did before `inet_aton_exact` was pure Rust: no
/// whitespace at all, then glibc's `inet_aton`.
fn c_aton_exact(s: &[u8]) -> Option<Ipv4Addr> {
    if s.iter().any(|b| b.is_ascii_whitespace() || *b == 0x0b) {
        return None;
    }
    c_aton(s)
}

fn c_pton<const N: usize>(af: libc::c_int, s: &[u8]) -> Option<[u8; N]> {
    let c = CString::new(s).ok()?;
    let mut buf = [0u8; N];
    // SAFETY: `c` is NUL-terminated and `buf` holds the family's address.
    let ok = unsafe { inet_pton(af, c.as_ptr(), buf.as_mut_ptr().cast()) };
    (ok == 1).then_some(buf)
}

fn c_ntop6(ip: Ipv6Addr) -> String {
    let mut buf = [0 as libc::c_char; 64];
    let octets = ip.octets();
    // SAFETY: `octets` is an `in6_addr`; `buf`'s length is passed.
    let p = unsafe { inet_ntop(libc::AF_INET6, octets.as_ptr().cast(), buf.as_mut_ptr(), 64) };
    assert!(!p.is_null());
    // SAFETY: inet_ntop wrote a NUL-terminated string into `buf`.
    unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap().to_string()
}

/// Compare every parser on `s`. A NUL, which a C string cannot hold, is an
/// ordinary invalid character on the Rust side: the results are glibc's
/// for the string with each NUL replaced by `#`. Returns whether glibc's
/// `inet_aton` and `inet_pton(AF_INET6)` accepted it.
fn check(s: &[u8]) -> (bool, bool) {
    let Ok(text) = std::str::from_utf8(s) else { return (false, false) };
    let hashed: Vec<u8>;
    let s = if s.contains(&0) {
        hashed = s.iter().map(|&b| if b == 0 { b'#' } else { b }).collect();
        &hashed[..]
    } else {
        s
    };
    let v4 = c_aton(s);
    assert_eq!(inet::inet_aton(text), v4, "inet_aton({text:?})");
    assert_eq!(inet::inet_aton_exact(text), c_aton_exact(s), "inet_aton_exact({text:?})");
    assert_eq!(inet::inet_pton4(text), c_pton::<4>(libc::AF_INET, s).map(Ipv4Addr::from), "inet_pton4({text:?})");
    let v6 = c_pton::<16>(libc::AF_INET6, s).map(Ipv6Addr::from);
    assert_eq!(inet::inet_pton6(text), v6, "inet_pton6({text:?})");
    if let Some(ip) = v6 {
        assert_eq!(inet::inet_ntop6(ip), c_ntop6(ip), "inet_ntop6({ip:?})");
    }
    (v4.is_some(), v6.is_some())
}

/// Every string of `len` bytes over `alphabet`.
fn exhaustive(alphabet: &[u8], len: usize) {
    let mut idx = vec![0usize; len];
    let mut s = vec![0u8; len];
    loop {
        for (c, &i) in s.iter_mut().zip(&idx) {
            *c = alphabet[i];
        }
        let _ = check(&s);
        let mut k = 0;
        loop {
            if k == len {
                return;
            }
            idx[k] += 1;
            if idx[k] < alphabet.len() {
                break;
            }
            idx[k] = 0;
            k += 1;
        }
    }
}

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn short_strings_parse_as_glibc() {
    const IPV4ISH: &[u8] = b"0178x.9 \taF";
    for len in 0..=5 {
        exhaustive(IPV4ISH, len);
    }
    const IPV6ISH: &[u8] = b"01f:.g9";
    for len in 0..=6 {
        exhaustive(IPV6ISH, len);
    }
}

#[test]
fn random_strings_parse_as_glibc() {
    const ALPHABET: &[u8] = b"0123456789abcdefABCDEFxX.:.:.: \t\n\x0b\x0c\r%g-+\0";
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..200_000 {
        let len = rng.below(24);
        let s: Vec<u8> = (0..len).map(|_| ALPHABET[rng.below(ALPHABET.len())]).collect();
        let _ = check(&s);
    }
}

#[test]
fn address_shaped_strings_parse_as_glibc() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let part = |rng: &mut Rng, dotted: bool| -> String {
        match rng.below(10) {
            0 => String::new(),
            1 => "0".into(),
            2 => "00".into(),
            3 | 4 if !dotted => format!("{:x}", rng.below(0x10000)),
            3 | 4 => format!("{}", rng.below(256)),
            5 => format!("{:04x}", rng.below(0x10000)),
            6 => format!("{:X}", rng.below(0x10_0000)),
            7 => format!("{}", rng.below(300)),
            8 => format!("0{:o}", rng.below(0x1_0000)),
            _ => format!("0x{:x}", rng.below(0x1_0000_0000)),
        }
    };
    let (mut v4, mut v6) = (0, 0);
    for _ in 0..100_000 {
        let dotted = rng.below(3) == 0;
        let n = if dotted { 1 + rng.below(5) } else { 1 + rng.below(9) };
        // Where `::` goes, if anywhere.
        let double = if dotted { None } else { Some(rng.below(n + 3)) };
        let mut s = String::new();
        for i in 0..n {
            if double == Some(i) {
                s.push_str("::");
            } else if i > 0 {
                s.push(if dotted { '.' } else { ':' });
            }
            s.push_str(&part(&mut rng, dotted));
        }
        if double == Some(n) {
            s.push_str("::");
        }
        if !dotted && rng.below(4) == 0 {
            let parts = [rng.below(260), rng.below(256), rng.below(256), rng.below(256)];
            s.push_str(&format!(":{}.{}.{}.{}", parts[0], parts[1], parts[2], parts[3]));
        }
        if rng.below(10) == 0 {
            s.push([' ', '\t', 'x', '%', ':', '.'][rng.below(6)]);
        }
        let (a, b) = check(s.as_bytes());
        v4 += usize::from(a);
        v6 += usize::from(b);
    }
    // The shapes are meant to land on both sides of each parser's rules.
    assert!(v4 > 5_000 && v6 > 5_000, "accepted: {v4} IPv4, {v6} IPv6");
}

#[test]
fn ipv6_text_is_glibcs_for_every_zero_run() {
    let mut rng = Rng(42);
    // Each of the 8 groups is 0, 1, 0xffff or random: every run shape, and
    // the IPv4-compatible and -mapped forms.
    for pattern in 0..4u32.pow(8) {
        let mut words = [0u16; 8];
        for (i, w) in words.iter_mut().enumerate() {
            *w = match (pattern >> (2 * i)) & 3 {
                0 => 0,
                1 => 1,
                2 => 0xffff,
                _ => rng.next() as u16,
            };
        }
        let ip = Ipv6Addr::from(words);
        let text = inet::inet_ntop6(ip);
        assert_eq!(text, c_ntop6(ip), "{words:x?}");
        assert_eq!(inet::inet_pton6(&text), Some(ip), "{text}");
    }
}
