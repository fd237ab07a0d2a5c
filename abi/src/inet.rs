//! glibc's IPv4 and IPv6 text parsers and its IPv6 formatter, in pure Rust.
//!
//! Both sides use these: the guest SDK for Python's `inet_aton`,
//! `inet_pton` and `inet_ntop` (which on Linux are glibc's), the host for
//! the numeric hosts its `getaddrinfo` answers without a lookup. Each
//! function accepts and rejects exactly what the glibc function it names
//! does, and never panics.
//!
//! The inputs are Rust strings, so a NUL can appear inside one, which a C
//! string cannot carry: here a NUL is an ordinary invalid character (glibc
//! would stop reading at it). Callers that mirror an API refusing NULs
//! (CPython's argument parsing) check for them first.

use alloc::string::{String, ToString};
use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// C's `isspace` in the C locale (glibc also requires `isascii`).
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// C's `strtoul(s, &end, 0)` at a digit: the value (`None` on overflow,
/// where C gives `ULONG_MAX` with `ERANGE`) and the bytes consumed. `0x`
/// followed by a hex digit takes hex, a leading `0` octal, else decimal.
fn strtoul_auto(b: &[u8]) -> (Option<u64>, usize) {
    let (base, start) = match b {
        [b'0', x, h, ..] if (x | 0x20) == b'x' && h.is_ascii_hexdigit() => (16, 2),
        [b'0', ..] => (8, 0),
        _ => (10, 0),
    };
    let mut value = Some(0u64);
    let mut used = start;
    for d in b.iter().skip(start).map_while(|&c| char::from(c).to_digit(base)) {
        value = value.and_then(|v| v.checked_mul(u64::from(base))).and_then(|v| v.checked_add(u64::from(d)));
        used += 1;
    }
    (value, used)
}

/// glibc's `inet_aton_end`: the address and the index of the first byte
/// not consumed (the end, or the whitespace that ends the address).
fn inet_aton_end(b: &[u8]) -> Option<(Ipv4Addr, usize)> {
    const MAX: [u64; 4] = [0xffff_ffff, 0xff_ffff, 0xffff, 0xff];
    let mut parts = [0u8; 3];
    let mut nparts = 0;
    let mut i = 0;
    let val = loop {
        let rest = b.get(i..).unwrap_or_default();
        if !rest.first().is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let (val, used) = strtoul_auto(rest);
        let val = val.filter(|&v| v <= 0xffff_ffff)?;
        i += used;
        if b.get(i) != Some(&b'.') {
            break val;
        }
        let part = u8::try_from(val).ok()?;
        *parts.get_mut(nparts)? = part;
        nparts += 1;
        i += 1;
    };
    if b.get(i).is_some_and(|&c| !is_c_space(c)) {
        return None;
    }
    if val > *MAX.get(nparts)? {
        return None;
    }
    let mut word = u32::try_from(val).ok()?;
    for (k, p) in parts.iter().take(nparts).enumerate() {
        word |= u32::from(*p) << (24 - 8 * k);
    }
    Some((Ipv4Addr::from(word), i))
}

/// glibc's `inet_aton`: `a.b.c.d`, `a.b.c` (c is 16 bits), `a.b` (b is 24
/// bits) or `a` (32 bits), each part decimal, octal (leading `0`) or hex
/// (`0x`): `127.1` and `0x7f.1` are `127.0.0.1`, `010.0.0.1` is
/// `8.0.0.1`. The address may be followed by whitespace and then
/// anything: `"1.2.3.4 xyz"` is `1.2.3.4`.
pub fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    inet_aton_end(s.as_bytes()).map(|(ip, _)| ip)
}

/// glibc's `__inet_aton_exact` (what its `getaddrinfo` parses numeric
/// IPv4 hosts with): [`inet_aton`]'s forms with nothing after the address,
/// so no whitespace anywhere: `"127.1"` is `127.0.0.1`, `"1.2.3.4 "` is
/// refused.
pub fn inet_aton_exact(s: &str) -> Option<Ipv4Addr> {
    inet_aton_end(s.as_bytes()).and_then(|(ip, end)| (end == s.len()).then_some(ip))
}

