//! Turning goals.yaml and `verify.commands` into gate jobs for the runner: shell commands judged
//! by `pass_when`, and the built-in gates wired to the repository.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use peers_core::config::{ConfigSettings, VerifyCommand};
use std::collections::BTreeMap;

use crate::budget::GateBudget;
use crate::builtin::{GateContext, RunFacts};
use crate::cache::{CacheKey, GateCache};
use crate::runner::{
    self, CommandResult, GateJob, GateResult, GateWork, Omission, RunnerSettings, Verdict,
};
use peers_core::goals::{BuiltinGate, GateCheck, GoalSet};
use peers_core::ledger::{Ledger, LedgerCommit};
use peers_git::{Commit, Git};
use peers_pass_when::{self as pass_when, EvalInput, JsonLoadError, JsonLoader, Truncation};

use crate::error::GateSetupError;

/// Cap on a file read by `json('path')`.
const JSON_READ_CAP: u64 = 2 * 1024 * 1024;

pub fn default_concurrency() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Environment for gate commands: the user's environment, minus variables that would point git
/// somewhere other than the target repository.
pub fn gate_environment() -> Vec<(OsString, OsString)> {
    gate_environment_from(&std::env::vars_os().collect::<Vec<_>>())
}

/// [`gate_environment`] from a given parent environment.
pub fn gate_environment_from(parent: &[(OsString, OsString)]) -> Vec<(OsString, OsString)> {
    const REDIRECTS: &[&str] = &[
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_COMMON_DIR",
    ];
    parent
        .iter()
        .filter(|(key, _)| !REDIRECTS.iter().any(|r| key == r))
        .cloned()
        .collect()
}

pub fn runner_settings(root: &Path, config: &ConfigSettings) -> RunnerSettings {
    RunnerSettings {
        repo: root.to_path_buf(),
        env: gate_environment(),
        concurrency: config
            .goals
            .concurrency
            .unwrap_or_else(default_concurrency)
            .max(1),
        grace: Duration::from_secs(config.health.grace_s.clamp(1, 5)),
        capture_cap: output_cap_bytes(config),
        cancel: None,
    }
}

/// Bytes kept of each stream of a gate command (`goals.output_cap_mib`).
fn output_cap_bytes(config: &ConfigSettings) -> usize {
    usize::try_from(config.goals.output_cap_mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)
}

/// `json('path')` for pass_when: regular files inside the repository only, no symlinks, capped.
struct RepoJsonLoader {
    root: PathBuf,
}

impl JsonLoader for RepoJsonLoader {
    fn load(&self, relative_path: &str) -> Result<serde_json::Value, JsonLoadError> {
        let bytes = peers_store::safe_fs::read_repo_file(&self.root, relative_path, JSON_READ_CAP)
            .map_err(|err| JsonLoadError::Unreadable(Box::new(err)))?;
        serde_json::from_slice(&bytes).map_err(|source| JsonLoadError::Invalid {
            path: relative_path.to_owned(),
            source,
        })
    }
}

/// What built-in gates read, owned so the runner's threads can share it: `verify` builds it
/// from history, the loop from its incremental ledger and handoff tracking.
#[derive(Clone)]
pub struct BuiltinSources {
    /// Where gates read files and history: the scratch worktree of the judged commit.
    pub git: Git,
    /// The commit `git` is a scratch checkout of (`None`: `git` is the live worktree).
    pub judged_commit: Option<String>,
    pub ledger: Arc<Ledger>,
    pub last_handoff: Option<Commit>,
    pub env: Arc<Vec<(OsString, OsString)>>,
    pub cache_dir: PathBuf,
    pub run: Option<RunFacts>,
}

impl BuiltinSources {
    /// The same sources judging the scratch checkout `tree` instead of the live worktree.
    pub fn judging(mut self, tree: &crate::tree::PreparedTree) -> Self {
        self.git = tree.git.clone();
        self.judged_commit = Some(tree.commit.clone());
        self
    }

    /// For `peers verify`: the ledger and the newest handoff read from the whole history.
    pub fn from_history(git: &Git, cache_dir: PathBuf) -> Result<Self, GateSetupError> {
        let commits = git.commits("HEAD")?;
        let entries: Vec<LedgerCommit> = commits
            .iter()
            .map(|c| LedgerCommit::from_message(&c.sha, &c.message))
            .collect();
        let last_handoff = commits
            .iter()
            .rev()
            .take(crate::builtin::HANDOFF_LOOKBACK)
            .find(|c| peers_core::trailer::is_handoff(&c.message))
            .cloned();
        Ok(Self {
            git: git.clone(),
            judged_commit: None,
            ledger: Arc::new(Ledger::build(&entries)),
            last_handoff,
            env: Arc::new(gate_environment()),
            cache_dir,
            run: None,
        })
    }

    pub fn verdict(
        &self,
        gate: BuiltinGate,
        params: &BTreeMap<String, serde_json::Value>,
        budget: GateBudget,
    ) -> Verdict {
        let ctx = GateContext {
            git: &self.git,
            judged_commit: self.judged_commit.as_deref(),
            params,
            baseline: BASELINE_REF,
            timeout: budget.timeout(),
            budget,
            env: &self.env,
            cache_dir: &self.cache_dir,
            ledger: &self.ledger,
            last_handoff: self.last_handoff.as_ref(),
            run: self.run.as_ref(),
        };
        crate::builtin::evaluate(gate, &ctx)
    }
}

