//! The live run's data: what the caller loaded ([`RunInputs`]), what the run fixes at start
//! ([`RunContext`]) and what the ticks change ([`RunState`]), together a [`Session`]; how a
//! run ended ([`RunSummary`]); and the saves every tick and crash recovery share. A leaf of the driver: it calls no tick, recovery or survey code (see `run_loop`).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use peers_core::config::{ConfigSettings, MaxUsdMode};
use peers_core::goals::GoalSet;
use peers_core::state::State;
use peers_core::stop_reason::StopReason;
use peers_gate::runner::RunnerSettings;
use peers_git::{Commit, Git};
use peers_store::layout::PeersDir;

use crate::attest::Attestations;
use crate::error::DriverError;
use crate::evaluate::Evaluation;
use crate::ledger_view::LedgerView;
use crate::loop_state::LoopState;
use crate::options::RunOptions;
use crate::record::TickRecord;

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    pub reason: StopReason,
    pub ticks_in_run: u64,
    pub iteration: u64,
    /// Each gate of the last evaluation with its verdict (true = green), in goals order;
    /// empty when the run stopped before evaluating.
    pub gates: Vec<(String, bool)>,
}

impl RunSummary {
    /// 0 for complete and max_ticks, 130 when interrupted, else 1.
    pub fn exit_code(&self) -> u8 {
        self.reason.exit_code()
    }
}

/// Everything a run needs, loaded and validated by the caller.
pub struct RunInputs {
    pub git: Git,
    pub dir: PeersDir,
    pub config: ConfigSettings,
    pub goals: GoalSet,
    /// The digest of goals.yaml accepted at start; any other digest later is a mutation.
    pub goals_digest: String,
    /// `max_usd_mode` after resolving `auto`.
    pub usd_mode: MaxUsdMode,
    pub options: RunOptions,
    /// Set by SIGINT/SIGTERM.
    pub cancel: Arc<AtomicBool>,
    /// Starts every agent process of the run (loop and skeptic turns).
    pub launcher: Arc<dyn peers_agent::Launcher>,
}

/// What a run fixes at start and no tick changes: the caller's inputs and what is derived from
/// them once. Shared behind an `Arc`, so no tick can change it.
pub struct RunContext {
    pub(crate) inputs: RunInputs,
    pub(crate) runner: RunnerSettings,
    pub(crate) patterns: peers_agent::Patterns,
    /// The built-in price table with config.yaml's `prices:` applied (codex and gemini costs).
    pub(crate) prices: peers_agent::PriceTable,
    pub(crate) started: Instant,
    /// The run's wall time before this invocation (from state.json), for the runtime cap.
    pub(crate) runtime_before_run_s: f64,
}

/// What the ticks change: the state saved to state.json, the loop's bookkeeping, the ledger and
/// attestations read from git, and the last evaluation of the gates.
pub struct RunState {
    pub(crate) state: State,
    pub(crate) loop_state: LoopState,
    pub(crate) attest: Attestations,
    pub(crate) ledger: LedgerView,
    pub(crate) last_handoff: Option<Commit>,
    /// The scratch worktree the hard gates judge.
    pub(crate) gate_tree: peers_gate::tree::GateTree,
    pub(crate) evaluation: Option<Evaluation>,
    pub(crate) ticks_in_run: u64,
    /// HEAD as the previous tick left it; `None` until a tick has run (then read from git).
    /// Only peers commit during a run, between ticks nothing moves it.
    pub(crate) known_head: Option<Option<String>>,
    /// Whether the last push of the run's state to the remote failed (`state_push`), so the
    /// next success is said.
    pub(crate) push_failing: bool,
}

/// The live run: its fixed context and its changing state.
pub struct Session {
    pub(crate) ctx: Arc<RunContext>,
    pub(crate) run: RunState,
}

impl Session {
    pub(crate) fn save(&mut self) -> Result<(), DriverError> {
        self.run.loop_state.write(&mut self.run.state);
        peers_store::state_file::save_state(&self.ctx.inputs.dir, &self.run.state)?;
        Ok(())
    }

