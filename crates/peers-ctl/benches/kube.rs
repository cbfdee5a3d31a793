//! The Kubernetes backend at fleet scale: 200 runs, each with its run record, Job, running pod
//! and volume, on the project's fake API server (127.0.0.1). Times whole-process `list` and
//! `dashboard` (release build) and counts the requests each makes: one LIST per object kind,
//! whatever the number of runs. Then `dashboard --live` in a pseudo-terminal at a 50 ms refresh
//! while pods change phase (one every 50 ms, through the fake's watch streams): each refresh's
//! duration as the dashboard records it (`--timings`), goal ≤ 50 ms, and its requests, goal
//! exactly one LIST and one WATCH per kind. Run with `scripts/bench` or `cargo bench -p
//! peers-ctl --bench kube`; PEERS_BENCH_RUNS sets the sample count (default 40).
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
    ok &= live(root.path(), &fake);
    if !ok {
        std::process::exit(1);
    }
}

/// How many refreshes the live case measures.
const FRAMES: u64 = 200;

/// `dashboard --live` over the 200 runs at a 50 ms refresh while pods flip between Running and
/// Pending; returns whether the refresh time and the request count meet their goals.
fn live(root: &Path, fake: &FakeCluster) -> bool {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("openpt");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let name = ptsname(&master, Vec::new()).expect("ptsname");
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().expect("utf-8"))
        .expect("slave");
    let mut size = rustix::termios::tcgetwinsize(&slave).expect("winsize");
    size.ws_col = 200;
    size.ws_row = 60;
    rustix::termios::tcsetwinsize(&slave, size).expect("set winsize");
    let timings = root.join("timings.txt");
    let before = fake.seen().len();
    let mut child = Command::new(CTL)
        .args(["dashboard", "--live", "--refresh-s", "0.05", "--frames"])
        .arg((FRAMES + 1).to_string())
        .arg("--timings")
        .arg(&timings)
        .env("HOME", root.join("home"))
        .env_remove("KUBECONFIG")
        .env("PEERS_CTL_CONFIG_DIR", root.join("config"))
        .env("PEERS_PROJECTS_ROOT", root.join("projects"))
        .env("TERM", "xterm")
        .stdin(Stdio::from(slave.try_clone().expect("clone")))
        .stdout(Stdio::from(slave.try_clone().expect("clone")))
        .stderr(Stdio::from(slave))
        .spawn()
        .expect("spawn");
    let mut reader = std::fs::File::from(master);
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while std::io::Read::read(&mut reader, &mut buf).is_ok_and(|n| n > 0) {}
    });
    // The kubelet's part: pods change phase while the dashboard watches.
    let pods = format!("{NS}/pods");
    let mut flips = 0usize;
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("dashboard --live did not draw {FRAMES} frames in 2 minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
        let i = flips % RUNS;
        let name = format!("peers-p{i:03}-1-x");
        let mut pod = fake
            .objects(&pods)
            .into_iter()
            .find(|p| p["metadata"]["name"] == name.as_str())
            .expect("pod");
        let phase = if (flips / RUNS) % 2 == 0 {
            "Pending"
        } else {
            "Running"
        };
        pod["status"]["phase"] = json!(phase);
        fake.put(&pods, pod);
        flips += 1;
    }
    let status = child.wait().expect("wait");
    assert!(status.success(), "dashboard --live: {status}");
    let seen = fake.seen();
    let mut per_kind = Vec::new();
    for kind in ["configmaps", "jobs", "pods", "persistentvolumeclaims"] {
        let reads: Vec<_> = seen[before..]
            .iter()
            .filter(|s| s.method == "GET" && s.path.ends_with(&format!("/{kind}")))
            .collect();
        let watches = reads.iter().filter(|s| s.is_watch()).count();
        per_kind.push((reads.len() - watches, watches));
    }
    let text = std::fs::read_to_string(&timings).expect("timings");
    let mut samples: Vec<Duration> = text
        .lines()
        .map(|l| Duration::from_micros(l.trim().parse().expect("microseconds")))
        .collect();
    assert_eq!(samples.len() as u64, FRAMES, "one timing per refresh");
    samples.sort();
    let ms = |i: usize| samples[i.min(samples.len() - 1)].as_secs_f64() * 1000.0;
    let (median, p90, max) = (
        ms(samples.len() / 2),
        ms(samples.len() * 9 / 10),
        ms(samples.len() - 1),
    );
    let one_each = per_kind.iter().all(|r| *r == (1, 1));
    let ok = p90 <= 50.0 && one_each;
    println!(
        "{:<44} refresh median {median:6.2} ms  p90 {p90:6.2}  max {max:6.2}  goal ≤ 50 ms; {flips} pod changes; (LIST, WATCH) per kind {per_kind:?} (goal (1, 1) each)  {}",
        "peers-ctl dashboard --live (200 Kubernetes runs)",
        if ok { "ok" } else { "MISSED" }
    );
    ok
}
