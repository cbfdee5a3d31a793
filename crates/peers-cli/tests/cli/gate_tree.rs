//! Gates judge the commit, not the working tree: hard gates run in a scratch worktree of the
//! judged commit, so ignored and untracked files cannot change a verdict, build output never
//! dirties the user's tree, and only declared outside-git directories are visible.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

/// The scratch worktree of `repo` (`<git-dir>/peers-scratch/peers-gates`).
fn scratch(repo: &Path) -> PathBuf {
    repo.join(".git/peers-scratch/peers-gates")
}

fn verify_json(env: &TestEnv, repo: &Path) -> (i32, serde_json::Value) {
    let out = env.peers(repo, &["verify", "--json"]);
    let value = serde_json::from_str(&out.stdout).unwrap_or_else(|_| panic!("{}", out.combined()));
    (out.code, value)
}

/// Regression: a gate checking for a file passed when an ignored copy sat in the live tree.
#[test]
fn an_ignored_file_cannot_change_a_verdict() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    env.write(&repo, ".gitignore", "pass_marker\n");
    env.commit_all(&repo, "ignore the marker");
    env.set_goals(
        &repo,
        "goals:\n  - {id: marker, type: hard, cmd: 'test -f pass_marker', pass_when: 'exit_code == 0'}\n",
    );
    env.write(&repo, "pass_marker", "planted\n");
    let (code, value) = verify_json(&env, &repo);
    assert_eq!(code, 1, "{value}");
    assert_eq!(value["hard"][0]["pass"], false, "{value}");
    assert!(
        repo.join("pass_marker").exists(),
        "the user's file is left alone"
    );
}

/// Regression: an untracked file in the live tree was visible to the gates.
#[test]
fn an_untracked_file_cannot_change_a_verdict() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    env.set_goals(
        &repo,
        "goals:\n  - {id: marker, type: hard, cmd: 'test -f pass_marker', pass_when: 'exit_code == 0'}\n",
    );
    env.write(&repo, "pass_marker", "untracked\n");
    let out = env.peers(&repo, &["verify"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    assert!(
        out.stderr
            .contains("uncommitted and untracked changes are not part of it"),
        "{}",
        out.combined()
    );
    env.commit_all(&repo, "commit the marker");
    assert_eq!(
        env.peers(&repo, &["verify"]).code,
        0,
        "committed, it counts"
    );
}

/// Regression: a peer's planted, ignored marker kept a gate green inside `peers run`.
#[test]
fn a_marker_planted_by_a_peer_does_not_pass_the_gate_in_a_run() {
    let env = TestEnv::new();
    let plant = json!({"turns": [[
        {"write_file": {"path": "pass_marker", "content": "planted by {peer}\n"}},
        {"git_commit": {"message": HANDOFF, "allow_empty": true}}
    ]]});
    let goals = format!(
        "{SIMPLE_GOALS}  - {{id: marker, type: hard, cmd: 'test -f pass_marker', pass_when: 'exit_code == 0'}}\n"
    );
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", plant.clone()), ("bob", "sim", plant)],
        &goals,
        "goals:\n  convergence_n: 1\n",
    );
    env.write(&repo, ".gitignore", "pass_marker\n");
    env.commit_all(&repo, "ignore the marker");
    let out = env.peers(&repo, &["run", "--max-ticks", "3"]);
    assert_ne!(env.last_stop(&repo), "complete", "{}", out.combined());
    let state = env.state(&repo);
    assert_eq!(
        state["goals_status"]["marker"]["state"],
        "fail",
        "{state:#}\n{}",
        out.combined()
    );
}

/// Regression: build output of a gate (an unignored `target/`, a rewritten `Cargo.lock`) made
/// every tick of a do-nothing peer fail with "changed files but made no commit".
#[test]
fn gate_build_output_does_not_make_a_do_nothing_tick_fail() {
    let env = TestEnv::new();
    let idle = json!({"turns": [[{"git_commit": {"message": HANDOFF, "allow_empty": true}}]]});
    let goals = format!(
        "{SIMPLE_GOALS}  - {{id: build, type: hard, cmd: 'mkdir -p target && date > target/out && date > Cargo.lock', pass_when: 'exit_code == 0'}}\n"
    );
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", idle.clone()), ("bob", "sim", idle)],
        &goals,
        "goals:\n  convergence_n: 2\n",
    );
    env.write(&repo, "Cargo.lock", "# tracked\n");
    env.commit_all(&repo, "track the lock file");
    let out = env.peers(&repo, &["run", "--max-ticks", "6"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(env.last_stop(&repo), "complete");
    let ticks = env.ticks(&repo);
    assert!(
        ticks.iter().all(|t| t["success"] == true),
        "no tick blamed on the gates' output: {ticks:#?}"
    );
    assert!(
        !out.combined().contains("made no commit"),
        "{}",
        out.combined()
    );
    assert!(
        !repo.join("target").exists(),
        "build output stays out of the user's tree"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("Cargo.lock")).unwrap(),
        "# tracked\n"
    );
    assert_eq!(env.git(&repo, &["status", "--porcelain"]), "");
}

