//! `peers verify`: gates in parallel, pass_when verdicts, timeouts, retries, cache, VERIFY.md.

use crate::test_env::TestEnv;

const FIVE_TRUE: &str = "goals:\n  - {id: g1, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n  - {id: g2, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n  - {id: g3, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n  - {id: g4, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n  - {id: g5, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n";

#[test]
fn verify_passes_when_every_gate_passes_and_writes_verify_md() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    env.set_goals(&repo, FIVE_TRUE);
    let out = env.peers(&repo, &["verify"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let md = std::fs::read_to_string(repo.join(".peers/VERIFY.md")).unwrap();
    assert!(
        md.starts_with("# peers verify — app\n\n**Result:** PASS (hard 5/5, verify 0/0)"),
        "{md}"
    );
    insta::assert_snapshot!(out.combined());
}

#[test]
fn verify_fails_on_a_red_gate_with_its_diagnostic() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    env.set_goals(
        &repo,
        "goals:\n  - id: tests\n    type: hard\n    cmd: \"echo '3 passed, 1 failed'; exit 1\"\n    pass_when: \"exit_code == 0 and 'failed' not in stdout\"\n",
    );
    let out = env.peers(&repo, &["verify", "--json"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["result"], "fail");
    let diagnostic = value["hard"][0]["diagnostic"].as_str().unwrap();
    assert!(diagnostic.contains("exit_code=1"), "{diagnostic}");
    assert!(diagnostic.contains("3 passed, 1 failed"), "{diagnostic}");
}

#[test]
fn verify_default_goals_report_placeholder_and_missing_handoff() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    let out = env.peers(&repo, &["verify", "--json"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let by_id = |id: &str| {
        value["hard"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("placeholder-replace-me")["pass"], false);
    assert_eq!(by_id("self-review-on-handoff")["pass"], false);
    assert_eq!(by_id("bug-hunt-clean")["pass"], true);
}

#[test]
fn verify_self_review_gate_turns_green_after_a_proper_handoff() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    env.set_goals(
        &repo,
        "goals:\n  - {id: self-review-on-handoff, type: hard, builtin: self-review-on-handoff}\n",
    );
    env.write(&repo, "src.txt", "work\n");
    env.commit_all(&repo, "work\n\n## Self-Review\nChecked the change and ran the tests myself.\n\nPeer: claude\nPeer-Status: handoff\nSelf-Review: pass");
    let out = env.peers(&repo, &["verify"]);
    assert_eq!(out.code, 0, "{}", out.combined());
}

#[test]
fn verify_bug_hunt_gate_blocks_on_open_high_bug() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    env.set_goals(
        &repo,
        "goals:\n  - {id: bug-hunt-clean, type: hard, builtin: bug-hunt-clean}\n",
    );
    env.commit_all(
        &repo,
        "BUG-001: crash\n\n## Bug-Report\n{\"id\":\"BUG-001\",\"severity\":\"high\",\"fix_by\":\"codex\",\"location\":\"a.rs:1\",\"description\":\"crashes\"}\n\nPeer: claude\nBug-Report: BUG-001",
    );
    let out = env.peers(&repo, &["verify", "--json"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert!(out.stdout.contains("BUG-001"), "{}", out.stdout);
    env.commit_all(
        &repo,
        "Resolve BUG-001\n\n## Bug-Resolution\n{\"resolves\":\"BUG-001\",\"status\":\"fixed\",\"note\":\"guarded\"}\n\nPeer: codex\nBug-Resolves: BUG-001",
    );
    let out = env.peers(&repo, &["verify"]);
    assert_eq!(out.code, 0, "{}", out.combined());
}

#[test]
fn verify_times_out_a_hanging_gate_and_kills_it() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    env.set_goals(&repo, "goals:\n  - {id: hang, type: hard, cmd: 'sleep 30', pass_when: 'exit_code == 0', timeout_s: 1}\n");
    let started = std::time::Instant::now();
    let out = env.peers(&repo, &["verify", "--json"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "timeout enforced"
    );
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["hard"][0]["timed_out"], true);
}

#[test]
fn verify_retries_a_failing_gate() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    env.set_goals(
        &repo,
        "goals:\n  - id: flaky\n    type: hard\n    cmd: \"if [ -f .flaky ]; then exit 0; else touch .flaky; exit 1; fi\"\n    pass_when: \"exit_code == 0\"\n    retry_on_fail: 1\n",
    );
    let out = env.peers(&repo, &["verify", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["hard"][0]["attempts"], 2);
}

#[test]
fn verify_reuses_a_cacheable_pass_until_the_commit_changes() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    let counter = env.root().join("runs.txt");
    env.set_goals(
        &repo,
        &format!(
            "goals:\n  - {{id: counted, type: hard, cmd: 'echo run >> {}', pass_when: 'exit_code == 0', cacheable: true}}\n",
            counter.display()
        ),
    );
    let runs = || {
        std::fs::read_to_string(env.root().join("runs.txt"))
            .unwrap_or_default()
            .lines()
            .count()
    };
    assert_eq!(env.peers(&repo, &["verify"]).code, 0);
    assert_eq!(env.peers(&repo, &["verify"]).code, 0);
    assert_eq!(runs(), 1, "second verify reused the cached pass");
    env.write(&repo, "new.txt", "change\n");
    assert_eq!(env.peers(&repo, &["verify"]).code, 0);
    assert_eq!(
        runs(),
        1,
        "an uncommitted file is not part of the judged commit"
    );
    env.commit_all(&repo, "add new.txt");
    assert_eq!(env.peers(&repo, &["verify"]).code, 0);
    assert_eq!(runs(), 2, "a new commit re-runs the gate");
}

#[test]
fn verify_runs_verify_commands_and_json_reads_files() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    env.write(
        &repo,
        "report.json",
        "{\"totals\": {\"failed\": 0, \"passed\": 7}}",
    );
    env.commit_all(&repo, "test report");
    env.set_goals(
        &repo,
        "goals:\n  - {id: report, type: hard, cmd: 'true', pass_when: \"json('report.json').totals.failed == 0 and json('report.json').totals.passed >= 7\"}\n",
    );
    let mut config = std::fs::read_to_string(repo.join(".peers/config.yaml")).unwrap();
    config = config.replace(
        "  commands: []",
        "  commands:\n    - {name: ok, cmd: 'true'}\n    - {name: broken, cmd: 'exit 3'}",
    );
    std::fs::write(repo.join(".peers/config.yaml"), config).unwrap();
    let out = env.peers(&repo, &["verify", "--json"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["hard"][0]["pass"], true, "{value}");
    assert_eq!(value["verify"][0]["pass"], true);
    assert_eq!(value["verify"][1]["pass"], false);
}

#[test]
fn verify_json_refuses_a_symlink_outside_the_repository() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    env.write(env.root(), "outside.json", "{\"ok\": true}");
    std::os::unix::fs::symlink(env.root().join("outside.json"), repo.join("link.json")).unwrap();
    env.set_goals(&repo, "goals:\n  - {id: escape, type: hard, cmd: 'true', pass_when: \"json('link.json').ok == True\"}\n");
    let out = env.peers(&repo, &["verify", "--json"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert!(out.stdout.contains("pass_when error"), "{}", out.stdout);
}

#[test]
fn verify_refuses_unaccepted_goals() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    std::fs::write(repo.join(".peers/goals.yaml"), FIVE_TRUE).unwrap();
    let out = env.peers(&repo, &["verify"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(!repo.join(".peers/VERIFY.md").exists(), "nothing written");
    insta::assert_snapshot!(out.combined());
}
