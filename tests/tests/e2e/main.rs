//! capsock's end-to-end tests, one module per area. Each test runs guest
//! programs from `tests/guests/src/bin` under a policy against native peers
//! on loopback; a test is named after the guest program it runs.
//!
//! Every module's tests are `pub` and re-exported here, so that
//! `foreach_guest!` below can prove each guest program has a test: a guest
//! without one is a compile error, not a silently untested program.

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
mod sockets;
pub use sockets::*;

macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports)]
        use self::$name as _;
    };
}
capsock_tests::foreach_guest!(assert_test_exists);
