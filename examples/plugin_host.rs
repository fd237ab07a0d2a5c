//! A plugin platform that embeds capsock the way it embeds wasmtime-wasi:
//! its own store type (WASI and capsock views over one resource table), its
//! own WIT world (`wit/plugin.wit`: the plugin *exports* `handle`, no
//! `main`), and a policy per plugin. Two plugins (the same component under
//! two policies) answer a request by fetching from a native TCP service on
//! loopback: the first is granted it, the second is not.
//!
//! Run with `cargo run --release -p capsock-examples --bin plugin_host`.

use capsock_host::{CapsockCtx, CapsockCtxView, CapsockView, Policy};
use std::io::{BufRead, BufReader, Write};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

wasmtime::component::bindgen!({ path: "wit/plugin.wit", world: "plugin", exports: { default: async } });
include!(concat!(env!("OUT_DIR"), "/guests.rs"));

// ---- The embedding code: a store type, a linker, one call per request. ----

struct PluginState {
    wasi: WasiCtx,
    capsock: CapsockCtx,
    table: ResourceTable,
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl CapsockView for PluginState {
    fn capsock(&mut self) -> CapsockCtxView<'_> {
        CapsockCtxView { ctx: &mut self.capsock, table: &mut self.table }
    }
}

fn linker(engine: &Engine) -> wasmtime::Result<Linker<PluginState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    capsock_host::add_to_linker(&mut linker)?;
    Ok(linker)
}

/// One request to one plugin, in a fresh instance under `policy`.
async fn handle(
    linker: &Linker<PluginState>,
    plugin: &Component,
    name: &str,
    policy: Policy,
    request: &str,
) -> wasmtime::Result<String> {
    let capsock = CapsockCtx::builder(policy).instance_name(name).build();
    let state =
        PluginState { wasi: WasiCtxBuilder::new().inherit_stderr().build(), capsock, table: ResourceTable::new() };
    let mut store = Store::new(linker.engine(), state);
    let instance = Plugin::instantiate_async(&mut store, plugin, linker).await?;
    instance.call_handle(&mut store, request).await
}

// ---- The demo around it: a native service, two plugins, the answers. ----

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A native line service on loopback: answers each line, then closes.
    let service = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = service.local_addr()?;
    std::thread::spawn(move || {
        for conn in service.incoming().take(1).flatten() {
            let mut line = String::new();
            let _ = BufReader::new(&conn).read_line(&mut line);
            let _ = (&conn).write_all(format!("price of {} is 42", line.trim()).as_bytes());
        }
    });
    let engine = Engine::default();
    let linker = linker(&engine)?;
    let wasm = GUESTS.iter().find(|(n, _)| *n == "plugin_fetch").ok_or("plugin_fetch was not built")?.1;
    let plugin = Component::from_file(&engine, wasm)?;
    let request = format!("{addr} apples");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (granted, refused) = rt.block_on(async {
        let granted = Policy::from_rules([format!("connect tcp://{addr}").as_str()], [])?;
        let a = handle(&linker, &plugin, "plugin-a", granted, &request).await?;
        let b = handle(&linker, &plugin, "plugin-b", Policy::deny_all(), &request).await?;
        Ok::<_, Box<dyn std::error::Error>>((a, b))
    })?;
    println!("plugin-a (connect tcp://{addr} granted): {granted}");
    println!("plugin-b (no grant): {refused}");
    let expected = granted == "ok price of apples is 42" && refused.starts_with("error PermissionError");
    if !expected {
        return Err("a plugin did not answer as its policy says".into());
    }
    Ok(())
}
