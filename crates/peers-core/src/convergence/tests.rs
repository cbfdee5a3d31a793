//! Clean ticks, the persisted skeptic phase, stuck counters and goal-set resets.

use super::*;
use crate::config::GoalRunSettings;

fn state() -> State {
    State::for_peers(&["a".to_owned(), "b".to_owned()])
}

fn clean() -> CleanTickFacts {
    CleanTickFacts {
        tick: TickResult::Handoff,
        all_hard_green: true,
        open_blocking_bugs: 0,
        soft_consensus: true,
        new_blocking_reports: 0,
    }
}

/// Runs ticks through `after_evaluation`, bumping the iteration like the driver does.
fn tick(state: &mut State, facts: CleanTickFacts, skeptic: bool) -> Decision {
    state.iteration += 1;
    after_evaluation(state, &facts, 3, skeptic)
}

#[test]
fn converges_after_n_clean_ticks_without_skeptic() {
    let mut state = state();
    assert_eq!(tick(&mut state, clean(), false), Decision::Continue);
    assert_eq!(tick(&mut state, clean(), false), Decision::Continue);
    assert_eq!(tick(&mut state, clean(), false), Decision::Complete);
}

#[test]
fn failed_tick_or_new_blocking_report_resets_the_streak() {
    let mut state = state();
    tick(&mut state, clean(), false);
    tick(&mut state, clean(), false);
    let failed = CleanTickFacts {
        tick: TickResult::Failed,
        ..clean()
    };
    assert_eq!(tick(&mut state, failed, false), Decision::Continue);
    assert_eq!(state.consecutive_clean_ticks, 0);
    tick(&mut state, clean(), false);
    let reported = CleanTickFacts {
        new_blocking_reports: 1,
        ..clean()
    };
    tick(&mut state, reported, false);
    assert_eq!(state.consecutive_clean_ticks, 0);
}

#[test]
fn neutral_tick_leaves_the_streak_alone() {
    let mut state = state();
    tick(&mut state, clean(), false);
    tick(&mut state, clean(), false);
    let neutral = CleanTickFacts {
        tick: TickResult::Neutral,
        ..clean()
    };
    tick(&mut state, neutral, false);
    assert_eq!(state.consecutive_clean_ticks, 2);
}

#[test]
fn a_tick_that_leaves_goals_unmet_is_not_clean() {
    let mut state = state();
    let red = CleanTickFacts {
        all_hard_green: false,
        ..clean()
    };
    let open_bug = CleanTickFacts {
        open_blocking_bugs: 1,
        ..clean()
    };
    let no_consensus = CleanTickFacts {
        soft_consensus: false,
        ..clean()
    };
    for facts in [red, open_bug, no_consensus] {
        tick(&mut state, clean(), false);
        tick(&mut state, clean(), false);
        assert_eq!(tick(&mut state, facts, false), Decision::Continue);
        assert_eq!(state.consecutive_clean_ticks, 0, "{facts:?}");
    }
    tick(&mut state, clean(), false);
    tick(&mut state, clean(), false);
    assert_eq!(tick(&mut state, clean(), false), Decision::Complete);
}

#[test]
fn skeptic_tick_runs_once_then_completes() {
    let mut state = state();
    tick(&mut state, clean(), true);
    tick(&mut state, clean(), true);
    assert_eq!(tick(&mut state, clean(), true), Decision::RunSkeptic);
    assert!(skeptic_due(&state));
    assert_eq!(state.skeptic, SkepticPhase::Requested { at_iteration: 3 });
    assert_eq!(tick(&mut state, clean(), true), Decision::Complete);
    assert_eq!(state.skeptic, SkepticPhase::Passed { at_iteration: 4 });
}

#[test]
fn skeptic_finding_a_bug_restarts_the_streak() {
    let mut state = state();
    for _ in 0..3 {
        tick(&mut state, clean(), true);
    }
    let found = CleanTickFacts {
        new_blocking_reports: 1,
        open_blocking_bugs: 1,
        ..clean()
    };
    assert_eq!(tick(&mut state, found, true), Decision::Continue);
    assert_eq!(state.skeptic, SkepticPhase::Idle);
    assert_eq!(state.consecutive_clean_ticks, 0);
    tick(&mut state, clean(), true);
    tick(&mut state, clean(), true);
    assert_eq!(tick(&mut state, clean(), true), Decision::RunSkeptic);
}

#[test]
fn rate_limited_skeptic_tick_is_retried_not_skipped() {
    let mut state = state();
    for _ in 0..3 {
        tick(&mut state, clean(), true);
    }
    let neutral = CleanTickFacts {
        tick: TickResult::Neutral,
        ..clean()
    };
    assert_eq!(tick(&mut state, neutral, true), Decision::RunSkeptic);
    assert!(skeptic_due(&state));
}

