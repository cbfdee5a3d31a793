//! How one peer invocation ended: the classification, the match that decided it, the output.

use std::time::Duration;

use peers_process::Captured;

use crate::usage::Usage;

/// Everything `invoke` learned about one run of a peer.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerRun {
    pub classification: Classification,
    /// Set when the process exited normally (127/126 when it could not be started).
    pub exit_code: Option<i32>,
    /// Set when a signal ended the process.
    pub signal: Option<i32>,
    pub duration: Duration,
    /// The last characters of each stream, for messages and the run log.
    pub stdout_tail: String,
    pub stderr_tail: String,
    /// The kept bytes of each stream (head and tail when the middle was dropped); a log file
    /// gets [`Captured::write_log`], which marks the omission.
    pub stdout_log: Captured,
    pub stderr_log: Captured,
    /// Some output was dropped from the middle of a stream (or a line was cut).
    pub truncated: bool,
    /// The pattern or structured error that classified the run, if one did.
    pub matched: Option<PatternMatch>,
    pub usage: Usage,
    pub session_id: Option<String>,
    /// Processes the peer left running when its main process exited (`pid N: command`);
    /// they were killed. An agent must clean up after itself.
    pub left_running: Vec<String>,
    /// git's own automatic maintenance (`git maintenance run --auto`, `git gc --auto` and the
    /// git helpers under it) still running when the peer exited: stopped, never the peer's.
    pub git_maintenance_stopped: Vec<String>,
}

/// The outcome classes the driver acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classification {
    Success,
    /// Non-zero exit, killed by a signal we did not send, or could not be started.
    ProcessFail,
    IdleTimeout,
    AbsoluteTimeout,
    /// An error or halt pattern, or a structured API error (see `PeerRun::matched`).
    ApiError,
    /// HTTP 429 / rate-limit text: neutral, try again later.
    RateLimited,
    /// HTTP 529 / 503 "overloaded": neutral, try again later.
    Overloaded,
    /// The cancel flag was raised (Ctrl-C).
    Interrupted,
    /// The observer said `Flow::Stop(reason)`.
    Stopped(String),
}

/// The run log's name of the class (`process-fail`, `rate-limited`, …): the one table is
/// [`peers_core::turn_class::TurnClass`]'s.
impl std::fmt::Display for Classification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        peers_core::turn_class::TurnClass::from(self).fmt(f)
    }
}

/// The class the run log records for a turn that ended this way.
impl From<&Classification> for peers_core::turn_class::TurnClass {
    fn from(class: &Classification) -> Self {
        use Classification as C;
        match class {
            C::Success => Self::Success,
            C::ProcessFail => Self::ProcessFail,
            C::IdleTimeout => Self::IdleTimeout,
            C::AbsoluteTimeout => Self::AbsoluteTimeout,
            C::ApiError => Self::ApiError,
            C::RateLimited => Self::RateLimited,
            C::Overloaded => Self::Overloaded,
            C::Interrupted => Self::Interrupted,
            C::Stopped(_) => Self::Stopped,
        }
    }
}

/// What matched: a configured pattern on one line, or a CLI's own structured error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternMatch {
    /// The regex as configured, or `structured:<tool>:<class>` (class: auth, quota,
    /// rate-limit, overloaded, api-error).
    pub pattern: String,
    /// The line or error message (at most 500 characters).
    pub snippet: String,
    /// "line", "structured", "spawn" (the program could not start) or "environment" (the
    /// CLI reported a missing variable).
    pub source: &'static str,
    /// The peer must be marked unavailable (auth, invalid key, quota, halt pattern, a
    /// program that is not installed, a variable the CLI needs that is not set).
    pub halt: bool,
}

impl PatternMatch {
    /// Why the peer is unavailable, as `HALTED.md` and the terminal say it: the plain reason
    /// for a program that cannot start or a missing variable, else the pattern that matched.
    pub fn unavailable_reason(&self) -> String {
        match self.source {
            "spawn" | "environment" => self.snippet.clone(),
            _ => self.pattern.clone(),
        }
    }
}

