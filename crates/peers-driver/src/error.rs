//! `DriverError`: why a run could not start or had to stop abnormally. Each variant carries what
//! the user needs to act; the CLI turns it into `error:`/`hint:` lines.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error("another peers run holds the lock{}", pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    LockHeld { pid: Option<u32> },

    #[error(
        "the working tree has uncommitted changes ({} path(s): {}); a run would stash them as a peer's",
        paths.len(),
        paths.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
    )]
    DirtyTree { paths: Vec<String> },

    /// The gates could not be set up (a `pass_when` that does not parse, the scratch tree).
    #[error(transparent)]
    Gate(#[from] peers_gate::error::GateSetupError),

    #[error("peer '{peer}' is in the turn order but not in config.yaml")]
    MissingPeer { peer: String },

    #[error("there is no commit to judge: the gates run on a checkout of HEAD, and HEAD is unborn")]
    NoCommitToJudge,

    #[error(transparent)]
    Store(#[from] peers_store::error::StoreError),

    #[error(transparent)]
    Git(#[from] peers_git::GitError),

    #[error("cannot start peer '{peer}': {source}")]
    Agent {
        peer: String,
        #[source]
        source: peers_agent::AgentError,
    },

    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl DriverError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// A short stable label for `last-stop-reason.txt` (`error:<label>`).
    pub fn label(&self) -> &'static str {
        match self {
            Self::LockHeld { .. } => "lock-held",
            Self::DirtyTree { .. } => "dirty-tree",
            Self::Gate(err) => err.label(),
            Self::MissingPeer { .. } => "missing-peer",
            Self::NoCommitToJudge => "no-commit",
            Self::Store(_) => "store",
            Self::Git(_) => "git",
            Self::Agent { .. } => "agent",
            Self::Io { .. } => "io",
        }
    }
}
