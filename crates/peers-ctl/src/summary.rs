//! One project at a glance, from peers-store's run summary (`.peers/state.json` and the stop
//! reason) and the tail of `.peers/log/runs.jsonl` only (never a whole log): tick, peers and
//! their health, gates green/total, blocking bugs, cost and cap, last activity, stop reason.
//! Cheap enough to do for hundreds of projects.

use std::fmt::Write as _;
use std::path::Path;

use peers_store::layout::PeersDir;
pub use peers_store::run_summary::OverviewPeer;
use peers_store::run_summary::read_run_summary;
use peers_store::run_tail::{last_record, read_tail};
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub initialised: bool,
    pub iteration: Option<u64>,
    pub peers: Vec<OverviewPeer>,
    pub gates_green: usize,
    pub gates_total: usize,
    pub blocking_bugs: Option<u64>,
    pub bugs_reported: Option<u64>,
    pub bugs_fixed: Option<u64>,
    pub spent_usd: Option<f64>,
    pub max_usd: Option<f64>,
    pub last_activity: Option<String>,
    pub stop_reason: Option<String>,
    pub halted: bool,
    pub readme: bool,
    /// What could not be read (a file too large, a symlink, bad JSON).
    pub problems: Vec<String>,
}

pub fn summarise(repo: &Path) -> Summary {
    let run = read_run_summary(repo);
    let mut summary = Summary {
        initialised: run.initialised,
        iteration: run.iteration,
        gates_green: run.gates_green(),
        gates_total: run.gates.len(),
        blocking_bugs: run.blocking_bugs,
        bugs_reported: run.bugs_reported,
        bugs_fixed: run.bugs_fixed,
        spent_usd: run.spent_usd,
        max_usd: run.max_usd,
        last_activity: None,
        stop_reason: run.stop_reason,
        halted: run.halted,
        readme: repo.join("README.md").is_file(),
        peers: run.peers,
        problems: run.problems,
    };
    if !summary.initialised {
        return summary;
    }
    match last_record(&PeersDir::at(repo)) {
        Ok(Some(record)) => {
            summary.last_activity = record["ts"].as_str().map(str::to_owned);
        }
        Ok(None) => {}
        Err(err) => summary.problems.push(with_causes(&err)),
    }
    summary
}

/// An error and its causes on one line (a problem is one line of the summary).
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

/// The end of a log read for its last lines.
const TAIL_WINDOW: u64 = 1024 * 1024;

/// The last `n` lines of `path` (empty when it cannot be read).
pub fn last_lines(path: &Path, n: usize) -> Vec<String> {
    let Ok((mut file, meta)) = peers_store::safe_fs::open_control_file(path) else {
        return Vec::new();
    };
    let Ok(bytes) = read_tail(&mut file, meta.len(), TAIL_WINDOW) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| (*l).to_owned())
        .collect()
}
