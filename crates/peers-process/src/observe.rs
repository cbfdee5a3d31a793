//! Run one child while an observer watches its output live: idle timeout, stop on request,
//! and (optionally) every process it started killed at the end.
//!
//! Unlike [`crate::run`], the calling thread itself polls the pipes, the child's pidfd and the
//! clock, so the observer is called on the caller's thread, in order, without channels.

use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;
use rustix::process::Signal;

use crate::descendants::{self, Tracker};
use crate::error::SpawnError;
use crate::group::ChildGroup;
use crate::pump::{Input, Output};
use crate::run::{ExitInfo, Outcome};
use crate::spec::{CommandSpec, StdinSource};

/// Longest wait for pipe EOF once every process we know of is dead.
const MAX_PIPE_WAIT: Duration = Duration::from_secs(1);
/// Shortest such wait, so a zero grace does not cut off output already in flight.
const MIN_PIPE_WAIT: Duration = Duration::from_millis(100);
/// Interval of the `/proc` scans that record descendants' lineage while the child runs (a
/// scan reads every `/proc/<pid>/stat`: about a millisecond on a busy machine).
const SCAN_INTERVAL: Duration = Duration::from_millis(500);
/// Poll step when the kernel has no pidfds and exit must be checked by polling.
const NO_PIDFD_STEP: Duration = Duration::from_millis(10);

/// Which output stream a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stdout => "stdout",
            Self::Stderr => "stderr",
        }
    }
}

/// What the observer wants after seeing something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Continue,
    /// Stop the child: SIGTERM to its group, grace, SIGKILL.
    Stop,
}

/// Watches a running child. Called on the thread that called [`run_observed`].
pub trait Observer {
    /// A chunk as read from the pipe (not split into lines). Also called for output that
    /// arrives while the child is being stopped; a `Stop` then changes nothing.
    fn output(&mut self, stream: Stream, bytes: &[u8]) -> Control;
    /// Called at least every [`Watch::tick`] while the child runs.
    fn tick(&mut self) -> Control {
        Control::Continue
    }
    /// Called once, right after the child started, with its pid (which is also its process
    /// group id): what a caller records to find the child's processes after a crash.
    fn spawned(&mut self, _pid: u32) {}
}

/// How to watch: the limits beyond those of the [`CommandSpec`].
#[derive(Debug, Clone)]
pub struct Watch {
    /// No output on either stream for this long stops the child.
    pub idle: Option<Duration>,
    /// Longest interval between [`Observer::tick`] calls.
    pub tick: Duration,
    /// At the end, kill every process the child started, including those that escaped its
    /// group or session (makes peers a child subreaper; see the `descendants` module).
    pub sweep_descendants: bool,
}

impl Default for Watch {
    fn default() -> Self {
        Self {
            idle: None,
            tick: Duration::from_millis(100),
            sweep_descendants: false,
        }
    }
}

/// Why the child stopped running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// It exited by itself.
    Exited,
    /// `CommandSpec::timeout` passed.
    Timeout,
    /// `Watch::idle` passed without output.
    Idle,
    /// The observer asked to stop.
    Stopped,
}

/// An [`Outcome`] plus how it ended and what the sweep killed.
#[derive(Debug, Clone)]
pub struct Observed {
    /// `outcome.timed_out` is true for every ending other than `Exited`.
    pub outcome: Outcome,
    pub ending: Ending,
    /// Descendants killed by the final sweep (outside the group or still running in it).
    pub swept: Vec<u32>,
    /// Processes the child left running when it exited normally (only with
    /// `watch.sweep_descendants`); they are killed too.
    pub left_running: Vec<crate::descendants::Leftover>,
}

