//! The `capsock` command line, as a library function so that tests (and
//! embedders who want the same flags) can run it in-process.

use crate::config::{Flags, PolicyFile, build_sandbox};
use crate::{AuditSink, LimitsOverlay, RunOptions, Runtime, Trapped};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::signal::unix::{SignalKind, signal};

/// The run was stopped by this signal.
#[derive(Debug)]
struct Signalled(i32);

impl std::fmt::Display for Signalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stopped by signal {}", self.0)
    }
}

impl std::error::Error for Signalled {}

#[derive(Parser)]
#[command(name = "capsock", version, about = "Real sockets for WebAssembly guests, granted by capability")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a guest component (wasm32-wasip2), or a Python program (APP.py,
    /// built on first use and cached), under a policy. Deny by default.
    Run(Box<RunArgs>),
    /// Build a Python program (and the modules beside it) into a guest
    /// component. Installs componentize-py into capsock's cache when missing.
    Build(BuildArgs),
}

#[derive(clap::Args)]
struct BuildArgs {
    /// Where to write the component (default: APP.wasm beside APP.py).
    #[arg(short = 'o', long = "output", value_name = "APP.wasm")]
    out: Option<PathBuf>,
    /// Say nothing unless the build fails.
    #[arg(short = 'q', long)]
    quiet: bool,
    /// The program's main module.
    #[arg(value_name = "APP.py")]
    app: PathBuf,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Grant a rule, e.g. "connect tcp://127.0.0.1:8000-9000" (repeatable).
    #[arg(long = "allow", value_name = "RULE")]
    allow: Vec<String>,
    /// Deny a rule; deny beats allow (repeatable).
    #[arg(long = "deny", value_name = "RULE")]
    deny: Vec<String>,
    /// A TOML policy file (see the README for its schema), merged with the flags.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Answer NAME with ADDR inside capsock, never asking the OS (repeatable).
    #[arg(long = "host", value_name = "NAME=ADDR[,ADDR]")]
    hosts: Vec<String>,
    /// The name gethostname() gives the guest (default: capsock).
    #[arg(long, value_name = "NAME")]
    hostname: Option<String>,
    /// Most sockets the guest may hold open at once (default 1024).
    #[arg(long, value_name = "N")]
    max_sockets: Option<usize>,
    /// Most connected stream sockets at once (default 1024).
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// Most bytes the guest may send in all.
    #[arg(long, value_name = "BYTES")]
    max_bytes_sent: Option<u64>,
    /// Most bytes the guest may receive in all.
    #[arg(long, value_name = "BYTES")]
    max_bytes_received: Option<u64>,
    /// Most connect calls per second.
    #[arg(long, value_name = "N")]
    max_connects_per_second: Option<u32>,
    /// Grant AF_UNIX sockets inside DIR (repeatable).
    #[arg(long = "unix-dir", value_name = "DIR")]
    unix_dirs: Vec<PathBuf>,
    /// Grant a Linux abstract AF_UNIX name, exact or PREFIX* (repeatable).
    #[arg(long = "unix-abstract", value_name = "NAME")]
    unix_abstract: Vec<String>,
    /// Grant a socket option outside the default allowlist, LEVEL:NAME (repeatable).
    #[arg(long = "allow-sockopt", value_name = "LEVEL:NAME")]
    allow_sockopts: Vec<String>,
    /// Refuse a socket option, LEVEL:NAME (repeatable).
    #[arg(long = "deny-sockopt", value_name = "LEVEL:NAME")]
    deny_sockopts: Vec<String>,
    /// Stop the guest after this many seconds of wall time (exit code 124).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Compile the guest afresh instead of using the on-disk compile cache.
    #[arg(long)]
    no_cache: bool,
    /// Trust the certificates in this PEM file for guests' TLS clients,
    /// besides the bundled roots (repeatable).
    #[arg(long = "tls-ca", value_name = "FILE")]
    tls_ca: Vec<PathBuf>,
    /// Refuse plaintext on TCP connections to public addresses: only TLS
    /// sessions (`capsock::ssl`) may use them.
    #[arg(long = "tls-only")]
    tls_only: bool,
    /// Which implementation serves the guest's wasi:sockets (std::net,
    /// wasi-libc): `capsock` (the whole policy, limits and resolver) or
    /// `wasmtime` (wasmtime-wasi's, with capsock's address check; for
    /// comparison).
    #[arg(long = "wasi-sockets", value_name = "IMPL", default_value = "capsock")]
    wasi_sockets: crate::wasi::WasiSockets,
    /// `off`: leave Nagle's algorithm on for wasi:sockets TCP sockets
    /// (capsock turns TCP_NODELAY on by default; `[wasi] nodelay`).
    #[arg(long = "wasi-nodelay", value_name = "on|off", default_value = "on", value_parser = ["on", "off"])]
    wasi_nodelay: String,
    /// Append every policy decision to FILE as JSON lines.
    #[arg(long, value_name = "FILE")]
    audit: Option<PathBuf>,
    /// An environment variable for the guest, NAME=VALUE (repeatable).
    #[arg(long = "env", value_name = "NAME=VALUE")]
    env: Vec<String>,
    /// The guest: a component (.wasm), or a Python program (.py), built on
    /// first use with the modules beside it and cached by content.
    guest: PathBuf,
    /// Arguments passed to the guest.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Run `capsock` with these arguments (the first is the program name) and
/// return its exit code: the guest's, 1 for a refused policy or a trap, 124
/// for a guest stopped at `--timeout`, 143 (130) for one stopped by SIGTERM
/// (SIGINT), 2 for bad usage.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let result = match cli.command {
        Command::Run(run) => run_guest(*run),
        Command::Build(b) => build_python(b),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("capsock: {msg}");
            1
        }
    }
}

