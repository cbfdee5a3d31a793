//! Budget caps and per-tick accounting: whether the next tick may start, whether a running
//! tick must be stopped because its streamed usage crossed a cap, and what a finished tick
//! spent.
//!
//! Caps come from the resolved settings (so a cap removed from the config is gone);
//! spending comes from the persisted [`BudgetState`]. Runtime is wall clock of the whole run,
//! gates and waits included (the original counted only truncated agent seconds).

use std::fmt;

use crate::config::{BudgetSettings, MaxUsdMode};
use crate::state::{BudgetState, State, WastedRuntime};
use crate::turns::TurnOutcome;

/// Failed ticks kept in `wasted_runtime_per_tick` for the report.
pub const WASTED_HISTORY: usize = 20;

/// Counters of the current run that the state does not hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunCounters {
    pub ticks_this_run: u64,
    /// `--max-ticks`.
    pub max_ticks: Option<u64>,
    /// Unix seconds when this run started.
    pub run_started_at_s: f64,
    /// `budget.spent_runtime_s` when this run started: the wall clock of earlier runs.
    pub runtime_before_run_s: f64,
    /// A wall-clock limit for this run alone (a command-line flag).
    pub max_runtime_this_run_s: Option<u64>,
    /// Unix seconds now.
    pub now_s: f64,
}

impl RunCounters {
    pub fn run_elapsed_s(&self) -> f64 {
        (self.now_s - self.run_started_at_s).max(0.0)
    }

    /// Wall clock spent on this project across runs: what `max_runtime_s` caps.
    pub fn total_runtime_s(&self) -> f64 {
        self.runtime_before_run_s + self.run_elapsed_s()
    }
}

/// Usage streamed by the running agent so far in this tick.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TickUsage {
    pub tokens: u64,
    /// `None` when the tool does not report cost.
    pub usd: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BudgetVerdict {
    Continue,
    /// Keep going, but tell the user (a warn-mode USD cap, once per cap value).
    Warn(String),
    Stop(BudgetStop),
}

/// Which cap stopped the run, with the numbers for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetStop {
    pub cap: Cap,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    MaxTicks,
    MaxIterations,
    MaxRuntime,
    MaxRuntimeThisRun,
    MaxConsecutiveFailures,
    MaxTokens,
    MaxUsd,
}

impl Cap {
    /// The run's stop reason, as the original spelled it.
    pub fn stop_reason(self) -> &'static str {
        match self {
            Self::MaxTicks => "max_ticks",
            Self::MaxIterations => "budget:max_iterations",
            Self::MaxRuntime => "budget:max_runtime",
            Self::MaxRuntimeThisRun => "max_runtime_this_run",
            Self::MaxConsecutiveFailures => "budget:max_consecutive_failures",
            Self::MaxTokens => "budget:max_tokens",
            Self::MaxUsd => "budget:max_usd",
        }
    }
}

impl fmt::Display for BudgetStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.cap.stop_reason(), self.detail)
    }
}

fn stop(cap: Cap, detail: String) -> BudgetVerdict {
    BudgetVerdict::Stop(BudgetStop { cap, detail })
}

/// Before a tick, in the original's order: ticks of this run, iterations, runtime,
/// consecutive failures, tokens, USD. `usd_mode` is the resolved mode (`auto` is treated as
/// hard). A warn-mode USD warning is given once per cap value and remembered in `budget`.
pub fn check_before_tick(
    settings: &BudgetSettings,
    usd_mode: MaxUsdMode,
    budget: &mut BudgetState,
    run: &RunCounters,
) -> BudgetVerdict {
    if let Some(max) = run.max_ticks.filter(|max| run.ticks_this_run >= *max) {
        return stop(
            Cap::MaxTicks,
            format!("{max} ticks run (--max-ticks {max})"),
        );
    }
    if budget.spent_iterations >= settings.max_iterations {
        let detail = format!(
            "{} iterations spent (max_iterations {})",
            budget.spent_iterations, settings.max_iterations
        );
        return stop(Cap::MaxIterations, detail);
    }
    if let verdict @ BudgetVerdict::Stop(_) = check_runtime(settings, run) {
        return verdict;
    }
    if budget.consecutive_failures >= u64::from(settings.max_consecutive_failures) {
        let detail = format!(
            "{} failed ticks in a row (max_consecutive_failures {})",
            budget.consecutive_failures, settings.max_consecutive_failures
        );
        return stop(Cap::MaxConsecutiveFailures, detail);
    }
    check_spending(
        settings,
        usd_mode,
        budget,
        budget.spent_tokens,
        budget.spent_usd,
    )
}

