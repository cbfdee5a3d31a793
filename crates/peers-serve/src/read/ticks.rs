//! The run log `.peers/log/runs.jsonl` as the pages need it: every tick record (without its
//! output tails, so a run of thousands of ticks stays small in memory) and every exit record,
//! streamed one line at a time by peers-store. Fields absent from older records default.

use std::collections::BTreeMap;
use std::path::Path;

use peers_store::layout::PeersDir;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Tick {
    pub ts: String,
    pub iteration: u64,
    pub peer: String,
    pub tool: String,
    /// The peer's configured model; empty in records without one (the CLI's default).
    pub model: String,
    pub classification: String,
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    pub success: bool,
    pub soft_fail_reason: Option<String>,
    pub skeptic: bool,
    pub tokens_this_tick: u64,
    pub usd_this_tick: Option<f64>,
    pub spent_usd_total: f64,
    pub spent_tokens_total: u64,
    pub commits: Vec<String>,
    pub warnings_emitted: Vec<String>,
    pub integrity: Vec<String>,
    pub identity_violations: Vec<String>,
    pub bugs_filed: Vec<String>,
    pub bugs_resolved: Vec<String>,
    pub soft_reviews_seen: u32,
    pub soft_reviews_ingested: u32,
    pub soft_reviews_rejected: u32,
    pub gates: Gates,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Gates {
    /// Hard gate id → "pass" | "fail".
    pub hard: BTreeMap<String, String>,
    pub soft: BTreeMap<String, String>,
}

impl Tick {
    pub fn gates_green(&self) -> usize {
        self.gates
            .hard
            .values()
            .filter(|s| s.as_str() == "pass")
            .count()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ExitRow {
    pub ts: String,
    pub reason: String,
    pub ticks_in_run: u64,
    pub iteration: u64,
}

#[derive(Debug, Clone, Default)]
pub struct RunLog {
    pub ticks: Vec<Tick>,
    pub exits: Vec<ExitRow>,
    /// Lines that could not be read (torn, too long, not JSON).
    pub malformed: usize,
}

impl RunLog {
    /// Every gate id seen in any tick, sorted.
    pub fn gate_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .ticks
            .iter()
            .flat_map(|tick| tick.gates.hard.keys().cloned())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// Reads the whole log of the repository at `repo` (a missing log is empty).
pub fn read_run_log(repo: &Path) -> Result<RunLog, String> {
    let dir = PeersDir::at(repo);
    let mut log = RunLog::default();
    let malformed = peers_store::run_log::scan_lines(&dir, |bytes| {
        let Ok(probe) = serde_json::from_slice::<Probe>(bytes) else {
            return false;
        };
        match probe.event.as_deref() {
            Some("exit") => match serde_json::from_slice::<ExitRow>(bytes) {
                Ok(exit) => log.exits.push(exit),
                Err(_) => return false,
            },
            Some("tick") | None if probe.iteration.is_some() => {
                match serde_json::from_slice::<Tick>(bytes) {
                    Ok(tick) => log.ticks.push(tick),
                    Err(_) => return false,
                }
            }
            _ => {}
        }
        true
    })
    .map_err(|err| err.to_string())?;
    log.malformed = malformed;
    Ok(log)
}

/// The kind of a record, read without its body.
#[derive(Deserialize)]
struct Probe {
    event: Option<String>,
    iteration: Option<serde::de::IgnoredAny>,
}

/// One tick's full record (with output tails), found through the log's index.
pub fn read_tick(repo: &Path, iteration: u64) -> Result<Option<serde_json::Value>, String> {
    peers_store::run_log::find_tick(&PeersDir::at(repo), iteration).map_err(|err| err.to_string())
}

/// The size of the log in bytes (0 when missing): a cheap change marker for live updates.
pub fn log_len(repo: &Path) -> u64 {
    std::fs::symlink_metadata(PeersDir::at(repo).runs_jsonl()).map_or(0, |meta| meta.len())
}

/// The timestamp of the newest record, reading only the end of the log.
pub fn last_ts(repo: &Path) -> Option<String> {
    use std::io::{Read as _, Seek as _, SeekFrom};
    let (mut file, meta) =
        peers_store::safe_fs::open_control_file(&PeersDir::at(repo).runs_jsonl()).ok()?;
    let start = meta.len().saturating_sub(16 * 1024);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut tail = Vec::new();
    file.take(16 * 1024).read_to_end(&mut tail).ok()?;
    let text = String::from_utf8_lossy(&tail);
    text.lines().rev().find_map(|line| {
        let value: serde_json::Value = serde_json::from_str(line).ok()?;
        value.get("ts")?.as_str().map(str::to_owned)
    })
}
