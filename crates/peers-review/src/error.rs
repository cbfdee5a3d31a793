//! Why a review could not run, with what the user needs to fix it.

use std::path::PathBuf;

/// One error enum for the crate; a reviewer that fails is not an error but a report entry.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("`{reference}` names no commit in this repository")]
    UnknownRevision { reference: String },
    #[error("nothing to review: {what} is empty")]
    EmptyScope { what: String },
    #[error("`git {args}` failed ({status}): {stderr}")]
    Git {
        args: String,
        status: String,
        stderr: String,
    },
    #[error(transparent)]
    GitRepository(#[from] peers_git::GitError),
    #[error("cannot run git")]
    GitSpawn(#[source] peers_process::SpawnError),
    #[error("a review needs at least two reviewers, got {count}")]
    TooFewReviewers { count: usize },
    #[error("reviewer `{name}` has no command line")]
    EmptyCommand { name: String },
    #[error("cannot prepare the command of reviewer `{name}`")]
    Command {
        name: String,
        #[source]
        source: peers_agent::AgentError,
    },
    #[error("cannot write the review record under {}", path.display())]
    Archive {
        path: PathBuf,
        #[source]
        source: peers_store::error::StoreError,
    },
}

/// Why a reviewer gave no usable answer in a round; the report shows it as `round N: …`, and
/// the review goes on without that reviewer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReviewerFailure {
    #[error(transparent)]
    Call(#[from] CallError),
    /// The answer and the answer to the format reminder both lacked the block the round needs.
    #[error("malformed output twice: {}", problems.join("; "))]
    MalformedTwice { problems: Vec<String> },
    #[error("the format retry failed: {source}")]
    RetryFailed {
        #[source]
        source: CallError,
    },
    #[error("the reviewer thread panicked")]
    Panicked,
}

/// Why one call of a reviewer's CLI gave no reply text.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CallError {
    /// The call's prompt or output could not be archived.
    #[error(transparent)]
    Archive(Box<ReviewError>),
    #[error("{}", chain(source))]
    Command {
        #[source]
        source: Box<ReviewError>,
    },
    /// The supervisor could not start or follow the process.
    #[error("{}", chain(source))]
    Launch {
        #[source]
        source: Box<peers_agent::AgentError>,
    },
    /// `stderr_tail` is the last 300 characters of its stderr.
    #[error("{program} {ending}: {}", stderr_tail.trim())]
    Failed {
        program: String,
        ending: CallEnding,
        stderr_tail: String,
    },
}

/// How a failed call ended.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CallEnding {
    TimedOut,
    Exited(peers_process::ExitInfo),
}

impl std::fmt::Display for CallEnding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TimedOut => f.write_str("timed out"),
            Self::Exited(exit) => exit.fmt(f),
        }
    }
}

/// An error and its causes on one line: the reply of a failed call is one line of the report.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    text
}
