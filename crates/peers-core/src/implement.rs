//! The loop rules of the `implement` mode: which phase a tick is in (recon, alignment,
//! architecture, implementation) and its prompt overlay, the operator's pause after the
//! architecture phase (`--checkpoint`), the two-phase completion, and the progress-aware stuck
//! reset (a step checked off forgives the test gates' stuck counters).
//! Pure: the driver hands in counts and verdicts.

use std::collections::{BTreeMap, BTreeSet};

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

    /// The phase of the tick after `completed` finished ticks when the architecture
    /// checkpoint is on: the architecture phase lasts until every peer agreed on
    /// ARCHITECTURE.intended.md ([`architecture_turn`]).
    pub fn with_checkpoint(completed: u64, state: Option<&ImplementState>) -> ImplementPhase {
        let phase = Self::of_tick(completed);
        if phase != Self::Implementation {
            return phase;
        }
        let agreed_from = state.and_then(|s| s.architecture.implementation_from);
        match agreed_from {
            Some(from) if completed >= from => Self::Implementation,
            _ => Self::Architecture,
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
    /// The architecture checkpoint (`implement.architecture_checkpoint`); empty when off.
    #[serde(skip_serializing_if = "ArchitectureAgreement::is_empty")]
    pub architecture: ArchitectureAgreement,
    /// The operator's pause after the architecture phase (`peers run --checkpoint`).
    #[serde(skip_serializing_if = "OperatorPause::is_off")]
    pub pause: OperatorPause,
}

/// The operator's pause after the architecture phase: asked for with `--checkpoint`, kept in
/// state.json (which peers puts back after every turn) until it happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OperatorPause {
    #[default]
    Off,
    /// The run stops before the first implementation tick.
    Requested,
    /// The run stopped `checkpoint` before tick `at + 1`; the operator has not started it again.
    Waiting { at: u64 },
    /// The operator started the run again after the pause at `at`: it never pauses again.
    Passed { at: u64 },
}

impl OperatorPause {
    pub fn is_off(&self) -> bool {
        *self == Self::Off
    }
}

/// What `--checkpoint` did at the start of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseRequest {
    /// The run will stop once the architecture phase is over.
    Recorded,
    /// An earlier `--checkpoint` already asked for it.
    AlreadyRequested,
    /// The run already paused there (after `at` ticks): nothing left to pause.
    AlreadyPaused { at: u64 },
    /// The implementation phase has already started (`completed` ticks): nothing to pause.
    TooLate { completed: u64 },
}

/// At the start of a run after a pause: the operator started it again, so the run goes on into
/// the implementation. Returns the tick count the run paused at.
pub fn resume_after_pause(state: &mut ImplementState) -> Option<u64> {
    let OperatorPause::Waiting { at } = state.pause else {
        return None;
    };
    state.pause = OperatorPause::Passed { at };
    Some(at)
}

/// `--checkpoint` at the start of a run whose next tick is `next` after `completed` ticks and
/// whose previous tick was in `previous` (`None` before the first tick). A request is kept
/// only while the architecture phase is not over: at the boundary the run pauses before its
/// first tick.
pub fn request_pause(
    state: &mut ImplementState,
    completed: u64,
    next: ImplementPhase,
    previous: Option<ImplementPhase>,
) -> PauseRequest {
    match state.pause {
        OperatorPause::Requested => return PauseRequest::AlreadyRequested,
        OperatorPause::Waiting { at } | OperatorPause::Passed { at } => {
            return PauseRequest::AlreadyPaused { at };
        }
        OperatorPause::Off => {}
    }
    let past = next == ImplementPhase::Implementation
        && previous.is_none_or(|phase| phase == ImplementPhase::Implementation);
    if past {
        return PauseRequest::TooLate { completed };
    }
    state.pause = OperatorPause::Requested;
    PauseRequest::Recorded
}

