//! `inet_aton`, `inet_ntoa`, `inet_pton`, `inet_ntop`: pure guest-side
//! ports of glibc's parsers and formatter, so they accept and reject
//! exactly what CPython on Linux does.

use crate::address::ipv6_text;
use crate::error::Error;
use capsock_abi::consts::{AF_INET, AF_INET6};
use capsock_abi::errno;
use std::net::Ipv6Addr;

/// CPython's argument parsing refuses strings with a NUL inside.
fn no_nul(s: &str) -> Result<(), Error> {
    if s.contains('\0') { Err(Error::value("embedded null character")) } else { Ok(()) }
}

/// C's `isspace` in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// C's `strtoul(s, &end, 0)` from a digit: the value (saturated at
/// `u64::MAX` on overflow, as `ULONG_MAX` with `ERANGE`) and the bytes
/// consumed. `0x` takes hex, a leading `0` octal.
fn strtoul_auto(b: &[u8]) -> (u64, bool, usize) {
    let (base, mut i) = if b.len() >= 3 && b[0] == b'0' && (b[1] | 0x20) == b'x' && b[2].is_ascii_hexdigit() {
        (16, 2)
    } else if b[0] == b'0' {
        (8, 0)
    } else {
        (10, 0)
    };
    let mut value: u64 = 0;
    let mut overflow = false;
    while let Some(d) = b.get(i).and_then(|&c| char::from(c).to_digit(base)) {
        match value.checked_mul(u64::from(base)).and_then(|v| v.checked_add(u64::from(d))) {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    (if overflow { u64::MAX } else { value }, overflow, i)
}

/// glibc's `inet_aton`: `a.b.c.d`, `a.b.c` (c is 16 bits), `a.b` (b is 24
/// bits) or `a` (32 bits); each part decimal, octal (`0`) or hex (`0x`);
/// anything after a whitespace character is ignored.
fn parse_aton(s: &str) -> Option<[u8; 4]> {
    const MAX: [u64; 4] = [0xffff_ffff, 0xff_ffff, 0xffff, 0xff];
    let b = s.as_bytes();
    let mut parts: Vec<u8> = Vec::with_capacity(3);
    let mut i = 0;
    let val = loop {
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let (val, overflow, used) = strtoul_auto(&b[i..]);
        if overflow || val > 0xffff_ffff {
            return None;
        }
        i += used;
        if b.get(i) == Some(&b'.') {
            if parts.len() > 2 || val > 0xff {
                return None;
            }
            parts.push(val as u8);
            i += 1;
        } else {
            break val;
        }
    };
    if let Some(&c) = b.get(i)
        && !is_c_space(c)
    {
        return None;
    }
    if val > MAX[parts.len()] {
        return None;
    }
    let mut word = val as u32;
    for (k, p) in parts.iter().enumerate() {
        word |= u32::from(*p) << (24 - 8 * k);
    }
    Some(word.to_be_bytes())
}

/// glibc's `inet_pton4`: exactly four decimal octets, no leading zeros.
fn parse_pton4(b: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut octets = 0;
    let mut saw_digit = false;
    let mut cur: u32 = 0;
    for &c in b {
        if c.is_ascii_digit() {
            if saw_digit && cur == 0 {
                return None;
            }
            cur = cur * 10 + u32::from(c - b'0');
            if cur > 255 {
                return None;
            }
            if !saw_digit {
                octets += 1;
                if octets > 4 {
                    return None;
                }
                saw_digit = true;
            }
            out[octets - 1] = cur as u8;
        } else if c == b'.' && saw_digit {
            if octets == 4 {
                return None;
            }
            cur = 0;
            saw_digit = false;
        } else {
            return None;
        }
    }
    (octets == 4).then_some(out)
}

/// glibc's `inet_pton6`.
fn parse_pton6(b: &[u8]) -> Option<[u8; 16]> {
    let mut tmp = [0u8; 16];
    let mut tp = 0usize;
    let mut colonp: Option<usize> = None;
    let mut src = 0usize;
    if b.is_empty() {
        return None;
    }
    if b[0] == b':' {
        src = 1;
        if b.get(1) != Some(&b':') {
            return None;
        }
    }
    let mut curtok = src;
    let mut xdigits = 0;
    let mut val: u32 = 0;
    while src < b.len() {
        let ch = b[src];
        src += 1;
        if let Some(d) = char::from(ch).to_digit(16) {
            if xdigits == 4 {
                return None;
            }
            val = (val << 4) | d;
            xdigits += 1;
            continue;
        }
        if ch == b':' {
            curtok = src;
            if xdigits == 0 {
                if colonp.is_some() {
                    return None;
                }
                colonp = Some(tp);
                continue;
            } else if src == b.len() {
                return None;
            }
            if tp + 2 > 16 {
                return None;
            }
            tmp[tp] = (val >> 8) as u8;
            tmp[tp + 1] = val as u8;
            tp += 2;
            xdigits = 0;
            val = 0;
            continue;
        }
        if ch == b'.'
            && tp + 4 <= 16
            && let Some(v4) = parse_pton4(&b[curtok..])
        {
            tmp[tp..tp + 4].copy_from_slice(&v4);
            tp += 4;
            xdigits = 0;
            break;
        }
        return None;
    }
    if xdigits > 0 {
        if tp + 2 > 16 {
            return None;
        }
        tmp[tp] = (val >> 8) as u8;
        tmp[tp + 1] = val as u8;
        tp += 2;
    }
    if let Some(c) = colonp {
        if tp == 16 {
            return None;
        }
        let n = tp - c;
        tmp.copy_within(c..tp, 16 - n);
        tmp[c..16 - n].fill(0);
        tp = 16;
    }
    (tp == 16).then_some(tmp)
}

/// `inet_aton(ip_string)`: the 4 packed bytes of an IPv4 address in any
/// form C's `inet_aton` accepts (`"1.2.3"` is `1.2.0.3`, `"0x7f.1"` is
/// `127.0.0.1`, text after whitespace is ignored).
///
/// # Errors
///
/// `OSError("illegal IP address string passed to inet_aton")`;
/// `ValueError` for a string with a NUL inside.
pub fn inet_aton(ip_string: &str) -> Result<[u8; 4], Error> {
    no_nul(ip_string)?;
    parse_aton(ip_string).ok_or_else(|| Error::os_message("illegal IP address string passed to inet_aton"))
}

/// `inet_ntoa(packed_ip)`: dotted-quad text of 4 packed bytes.
///
/// # Errors
///
/// `OSError("packed IP wrong length for inet_ntoa")` unless there are
/// exactly 4 bytes.
pub fn inet_ntoa(packed_ip: &[u8]) -> Result<String, Error> {
    match packed_ip {
        [a, b, c, d] => Ok(format!("{a}.{b}.{c}.{d}")),
        _ => Err(Error::os_message("packed IP wrong length for inet_ntoa")),
    }
}

/// `inet_pton(address_family, ip_string)`: strict parsing (`AF_INET`: four
/// decimal octets without leading zeros; `AF_INET6`: RFC 4291 text, no
/// scope).
///
/// # Errors
///
/// `OSError("illegal IP address string passed to inet_pton")`;
/// `OSError(EAFNOSUPPORT)` for another family; `ValueError` for a NUL.
pub fn inet_pton(address_family: i32, ip_string: &str) -> Result<Vec<u8>, Error> {
    no_nul(ip_string)?;
    let parsed = match address_family {
        AF_INET => parse_pton4(ip_string.as_bytes()).map(|a| a.to_vec()),
        AF_INET6 => parse_pton6(ip_string.as_bytes()).map(|a| a.to_vec()),
        _ => return Err(Error::os(errno::EAFNOSUPPORT)),
    };
    parsed.ok_or_else(|| Error::os_message("illegal IP address string passed to inet_pton"))
}

/// `inet_ntop(address_family, packed_ip)`: glibc's text (IPv6 compressed
/// as RFC 5952, IPv4-compatible and -mapped tails dotted).
///
/// # Errors
///
/// `ValueError("invalid length of packed IP address string")` for the
/// wrong length; `ValueError("unknown address family N")`.
pub fn inet_ntop(address_family: i32, packed_ip: &[u8]) -> Result<String, Error> {
    let bad_len = || Error::value("invalid length of packed IP address string");
    match address_family {
        AF_INET => inet_ntoa(packed_ip).map_err(|_| bad_len()),
        AF_INET6 => {
            let octets: [u8; 16] = packed_ip.try_into().map_err(|_| bad_len())?;
            Ok(ipv6_text(&Ipv6Addr::from(octets)))
        }
        _ => Err(Error::value(format!("unknown address family {address_family}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aton_accepts_what_glibc_accepts() {
        assert_eq!(inet_aton("1.2.3").unwrap(), [1, 2, 0, 3]);
        assert_eq!(inet_aton("127.1").unwrap(), [127, 0, 0, 1]);
        assert_eq!(inet_aton("0x7f.1").unwrap(), [127, 0, 0, 1]);
        assert_eq!(inet_aton("010.0.0.1").unwrap(), [8, 0, 0, 1]);
        assert_eq!(inet_aton("1.2.3.4 xyz").unwrap(), [1, 2, 3, 4]);
        assert_eq!(inet_aton("4294967295").unwrap(), [255; 4]);
        for bad in ["255.255.255.256", "0x", "08", "4294967296", "", "1.2.3.4.", "1..2", " 1", "1.2.3.4x", "1.256.3"] {
            assert!(inet_aton(bad).is_err(), "{bad:?}");
        }
        assert_eq!(inet_aton("a\0").unwrap_err().exception(), "ValueError");
    }

    #[test]
    fn pton_is_strict() {
        assert_eq!(inet_pton(AF_INET, "1.2.3.4").unwrap(), [1, 2, 3, 4]);
        for bad in ["01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 "] {
            assert!(inet_pton(AF_INET, bad).is_err(), "{bad:?}");
        }
        let mapped = inet_pton(AF_INET6, "::ffff:1.2.3.4").unwrap();
        assert_eq!(&mapped[10..], [0xff, 0xff, 1, 2, 3, 4]);
        assert_eq!(inet_pton(AF_INET6, "::").unwrap(), [0; 16]);
        assert_eq!(inet_pton(AF_INET6, "1::").unwrap()[1], 1);
        for bad in ["1::2::3", "::1%1", ":1", "1:", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8", "::1.2.3"] {
            assert!(inet_pton(AF_INET6, bad).is_err(), "{bad:?}");
        }
        assert_eq!(inet_pton(99, "1.2.3.4").unwrap_err().errno(), Some(errno::EAFNOSUPPORT));
    }

    #[test]
    fn ntop_and_ntoa() {
        assert_eq!(inet_ntop(AF_INET6, &[0; 16]).unwrap(), "::");
        assert_eq!(inet_ntop(AF_INET, &[1, 2, 3, 4]).unwrap(), "1.2.3.4");
        assert_eq!(inet_ntop(AF_INET, b"123").unwrap_err().exception(), "ValueError");
        assert_eq!(inet_ntop(AF_INET6, &[1; 15]).unwrap_err().exception(), "ValueError");
        assert_eq!(inet_ntop(99, b"1234").unwrap_err().to_string(), "unknown address family 99");
        assert_eq!(inet_ntoa(b"123").unwrap_err().to_string(), "packed IP wrong length for inet_ntoa");
    }
}
