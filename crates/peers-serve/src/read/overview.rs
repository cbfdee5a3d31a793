//! One project at a glance: peers-store's run summary (`.peers/state.json`,
//! `last-stop-reason.txt`, `HALTED.md`: tick, peers and health, gates green/total, spend and
//! cap, stop reason) and `live.json` (the tick in progress). Cheap enough for hundreds of
//! projects per page.

use std::path::Path;

use peers_store::layout::PeersDir;
use peers_store::run_summary::{RunOverview, read_run_summary};
use serde::{Deserialize, Serialize};

/// Largest `live.json` read.
const LIVE_CAP: u64 = 64 * 1024;

#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub run: RunOverview,
    pub live: Option<Live>,
}

/// The tick in progress (`.peers/live.json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Live {
    pub iteration: u64,
    pub peer: String,
    pub phase: String,
    pub started_at: String,
    pub last_line: String,
    /// The peer's last lines, oldest first (empty in files written before they were kept).
    pub recent: Vec<String>,
    pub tokens: u64,
    pub usd: Option<f64>,
}

pub fn overview(repo: &Path) -> Overview {
    let run = read_run_summary(repo);
    if !run.initialised {
        return Overview { run, live: None };
    }
    let live = peers_store::safe_fs::read_control_file_if_exists(
        &PeersDir::at(repo).path().join("live.json"),
        LIVE_CAP,
    )
    .ok()
    .flatten()
    .and_then(|bytes| serde_json::from_slice::<Live>(&bytes).ok());
    Overview { run, live }
}

impl Overview {
    /// The state shown: the supervisor's, except that a halted or stopped-for-a-reason run says so.
    pub fn shown_state(&self, supervisor: &str) -> String {
        if supervisor != "running" && self.run.halted {
            return "halted".to_owned();
        }
        supervisor.to_owned()
    }
}
