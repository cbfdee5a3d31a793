//! The implement mode's preflight: the frozen contract must verify before the first tick.

use super::{CheckLevel, PreflightFinding};

/// Before the first tick of an implement run: the frozen contract must verify, or every tick
/// would be spent against gates that cannot pass. `None` in other modes.
pub(crate) fn check_contract(
    goals: &peers_core::goals::GoalSet,
    dir: &peers_store::layout::PeersDir,
) -> Option<PreflightFinding> {
    if !peers_core::implement::is_implement(goals) {
        return None;
    }
    let problem = |message: String| PreflightFinding {
        subject: "implement contract".to_owned(),
        check: "contract",
        severity: CheckLevel::Problem,
        message,
        fix: Some(
            "put the contract files back as they were, or start over with `peers init --force \
             --modes=implement --plan PLAN.md`"
                .to_owned(),
        ),
    };
    let state = match peers_store::contract_key::state_dir() {
        Ok(state) => state,
        Err(error) => return Some(problem(error.to_string())),
    };
    Some(match peers_store::contracts::verify(dir, &state) {
        Ok(Some(check)) if check.intact() => PreflightFinding {
            subject: "implement contract".to_owned(),
            check: "contract",
            severity: CheckLevel::Ok,
            message: format!("{} signed entries verify", check.entries.len()),
            fix: None,
        },
        Ok(Some(check)) => problem(check.problems.join("; ")),
        Ok(None) => {
            problem("the implement mode's goals are set but no contract was frozen".to_owned())
        }
        Err(error) => problem(error.to_string()),
    })
}
