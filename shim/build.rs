//! The shim's tests run the test guests (`tests/guests`), built here for
//! wasm32-wasip2 (a no-op when `capsock-tests` built them already).
fn main() {
    capsock_guest_build::build("../tests/guests");
}
