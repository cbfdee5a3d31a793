//! The reference's remaining peer fixtures (trailing junk, wrong trailer, n > 2 peers) and the
//! commands that read a run back: replay, report, watch, bugs.

use serde_json::json;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

fn honest(file: &str) -> serde_json::Value {
    json!({"turns": [[{"append_file": {"path": file, "content": "{peer}\n"}}, {"git_commit": {"message": HANDOFF}}]]})
}

#[test]
fn a_valid_handoff_followed_by_a_trailerless_commit_still_counts() {
    let env = TestEnv::new();
    let junk = json!({"turns": [[
        {"append_file": {"path": "a.txt", "content": "x\n"}}, {"git_commit": {"message": HANDOFF}},
        {"append_file": {"path": "notes.txt", "content": "afterthought\n"}}, {"git_commit": {"message": "notes"}}
    ]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", junk), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    assert_eq!(env.peers(&repo, &["run", "--max-ticks", "1"]).code, 0);
    let tick = &env.ticks(&repo)[0];
    assert_eq!(tick["success"], true, "{tick}");
    assert_eq!(tick["commits"].as_array().unwrap().len(), 2);
}

#[test]
fn a_handoff_with_self_review_needs_review_is_not_a_handoff() {
    let env = TestEnv::new();
    let wrong = json!({"turns": [[{"append_file": {"path": "a.txt", "content": "x\n"}}, {"git_commit": {"message": "Work\n\n## Self-Review\nNot sure this is right yet at all.\n\nPeer: {peer}\nPeer-Status: handoff\nSelf-Review: needs-review"}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", wrong), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    assert_eq!(env.peers(&repo, &["run", "--max-ticks", "1"]).code, 0);
    let tick = &env.ticks(&repo)[0];
    assert_eq!(tick["success"], false);
    assert!(
        tick["soft_fail_reason"]
            .as_str()
            .unwrap()
            .contains("no handoff"),
        "{tick}"
    );
}

#[test]
fn a_token_self_review_is_not_accepted() {
    let env = TestEnv::new();
    let token = json!({"turns": [[{"append_file": {"path": "a.txt", "content": "x\n"}}, {"git_commit": {"message": "Work\n\n## Self-Review\nok\n\nPeer: {peer}\nPeer-Status: handoff\nSelf-Review: pass"}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", token), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    assert_eq!(env.peers(&repo, &["run", "--max-ticks", "1"]).code, 0);
    let tick = &env.ticks(&repo)[0];
    assert!(
        tick["soft_fail_reason"].as_str().unwrap().contains("token"),
        "{tick}"
    );
}

#[test]
fn three_peers_take_turns_round_robin_and_converge() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", honest("a.txt")),
            ("bob", "sim", honest("b.txt")),
            ("carol", "sim", honest("c.txt")),
        ],
        SIMPLE_GOALS,
        "goals:\n  convergence_n: 3\n",
    );
    let out = env.peers(&repo, &["run"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let peers: Vec<String> = env
        .ticks(&repo)
        .iter()
        .map(|t| t["peer"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(peers, ["alice", "bob", "carol", "alice"]);
    let prompt =
        std::fs::read_to_string(repo.join(".peers/log/prompts/tick-00002-bob.txt")).unwrap();
    assert!(
        prompt.contains("alice") && prompt.contains("carol"),
        "counterparts named"
    );
}

#[test]
fn replay_report_bugs_and_watch_read_the_run_back() {
    let env = TestEnv::new();
    let report = "BUG-001: crash\n\n## Bug-Report\n{\"id\":\"BUG-001\",\"severity\":\"high\",\"fix_by\":\"bob\",\"location\":\"a.txt:1\",\"description\":\"it crashes\"}\n\nPeer: {peer}\nBug-Report: BUG-001";
    let alice = json!({"turns": [[{"git_commit": {"message": report, "allow_empty": true}}, {"append_file": {"path": "a.txt", "content": "x\n"}}, {"git_commit": {"message": HANDOFF}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", alice), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    assert_eq!(env.peers(&repo, &["run", "--max-ticks", "2"]).code, 0);

    let replay = env.peers(&repo, &["replay", "1"]);
    assert_eq!(replay.code, 0, "{}", replay.combined());
    assert!(
        replay.stdout.contains("tick 1 — peer alice"),
        "{}",
        replay.stdout
    );
    assert!(replay.stdout.contains("--- prompt"), "the prompt is shown");
    assert!(
        replay.stdout.contains("BUG-001: crash"),
        "the commits are listed"
    );
    assert_eq!(env.peers(&repo, &["replay", "99"]).code, 1);

    let out = env.peers(&repo, &["report"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let md = std::fs::read_to_string(repo.join(".peers/REPORT.md")).unwrap();
    for needle in [
        "# peers report — app",
        "## Peers",
        "| alice |",
        "## Bugs",
        "BUG-001",
        "## Gate timeline (2 ticks)",
    ] {
        assert!(md.contains(needle), "{needle} missing in:\n{md}");
    }

    let bugs = env.peers(&repo, &["bugs", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&bugs.stdout).unwrap();
    assert_eq!(list[0]["id"], "BUG-001");
    assert_eq!(env.peers(&repo, &["bugs", "gate"]).code, 1);

    let watch = env.peers(&repo, &["watch", "--from-start", "--poll-s", "0.05"]);
    assert_eq!(watch.code, 0, "{}", watch.combined());
    assert!(
        watch.stdout.contains("tick 1 alice handoff"),
        "{}",
        watch.stdout
    );
    assert!(
        watch.stdout.contains("run ended: max_ticks"),
        "{}",
        watch.stdout
    );
}
