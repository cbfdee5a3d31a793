//! `peers run --sandbox native`: every turn goes through the native sandbox — honest work
//! completes, and what the sandbox forbids (peers' own files, anything outside the repository)
//! is refused inside the turn rather than detected and undone afterwards.

use serde_json::json;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

fn honest(file: &str) -> serde_json::Value {
    json!({"turns": [[{"append_file": {"path": file, "content": "work\n"}}, {"git_commit": {"message": HANDOFF}}]]})
}

#[test]
fn honest_turns_complete_confined_and_the_header_says_so() {
    if !super::available() {
        return;
    }
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
    let out = env.peers(
        &repo,
        &["run", "--max-ticks", "2", "--sandbox", "native", "--json"],
    );
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(out.stderr.contains("sandbox: native"), "{}", out.stderr);
    let summary: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["sandbox"], "native");
    let ticks = env.ticks(&repo);
    assert_eq!(ticks.len(), 2);
    assert!(ticks.iter().all(|t| t["success"] == true), "{ticks:?}");
    assert!(repo.join("a.txt").exists() && repo.join("b.txt").exists());
}

#[test]
fn a_confined_turn_cannot_write_peers_files_or_outside_the_repository() {
    if !super::available() {
        return;
    }
    let env = TestEnv::new();
    let outside = env.root().join("outside.txt");
    let forger = json!({"turns": [[
        {"write_file": {"path": outside.display().to_string(), "content": "escaped\n"}},
        {"write_file": {"path": ".peers/state.json", "content": "{\"schema_version\": 2, \"iteration\": 999}"}},
        {"append_file": {"path": "a.txt", "content": "x\n"}},
        {"git_commit": {"message": HANDOFF}}
    ]]});
    let repo = env.sim_project(
        "app",
        &[("alice", "sim", forger), ("bob", "sim", honest("b.txt"))],
        SIMPLE_GOALS,
        "",
    );
    let before = std::fs::read(repo.join(".peers/state.json")).unwrap();
    let out = env.peers(&repo, &["run", "--max-ticks", "1", "--sandbox", "native"]);
    assert!(out.code == 0 || out.code == 1, "{}", out.combined());
    assert!(
        !outside.exists(),
        "a file outside the repository was written"
    );
    let tick = &env.ticks(&repo)[0];
    assert_eq!(tick["success"], false, "{tick}");
    let integrity = tick["integrity"].to_string();
    assert!(
        !integrity.contains("state.json was modified"),
        "the write never happened: {integrity}"
    );
    assert_ne!(
        std::fs::read(repo.join(".peers/state.json")).unwrap(),
        before,
        "peers itself still saves its state"
    );
    assert_eq!(env.state(&repo)["iteration"], 1);
}

#[test]
fn without_the_flag_runs_are_confined_and_none_must_be_asked_for() {
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
    if super::available() {
        let out = env.peers(&repo, &["run", "--max-ticks", "1"]);
        assert_eq!(out.code, 0, "{}", out.combined());
        assert!(out.stderr.contains("sandbox: native"), "{}", out.stderr);
        let report = env.peers(&repo, &["report", "--print"]);
        assert!(
            report.stdout.contains("## Sandbox") && report.stdout.contains("last run: native"),
            "{}",
            report.stdout
        );
        let info = env.peers(&repo, &["info"]);
        assert!(
            info.stdout.contains("sandbox: native by default"),
            "{}",
            info.stdout
        );
    }
    let out = env.peers(&repo, &["run", "--max-ticks", "1", "--sandbox", "none"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(
        out.stderr
            .contains("sandbox: none (agents run on the host as you, unconfined"),
        "{}",
        out.stderr
    );
    let report = env.peers(&repo, &["report", "--print"]);
    assert!(
        report.stdout.contains("last run: **none**"),
        "{}",
        report.stdout
    );
    let bad = env.peers(&repo, &["run", "--max-ticks", "1", "--sandbox", "chroot"]);
    assert_eq!(bad.code, 2, "{}", bad.combined());
    assert!(
        bad.stderr.contains("native") && bad.stderr.contains("none"),
        "{}",
        bad.stderr
    );
}

#[test]
fn honest_turns_complete_in_podman_containers_with_the_container_alias() {
    if !super::podman::available() {
        return;
    }
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
    let out = env.peers(&repo, &["run", "--max-ticks", "2", "--container", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(out.stderr.contains("sandbox: podman"), "{}", out.stderr);
    let summary: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["sandbox"], "podman");
    let ticks = env.ticks(&repo);
    assert_eq!(ticks.len(), 2);
    assert!(ticks.iter().all(|t| t["success"] == true), "{ticks:?}");
    assert!(repo.join("a.txt").exists() && repo.join("b.txt").exists());
    let both = env.peers(&repo, &["run", "--container", "--sandbox", "none"]);
    assert_eq!(
        both.code,
        2,
        "--container conflicts with --sandbox: {}",
        both.combined()
    );
}

#[test]
fn review_rounds_run_confined_on_every_backend() {
    let choices: Vec<&str> = super::backends()
        .into_iter()
        .map(|backend| match backend {
            super::Backend::Native => "native",
            super::Backend::Podman => "podman",
        })
        .collect();
    for choice in choices {
        let env = TestEnv::new();
        let repo = crate::cli::launch_log::review_project(&env);
        let out = env.peers(
            &repo,
            &[
                "review",
                "--commit",
                "HEAD",
                "--max-rounds",
                "2",
                "--json",
                "--sandbox",
                choice,
            ],
        );
        let verdict: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|_| panic!("{choice}: {}", out.combined()));
        assert_eq!(verdict["rounds"], 2, "{choice}: {verdict:#}");
    }
}