/// A declared outside-git directory is visible (and must stay unchanged); an undeclared one is not.
#[test]
fn only_declared_outside_git_directories_are_visible_and_read_only() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    env.write(&repo, ".gitignore", ".venv/\ndata/\n");
    env.commit_all(&repo, "ignore the venv and the data");
    env.write(&repo, ".venv/bin/tool", "#!/bin/sh\n");
    env.write(&repo, ".venv/lib/keep.py", "");
    env.write(&repo, "data/big.csv", "1,2\n");
    let config = std::fs::read_to_string(repo.join(".peers/config.yaml")).unwrap();
    assert!(
        config.contains("  outside_git: []\n"),
        "the template has the key"
    );
    std::fs::write(
        repo.join(".peers/config.yaml"),
        config.replace("  outside_git: []\n", "  outside_git: [.venv]\n"),
    )
    .unwrap();
    env.set_goals(
        &repo,
        "goals:\n  - {id: venv, type: hard, cmd: 'test -f .venv/bin/tool', pass_when: 'exit_code == 0'}\n  - {id: data, type: hard, cmd: 'test -e data', pass_when: 'exit_code == 0'}\n",
    );
    let (code, value) = verify_json(&env, &repo);
    assert_eq!(code, 1, "{value}");
    assert_eq!(value["hard"][0]["pass"], true, "declared: visible {value}");
    assert_eq!(
        value["hard"][1]["pass"], false,
        "undeclared: invisible {value}"
    );

    env.set_goals(
        &repo,
        "goals:\n  - {id: writes, type: hard, cmd: 'echo x > .venv/bin/tool', pass_when: 'exit_code == 0'}\n",
    );
    let (code, value) = verify_json(&env, &repo);
    assert_eq!(code, 1, "{value}");
    let diagnostic = value["hard"][0]["diagnostic"].as_str().unwrap();
    assert!(
        diagnostic.contains(".venv") && diagnostic.contains("gates.outside_git"),
        "{diagnostic}"
    );
    assert!(
        repo.join(".venv/lib/keep.py").exists() && repo.join("data/big.csv").exists(),
        "cleaning the scratch tree never follows the link into the user's directories"
    );
}

/// The scratch worktree is reused: a kept build cache stays warm between evaluations while
/// other gate output is cleaned; a cache changed behind peers' back is discarded.
#[test]
fn the_scratch_worktree_is_reused_and_only_its_trusted_cache_survives() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    env.write(&repo, "Cargo.toml", "[package]\nname = \"app\"\n");
    env.commit_all(&repo, "a rust project");
    let log = env.root().join("gate.log");
    let cmd = format!(
        "{{ [ -f target/warm ] && echo warm || echo cold; [ -e junk ] && echo junk; }} >> {log}; mkdir -p target; touch target/warm junk Cargo.lock",
        log = log.display()
    );
    env.set_goals(
        &repo,
        &format!("goals:\n  - id: build\n    type: hard\n    cmd: \"{cmd}\"\n    pass_when: 'exit_code == 0'\n"),
    );
    for _ in 0..2 {
        let out = env.peers(&repo, &["verify"]);
        assert_eq!(out.code, 0, "{}", out.combined());
    }
    let lines = || std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        lines(),
        "cold\nwarm\n",
        "reused, target/ kept, junk cleaned"
    );
    assert!(scratch(&repo).join("target/warm").exists());
    assert!(
        scratch(&repo).join("Cargo.lock").exists(),
        "cargo's untracked lock file is kept with target/"
    );
    assert!(!repo.join("target").exists() && !repo.join("junk").exists());

    std::fs::write(scratch(&repo).join("target/planted"), "not built by a gate").unwrap();
    let out = env.peers(&repo, &["verify"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert_eq!(
        lines(),
        "cold\nwarm\ncold\n",
        "a tampered cache is discarded"
    );
    assert!(
        out.stderr.contains("discarded the gates' build cache"),
        "{}",
        out.combined()
    );
    assert_eq!(env.git(&repo, &["status", "--porcelain"]), "");
}
