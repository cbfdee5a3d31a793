//! One project at a glance, from peers-store's run summary (`.peers/state.json` and the stop
//! reason) and the tail of `.peers/log/runs.jsonl` only (never a whole log): tick, peers and
//! their health, gates green/total, blocking bugs, cost and cap, last activity, stop reason.
//! Cheap enough to do for hundreds of projects.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use peers_store::layout::PeersDir;
pub use peers_store::run_summary::OverviewPeer;
use peers_store::run_summary::read_run_summary;
use serde::Serialize;
use serde_json::Value;

/// How much of the end of runs.jsonl is read first; doubled up to [`TAIL_MAX`] when the last
/// record is longer.
const TAIL_FIRST: u64 = 16 * 1024;
const TAIL_MAX: u64 = 4 * 1024 * 1024;

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
    match last_record(&PeersDir::at(repo).runs_jsonl()) {
        Ok(Some(record)) => {
            summary.last_activity = record["ts"].as_str().map(str::to_owned);
        }
        Ok(None) => {}
        Err(err) => summary.problems.push(err),
    }
    summary
}

/// The last complete JSON record of a JSONL file, reading only its end.
pub fn last_record(path: &Path) -> Result<Option<Value>, String> {
    let (mut file, meta) = match peers_store::safe_fs::open_control_file(path) {
        Ok(opened) => opened,
        Err(err) if err.is_not_found() => return Ok(None),
        Err(err) => return Err(err.to_string()),
    };
    let len = meta.len();
    let mut window = TAIL_FIRST;
    loop {
        let tail =
            read_tail(&mut file, len, window).map_err(|e| format!("{}: {e}", path.display()))?;
        let text = String::from_utf8_lossy(&tail);
        let complete = text.rsplit_once('\n').map_or("", |(head, _)| head);
        for line in complete.rsplit('\n') {
            if let Ok(value) = serde_json::from_str::<Value>(line) {
                return Ok(Some(value));
            }
            // A cut first line (the window began mid-record) or a torn line: look further back.
        }
        if window >= len || window >= TAIL_MAX {
            return Ok(None);
        }
        window *= 4;
    }
}

/// The last `window` bytes of the file (the whole file when shorter).
pub fn read_tail(file: &mut File, len: u64, window: u64) -> std::io::Result<Vec<u8>> {
    let start = len.saturating_sub(window);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::with_capacity(usize::try_from(len - start).unwrap_or(0));
    file.take(len - start).read_to_end(&mut bytes)?;
    Ok(bytes)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_record_is_found_past_a_torn_tail() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("runs.jsonl");
        let long = "x".repeat(40_000);
        std::fs::write(
            &path,
            format!("{{\"ts\":\"a\"}}\n{{\"ts\":\"b\",\"pad\":\"{long}\"}}\n{{\"ts\":\"c\"\n"),
        )
        .unwrap();
        assert_eq!(last_record(&path).unwrap().unwrap()["ts"], "b");
    }
}
