//! What to run for one peer turn and how to watch it: the inputs of `invoke`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use peers_core::config::{HealthSettings, ToolKind};
pub use peers_process::Stream;

use crate::launch::CallKind;
use crate::patterns::Patterns;
use crate::usage::Usage;

/// One peer invocation.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub peer: String,
    /// What the call is, for the [`crate::Launcher`] that starts it.
    pub kind: CallKind,
    /// Picks the output parser (usage, session id, structured errors).
    pub tool: ToolKind,
    /// From [`crate::prepare_command`].
    pub command: PreparedCommand,
    /// The repository the peer works on: its working directory.
    pub cwd: PathBuf,
    /// The COMPLETE environment of the child; nothing is added or inherited.
    pub env: Vec<(OsString, OsString)>,
    pub limits: Limits,
    pub patterns: Patterns,
}

/// Timers and the capture cap of one invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// No output on either stream for this long → idle-timeout.
    pub idle: Duration,
    /// From spawn → absolute-timeout.
    pub absolute: Duration,
    /// Between SIGTERM to the process group and SIGKILL.
    pub grace: Duration,
    /// Bytes kept per stream (head and tail halves).
    pub buf_cap: usize,
}

impl Limits {
    pub fn from_health(health: &HealthSettings) -> Self {
        Self {
            idle: Duration::from_secs(health.idle_timeout_s),
            absolute: Duration::from_secs(health.absolute_max_runtime_s),
            grace: Duration::from_secs(health.grace_s),
            buf_cap: usize::try_from(health.buf_cap_bytes).unwrap_or(usize::MAX),
        }
    }
}

/// The argv with placeholders filled in, and how the prompt travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedCommand {
    pub argv: Vec<String>,
    /// Written to the child's stdin, which is then closed; `None` = stdin is `/dev/null`.
    pub stdin: Option<Vec<u8>>,
    /// The private file holding the prompt, when one was written (the caller may delete it
    /// after the invocation).
    pub prompt_file: Option<PathBuf>,
    pub delivery: PromptDelivery,
}

/// How the prompt reached the peer; the `*Fallback` variants record that an argv-substitute
/// prompt was too large for argv (Linux caps one argument at 128 KiB: E2BIG).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptDelivery {
    Argv,
    Stdin,
    File,
    /// argv-substitute, but too large: written to the file named by `{PROMPT_FILE}`.
    FileFallback,
    /// argv-substitute, but too large and argv has no `{PROMPT_FILE}`: sent on stdin.
    StdinFallback,
}

impl PromptDelivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Argv => "argv",
            Self::Stdin => "stdin",
            Self::File => "file",
            Self::FileFallback => "file-fallback",
            Self::StdinFallback => "stdin-fallback",
        }
    }
}

/// What the observer of [`crate::invoke`] sees while the peer runs.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// The peer process started with this pid (also its process group id); sent once, first.
    Started { pid: u32 },
    /// One complete line (the last one may lack its newline); invalid UTF-8 is replaced.
    Output { stream: Stream, line: String },
    /// Usage so far, cumulative (not a delta); sent whenever the CLI reports more.
    Usage(Usage),
    /// The supervisor's clock (about every 100 ms, output or not): lets the observer flush
    /// throttled work, such as a live status file, while the peer is silent.
    Tick,
}

/// The observer's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Stop the peer (SIGTERM, grace, SIGKILL); the run is classified `Stopped(reason)`.
    Stop(String),
}
