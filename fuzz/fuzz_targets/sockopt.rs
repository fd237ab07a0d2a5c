//! Fuzzes one socket option through the host's setsockopt/getsockopt on
//! fresh TCP and UDP sockets, then a recv and a send on them
//! (`capsock_host::fuzzing::sockopt`). The first byte picks an option the
//! host knows (below 0x80) or any level and name (from the next 8 bytes);
//! the rest is the value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let (level, name, value) = if first < 0x80 {
        let known = capsock_host::fuzzing::known_options();
        let (level, name) = known[usize::from(first) % known.len()];
        (level, name, rest)
    } else {
        if rest.len() < 8 {
            return;
        }
        let level = i32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let name = i32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        (level, name, &rest[8..])
    };
    if value.len() > 1100 {
        return;
    }
    capsock_host::fuzzing::sockopt(level, name, value);
});
