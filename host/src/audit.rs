//! The audit trail: every policy decision, allowed or denied, as a JSON
//! line in a file and as a `tracing` event.
//!
//! One [`AuditSink`] may be shared by many guest instances (lines are
//! written whole under a lock); each instance records through its own
//! [`Audit`], which stamps its instance id. Only the mediator
//! (`mediate.rs`) and the resolver's OS-query record write lines.
//!
//! A line: `{"ts":1795250000.12,"instance":"fetch.wasm#1","op":"connect",
//! "target":"tcp://10.0.0.5:443","allowed":false,"rule":"connect *://private:*"}`.
//! Denials are flushed to the file before the guest sees its error, so a
//! killed host loses none; allowed decisions are flushed with the first
//! line written [`FLUSH_INTERVAL`] after the last flush, with any denial,
//! and when the instance ends (no timer thread: a quiet instance may keep
//! allowed lines buffered until then).
//!
//! # Ops
//!
//! Every `op` a line can carry ([`AuditOp`]; a test keeps this table and
//! the enum equal):
//!
//! | op | what was attempted | target |
//! |---|---|---|
//! | `bind` | `bind` of a TCP, UDP or AF_UNIX socket | `tcp://127.0.0.1:0`, `unix:PATH`, `unix:@NAME` |
//! | `listen` | `listen` (an unbound socket binds port 0 there) | `tcp://0.0.0.0:0` |
//! | `accept` | a `wasi:sockets` accept on a granted listener | the peer, `tcp://…` |
//! | `connect` | `connect` of a TCP, UDP or AF_UNIX socket | `tcp://…`, `udp://…`, `unix:PATH` |
//! | `send` | a datagram to an address (`sendto`/`sendmsg`), a reply to a recent sender | `udp://…` |
//! | `receive` | a datagram from a sender no rule names (dropped) | `udp://…` |
//! | `resolve` | a name lookup; an answer a deny rule removes | `NAME`, `NAME -> IP` |
//! | `lookup` | a name sent to the OS resolver (after `resolve` allowed it) | `NAME` |
//! | `setsockopt` | a socket option outside or inside the allowlist | `LEVEL:NAME` |
//! | `join` | a multicast group join | `udp://GROUP:PORT` |
//! | `limit` | a limit reached, or the run's deadline | the limit's name |

use serde_json::json;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The longest an allowed decision's line waits in the buffer.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// What an audit line says was attempted: its `op` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditOp {
    Bind,
    Listen,
    Accept,
    Connect,
    Send,
    Receive,
    Resolve,
    Lookup,
    Setsockopt,
    Join,
    Limit,
}

impl AuditOp {
    /// Every op, in the order of the module's table.
    pub const ALL: [AuditOp; 11] = [
        AuditOp::Bind,
        AuditOp::Listen,
        AuditOp::Accept,
        AuditOp::Connect,
        AuditOp::Send,
        AuditOp::Receive,
        AuditOp::Resolve,
        AuditOp::Lookup,
        AuditOp::Setsockopt,
        AuditOp::Join,
        AuditOp::Limit,
    ];

    /// The name written in the `op` field.
    pub fn name(self) -> &'static str {
        match self {
            AuditOp::Bind => "bind",
            AuditOp::Listen => "listen",
            AuditOp::Accept => "accept",
            AuditOp::Connect => "connect",
            AuditOp::Send => "send",
            AuditOp::Receive => "receive",
            AuditOp::Resolve => "resolve",
            AuditOp::Lookup => "lookup",
            AuditOp::Setsockopt => "setsockopt",
            AuditOp::Join => "join",
            AuditOp::Limit => "limit",
        }
    }
}

impl std::fmt::Display for AuditOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where audit lines go: a JSON-lines file shared by instances.
#[derive(Clone, Debug)]
pub struct AuditSink {
    file: Arc<Mutex<Writer>>,
}

#[derive(Debug)]
struct Writer {
    out: BufWriter<File>,
    /// When the buffer was last pushed to the file.
    flushed: Instant,
}

impl AuditSink {
    /// Append to (or create) the file at `path`.
    ///
    /// # Errors
    /// When the file cannot be opened for appending.
    pub fn open(path: &Path) -> std::io::Result<AuditSink> {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        let out = BufWriter::new(file);
        Ok(AuditSink { file: Arc::new(Mutex::new(Writer { out, flushed: Instant::now() })) })
    }

    /// Write one line; `durable` (a denial) pushes it to the file before
    /// returning, and so does a buffer older than [`FLUSH_INTERVAL`].
    fn write(&self, line: &str, durable: bool) {
        // A poisoned lock or a full disk must not take a guest down; the
        // tracing event still carries the decision.
        if let Ok(mut w) = self.file.lock() {
            let _ = writeln!(w.out, "{line}");
            if durable || w.flushed.elapsed() >= FLUSH_INTERVAL {
                let _ = w.out.flush();
                w.flushed = Instant::now();
            }
        }
    }

    /// Push buffered lines to the file.
    pub fn flush(&self) {
        if let Ok(mut w) = self.file.lock() {
            let _ = w.out.flush();
            w.flushed = Instant::now();
        }
    }
}

/// One instance's view of the audit trail.
#[derive(Clone, Debug)]
pub struct Audit {
    sink: Option<AuditSink>,
    instance: String,
}

static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

impl Audit {
    /// An audit for a new instance named `name` (numbered for uniqueness).
    pub fn new(sink: Option<AuditSink>, name: &str) -> Audit {
        let n = NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed);
        Audit { sink, instance: format!("{name}#{n}") }
    }

    /// The id that stamps this instance's lines.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Record one decision: `op` is what was attempted (see the module's
    /// table), `target` what it named, `rule` what decided. A denial is in
    /// the file when this returns.
    pub fn record(&self, op: AuditOp, target: &str, allowed: bool, rule: &str) {
        let op = op.name();
        tracing::info!(target: "capsock::audit", instance = %self.instance, op, target, allowed, rule);
        if let Some(sink) = &self.sink {
            let ts = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
            let line = json!({
                "ts": ts,
                "instance": self.instance,
                "op": op,
                "target": target,
                "allowed": allowed,
                "rule": rule,
            });
            sink.write(&line.to_string(), !allowed);
        }
    }

    /// Flush the file behind this audit (at instance end).
    pub fn flush(&self) {
        if let Some(sink) = &self.sink {
            sink.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module's table lists exactly the ops [`AuditOp`] can write.
    #[test]
    fn the_documented_ops_are_the_written_ones() {
        let src = include_str!("audit.rs");
        let documented: Vec<&str> =
            src.lines().filter_map(|l| l.strip_prefix("//! | `")).filter_map(|l| l.split('`').next()).collect();
        let written: Vec<&str> = AuditOp::ALL.iter().map(|o| o.name()).collect();
        assert_eq!(documented, written);
    }

    #[test]
    fn a_denial_is_in_the_file_at_once() {
        let path = std::env::temp_dir().join(format!("capsock-audit-unit-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let sink = AuditSink::open(&path).unwrap();
        let audit = Audit::new(Some(sink.clone()), "unit");
        audit.record(AuditOp::Connect, "tcp://127.0.0.1:1", true, "connect tcp://127.0.0.1:1");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "", "an allowed line may wait");
        audit.record(AuditOp::Connect, "tcp://127.0.0.1:2", false, "default deny");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "the denial (and what came before it) is durable: {text}");
        let _ = std::fs::remove_file(&path);
    }
}
