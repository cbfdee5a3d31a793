//! One `peers run`: take the lock, load and repair state (finish a tick a crash left in flight),
//! evaluate the gates, then tick until a stop reason; always write the exit record and
//! `last-stop-reason.txt`, whatever happened.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use peers_core::config::{ConfigSettings, MaxUsdMode};
use peers_core::goals::GoalSet;
use peers_core::state::State;
use peers_core::stop_reason::StopReason;
use peers_gate::runner::RunnerSettings;
use peers_git::{Commit, Git};
use peers_store::layout::PeersDir;
use peers_store::run_lock::RunLock;

use crate::attest::Attestations;
use crate::error::DriverError;
use crate::evaluate::{self, Evaluation, Evaluator};
use crate::ledger_view::LedgerView;
use crate::loop_state::LoopState;
use crate::options::RunOptions;
use crate::progress::{Progress, ProgressSink};
use crate::record::{ExitRecord, TickRecord};

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

/// The live run.
pub struct Session {
    pub(crate) inputs: RunInputs,
    pub(crate) state: State,
    pub(crate) loop_state: LoopState,
    pub(crate) attest: Attestations,
    pub(crate) ledger: LedgerView,
    pub(crate) last_handoff: Option<Commit>,
    pub(crate) runner: RunnerSettings,
    /// The scratch worktree the hard gates judge.
    pub(crate) gate_tree: peers_gate::tree::GateTree,
    pub(crate) evaluation: Option<Evaluation>,
    pub(crate) started: Instant,
    pub(crate) ticks_in_run: u64,
    pub(crate) patterns: peers_agent::Patterns,
    /// HEAD as the previous tick left it; `None` until a tick has run (then read from git).
    /// Only peers commit during a run, between ticks nothing moves it.
    pub(crate) known_head: Option<Option<String>>,
    /// The built-in price table with config.yaml's `prices:` applied (codex and gemini costs).
    pub(crate) prices: peers_agent::PriceTable,
    pub(crate) runtime_before_run_s: f64,
}

/// Runs the loop to a stop reason. Only a failure to start (lock held, unreadable state) is an
/// `Err`; everything after the lock is taken ends in a `RunSummary` with its reason recorded.
pub fn run(inputs: RunInputs, progress: &mut dyn ProgressSink) -> Result<RunSummary, DriverError> {
    let dir = inputs.dir.clone();
    let lock_taken_at = std::time::SystemTime::now();
    let lock = RunLock::acquire(&inputs.dir).map_err(|err| match err {
        peers_store::error::StoreError::LockHeld { pid, .. } => DriverError::LockHeld { pid },
        other => DriverError::Store(other),
    })?;
    peers_store::last_stop::clear_last_stop(&inputs.dir)?;
    crate::recovery::heal_interrupted_writes(&inputs.dir, lock_taken_at, progress)?;
    let mut session = match Session::open(inputs, progress) {
        Ok(session) => session,
        Err(err) => {
            let reason = StopReason::Error(err.label().to_owned());
            let _ = peers_store::last_stop::write_last_stop(&dir, &reason.to_string());
            return Err(err);
        }
    };
    let outcome = session.run_ticks(progress);
    let reason = match &outcome {
        Ok(reason) => reason.clone(),
        Err(err) => StopReason::Error(err.label().to_owned()),
    };
    let summary = session.finish(&reason, progress);
    drop(lock);
    match outcome {
        Ok(_) => Ok(summary),
        Err(err) => Err(err),
    }
}

