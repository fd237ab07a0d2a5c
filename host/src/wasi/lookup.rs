//! `wasi:sockets/ip-name-lookup` through capsock's resolver: the same name
//! rules, `[hosts]` table, OS lookup and pruning of answers by deny rules
//! as `getaddrinfo`, and the answers remembered so that a later connect to
//! one of them matches the name's rules.
//!
//! The lookup runs inside `resolve-addresses` (the guest's call waits for
//! it; the host thread does not): capsock's resolver needs the instance's
//! state to remember the answers, so the stream is complete when handed
//! out. A refusal or a failure is the first `resolve-next-address`'s error.

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

/// A lookup's answers, or why there are none.
pub struct ResolveAddressStream(Result<std::vec::IntoIter<IpAddr>, Option<SocketError>>);

impl Host for CapsockCtxView<'_> {
    async fn resolve_addresses(
        &mut self,
        network: Resource<Network>,
        name: String,
    ) -> SocketResult<Resource<ResolveAddressStream>> {
        self.table.get(&network)?;
        // An IP address is returned as is, bracketed IPv6 included.
        let literal = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')).unwrap_or(&name);
        if let Ok(ip) = literal.parse::<IpAddr>() {
            return Ok(self.table.push(ResolveAddressStream(Ok(vec![ip.to_canonical()].into_iter())))?);
        }
        if capsock_policy::canonical_name(&name).is_err() {
            return Err(ErrorCode::InvalidArgument.into());
        }
        let answer = match self.resolve(Some(&name), libc::AF_UNSPEC, 0, 0, 0).await {
            Ok(lookup) => {
                let mut ips: Vec<IpAddr> = Vec::new();
                for ip in lookup.addrs.into_iter().map(|(ip, _)| ip.to_canonical()) {
                    if !ips.contains(&ip) && ips.len() < MAX_ANSWERS {
                        ips.push(ip);
                    }
                }
                Ok(ips.into_iter())
            }
            Err(e) => Err(Some(wasi_error(e))),
        };
        Ok(self.table.push(ResolveAddressStream(answer))?)
    }
}

impl HostResolveAddressStream for CapsockCtxView<'_> {
    fn resolve_next_address(&mut self, this: Resource<ResolveAddressStream>) -> SocketResult<Option<IpAddress>> {
        let stream = self.table.get_mut(&this)?;
        match &mut stream.0 {
            Ok(ips) => Ok(ips.next().map(IpAddress::from)),
            // The error once, then an empty stream (as an exhausted one).
            Err(e) => match e.take() {
                Some(e) => Err(e),
                None => Ok(None),
            },
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

#[wasmtime_wasi::async_trait]
impl Pollable for ResolveAddressStream {
    async fn ready(&mut self) {
        // Complete when handed out.
    }
}
