//! Fuzzes the host functions as a guest calls them: up to 64 operations
//! decoded from the input (`capsock_host::fuzzing::Session::run`) on one
//! instance under a loopback-only policy. A guest-level error is fine; a
//! panic, a broken invariant, a trap on a genuine handle or a step that
//! runs for seconds (the session's watchdog aborts) is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut session = capsock_host::fuzzing::Session::new();
    session.run(data);
});
