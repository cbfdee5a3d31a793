//! The loop's rules applied to one run: the budget before and during a tick, how a finished
//! turn counts (turns, health, the clean-tick streak), its accounting, and whether the run
//! stops. The tick (`tick`) and its second half (`tick_finish`) both call these; neither
//! calls the other back.

use std::time::{SystemTime, UNIX_EPOCH};

use peers_agent::{Classification, PeerRun};
use peers_core::budget::{self, BudgetVerdict, RunCounters, TickAccount};
use peers_core::convergence::{self, CleanTickFacts, Decision, TickResult};
use peers_core::peer_health::{self, HealthEvent};
use peers_core::stop_reason::StopReason;
use peers_core::turns::{self, TurnOutcome};

use crate::post_tick::TurnFacts;
use crate::progress::{Progress, ProgressSink};
use crate::session::Session;

/// What the loop does after this tick.
pub struct TickOutcome {
    pub stop: Option<StopReason>,
}

fn now_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

pub(crate) fn run_counters(session: &Session) -> RunCounters {
    let elapsed = session.ctx.started.elapsed().as_secs_f64();
    RunCounters {
        ticks_this_run: session.run.ticks_in_run,
        max_ticks: session.ctx.inputs.options.max_ticks,
        run_started_at_s: now_s() - elapsed,
        runtime_before_run_s: session.ctx.runtime_before_run_s,
        max_runtime_this_run_s: session.ctx.inputs.options.max_runtime.map(|d| d.as_secs()),
        now_s: now_s(),
    }
}

pub(crate) fn budget_settings(session: &Session) -> peers_core::config::BudgetSettings {
    let mut settings = session.ctx.inputs.config.budget.clone();
    if let Some(usd) = session.ctx.inputs.options.max_usd {
        settings.max_usd = Some(usd);
    }
    if let Some(tokens) = session.ctx.inputs.options.max_tokens {
        settings.max_tokens = Some(tokens);
    }
    settings
}

/// A budget cap reached before the next tick: its stop reason.
pub fn budget_stop(session: &mut Session, progress: &mut dyn ProgressSink) -> Option<StopReason> {
    let settings = budget_settings(session);
    let run = run_counters(session);
    match budget::check_before_tick(
        &settings,
        session.ctx.inputs.usd_mode,
        &mut session.run.state.budget,
        &run,
    ) {
        BudgetVerdict::Continue => None,
        BudgetVerdict::Warn(message) => {
            progress.event(Progress::Note(message));
            None
        }
        BudgetVerdict::Stop(stop) => {
            progress.event(Progress::Note(format!("budget: {}", stop.detail)));
            Some(StopReason::Budget(stop.cap))
        }
    }
}

/// How the tick counts for turns, health and the clean-tick streak.
pub(crate) fn judge_outcome(
    run: &PeerRun,
    facts: &TurnFacts,
) -> (TurnOutcome, HealthEvent, TickResult) {
    let transient = matches!(
        run.classification,
        Classification::RateLimited | Classification::Overloaded
    );
    let neutral = transient
        || matches!(
            run.classification,
            Classification::Interrupted | Classification::Stopped(_)
        );
    if facts.fail_reason.is_none() {
        return (
            TurnOutcome::Success,
            HealthEvent::Success,
            TickResult::Handoff,
        );
    }
    if neutral {
        return (
            TurnOutcome::Transient,
            HealthEvent::Transient,
            TickResult::Neutral,
        );
    }
    if let Some(matched) = run.matched.as_ref().filter(|m| m.halt) {
        let event = HealthEvent::Unavailable {
            reason: matched.unavailable_reason(),
            snippet: matched.snippet.clone(),
        };
        return (TurnOutcome::Failure, event, TickResult::Failed);
    }
    if facts.reverted_test_only {
        return (
            TurnOutcome::Failure,
            HealthEvent::CheatRevert,
            TickResult::Failed,
        );
    }
    let productive = !facts.commits.is_empty()
        && facts.identity_violations.is_empty()
        && !facts.history_rewritten;
    let event = if productive && run.classification == Classification::Success {
        HealthEvent::ProductiveNoHandoff
    } else {
        HealthEvent::Failure {
            classification: run.classification.to_string(),
            pattern: run.matched.as_ref().map(|m| m.pattern.clone()),
        }
    };
    (TurnOutcome::Failure, event, TickResult::Failed)
}

/// Stops the run when the convergence rules say so.
pub(crate) fn decide(session: &mut Session, facts: &CleanTickFacts) -> Option<StopReason> {
    let convergence_n = session.ctx.inputs.config.goals.convergence_n;
    let decision = convergence::after_evaluation(
        &mut session.run.state,
        facts,
        convergence_n,
        session.ctx.inputs.options.skeptic,
    );
    // The implement mode's two-phase completion counts every evaluated tick.
    let may_complete = crate::implement_run::may_complete(session, facts.all_hard_green);
    match decision {
        Decision::Complete if may_complete => Some(StopReason::Complete),
        Decision::Complete | Decision::Continue | Decision::RunSkeptic => None,
    }
}

/// Accounts the tick in the budget state.
pub(crate) fn account(
    session: &mut Session,
    peer: &str,
    outcome: TurnOutcome,
    duration_s: f64,
    run: &PeerRun,
) {
    let run_counters = run_counters(session);
    let tick = TickAccount {
        peer,
        outcome,
        duration_s,
        tokens: run.usage.total_tokens(),
        usd: run.usage.usd,
    };
    budget::account_tick(&mut session.run.state, &tick, &run_counters);
}

/// Turn and health bookkeeping; returns the warnings it produced.
pub(crate) fn advance(
    session: &mut Session,
    peer: &str,
    outcome: TurnOutcome,
    event: HealthEvent,
    iteration: u64,
) -> Vec<String> {
    turns::advance(
        &mut session.run.state,
        peer,
        outcome,
        &session.ctx.inputs.config.turns,
    );
    peer_health::apply(&mut session.run.state, peer, event, iteration)
        .iter()
        .map(|c| c.to_string())
        .collect()
}
