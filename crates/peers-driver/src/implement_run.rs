//! The implement mode inside the loop, called from four places (the prompt, the tamper check,
//! the evaluation, the convergence decision) and inert in every other mode: the phase overlay
//! of each tick, operator amendments told apart from tampering, the progress-aware stuck
//! reset, and the two-phase completion.

use peers_core::implement::{self, CompletionFacts, ImplementPhase};
use peers_core::prompt::Prompt;

use crate::session::{RunContext, Session};

fn active(ctx: &RunContext) -> bool {
    implement::is_implement(&ctx.inputs.goals)
}

/// Puts the phase's instructions before the tick's prompt.
pub(crate) fn with_overlay(session: &Session, mut prompt: Prompt) -> Prompt {
    if active(&session.ctx) {
        let phase = ImplementPhase::of_tick(session.run.state.iteration);
        prompt.text = format!("{}\n{}", phase.overlay(), prompt.text);
    }
    prompt
}

/// After the gates judged the tree at `tree_root`: a step newly checked off in its PLAN.md
/// forgives the test gates' stuck counters. Returns the gates forgiven.
pub(crate) fn after_gate_results(
    session: &mut Session,
    tree_root: &std::path::Path,
) -> Vec<String> {
    if !active(&session.ctx) {
        return Vec::new();
    }
    let done = peers_store::safe_fs::read_repo_file(
        tree_root,
        "PLAN.md",
        peers_core::plan::MAX_PLAN_BYTES as u64 + 1,
    )
    .ok()
    .and_then(|bytes| peers_core::plan::done_steps(&bytes));
    let state = &mut session.run.state;
    let mut implement_state = state.implement.take().unwrap_or_default();
    let reset = implement::progress_reset(&mut implement_state, done, &mut state.stuck_counter);
    state.implement = Some(implement_state);
    reset
}

/// The second completion phase: true when the run may stop `complete`. Every other mode: true.
pub(crate) fn may_complete(session: &mut Session, all_hard_green: bool) -> bool {
    if !active(&session.ctx) {
        return true;
    }
    let phase_b_gates_green = session.run.evaluation.as_ref().is_some_and(|evaluation| {
        implement::PHASE_B_GATES.iter().all(|id| {
            evaluation
                .results
                .iter()
                .any(|result| result.id == *id && result.pass)
        })
    });
    let phase_a_n = peers_store::contracts::read_original_plan(&session.ctx.inputs.dir)
        .ok()
        .and_then(|bytes| peers_core::plan::parse(&bytes).ok())
        .map_or(peers_core::plan::DEFAULT_CONVERGENCE_N, |plan| {
            plan.meta.convergence_n
        });
    let facts = CompletionFacts {
        all_hard_green,
        phase_b_gates_green,
        phase_a_n,
    };
    let mut implement_state = session.run.state.implement.take().unwrap_or_default();
    let complete = implement::after_evaluation(&mut implement_state, facts);
    session.run.state.implement = Some(implement_state);
    complete
}

/// Contract files that changed during a turn are the operator's doing when the chain still
/// verifies (an `amend --force` mid-run): only the key holder can sign the new pins. Any other
/// change stays tampering.
pub(crate) fn without_signed_contract_changes(
    ctx: &RunContext,
    changed: Vec<String>,
) -> Vec<String> {
    const CONTRACT: [&str; 4] = [
        ".peers/PLAN.original.md ",
        ".peers/contracts/acceptance.sh ",
        ".peers/contracts/e2e.sh ",
        ".peers/contracts.log ",
    ];
    let is_contract = |line: &String| CONTRACT.iter().any(|prefix| line.starts_with(prefix));
    if !changed.iter().any(is_contract) {
        return changed;
    }
    let intact = peers_store::contract_key::state_dir()
        .ok()
        .and_then(|state| peers_store::contracts::verify(&ctx.inputs.dir, &state).ok())
        .flatten()
        .is_some_and(|check| check.intact());
    if !intact {
        return changed;
    }
    changed
        .into_iter()
        .filter(|line| !is_contract(line))
        .collect()
}
