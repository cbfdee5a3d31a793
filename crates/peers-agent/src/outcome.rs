//! How one peer invocation ended: the classification, the match that decided it, the output.

use std::time::Duration;

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
    /// The kept bytes (head, an omission marker when truncated, tail), for log files.
    pub stdout_log: Vec<u8>,
    pub stderr_log: Vec<u8>,
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

impl Classification {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::ProcessFail => "process-fail",
            Self::IdleTimeout => "idle-timeout",
            Self::AbsoluteTimeout => "absolute-timeout",
            Self::ApiError => "api-error",
            Self::RateLimited => "rate-limited",
            Self::Overloaded => "overloaded",
            Self::Interrupted => "interrupted",
            Self::Stopped(_) => "stopped",
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
