//! Caps, their order, wall-clock runtime and accounting.

use super::*;

fn run() -> RunCounters {
    RunCounters {
        ticks_this_run: 0,
        max_ticks: None,
        run_started_at_s: 1_000.0,
        runtime_before_run_s: 0.0,
        max_runtime_this_run_s: None,
        now_s: 1_000.0,
    }
}

fn cap_of(verdict: &BudgetVerdict) -> Option<Cap> {
    match verdict {
        BudgetVerdict::Stop(stop) => Some(stop.cap),
        _ => None,
    }
}

fn check(settings: &BudgetSettings, budget: &mut BudgetState, run: &RunCounters) -> Option<Cap> {
    cap_of(&check_before_tick(settings, MaxUsdMode::Hard, budget, run))
}

#[test]
fn fresh_budget_continues() {
    let mut budget = BudgetState::default();
    let verdict = check_before_tick(
        &BudgetSettings::default(),
        MaxUsdMode::Hard,
        &mut budget,
        &run(),
    );
    assert_eq!(verdict, BudgetVerdict::Continue);
}

#[test]
fn max_ticks_stops_first() {
    let mut budget = BudgetState {
        spent_iterations: 500,
        ..BudgetState::default()
    };
    let run = RunCounters {
        ticks_this_run: 3,
        max_ticks: Some(3),
        ..run()
    };
    assert_eq!(
        check(&BudgetSettings::default(), &mut budget, &run),
        Some(Cap::MaxTicks)
    );
    assert_eq!(Cap::MaxTicks.stop_reason(), "max_ticks");
}

#[test]
fn caps_come_from_settings_not_from_stale_state() {
    // Regression: a cap left in state.json must not outlive the config.
    let mut budget = BudgetState {
        max_iterations: 5,
        spent_iterations: 10,
        ..BudgetState::default()
    };
    assert_eq!(check(&BudgetSettings::default(), &mut budget, &run()), None);
    let settings = BudgetSettings {
        max_iterations: 10,
        ..BudgetSettings::default()
    };
    let verdict = check_before_tick(&settings, MaxUsdMode::Hard, &mut budget, &run());
    let BudgetVerdict::Stop(stop) = verdict else {
        panic!("expected a stop, got {verdict:?}");
    };
    assert_eq!(
        stop.to_string(),
        "budget:max_iterations: 10 iterations spent (max_iterations 10)"
    );
}

#[test]
fn runtime_budget_is_wall_clock_across_runs() {
    // Regression: the original counted only truncated agent seconds.
    let settings = BudgetSettings {
        max_runtime_s: 3_600,
        ..BudgetSettings::default()
    };
    let mut budget = BudgetState::default();
    let mut run = RunCounters {
        runtime_before_run_s: 3_000.0,
        now_s: 1_599.0,
        ..run()
    };
    assert_eq!(check(&settings, &mut budget, &run), None);
    run.now_s = 1_600.0;
    assert_eq!(check(&settings, &mut budget, &run), Some(Cap::MaxRuntime));
}

#[test]
fn run_runtime_limit_applies_to_this_run_only() {
    let mut budget = BudgetState::default();
    let run = RunCounters {
        runtime_before_run_s: 10_000.0,
        max_runtime_this_run_s: Some(60),
        now_s: 1_060.0,
        ..run()
    };
    assert_eq!(
        check(&BudgetSettings::default(), &mut budget, &run),
        Some(Cap::MaxRuntimeThisRun)
    );
}

#[test]
fn consecutive_failures_tokens_and_usd_stop_in_order() {
    let settings = BudgetSettings {
        max_tokens: Some(100),
        max_usd: Some(1.0),
        ..BudgetSettings::default()
    };
    let mut budget = BudgetState {
        consecutive_failures: 5,
        spent_tokens: 100,
        spent_usd: 1.0,
        ..BudgetState::default()
    };
    assert_eq!(
        check(&settings, &mut budget, &run()),
        Some(Cap::MaxConsecutiveFailures)
    );
    budget.consecutive_failures = 0;
    assert_eq!(check(&settings, &mut budget, &run()), Some(Cap::MaxTokens));
    budget.spent_tokens = 0;
    assert_eq!(check(&settings, &mut budget, &run()), Some(Cap::MaxUsd));
}

#[test]
fn warn_mode_usd_warns_once_per_cap_value() {
    let mut settings = BudgetSettings {
        max_usd: Some(2.0),
        ..BudgetSettings::default()
    };
    let mut budget = BudgetState {
        spent_usd: 3.0,
        ..BudgetState::default()
    };
    let first = check_before_tick(&settings, MaxUsdMode::Warn, &mut budget, &run());
    assert!(
        matches!(first, BudgetVerdict::Warn(ref w) if w.contains("$3.00 spent (max_usd $2.00)"))
    );
    let second = check_before_tick(&settings, MaxUsdMode::Warn, &mut budget, &run());
    assert_eq!(second, BudgetVerdict::Continue);
    settings.max_usd = Some(2.5);
    let raised = check_before_tick(&settings, MaxUsdMode::Warn, &mut budget, &run());
    assert!(matches!(raised, BudgetVerdict::Warn(_)));
}

