//! The records of `.peers/log/runs.jsonl`: one `tick` record per finished tick and one `exit`
//! record per run, a [`Record`] tagged by its `event` key. Versioned (`v`), appended by one
//! writer, never rewritten. The JSON is the contract (`peers report`, `replay`, `watch`,
//! `peers-ctl` and the browser view read it; users script against it): peers-driver's
//! `tests/records.rs` reads records as this version wrote them.

use std::collections::BTreeMap;

use peers_core::state::{GoalState, PeerState};
use peers_core::turn_class::TurnClass;
use serde::{Deserialize, Serialize};

pub const RECORD_VERSION: u32 = 1;

/// Everything the original's tick entry had, plus truncation, per-gate
/// durations, identity and integrity findings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TickRecord {
    pub v: u32,
    pub ts: String,
    pub iteration: u64,
    pub peer: String,
    pub tool: String,
    /// The peer's configured `model` (absent: the CLI's own default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub classification: TurnClass,
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
    pub peer_state_after: PeerState,
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
    /// Hard gate id → its verdict (`"pass"` | `"fail"`).
    pub hard: BTreeMap<String, GoalState>,
    /// Soft goal id → "count/needed".
    pub soft: BTreeMap<String, String>,
}

/// Written once when a run ends, whatever the reason.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExitRecord {
    pub v: u32,
    pub ts: String,
    pub reason: String,
    pub ticks_in_run: u64,
    pub iteration: u64,
}

impl ExitRecord {
    pub fn new(reason: &str, ticks_in_run: u64, iteration: u64) -> Self {
        Self {
            v: RECORD_VERSION,
            ts: crate::timestamp::now_iso_utc(),
            reason: reason.to_owned(),
            ticks_in_run,
            iteration,
        }
    }
}

/// A record of runs.jsonl, tagged by its `event` key; anything else read back (a record of a
/// newer version, an unknown event) is kept whole as [`Record::Other`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Record {
    Tick(Box<TickRecord>),
    Exit(ExitRecord),
    #[serde(untagged)]
    Other(serde_json::Value),
}

/// The JSON written for a record (borrowed: nothing is copied to tag it).
#[derive(Serialize)]
#[serde(tag = "event", rename_all = "lowercase")]
enum Written<'a> {
    Tick(&'a TickRecord),
    Exit(&'a ExitRecord),
}

impl TickRecord {
    /// The line runs.jsonl gets (`"event": "tick"` and the fields).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(Written::Tick(self)).unwrap_or_default()
    }
}

impl ExitRecord {
    /// The line runs.jsonl gets (`"event": "exit"` and the fields).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(Written::Exit(self)).unwrap_or_default()
    }
}

impl Record {
    pub fn from_value(value: serde_json::Value) -> Record {
        let has_event = value.get("event").is_some();
        match serde_json::from_value(value.clone()) {
            Ok(Record::Other(value)) if !has_event && value.get("iteration").is_some() => {
                // The original's tick entries have no `event` key.
                serde_json::from_value(value.clone())
                    .map(|tick| Record::Tick(Box::new(tick)))
                    .unwrap_or(Record::Other(value))
            }
            Ok(record) => record,
            Err(_) => Record::Other(value),
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
            iteration: 3,
            peer: "claude".into(),
            ..TickRecord::default()
        };
        let value = record.to_value();
        assert_eq!(value["event"], "tick");
        assert!(matches!(Record::from_value(value), Record::Tick(t) if t.iteration == 3));
        let original = serde_json::json!({"ts": "2026-01-01T00:00:00Z", "iteration": 4, "peer": "codex", "classification": "success", "success": true});
        assert!(matches!(Record::from_value(original), Record::Tick(t) if t.peer == "codex"));
        let exit = ExitRecord::new("complete", 2, 9).to_value();
        assert_eq!(exit["event"], "exit");
        assert!(matches!(Record::from_value(exit), Record::Exit(e) if e.reason == "complete"));
    }
}
