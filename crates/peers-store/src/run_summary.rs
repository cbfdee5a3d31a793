//! One run at a glance from its `.peers/` directory: `state.json` (tick, peers and their health,
//! gates, the bug-hunt counts, spend and caps), `last-stop-reason.txt` and `HALTED.md`. Only the
//! keys shown are decoded, so it stays cheap for hundreds of projects; what cannot be read is
//! listed in [`RunOverview::problems`], never an error. `peers-ctl` and the browser view read
//! runs through here.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::last_stop::{LastStop, read_last_stop};
use crate::layout::{PeersDir, STATE_CAP};
use crate::safe_fs::read_control_file_if_exists;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunOverview {
    /// `.peers/` exists; nothing else is read when it does not.
    pub initialised: bool,
    /// `.peers/HALTED.md` exists.
    pub halted: bool,
    pub iteration: Option<u64>,
    /// In the run's peer order (by name when state.json has none).
    pub peers: Vec<OverviewPeer>,
    /// Gate id → its last state (`pass`, `fail`; `?` when state.json does not say).
    pub gates: BTreeMap<String, String>,
    /// Open blocking bugs, from the `bug-hunt-clean` gate's last diagnostic.
    pub blocking_bugs: Option<u64>,
    pub bugs_reported: Option<u64>,
    pub bugs_fixed: Option<u64>,
    pub spent_usd: Option<f64>,
    pub max_usd: Option<f64>,
    pub spent_tokens: Option<u64>,
    pub max_iterations: Option<u64>,
    /// Why the last run stopped (`last-stop-reason.txt`: `budget:max_iterations`, …).
    pub stop_reason: Option<String>,
    /// When it stopped (ISO-8601 UTC, as written).
    pub stopped_at: Option<String>,
    /// What could not be read (a file too large, a symlink, bad JSON).
    pub problems: Vec<String>,
}

/// One peer and its health as state.json says it (`?` when it does not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverviewPeer {
    pub name: String,
    pub health: String,
}

impl RunOverview {
    /// Gates whose last state is `pass`.
    pub fn gates_green(&self) -> usize {
        self.gates.values().filter(|s| s.as_str() == "pass").count()
    }
}

/// Reads the summary of the run in the repository at `repo`.
pub fn read_run_summary(repo: &Path) -> RunOverview {
    let dir = PeersDir::at(repo);
    let mut summary = RunOverview {
        initialised: dir.path().is_dir(),
        halted: dir.halted_md().exists(),
        ..RunOverview::default()
    };
    if !summary.initialised {
        return summary;
    }
    match read_control_file_if_exists(&dir.state_json(), STATE_CAP) {
        Ok(Some(bytes)) => match serde_json::from_slice::<StateView>(&bytes) {
            Ok(state) => apply_state(state, &mut summary),
            Err(err) => summary.problems.push(format!("state.json: {err}")),
        },
        Ok(None) => {}
        Err(err) => summary.problems.push(err.to_string()),
    }
    if let Ok(Some(LastStop { reason, at })) = read_last_stop(&dir) {
        summary.stop_reason = Some(reason);
        summary.stopped_at = Some(at);
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
    spent_tokens: Option<u64>,
    max_iterations: Option<u64>,
}

fn apply_state(state: StateView, summary: &mut RunOverview) {
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
        summary.peers.push(OverviewPeer {
            name: name.clone(),
            health,
        });
    }
    if let Some(diagnostic) = state
        .goals_status
        .get("bug-hunt-clean")
        .and_then(|goal| goal.diagnostic.as_deref())
    {
        summary.blocking_bugs = number_before(diagnostic, " blocking open");
        summary.bugs_reported = number_before(diagnostic, " total reported");
        summary.bugs_fixed = number_before(diagnostic, " fixed");
    }
    for (gate, goal) in state.goals_status {
        let shown = goal.state.unwrap_or_else(|| "?".to_owned());
        summary.gates.insert(gate, shown);
    }
    summary.spent_usd = state.budget.spent_usd;
    summary.max_usd = state.budget.max_usd;
    summary.spent_tokens = state.budget.spent_tokens;
    summary.max_iterations = state.budget.max_iterations;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bug_counts_come_from_the_bug_hunt_diagnostic() {
        let text = "bug-hunt: 2 blocking open (crit=0 high=2 med=0 low=0 info=0); 5 total reported, 3 fixed, 0 deferred";
        assert_eq!(number_before(text, " blocking open"), Some(2));
        assert_eq!(number_before(text, " total reported"), Some(5));
        assert_eq!(number_before(text, " fixed"), Some(3));
        let text = "bug-hunt: 12 blocking open (crit=0 high=2); 5 total reported";
        assert_eq!(number_before(text, " blocking open"), Some(12));
        assert_eq!(number_before("none", " blocking open"), None);
        assert_eq!(number_before("x blocking open", " blocking open"), None);
    }

    fn repo_with_state(state: &str) -> tempfile::TempDir {
        let temp = tempfile::tempdir().unwrap();
        std::fs::create_dir(temp.path().join(".peers")).unwrap();
        std::fs::write(temp.path().join(".peers/state.json"), state).unwrap();
        temp
    }

    #[test]
    fn a_state_is_read_in_peer_order_with_unknowns_shown_as_a_question_mark() {
        let temp = repo_with_state(
            r#"{"iteration": 7, "peer_order": ["b", "a"],
                "peers": {"a": {"state": "healthy"}, "b": {}},
                "goals_status": {"tests-pass": {"state": "pass"}, "lint": {},
                  "bug-hunt-clean": {"state": "fail", "diagnostic": "bug-hunt: 1 blocking open; 4 total reported, 2 fixed"}},
                "budget": {"spent_usd": 1.5, "max_usd": 10.0, "spent_tokens": 900, "max_iterations": 50}}"#,
        );
        let summary = read_run_summary(temp.path());
        assert!(summary.initialised && !summary.halted, "{summary:?}");
        assert_eq!(summary.iteration, Some(7));
        let peers: Vec<(&str, &str)> = summary
            .peers
            .iter()
            .map(|p| (p.name.as_str(), p.health.as_str()))
            .collect();
        assert_eq!(peers, [("b", "?"), ("a", "healthy")]);
        assert_eq!(summary.gates["lint"], "?");
        assert_eq!((summary.gates_green(), summary.gates.len()), (1, 3));
        let bugs = (
            summary.blocking_bugs,
            summary.bugs_reported,
            summary.bugs_fixed,
        );
        assert_eq!(bugs, (Some(1), Some(4), Some(2)));
        assert_eq!(
            (summary.spent_usd, summary.max_usd),
            (Some(1.5), Some(10.0))
        );
        assert_eq!(
            (summary.spent_tokens, summary.max_iterations),
            (Some(900), Some(50))
        );
        assert!(summary.problems.is_empty(), "{:?}", summary.problems);
    }

    #[test]
    fn bad_json_is_a_problem_and_a_missing_peers_dir_reads_nothing() {
        let temp = repo_with_state("{not json");
        let summary = read_run_summary(temp.path());
        assert_eq!(summary.problems.len(), 1, "{:?}", summary.problems);
        assert!(summary.problems[0].starts_with("state.json: "));
        assert_eq!(summary.iteration, None);

        let bare = tempfile::tempdir().unwrap();
        assert_eq!(read_run_summary(bare.path()), RunOverview::default());
    }
}
