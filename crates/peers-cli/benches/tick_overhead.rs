//! Orchestrator overhead per tick: `peers run --max-ticks 20 --sandbox none` with instant
//! scripted peers and five trivial gates, minus the peers' own time (the supervisor's per-tick
//! `duration_ms`), plus the peak RSS of the run; the median of three runs. Then the same run with
//! the default native sandbox, and the cost per tick of confining each turn (namespaces,
//! hand-over, proxies). The unconfined runs come first: after a native run the kernel goes on
//! tearing down its namespaces for a while, which slows whatever runs next.
//! Run with `scripts/bench`.
#![expect(
    clippy::expect_used,
    reason = "a benchmark harness: a failed setup step must stop it loudly"
)]

#[path = "common/mod.rs"]
mod common;

use common::{command, ok};
use std::path::Path;
use std::time::Instant;

const PEERS: &str = env!("CARGO_BIN_EXE_peers");
const TICKS: u64 = 20;

fn setup(root: &Path, home: &Path) -> std::path::PathBuf {
    let repo = root.join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    let git = |args: &[&str]| {
        let mut c = command("git", &repo, home);
        c.args(args);
        ok(c);
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README.md"), "bench\n").expect("write");
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "initial"]);
    let mut init = command(PEERS, &repo, home);
    init.arg("init");
    ok(init);
    let script = root.join("peer.json");
    std::fs::write(
        &script,
        r#"{"turns": [[{"append_file": {"path": "{peer}.txt", "content": "x\n"}}, {"git_commit": {"message": "Work\n\n## Self-Review\nChecked the one-line change and nothing else moved.\n\nPeer: {peer}\nPeer-Status: handoff\nSelf-Review: pass"}}]]}"#,
    )
    .expect("script");
    let mut config = String::from("peers:\n");
    for name in ["alice", "bob"] {
        config.push_str(&format!(
            "  - {{name: {name}, tool: sim, argv: ['{PEERS}', 'sim-agent', '--script', '{}'], prompt_mode: stdin}}\n",
            script.display()
        ));
    }
    config.push_str("goals:\n  convergence_n: 1000\nbudget:\n  max_iterations: 100000\n");
    std::fs::write(repo.join(".peers/config.yaml"), config).expect("config");
    let mut goals = String::from("goals:\n");
    for i in 1..=5 {
        goals.push_str(&format!(
            "  - {{id: g{i}, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}}\n"
        ));
    }
    std::fs::write(repo.join(".peers/goals.yaml"), goals).expect("goals");
    let mut accept = command(PEERS, &repo, home);
    accept.args(["goals", "accept"]);
    ok(accept);
    repo
}

/// VmHWM (the kernel's high-water mark of resident memory) of a live process, in KiB.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One run: (wall ms, peers' own ms, peak RSS KiB).
fn measure(sandbox: &str) -> (f64, f64, u64) {
    let temp = tempfile::tempdir().expect("tempdir");
    let home = temp.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let repo = setup(temp.path(), &home);
    let started = Instant::now();
    let mut run = command(PEERS, &repo, &home);
    run.args([
        "run",
        "--max-ticks",
        &TICKS.to_string(),
        "--without-recon",
        "--no-codemap",
        "--sandbox",
        sandbox,
    ]);
    let mut child = run.spawn().expect("spawn peers run");
    // VmHWM only grows, so the last sample before exit is the peak (to within one sample).
    let mut peak_kib = 0;
    let status = loop {
        if let Some(kib) = vm_hwm_kib(child.id()) {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    assert!(status.success(), "peers run failed: {status}");
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    let log = std::fs::read_to_string(repo.join(".peers/log/runs.jsonl")).expect("log");
    let mut peers_ms = 0.0;
    let mut ticks = 0u64;
    for line in log.lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("json");
        if value["event"] == "tick" {
            ticks += 1;
            peers_ms += value["duration_ms"].as_f64().unwrap_or(0.0);
        }
    }
    assert_eq!(ticks, TICKS, "the run did every tick");
    (wall_ms, peers_ms, peak_kib)
}

/// Runs of the unconfined loop; the median is the figure (one run swings by a few ms/tick).
const RUNS: usize = 3;

fn main() {
    let mut runs: Vec<(f64, f64, u64)> = (0..RUNS).map(|_| measure("none")).collect();
    let overhead_of = |(wall, peers, _): &(f64, f64, u64)| (wall - peers) / TICKS as f64;
    runs.sort_by(|a, b| overhead_of(a).total_cmp(&overhead_of(b)));
    let all: Vec<String> = runs
        .iter()
        .map(|r| format!("{:.1}", overhead_of(r)))
        .collect();
    let (wall_ms, peers_ms, _) = runs[RUNS / 2];
    let peak_kib = runs.iter().map(|r| r.2).max().unwrap_or(0);
    let overhead = overhead_of(&runs[RUNS / 2]);
    println!(
        "peers run --max-ticks {TICKS} (median of {RUNS}: {}): wall {wall_ms:.0} ms, peers' own time {peers_ms:.0} ms, orchestrator overhead {overhead:.1} ms/tick (goal ≤ 25 ms: {})",
        all.join(", "),
        if overhead <= 25.0 { "ok" } else { "OVER" }
    );
    let rss_mib = peak_kib as f64 / 1024.0;
    println!(
        "peak RSS of peers run (VmHWM sampled every 2 ms): {rss_mib:.1} MiB (goal ≤ 50 MiB: {})",
        if rss_mib <= 50.0 { "ok" } else { "OVER" }
    );
    let (native_ms, _, _) = measure("native");
    println!(
        "peers run --max-ticks {TICKS}: wall {native_ms:.0} ms with --sandbox native vs {wall_ms:.0} ms with none: {:.1} ms more per tick (reported)",
        (native_ms - wall_ms) / TICKS as f64
    );
}