impl Session {
    pub(crate) fn open(
        inputs: RunInputs,
        progress: &mut dyn ProgressSink,
    ) -> Result<Session, DriverError> {
        let names: Vec<String> = inputs.config.peers.iter().map(|p| p.name.clone()).collect();
        let loaded = peers_store::state_file::load_state(&inputs.dir, &names)?;
        let mut state = loaded.state;
        if loaded.migrated_from_v1 {
            progress.event(Progress::Note(
                "state.json was migrated from schema v1 (backup: state.json.pre-migration)".into(),
            ));
        }
        if state.sync_peers(&names) {
            progress.event(Progress::Note(
                "the peers in config.yaml changed: turn order reset to the config order".into(),
            ));
        }
        let loop_state = LoopState::read(&state);
        let ids: Vec<&str> = inputs.goals.goals.iter().map(|g| g.id.as_str()).collect();
        let reset =
            peers_core::convergence::reset_for_goal_set(&mut state, &ids, &inputs.goals_digest);
        if reset.changed && state.iteration > 0 {
            progress.event(Progress::Note("the goal set changed since the last run: failure counters, the clean-tick streak and the skeptic phase start over".into()));
        }
        for (goal, soft) in inputs.goals.soft() {
            if let Some(notice) =
                peers_core::soft_review::quorum_notice(&goal.id, soft, names.len())
            {
                progress.event(Progress::Note(notice));
            }
        }
        let patterns =
            peers_agent::Patterns::from_health(&inputs.config.health).map_err(|source| {
                DriverError::Agent {
                    peer: "(patterns)".to_owned(),
                    source,
                }
            })?;
        let prices = peers_agent::PriceTable::with_overrides(&inputs.config.prices);
        let runtime_before_run_s = state.budget.spent_runtime_s;
        let attest = Attestations::load(&inputs.dir)?;
        let ledger = LedgerView::build(&inputs.git, &attest)?;
        let last_handoff = inputs
            .git
            .recent_commits("HEAD", peers_gate::builtin::HANDOFF_LOOKBACK)?
            .into_iter()
            .rev()
            .find(|c| peers_core::trailer::is_handoff(&c.message));
        let mut runner = peers_gate::jobs::runner_settings(inputs.git.root(), &inputs.config);
        runner.cancel = Some(Arc::clone(&inputs.cancel));
        let gate_tree =
            peers_gate::tree::GateTree::new(&inputs.git, &inputs.config.gates.outside_git)?;
        let mut session = Session {
            inputs,
            state,
            loop_state,
            attest,
            ledger,
            last_handoff,
            runner,
            gate_tree,
            evaluation: None,
            started: Instant::now(),
            ticks_in_run: 0,
            prices,
            patterns,
            known_head: None,
            runtime_before_run_s,
        };
        // A crash's leftover would show a tick that is not running.
        crate::live_file::remove(&session.inputs.dir);
        crate::recovery::finish_interrupted_tick(&mut session, progress)?;
        set_aside_users_edits(&session, progress)?;
        crate::survey::write_context_files(&session, progress);
        session.save()?;
        progress.event(Progress::Started {
            iteration: session.state.iteration,
            peers: &names,
        });
        Ok(session)
    }

    pub(crate) fn save(&mut self) -> Result<(), DriverError> {
        self.loop_state.write(&mut self.state);
        peers_store::state_file::save_state(&self.inputs.dir, &self.state)?;
        Ok(())
    }

    /// Makes a finished tick durable, the same way for the loop and crash recovery: the record
    /// is saved in state.json as pending (with the tick no longer in flight), then appended to
    /// runs.jsonl. A crash between the two is healed on resume by appending the pending record
    /// ([`crate::recovery::finish_interrupted_tick`]); the next save clears it.
    pub(crate) fn make_durable(&mut self, record: &TickRecord) -> Result<(), DriverError> {
        let value = serde_json::to_value(record).unwrap_or_default();
        self.loop_state.in_flight = None;
        self.loop_state.pending_record = Some(value.clone());
        self.save()?;
        peers_store::run_log::append_record(&self.inputs.dir, &value)?;
        self.loop_state.pending_record = None;
        Ok(())
    }

    /// An atomic but unsynced save, for the in-flight marker: `kill -9` loses nothing written,
    /// and a power cut before the tick's durable save only loses the marker.
    pub(crate) fn save_quick(&mut self) -> Result<(), DriverError> {
        self.loop_state.write(&mut self.state);
        peers_store::state_file::save_state_unsynced(&self.inputs.dir, &self.state)?;
        Ok(())
    }

