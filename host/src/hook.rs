//! A decision hook for what the rules do not settle.
//!
//! A plugin platform may want to ask an operator, a service or a database
//! before granting something no rule covers. Install a [`Hook`] in
//! [`RunOptions::hook`](crate::RunOptions::hook) or with
//! [`CapsockCtxBuilder::hook`](crate::CapsockCtxBuilder::hook); the mediator
//! (`mediate.rs`) asks it only when no rule decides (an explicit deny rule is
//! final, an allow rule needs no asking): for addresses on capsock's sockets
//! and on `wasi:sockets` alike, for well-formed names, and for multicast
//! groups. Its answer is remembered for the instance per `(action, target)`
//! (so a guest sending a thousand datagrams asks once, whichever socket API
//! it uses), and the guest waits for it without holding a thread.

use capsock_policy::Action;
use std::future::Future;
use std::pin::Pin;

/// What the hook is asked about.
#[derive(Clone, Debug)]
pub struct Query {
    /// The instance asking (as it appears in the audit trail).
    pub instance: String,
    /// `connect`, `listen` or `resolve`.
    pub action: Action,
    /// What the operation names, as the policy writes it: `tcp://10.0.0.5:443`,
    /// or the name for a lookup.
    pub target: String,
}

/// Decides what the rules leave open. `true` grants.
pub trait Hook: Send + Sync {
    /// Decide one query. Take as long as needed; the guest waits.
    ///
    /// The future is `Send + Sync` because wasmtime-wasi requires that of
    /// the checks it runs for `std::net` sockets.
    fn decide(&self, query: Query) -> Pin<Box<dyn Future<Output = bool> + Send + Sync + 'static>>;
}

/// The bound on remembered answers per instance; past it, the memory is
/// cleared and the hook is asked again.
pub const HOOK_MEMORY: usize = 1024;
