//! `capsock:socket/resolver`. Name resolution proper is its own piece of
//! work (issue 4); until it lands, every lookup that would leave the host
//! fails with `gaierror(EAI_NONAME)` and no query is made, so no name can
//! escape the policy in the meantime.

use crate::bindings::capsock::socket::resolver::{Addrinfo, Host, Hostent};
use crate::bindings::capsock::socket::types::{Address, Error as WitError, ErrorKind};
use crate::error::{SockError, SockResult};
use crate::runtime::GuestState;
use capsock_abi::consts::EAI_NONAME;

fn not_yet() -> SockError {
    let (name, message) = capsock_abi::gai_error(EAI_NONAME);
    SockError::Guest(WitError {
        kind: ErrorKind::Gai,
        errno: EAI_NONAME,
        name: name.to_string(),
        message: message.to_string(),
        rule: Some("name resolution is not implemented yet".to_string()),
    })
}

impl Host for GuestState {
    async fn getaddrinfo(
        &mut self,
        _host: Option<String>,
        _service: Option<String>,
        _family: i32,
        _socket_type: i32,
        _proto: i32,
        _flags: i32,
    ) -> SockResult<Vec<Addrinfo>> {
        Err(not_yet())
    }

    async fn getnameinfo(&mut self, _address: Address, _flags: i32) -> SockResult<(String, String)> {
        Err(not_yet())
    }

    async fn gethostbyname_ex(&mut self, _name: String) -> SockResult<Hostent> {
        Err(not_yet())
    }

    async fn gethostbyaddr(&mut self, _address: String) -> SockResult<Hostent> {
        Err(not_yet())
    }

    async fn gethostname(&mut self) -> SockResult<String> {
        Ok(self.net.policy.hostname().to_string())
    }

    async fn getservbyname(&mut self, _name: String, _proto: Option<String>) -> SockResult<u16> {
        Err(SockError::os_msg(0, "service/proto not found"))
    }

    async fn getservbyport(&mut self, _port: u16, _proto: Option<String>) -> SockResult<String> {
        Err(SockError::os_msg(0, "port/proto not found"))
    }

    async fn getprotobyname(&mut self, _name: String) -> SockResult<i32> {
        Err(SockError::os_msg(0, "protocol not found"))
    }

    async fn if_nameindex(&mut self) -> SockResult<Vec<(u32, String)>> {
        // No interface is visible to a guest by default.
        Ok(Vec::new())
    }
}
