//! Hermetic git repositories for unit tests: no global or system config, fixed identity.

use std::path::Path;
use std::process::Command;

use crate::git::{PeerGit, Staging};

/// A fresh repository on `main` with one commit (`README.md`) by `setup`.
pub(crate) fn init() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "--quiet", "--initial-branch=main"]);
    std::fs::write(dir.path().join("README.md"), "test\n").unwrap();
    PeerGit::new(dir.path(), "setup")
        .commit("initial", Staging::All, false)
        .unwrap();
    dir
}

/// Run git hermetically in `dir` and return its stdout; panics on failure.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}
