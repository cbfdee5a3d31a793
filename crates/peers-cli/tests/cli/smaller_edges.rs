//! Issue 9 item 12: loop-only gates under `peers verify`, goal sets that could never prove
//! "done", unknown tools, a deleted goals.yaml, `--json` on every command that prints a
//! result, and `peers review` where every reviewer failed.

use serde_json::json;

use crate::test_env::{HANDOFF, SIMPLE_GOALS, TestEnv};

fn honest(file: &str) -> serde_json::Value {
    json!({"turns": [[{"append_file": {"path": file, "content": "{peer} was here\n"}}, {"git_commit": {"message": HANDOFF}}]]})
}

const LOOP_GATES: &str = "goals:\n  - {id: builds, type: hard, cmd: 'true', pass_when: 'exit_code == 0'}\n  - {id: convergence-reached, type: hard, builtin: convergence-reached}\n  - {id: all-peers-healthy, type: hard, builtin: all-peers-healthy}\n";

fn verify_json(env: &TestEnv, repo: &std::path::Path) -> (i32, serde_json::Value) {
    let out = env.peers(repo, &["verify", "--json"]);
    let value = serde_json::from_str(&out.stdout).unwrap_or_else(|_| panic!("{}", out.combined()));
    (out.code, value)
}

#[test]
fn verify_shows_loop_only_gates_as_judged_in_a_run_with_the_last_runs_verdict() {
    let env = TestEnv::new();
    let repo = env.sim_project(
        "app",
        &[
            ("alice", "sim", honest("a.txt")),
            ("bob", "sim", honest("b.txt")),
        ],
        LOOP_GATES,
        "goals:\n  convergence_n: 2\n",
    );
    // Before any run: not judged, and not counted.
    let out = env.peers(&repo, &["verify"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(out.stdout.contains("judged in a run"), "{}", out.stdout);
    assert!(out.stdout.contains("not yet judged"), "{}", out.stdout);
    let (_, value) = verify_json(&env, &repo);
    let ids: Vec<&str> = value["hard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&"convergence-reached"), "{ids:?}");
    assert_eq!(value["judged_in_run"][0]["id"], "convergence-reached");
    assert!(value["judged_in_run"][0]["last_run"].is_null());
    let report = std::fs::read_to_string(repo.join(".peers/VERIFY.md")).unwrap();
    assert!(report.contains("Judged in a run"), "{report}");

    // A run that stopped before convergence: its verdict counts.
    env.peers(&repo, &["run", "--max-ticks", "1"]);
    let (code, value) = verify_json(&env, &repo);
    assert_eq!(code, 1, "{value:#}");
    assert_eq!(value["judged_in_run"][0]["last_run"], "fail");

    // A completed run: pass.
    let out = env.peers(&repo, &["run", "--max-ticks", "10"]);
    assert_eq!(env.last_stop(&repo), "complete", "{}", out.combined());
    let out = env.peers(&repo, &["verify"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(out.stdout.contains("pass (last run)"), "{}", out.stdout);
}

#[test]
fn a_goal_set_without_a_hard_goal_is_refused_everywhere() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    let soft_only =
        "goals:\n  - {id: quality, type: soft, reviewer: other, prompt: 'Is the code good?'}\n";
    for goals in ["goals: []\n", "", soft_only] {
        std::fs::write(repo.join(".peers/goals.yaml"), goals).unwrap();
        let out = env.peers(&repo, &["goals", "accept"]);
        assert_eq!(out.code, 2, "{goals:?}: {}", out.combined());
        assert!(
            out.stderr.contains("nothing could prove the work is done"),
            "{}",
            out.stderr
        );
        for args in [&["verify", "--allow-unaccepted-goals"][..], &["run"][..]] {
            let out = env.peers(&repo, args);
            assert_eq!(out.code, 2, "{args:?} {goals:?}: {}", out.combined());
            assert!(out.stderr.contains("without a hard goal"), "{}", out.stderr);
        }
    }
    assert!(!repo.join(".peers/VERIFY.md").exists());
}

#[test]
fn an_unknown_tool_is_an_error_even_with_an_explicit_argv() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    std::fs::write(
        repo.join(".peers/config.yaml"),
        "peers:\n  - {name: a, tool: claud, argv: [claude, '{PROMPT}']}\n  - {name: b, tool: generic, argv: [aider, '{PROMPT}']}\n",
    )
    .unwrap();
    for args in [&["info"][..], &["verify"][..], &["run"][..]] {
        let out = env.peers(&repo, args);
        assert_eq!(out.code, 2, "{}", out.combined());
        assert!(
            out.stderr.contains("unknown tool 'claud'"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("did you mean 'claude'?"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("config.yaml:2:"), "{}", out.stderr);
    }
    std::fs::write(
        repo.join(".peers/config.yaml"),
        "peers:\n  - {name: a, tool: generic, argv: [claude, '{PROMPT}']}\n  - {name: b, tool: generic, argv: [aider, '{PROMPT}']}\n",
    )
    .unwrap();
    let out = env.peers(&repo, &["info"]);
    assert_eq!(
        out.code,
        0,
        "generic is the escape hatch: {}",
        out.combined()
    );
}

#[test]
fn a_deleted_goals_yaml_exits_2_with_a_clear_message() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    std::fs::remove_file(repo.join(".peers/goals.yaml")).unwrap();
    for args in [
        &["verify"][..],
        &["run"][..],
        &["info"][..],
        &["report"][..],
        &["goals", "accept"][..],
        &["goals", "check"][..],
    ] {
        let out = env.peers(&repo, args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.combined());
        assert!(
            out.stderr.contains(".peers/goals.yaml is missing"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("hint: restore it"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn every_command_that_prints_a_result_accepts_json() {
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
    // The README's list; `watch` and `demo` are documented as not taking --json.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    for command in [
        "init",
        "info",
        "status",
        "verify",
        "goals check",
        "goals accept",
        "modes list",
        "run",
        "tick",
        "replay",
        "report",
        "bugs",
        "revive",
        "review",
    ] {
        let mut args: Vec<&str> = command.split(' ').collect();
        args.push("--help");
        let out = env.peers(&repo, &args);
        assert!(
            out.stdout.contains("--json"),
            "`peers {command}` has no --json"
        );
        let first = command.split(' ').next().unwrap();
        assert!(
            readme.contains(&format!("`{first}")),
            "README does not list {command}"
        );
    }
    for (args, key) in [
        (&["run", "--max-ticks", "1", "--json"][..], "reason"),
        (&["tick", "--json"][..], "ticks_in_run"),
        (&["report", "--json"][..], "report"),
        (&["revive", "--all", "--json"][..], "peers"),
        (&["replay", "1", "--json"][..], "event"),
    ] {
        let out = env.peers(&repo, args);
        let value: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|err| panic!("{args:?}: {err}: {}", out.combined()));
        assert!(value.get(key).is_some(), "{args:?}: {value:#}");
    }
}

/// Guards `peers review --tool`: it needs nothing from .peers/config.yaml, so a config that does
/// not load must not stop it; without `--tool` the same config is still an error naming the file.
#[test]
fn review_with_explicit_tools_goes_on_without_a_loadable_config() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    std::fs::write(repo.join(".peers/config.yaml"), "peers: [unclosed\n").unwrap();
    let revision = "no-such-revision";
    let out = env.peers(
        &repo,
        &["review", "--tool", "claude,codex", "--commit", revision],
    );
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(
        out.stderr.contains(revision),
        "it got as far as the revision: {}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("warning: reviewing without sandbox.allow_hosts: .peers/config.yaml"),
        "{}",
        out.stderr
    );
    let out = env.peers(&repo, &["review", "--commit", revision]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(out.stderr.contains(".peers/config.yaml"), "{}", out.stderr);
    assert!(!out.stderr.contains(revision), "{}", out.stderr);
}

#[test]
fn a_review_where_every_reviewer_failed_says_so_and_exits_non_zero() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    std::fs::write(
        repo.join(".peers/config.yaml"),
        "peers:\n  - {name: a, tool: generic, argv: [sh, -c, 'echo no findings here', '{PROMPT}']}\n  - {name: b, tool: generic, argv: ['false', '{PROMPT}']}\n",
    )
    .unwrap();
    let out = env.peers(&repo, &["review", "--commit", "HEAD"]);
    assert_eq!(out.code, 4, "{}", out.combined());
    assert!(!out.stdout.contains("converged"), "{}", out.stdout);
    assert!(
        out.stdout.contains("every reviewer failed"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("every reviewer failed"),
        "{}",
        out.stderr
    );
    let out = env.peers(&repo, &["review", "--commit", "HEAD", "--json"]);
    assert_eq!(out.code, 4, "{}", out.combined());
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["reviewed"], false);
    assert_eq!(value["converged"], false);
}
