//! Does nothing: the bench's instantiate-and-exit guest.
fn main() {}
