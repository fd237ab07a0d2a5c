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
//! # Bounds
//!
//! A guest can make decisions as fast as it can loop, so the trail is
//! bounded twice:
//!
//! - **Identical denials** (same op, target and rule) are written at most
//!   [`DENIAL_BURST`] times per [`DENIAL_WINDOW`] per instance; the rest
//!   are counted, and one summary line with `"suppressed": N` follows when
//!   the window has passed (at the next such denial, or when the instance
//!   ends). At most [`DENIAL_KEYS`] distinct denials are tracked at once;
//!   past that, the pending summaries are written and tracking starts over.
//! - **The file's size**: past [`AuditSink::max_bytes`] (default
//!   [`DEFAULT_MAX_BYTES`]) the file is renamed to `FILE.1` (replacing an
//!   older one) and a new `FILE` is started, so the trail takes at most
//!   twice that on disk.
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
//! | `tls` | a TLS handshake (`allowed`: the certificate verified), or a server name a `tls` rule refused | the version and ALPN protocol, or the verification error; the rule for a refusal |

use serde_json::json;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The longest an allowed decision's line waits in the buffer.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// Identical denials written per [`DENIAL_WINDOW`] before the rest are
/// only counted.
pub const DENIAL_BURST: u32 = 5;

/// The window identical denials are counted in.
pub const DENIAL_WINDOW: Duration = Duration::from_secs(1);

/// Distinct denials tracked per instance at once.
pub const DENIAL_KEYS: usize = 1024;

/// The audit file's size before it is rotated to `FILE.1`.
pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;

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
    /// A TLS session: its handshake (verified or not), or a server name its
    /// connection's `tls` rule refused.
    Tls,
}

impl AuditOp {
    /// Every op, in the order of the module's table.
    pub const ALL: [AuditOp; 12] = [
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
        AuditOp::Tls,
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
            AuditOp::Tls => "tls",
        }
    }
}

impl std::fmt::Display for AuditOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where audit lines go: a JSON-lines file shared by instances, or a
/// function given each line (a container's stderr, a log shipper).
#[derive(Clone)]
pub struct AuditSink {
    file: Option<Arc<Mutex<Writer>>>,
    lines: Option<LineFn>,
}

/// A function given each audit line.
type LineFn = Arc<dyn Fn(&str) + Send + Sync>;

impl std::fmt::Debug for AuditSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.file {
            Some(w) => f.debug_struct("AuditSink").field("file", w).finish(),
            None => f.write_str("AuditSink(lines)"),
        }
    }
}

#[derive(Debug)]
struct Writer {
    out: BufWriter<File>,
    /// When the buffer was last pushed to the file.
    flushed: Instant,
    path: std::path::PathBuf,
    /// Bytes in the current file.
    size: u64,
    max_bytes: u64,
}

impl AuditSink {
    /// Append to (or create) the file at `path`.
    ///
    /// # Errors
    /// When the file cannot be opened for appending.
    pub fn open(path: &Path) -> std::io::Result<AuditSink> {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let out = BufWriter::new(file);
        let w = Writer { out, flushed: Instant::now(), path: path.to_path_buf(), size, max_bytes: DEFAULT_MAX_BYTES };
        Ok(AuditSink { file: Some(Arc::new(Mutex::new(w))), lines: None })
    }

    /// Hand each line (one JSON object, no newline) to `f`, as it is made:
    /// `f` decides where it goes and must write it whole. Nothing is
    /// buffered here; rotation does not apply.
    pub fn lines(f: impl Fn(&str) + Send + Sync + 'static) -> AuditSink {
        AuditSink { file: None, lines: Some(Arc::new(f)) }
    }

    /// Rotate the file past `bytes` instead of [`DEFAULT_MAX_BYTES`] (at
    /// least 4 KiB).
    pub fn max_bytes(self, bytes: u64) -> AuditSink {
        if let Some(Ok(mut w)) = self.file.as_ref().map(|f| f.lock()) {
            w.max_bytes = bytes.max(4096);
        }
        self
    }

    /// Write one line; `durable` (a denial) pushes it to the file before
    /// returning, and so does a buffer older than [`FLUSH_INTERVAL`].
    fn write(&self, line: &str, durable: bool) {
        if let Some(f) = &self.lines {
            f(line);
        }
        // A poisoned lock or a full disk must not take a guest down; the
        // tracing event still carries the decision.
        if let Some(Ok(mut w)) = self.file.as_ref().map(|f| f.lock()) {
            if w.size + line.len() as u64 + 1 > w.max_bytes {
                w.rotate();
            }
            let _ = writeln!(w.out, "{line}");
            w.size += line.len() as u64 + 1;
            if durable || w.flushed.elapsed() >= FLUSH_INTERVAL {
                let _ = w.out.flush();
                w.flushed = Instant::now();
            }
        }
    }

    /// Push buffered lines to the file.
    pub fn flush(&self) {
        if let Some(Ok(mut w)) = self.file.as_ref().map(|f| f.lock()) {
            let _ = w.out.flush();
            w.flushed = Instant::now();
        }
    }
}

impl Writer {
    /// Move the full file to `FILE.1` and start a new one. On any failure
    /// the old file is kept and written on (a full disk must not stop a
    /// guest; the size bound then no longer holds, and that is the
    /// operator's to see).
    fn rotate(&mut self) {
        let _ = self.out.flush();
        let mut old = self.path.clone().into_os_string();
        old.push(".1");
        if std::fs::rename(&self.path, &old).is_err() {
            return;
        }
        if let Ok(f) = std::fs::OpenOptions::new().create(true).append(true).open(&self.path) {
            self.out = BufWriter::new(f);
            self.size = 0;
        }
    }
}

