//! Builds the guest programs in `guests/` (see `capsock-guest-build`).
fn main() {
    capsock_guest_build::build("guests");
}
