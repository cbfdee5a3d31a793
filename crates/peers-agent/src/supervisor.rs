//! `invoke`: one peer process under supervision, from spawn to a classified [`PeerRun`].
//!
//! The process is started by the caller's [`Launcher`] (the one launch interface of every agent
//! process) under `peers_process::run_observed`'s supervision: its own process group, exactly
//! the caller's environment, stdin = the prompt then EOF or `/dev/null` (never an open pipe:
//! codex and opencode wait for ever on one), the parent-death signal, and at the end every
//! process it started is killed, including `setsid` servers and grandchildren that escaped
//! the group (peers is a child subreaper; see `peers_process` `descendants` for the method).
//! Output is split into lines across reads; each line is checked against the configured
//! patterns, fed to the CLI's parser and shown to the caller's observer.

use std::ffi::OsString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use peers_process::{
    Captured, CommandSpec, Control, Ending, Observed, Observer, SpawnError, StdinSource, Stream,
    Watch,
};

use crate::adapter::{self, OutputParser, Parsed, RunEnd};
use crate::classify::{from_line, from_structured};
use crate::error::AgentError;
use crate::invocation::{Flow, Invocation, LiveEvent};
use crate::launch::{LaunchCall, LaunchError, Launcher};
use crate::lines::{LineSplitter, MAX_LINE_BYTES, OutputLine};
use crate::outcome::{Classification, PatternMatch, PeerRun};
use crate::patterns::{LineMatch, Patterns};
use crate::prices::PriceTable;
use crate::usage::Usage;

/// How often the cancel flag is polled (and the process table scanned for descendants).
const CANCEL_POLL: Duration = Duration::from_millis(100);
/// Characters kept in `stdout_tail` / `stderr_tail`.
const TAIL_CHARS: usize = 4000;

/// Runs one peer invocation to the end; see the module docs. `cancel` is polled every 100 ms
/// (set it from a SIGINT handler → `Interrupted`); `observer` sees every line and every usage
/// update and may stop the run (`Flow::Stop(reason)` → `Stopped(reason)`). USD for codex and
/// gemini comes from [`PriceTable::builtin`].
/// The process is started by `launcher` (see [`Launcher`]); a launcher's refusal is an
/// `Err` (the call did not run, fail closed).
pub fn invoke(
    inv: &Invocation,
    launcher: &dyn Launcher,
    cancel: &AtomicBool,
    observer: &mut dyn FnMut(&LiveEvent) -> Flow,
) -> Result<PeerRun, AgentError> {
    invoke_with_prices(inv, launcher, &PriceTable::builtin(), cancel, observer)
}

/// [`invoke`] with a price table other than the built-in one.
pub fn invoke_with_prices(
    inv: &Invocation,
    launcher: &dyn Launcher,
    prices: &PriceTable,
    cancel: &AtomicBool,
    observer: &mut dyn FnMut(&LiveEvent) -> Flow,
) -> Result<PeerRun, AgentError> {
    let Some((program, args)) = inv.command.argv.split_first() else {
        return Err(AgentError::EmptyArgv {
            peer: inv.peer.clone(),
        });
    };
    let spec = command_spec(inv, program, args);
    let watch = Watch {
        idle: Some(inv.limits.idle),
        tick: CANCEL_POLL,
        sweep_descendants: true,
    };
    let mut watcher = Watcher {
        splitters: [
            LineSplitter::new(MAX_LINE_BYTES),
            LineSplitter::new(MAX_LINE_BYTES),
        ],
        lines: LineHandler {
            patterns: &inv.patterns,
            parser: adapter::parser_for(&inv.tool, &inv.command.argv, &inv.env, prices),
            observer,
            cancel,
            line_match: None,
            cause: None,
            last_usage: None,
            text: String::new(),
        },
    };
    let call = LaunchCall {
        kind: inv.kind,
        peer: &inv.peer,
        tool: &inv.tool,
        repo: &inv.cwd,
    };
    let started = Instant::now();
    let observed = match launcher.launch(spec, &call, &watch, &mut watcher) {
        Ok(observed) => observed,
        Err(LaunchError::Spawn(error)) => return spawn_failure(inv, error, started),
        Err(source) => {
            return Err(AgentError::Launch {
                peer: inv.peer.clone(),
                call: inv.kind,
                source,
            });
        }
    };
    watcher.flush();
    Ok(watcher.lines.conclude(observed))
}

fn command_spec(inv: &Invocation, program: &str, args: &[String]) -> CommandSpec {
    let mut spec = CommandSpec::new(program, inv.cwd.clone());
    spec.args = args.iter().map(OsString::from).collect();
    spec.env = inv.env.clone();
    spec.stdin = match &inv.command.stdin {
        Some(bytes) => StdinSource::Bytes(bytes.clone()),
        None => StdinSource::Null,
    };
    spec.timeout = Some(inv.limits.absolute);
    spec.grace = inv.limits.grace;
    spec.capture_cap = inv.limits.buf_cap;
    spec
}

