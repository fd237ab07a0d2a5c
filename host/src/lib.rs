//! capsock-host: real OS sockets for WebAssembly components, granted by
//! capability and nothing more.
//!
//! A guest built against the `capsock:socket` WIT (usually through the
//! `capsock` guest SDK) gets Python's socket module; every operation that
//! names an address, a name, a path or an option passes one mediator
//! (`mediate.rs`) that asks the [`Policy`] first, and a denial is a
//! `PermissionError` naming the rule.
//!
//! The library is the product, in two layers:
//!
//! - the embedding API, shaped like wasmtime-wasi's, for hosts that already
//!   have a store and a world of their own: [`CapsockCtx`] (one guest
//!   instance's sockets, policy, limits, audit), [`CapsockView`] (how a
//!   store's data hands capsock its view) and [`add_to_linker`];
//! - [`Runtime`], which runs `wasi:cli/run` guests on top of it; the
//!   `capsock` command is a thin layer over that:
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
//!
//! The crate's map is `docs/architecture.md`.

// Every public fallible function says how it fails.
#![deny(clippy::missing_errors_doc)]

mod addr;
pub mod audit;
mod bindings;
pub mod cli;
mod cmsg;
pub mod config;
mod ctx;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod hook;
mod limits;
pub mod lines;
mod mediate;
mod net;
mod poll;
pub mod python;
mod resolver;
pub mod runtime;
mod sockets;
mod sockopt;
pub mod tls;
mod tls_cert;
mod unix;
pub mod wasi;

/// The capability policy (the `capsock-policy` crate): rules, their
/// parser and the pure decision functions.
pub use capsock_policy as policy;

pub use audit::{AuditOp, AuditSink};
pub use capsock_policy::Policy;
pub use ctx::{BuildError, CapsockCtx, CapsockCtxBuilder, CapsockCtxView, CapsockView, Stats, add_to_linker};
pub use hook::{Hook, Query};
pub use limits::{LimitError, Limits, LimitsOverlay};
pub use resolver::{DEFAULT_HOSTNAME, ResolverConfig};
pub use runtime::{Exit, Guest, GuestState, Output, RunOptions, Runtime, RuntimeBuilder, TimedOut, Trapped};
pub use tls::TlsConfig;
