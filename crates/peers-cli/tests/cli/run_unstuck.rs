//! A run stopped by a failure streak, a stuck gate or a spent cap is never stuck for good: the
//! stop says what happened and what to do (terminal, HALTED.md, `peers status`), and
//! `peers revive --counters` resets the streaks so the next run works again.

use serde_json::json;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

fn failing() -> serde_json::Value {
    json!({"turns": [[{"stderr_error": {"text": "program `claude` not found"}}, {"exit": {"code": 127}}]]})
}

#[test]
fn a_failure_streak_stop_says_what_to_do_and_revive_counters_unblocks_the_next_run() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", failing()), ("bob", "sim", failing())],
        SIMPLE_GOALS,
        "budget:\n  max_consecutive_failures: 2\n",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "10"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "budget:max_consecutive_failures");
    assert!(
        out.stdout.contains("peers revive --counters"),
        "{}",
        out.stdout
    );
    let halted = std::fs::read_to_string(repo.join(".peers/HALTED.md")).unwrap();
    assert!(
        halted.contains("budget:max_consecutive_failures"),
        "{halted}"
    );
    assert!(halted.contains("peers revive --counters"), "{halted}");

    // The next run stops before its first tick, and says why and what to do.
    let again = env.peers(&repo, &["run", "--max-ticks", "10"]);
    assert_eq!(again.code, 1, "{}", again.combined());
    assert!(again.stdout.contains("0 tick(s)"), "{}", again.stdout);
    assert!(
        again.stdout.contains("peers revive --counters"),
        "{}",
        again.stdout
    );

    let status = env.peers(&repo, &["status"]);
    assert!(
        status.stdout.contains("peers revive --counters"),
        "{}",
        status.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&env.peers(&repo, &["status", "--json"]).stdout).unwrap();
    assert_eq!(json["stopped"]["blocks_next_run"], true, "{json:#}");
    assert!(
        json["stopped"]["fix"]
            .as_str()
            .unwrap()
            .contains("peers revive --counters"),
        "{json:#}"
    );
    assert_eq!(json["consecutive_failures"], 2);

    // Reviving the peers alone does not help, and says so.
    let revive = env.peers(&repo, &["revive", "--all"]);
    assert_eq!(revive.code, 0, "{}", revive.combined());
    assert!(
        revive.stdout.contains("peers revive --counters"),
        "{}",
        revive.stdout
    );
    assert!(repo.join(".peers/HALTED.md").exists());

    let reset = env.peers(&repo, &["revive", "--counters"]);
    assert_eq!(reset.code, 0, "{}", reset.combined());
    assert!(
        reset.stdout.contains("failed ticks in a row: 2 -> 0"),
        "{}",
        reset.stdout
    );
    assert!(!repo.join(".peers/HALTED.md").exists());
    assert_eq!(env.state(&repo)["budget"]["consecutive_failures"], 0);
    let status = env.peers(&repo, &["status"]);
    assert!(!status.stdout.contains("HALTED"), "{}", status.stdout);

    let ticks_before = env.ticks(&repo).len();
    let resumed = env.peers(&repo, &["run", "--max-ticks", "1"]);
    assert_eq!(resumed.code, 0, "{}", resumed.combined());
    assert_eq!(
        env.ticks(&repo).len(),
        ticks_before + 1,
        "the run ticks again"
    );
}

#[test]
fn a_stuck_gate_stop_is_reset_by_revive_counters() {
    let env = TestEnv::new();
    let honest = json!({"turns": [[{"append_file": {"path": "{peer}.txt", "content": "x\n"}}, {"git_commit": {"message": HANDOFF}}]]});
    let goals =
        "goals:\n  - {id: tests-pass, type: hard, cmd: 'false', pass_when: 'exit_code == 0'}\n";
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", honest.clone()), ("bob", "sim", honest)],
        goals,
        "goals:\n  stuck_halt_after: 2\n",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "10"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "stuck:tests-pass");
    assert!(out.stdout.contains("`tests-pass`"), "{}", out.stdout);
    assert!(
        out.stdout.contains("peers revive --counters"),
        "{}",
        out.stdout
    );
    assert!(
        std::fs::read_to_string(repo.join(".peers/HALTED.md"))
            .unwrap()
            .contains("peers revive --counters")
    );
    let again = env.peers(&repo, &["run", "--max-ticks", "10"]);
    assert!(again.stdout.contains("0 tick(s)"), "{}", again.stdout);

    let reset = env.peers(&repo, &["revive", "--counters", "--json"]);
    assert_eq!(reset.code, 0, "{}", reset.combined());
    let json: serde_json::Value = serde_json::from_str(&reset.stdout).unwrap();
    assert!(
        json["counters_reset"][0]
            .as_str()
            .unwrap()
            .starts_with("tests-pass"),
        "{json:#}"
    );
    let ticks_before = env.ticks(&repo).len();
    // The gate is still red, so the counter climbs again from zero: a tick runs first.
    let resumed = env.peers(&repo, &["run", "--max-ticks", "1"]);
    assert_eq!(
        env.ticks(&repo).len(),
        ticks_before + 1,
        "{}",
        resumed.combined()
    );
}

#[test]
fn a_spent_lifetime_cap_names_the_key_to_raise_and_revive_does_not_hide_it() {
    let env = TestEnv::new();
    let honest = json!({"turns": [[{"append_file": {"path": "{peer}.txt", "content": "x\n"}}, {"git_commit": {"message": HANDOFF}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", honest.clone()), ("bob", "sim", honest)],
        SIMPLE_GOALS,
        "budget:\n  max_iterations: 1\ngoals:\n  convergence_n: 10\n",
    );
    let out = env.peers(&repo, &["run"]);
    assert_eq!(
        env.last_stop(&repo),
        "budget:max_iterations",
        "{}",
        out.combined()
    );
    assert!(
        out.stdout.contains("raise budget.max_iterations"),
        "{}",
        out.stdout
    );
    assert!(
        std::fs::read_to_string(repo.join(".peers/HALTED.md"))
            .unwrap()
            .contains("budget.max_iterations")
    );
    let revive = env.peers(&repo, &["revive", "--all", "--counters"]);
    assert_eq!(revive.code, 0, "{}", revive.combined());
    assert!(
        repo.join(".peers/HALTED.md").exists(),
        "a spent lifetime cap is not a counter"
    );
    let status = env.peers(&repo, &["status"]);
    assert!(
        status.stdout.contains("raise budget.max_iterations"),
        "{}",
        status.stdout
    );
}
