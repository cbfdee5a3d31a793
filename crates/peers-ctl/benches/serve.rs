//! `peers-ctl serve` (release build) over 200 registered projects, each with a finished 10-tick
//! run, plus one project with a 1,000-tick run over 8 gates: the server time of the fleet page
//! (goal ≤ 50 ms) and of the 1,000-tick run page (goal ≤ 100 ms), read from the `Server-Timing`
//! header, median and p90 over PEERS_BENCH_RUNS requests (default 40); then the server's peak
//! resident memory (goal ≤ 50 MiB). Run with `scripts/bench` or `cargo bench -p peers-ctl --bench serve`.
#![expect(
    clippy::expect_used,
    reason = "a benchmark harness: a failed setup step must stop it loudly"
)]

#[path = "../tests/ctl/fleet_fixture.rs"]
mod fleet_fixture;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::json;

const CTL: &str = env!("CARGO_BIN_EXE_peers-ctl");
const TOKEN: &str = "bench-token-0123456789abcdef";
const GATES: [&str; 8] = [
    "builds",
    "tests-pass",
    "no-prior-regression",
    "coverage-holds",
    "lint-clean",
    "types-clean",
    "self-review-on-handoff",
    "bug-hunt-clean",
];

fn project(repo: &Path, ticks: u64) {
    let records: Vec<serde_json::Value> = (1..=ticks)
        .map(|i| {
            let gates: Vec<(&str, &str)> = GATES.iter().enumerate().map(|(g, id)| (*id, if (i + g as u64) % 5 == 0 { "fail" } else { "pass" })).collect();
            let peer = if i % 2 == 1 { "alice" } else { "bob" };
            let mut tick = fleet_fixture::tick(i, peer, i % 7 != 0, 12_000 + i, Some(0.03), &gates);
            tick["stdout_tail"] = json!("x".repeat(2000));
            tick
        })
        .chain(std::iter::once(json!({"v": 1, "event": "exit", "ts": "2026-01-01T01:00:00Z", "reason": "complete", "ticks_in_run": ticks, "iteration": ticks})))
        .collect();
    fleet_fixture::write_log(repo, &records);
    let gates: Vec<(&str, &str)> = GATES.iter().map(|id| (*id, "pass")).collect();
    fleet_fixture::write_state(repo, ticks, 0.03 * ticks as f64, &gates);
    std::fs::write(
        repo.join(".peers/last-stop-reason.txt"),
        "complete 2026-01-01T01:00:00Z\n",
    )
    .expect("stop");
}

fn server_ms(addr: &str, path: &str) -> f64 {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {TOKEN}\r\n\r\n").expect("write");
    let mut text = Vec::new();
    stream.read_to_end(&mut text).expect("read");
    let text = String::from_utf8_lossy(&text);
    assert!(
        text.starts_with("HTTP/1.1 200"),
        "{path}: {}",
        &text[..text.len().min(300)]
    );
    text.lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("server-timing: render;dur=")
                .map(str::to_owned)
        })
        .and_then(|v| v.trim().parse().ok())
        .expect("server-timing header")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn measure(addr: &str, label: &str, path: &str, runs: usize, goal_ms: f64) {
    server_ms(addr, path); // warm the page cache
    let mut times: Vec<f64> = (0..runs).map(|_| server_ms(addr, path)).collect();
    times.sort_by(f64::total_cmp);
    let median = percentile(&times, 0.5);
    println!(
        "{label:<34} median {median:7.2} ms  p10 {:7.2}  p90 {:7.2}  goal ≤ {goal_ms} ms  {}",
        percentile(&times, 0.1),
        percentile(&times, 0.9),
        if median <= goal_ms { "ok" } else { "MISSED" }
    );
}

fn main() {
    let runs: usize = std::env::var("PEERS_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let temp = tempfile::tempdir().expect("tempdir");
    let config = temp.path().join("config");
    std::fs::create_dir_all(&config).expect("config");
    let mut entries = Vec::new();
    for i in 0..200 {
        let repo = temp.path().join(format!("p{i:03}"));
        project(&repo, 10);
        entries.push(json!({"name": format!("p{i:03}"), "path": repo, "added_at": "2026-01-01T00:00:00Z", "state": "stopped"}));
    }
    let big = temp.path().join("big");
    project(&big, 1000);
    let mut with_big = entries.clone();
    with_big.push(
        json!({"name": "big", "path": big, "added_at": "2026-01-01T00:00:00Z", "state": "stopped"}),
    );
    let token_file = temp.path().join("token");
    std::fs::write(&token_file, TOKEN).expect("token");
    for (label, projects) in [
        ("200 projects", entries),
        ("200 projects + a 1,000-tick run", with_big),
    ] {
        std::fs::write(
            config.join("registry.json"),
            json!({"version": 1, "projects": projects}).to_string(),
        )
        .expect("registry");
        let mut child = Command::new(CTL)
            .args(["--config-dir"])
            .arg(&config)
            .args(["serve", "--listen", "127.0.0.1:0", "--token-file"])
            .arg(&token_file)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("ready");
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .expect("address")
            .to_owned();
        println!("== {label}");
        measure(&addr, "fleet page (200 projects)", "/", runs, 50.0);
        if label.contains("1,000") {
            measure(
                &addr,
                "run page (1,000 ticks, 8 gates)",
                "/p/big",
                runs,
                100.0,
            );
        }
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", child.id())).expect("status");
        let peak_kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .expect("VmHWM");
        let peak = peak_kib as f64 / 1024.0;
        println!(
            "{:<34} peak RSS {peak:6.1} MiB  goal ≤ 50 MiB  {}",
            "server memory",
            if peak <= 50.0 { "ok" } else { "MISSED" }
        );
        let _ = child.kill();
        let _ = child.wait();
    }
}