/// Runs `spec` like [`crate::run`], showing output to `observer` as it arrives.
///
/// Timers: `spec.timeout` from spawn, `watch.idle` since the last output. When one fires or
/// the observer says `Stop`: SIGTERM to the group, `spec.grace` (output still drained), then
/// SIGKILL. After the child is gone its group is SIGKILLed, the descendants too when
/// `watch.sweep_descendants`, and the pipes are drained for a bounded time.
pub fn run_observed(
    spec: &CommandSpec,
    watch: &Watch,
    observer: &mut dyn Observer,
) -> Result<Observed, SpawnError> {
    if !spec.cwd.is_dir() {
        return Err(SpawnError::MissingCwd {
            cwd: spec.cwd.clone(),
        });
    }
    if watch.sweep_descendants {
        descendants::become_subreaper();
    }
    let started = Instant::now();
    let child = crate::registry::spawn(&mut spec.to_command())
        .map_err(|source| crate::run::start_error(spec, source))?;
    observer.spawned(child.id());
    let mut group = ChildGroup::new(child);
    let mut session = Session::start(spec, watch, &mut group, started)?;
    let ending = session.watch(&group, observer);
    // What is still running after a normal exit was left behind by the child (a server, a
    // background job): reported, then killed with everything else below.
    let left_running = match (&ending, session.tracker.as_mut()) {
        (Ending::Exited, Some(tracker)) => tracker.running_descendants(),
        _ => Vec::new(),
    };
    if ending != Ending::Exited {
        session.stop(&group, spec.grace, observer);
    }
    group.signal_group(Signal::KILL);
    let swept = session
        .tracker
        .as_mut()
        .map(Tracker::kill_all)
        .unwrap_or_default();
    let held = !session.drain(spec.grace.clamp(MIN_PIPE_WAIT, MAX_PIPE_WAIT), observer);
    let status = group.reap().map_err(|source| SpawnError::Wait {
        program: spec.program.clone(),
        pid: group.pid(),
        source,
    })?;
    if watch.sweep_descendants {
        descendants::reap_orphans();
    }
    let [stdout, stderr] = session.outputs.map(|output| output.buffer.finish());
    Ok(Observed {
        outcome: Outcome {
            exit: ExitInfo::from(status),
            timed_out: ending != Ending::Exited,
            stdout,
            stderr,
            duration: started.elapsed(),
            pipes_held_after_exit: held,
        },
        ending,
        swept,
        left_running,
    })
}

/// The pipes, timers and tracker of one observed child.
struct Session {
    outputs: [Output; 2],
    input: Option<Input>,
    tracker: Option<Tracker>,
    started: Instant,
    deadline: Option<Instant>,
    idle: Option<Duration>,
    tick: Duration,
    last_output: Instant,
}

/// What one poll round saw.
#[derive(Default)]
struct Round {
    exited: bool,
    stop: bool,
}

impl Session {
    fn start(
        spec: &CommandSpec,
        watch: &Watch,
        group: &mut ChildGroup,
        started: Instant,
    ) -> Result<Self, SpawnError> {
        let pipes_error = |source| SpawnError::Pipes {
            program: spec.program.clone(),
            source,
        };
        let tracker = watch.sweep_descendants.then(|| Tracker::new(group.pid()));
        let child = group.child_mut();
        let missing = || pipes_error(std::io::Error::other("output pipe missing after spawn"));
        let stdout = OwnedFd::from(child.stdout.take().ok_or_else(missing)?);
        let stderr = OwnedFd::from(child.stderr.take().ok_or_else(missing)?);
        let input = match (&spec.stdin, child.stdin.take()) {
            (StdinSource::Bytes(bytes), Some(pipe)) if !bytes.is_empty() => {
                Some(Input::new(OwnedFd::from(pipe), bytes.clone()).map_err(pipes_error)?)
            }
            _ => None,
        };
        Ok(Self {
            outputs: [
                Output::new(stdout, spec.capture_cap).map_err(pipes_error)?,
                Output::new(stderr, spec.capture_cap).map_err(pipes_error)?,
            ],
            input,
            tracker,
            started,
            deadline: spec
                .timeout
                .and_then(|timeout| started.checked_add(timeout)),
            idle: watch.idle,
            tick: watch.tick.max(Duration::from_millis(1)),
            last_output: started,
        })
    }

    /// Runs until the child exits, a timer fires or the observer says stop.
    fn watch(&mut self, group: &ChildGroup, observer: &mut dyn Observer) -> Ending {
        let mut next_tick = self.started + self.tick;
        let mut next_scan = self.started + SCAN_INTERVAL.min(self.tick);
        loop {
            let now = Instant::now();
            if self.deadline.is_some_and(|deadline| now >= deadline) {
                return Ending::Timeout;
            }
            let idle_at = self.idle.map(|idle| self.last_output + idle);
            if idle_at.is_some_and(|idle_at| now >= idle_at) {
                return Ending::Idle;
            }
            if now >= next_scan {
                next_scan = now + SCAN_INTERVAL;
                if let Some(tracker) = &mut self.tracker {
                    tracker.scan();
                }
            }
            if now >= next_tick {
                next_tick = now + self.tick;
                if observer.tick() == Control::Stop {
                    return Ending::Stopped;
                }
            }
            let wake = [Some(next_tick), Some(next_scan), self.deadline, idle_at]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(next_tick);
            let round = self.round(group, Some(wake), observer);
            if round.stop {
                return Ending::Stopped;
            }
            if round.exited {
                return Ending::Exited;
            }
        }
    }

