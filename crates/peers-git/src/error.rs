//! `GitError`: every way a git call can fail, carrying what the user needs to act on it.

use std::path::PathBuf;

/// One enum for the crate. Variants that come from a git run carry the command line, the
/// exit status and the tail of stderr, so the top-level printer can show them verbatim.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("git is not installed or not on PATH")]
    GitNotFound {
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not inside a git repository", path.display())]
    NotARepository { path: PathBuf },
    #[error("directory {} does not exist", path.display())]
    NoSuchDirectory { path: PathBuf },
    #[error("could not run `{command}`")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    /// `stderr_tail` is the end of stderr, or of stdout when git wrote nothing to stderr.
    #[error("`{command}` failed ({status}): {stderr_tail}")]
    Failed {
        command: String,
        status: String,
        stderr_tail: String,
    },
    #[error("`{command}` printed output peers cannot read: {detail}")]
    UnexpectedOutput { command: String, detail: String },
    #[error("refusing to pass `{value}` to git as a {what}: it would be read as an option")]
    LooksLikeOption { what: &'static str, value: String },
    #[error("could not read {} for the worktree fingerprint", path.display())]
    ReadWorktree {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl GitError {
    /// How to fix it, for the `hint:` line the CLI prints under the error.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            GitError::GitNotFound { .. } => Some("install git and make sure it is on PATH"),
            GitError::NotARepository { .. } => Some("run `git init` first"),
            GitError::LooksLikeOption { .. } => Some("names and revisions must not start with `-`"),
            _ => None,
        }
    }
}
