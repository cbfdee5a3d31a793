//! `ReadError`: why a project's records (the run log, git history, the diff) could not be read;
//! the pages show its Display as a notice.

use std::path::PathBuf;

use peers_git::GitError;
use peers_store::error::StoreError;

/// Why a record of one project could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The run log could not be read (peers-store's error, shown as it says it).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A git call on the repository failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// The diff page needs the baseline tag, and the repository has none.
    #[error(
        "no `{tag}` tag in {}\nhint: `peers init` tags the baseline; `peers init-baseline` sets it again",
        path.display()
    )]
    NoBaseline { tag: &'static str, path: PathBuf },
}
