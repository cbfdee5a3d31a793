//! The implement mode inside the loop, called from six places (the run's start, the check
//! before a tick, the prompt, the tamper check, the evaluation, the convergence decision) and
//! inert in every other mode: the operator's pause after the architecture phase
//! (`--checkpoint`), the phase overlay of each tick, operator amendments told apart from
//! tampering, the progress-aware stuck reset, and the two-phase completion.

use peers_core::implement::{self, CompletionFacts, ImplementPhase, PauseRequest};
use peers_core::prompt::Prompt;

use crate::session::{RunContext, Session};

fn active(ctx: &RunContext) -> bool {
    implement::is_implement(&ctx.inputs.goals)
}

/// Puts the phase's instructions before the tick's prompt.
pub(crate) fn with_overlay(session: &Session, mut prompt: Prompt) -> Prompt {
    if active(&session.ctx) {
        let phase = phase(session);
        let overlay = if checkpoint(&session.ctx) && phase == ImplementPhase::Architecture {
            let state = session.run.state.implement.as_ref();
            implement::checkpoint_overlay(state, &agreeing_peers(&session.ctx))
        } else {
            phase.overlay().to_owned()
        };
        prompt.text = format!("{overlay}\n{}", prompt.text);
    }
    prompt
}

/// The peers whose agreement the checkpoint waits for: every peer that takes turns (a
/// `recovery` peer only stands in for an unavailable one).
fn agreeing_peers(ctx: &RunContext) -> Vec<String> {
    ctx.inputs
        .config
        .peers
        .iter()
        .filter(|peer| peer.role != peers_core::config::PeerRole::Recovery)
        .map(|peer| peer.name.clone())
        .collect()
}

fn checkpoint(ctx: &RunContext) -> bool {
    ctx.inputs.config.implement.architecture_checkpoint
}

/// The phase of the next tick: by the tick count, or with the architecture checkpoint on,
/// held in the architecture phase until every peer agreed.
fn phase(session: &Session) -> ImplementPhase {
    phase_after(session, session.run.state.iteration)
}

/// The phase of the tick after `completed` finished ticks.
fn phase_after(session: &Session, completed: u64) -> ImplementPhase {
    if checkpoint(&session.ctx) {
        ImplementPhase::with_checkpoint(completed, session.run.state.implement.as_ref())
    } else {
        ImplementPhase::of_tick(completed)
    }
}

/// At the start of a run: a pause the last run stopped for is over (the operator started the
/// run again), and `--checkpoint` asks for one. Returns the notes to show.
pub(crate) fn operator_pause_at_start(session: &mut Session) -> Vec<String> {
    let mut notes = Vec::new();
    if !active(&session.ctx) {
        return notes;
    }
    let completed = session.run.state.iteration;
    let next = phase_after(session, completed);
    let previous = completed
        .checked_sub(1)
        .map(|before| phase_after(session, before));
    let mut state = session.run.state.implement.take().unwrap_or_default();
    if let Some(at) = implement::resume_after_pause(&mut state) {
        notes.push(format!(
            "architecture checkpoint: the run paused for you after tick {at}; it continues into the implementation"
        ));
    }
    if session.ctx.inputs.options.checkpoint {
        let note = match implement::request_pause(&mut state, completed, next, previous) {
            PauseRequest::Recorded => Some(
                "--checkpoint: the run stops for you when the architecture phase is over, before the first implementation tick"
                    .to_owned(),
            ),
            PauseRequest::AlreadyRequested => None,
            PauseRequest::AlreadyPaused { at } => Some(format!(
                "--checkpoint: nothing to do, the run already paused for you after the architecture phase (after tick {at})"
            )),
            PauseRequest::TooLate { completed } => Some(format!(
                "--checkpoint: nothing to do, the architecture phase is already over ({completed} ticks done, the implementation has started)"
            )),
        };
        notes.extend(note);
    }
    if state != implement::ImplementState::default() || session.run.state.implement.is_some() {
        session.run.state.implement = Some(state);
    }
    notes
}

/// Before a tick: true when the run stops for the operator now (`--checkpoint` asked for it
/// and the next tick would be the first of the implementation phase).
pub(crate) fn pause_due(session: &mut Session) -> bool {
    if !active(&session.ctx) {
        return false;
    }
    let completed = session.run.state.iteration;
    let next = phase_after(session, completed);
    let Some(state) = session.run.state.implement.as_mut() else {
        return false;
    };
    implement::pause_due(state, completed, next)
}

/// After an architecture-phase turn with the checkpoint on: the agreement on
/// ARCHITECTURE.intended.md as HEAD holds it. Returns a note when the agreement changed the
/// phase. `iteration` is the turn's tick (1-based: `iteration - 1` ticks finished before it).
pub(crate) fn after_turn(
    session: &mut Session,
    peer: &str,
    iteration: u64,
    commits: &[peers_git::Commit],
) -> Option<String> {
    if !active(&session.ctx) || !checkpoint(&session.ctx) {
        return None;
    }
    let before = iteration.saturating_sub(1);
    let phase = ImplementPhase::with_checkpoint(before, session.run.state.implement.as_ref());
    if phase != ImplementPhase::Architecture {
        return None;
    }
    let digest = session
        .ctx
        .inputs
        .git
        .file_at("HEAD", "ARCHITECTURE.intended.md")
        .ok()
        .flatten()
        .map(|bytes| {
            use sha2::Digest;
            sha2::Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        });
    let said_agreed = commits.iter().any(|commit| {
        let trailers = peers_core::trailer::parse_trailers(&commit.message);
        peers_core::trailer::values(&trailers, implement::AGREED_TRAILER)
            .any(|value| value.trim().eq_ignore_ascii_case("agreed"))
    });
    let peers = agreeing_peers(&session.ctx);
    let mut state = session.run.state.implement.take().unwrap_or_default();
    let agreed = implement::architecture_turn(
        &mut state,
        implement::ArchitectureTurn {
            peer,
            completed: iteration,
            digest: digest.as_deref(),
            said_agreed,
            peers: &peers,
        },
    );
    session.run.state.implement = Some(state);
    agreed.then(|| {
        "architecture checkpoint: every peer agreed on ARCHITECTURE.intended.md; the implementation starts".to_owned()
    })
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
