//! The loop rules of the `implement` mode: which phase a tick is in (recon, alignment,
//! architecture, implementation) and its prompt overlay, the two-phase completion, and the
//! progress-aware stuck reset (a step checked off forgives the test gates' stuck counters).
//! Pure: the driver hands in counts and verdicts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::goals::{BuiltinGate, GateCheck, GoalSet};

/// The gate whose presence in goals.yaml makes a run an implement run.
pub const MARKER_GATE: BuiltinGate = BuiltinGate::PlanChecklistComplete;

/// The gates that must pass again in the second completion phase.
pub const PHASE_B_GATES: [&str; 3] = ["blind-review", "honesty-audit", "concerns-resolved"];

/// Passing evaluations phase B needs before the run may complete.
pub const PHASE_B_PASSES: u64 = 2;

/// Test gates whose stuck counters a checked-off step resets.
pub const PROGRESS_RESET_GATES: [&str; 4] = [
    "tests-pass",
    "no-prior-regression",
    "acceptance-pass",
    "e2e-pass",
];

/// Whether the goals make this an implement run.
pub fn is_implement(goals: &GoalSet) -> bool {
    goals.hard().any(
        |(_, hard)| matches!(&hard.check, GateCheck::Builtin { gate, .. } if *gate == MARKER_GATE),
    )
}

/// The phase of a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImplementPhase {
    Recon,
    Alignment,
    Architecture,
    Implementation,
}

impl ImplementPhase {
    /// The phase of the tick after `completed` finished ticks.
    pub fn of_tick(completed: u64) -> ImplementPhase {
        match completed {
            0 => Self::Recon,
            1 => Self::Alignment,
            2 => Self::Architecture,
            _ => Self::Implementation,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recon => "recon",
            Self::Alignment => "alignment",
            Self::Architecture => "architecture",
            Self::Implementation => "implementation",
        }
    }

    /// The text put before the tick's prompt.
    pub fn overlay(self) -> &'static str {
        match self {
            Self::Recon => include_str!("../modes/implement/prompts/recon.md"),
            Self::Alignment => include_str!("../modes/implement/prompts/alignment.md"),
            Self::Architecture => include_str!("../modes/implement/prompts/architecture.md"),
            Self::Implementation => include_str!("../modes/implement/prompts/implementation.md"),
        }
    }
}

/// Where the two-phase completion stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CompletionPhase {
    /// Counting consecutive all-green evaluations up to the plan's `convergence_n`.
    #[default]
    A,
    /// All green long enough: the review gates must pass `PHASE_B_PASSES` more times.
    B,
    Complete,
}

/// The implement mode's part of state.json.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImplementState {
    pub completion: CompletionPhase,
    pub consecutive_green: u64,
    pub phase_b_passes: u64,
    /// `[x]` steps in PLAN.md at the last evaluation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done_steps: Option<usize>,
}

/// One evaluation's facts for the two-phase rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompletionFacts {
    pub all_hard_green: bool,
    pub phase_b_gates_green: bool,
    /// The plan's `convergence_n`.
    pub phase_a_n: u32,
}

/// Advances the two-phase completion by one evaluation (call once per evaluated tick);
/// true when the run may complete. A red evaluation sends it back to phase A.
pub fn after_evaluation(state: &mut ImplementState, facts: CompletionFacts) -> bool {
    if !facts.all_hard_green {
        state.consecutive_green = 0;
        state.phase_b_passes = 0;
        state.completion = CompletionPhase::A;
        return false;
    }
    state.consecutive_green += 1;
    match state.completion {
        CompletionPhase::A if state.consecutive_green >= u64::from(facts.phase_a_n.max(1)) => {
            state.completion = CompletionPhase::B;
        }
        CompletionPhase::A => {}
        CompletionPhase::B if facts.phase_b_gates_green => {
            state.phase_b_passes += 1;
            if state.phase_b_passes >= PHASE_B_PASSES {
                state.completion = CompletionPhase::Complete;
            }
        }
        CompletionPhase::B => state.phase_b_passes = 0,
        CompletionPhase::Complete => {}
    }
    state.completion == CompletionPhase::Complete
}

/// Records the count of `[x]` steps; when it grew, removes the stuck counters of the test
/// gates (work is moving even while the suite is red between steps). Returns the gates reset.
pub fn progress_reset(
    state: &mut ImplementState,
    done_now: Option<usize>,
    stuck_counter: &mut BTreeMap<String, u64>,
) -> Vec<String> {
    let Some(done_now) = done_now else {
        return Vec::new();
    };
    let grew = state.done_steps.is_some_and(|before| done_now > before);
    state.done_steps = Some(done_now);
    if !grew {
        return Vec::new();
    }
    PROGRESS_RESET_GATES
        .iter()
        .filter(|gate| stuck_counter.remove(**gate).is_some())
        .map(|gate| (*gate).to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(green: bool, b: bool) -> CompletionFacts {
        CompletionFacts {
            all_hard_green: green,
            phase_b_gates_green: b,
            phase_a_n: 2,
        }
    }

    #[test]
    fn completes_only_after_phase_a_then_two_phase_b_passes() {
        let mut state = ImplementState::default();
        assert!(!after_evaluation(&mut state, facts(true, true)));
        assert_eq!(state.completion, CompletionPhase::A);
        assert!(!after_evaluation(&mut state, facts(true, true)));
        assert_eq!(state.completion, CompletionPhase::B);
        assert!(!after_evaluation(&mut state, facts(true, true)));
        assert!(after_evaluation(&mut state, facts(true, true)));
        assert_eq!(state.completion, CompletionPhase::Complete);
    }

    #[test]
    fn a_red_evaluation_starts_over_from_phase_a() {
        let mut state = ImplementState::default();
        for _ in 0..3 {
            after_evaluation(&mut state, facts(true, true));
        }
        assert!(!after_evaluation(&mut state, facts(false, true)));
        assert_eq!(
            state,
            ImplementState {
                done_steps: None,
                ..ImplementState::default()
            }
        );
    }

    #[test]
    fn phases_follow_the_tick_count() {
        assert_eq!(ImplementPhase::of_tick(0), ImplementPhase::Recon);
        assert_eq!(ImplementPhase::of_tick(2), ImplementPhase::Architecture);
        assert_eq!(ImplementPhase::of_tick(9), ImplementPhase::Implementation);
        assert!(
            ImplementPhase::Implementation
                .overlay()
                .contains("checkoff-by-other-peer")
        );
    }

    #[test]
    fn a_new_checked_off_step_resets_only_the_test_gates() {
        let mut state = ImplementState::default();
        let mut stuck: BTreeMap<String, u64> =
            [("tests-pass".to_owned(), 4), ("lint-clean".to_owned(), 4)].into();
        assert!(
            progress_reset(&mut state, Some(0), &mut stuck).is_empty(),
            "first count"
        );
        assert!(
            progress_reset(&mut state, Some(0), &mut stuck).is_empty(),
            "no progress"
        );
        assert_eq!(
            progress_reset(&mut state, Some(1), &mut stuck),
            vec!["tests-pass"]
        );
        assert_eq!(stuck.get("lint-clean"), Some(&4));
        assert!(!stuck.contains_key("tests-pass"));
    }
}
