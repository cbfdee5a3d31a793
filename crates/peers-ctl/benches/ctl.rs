//! Whole-process timings of `peers-ctl` (release build) over many registered projects, each
//! holding a finished 10-tick run (state.json, runs.jsonl with 10 tick records and the exit
//! record, last-stop-reason.txt): `list` and `dashboard` with 200 projects, `list` with 1,000.
//! Prints median, p10 and p90 against the goal. Then `dashboard --live` at a 1 s refresh over
//! the 200 idle projects in a pseudo-terminal: its CPU use over 10 s (goal ≤ 2 % of a core). Run with `scripts/bench` or
//! `cargo bench -p peers-ctl`; PEERS_BENCH_RUNS sets the sample count (default 40).
#![expect(
    clippy::expect_used,
    reason = "a benchmark harness: a failed setup step must stop it loudly"
)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const CTL: &str = env!("CARGO_BIN_EXE_peers-ctl");

fn state() -> Value {
    let peer = |name: &str| {
        json!({"consecutive_fails": 0, "last_run": null, "recent_fails": 0.0,
               "recent_runs": [true, true, true, true, true], "state": "healthy", "name": name})
    };
    let history: Vec<Value> = (1..=10)
        .map(|i| json!({"iteration": i, "notes": "Read the diff and the tests; every path is covered and nothing blocking is open.", "pass": true, "reviewer": "bob", "sha": "63d796d368179d9b8d0642914d112aa00f00ba11"}))
        .collect();
    json!({
        "schema_version": 2, "iteration": 10, "turn_index": 10, "consecutive_clean_ticks": 3,
        "budget": {"consecutive_failures": 0, "max_consecutive_failures": 5, "max_iterations": 200,
                   "max_runtime_s": 21600, "max_tokens": null, "max_usd": 5.0, "max_usd_mode": "auto",
                   "spent_iterations": 10, "spent_runtime_s": 812.5, "spent_tokens": 1_250_000, "spent_usd": 3.41},
        "goals_status": {
            "tests-pass": {"state": "pass", "diagnostic": "pass_when returned true; exit_code=0", "duration_ms": 3200},
            "no-prior-regression": {"state": "pass", "diagnostic": "no test that passed at the baseline fails", "duration_ms": 4100},
            "coverage-holds": {"state": "pass", "diagnostic": "line coverage 81.2% ≥ baseline 80.9%", "duration_ms": 9100},
            "self-review-on-handoff": {"state": "pass", "diagnostic": "self-review: handoff 0fba8d8 has a section", "duration_ms": 4},
            "bug-hunt-clean": {"state": "pass", "diagnostic": "bug-hunt: 0 blocking open (crit=0 high=0 med=0 low=1 info=0); 4 total reported, 3 fixed, 0 deferred, 3 have reproduce-tests", "duration_ms": 2}
        },
        "peer_order": ["alice", "bob"],
        "peers": {"alice": peer("alice"), "bob": peer("bob")},
        "soft_status": {"bug-hunt-round-1": {"consensus_count": 3, "history": history.clone()},
                        "test-coverage-3-class": {"consensus_count": 3, "history": history}},
        "skeptic": {"at_iteration": 10, "phase": "passed"},
        "warnings": [], "warnings_history": []
    })
}

fn tick(i: u64) -> Value {
    json!({"v": 1, "event": "tick", "ts": format!("2026-12-07T05:{i:02}:09Z"), "iteration": i,
           "peer": if i % 2 == 1 { "alice" } else { "bob" }, "tool": "claude", "classification": "success",
           "exit_code": 0, "duration_ms": 81_250, "success": true, "skeptic": i == 10,
           "tokens_this_tick": 125_000, "usd_this_tick": 0.341, "spent_usd_total": 0.341 * i as f64,
           "head_before": "1344da10c3c8ab50c195bab63bd363a354131f2d", "head_after": "0fba8d8e20b1b422171a9f2b6507b88324e4e1ca",
           "stdout_tail": "ran the test suite: 214 passed, 0 failed\n".repeat(20), "stderr_tail": "",
           "gates": {"hard": {"tests-pass": "pass", "bug-hunt-clean": "pass"}, "soft": {"bug-hunt-round-1": "passed"}}})
}

