//! `capsock`: run a WebAssembly guest with real sockets under a policy.

use capsock_host::config::{PolicyFile, build_policy};
use capsock_host::{Limits, RunOptions, Runtime, Trapped};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "capsock", version, about = "Real sockets for WebAssembly guests, granted by capability")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a guest component (wasm32-wasip2) under a policy. Deny by default.
    Run {
        /// Grant a rule, e.g. "connect tcp://127.0.0.1:8000-9000" (repeatable).
        #[arg(long = "allow", value_name = "RULE")]
        allow: Vec<String>,
        /// Deny a rule; deny beats allow (repeatable).
        #[arg(long = "deny", value_name = "RULE")]
        deny: Vec<String>,
        /// A TOML policy file with `allow = [...]` and `deny = [...]`.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// Most sockets the guest may hold open at once.
        #[arg(long, value_name = "N", default_value_t = Limits::default().max_sockets)]
        max_sockets: usize,
        /// An environment variable for the guest, NAME=VALUE (repeatable).
        #[arg(long = "env", value_name = "NAME=VALUE")]
        env: Vec<String>,
        /// The guest component.
        guest: PathBuf,
        /// Arguments passed to the guest.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let Command::Run { allow, deny, policy, max_sockets, env, guest, args } = Cli::parse().command;
    let file = match policy.as_deref().map(PolicyFile::load).transpose() {
        Ok(f) => f,
        Err(e) => return fail(&format!("invalid policy: {e}")),
    };
    let policy = match build_policy(file.as_ref(), &allow, &deny) {
        Ok(p) => p,
        Err(e) => return fail(&format!("invalid policy: {e}")),
    };
    let mut env_pairs = Vec::new();
    for kv in env {
        match kv.split_once('=') {
            Some((k, v)) => env_pairs.push((k.to_string(), v.to_string())),
            None => return fail(&format!("--env expects NAME=VALUE, got `{kv}`")),
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    let name = guest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let opts = RunOptions {
        policy: Arc::new(policy),
        args,
        env: env_pairs,
        limits: Limits { max_sockets },
        name,
        ..RunOptions::new(Default::default())
    };
    let result = runtime.block_on(async {
        let rt = Runtime::new()?;
        let guest = rt.load_file(&guest)?;
        rt.run(&guest, opts).await
    });
    match result {
        Ok(exit) => ExitCode::from(u8::try_from(exit.code).unwrap_or(1)),
        Err(e) => match e.downcast_ref::<Trapped>() {
            Some(t) => fail(&format!("{t}")),
            None => fail(&format!("{e:?}")),
        },
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("capsock: {msg}");
    ExitCode::from(1)
}
