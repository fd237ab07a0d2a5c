//! `inet_aton`, `inet_ntoa`, `inet_pton`, `inet_ntop`: Python's errors
//! around glibc's parsers and formatter (pure Rust ports, in
//! [`capsock_abi::inet`]), so they accept and reject exactly what CPython
//! on Linux does.

use crate::error::Error;
use capsock_abi::consts::{AF_INET, AF_INET6};
use capsock_abi::errno;
use capsock_abi::inet as glibc;
use std::net::Ipv6Addr;

/// CPython's argument parsing refuses strings with a NUL inside.
fn no_nul(s: &str) -> Result<(), Error> {
    if s.contains('\0') { Err(Error::value("embedded null character")) } else { Ok(()) }
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
    glibc::inet_aton(ip_string)
        .map(|ip| ip.octets())
        .ok_or_else(|| Error::os_message("illegal IP address string passed to inet_aton"))
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
        AF_INET => glibc::inet_pton4(ip_string).map(|ip| ip.octets().to_vec()),
        AF_INET6 => glibc::inet_pton6(ip_string).map(|ip| ip.octets().to_vec()),
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
            Ok(glibc::inet_ntop6(Ipv6Addr::from(octets)))
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
