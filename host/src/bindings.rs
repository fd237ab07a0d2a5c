//! Host bindings generated from `wit/capsock.wit`.
//!
//! Every import is `async` on the host (the guest still sees a blocking
//! call) and `trappable`, so a host function can end its own instance for a
//! fault no SDK can cause (a handle that is not in the table).

wasmtime::component::bindgen!({
    path: "../wit",
    world: "capsock:socket/imports",
    imports: { default: async | trappable },
    trappable_error_type: {
        "capsock:socket/types.error" => crate::error::SockError,
    },
    with: {
        "capsock:socket/sockets.socket": crate::net::SocketHandle,
    },
});
