//! One attempt at one gate: run the command or the check, judge it, and word the diagnostic.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use peers_pass_when::EvalError;
use peers_process::{CommandSpec, Outcome, SpawnError, StdinSource};

use super::{GateWork, InProcessCheck, Judge, RunnerSettings, Verdict};
use crate::budget::GateBudget;

/// Characters of each stream quoted in a diagnostic (as the original).
const TAIL_CHARS: usize = 1000;
/// How long past its deadline the runner waits for a built-in gate to report on its own.
const IN_PROCESS_SLACK: Duration = Duration::from_millis(250);
/// Least time a judge gets even when the command used up nearly all of the gate's budget.
const MIN_JUDGE_TIME: Duration = Duration::from_millis(500);

/// How often the runner checks the cancel flag while a built-in gate works.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// What the `pass_when` judge sees of a finished command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandResult {
    /// `None` when a signal ended the command.
    pub exit_code: Option<i32>,
    /// Everything captured (at most the capture cap); a truncated stream is its head, the
    /// `stdout_omission` marker line, and its tail.
    pub stdout: String,
    pub stderr: String,
    pub stdout_omission: Option<Omission>,
    pub stderr_omission: Option<Omission>,
    pub timed_out: bool,
    /// Either stream exceeded the capture cap.
    pub truncated: bool,
    /// When the gate's time budget ends; the judge stops there.
    pub deadline: Instant,
}

/// Where the middle of a stream over the capture cap was dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Omission {
    /// The exact line that stands for the dropped middle in the text.
    pub marker: String,
    pub omitted_bytes: u64,
}

impl Omission {
    fn of(captured: &peers_process::Captured) -> Option<Self> {
        Some(Self {
            marker: captured.omission_marker()?,
            omitted_bytes: captured.omitted_bytes(),
        })
    }
}

pub(super) struct AttemptOutcome {
    pub(super) pass: bool,
    pub(super) diagnostic: String,
    pub(super) timed_out: bool,
    pub(super) truncated: bool,
}

impl AttemptOutcome {
    fn verdict(verdict: Verdict) -> Self {
        Self {
            pass: verdict.pass,
            diagnostic: verdict.diagnostic,
            timed_out: false,
            truncated: false,
        }
    }
}

/// A gate not run (or stopped) because the batch was interrupted.
pub(super) fn interrupted() -> AttemptOutcome {
    AttemptOutcome {
        pass: false,
        diagnostic: "interrupted (Ctrl-C or SIGTERM) before the gate finished".to_owned(),
        timed_out: false,
        truncated: false,
    }
}

/// Runs the command; with a cancel flag, Ctrl-C stops its whole group at once (`None`).
fn run_command(
    spec: &CommandSpec,
    settings: &RunnerSettings,
) -> Result<Option<Outcome>, SpawnError> {
    match settings.cancel.as_deref() {
        Some(cancel) => peers_process::run_cancellable(spec, cancel),
        None => peers_process::run(spec).map(Some),
    }
}

pub(super) fn run(id: &str, work: &GateWork, settings: &RunnerSettings) -> AttemptOutcome {
    match work {
        GateWork::Command {
            cmd,
            timeout,
            judge,
        } => {
            let mut spec = CommandSpec::new("/bin/sh", &settings.repo);
            spec.args = vec![OsString::from("-c"), OsString::from(cmd)];
            spec.env.clone_from(&settings.env);
            spec.stdin = StdinSource::Null;
            spec.timeout = Some(*timeout);
            spec.grace = settings.grace;
            spec.capture_cap = settings.capture_cap;
            // The runner sweeps orphans once per batch (see `run_gates`).
            spec.reap_orphans = false;
            match run_command(&spec, settings) {
                Ok(Some(outcome)) => judge_outcome(&outcome, judge, *timeout),
                Ok(None) => interrupted(),
                Err(error) => AttemptOutcome::verdict(Verdict {
                    pass: false,
                    diagnostic: format!("could not run gate command: {}", error_chain(&error)),
                }),
            }
        }
        GateWork::InProcess { check, timeout } => {
            run_in_process(id, check, *timeout, settings.cancel.clone())
        }
    }
}

/// Runs a built-in gate on its own thread and stops waiting at its deadline (plus a moment for
/// a gate that noticed the deadline itself to say so): the verdict never waits past
/// `timeout_s`. A gate left running stops at its next budget check; the tools it runs are
/// child processes killed at the same deadline.
fn run_in_process(
    id: &str,
    check: &InProcessCheck,
    timeout: Duration,
    cancel: Option<Arc<AtomicBool>>,
) -> AttemptOutcome {
    let budget = GateBudget::new(timeout).with_cancel(cancel);
    let (sender, receiver) = mpsc::channel();
    let (check, on_thread) = (Arc::clone(check), budget.clone());
    let spawned = thread::Builder::new()
        .name(format!("gate {id}"))
        .spawn(move || {
            let _ = sender.send(guarded("gate check", || check(&on_thread)));
        });
    if let Err(error) = spawned {
        return AttemptOutcome::verdict(Verdict {
            pass: false,
            diagnostic: format!("could not start built-in gate `{id}`: {error}"),
        });
    }
    // Waits in short steps so Ctrl-C is answered at once; the gate's tools watch the same
    // flag and a gate left running stops at its next budget check.
    let until = Instant::now() + timeout + IN_PROCESS_SLACK;
    let received = loop {
        let step = until
            .saturating_duration_since(Instant::now())
            .min(CANCEL_POLL);
        match receiver.recv_timeout(step) {
            Err(mpsc::RecvTimeoutError::Timeout) if budget.cancelled() => return interrupted(),
            Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < until => {}
            other => break other,
        }
    };
    match received {
        Ok(Ok(verdict)) => AttemptOutcome::verdict(verdict),
        Ok(Err(panic)) => AttemptOutcome::verdict(Verdict {
            pass: false,
            diagnostic: panic.to_string(),
        }),
        Err(_) => AttemptOutcome {
            pass: false,
            diagnostic: budget.timed_out(id),
            timed_out: true,
            truncated: false,
        },
    }
}

