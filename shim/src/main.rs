//! `containerd-shim-capsock-v1`: see the crate docs (`shim/src/lib.rs`).
use containerd_shim_wasm::shim::Cli as _;

fn main() {
    // The node's ceiling, read on the node's filesystem before containerd's
    // shim machinery creates any container (whose init process inherits it).
    if let Err(e) = containerd_shim_capsock::load_ceiling() {
        eprintln!("capsock: cannot read {}: {e}", containerd_shim_capsock::CEILING_PATH);
        std::process::exit(1);
    }
    containerd_shim_capsock::CapsockShim::run(None);
}
