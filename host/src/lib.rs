//! capsock-host: real OS sockets for WebAssembly components, granted by
//! capability and nothing more.
//!
//! A guest built against the `capsock:socket` WIT (usually through the
//! `capsock` guest SDK) gets Python's socket module; every operation that
//! names an address, a name, a path or an option passes the [`Policy`]
//! first, and a denial is a `PermissionError` naming the rule.
//!
//! The library is the product; the `capsock` command is a thin layer over
//! [`Runtime`], which a plugin platform uses directly:
//!
//! ```no_run
//! # async fn demo() -> wasmtime::Result<()> {
//! use capsock_host::{Policy, RunOptions, Runtime};
//! let runtime = Runtime::new()?;
//! let guest = runtime.load_file("guest.wasm")?;
//! let policy = Policy::from_rules(["connect tcp://127.0.0.1:8080"], [])?;
//! let exit = runtime.run(&guest, RunOptions::new(policy)).await?;
//! println!("guest exited with {}", exit.code);
//! # Ok(()) }
//! ```

mod addr;
pub mod audit;
mod bindings;
pub mod cli;
pub mod cmsg;
pub mod config;
pub mod error;
pub mod hook;
pub mod net;
pub mod policy;
mod poll;
mod resolver;
pub mod runtime;
mod sockets;
pub mod sockopt;
mod unix;

pub use audit::AuditSink;
pub use hook::{Hook, Query};
pub use net::Limits;
pub use policy::Policy;
pub use runtime::{Exit, Guest, Output, RunOptions, Runtime, Stats, TimedOut, Trapped};

use wasmtime::component::{HasSelf, Linker};

/// Add capsock's interfaces (sockets, resolver, poll) to a linker whose
/// store data is [`runtime::GuestState`].
///
/// # Errors
/// When the linker already defines them.
pub fn add_to_linker(linker: &mut Linker<runtime::GuestState>) -> wasmtime::Result<()> {
    bindings::Imports::add_to_linker::<_, HasSelf<_>>(linker, |s| s)
}
