//! Integration tests for peers-git against hermetic temporary repositories.

mod remote_state;
mod repo;
#[expect(
    clippy::unwrap_used,
    reason = "fixture setup should panic loudly when the host cannot run git"
)]
mod support;
mod worktree;
