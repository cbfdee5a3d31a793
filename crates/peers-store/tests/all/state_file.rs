//! Loading and saving `state.json`: fresh, v1 migration with its one-time backup, v2 with keys
//! peers does not know, and the errors a user can act on.

use peers_core::state::{PeerState, StateError};
use peers_store::StoreError;
use peers_store::state_file::{load_state, save_state};
use serde_json::{Value, json};

use crate::support::TempRepo;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// A v1 state as the original wrote it before peers had a schema version.
const ORIGINAL_V1: &str = r#"{
  "whose_turn": "codex",
  "iteration": 12,
  "tools": {
    "claude": {"state": "healthy", "consecutive_fails": 0, "recent_fails": 0.0,
               "recent_runs": [true, true], "last_run": {"classification": "success", "duration_ms": 81234}},
    "codex": {"state": "degraded", "consecutive_fails": 3, "recent_fails": 2.5,
              "recent_runs": [false, 0.5, false], "last_run": {"classification": "idle-timeout", "duration_ms": 900000}}
  },
  "budget": {"max_iterations": 200, "spent_iterations": 12, "spent_runtime_s": 5400,
             "spent_tokens": 120000, "spent_usd": 3.5},
  "goals_status": {"tests-pass": {"state": "fail", "diagnostic": "2 failed", "duration_ms": 4100}},
  "stuck_counter": {"tests-pass": 4},
  "warnings": ["codex idle for 900s"]
}
"#;

/// A v2 state as the original writes it, with keys this build does not model.
fn original_v2() -> Value {
    json!({
        "schema_version": 2, "iteration": 40, "peer_order": ["claude", "codex"], "turn_index": 1,
        "peer_roles": {"claude": "default", "codex": "default"},
        "budget": {"max_iterations": 200, "max_runtime_s": 21600, "max_consecutive_failures": 5,
                   "max_tokens": null, "max_usd": 25.0, "max_usd_mode": "auto",
                   "max_usd_mode_reason": "subscription billing detected",
                   "spent_iterations": 40, "spent_runtime_s": 9000, "wasted_runtime_s": 120,
                   "wasted_runtime_per_tick": [{"iteration": 7, "peer": "codex", "duration_s": 120}],
                   "consecutive_failures": 0, "spent_tokens": 5, "spent_usd": 0.25,
                   "max_usd_warned_for": 25.0},
        "goals_status": {"lint": {"state": "pass", "diagnostic": "", "duration_ms": 900, "cached": true}},
        "stuck_counter": {"lint": 0}, "consecutive_clean_ticks": 2,
        "peers": {
            "claude": {"state": "healthy", "consecutive_fails": 0, "recent_fails": 0.0,
                       "recent_runs": [true], "last_run": {"classification": "success",
                       "duration_ms": 1000, "soft_reviews_seen": 2},
                       "anti_cheat_prewarned": true, "_scratch": 1},
            "codex": {"state": "unavailable", "consecutive_fails": 1, "recent_fails": 1.0,
                      "recent_runs": [false], "last_run": null,
                      "unavailable_reason": "quota", "unavailable_at_iter": 39}
        },
        "warnings": [], "warnings_history": [{"ts": "2024-05-01T10:00:00Z", "iter": 3, "w": "x"}],
        "soft_status": {"review": {"consensus_count": 1, "history": []}},
        "last_inbox_sha": {"codex": "abc123"}, "dirty_worktree": false, "phase": "implementation",
        "rate_limit_streak": 0,
        "recent_diff_stats": {"abc123": {"test_lines": 10, "src_lines": 20}},
        "convergence_phase": "A",
        "config": {"max_retries": 2},
        "_migrated_from_v1": true
    })
}

#[test]
fn missing_state_is_fresh_for_the_configured_peers() {
    let repo = TempRepo::new();
    let loaded = load_state(&repo.dir, &names(&["claude", "codex"])).unwrap();
    assert!(loaded.fresh);
    assert_eq!(loaded.state.peer_order, ["claude", "codex"]);
    assert!(repo.peers_entries().is_empty(), "loading must not write");
}

#[test]
fn v1_state_is_migrated_and_backed_up_once() {
    let repo = TempRepo::new();
    std::fs::write(repo.dir.state_json(), ORIGINAL_V1).unwrap();
    let loaded = load_state(&repo.dir, &names(&["claude", "codex"])).unwrap();
    assert!(loaded.migrated_from_v1);
    assert!(!loaded.peer_order_reset);
    let state = &loaded.state;
    assert_eq!(state.current_peer(), Some("codex"));
    assert_eq!(state.iteration, 12);
    assert_eq!(state.peers["codex"].state, PeerState::Degraded);
    assert_eq!(state.peers["codex"].consecutive_fails, 3);
    assert_eq!(state.stuck_counter["tests-pass"], 4);
    let backup = repo.dir.state_pre_migration();
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), ORIGINAL_V1);

    // The migrated state is saved as v2; a later v1 file (say, restored by hand) must not
    // overwrite the first backup.
    save_state(&repo.dir, state).unwrap();
    let saved: Value =
        serde_json::from_slice(&std::fs::read(repo.dir.state_json()).unwrap()).unwrap();
    assert_eq!(saved["schema_version"], 2);
    assert!(saved.get("whose_turn").is_none());
    std::fs::write(
        repo.dir.state_json(),
        ORIGINAL_V1.replace("\"codex\",", "\"claude\","),
    )
    .unwrap();
    let again = load_state(&repo.dir, &names(&["claude", "codex"])).unwrap();
    assert!(again.migrated_from_v1);
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), ORIGINAL_V1);
}

