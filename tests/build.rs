//! Builds the guest programs in `guests/` (see `capsock-guest-build`).
fn main() {
    // The guests' helpers include this file by path.
    println!("cargo:rerun-if-changed=src/shared.rs");
    capsock_guest_build::build("guests");
}
