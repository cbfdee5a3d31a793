//! One tick: decide the peer, build its prompt, run it under the supervisor with the budget
//! watching, judge what it did, re-evaluate the gates, account, record, save.

use std::sync::atomic::Ordering;
use std::time::Instant;

use peers_agent::{CallKind, Classification, Flow, Invocation, LiveEvent, PeerRun};
use peers_core::budget::{self, BudgetVerdict, TickUsage};
use peers_core::convergence;
use peers_core::stop_reason::StopReason;
use peers_core::turns;

use crate::control_files::ControlSnapshot;
use crate::error::DriverError;
use crate::git_control::GitControlSnapshot;
use crate::live_file::{LiveWriter, NewestLine};
use crate::loop_state::InFlight;
use crate::post_tick::{self, TurnContext};
use crate::progress::{Progress, ProgressSink};
use crate::rules::{TickOutcome, budget_settings, run_counters};
use crate::session::Session;

pub fn run_one(
    session: &mut Session,
    progress: &mut dyn ProgressSink,
) -> Result<TickOutcome, DriverError> {
    let pick = match turns::pick(
        &session.run.state,
        &session.ctx.inputs.config.peers,
        &session.ctx.inputs.config.turns,
    ) {
        Ok(pick) => pick,
        Err(no_turn) => {
            crate::halted::write_if_stranded(session)?;
            return Ok(TickOutcome {
                stop: Some(StopReason::PeerUnavailable(no_turn)),
            });
        }
    };
    let peer = pick.peer.clone();
    let iteration = session.run.state.iteration + 1;
    let skeptic = convergence::skeptic_due(&session.run.state);
    let prompt = crate::tick_prompt::build(session, &peer, skeptic, pick.recovery);
    let prompt = crate::implement_run::with_overlay(session, prompt);
    crate::tick_prompt::keep(&session.ctx, iteration, &peer, &prompt.text)?;
    progress.event(Progress::TickStarted {
        iteration,
        peer: &peer,
        skeptic,
    });

    let head_before = match session.run.known_head.take() {
        Some(head) => head,
        None => session.ctx.inputs.git.head()?,
    };
    session.run.loop_state.in_flight = Some(InFlight {
        iteration,
        peer: peer.clone(),
        head_before: head_before.clone(),
        started_at: peers_store::timestamp::now_iso_utc(),
        skeptic,
        marker: Some(crate::tick_trace::new_marker()),
        leader: None,
    });
    session.save_quick()?;
    let mut live = LiveWriter::start(&session.ctx.inputs.dir, iteration, &peer, skeptic);
    session.run.gate_tree.before_turn();
    let mut snapshot = ControlSnapshot::take(&session.ctx.inputs.dir);
    let git_snapshot = GitControlSnapshot::take(&session.ctx.inputs.git.dirs()?);
    let tick_started = Instant::now();
    let (mut run, budget_stop, delivery) = invoke_peer(
        session,
        &peer,
        &prompt.text,
        progress,
        &mut live,
        &mut snapshot,
    )?;
    let tampering =
        crate::implement_run::without_signed_contract_changes(&session.ctx, snapshot.changed());
    // Before any git call of ours: what the peer planted in .git/ is undone first.
    let git_tampering = git_snapshot.restore_changes();
    crate::tick_finish::keep_output_logs(&session.ctx, iteration, &peer, &mut run);
    live.judging();
    progress.event(Progress::Judging { iteration });

    let process_ok = matches!(
        run.classification,
        Classification::Success | Classification::IdleTimeout
    );
    let ctx = TurnContext {
        git: &session.ctx.inputs.git,
        dir: &session.ctx.inputs.dir,
        peer: &peer,
        iteration,
        head_before: head_before.as_deref(),
        process_ok,
        process_reason: (!process_ok).then(|| run.failure_summary()),
    };
    let mut facts = post_tick::analyse(&ctx, &mut session.run.attest, &session.run.state)?;
    facts.integrity.extend(tampering.iter().cloned());
    facts.integrity.extend(snapshot.restore(&tampering));
    facts.integrity.extend(git_tampering.iter().cloned());
    post_tick::note_git_maintenance(
        &mut facts,
        &run.git_maintenance_stopped,
        &session.ctx.inputs.git,
    );
    post_tick::fail_on_misconduct(
        &mut facts,
        &peer,
        post_tick::Misconduct {
            tampering: &tampering,
            git_tampering: &git_tampering,
            left_running: &run.left_running,
        },
    );
    let finished = crate::tick_finish::finish(
        session,
        progress,
        crate::tick_finish::FinishedTurn {
            peer: &peer,
            iteration,
            skeptic,
            head_before,
            run,
            facts,
            tampering,
            duration: tick_started.elapsed(),
            budget_stop,
            delivery,
        },
    );
    crate::live_file::remove(&session.ctx.inputs.dir);
    finished
}