#[test]
fn restart_neither_repeats_nor_skips_the_skeptic_tick() {
    // Regression: the original's skeptic flags were stripped on save.
    let mut state = state();
    for _ in 0..3 {
        tick(&mut state, clean(), true);
    }
    let saved = serde_json::to_string(&state).unwrap();
    let mut restarted: State = serde_json::from_str(&saved).unwrap();
    assert!(
        skeptic_due(&restarted),
        "a due skeptic tick survives a restart"
    );
    assert_eq!(tick(&mut restarted, clean(), true), Decision::Complete);
    let saved = serde_json::to_string(&restarted).unwrap();
    let mut again: State = serde_json::from_str(&saved).unwrap();
    assert!(!skeptic_due(&again));
    assert_eq!(
        tick(&mut again, clean(), true),
        Decision::Complete,
        "a skeptic tick that already ran clean is not repeated"
    );
}

#[test]
fn passed_skeptic_is_forgotten_once_goals_go_red() {
    let mut state = state();
    state.skeptic = SkepticPhase::Passed { at_iteration: 1 };
    state.consecutive_clean_ticks = 5;
    let red = CleanTickFacts {
        all_hard_green: false,
        ..clean()
    };
    assert_eq!(tick(&mut state, red, true), Decision::Continue);
    assert_eq!(state.skeptic, SkepticPhase::Idle);
}

#[test]
fn skeptic_switched_off_while_due_completes_instead() {
    let mut state = state();
    state.skeptic = SkepticPhase::Requested { at_iteration: 3 };
    state.consecutive_clean_ticks = 3;
    assert_eq!(tick(&mut state, clean(), false), Decision::Complete);
}

#[test]
fn idle_skeptic_is_not_written_to_the_state_file() {
    let value = state().to_json_value().unwrap();
    assert!(value.get("skeptic").is_none());
}

#[test]
fn stuck_counter_counts_consecutive_failures_and_clears_on_pass() {
    let mut state = state();
    record_gate_results(
        &mut state,
        [("tests-pass", false), ("lint", true)],
        EvaluationKind::Full,
    );
    record_gate_results(&mut state, [("tests-pass", false)], EvaluationKind::Full);
    assert_eq!(state.stuck_counter["tests-pass"], 2);
    assert!(!state.stuck_counter.contains_key("lint"));
    record_gate_results(&mut state, [("tests-pass", false)], EvaluationKind::Refresh);
    assert_eq!(
        state.stuck_counter["tests-pass"], 2,
        "a refresh does not count twice"
    );
    record_gate_results(&mut state, [("tests-pass", true)], EvaluationKind::Refresh);
    assert!(state.stuck_counter.is_empty());
}

#[test]
fn stuck_halt_after_setting_is_honoured() {
    // Regression: stuck_halt_after: 100 still stopped the original after 5 ticks.
    let mut state = state();
    let settings = GoalRunSettings {
        stuck_halt_after: 100,
        ..GoalRunSettings::default()
    };
    state.stuck_counter.insert("tests-pass".into(), 5);
    assert_eq!(stuck_gate(&state, &settings), None);
    state.stuck_counter.insert("tests-pass".into(), 100);
    let stuck = stuck_gate(&state, &settings).unwrap();
    assert_eq!(stuck.stop_reason(), "stuck:tests-pass");
}

#[test]
fn stuck_gate_picks_the_worst_watched_gate_and_ignores_unwatched_ones() {
    let mut state = state();
    let settings = GoalRunSettings::default();
    state.stuck_counter.insert("lint".into(), 50);
    state.stuck_counter.insert("tests-pass".into(), 5);
    state.stuck_counter.insert("no-prior-regression".into(), 7);
    let stuck = stuck_gate(&state, &settings).unwrap();
    assert_eq!(
        stuck,
        StuckGate {
            gate: "no-prior-regression".into(),
            count: 7
        }
    );
}

#[test]
fn removed_watched_gate_cannot_stop_a_fresh_run() {
    // Regression: a stale counter of a removed gate stopped the original at once.
    let mut state = state();
    state.goals_hash = Some("old".into());
    state.stuck_counter.insert("tests-pass".into(), 9);
    state
        .goals_status
        .insert("tests-pass".into(), Default::default());
    state
        .soft_status
        .insert("gone-review".into(), serde_json::json!({}));
    let reset = reset_for_goal_set(&mut state, &["lint"], "old");
    assert!(!reset.changed);
    assert_eq!(reset.pruned, ["gone-review", "tests-pass"]);
    assert_eq!(stuck_gate(&state, &GoalRunSettings::default()), None);
    assert!(state.goals_status.is_empty());
}

#[test]
fn changed_goal_set_restarts_counters_and_convergence() {
    let mut state = state();
    state.goals_hash = Some("old".into());
    state.stuck_counter.insert("tests-pass".into(), 4);
    state.consecutive_clean_ticks = 2;
    state.skeptic = SkepticPhase::Passed { at_iteration: 9 };
    let reset = reset_for_goal_set(&mut state, &["tests-pass"], "new");
    assert!(reset.changed);
    assert!(reset.pruned.is_empty());
    assert!(state.stuck_counter.is_empty());
    assert_eq!(state.consecutive_clean_ticks, 0);
    assert_eq!(state.skeptic, SkepticPhase::Idle);
    assert_eq!(state.goals_hash.as_deref(), Some("new"));
    let again = reset_for_goal_set(&mut state, &["tests-pass"], "new");
    assert_eq!(again, GoalSetReset::default());
}
