//! One `peers run`: take the lock, load and repair state (finish a tick a crash left in flight),
//! evaluate the gates, then tick until a stop reason; always write the exit record and
//! `last-stop-reason.txt`, whatever happened. The top of the driver: it calls the tick, crash
//! recovery and the survey; nothing calls it back.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use peers_core::stop_reason::StopReason;
use peers_store::run_lock::RunLock;

use crate::attest::Attestations;
use crate::error::DriverError;
use crate::ledger_view::LedgerView;
use crate::loop_state::LoopState;
use crate::progress::{Progress, ProgressSink};
use crate::record::ExitRecord;
use crate::session::{RunContext, RunInputs, RunState, RunSummary, Session};

/// Runs the loop to a stop reason. Only a failure to start (lock held, unreadable state) is an
/// `Err`; everything after the lock is taken ends in a `RunSummary` with its reason recorded.
pub fn run(inputs: RunInputs, progress: &mut dyn ProgressSink) -> Result<RunSummary, DriverError> {
    let dir = inputs.dir.clone();
    let lock_taken_at = std::time::SystemTime::now();
    let lock = RunLock::acquire(&inputs.dir).map_err(|err| match err {
        peers_store::error::StoreError::LockHeld { pid, .. } => DriverError::LockHeld { pid },
        other => DriverError::Store(other),
    })?;
    peers_store::last_stop::clear_last_stop(&inputs.dir)?;
    crate::recovery::heal_interrupted_writes(&inputs.dir, lock_taken_at, progress)?;
    let mut session = match open(inputs, progress) {
        Ok(session) => session,
        Err(err) => {
            let reason = StopReason::Error(err.label().to_owned());
            let _ = peers_store::last_stop::write_last_stop(&dir, &reason.to_string());
            return Err(err);
        }
    };
    let outcome = run_ticks(&mut session, progress);
    let reason = match &outcome {
        Ok(reason) => reason.clone(),
        Err(err) => StopReason::Error(err.label().to_owned()),
    };
    let summary = finish(&mut session, &reason, progress);
    drop(lock);
    match outcome {
        Ok(_) => Ok(summary),
        Err(err) => Err(err),
    }
}

pub(crate) fn open(
    inputs: RunInputs,
    progress: &mut dyn ProgressSink,
) -> Result<Session, DriverError> {
    let names: Vec<String> = inputs.config.peers.iter().map(|p| p.name.clone()).collect();
    let loaded = peers_store::state_file::load_state(&inputs.dir, &names)?;
    let mut state = loaded.state;
    if loaded.migrated_from_v1 {
        progress.event(Progress::Note(
            "state.json was migrated from schema v1 (backup: state.json.pre-migration)".into(),
        ));
    }
    if state.sync_peers(&names) {
        progress.event(Progress::Note(
            "the peers in config.yaml changed: turn order reset to the config order".into(),
        ));
    }
    let loop_state = LoopState::read(&state);
    let ids: Vec<&str> = inputs.goals.goals.iter().map(|g| g.id.as_str()).collect();
    let reset = peers_core::convergence::reset_for_goal_set(&mut state, &ids, &inputs.goals_digest);
    if reset.changed && state.iteration > 0 {
        progress.event(Progress::Note("the goal set changed since the last run: failure counters, the clean-tick streak and the skeptic phase start over".into()));
    }
    for (goal, soft) in inputs.goals.soft() {
        if let Some(notice) = peers_core::soft_review::quorum_notice(&goal.id, soft, names.len()) {
            progress.event(Progress::Note(notice));
        }
    }
    let patterns = peers_agent::Patterns::from_health(&inputs.config.health).map_err(|source| {
        DriverError::Agent {
            peer: "(patterns)".to_owned(),
            source,
        }
    })?;
    let prices = peers_agent::PriceTable::with_overrides(&inputs.config.prices);
    let runtime_before_run_s = state.budget.spent_runtime_s;
    let attest = Attestations::load(&inputs.dir)?;
    let ledger = LedgerView::build(&inputs.git, &attest)?;
    let last_handoff = inputs
        .git
        .recent_commits("HEAD", peers_gate::builtin::HANDOFF_LOOKBACK)?
        .into_iter()
        .rev()
        .find(|c| peers_core::trailer::is_handoff(&c.message));
    let mut runner = peers_gate::jobs::runner_settings(inputs.git.root(), &inputs.config);
    runner.cancel = Some(Arc::clone(&inputs.cancel));
    let gate_tree = peers_gate::tree::GateTree::new(&inputs.git, &inputs.config.gates.outside_git)?;
    let ctx = RunContext {
        inputs,
        runner,
        patterns,
        prices,
        started: Instant::now(),
        runtime_before_run_s,
    };
    let run = RunState {
        state,
        loop_state,
        attest,
        ledger,
        last_handoff,
        gate_tree,
        evaluation: None,
        ticks_in_run: 0,
        known_head: None,
        push_failing: false,
    };
    let mut session = Session {
        ctx: Arc::new(ctx),
        run,
    };
    // A crash's leftover would show a tick that is not running.
    crate::live_file::remove(&session.ctx.inputs.dir);
    crate::recovery::finish_interrupted_tick(&mut session, progress)?;
    for note in crate::implement_run::operator_pause_at_start(&mut session) {
        progress.event(Progress::Note(note));
    }
    set_aside_users_edits(&session.ctx, progress)?;
    crate::survey::write_context_files(&session.ctx, progress);
    session.save()?;
    progress.event(Progress::Started {
        iteration: session.run.state.iteration,
        peers: &names,
    });
    Ok(session)
}

