//! `capsock`: run a WebAssembly guest with real sockets under a policy.
//! A thin shell over [`capsock_host::cli::run`].

fn main() -> std::process::ExitCode {
    let code = capsock_host::cli::run(std::env::args_os());
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}
