//! One project at a glance from `.peers/state.json`, `last-stop-reason.txt`, `HALTED.md` and
//! `live.json`: tick, peers and health, gates green/total, spend and cap, stop reason, the tick
//! in progress. Cheap enough for hundreds of projects per page.

use std::collections::BTreeMap;
use std::path::Path;

use peers_store::layout::{PeersDir, STATE_CAP};
use serde::{Deserialize, Serialize};

/// Largest `live.json` read.
const LIVE_CAP: u64 = 64 * 1024;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Overview {
    pub initialised: bool,
    pub iteration: Option<u64>,
    pub max_iterations: Option<u64>,
    pub peers: Vec<(String, String)>,
    pub gates: BTreeMap<String, String>,
    pub gates_green: usize,
    /// Open blocking bugs, from the `bug-hunt-clean` gate's last diagnostic.
    pub blocking_bugs: Option<u64>,
    pub spent_usd: Option<f64>,
    pub max_usd: Option<f64>,
    pub spent_tokens: Option<u64>,
    pub stop_reason: Option<String>,
    pub stopped_at: Option<String>,
    pub halted: bool,
    pub live: Option<Live>,
    pub problems: Vec<String>,
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
    spent_tokens: Option<u64>,
    max_iterations: Option<u64>,
}

pub fn overview(repo: &Path) -> Overview {
    let dir = PeersDir::at(repo);
    let mut out = Overview {
        initialised: dir.path().is_dir(),
        halted: dir.halted_md().exists(),
        ..Overview::default()
    };
    if !out.initialised {
        return out;
    }
    match peers_store::safe_fs::read_control_file_if_exists(&dir.state_json(), STATE_CAP) {
        Ok(Some(bytes)) => match serde_json::from_slice::<StateView>(&bytes) {
            Ok(state) => apply_state(state, &mut out),
            Err(err) => out.problems.push(format!("state.json: {err}")),
        },
        Ok(None) => {}
        Err(err) => out.problems.push(err.to_string()),
    }
    if let Ok(Some(stop)) = peers_store::last_stop::read_last_stop(&dir) {
        out.stop_reason = Some(stop.reason);
        out.stopped_at = Some(stop.at);
    }
    out.live =
        peers_store::safe_fs::read_control_file_if_exists(&dir.path().join("live.json"), LIVE_CAP)
            .ok()
            .flatten()
            .and_then(|bytes| serde_json::from_slice::<Live>(&bytes).ok());
    out
}

fn apply_state(state: StateView, out: &mut Overview) {
    out.iteration = state.iteration;
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
        out.peers.push((name.clone(), health));
    }
    out.blocking_bugs = state
        .goals_status
        .get("bug-hunt-clean")
        .and_then(|goal| goal.diagnostic.as_deref())
        .and_then(|text| number_before(text, " blocking open"));
    for (gate, goal) in state.goals_status {
        out.gates
            .insert(gate, goal.state.unwrap_or_else(|| "?".to_owned()));
    }
    out.gates_green = out.gates.values().filter(|s| s.as_str() == "pass").count();
    out.spent_usd = state.budget.spent_usd;
    out.max_usd = state.budget.max_usd;
    out.spent_tokens = state.budget.spent_tokens;
    out.max_iterations = state.budget.max_iterations;
}

/// The number right before `marker` in `text` ("bug-hunt: 2 blocking open" → 2).
fn number_before(text: &str, marker: &str) -> Option<u64> {
    let head = &text[..text.find(marker)?];
    let start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit())
        .last()
        .map(|(i, _)| i)?;
    head[start..].parse().ok()
}

impl Overview {
    /// The state shown: the supervisor's, except that a halted or stopped-for-a-reason run says so.
    pub fn shown_state(&self, supervisor: &str) -> String {
        if supervisor != "running" && self.halted {
            return "halted".to_owned();
        }
        supervisor.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn blocking_bugs_are_read_from_the_bug_hunt_diagnostic() {
        let text = "bug-hunt: 12 blocking open (crit=0 high=2); 5 total reported";
        assert_eq!(super::number_before(text, " blocking open"), Some(12));
        assert_eq!(super::number_before("none", " blocking open"), None);
    }
}
