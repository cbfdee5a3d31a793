//! A `kill -9` storm: `peers run` killed again and again at pseudo-random moments while its
//! agent leaves a `setsid` background job every turn; then one last run. Counts corrupt state,
//! lost or duplicated ticks, failed resumes and orphans: all must be 0. Short here (10 kills);
//! `scripts/kill-storm` runs it long (`PEERS_KILL_STORM_KILLS`, default 500 there).

use std::time::{Duration, Instant};

use peers_testkit::pid_alive as running;
use serde_json::json;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

#[derive(Debug, Default)]
struct Storm {
    kills: u64,
    ticks: u64,
    corrupt_state: u64,
    lost_ticks: u64,
    duplicated_ticks: u64,
    failed_resumes: u64,
    orphans: u64,
    jobs_started: u64,
}

#[test]
fn a_kill_minus_nine_storm_loses_nothing_and_leaves_no_orphans() {
    let kills: u64 = std::env::var("PEERS_KILL_STORM_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let env = TestEnv::new();
    let jobs = env.root().join("jobs.pid");
    let turn = json!([
        {"spawn_background": {"command": format!("echo $$ >> {}; exec sleep 300", jobs.display())}},
        {"sleep": {"ms": 80}},
        {"append_file": {"path": "{peer}.txt", "content": "x\n"}},
        {"git_commit": {"message": HANDOFF}}
    ]);
    let script = json!({"turns": [turn]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", script.clone()), ("bob", "sim", script)],
        SIMPLE_GOALS,
        "budget:\n  max_consecutive_failures: 1000000\n  max_iterations: 1000000\n",
    );
    let started = Instant::now();
    let mut storm = Storm::default();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..kills {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_millis(30 + seed % 420);
        let mut child = env.spawn_peers(&repo, &["run", "--max-ticks", "1000"]);
        std::thread::sleep(delay);
        if let Ok(Some(status)) = child.try_wait() {
            // It ended by itself before the kill: only a failure counts.
            storm.failed_resumes += u64::from(!status.success());
            continue;
        }
        let _ = child.kill();
        let _ = child.wait();
        storm.kills += 1;
    }
    let last = env.peers(&repo, &["run", "--max-ticks", "1"]);
    storm.failed_resumes += u64::from(last.code != 0);
    let state = std::fs::read_to_string(repo.join(".peers/state.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
    storm.corrupt_state = u64::from(state.is_none());
    let mut iterations: Vec<u64> = env
        .ticks(&repo)
        .iter()
        .filter_map(|t| t["iteration"].as_u64())
        .collect();
    storm.ticks = iterations.len() as u64;
    let recorded = state
        .as_ref()
        .and_then(|s| s["iteration"].as_u64())
        .unwrap_or(0);
    iterations.sort_unstable();
    let before = iterations.len();
    iterations.dedup();
    storm.duplicated_ticks = (before - iterations.len()) as u64;
    storm.lost_ticks = (1..=recorded)
        .filter(|i| iterations.binary_search(i).is_err())
        .count() as u64;
    let pids: Vec<u32> = std::fs::read_to_string(&jobs)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    storm.jobs_started = pids.len() as u64;
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| running(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    storm.orphans = pids.iter().filter(|p| running(**p)).count() as u64;
    for pid in pids.iter().filter(|p| running(**p)) {
        if let Some(pid) = rustix::process::Pid::from_raw(i32::try_from(*pid).unwrap_or(0)) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }
    println!(
        "kill storm: {} kills in {:.0} s, {} ticks recorded (state iteration {recorded}), {} background jobs started; corrupt state {}, lost ticks {}, duplicated ticks {}, failed resumes {}, orphans {}",
        storm.kills,
        started.elapsed().as_secs_f64(),
        storm.ticks,
        storm.jobs_started,
        storm.corrupt_state,
        storm.lost_ticks,
        storm.duplicated_ticks,
        storm.failed_resumes,
        storm.orphans
    );
    assert!(
        storm.ticks > 0,
        "the storm let some ticks finish: {storm:?}"
    );
    assert_eq!(
        (
            storm.corrupt_state,
            storm.lost_ticks,
            storm.duplicated_ticks,
            storm.failed_resumes,
            storm.orphans
        ),
        (0, 0, 0, 0, 0),
        "{storm:?}\n{}",
        last.combined()
    );
    assert_eq!(storm.ticks, recorded, "every counted tick has its record");
}