/// A program that cannot be started is a process failure with the shell's exit codes (127
/// not found, 126 cannot execute) that makes the peer unavailable: no later turn can go
/// better until someone installs or fixes it. A missing cwd or a pipe failure is the
/// caller's error.
fn spawn_failure(
    inv: &Invocation,
    error: SpawnError,
    started: Instant,
) -> Result<PeerRun, AgentError> {
    let (exit_code, reason) = match &error {
        SpawnError::NotFound { program, .. } => {
            let program = program.to_string_lossy();
            let where_ = if program.contains('/') {
                ""
            } else {
                " on PATH"
            };
            (127, format!("program `{program}` not found{where_}"))
        }
        SpawnError::Start { program, source } => (
            126,
            format!(
                "program `{}` cannot be started: {source}",
                program.to_string_lossy()
            ),
        ),
        _ => {
            return Err(AgentError::Spawn {
                peer: inv.peer.clone(),
                source: error,
            });
        }
    };
    let mut message = error.to_string();
    let mut cause = std::error::Error::source(&error);
    while let Some(inner) = cause {
        message.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    Ok(PeerRun {
        classification: Classification::ProcessFail,
        exit_code: Some(exit_code),
        signal: None,
        duration: started.elapsed(),
        stdout_tail: String::new(),
        stderr_tail: message.clone(),
        stdout_log: Captured::default(),
        stderr_log: Captured::from_bytes(message.into_bytes()),
        truncated: false,
        matched: Some(PatternMatch {
            pattern: format!(
                "spawn:{}",
                if exit_code == 127 {
                    "not-found"
                } else {
                    "cannot-start"
                }
            ),
            snippet: reason,
            source: "spawn",
            halt: true,
        }),
        usage: Usage::default(),
        session_id: None,
        left_running: Vec::new(),
        git_maintenance_stopped: Vec::new(),
    })
}

/// `pid N: command` for each leftover.
fn describe(left: &[peers_process::Leftover]) -> Vec<String> {
    left.iter()
        .map(|l| {
            let command = if l.command.is_empty() {
                "?"
            } else {
                l.command.as_str()
            };
            format!("pid {}: {command}", l.pid)
        })
        .collect()
}

/// Why we stopped the peer, first cause wins.
enum StopCause {
    Pattern,
    Interrupted,
    Observer(String),
}

/// The `peers_process` observer: splits chunks into lines for the [`LineHandler`].
struct Watcher<'a> {
    splitters: [LineSplitter; 2],
    lines: LineHandler<'a>,
}

impl Watcher<'_> {
    /// The last line of each stream, when it had no newline.
    fn flush(&mut self) {
        for (splitter, stream) in self
            .splitters
            .iter_mut()
            .zip([Stream::Stdout, Stream::Stderr])
        {
            splitter.finish(&mut |line| self.lines.line(stream, line));
        }
    }
}

impl Observer for Watcher<'_> {
    fn output(&mut self, stream: Stream, bytes: &[u8]) -> Control {
        let index = usize::from(stream == Stream::Stderr);
        self.splitters[index].push(bytes, &mut |line| self.lines.line(stream, line));
        self.lines.control()
    }

    fn tick(&mut self) -> Control {
        if self.lines.cancel.load(Ordering::Relaxed) {
            self.lines.cause.get_or_insert(StopCause::Interrupted);
        }
        self.lines.emit(&LiveEvent::Tick);
        self.lines.control()
    }

    fn spawned(&mut self, pid: u32) {
        // The answer is ignored: nothing can be stopped before it has started.
        let _ = (self.lines.observer)(&LiveEvent::Started { pid });
    }
}

/// What happens to each line, and what was learned from all of them.
struct LineHandler<'a> {
    patterns: &'a Patterns,
    parser: Box<dyn OutputParser>,
    observer: &'a mut dyn FnMut(&LiveEvent) -> Flow,
    cancel: &'a AtomicBool,
    line_match: Option<LineMatch>,
    cause: Option<StopCause>,
    last_usage: Option<Usage>,
    /// The text of the current line, reused (it grows to the longest line: at most
    /// [`MAX_LINE_BYTES`], three times that if every byte was invalid UTF-8).
    text: String,
}

