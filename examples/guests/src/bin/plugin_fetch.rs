//! A plugin for `examples/plugin_host.rs`: it exports `handle` (no `main`
//! work), and answers a request `ADDR:PORT QUERY` by sending `QUERY` to the
//! TCP service at `ADDR:PORT` and returning its reply — or the Python-style
//! error its policy gave it.

use capsock::{AF_INET, SOCK_STREAM, socket};

wit_bindgen::generate!({ path: "../wit", world: "capsock-examples:plugin/plugin" });

struct Plugin;

impl Guest for Plugin {
    fn handle(request: String) -> String {
        match fetch(&request) {
            Ok(reply) => format!("ok {reply}"),
            Err(e) => format!("error {}: {e}", e.exception()),
        }
    }
}

fn fetch(request: &str) -> Result<String, capsock::Error> {
    let (addr, query) = request.split_once(' ').unwrap_or((request, ""));
    let (host, port) = addr.rsplit_once(':').unwrap_or((addr, "0"));
    let s = socket(AF_INET, SOCK_STREAM, 0)?;
    s.settimeout(Some(10.0))?;
    s.connect((host, port.parse::<u16>().unwrap_or(0)))?;
    s.sendall(format!("{query}\n").as_bytes())?;
    let mut reply = Vec::new();
    loop {
        let chunk = s.recv(4096)?;
        if chunk.is_empty() {
            break;
        }
        reply.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&reply).trim_end().to_string())
}

export!(Plugin);

fn main() {}
