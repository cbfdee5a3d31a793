//! Per-goal failure counters: a watched gate red for `stuck_halt_after` evaluations in a row
//! stops the run `stuck:<gate>`. Counters belong to one goal set and start over when it
//! changes, and the thresholds come from the config.

use crate::config::GoalRunSettings;
use crate::state::{SkepticPhase, State};

/// Which evaluation the results come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluationKind {
    /// The evaluation before a tick: a red gate counts one more failure.
    Full,
    /// The re-check of previously red gates after a successful tick: a pass clears the
    /// counter, a failure is not counted twice for the same tick.
    Refresh,
}

/// Records gate results in `stuck_counter`: a pass removes the gate's counter, a failure
/// adds one (a refresh only makes sure it is at least one).
pub fn record_gate_results<'a>(
    state: &mut State,
    results: impl IntoIterator<Item = (&'a str, bool)>,
    kind: EvaluationKind,
) {
    for (gate, passed) in results {
        if passed {
            state.stuck_counter.remove(gate);
            continue;
        }
        let count = state.stuck_counter.entry(gate.to_owned()).or_insert(0);
        *count = match kind {
            EvaluationKind::Full => *count + 1,
            EvaluationKind::Refresh => (*count).max(1),
        };
    }
}

/// A watched gate that has been red too long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StuckGate {
    pub gate: String,
    pub count: u64,
}

impl StuckGate {
    pub fn stop_reason(&self) -> String {
        format!("stuck:{}", self.gate)
    }
}

/// The worst watched gate at or over `stuck_halt_after` (ties: the first in
/// `stuck_halt_gates`), if any.
pub fn stuck_gate(state: &State, settings: &GoalRunSettings) -> Option<StuckGate> {
    let threshold = u64::from(settings.stuck_halt_after);
    let mut worst: Option<StuckGate> = None;
    for gate in &settings.stuck_halt_gates {
        let Some(&count) = state.stuck_counter.get(gate) else {
            continue;
        };
        if count >= threshold && worst.as_ref().is_none_or(|w| count > w.count) {
            worst = Some(StuckGate {
                gate: gate.clone(),
                count,
            });
        }
    }
    worst
}

/// What [`reset_for_goal_set`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoalSetReset {
    /// The goal set differs from the one the counters were kept for.
    pub changed: bool,
    /// Goal ids whose status was dropped because they are no longer configured.
    pub pruned: Vec<String>,
}

/// Call at every start (and after a goal reload) with the configured goal ids and the goal
/// file's hash. Entries of goals that no longer exist are always dropped; when the hash
/// differs from the recorded one, failure counters, the clean-tick streak and the skeptic
/// phase start over, because they were earned against other goals.
pub fn reset_for_goal_set(state: &mut State, goal_ids: &[&str], goals_hash: &str) -> GoalSetReset {
    let known = |id: &String| goal_ids.contains(&id.as_str());
    let mut pruned: Vec<String> = state
        .goals_status
        .keys()
        .chain(state.stuck_counter.keys())
        .chain(state.soft_status.keys())
        .filter(|id| !known(id))
        .cloned()
        .collect();
    pruned.sort();
    pruned.dedup();
    state.goals_status.retain(|id, _| known(id));
    state.stuck_counter.retain(|id, _| known(id));
    state.soft_status.retain(|id, _| known(id));
    let changed = state.goals_hash.as_deref() != Some(goals_hash);
    if changed {
        state.stuck_counter.clear();
        state.consecutive_clean_ticks = 0;
        state.skeptic = SkepticPhase::Idle;
        state.goals_hash = Some(goals_hash.to_owned());
    }
    GoalSetReset { changed, pruned }
}
