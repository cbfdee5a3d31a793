//! Run one child to completion: spawn, drain, time out with grace, kill what it left behind.

use std::fmt;
use std::os::fd::OwnedFd;
use std::os::unix::process::ExitStatusExt as _;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use rustix::process::Signal;

use crate::capture::Captured;
use crate::error::SpawnError;
use crate::group::ChildGroup;
use crate::pump::{self, Pump};
use crate::spec::{CommandSpec, StdinSource};

/// Longest wait for pipe EOF after the child is gone (a setsid'ed grandchild may hold a pipe).
const MAX_PIPE_WAIT: Duration = Duration::from_secs(1);
/// Shortest such wait, so a zero grace does not cut off output that is already in flight.
const MIN_PIPE_WAIT: Duration = Duration::from_millis(100);

/// How a finished child ended and what it wrote.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub exit: ExitInfo,
    /// The timeout fired and the group was signalled.
    pub timed_out: bool,
    pub stdout: Captured,
    pub stderr: Captured,
    /// From spawn until `run` returned.
    pub duration: Duration,
    /// Someone outside the process group (a `setsid` grandchild) still held stdout or stderr
    /// open after the child exited; reading stopped after a bounded wait.
    pub pipes_held_after_exit: bool,
}

impl Outcome {
    /// Exit code 0 and no timeout.
    pub fn success(&self) -> bool {
        self.exit.code == Some(0) && !self.timed_out
    }
}

/// The wait status of the direct child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitInfo {
    /// Set when the child exited normally.
    pub code: Option<i32>,
    /// Set when a signal ended the child.
    pub signal: Option<i32>,
}

impl From<ExitStatus> for ExitInfo {
    fn from(status: ExitStatus) -> Self {
        Self {
            code: status.code(),
            signal: status.signal(),
        }
    }
}

impl fmt::Display for ExitInfo {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, self.signal) {
            (Some(code), _) => write!(formatter, "exit code {code}"),
            (None, Some(signal)) => write!(formatter, "killed by signal {signal}"),
            (None, None) => formatter.write_str("unknown exit status"),
        }
    }
}

/// Runs `spec` to completion, blocking the calling thread.
///
/// The child gets its own process group, exactly `spec.env`, and stdin per `spec.stdin`. When
/// it exits (or is stopped by the timeout) every process left in its group is SIGKILLed, so
/// background jobs do not outlive it. Output is captured up to `spec.capture_cap` per stream.
pub fn run(spec: &CommandSpec) -> Result<Outcome, SpawnError> {
    if !spec.cwd.is_dir() {
        return Err(SpawnError::MissingCwd {
            cwd: spec.cwd.clone(),
        });
    }
    let started = Instant::now();
    let child = crate::registry::spawn(&mut spec.to_command())
        .map_err(|source| start_error(spec, source))?;
    let mut group = ChildGroup::new(child);
    let pump = start_pump(spec, &mut group)?;
    let deadline = spec
        .timeout
        .and_then(|timeout| started.checked_add(timeout));
    let timed_out = group.wait_or_stop(deadline, spec.grace);
    // Background jobs the child left in its group die with it: gates must not leak servers.
    group.signal_group(Signal::KILL);
    let status = group.reap().map_err(|source| SpawnError::Wait {
        program: spec.program.clone(),
        pid: group.pid(),
        source,
    })?;
    if spec.reap_orphans && crate::descendants::is_subreaper() {
        // What the group kill left as zombies re-parented to us would otherwise pile up.
        crate::descendants::reap_orphans();
    }
    let (drained, pipes_held_after_exit) =
        pump.finish(spec.grace.clamp(MIN_PIPE_WAIT, MAX_PIPE_WAIT));
    Ok(Outcome {
        exit: ExitInfo::from(status),
        timed_out,
        stdout: drained.stdout,
        stderr: drained.stderr,
        duration: started.elapsed(),
        pipes_held_after_exit,
    })
}

pub(crate) fn start_error(spec: &CommandSpec, source: std::io::Error) -> SpawnError {
    if source.kind() == std::io::ErrorKind::NotFound {
        SpawnError::NotFound {
            program: spec.program.clone(),
            search_path: spec.search_path(),
            source,
        }
    } else {
        SpawnError::Start {
            program: spec.program.clone(),
            source,
        }
    }
}

pub(crate) fn start_pump(spec: &CommandSpec, group: &mut ChildGroup) -> Result<Pump, SpawnError> {
    let pipes_error = |source| SpawnError::Pipes {
        program: spec.program.clone(),
        source,
    };
    let child = group.child_mut();
    let stdin = match (&spec.stdin, child.stdin.take()) {
        (StdinSource::Bytes(bytes), Some(pipe)) => Some((OwnedFd::from(pipe), bytes.clone())),
        _ => None,
    };
    let missing = || pipes_error(std::io::Error::other("output pipe missing after spawn"));
    let stdout = OwnedFd::from(child.stdout.take().ok_or_else(missing)?);
    let stderr = OwnedFd::from(child.stderr.take().ok_or_else(missing)?);
    pump::start(stdin, stdout, stderr, spec.capture_cap).map_err(pipes_error)
}
