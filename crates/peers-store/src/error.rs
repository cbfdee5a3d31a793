//! `StoreError`: every way reading or writing `.peers/` can fail, each naming the path and
//! saying what to do about it.

use std::io;
use std::path::PathBuf;

use peers_core::state::StateError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{} is a symlink; peers refuses to follow symlinks for control files. Replace it with a regular file.",
        path.display()
    )]
    Symlink { path: PathBuf },

    #[error(
        "{} is a {kind}, not a regular file; peers only reads and writes regular files here. Remove it.",
        path.display()
    )]
    NotRegular { path: PathBuf, kind: &'static str },

    #[error(
        "{} is a {kind}, not a directory; move it away so peers can create the directory.",
        path.display()
    )]
    NotADirectory { path: PathBuf, kind: &'static str },

    #[error(
        "{} has {links} hard links; peers refuses hard-linked control files. Replace it with a private copy (cp it, then mv the copy over it).",
        path.display()
    )]
    HardLinked { path: PathBuf, links: u64 },

    #[error(
        "{} is larger than the {cap}-byte limit; shrink it or move it aside.",
        path.display()
    )]
    TooLarge { path: PathBuf, cap: u64 },

    #[error(
        "`{relative}` cannot be read from the repository: {reason}. Use a relative path inside the repository without `.` or `..` components."
    )]
    UnsafeRepoPath {
        relative: String,
        reason: &'static str,
    },

    #[error(
        "{} is not a peers directory; run `peers init` in the repository first.",
        path.display()
    )]
    NotInitialized { path: PathBuf },

    #[error(
        "{}:{line}:{column}: invalid JSON ({message}); fix the file, or move it aside to start from a fresh state.",
        path.display()
    )]
    StateSyntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("{}: {source}", path.display())]
    State {
        path: PathBuf,
        #[source]
        source: StateError,
    },

    #[error(
        "{} does not start with a sha256 hex digest; rewrite it with the digest of goals.yaml.",
        path.display()
    )]
    MalformedHashFile { path: PathBuf },

    #[error("a run log record must be a JSON object, got: {found}")]
    RecordNotObject { found: String },

    #[error("another peers run holds {}{}; wait for it to finish or stop it first.",
        path.display(),
        pid.map(|pid| format!(" (pid {pid})")).unwrap_or_default()
    )]
    LockHeld { pid: Option<u32>, path: PathBuf },

    /// The frozen contract of the implement mode is missing, altered or cannot be signed; the
    /// message says which file or entry and what to do.
    #[error("{message}")]
    Contract { message: String },

    #[error("cannot {action} {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl StoreError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// True when the failure is only that the file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }
}
