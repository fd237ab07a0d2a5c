//! capsock's end-to-end tests, one module per area. Each test runs guest
//! programs from `tests/guests/src/bin` under a policy against native peers
//! on loopback; a test is named after the guest program it runs.
//!
//! A guest's name starts with its suite, the module whose test runs it:
//! `foundation_*`, `policy_*`, `resolver_*`, `readiness_*`, `sock_*`
//! (`sockets`) and `conformance`. Each module ends with its suite's
//! `foreach_<suite>!`, proving every guest of the suite has a test there: a
//! guest without one is a compile error, not a silently untested program.
//!
//! Every module's tests are `pub` and re-exported here too, so that
//! `foreach_guest!` below also catches a guest whose suite has no module.

mod conformance;
mod foundation;
pub use conformance::*;
pub use foundation::*;
mod policy;
pub use policy::*;
mod resolver;
pub use resolver::*;
mod readiness;
pub use readiness::*;
mod security;
pub use security::*;
mod sockets;
pub use sockets::*;
mod peers;
pub use peers::*;
mod soak;
pub use soak::*;
mod tls;
pub use tls::*;
mod wasi;
pub use wasi::*;

macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports, reason = "names the test, proving it exists")]
        use self::$name as _;
    };
}
capsock_tests::foreach_guest!(assert_test_exists);