impl LineHandler<'_> {
    /// One line: its UTF-8 was usually checked with its whole chunk already, the patterns
    /// skip it at the cost of one byte test unless it could match, and the observer gets it
    /// in a buffer reused from line to line: nothing is allocated per line.
    fn line(&mut self, stream: Stream, found: OutputLine<'_>) {
        let mut line = std::mem::take(&mut self.text);
        line.clear();
        found.append_to(&mut line);
        if self.line_match.is_none()
            && self.patterns.may_match(&line)
            && let Some(found) = self.patterns.check(&line)
        {
            self.line_match = Some(found);
            self.cause.get_or_insert(StopCause::Pattern);
        }
        let usage = self.parser.line(stream, &line);
        let event = LiveEvent::Output { stream, line };
        self.emit(&event);
        if let LiveEvent::Output { line, .. } = event {
            self.text = line;
        }
        if let Some(usage) = usage {
            self.last_usage = Some(usage);
            self.emit(&LiveEvent::Usage(usage));
        }
    }

    fn emit(&mut self, event: &LiveEvent) {
        if let Flow::Stop(reason) = (self.observer)(event) {
            self.cause.get_or_insert(StopCause::Observer(reason));
        }
    }

    fn control(&self) -> Control {
        if self.cause.is_some() {
            Control::Stop
        } else {
            Control::Continue
        }
    }

    /// The final parse, the classification and the [`PeerRun`].
    fn conclude(mut self, observed: Observed) -> PeerRun {
        let outcome = &observed.outcome;
        // A copy of the whole output only for a parser that reads it (and only when it was
        // kept whole): a full-cap copy made for nothing once set a tick's peak memory.
        let wanted = self.parser.reads_whole_output();
        let whole = |captured: &Captured| {
            (wanted && !captured.truncated).then(|| [captured.head(), captured.tail()].concat())
        };
        let (stdout, stderr) = (whole(&outcome.stdout), whole(&outcome.stderr));
        let parsed = self.parser.finish(&RunEnd {
            exit_code: outcome.exit.code,
            stdout: stdout.as_deref(),
            stderr: stderr.as_deref(),
        });
        drop((stdout, stderr));
        if self.last_usage != Some(parsed.usage) && parsed.usage != Usage::default() {
            // Gemini reports only at the end; claude's result replaces the live estimate.
            (self.observer)(&LiveEvent::Usage(parsed.usage));
        }
        let (classification, matched) = self.classify(&observed, &parsed);
        let Observed {
            outcome,
            left_running,
            ..
        } = observed;
        let (peer_left, git_left) = crate::git_leftover::split(left_running);
        PeerRun {
            classification,
            exit_code: outcome.exit.code,
            signal: outcome.exit.signal,
            duration: outcome.duration,
            stdout_tail: outcome.stdout.tail_lossy(TAIL_CHARS),
            stderr_tail: outcome.stderr.tail_lossy(TAIL_CHARS),
            truncated: outcome.stdout.truncated || outcome.stderr.truncated,
            stdout_log: outcome.stdout,
            stderr_log: outcome.stderr,
            matched,
            usage: parsed.usage,
            session_id: parsed.session_id,
            left_running: describe(&peer_left),
            git_maintenance_stopped: describe(&git_left),
        }
    }

    /// Our own stop first (its cause), then timers, then what the output said, then the exit.
    fn classify(
        &mut self,
        observed: &Observed,
        parsed: &Parsed,
    ) -> (Classification, Option<PatternMatch>) {
        let from_pattern = |found: &LineMatch| {
            let (classification, matched) = from_line(found);
            (classification, Some(matched))
        };
        match (observed.ending, self.cause.take()) {
            (Ending::Stopped, Some(StopCause::Interrupted)) => (Classification::Interrupted, None),
            (Ending::Stopped, Some(StopCause::Observer(reason))) => {
                (Classification::Stopped(reason), None)
            }
            (Ending::Timeout, _) => (Classification::AbsoluteTimeout, None),
            (Ending::Idle, _) => (Classification::IdleTimeout, None),
            _ => {
                if let Some(found) = &self.line_match {
                    from_pattern(found)
                } else if let Some(found) = self.missing_variable(observed, parsed) {
                    (Classification::ApiError, Some(found))
                } else if let Some(error) = &parsed.error {
                    let (classification, matched) = from_structured(error);
                    (classification, Some(matched))
                } else if observed.outcome.exit.code == Some(0) {
                    (Classification::Success, None)
                } else {
                    (Classification::ProcessFail, None)
                }
            }
        }
    }
}

impl LineHandler<'_> {
    /// A failed run whose CLI said a variable it needs is not set (codex's "Missing
    /// environment variable: `KEY`", a provider SDK's "… environment variable is missing"):
    /// the peer cannot work until the variable is exported (or named in its `env:` key).
    fn missing_variable(&self, observed: &Observed, parsed: &Parsed) -> Option<PatternMatch> {
        if observed.outcome.exit.code == Some(0) {
            return None;
        }
        let structured = parsed.error.as_ref().map(|e| e.message.clone());
        let texts = [
            structured.unwrap_or_default(),
            observed.outcome.stderr.tail_lossy(TAIL_CHARS),
            observed.outcome.stdout.tail_lossy(TAIL_CHARS),
        ];
        texts
            .iter()
            .find_map(|text| crate::classify::missing_variable(text))
    }
}
