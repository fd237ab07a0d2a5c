//! `wasi:sockets/ip-name-lookup` through capsock's resolver: the same name
//! rules, `[hosts]` table, OS lookup and pruning of answers by deny rules
//! as `getaddrinfo`, and the answers remembered so that a later connect to
//! one of them matches the name's rules.
//!
//! `resolve-addresses` never blocks, as the WIT says: a name is looked up
//! in a task (policy, hook, `[hosts]`, the OS), the stream's pollable is
//! ready when it is done, and `resolve-next-address` says `would-block`
//! until then. The answers are remembered for name rules when the guest
//! takes them. A refusal or a failure is the first `resolve-next-address`'s
//! error, as the WIT places it.

use super::generated::wasi::sockets::ip_name_lookup::{Host, HostResolveAddressStream};
use super::wasi_error;
use crate::ctx::CapsockCtxView;
use std::net::IpAddr;
use wasmtime::component::Resource;
use wasmtime_wasi::p2::bindings::sockets::network::{ErrorCode, IpAddress, Network};
use wasmtime_wasi::p2::{DynPollable, Pollable, SocketError, SocketResult};

/// The most addresses one lookup hands out (glibc's answers for one name
/// are far fewer; this bounds host memory per stream).
const MAX_ANSWERS: usize = 64;

/// A lookup: running, done, or handed out.
pub struct ResolveAddressStream(State);

type Outcome = Result<(crate::resolver::Lookup, String), crate::error::SockError>;

enum State {
    Running(tokio::task::JoinHandle<Outcome>),
    Done(Outcome),
    Answers(std::vec::IntoIter<IpAddr>),
    /// The error once, then nothing (as an exhausted stream).
    Failed(Option<SocketError>),
}

impl Drop for ResolveAddressStream {
    fn drop(&mut self) {
        // A lookup nobody will read stops (its OS slot is given back).
        if let State::Running(h) = &self.0 {
            h.abort();
        }
    }
}

impl Host for CapsockCtxView<'_> {
    fn resolve_addresses(
        &mut self,
        network: Resource<Network>,
        name: String,
    ) -> SocketResult<Resource<ResolveAddressStream>> {
        self.table.get(&network)?;
        // An IP address is returned as is, bracketed IPv6 included.
        let literal = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')).unwrap_or(&name);
        if let Ok(ip) = literal.parse::<IpAddr>() {
            return Ok(self.table.push(ResolveAddressStream(State::Answers(vec![ip.to_canonical()].into_iter())))?);
        }
        if capsock_policy::canonical_name(&name).is_err() {
            return Err(ErrorCode::InvalidArgument.into());
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return Err(ErrorCode::PermanentResolverFailure.into());
        };
        let lookup = self.ctx.name_lookup(&name, libc::AF_UNSPEC, 0, 0, 0);
        let task = rt.spawn(lookup.run());
        Ok(self.table.push(ResolveAddressStream(State::Running(task)))?)
    }
}

impl HostResolveAddressStream for CapsockCtxView<'_> {
    fn resolve_next_address(&mut self, this: Resource<ResolveAddressStream>) -> SocketResult<Option<IpAddress>> {
        let stream = self.table.get_mut(&this)?;
        if let State::Running(h) = &mut stream.0 {
            use std::future::Future;
            match std::pin::Pin::new(h).poll(&mut super::noop_cx()) {
                std::task::Poll::Pending => return Err(ErrorCode::WouldBlock.into()),
                std::task::Poll::Ready(r) => stream.0 = State::Done(joined(r)),
            }
        }
        if matches!(stream.0, State::Done(_)) {
            let State::Done(outcome) = std::mem::replace(&mut stream.0, State::Failed(None)) else { unreachable!() };
            stream.0 = match outcome {
                Ok((lookup, key)) => {
                    let mut ips: Vec<IpAddr> = Vec::new();
                    for ip in lookup.addrs.into_iter().map(|(ip, _)| ip.to_canonical()) {
                        if !ips.contains(&ip) && ips.len() < MAX_ANSWERS {
                            ips.push(ip);
                        }
                    }
                    self.ctx.remember_resolution(&key, ips.iter().copied());
                    State::Answers(ips.into_iter())
                }
                Err(e) => State::Failed(Some(wasi_error(e))),
            };
        }
        let stream = self.table.get_mut(&this)?;
        match &mut stream.0 {
            State::Answers(ips) => Ok(ips.next().map(IpAddress::from)),
            State::Failed(e) => match e.take() {
                Some(e) => Err(e),
                None => Ok(None),
            },
            State::Running(_) | State::Done(_) => Err(ErrorCode::WouldBlock.into()),
        }
    }

    fn subscribe(&mut self, this: Resource<ResolveAddressStream>) -> wasmtime::Result<Resource<DynPollable>> {
        wasmtime_wasi::p2::subscribe(self.table, this)
    }

    fn drop(&mut self, this: Resource<ResolveAddressStream>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        Ok(())
    }
}

/// A finished task's outcome (a task that panicked or was stopped is a
/// failed lookup, never a host panic).
fn joined(r: Result<Outcome, tokio::task::JoinError>) -> Outcome {
    r.unwrap_or_else(|_| Err(crate::error::SockError::os(libc::EIO)))
}

#[wasmtime_wasi::async_trait]
impl Pollable for ResolveAddressStream {
    async fn ready(&mut self) {
        if let State::Running(h) = &mut self.0 {
            let r = h.await;
            self.0 = State::Done(joined(r));
        }
    }
}
