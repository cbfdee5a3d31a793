//! The gate runner: a batch of gates in parallel, with per-gate timeouts, retries and the pass cache.
//!
//! The original ran every hard gate serially on every tick. Here gates run on up
//! to `concurrency` threads, each command in its own process group (via `peers-process`), and
//! results come back in the order the jobs were given, whatever order they finished in.

mod attempt;
#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::fmt;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use crate::budget::GateBudget;
use crate::cache::{CacheKey, GateCache};

pub use attempt::{CommandResult, Omission};

/// Decides pass/fail from a command's result (the `pass_when` expression); `Err` is an
/// evaluation error, reported as `pass_when error: …`.
pub type Judge =
    Arc<dyn Fn(&CommandResult) -> Result<bool, peers_pass_when::EvalError> + Send + Sync>;

/// A gate computed inside peers (the built-in gates). It runs on a thread of its own; it
/// should record its activity in the budget and stop once the budget has expired, and the
/// runner stops waiting for it at the deadline either way.
pub type InProcessCheck = Arc<dyn Fn(&GateBudget) -> Verdict + Send + Sync>;

/// One gate to evaluate.
#[derive(Clone)]
pub struct GateJob {
    pub id: String,
    pub work: GateWork,
    /// Extra attempts after a fail; the first pass wins.
    pub retry_on_fail: u32,
    /// When set, a pass remembered under this key is reused instead of running the gate.
    pub cache: Option<CacheKey>,
}

/// What a gate runs.
#[derive(Clone)]
pub enum GateWork {
    /// `/bin/sh -c cmd` in the repository, judged by `judge`.
    Command {
        cmd: String,
        timeout: Duration,
        judge: Judge,
    },
    /// A built-in gate and its `timeout_s`.
    InProcess {
        check: InProcessCheck,
        timeout: Duration,
    },
}

impl fmt::Debug for GateWork {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Command { cmd, timeout, .. } => formatter
                .debug_struct("Command")
                .field("cmd", cmd)
                .field("timeout", timeout)
                .finish_non_exhaustive(),
            Self::InProcess { timeout, .. } => formatter
                .debug_struct("InProcess")
                .field("timeout", timeout)
                .finish_non_exhaustive(),
        }
    }
}

impl fmt::Debug for GateJob {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("GateJob")
            .field("id", &self.id)
            .field("work", &self.work)
            .field("retry_on_fail", &self.retry_on_fail)
            .field("cache", &self.cache)
            .finish()
    }
}

pub use crate::verdict::Verdict;

/// Resolved settings for one batch.
#[derive(Debug, Clone)]
pub struct RunnerSettings {
    /// Working directory of every gate command.
    pub repo: PathBuf,
    /// The complete environment of gate commands (nothing else is inherited).
    pub env: Vec<(OsString, OsString)>,
    /// Gates running at once; 0 is treated as 1.
    pub concurrency: usize,
    /// SIGTERM-to-SIGKILL delay when a gate times out.
    pub grace: Duration,
    /// Bytes of output kept per stream per gate.
    pub capture_cap: usize,
    /// Set by SIGINT/SIGTERM: running gate commands are stopped as a group (SIGTERM, grace,
    /// SIGKILL), no retry or further gate starts, and the batch returns at once.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl RunnerSettings {
    /// Defaults: one gate per available core, 1 s grace, 2 MiB per stream (as the original).
    pub fn new(repo: impl Into<PathBuf>, env: Vec<(OsString, OsString)>) -> Self {
        Self {
            repo: repo.into(),
            env,
            concurrency: thread::available_parallelism().map_or(1, NonZeroUsize::get),
            grace: Duration::from_secs(1),
            capture_cap: 2 * 1024 * 1024,
            cancel: None,
        }
    }

    /// The batch was interrupted: results of this batch may be cut short and must not count.
    pub fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|cancel| cancel.load(Ordering::SeqCst))
    }
}