/// Longest quoted line in [`PeerRun::failure_summary`].
const SUMMARY_LINE_CHARS: usize = 160;

impl PeerRun {
    /// Why a turn that did not succeed failed, on one line: the class, how the process ended
    /// and the last line it wrote (stderr first: where a CLI, or the sandbox, says what went
    /// wrong). Control characters are blanked, so the agent's text cannot steer a terminal.
    pub fn failure_summary(&self) -> String {
        let ended = match (self.exit_code, self.signal) {
            (_, Some(signal)) => format!(" (signal {signal})"),
            (Some(code), None) => format!(" (exit {code})"),
            (None, None) => String::new(),
        };
        let said = self
            .matched
            .as_ref()
            .map(|found| found.snippet.clone())
            .or_else(|| last_line(&self.stderr_tail))
            .or_else(|| last_line(&self.stdout_tail));
        match said {
            Some(line) => format!("{}{ended}: {line}", self.classification),
            None => format!("{}{ended}", self.classification),
        }
    }
}

/// What `text` last said, on one line of at most [`SUMMARY_LINE_CHARS`]: from its last line
/// that opens with `error`/`fatal` (any case) to the end, its causes and hints included, else
/// its last line with something on it.
fn last_line(text: &str) -> Option<String> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let opens_error = |line: &&str| {
        let lower = line.get(..5).unwrap_or_default().to_ascii_lowercase();
        lower == "error" || lower == "fatal"
    };
    let from = lines
        .iter()
        .rposition(opens_error)
        .unwrap_or(lines.len().checked_sub(1)?);
    let line: String = lines[from..]
        .join(" ")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut cut: String = line.chars().take(SUMMARY_LINE_CHARS).collect();
    if cut.len() < line.len() {
        cut.push('…');
    }
    Some(cut)
}

#[cfg(test)]
mod summary_tests {
    use super::*;

    fn failed(stdout: &str, stderr: &str) -> PeerRun {
        PeerRun {
            classification: Classification::ProcessFail,
            exit_code: Some(1),
            signal: None,
            duration: std::time::Duration::ZERO,
            stdout_tail: stdout.to_owned(),
            stderr_tail: stderr.to_owned(),
            stdout_log: Captured::default(),
            stderr_log: Captured::default(),
            truncated: false,
            matched: None,
            usage: Usage::default(),
            session_id: None,
            left_running: Vec::new(),
            git_maintenance_stopped: Vec::new(),
        }
    }

    #[test]
    fn the_summary_quotes_the_last_stderr_line_on_one_line() {
        let run = failed(
            "progress\n",
            "starting\nerror: .peers/state.json: Read-only file system\x1b[2J\n\n",
        );
        assert_eq!(
            run.failure_summary(),
            "process-fail (exit 1): error: .peers/state.json: Read-only file system [2J"
        );
    }

    #[test]
    fn the_summary_falls_back_to_stdout_then_to_the_class_alone() {
        assert_eq!(
            failed("last words\n", "  \n").failure_summary(),
            "process-fail (exit 1): last words"
        );
        let mut silent = failed("", "");
        silent.exit_code = None;
        silent.signal = Some(9);
        assert_eq!(silent.failure_summary(), "process-fail (signal 9)");
    }

    #[test]
    fn an_error_is_quoted_with_its_causes() {
        let run = failed(
            "",
            "working\nerror: cannot open .git/config\n  caused by: Read-only file system (os error 30)\n",
        );
        assert_eq!(
            run.failure_summary(),
            "process-fail (exit 1): error: cannot open .git/config caused by: Read-only file system (os error 30)"
        );
    }

    #[test]
    fn a_long_line_is_cut() {
        let summary = failed("", &"x".repeat(500)).failure_summary();
        assert!(summary.ends_with('…'), "{summary}");
        assert!(summary.chars().count() < 200, "{summary}");
    }
}