    /// Every hard gate on the commit at HEAD, in the scratch worktree (never the live tree).
    pub(crate) fn evaluate(&mut self, progress: &mut dyn ProgressSink) -> Result<(), DriverError> {
        let head = match self.known_head.clone() {
            Some(head) => head,
            None => self.inputs.git.head()?,
        };
        let head = head.ok_or(DriverError::NoCommitToJudge)?;
        let mut waited = false;
        let tree = self
            .gate_tree
            .prepare(&self.inputs.git, &head, || waited = true)?;
        if waited {
            progress.event(Progress::Note(
                "waited for another evaluation (a `peers verify`) to release the gates' scratch tree"
                    .to_owned(),
            ));
        }
        for note in &tree.notes {
            progress.event(Progress::Note(note.clone()));
        }
        let mut settings = self.runner.clone();
        settings.repo = tree.root().to_path_buf();
        let evaluator = Evaluator {
            config: &self.inputs.config,
            goals: &self.inputs.goals,
            settings: &settings,
        };
        let mut evaluation = evaluator.evaluate(self.builtin_sources().judging(&tree))?;
        self.gate_tree.finish(&tree, &mut evaluation.results);
        if settings.cancelled() {
            // Gates stopped by Ctrl-C judged nothing: no verdict, no failure counted, and the
            // tick that just ran cannot be clean. The next pre-tick check stops the run.
            self.evaluation = None;
            return Ok(());
        }
        let results = evaluation.results.iter().map(|r| (r.id.as_str(), r.pass));
        peers_core::convergence::record_gate_results(
            &mut self.state,
            results,
            peers_core::convergence::EvaluationKind::Full,
        );
        for gate in crate::implement_run::after_gate_results(self, tree.root()) {
            progress.event(Progress::Note(format!(
                "a PLAN.md step was checked off: {gate}'s stuck counter starts over"
            )));
        }
        evaluate::record_status(&mut self.state, &evaluation);
        self.evaluation = Some(evaluation);
        Ok(())
    }

    fn run_ticks(&mut self, progress: &mut dyn ProgressSink) -> Result<StopReason, DriverError> {
        self.evaluate(progress)?;
        self.save()?;
        loop {
            if let Some(reason) = self.pre_tick_stop(progress)? {
                return Ok(reason);
            }
            let outcome = crate::tick::run_one(self, progress)?;
            self.ticks_in_run += 1;
            if let Some(reason) = outcome.stop {
                return Ok(reason);
            }
        }
    }

    /// Why the loop must stop before starting another tick, if it must.
    fn pre_tick_stop(
        &mut self,
        progress: &mut dyn ProgressSink,
    ) -> Result<Option<StopReason>, DriverError> {
        if self.inputs.cancel.load(Ordering::SeqCst) {
            return Ok(Some(StopReason::Interrupted));
        }
        if let Some(detail) = self.goals_mutation()? {
            progress.event(Progress::Note(format!(
                "goals.yaml changed during the run: {detail}"
            )));
            return Ok(Some(StopReason::GoalsMutated));
        }
        if let Some(stuck) =
            peers_core::convergence::stuck_gate(&self.state, &self.inputs.config.goals)
        {
            progress.event(Progress::Note(format!(
                "{} has failed {} evaluations in a row",
                stuck.gate, stuck.count
            )));
            return Ok(Some(StopReason::Stuck { gate: stuck.gate }));
        }
        if let Some(reason) = crate::tick::budget_stop(self, progress) {
            return Ok(Some(reason));
        }
        Ok(None)
    }

