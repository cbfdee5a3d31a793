//! The records of `.peers/log/runs.jsonl`: one `tick` record per finished tick and one `exit`
//! record per run. Versioned (`v`), appended by one writer, never rewritten.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const RECORD_VERSION: u32 = 1;

/// Everything the original's tick entry had, plus truncation, per-gate
/// durations, identity and integrity findings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TickRecord {
    pub v: u32,
    pub event: String,
    pub ts: String,
    pub iteration: u64,
    pub peer: String,
    pub tool: String,
    pub classification: String,
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    pub success: bool,
    pub soft_fail_reason: Option<String>,
    pub skeptic: bool,
    pub tokens_this_tick: u64,
    pub usd_this_tick: Option<f64>,
    pub usd_unknown: bool,
    pub spent_tokens_total: u64,
    pub spent_usd_total: f64,
    pub head_before: Option<String>,
    pub head_after: Option<String>,
    pub commits: Vec<String>,
    pub peer_state_after: String,
    pub warnings_emitted: Vec<String>,
    pub matched_error_pattern: Option<String>,
    pub matched_error_snippet: Option<String>,
    pub matched_error_source: Option<String>,
    pub stdout_tail: String,
    pub stderr_tail: String,
    pub truncated: bool,
    pub prompt_delivery: String,
    pub soft_reviews_seen: u32,
    pub soft_reviews_ingested: u32,
    pub soft_reviews_rejected: u32,
    pub bugs_filed: Vec<String>,
    pub bugs_resolved: Vec<String>,
    pub identity_violations: Vec<String>,
    pub integrity: Vec<String>,
    pub gates: GateSnapshot,
    pub gate_durations_ms: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GateSnapshot {
    /// Hard gate id → "pass" | "fail".
    pub hard: BTreeMap<String, String>,
    /// Soft goal id → "count/needed".
    pub soft: BTreeMap<String, String>,
}

/// Written once when a run ends, whatever the reason.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExitRecord {
    pub v: u32,
    pub event: String,
    pub ts: String,
    pub reason: String,
    pub ticks_in_run: u64,
    pub iteration: u64,
}

impl ExitRecord {
    pub fn new(reason: &str, ticks_in_run: u64, iteration: u64) -> Self {
        Self {
            v: RECORD_VERSION,
            event: "exit".to_owned(),
            ts: peers_store::timestamp::now_iso_utc(),
            reason: reason.to_owned(),
            ticks_in_run,
            iteration,
        }
    }
}

/// A record read back from runs.jsonl.
#[derive(Debug, Clone)]
pub enum Record {
    Tick(Box<TickRecord>),
    Exit(ExitRecord),
    Other(serde_json::Value),
}

impl Record {
    pub fn from_value(value: serde_json::Value) -> Record {
        match value.get("event").and_then(|e| e.as_str()) {
            Some("exit") => serde_json::from_value(value.clone())
                .map(Record::Exit)
                .unwrap_or(Record::Other(value)),
            // The original's tick entries have no `event` key.
            Some("tick") | None if value.get("iteration").is_some() => {
                serde_json::from_value(value.clone())
                    .map(|t| Record::Tick(Box::new(t)))
                    .unwrap_or(Record::Other(value))
            }
            _ => Record::Other(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_record_round_trips_and_original_entries_without_event_still_read_as_ticks() {
        let record = TickRecord {
            v: 1,
            event: "tick".into(),
            iteration: 3,
            peer: "claude".into(),
            ..TickRecord::default()
        };
        let value = serde_json::to_value(&record).unwrap();
        assert!(matches!(Record::from_value(value), Record::Tick(t) if t.iteration == 3));
        let original = serde_json::json!({"ts": "2026-01-01T00:00:00Z", "iteration": 4, "peer": "codex", "classification": "success", "success": true});
        assert!(matches!(Record::from_value(original), Record::Tick(t) if t.peer == "codex"));
        let exit = serde_json::to_value(ExitRecord::new("complete", 2, 9)).unwrap();
        assert!(matches!(Record::from_value(exit), Record::Exit(e) if e.reason == "complete"));
    }
}