/// Before a tick: true when the run stops for the operator now — a pause was asked for and
/// the next tick, after `completed` ticks, would be the first of the implementation phase.
pub fn pause_due(state: &mut ImplementState, completed: u64, next: ImplementPhase) -> bool {
    if state.pause != OperatorPause::Requested || next != ImplementPhase::Implementation {
        return false;
    }
    state.pause = OperatorPause::Waiting { at: completed };
    true
}

/// What the operator reads and does at the pause.
pub const PAUSE_ADVICE: &str = "read ARCHITECTURE.intended.md (and PLAN.aligned.md), edit and commit them if needed, then start the run again to continue into the implementation";

/// Who agreed on which ARCHITECTURE.intended.md.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ArchitectureAgreement {
    /// sha256 of the document the agreement is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    pub agreed: BTreeSet<String>,
    /// The first tick of the implementation phase, once everyone agreed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implementation_from: Option<u64>,
}

impl ArchitectureAgreement {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The trailer a peer commits to agree on ARCHITECTURE.intended.md as it is.
pub const AGREED_TRAILER: &str = "Architecture";

/// One architecture-phase turn with the checkpoint on.
#[derive(Debug, Clone, Copy)]
pub struct ArchitectureTurn<'a> {
    pub peer: &'a str,
    /// Finished ticks, this one included.
    pub completed: u64,
    /// sha256 of ARCHITECTURE.intended.md in the judged commit, `None` when it is missing.
    pub digest: Option<&'a str>,
    /// The turn committed `Architecture: agreed`.
    pub said_agreed: bool,
    pub peers: &'a [String],
}

/// Applies a turn of the architecture phase: a peer that changes the document agrees with
/// its own version and everyone else must agree again; a peer that leaves it as it is and
/// commits `Architecture: agreed` joins the agreement. Once every peer agreed, the
/// implementation starts with the next tick. Returns true when that happened now.
pub fn architecture_turn(state: &mut ImplementState, turn: ArchitectureTurn<'_>) -> bool {
    let agreement = &mut state.architecture;
    if agreement.implementation_from.is_some() {
        return false;
    }
    let Some(digest) = turn.digest else {
        return false;
    };
    if agreement.digest.as_deref() != Some(digest) {
        agreement.digest = Some(digest.to_owned());
        agreement.agreed = BTreeSet::from([turn.peer.to_owned()]);
    } else if turn.said_agreed {
        agreement.agreed.insert(turn.peer.to_owned());
    }
    let everyone = turn
        .peers
        .iter()
        .all(|peer| agreement.agreed.contains(peer));
    if everyone {
        agreement.implementation_from = Some(turn.completed);
    }
    everyone
}

