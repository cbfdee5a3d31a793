//! Whole-process timings of the `peers` binary (release build), as a user sees them:
//! `peers --help`, `peers status`, `peers init`, `peers verify` with five `true` gates, and
//! `peers doctor` (the preflight of `peers run`) with two CLIs whose `--version` is instant.
//! Prints the median, p10 and p90 of each. Run with `scripts/bench` or `cargo bench -p peers-cli`.
#![expect(
    clippy::expect_used,
    reason = "a benchmark harness: a failed setup step must stop it loudly"
)]

#[path = "common/mod.rs"]
mod common;

use common::command;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const PEERS: &str = env!("CARGO_BIN_EXE_peers");

const FIVE_TRUE: &str = "goals:\n  - {id: g1, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n  - {id: g2, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n  - {id: g3, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n  - {id: g4, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n  - {id: g5, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n";

fn run_ok(mut cmd: Command) -> Duration {
    let started = Instant::now();
    let status = cmd.status().expect("spawn");
    let elapsed = started.elapsed();
    assert!(status.success(), "{cmd:?} failed: {status}");
    elapsed
}

fn new_repo(root: &Path, name: &str, home: &Path) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    run_ok({
        let mut c = command("git", &dir, home);
        c.args(["init", "-q", "-b", "main"]);
        c
    });
    std::fs::write(dir.join("README.md"), "bench\n").expect("write");
    run_ok({
        let mut c = command("git", &dir, home);
        c.args(["add", "README.md"]);
        c
    });
    run_ok({
        let mut c = command("git", &dir, home);
        c.args(["commit", "-q", "-m", "initial"]);
        c
    });
    dir
}

fn peers(dir: &Path, home: &Path, args: &[&str]) -> Command {
    let mut c = command(PEERS, dir, home);
    c.args(args);
    c
}

fn report(name: &str, mut samples: Vec<Duration>, goal_ms: f64) {
    samples.sort();
    let pick =
        |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0;
    let median = pick(0.5);
    let verdict = if median <= goal_ms { "ok" } else { "OVER" };
    println!(
        "{name:<32} median {median:7.2} ms   p10 {:7.2}   p90 {:7.2}   (n={}, goal ≤ {goal_ms} ms: {verdict})",
        pick(0.1),
        pick(0.9),
        samples.len()
    );
}

fn main() {
    let temp = tempfile::tempdir().expect("tempdir");
    let home = temp.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let runs = std::env::var("PEERS_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40usize);

    let baseline: Vec<_> = (0..runs)
        .map(|_| run_ok(command("true", temp.path(), &home)))
        .collect();
    report("(spawn of /bin/true, for scale)", baseline, f64::INFINITY);

    let help: Vec<_> = (0..runs)
        .map(|_| run_ok(peers(temp.path(), &home, &["--help"])))
        .collect();
    report("peers --help", help, 10.0);

    let repo = new_repo(temp.path(), "status", &home);
    run_ok(peers(&repo, &home, &["init"]));
    let status: Vec<_> = (0..runs)
        .map(|_| run_ok(peers(&repo, &home, &["status"])))
        .collect();
    report("peers status", status, 10.0);

    let init: Vec<_> = (0..runs)
        .map(|i| {
            let repo = new_repo(temp.path(), &format!("init-{i}"), &home);
            run_ok(peers(&repo, &home, &["init"]))
        })
        .collect();
    report("peers init", init, 60.0);

    let repo = new_repo(temp.path(), "verify", &home);
    run_ok(peers(&repo, &home, &["init"]));
    std::fs::write(repo.join(".peers/goals.yaml"), FIVE_TRUE).expect("goals");
    run_ok(peers(&repo, &home, &["goals", "accept"]));
    let verify: Vec<_> = (0..runs)
        .map(|_| run_ok(peers(&repo, &home, &["verify"])))
        .collect();
    report("peers verify (5 `true` gates)", verify, 25.0);

    // The preflight's own time: CLIs that answer --version at once, so what is measured is
    // peers (PATH lookups, credentials, gate tools, git status, the baseline), not the CLIs.
    let bin = temp.path().join("fake-clis");
    std::fs::create_dir_all(&bin).expect("bin");
    for name in ["claude", "codex"] {
        let path = bin.join(name);
        std::fs::write(&path, "#!/bin/sh\necho 0.0.0\n").expect("fake cli");
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let doctor: Vec<_> = (0..runs)
        .map(|_| {
            let mut cmd = peers(&repo, &home, &["doctor"]);
            cmd.env("PATH", &path);
            run_ok(cmd)
        })
        .collect();
    report("peers doctor (2 instant CLIs)", doctor, 1000.0);
}
