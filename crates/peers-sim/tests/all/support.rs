//! Shared test support: hermetic repositories (peers-testkit) and running the sim binary.

use std::path::Path;
use std::process::{Command, Output, Stdio};

pub const AGENT: &str = env!("CARGO_BIN_EXE_peers-sim-agent");

pub use peers_testkit::git;

/// A repository on `main` holding whatever `fill` writes, committed by the fixture identity.
pub fn repo_with(fill: impl FnOnce(&Path)) -> tempfile::TempDir {
    let repo = peers_testkit::TestRepo::new();
    fill(repo.path());
    repo.commit_all("initial");
    repo.into_temp_dir()
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