/// During a tick, with the agent's cumulative usage so far: stop it as soon as tokens, USD
/// (hard mode) or the wall-clock runtime cross their cap, rather than after the tick.
pub fn check_during_tick(
    settings: &BudgetSettings,
    usd_mode: MaxUsdMode,
    budget: &mut BudgetState,
    tick: &TickUsage,
    run: &RunCounters,
) -> BudgetVerdict {
    if let verdict @ BudgetVerdict::Stop(_) = check_runtime(settings, run) {
        return verdict;
    }
    let tokens = budget.spent_tokens.saturating_add(tick.tokens);
    let usd = budget.spent_usd + tick.usd.filter(|u| valid_usd(*u)).unwrap_or(0.0);
    check_spending(settings, usd_mode, budget, tokens, usd)
}

fn check_runtime(settings: &BudgetSettings, run: &RunCounters) -> BudgetVerdict {
    let total = run.total_runtime_s();
    if total >= settings.max_runtime_s as f64 {
        let detail = format!(
            "{total:.0} s of wall clock spent (max_runtime_s {})",
            settings.max_runtime_s
        );
        return stop(Cap::MaxRuntime, detail);
    }
    let elapsed = run.run_elapsed_s();
    if let Some(max) = run
        .max_runtime_this_run_s
        .filter(|max| elapsed >= *max as f64)
    {
        let detail = format!("this run has been going {elapsed:.0} s (limit {max} s)");
        return stop(Cap::MaxRuntimeThisRun, detail);
    }
    BudgetVerdict::Continue
}

fn check_spending(
    settings: &BudgetSettings,
    usd_mode: MaxUsdMode,
    budget: &mut BudgetState,
    tokens: u64,
    usd: f64,
) -> BudgetVerdict {
    if let Some(max) = settings.max_tokens.filter(|max| tokens >= *max) {
        return stop(
            Cap::MaxTokens,
            format!("{tokens} tokens spent (max_tokens {max})"),
        );
    }
    let Some(max) = settings.max_usd.filter(|max| usd >= *max) else {
        return BudgetVerdict::Continue;
    };
    let detail = format!("${usd:.2} spent (max_usd ${max:.2})");
    match usd_mode {
        MaxUsdMode::Hard | MaxUsdMode::Auto => stop(Cap::MaxUsd, detail),
        MaxUsdMode::Warn if budget.max_usd_warned_for != Some(max) => {
            budget.max_usd_warned_for = Some(max);
            BudgetVerdict::Warn(format!(
                "{detail}; continuing because max_usd_mode is warn (set it to hard to stop)"
            ))
        }
        MaxUsdMode::Warn | MaxUsdMode::Off => BudgetVerdict::Continue,
    }
}

fn valid_usd(usd: f64) -> bool {
    usd.is_finite() && usd >= 0.0
}

/// What one finished tick spent.
#[derive(Debug, Clone, PartialEq)]
pub struct TickAccount<'a> {
    pub peer: &'a str,
    pub outcome: TurnOutcome,
    /// Wall clock of the whole tick, for the wasted-runtime report.
    pub duration_s: f64,
    pub tokens: u64,
    pub usd: Option<f64>,
}

/// Counts a finished tick: `iteration` and `spent_iterations` +1, runtime set to the wall
/// clock so far, failures and wasted time for failed ticks, tokens and USD. Transient ticks
/// (rate-limited) are neither failures nor successes for the failure streak.
pub fn account_tick(state: &mut State, tick: &TickAccount<'_>, run: &RunCounters) {
    let iteration = state.iteration;
    state.iteration += 1;
    let budget = &mut state.budget;
    budget.spent_iterations += 1;
    budget.spent_runtime_s = run.total_runtime_s().max(budget.spent_runtime_s);
    budget.spent_tokens = budget.spent_tokens.saturating_add(tick.tokens);
    if let Some(usd) = tick.usd.filter(|u| valid_usd(*u)) {
        budget.spent_usd += usd;
    }
    match tick.outcome {
        TurnOutcome::Success => budget.consecutive_failures = 0,
        TurnOutcome::Transient => {}
        TurnOutcome::Failure => {
            budget.consecutive_failures += 1;
            budget.wasted_runtime_s += tick.duration_s.max(0.0);
            budget.wasted_runtime_per_tick.push(WastedRuntime {
                iteration,
                peer: tick.peer.to_owned(),
                duration_s: tick.duration_s.max(0.0),
                extra: Default::default(),
            });
            let excess = budget
                .wasted_runtime_per_tick
                .len()
                .saturating_sub(WASTED_HISTORY);
            budget.wasted_runtime_per_tick.drain(..excess);
        }
    }
}

#[cfg(test)]
mod tests;
