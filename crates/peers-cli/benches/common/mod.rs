//! What every benchmark of `peers` shares: a hermetic command (no inherited environment but
//! PATH, a private HOME, a fixed git identity, no system git config, silent) and a step that
//! must succeed. Included by each bench with `#[path = "common/mod.rs"] mod common;`.

use std::path::Path;
use std::process::{Command, Stdio};

/// `program` in `dir` with a hermetic environment and every stream silenced.
pub fn command(program: &str, dir: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.invalid")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.invalid")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// Runs a setup step that must succeed; a failure stops the benchmark with the command.
#[allow(dead_code, reason = "not every benchmark has setup steps")]
pub fn ok(mut cmd: Command) {
    let status = cmd.status().expect("spawn");
    assert!(status.success(), "{cmd:?}: {status}");
}