    /// SIGTERM to the group, then SIGKILL after `grace` unless the child is gone by then.
    fn stop(&mut self, group: &ChildGroup, grace: Duration, observer: &mut dyn Observer) {
        group.signal_group(Signal::TERM);
        let until = Instant::now() + grace;
        while Instant::now() < until {
            if self.round(group, Some(until), observer).exited {
                return;
            }
        }
        group.signal_group(Signal::KILL);
        group.wait_exited(None);
    }

    /// Reads until both pipes reach EOF or `bound` passes; true when both reached EOF.
    fn drain(&mut self, bound: Duration, observer: &mut dyn Observer) -> bool {
        self.input = None;
        let until = Instant::now() + bound;
        while self.outputs.iter().any(|output| output.fd.is_some()) {
            if Instant::now() >= until {
                return false;
            }
            self.round_pipes(None, Some(until), observer);
        }
        true
    }

    /// One poll over the pipes and the child's pidfd, then the reads and writes it allows.
    fn round(
        &mut self,
        group: &ChildGroup,
        until: Option<Instant>,
        observer: &mut dyn Observer,
    ) -> Round {
        let pidfd = group.pidfd();
        let until = match pidfd {
            Some(_) => until,
            None => Some(until.map_or(Instant::now() + NO_PIDFD_STEP, |until| {
                until.min(Instant::now() + NO_PIDFD_STEP)
            })),
        };
        let mut round = self.round_pipes(pidfd, until, observer);
        if !round.exited && (pidfd.is_none() || self.outputs.iter().all(|o| o.fd.is_none())) {
            round.exited = group.has_exited();
        }
        round
    }

    fn round_pipes(
        &mut self,
        pidfd: Option<&OwnedFd>,
        until: Option<Instant>,
        observer: &mut dyn Observer,
    ) -> Round {
        let mut round = Round::default();
        let ready = match self.poll(pidfd, until) {
            Ok(ready) => ready,
            // poll itself failing is not recoverable; treat the pipes as closed.
            Err(_) => {
                for output in &mut self.outputs {
                    output.fd = None;
                }
                return round;
            }
        };
        for (index, stream) in [(0, Stream::Stdout), (1, Stream::Stderr)] {
            if !ready.outputs[index] {
                continue;
            }
            if let Ok(bytes) = self.outputs[index].read_once()
                && !bytes.is_empty()
            {
                self.last_output = Instant::now();
                if observer.output(stream, bytes) == Control::Stop {
                    round.stop = true;
                }
            }
        }
        if ready.input && self.input.as_mut().is_some_and(|input| !input.write_some()) {
            self.input = None;
        }
        round.exited = ready.exited;
        round
    }

    fn poll(&self, pidfd: Option<&OwnedFd>, until: Option<Instant>) -> Result<Ready, Errno> {
        let mut fds = Vec::with_capacity(4);
        let mut slots = [None; 2];
        for (slot, output) in slots.iter_mut().zip(&self.outputs) {
            if let Some(fd) = &output.fd {
                *slot = Some(fds.len());
                fds.push(PollFd::from_borrowed_fd(fd.as_fd(), PollFlags::IN));
            }
        }
        let input_slot = self.input.as_ref().map(|input| {
            fds.push(PollFd::from_borrowed_fd(input.fd.as_fd(), PollFlags::OUT));
            fds.len() - 1
        });
        let pidfd_slot = pidfd.map(|pidfd| {
            fds.push(PollFd::from_borrowed_fd(pidfd.as_fd(), PollFlags::IN));
            fds.len() - 1
        });
        let timeout = until.and_then(|until| {
            Timespec::try_from(until.saturating_duration_since(Instant::now())).ok()
        });
        loop {
            match poll(&mut fds, timeout.as_ref()) {
                Ok(_) => break,
                Err(error) if error == Errno::INTR => continue,
                Err(error) => return Err(error),
            }
        }
        let any = PollFlags::IN | PollFlags::OUT | PollFlags::HUP | PollFlags::ERR;
        let is =
            |slot: Option<usize>| slot.is_some_and(|index| fds[index].revents().intersects(any));
        Ok(Ready {
            outputs: [is(slots[0]), is(slots[1])],
            input: is(input_slot),
            exited: is(pidfd_slot),
        })
    }
}

struct Ready {
    outputs: [bool; 2],
    input: bool,
    exited: bool,
}