/// `count` projects with finished runs, registered (already reconciled: stopped).
fn fixture(root: &Path, count: usize) {
    let state = serde_json::to_vec_pretty(&state()).expect("json");
    let mut runs = String::new();
    for i in 1..=10 {
        runs.push_str(&tick(i).to_string());
        runs.push('\n');
    }
    runs.push_str("{\"v\":1,\"event\":\"exit\",\"ts\":\"2026-12-07T05:10:09Z\",\"reason\":\"complete\",\"ticks_in_run\":10,\"iteration\":10}\n");
    let mut projects = Vec::new();
    for n in 0..count {
        let repo = root.join("projects").join(format!("project-{n:04}"));
        std::fs::create_dir_all(repo.join(".peers/log")).expect("mkdir");
        std::fs::write(repo.join("README.md"), "# bench\n").expect("readme");
        std::fs::write(repo.join(".peers/config.yaml"), "peers: []\n").expect("config");
        std::fs::write(repo.join(".peers/state.json"), &state).expect("state");
        std::fs::write(repo.join(".peers/log/runs.jsonl"), &runs).expect("runs");
        std::fs::write(
            repo.join(".peers/last-stop-reason.txt"),
            "complete 2026-12-07T05:10:09Z\n",
        )
        .expect("stop");
        projects.push(json!({"name": format!("project-{n:04}"), "path": repo, "added_at": "2026-12-07T04:00:00Z",
                             "state": "stopped", "last_pid": 4242, "last_started_at": "2026-12-07T04:00:01Z",
                             "last_stopped_at": "2026-12-07T05:10:10Z"}));
    }
    let config = root.join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(
        config.join("registry.json"),
        serde_json::to_vec_pretty(&json!({"version": 1, "projects": projects})).expect("json"),
    )
    .expect("registry");
}

fn sample(root: &Path, args: &[&str], runs: usize) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            let status = Command::new(CTL)
                .args(args)
                .env("PEERS_CTL_CONFIG_DIR", root.join("config"))
                .env("PEERS_PROJECTS_ROOT", root.join("projects"))
                .stdout(Stdio::null())
                .status()
                .expect("spawn");
            let elapsed = started.elapsed();
            assert!(status.success(), "peers-ctl {args:?}: {status}");
            elapsed
        })
        .collect()
}

fn report(name: &str, mut samples: Vec<Duration>, goal_ms: f64) -> bool {
    samples.sort();
    let ms = |i: usize| samples[i.min(samples.len() - 1)].as_secs_f64() * 1000.0;
    let median = ms(samples.len() / 2);
    let ok = median <= goal_ms;
    println!(
        "{name:<40} median {median:7.2} ms  p10 {:7.2}  p90 {:7.2}  goal ≤ {goal_ms} ms  {}",
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
    let mut ok = true;
    let two_hundred = tempfile::tempdir().expect("tempdir");
    fixture(two_hundred.path(), 200);
    sample(two_hundred.path(), &["dashboard"], 3); // warm the page cache
    ok &= report(
        "peers-ctl list (200 projects)",
        sample(two_hundred.path(), &["list"], runs),
        20.0,
    );
    ok &= report(
        "peers-ctl dashboard (200 projects)",
        sample(two_hundred.path(), &["dashboard"], runs),
        50.0,
    );
    ok &= live_cpu(two_hundred.path());
    let thousand = tempfile::tempdir().expect("tempdir");
    fixture(thousand.path(), 1000);
    sample(thousand.path(), &["list"], 3);
    ok &= report(
        "peers-ctl list (1,000 projects)",
        sample(thousand.path(), &["list"], runs),
        100.0,
    );
    if !ok {
        std::process::exit(1);
    }
}

/// utime + stime of `pid` in clock ticks (USER_HZ, 100 on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let rest = text.rsplit_once(')').expect("stat format").1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3; utime and stime are fields 14 and 15.
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

fn live_cpu(root: &Path) -> bool {
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
    let mut child = Command::new(CTL)
        .args(["dashboard", "--live", "--refresh-s", "1"])
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
    std::thread::sleep(Duration::from_secs(2)); // start-up and the first full read
    let before = cpu_ticks(child.id());
    let window = Duration::from_secs(10);
    std::thread::sleep(window);
    let used = cpu_ticks(child.id()) - before;
    let _ = child.kill();
    let _ = child.wait();
    let percent = used as f64 / 100.0 / window.as_secs_f64() * 100.0;
    let ok = percent <= 2.0;
    println!(
        "{:<40} {percent:5.2} % of a core over 10 s at 1 s refresh  goal ≤ 2 %  {}",
        "peers-ctl dashboard --live (200 idle)",
        if ok { "ok" } else { "MISSED" }
    );
    ok
}