/// glibc's `inet_pton4` over bytes (the IPv4 tail of an IPv6 address too).
fn pton4(b: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut octets = 0usize;
    let mut saw_digit = false;
    for &c in b {
        if c.is_ascii_digit() {
            // The octet being read; `octets` stays below 4 (the dot that
            // would start a fifth is refused).
            let cur = out.get_mut(octets)?;
            if saw_digit && *cur == 0 {
                return None;
            }
            let new = u32::from(*cur) * 10 + u32::from(c - b'0');
            *cur = u8::try_from(new).ok()?;
            saw_digit = true;
        } else if c == b'.' && saw_digit {
            octets += 1;
            if octets == 4 {
                return None;
            }
            saw_digit = false;
        } else {
            return None;
        }
    }
    (octets == 3 && saw_digit).then_some(out)
}

/// glibc's `inet_pton(AF_INET, …)` (`inet_pton4`): exactly four decimal
/// octets of at most 255, no leading zeros (`01.2.3.4` is refused),
/// nothing else.
pub fn inet_pton4(s: &str) -> Option<Ipv4Addr> {
    pton4(s.as_bytes()).map(Ipv4Addr::from)
}

/// Store a 16-bit group at `tmp[*tp..]`, as glibc's `inet_pton6` does;
/// `None` when the 16 bytes are full.
fn put_group(tmp: &mut [u8; 16], tp: &mut usize, val: u16) -> Option<()> {
    tmp.get_mut(*tp..*tp + 2)?.copy_from_slice(&val.to_be_bytes());
    *tp += 2;
    Some(())
}

/// glibc's `inet_pton(AF_INET6, …)` (`inet_pton6`): RFC 4291 text with at
/// most one `::` and at most four hex digits a group, optionally ending in
/// a dotted IPv4 address (`::ffff:1.2.3.4`, `::1.2.3.4`); no scope
/// (`%eth0`), no brackets. `1::2::3`, `:1`, `1:` and `::1.2.3` are
/// refused.
pub fn inet_pton6(s: &str) -> Option<Ipv6Addr> {
    let b = s.as_bytes();
    let mut tmp = [0u8; 16];
    let mut tp = 0usize;
    let mut colonp: Option<usize> = None;
    let mut src = 0usize;
    match b {
        [] => return None,
        // A leading `:` must be the start of `::`.
        [b':', rest @ ..] => {
            if rest.first() != Some(&b':') {
                return None;
            }
            src = 1;
        }
        _ => {}
    }
    let mut curtok = src;
    let mut xdigits = 0;
    let mut val: u16 = 0;
    while let Some(&ch) = b.get(src) {
        src += 1;
        if let Some(d) = char::from(ch).to_digit(16) {
            if xdigits == 4 {
                return None;
            }
            // Four hex digits at most, so this never overflows.
            val = (val << 4) | u16::try_from(d).ok()?;
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
            put_group(&mut tmp, &mut tp, val)?;
            xdigits = 0;
            val = 0;
            continue;
        }
        if ch == b'.'
            && tp + 4 <= 16
            && let Some(v4) = pton4(b.get(curtok..).unwrap_or_default())
            && let Some(dst) = tmp.get_mut(tp..tp + 4)
        {
            dst.copy_from_slice(&v4);
            tp += 4;
            xdigits = 0;
            break;
        }
        return None;
    }
    if xdigits > 0 {
        put_group(&mut tmp, &mut tp, val)?;
    }
    if let Some(c) = colonp {
        // `::` must stand for at least one zero group.
        if tp == 16 {
            return None;
        }
        // `c <= tp <= 16`: `c` was `tp` when the `::` was read.
        let n = tp - c;
        tmp.copy_within(c..tp, 16 - n);
        tmp.get_mut(c..16 - n)?.fill(0);
        tp = 16;
    }
    (tp == 16).then(|| Ipv6Addr::from(tmp))
}

