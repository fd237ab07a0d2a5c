//! `capsock:socket/poll`: readiness across sockets, in one host call.

use crate::bindings::capsock::socket::poll::{Host, Selected};
use crate::error::{SockError, SockResult};
use crate::net::SocketHandle;
use crate::runtime::GuestState;
use capsock_abi::errno;
use wasmtime::component::Resource;

impl Host for GuestState {
    async fn select(
        &mut self,
        _rlist: Vec<Resource<SocketHandle>>,
        _wlist: Vec<Resource<SocketHandle>>,
        _xlist: Vec<Resource<SocketHandle>>,
        _timeout: Option<f64>,
    ) -> SockResult<Selected> {
        Err(SockError::os(errno::ENOSYS))
    }

    async fn poll(
        &mut self,
        _sockets: Vec<Resource<SocketHandle>>,
        _events: Vec<u16>,
        _timeout: Option<f64>,
    ) -> SockResult<Vec<u16>> {
        Err(SockError::os(errno::ENOSYS))
    }
}
