//! Shared test support: hermetic repositories and running the sim binary.

use std::path::Path;
use std::process::{Command, Output, Stdio};

pub const AGENT: &str = env!("CARGO_BIN_EXE_peers-sim-agent");

/// Run git hermetically in `dir` (no global or system config) and return stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "setup")
        .env("GIT_AUTHOR_EMAIL", "setup@peers.local")
        .env("GIT_COMMITTER_NAME", "setup")
        .env("GIT_COMMITTER_EMAIL", "setup@peers.local")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A repository on `main` holding whatever `fill` writes, committed by `setup`.
pub fn repo_with(fill: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "--quiet", "--initial-branch=main"]);
    fill(dir.path());
    git(dir.path(), &["add", "--all"]);
    git(dir.path(), &["commit", "--quiet", "-m", "initial"]);
    dir
}

pub fn repo() -> tempfile::TempDir {
    repo_with(|dir| std::fs::write(dir.join("README.md"), "test\n").unwrap())
}

/// Write `script` where git never sees it (inside `.git`) and return its path.
pub fn script_file(repo: &Path, script: &str) -> std::path::PathBuf {
    let path = repo.join(".git/sim-script.json");
    std::fs::write(&path, script).unwrap();
    path
}

/// The sim binary as `peer` in `repo`, stdin null, running `script` (JSON text).
pub fn agent(repo: &Path, peer: &str, script: &str) -> Command {
    let path = script_file(repo, script);
    let mut command = Command::new(AGENT);
    command
        .arg("--script")
        .arg(&path)
        .arg("the prompt")
        .current_dir(repo)
        .env("PEERS_PEER_NAME", peer)
        .env_remove("PEERS_SIM_STATE_DIR")
        .stdin(Stdio::null());
    command
}

pub fn run(command: &mut Command) -> Output {
    command.output().unwrap()
}
