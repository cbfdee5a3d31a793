//! One evaluation of every hard gate inside the loop: commands through the gate runner, built-in
//! gates answered from the loop's incremental ledger and handoff tracking, results recorded in
//! state (`goals_status`, `stuck_counter`).

use std::collections::BTreeMap;
use std::sync::Arc;

use peers_core::config::ConfigSettings;
use peers_core::goals::GoalSet;
use peers_core::state::{GoalState, GoalStatus, State};
use peers_gate::runner::{GateResult, RunnerSettings};

use crate::error::DriverError;
use peers_gate::jobs::{self, BuiltinSources};

/// The result of one evaluation.
pub struct Evaluation {
    pub results: Vec<GateResult>,
}

impl Evaluation {
    pub fn all_green(&self) -> bool {
        self.results.iter().all(|r| r.pass)
    }

    /// All green apart from `except` (the gates that judge the loop itself, which depend on
    /// the clean-tick streak this evaluation feeds).
    pub fn all_green_except(&self, except: &[String]) -> bool {
        self.results
            .iter()
            .filter(|r| !except.contains(&r.id))
            .all(|r| r.pass)
    }

    pub fn snapshot(&self) -> BTreeMap<String, peers_core::state::GoalState> {
        self.results
            .iter()
            .map(|r| {
                let state = if r.pass {
                    peers_core::state::GoalState::Pass
                } else {
                    peers_core::state::GoalState::Fail
                };
                (r.id.clone(), state)
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
    /// Runs every hard gate; built-in gates read `sources`.
    pub fn evaluate(&self, sources: BuiltinSources) -> Result<Evaluation, DriverError> {
        let gate_jobs = jobs::hard_goal_jobs(
            &self.settings.repo,
            self.config,
            self.goals,
            None,
            None,
            Arc::new(sources),
        )?;
        Ok(Evaluation {
            results: jobs::run_jobs(gate_jobs, self.settings, None),
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