/// The tag `peers init` puts on the starting point.
pub const BASELINE_REF: &str = "peers-baseline";

/// One job per hard goal, in goals.yaml order. `timeout_override` is `verify.timeout_s`.
pub fn hard_goal_jobs(
    root: &Path,
    config: &ConfigSettings,
    goals: &GoalSet,
    timeout_override: Option<u64>,
    fingerprint: Option<&str>,
    builtins: Arc<BuiltinSources>,
) -> Result<Vec<GateJob>, GateSetupError> {
    let default_timeout = timeout_override.unwrap_or(config.goals.timeout_s);
    let mut jobs = Vec::new();
    for (goal, hard) in goals.hard() {
        let work = match &hard.check {
            GateCheck::Command { cmd, pass_when, .. } => {
                let timeout = Duration::from_secs(hard.timeout_s.unwrap_or(default_timeout));
                command_work(root, cmd, pass_when, timeout, config.goals.output_cap_mib)?
            }
            GateCheck::Builtin { gate, params } => {
                let gate = *gate;
                let params = params.clone();
                let timeout = Duration::from_secs(hard.timeout_s.unwrap_or(default_timeout));
                let builtins = Arc::clone(&builtins);
                GateWork::InProcess {
                    check: Arc::new(move |budget: &GateBudget| {
                        builtins.verdict(gate, &params, budget.clone())
                    }),
                    timeout,
                }
            }
        };
        let cache = match (&hard.check, fingerprint) {
            (GateCheck::Command { cmd, pass_when, .. }, Some(tree)) if hard.cacheable => {
                Some(CacheKey::for_command(
                    tree,
                    &format!("{cmd}\n{pass_when}"),
                    Duration::from_secs(hard.timeout_s.unwrap_or(default_timeout)),
                ))
            }
            _ => None,
        };
        jobs.push(GateJob {
            id: goal.id.clone(),
            work,
            retry_on_fail: hard.retry_on_fail,
            cache,
        });
    }
    Ok(jobs)
}

fn command_work(
    root: &Path,
    cmd: &str,
    pass_when: &str,
    timeout: Duration,
    cap_mib: u64,
) -> Result<GateWork, GateSetupError> {
    let expression = pass_when::parse(pass_when).map_err(|err| GateSetupError::PassWhen {
        expression: pass_when.to_owned(),
        column: err.column,
        message: err.message,
    })?;
    let loader = RepoJsonLoader {
        root: root.to_path_buf(),
    };
    let judge = move |result: &CommandResult| {
        let input = EvalInput {
            exit_code: result.exit_code,
            stdout: &result.stdout,
            stderr: &result.stderr,
            stdout_truncation: truncation(result.stdout_omission.as_ref(), cap_mib),
            stderr_truncation: truncation(result.stderr_omission.as_ref(), cap_mib),
            json_loader: &loader,
            deadline: Some(result.deadline),
        };
        expression.evaluate(&input)
    };
    Ok(GateWork::Command {
        cmd: cmd.to_owned(),
        timeout,
        judge: Arc::new(judge),
    })
}

fn truncation(omission: Option<&Omission>, cap_mib: u64) -> Option<Truncation<'_>> {
    omission.map(|omission| Truncation {
        marker: &omission.marker,
        omitted_bytes: omission.omitted_bytes,
        cap_mib,
    })
}

/// `verify.commands`: exit code 0 is a pass.
pub fn verify_command_jobs(config: &ConfigSettings, goals_timeout: u64) -> Vec<GateJob> {
    let default_timeout = config.verify.timeout_s.unwrap_or(goals_timeout);
    config
        .verify
        .commands
        .iter()
        .map(
            |VerifyCommand {
                 name,
                 cmd,
                 timeout_s,
             }| GateJob {
                id: name.clone(),
                work: GateWork::Command {
                    cmd: cmd.clone(),
                    timeout: Duration::from_secs(timeout_s.unwrap_or(default_timeout)),
                    judge: Arc::new(|result: &CommandResult| Ok(result.exit_code == Some(0))),
                },
                retry_on_fail: 0,
                cache: None,
            },
        )
        .collect()
}

pub fn run_jobs(
    jobs: Vec<GateJob>,
    settings: &RunnerSettings,
    cache: Option<&mut GateCache>,
) -> Vec<GateResult> {
    runner::run_gates(jobs, settings, cache)
}

/// The goals whose gate judges the loop itself (`convergence-reached`, `all-peers-healthy`):
/// they depend on the clean-tick streak, so a tick's cleanliness is judged without them and
/// they are re-judged once the streak is updated.
pub fn loop_gate_ids(
    goals: &GoalSet,
) -> Vec<(
    String,
    peers_core::goals::BuiltinGate,
    std::collections::BTreeMap<String, serde_json::Value>,
)> {
    use peers_core::goals::{BuiltinGate, GateCheck};
    goals
        .hard()
        .filter_map(|(goal, hard)| match &hard.check {
            GateCheck::Builtin {
                gate: gate @ (BuiltinGate::ConvergenceReached | BuiltinGate::AllPeersHealthy),
                params,
            } => Some((goal.id.clone(), *gate, params.clone())),
            _ => None,
        })
        .collect()
}
