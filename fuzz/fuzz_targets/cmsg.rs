//! Fuzzes the ancillary-data codec: an even first byte decodes the rest as
//! a control buffer (messages within the buffer, re-encoding gives them
//! back); an odd one builds messages from it and checks
//! `decode(encode(msgs)) == msgs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    if first & 1 == 0 {
        capsock_host::fuzzing::cmsg_decode(rest);
    } else {
        capsock_host::fuzzing::cmsg_round_trip(rest);
    }
});