/// One instance's view of the audit trail.
#[derive(Clone, Debug)]
pub struct Audit {
    sink: Option<AuditSink>,
    instance: String,
    denials: Arc<Mutex<Denials>>,
}

/// Identical denials counted in their window.
#[derive(Debug, Default)]
struct Denials {
    windows: std::collections::HashMap<(AuditOp, String, String), Window>,
}

#[derive(Debug)]
struct Window {
    start: Instant,
    written: u32,
    suppressed: u64,
}

static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

impl Audit {
    /// An audit for a new instance named `name` (numbered for uniqueness).
    pub fn new(sink: Option<AuditSink>, name: &str) -> Audit {
        let n = NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed);
        Audit { sink, instance: format!("{name}#{n}"), denials: Arc::default() }
    }

    /// The id that stamps this instance's lines.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Record one decision: `op` is what was attempted (see the module's
    /// table), `target` what it named, `rule` what decided. A denial is in
    /// the file when this returns (or counted, past [`DENIAL_BURST`]).
    pub fn record(&self, op: AuditOp, target: &str, allowed: bool, rule: &str) {
        if !allowed && !self.admit_denial(op, target, rule) {
            return;
        }
        self.write(op, target, allowed, rule, None);
    }

    /// Whether a denial is written now; counts it otherwise, and writes the
    /// summary of a window that has passed.
    fn admit_denial(&self, op: AuditOp, target: &str, rule: &str) -> bool {
        let Ok(mut d) = self.denials.lock() else { return true };
        let key = (op, target.to_string(), rule.to_string());
        if !d.windows.contains_key(&key) && d.windows.len() >= DENIAL_KEYS {
            let all: Vec<_> = d.windows.drain().collect();
            drop(d);
            for ((op, target, rule), w) in all {
                self.summary(op, &target, &rule, w.suppressed);
            }
            return self.admit_denial(op, target, rule);
        }
        let now = Instant::now();
        let w = d.windows.entry(key).or_insert(Window { start: now, written: 0, suppressed: 0 });
        let mut passed = 0;
        if now.duration_since(w.start) >= DENIAL_WINDOW {
            passed = w.suppressed;
            *w = Window { start: now, written: 0, suppressed: 0 };
        }
        let admit = w.written < DENIAL_BURST;
        if admit {
            w.written += 1;
        } else {
            w.suppressed += 1;
        }
        drop(d);
        self.summary(op, target, rule, passed);
        admit
    }

    /// The line that stands for `n` identical denials not written.
    fn summary(&self, op: AuditOp, target: &str, rule: &str, n: u64) {
        if n > 0 {
            self.write(op, target, false, rule, Some(n));
        }
    }

    fn write(&self, op: AuditOp, target: &str, allowed: bool, rule: &str, suppressed: Option<u64>) {
        let op = op.name();
        tracing::info!(target: "capsock::audit", instance = %self.instance, op, target, allowed, rule, suppressed);
        if let Some(sink) = &self.sink {
            let ts = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
            let mut line = json!({
                "ts": ts,
                "instance": self.instance,
                "op": op,
                "target": target,
                "allowed": allowed,
                "rule": rule,
            });
            if let Some(n) = suppressed {
                line["suppressed"] = json!(n);
            }
            sink.write(&line.to_string(), !allowed);
        }
    }

    /// Write pending summaries and flush the file behind this audit (at
    /// instance end).
    pub fn flush(&self) {
        let pending: Vec<_> = match self.denials.lock() {
            Ok(mut d) => d.windows.drain().collect(),
            Err(_) => Vec::new(),
        };
        for ((op, target, rule), w) in pending {
            self.summary(op, &target, &rule, w.suppressed);
        }
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
    fn identical_denials_are_counted_not_repeated() {
        let path = std::env::temp_dir().join(format!("capsock-audit-burst-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let audit = Audit::new(Some(AuditSink::open(&path).unwrap()), "burst");
        for _ in 0..200_000 {
            audit.record(AuditOp::Resolve, "secret.example", false, "default deny");
        }
        audit.record(AuditOp::Resolve, "other.example", false, "default deny");
        audit.flush();
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let secret: Vec<_> = lines.iter().filter(|v| v["target"] == "secret.example").collect();
        assert_eq!(secret.len(), DENIAL_BURST as usize + 1, "the burst, then one summary:\n{text}");
        let counted: u64 = secret.iter().filter_map(|v| v["suppressed"].as_u64()).sum();
        assert_eq!(counted + u64::from(DENIAL_BURST), 200_000, "every denial is accounted for");
        assert!(lines.iter().any(|v| v["target"] == "other.example"), "another denial is not hidden by the burst");
        assert!(text.len() < 4096, "200,000 denials in {} bytes", text.len());
    }

    #[test]
    fn the_file_rotates_at_its_cap() {
        let path = std::env::temp_dir().join(format!("capsock-audit-rotate-{}.jsonl", std::process::id()));
        let old = std::path::PathBuf::from(format!("{}.1", path.display()));
        let _ = (std::fs::remove_file(&path), std::fs::remove_file(&old));
        let audit = Audit::new(Some(AuditSink::open(&path).unwrap().max_bytes(8192)), "rotate");
        for i in 0..2000 {
            audit.record(AuditOp::Connect, &format!("tcp://127.0.0.1:{i}"), true, "connect tcp://127.0.0.1:*");
        }
        audit.flush();
        let (now, before) = (std::fs::metadata(&path).unwrap().len(), std::fs::metadata(&old).unwrap().len());
        let _ = (std::fs::remove_file(&path), std::fs::remove_file(&old));
        assert!(now <= 8192 && before <= 8192, "{now} and {before} bytes");
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
