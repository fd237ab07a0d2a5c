//! The `capsock` command, built inside this package so that end-to-end
//! tests can run it as a separate process (to signal it, to watch its exit
//! status): `CARGO_BIN_EXE_capsock-cli`.
fn main() {
    std::process::exit(capsock_host::cli::run(std::env::args_os()));
}
