//! Budget caps stop a run with the right reason, including mid-tick from streamed usage, and
//! the halt/idle paths of peer supervision inside a run.

use serde_json::json;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

fn spender(tokens: u64, usd: f64) -> serde_json::Value {
    json!({"turns": [[
        {"emit_usage": {"tool": "claude", "input": tokens, "output": 0, "usd": usd}},
        {"append_file": {"path": "{peer}.txt", "content": "x\n"}},
        {"git_commit": {"message": HANDOFF}}
    ]]})
}

#[test]
fn max_tokens_stops_the_run_during_the_tick_that_crosses_it() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "claude", spender(1000, 0.0)),
            ("bob", "claude", spender(1000, 0.0)),
        ],
        SIMPLE_GOALS,
        "budget:\n  max_tokens: 1500\n",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "5"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "budget:max_tokens");
    let ticks = env.ticks(&repo);
    assert_eq!(ticks.len(), 2, "{ticks:#?}");
    assert_eq!(
        ticks[1]["classification"], "stopped",
        "the second tick was stopped, not finished"
    );
    assert_eq!(env.state(&repo)["budget"]["spent_tokens"], 2000);
}

#[test]
fn a_hard_usd_cap_stops_the_run() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "claude", spender(10, 0.6)),
            ("bob", "claude", spender(10, 0.6)),
        ],
        SIMPLE_GOALS,
        "budget:\n  max_usd: 1.0\n  max_usd_mode: hard\n",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "5"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "budget:max_usd");
    let spent = env.state(&repo)["budget"]["spent_usd"].as_f64().unwrap();
    assert!((spent - 1.2).abs() < 1e-9, "{spent}");
}

#[test]
fn a_warn_usd_cap_only_warns() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "claude", spender(10, 0.6)),
            ("bob", "claude", spender(10, 0.6)),
        ],
        SIMPLE_GOALS,
        "budget:\n  max_usd: 1.0\n  max_usd_mode: warn\n",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "3"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.ticks(&repo).len(), 3);
}

#[test]
fn consecutive_failures_stop_the_run() {
    let env = TestEnv::new();
    let failing = json!({"turns": [[{"stderr_error": {"text": "compiler exploded"}}, {"exit": {"code": 3}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", failing.clone()), ("bob", "sim", failing)],
        SIMPLE_GOALS,
        "budget:\n  max_consecutive_failures: 3\n",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "10"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "budget:max_consecutive_failures");
    let ticks = env.ticks(&repo);
    assert_eq!(ticks.len(), 3);
    assert!(ticks.iter().all(|t| t["classification"] == "process-fail"));
    assert!(
        ticks[0]["stderr_tail"]
            .as_str()
            .unwrap()
            .contains("compiler exploded")
    );
}

#[test]
fn max_iterations_counts_across_runs() {
    let env = TestEnv::new();
    let honest = json!({"turns": [[{"append_file": {"path": "{peer}.txt", "content": "x\n"}}, {"git_commit": {"message": HANDOFF}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", honest.clone()), ("bob", "sim", honest)],
        SIMPLE_GOALS,
        "budget:\n  max_iterations: 3\ngoals:\n  convergence_n: 10\n",
    );
    assert_eq!(env.peers(&repo, &["run", "--max-ticks", "2"]).code, 0);
    let out = env.peers(&repo, &["run"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "budget:max_iterations");
    assert_eq!(env.ticks(&repo).len(), 3);
}

#[test]
fn max_runtime_stops_the_run_on_wall_clock() {
    let env = TestEnv::new();
    let slow = json!({"turns": [[{"sleep": {"ms": 700}}, {"append_file": {"path": "{peer}.txt", "content": "x\n"}}, {"git_commit": {"message": HANDOFF}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", slow.clone()), ("bob", "sim", slow)],
        SIMPLE_GOALS,
        "goals:\n  convergence_n: 50\n",
    );
    let out = env.peers(&repo, &["run", "--max-runtime", "2s"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert!(
        env.last_stop(&repo).starts_with("max_runtime")
            || env.last_stop(&repo).starts_with("budget:max_runtime"),
        "{}",
        env.last_stop(&repo)
    );
    let ticks = env.ticks(&repo).len();
    assert!((1..=4).contains(&ticks), "{ticks}");
}

#[test]
fn a_halt_pattern_makes_the_peer_unavailable_until_revived() {
    let env = TestEnv::new();
    let locked_out = json!({"turns": [[{"stderr_error": {"text": "Error: authentication failed: token expired"}}, {"exit": {"code": 1}}]]});
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", locked_out.clone()),
            ("bob", "sim", locked_out),
        ],
        SIMPLE_GOALS,
        "",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "5"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert!(
        env.last_stop(&repo).starts_with("peer-unavailable"),
        "{}",
        env.last_stop(&repo)
    );
    let ticks = env.ticks(&repo);
    assert_eq!(ticks.len(), 2, "each peer tried once: {ticks:#?}");
    assert_eq!(ticks[0]["classification"], "api-error");
    assert!(
        ticks[0]["matched_error_snippet"]
            .as_str()
            .unwrap()
            .contains("authentication failed")
    );
    assert_eq!(env.state(&repo)["peers"]["alice"]["state"], "unavailable");
    assert!(repo.join(".peers/HALTED.md").exists());
    let out = env.peers(&repo, &["revive", "--all"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.state(&repo)["peers"]["alice"]["state"], "healthy");
    assert!(!repo.join(".peers/HALTED.md").exists());
}

#[test]
fn an_idle_peer_is_killed_inside_a_run() {
    let env = TestEnv::new();
    let silent = json!({"turns": [[{"sleep": {"ms": 5000}}, {"git_commit": {"message": HANDOFF, "allow_empty": true}}]]});
    let talker = json!({"turns": [[{"append_file": {"path": "b.txt", "content": "x\n"}}, {"git_commit": {"message": HANDOFF}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", silent), ("bob", "sim", talker)],
        SIMPLE_GOALS,
        "health:\n  idle_timeout_s: 1\n  absolute_max_runtime_s: 30\n  grace_s: 1\n",
    );
    let started = std::time::Instant::now();
    let out = env.peers(&repo, &["run", "--max-ticks", "1"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "killed at the idle limit, not after the sleep"
    );
    assert_eq!(env.ticks(&repo)[0]["classification"], "idle-timeout");
}
