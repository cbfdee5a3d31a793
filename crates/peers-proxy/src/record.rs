//! What the proxies log: one [`ProxyRecord`] per request or tunnel, for the run's record.

use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

/// Whether a request went through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum ProxyDecision {
    Allowed,
    Denied { reason: String },
}

/// One request through a proxy: which listener, where to, how many bytes each way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyRecord {
    /// `egress`, or the provider's name (`anthropic`, `openai`, `gemini`).
    pub proxy: String,
    /// The host asked for (egress) or the provider's fixed upstream host.
    pub host: String,
    pub port: u16,
    /// `CONNECT`, or the method and path of a provider request.
    pub request: String,
    /// Bytes from the sandbox to the upstream, and back (bodies and heads).
    pub bytes_up: u64,
    pub bytes_down: u64,
    /// The upstream's HTTP status (provider requests).
    pub status: Option<u16>,
    #[serde(flatten)]
    pub decision: ProxyDecision,
}

/// The shared log every connection appends to.
#[derive(Debug, Clone, Default)]
pub struct RecordLog {
    records: Arc<Mutex<Vec<ProxyRecord>>>,
}

impl RecordLog {
    pub fn push(&self, record: ProxyRecord) {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }

    /// Everything logged since the last drain, in order, leaving the log empty.
    pub fn drain(&self) -> Vec<ProxyRecord> {
        std::mem::take(&mut *self.records.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Everything logged so far, in order.
    pub fn snapshot(&self) -> Vec<ProxyRecord> {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
