//! No orphans after a crash: after `kill -9` of `peers run` mid-turn, the resumed run stops
//! what the interrupted tick left running (a `setsid` job included) and names it, and never
//! signals a process that merely reuses a pid the in-flight record names.

use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

fn wait_for(check: impl FnMut() -> bool, limit: Duration) -> bool {
    peers_testkit::wait_until(limit, check)
}

/// `/proc/<pid>/stat`: (state, start time); `None` once the pid is gone.
fn proc_stat(pid: u32) -> Option<(String, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = text.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some((fields[0].to_owned(), fields[19].parse().ok()?))
}

/// Running (neither gone nor a zombie waiting for a parent that does not reap).
fn running(pid: u32) -> bool {
    proc_stat(pid).is_some_and(|(state, _)| state != "Z" && state != "X")
}

fn read_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn honest(file: &str) -> serde_json::Value {
    json!([{"append_file": {"path": file, "content": "{peer} was here\n"}}, {"git_commit": {"message": HANDOFF}}])
}

#[test]
fn kill_minus_nine_mid_turn_then_resume_stops_the_setsid_job_the_turn_left() {
    // Host-side detection and undo, as with `--sandbox none` (the sandbox refuses these inside the turn).
    let env = TestEnv::new();
    let job_pid = env.root().join("job.pid");
    let leaky = json!({"turns": [[
        {"spawn_background": {"command": format!("echo $$ > {}; exec sleep 300", job_pid.display())}},
        "hang"
    ], honest("a.txt")]});
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", leaky),
            ("bob", "sim", json!({"turns": [honest("b.txt")]})),
        ],
        SIMPLE_GOALS,
        "",
    );
    let mut child = env.spawn_peers(&repo, &["run", "--sandbox", "none"]);
    assert!(
        wait_for(|| read_pid(&job_pid).is_some(), Duration::from_secs(20)),
        "the turn started its background job"
    );
    let job = read_pid(&job_pid).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    std::thread::sleep(Duration::from_millis(200));
    assert!(running(job), "the setsid job outlived the crash");

    let out = env.peers(&repo, &["run", "--max-ticks", "1", "--sandbox", "none"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(
        wait_for(|| !running(job), Duration::from_secs(5)),
        "the resumed run stopped the job: {}",
        out.combined()
    );
    assert!(
        out.combined().contains(&format!("pid {job}: sleep 300")),
        "the terminal names it: {}",
        out.combined()
    );
    let first = &env.ticks(&repo)[0];
    assert_eq!(first["classification"], "interrupted");
    assert!(
        first["integrity"].to_string().contains("sleep 300"),
        "the record names it: {first}"
    );
    let report = env.peers(&repo, &["report", "--print"]);
    assert!(
        report.stdout.contains("stopped on resume"),
        "{}",
        report.stdout
    );
}

#[test]
fn a_recycled_pid_in_the_in_flight_record_is_never_signalled() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", json!({"turns": [honest("a.txt")]})),
            ("bob", "sim", json!({"turns": [honest("b.txt")]})),
        ],
        SIMPLE_GOALS,
        "",
    );
    assert_eq!(env.peers(&repo, &["run", "--max-ticks", "1"]).code, 0);
    // An unrelated process leading its own group and session, like a peer would.
    let mut bystander = std::process::Command::new("setsid")
        .args(["sleep", "300"])
        .spawn()
        .expect("sleep");
    let pid = bystander.id();
    let is_sleep = || {
        std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
            .unwrap_or_default()
            .starts_with("sleep")
    };
    assert!(
        wait_for(is_sleep, Duration::from_secs(5)),
        "setsid exec'd sleep"
    );
    let (_, start) = proc_stat(pid).unwrap();
    let fake_flight = |start: u64| {
        let mut state = env.state(&repo);
        let iteration = state["iteration"].as_u64().unwrap() + 1;
        state["loop"]["in_flight"] = json!({
            "iteration": iteration,
            "peer": "bob",
            "head_before": env.git(&repo, &["rev-parse", "HEAD"]).trim(),
            "started_at": "2026-01-01T00:00:00Z",
            "skeptic": false,
            "marker": "0000000000000000feedfacefeedface",
            "leader": {"pid": pid, "pgid": pid, "sid": pid, "start": start},
        });
        std::fs::write(repo.join(".peers/state.json"), state.to_string()).unwrap();
    };
    // Same pid, another start time: a recycled pid. It must survive the resume.
    fake_flight(start.saturating_sub(7));
    let out = env.peers(&repo, &["run", "--max-ticks", "1"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(
        running(pid),
        "a recycled pid was signalled: {}",
        out.combined()
    );
    assert!(
        !out.combined().contains("stopped on resume"),
        "{}",
        out.combined()
    );
    // The same record with the true start time names that process: then it is stopped.
    fake_flight(start);
    let out = env.peers(&repo, &["run", "--max-ticks", "1"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let stopped = wait_for(
        || bystander.try_wait().ok().flatten().is_some(),
        Duration::from_secs(5),
    );
    let _ = bystander.kill();
    let _ = bystander.wait();
    assert!(stopped, "the exact process was stopped: {}", out.combined());
}
