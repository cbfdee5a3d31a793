//! The mutation-sampling soft gate (`soft_gates.mutation_sample`): mutants of the source
//! lines the run changed (the diff from the run's base to the judged commit), a seeded sample
//! of them run against the project's test command, one at a time, in a scratch worktree of
//! its own (`<git-dir>/peers-scratch/peers-mutants`; never the user's working tree, every git
//! call through peers-git's inert builder, so no hook or filter of the repository runs). A
//! mutant is killed when the command fails or times out. Capped by count and by time.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use peers_core::soft_gates::MutationSettings;
use peers_core::soft_gates::mutation::{self, Mutant, MutationReport};
use peers_git::{Git, GitError, ScratchWorktree};
use peers_process::{CommandSpec, StdinSource};

/// Survivors named in the report.
const MAX_SURVIVORS_SHOWN: usize = 10;
/// Build caches kept in the scratch tree between samples.
const KEEP: &[&str] = &["target", "node_modules", ".venv"];

/// One sampling: what to mutate and where.
pub struct MutationRun<'a> {
    /// The user's repository (only read: its history and objects).
    pub repo: &'a Git,
    /// The commit the changed lines are read against (the run's base).
    pub base: &'a str,
    /// The commit judged.
    pub head: &'a str,
    pub settings: &'a MutationSettings,
    /// The environment of the test command (the gates' own).
    pub env: &'a [(OsString, OsString)],
    pub cancel: &'a AtomicBool,
}

/// Where the mutants' scratch worktree lives for `repo`.
pub fn scratch_path(repo: &Git) -> Result<PathBuf, GitError> {
    Ok(repo.git_dir()?.join("peers-scratch").join("peers-mutants"))
}

/// Samples and runs the mutants; problems (the tree could not be made, the tests fail
/// without any mutation) are in the report, never an error.
pub fn sample(run: &MutationRun<'_>) -> MutationReport {
    let mut report = MutationReport {
        head: run.head.to_owned(),
        base: run.base.to_owned(),
        seed: run.settings.seed,
        candidates: 0,
        run: 0,
        killed: 0,
        not_run: 0,
        survivors: Vec::new(),
        problem: None,
        pass: false,
    };
    if let Err(problem) = sample_into(run, &mut report) {
        report.problem = Some(problem.to_string());
    }
    report.decide(run.settings.min_kill_ratio);
    report
}

fn sample_into(run: &MutationRun<'_>, report: &mut MutationReport) -> Result<(), Problem> {
    let started = Instant::now();
    let budget = Duration::from_secs(run.settings.timeout_s);
    let diff = run
        .repo
        .diff_between(run.base, run.head, 0)
        .map_err(|source| Problem::Diff {
            base: run.base.to_owned(),
            head: run.head.to_owned(),
            source,
        })?;
    let candidates: Vec<Mutant> = peers_core::unified_diff::parse(&diff)
        .iter()
        .filter(|patch| !patch.deleted && !patch.binary)
        .flat_map(|patch| {
            patch
                .added
                .iter()
                .flat_map(|(line, text)| mutation::candidates(&patch.path, *line, text))
        })
        .collect();
    report.candidates = candidates.len();
    let sampled = mutation::sample(candidates, run.settings.mutants, run.settings.seed);
    if sampled.is_empty() {
        return Ok(());
    }
    let path = scratch_path(run.repo).map_err(Problem::Scratch)?;
    let scratch = ScratchWorktree::new(run.repo, path).map_err(Problem::Scratch)?;
    let tree = scratch
        .checkout(run.head)
        .map_err(|source| Problem::Checkout {
            head: run.head.to_owned(),
            source,
        })?;
    tree.clean_untracked(KEEP).map_err(Problem::Clean)?;
    let root = tree.root().to_path_buf();
    let left = |started: Instant| budget.saturating_sub(started.elapsed());
    let unmutated = test(run, &root, left(started));
    match unmutated {
        TestRun::Passed => {}
        TestRun::Failed(tail) => return Err(Problem::FailsUnmutated(tail)),
        TestRun::TimedOut | TestRun::OutOfBudget | TestRun::Cancelled => {
            return Err(Problem::UnmutatedTooSlow);
        }
        TestRun::NotStarted(why) => return Err(Problem::NotStarted(why)),
    }
    let mut stamp = SystemTime::now();
    for (index, mutant) in sampled.iter().enumerate() {
        let time_left = left(started);
        if time_left.is_zero() || run.cancel.load(Ordering::SeqCst) {
            report.not_run = sampled.len() - index;
            break;
        }
        let file =
            inside(&root, &mutant.path).ok_or_else(|| Problem::NotAFile(mutant.path.clone()))?;
        let file_error = |source| Problem::File {
            path: mutant.path.clone(),
            source,
        };
        let original = std::fs::read(&file).map_err(file_error)?;
        let Some(mutated) = with_line(&original, mutant.line, &mutant.mutated) else {
            continue;
        };
        write_stamped(&file, &mutated, &mut stamp).map_err(file_error)?;
        let outcome = test(run, &root, time_left);
        write_stamped(&file, &original, &mut stamp).map_err(file_error)?;
        match outcome {
            TestRun::Passed => {
                report.run += 1;
                if report.survivors.len() < MAX_SURVIVORS_SHOWN {
                    report.survivors.push(mutant.describe());
                }
            }
            TestRun::Failed(_) | TestRun::TimedOut => {
                report.run += 1;
                report.killed += 1;
            }
            // The sample's time ran out, not the mutant's: it was not judged.
            TestRun::Cancelled | TestRun::OutOfBudget => {
                report.not_run = sampled.len() - index;
                break;
            }
            TestRun::NotStarted(why) => return Err(Problem::NotStarted(why)),
        }
    }
    Ok(())
}