/// glibc's `inet_ntop6` into `out`.
fn write_ntop6(ip: Ipv6Addr, out: &mut impl fmt::Write) -> fmt::Result {
    let words = ip.segments();
    // The longest run of zero words (the first of equals), if 2 or longer.
    let (mut best_base, mut best_len) = (None, 0);
    let mut i = 0;
    while i < 8 {
        if words.get(i) == Some(&0) {
            let start = i;
            while words.get(i) == Some(&0) {
                i += 1;
            }
            if i - start > best_len {
                (best_base, best_len) = (Some(start), i - start);
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best_base = None;
    }
    let in_run = |i: usize| best_base.is_some_and(|base| (base..base + best_len).contains(&i));
    for (i, word) in words.iter().enumerate() {
        if in_run(i) {
            if best_base == Some(i) {
                out.write_char(':')?;
            }
            continue;
        }
        if i != 0 {
            out.write_char(':')?;
        }
        // An IPv4-compatible (`::a.b.c.d`) or -mapped (`::ffff:a.b.c.d`)
        // address keeps a dotted tail.
        if i == 6 && best_base == Some(0) && (best_len == 6 || (best_len == 5 && words[5] == 0xffff)) {
            let [.., a, b, c, d] = ip.octets();
            return write!(out, "{a}.{b}.{c}.{d}");
        }
        write!(out, "{word:x}")?;
    }
    if best_base.is_some_and(|base| base + best_len == 8) {
        out.write_char(':')?;
    }
    Ok(())
}

/// glibc's `inet_ntop(AF_INET6, …)` (`inet_ntop6`), which CPython returns
/// for IPv6 addresses: like [`Ipv6Addr`]'s `Display` (RFC 5952: lowercase
/// hex, the longest run of two or more zero groups as `::`) except that
/// an IPv4-compatible address keeps a dotted tail: `::2:3` is
/// `::0.2.0.3`, `::ffff:1.2.3.4` stays so, `::1` and `::` are themselves.
pub fn inet_ntop6(ip: Ipv6Addr) -> String {
    let mut text = String::with_capacity(45);
    // Writing into a `String` cannot fail.
    let _ = write_ntop6(ip, &mut text);
    text
}

/// glibc's `inet_ntop`: dotted decimal for IPv4 (`inet_ntop4`, the same
/// as [`Ipv4Addr`]'s `Display`), [`inet_ntop6`] for IPv6.
pub fn inet_ntop(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => inet_ntop6(v6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn v6(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    #[test]
    fn aton_accepts_what_glibc_accepts() {
        assert_eq!(inet_aton("1.2.3"), Some(v4("1.2.0.3")));
        assert_eq!(inet_aton("127.1"), Some(v4("127.0.0.1")));
        assert_eq!(inet_aton("0x7f.1"), Some(v4("127.0.0.1")));
        assert_eq!(inet_aton("0X7F.0x0.0.1"), Some(v4("127.0.0.1")));
        assert_eq!(inet_aton("010.0.0.1"), Some(v4("8.0.0.1")));
        assert_eq!(inet_aton("0.0.0.0"), Some(v4("0.0.0.0")));
        assert_eq!(inet_aton("1.2.3.4 xyz"), Some(v4("1.2.3.4")));
        assert_eq!(inet_aton("1.2.3.4\t"), Some(v4("1.2.3.4")));
        assert_eq!(inet_aton("1.2.3.4\x0b!"), Some(v4("1.2.3.4")));
        assert_eq!(inet_aton("1 .2"), Some(v4("0.0.0.1")), "whitespace ends the address");
        assert_eq!(inet_aton("4294967295"), Some(v4("255.255.255.255")));
        assert_eq!(inet_aton("0xffffffff"), Some(v4("255.255.255.255")));
        assert_eq!(inet_aton("037777777777"), Some(v4("255.255.255.255")));
        assert_eq!(inet_aton("1.16777215"), Some(v4("1.255.255.255")));
        assert_eq!(inet_aton("1.2.65535"), Some(v4("1.2.255.255")));
        assert_eq!(inet_aton("0x"), None, "0 then a trailing x");
        for bad in [
            "255.255.255.256",
            "08",
            "4294967296",
            "99999999999999999999999",
            "",
            "1.2.3.4.",
            "1.2.3.4.5",
            "1..2",
            ".1",
            " 1",
            "1.2.3.4x",
            "1.256.3",
            "1.16777216",
            "1.2.65536",
            "-1",
            "+1",
            "0x.1",
            "1.2.3.4\u{a0}",
            "1.2.3.4\0",
        ] {
            assert_eq!(inet_aton(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn aton_exact_allows_nothing_after() {
        assert_eq!(inet_aton_exact("127.1"), Some(v4("127.0.0.1")));
        assert_eq!(inet_aton_exact("0x7f.1"), Some(v4("127.0.0.1")));
        assert_eq!(inet_aton_exact("1.2.3.4"), Some(v4("1.2.3.4")));
        for bad in ["1.2.3.4 ", "1.2.3.4 xyz", "1.2.3.4\n", " 1.2.3.4", "256.1.1.1", "", "1.2.3.4\0"] {
            assert_eq!(inet_aton_exact(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn pton4_is_strict() {
        assert_eq!(inet_pton4("1.2.3.4"), Some(v4("1.2.3.4")));
        assert_eq!(inet_pton4("0.0.0.0"), Some(v4("0.0.0.0")));
        assert_eq!(inet_pton4("255.255.255.255"), Some(v4("255.255.255.255")));
        for bad in
            ["01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", "1.2.3.", ".1.2.3", "1..2.3", "0x1.2.3.4", ""]
        {
            assert_eq!(inet_pton4(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn pton6_is_glibcs() {
        assert_eq!(inet_pton6("::ffff:1.2.3.4"), Some(v6("::ffff:1.2.3.4")));
        assert_eq!(inet_pton6("::1.2.3.4"), Some(v6("::102:304")));
        assert_eq!(inet_pton6("::"), Some(Ipv6Addr::UNSPECIFIED));
        assert_eq!(inet_pton6("1::"), Some(v6("1::")));
        assert_eq!(inet_pton6("::1"), Some(Ipv6Addr::LOCALHOST));
        assert_eq!(inet_pton6("FE80::ABCD"), Some(v6("fe80::abcd")));
        assert_eq!(inet_pton6("1:2:3:4:5:6:7:8"), Some(v6("1:2:3:4:5:6:7:8")));
        assert_eq!(inet_pton6("1:2:3:4:5:6:1.2.3.4"), Some(v6("1:2:3:4:5:6:102:304")));
        assert_eq!(inet_pton6("1::2:3:4:5:6:7"), Some(v6("1:0:2:3:4:5:6:7")));
        for bad in [
            "1::2::3",
            "::1%1",
            ":1",
            "1:",
            ":",
            ":::",
            "12345::",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7::8",
            "1:2:3:4:5:6:7:8::",
            "::1.2.3",
            "::1.2.3.4.5",
            "::01.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "1.2.3.4",
            "[::1]",
            "g::",
            "",
            "::\0",
        ] {
            assert_eq!(inet_pton6(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ntop6_is_glibcs() {
        let cases = [
            ("::", "::"),
            ("::1", "::1"),
            ("1::", "1::"),
            ("2001:db8::1", "2001:db8::1"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
            ("1:0:0:2:0:0:3:4", "1::2:0:0:3:4"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
            ("::ffff:0:0", "::ffff:0.0.0.0"),
            ("::2:3", "::0.2.0.3"),
            ("::1.2.3.4", "::1.2.3.4"),
            ("::1:ffff:1.2.3.4", "::1:ffff:102:304"),
            ("fe80::abcd", "fe80::abcd"),
            ("1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"),
            ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
            ("0:0:1::", "0:0:1::"),
        ];
        for (input, glibc) in cases {
            assert_eq!(inet_ntop6(v6(input)), glibc, "{input}");
            assert_eq!(inet_ntop(IpAddr::V6(v6(input))), glibc, "{input}");
        }
        assert_eq!(inet_ntop(IpAddr::V4(v4("10.0.0.255"))), "10.0.0.255");
    }
}
