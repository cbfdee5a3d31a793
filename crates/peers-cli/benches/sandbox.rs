//! Start-up overhead of the sandbox per command: `true` run through peers_process directly vs
//! confined by peers_sandbox (the release `peers __sandbox-exec` helper) and in a podman
//! container (`peers __podman-exec`, local root, every hardening flag, container removed).
//! Prints the medians and the native difference against the goal (≤ 10 ms); podman's is
//! reported (no goal). Each part skips, saying why, where it cannot run. Run with `scripts/bench` or `cargo bench -p peers-cli --bench sandbox`.
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
    let runs = std::env::var("PEERS_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40usize);
    native(runs);
    podman(runs.min(10));
}

fn podman(runs: usize) {
    let temp = tempfile::tempdir().expect("tempdir");
    let conf = temp.path().join("containers.conf");
    let mut text = String::from("[containers]\ndefault_ulimits = []\n[engine]\n");
    if Path::new("/usr/sbin/runc").exists() {
        text.push_str("runtime = \"runc\"\n");
    }
    if !Path::new("/run/systemd/system").exists() {
        text.push_str("cgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n");
    }
    std::fs::write(&conf, text).expect("containers.conf");
    let mut podman =
        peers_sandbox::Podman::new(peers_sandbox::Root::Local(temp.path().join("rootfs")));
    podman.containers_conf = Some(conf);
    let probe = peers_sandbox::probe_podman(&podman, Path::new(PEERS));
    if let Some(reason) = probe
        .version
        .as_ref()
        .err()
        .or(probe.container.as_ref().err())
    {
        println!("podman start-up: skipped, podman cannot run a container here: {reason}");
        return;
    }
    let repo = temp.path().join("repo");
    std::fs::create_dir_all(repo.join(".git/hooks")).expect("repo");
    std::fs::write(repo.join(".git/config"), "").expect("config");
    let policy = Policy::new(&repo, temp.path().join("scratch"), temp.path().join("home"));
    let mut direct = CommandSpec::new("/bin/true", &repo);
    direct.env = vec![("PATH".into(), "/usr/bin:/bin".into())];
    let confined = peers_sandbox::confine_podman(&direct, &policy, &podman, Path::new(PEERS))
        .expect("confine");
    time(&confined, 2);
    let direct_ms = median(time(&direct, runs));
    let confined_ms = median(time(&confined, runs));
    println!("podman `true`                    median {confined_ms:7.2} ms (n={runs})");
    println!(
        "podman start-up overhead         {:7.2} ms   (reported; one container per turn)",
        confined_ms - direct_ms
    );
}

fn native(runs: usize) {
    let probe = peers_sandbox::probe(Path::new(PEERS));
    if let Err(reason) = &probe.sandbox {
        println!("sandbox start-up: skipped, the native sandbox cannot be built here: {reason}");
        return;
    }
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