#[test]
fn symlinked_backup_path_blocks_the_migration() {
    let repo = TempRepo::new();
    std::fs::write(repo.dir.state_json(), ORIGINAL_V1).unwrap();
    let target = repo.root().join("victim");
    std::os::unix::fs::symlink(&target, repo.dir.state_pre_migration()).unwrap();
    let err = load_state(&repo.dir, &names(&["claude", "codex"])).unwrap_err();
    assert!(matches!(err, StoreError::Symlink { .. }), "{err:?}");
    assert!(!target.exists());
}

#[test]
fn original_v2_state_round_trips_without_losing_unknown_keys() {
    let repo = TempRepo::new();
    let original = original_v2();
    std::fs::write(
        repo.dir.state_json(),
        serde_json::to_vec(&original).unwrap(),
    )
    .unwrap();
    let loaded = load_state(&repo.dir, &names(&["claude", "codex"])).unwrap();
    assert!(!loaded.migrated_from_v1);
    assert_eq!(loaded.state.current_peer(), Some("codex"));
    assert_eq!(loaded.state.peers["codex"].state, PeerState::Unavailable);
    save_state(&repo.dir, &loaded.state).unwrap();
    let saved: Value =
        serde_json::from_slice(&std::fs::read(repo.dir.state_json()).unwrap()).unwrap();

    for pointer in [
        "/recent_diff_stats/abc123/src_lines",
        "/convergence_phase",
        "/config/max_retries",
        "/budget/max_usd_warned_for",
        "/goals_status/lint/cached",
        "/peers/claude/anti_cheat_prewarned",
        "/peers/claude/last_run/soft_reviews_seen",
        "/soft_status/review/consensus_count",
        "/warnings_history/0/ts",
        "/peers/codex/unavailable_at_iter",
    ] {
        assert_eq!(
            saved.pointer(pointer).map(normalize),
            original.pointer(pointer).map(normalize),
            "{pointer}"
        );
    }
    assert!(saved.get("_migrated_from_v1").is_none());
    assert!(saved.pointer("/peers/claude/_scratch").is_none());
    // Saving what was loaded again changes nothing.
    let reloaded = load_state(&repo.dir, &names(&["claude", "codex"])).unwrap();
    assert_eq!(reloaded.state, loaded.state);
}

/// Integers the original wrote for float fields come back as floats; compare numerically.
fn normalize(value: &Value) -> Value {
    match value.as_f64() {
        Some(number) => json!(number),
        None => value.clone(),
    }
}

#[test]
fn config_with_other_peers_resets_the_order() {
    let repo = TempRepo::new();
    std::fs::write(
        repo.dir.state_json(),
        serde_json::to_vec(&original_v2()).unwrap(),
    )
    .unwrap();
    let loaded = load_state(&repo.dir, &names(&["codex", "gemini"])).unwrap();
    assert!(loaded.peer_order_reset);
    assert_eq!(loaded.state.current_peer(), Some("codex"));
    assert!(loaded.state.peers.contains_key("gemini"));
    assert!(!loaded.state.peers.contains_key("claude"));
}

#[test]
fn json_syntax_error_names_line_and_column() {
    let repo = TempRepo::new();
    std::fs::write(repo.dir.state_json(), "{\n  \"iteration\": 3,\n  oops\n}\n").unwrap();
    let err = load_state(&repo.dir, &names(&["a", "b"])).unwrap_err();
    match &err {
        StoreError::StateSyntax { line, column, .. } => assert_eq!((*line, *column), (3, 3)),
        other => panic!("expected StateSyntax, got {other:?}"),
    }
    assert!(err.to_string().contains("state.json:3:3"), "{err}");
}

#[test]
fn state_from_a_newer_peers_asks_for_an_upgrade() {
    let repo = TempRepo::new();
    std::fs::write(repo.dir.state_json(), r#"{"schema_version": 3}"#).unwrap();
    let err = load_state(&repo.dir, &names(&["a", "b"])).unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::State {
                source: StateError::NewerSchema { found: 3 },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("upgrade"), "{err}");
}

#[test]
fn invalid_peer_state_names_the_key_and_the_file() {
    let repo = TempRepo::new();
    let mut state = original_v2();
    state["peers"]["codex"]["state"] = json!("asleep");
    std::fs::write(repo.dir.state_json(), serde_json::to_vec(&state).unwrap()).unwrap();
    let message = load_state(&repo.dir, &names(&["claude", "codex"]))
        .unwrap_err()
        .to_string();
    assert!(message.contains("state.json"), "{message}");
    assert!(message.contains("`peers.codex.state`"), "{message}");
}

#[test]
fn saved_state_is_pretty_sorted_and_private() {
    use std::os::unix::fs::PermissionsExt;
    let repo = TempRepo::new();
    let loaded = load_state(&repo.dir, &names(&["a", "b"])).unwrap();
    save_state(&repo.dir, &loaded.state).unwrap();
    let text = std::fs::read_to_string(repo.dir.state_json()).unwrap();
    assert!(text.starts_with("{\n  \"budget\": {"), "{text}");
    assert!(text.ends_with("}\n"));
    let mode = std::fs::metadata(repo.dir.state_json())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(repo.peers_entries(), ["state.json"]);
}

#[test]
fn invalid_state_is_not_saved() {
    let repo = TempRepo::new();
    let mut state = load_state(&repo.dir, &names(&["a", "b"])).unwrap().state;
    state.turn_index = 5;
    let err = save_state(&repo.dir, &state).unwrap_err();
    assert!(err.to_string().contains("turn_index"), "{err}");
    assert!(!repo.dir.state_json().exists());
}
