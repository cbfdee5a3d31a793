//! The unit tests' starting repository: peers-testkit's hermetic repository with one commit
//! made the way a sim peer commits.

use crate::git::{PeerGit, Staging};
pub(crate) use peers_testkit::git;

/// A fresh repository on `main` with one commit (`README.md`) by `setup`.
pub(crate) fn init() -> tempfile::TempDir {
    let repo = peers_testkit::TestRepo::new();
    repo.write("README.md", "test\n");
    PeerGit::new(repo.path(), "setup")
        .commit("initial", Staging::All, false)
        .unwrap();
    repo.into_temp_dir()
}
