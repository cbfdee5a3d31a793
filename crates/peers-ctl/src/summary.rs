//! One project at a glance, from `.peers/state.json` and the tail of `.peers/log/runs.jsonl`
//! only (never a whole log): tick, peers and their health, gates green/total, blocking bugs,
//! cost and cap, last activity, stop reason. Cheap enough to do for hundreds of projects.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use peers_store::layout::{PeersDir, STATE_CAP};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How much of the end of runs.jsonl is read first; doubled up to [`TAIL_MAX`] when the last
/// record is longer.
const TAIL_FIRST: u64 = 16 * 1024;
const TAIL_MAX: u64 = 4 * 1024 * 1024;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub initialised: bool,
    pub iteration: Option<u64>,
    pub peers: Vec<PeerHealth>,
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

#[derive(Debug, Clone, Serialize)]
pub struct PeerHealth {
    pub name: String,
    pub health: String,
}

pub fn summarise(repo: &Path) -> Summary {
    let dir = PeersDir::at(repo);
    let mut summary = Summary {
        initialised: dir.path().is_dir(),
        readme: repo.join("README.md").is_file(),
        halted: dir.halted_md().exists(),
        ..Summary::default()
    };
    if !summary.initialised {
        return summary;
    }
    match peers_store::safe_fs::read_control_file_if_exists(&dir.state_json(), STATE_CAP) {
        Ok(Some(bytes)) => match serde_json::from_slice::<StateView>(&bytes) {
            Ok(state) => read_state(state, &mut summary),
            Err(err) => summary.problems.push(format!("state.json: {err}")),
        },
        Ok(None) => {}
        Err(err) => summary.problems.push(err.to_string()),
    }
    match last_record(&dir.runs_jsonl()) {
        Ok(Some(record)) => {
            summary.last_activity = record["ts"].as_str().map(str::to_owned);
        }
        Ok(None) => {}
        Err(err) => summary.problems.push(err),
    }
    if let Ok(Some(stop)) = peers_store::last_stop::read_last_stop(&dir) {
        summary.stop_reason = Some(stop.reason);
    }
    summary
}

/// The parts of state.json the summary uses; everything else is skipped unparsed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StateView {
    iteration: Option<u64>,
    peer_order: Vec<String>,
    peers: BTreeMap<String, PeerView>,
    goals_status: BTreeMap<String, GoalView>,
    budget: BudgetView,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PeerView {
    state: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct GoalView {
    state: Option<String>,
    diagnostic: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BudgetView {
    spent_usd: Option<f64>,
    max_usd: Option<f64>,
}

fn read_state(state: StateView, summary: &mut Summary) {
    summary.iteration = state.iteration;
    let order: Vec<&String> = if state.peer_order.is_empty() {
        state.peers.keys().collect()
    } else {
        state.peer_order.iter().collect()
    };
    for name in order {
        let health = state
            .peers
            .get(name)
            .and_then(|peer| peer.state.clone())
            .unwrap_or_else(|| "?".to_owned());
        summary.peers.push(PeerHealth {
            name: name.clone(),
            health,
        });
    }
    summary.gates_total = state.goals_status.len();
    summary.gates_green = state
        .goals_status
        .values()
        .filter(|goal| goal.state.as_deref() == Some("pass"))
        .count();
    if let Some(diagnostic) = state
        .goals_status
        .get("bug-hunt-clean")
        .and_then(|goal| goal.diagnostic.as_deref())
    {
        summary.blocking_bugs = number_before(diagnostic, " blocking open");
        summary.bugs_reported = number_before(diagnostic, " total reported");
        summary.bugs_fixed = number_before(diagnostic, " fixed");
    }
    summary.spent_usd = state.budget.spent_usd;
    summary.max_usd = state.budget.max_usd;
}

/// The number right before `marker` in `text` ("bug-hunt: 2 blocking open" → 2).
fn number_before(text: &str, marker: &str) -> Option<u64> {
    let head = &text[..text.find(marker)?];
    let digits: String = head
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().ok()
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
    fn bug_counts_come_from_the_bug_hunt_diagnostic() {
        let text = "bug-hunt: 2 blocking open (crit=0 high=2 med=0 low=0 info=0); 5 total reported, 3 fixed, 0 deferred";
        assert_eq!(number_before(text, " blocking open"), Some(2));
        assert_eq!(number_before(text, " total reported"), Some(5));
        assert_eq!(number_before(text, " fixed"), Some(3));
    }

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