/// Why a sample could not be judged; its text goes into the report's `problem`.
#[derive(Debug, thiserror::Error)]
enum Problem {
    #[error("could not read the diff {base}..{head}: {source}")]
    Diff {
        base: String,
        head: String,
        source: GitError,
    },
    #[error("no scratch worktree: {0}")]
    Scratch(GitError),
    #[error("could not check out {head} for the mutants: {source}")]
    Checkout { head: String, source: GitError },
    #[error("could not clean the mutants' scratch tree: {0}")]
    Clean(GitError),
    #[error("the tests fail without any mutation, so no mutant can be judged: {0}")]
    FailsUnmutated(String),
    #[error("the tests did not finish on the unmutated commit within the time allowed")]
    UnmutatedTooSlow,
    #[error("the test command did not start: {0}")]
    NotStarted(String),
    #[error("{0} is not a regular file in the tree")]
    NotAFile(String),
    #[error("{path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

enum TestRun {
    Passed,
    Failed(String),
    /// The command ran out of its own time (`mutant_timeout_s`).
    TimedOut,
    /// The command ran out of the sample's time (`timeout_s`) before its own.
    OutOfBudget,
    Cancelled,
    NotStarted(String),
}

fn test(run: &MutationRun<'_>, root: &Path, time_left: Duration) -> TestRun {
    let own = Duration::from_secs(run.settings.mutant_timeout_s);
    let limit = time_left.min(own);
    if limit.is_zero() {
        return TestRun::OutOfBudget;
    }
    let spec = CommandSpec {
        program: "/bin/sh".into(),
        args: vec!["-c".into(), run.settings.test_command.clone().into()],
        cwd: root.to_path_buf(),
        env: run.env.to_vec(),
        stdin: StdinSource::Null,
        timeout: Some(limit),
        grace: Duration::from_secs(2),
        capture_cap: 64 * 1024,
        reap_orphans: true,
    };
    match peers_process::run_cancellable(&spec, run.cancel) {
        Err(error) => TestRun::NotStarted(error.to_string()),
        Ok(None) => TestRun::Cancelled,
        Ok(Some(outcome)) if outcome.timed_out && limit < own => TestRun::OutOfBudget,
        Ok(Some(outcome)) if outcome.timed_out => TestRun::TimedOut,
        Ok(Some(outcome)) if outcome.success() => TestRun::Passed,
        Ok(Some(outcome)) => {
            let text = format!(
                "{}{}",
                outcome.stdout.to_string_lossy(),
                outcome.stderr.to_string_lossy()
            );
            let tail: Vec<&str> = text.lines().rev().take(5).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            TestRun::Failed(tail.join(" | "))
        }
    }
}

/// `rel` under `root` when it is a regular file reached through real directories only (a
/// committed symlink never leads a mutant outside the scratch tree).
fn inside(root: &Path, rel: &str) -> Option<PathBuf> {
    let mut path = root.to_path_buf();
    for part in Path::new(rel).components() {
        let Component::Normal(name) = part else {
            return None;
        };
        path.push(name);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        if meta.file_type().is_symlink() {
            return None;
        }
    }
    std::fs::symlink_metadata(&path)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|_| path)
}

/// Writes `bytes` to `file` with a modification time at least a second after the previous
/// write's: a mutant often has the size of the original line, and a build or bytecode cache
/// that trusts mtime and size (Python's `.pyc` compares whole seconds) would otherwise run
/// the code of the previous write.
fn write_stamped(file: &Path, bytes: &[u8], stamp: &mut SystemTime) -> std::io::Result<()> {
    std::fs::write(file, bytes)?;
    let next = *stamp + Duration::from_secs(1);
    *stamp = next.max(SystemTime::now());
    std::fs::File::options()
        .write(true)
        .open(file)?
        .set_modified(*stamp)
}

/// `bytes` with its 1-based line `line` replaced by `text` (its line ending kept); `None`
/// when the file has no such line.
fn with_line(bytes: &[u8], line: u32, text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() + text.len());
    let mut found = false;
    for (index, chunk) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
        if index + 1 == usize::try_from(line).ok()? {
            found = true;
            out.extend_from_slice(text.as_bytes());
            let ending: &[u8] = if chunk.ends_with(b"\r\n") {
                b"\r\n"
            } else if chunk.ends_with(b"\n") {
                b"\n"
            } else {
                b""
            };
            out.extend_from_slice(ending);
        } else {
            out.extend_from_slice(chunk);
        }
    }
    found.then_some(out)
}

#[cfg(test)]
mod tests;
