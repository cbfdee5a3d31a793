//! Test support shared by every crate's tests (a dev-dependency only, never shipped): the
//! hermetic git repository, the temporary `.peers/` fixture, process liveness helpers, the
//! "is this tool installed" check, and the workspace's own sources for cross-crate rules. It
//! depends on no other peers crate, so any crate's unit tests can use it without a dependency
//! cycle.
#![expect(
    clippy::expect_used,
    reason = "test support: a failed setup step must stop the test with its cause"
)]

mod peers_dir;
mod process;
mod repo;
mod source_tree;
mod tools;

pub use peers_dir::TempPeersDir;
pub use process::{group_alive, pid_alive, wait_gone, wait_until};
pub use repo::{
    AUTHOR_EMAIL, AUTHOR_NAME, COMMITTER_EMAIL, COMMITTER_NAME, DATE, TestRepo, git, git_with_home,
    hermetic_command,
};
pub use source_tree::{is_test_file, rust_files, workspace_crates};
pub use tools::{on_path, tool_or_skip};