/// The text put before an architecture-checkpoint tick's prompt.
pub fn checkpoint_overlay(state: Option<&ImplementState>, peers: &[String]) -> String {
    let agreed: Vec<&str> = state
        .map(|s| s.architecture.agreed.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let waiting: Vec<&str> = peers
        .iter()
        .map(String::as_str)
        .filter(|peer| !agreed.contains(peer))
        .collect();
    let agreed = if agreed.is_empty() {
        "nobody yet".to_owned()
    } else {
        agreed.join(", ")
    };
    format!(
        "{}\nAgreed on the current ARCHITECTURE.intended.md: {agreed}. Waiting for: {}.\n",
        include_str!("../modes/implement/prompts/architecture_checkpoint.md").trim_end(),
        waiting.join(", ")
    )
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
    fn the_checkpoint_holds_the_architecture_phase_until_every_peer_agreed() {
        let peers = ["a".to_owned(), "b".to_owned()];
        let mut state = ImplementState::default();
        let turn = |peer, completed, digest, said_agreed| ArchitectureTurn {
            peer,
            completed,
            digest,
            said_agreed,
            peers: &peers,
        };
        assert_eq!(
            ImplementPhase::with_checkpoint(3, Some(&state)),
            ImplementPhase::Architecture
        );
        assert!(!architecture_turn(
            &mut state,
            turn("a", 3, Some("d1"), false)
        ));
        // b changes the document: a must agree again.
        assert!(!architecture_turn(
            &mut state,
            turn("b", 4, Some("d2"), true)
        ));
        assert_eq!(state.architecture.agreed, BTreeSet::from(["b".to_owned()]));
        assert!(
            checkpoint_overlay(Some(&state), &peers)
                .contains("Agreed on the current ARCHITECTURE.intended.md: b. Waiting for: a.")
        );
        assert!(architecture_turn(
            &mut state,
            turn("a", 5, Some("d2"), true)
        ));
        assert_eq!(state.architecture.implementation_from, Some(5));
        assert_eq!(
            ImplementPhase::with_checkpoint(5, Some(&state)),
            ImplementPhase::Implementation
        );
        assert_eq!(
            ImplementPhase::with_checkpoint(1, None),
            ImplementPhase::Alignment
        );
        assert!(
            !architecture_turn(&mut state, turn("b", 6, Some("d3"), false)),
            "settled"
        );
    }

    #[test]
    fn without_the_document_or_a_trailer_nobody_agrees() {
        let peers = ["a".to_owned(), "b".to_owned()];
        let mut state = ImplementState::default();
        let turn = ArchitectureTurn {
            peer: "a",
            completed: 3,
            digest: None,
            said_agreed: true,
            peers: &peers,
        };
        assert!(!architecture_turn(&mut state, turn));
        assert!(state.architecture.is_empty());
        let turn = ArchitectureTurn {
            digest: Some("d"),
            ..turn
        };
        architecture_turn(&mut state, turn);
        let turn = ArchitectureTurn {
            peer: "b",
            said_agreed: false,
            ..turn
        };
        assert!(
            !architecture_turn(&mut state, turn),
            "b handed off without agreeing"
        );
    }

    #[test]
    fn the_operator_pause_comes_once_at_the_start_of_the_implementation() {
        use ImplementPhase::{Alignment, Architecture, Implementation, Recon};
        let mut state = ImplementState::default();
        assert_eq!(
            request_pause(&mut state, 0, Recon, None),
            PauseRequest::Recorded
        );
        assert_eq!(
            request_pause(&mut state, 1, Alignment, Some(Recon)),
            PauseRequest::AlreadyRequested
        );
        for (completed, phase) in [(1, Alignment), (2, Architecture)] {
            assert!(!pause_due(&mut state, completed, phase), "{phase:?}");
        }
        // The architecture checkpoint holds the phase: still no pause.
        assert!(!pause_due(&mut state, 3, Architecture));
        assert!(pause_due(&mut state, 4, Implementation));
        assert_eq!(state.pause, OperatorPause::Waiting { at: 4 });
        assert!(!pause_due(&mut state, 4, Implementation), "paused once");
        assert_eq!(
            request_pause(&mut state, 4, Implementation, Some(Architecture)),
            PauseRequest::AlreadyPaused { at: 4 }
        );
        assert_eq!(resume_after_pause(&mut state), Some(4));
        assert_eq!(state.pause, OperatorPause::Passed { at: 4 });
        assert_eq!(resume_after_pause(&mut state), None);
        assert!(!pause_due(&mut state, 4, Implementation), "never again");
        let json = serde_json::to_string(&state).unwrap();
        assert!(json.contains(r#""pause":{"passed":{"at":4}}"#), "{json}");
        assert!(
            !serde_json::to_string(&ImplementState::default())
                .unwrap()
                .contains("pause")
        );
    }

    #[test]
    fn a_request_at_the_boundary_pauses_at_once_and_after_it_is_refused() {
        use ImplementPhase::{Architecture, Implementation};
        let mut state = ImplementState::default();
        assert_eq!(
            request_pause(&mut state, 3, Implementation, Some(Architecture)),
            PauseRequest::Recorded
        );
        assert!(pause_due(&mut state, 3, Implementation));
        let mut state = ImplementState::default();
        assert_eq!(
            request_pause(&mut state, 5, Implementation, Some(Implementation)),
            PauseRequest::TooLate { completed: 5 }
        );
        assert!(state.pause.is_off());
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
