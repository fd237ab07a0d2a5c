//! capsock's demo: a guest echo server and a guest client, each under its
//! own policy, then a client the policy refuses.
//!
//! Run with `cargo run --release -p capsock-examples --bin demo`. Each step
//! prints the `capsock run` command that does the same from a shell.

use capsock_host::config::build_policy;
use capsock_host::{RunOptions, Runtime};
use std::net::TcpListener;

include!(concat!(env!("OUT_DIR"), "/guests.rs"));

fn wasm(name: &str) -> &'static str {
    GUESTS.iter().find(|(n, _)| *n == name).expect("example guest").1
}

fn options(allow: &[String], args: &[String]) -> RunOptions {
    let policy = build_policy(None, allow, &[]).expect("demo rules parse");
    args.iter().fold(RunOptions::new(policy), |o, a| o.arg(a.clone()))
}

fn show(allow: &[String], name: &str, args: &[String]) {
    let flags: String = allow.iter().map(|r| format!("--allow '{r}' ")).collect();
    println!("\n$ capsock run {flags}{name}.wasm {}", args.join(" "));
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A free port for the server (the OS picks; we release it at once).
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port().to_string();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let runtime = Runtime::new()?;
        let server = runtime.load_file(wasm("echo_server"))?;
        let client = runtime.load_file(wasm("echo_client"))?;

        let server_rules = [format!("listen tcp://127.0.0.1:{port}")];
        let server_args = ["127.0.0.1".to_string(), port.clone(), "1".to_string()];
        show(&server_rules, "echo_server", &server_args);
        let server_run = {
            let runtime_ref = &runtime;
            let opts = options(&server_rules, &server_args);
            async move { runtime_ref.run(&server, opts).await }
        };

        let client_rules = [format!("connect tcp://127.0.0.1:{port}")];
        let client_args = ["127.0.0.1".to_string(), port.clone(), "hello".into(), "capsock".into()];
        let client_run = async {
            // The client retries a refused connect while the server starts.
            show(&client_rules, "echo_client", &client_args);
            runtime.run(&client, options(&client_rules, &client_args)).await
        };
        let (s, c) = tokio::join!(server_run, client_run);
        println!("[demo] server exited {}, client exited {}", s?.code, c?.code);

        // The same client, pointed at a port its policy does not grant.
        let denied_args = ["127.0.0.1".to_string(), "9".to_string(), "hello".into()];
        show(&client_rules, "echo_client", &denied_args);
        let d = runtime.run(&client, options(&client_rules, &denied_args)).await?;
        println!("[demo] client exited {} (denied by policy, no packet sent)", d.code);
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
