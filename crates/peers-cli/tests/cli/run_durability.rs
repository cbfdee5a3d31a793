//! Interrupts and crashes: SIGINT mid-tick ends gracefully (exit 130, state saved, lock freed,
//! exit record); `kill -9` at random points followed by resumes ends with a consistent record.

use std::time::Duration;

use serde_json::json;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

fn wait_for(check: impl FnMut() -> bool, limit: Duration) -> bool {
    peers_testkit::wait_until(limit, check)
}

#[test]
fn sigint_mid_tick_stops_gracefully() {
    let env = TestEnv::new();
    let hang = json!({"turns": [["hang"]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", hang.clone()), ("bob", "sim", hang)],
        SIMPLE_GOALS,
        "",
    );
    let mut child = env.spawn_peers(&repo, &["run"]);
    let prompt = repo.join(".peers/log/prompts/tick-00001-alice.txt");
    assert!(
        wait_for(|| prompt.exists(), Duration::from_secs(20)),
        "the tick started"
    );
    std::thread::sleep(Duration::from_millis(300));
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(env.last_stop(&repo), "interrupted");
    let records = env.records(&repo);
    assert_eq!(records.last().unwrap()["reason"], "interrupted");
    assert_eq!(records.iter().filter(|r| r["event"] == "tick").count(), 1);
    let out = env.peers(&repo, &["status", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["lock"]["state"], "free", "the lock was released");
    assert!(
        env.state(&repo)["loop"]["in_flight"].is_null(),
        "no tick left in flight"
    );
}

#[test]
fn kill_minus_nine_at_random_points_then_resume_keeps_a_consistent_record() {
    let env = TestEnv::new();
    let turn = json!([{"sleep": {"ms": 60}}, {"append_file": {"path": "{peer}.txt", "content": "x\n"}}, {"git_commit": {"message": HANDOFF}}]);
    let script = json!({"turns": [turn]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", script.clone()), ("bob", "sim", script)],
        SIMPLE_GOALS,
        "goals:\n  convergence_n: 4\n",
    );
    // Pseudo-random but reproducible kill delays.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..6 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_millis(50 + seed % 400);
        let mut child = env.spawn_peers(&repo, &["run", "--max-ticks", "20"]);
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
    }
    let out = env.peers(&repo, &["run", "--max-ticks", "30"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "complete");
    let ticks = env.ticks(&repo);
    let iterations: Vec<u64> = ticks
        .iter()
        .map(|t| t["iteration"].as_u64().unwrap())
        .collect();
    let expected: Vec<u64> = (1..=iterations.len() as u64).collect();
    assert_eq!(
        iterations, expected,
        "every tick recorded exactly once, in order"
    );
    let state = env.state(&repo);
    assert_eq!(
        state["iteration"].as_u64().unwrap(),
        iterations.len() as u64
    );
    assert_eq!(
        state["budget"]["spent_iterations"].as_u64().unwrap(),
        iterations.len() as u64
    );
    assert_eq!(env.peers(&repo, &["bugs", "gate"]).code, 0);
}

#[test]
fn a_git_lock_left_by_a_killed_turn_does_not_stop_the_resume() {
    let env = TestEnv::new();
    let honest = json!([{"append_file": {"path": "{peer}.txt", "content": "x\n"}}, {"git_commit": {"message": HANDOFF}}]);
    // The turn dies holding git's index and branch locks, as a git killed mid-commit leaves them.
    let killed_mid_write = json!([
        {"append_file": {"path": "{peer}.txt", "content": "half\n"}},
        {"write_file": {"path": ".git/index.lock", "content": ""}},
        {"write_file": {"path": ".git/refs/heads/main.lock", "content": ""}},
        "hang"
    ]);
    let repo = env.sim_project(
        "app",
        &[
            (
                "alice",
                "sim",
                json!({"turns": [killed_mid_write, honest.clone()]}),
            ),
            ("bob", "sim", json!({"turns": [honest]})),
        ],
        SIMPLE_GOALS,
        "",
    );
    let mut child = env.spawn_peers(&repo, &["run", "--max-ticks", "20"]);
    let lock = repo.join(".git/index.lock");
    assert!(
        wait_for(|| lock.exists(), Duration::from_secs(20)),
        "the turn took the lock"
    );
    let _ = child.kill();
    let _ = child.wait();
    let out = env.peers(&repo, &["run", "--max-ticks", "20"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(out.combined().contains("index.lock"), "{}", out.combined());
    assert!(!lock.exists());
    assert!(!repo.join(".git/refs/heads/main.lock").exists());
    assert_eq!(env.last_stop(&repo), "complete");
}