/// The verdict on one gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateResult {
    pub id: String,
    pub pass: bool,
    pub diagnostic: String,
    /// Wall time over all attempts; zero when cached.
    pub duration: Duration,
    /// Runs made (0 when cached).
    pub attempts: u32,
    pub cached: bool,
    /// The last attempt timed out.
    pub timed_out: bool,
    /// The last attempt's output exceeded the capture cap.
    pub truncated: bool,
}

/// Runs `jobs` in parallel and returns one result per job, in the order given.
///
/// With a cache, a job whose key matches a remembered pass is not run; afterwards every
/// keyed job that ran updates the cache (a pass is remembered, a fail evicts).
pub fn run_gates(
    jobs: Vec<GateJob>,
    settings: &RunnerSettings,
    mut cache: Option<&mut GateCache>,
) -> Vec<GateResult> {
    let mut results: Vec<Option<GateResult>> = jobs
        .iter()
        .map(|job| cached_result(job, cache.as_deref()))
        .collect();
    let pending: Vec<(usize, &GateJob)> = jobs
        .iter()
        .enumerate()
        .filter(|(index, _)| results[*index].is_none())
        .collect();
    let ran_commands = !pending.is_empty();
    for (index, result) in run_parallel(&pending, settings) {
        if let (Some(cache), Some(key)) = (cache.as_deref_mut(), &jobs[index].cache) {
            cache.record(&result.id, key, result.pass, &result.diagnostic);
        }
        results[index] = Some(result);
    }
    if ran_commands {
        // Zombies of killed gate leftovers, once for the whole batch (a no-op unless peers is a
        // subreaper, as inside `peers run`).
        peers_process::reap_orphans();
    }
    results.into_iter().flatten().collect()
}

fn cached_result(job: &GateJob, cache: Option<&GateCache>) -> Option<GateResult> {
    let cached = cache?.lookup(&job.id, job.cache.as_ref()?)?;
    let diagnostic = if cached.diagnostic.is_empty() {
        "[cached]".to_owned()
    } else {
        format!("{} [cached]", cached.diagnostic)
    };
    Some(GateResult {
        id: job.id.clone(),
        pass: true,
        diagnostic,
        duration: Duration::ZERO,
        attempts: 0,
        cached: true,
        timed_out: false,
        truncated: false,
    })
}

/// Workers pull the next pending job until none is left; results carry their input index.
fn run_parallel(
    pending: &[(usize, &GateJob)],
    settings: &RunnerSettings,
) -> Vec<(usize, GateResult)> {
    let workers = settings.concurrency.clamp(1, pending.len().max(1));
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel();
    thread::scope(|scope| {
        for _ in 0..workers {
            let (sender, next) = (sender.clone(), &next);
            scope.spawn(move || {
                while let Some((index, job)) = pending.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let _ = sender.send((*index, run_job(job, settings)));
                }
            });
        }
    });
    drop(sender);
    receiver.into_iter().collect()
}

/// Runs one job, retrying a fail up to `retry_on_fail` more times.
fn run_job(job: &GateJob, settings: &RunnerSettings) -> GateResult {
    let started = Instant::now();
    let allowed = job.retry_on_fail.saturating_add(1);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let outcome = if settings.cancelled() {
            attempt::interrupted()
        } else {
            attempt::run(&job.id, &job.work, settings)
        };
        if outcome.pass || attempts >= allowed || settings.cancelled() {
            let diagnostic = with_attempt_note(outcome.diagnostic, outcome.pass, attempts);
            return GateResult {
                id: job.id.clone(),
                pass: outcome.pass,
                diagnostic,
                duration: started.elapsed(),
                attempts,
                cached: false,
                timed_out: outcome.timed_out,
                truncated: outcome.truncated,
            };
        }
    }
}

fn with_attempt_note(diagnostic: String, pass: bool, attempts: u32) -> String {
    match (attempts, pass) {
        (1, _) => diagnostic,
        (_, true) => format!("{diagnostic}; passed on attempt {attempts}"),
        (_, false) => format!("{diagnostic}; failed all {attempts} attempts"),
    }
}