    /// Re-evaluates the gates that judge the loop itself with the current run facts, updating
    /// the evaluation and the recorded status. True when all of them pass (or there are none).
    pub(crate) fn rejudge_loop_gates(&mut self) -> bool {
        let loop_gates = peers_gate::jobs::loop_gate_ids(&self.inputs.goals);
        if loop_gates.is_empty() {
            return true;
        }
        let sources = self.builtin_sources();
        let timeout = std::time::Duration::from_secs(self.inputs.config.goals.timeout_s);
        let mut all = true;
        for (id, gate, params) in loop_gates {
            let budget = peers_gate::budget::GateBudget::new(timeout);
            let verdict = sources.verdict(gate, &params, budget);
            all &= verdict.pass;
            if let Some(evaluation) = self.evaluation.as_mut() {
                if let Some(result) = evaluation.results.iter_mut().find(|r| r.id == id) {
                    result.pass = verdict.pass;
                    result.diagnostic = verdict.diagnostic.clone();
                }
            }
            if let Some(status) = self.state.goals_status.get_mut(&id) {
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
    fn builtin_sources(&self) -> peers_gate::jobs::BuiltinSources {
        peers_gate::jobs::BuiltinSources {
            git: self.inputs.git.clone(),
            judged_commit: None,
            ledger: std::sync::Arc::new(self.ledger.ledger.clone()),
            last_handoff: self.last_handoff.clone(),
            env: std::sync::Arc::new(self.runner.env.clone()),
            cache_dir: self.inputs.dir.cache_dir(),
            run: Some(self.run_facts()),
        }
    }

    fn run_facts(&self) -> peers_gate::builtin::RunFacts {
        let unhealthy_peers = self
            .state
            .peers
            .iter()
            .filter(|(_, p)| p.state != peers_core::state::PeerState::Healthy)
            .map(|(name, p)| format!("{name}: {}", p.state.as_str()))
            .collect();
        peers_gate::builtin::RunFacts {
            consecutive_clean_ticks: self.state.consecutive_clean_ticks,
            convergence_n: self.inputs.config.goals.convergence_n,
            unhealthy_peers,
            commit_authors: self.attest.authors(),
        }
    }

    /// `Some(detail)` when goals.yaml no longer has the digest accepted at start (or is gone).
    pub(crate) fn goals_mutation(&self) -> Result<Option<String>, DriverError> {
        let path = self.inputs.dir.goals_yaml();
        match peers_store::safe_fs::read_control_file_if_exists(
            &path,
            peers_store::layout::GOALS_CAP,
        ) {
            Ok(None) => Ok(Some("goals.yaml was deleted".to_owned())),
            Ok(Some(bytes)) => {
                let digest = peers_store::goals_hash::goals_digest(&bytes);
                Ok((digest != self.inputs.goals_digest).then(|| {
                    "its sha256 differs from the one accepted at run start; run `peers goals accept` after a deliberate edit, then start again".to_owned()
                }))
            }
            Err(err) => Ok(Some(format!(
                "goals.yaml can no longer be read safely: {err}"
            ))),
        }
    }

    pub(crate) fn finish(
        &mut self,
        reason: &StopReason,
        progress: &mut dyn ProgressSink,
    ) -> RunSummary {
        let _ = self.save();
        let record = ExitRecord::new(&reason.to_string(), self.ticks_in_run, self.state.iteration);
        if let Ok(value) = serde_json::to_value(&record) {
            let _ = peers_store::run_log::append_record(&self.inputs.dir, &value);
        }
        let _ = peers_store::last_stop::write_last_stop(&self.inputs.dir, &reason.to_string());
        crate::live_file::remove(&self.inputs.dir);
        if let Err(err) = crate::halted::record_stop(self, reason) {
            progress.event(Progress::Note(format!(
                "could not update .peers/HALTED.md: {err}"
            )));
        }
        progress.event(Progress::Stopped { reason });
        RunSummary {
            reason: reason.clone(),
            ticks_in_run: self.ticks_in_run,
            iteration: self.state.iteration,
            gates: self
                .evaluation
                .as_ref()
                .map(|e| e.results.iter().map(|r| (r.id.clone(), r.pass)).collect())
                .unwrap_or_default(),
        }
    }
}

/// The user's tree is the user's: uncommitted changes at the start (after a crashed tick was
/// finished) refuse the run, or with `--allow-dirty` go to a stash named as the user's, so no
/// peer is blamed for them and nothing is lost.
fn set_aside_users_edits(
    session: &Session,
    progress: &mut dyn ProgressSink,
) -> Result<(), DriverError> {
    if session.inputs.options.interactive {
        // The tree is the interactive turn's, judged with it (`after_turn`).
        return Ok(());
    }
    let paths = crate::preflight::uncommitted_paths(&session.inputs.git)?;
    if paths.is_empty() {
        return Ok(());
    }
    if !session.inputs.options.allow_dirty {
        return Err(DriverError::DirtyTree { paths });
    }
    let label = format!(
        "peers: your uncommitted edits, set aside before the run at {}",
        peers_store::timestamp::now_iso_utc()
    );
    if let Some(stash) = session.inputs.git.stash_all(&label)? {
        progress.event(Progress::Note(format!(
            "--allow-dirty: your uncommitted edits were stashed as {}",
            crate::tick_finish::stash_name(&stash, &label)
        )));
    }
    Ok(())
}
