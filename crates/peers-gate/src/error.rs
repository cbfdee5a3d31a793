//! `GateSetupError`: why the gates could not be set up to judge a commit (a `pass_when` that does
//! not parse, the scratch tree that cannot be prepared). A gate that runs and fails is a verdict,
//! not an error.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum GateSetupError {
    #[error("pass_when `{expression}`: column {column}: {message}")]
    PassWhen {
        expression: String,
        column: usize,
        message: String,
    },

    #[error(transparent)]
    Store(#[from] peers_store::error::StoreError),

    #[error(transparent)]
    Git(#[from] peers_git::GitError),

    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl GateSetupError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// A short stable label for `last-stop-reason.txt` (`error:<label>`); the same labels the
    /// loop used before the gate wiring moved here.
    pub fn label(&self) -> &'static str {
        match self {
            Self::PassWhen { .. } => "pass-when",
            Self::Store(_) => "store",
            Self::Git(_) => "git",
            Self::Io { .. } => "io",
        }
    }
}
