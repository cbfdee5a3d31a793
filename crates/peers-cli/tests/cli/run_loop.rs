//! `peers run` end to end with scripted sim peers: convergence with the skeptic tick, and each
//! way a run must NOT be counted as done (forgery, rewrites, cheats, caps, halts, interrupts).
//! Every test asserts the durable outcome (runs.jsonl, state.json, git), not only the exit code.

use serde_json::json;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

fn handoff_turn(file: &str) -> serde_json::Value {
    json!([{"append_file": {"path": file, "content": "{peer} was here\n"}}, {"git_commit": {"message": HANDOFF}}])
}

fn honest(file: &str) -> serde_json::Value {
    json!({"turns": [handoff_turn(file)]})
}

#[test]
fn honest_peers_converge_after_a_clean_skeptic_tick() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", honest("a.txt")),
            ("bob", "sim", honest("b.txt")),
        ],
        SIMPLE_GOALS,
        "goals:\n  convergence_n: 2\n",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "10"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "complete");
    let ticks = env.ticks(&repo);
    assert_eq!(
        ticks.len(),
        3,
        "two clean ticks then the skeptic tick: {ticks:#?}"
    );
    assert_eq!(
        ticks
            .iter()
            .map(|t| t["peer"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["alice", "bob", "alice"]
    );
    assert!(ticks.iter().all(|t| t["success"] == true));
    assert_eq!(ticks[2]["skeptic"], true);
    assert_eq!(ticks[0]["skeptic"], false);
    let state = env.state(&repo);
    assert_eq!(state["iteration"], 3);
    let exit = env.records(&repo).into_iter().last().unwrap();
    assert_eq!(exit["event"], "exit");
    assert_eq!(exit["reason"], "complete");
    let prompt =
        std::fs::read_to_string(repo.join(".peers/log/prompts/tick-00003-alice.txt")).unwrap();
    assert!(
        prompt.to_lowercase().contains("suspicious"),
        "the skeptic tick gets the re-audit prompt"
    );
}

#[test]
fn without_the_skeptic_flag_the_run_completes_without_the_extra_tick() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", honest("a.txt")),
            ("bob", "sim", honest("b.txt")),
        ],
        SIMPLE_GOALS,
        "goals:\n  convergence_n: 2\n",
    );
    let out = env.peers(&repo, &["run", "--without-post-convergence-skeptic"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.ticks(&repo).len(), 2);
}

