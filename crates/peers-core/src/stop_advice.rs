//! What a run's stop reason means for the next `peers run` and what the user does about it:
//! one sentence on what happened, the command (or edit) that lets the project run again, and
//! whether the next run would stop at once without it.
//!
//! Counters are of two kinds. Lifetime caps (`max_iterations`, `max_runtime_s`, `max_tokens`,
//! `max_usd`) are spent by design and only a higher cap lets a run go on; streaks
//! (`max_consecutive_failures`, the `stuck:<gate>` failure counters) are reset explicitly with
//! `peers revive --counters` once the cause is fixed.

/// The command that resets the failure streak and the stuck-gate counters.
pub const RESET_COUNTERS_COMMAND: &str = "peers revive --counters";

/// Advice for one stop reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopAdvice {
    /// What happened, in one sentence.
    pub what: String,
    /// What to do before the next `peers run` (a command or an edit).
    pub fix: String,
    /// Without the fix, the next `peers run` stops again before its first tick.
    pub blocks_next_run: bool,
}

fn advice(what: impl Into<String>, fix: impl Into<String>, blocks_next_run: bool) -> StopAdvice {
    StopAdvice {
        what: what.into(),
        fix: fix.into(),
        blocks_next_run,
    }
}

/// Advice for `reason` as written to `last-stop-reason.txt`; `None` for a finished run
/// (`complete`) that needs nothing.
pub fn advise(reason: &str) -> Option<StopAdvice> {
    if let Some(gate) = reason.strip_prefix("stuck:") {
        return Some(advice(
            format!(
                "the gate `{gate}` failed too many evaluations in a row (goals.stuck_halt_after)"
            ),
            format!(
                "fix what keeps `{gate}` red (`peers verify` shows it), then `{RESET_COUNTERS_COMMAND}` and `peers run`"
            ),
            true,
        ));
    }
    if let Some(budget) = reason.strip_prefix("budget:") {
        return Some(budget_advice(budget));
    }
    if let Some(why) = reason.strip_prefix("peer-unavailable") {
        return Some(unavailable_advice(why.trim_start_matches(':')));
    }
    if let Some(label) = reason.strip_prefix("error:") {
        return Some(advice(
            format!("the run stopped on an error ({label})"),
            "read the error above (or `peers report`), fix its cause, then `peers run` resumes",
            false,
        ));
    }
    match reason {
        "complete" => None,
        "checkpoint" => Some(advice(
            "the architecture phase is over and the run paused for you (--checkpoint): it is waiting for the operator",
            format!(
                "{}: `peers run` (or `peers-ctl start <name>`) continues without pausing again",
                crate::implement::PAUSE_ADVICE
            ),
            false,
        )),
        "max_ticks" => Some(advice(
            "the run made the ticks --max-ticks allowed",
            "`peers run` continues from the saved iteration",
            false,
        )),
        "max_runtime_this_run" => Some(advice(
            "the run reached the wall-clock limit of --max-runtime",
            "`peers run` continues from the saved iteration",
            false,
        )),
        "interrupted" => Some(advice(
            "the run was interrupted (Ctrl-C or SIGTERM)",
            "`peers run` resumes from the saved iteration",
            false,
        )),
        "goals-mutated" => Some(advice(
            "goals.yaml changed during the run, so its verdicts no longer hold",
            "restore goals.yaml, or `peers goals accept` after a deliberate edit, then `peers run`",
            true,
        )),
        other => Some(advice(
            format!("the run stopped: {other}"),
            "`peers report` shows the last ticks; `peers run` starts again",
            false,
        )),
    }
}

fn budget_advice(cap: &str) -> StopAdvice {
    let raise = |key: &str, flag: Option<&str>| {
        let flag = flag
            .map(|f| format!(" (or pass {f} to `peers run`)"))
            .unwrap_or_default();
        format!(
            "raise budget.{key} in .peers/config.yaml{flag}, then `peers run`; it is a lifetime cap of this project, not reset by a new run"
        )
    };
    match cap {
        "max_consecutive_failures" => advice(
            "too many ticks failed in a row (budget.max_consecutive_failures)",
            format!(
                "read why (`peers report`, `peers replay <iteration>`), fix the cause (a missing agent CLI, a login, the peer's argv), then `{RESET_COUNTERS_COMMAND}` and `peers run`"
            ),
            true,
        ),
        "max_iterations" => advice(
            "the project spent every iteration budget.max_iterations allows",
            raise("max_iterations", None),
            true,
        ),
        "max_runtime" => advice(
            "the project spent the wall clock budget.max_runtime_s allows",
            raise("max_runtime_s", None),
            true,
        ),
        "max_tokens" => advice(
            "the project spent the tokens budget.max_tokens allows",
            raise("max_tokens", Some("--max-tokens")),
            true,
        ),
        "max_usd" => advice(
            "the project spent the money budget.max_usd allows",
            raise("max_usd", Some("--max-usd")),
            true,
        ),
        other => advice(
            format!("a budget cap stopped the run ({other})"),
            "`peers info` shows the caps and what is spent; raise the cap in .peers/config.yaml",
            true,
        ),
    }
}