/// Runs the peer process; returns its outcome and a budget stop reason when streamed usage
/// crossed a hard cap mid-tick.
fn invoke_peer(
    session: &mut Session,
    peer: &str,
    prompt: &str,
    progress: &mut dyn ProgressSink,
    live: &mut LiveWriter,
    snapshot: &mut ControlSnapshot,
) -> Result<(PeerRun, Option<StopReason>, String), DriverError> {
    let settings = session
        .ctx
        .inputs
        .config
        .peers
        .iter()
        .find(|p| p.name == peer)
        .cloned()
        .ok_or_else(|| DriverError::MissingPeer {
            peer: peer.to_owned(),
        })?;
    let scratch = session.ctx.inputs.dir.path().join("tmp");
    peers_store::safe_fs::ensure_private_dir(&scratch)?;
    let command = peers_agent::prepare_command(&settings, prompt, &scratch).map_err(|source| {
        DriverError::Agent {
            peer: peer.to_owned(),
            source,
        }
    })?;
    let delivery = command.delivery.as_str().to_owned();
    let resolved = peers_agent::resolve_command(&settings);
    let mut env =
        peers_agent::peer_environment(std::env::vars_os(), &resolved, &settings.env, peer);
    let marker = session
        .run
        .loop_state
        .in_flight
        .as_ref()
        .and_then(|f| f.marker.clone());
    if let Some(marker) = marker {
        env.retain(|(k, _)| k != crate::tick_trace::MARKER_VARIABLE);
        env.push((crate::tick_trace::MARKER_VARIABLE.into(), marker.into()));
    }
    let health = &session.ctx.inputs.config.health;
    let skeptic = (session.run.loop_state.in_flight.as_ref()).is_some_and(|flight| flight.skeptic);
    let invocation = Invocation {
        peer: peer.to_owned(),
        kind: if skeptic {
            CallKind::SkepticTurn
        } else {
            CallKind::LoopTurn
        },
        tool: settings.tool.clone(),
        command,
        cwd: session.ctx.inputs.git.root().to_path_buf(),
        env,
        limits: peers_agent::Limits::from_health(health),
        patterns: session.ctx.patterns.clone(),
    };
    let budget = budget_settings(session);
    let usd_mode = session.ctx.inputs.usd_mode;
    let run_counters = run_counters(session);
    let started = Instant::now();
    let mut stop_reason = None;
    let prices = session.ctx.prices.clone();
    let cancel = std::sync::Arc::clone(&session.ctx.inputs.cancel);
    let launcher = std::sync::Arc::clone(&session.ctx.inputs.launcher);
    let mut newest = NewestLine::default();
    let mut observer = |event: &LiveEvent| -> Flow {
        let usage = match event {
            LiveEvent::Started { pid } => {
                record_leader(session, *pid, snapshot);
                return Flow::Continue;
            }
            LiveEvent::Output { line, .. } => {
                // Per line only a copy into a reused buffer; shown on the clock below.
                newest.keep(line);
                return Flow::Continue;
            }
            LiveEvent::Tick => {
                if let Some(line) = newest.take_fresh() {
                    live.line(line);
                    progress.event(Progress::PeerOutput { line });
                    live.recent(newest.recent());
                }
                live.flush_due();
                return Flow::Continue;
            }
            LiveEvent::Usage(usage) => usage,
        };
        live.usage(usage.total_tokens(), usage.usd);
        progress.event(Progress::PeerUsage {
            tokens: usage.total_tokens(),
            usd: usage.usd,
        });
        let mut counters = run_counters;
        counters.now_s = run_counters.now_s + started.elapsed().as_secs_f64();
        let tick = TickUsage {
            tokens: usage.total_tokens(),
            usd: usage.usd,
        };
        let state_budget = &mut session.run.state.budget;
        match budget::check_during_tick(&budget, usd_mode, state_budget, &tick, &counters) {
            BudgetVerdict::Stop(stop) => {
                stop_reason = Some(StopReason::Budget(stop.cap));
                Flow::Stop(format!("budget: {}", stop.detail))
            }
            _ => Flow::Continue,
        }
    };
    let run = peers_agent::invoke_with_prices(
        &invocation,
        launcher.as_ref(),
        &prices,
        &cancel,
        &mut observer,
    )
    .map_err(|source| DriverError::Agent {
        peer: peer.to_owned(),
        source,
    })?;
    if let Some(line) = newest.take_fresh() {
        live.line(line);
        progress.event(Progress::PeerOutput { line });
        live.recent(newest.recent());
    }
    if cancel.load(Ordering::SeqCst) && stop_reason.is_none() {
        stop_reason = Some(StopReason::Interrupted);
    }
    Ok((run, stop_reason, delivery))
}

/// Saves the peer process's identity in the in-flight record, so a resume after a crash finds
/// its process group. A failed save is not fatal: the environment marker finds it too.
fn record_leader(session: &mut Session, pid: u32, snapshot: &mut ControlSnapshot) {
    if let Some(flight) = session.run.loop_state.in_flight.as_mut() {
        flight.leader = crate::tick_trace::leader(pid);
        if session.save_quick().is_ok() {
            // Our own write, not the peer's: tamper evidence starts from it.
            snapshot.refresh("state.json");
        }
    }
}
