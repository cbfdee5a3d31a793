//! `peers init --modes=audit` says which gates are already red at the baseline (tests that fail
//! on the untouched code), and `--no-baseline-check` skips the look.

use crate::test_env::TestEnv;

fn js_with_a_failing_test(env: &TestEnv) -> std::path::PathBuf {
    let repo = env.repo("sum", false);
    env.write(
        &repo,
        "package.json",
        "{\"name\": \"sum\", \"version\": \"1.0.0\", \"scripts\": {\"test\": \"node --test\"}}\n",
    );
    env.write(&repo, "sum.js", "exports.add = (a, b) => a - b;\n");
    env.write(
        &repo,
        "sum.test.js",
        "const { test } = require('node:test');\nconst assert = require('node:assert');\nconst { add } = require('./sum');\n\ntest('adds', () => { assert.strictEqual(add(1, 2), 3); });\n",
    );
    env.commit_all(&repo, "sum");
    repo
}

fn node_present() -> bool {
    let present = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path)
            .any(|dir| dir.join("node").is_file() && dir.join("npm").is_file())
    });
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide node and npm"
        );
        eprintln!("!!! SKIPPED: node/npm not on PATH");
    }
    present
}

#[test]
fn init_names_the_gates_already_red_at_the_baseline() {
    if !node_present() {
        return;
    }
    let env = TestEnv::new();
    let repo = js_with_a_failing_test(&env);
    let out = env.peers(&repo, &["init", "--modes=audit", "--lang", "js"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(
        out.stdout.contains("Already red at the baseline"),
        "{}",
        out.combined()
    );
    assert!(out.stdout.contains("  tests-pass: "), "{}", out.combined());
    assert!(!out.stdout.contains("  lint-clean: "), "{}", out.combined());
    let json = env.peers(
        &repo,
        &["init", "--force", "--json", "--modes=audit", "--lang", "js"],
    );
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        report["red_at_baseline"][0]["gate"], "tests-pass",
        "{report}"
    );
}

#[test]
fn no_baseline_check_skips_the_look_and_the_default_goals_need_none() {
    if !node_present() {
        return;
    }
    let env = TestEnv::new();
    let repo = js_with_a_failing_test(&env);
    let out = env.peers(
        &repo,
        &[
            "init",
            "--modes=audit",
            "--lang",
            "js",
            "--no-baseline-check",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(!out.stdout.contains("Already red"), "{}", out.combined());
    let env = TestEnv::new();
    let repo = js_with_a_failing_test(&env);
    let out = env.peers(&repo, &["init"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    assert!(!out.stdout.contains("Already red"), "{}", out.combined());
}