fn run_ticks(
    session: &mut Session,
    progress: &mut dyn ProgressSink,
) -> Result<StopReason, DriverError> {
    crate::judge::evaluate(session, progress)?;
    session.save()?;
    loop {
        if let Some(reason) = pre_tick_stop(session, progress)? {
            return Ok(reason);
        }
        let outcome = crate::tick::run_one(session, progress)?;
        session.run.ticks_in_run += 1;
        if let Some(reason) = outcome.stop {
            return Ok(reason);
        }
    }
}

/// Why the loop must stop before starting another tick, if it must.
fn pre_tick_stop(
    session: &mut Session,
    progress: &mut dyn ProgressSink,
) -> Result<Option<StopReason>, DriverError> {
    if session.ctx.inputs.cancel.load(Ordering::SeqCst) {
        return Ok(Some(StopReason::Interrupted));
    }
    if let Some(detail) = session.goals_mutation()? {
        progress.event(Progress::Note(format!(
            "goals.yaml changed during the run: {detail}"
        )));
        return Ok(Some(StopReason::GoalsMutated));
    }
    if crate::implement_run::pause_due(session) {
        progress.event(Progress::Note(format!(
            "architecture checkpoint: the architecture phase is over; the run stops for you. {}",
            capitalised_advice()
        )));
        return Ok(Some(StopReason::Checkpoint));
    }
    if let Some(stuck) =
        peers_core::convergence::stuck_gate(&session.run.state, &session.ctx.inputs.config.goals)
    {
        progress.event(Progress::Note(format!(
            "{} has failed {} evaluations in a row",
            stuck.gate, stuck.count
        )));
        return Ok(Some(StopReason::Stuck { gate: stuck.gate }));
    }
    if let Some(reason) = crate::rules::budget_stop(session, progress) {
        return Ok(Some(reason));
    }
    Ok(None)
}

fn capitalised_advice() -> String {
    let advice = peers_core::implement::PAUSE_ADVICE;
    let mut chars = advice.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect::<String>() + ".")
        .unwrap_or_default()
}

pub(crate) fn finish(
    session: &mut Session,
    reason: &StopReason,
    progress: &mut dyn ProgressSink,
) -> RunSummary {
    let _ = session.save();
    let record = ExitRecord::new(
        &reason.to_string(),
        session.run.ticks_in_run,
        session.run.state.iteration,
    );
    let _ = peers_store::run_log::append_record(&session.ctx.inputs.dir, &record.to_value());
    let _ = peers_store::last_stop::write_last_stop(&session.ctx.inputs.dir, &reason.to_string());
    crate::live_file::remove(&session.ctx.inputs.dir);
    if let Err(err) = crate::halted::record_stop(session, reason) {
        progress.event(Progress::Note(format!(
            "could not update .peers/HALTED.md: {err}"
        )));
    }
    crate::state_push::push(session, progress, "the stop");
    progress.event(Progress::Stopped { reason });
    RunSummary {
        reason: reason.clone(),
        ticks_in_run: session.run.ticks_in_run,
        iteration: session.run.state.iteration,
        gates: session
            .run
            .evaluation
            .as_ref()
            .map(|e| e.results.iter().map(|r| (r.id.clone(), r.pass)).collect())
            .unwrap_or_default(),
    }
}

/// The user's tree is the user's: uncommitted changes at the start (after a crashed tick was
/// finished) refuse the run, or with `--allow-dirty` go to a stash named as the user's, so no
/// peer is blamed for them and nothing is lost.
fn set_aside_users_edits(
    ctx: &RunContext,
    progress: &mut dyn ProgressSink,
) -> Result<(), DriverError> {
    if ctx.inputs.options.interactive {
        // The tree is the interactive turn's, judged with it (`after_turn`).
        return Ok(());
    }
    let paths = crate::preflight::uncommitted_paths(&ctx.inputs.git)?;
    if paths.is_empty() {
        return Ok(());
    }
    if !ctx.inputs.options.allow_dirty {
        return Err(DriverError::DirtyTree { paths });
    }
    let label = format!(
        "peers: your uncommitted edits, set aside before the run at {}",
        peers_store::timestamp::now_iso_utc()
    );
    if let Some(stash) = ctx.inputs.git.stash_all(&label)? {
        progress.event(Progress::Note(format!(
            "--allow-dirty: your uncommitted edits were stashed as {}",
            crate::tick_finish::stash_name(&stash, &label)
        )));
    }
    Ok(())
}