#[test]
fn off_mode_ignores_usd_and_auto_counts_as_hard() {
    let settings = BudgetSettings {
        max_usd: Some(1.0),
        ..BudgetSettings::default()
    };
    let mut budget = BudgetState {
        spent_usd: 5.0,
        ..BudgetState::default()
    };
    let off = check_before_tick(&settings, MaxUsdMode::Off, &mut budget, &run());
    assert_eq!(off, BudgetVerdict::Continue);
    let auto = check_before_tick(&settings, MaxUsdMode::Auto, &mut budget, &run());
    assert_eq!(cap_of(&auto), Some(Cap::MaxUsd));
}

#[test]
fn during_tick_streamed_usage_crosses_the_cap() {
    let settings = BudgetSettings {
        max_tokens: Some(1_000),
        max_usd: Some(1.0),
        ..BudgetSettings::default()
    };
    let mut budget = BudgetState {
        spent_tokens: 900,
        spent_usd: 0.5,
        ..BudgetState::default()
    };
    let below = TickUsage {
        tokens: 99,
        usd: Some(0.4),
    };
    assert_eq!(
        check_during_tick(&settings, MaxUsdMode::Hard, &mut budget, &below, &run()),
        BudgetVerdict::Continue
    );
    let tokens = TickUsage {
        tokens: 100,
        usd: None,
    };
    let verdict = check_during_tick(&settings, MaxUsdMode::Hard, &mut budget, &tokens, &run());
    assert_eq!(cap_of(&verdict), Some(Cap::MaxTokens));
    let usd = TickUsage {
        tokens: 0,
        usd: Some(0.5),
    };
    let verdict = check_during_tick(&settings, MaxUsdMode::Hard, &mut budget, &usd, &run());
    assert_eq!(cap_of(&verdict), Some(Cap::MaxUsd));
    let nonsense = TickUsage {
        tokens: 0,
        usd: Some(f64::NAN),
    };
    let verdict = check_during_tick(&settings, MaxUsdMode::Hard, &mut budget, &nonsense, &run());
    assert_eq!(verdict, BudgetVerdict::Continue);
}

#[test]
fn during_tick_stops_at_the_wall_clock_cap() {
    let settings = BudgetSettings {
        max_runtime_s: 10,
        ..BudgetSettings::default()
    };
    let run = RunCounters {
        now_s: 1_010.0,
        ..run()
    };
    let verdict = check_during_tick(
        &settings,
        MaxUsdMode::Hard,
        &mut BudgetState::default(),
        &TickUsage::default(),
        &run,
    );
    assert_eq!(cap_of(&verdict), Some(Cap::MaxRuntime));
}

#[test]
fn account_tick_counts_spending_and_failures() {
    let mut state = State::for_peers(&["a".to_owned(), "b".to_owned()]);
    let run = RunCounters {
        now_s: 1_030.0,
        runtime_before_run_s: 100.0,
        ..run()
    };
    let failed = TickAccount {
        peer: "a",
        outcome: TurnOutcome::Failure,
        duration_s: 30.0,
        tokens: 10,
        usd: Some(0.25),
    };
    account_tick(&mut state, &failed, &run);
    assert_eq!(state.iteration, 1);
    let budget = &state.budget;
    assert_eq!(budget.spent_iterations, 1);
    assert_eq!(budget.spent_runtime_s, 130.0);
    assert_eq!(budget.consecutive_failures, 1);
    assert_eq!(budget.wasted_runtime_s, 30.0);
    assert_eq!(budget.wasted_runtime_per_tick[0].iteration, 0);
    assert_eq!(budget.spent_tokens, 10);
    assert_eq!(budget.spent_usd, 0.25);

    let transient = TickAccount {
        outcome: TurnOutcome::Transient,
        usd: Some(-3.0),
        ..failed.clone()
    };
    account_tick(&mut state, &transient, &run);
    assert_eq!(state.budget.consecutive_failures, 1);
    assert_eq!(state.budget.spent_usd, 0.25);
    let success = TickAccount {
        outcome: TurnOutcome::Success,
        ..failed
    };
    account_tick(&mut state, &success, &run);
    assert_eq!(state.budget.consecutive_failures, 0);
    assert_eq!(state.iteration, 3);
}

#[test]
fn wasted_runtime_history_keeps_the_last_twenty() {
    let mut state = State::for_peers(&["a".to_owned(), "b".to_owned()]);
    let failed = TickAccount {
        peer: "a",
        outcome: TurnOutcome::Failure,
        duration_s: 1.0,
        tokens: 0,
        usd: None,
    };
    for _ in 0..25 {
        account_tick(&mut state, &failed, &run());
    }
    let history = &state.budget.wasted_runtime_per_tick;
    assert_eq!(history.len(), WASTED_HISTORY);
    assert_eq!(history[0].iteration, 5);
}
