//! The one error type of peers-sim: each variant names the file, command or step to fix.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot read the sim script {path}")]
    ReadScript {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}:{line}:{column}: {message}")]
    ParseScript {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("the sim script {path} has no turns; give `turns` at least one list of steps")]
    EmptyScript { path: PathBuf },

    #[error("unknown built-in sim peer `{name}`; known: {known}")]
    UnknownBuiltin { name: String, known: String },

    #[error("peer name `{name}` cannot name a counter file; use letters, digits, `-`, `_`, `.`")]
    InvalidPeerName { name: String },

    #[error("path `{path}` leaves the repository; use a relative path without `..`")]
    PathOutsideRepository { path: String },

    #[error("{path} does not parse: {message}")]
    Reference { path: String, message: String },

    #[error("cannot {action} {path}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write to {stream}")]
    Output {
        stream: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot start `{command}`")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },

    #[error("`{command}` failed ({status}): {stderr_tail}")]
    GitFailed {
        command: String,
        status: String,
        stderr_tail: String,
    },

    #[error(
        "{repo} is not a git repository, so the turn counter has nowhere to live; \
         set PEERS_SIM_STATE_DIR to a directory"
    )]
    NoStateDir { repo: PathBuf },

    #[error(
        "the turn counter {path} holds `{content}`, not a number; delete it to restart the script"
    )]
    BadCounter { path: PathBuf, content: String },

    #[error("reading the repository history")]
    DemoHistory(#[from] peers_git::GitError),

    #[error("the demo file {path} no longer contains `{anchor}`; the demo cannot edit it")]
    DemoAnchorMissing { path: PathBuf, anchor: String },

    #[error("{path} already exists; write the demo repository into an empty directory")]
    DemoFileExists { path: PathBuf },
}