    /// Makes a finished tick durable, the same way for the loop and crash recovery: the record
    /// is saved in state.json as pending (with the tick no longer in flight), then appended to
    /// runs.jsonl. A crash between the two is healed on resume by appending the pending record
    /// (`recovery::finish_interrupted_tick`); the next save clears it.
    pub(crate) fn make_durable(&mut self, record: &TickRecord) -> Result<(), DriverError> {
        let value = record.to_value();
        self.run.loop_state.in_flight = None;
        self.run.loop_state.pending_record = Some(value.clone());
        self.save()?;
        peers_store::run_log::append_record(&self.ctx.inputs.dir, &value)?;
        self.run.loop_state.pending_record = None;
        Ok(())
    }

    /// An atomic but unsynced save, for the in-flight marker: `kill -9` loses nothing written,
    /// and a power cut before the tick's durable save only loses the marker.
    pub(crate) fn save_quick(&mut self) -> Result<(), DriverError> {
        self.run.loop_state.write(&mut self.run.state);
        peers_store::state_file::save_state_unsynced(&self.ctx.inputs.dir, &self.run.state)?;
        Ok(())
    }

    /// Re-evaluates the gates that judge the loop itself with the current run facts, updating
    /// the evaluation and the recorded status. True when all of them pass (or there are none).
    pub(crate) fn rejudge_loop_gates(&mut self) -> bool {
        let loop_gates = peers_gate::jobs::loop_gate_ids(&self.ctx.inputs.goals);
        if loop_gates.is_empty() {
            return true;
        }
        let sources = self.builtin_sources();
        let timeout = std::time::Duration::from_secs(self.ctx.inputs.config.goals.timeout_s);
        let mut all = true;
        for (id, gate, params) in loop_gates {
            let budget = peers_gate::budget::GateBudget::new(timeout);
            let verdict = sources.verdict(gate, &params, budget);
            all &= verdict.pass;
            if let Some(evaluation) = self.run.evaluation.as_mut() {
                if let Some(result) = evaluation.results.iter_mut().find(|r| r.id == id) {
                    result.pass = verdict.pass;
                    result.diagnostic = verdict.diagnostic.clone();
                }
            }
            if let Some(status) = self.run.state.goals_status.get_mut(&id) {
                status.state = if verdict.pass {
                    peers_core::state::GoalState::Pass
                } else {
                    peers_core::state::GoalState::Fail
                };
                status.diagnostic = verdict.diagnostic;
            }
        }
        all
    }

    /// What built-in gates read inside the loop: the incremental ledger, the newest handoff,
    /// the run's facts.
    pub(crate) fn builtin_sources(&self) -> peers_gate::jobs::BuiltinSources {
        peers_gate::jobs::BuiltinSources {
            git: self.ctx.inputs.git.clone(),
            judged_commit: None,
            ledger: std::sync::Arc::new(self.run.ledger.ledger.clone()),
            last_handoff: self.run.last_handoff.clone(),
            env: std::sync::Arc::new(self.ctx.runner.env.clone()),
            cache_dir: self.ctx.inputs.dir.cache_dir(),
            run: Some(self.run_facts()),
        }
    }

    fn run_facts(&self) -> peers_gate::builtin::RunFacts {
        let unhealthy_peers = self
            .run
            .state
            .peers
            .iter()
            .filter(|(_, p)| p.state != peers_core::state::PeerState::Healthy)
            .map(|(name, p)| format!("{name}: {}", p.state.as_str()))
            .collect();
        peers_gate::builtin::RunFacts {
            consecutive_clean_ticks: self.run.state.consecutive_clean_ticks,
            convergence_n: self.ctx.inputs.config.goals.convergence_n,
            unhealthy_peers,
            commit_authors: self.run.attest.authors(),
        }
    }

    /// `Some(detail)` when goals.yaml no longer has the digest accepted at start (or is gone).
    pub(crate) fn goals_mutation(&self) -> Result<Option<String>, DriverError> {
        let path = self.ctx.inputs.dir.goals_yaml();
        match peers_store::safe_fs::read_control_file_if_exists(
            &path,
            peers_store::layout::GOALS_CAP,
        ) {
            Ok(None) => Ok(Some("goals.yaml was deleted".to_owned())),
            Ok(Some(bytes)) => {
                let digest = peers_store::goals_hash::goals_digest(&bytes);
                Ok((digest != self.ctx.inputs.goals_digest).then(|| {
                    "its sha256 differs from the one accepted at run start; run `peers goals accept` after a deliberate edit, then start again".to_owned()
                }))
            }
            Err(err) => Ok(Some(format!(
                "goals.yaml can no longer be read safely: {err}"
            ))),
        }
    }
}
