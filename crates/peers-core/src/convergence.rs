//! When a run is done: the clean-tick counter, the post-convergence skeptic tick, and (in
//! `stuck`) the per-goal failure counters that stop a run going nowhere.
//!
//! The skeptic phase lives in [`State::skeptic`], so a restart neither repeats a skeptic tick
//! that already ran clean nor skips one that was due (the original kept it in memory).

mod stuck;

pub use stuck::{
    EvaluationKind, GoalSetReset, StuckGate, record_gate_results, reset_for_goal_set, stuck_gate,
};

use crate::state::{SkepticPhase, State};

/// How the tick that was just evaluated ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TickResult {
    /// A valid handoff.
    Handoff,
    /// No handoff, or a failed run, or reverted work.
    Failed,
    /// Rate-limited, overloaded or interrupted: says nothing about the work.
    Neutral,
}

/// What the caller knows after a tick and the evaluation that followed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CleanTickFacts {
    pub tick: TickResult,
    pub all_hard_green: bool,
    /// Open bugs at crit/high/med in the ledger.
    pub open_blocking_bugs: usize,
    /// Every soft goal passed (or `soft_consensus_required` is off).
    pub soft_consensus: bool,
    /// Blocking (or flag) bug reports committed during this tick.
    pub new_blocking_reports: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Continue,
    /// Run the next tick with the skeptic's re-audit prompt.
    RunSkeptic,
    /// Converged (and the skeptic, if enabled, found nothing): stop with `complete`.
    Complete,
}

impl CleanTickFacts {
    /// The goals are met: hard gates green, no open blocking bug, soft consensus.
    fn goals_met(&self) -> bool {
        self.all_hard_green && self.open_blocking_bugs == 0 && self.soft_consensus
    }

    /// The tick handed off without surfacing a blocking bug.
    fn clean(&self) -> bool {
        self.tick == TickResult::Handoff && self.new_blocking_reports == 0
    }
}

/// Updates `consecutive_clean_ticks` and the skeptic phase from one evaluated tick and says
/// what to do next. Convergence needs `convergence_n` clean ticks in a row, each leaving the
/// goals met; then one skeptic tick (when enabled) that must itself be clean with the goals still met.
pub fn after_evaluation(
    state: &mut State,
    facts: &CleanTickFacts,
    convergence_n: u32,
    skeptic_enabled: bool,
) -> Decision {
    update_clean_ticks(state, facts);
    if !skeptic_enabled && skeptic_due(state) {
        // The skeptic was switched off between runs: do not run it.
        state.skeptic = SkepticPhase::Idle;
    }
    let converged = facts.goals_met() && state.consecutive_clean_ticks >= u64::from(convergence_n);
    match state.skeptic {
        SkepticPhase::Requested { .. } if facts.tick == TickResult::Neutral => Decision::RunSkeptic,
        SkepticPhase::Requested { .. } => skeptic_verdict(state, facts),
        SkepticPhase::Passed { .. } if converged => Decision::Complete,
        SkepticPhase::Passed { .. } | SkepticPhase::Idle if !converged => {
            state.skeptic = SkepticPhase::Idle;
            Decision::Continue
        }
        SkepticPhase::Passed { .. } | SkepticPhase::Idle if skeptic_enabled => {
            state.skeptic = SkepticPhase::Requested {
                at_iteration: state.iteration,
            };
            Decision::RunSkeptic
        }
        SkepticPhase::Passed { .. } | SkepticPhase::Idle => Decision::Complete,
    }
}

/// The skeptic tick just ran: clean with the goals met → complete; anything else (a new
/// blocking bug, a red gate, a failed tick) → the clean streak starts over.
fn skeptic_verdict(state: &mut State, facts: &CleanTickFacts) -> Decision {
    if facts.clean() && facts.goals_met() {
        state.skeptic = SkepticPhase::Passed {
            at_iteration: state.iteration,
        };
        return Decision::Complete;
    }
    state.skeptic = SkepticPhase::Idle;
    state.consecutive_clean_ticks = 0;
    Decision::Continue
}

/// Neutral ticks leave the counter alone; a clean handoff that leaves the goals met adds
/// one; anything else (a failed tick, a new blocking bug, a red gate) resets it, so
/// convergence means `convergence_n` ticks in a row that stayed green.
fn update_clean_ticks(state: &mut State, facts: &CleanTickFacts) {
    match facts.tick {
        TickResult::Neutral => {}
        TickResult::Handoff | TickResult::Failed if facts.clean() && facts.goals_met() => {
            state.consecutive_clean_ticks += 1;
        }
        TickResult::Handoff | TickResult::Failed => state.consecutive_clean_ticks = 0,
    }
}

/// Whether the upcoming tick is the skeptic's (its prompt gets the re-audit header).
pub fn skeptic_due(state: &State) -> bool {
    matches!(state.skeptic, SkepticPhase::Requested { .. })
}

#[cfg(test)]
mod tests;
