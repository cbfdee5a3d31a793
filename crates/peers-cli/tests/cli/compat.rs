//! A `.peers/` written by the original Python tool loads: its config (legacy keys as notices),
//! its goals (legacy gate commands mapped to built-ins), and state.json v1 (migrated with a
//! backup) and v2 (unknown keys kept).

use std::path::{Path, PathBuf};

use crate::test_env::TestEnv;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/original")
        .join(name)
}

fn original_project(env: &TestEnv, state: &str) -> PathBuf {
    let repo = env.initialised_repo("legacy");
    for file in ["config.yaml", "goals.yaml"] {
        std::fs::copy(fixture(file), repo.join(".peers").join(file)).unwrap();
    }
    std::fs::copy(fixture(state), repo.join(".peers/state.json")).unwrap();
    let out = env.peers(&repo, &["goals", "accept"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    repo
}

#[test]
fn original_config_and_goals_load_with_notices() {
    let env = TestEnv::new();
    let repo = original_project(&env, "state-v2.json");
    let out = env.peers(&repo, &["info", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let notices = value["notices"].to_string();
    for key in ["pipeline_gates", "observability", "self-review-on-handoff"] {
        assert!(notices.contains(key), "no notice about {key}: {notices}");
    }
    let goals = value["goals"].to_string();
    assert!(
        goals.contains("built-in"),
        "legacy commands mapped to built-ins: {goals}"
    );
}

#[test]
fn original_default_goals_run_as_builtins() {
    let env = TestEnv::new();
    let repo = original_project(&env, "state-v2.json");
    let out = env.peers(&repo, &["verify", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let bug_hunt = value["hard"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "bug-hunt-clean")
        .unwrap();
    assert_eq!(bug_hunt["pass"], true, "{value}");
}

#[test]
fn state_v1_is_migrated_with_a_backup() {
    let env = TestEnv::new();
    let repo = original_project(&env, "state-v1.json");
    let out = env.peers(&repo, &["status", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["iteration"], 7);
    assert_eq!(value["next_peer"], "codex");
    assert_eq!(value["peers"]["codex"]["state"], "degraded");
    let backup = std::fs::read_to_string(repo.join(".peers/state.json.pre-migration")).unwrap();
    assert_eq!(
        backup,
        std::fs::read_to_string(fixture("state-v1.json")).unwrap()
    );
}

#[test]
fn state_v2_of_the_original_loads() {
    let env = TestEnv::new();
    let repo = original_project(&env, "state-v2.json");
    let out = env.peers(&repo, &["status", "--json"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["iteration"], 12);
    assert_eq!(value["next_peer"], "codex");
    assert_eq!(value["consecutive_clean_ticks"], 2);
}
