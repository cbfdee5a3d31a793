//! One evaluation of every hard gate inside the loop: commands through the gate runner, built-in
//! gates answered from the loop's incremental ledger and handoff tracking, results recorded in
//! state (`goals_status`, `stuck_counter`).

use std::collections::BTreeMap;
use std::sync::Arc;

use peers_core::config::ConfigSettings;
use peers_core::goals::{BuiltinGate, GoalSet};
use peers_core::ledger::Ledger;
use peers_core::state::{GoalState, GoalStatus, State};
use peers_gate::runner::{GateResult, RunnerSettings, Verdict};
use peers_git::Commit;

use crate::error::DriverError;
use crate::gates::{self, BuiltinVerdicts};

/// Built-in verdicts computed once per evaluation from what the loop already knows.
struct LoopVerdicts {
    self_review: Verdict,
    bug_hunt: Verdict,
}

impl BuiltinVerdicts for LoopVerdicts {
    fn verdict(&self, gate: BuiltinGate) -> Verdict {
        match gate {
            BuiltinGate::SelfReviewOnHandoff => self.self_review.clone(),
            BuiltinGate::BugHuntClean => self.bug_hunt.clone(),
        }
    }
}

/// The result of one evaluation.
pub struct Evaluation {
    pub results: Vec<GateResult>,
}

impl Evaluation {
    pub fn all_green(&self) -> bool {
        self.results.iter().all(|r| r.pass)
    }

    pub fn snapshot(&self) -> BTreeMap<String, String> {
        self.results
            .iter()
            .map(|r| {
                (
                    r.id.clone(),
                    if r.pass { "pass" } else { "fail" }.to_owned(),
                )
            })
            .collect()
    }

    pub fn durations(&self) -> BTreeMap<String, u64> {
        self.results
            .iter()
            .map(|r| {
                (
                    r.id.clone(),
                    u64::try_from(r.duration.as_millis()).unwrap_or(u64::MAX),
                )
            })
            .collect()
    }
}

pub struct Evaluator<'a> {
    pub config: &'a ConfigSettings,
    pub goals: &'a GoalSet,
    pub settings: &'a RunnerSettings,
}

impl Evaluator<'_> {
    /// Runs every hard gate. `last_handoff` is the newest handoff commit the loop has seen.
    pub fn evaluate(
        &self,
        ledger: &Ledger,
        last_handoff: Option<&Commit>,
    ) -> Result<Evaluation, DriverError> {
        let commits: Vec<Commit> = last_handoff.cloned().into_iter().collect();
        let (sr_pass, sr_diag) = peers_gate::builtin::self_review_verdict(&commits);
        let (bh_pass, bh_diag) = peers_gate::builtin::bug_hunt_verdict(ledger);
        let verdicts = LoopVerdicts {
            self_review: Verdict {
                pass: sr_pass,
                diagnostic: sr_diag,
            },
            bug_hunt: Verdict {
                pass: bh_pass,
                diagnostic: bh_diag,
            },
        };
        let jobs = gates::hard_goal_jobs(
            &self.settings.repo,
            self.config,
            self.goals,
            None,
            None,
            Arc::new(verdicts),
        )?;
        Ok(Evaluation {
            results: gates::run_jobs(jobs, self.settings, None),
        })
    }
}

/// Records the status of each goal in state (the failure counters are the rules' business).
pub fn record_status(state: &mut State, evaluation: &Evaluation) {
    for result in &evaluation.results {
        let status = GoalStatus {
            state: if result.pass {
                GoalState::Pass
            } else {
                GoalState::Fail
            },
            diagnostic: result.diagnostic.clone(),
            duration_ms: u64::try_from(result.duration.as_millis()).unwrap_or(u64::MAX),
            ..GoalStatus::default()
        };
        state.goals_status.insert(result.id.clone(), status);
    }
}
