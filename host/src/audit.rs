//! The audit trail: every policy decision, allowed or denied, as a JSON
//! line in a file and as a `tracing` event.
//!
//! One [`AuditSink`] may be shared by many guest instances (lines are
//! written whole under a lock); each instance records through its own
//! [`Audit`], which stamps its instance id.

use serde_json::json;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// Where audit lines go: a JSON-lines file shared by instances.
#[derive(Clone, Debug)]
pub struct AuditSink {
    file: Arc<Mutex<BufWriter<File>>>,
}

impl AuditSink {
    /// Append to (or create) the file at `path`.
    ///
    /// # Errors
    /// When the file cannot be opened for appending.
    pub fn open(path: &Path) -> std::io::Result<AuditSink> {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        Ok(AuditSink { file: Arc::new(Mutex::new(BufWriter::new(file))) })
    }

    fn write(&self, line: &str) {
        // A poisoned lock or a full disk must not take a guest down; the
        // tracing event still carries the decision.
        if let Ok(mut f) = self.file.lock() {
            let _ = writeln!(f, "{line}");
        }
    }

    /// Push buffered lines to the file.
    pub fn flush(&self) {
        if let Ok(mut f) = self.file.lock() {
            let _ = f.flush();
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

    /// Record one decision: `op` is what was attempted (`connect`,
    /// `listen`, `sendto`, `resolve`, `setsockopt`, `unix`, `limit`),
    /// `target` what it named, `rule` what decided.
    pub fn record(&self, op: &str, target: &str, allowed: bool, rule: &str) {
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
            sink.write(&line.to_string());
        }
    }

    /// Flush the file behind this audit (at instance end).
    pub fn flush(&self) {
        if let Some(sink) = &self.sink {
            sink.flush();
        }
    }
}
