//! Start-up overhead of the native sandbox per command: `true` run through peers_process
//! directly vs confined by peers_sandbox (the release `peers __sandbox-exec` helper). Prints
//! both medians and the difference against the goal (≤ 10 ms). Skips, saying why, where the
//! kernel cannot build the sandbox. Run with `scripts/bench` or `cargo bench -p peers-cli --bench sandbox`.
#![expect(
    clippy::expect_used,
    reason = "a benchmark harness: a failed setup step must stop it loudly"
)]

use std::path::Path;
use std::time::Duration;

use peers_process::CommandSpec;
use peers_sandbox::Policy;

const PEERS: &str = env!("CARGO_BIN_EXE_peers");
const GOAL_MS: f64 = 10.0;

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

fn time(spec: &CommandSpec, runs: usize) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let outcome = peers_process::run(spec).expect("run");
            assert!(
                outcome.success(),
                "{:?} failed: {}",
                spec.program,
                outcome.stderr.to_string_lossy()
            );
            outcome.duration
        })
        .collect()
}

fn main() {
    let probe = peers_sandbox::probe(Path::new(PEERS));
    if let Err(reason) = &probe.sandbox {
        println!("sandbox start-up: skipped, the native sandbox cannot be built here: {reason}");
        return;
    }
    let runs = std::env::var("PEERS_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40usize);
    let temp = tempfile::tempdir().expect("tempdir");
    let repo = temp.path().join("repo");
    std::fs::create_dir_all(repo.join(".git/hooks")).expect("repo");
    std::fs::write(repo.join(".git/config"), "").expect("config");
    let policy = Policy::new(&repo, temp.path().join("scratch"), temp.path().join("home"));
    let mut direct = CommandSpec::new("/bin/true", &repo);
    direct.env = vec![("PATH".into(), "/usr/bin:/bin".into())];
    let confined = peers_sandbox::confine(&direct, &policy, Path::new(PEERS)).expect("confine");
    // Warm the page cache for both paths.
    time(&direct, 3);
    time(&confined, 3);
    let direct_ms = median(time(&direct, runs));
    let confined_ms = median(time(&confined, runs));
    let overhead = confined_ms - direct_ms;
    let verdict = if overhead <= GOAL_MS { "ok" } else { "OVER" };
    println!("direct `true`                    median {direct_ms:7.2} ms (n={runs})");
    println!("confined `true`                  median {confined_ms:7.2} ms (n={runs})");
    println!(
        "sandbox start-up overhead        {overhead:7.2} ms   (goal ≤ {GOAL_MS} ms: {verdict})"
    );
}
