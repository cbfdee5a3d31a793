//! The Kubernetes backend at fleet scale: 200 runs, each with its run record, Job, running pod
//! and volume, on the project's fake API server (127.0.0.1). Times whole-process `list` and
//! `dashboard` (release build) and counts the requests each makes: one LIST per object kind,
//! whatever the number of runs. Run with `scripts/bench` or `cargo bench -p peers-ctl --bench
//! kube`; PEERS_BENCH_RUNS sets the sample count (default 40).
#![expect(
    clippy::expect_used,
    reason = "a benchmark harness: a failed setup step must stop it loudly"
)]

#[path = "../tests/ctl/fake_cluster.rs"]
#[expect(dead_code, reason = "the benchmark uses part of the test fake")]
mod fake_cluster;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_cluster::FakeCluster;
use serde_json::json;

const CTL: &str = env!("CARGO_BIN_EXE_peers-ctl");
const RUNS: usize = 200;
const NS: &str = "/api/v1/namespaces/peers";

fn fixture(root: &Path, fake: &FakeCluster) {
    fake.kubeconfig(&root.join("home"));
    let mut projects = Vec::new();
    for i in 0..RUNS {
        let run = format!("p{i:03}");
        let dir = root.join("projects").join(&run);
        std::fs::create_dir_all(&dir).expect("project dir");
        projects.push(json!({
            "name": run, "path": dir, "added_at": "2026-12-07T10:00:00Z", "state": "running",
            "backend": {"kind": "kubernetes", "context": "fake", "namespace": "peers",
                        "image": "localhost/peers:latest", "proxy_command": ["peers", "proxy"],
                        "storage_size": "5Gi", "generation": 1}
        }));
        let labels = |role: &str| {
            json!({"app.kubernetes.io/managed-by": "peers-ctl", "peers.dev/run": run,
                   "peers.dev/role": role, "peers.dev/generation": "1"})
        };
        let meta = |name: String, role: &str| json!({"name": name, "namespace": "peers", "labels": labels(role)});
        fake.put(
            &format!("{NS}/configmaps"),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": meta(format!("peers-{run}"), "anchor"),
            "data": {"spec.json": "{}"}}),
        );
        fake.put(
            &format!("{NS}/persistentvolumeclaims"),
            json!({"apiVersion": "v1",
            "kind": "PersistentVolumeClaim", "metadata": meta(format!("peers-{run}-work"), "work"),
            "status": {"phase": "Bound"}}),
        );
        fake.put(
            "/apis/batch/v1/namespaces/peers/jobs",
            json!({"apiVersion": "batch/v1",
            "kind": "Job", "metadata": meta(format!("peers-{run}-1"), "session"),
            "spec": {"template": {"spec": {"containers": []}}}, "status": {"active": 1}}),
        );
        fake.put(
            &format!("{NS}/pods"),
            json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": meta(format!("peers-{run}-1-x"), "run"), "spec": {"containers": []},
            "status": {"phase": "Running"}}),
        );
    }
    let config = root.join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(
        config.join("registry.json"),
        serde_json::to_vec(&json!({"version": 1, "projects": projects})).expect("json"),
    )
    .expect("registry");
}

fn sample(root: &Path, args: &[&str], runs: usize) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            let output = Command::new(CTL)
                .args(args)
                .env("HOME", root.join("home"))
                .env_remove("KUBECONFIG")
                .env("PEERS_CTL_CONFIG_DIR", root.join("config"))
                .env("PEERS_PROJECTS_ROOT", root.join("projects"))
                .stderr(Stdio::inherit())
                .output()
                .expect("spawn");
            let elapsed = started.elapsed();
            assert!(output.status.success(), "peers-ctl {args:?}");
            let text = String::from_utf8_lossy(&output.stdout);
            assert_eq!(
                text.matches("\"running\"").count(),
                RUNS,
                "every run read as running"
            );
            elapsed
        })
        .collect()
}

fn report(name: &str, mut samples: Vec<Duration>, requests: f64, goal_ms: f64) -> bool {
    samples.sort();
    let ms = |i: usize| samples[i.min(samples.len() - 1)].as_secs_f64() * 1000.0;
    let median = ms(samples.len() / 2);
    let ok = median <= goal_ms && (requests - 4.0).abs() < f64::EPSILON;
    println!(
        "{name:<44} median {median:7.2} ms  p10 {:7.2}  p90 {:7.2}  goal ≤ {goal_ms} ms; {requests} requests (goal 4: one LIST per kind)  {}",
        ms(samples.len() / 10),
        ms(samples.len() * 9 / 10),
        if ok { "ok" } else { "MISSED" }
    );
    ok
}

fn main() {
    let runs: usize = std::env::var("PEERS_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let fake = FakeCluster::start();
    let root = tempfile::tempdir().expect("tempdir");
    fixture(root.path(), &fake);
    sample(root.path(), &["list", "--json"], 3);
    let mut ok = true;
    for (name, args) in [
        ("peers-ctl list (200 Kubernetes runs)", ["list", "--json"]),
        (
            "peers-ctl dashboard (200 Kubernetes runs)",
            ["dashboard", "--json"],
        ),
    ] {
        let before = fake.seen().len();
        let samples = sample(root.path(), &args, runs);
        let requests = (fake.seen().len() - before) as f64 / runs as f64;
        ok &= report(name, samples, requests, 50.0);
    }
    if !ok {
        std::process::exit(1);
    }
}
