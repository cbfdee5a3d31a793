//! Hostile input through the release binary, with the goals of issue 17: a commit filing
//! 40,000 Bug-Reports (`peers bugs summary` ≤ 1 s), 80 commits of 500 reports each (the read
//! is linear), a built-in gate whose tool hangs with `timeout_s: 2` (ends within 3 s), and a
//! counted-repetition `pass_when` over 200 KB of output (refused, or judged within the
//! gate's timeout). Run with `scripts/bench` or `cargo bench -p peers-cli --bench robustness`.
#![expect(
    clippy::expect_used,
    reason = "a benchmark harness: a failed setup step must stop it loudly"
)]

#[path = "common/mod.rs"]
mod common;

use common::command;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PEERS: &str = env!("CARGO_BIN_EXE_peers");

/// Runs to completion and returns the wall time; the exit code is not judged here.
fn timed(cmd: &mut Command) -> Duration {
    let started = Instant::now();
    cmd.status().expect("spawn");
    started.elapsed()
}

fn git(dir: &Path, home: &Path, args: &[&str]) {
    let status = command("git", dir, home).args(args).status().expect("git");
    assert!(status.success(), "git {args:?}");
}

fn project(root: &Path, name: &str, home: &Path) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    git(&dir, home, &["init", "-q", "-b", "main"]);
    git(
        &dir,
        home,
        &["commit", "-q", "--allow-empty", "-m", "initial"],
    );
    let status = command(PEERS, &dir, home)
        .arg("init")
        .status()
        .expect("init");
    assert!(status.success());
    git(&dir, home, &["add", "-A"]);
    git(
        &dir,
        home,
        &["commit", "-q", "--allow-empty", "-m", "peers init"],
    );
    dir
}

/// A commit filing `count` reports `BUG-<first>`…, bodies first, then the trailers.
fn file_reports(dir: &Path, home: &Path, first: usize, count: usize) {
    let mut message = String::from("Reports\n\n## Bug-Report\n");
    for i in first..first + count {
        message.push_str(&format!(
            "{{\"id\":\"BUG-{i}\",\"severity\":\"low\",\"description\":\"report {i}\"}}\n"
        ));
    }
    message.push_str("\nPeer: bench\n");
    for i in first..first + count {
        message.push_str(&format!("Bug-Report: BUG-{i}\n"));
    }
    let mut child = command("git", dir, home)
        .args(["commit", "-q", "--allow-empty", "-F", "-"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("git commit");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(message.as_bytes())
        .expect("write");
    assert!(child.wait().expect("wait").success());
}

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

fn line(name: &str, ms: f64, goal_ms: f64) {
    let verdict = if ms <= goal_ms { "ok" } else { "OVER" };
    println!("{name:<58} median {ms:8.1} ms   (goal ≤ {goal_ms} ms: {verdict})");
}

fn main() {
    let temp = tempfile::tempdir().expect("tempdir");
    let home = temp.path().join("home");
    std::fs::create_dir_all(&home).expect("home");

    let flood = project(temp.path(), "flood", &home);
    file_reports(&flood, &home, 0, 40_000);
    let summary: Vec<_> = (0..5)
        .map(|_| timed(command(PEERS, &flood, &home).args(["bugs", "summary"])))
        .collect();
    line(
        "bugs summary, one commit with 40,000 Bug-Reports",
        median(summary),
        1000.0,
    );

    let spread = project(temp.path(), "spread", &home);
    for batch in 0..80 {
        file_reports(&spread, &home, batch * 500, 500);
    }
    let summary: Vec<_> = (0..5)
        .map(|_| timed(command(PEERS, &spread, &home).args(["bugs", "summary"])))
        .collect();
    line(
        "bugs summary, 80 commits × 500 Bug-Reports",
        median(summary),
        1000.0,
    );

    let hang = project(temp.path(), "hang", &home);
    std::fs::write(
        hang.join("package.json"),
        "{\"name\":\"app\",\"scripts\":{\"test\":\"sleep 60\"}}\n",
    )
    .expect("package.json");
    std::fs::write(
        hang.join(".peers/goals.yaml"),
        "goals:\n  - {id: tests, type: hard, builtin: tests-pass, timeout_s: 2}\n",
    )
    .expect("goals");
    git(&hang, &home, &["add", "-A"]);
    git(&hang, &home, &["commit", "-q", "-m", "hanging tests"]);
    let status = command(PEERS, &hang, &home)
        .args(["goals", "accept"])
        .status()
        .expect("accept");
    assert!(status.success());
    let verify: Vec<_> = (0..3)
        .map(|_| timed(command(PEERS, &hang, &home).arg("verify")))
        .collect();
    line(
        "verify, tests-pass whose tests hang, timeout_s: 2",
        median(verify),
        3000.0,
    );

    let regex = project(temp.path(), "regex", &home);
    std::fs::write(
        regex.join(".peers/goals.yaml"),
        "goals:\n  - {id: r, type: hard, cmd: \"head -c 200000 /dev/zero | tr '\\\\0' a\", timeout_s: 5, pass_when: \"regex(r'(a{1,20}){1,40}$', stdout) is not None\"}\n",
    )
    .expect("goals");
    let status = command(PEERS, &regex, &home)
        .args(["goals", "accept"])
        .status()
        .expect("accept");
    assert!(status.success(), "the pattern is under the size limit");
    let verify: Vec<_> = (0..3)
        .map(|_| timed(command(PEERS, &regex, &home).arg("verify")))
        .collect();
    line(
        "verify, (a{1,20}){1,40}$ over 200 KB, timeout_s: 5",
        median(verify),
        6000.0,
    );
}
