//! What re-judging a Rust project costs: `peers verify` with `cargo test` as the only gate on a
//! small crate, timed cold (first evaluation), again with nothing changed, and after a one-line
//! commit. The gates run in the scratch worktree, whose `target/` peers keeps warm. Set
//! `PEERS_BENCH_BIN` to time another build of peers (e.g. an older one) on the same project.
#![expect(
    clippy::expect_used,
    reason = "a benchmark harness: a failed setup step must stop it loudly"
)]

#[path = "common/mod.rs"]
mod common;

use common::ok;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn lib(body: &str) -> String {
    format!(
        "pub fn add(a: u64, b: u64) -> u64 {{\n    {body}\n}}\n\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn adds() {{\n        assert_eq!(super::add(2, 3), 5);\n    }}\n}}\n"
    )
}

fn main() {
    let peers =
        std::env::var("PEERS_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_peers").to_owned());
    let temp = tempfile::tempdir().expect("tempdir");
    let home = temp.path().join("home");
    let repo = temp.path().join("crate");
    std::fs::create_dir_all(repo.join("src")).expect("mkdir");
    std::fs::create_dir_all(&home).expect("home");
    let git = |args: &[&str]| {
        let mut c = command("git", &repo, &home);
        c.args(args);
        ok(c);
    };
    std::fs::write(
        repo.join("Cargo.toml"),
        "[package]\nname = \"bench-crate\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .expect("manifest");
    std::fs::write(repo.join(".gitignore"), "/target\n").expect("gitignore");
    std::fs::write(repo.join("src/lib.rs"), lib("a + b")).expect("lib");
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "initial"]);
    let mut init = command(&peers, &repo, &home);
    init.arg("init");
    ok(init);
    std::fs::write(
        repo.join(".peers/goals.yaml"),
        "goals:\n  - {id: tests, type: hard, cmd: 'cargo test -q --offline', pass_when: 'exit_code == 0', timeout_s: 600}\n",
    )
    .expect("goals");
    let mut accept = command(&peers, &repo, &home);
    accept.args(["goals", "accept"]);
    ok(accept);
    let verify = || {
        let started = Instant::now();
        let mut run = command(&peers, &repo, &home);
        run.arg("verify");
        ok(run);
        started.elapsed().as_secs_f64() * 1000.0
    };
    let cold = verify();
    let unchanged = verify();
    std::fs::write(repo.join("src/lib.rs"), lib("b + a")).expect("lib");
    git(&["commit", "-q", "-am", "one-line change"]);
    let changed = verify();
    println!(
        "peers verify, `cargo test` on a small crate: cold {cold:.0} ms, nothing changed {unchanged:.0} ms, after a one-line commit {changed:.0} ms"
    );
}

/// The shared hermetic command, plus the toolchain locations cargo needs to build the sample.
fn command(program: &str, dir: &Path, home: &Path) -> Command {
    let mut cmd = common::command(program, dir, home);
    for name in ["CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN"] {
        if let Some(value) = std::env::var_os(name) {
            cmd.env(name, value);
        }
    }
    cmd
}