fn judge_outcome(outcome: &Outcome, judge: &Judge, timeout: Duration) -> AttemptOutcome {
    let truncated = outcome.stdout.truncated || outcome.stderr.truncated;
    let Verdict { pass, diagnostic } = if outcome.timed_out {
        let seconds = timeout.as_secs_f64();
        Verdict::fail(format!("timed out after {seconds}s; {}", tails(outcome)))
    } else {
        let budget = timeout.saturating_sub(outcome.duration).max(MIN_JUDGE_TIME);
        let result = CommandResult {
            exit_code: outcome.exit.code,
            stdout: outcome.stdout.to_string_lossy(),
            stderr: outcome.stderr.to_string_lossy(),
            stdout_omission: Omission::of(&outcome.stdout),
            stderr_omission: Omission::of(&outcome.stderr),
            timed_out: false,
            truncated,
            deadline: Instant::now() + budget,
        };
        let exit = exit_code_text(outcome);
        match judge_within(judge, result, budget, timeout) {
            Ok(Ok(true)) => Verdict::pass(format!("pass_when returned true; {exit}")),
            Ok(Ok(false)) => Verdict::fail(format!(
                "pass_when returned false; {exit}; {}",
                tails(outcome)
            )),
            Ok(Err(error)) => Verdict::fail(format!(
                "pass_when error: {error}; {exit}; {}",
                tails(outcome)
            )),
            Err(error) => Verdict::fail(format!(
                "{}; {exit}; {}",
                error_chain(&error),
                tails(outcome)
            )),
        }
    };
    AttemptOutcome {
        pass,
        diagnostic: diagnostic + &output_notes(outcome),
        timed_out: outcome.timed_out,
        truncated,
    }
}

fn exit_code_text(outcome: &Outcome) -> String {
    match (outcome.exit.code, outcome.exit.signal) {
        (Some(code), _) => format!("exit_code={code}"),
        (None, Some(signal)) => format!("exit_code=None (killed by signal {signal})"),
        (None, None) => "exit_code=None".to_owned(),
    }
}

fn tails(outcome: &Outcome) -> String {
    format!(
        "stdout-tail={}; stderr-tail={}",
        quoted(&outcome.stdout.tail_lossy(TAIL_CHARS)),
        quoted(&outcome.stderr.tail_lossy(TAIL_CHARS))
    )
}

/// Notes on output the reader should know was cut or held.
fn output_notes(outcome: &Outcome) -> String {
    let mut notes = String::new();
    for (name, captured) in [("stdout", &outcome.stdout), ("stderr", &outcome.stderr)] {
        if captured.truncated {
            let _ = write!(
                notes,
                "; {name} truncated ({} of {} bytes kept)",
                captured.kept_len(),
                captured.total_bytes
            );
        }
    }
    if outcome.pipes_held_after_exit {
        notes.push_str("; a process outside the gate's group kept its output open after exit");
    }
    notes
}

/// Single-quoted with backslash escapes, so a multi-line tail stays on one line.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for character in text.chars() {
        match character {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            control if control.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(control));
            }
            other => out.push(other),
        }
    }
    out.push('\'');
    out
}

/// Runs the judge on its own thread and gives up at the end of `budget`: the verdict never
/// waits past the gate's time. The judge checks the same deadline between steps, so an
/// abandoned evaluation stops after the step it was in (one regex search, bounded by the
/// pattern size limit).
fn judge_within(
    judge: &Judge,
    result: CommandResult,
    budget: Duration,
    timeout: Duration,
) -> Result<Result<bool, EvalError>, JudgeError> {
    let (sender, receiver) = mpsc::channel();
    let judge = Arc::clone(judge);
    let spawned = thread::Builder::new()
        .name("pass_when".to_owned())
        .spawn(move || {
            let _ = sender.send(guarded("pass_when", || judge(&result)));
        });
    if let Err(source) = spawned {
        return Err(JudgeError::NoThread { source });
    }
    match receiver.recv_timeout(budget) {
        Ok(verdict) => verdict.map_err(JudgeError::Panicked),
        Err(_) => Err(JudgeError::OverBudget {
            budget_s: budget.as_secs_f64(),
            timeout_s: timeout.as_secs_f64(),
        }),
    }
}

/// Why a gate command's `pass_when` gave no answer (its own errors are `EvalError`s).
#[derive(Debug, thiserror::Error)]
enum JudgeError {
    #[error("could not start the pass_when evaluation")]
    NoThread {
        #[source]
        source: std::io::Error,
    },
    #[error(
        "pass_when did not finish within the gate's time budget ({budget_s}s of timeout_s \
         {timeout_s}s); hint: simplify its regex patterns or raise the goal's timeout_s"
    )]
    OverBudget { budget_s: f64, timeout_s: f64 },
    #[error(transparent)]
    Panicked(Panicked),
}

/// Caller-supplied code that panicked, with the panic's message.
#[derive(Debug, thiserror::Error)]
#[error("{what} panicked: {message}")]
struct Panicked {
    what: &'static str,
    message: String,
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

/// Runs caller-supplied code; a panic becomes a failed gate instead of taking down the batch.
fn guarded<T>(what: &'static str, code: impl FnOnce() -> T) -> Result<T, Panicked> {
    panic::catch_unwind(AssertUnwindSafe(code)).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Panicked { what, message }
    })
}