fn build_python(b: BuildArgs) -> Result<i32, String> {
    let out = b.out.unwrap_or_else(|| b.app.with_extension("wasm"));
    let opts = crate::python::BuildOptions { out: Some(out), progress: !b.quiet, ..Default::default() };
    let built = crate::python::build(&b.app, &opts).map_err(|e| e.to_string())?;
    // Precompile too, so that the first `capsock run APP.py` starts at once.
    let runtime = Runtime::new().map_err(|e| format!("cannot start wasmtime: {e:#}"))?;
    runtime.load_precompiled(&built.cached_path).map_err(|e| format!("{e:#}"))?;
    if !b.quiet {
        let how = if built.cached { " (cached)" } else { "" };
        eprintln!("capsock: wrote {}{how}", built.path.display());
    }
    Ok(0)
}

fn run_guest(a: RunArgs) -> Result<i32, String> {
    let file = a.policy.as_deref().map(PolicyFile::load).transpose().map_err(|e| format!("invalid policy: {e}"))?;
    let flags = Flags {
        allow: a.allow,
        deny: a.deny,
        hosts: a.hosts,
        hostname: a.hostname,
        limits: LimitsOverlay {
            max_sockets: a.max_sockets,
            max_connections: a.max_connections,
            max_backlog: None,
            max_bytes_sent: a.max_bytes_sent,
            max_bytes_received: a.max_bytes_received,
            max_connects_per_second: a.max_connects_per_second,
        },
        unix_dirs: a.unix_dirs,
        unix_abstract: a.unix_abstract,
        allow_sockopts: a.allow_sockopts,
        deny_sockopts: a.deny_sockopts,
        audit: a.audit,
        tls_ca: a.tls_ca,
        tls_only: a.tls_only,
        wasi_nodelay_off: a.wasi_nodelay == "off",
    };
    let sandbox = build_sandbox(file.as_ref(), &flags).map_err(|e| format!("invalid policy: {e}"))?;
    let audit = sandbox
        .audit
        .as_deref()
        .map(|p| {
            let sink = AuditSink::open(p).map_err(|e| format!("cannot open the audit file {}: {e}", p.display()))?;
            Ok::<_, String>(match sandbox.audit_max_bytes {
                Some(n) => sink.max_bytes(n),
                None => sink,
            })
        })
        .transpose()?;
    let env = a
        .env
        .iter()
        .map(|kv| kv.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| "--env expects NAME=VALUE".to_string())?;
    let deadline = match a.timeout {
        Some(t) => {
            Some(std::time::Duration::try_from_secs_f64(t).map_err(|_| format!("--timeout {t}: not a duration"))?)
        }
        None => None,
    };
    // A Python program is built first (once: the build is cached by content).
    let is_python = a.guest.extension().is_some_and(|e| e == "py");
    let guest_file = if is_python {
        let opts = crate::python::BuildOptions { progress: true, ..Default::default() };
        crate::python::build(&a.guest, &opts).map_err(|e| e.to_string())?.cached_path
    } else {
        a.guest.clone()
    };
    let audit_sink = audit.clone();
    let name = a.guest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let opts = RunOptions {
        policy: Arc::new(sandbox.policy),
        args: a.args,
        env,
        limits: sandbox.limits,
        resolver: sandbox.resolver,
        tls: sandbox.tls,
        name,
        audit,
        deadline,
        wasi_nodelay: sandbox.wasi_nodelay,
        ..RunOptions::new(Default::default())
    };
    // One guest per process: a current-thread runtime wakes the guest on
    // the thread that saw the event, with no cross-thread hand-off (the
    // bench measures 1.05x native round trips against 1.2-1.5x on a
    // two-worker runtime). Blocking work still goes to tokio's pool.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let result = rt.block_on(async {
        let builder = Runtime::builder().wasi_sockets(a.wasi_sockets);
        let runtime = if a.no_cache {
            builder.build()?
        } else {
            // A cache that cannot be set up (no writable cache directory)
            // costs only compile time: say so and go on without it.
            builder.clone().compile_cache(true).build().or_else(|e| {
                eprintln!("capsock: compile cache unavailable ({e}); compiling without it");
                builder.build()
            })?
        };
        // A built Python guest lives in capsock's cache; its precompiled
        // copy beside it loads in milliseconds instead of a 7-19 s compile.
        let guest = if is_python { runtime.load_precompiled(&guest_file)? } else { runtime.load_file(&guest_file)? };
        // SIGTERM and SIGINT stop the guest the way a deadline does: the run
        // is dropped at its next yield, which closes its sockets and writes
        // its audit trail out, then capsock exits 128 + the signal.
        let (mut term, mut int) = (signal(SignalKind::terminate())?, signal(SignalKind::interrupt())?);
        let (result, grace) = tokio::select! {
            r = runtime.run(&guest, opts) => (r, std::time::Duration::from_secs(30)),
            _ = term.recv() => (Err(wasmtime::Error::new(Signalled(15))), std::time::Duration::from_secs(2)),
            _ = int.recv() => (Err(wasmtime::Error::new(Signalled(2))), std::time::Duration::from_secs(2)),
        };
        // Bytes a wasi:sockets guest wrote that its sockets had not taken
        // yet are still being sent: let them go before the process exits.
        crate::wasi::wait_for_drains(grace).await;
        result
    });
    if let Some(sink) = &audit_sink {
        sink.flush();
    }
    match result {
        Ok(exit) => Ok(exit.code),
        Err(e) if e.downcast_ref::<Signalled>().is_some() => {
            let n = e.downcast_ref::<Signalled>().map_or(0, |s| s.0);
            eprintln!("capsock: stopped by signal {n}");
            Ok(128 + n)
        }
        Err(e) if e.downcast_ref::<crate::TimedOut>().is_some() => {
            eprintln!("capsock: {e}");
            Ok(124)
        }
        Err(e) => Err(match e.downcast_ref::<Trapped>() {
            Some(t) => t.to_string(),
            None => format!("{e:#}"),
        }),
    }
}
