//! `convergence-reached` (thorough): the run has had N consecutive clean ticks. Only a
//! running loop knows its ticks, so under `peers verify` (no run facts) the gate fails and
//! says why instead of guessing from files an agent could have written.

use super::GateContext;
use super::scope::positive_param;
use crate::verdict::Verdict;

pub(crate) fn convergence_reached(ctx: &GateContext<'_>) -> Verdict {
    let Some(run) = ctx.run else {
        return Verdict::fail(
            "convergence-reached: judged only inside `peers run` (it counts consecutive clean \
             ticks of the running loop); `peers verify` has no run to judge"
                .to_owned(),
        );
    };
    let n = match positive_param(ctx, "n", u64::from(run.convergence_n.max(1))) {
        Ok(n) => n,
        Err(error) => {
            return Verdict::fail(format!("convergence-reached: {}", error.describe()));
        }
    };
    let clean = run.consecutive_clean_ticks;
    if clean >= n {
        Verdict::pass(format!(
            "convergence-reached: {clean} consecutive clean ticks (needs {n})"
        ))
    } else {
        Verdict::fail(format!(
            "convergence-reached: {clean} of {n} consecutive clean ticks; a tick is clean when \
                 every hard gate passes and it files no blocking bug"
        ))
    }
}

#[cfg(test)]
mod tests {
    use peers_core::goals::BuiltinGate;
    use serde_json::json;

    use crate::builtin::RunFacts;
    use crate::builtin::test_repo::GateRepo;

    fn facts(clean: u64, n: u32) -> RunFacts {
        RunFacts {
            consecutive_clean_ticks: clean,
            convergence_n: n,
            unhealthy_peers: Vec::new(),
            ..RunFacts::default()
        }
    }

    #[test]
    fn passes_at_the_configured_count_and_params_n_overrides_it() {
        let repo = GateRepo::new();
        let gate = BuiltinGate::ConvergenceReached;
        assert!(repo.run_with(gate, json!({}), Some(&facts(3, 3))).pass);
        let short = repo.run_with(gate, json!({}), Some(&facts(2, 3)));
        assert!(!short.pass);
        assert!(
            short.diagnostic.contains("2 of 3 consecutive clean ticks"),
            "{}",
            short.diagnostic
        );
        assert!(
            !repo
                .run_with(gate, json!({"n": 5}), Some(&facts(3, 3)))
                .pass
        );
        assert!(
            !repo
                .run_with(gate, json!({"n": 0}), Some(&facts(3, 3)))
                .pass
        );
    }

    #[test]
    fn fails_outside_a_run() {
        let repo = GateRepo::new();
        let verdict = repo.run(BuiltinGate::ConvergenceReached, json!({}));
        assert!(!verdict.pass);
        assert!(
            verdict
                .diagnostic
                .contains("judged only inside `peers run`")
        );
    }
}
