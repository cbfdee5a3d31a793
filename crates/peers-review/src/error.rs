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