#[test]
fn a_commit_claiming_the_other_peer_is_rejected_as_forged() {
    let env = TestEnv::new();
    let forged = json!({"turns": [[{"write_file": {"path": "x.txt", "content": "x\n"}}, {"git_commit": {"message": "Work\n\n## Self-Review\nLooked at everything carefully, all fine.\n\nPeer: bob\nPeer-Status: handoff\nSelf-Review: pass"}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", forged), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "1"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let tick = &env.ticks(&repo)[0];
    assert_eq!(tick["success"], false);
    assert!(
        tick["soft_fail_reason"]
            .as_str()
            .unwrap()
            .contains("forged identity"),
        "{tick}"
    );
    assert!(
        tick["identity_violations"][0]
            .as_str()
            .unwrap()
            .contains("claims `Peer: bob`")
    );
    let attest = std::fs::read_to_string(repo.join(".peers/log/attest.jsonl")).unwrap();
    assert!(
        attest.contains("\"peer\":\"alice\""),
        "the commit is attributed to the turn's owner: {attest}"
    );
}

#[test]
fn rewritten_history_is_detected_and_restored() {
    let env = TestEnv::new();
    let rewriter = json!({"turns": [[{"rewrite_history": {"reset_to": "HEAD~1"}}, {"write_file": {"path": "x.txt", "content": "x\n"}}, {"git_commit": {"message": HANDOFF}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", rewriter), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    let before = env.git(&repo, &["rev-parse", "HEAD"]);
    let out = env.peers(&repo, &["run", "--max-ticks", "1"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(
        env.git(&repo, &["rev-parse", "HEAD"]),
        before,
        "history put back"
    );
    let tick = &env.ticks(&repo)[0];
    assert_eq!(tick["success"], false);
    assert!(
        tick["integrity"][0]
            .as_str()
            .unwrap()
            .contains("history was rewritten"),
        "{tick}"
    );
    assert!(
        !env.git(&repo, &["rev-parse", "refs/peers/rewritten/1"])
            .is_empty(),
        "the rewritten head is kept"
    );
    // Regression: the peer's reset un-ignored .peers/ and its `git add --all` committed the
    // control files; restoring history must not delete them.
    assert!(
        repo.join(".peers/goals.yaml").exists(),
        "control files survive the restore"
    );
    assert_eq!(env.last_stop(&repo), "max_ticks");
}

#[test]
fn an_unparseable_bug_report_blocks_as_high_and_is_reported_to_its_author() {
    let env = TestEnv::new();
    let bad = json!({"turns": [[{"git_commit": {"message": "BUG-001: crash\n\n## Bug-Report\n{\"id\": \"BUG-001\", severity: high}\n\nPeer: {peer}\nBug-Report: BUG-001", "allow_empty": true}}, {"git_commit": {"message": HANDOFF, "allow_empty": true}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", bad), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "3"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let ticks = env.ticks(&repo);
    assert_eq!(
        ticks[0]["gates"]["hard"]["bug-hunt-clean"], "fail",
        "malformed report blocks"
    );
    let prompt =
        std::fs::read_to_string(repo.join(".peers/log/prompts/tick-00003-alice.txt")).unwrap();
    assert!(
        prompt.contains("BUG-001") && prompt.to_lowercase().contains("bug ledger"),
        "the author is told: {prompt}"
    );
    assert_eq!(env.peers(&repo, &["bugs", "gate"]).code, 1);
}

#[test]
fn wontfix_without_the_other_peers_agreement_keeps_the_bug_open() {
    let env = TestEnv::new();
    let report = "BUG-001: wrong sum\n\n## Bug-Report\n{\"id\":\"BUG-001\",\"severity\":\"high\",\"fix_by\":\"bob\",\"location\":\"a.txt:1\",\"description\":\"sum is wrong\"}\n\nPeer: {peer}\nBug-Report: BUG-001";
    let wontfix = "Resolve BUG-001\n\n## Bug-Resolution\n{\"resolves\":\"BUG-001\",\"status\":\"wontfix\",\"note\":\"not worth it\"}\n\nPeer: {peer}\nBug-Resolves: BUG-001";
    let alice = json!({"turns": [[{"git_commit": {"message": report, "allow_empty": true}}, {"git_commit": {"message": HANDOFF, "allow_empty": true}}], handoff_turn("a.txt")]});
    let bob = json!({"turns": [[{"git_commit": {"message": wontfix, "allow_empty": true}}, {"git_commit": {"message": HANDOFF, "allow_empty": true}}], handoff_turn("b.txt")]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", alice), ("bob", "sim", bob)],
        SIMPLE_GOALS,
        "",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "4"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_ne!(
        env.last_stop(&repo),
        "complete",
        "an unagreed wontfix never completes the run"
    );
    let ticks = env.ticks(&repo);
    assert!(
        ticks
            .iter()
            .all(|t| t["gates"]["hard"]["bug-hunt-clean"] == "fail"),
        "{ticks:#?}"
    );
    env.commit_all(&repo, "Agree\n\nPeer: alice\nBug-Wontfix-Agree: BUG-001");
    assert_eq!(
        env.peers(&repo, &["bugs", "gate"]).code,
        0,
        "the other peer's agreement closes it"
    );
}

#[test]
fn editing_goals_yaml_during_a_turn_halts_the_run() {
    // Host-side detection and undo, as with `--sandbox none` (the sandbox refuses these inside the turn).
    let env = TestEnv::new();
    let mutator = json!({"turns": [[{"append_file": {"path": ".peers/goals.yaml", "content": "  - {id: easy, type: hard, cmd: 'true', pass_when: 'True'}\n"}}, {"write_file": {"path": "x.txt", "content": "x\n"}}, {"git_commit": {"message": HANDOFF}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", mutator), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "5", "--sandbox", "none"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "goals-mutated");
    assert_eq!(env.ticks(&repo).len(), 1);
    assert!(
        env.ticks(&repo)[0]["integrity"]
            .to_string()
            .contains("goals.yaml was modified")
    );
}

#[test]
fn a_test_only_turn_is_reverted_every_time_and_twice_degrades_the_peer() {
    let env = TestEnv::new();
    let cheat = json!({"turns": [[{"append_file": {"path": "tests/test_sum.py", "content": "def test_x():\n    assert True\n"}}, {"git_commit": {"message": HANDOFF}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", cheat), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "2"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let ticks = env.ticks(&repo);
    for tick in &ticks {
        assert_eq!(
            tick["peer"], "alice",
            "a failing peer keeps the turn for its retry"
        );
        assert_eq!(tick["success"], false);
        assert!(tick["integrity"].to_string().contains("reverted"), "{tick}");
    }
    assert!(
        !repo.join("tests/test_sum.py").exists(),
        "the test-only change is gone"
    );
    assert_eq!(env.state(&repo)["peers"]["alice"]["state"], "degraded");
}

#[test]
fn a_justified_test_only_turn_is_accepted() {
    let env = TestEnv::new();
    let message = format!(
        "{HANDOFF}\nJustified-Test-Only: pins the overflow reported in BUG-3 before the fix lands"
    );
    let justified = json!({"turns": [[{"append_file": {"path": "tests/test_sum.py", "content": "def test_x():\n    assert 1 + 1 == 2\n"}}, {"git_commit": {"message": message}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", justified), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "1"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.ticks(&repo)[0]["success"], true);
    assert!(repo.join("tests/test_sum.py").exists());
}

#[test]
fn uncommitted_edits_fail_the_tick_and_are_stashed_not_lost() {
    let env = TestEnv::new();
    let lazy =
        json!({"turns": [[{"write_file": {"path": "draft.txt", "content": "half done\n"}}]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", lazy), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    let out = env.peers(&repo, &["run", "--max-ticks", "1"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let tick = &env.ticks(&repo)[0];
    assert!(
        tick["soft_fail_reason"]
            .as_str()
            .unwrap()
            .contains("uncommitted edits"),
        "{tick}"
    );
    assert!(!repo.join("draft.txt").exists());
    assert!(
        env.git(&repo, &["stash", "list"])
            .contains("uncommitted edits of alice at tick 1")
    );
}

#[test]
fn a_second_run_is_refused_while_the_lock_is_held() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", honest("a.txt")),
            ("bob", "sim", honest("b.txt")),
        ],
        SIMPLE_GOALS,
        "",
    );
    let dir = peers_store::layout::PeersDir::at(&repo);
    let _lock = peers_store::run_lock::RunLock::acquire(&dir).expect("lock");
    let out = env.peers(&repo, &["run", "--max-ticks", "1"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert!(out.stderr.contains("holds the lock"), "{}", out.stderr);
    assert!(env.ticks(&repo).is_empty(), "nothing ran");
}

#[test]
fn run_refuses_unaccepted_goals() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", honest("a.txt")),
            ("bob", "sim", honest("b.txt")),
        ],
        SIMPLE_GOALS,
        "",
    );
    std::fs::write(
        repo.join(".peers/goals.yaml"),
        "goals:\n  - {id: other, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n",
    )
    .unwrap();
    let out = env.peers(&repo, &["run"]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(out.stderr.contains("peers goals accept"));
}

#[test]
fn a_requested_skeptic_tick_survives_a_restart() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", honest("a.txt")),
            ("bob", "sim", honest("b.txt")),
        ],
        SIMPLE_GOALS,
        "goals:\n  convergence_n: 2\n",
    );
    // Two clean ticks request the skeptic; the run stops before it.
    assert_eq!(env.peers(&repo, &["run", "--max-ticks", "2"]).code, 0);
    assert_eq!(env.last_stop(&repo), "max_ticks");
    assert_eq!(
        env.state(&repo)["skeptic"]["phase"],
        "requested",
        "{}",
        env.state(&repo)
    );
    // The next run starts with exactly that skeptic tick, then completes.
    let out = env.peers(&repo, &["run"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let ticks = env.ticks(&repo);
    assert_eq!(ticks.len(), 3);
    assert_eq!(ticks[2]["skeptic"], true);
    assert_eq!(env.last_stop(&repo), "complete");
}

#[test]
fn a_peer_that_leaves_a_server_running_fails_the_tick_and_the_server_dies() {
    // Host-side detection and undo, as with `--sandbox none` (the sandbox refuses these inside the turn).
    let env = TestEnv::new();
    let marker = env.root().join("server.pid");
    let leaky = json!({"turns": [[
        {"spawn_background": {"command": format!("echo $$ > {}; exec sleep 300", marker.display())}},
        {"sleep": {"ms": 200}},
        {"append_file": {"path": "a.txt", "content": "x\n"}},
        {"git_commit": {"message": HANDOFF}}
    ]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", leaky), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    assert_eq!(
        env.peers(&repo, &["run", "--max-ticks", "1", "--sandbox", "none"])
            .code,
        0
    );
    let tick = &env.ticks(&repo)[0];
    assert_eq!(tick["success"], false, "{tick}");
    assert!(
        tick["integrity"].to_string().contains("sleep 300"),
        "the leftover is named: {tick}"
    );
    let pid: i32 = std::fs::read_to_string(&marker)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let alive =
        rustix::process::test_kill_process(rustix::process::Pid::from_raw(pid).unwrap()).is_ok();
    assert!(!alive, "the server the peer left was killed");
}

#[test]
fn forging_the_run_log_caches_during_a_turn_fails_the_tick_and_drops_them() {
    // Host-side detection and undo, as with `--sandbox none` (the sandbox refuses these inside the turn).
    let env = TestEnv::new();
    let forged_summary = json!({"v": 1, "covered": 0, "witness": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "summary": {"ticks": 0, "tallies": {}, "timeline": [], "findings": [], "findings_total": 0,
                    "exits": [], "exits_total": 0, "repairs": [], "malformed": 0}});
    let forger = json!({"turns": [[
        {"write_file": {"path": ".peers/log/runs.jsonl.sum", "content": forged_summary.to_string()}},
        {"write_file": {"path": ".peers/log/runs.jsonl.idx", "content": "0000000000000000 00000010 0000000000000001 0000000000000001 1\n"}},
        {"append_file": {"path": "a.txt", "content": "x\n"}},
        {"git_commit": {"message": HANDOFF}}
    ]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", forger), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    assert_eq!(
        env.peers(&repo, &["run", "--max-ticks", "2", "--sandbox", "none"])
            .code,
        0
    );
    let ticks = env.ticks(&repo);
    let integrity = ticks[0]["integrity"].to_string();
    assert_eq!(ticks[0]["success"], false, "{}", ticks[0]);
    assert!(
        integrity.contains("runs.jsonl.sum was created"),
        "{integrity}"
    );
    assert!(
        integrity.contains("runs.jsonl.sum (a cache of the run log) was removed"),
        "{integrity}"
    );
    assert!(integrity.contains("runs.jsonl.idx"), "{integrity}");
    if let Ok(text) = std::fs::read_to_string(repo.join(".peers/log/runs.jsonl.sum")) {
        let checkpoint: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_ne!(checkpoint["covered"], 0, "the forged cache is gone: {text}");
    }
    let report = env.peers(&repo, &["report", "--json"]);
    assert_eq!(report.code, 0, "{}", report.stderr);
    assert!(
        report.stdout.contains("\"ticks\": 2") || report.stdout.contains("\"ticks\":2"),
        "{}",
        report.stdout
    );
    let replay = env.peers(&repo, &["replay", "1"]);
    assert_eq!(replay.code, 0, "{}", replay.stderr);
    assert!(replay.stdout.contains("alice"), "{}", replay.stdout);
}

#[test]
fn writing_peers_state_during_a_turn_fails_the_tick_and_is_undone() {
    // Host-side detection and undo, as with `--sandbox none` (the sandbox refuses these inside the turn).
    let env = TestEnv::new();
    let forger = json!({"turns": [[
        {"write_file": {"path": ".peers/state.json", "content": "{\"schema_version\": 2, \"iteration\": 999}"}},
        {"write_file": {"path": ".peers/last-stop-reason.txt", "content": "complete 2026-01-01T00:00:00Z\n"}},
        {"append_file": {"path": "a.txt", "content": "x\n"}},
        {"git_commit": {"message": HANDOFF}}
    ]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", forger), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    assert_eq!(
        env.peers(&repo, &["run", "--max-ticks", "1", "--sandbox", "none"])
            .code,
        0
    );
    let tick = &env.ticks(&repo)[0];
    assert_eq!(tick["success"], false);
    assert!(
        tick["soft_fail_reason"]
            .as_str()
            .unwrap()
            .contains("tampered"),
        "{tick}"
    );
    assert!(
        tick["integrity"]
            .to_string()
            .contains("state.json was modified")
    );
    assert_eq!(env.state(&repo)["iteration"], 1, "peers' own state wins");
    assert_eq!(
        env.last_stop(&repo),
        "max_ticks",
        "the forged stop reason is gone"
    );
}