fn unavailable_advice(why: &str) -> StopAdvice {
    let what = match why {
        "no-peers" => "no peer is configured".to_owned(),
        "none-due" => "no peer was due for a turn".to_owned(),
        _ => "no peer can take a turn: every peer is unavailable, degraded or halted".to_owned(),
    };
    let fix = if why == "no-peers" {
        "add peers to .peers/config.yaml (`peers info` checks them), then `peers run`"
    } else {
        "read .peers/HALTED.md, fix the cause (log in again, top up the quota, fix the argv), then `peers revive --all` and `peers run`"
    };
    advice(what, fix, true)
}

/// Resets the streak counters `peers revive --counters` clears: the failed-tick streak and
/// every gate's stuck counter. Returns what was reset, for the user (empty when nothing was).
pub fn reset_streak_counters(state: &mut crate::state::State) -> Vec<String> {
    let mut reset = Vec::new();
    if state.budget.consecutive_failures > 0 {
        reset.push(format!(
            "failed ticks in a row: {} -> 0",
            state.budget.consecutive_failures
        ));
        state.budget.consecutive_failures = 0;
    }
    for (gate, count) in std::mem::take(&mut state.stuck_counter) {
        reset.push(format!("{gate} failed evaluations in a row: {count} -> 0"));
    }
    reset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streak_stops_name_the_reset_command() {
        for reason in ["stuck:tests-pass", "budget:max_consecutive_failures"] {
            let advice = advise(reason).unwrap();
            assert!(advice.blocks_next_run, "{reason}");
            assert!(advice.fix.contains(RESET_COUNTERS_COMMAND), "{reason}");
        }
    }

    #[test]
    fn reset_clears_streaks_but_not_lifetime_spending() {
        let mut state = crate::state::State::for_peers(&["a".to_owned()]);
        state.budget.consecutive_failures = 5;
        state.budget.spent_iterations = 7;
        state.stuck_counter.insert("tests-pass".to_owned(), 5);
        let reset = reset_streak_counters(&mut state);
        assert_eq!(reset.len(), 2);
        assert_eq!(state.budget.consecutive_failures, 0);
        assert!(state.stuck_counter.is_empty());
        assert_eq!(state.budget.spent_iterations, 7);
        assert!(reset_streak_counters(&mut state).is_empty());
    }

    #[test]
    fn lifetime_caps_say_which_key_to_raise_and_are_not_reset() {
        let advice = advise("budget:max_iterations").unwrap();
        assert!(advice.fix.contains("budget.max_iterations"));
        assert!(!advice.fix.contains(RESET_COUNTERS_COMMAND));
        assert!(advise("budget:max_usd").unwrap().fix.contains("--max-usd"));
    }

    #[test]
    fn resumable_stops_do_not_block_and_complete_needs_nothing() {
        assert_eq!(advise("complete"), None);
        for reason in [
            "interrupted",
            "max_ticks",
            "max_runtime_this_run",
            "error:git",
        ] {
            assert!(!advise(reason).unwrap().blocks_next_run, "{reason}");
        }
        assert!(
            advise("goals-mutated")
                .unwrap()
                .fix
                .contains("peers goals accept")
        );
        assert!(
            advise("peer-unavailable:all-peers")
                .unwrap()
                .fix
                .contains("peers revive --all")
        );
    }

    #[test]
    fn the_checkpoint_waits_for_the_operator_and_says_what_to_read() {
        let advice = advise("checkpoint").unwrap();
        assert!(!advice.blocks_next_run);
        assert!(
            advice.what.contains("waiting for the operator"),
            "{advice:?}"
        );
        assert!(
            advice.fix.contains("ARCHITECTURE.intended.md")
                && advice.fix.contains("PLAN.aligned.md")
                && advice.fix.contains("`peers run`")
                && advice.fix.contains("`peers-ctl start <name>`"),
            "{advice:?}"
        );
    }
}
