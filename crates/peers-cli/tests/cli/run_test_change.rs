//! `peers run` with a test that was red at the baseline: a peer that rewrites its expectation
//! and justifies the change itself never completes the run; the same change agreed by the
//! other peer (`Test-Change-Agree`) does. The project is tested by node's built-in runner.

use serde_json::json;

use crate::test_env::{HANDOFF, TestEnv};

/// `add` subtracts, so the `adds` test is red at the baseline.
const SUM: &str = "exports.add = (a, b) => a - b;\n";
const TESTS: &str = "const { test } = require('node:test');\nconst assert = require('node:assert');\nconst { add } = require('./sum');\n\ntest('adds', () => { assert.strictEqual(add(1, 2), 3); });\ntest('zero', () => { assert.strictEqual(add(0, 0), 0); });\n";
const GOALS: &str = "goals:\n  - {id: no-prior-regression, type: hard, builtin: no-prior-regression, params: {lang: [js]}, timeout_s: 120}\n  - {id: self-review-on-handoff, type: hard, builtin: self-review-on-handoff}\n  - {id: bug-hunt-clean, type: hard, builtin: bug-hunt-clean}\n";

fn node_present() -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path)
            .any(|dir| dir.join("node").is_file() && dir.join("npm").is_file())
    })
}

/// Alice rewrites the red test's expectation in a test-only turn with her own justification,
/// then hands off; bob hands off with `bob_trailer` added to his handoff.
fn run(bob_trailer: &str) -> (TestEnv, std::path::PathBuf, String) {
    let env = TestEnv::new();
    let repo = env.repo("sum", false);
    env.write(
        &repo,
        "package.json",
        "{\"name\": \"sum\", \"version\": \"1.0.0\", \"scripts\": {\"test\": \"node --test\"}}\n",
    );
    env.write(&repo, "sum.js", SUM);
    env.write(&repo, "sum.test.js", TESTS);
    env.commit_all(&repo, "sum with tests");
    let out = env.peers(&repo, &["init", "--quiet"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let rewritten = TESTS.replace("add(1, 2), 3)", "add(1, 2), -1)");
    let justified = format!(
        "{HANDOFF}\nJustified-Test-Only: the expected value was computed by hand and is wrong\nJustified-Test-Change: the expected value was computed by hand and is wrong"
    );
    let alice = json!({"turns": [
        [{"write_file": {"path": "sum.test.js", "content": rewritten}},
         {"git_commit": {"message": justified}}],
        [{"append_file": {"path": "NOTES.md", "content": "alice reviewed\n"}},
         {"git_commit": {"message": HANDOFF}}]
    ]});
    let bob = json!({"turns": [[
        {"append_file": {"path": "NOTES.md", "content": "bob reviewed\n"}},
        {"git_commit": {"message": format!("{HANDOFF}{bob_trailer}")}}
    ]]});
    let scripts = env.root().join("scripts");
    std::fs::create_dir_all(&scripts).unwrap();
    let mut config = String::from("peers:\n");
    for (name, script) in [("alice", alice), ("bob", bob)] {
        let path = scripts.join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_vec_pretty(&script).unwrap()).unwrap();
        config.push_str(&format!(
            "  - {{name: {name}, tool: sim, argv: ['{}', 'sim-agent', '--script', '{}'], prompt_mode: stdin}}\n",
            env!("CARGO_BIN_EXE_peers"),
            path.display()
        ));
    }
    config.push_str("health:\n  idle_timeout_s: 60\n  absolute_max_runtime_s: 120\n  grace_s: 1\ngoals:\n  convergence_n: 1\n");
    std::fs::write(repo.join(".peers/config.yaml"), config).unwrap();
    env.set_goals(&repo, GOALS);
    let out = env.peers(
        &repo,
        &["run", "--max-ticks", "6", "--without-recon", "--no-codemap"],
    );
    let report = env.peers(&repo, &["report", "--print"]);
    let text = format!(
        "{}\n{}\n{}",
        out.combined(),
        report.stdout,
        env.last_stop(&repo)
    );
    (env, repo, text)
}

#[test]
fn a_self_justified_rewrite_of_a_red_test_never_completes_the_run() {
    if !node_present() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide node and npm"
        );
        eprintln!("!!! SKIPPED: node/npm not on PATH");
        return;
    }
    let (env, repo, text) = run("");
    assert_ne!(env.last_stop(&repo), "complete", "{text}");
    assert!(text.contains("TEST CHANGED TO PASS adds"), "{text}");
}

#[test]
fn the_same_rewrite_agreed_by_the_other_peer_completes() {
    if !node_present() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide node and npm"
        );
        eprintln!("!!! SKIPPED: node/npm not on PATH");
        return;
    }
    let (env, repo, text) = run("\nTest-Change-Agree: adds 1 + 2 is specified as -1 in this kata");
    assert_eq!(env.last_stop(&repo), "complete", "{text}");
}
